"""Optional compiled kernels (numba) for the hot loops of the near-duplicate pass.

numba is a dependency of cleaner; when it is missing or fails to load, the
numpy path runs instead.  Every kernel computes exactly what the numpy/Python path computes
(tests compare the two), so results do not depend on whether numba is
installed; only the speed does.  ``CLEANER_DEDUP_NUMBA=0`` turns the kernels
off (the numpy path is then used even where numba is installed).

numba is imported only when a pass is large enough to gain from it
(:func:`kernels` with a size of at least :data:`MIN_ITEMS`), so small runs
(a few files) do not pay its import; once imported, the kernels serve
passes of any size (the small batches of the corpus engine).  Kernels are compiled on first use and
cached on disk (``cache=True``), so only the first run after installation
pays the compilation (a few seconds).
"""

from __future__ import annotations

import os
import sys

import numpy as np

#: Below this many items (paragraphs, pairs) the numpy path is used: numba's import costs more.
MIN_ITEMS = 5000
#: False when numba is known not to load (not installed, disabled, or failed).
AVAILABLE = os.environ.get("CLEANER_DEDUP_NUMBA", "1").strip().lower() not in ("0", "false", "no", "off")
_loaded = False
_k = None


def kernels(size: int | None = None):
    """This module with its kernels compiled, or ``None``.

    ``None`` when numba is missing or disabled, or when *size* is below
    :data:`MIN_ITEMS` and numba is not imported yet.
    """
    global AVAILABLE, _loaded, _k
    if not AVAILABLE or (size is not None and size < MIN_ITEMS and not _loaded):
        return None
    if not _loaded:
        try:
            from cleaner.dedup import _kernels as _k
        except Exception:  # ImportError, or a numba that does not load with this numpy
            AVAILABLE = False
            return None
        _loaded = True
    return sys.modules[__name__]


