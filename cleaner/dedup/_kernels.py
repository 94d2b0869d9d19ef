"""The numba kernels of :mod:`cleaner.dedup._fast` (imported only through :func:`cleaner.dedup._fast.kernels`)."""

from __future__ import annotations

import numba
import numpy as np

_M32 = 0xFFFFFFFF


@numba.njit(cache=True, nogil=True)
def _fmix32(h):
    h = np.uint64(h)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(_M32)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & np.uint64(_M32)
    h ^= h >> np.uint64(16)
    return h


@numba.njit(cache=True, nogil=True)
def _signatures(values, offsets, a, b, out):
    n, num_perm = out.shape
    a64 = a.astype(np.uint64)
    b64 = b.astype(np.uint64)
    row = np.empty(num_perm, dtype=np.uint64)
    for i in range(n):
        lo, hi = offsets[i], offsets[i + 1]
        for k in range(num_perm):
            row[k] = _M32
        for t in range(lo, hi):
            h = _fmix32(values[t])
            for k in range(num_perm):
                v = (a64[k] * h + b64[k]) & np.uint64(_M32)
                if v < row[k]:
                    row[k] = v
        for k in range(num_perm):
            out[i, k] = np.uint32(row[k])


@numba.njit(cache=True, nogil=True)
def _match_counts(sig, pa, pb):
    m = len(pa)
    num_perm = sig.shape[1]
    out = np.empty(m, dtype=np.int64)
    for p in range(m):
        x, y = pa[p], pb[p]
        c = 0
        for k in range(num_perm):
            if sig[x, k] == sig[y, k]:
                c += 1
        out[p] = c
    return out


@numba.njit(cache=True, nogil=True)
def _unique_segments(values, starts, ends):
    total = 0
    for k in range(len(starts)):
        total += ends[k] - starts[k]
    out = np.empty(total, dtype=values.dtype)
    offs = np.empty(len(starts) + 1, dtype=np.int64)
    offs[0] = 0
    pos = 0
    for k in range(len(starts)):
        seg = np.sort(values[starts[k] : ends[k]])
        for t in range(len(seg)):
            if t == 0 or seg[t] != seg[t - 1]:
                out[pos] = seg[t]
                pos += 1
        offs[k + 1] = pos
    return out[:pos], offs


@numba.njit(cache=True, nogil=True)
def _intersections(uniq, offs, pa, pb):
    m = len(pa)
    inter = np.empty(m, dtype=np.int64)
    for p in range(m):
        i, i_end = offs[pa[p]], offs[pa[p] + 1]
        j, j_end = offs[pb[p]], offs[pb[p] + 1]
        c = 0
        while i < i_end and j < j_end:
            x, y = uniq[i], uniq[j]
            if x == y:
                c += 1
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        inter[p] = c
    return inter
