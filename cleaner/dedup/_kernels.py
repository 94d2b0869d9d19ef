"""The numba kernels of :mod:`cleaner.dedup._fast` (imported only through :func:`cleaner.dedup._fast.kernels`)."""

from __future__ import annotations

import sys

from cleaner._numba_start import numba  # (numba without scipy.linalg at start-up: cleaner/_numba_start.py)
import numpy as np

if sys.byteorder != "little":  # (the tokeniser reads its bytes as little-endian 64-bit words)
    raise ImportError("the compiled kernels assume a little-endian machine; the numpy path runs instead")

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


@numba.njit(cache=True, nogil=True, inline="always")
def _affine(ak, bk, h):
    return np.uint32(ak * h + bk)


@numba.njit(cache=True, nogil=True)
def _signatures(values, offsets, a, b, out):
    # (a * h + b) mod 2**32 in 32-bit lanes: the low 32 bits of the 64-bit computation, twice the lanes.
    # Eight (then four) values at a time: the row and the parameters are read once for all of them
    # (3x faster than value by value); a minimum does not depend on the order it is taken in.
    n, num_perm = out.shape
    row = np.empty(num_perm, dtype=np.uint32)
    for i in range(n):
        lo, hi = offsets[i], offsets[i + 1]
        for k in range(num_perm):
            row[k] = np.uint32(_M32)
        t = lo
        while t + 8 <= hi:
            h0 = np.uint32(_fmix32(values[t]))
            h1 = np.uint32(_fmix32(values[t + 1]))
            h2 = np.uint32(_fmix32(values[t + 2]))
            h3 = np.uint32(_fmix32(values[t + 3]))
            h4 = np.uint32(_fmix32(values[t + 4]))
            h5 = np.uint32(_fmix32(values[t + 5]))
            h6 = np.uint32(_fmix32(values[t + 6]))
            h7 = np.uint32(_fmix32(values[t + 7]))
            for k in range(num_perm):
                ak = a[k]
                bk = b[k]
                v = min(min(min(_affine(ak, bk, h0), _affine(ak, bk, h1)), min(_affine(ak, bk, h2), _affine(ak, bk, h3))),
                        min(min(_affine(ak, bk, h4), _affine(ak, bk, h5)), min(_affine(ak, bk, h6), _affine(ak, bk, h7))))
                row[k] = min(row[k], v)
            t += 8
        if t + 4 <= hi:
            h0 = np.uint32(_fmix32(values[t]))
            h1 = np.uint32(_fmix32(values[t + 1]))
            h2 = np.uint32(_fmix32(values[t + 2]))
            h3 = np.uint32(_fmix32(values[t + 3]))
            for k in range(num_perm):
                ak = a[k]
                bk = b[k]
                v = min(min(_affine(ak, bk, h0), _affine(ak, bk, h1)), min(_affine(ak, bk, h2), _affine(ak, bk, h3)))
                row[k] = min(row[k], v)
            t += 4
        while t < hi:
            h = np.uint32(_fmix32(values[t]))
            for k in range(num_perm):
                row[k] = min(row[k], _affine(a[k], b[k], h))
            t += 1
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




@numba.njit(cache=True, nogil=True, inline="always")
def _verdict(c, la, lb, jaccard_min, use_containment, containment_min, min_small):
    """0, 1 (Jaccard) or 2 (containment) for sets of *la* and *lb* values sharing *c*, as ``Verifier.similarity``."""
    small = min(la, lb)
    if c / (la + lb - c) >= jaccard_min:
        return 1
    if use_containment and c / small >= containment_min and small >= min_small:
        return 2
    return 0


@numba.njit(cache=True, nogil=True)
def _least_shared(la, lb, jaccard_min, use_containment, containment_min, min_small):
    """The fewest shared values with which sets of *la* and *lb* values pass (``min(la, lb) + 1``: never).

    The verdict's tests are monotone in the shared count (a larger numerator,
    a smaller denominator, each division correctly rounded), so a binary
    search on the very same float tests finds the bound exactly.
    """
    lo, hi = 0, min(la, lb) + 1  # the answer is in [lo, hi]; hi: never passes
    while lo < hi:
        mid = (lo + hi) >> 1
        if _verdict(mid, la, lb, jaccard_min, use_containment, containment_min, min_small) > 0:
            hi = mid
        else:
            lo = mid + 1
    return lo


