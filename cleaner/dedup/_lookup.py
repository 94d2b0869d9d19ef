"""A compiled band look-up for :class:`cleaner.dedup.index.BandIndex` (numba; imported only when it loads).

Imported by :meth:`~cleaner.dedup.index.BandIndex.lookup_pairs` only once
:func:`cleaner.dedup._fast.kernels` has loaded numba (so ``CLEANER_DEDUP_NUMBA=0``
and a missing numba turn it off too); otherwise the numpy path runs.  The
pairs are those of :func:`cleaner.dedup._fast.bucket_members`, in the same
order (tests/test_index.py compares the three).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _galloping_members(keys, ids, queries, order):
    bands, m = keys.shape
    n = queries.shape[1]
    first = np.empty((bands, n), dtype=np.int64)
    count = np.empty((bands, n), dtype=np.int64)
    total = 0
    for b in range(bands):
        lo = 0  # the first key >= the previous query (queries are sorted)
        for k in range(n):
            q = queries[b, k]
            if lo < m and keys[b, lo] < q:
                # Gallop from the previous answer: a batch's queries are spread over the level,
                # so the next answer is a few keys on, and the keys read stay in cache.
                step = 1
                hi = lo + 1
                while hi < m and keys[b, hi] < q:
                    lo = hi
                    step <<= 1
                    hi = lo + step
                if hi > m:
                    hi = m
                lo += 1  # keys[b, lo - 1] < q; the answer is in [lo, hi]
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if keys[b, mid] < q:
                        lo = mid + 1
                    else:
                        hi = mid
            end = lo
            while end < m and keys[b, end] == q:
                end += 1
            first[b, k] = lo
            count[b, k] = end - lo
            total += end - lo
    rows = np.empty(total, dtype=np.int64)
    out = np.empty(total, dtype=np.int64)
    pos = 0
    for b in range(bands):
        for k in range(n):
            for t in range(first[b, k], first[b, k] + count[b, k]):
                rows[pos] = order[b, k]
                out[pos] = ids[b, t]
                pos += 1
    return rows, out


def bucket_members(keys: np.ndarray, ids: np.ndarray, queries: np.ndarray, order: np.ndarray):
    """``(query row, id)`` for every entry of a band-index level sharing a bucket with a query.

    *keys*/*ids* are the level (``(bands, m)``, each band sorted by key),
    *queries* the band hashes looked up (``(bands, n)``, each band sorted)
    and *order* the query row of each: the pairs and order of
    :func:`cleaner.dedup._fast.bucket_members`, each answer found by
    galloping from the one before instead of a binary search over the rest
    of the band.
    """
    return _galloping_members(np.ascontiguousarray(keys), np.ascontiguousarray(ids), np.ascontiguousarray(queries),
                              np.ascontiguousarray(order, dtype=np.int64))
