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
    # (a * h + b) mod 2**32 in 32-bit lanes: the low 32 bits of the 64-bit computation, twice the lanes.
    n, num_perm = out.shape
    row = np.empty(num_perm, dtype=np.uint32)
    for i in range(n):
        lo, hi = offsets[i], offsets[i + 1]
        for k in range(num_perm):
            row[k] = np.uint32(_M32)
        for t in range(lo, hi):
            h = np.uint32(_fmix32(values[t]))
            for k in range(num_perm):
                v = np.uint32(a[k] * h + b[k])
                if v < row[k]:
                    row[k] = v
        for k in range(num_perm):
            out[i, k] = row[k]


@numba.njit(cache=True, nogil=True, inline="always")
def _agreements(sig, x, y):
    """How many signature values rows *x* and *y* share (the MinHash Jaccard estimate times num_perm)."""
    c = 0
    for k in range(sig.shape[1]):
        if sig[x, k] == sig[y, k]:
            c += 1
    return c


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
def _overlap(values, i, i_end, j, j_end):
    """How many values the sorted, distinct runs ``values[i:i_end]`` and ``values[j:j_end]`` share (a merge)."""
    c = 0
    while i < i_end and j < j_end:
        x, y = values[i], values[j]
        if x == y:
            c += 1
            i += 1
            j += 1
        elif x < y:
            i += 1
        else:
            j += 1
    return c


@numba.njit(cache=True, nogil=True)
def _intersections(uniq, offs, pa, pb):
    m = len(pa)
    inter = np.empty(m, dtype=np.int64)
    for p in range(m):
        inter[p] = _overlap(uniq, offs[pa[p]], offs[pa[p] + 1], offs[pb[p]], offs[pb[p] + 1])
    return inter


_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xC2B2AE3D27D4EB4F)
_FM1 = np.uint64(0xFF51AFD7ED558CCD)
_FM2 = np.uint64(0xC4CEB9FE1A85EC53)
_P = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, nogil=True)
def _fmix64(h):
    h ^= h >> np.uint64(33)
    h *= _FM1
    h ^= h >> np.uint64(33)
    h *= _FM2
    h ^= h >> np.uint64(33)
    return h


@numba.njit(cache=True, nogil=True, inline="always")
def _chunk(arr, at, remaining):
    # The little-endian 8 bytes at *at* (arr has 8 bytes of padding), keeping the first *remaining*.
    chunk = np.uint64(0)
    for t in range(8):
        chunk |= np.uint64(arr[at + t]) << np.uint64(8 * t)
    if remaining < 8:
        chunk &= (np.uint64(1) << np.uint64(8 * remaining)) - np.uint64(1)
    return chunk


@numba.njit(cache=True, nogil=True)
def _word_hashes(arr, starts, lens):
    n = len(starts)
    out = np.empty(n, dtype=np.uint64)
    for w in range(n):
        s = starts[w]
        length = lens[w]
        h = _fmix64(_chunk(arr, s, length) ^ (np.uint64(length) * _C1))
        k = 1
        while 8 * k < length:
            h = _fmix64(h ^ (_chunk(arr, s + 8 * k, length - 8 * k) * _C2 + np.uint64(k)))
            k += 1
        out[w] = h
    return out


@numba.njit(cache=True, nogil=True)
def _ngram_hashes(th, tok_offsets, out_offsets, ngram):
    out = np.empty(out_offsets[-1], dtype=np.uint32)
    for i in range(len(tok_offsets) - 1):
        pos = out_offsets[i]
        for p in range(tok_offsets[i], tok_offsets[i + 1] - ngram + 1):
            acc = th[p]
            for k in range(1, ngram):
                acc = acc * _P + th[p + k]
            out[pos] = np.uint32(_fmix64(acc) >> np.uint64(32))
            pos += 1
    return out


