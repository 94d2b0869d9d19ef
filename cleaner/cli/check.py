"""``cleaner check``: a linter for scraped text, for people and for CI.

Reports every edit ``clean`` would make and every finding, in the output
format CI understands (GitHub annotations, GitLab Code Quality, SARIF,
JUnit…), and exits with a code a pipeline can act on:

* 0 — nothing at or above ``--fail-on`` to report (or everything was fixed);
* 1 — diagnostics at or above ``--fail-on`` (default ``error``), or ``--diff``
  has changes to show;
* 2 — a usage, configuration, input or internal error.

It can also fix files in place (``--fix``; ``--unsafe-fixes`` for changes that
remove text), accept today's findings in a baseline and report only new
ones, and check only the files a branch added or changed.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from cleaner.baseline import Baseline, BaselineError
from cleaner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, cli
from cleaner.config import Config
from cleaner.diagnostics import diagnostics, edit_applicability
from cleaner.engine import apply_edits
from cleaner.formats import FORMATS, Report
from cleaner.io.decoding import encode, encode_output
from cleaner.io.files import DEFAULT_SUFFIXES, InputError, atomic_write
from cleaner.model import Document, severity_rank
from cleaner.pipeline import FileError, process, read_documents, sha256_bytes
from cleaner.registry import all_rules
from cleaner.settings import FAIL_ON, anchor_per_file_ignores, Settings, SettingsError, load_settings, override, split_selectors

MAX_FIX_ROUNDS = 10


# ---------------------------------------------------------------- input files


def display_path(path: Path, outside: str | None = None) -> str:
    """*path* as shown in diagnostics: relative to the current directory.

    A file outside the current directory is shown as *outside* (its name
    relative to the folder it was found in) when given, else by its absolute
    path.  CI annotations need paths relative to the repository root, where
    CI runs the check.
    """
    absolute = Path(os.path.abspath(path))
    for cwd in (Path(os.path.abspath(Path.cwd())), Path.cwd().resolve()):
        try:
            return absolute.relative_to(cwd).as_posix()
        except ValueError:
            continue
    return outside if outside is not None else absolute.as_posix()


def _git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise click.ClickException("--changed-since needs git, which is not installed") from None
    if proc.returncode != 0:
        raise click.ClickException(f"git {' '.join(args)}: {proc.stderr.strip() or 'failed'}")
    return proc.stdout


def changed_files(ref: str, paths: list[str]) -> list[str]:
    """Files under *paths* added, changed or untracked since git *ref* (sorted).

    Compares *ref* with the working tree, so committed, staged and unstaged
    changes all count, as do new files git does not ignore.  Folders keep
    only ``*.txt`` files, as everywhere else in cleaner.
    """
    first = Path(paths[0])
    cwd = first if first.is_dir() else first.parent
    cwd = cwd if str(cwd) else Path(".")
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except click.ClickException:
        raise click.ClickException(f"--changed-since: {ref!r} is not a commit in {top}") from None
    names = _git(["diff", "--name-only", "-z", "--diff-filter=ACMRT", ref, "--"], top).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0")
    roots = [Path(p).resolve() for p in paths]
    out = set()
    for name in filter(None, names):
        f = (top / name).resolve()
        if not f.is_file():
            continue
        for root in roots:
            if f == root or (root.is_dir() and root in f.parents and f.name.endswith(DEFAULT_SUFFIXES)):
                out.add(display_path(f))
                break
    return sorted(out)


def read_inputs(paths: list[str]) -> tuple[list[Document], dict[str, Path], list[FileError]]:
    """Decode every input file; documents are named by :func:`display_path`.

    Returns the documents, a map from a document's name to its file, and the
    files that could not be read (also printed on stderr).
    """
    docs: list[Document] = []
    files: dict[str, Path] = {}
    errors: list[FileError] = []
    seen: set[Path] = set()
    taken: set[str] = set()
    for p in paths:
        base = Path(p)
        try:
            items = list(read_documents([p]))
        except InputError as exc:
            raise click.ClickException(str(exc)) from None
        for item in items:
            file = base / item.path if isinstance(item, FileError) and base.is_dir() else (
                base / item.id if isinstance(item, Document) and base.is_dir() else base)
            name = display_path(file, item.path if isinstance(item, FileError) else item.id)
            real = file.resolve()
            if real in seen:
                continue  # the same file named twice
            seen.add(real)
            if name in taken:  # two files outside the working directory with one name
                name = Path(os.path.abspath(file)).as_posix()
            taken.add(name)
            if isinstance(item, FileError):
                click.echo(f"cleaner: {name}: {item.message}", err=True)
                errors.append(FileError(name, item.message))
                continue
            item.id = name
            docs.append(item)
            files[name] = file
    return docs, files, errors


# ---------------------------------------------------------------- fixing


def fixable(edit, allowed: set[str]) -> bool:
    return edit_applicability(edit.code, edit.reason, bool(edit.metadata)) in allowed


def fix_documents(docs: list[Document], config: Config, allowed: set[str],
                  reference: list[Document] | None = None) -> dict[str, str]:
    """Apply the fixes in *allowed* (``safe``, ``unsafe``) until nothing changes.

    Works on the documents in place (their text becomes the fixed text and
    their edits and findings those of the fixed text) and returns the
    original text of every document that changed.  Each round applies the
    fixable edits in original coordinates and runs the rules again, as ruff
    does, so fixes that enable other fixes are applied too.
    """
    originals: dict[str, str] = {}
    for _ in range(MAX_FIX_ROUNDS):
        changed = False
        for doc in docs:
            chosen = [e for e in doc.edits if fixable(e, allowed)]
            if not chosen:
                continue
            new = apply_edits(doc.text, chosen)
            if new != doc.text:
                originals.setdefault(doc.id, doc.text)
                doc.text = new
                changed = True
        if not changed:
            break
        _reset(docs)
        run_rules_with_reference(docs, reference or [], config)
    return originals


def _reset(docs: list[Document]) -> None:
    for doc in docs:
        doc.edits, doc.findings, doc.cleaned = [], [], None


def write_fixed(doc: Document, file: Path) -> str | None:
    """Write *doc*'s fixed text over *file* atomically, in its own encoding; return a problem or None."""
    try:
        if sha256_bytes(file.read_bytes()) != doc.source.get("sha256"):
            return "changed on disk while being checked; not fixed"
        mode = file.stat().st_mode & 0o7777
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    try:
        data = encode(doc.text, doc.source)
    except (UnicodeEncodeError, LookupError, KeyError):
        data = encode_output(doc.text)  # the fix needs characters the old encoding lacks
    try:
        atomic_write(file, data)
        os.chmod(file, mode)  # the temporary file was private; keep the file's own permissions
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    return None


