"""Finding input files and writing output atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


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
        # mkstemp makes the file private (0600); give it the mode an ordinary
        # open() would (0666 less the umask), or keep the mode of the file replaced.
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            mode = 0o666 & ~_UMASK
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
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
    paths: list[str],
    suffixes: tuple[str, ...] = DEFAULT_SUFFIXES,
    exclude: Path | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> Iterator[tuple[Path, str]]:
    """Yield ``(file, relative name)`` for every input file, in sorted order.

    A folder is searched recursively for files with one of *suffixes*; a file
    named directly is taken whatever its suffix.  Relative names are relative
    to the folder given (a file given directly is named by its file name).
    Symbolic links to folders are not followed, so a link loop cannot hang a
    run.

    Every path is checked before anything is yielded: a missing path raises
    :class:`InputError` and nothing is read.  A folder that cannot be listed
    (no permission) is passed to ``on_error(name, message)`` and skipped when
    *on_error* is given; without it, it raises :class:`InputError`.
    """
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise InputError("; ".join(f"{p}: no such file or directory" for p in missing))
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path, followlinks=False, onerror=_walk_error_handler(path, on_error)):
                rootp = Path(root)
                if exclude is not None and _inside(rootp, exclude):
                    dirs[:] = []
                    continue
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith(".") or not name.endswith(suffixes):
                        continue
                    f = rootp / name
                    rel = f.relative_to(path).as_posix()
                    if _valid_name(rel, on_error):
                        found.append((f, rel))
            yield from sorted(found, key=lambda t: t[1])
        elif _valid_name(path.name, on_error):
            yield path, path.name


def _valid_name(rel: str, on_error: Callable[[str, str], None] | None) -> bool:
    """Is *rel* valid Unicode?  A name with bytes that are not UTF-8 cannot be a document id.

    Such a name arrives with lone surrogates (Python's ``surrogateescape``);
    it could not be written to the log, a report or a JSON diagnostic, so the
    file is reported (or, without *on_error*, refused) rather than cleaned.
    """
    try:
        rel.encode("utf-8")
        return True
    except UnicodeEncodeError:
        shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
        message = "file name is not valid UTF-8; rename the file to clean it (skipped)"
        if on_error is None:
            raise InputError(f"{shown}: {message}") from None
        on_error(shown, message)
        return False


def _walk_error_handler(top: Path, on_error: Callable[[str, str], None] | None) -> Callable[[OSError], None]:
    def handle(err: OSError) -> None:
        message = f"cannot list folder: {err.strerror or err}"
        if on_error is None:
            raise InputError(f"{err.filename}: {message}")
        try:
            name = Path(err.filename).relative_to(top).as_posix() + "/"
        except (TypeError, ValueError):
            name = str(err.filename)
        if name == "./":
            name = str(top)
        on_error(name, message + "; skipped")

    return handle


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
