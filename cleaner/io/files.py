"""Finding input files and writing output atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class InputError(Exception):
    """A problem with the inputs that stops the whole run (exit code 2)."""


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write *data* to *path* through a temporary file and a rename.

    Readers see either the old file or the new one, never half of it, and an
    interrupted run leaves no partial file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


DEFAULT_SUFFIXES = (".txt",)


def iter_input_files(
    paths: list[str], suffixes: tuple[str, ...] = DEFAULT_SUFFIXES, exclude: Path | None = None
) -> Iterator[tuple[Path, str]]:
    """Yield ``(file, relative name)`` for every input file, in sorted order.

    A folder is searched recursively for files with one of *suffixes*; a file
    named directly is taken whatever its suffix.  Relative names are relative
    to the folder given (a file given directly is named by its file name).
    Symbolic links to folders are not followed, so a link loop cannot hang a
    run.  Raises :class:`InputError` for a missing path.
    """
    for p in paths:
        path = Path(p)
        if not path.exists() and not path.is_symlink():
            raise InputError(f"{p}: no such file or directory")
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path, followlinks=False, onerror=_raise_walk_error):
                rootp = Path(root)
                if exclude is not None and _inside(rootp, exclude):
                    dirs[:] = []
                    continue
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith(".") or not name.endswith(suffixes):
                        continue
                    f = rootp / name
                    found.append((f, f.relative_to(path).as_posix()))
            yield from sorted(found, key=lambda t: t[1])
        else:
            yield path, path.name


def _raise_walk_error(err: OSError) -> None:
    raise InputError(f"{err.filename}: {err.strerror or err}")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