@numba.njit(cache=True, nogil=True)
def _overlap_of(xs, i, i_end, ys, j, j_end, need):
    """How many values the sorted, distinct runs ``xs[i:i_end]`` and ``ys[j:j_end]`` share, or -1 once fewer than *need* can.

    A branch-free merge: each step moves past the smaller value (both when equal).
    """
    c = 0
    while i < i_end and j < j_end:
        x, y = xs[i], ys[j]
        c += x == y
        i += x <= y
        j += y <= x
        if c + min(i_end - i, j_end - j) < need:
            return -1
    return c


@numba.njit(cache=True, nogil=True)
def _first_verified(arena, a_start, a_size, values, offsets, pb, starts, jaccard_min, use_containment,
                       containment_min, min_small):
    groups = len(starts) - 1
    first = np.full(groups, -1, dtype=np.int64)
    codes = np.zeros(groups, dtype=np.int8)
    jac = np.zeros(groups, dtype=np.float64)
    cont = np.zeros(groups, dtype=np.float64)
    for g in range(groups):
        for p in range(starts[g], starts[g + 1]):
            i = a_start[p]
            la = a_size[p]
            j, j_end = offsets[pb[p]], offsets[pb[p] + 1]
            lb = j_end - j
            if la == 0 or lb == 0:
                continue
            need = _least_shared(la, lb, jaccard_min, use_containment, containment_min, min_small)
            if need > min(la, lb):
                continue
            c = _overlap_of(arena, i, i + la, values, j, j_end, need)
            if c < need:
                continue
            code = _verdict(c, la, lb, jaccard_min, use_containment, containment_min, min_small)
            first[g] = p
            codes[g] = code
            jac[g] = c / (la + lb - c)
            cont[g] = c / min(la, lb)
            break
    return first, codes, jac, cont


@numba.njit(cache=True, nogil=True)
def _bucket_ranges(keys, queries):
    bands, m = keys.shape
    n = queries.shape[1]
    first = np.empty((bands, n), dtype=np.int64)
    count = np.empty((bands, n), dtype=np.int64)
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
    return first, count


@numba.njit(cache=True, nogil=True)
def _bucket_members(keys, ids, queries, order):
    first, count = _bucket_ranges(keys, queries)
    bands, n = first.shape
    total = 0
    for b in range(bands):
        for k in range(n):
            total += count[b, k]
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
def _add_row_counts(count, order, totals):
    bands, n = count.shape
    for b in range(bands):
        for k in range(n):
            totals[order[b, k] + 1] += count[b, k]


@numba.njit(cache=True, nogil=True)
def _scatter_members(ids, first, count, order, grouped, at):
    bands, n = first.shape
    for b in range(bands):
        for k in range(n):
            r = order[b, k]
            p = at[r]
            for t in range(first[b, k], first[b, k] + count[b, k]):
                grouped[p] = ids[b, t]
                p += 1
            at[r] = p


@numba.njit(cache=True, nogil=True)
def _distinct_grouped(grouped, bounds, seen, stamp):
    n = len(bounds) - 1
    out_rows = np.empty(len(grouped), dtype=np.int64)
    out_ids = np.empty(len(grouped), dtype=np.int64)
    c = 0
    for r in range(n):
        # an id seen in every band it shares with the row: kept once (seen[id] holds the row's stamp)
        mark = stamp + r
        start = c
        for p in range(bounds[r], bounds[r + 1]):
            v = grouped[p]
            if seen[v] != mark:
                seen[v] = mark
                out_ids[c] = v
                c += 1
        if c - start > 1:
            out_ids[start:c].sort()
        out_rows[start:c] = r
    return out_rows[:c], out_ids[:c]


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


