"""The compiled MinHash (eight, then four, then one value at a time) against datasketch's affine32 MinHash.

Every set length from 0 to 40 is signed, so each way a row ends (after
blocks of eight, a block of four, single values) is compared with
``datasketch.MinHash(scheme="affine32")`` updated value by value.
"""

from __future__ import annotations

import numpy as np
import pytest


def test_compiled_signatures_of_every_length_are_datasketchs():
    datasketch = pytest.importorskip("datasketch")
    from cleaner.dedup import _fast
    from cleaner.dedup.minhash import permutations

    if _fast.kernels() is None:
        pytest.skip("numba not available")
    rng = np.random.default_rng(5)
    lengths = np.array(list(range(41)) * 2)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    values = rng.integers(0, 1 << 32, int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    values[-40:] = [0, 0xFFFFFFFF, 1, 0x80000000] * 10  # extremes, and repeats
    for num_perm, seed in ((128, 1), (13, 7)):
        got = _fast.signatures(values, offsets, *permutations(num_perm, seed))
        for i in range(len(lengths)):
            m = datasketch.MinHash(num_perm, seed=seed, hashfunc=int, scheme="affine32")
            m.update_batch(values[offsets[i] : offsets[i + 1]].tolist())
            assert np.array_equal(got[i], m.hashvalues), (num_perm, i)
