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


def default_config(paths: tuple[str, ...] | list[str] | None = None) -> Config:
    """The configuration discovered from *paths* (``cleaner.toml`` / ``[tool.cleaner]``).

    Without *paths*, the ``paths`` argument of the running command is used
    (or the current directory).  An invalid settings file is a usage error
    (exit code 2).  See :mod:`cleaner.settings`.
    """
    from cleaner.settings import SettingsError, load_settings

    if paths is None:
        ctx = click.get_current_context(silent=True)
        paths = (ctx.params.get("paths") if ctx is not None else None) or ()
    try:
        return load_settings(list(paths)).config
    except SettingsError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
