"""The MinHash parameters, drawn once per setting, are datasketch's and each caller gets its own arrays."""

from __future__ import annotations

import numpy as np
import pytest

from cleaner.dedup.minhash import minhash_signatures, permutations, shingle_batch


@pytest.mark.parametrize("num_perm, seed", [(128, 1), (64, 7), (16, 2**31 - 1)])
def test_permutations_are_datasketchs_every_time(num_perm, seed):
    datasketch = pytest.importorskip("datasketch")
    want = datasketch.MinHash(num_perm, seed=seed, scheme="affine32").permutations
    for _ in range(3):  # (the first call draws them, the later ones reuse the draw)
        a, b = permutations(num_perm, seed)
        assert a.dtype == b.dtype == np.uint32
        assert a.tolist() == want[0].tolist() and b.tolist() == want[1].tolist()


def test_a_caller_changing_its_parameters_changes_nobody_elses():
    batch = shingle_batch(["the same words in the same order, again and again"] * 2, 3)
    before = minhash_signatures(batch, 32, 5)
    a, b = permutations(32, 5)
    a[:] = 1
    b[:] = 0
    assert permutations(32, 5)[0].tolist() != a.tolist()
    assert np.array_equal(minhash_signatures(batch, 32, 5), before)
