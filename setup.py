"""Build of cleaner: the modules on the hot path compiled with Cython where it can be.

Everything else about the package is in ``pyproject.toml``.  The modules in
:data:`COMPILED` (the engine, the rules, the dedup driver, the batch driver
and their readers and writers) are plain Python; Cython compiles them
as they are (no type declarations, Python semantics: ``annotation_typing``
off) into extension modules that sit beside the ``.py`` files and are
imported in their place.  Measured on the 100 MB bench corpus, a full
``-j 1`` run takes about 6-9% less CPU (``bench/corpus.py``).

Compiled code never asks CPython for pending signals, and a document's
time limit is a ``SIGALRM`` that must stop a runaway rule where it is. So
each module is compiled from a copy of its source in
``build/cooperative/`` in which every loop and comprehension asks, once per
iteration (:mod:`cleaner._cooperative`; the rewrite only inserts text on
existing lines, so line numbers stay those of the ``.py`` file).

The compiled build is optional and never changes what the tool does: the
tests compare its output with the pure-Python modules' byte for byte.

* ``CLEANER_PURE_PYTHON=1`` when installing: nothing is compiled.
* No Cython or no C compiler: a warning, and the pure-Python package.
* A module that fails to compile is left out (``optional=True``); the
  others are used.

A few modules have a ``.pxd`` file beside them (``cleaner/engine.pxd``):
Cython's "augmenting" declarations, which give the compiled build C types
for the classes and locals of the hottest loops (an instance's fields as a
C struct instead of a dictionary) without changing the ``.py``, which the
pure-Python package runs as it is.  The ``.pxd`` is copied beside the
rewritten source.

The build writes ``cleaner/_compiled.json``: each compiled module and the
SHA-256 of the source it was compiled from (its ``.py`` and ``.pxd``).  At
import, a module whose source no longer matches (edited after an editable
install) is imported from its source instead, so an edit is never hidden by a stale build
(:mod:`cleaner._compiled`); ``CLEANER_PURE_PYTHON=1`` at run time imports
every module from its source.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent

#: The modules compiled: those where a run spends its Python time.  Not the
#: numba kernels (``_fast``, ``_kernels``, ``_joins_kernels``,
#: ``_page_kernels``, ``_numba_start``): numba compiles their bytecode.
COMPILED = (
    "cleaner.engine",
    "cleaner.pipeline",
    "cleaner.batch",
    "cleaner.textcache",
    "cleaner.registry",
    "cleaner.model",
    "cleaner.parallel",
    "cleaner.progress",
    "cleaner.stats",
    "cleaner.rules.quotes",
    "cleaner.rules.boilerplate",
    "cleaner.rules._joins",
    "cleaner.rules._lines",
    "cleaner.rules.unicode",
    "cleaner.rules.whitespace",
    "cleaner.rules.html",
    "cleaner.rules.metadata",
    "cleaner.rules.joins",
    "cleaner.rules.page",
    "cleaner.dedup.index",
    "cleaner.dedup.minhash",
    "cleaner.dedup.cluster",
    "cleaner.dedup.normalize",
    "cleaner.dedup.segment",
    "cleaner.dedup.lsh",
    "cleaner.io.readers",
    "cleaner.io.writers",
    "cleaner.io.decoding",
)

#: Python semantics throughout: annotations are not C types, functions are
#: ordinary function objects (``binding``), as an uncompiled module has.
DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": True, "infer_types": False}


#: Where the rewritten sources go, in the package's own layout (Cython names
#: a module by the ``__init__.py`` files above it).
COOPERATIVE_DIR = ROOT / "build" / "cooperative"


def source_of(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def source_digest(module: str) -> str:
    """What the manifest records for *module* (:func:`cleaner._compiled.source_digest` of its source:
    the ``.py`` and, if there is one, the ``.pxd`` that declares C types for its compiled build)."""
    return _package_module("_compiled").source_digest(source_of(module))


@functools.lru_cache(maxsize=None)
def _package_module(name: str):
    """``cleaner.<name>``, a module that needs only the standard library, loaded from its file
    (importing ``cleaner`` needs its dependencies, which a build may not have yet)."""
    spec = importlib.util.spec_from_file_location(f"_cleaner_{name}", ROOT / "cleaner" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cooperative_copy(module: str, target: Path = COOPERATIVE_DIR) -> Path:
    """Write *module*'s source with its signal checks under *target* (and the packages' ``__init__.py``); its path."""
    cooperative = _package_module("_cooperative")
    source = source_of(module)
    out = target.joinpath(*module.split(".")).with_suffix(".py")
    for depth in range(1, len(module.split("."))):
        init = target.joinpath(*module.split(".")[:depth], "__init__.py")
        init.parent.mkdir(parents=True, exist_ok=True)
        if not init.exists():
            init.write_text("", encoding="utf-8")
    text = cooperative.cooperative_source(source.read_text(encoding="utf-8"), str(source))
    if not out.exists() or out.read_text(encoding="utf-8") != text:  # (unchanged: Cython need not run again)
        out.write_text(text, encoding="utf-8")
    pxd, pxd_out = source.with_suffix(".pxd"), out.with_suffix(".pxd")
    if pxd.exists():  # (C declarations for the compiled build, beside the source Cython reads)
        if not pxd_out.exists() or pxd_out.read_bytes() != pxd.read_bytes():
            pxd_out.write_bytes(pxd.read_bytes())
    elif pxd_out.exists():
        pxd_out.unlink()
    return out


def extensions() -> list[Extension]:
    if os.environ.get("CLEANER_PURE_PYTHON", "") not in ("", "0"):
        print("cleaner: CLEANER_PURE_PYTHON is set: building the pure-Python package")
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("cleaner: warning: Cython is not installed: building the pure-Python package")
        return []
    exts = [Extension(m, [str(cooperative_copy(m).relative_to(ROOT))], optional=True) for m in COMPILED]
    return cythonize(exts, compiler_directives=DIRECTIVES, nthreads=os.cpu_count() or 1, quiet=True)


class BuildExt(build_ext):
    """``build_ext`` that compiles in parallel, survives a missing compiler and writes the manifest."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler at all: the pure-Python package
            print(f"cleaner: warning: the compiled modules were not built ({exc}): pure Python")
        built = {}
        for ext in self.extensions:
            if Path(self.get_ext_fullpath(ext.name)).exists():
                built[ext.name] = source_digest(ext.name)
        manifest = Path(self.get_ext_fullpath("cleaner.engine")).parent / "_compiled.json"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":  # (as setuptools runs it; the tests import COMPILED)
    setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