@numba.njit(cache=True, nogil=True)
def _band_hashes(signatures, rows_idx, bands, rows):
    out = np.empty((bands, len(rows_idx)), dtype=np.uint64)
    mul = np.uint64(0x100000001B3)
    for r in range(len(rows_idx)):
        row = rows_idx[r]
        for band in range(bands):
            acc = np.uint64(band + 1)
            for col in range(band * rows, (band + 1) * rows):
                acc = _fmix64(acc * mul + np.uint64(signatures[row, col]))
            out[band, r] = acc
    return out


@numba.njit(cache=True, nogil=True)
def _prefilter(sig, pa, pb, sizes, jaccard_min, use_containment, containment_min, min_small):
    m = len(pa)
    num_perm = sig.shape[1]
    out = np.empty(m, dtype=np.bool_)
    for p in range(m):
        x, y = pa[p], pb[p]
        est = _agreements(sig, x, y) / num_perm
        ok = est >= jaccard_min
        if not ok and use_containment:
            sa = np.float64(sizes[x])
            sb = np.float64(sizes[y])
            small = min(sa, sb)
            est_c = est * (sa + sb) / ((1.0 + est) * max(small, 1.0))
            ok = est_c >= containment_min and small >= min_small
        out[p] = ok
    return out




@numba.njit(cache=True, nogil=True)
def _bucket_pairs(packed, shift, idx, n, max_bucket):
    m = len(packed)
    sh = np.uint64(shift)
    low = np.uint64((1 << shift) - 1)
    count = 0
    for i in range(m):
        key = packed[i] >> sh
        for d in range(1, max_bucket + 1):
            if i + d >= m or (packed[i + d] >> sh) != key:
                break
            count += 1
    out = np.empty(count, dtype=np.int64)
    c = 0
    for i in range(m):
        key = packed[i] >> sh
        a = idx[np.int64(packed[i] & low)] * n
        for d in range(1, max_bucket + 1):
            if i + d >= m or (packed[i + d] >> sh) != key:
                break
            out[c] = a + idx[np.int64(packed[i + d] & low)]
            c += 1
    return out




@numba.njit(cache=True, nogil=True)
def _first_verified(values, offsets, pa, pb, starts, jaccard_min, use_containment, containment_min, min_small):
    groups = len(starts) - 1
    first = np.full(groups, -1, dtype=np.int64)
    codes = np.zeros(groups, dtype=np.int8)
    jac = np.zeros(groups, dtype=np.float64)
    cont = np.zeros(groups, dtype=np.float64)
    for g in range(groups):
        for p in range(starts[g], starts[g + 1]):
            i, i_end = offsets[pa[p]], offsets[pa[p] + 1]
            j, j_end = offsets[pb[p]], offsets[pb[p] + 1]
            la, lb = i_end - i, j_end - j
            if la == 0 or lb == 0:
                continue
            c = _overlap(values, i, i_end, j, j_end)
            small = min(la, lb)
            jv = c / (la + lb - c)
            cv = c / small
            if jv >= jaccard_min:
                code = 1
            elif use_containment and cv >= containment_min and small >= min_small:
                code = 2
            else:
                continue
            first[g] = p
            codes[g] = code
            jac[g] = jv
            cont[g] = cv
            break
    return first, codes, jac, cont


@numba.njit(cache=True, nogil=True)
def _bucket_members(keys, ids, queries, order):
    bands, m = keys.shape
    n = queries.shape[1]
    first = np.empty((bands, n), dtype=np.int64)
    count = np.empty((bands, n), dtype=np.int64)
    total = 0
    for b in range(bands):
        lo = 0
        for k in range(n):
            q = queries[b, k]
            hi = m
            while lo < hi:  # the first key >= q, at or after the previous query's (queries are sorted)
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


