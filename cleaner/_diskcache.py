"""A small on-disk cache of tables derived from data files, shared by every process of a user.

Some tables cost a process a noticeable part of a second to build from the
data files they come from -- the J kernel's hash tables of plain English
words, wordfreq's frequency lists read from their compressed files -- and
are the same in every process until a data file or the code changes.  This
module keeps them in the user's cache folder: ``$CLEANER_CACHE_DIR``, else
``$XDG_CACHE_HOME/cleaner``, else ``~/.cache/cleaner``.  Deleting the folder
clears it; nothing else is kept there.

Like numba's cache, it never changes a result:

* an entry is named by a digest of everything its table depends on (the
  caller's *parts*: data files' bytes or their size and modification time,
  source files) and of this module's :data:`FORMAT`, the package's version
  and numpy's, so a changed input names another entry;
* entries are numpy ``.npz`` files, read without pickle
  (``allow_pickle=False``), written to a temporary file in the same folder
  and renamed into place (:func:`os.replace`): a reader sees a whole entry
  or none;
* a damaged, truncated or unexpected entry (zip checksums, names, dtypes)
  reads as missing: the caller builds the table and writes it again;
* a folder that cannot be created or written is skipped without a word.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

#: The entries' layout; raising it names every entry anew.
FORMAT = 1
#: Entries kept per table name (the most recently used): a changed data
#: file or version names a new entry, and the old ones go, but a few
#: versions of cleaner used side by side do not evict each other.
KEEP = 4


def cache_dir() -> Path:
    """The cache folder: ``$CLEANER_CACHE_DIR``, else ``$XDG_CACHE_HOME/cleaner``, else ``~/.cache/cleaner``."""
    explicit = os.environ.get("CLEANER_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "cleaner"
    return Path.home() / ".cache" / "cleaner"


def file_bytes(path: str | os.PathLike) -> bytes:
    """A file's name and bytes as part of a digest (its name alone if it cannot be read)."""
    try:
        return os.fsencode(path) + b"\0" + Path(path).read_bytes()
    except OSError:
        return os.fsencode(path) + b"\0missing"


def file_stamp(path: str | os.PathLike) -> bytes:
    """A file's name, size and modification time as part of a digest (for large files that change only on reinstall)."""
    try:
        st = os.stat(path)
        return os.fsencode(path) + f"\0{st.st_size}\0{st.st_mtime_ns}".encode()
    except OSError:
        return os.fsencode(path) + b"\0missing"


def digest(*parts: bytes | str) -> str:
    """The name of the entry for *parts*, with the format, the package's and numpy's versions."""
    import numpy as np

    from cleaner import __version__

    h = hashlib.sha256()
    for part in (f"format {FORMAT}", f"cleaner {__version__}", f"numpy {np.__version__}", *parts):
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


def _path(name: str, key: str) -> Path:
    return cache_dir() / f"{name}-{key}.npz"


def load(name: str, key: str, dtypes: dict[str, str]):
    """The arrays of entry *name*/*key* (a dict, each array by name), or None if missing or damaged.

    *dtypes* gives every array the entry must hold, with its numpy dtype
    (``"uint64"``, ``"int32"`` ...): an entry without one of them, or with
    another dtype, or whose zip checksums fail, reads as missing.
    """
    import numpy as np

    path = _path(name, key)
    try:
        with np.load(path, allow_pickle=False) as entry:
            if set(entry.files) != set(dtypes):
                return None
            arrays = {k: entry[k] for k in dtypes}  # (reading checks each array's CRC)
    except Exception:  # missing, truncated, not a zip, a bad checksum: build it again
        return None
    if any(arrays[k].dtype != np.dtype(t) for k, t in dtypes.items()):
        return None
    try:
        os.utime(path)  # (recently used: kept by _prune)
    except OSError:
        pass
    # Writable and C-contiguous, as a freshly built table is (a read-only
    # array is another type to numba: its kernels would compile again).
    return {k: a if a.flags.writeable and a.flags.c_contiguous else np.array(a, order="C") for k, a in arrays.items()}


def store(name: str, key: str, arrays: dict) -> bool:
    """Write entry *name*/*key* (numpy arrays by name) atomically; False if the folder is not writable."""
    import numpy as np

    folder = cache_dir()
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, _path(name, key))
        tmp = None
        _prune(folder, name)
        return True
    except Exception:  # read-only, full, gone: the cache is only a head start
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _prune(folder: Path, name: str) -> None:
    """Remove all but the KEEP most recently used entries of *name*."""
    entries = []
    for path in folder.glob(f"{name}-*.npz"):
        if len(path.stem) == len(name) + 33:  # name, "-", 32 hex digits: not another name's entry
            try:
                entries.append((path.stat().st_mtime_ns, path))
            except OSError:
                pass
    for _, path in sorted(entries, reverse=True)[KEEP:]:
        try:
            path.unlink()
        except OSError:
            pass


def words_to_array(words: list[str]):
    """*words* (none holding a line break) as a uint8 array: their UTF-8, one after another, each ended by ``\\n``."""
    import numpy as np

    text = "\n".join(words) + "\n" if words else ""
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def array_to_words(array) -> list[str]:
    """The words :func:`words_to_array` stored, in their order."""
    text = array.tobytes().decode("utf-8", "surrogatepass")
    if not text:
        return []
    if not text.endswith("\n"):
        raise ValueError("not a list of words")
    return text[:-1].split("\n")
