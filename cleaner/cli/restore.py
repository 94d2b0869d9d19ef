"""``cleaner restore``: rebuild the originals from a cleaned folder and its log."""

from __future__ import annotations

from pathlib import Path

import click

from cleaner.cli import EXIT_ERROR, cli
from cleaner.io.files import InputError
from cleaner.pipeline import restore_run


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("-o", "--output", "dest", required=True, type=click.Path(file_okay=False),
              help="Folder to write the restored originals to.")
def restore(out: str, dest: str) -> None:
    """Rebuild every original from OUT (cleaned files + cleaner-log.jsonl) into DEST.

    Each restored file is checked against the SHA-256 of the original
    recorded in the log.
    """
    if Path(dest).resolve() == Path(out).resolve():
        raise click.UsageError("the destination is the cleaned folder itself; restoring there would "
                               "replace the cleaned files the log describes. Choose another folder")
    try:
        done, errors = restore_run(Path(out), Path(dest))
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    for e in errors:
        click.echo(f"cleaner: {e.path}: {e.message}", err=True)
    click.echo(f"restored {done} document(s), verified against sha256_original", err=True)
    if errors:
        raise SystemExit(EXIT_ERROR)
