"""The memo of normalised non-ASCII words (a compiled hash table) gives the words the reference rule gives.

:func:`~cleaner.dedup.normalize.tokenize_batch` keeps the hash of every
normalised non-ASCII word by the hash of its raw bytes in a
:class:`~cleaner.dedup._fast.WordTable` that grows by doubling and starts
afresh past its maximum size; whatever it holds, the words are those of
:func:`~cleaner.dedup.normalize.words`.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from cleaner.dedup import normalize
from cleaner.dedup.normalize import tokenize_batch, word_hash, words


def _fast():
    from cleaner.dedup import _fast

    if _fast.kernels() is None:
        pytest.skip("numba not available")
    return _fast


def test_word_table_holds_values_and_dropped_keys_through_growth_and_clearing():
    fast = _fast()
    table = fast.WordTable(max_items=3000, capacity=8)
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 1 << 63, 2500, dtype=np.uint64) * np.uint64(2))  # distinct, some share low bits
    keys[: len(keys) // 3] &= np.uint64(0xFFFF_FFFF_0000_0000)  # slots collide: long probe runs
    keys = np.unique(keys)
    vals = rng.integers(0, 1 << 63, len(keys), dtype=np.uint64)
    dropped = rng.random(len(keys)) < 0.2
    for lo in range(0, len(keys), 700):  # added in parts: the table doubles several times
        table.add(keys[lo : lo + 700], vals[lo : lo + 700], dropped[lo : lo + 700])
    assert len(table) == len(keys) and 2 * len(keys) <= len(table.keys)
    h = np.concatenate((keys, np.array([12345, 7], dtype=np.uint64)))  # two keys it does not hold
    special = np.arange(len(h) - 1, -1, -1, dtype=np.int64)  # (any order)
    missing, gone = table.lookup(h, special)
    assert sorted(special[missing].tolist()) == [len(keys), len(keys) + 1]
    assert sorted(gone.tolist()) == np.flatnonzero(dropped).tolist()
    held = ~dropped
    assert np.array_equal(h[: len(keys)][held], vals[held])
    assert np.array_equal(h[: len(keys)][dropped], keys[dropped])  # (left as they were)
    table.add(np.arange(1, 1000, dtype=np.uint64), np.zeros(999, dtype=np.uint64), np.zeros(999, dtype=bool))
    assert len(table) == 999  # past max_items: started afresh
    h = keys[:5].copy()
    assert len(table.lookup(h, np.arange(5))[0]) == 5


@pytest.mark.parametrize("limit", [1, 7, 500_000])
def test_batches_give_the_reference_words_whatever_the_memo_holds(monkeypatch, limit):
    fast = _fast()
    monkeypatch.setattr(fast, "MIN_ITEMS", 0)
    monkeypatch.setattr(normalize, "_SPECIAL_WORDS", normalize._SpecialWords())
    monkeypatch.setattr(normalize, "_SPECIAL_WORDS_MAX", limit)
    vocab = ["Caf\u00e9", "caf\u00e9", "CAF\u00c9", "\U0001f600", "\u00bd", "ﬁne", "Ｕ.S.", "na\u00efve", "\u0436\u0443\u0440",
             "\u0416\u0423\u0420", "\u00ad\u00e9", "\ud800x", "\u2163", "plain", "words", "\u0301", "\u00e9\u0301"]
    rng = random.Random(limit)
    for _ in range(6):  # several calls: words seen before come from the memo
        texts = [" ".join(rng.choice(vocab) for _ in range(rng.randrange(0, 12))) for _ in range(rng.randrange(0, 30))]
        got = tokenize_batch(texts)
        assert got.offsets.tolist() == [0, *np.cumsum([len(words(t)) for t in texts]).tolist()]
        assert got.hashes.dtype == np.uint64
        assert got.hashes.tolist() == [word_hash(w) for t in texts for w in words(t)]