@numba.njit(cache=True, nogil=True)
def _row_agreements(a, b, ra, rb):
    m = len(ra)
    out = np.empty(m, dtype=np.int64)
    for p in range(m):
        x, y = ra[p], rb[p]
        c = 0
        for k in range(a.shape[1]):
            if a[x, k] == b[y, k]:
                c += 1
        out[p] = c
    return out


@numba.njit(cache=True, nogil=True)
def _merge_rows(k1, i1, k2, i2):
    bands, m1 = k1.shape
    m2 = k2.shape[1]
    keys = np.empty((bands, m1 + m2), dtype=k1.dtype)
    ids = np.empty((bands, m1 + m2), dtype=i1.dtype)
    for b in range(bands):
        x = 0
        y = 0
        for t in range(m1 + m2):
            if y >= m2 or (x < m1 and k1[b, x] <= k2[b, y]):  # ties: the first level's entry first
                keys[b, t] = k1[b, x]
                ids[b, t] = i1[b, x]
                x += 1
            else:
                keys[b, t] = k2[b, y]
                ids[b, t] = i2[b, y]
                y += 1
    return keys, ids


@numba.njit(cache=True, nogil=True)
def _fold_bytes(blob, char_starts, lut, codes_sep, codes_del):
    # Steps 1 and 2 of the tokeniser on UTF-8 bytes, deleted characters left out: the bytes
    # translate, the folding of multi-byte separators and the removal of the NUL bytes give, with where
    # each text starts.
    size = len(blob)
    n_texts = len(char_starts) - 1
    out = np.empty(size + 8, dtype=np.uint8)  # (8 bytes of padding for _chunk)
    text_start = np.empty(n_texts + 1, dtype=np.int64)
    w = 0
    cp = 0  # code points read
    t = 0  # the next text to start, at code point nxt
    nxt = char_starts[0]
    i = 0
    while i < size:
        lead = blob[i]
        if cp == nxt:
            text_start[t] = w
            t += 1
            nxt = char_starts[t] if t <= n_texts else -1
        cp += 1
        if lead < 0x80:
            out[w] = lut[lead]
            w += 1
            i += 1
            continue
        if lead < 0xC0:  # (a continuation byte on its own: str.encode makes none)
            out[w] = lead
            w += 1
            i += 1
            continue
        nbytes = 4 if lead >= 0xF0 else (3 if lead >= 0xE0 else 2)
        code = np.int64(0)
        for k in range(nbytes):
            code = (code << 8) | np.int64(blob[min(i + k, size - 1)])
        code |= np.int64(nbytes) << 32
        j = np.searchsorted(codes_sep, code)
        if j < len(codes_sep) and codes_sep[j] == code:
            for k in range(nbytes):
                out[w + k] = 32
            w += nbytes
        else:
            j = np.searchsorted(codes_del, code)
            if not (j < len(codes_del) and codes_del[j] == code):
                for k in range(nbytes):
                    out[w + k] = blob[min(i + k, size - 1)]
                w += nbytes
        i += nbytes
    while t <= n_texts:
        text_start[t] = w
        t += 1
    for k in range(8):
        out[w + k] = 0
    return out, w, text_start


@numba.njit(cache=True, nogil=True)
def _word_bounds(arr, size):
    # Word starts, ends (runs of bytes other than space) and the words with a byte >= 0x80, without a
    # branch per byte.
    count = 0
    n_high = 0
    prev = False
    for p in range(size):
        b = arr[p]
        cur = b != 32
        count += cur != prev
        n_high += b >= 0x80
        prev = cur
    count += prev
    bounds = np.empty(count + 1, dtype=np.int64)
    c = 0
    prev = False
    for p in range(size):
        cur = arr[p] != 32
        bounds[c] = p  # kept only where a word starts or ends (c moves on)
        c += cur != prev
        prev = cur
    if prev:
        bounds[c] = size
    n = count // 2
    starts = bounds[0 : 2 * n : 2].copy()
    ends = bounds[1 : 2 * n : 2].copy()
    high = np.zeros(n, dtype=np.bool_)
    if n_high:
        k = 0
        for p in range(size):
            if arr[p] >= 0x80:
                while ends[k] <= p:
                    k += 1
                high[k] = True
    return starts, ends, np.flatnonzero(high)