def unified_diff(path: str, before: str, after: str) -> str:
    """A git-style unified diff of one file (``a/path`` → ``b/path``)."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# ---------------------------------------------------------------- near-duplicates


def corpus_documents(corpus: str, checked: Iterable[str]) -> tuple[list[Document], list[FileError]]:
    """The files of *corpus* that are not being checked (the reference for D rules)."""
    skip = set(checked)
    docs, _files, errors = read_inputs([corpus])
    return [d for d in docs if d.id not in skip], errors


# ---------------------------------------------------------------- the command


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {v!r}", param_hint=option)
        out.append((key.strip(), value.strip()))
    return out


def _summary(diags: list[dict[str, Any]], n_files: int, fixed: int, baseline_hidden: int) -> str:
    parts = []
    if fixed:
        parts.append(f"Fixed {fixed} file(s).")
    if diags:
        safe = sum(1 for d in diags if d["applicability"] == "safe")
        unsafe = sum(1 for d in diags if d["applicability"] == "unsafe")
        files = len({d["path"] for d in diags})
        msg = f"Found {len(diags)} diagnostic(s) in {files} of {n_files} file(s)"
        extra = []
        if safe:
            extra.append(f"{safe} fixable with --fix")
        if unsafe:
            extra.append(f"{unsafe} more with --unsafe-fixes")
        parts.append(msg + (f" ({', '.join(extra)})." if extra else "."))
    else:
        parts.append(f"All {n_files} checked file(s) are clean.")
    if baseline_hidden:
        parts.append(f"{baseline_hidden} diagnostic(s) accepted by the baseline were not shown.")
    return " ".join(parts)


FORMAT_HELP = ", ".join(FORMATS)
#: Formats after which a one-line summary goes to standard error (machine formats stay alone).
HUMAN_FORMATS = ("concise", "full")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output-format", type=click.Choice(list(FORMATS)), default=None, envvar="CLEANER_OUTPUT_FORMAT",
              help="How to print the diagnostics (default: concise; env CLEANER_OUTPUT_FORMAT).")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), default=None,
              help="Write the output to this file instead of standard output.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              help=f"Also write the diagnostics in FORMAT to FILE (repeatable; {FORMAT_HELP}).")
@click.option("--select", multiple=True, metavar="RULES",
              help="Only these rules (codes, prefixes or names; comma-separated; replaces the configured set).")
@click.option("--extend-select", multiple=True, metavar="RULES", help="Add these rules to the selection.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Leave these rules out.")
@click.option("--severity", "severities", multiple=True, metavar="RULES=LEVEL",
              help="Set the severity (info, warning, error) of rules; repeatable.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default=None,
              help="Exit 1 when a diagnostic has this severity or higher (default: error).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are diagnostics.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from this file (cleaner.toml or pyproject.toml) instead of discovering one.")
@click.option("--isolated", is_flag=True, help="Ignore every settings file.")
@click.option("--show-settings", is_flag=True, help="Print the resolved settings and rules as JSON and exit.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place (atomic writes), then report what is left.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff, also apply unsafe fixes (removing boilerplate and duplicate text, "
                   "moving header fields out of the file).")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change; exit 1 if any.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), default=None,
              help="Report only diagnostics that are not in this baseline file.")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False), default=None,
              help="Record every current diagnostic in this baseline file and exit 0.")
@click.option("--prune-baseline", is_flag=True,
              help="With --baseline, drop entries that no longer occur from the baseline file.")
@click.option("--changed-since", metavar="REF", default=None,
              help="Check only files added or changed since this git ref (and untracked files).")
@click.option("--corpus", type=click.Path(), default=None,
              help="Check near-duplicates against the files under this folder (with --changed-since: "
                   "default the checked folders).")
@click.option("--statistics", is_flag=True, help="Print how many diagnostics each rule has, instead of the list.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on standard error.")
def check(paths: tuple[str, ...], output_format: str | None, output_file: str | None, reports: tuple[str, ...],
          select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
          severities: tuple[str, ...], fail_on: str | None, exit_zero: bool, config_file: str | None,
          isolated: bool, show_settings: bool, fix: bool, unsafe_fixes: bool, diff: bool,
          baseline_file: str | None, write_baseline: str | None, prune_baseline: bool,
          changed_since: str | None, corpus: str | None, statistics: bool, quiet: bool) -> None:
    """Report artifacts in PATHS (files, or folders searched for *.txt) without changing them.

    Every edit `cleaner clean` would make and every finding is a diagnostic
    with a rule code, a position and a severity.  Exit code 0 when nothing
    at or above --fail-on is left, 1 when something is, 2 on a usage,
    configuration or input error.
    """
    paths_list = list(paths) or ["."]
    report_targets = [(fmt, Path(file)) for fmt, file in _pairs(reports, "--report")]
    for fmt, _ in report_targets:
        if fmt not in FORMATS:
            raise click.BadParameter(f"unknown format {fmt!r} (one of {FORMAT_HELP})", param_hint="--report")
    if prune_baseline and not baseline_file:
        raise click.UsageError("--prune-baseline needs --baseline FILE")
    if unsafe_fixes and not (fix or diff):
        raise click.UsageError("--unsafe-fixes needs --fix or --diff")

    try:
        settings: Settings = anchor_per_file_ignores(
            load_settings(paths_list, config_file=config_file, isolated=isolated))
        override(settings, select=split_selectors(select), extend_select=split_selectors(extend_select),
                 ignore=split_selectors(ignore), severity=dict(_pairs(severities, "--severity")))
    except SettingsError as exc:
        raise click.UsageError(f"configuration error: {exc}") from None
    config = settings.config
    fmt = output_format or settings.output_format or "concise"
    threshold = fail_on or settings.fail_on

    if show_settings:
        shown = settings.to_json() | {"output_format": fmt, "fail_on": threshold,
                                      "rules": [r.code for r in all_rules() if config.is_selected(r)]}
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        raise SystemExit(EXIT_OK)

    baseline = None
    if baseline_file:
        try:
            baseline = Baseline.load(Path(baseline_file))
        except BaselineError as exc:
            raise click.UsageError(str(exc)) from None

    targets = paths_list
    if changed_since is not None:
        targets = changed_files(changed_since, paths_list)
    docs, files, errors = read_inputs(targets) if targets else ([], {}, [])

    reference: list[Document] = []
    if corpus is not None or (changed_since is not None and docs):
        ref_root = corpus if corpus is not None else None
        roots = [ref_root] if ref_root else [p for p in paths_list if Path(p).is_dir()]
        seen: set[str] = set()
        for root in roots:
            more, _ref_errors = corpus_documents(root, files)  # unreadable files were reported on stderr
            for d in more:
                if d.id not in seen:
                    seen.add(d.id)
                    reference.append(d)
    run_rules_with_reference(docs, reference, config)

    originals: dict[str, str] = {}
    allowed = {"safe", "unsafe"} if unsafe_fixes else {"safe"}
    if fix or diff:
        fix_config = config
        if unsafe_fixes and not config.drop_duplicates:
            # near-duplicate paragraphs become D001 edits only when dropping is on
            fix_config = dataclasses.replace(config, drop_duplicates=True)
            _reset(docs)
            run_rules_with_reference(docs, reference, fix_config)
        originals = fix_documents(docs, fix_config, allowed, reference)
        if fix_config is not config:
            _reset(docs)
            run_rules_with_reference(docs, reference, config)

    if diff:
        out = "".join(unified_diff(doc.id, originals[doc.id], doc.text) for doc in docs if doc.id in originals)
        _emit(out, output_file)
        if not quiet:
            click.echo(f"{len(originals)} file(s) would be changed by --fix.", err=True)
        raise SystemExit(EXIT_FINDINGS if originals and not exit_zero else (EXIT_ERROR if errors else EXIT_OK))

    fixed = 0
    if fix:
        for doc in docs:
            if doc.id in originals:
                problem = write_fixed(doc, files[doc.id])
                if problem:
                    click.echo(f"cleaner: {doc.id}: {problem}", err=True)
                    errors.append(FileError(doc.id, problem))
                else:
                    fixed += 1

    diags = [d for doc in docs for d in diagnostics(doc, config)]

    if write_baseline:
        Baseline.from_diagnostics(diags, Path(write_baseline), files).save(Path(write_baseline))
        if not quiet:
            click.echo(f"Wrote {len(diags)} diagnostic(s) to baseline {write_baseline}.", err=True)
        raise SystemExit(EXIT_ERROR if errors else EXIT_OK)

    hidden = 0
    if baseline is not None:
        baseline.files = files
        shown, used = baseline.filter(diags)
        hidden = len(diags) - len(shown)
        diags = shown
        if prune_baseline:
            pruned = baseline.pruned(used, [str(files[d.id]) for d in docs])
            pruned.save(Path(baseline_file))
            if not quiet:
                dropped = sum(baseline.counts.values()) - sum(pruned.counts.values())
                click.echo(f"Pruned {dropped} entr{'y' if dropped == 1 else 'ies'} from {baseline_file}.", err=True)

    report = Report(diagnostics=diags, files=[d.id for d in docs], texts={d.id: d.text for d in docs},
                    errors=[(e.path, e.message) for e in errors])
    _emit(rule_statistics(diags) if statistics else FORMATS[fmt](report), output_file)
    for name, file in report_targets:
        try:
            atomic_write(file, FORMATS[name](report).encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise click.ClickException(f"--report {name}={file}: cannot write: {exc.strerror or exc}") from None
    if not quiet and fmt in HUMAN_FORMATS:
        click.echo(_summary(diags, len(docs), fixed, hidden), err=True)

    failing = threshold != "never" and any(
        severity_rank(d["severity"]) >= severity_rank(threshold) for d in diags)
    if failing and not exit_zero:
        raise SystemExit(EXIT_FINDINGS)
    raise SystemExit(EXIT_ERROR if errors else EXIT_OK)


def rule_statistics(diags: list[dict[str, Any]]) -> str:
    """``count  CODE  name  [*]`` per rule, most frequent first (``[*]``: has safe fixes)."""
    counts: dict[tuple[str, str], list[int]] = {}
    for d in diags:
        c = counts.setdefault((d["code"], d["name"]), [0, 0])
        c[0] += 1
        c[1] += d["applicability"] == "safe"
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0][0]))
    width = max((len(str(n)) for (_, (n, _)) in rows), default=1)
    return "".join(f"{n:>{width}}  {code}  {name}{'  [*]' if safe else ''}\n"
                   for (code, name), (n, safe) in rows)


def _emit(text: str, output_file: str | None) -> None:
    if output_file:
        try:
            atomic_write(Path(output_file), text.encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise click.ClickException(f"--output-file {output_file}: cannot write: {exc.strerror or exc}") from None
    elif text:
        click.echo(text, nl=False)


def run_rules_with_reference(docs: list[Document], reference: list[Document], config: Config) -> None:
    """Run the rules and the cross-document stages over *docs*.

    *reference* documents (the rest of the corpus) take part in the run, so
    that near-duplicate detection and template statistics see them, but only
    the checked documents are reported.  They come first: the existing files
    are the originals, and a checked file that repeats them is the copy.
    """
    if not reference:
        process(docs, config)
        return
    # Near-duplicate clusters keep their "first" copy in path order; make it the
    # existing file's instead, so the checked file is the one reported.
    dedup = dict(config.dedup or {})
    dedup["representative"] = "priority"
    dedup["priority"] = [d.id for d in reference] + list(dedup.get("priority") or [])
    process([*reference, *docs], dataclasses.replace(config, dedup=dedup))
