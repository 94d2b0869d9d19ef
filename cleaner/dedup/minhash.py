"""Word n-gram shingles and MinHash signatures, computed for a whole batch.

Nothing here makes one Python object per paragraph: a batch of paragraphs
becomes one flat array of 32-bit shingle hashes (:class:`ShingleBatch`, in
CSR layout: paragraph ``i`` owns ``values[offsets[i]:offsets[i + 1]]``), and
the signatures of the batch are one ``(paragraphs, num_perm)`` ``uint32``
matrix computed with numpy (:func:`minhash_signatures`).

Compatibility with datasketch
-----------------------------
The signatures are bit-for-bit those of datasketch's ``affine32`` scheme
(datasketch ≥ 2.0): for every paragraph,

.. code-block:: python

    m = datasketch.MinHash(num_perm, seed=seed, hashfunc=int, scheme="affine32")
    m.update_batch(shingle_hashes_of_that_paragraph)
    assert (m.hashvalues == signatures[i]).all()

so :func:`lean_minhash` turns a row into a :class:`datasketch.LeanMinHash`
that any datasketch index (``MinHashLSH`` in memory or in Redis) accepts,
and an index built by this module can be queried with MinHashes built by
datasketch itself from the same shingle hashes.

Shingles
--------
Each word (see :mod:`cleaner.dedup.normalize`) gets a 64-bit hash
(:func:`~cleaner.dedup.normalize.word_hash`, computed with numpy for the
whole batch); the hash of the n-gram of words ``w1 … wn`` is
``fmix64(((h(w1) * P + h(w2)) * P + …) + h(wn)) >> 32`` in wrapping 64-bit
arithmetic (:func:`shingle_hash` is the reference implementation), computed
for all positions of the batch at once.  A paragraph with fewer than ``n``
words has no shingles (it is too short to compare and is skipped).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cleaner.dedup.normalize import TokenBatch, fmix64, tokenize_batch, tokenize_spans, word_hash
from cleaner.dedup.segment import ParagraphBatch

#: Multiplier of the polynomial n-gram combination (odd, 64-bit).
_P = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1
#: MurmurHash3 fmix32 constants (as in datasketch's affine32 pre-mix).
_F32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
#: Largest uint32: the signature value of an empty set (as in datasketch).
EMPTY = np.uint32(0xFFFFFFFF)
#: datasketch's name for the permutation scheme used here.
SCHEME = "affine32"


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's fmix32 on a uint32 array (a new array; one temporary, the rest in place)."""
    s1, m1, s2, m2 = _F32
    tmp = np.empty_like(h)
    h = h ^ np.right_shift(h, s1, out=tmp)
    h *= m1
    h ^= np.right_shift(h, s2, out=tmp)
    h *= m2
    h ^= np.right_shift(h, s1, out=tmp)
    return h


def shingle_hash(words: Sequence[str]) -> int:
    """Reference (slow, pure Python) hash of one n-gram of normalised words.

    :func:`shingle_batch` computes exactly this for every n-gram of a batch.
    """
    acc = 0
    for k, w in enumerate(words):
        acc = word_hash(w) if k == 0 else (acc * int(_P) + word_hash(w)) & _MASK64
    acc ^= acc >> 33
    acc = (acc * 0xFF51AFD7ED558CCD) & _MASK64
    acc ^= acc >> 33
    acc = (acc * 0xC4CEB9FE1A85EC53) & _MASK64
    acc ^= acc >> 33
    return acc >> 32