@numba.njit(cache=True, nogil=True)
def _tokenize(blob, char_starts, lut, codes_sep, codes_del):
    out, size, text_start = _fold_bytes(blob, char_starts, lut, codes_sep, codes_del)
    starts, ends, special = _word_bounds(out, size)
    hashes = _word_hashes(out, starts, ends - starts)
    n_texts = len(text_start) - 1
    first_word = np.empty(n_texts + 1, dtype=np.int64)  # words never cross texts: a text owns those starting in it
    k = 0
    for t in range(n_texts + 1):
        while k < len(starts) and starts[k] < text_start[t]:
            k += 1
        first_word[t] = k
    return out, size, hashes, starts, ends, special, first_word


#: Values sorted together by :func:`_unique_segments_u32` (the scratch arrays stay in the cache).
_RADIX_CHUNK = 1 << 16


@numba.njit(cache=True, nogil=True)
def _unique_segments_u32(values, starts, ends):
    # _unique_segments of uint32 values: the same sorted, distinct runs, sorted by an LSD radix sort
    # (three passes of 11 bits, then a stable pass by run) of about _RADIX_CHUNK values at a time
    # instead of a comparison sort of every run (2.4x faster on a batch's paragraphs).
    nseg = len(starts)
    total = 0
    widest = 0
    for k in range(nseg):
        m = ends[k] - starts[k]
        total += m
        widest = max(widest, m)
    out = np.empty(total, dtype=np.uint32)
    offs = np.empty(nseg + 1, dtype=np.int64)
    offs[0] = 0
    room = max(widest, _RADIX_CHUNK)
    va = np.empty(room, dtype=np.uint32)
    vb = np.empty(room, dtype=np.uint32)
    sa = np.empty(room, dtype=np.int32)
    sb = np.empty(room, dtype=np.int32)
    cnt = np.empty(2048, dtype=np.int64)
    q = 0  # values written to out
    first = 0
    while first < nseg:
        last = first  # runs first .. last - 1 make this chunk
        n = 0
        while last < nseg and (last == first or n + ends[last] - starts[last] <= _RADIX_CHUNK):
            n += ends[last] - starts[last]
            last += 1
        p = 0
        for k in range(first, last):
            for t in range(starts[k], ends[k]):
                va[p] = values[t]
                sa[p] = k - first
                p += 1
        a_v, a_s, b_v, b_s = va, sa, vb, sb
        for shift in (0, 11, 22):
            cnt[:] = 0
            for i in range(n):
                cnt[(a_v[i] >> shift) & 2047] += 1
            s = 0
            for d in range(2048):
                c = cnt[d]
                cnt[d] = s
                s += c
            for i in range(n):
                v = a_v[i]
                d = (v >> shift) & 2047
                j = cnt[d]
                b_v[j] = v
                b_s[j] = a_s[i]
                cnt[d] = j + 1
            a_v, a_s, b_v, b_s = b_v, b_s, a_v, a_s
        # stable by run: b_v[at[g]:] receives run g's values in ascending order
        at = np.empty(last - first + 1, dtype=np.int64)
        at[0] = 0
        for k in range(first, last):
            at[k - first + 1] = at[k - first] + (ends[k] - starts[k])
        for i in range(n):
            g = a_s[i]
            b_v[at[g]] = a_v[i]
            at[g] += 1
        t = 0
        for k in range(first, last):
            stop = t + (ends[k] - starts[k])
            begin = t
            while t < stop:
                v = b_v[t]
                if t == begin or v != b_v[t - 1]:
                    out[q] = v
                    q += 1
                t += 1
            offs[k + 1] = q
        first = last
    return out[:q], offs