def signatures(values: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``minhash_signatures`` of a CSR shingle batch (same values as the numpy path)."""
    out = np.empty((len(offsets) - 1, len(a)), dtype=np.uint32)
    _k._signatures(np.ascontiguousarray(values, dtype=np.uint32), np.ascontiguousarray(offsets, dtype=np.int64),
                   np.ascontiguousarray(a, dtype=np.uint32), np.ascontiguousarray(b, dtype=np.uint32), out)
    return out


def unique_segments(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique`` of every run ``values[starts[k] : ends[k]]``, one after the other: ``(values, offsets)``."""
    if values.dtype == np.uint32:  # shingle hashes: a radix sort
        return _k._unique_segments_u32(np.ascontiguousarray(values), np.ascontiguousarray(starts, dtype=np.int64),
                                       np.ascontiguousarray(ends, dtype=np.int64))
    return _k._unique_segments(np.ascontiguousarray(values), np.ascontiguousarray(starts, dtype=np.int64),
                               np.ascontiguousarray(ends, dtype=np.int64))


def row_agreements(a: np.ndarray, b: np.ndarray, ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """For every ``k``, how many positions rows ``a[ra[k]]`` and ``b[rb[k]]`` hold equal values (no gathered copies)."""
    return _k._row_agreements(np.ascontiguousarray(a), np.ascontiguousarray(b),
                              np.ascontiguousarray(ra, dtype=np.int64), np.ascontiguousarray(rb, dtype=np.int64))


def signature_keep(low_a: np.ndarray, low_b: np.ndarray, size_b: np.ndarray, ra: np.ndarray, rb: np.ndarray,
                   size_a: np.ndarray, jaccard_min: float, containment_min: float | None, min_small: int) -> np.ndarray:
    """``SignatureFilter.keep``'s mask in one compiled pass: pairs ``(ra[k], rb[k])`` of rows of *low_a* and *low_b*.

    *low_a*/*low_b* are low bytes of signatures (``(n, num_perm)`` uint8,
    *num_perm* a multiple of 8, compared eight bytes at a time), *size_a*/*size_b*
    the set sizes (``size_b < 0``: unknown, the pair is kept); the estimate
    and the thresholds (the margin already taken off) are tested as
    :func:`cleaner.dedup.core._may_pass` tests them, with the same float operations.
    """
    return _k._signature_keep(np.ascontiguousarray(low_a).view(np.uint64), np.ascontiguousarray(low_b).view(np.uint64),
                              np.ascontiguousarray(size_b, dtype=np.int64), np.ascontiguousarray(ra, dtype=np.int64),
                              np.ascontiguousarray(rb, dtype=np.int64), np.ascontiguousarray(size_a, dtype=np.int64),
                              float(jaccard_min), containment_min is not None,
                              float(containment_min if containment_min is not None else 0.0), int(min_small))


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of a 1-d integer array, sorting *values* in place (plain numpy, no kernel).

    A sort and a neighbour test: numpy 2's hash-based ``np.unique`` measured
    3x to 7x slower here (1,000 to 400,000 keys, such as a batch's
    ``(paragraph, candidate)`` pairs).
    """
    values.sort()
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def set_sizes_and_intersections(values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray):
    """For every pair ``(i, j)`` of paragraphs: ``|S_i|``, ``|S_j|`` and ``|S_i ∩ S_j|`` of their shingle sets."""
    need = distinct(pairs.ravel().copy())
    uniq, offs = unique_segments(values, offsets[need], offsets[need + 1])
    pa = np.searchsorted(need, pairs[:, 0])
    pb = np.searchsorted(need, pairs[:, 1])
    sizes = np.diff(offs)
    return sizes[pa], sizes[pb], _k._intersections(uniq, offs, pa, pb)


def sorted_set_sizes_and_intersections(values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray):
    """:func:`set_sizes_and_intersections` for a batch whose rows are sets already (sorted, distinct): no sorting."""
    sizes = np.diff(offsets)
    pa = np.ascontiguousarray(pairs[:, 0], dtype=np.int64)
    pb = np.ascontiguousarray(pairs[:, 1], dtype=np.int64)
    return sizes[pa], sizes[pb], _k._intersections(np.ascontiguousarray(values),
                                                   np.ascontiguousarray(offsets, dtype=np.int64), pa, pb)


def ngram_hashes(hashes: np.ndarray, tok_offsets: np.ndarray, out_offsets: np.ndarray, ngram: int) -> np.ndarray:
    """The n-gram shingle hashes of every text, in CSR order (same values as the numpy path)."""
    return _k._ngram_hashes(np.ascontiguousarray(hashes, dtype=np.uint64),
                            np.ascontiguousarray(tok_offsets, dtype=np.int64),
                            np.ascontiguousarray(out_offsets, dtype=np.int64), int(ngram))


def band_hashes(signatures: np.ndarray, rows_idx: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``lsh._band_hashes_by_band(signatures[rows_idx], bands, rows)`` without copying the rows."""
    return _k._band_hashes(np.ascontiguousarray(signatures), np.ascontiguousarray(rows_idx, dtype=np.int64),
                           int(bands), int(rows))


def prefilter(signatures: np.ndarray, pairs: np.ndarray, sizes: np.ndarray, jaccard_min: float,
              containment_min: float | None, min_small: int) -> np.ndarray:
    """``core._may_pass`` on the signature estimate of every pair, in one compiled pass (same verdicts)."""
    return _k._prefilter(np.ascontiguousarray(signatures), np.ascontiguousarray(pairs[:, 0], dtype=np.int64),
                         np.ascontiguousarray(pairs[:, 1], dtype=np.int64), np.ascontiguousarray(sizes),
                         float(jaccard_min), containment_min is not None,
                         float(containment_min if containment_min is not None else 0.0), int(min_small))


def bucket_pairs(packed: np.ndarray, shift: int, idx: np.ndarray, n: int, max_bucket: int) -> np.ndarray:
    """Pair codes ``i * n + j`` of one sorted band (see ``lsh.candidate_pairs``): the same pairs as the numpy loop."""
    return _k._bucket_pairs(packed, int(shift), np.ascontiguousarray(idx, dtype=np.int64), int(n), int(max_bucket))


def tokenize(blob: bytes, char_starts: np.ndarray, lut: np.ndarray, codes_sep: np.ndarray, codes_del: np.ndarray):
    """Steps 1 and 2 of the tokeniser, the words and their hashes, for texts joined by spaces, in one compiled call.

    *blob* is the UTF-8 (``surrogatepass``) of the joined texts and a final
    space; text ``t`` starts at code point ``char_starts[t]``.  Returns the
    folded bytes without the deleted characters (8 bytes of padding after
    *size*), *size*, every word's hash, start and end in them, the words with
    a byte >= 0x80, and every text's first word (``first_word[-1]`` the
    number of words): what :func:`~cleaner.dedup.normalize.tokenize_batch`
    computes with ``bytes.translate``, the folding of multi-byte separators,
    the removal of the deleted bytes, the word bounds and the word hashes.
    """
    codes_sep = np.ascontiguousarray(codes_sep, dtype=np.int64)
    codes_del = np.ascontiguousarray(codes_del, dtype=np.int64)
    key = (codes_sep.tobytes(), codes_del.tobytes())
    classes = _CLASSES.get(key)
    if classes is None:
        _CLASSES.clear()
        classes = _CLASSES[key] = _k.code_classes(codes_sep, codes_del)
    bounds, high = _SCRATCH.get("bounds"), _SCRATCH.get("high")
    if bounds is None or len(bounds) < len(blob) + 2:  # scratch space kept from call to call (see _SCRATCH)
        bounds = _SCRATCH["bounds"] = np.empty(2 * len(blob) + 2, dtype=np.int64)
        high = _SCRATCH["high"] = np.empty(len(blob) + 1, dtype=np.int64)
    return _k._tokenize(np.frombuffer(blob, dtype=np.uint8), np.ascontiguousarray(char_starts, dtype=np.int64), lut,
                        classes, codes_sep, codes_del, bounds, high)


#: The tokeniser's scratch arrays, reused by every call: a fresh array of several megabytes a batch
#: is mapped afresh by the allocator and costs a page fault per 4 KB touched (measured 10% of the signing).
_SCRATCH: dict[str, np.ndarray] = {}
#: The tokeniser's table of two- and three-byte characters, by the codes it was made from.
_CLASSES: dict[tuple[bytes, bytes], np.ndarray] = {}


def first_verified(arena: np.ndarray, starts_a: np.ndarray, sizes_a: np.ndarray, values: np.ndarray,
                      offsets: np.ndarray, rows: np.ndarray, groups: np.ndarray, threshold: float,
                      containment: float | None, min_small: int):
    """The first near-duplicate pair of every group of pairs ``groups[g] : groups[g + 1]``, all sets sorted and distinct.

    Pair ``p`` compares the run ``arena[starts_a[p] : starts_a[p] + sizes_a[p]]``
    (a representative's set where :class:`~cleaner.dedup.index.RepCache`
    keeps it, not copied out) with row ``rows[p]`` of the batch *values*/*offsets*.
    Returns the pair's index (-1: none in the group) and its verdict, Jaccard
    and containment, with the verdicts and values of ``Verifier.similarity_arrays``;
    a group's later pairs are not compared, and a comparison stops as soon
    as too few values are left for the pair to pass.
    """
    return _k._first_verified(np.ascontiguousarray(arena), np.ascontiguousarray(starts_a, dtype=np.int64),
                                 np.ascontiguousarray(sizes_a, dtype=np.int64), np.ascontiguousarray(values),
                                 np.ascontiguousarray(offsets, dtype=np.int64),
                                 np.ascontiguousarray(rows, dtype=np.int64),
                                 np.ascontiguousarray(groups, dtype=np.int64), float(threshold),
                                 containment is not None, float(containment if containment is not None else 0.0),
                                 int(min_small))


def bucket_members(keys: np.ndarray, ids: np.ndarray, queries: np.ndarray, order: np.ndarray):
    """``(query row, id)`` for every entry of a :class:`~cleaner.dedup.index.BandIndex` level sharing a bucket with a query.

    *keys*/*ids* are the level (``(bands, m)``, each band sorted by key),
    *queries* the band hashes to look up (``(bands, n)``, each band sorted)
    and *order* the query row of each; the same pairs as the level's numpy
    loop in ``BandIndex.lookup_pairs``, band by band.  Each answer is found
    by galloping from the one before (a batch's queries are spread over the
    level, so the next answer is a few keys on and the keys read stay in
    cache), not by a binary search over the rest of the band.
    """
    return _k._bucket_members(np.ascontiguousarray(keys), np.ascontiguousarray(ids), np.ascontiguousarray(queries),
                              np.ascontiguousarray(order, dtype=np.int64))


def level_members(levels: list[tuple[np.ndarray, np.ndarray]], queries: np.ndarray, order: np.ndarray, n: int,
                  seen: np.ndarray, stamp: int):
    """:func:`bucket_members` of every level, as distinct ``(query row, id)`` pairs sorted by row, then id.

    The same pairs as ``distinct`` of all the levels' pairs packed as
    ``row << shift | id``, but each id is written once, straight to its
    row's place (the rows' totals counted first), then a row's repeats of
    an id (one per band it shares) are dropped with *seen* (int64, longer
    than the largest id, never holding a value from *stamp* to
    ``stamp + n - 1``: row ``r`` marks its ids with ``stamp + r``) and only
    its distinct ids are sorted: no ``(row, id)`` pairs to concatenate and sort.
    """
    queries = np.ascontiguousarray(queries)
    order = np.ascontiguousarray(order, dtype=np.int64)
    bounds = np.zeros(n + 1, dtype=np.int64)
    ranges = []
    for keys, ids in levels:
        first, count = _k._bucket_ranges(np.ascontiguousarray(keys), queries)
        _k._add_row_counts(count, order, bounds)
        ranges.append((ids, first, count))
    np.cumsum(bounds, out=bounds)
    grouped = np.empty(int(bounds[-1]), dtype=np.int64)
    at = bounds[:-1].copy()
    for ids, first, count in ranges:
        _k._scatter_members(np.ascontiguousarray(ids), first, count, order, grouped, at)
    return _k._distinct_grouped(grouped, bounds, seen, int(stamp))


def merge_rows(k1: np.ndarray, i1: np.ndarray, k2: np.ndarray, i2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge two :class:`~cleaner.dedup.index.BandIndex` levels row by row (``(bands, m)``, each row sorted by key).

    The same ``(keys, ids)`` as a stable sort of every concatenated row: on
    equal keys the first level's entries come first.  (numpy allocates the
    result: it asks the system for huge pages, so a large level is faulted
    in a few times less often than in memory the kernel allocates itself.)
    """
    shape = (k1.shape[0], k1.shape[1] + k2.shape[1])
    keys, ids = np.empty(shape, dtype=k1.dtype), np.empty(shape, dtype=i1.dtype)
    _k._merge_rows(np.ascontiguousarray(k1), np.ascontiguousarray(i1), np.ascontiguousarray(k2),
                   np.ascontiguousarray(i2), keys, ids)
    return keys, ids


class WordTable:
    """A memo of 64-bit keys to 64-bit values or "dropped", as an open-addressing hash table the kernels probe.

    The tokeniser keeps here the hash of every normalised non-ASCII word by
    the hash of its raw bytes (:func:`~cleaner.dedup.normalize.tokenize_batch`),
    so a batch's words are looked up in one compiled pass instead of one
    ``dict`` look-up each.  Grows by doubling (at most half full), holds at
    most *max_items* entries (then starts afresh: it is a memo only).
    """

    def __init__(self, max_items: int, capacity: int = 1 << 14):
        self.max_items = max_items
        self._capacity = capacity
        self.clear()

    def clear(self) -> None:
        self.keys = np.zeros(self._capacity, dtype=np.uint64)
        self.vals = np.zeros(self._capacity, dtype=np.uint64)
        self.state = np.zeros(self._capacity, dtype=np.uint8)  # 0 empty, 1 a value, 2 dropped
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def lookup(self, hashes: np.ndarray, special: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Replace ``hashes[special[q]]`` by its value for every key held: ``(q not held, words dropped)``."""
        return _k._word_table_lookup(hashes, np.ascontiguousarray(special, dtype=np.int64), self.keys, self.vals,
                                     self.state)

    def add(self, keys: np.ndarray, vals: np.ndarray, dropped: np.ndarray) -> None:
        """Hold *keys* (distinct, not held yet) with *vals*, or as dropped where *dropped* is true."""
        if self.size + len(keys) > self.max_items:
            self.clear()
        need = self.size + len(keys)
        if 2 * need > len(self.keys):
            capacity = len(self.keys)
            while 2 * need > capacity:
                capacity *= 2
            held = np.flatnonzero(self.state)
            old = (self.keys[held], self.vals[held], self.state[held])
            self.keys = np.zeros(capacity, dtype=np.uint64)
            self.vals = np.zeros(capacity, dtype=np.uint64)
            self.state = np.zeros(capacity, dtype=np.uint8)
            _k._word_table_insert(self.keys, self.vals, self.state, *old)
        _k._word_table_insert(self.keys, self.vals, self.state, np.ascontiguousarray(keys, dtype=np.uint64),
                              np.ascontiguousarray(vals, dtype=np.uint64),
                              np.where(dropped, 2, 1).astype(np.uint8))
        self.size = need
