"""numba, imported for cleaner's kernels without paying for scipy.linalg's import at start-up.

The first time a process loads a compiled function, numba imports
``numba.np.arraymath``, which checks once whether BLAS is there for
``np.dot`` and friends (``_HAVE_BLAS``) by importing
``scipy.linalg.cython_blas``: that imports all of ``scipy.linalg`` (about
0.2 s of CPU), which none of cleaner's kernels use.

The answer depends only on the installed numba and scipy, so it is kept in
the disk cache (:mod:`cleaner._diskcache`, under a digest of the size and
time of the files it comes from).  When the cache has it, this module
imports ``numba.np.arraymath`` with numba's ``ensure_blas`` standing in for
the known answer during that one import, and puts the real function back in
both modules right after: numba's state is what its own check gives
(``_HAVE_BLAS`` the same, every name bound as before), except that
``scipy.linalg`` is imported later, by numba itself, if some code ever
compiles a BLAS function.  Without a cache entry numba runs its own check,
and its answer is stored.  Anything unexpected: numba's own import, as if
this module were not there.

Kernel modules import numba from here: ``from cleaner._numba_start import numba``.
"""

from __future__ import annotations

import os
import sys

import numba

__all__ = ["numba"]

_ENTRY = "numba-blas"


def _blas_key() -> str | None:
    """The disk-cache name of the BLAS answer: the numba and scipy files it depends on (size and time)."""
    from importlib.util import find_spec

    from cleaner import _diskcache

    numba_dir = os.path.dirname(numba.__file__)
    spec = find_spec("scipy")
    if spec is None or not spec.origin:
        return None
    scipy_dir = os.path.dirname(spec.origin)
    linalg_dir = os.path.join(scipy_dir, "linalg")
    try:
        scipy_files = sorted(os.path.join(linalg_dir, f) for f in os.listdir(linalg_dir)
                             if f.startswith(("cython_blas", "cython_lapack", "__init__")))
        helper = sorted(os.path.join(numba_dir, f) for f in os.listdir(numba_dir) if f.startswith("_helperlib"))
    except OSError:
        return None
    files = [os.path.join(numba_dir, "__init__.py"), os.path.join(numba_dir, "np", "linalg.py"),
             os.path.join(numba_dir, "np", "arraymath.py"), *helper,
             spec.origin, os.path.join(scipy_dir, "__config__.py"), *scipy_files]
    return _diskcache.digest("numba blas", sys.version, *map(_diskcache.file_stamp, files))


def _import_arraymath() -> None:
    if "numba.np.arraymath" in sys.modules:
        return
    import numpy as np

    from cleaner import _diskcache

    key = _blas_key()
    known = _diskcache.load(_ENTRY, key, {"have_blas": "int8"}) if key else None
    if known is None or known["have_blas"].shape != (1,):
        import numba.np.arraymath as arraymath  # numba's own check

        if key and isinstance(getattr(arraymath, "_HAVE_BLAS", None), bool):
            _diskcache.store(_ENTRY, key, {"have_blas": np.array([arraymath._HAVE_BLAS], dtype=np.int8)})
        return
    have_blas = bool(known["have_blas"][0])
    import numba.np.linalg as linalg

    real = getattr(linalg, "ensure_blas", None)
    if real is None:
        return

    def ensure_blas():
        if not have_blas:
            raise ImportError("scipy 0.16+ is required for linear algebra")

    linalg.ensure_blas = ensure_blas
    try:
        import numba.np.arraymath as arraymath
    finally:
        linalg.ensure_blas = real
        arraymath = sys.modules.get("numba.np.arraymath")
        if arraymath is not None and getattr(arraymath, "ensure_blas", None) is ensure_blas:
            arraymath.ensure_blas = real


try:
    _import_arraymath()
except Exception:  # numba then imports it itself, as usual
    pass
