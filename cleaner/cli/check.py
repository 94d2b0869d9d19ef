"""``cleaner check``: report what clean would change and what it found, without writing."""

from __future__ import annotations

import json

import click

from cleaner.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, cli
from cleaner.cli.common import default_config, load_documents
from cleaner.diagnostics import diagnostics
from cleaner.pipeline import process


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--output-format", type=click.Choice(["concise", "json"]), default="concise",
              envvar="CLEANER_OUTPUT_FORMAT", show_default=True, help="How to print the diagnostics.")
def check(paths: tuple[str, ...], output_format: str) -> None:
    """Report artifacts and findings in PATHS without changing anything.

    Exit code 1 when there is anything to report, 0 when the files are clean.
    """
    config = default_config()
    docs, errors = load_documents(paths)
    process(docs, config)
    diags = [d for doc in docs for d in diagnostics(doc, config)]
    if output_format == "json":
        click.echo(json.dumps(diags, ensure_ascii=False, indent=2))
    else:
        for d in diags:
            click.echo(f"{d['path']}:{d['line']}:{d['column']}: {d['code']} {d['message']}")
    if errors and not diags:
        raise SystemExit(EXIT_ERROR)
    raise SystemExit(EXIT_FINDINGS if diags else EXIT_OK)
