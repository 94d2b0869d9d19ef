"""Small pieces of the streaming D001 driver: a batch's set bytes, and the representatives' document codes."""

from __future__ import annotations

import numpy as np
import pytest

from cleaner.dedup.index import RepBatch, RepCache, _set_bytes
from cleaner.dedup.minhash import ShingleBatch


@pytest.mark.parametrize("seed", range(4))
def test_set_bytes_slices_are_each_sets_own_bytes(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 6, 40)  # empty sets too
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = rng.integers(0, 2**32, int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    sets = ShingleBatch(offsets, values, counts, 3)
    blob, at = _set_bytes(sets)
    for k in range(len(counts)):
        assert blob[at[k] : at[k + 1]] == values[offsets[k] : offsets[k + 1]].tobytes()
    assert len(set(blob[at[k] : at[k + 1]] for k in range(len(counts)) if counts[k])) == np.count_nonzero(counts)


def test_rep_cache_codes_documents_in_order_of_first_appearance():
    """Each document gets one code, the next free one when first met, whatever the batches and their order."""
    cache = RepCache(capacity=1 << 10)
    batches = [["a", "a", "b", "c", "c", "c"], ["c", "d", "d", "a", "e"], ["e"], ["f", "b", "f"]]
    first_id = 1
    want: dict[str, int] = {}
    for docs in batches:
        n = len(docs)
        ids = np.arange(first_id, first_id + n, dtype=np.int64)
        offsets = np.arange(n + 1, dtype=np.int64)
        cache.add_batch(RepBatch(ids, list(docs), list(range(n)), list(range(n)), list(range(1, n + 1)), offsets,
                                 np.arange(n, dtype=np.uint32), np.zeros((n, 4), dtype=np.uint32),
                                 np.zeros((n, 2), dtype=np.uint64)))
        for doc in docs:
            want.setdefault(doc, len(want))
        assert cache.doc_code == want and cache.docs == list(want)
        assert [cache.docs[c] for c in cache.doc[ids].tolist()] == docs
        assert [cache.rep(int(i)).doc for i in ids] == docs
        first_id += n