_M7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_M1 = np.uint64(0x0101010101010101)


@numba.njit(cache=True, nogil=True)
def _signature_keep(low_a, low_b, size_b, ra, rb, size_a, jaccard_min, use_containment, containment_min, min_small):
    m = len(ra)
    words = low_a.shape[1]
    num_perm = 8 * words
    out = np.empty(m, dtype=np.bool_)
    for p in range(m):
        x, y = ra[p], rb[p]
        if size_b[y] < 0:  # not known: kept for exact verification
            out[p] = True
            continue
        differ = np.uint64(0)  # bytes that differ, eight at a time: a byte's high bit set when it is not zero
        for k in range(words):
            v = low_a[x, k] ^ low_b[y, k]
            differ += ((((v & _M7) + _M7) | v) >> np.uint64(7) & _M1) * _M1 >> np.uint64(56)
        est = (num_perm - np.int64(differ)) / num_perm
        ok = est >= jaccard_min
        if not ok and use_containment:
            sa = np.float64(size_a[x])
            sb = np.float64(size_b[y])
            small = min(sa, sb)
            est_c = est * (sa + sb) / ((1.0 + est) * max(small, 1.0))
            ok = est_c >= containment_min and small >= min_small
        out[p] = ok
    return out


@numba.njit(cache=True, nogil=True)
def _merge_rows(k1, i1, k2, i2, keys, ids):
    bands, m1 = k1.shape
    m2 = k2.shape[1]
    for b in range(bands):
        x = 0
        y = 0
        t = 0
        while x < m1 and y < m2:  # branch-free: the keys are random, a branch on them mispredicts half the time
            a = k1[b, x]
            c = k2[b, y]
            first = a <= c  # ties: the first level's entry first
            keys[b, t] = a if first else c
            ids[b, t] = i1[b, x] if first else i2[b, y]
            x += first
            y += 1 - first
            t += 1
        while x < m1:
            keys[b, t] = k1[b, x]
            ids[b, t] = i1[b, x]
            x += 1
            t += 1
        while y < m2:
            keys[b, t] = k2[b, y]
            ids[b, t] = i2[b, y]
            y += 1
            t += 1


#: What the tokeniser does with a multi-byte character (see :func:`code_classes`).
_KEEP, _SEP, _DEL = 0, 1, 2


def code_classes(codes_sep, codes_del):
    """The :func:`_tokenize` table of the two- and three-byte characters in *codes_sep* and *codes_del*.

    Entry ``c`` (``c < 2048``) is the class of the two-byte sequence with
    payload bits ``c``, entry ``2048 + c`` that of the three-byte one with
    payload ``c``: :data:`_SEP`, :data:`_DEL` or :data:`_KEEP`.  A
    well-formed sequence of a given length and its payload determine each
    other, so a look-up gives what the sorted codes give, and a separator
    that is also deleted stays a separator, as there.
    """
    classes = np.zeros(2048 + 65536, dtype=np.uint8)
    for codes, kind in ((codes_del, _DEL), (codes_sep, _SEP)):
        for code in np.asarray(codes, dtype=np.int64).tolist():
            nbytes, value = code >> 32, code & 0xFFFFFFFF
            if nbytes == 2:
                classes[((value >> 8) & 0x1F) << 6 | (value & 0x3F)] = kind
            elif nbytes == 3:
                classes[2048 + (((value >> 16) & 0x0F) << 12 | ((value >> 8) & 0x3F) << 6 | (value & 0x3F))] = kind
    return classes


@numba.njit(cache=True, nogil=True, inline="always")
def _chunk_of_words(words, at, remaining):
    # The little-endian 8 bytes at byte *at* of the little-endian 64-bit *words* (one word of padding after
    # them), keeping the first *remaining*: two aligned loads, not eight byte loads
    q = at >> 3
    r = np.uint64((at & 7) * 8)
    chunk = (words[q] >> r) | ((words[q + 1] << np.uint64(1)) << (np.uint64(63) - r))  # (no shift by 64)
    if remaining < 8:
        chunk &= (np.uint64(1) << np.uint64(8 * remaining)) - np.uint64(1)
    return chunk


