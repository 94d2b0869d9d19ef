"""The batch segmenter (:func:`cleaner.dedup.segment.paragraph_batch`) against :func:`paragraph_spans`, text by text.

The compiled pass reads each line at its two ends and leaves to Python what
needs it (sentence windows, a carriage return, the case of a non-ASCII
character); whatever it decides must be what ``paragraph_spans`` gives, on
any text.  The signer built on it must give the rows and arrays the Python
path gives.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup import _fast
from cleaner.dedup.segment import _TERMINAL, KINDS, paragraph_batch, paragraph_spans

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))

#: Pieces that make every decision of the segmenter go both ways: blank and whitespace-only lines, every kind
#: of Unicode space at the ends of lines, terminal and non-terminal line ends (ASCII and not), lines starting
#: lower-case, with a digit or a capital (ASCII and not), carriage returns, astral characters, lone surrogates.
PIECES = ["a", "B", "word", "x y", ".", "!", ":", ")", "\"", "'", "\u201d", "\u2019", "\u2026", ",", "1", "\n", "\n\n",
          " ", "\t", "\u3000", "\xa0", "\u2028", "\x85", "\x1f", "\u200b", "\r", "\r\n", "\xe9", "\xc9", "\xdf",
          "\u03c3", "\u03a3", "\u0661", "\U0001d4b3", "\ud800", "ab cd. ", "Ab", "end.\nnext", "end\nnext", "end\n2",
          "end\n\xe9t\xe9", "Guarantees.During the call", "x\u00ady", "  \n  "]


def _kernels_or_skip():
    if _fast.kernels() is None:
        pytest.skip("numba not available")


def _rows(batch, n):
    return [batch.spans(i) for i in range(n)]


def test_kernel_spaces_and_terminals_are_pythons():
    _kernels_or_skip()
    from cleaner.dedup import _kernels as k

    spaces = [u for u in range(0x110000) if chr(u).isspace()]
    assert [u for u in range(0x110000) if k._is_space(u)] == spaces
    assert [u for u in range(0x3000 + 1) if k._is_terminal(u)] == sorted(map(ord, _TERMINAL))


@pytest.mark.parametrize("seed", range(4))
def test_compiled_batch_gives_paragraph_spans_of_every_text(seed):
    _kernels_or_skip()
    rng = random.Random(seed)
    for _ in range(300):
        texts = ["".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 50))) for _ in range(rng.randrange(0, 7))]
        max_chars, window = rng.choice([(6, 3), (12, 5), (30, 10), (1200, 500)])
        batch = paragraph_batch(texts, max_chars, window)
        assert batch.texts is None and batch.blob is not None
        assert _rows(batch, len(texts)) == [paragraph_spans(t, max_chars, window) for t in texts], texts
        assert len(batch.offsets) == len(texts) + 1 and set(batch.kinds.tolist()) <= set(range(len(KINDS)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=40).map("".join), max_size=5),
       st.sampled_from([(8, 4), (40, 12), (1200, 500)]))
def test_both_paths_give_paragraph_spans(texts, sizes):
    want = [paragraph_spans(t, *sizes) for t in texts]
    if _fast.kernels() is not None:
        assert _rows(paragraph_batch(texts, *sizes), len(texts)) == want
    from cleaner.dedup.segment import _paragraph_batch_python

    python = _paragraph_batch_python(texts, *sizes)
    assert python.texts is not None and _rows(python, len(texts)) == want


def test_seeds_segment_as_paragraph_spans():
    _kernels_or_skip()
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    assert texts
    batch = paragraph_batch(texts)
    assert _rows(batch, len(texts)) == [paragraph_spans(t) for t in texts]
    assert {KINDS[k] for k in batch.kinds.tolist()} >= {"line", "window"}


def test_shingled_from_bytes_as_from_the_texts():
    """shingle_paragraphs of a compiled batch (tokens read from the bytes, in blocks) is shingle_batch of the texts."""
    _kernels_or_skip()
    from cleaner.dedup.minhash import shingle_batch, shingle_paragraphs

    rng = random.Random(7)
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 300))) for _ in range(30)]
    batch = paragraph_batch(texts, 200, 80)
    para_texts = [batch.text(k) for k in range(len(batch))]
    for block in (60, 1000, 10**6):
        for ngram in (1, 3):
            got = shingle_paragraphs(batch, ngram, block_chars=block)
            want = shingle_batch(para_texts, ngram, block_chars=block)
            assert np.array_equal(got.offsets, want.offsets) and np.array_equal(got.values, want.values)
            assert np.array_equal(got.n_words, want.n_words) and got.values.dtype == np.uint32
    assert batch.texts is None and len(para_texts) > 100


def test_signer_rows_and_arrays_with_and_without_the_kernels(monkeypatch):
    """ParagraphSigner.paragraphs: the same items, shingle sets, signatures, band hashes and pairs either way."""
    _kernels_or_skip()
    from cleaner.config import Config
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import ParagraphSigner
    from cleaner.model import Document
    from cleaner.pipeline import clean_document

    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    texts += [texts[1].replace("\n", "\r\n"), texts[2][: len(texts[2]) // 2] + "\n\nwire copy " + texts[0][:900]]
    docs = [(k, clean_document(Document(id=f"d{k}", text=t), Config())) for k, t in enumerate(texts)]
    params = DedupParams()
    signer = ParagraphSigner(params, *params.bands_rows())
    fast = signer.paragraphs(docs)
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    slow = signer.paragraphs(docs)
    assert fast["items"] == slow["items"] and len(fast["items"]) > 20
    for key in ("sigs", "hashes"):
        assert np.array_equal(fast[key], slow[key])
    assert np.array_equal(fast["shingles"].values, slow["shingles"].values)
    assert np.array_equal(fast["shingles"].offsets, slow["shingles"].offsets)
    assert all(np.array_equal(a, b) for a, b in zip(fast["pairs"], slow["pairs"])) and len(fast["pairs"][0])