@dataclass
class ShingleBatch:
    """The shingle hashes of a batch of paragraphs, in CSR layout.

    ``values[offsets[i]:offsets[i + 1]]`` are the (not deduplicated) 32-bit
    shingle hashes of paragraph ``i`` in text order; ``n_words[i]`` is its
    number of words.  :meth:`shingle_set` gives the exact set used for
    verification.
    """

    offsets: np.ndarray  # int64, len(batch) + 1
    values: np.ndarray  # uint32
    n_words: np.ndarray  # int64
    ngram: int

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def counts(self) -> np.ndarray:
        """Number of shingles (with repeats) of every paragraph."""
        return np.diff(self.offsets)

    def shingles(self, i: int) -> np.ndarray:
        """The shingle hashes of paragraph *i* (with repeats, in text order)."""
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def shingle_set(self, i: int) -> frozenset[int]:
        """The exact shingle set of paragraph *i*."""
        return frozenset(self.shingles(i).tolist())

    def shingle_sets(self, rows: np.ndarray) -> ShingleBatch:
        """The exact shingle sets of paragraphs *rows* as a batch of their own: each row's distinct hashes, sorted.

        Row ``k`` of the result holds ``np.unique(self.shingles(rows[k]))``,
        for all rows in one sort of ``(row, hash)`` keys (or one compiled
        pass).
        """
        from cleaner.dedup import _fast

        rows = np.asarray(rows, dtype=np.int64)
        starts = self.offsets[rows]
        fast = _fast.kernels(len(self.values))
        if fast is not None:  # each set sorted on its own, compiled
            values, offsets = fast.unique_segments(self.values, starts, self.offsets[rows + 1])
            return ShingleBatch(offsets, values, self.n_words[rows], self.ngram)
        lengths = self.offsets[rows + 1] - starts
        bounds = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=bounds[1:])
        flat = np.repeat(starts - bounds[:-1], lengths) + np.arange(bounds[-1], dtype=np.int64)
        keys = np.repeat(np.arange(len(rows), dtype=np.uint64) << np.uint64(32), lengths)
        keys |= self.values[flat]
        keys.sort()
        distinct = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
        keys = keys[distinct]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(rows)), out=offsets[1:])
        return ShingleBatch(offsets, keys.astype(np.uint32), self.n_words[rows], self.ngram)


#: Texts are tokenised in blocks of about this many characters (bounded memory, warm caches).
BLOCK_CHARS = 500_000  # measured on 200,000 paragraphs: 1.2 s for a first pass against 2.0 s with 4,000,000
# (the smaller temporary arrays are reused by the allocator instead of being mapped afresh)


def shingle_batch(texts: Sequence[str], ngram: int = 3, *, block_chars: int = BLOCK_CHARS) -> ShingleBatch:
    """Normalise, tokenise and shingle every text of *texts*.

    Word n-grams of *ngram* words (``ngram >= 1``); a text with fewer words
    has no shingles.  The work is vectorised over blocks of about
    *block_chars* characters, so the temporary arrays stay small whatever
    the batch size.
    """
    if ngram < 1:
        raise ValueError("ngram must be at least 1")
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    if lengths.sum() <= block_chars:
        return _shingle_block(texts, ngram)
    cuts = _block_cuts(np.cumsum(lengths), block_chars)
    return _joined([_shingle_block(texts[a:b], ngram) for a, b in zip(cuts, cuts[1:])], ngram)


def shingle_paragraphs(paragraphs: ParagraphBatch, ngram: int = 3, *, block_chars: int = BLOCK_CHARS) -> ShingleBatch:
    """:func:`shingle_batch` of the paragraphs of a :class:`~cleaner.dedup.segment.ParagraphBatch`.

    Segmented compiled, the paragraphs are tokenised straight from their
    bytes (:func:`~cleaner.dedup.normalize.tokenize_spans`), in blocks of
    about *block_chars* bytes; otherwise their texts go to
    :func:`shingle_batch`.  The same batch either way.
    """
    if ngram < 1:
        raise ValueError("ngram must be at least 1")
    if paragraphs.texts is not None:
        return shingle_batch(paragraphs.texts, ngram, block_chars=block_chars)
    starts, ends = paragraphs.byte_starts, paragraphs.byte_ends
    n = len(starts)
    running = np.cumsum(ends - starts + 1)
    if not n or running[-1] <= block_chars:
        return _shingles(tokenize_spans(paragraphs.blob, starts, ends), n, ngram)
    cuts = _block_cuts(running, block_chars)
    return _joined([_shingles(tokenize_spans(paragraphs.blob, starts[a:b], ends[a:b]), b - a, ngram)
                    for a, b in zip(cuts, cuts[1:])], ngram)


