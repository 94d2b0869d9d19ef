"""Which of cleaner's modules run compiled, and the guard against a stale build.

``setup.py`` compiles the modules on the hot path with Cython, as they are,
into extension modules beside their ``.py`` files, and records in
``cleaner/_compiled.json`` the SHA-256 of each source it compiled.  Python
imports an extension module in preference to the ``.py`` beside it; the
finder :class:`SourceFirst`, installed by ``cleaner/__init__.py`` before any
other module of the package is imported, imports the source instead when

* ``CLEANER_PURE_PYTHON`` is set (to anything but ``0``): every module from
  its source, for debugging, profiling line by line, or comparing the two
  builds (the tests do, byte for byte);
* the source no longer matches what was compiled (a module edited after an
  editable install): that module from its source, with a warning to build
  again, so that an edit is never hidden by an old build;
* the extension module is not in the manifest (left over from an earlier
  build, or the manifest is missing).

Without any extension module (a pure-Python install) the finder does
nothing.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
MANIFEST = PACKAGE_DIR / "_compiled.json"


def pure_python_requested() -> bool:
    """Is ``CLEANER_PURE_PYTHON`` set (to anything but ``""`` or ``"0"``)?"""
    return os.environ.get("CLEANER_PURE_PYTHON", "") not in ("", "0")


def read_manifest(path: Path = MANIFEST) -> dict[str, str]:
    """Module name -> SHA-256 of the source it was compiled from; empty if there is no (readable) manifest."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def source_digest(path: Path) -> str:
    """SHA-256 of the module's source *path*, and of its ``.pxd`` declarations beside it if it has any."""
    digest = hashlib.sha256(path.read_bytes())
    declarations = path.with_suffix(".pxd")
    if declarations.is_file():
        digest.update(b"\0pxd\0" + declarations.read_bytes())
    return digest.hexdigest()


def _has_extension(source: Path) -> bool:
    return any(source.with_suffix(s).is_file() for s in importlib.machinery.EXTENSION_SUFFIXES)


class SourceFirst:
    """A :data:`sys.meta_path` finder: a compiled module of *package_dir* is imported from its
    ``.py`` when *pure* is set or *manifest* does not vouch for the build (see the module's text)."""

    def __init__(self, package: str, package_dir: Path, manifest: dict[str, str], pure: bool):
        self.package = package
        self.package_dir = package_dir
        self.manifest = manifest
        self.pure = pure
        self.from_source: dict[str, str] = {}  # module -> why it was imported from its source

    def find_spec(self, name: str, path: Any = None, target: Any = None):
        if not name.startswith(self.package + "."):
            return None
        source = self.package_dir.joinpath(*name.split(".")[1:]).with_suffix(".py")
        if not source.is_file() or not _has_extension(source):
            return None  # (a package, a pure-Python module, or not ours: the usual finders)
        why = self.reason(name, source)
        if why is None:
            return None  # the compiled module, as Python would import it
        self.from_source[name] = why
        if why.startswith("stale"):
            warnings.warn(f"{name}: {why}; importing {source.name} instead (reinstall to build it again: "
                          f"pip install -e .)", RuntimeWarning, stacklevel=2)
        return importlib.util.spec_from_file_location(name, source)

    def reason(self, name: str, source: Path) -> str | None:
        """Why *name* is to be imported from *source* rather than compiled, or None."""
        if self.pure:
            return "CLEANER_PURE_PYTHON is set"
        recorded = self.manifest.get(name)
        if recorded is None:
            return "not in the build's manifest"
        if recorded != source_digest(source):
            return "stale: the compiled module was built from an older source"
        return None


def install(package: str = "cleaner", package_dir: Path = PACKAGE_DIR) -> SourceFirst:
    """Put a :class:`SourceFirst` finder for *package* first on :data:`sys.meta_path` (once) and return it."""
    for finder in sys.meta_path:
        if isinstance(finder, SourceFirst) and finder.package == package:
            return finder
    finder = SourceFirst(package, package_dir, read_manifest(package_dir / "_compiled.json"),
                         pure_python_requested())
    sys.meta_path.insert(0, finder)
    return finder


def compiled_modules(package: str = "cleaner") -> dict[str, bool]:
    """For each module of *package* imported so far that has a compiled build: is it running compiled?"""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    out = {}
    for name, module in sorted(sys.modules.items()):
        if name.startswith(package + ".") and module is not None:
            file = getattr(module, "__file__", None) or ""
            if file.endswith(suffixes) or (file.endswith(".py") and _has_extension(Path(file))):
                out[name] = file.endswith(suffixes)
    return out
