"""Locality-sensitive hashing: bands and rows, candidate pairs, the datasketch index.

A signature of ``num_perm`` values is cut into ``b`` bands of ``r`` rows;
two paragraphs are *candidates* when all ``r`` values of at least one band
are equal.  ``b`` and ``r`` come from the similarity threshold exactly as in
:class:`datasketch.MinHashLSH` (:func:`lsh_params`), weighted towards recall
because every candidate is verified afterwards (:mod:`cleaner.dedup.cluster`)
and a false candidate only costs one exact comparison.

Two ways to find candidates, with the same answer:

* :func:`candidate_pairs` — a whole batch against itself, in numpy (sort the
  band keys, pair equal neighbours).  This is what ``cleaner dedup`` and
  ``cleaner clean`` use: no Python object per paragraph or per band.
* :class:`ParagraphIndex` — a :class:`datasketch.MinHashLSH` (in memory or in
  datasketch's Redis storage) filled with the same signatures as
  :class:`datasketch.LeanMinHash` objects, for an index that outlives one
  run: insert a corpus once, then query new paragraphs against it.

For any signatures, the pairs :func:`candidate_pairs` returns are the pairs
``(i, j)`` such that ``j in lsh.query(lean(i))`` for a ``MinHashLSH`` built
with the same ``(b, r)`` (tested in ``tests/test_dedup.py``), except that a
bucket holding more than ``max_bucket`` paragraphs is paired only within a
sliding window of ``max_bucket`` neighbours so that the work stays linear
(hundreds of copies of one paragraph may then come out as a few clusters,
each verified against its own representative, instead of one).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from cleaner.dedup.minhash import SCHEME, lean_minhash
from cleaner.dedup.normalize import fmix64

#: False-positive and false-negative weights for choosing ``(b, r)``: recall
#: matters more, since candidates are verified exactly.  At threshold 0.4 and
#: 128 permutations this gives 31 bands of 3 rows (a pair at J = 0.45 becomes
#: a candidate with probability 0.95); datasketch's default (0.5, 0.5) gives
#: 32 x 4 (probability 0.74), which misses the seeds' J = 0.45 AP pair with
#: seed 1.  The price is about 6x more candidates, mostly dropped by the
#: signature prefilter before exact verification.
DEFAULT_WEIGHTS = (0.2, 0.8)
#: Buckets larger than this are paired within a sliding window only.
MAX_BUCKET = 32


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, weights: tuple[float, float] = DEFAULT_WEIGHTS) -> tuple[int, int]:
    """``(bands, rows)`` for *threshold*, as :class:`datasketch.MinHashLSH` computes them.

    Common settings are looked up in ``cleaner/data/lsh_params.json``,
    precomputed with datasketch's own ``_optimal_param`` (importing datasketch
    pulls in scipy, half a second at every start); anything else is computed
    by datasketch.  ``tests/test_dedup.py`` checks that every entry of the
    table is what datasketch gives.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    known = _precomputed().get(f"{threshold:g} {num_perm} {weights[0]:g} {weights[1]:g}")
    if known is not None:
        return known[0], known[1]
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, weights[0], weights[1])


@lru_cache(maxsize=1)
def _precomputed() -> dict[str, list[int]]:
    """The table of :func:`lsh_params` results shipped with cleaner."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "lsh_params.json"
    return json.loads(path.read_text(encoding="utf-8"))["params"]


def collision_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two sets with Jaccard *similarity* become candidates."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per band and paragraph: a ``(len(signatures), bands)`` uint64 matrix.

    Equal bands give equal hashes; different bands collide with probability
    about 2**-64 (and a collision only adds a candidate that verification
    rejects).
    """
    return np.ascontiguousarray(band_hashes_by_band(signatures, None, bands, rows).T)


def band_hashes_by_band(signatures: np.ndarray, rows_idx: np.ndarray | None, bands: int, rows: int) -> np.ndarray:
    """:func:`band_hashes` of rows *rows_idx* (all rows: None), transposed: a contiguous ``(bands, m)`` matrix.

    Compiled where numba is available (reading the rows in place), with numpy otherwise.
    """
    from cleaner.dedup import _fast

    idx = np.arange(len(signatures), dtype=np.int64) if rows_idx is None else rows_idx
    fast = _fast.kernels(len(idx))
    if fast is not None:
        return fast.band_hashes(signatures, idx, bands, rows)
    return _band_hashes_by_band(signatures if rows_idx is None else signatures[rows_idx], bands, rows)