def _block_cuts(running: np.ndarray, block_chars: int) -> list[int]:
    """Where blocks of about *block_chars* start and end, given the running total of the items' sizes.

    Every block holds at least one item; the list runs from 0 to the number of items.
    """
    cuts = [0]
    while cuts[-1] < len(running):
        base = running[cuts[-1] - 1] if cuts[-1] else 0
        nxt = int(np.searchsorted(running, base + block_chars, side="right"))
        cuts.append(max(nxt, cuts[-1] + 1))
    return cuts


def _joined(parts: list[ShingleBatch], ngram: int) -> ShingleBatch:
    """The shingle batches of consecutive blocks as one batch."""
    offsets = [np.zeros(1, dtype=np.int64)]
    shift = 0
    for part in parts:
        offsets.append(part.offsets[1:] + shift)
        shift += int(part.offsets[-1])
    return ShingleBatch(np.concatenate(offsets), np.concatenate([b.values for b in parts]),
                        np.concatenate([b.n_words for b in parts]), ngram)


def _shingle_block(texts: Sequence[str], ngram: int) -> ShingleBatch:
    return _shingles(tokenize_batch(texts), len(texts), ngram)


def _shingles(tokens: TokenBatch, n: int, ngram: int) -> ShingleBatch:
    """The shingles of the *n* texts of *tokens*."""
    lens = tokens.counts()
    th = tokens.hashes
    total = len(th)
    counts = np.maximum(lens - (ngram - 1), 0)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if total < ngram or not offsets[-1]:
        return ShingleBatch(offsets, np.zeros(0, dtype=np.uint32), lens, ngram)

    from cleaner.dedup import _fast

    fast = _fast.kernels(total)
    if fast is not None:  # the same hashes, compiled, written straight into CSR order
        return ShingleBatch(offsets, fast.ngram_hashes(th, tokens.offsets, offsets, ngram), lens, ngram)
    m = total - ngram + 1
    acc = th[:m].copy()
    with np.errstate(over="ignore"):
        for k in range(1, ngram):
            acc *= _P
            acc += th[k : k + m]
        mixed = (fmix64(acc) >> np.uint64(32)).astype(np.uint32)

    # Keep the n-grams that lie inside one paragraph: drop the last ngram - 1
    # start positions of every paragraph (they run into the next one).
    if ngram == 1:
        return ShingleBatch(offsets, mixed, lens, ngram)
    valid = np.ones(m, dtype=bool)
    ends = tokens.offsets[1:]
    for k in range(1, ngram):
        pos = ends - k
        pos = pos[(pos >= tokens.offsets[:-1]) & (pos < m)]
        valid[pos] = False
    return ShingleBatch(offsets, mixed[valid], lens, ngram)


def permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` parameters datasketch's ``affine32`` MinHash uses for *seed* (new arrays, the caller's to keep)."""
    a, b = _permutations(int(num_perm), int(seed))
    return a.copy(), b.copy()


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    # Drawn once per setting: seeding a RandomState costs more than signing a small batch's paragraphs.
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint64).astype(np.uint32)
    return a, b


def minhash_signatures(
    batch: ShingleBatch, num_perm: int = 128, seed: int = 1, *, chunk: int = 8192, numpy_only: bool = False
) -> np.ndarray:
    """MinHash signatures of every paragraph of *batch*: a ``(len(batch), num_perm)`` uint32 matrix.

    Row ``i`` equals ``datasketch.MinHash(num_perm, seed, scheme="affine32")``
    updated with paragraph ``i``'s shingle hashes (identity hash function).
    A paragraph without shingles gets the empty signature (all ``0xFFFFFFFF``).
    Work is done about *chunk* shingles at a time as a ``(num_perm, chunk)``
    block in one reused buffer (8,192 shingles, 4 MB at 128 permutations,
    measured fastest here: 2x faster than 2,048, where the per-block
    overhead dominates, and 2x faster than 65,536, which leaves the cache),
    so memory stays at about ``chunk * num_perm * 4`` bytes whatever the
    batch size.  Where numba is installed (the ``fast`` extra), a compiled
    loop computes the same matrix about twice as fast
    (:mod:`cleaner.dedup._fast`); *numpy_only* forces the numpy path.
    """
    a, b = permutations(num_perm, seed)
    from cleaner.dedup import _fast

    fast = None if numpy_only else _fast.kernels(len(batch.values) // 16)
    if fast is not None:
        return fast.signatures(batch.values, batch.offsets, a, b)
    n = len(batch)
    sig = np.empty((n, num_perm), dtype=np.uint32)
    counts = batch.counts()
    nonempty = np.flatnonzero(counts)
    if len(nonempty) < n:
        sig[counts == 0] = EMPTY
    if len(nonempty):
        values = batch.values
        starts = batch.offsets[nonempty]
        ends_all = batch.offsets[nonempty + 1]
        a_col, b_col = a[:, None], b[:, None]
        # Block boundaries: each block is whole paragraphs, about *chunk* shingles.
        cuts = [0]
        k = len(nonempty)
        while cuts[-1] < k:
            lo = starts[cuts[-1]]
            cuts.append(max(int(np.searchsorted(ends_all, lo + chunk, side="right")), cuts[-1] + 1))
        bounds = np.asarray(cuts)
        widths = ends_all[bounds[1:] - 1] - starts[bounds[:-1]]
        buf = np.empty(num_perm * int(widths.max()), dtype=np.uint32)  # reused: no allocation per block
        for i, j in zip(cuts, cuts[1:]):
            lo, hi = starts[i], ends_all[j - 1]
            phv = buf[: num_perm * (hi - lo)].reshape(num_perm, hi - lo)
            with np.errstate(over="ignore"):
                np.multiply(a_col, _fmix32(values[lo:hi])[None, :], out=phv)
                phv += b_col
            block = np.minimum.reduceat(phv, starts[i:j] - lo, axis=1).T
            first, last = nonempty[i], nonempty[j - 1]
            if last - first == j - 1 - i:  # consecutive rows (no empty paragraph in between)
                sig[first : last + 1] = block
            else:
                sig[nonempty[i:j]] = block
    return sig


def lean_minhash(signature: np.ndarray, seed: int = 1):
    """A :class:`datasketch.LeanMinHash` holding one row of :func:`minhash_signatures`."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=signature, scheme=SCHEME)


#: Below this many texts, :func:`shingle_and_sign` does not start worker processes.
PARALLEL_MIN_TEXTS = 20000

_PENDING: Sequence[str] = ()


def _sign_part(span: tuple[int, int], ngram: int, num_perm: int, seed: int):
    batch = shingle_batch(_PENDING[span[0] : span[1]], ngram)
    return batch, minhash_signatures(batch, num_perm, seed)


def shingle_and_sign(
    texts: Sequence[str], ngram: int = 3, num_perm: int = 128, seed: int = 1, *, jobs: int = 1
) -> tuple[ShingleBatch, np.ndarray]:
    """:func:`shingle_batch` and :func:`minhash_signatures` of *texts*, in *jobs* processes.

    The texts are cut into *jobs* contiguous parts, each shingled and
    signed in a forked worker; the result is identical to the one-process
    computation (every value depends on its own text only).  With
    ``jobs <= 1``, fewer than :data:`PARALLEL_MIN_TEXTS` texts, or where
    ``fork`` is not available, everything runs in this process.
    """
    import multiprocessing as mp

    n = len(texts)
    if jobs <= 1 or n < PARALLEL_MIN_TEXTS or "fork" not in mp.get_all_start_methods():
        batch = shingle_batch(texts, ngram)
        return batch, minhash_signatures(batch, num_perm, seed)
    from concurrent.futures import ProcessPoolExecutor

    global _PENDING
    cuts = [n * k // jobs for k in range(jobs + 1)]
    _PENDING = texts
    try:
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:
            parts = list(pool.map(_sign_part, list(zip(cuts, cuts[1:])), [ngram] * jobs,
                                  [num_perm] * jobs, [seed] * jobs))
    finally:
        _PENDING = ()
    offsets = [np.zeros(1, dtype=np.int64)]
    shift = 0
    for batch, _ in parts:
        offsets.append(batch.offsets[1:] + shift)
        shift += int(batch.offsets[-1])
    merged = ShingleBatch(np.concatenate(offsets), np.concatenate([b.values for b, _ in parts]),
                          np.concatenate([b.n_words for b, _ in parts]), ngram)
    return merged, np.concatenate([s for _, s in parts])
