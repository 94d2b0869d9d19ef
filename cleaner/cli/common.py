"""Helpers shared by the commands: loading documents and reporting per-file errors."""

from __future__ import annotations

from pathlib import Path

import click

from cleaner.config import Config
from cleaner.io.files import InputError
from cleaner.model import Document
from cleaner.pipeline import FileError, read_documents


def load_documents(paths: tuple[str, ...], exclude: Path | None = None) -> tuple[list[Document], list[FileError]]:
    """Read every input; per-file problems are printed to stderr and returned."""
    docs: list[Document] = []
    errors: list[FileError] = []
    try:
        for item in read_documents(list(paths), exclude=exclude):
            if isinstance(item, FileError):
                click.echo(f"cleaner: {item.path}: {item.message}", err=True)
                errors.append(item)
            else:
                docs.append(item)
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    return docs, errors


def default_config() -> Config:
    return Config()