def _band_hashes_by_band(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """:func:`band_hashes` transposed: a ``(bands, len(signatures))`` matrix (one contiguous row per band).

    The signature columns are transposed once so that every pass reads
    contiguous memory, and the accumulator is updated in place.
    """
    n = len(signatures)
    out = np.empty((bands, n), dtype=np.uint64)
    cols = np.ascontiguousarray(signatures[:, : bands * rows].T, dtype=np.uint64)
    mul = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for band in range(bands):
            acc = out[band]
            acc.fill(band + 1)
            for col in range(band * rows, (band + 1) * rows):
                acc *= mul
                acc += cols[col]
                acc[...] = fmix64(acc)
    return out


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> list[list[bytes]]:
    """The bucket keys :class:`datasketch.MinHashLSH` uses, for every band and paragraph.

    ``band_keys(s, b, r)[band][i] == lsh._H(lean(s[i]).hashvalues[band*r:(band+1)*r])``
    (big-endian bytes of the band's values), computed in one numpy pass per band.
    """
    big = np.ascontiguousarray(signatures, dtype=">u4")
    out = []
    for band in range(bands):
        block = np.ascontiguousarray(big[:, band * rows : (band + 1) * rows])
        out.append(block.view(f"V{4 * rows}").ravel().tolist())
    return out


def candidate_pairs(
    signatures: np.ndarray,
    bands: int,
    rows: int,
    *,
    valid: np.ndarray | None = None,
    max_bucket: int = MAX_BUCKET,
    hashes: np.ndarray | None = None,
) -> np.ndarray:
    """Candidate pairs of a batch: an ``(m, 2)`` int64 array of ``i < j``, sorted, unique.

    Only rows where *valid* is true take part (paragraphs too short to
    shingle have empty signatures and must not all land in one bucket).
    *hashes*, when the caller has them, are the valid rows' band hashes,
    band by band (``band_hashes(signatures[valid], bands, rows).T``, a
    contiguous ``(bands, m)`` uint64 matrix); they are overwritten.
    """
    n = len(signatures)
    idx = np.arange(n, dtype=np.int64) if valid is None else np.flatnonzero(valid)
    if len(idx) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    m = len(idx)
    from cleaner.dedup import _fast

    fast = _fast.kernels(m)
    if hashes is None:
        hashes = band_hashes_by_band(signatures, idx if valid is not None else None, bands, rows)
    # Each band is sorted as one uint64 array (faster than an argsort): the
    # high bits are the band hash, the low ``shift`` bits the row's position,
    # so equal keys come out in row order (as a stable argsort would give) and
    # the position is read back from the low bits.  Keys then have
    # 64 - shift bits: two different bands collide with probability 2**-(64 -
    # shift) (about 10**-13 at 200,000 rows), and a collision only adds a
    # candidate that verification rejects.
    shift = max(1, (m - 1).bit_length())
    low = np.uint64((1 << shift) - 1)
    positions = np.arange(m, dtype=np.uint64)
    found = []
    for band in range(bands):
        packed = hashes[band]
        packed &= ~low
        packed |= positions
        packed.sort()
        if fast is not None:
            found.append(fast.bucket_pairs(packed, shift, idx, n, max_bucket))
            continue
        order = (packed & low).astype(np.int64)
        packed >>= np.uint64(shift)
        same = packed[1:] == packed[:-1]
        if not same.any():
            continue
        # Pair each paragraph with the next d in its bucket, d = 1 .. max_bucket:
        # same_d[i] = keys[i] == keys[i + d] = same_(d-1)[i] & eq_next[i + d - 1].
        # Inside a bucket rows are in increasing order, so the pair is (earlier, later).
        eq_next = same
        for d in range(1, max_bucket + 1):
            if d > 1:
                same = same[:-1] & eq_next[d - 1 :]
            hits = np.flatnonzero(same)
            if not len(hits):
                break
            found.append(idx[order[hits]] * n + idx[order[hits + d]])
    codes = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    if not len(codes):
        return np.zeros((0, 2), dtype=np.int64)
    codes.sort()  # sort + neighbour test: much faster than np.unique's hashing here
    codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return np.stack([codes // n, codes % n], axis=1)


class ParagraphIndex:
    """A :class:`datasketch.MinHashLSH` of paragraph signatures, filled in batches.

    ``storage_config`` is datasketch's (``{"type": "dict"}`` by default, or
    ``{"type": "redis", "redis": {"host": …, "port": …}, "basename": b"…"}``
    for an index shared between runs).  Keys are any hashable (for Redis,
    anything picklable): for example ``(path, paragraph_number)``.

    >>> index = ParagraphIndex(threshold=0.5, num_perm=64)
    >>> index.insert_batch(["a", "b"], signatures)          # doctest: +SKIP
    >>> index.query_batch(new_signatures)                    # doctest: +SKIP
    [['a'], []]
    """

    def __init__(
        self,
        threshold: float = 0.5,
        num_perm: int = 128,
        *,
        seed: int = 1,
        weights: tuple[float, float] = DEFAULT_WEIGHTS,
        params: tuple[int, int] | None = None,
        storage_config: dict[str, Any] | None = None,
    ):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self.bands, self.rows = params or lsh_params(threshold, num_perm, tuple(weights))
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=(self.bands, self.rows),
                              storage_config=storage_config)

    def __len__(self) -> int:
        return self.lsh.keys.size()

    def __contains__(self, key: Hashable) -> bool:
        return key in self.lsh

    def insert(self, key: Hashable, signature: np.ndarray) -> None:
        """Insert one paragraph (through ``MinHashLSH.insert`` with a LeanMinHash)."""
        self.lsh.insert(key, lean_minhash(signature, self.seed))

    def insert_batch(self, keys: Sequence[Hashable], signatures: np.ndarray, *, buffer_size: int = 50000) -> None:
        """Insert many paragraphs: the bucket keys are computed in numpy, then written
        to the index's storage in one insertion session (pipelined for Redis).

        The result is the same index as ``insert(key, sig)`` for each pair.
        """
        if len(keys) != len(signatures):
            raise ValueError("keys and signatures differ in length")
        if signatures.shape[1:] != (self.num_perm,):
            raise ValueError(f"expected signatures of {self.num_perm} values")
        if not len(keys):
            return
        lsh = self.lsh
        if getattr(lsh, "_minhash_scheme", None) is None:
            lsh._minhash_scheme = SCHEME  # what lsh.insert would record for our LeanMinHashes
        per_band = band_keys(signatures, self.bands, self.rows)
        with lsh.insertion_session(buffer_size=buffer_size):
            store_keys = [pickle_key(k) for k in keys] if lsh.prepickle else list(keys)
            for i, key in enumerate(store_keys):
                lsh.keys.insert(key, *(band[i] for band in per_band), buffer=True)
            for band, table in zip(per_band, lsh.hashtables):
                for key, h in zip(store_keys, band):
                    table.insert(h, key, buffer=True)

    def query(self, signature: np.ndarray) -> list[Hashable]:
        """Keys of indexed paragraphs that share a band with *signature*."""
        return self.lsh.query(lean_minhash(signature, self.seed))

    def query_batch(self, signatures: np.ndarray) -> list[list[Hashable]]:
        """:meth:`query` for every row of *signatures* (bucket keys computed in numpy)."""
        per_band = band_keys(signatures, self.bands, self.rows)
        out: list[list[Hashable]] = []
        tables = self.lsh.hashtables
        unpickle = self.lsh.prepickle
        for i in range(len(signatures)):
            found: set = set()
            for band, table in zip(per_band, tables):
                found.update(table.get(band[i]))
            if unpickle:
                import pickle

                out.append([pickle.loads(k) for k in found])
            else:
                out.append(list(found))
        return out


def pickle_key(key: Hashable) -> bytes:
    import pickle

    return pickle.dumps(key)
