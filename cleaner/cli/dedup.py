"""``cleaner dedup``: near-duplicate paragraphs across documents, as text or JSON."""

from __future__ import annotations

import json

import click

from cleaner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, cli
from cleaner.cli.common import default_config, load_documents


def _short(text: str, width: int = 72) -> str:
    flat = " ".join(text.split())
    flat = "".join(c if c.isprintable() else "\ufffd" for c in flat)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@cli.command("dedup")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True),
              help="Jaccard similarity of word n-gram shingles at which paragraphs are near-duplicates [default: 0.4].")
@click.option("--num-perm", type=click.IntRange(min=2), help="MinHash permutations [default: 128].")
@click.option("--ngram", type=click.IntRange(min=1), help="Words per shingle [default: 3].")
@click.option("--min-words", type=click.IntRange(min=1), help="Skip paragraphs with fewer words [default: 8].")
@click.option("--keep", "representative", type=click.Choice(["first", "longest", "priority"]),
              help="Which copy represents a cluster: first in path order, the longest, or by --priority "
                   "[default: first].")
@click.option("--priority", multiple=True, metavar="GLOB",
              help="Source priority for --keep priority: document path globs, best first (repeatable).")
@click.option("--intra-document", is_flag=True, default=None,
              help="Also report paragraphs repeated inside one document (as separate clusters).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit with 1 when any near-duplicate is found.")
def dedup(paths: tuple[str, ...], threshold: float | None, num_perm: int | None, ngram: int | None,
          min_words: int | None, representative: str | None, priority: tuple[str, ...],
          intra_document: bool | None, output_format: str, exit_code: bool) -> None:
    """Find near-duplicate paragraphs across the documents in PATHS.

    Paragraphs (blank-line separated, one per line, or sentence windows of
    run-on text) are compared on normalised word n-grams: MinHash LSH finds
    candidates, the exact Jaccard similarity (or containment, for a paragraph
    quoted inside a longer one) decides, and clusters keep every copy within
    the threshold of the representative.  Only copies in different documents
    count; repeats inside one document are reported (as separate clusters)
    with --intra-document.  Offsets (start, end) are
    code-point offsets in the original (decoded) files.  Settings not given
    here come from the `dedup` table of cleaner.toml / [tool.cleaner].
    """
    from cleaner.dedup.core import find_near_duplicates
    from cleaner.dedup.stage import params_from_config

    config = default_config()
    overrides = {"threshold": threshold, "num_perm": num_perm, "ngram": ngram, "min_words": min_words,
                 "representative": representative, "intra_document": intra_document}
    if priority:
        overrides["priority"] = list(priority)
        if representative is None:  # --priority alone means --keep priority
            overrides["representative"] = "priority"
    config.dedup = {**(config.dedup or {}), **{k: v for k, v in overrides.items() if v is not None}}
    try:
        params = params_from_config(config)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(f"dedup settings: {exc}") from None

    docs, errors = load_documents(paths)
    if not docs and errors:
        raise SystemExit(EXIT_ERROR)
    result = find_near_duplicates(((d.id, d.text) for d in docs), params)

    if output_format == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        for group in (result.clusters, result.repeats):
            for c in group:
                rep = c.representative
                label = "repeat" if c.kind == "intra-document" else "cluster"
                click.echo(f"{label} {c.id}: {len(c.members)} paragraphs, keeping {rep.doc} paragraph {rep.number}")
                for m in c.members:
                    mark = "*" if m.measure == "representative" else " "
                    score = "      " if m.measure == "representative" else (
                        f"C={m.similarity:.2f}" if m.measure == "containment" else f"J={m.similarity:.2f}")
                    click.echo(f"  {mark} {score} {m.ref.doc} ¶{m.ref.number} [{m.ref.start}:{m.ref.end}]  "
                               f"{_short(m.ref.text)}")
                click.echo("")
    s = result.stats
    click.echo(f"{s['clusters']} cluster(s), {s['duplicates']} near-duplicate paragraph(s) among "
               f"{s['paragraphs']} paragraphs of {s['documents']} document(s) "
               f"({s['candidates']} LSH candidate pair(s), {s['rejected']} rejected by verification; "
               f"threshold {params.threshold:g}, {params.ngram}-grams, {params.num_perm} permutations); "
               f"{len(errors)} file error(s)", err=True)
    raise SystemExit(EXIT_FINDINGS if exit_code and result.clusters else EXIT_OK)
