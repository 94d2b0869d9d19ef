"""tokenize_spans (words read from byte spans of UTF-8) against tokenize_batch of the decoded texts."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cleaner.dedup import _fast, normalize
from cleaner.dedup.normalize import tokenize_batch, tokenize_spans

PIECES = ["a", "Word", " ", "\n", "-", "\u2014", "\u2019", "\u00ad", "\u200b", "\ufeff", "\xa0", "\u3000", "\xe9", "\xc9",
          "\ufb01", "\uff35", "\u0301", "\U0001d4b3", "\ud800", "\u0442\u0435\u043a\u0441\u0442", "x" * 20, "42", ".,;"]


@pytest.mark.parametrize("seed", range(3))
def test_spans_tokenise_as_their_texts(seed):
    if _fast.kernels() is None:
        pytest.skip("numba not available")
    rng = random.Random(seed)
    for _ in range(150):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 80)))
        blob = text.encode("utf-8", "surrogatepass")
        cuts = sorted(rng.randrange(0, len(text) + 1) for _ in range(2 * rng.randrange(0, 6)))
        spans = list(zip(cuts[0::2], cuts[1::2]))  # (code points; adjacent or empty spans too)
        to_byte = [len(text[:i].encode("utf-8", "surrogatepass")) for i in range(len(text) + 1)]
        starts = np.array([to_byte[s] for s, _ in spans], dtype=np.int64)
        ends = np.array([to_byte[e] for _, e in spans], dtype=np.int64)
        got = tokenize_spans(np.frombuffer(blob, dtype=np.uint8), starts, ends)
        want = tokenize_batch([text[s:e] for s, e in spans])
        assert got.offsets.tolist() == want.offsets.tolist(), (text, spans)
        assert got.hashes.dtype == np.uint64 and got.hashes.tolist() == want.hashes.tolist(), (text, spans)
        if spans:  # and the reference rule, word by word
            assert got.hashes.tolist() == [normalize.word_hash(w) for s, e in spans for w in normalize.words(text[s:e])]
