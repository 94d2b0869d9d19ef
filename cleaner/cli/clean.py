"""``cleaner clean``: write cleaned files and the edit log."""

from __future__ import annotations

import time
from pathlib import Path

import click

from cleaner.cli import cli
from cleaner.cli.common import default_config, load_documents
from cleaner.io.files import InputError
from cleaner.pipeline import output_inside_input, process, write_outputs
from cleaner import batch as corpus_engine
from cleaner.cli.report import finish_clean_run
from cleaner.report.provenance import start_run
from cleaner.stats import document_stats, write_stats


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for the cleaned files and cleaner-log.jsonl.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Also write the HTML report of this run to FILE (see `cleaner report`).")
@click.option("--bag", "bag_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also write a BagIt bag (RFC 8493) of originals, cleaned files, log and report to DIR.")
@click.option("--restore-quotes", is_flag=True, default=False,
              help="Move each confidently paired orphaned pull-quote (Q004) back into its gap, as recorded edits.")
@click.option("--drop-duplicates", is_flag=True, default=False,
              help="Remove every near-duplicate paragraph (D001) that is not its cluster's representative, "
                   "as recorded edits.")
@click.option("--dedup-threshold", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Jaccard similarity at which paragraphs are near-duplicates (D001) [default: 0.4].")
@click.option("--dedup-keep", type=click.Choice(["first", "longest", "priority"]), default=None,
              help="Which copy of a near-duplicate cluster is kept: first in path order, the longest, "
                   "or by the dedup.priority setting [default: first].")
@corpus_engine.click_options
def clean(paths: tuple[str, ...], out: str, report_path: str | None = None, bag_dir: str | None = None,
          restore_quotes: bool = False, drop_duplicates: bool = False, dedup_threshold: float | None = None,
          dedup_keep: str | None = None, **scale) -> None:
    """Clean PATHS (files, or folders searched for *.txt) into OUT.

    Each cleaned file goes to the same relative path under OUT, and
    OUT/cleaner-log.jsonl records every edit and finding so that
    `cleaner restore` can give the originals back byte for byte.
    """
    out_dir = Path(out)
    if output_inside_input(list(paths), out_dir):
        raise click.UsageError(f"output folder {out} overlaps the inputs; choose a folder outside them")
    config = default_config()
    if restore_quotes:
        config.restore_quotes = True
        config.rule_options.setdefault("Q004", {})["restore"] = True
    if drop_duplicates or dedup_threshold is not None or dedup_keep is not None:
        _set_dedup_options(config, drop_duplicates, dedup_threshold, dedup_keep)
    start_run()  # one date-time for the run's provenance events (SOURCE_DATE_EPOCH honoured)
    if corpus_engine.wants_corpus_engine(paths, scale):  # JSONL/Parquet/HTML, -j, shards, Ray, --index
        corpus_engine.run_cli(paths, out_dir, config, scale)
        finish_clean_run(out_dir, config, report_path=report_path, bag_dir=bag_dir)
        return
    started = time.perf_counter()
    docs, errors = load_documents(paths)
    process(docs, config)
    try:
        log = write_outputs(docs, out_dir, config)
        seconds = time.perf_counter() - started
        stats = document_stats(docs, file_errors=len(errors))
        write_stats(out_dir, stats, files=len(docs) + len(errors), file_errors=[f"{e.path}: {e.message}" for e in errors],
                    wall_time_s=round(seconds, 3), engine="memory", jobs=1)
    except (InputError, OSError) as exc:
        raise click.ClickException(f"cannot write output: {exc}") from None
    click.echo(f"cleaned {stats.documents} document(s): {sum(stats.edits.values())} edit(s), "
               f"{sum(stats.findings.values())} finding(s); {len(errors)} file error(s); "
               f"{stats.bytes_in / 1e6:.2f} MB in {seconds:.1f}s; log: {log}", err=True)
    finish_clean_run(out_dir, config, file_errors=errors, report_path=report_path, bag_dir=bag_dir)


def _set_dedup_options(config, drop: bool, threshold: float | None, keep: str | None) -> None:
    """Apply the near-duplicate options of ``clean`` to *config* (validated: a bad setting is a usage error)."""
    from cleaner.dedup.stage import params_from_config

    config.drop_duplicates = config.drop_duplicates or drop
    dedup = dict(config.dedup or {})
    if threshold is not None:
        dedup["threshold"] = threshold
    if keep is not None:
        dedup["representative"] = keep
    config.dedup = dedup
    try:
        params_from_config(config)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(f"dedup settings: {exc}") from None
