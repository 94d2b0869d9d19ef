"""cleaner/_numba_start.py: numba's BLAS check answered from the disk cache, numba's state unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")
pytest.importorskip("scipy")

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
import cleaner._numba_start
from cleaner.rules import _joins as J
assert J.load_kernel()
import numba.np.arraymath as arraymath, numba.np.linalg as linalg
state = {
    "have_blas": arraymath._HAVE_BLAS,
    "scipy_linalg": "scipy.linalg" in sys.modules,
    "same_function": arraymath.ensure_blas is linalg.ensure_blas,
    "real_function": linalg.ensure_blas.__module__ + "." + linalg.ensure_blas.__qualname__,
    "joins": [[j.pos, j.kind] for j in J.find_joins("She said that the talks went well.During the call, he agreed.")],
}
if "--dot" in sys.argv:
    import numba, numpy as np
    dot = numba.njit(lambda a, b: np.dot(a, b))
    state["dot"] = float(dot(np.arange(3.0), np.arange(3.0)))
    state["scipy_linalg_after_dot"] = "scipy.linalg" in sys.modules
print(json.dumps(state))
"""


def probe(cache: Path, *args: str) -> dict:
    env = {**os.environ, "CLEANER_CACHE_DIR": str(cache), "CLEANER_JOINS_NUMBA": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=600,
                          env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_numbas_blas_check_comes_from_the_cache_and_leaves_numba_as_it_was(tmp_path):
    cold = probe(tmp_path)  # numba's own check, its answer stored
    assert cold["scipy_linalg"] is True
    assert len(list(tmp_path.glob("numba-blas-*.npz"))) == 1
    warm = probe(tmp_path, "--dot")
    assert warm["scipy_linalg"] is False  # the start-up saved
    assert warm["have_blas"] == cold["have_blas"]
    assert warm["same_function"] and warm["real_function"] == "numba.np.linalg.ensure_blas"
    assert warm["joins"] == cold["joins"] and warm["joins"]
    if cold["have_blas"]:  # a BLAS function still compiles: numba imports scipy.linalg itself
        assert warm["dot"] == 5.0 and warm["scipy_linalg_after_dot"] is True


@pytest.mark.parametrize("how", ["garbage", "empty"])
def test_a_damaged_blas_entry_means_numbas_own_check(tmp_path, how):
    cold = probe(tmp_path)
    (entry,) = tmp_path.glob("numba-blas-*.npz")
    entry.write_bytes(b"" if how == "empty" else b"PK\x03\x04 not really")
    again = probe(tmp_path)
    assert again["scipy_linalg"] is True and again["have_blas"] == cold["have_blas"]
    assert again["same_function"]
    assert probe(tmp_path)["scipy_linalg"] is False  # written again


def test_an_unusable_cache_folder_means_numbas_own_check(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    state = probe(blocker / "cache")
    assert state["scipy_linalg"] is True and state["same_function"] and state["joins"]
