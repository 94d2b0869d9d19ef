"""``cleaner report``: an HTML report of a cleaned folder, for archivists and reviewers."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cleaner.cli import EXIT_ERROR, cli
from cleaner.io.files import InputError

if TYPE_CHECKING:
    from cleaner.report.render import ReportResult

DEFAULT_SPLIT_OVER = 200
SPLIT_ENV = "CLEANER_REPORT_SPLIT_OVER"
SPLIT_HELP = "Above this many documents, write an index page plus one page per document."


def make_report(out: Path, dest: Path | None, split_over: int, title: str | None = None,
                max_table_rows: int = 2000) -> ReportResult:
    """Write the report of *out* and say where it went; errors become click errors (exit 2)."""
    from cleaner.report.render import write_report

    try:
        result = write_report(out, dest, split_over=split_over, title=title, max_table_rows=max_table_rows)
    except (InputError, OSError) as exc:
        raise click.ClickException(f"cannot write the report: {exc}") from None
    pages = f" + {len(result.pages) - 1} document page(s)" if result.split else ""
    click.echo(f"report: {result.path}{pages} ({result.documents} document(s))", err=True)
    if result.unreadable:
        click.echo(f"cleaner: {result.unreadable} document(s) could not be rebuilt from the log "
                   "and are shown without their text (see the report)", err=True)
    return result


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("-o", "--output", "dest", type=click.Path(dir_okay=False),
              help="The report file (default: OUT/report.html).")
@click.option("--split-over", type=click.IntRange(min=1), default=DEFAULT_SPLIT_OVER, show_default=True,
              envvar=SPLIT_ENV, help=SPLIT_HELP)
@click.option("--max-table-rows", type=click.IntRange(min=0), default=2000, show_default=True,
              help="At most this many rows in a document's change table (every change stays marked in the text).")
@click.option("--title", help="Title of the report (default: the folder's name).")
def report(out: str, dest: str | None, split_over: int, max_table_rows: int, title: str | None) -> None:
    """Write an HTML report of OUT (cleaned files + cleaner-log.jsonl).

    For every document the report shows the original with each change marked
    (rule code and reason on hover, and a change table with line:column,
    before and after), the flagged spans, near-duplicate paragraphs linked to
    their twins, and the SHA-256 before and after.  It is one self-contained
    file: no external assets, readable without JavaScript, printable.

    Exit code 2 when OUT has no log, or when a document could not be
    rebuilt from the log (the report is still written, with the reason).
    """
    unreadable = make_report(Path(out), Path(dest) if dest else None, split_over, title, max_table_rows).unreadable
    if unreadable:
        raise SystemExit(EXIT_ERROR)


def finish_clean_run(
    out_dir: Path,
    config: Any,
    *,
    file_errors: Sequence[Any] = (),
    report_path: str | None = None,
    bag_dir: str | None = None,
) -> None:
    """What ``cleaner clean`` does after writing its outputs.

    Writes the run record (date-time, command line, configuration) into ``OUT/stats.json``,
    then the report if ``--report`` was given, then the BagIt bag if
    ``--bag`` was given (with the report in it).
    """
    from cleaner.pipeline import LOG_NAME
    from cleaner.report.provenance import command_line_of, run_record, write_run_record

    ctx = click.get_current_context(silent=True)
    command = command_line_of(ctx) if ctx is not None else "cleaner clean"
    try:
        with open(out_dir / LOG_NAME, encoding="utf-8", errors="replace") as fh:
            n_docs = sum(1 for line in fh if line.strip())
    except OSError:
        n_docs = 0
    try:
        write_run_record(out_dir, run_record(config=config, command_line=command, documents=n_docs,
                                             file_errors=file_errors))
    except OSError as exc:
        raise click.ClickException(f"cannot write the run record: {exc}") from None
    pages: list[tuple[Path, str]] = []
    if report_path:
        split_over = int(os.environ.get(SPLIT_ENV, "") or DEFAULT_SPLIT_OVER)
        result = make_report(out_dir, Path(report_path), split_over)
        base = result.path.parent
        pages = [(p, p.relative_to(base).as_posix()) for p in result.pages]
    if bag_dir:
        from cleaner.report.bag import write_bag

        try:
            bag = write_bag(out_dir, Path(bag_dir), extra=pages)
        except (InputError, OSError) as exc:
            raise click.ClickException(f"cannot write the bag: {exc}") from None
        click.echo(f"bag: {bag.path} ({bag.payload_files} payload file(s), {bag.payload_bytes} bytes)", err=True)