@numba.njit(cache=True, nogil=True, inline="always")
def _hash_word(words, s, length):
    # word_hash of bytes s .. s + length - 1 of *words* (one word of padding after them)
    h = _fmix64(_chunk_of_words(words, s, length) ^ (np.uint64(length) * _C1))
    k = 1
    while 8 * k < length:
        h = _fmix64(h ^ (_chunk_of_words(words, s + 8 * k, length - 8 * k) * _C2 + np.uint64(k)))
        k += 1
    return h


@numba.njit(cache=True, nogil=True)
def _tokenize(blob, char_starts, lut, classes, codes_sep, codes_del, bounds, high):
    # Steps 1 and 2 of the tokeniser on UTF-8 bytes: every byte is folded (the bytes translate, multi-byte
    # separators to spaces, deleted characters left out) into *out*, and the word bounds (runs of bytes
    # other than space in *out*) are noted in the same pass, without a branch per byte on them (a
    # mispredicted branch at every word's start and end measured twice as slow); then every word is hashed.
    size = len(blob)
    n_texts = len(char_starts) - 1
    words = np.empty(size // 8 + 3, dtype=np.uint64)  # *out* read as 64-bit words by _hash_word
    out = words.view(np.uint8)  # (at least 8 bytes of padding)
    # bounds (len >= size + 2): where words start and end, one after the other; high (len >= size // 2 + 1):
    # the words with a byte >= 0x80 (words are 2 bytes apart).  Both are scratch space of the caller's.
    first_word = np.empty(n_texts + 1, dtype=np.int64)  # words never cross texts: a text owns those starting in it
    c = 0  # bounds noted: word (c - 1) // 2 is being read when c is odd
    prev = False  # is the last byte written part of a word?
    ns = 0
    w = 0
    cp = 0  # code points read
    t = 0  # the next text to start, at code point nxt
    nxt = char_starts[0]
    i = 0
    while i < size:
        if cp == nxt:
            first_word[t] = (c + 1) >> 1
            t += 1
            nxt = char_starts[t] if t <= n_texts else -1
        # A run of ASCII bytes (one code point each), up to the next text's start at most.
        stop = size if nxt < cp else min(size, i + (nxt - cp))
        j = i
        while j < stop:
            x = blob[j]
            if x >= 0x80:
                break
            x = lut[x]
            out[w] = x
            cur = x != 32
            bounds[c] = w  # kept only where a word starts or ends (c moves on)
            c += cur != prev
            prev = cur
            w += 1
            j += 1
        if j > i:
            cp += j - i
            i = j
            continue
        lead = blob[i]  # (>= 0x80)
        cp += 1
        well_formed = False  # (then no byte of the character is a space)
        if lead < 0xC0:  # (a continuation byte on its own: str.encode makes none)
            nbytes = 1
            kind = _KEEP
        else:
            nbytes = 4 if lead >= 0xF0 else (3 if lead >= 0xE0 else 2)
            kind = _KEEP
            if nbytes == 2 and i + 1 < size and (blob[i + 1] & 0xC0) == 0x80:  # (well-formed: its table)
                kind = classes[((lead & 0x1F) << 6) | (blob[i + 1] & 0x3F)]
                well_formed = True
            elif nbytes == 3 and i + 2 < size and (blob[i + 1] & 0xC0) == 0x80 and (blob[i + 2] & 0xC0) == 0x80:
                kind = classes[2048 + (((lead & 0x0F) << 12) | ((blob[i + 1] & 0x3F) << 6) | (blob[i + 2] & 0x3F))]
                well_formed = True
            else:  # four bytes (or not UTF-8): the sorted codes
                code = np.int64(0)
                for k in range(nbytes):
                    code = (code << 8) | np.int64(blob[min(i + k, size - 1)])
                code |= np.int64(nbytes) << 32
                j = np.searchsorted(codes_sep, code)
                if j < len(codes_sep) and codes_sep[j] == code:
                    kind = _SEP
                else:
                    j = np.searchsorted(codes_del, code)
                    if j < len(codes_del) and codes_del[j] == code:
                        kind = _DEL
        if kind == _SEP:
            for k in range(nbytes):
                out[w + k] = 32
            if prev:
                bounds[c] = w
                c += 1
                prev = False
            w += nbytes
        elif kind == _KEEP and well_formed:  # (the usual case: a word goes on or starts)
            for k in range(nbytes):
                out[w + k] = blob[i + k]
            if not prev:
                bounds[c] = w
                c += 1
                prev = True
            if ns == 0 or high[ns - 1] != (c - 1) >> 1:
                high[ns] = (c - 1) >> 1
                ns += 1
            w += nbytes
        elif kind == _KEEP:
            for k in range(nbytes):
                x = blob[min(i + k, size - 1)]  # (a space only where the bytes are not UTF-8)
                out[w] = x
                cur = x != 32
                bounds[c] = w
                c += cur != prev
                prev = cur
                if x >= 0x80 and (ns == 0 or high[ns - 1] != (c - 1) >> 1):
                    high[ns] = (c - 1) >> 1
                    ns += 1
                w += 1
        i += nbytes
    if prev:  # (a last word without a space after it)
        bounds[c] = w
        c += 1
    for k in range(8):
        out[w + k] = 0
    while t <= n_texts:
        first_word[t] = c >> 1
        t += 1
    n = c >> 1
    starts = bounds[0 : 2 * n : 2].copy()
    ends = bounds[1 : 2 * n : 2].copy()
    hashes = np.empty(n, dtype=np.uint64)
    for k in range(n):
        hashes[k] = _hash_word(words, starts[k], ends[k] - starts[k])
    return out, w, hashes, starts, ends, high[:ns].copy(), first_word


@numba.njit(cache=True, nogil=True)
def _tokenize_spans(blob, span_starts, span_ends, lut, classes, codes_sep, codes_del, bounds, high):
    # :func:`_tokenize` of the texts ``blob[span_starts[t]:span_ends[t]]`` (byte offsets of whole characters of
    # well-formed UTF-8): the same result as _tokenize gives for those texts joined by spaces, a space after the
    # last (each span's bytes are folded as there, and a space is written after each), without making the
    # texts or reading the bytes between them (each character folded by the same code as there: a helper
    # function for it measured 25% slower).  *bounds* needs room for the spans' bytes plus one per span,
    # plus 2, *high* for half of that, plus 1.
    size = len(blob)
    n_texts = len(span_starts)
    total = n_texts
    for t in range(n_texts):
        total += span_ends[t] - span_starts[t]
    words = np.empty(total // 8 + 3, dtype=np.uint64)  # *out* read as 64-bit words by _hash_word
    out = words.view(np.uint8)
    first_word = np.empty(n_texts + 1, dtype=np.int64)
    c = 0
    prev = False
    ns = 0
    w = 0
    for t in range(n_texts):
        i = span_starts[t]
        e = span_ends[t]
        first_word[t] = (c + 1) >> 1
        while i < e:
            j = i
            while j < e:  # a run of ASCII bytes
                x = blob[j]
                if x >= 0x80:
                    break
                x = lut[x]
                out[w] = x
                cur = x != 32
                bounds[c] = w  # kept only where a word starts or ends (c moves on)
                c += cur != prev
                prev = cur
                w += 1
                j += 1
            if j > i:
                i = j
                continue
            lead = blob[i]  # (>= 0x80)
            well_formed = False  # (then no byte of the character is a space)
            if lead < 0xC0:  # (a continuation byte on its own: str.encode makes none)
                nbytes = 1
                kind = _KEEP
            else:
                nbytes = 4 if lead >= 0xF0 else (3 if lead >= 0xE0 else 2)
                kind = _KEEP
                if nbytes == 2 and i + 1 < size and (blob[i + 1] & 0xC0) == 0x80:  # (well-formed: its table)
                    kind = classes[((lead & 0x1F) << 6) | (blob[i + 1] & 0x3F)]
                    well_formed = True
                elif nbytes == 3 and i + 2 < size and (blob[i + 1] & 0xC0) == 0x80 and (blob[i + 2] & 0xC0) == 0x80:
                    kind = classes[2048 + (((lead & 0x0F) << 12) | ((blob[i + 1] & 0x3F) << 6) | (blob[i + 2] & 0x3F))]
                    well_formed = True
                else:  # four bytes (or not UTF-8): the sorted codes
                    code = np.int64(0)
                    for k in range(nbytes):
                        code = (code << 8) | np.int64(blob[min(i + k, size - 1)])
                    code |= np.int64(nbytes) << 32
                    j = np.searchsorted(codes_sep, code)
                    if j < len(codes_sep) and codes_sep[j] == code:
                        kind = _SEP
                    else:
                        j = np.searchsorted(codes_del, code)
                        if j < len(codes_del) and codes_del[j] == code:
                            kind = _DEL
            if kind == _SEP:
                for k in range(nbytes):
                    out[w + k] = 32
                if prev:
                    bounds[c] = w
                    c += 1
                    prev = False
                w += nbytes
            elif kind == _KEEP and well_formed:
                for k in range(nbytes):
                    out[w + k] = blob[i + k]
                if not prev:
                    bounds[c] = w
                    c += 1
                    prev = True
                if ns == 0 or high[ns - 1] != (c - 1) >> 1:
                    high[ns] = (c - 1) >> 1
                    ns += 1
                w += nbytes
            elif kind == _KEEP:
                for k in range(nbytes):
                    x = blob[min(i + k, size - 1)]
                    out[w] = x
                    cur = x != 32
                    bounds[c] = w
                    c += cur != prev
                    prev = cur
                    if x >= 0x80 and (ns == 0 or high[ns - 1] != (c - 1) >> 1):
                        high[ns] = (c - 1) >> 1
                        ns += 1
                    w += 1
            i += nbytes
        out[w] = 32  # the space after the text
        if prev:
            bounds[c] = w
            c += 1
            prev = False
        w += 1
    for k in range(8):
        out[w + k] = 0
    first_word[n_texts] = c >> 1
    n = c >> 1
    starts = bounds[0 : 2 * n : 2].copy()
    ends = bounds[1 : 2 * n : 2].copy()
    hashes = np.empty(n, dtype=np.uint64)
    for k in range(n):
        hashes[k] = _hash_word(words, starts[k], ends[k] - starts[k])
    return out, w, hashes, starts, ends, high[:ns].copy(), first_word


@numba.njit(cache=True, nogil=True)
def _byte_offsets(blob, start, cps):
    # The byte offsets in *blob* (well-formed UTF-8) of the code points *cps* (ascending) counted from byte
    # *start*: one walk from there.
    out = np.empty(len(cps), dtype=np.int64)
    i = start
    cp = 0
    for k in range(len(cps)):
        while cp < cps[k]:
            lead = blob[i]
            i += 1 if lead < 0xC0 else (4 if lead >= 0xF0 else (3 if lead >= 0xE0 else 2))
            cp += 1
        out[k] = i
    return out


#: Paragraph kinds of :func:`_segment` (codes of ``cleaner.dedup.segment.KINDS``), plus _LONG for a long one.
_BLOCK, _LINE, _LONG = 0, 1, 3


@numba.njit(cache=True, nogil=True, inline="always")
def _is_space(u):
    # str.isspace of code point *u* (a test checks it against Python for every code point)
    if u < 128:
        return u == 32 or (9 <= u <= 13) or (28 <= u <= 31)
    return (u == 0x85 or u == 0xA0 or u == 0x1680 or (0x2000 <= u <= 0x200A) or u == 0x2028 or u == 0x2029
            or u == 0x202F or u == 0x205F or u == 0x3000)


@numba.njit(cache=True, nogil=True, inline="always")
def _is_terminal(u):
    # u in segment._TERMINAL: . ! ? : ; " ' ” ’ ) ] …
    return (u == 46 or u == 33 or u == 63 or u == 58 or u == 59 or u == 34 or u == 39 or u == 0x201D or u == 0x2019
            or u == 41 or u == 93 or u == 0x2026)


@numba.njit(cache=True, nogil=True, inline="always")
def _decode(blob, i):
    # The code point whose UTF-8 (well-formed) starts at byte i, and its length in bytes
    lead = blob[i]
    if lead < 0x80:
        return np.int64(lead), 1
    if lead >= 0xF0:
        return (np.int64(lead & 0x07) << 18 | np.int64(blob[i + 1] & 0x3F) << 12 | np.int64(blob[i + 2] & 0x3F) << 6
                | np.int64(blob[i + 3] & 0x3F)), 4
    if lead >= 0xE0:
        return np.int64(lead & 0x0F) << 12 | np.int64(blob[i + 1] & 0x3F) << 6 | np.int64(blob[i + 2] & 0x3F), 3
    return np.int64(lead & 0x1F) << 6 | np.int64(blob[i + 1] & 0x3F), 2


@numba.njit(cache=True, nogil=True, inline="always")
def _code_points(blob, a, b):
    # How many code points bytes a .. b - 1 hold: the bytes that are not continuation bytes (vectorised)
    c = 0
    for j in range(a, b):
        c += (blob[j] & 0xC0) != 0x80
    return c


@numba.njit(cache=True, nogil=True)
def _segment(blob, text_bytes, feeds, undecided, max_chars):
    # segment.paragraph_spans of the texts blob[text_bytes[d]:text_bytes[d + 1]] (well-formed UTF-8; *feeds*
    # the offsets of the line feeds of *blob*, ascending), but for what needs Python: a paragraph longer than
    # *max_chars* is given with its kind + _LONG (its sentence windows need the pattern), and a line break
    # whose verdict needs the case of a non-ASCII character leaves the text to the caller (``undecided[d]``
    # set; none of its paragraphs given), as does a text with a carriage return (``undecided[d]`` set by
    # the caller).  Every line is read at its two ends only (the spaces stripped there), its code points
    # counted in one vectorised pass.  Paragraph k: text doc[k]; [start[k], end[k]) in code points of that
    # text and [bstart[k], bend[k]) in bytes of *blob*; kind; first and last line.
    n_docs = len(text_bytes) - 1
    cap = len(feeds) + n_docs + 1  # (lines)
    doc = np.empty(cap, dtype=np.int64)
    pstart = np.empty(cap, dtype=np.int64)
    pend = np.empty(cap, dtype=np.int64)
    bstart = np.empty(cap, dtype=np.int64)
    bend = np.empty(cap, dtype=np.int64)
    kind = np.empty(cap, dtype=np.int8)
    pfirst = np.empty(cap, dtype=np.int64)
    plast = np.empty(cap, dtype=np.int64)
    # the lines of the current block: content start and end (code points, bytes), first and last character, number
    ls = np.empty(cap, dtype=np.int64)
    le = np.empty(cap, dtype=np.int64)
    lbs = np.empty(cap, dtype=np.int64)
    lbe = np.empty(cap, dtype=np.int64)
    lfirst = np.empty(cap, dtype=np.int64)
    llast = np.empty(cap, dtype=np.int64)
    lno = np.empty(cap, dtype=np.int64)
    n = 0
    f = 0  # the next line feed
    for d in range(n_docs):
        t0 = text_bytes[d]
        t1 = text_bytes[d + 1]
        while f < len(feeds) and feeds[f] < t0:
            f += 1
        if undecided[d]:
            continue
        first_par = n
        bad = False
        nl = 0  # lines in the block
        line = 0
        at = 0  # the code point where the line starts
        a = t0
        while True:
            done = not (f < len(feeds) and feeds[f] < t1)
            b = t1 if done else feeds[f]  # the line is bytes a .. b - 1
            p = a
            u_first = np.int64(0)
            while p < b:
                u_first, size = _decode(blob, p)
                if not _is_space(u_first):
                    break
                p += size
            full = p < b
            width = _code_points(blob, a, b)
            if full:
                q = b  # after the last character that is not a space
                while True:
                    q0 = q - 1
                    while (blob[q0] & 0xC0) == 0x80:
                        q0 -= 1
                    u_last, _size = _decode(blob, q0)
                    if not _is_space(u_last):
                        break
                    q = q0
                ls[nl] = at + _code_points(blob, a, p)
                le[nl] = at + width - _code_points(blob, q, b)
                lbs[nl] = p
                lbe[nl] = q
                lfirst[nl] = u_first
                llast[nl] = u_last
                lno[nl] = line
                nl += 1
            if (not full or done) and nl:  # the block ends: its paragraphs
                as_block = False
                if nl > 1:  # one paragraph if at least half of its line breaks fall inside a sentence
                    mid = 0
                    for x in range(nl - 1):
                        if not _is_terminal(llast[x]):
                            c = lfirst[x + 1]
                            if c >= 128:  # (str.islower and str.isdigit of a non-ASCII character: Python's)
                                bad = True
                            elif (97 <= c <= 122) or (48 <= c <= 57):
                                mid += 1
                    as_block = 2 * mid >= nl - 1
                if as_block:
                    doc[n] = d
                    pstart[n] = ls[0]
                    pend[n] = le[nl - 1]
                    bstart[n] = lbs[0]
                    bend[n] = lbe[nl - 1]
                    kind[n] = _BLOCK + (_LONG if le[nl - 1] - ls[0] > max_chars else 0)
                    pfirst[n] = lno[0]
                    plast[n] = lno[nl - 1]
                    n += 1
                else:
                    for x in range(nl):
                        doc[n] = d
                        pstart[n] = ls[x]
                        pend[n] = le[x]
                        bstart[n] = lbs[x]
                        bend[n] = lbe[x]
                        kind[n] = _LINE + (_LONG if le[x] - ls[x] > max_chars else 0)
                        pfirst[n] = lno[x]
                        plast[n] = lno[x]
                        n += 1
                nl = 0
            if done:
                break
            f += 1
            line += 1
            at += width + 1
            a = b + 1
        if bad:
            undecided[d] = True
            n = first_par
    return (doc[:n].copy(), pstart[:n].copy(), pend[:n].copy(), bstart[:n].copy(), bend[:n].copy(), kind[:n].copy(),
            pfirst[:n].copy(), plast[:n].copy())


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


@numba.njit(cache=True, nogil=True, inline="always")
def _word_slot(keys, state, key):
    # The slot of *key* in the open-addressing table, or the empty slot where it would go (linear probing;
    # the keys are 64-bit hashes already, so their low bits pick the first slot).
    mask = np.uint64(len(keys) - 1)
    slot = np.int64(key & mask)
    while state[slot] != 0 and keys[slot] != key:
        slot = (slot + 1) & np.int64(mask)
    return slot


@numba.njit(cache=True, nogil=True)
def _word_table_lookup(h, special, keys, vals, state):
    # For every word special[q]: its hash h[...] is replaced by the table's value; a word the table
    # drops is listed in *dropped*, one it does not hold in *missing* (as q).
    missing = np.empty(len(special), dtype=np.int64)
    dropped = np.empty(len(special), dtype=np.int64)
    nm = 0
    nd = 0
    for q in range(len(special)):
        wi = special[q]
        slot = _word_slot(keys, state, h[wi])
        s = state[slot]
        if s == 1:
            h[wi] = vals[slot]
        elif s == 2:
            dropped[nd] = wi
            nd += 1
        else:
            missing[nm] = q
            nm += 1
    return missing[:nm], dropped[:nd]


@numba.njit(cache=True, nogil=True)
def _word_table_insert(keys, vals, state, new_keys, new_vals, new_state):
    # Put the (distinct, new) entries in the table, which has room for them.
    for k in range(len(new_keys)):
        slot = _word_slot(keys, state, new_keys[k])
        keys[slot] = new_keys[k]
        vals[slot] = new_vals[k]
        state[slot] = new_state[k]
