"""ParagraphSigner's batch paths against the per-paragraph reference they replace.

The worker side of the streaming near-duplicate pass places every kept
paragraph in the original text for the whole batch at once (offsets through
the edits, then lines and columns) and compares already distinct shingle
sets without sorting them again; these tests check every row against the
one-paragraph-at-a-time computation (``OffsetMap``, ``LineIndex``, sorted
sets) on random and adversarial documents: CRLF and lone CR, empty and
blank documents, edits at paragraph boundaries, deletions, insertions,
astral characters and lone surrogates.
"""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup.core import DedupParams
from cleaner.dedup.index import ParagraphSigner, _batch_line_columns, _placed
from cleaner.dedup.segment import paragraph_batch, paragraph_spans
from cleaner.engine import OffsetMap
from cleaner.model import Document, Edit
from cleaner.pipeline import LineIndex

_PIECES = ["word", "Wire", "copy", "again", "\u00e9t\u00e9", "\U0001f600", "\ud800", "caf\u00e9", " ", " ", "  ",
           "\n", "\n", "\n\n", "\r\n", "\r", ".", ",", "\u201c", "\u00ad", "\t"]


def _document(rng: random.Random, k: int) -> Document:
    """A random document, its edits (sorted, not overlapping) and the cleaned text they give."""
    text = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(0, 120)))
    edits, at = [], 0
    while at < len(text) and rng.random() < 0.8:
        start = rng.randrange(at, len(text) + 1)
        end = min(len(text), start + rng.choice([0, 0, 1, 2, 5]))
        after = rng.choice(["", "", " ", "\n", "x", "\n\nnew words here\n\n", "\u00e9\U0001f600"])
        if start == end and not after:
            after = "y"
        edits.append(Edit(start, end, after, "test"))
        at = end + rng.choice([0, 1, 1])  # (edits may touch)
    parts, pos = [], 0
    for e in edits:
        parts += [text[pos:e.start], e.after]
        pos = e.end
    parts.append(text[pos:])
    cleaned = "".join(parts)
    return Document(id=f"d{k}", text=text, cleaned=cleaned if edits else None, edits=edits)


def _reference_rows(docs, counts, spans, keep):
    """The rows as the one-document-at-a-time code computed them (OffsetMap and LineIndex for every paragraph)."""
    first = np.concatenate(([0], np.cumsum(counts)))
    rows = []
    for i in keep.tolist():
        g = int(np.searchsorted(first, i, side="right")) - 1
        pos, doc = docs[g]
        s, e, _text, kind, first_line, last_line = spans[i]
        omap, index = OffsetMap(doc.edits), LineIndex(doc.text)
        start = omap.to_original(s, right=True)
        end = max(start, omap.to_original(e, right=False))
        number = i - int(first[g]) + 1
        rows.append((pos, doc.id, number, start, end, (*index.position(start), *index.position(end)),
                     (number, s, e, kind, first_line, last_line)))
    return rows


def _batch(docs):
    """The documents' paragraph_spans (for the reference) and their ParagraphBatch (for _placed)."""
    spans, counts = [], []
    for _pos, doc in docs:
        found = paragraph_spans(doc.cleaned if doc.cleaned is not None else doc.text, 40, 20)
        spans += found
        counts.append(len(found))
    paragraphs = paragraph_batch([doc.cleaned if doc.cleaned is not None else doc.text for _pos, doc in docs], 40, 20)
    return np.asarray(counts, dtype=np.int64), spans, paragraphs


@pytest.mark.parametrize("seed", range(60))
def test_batch_placement_is_the_offset_map_and_line_index_of_every_paragraph(seed):
    rng = random.Random(seed)
    docs = [(3 * k + 1, _document(rng, k)) for k in range(rng.randrange(1, 12))]
    counts, spans, paragraphs = _batch(docs)
    if not spans:
        return
    keep = np.flatnonzero(np.array([rng.random() < 0.7 for _ in spans]))
    if not len(keep):
        keep = np.arange(len(spans))
    placed = _placed(docs, paragraphs, keep)
    got = list(placed)
    assert got == _reference_rows(docs, counts, spans, keep)
    assert all(type(v) is int for row in got for v in (row[0], row[2], row[3], row[4], *row[5]))
    assert all(type(v) is int for row in got for v in (row[6][0], row[6][1], row[6][2], row[6][4], row[6][5]))
    # the new representatives' columns are the rows' fields, and the columns pickle as they are
    rows = np.arange(0, len(got), 2)
    assert placed.column(rows) == tuple([got[k][f] for k in rows.tolist()] for f in (1, 2, 3, 4))
    assert [placed.doc(k) for k in range(len(got))] == [row[1] for row in got]
    assert pickle.loads(pickle.dumps(placed)) == placed and list(pickle.loads(pickle.dumps(placed))) == got


def test_batch_placement_without_any_edit_and_with_edits_only_in_some_documents():
    rng = random.Random(7)
    plain = [(k, Document(id=f"p{k}", text="One line here.\r\nTwo\n\nthree \U0001f600 four\n"[k:])) for k in range(4)]
    docs = plain + [(9, _document(rng, 9)), (10, Document(id="empty", text=""))]
    for batch in (plain, docs, docs[::-1]):
        counts, spans, paragraphs = _batch(batch)
        keep = np.arange(len(spans))
        assert list(_placed(batch, paragraphs, keep)) == _reference_rows(batch, counts, spans, keep)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "bc", " ", "\n", "\n\n", "\r", "\r\n", "\u2028", "\x85", "\u00e9",
                                          "\U0001f600", "\udc80"]), max_size=30).map("".join), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 60), st.integers(0, 60)), max_size=12))
def test_batch_line_columns_are_the_line_index_positions(texts, picks):
    owner, starts, ends = [], [], []
    for g, a, b in picks:
        g %= len(texts)
        a, b = sorted((min(a, len(texts[g])), min(b, len(texts[g]))))
        owner.append(g)
        starts.append(a)
        ends.append(b)
    bounds = np.array([starts, ends], dtype=np.int64).reshape(2, -1)
    got = list(map(tuple, _batch_line_columns(texts, np.array(owner, dtype=np.int64), bounds).T.tolist()))
    want = [(*LineIndex(texts[g]).position(s), *LineIndex(texts[g]).position(e)) for g, s, e in zip(owner, starts, ends)]
    assert got == want


def _signer_rows(out):
    sets = out["shingles"]
    return (list(out["items"]), sets.offsets.tolist(), sets.values.tolist(), out["sigs"].tolist(), out["hashes"].tolist(),
            [a.tolist() for a in out["pairs"]])


def test_signer_signatures_are_those_of_the_raw_shingles_and_pairs_verify_as_before():
    """Signatures from the distinct sets equal those of the shingles with repeats; the pair scores those of unsorted rows."""
    from cleaner.dedup.cluster import Verifier
    from cleaner.dedup.minhash import minhash_signatures, shingle_batch

    base = ("Russia has made clear it wants a written commitment that Ukraine will never join the alliance. "
            "The talks went on for hours and the officials said the same thing again and again and again.")
    docs = [(k, Document(id=f"d{k}", text=f"{base} Edit {k}.\n\n{base[: 60 + 15 * k]} again and again and again.\n"))
            for k in range(6)]
    params = DedupParams()
    out = ParagraphSigner(params, *params.bands_rows()).paragraphs(docs)
    texts = [s[2] for _pos, d in docs for s in paragraph_spans(d.text, params.max_chars, params.window_chars)]
    raw = shingle_batch(texts, params.ngram)
    keep = np.flatnonzero((raw.n_words >= params.min_words) & (raw.counts() > 0))
    assert len(out["items"]) == len(keep) > 6
    want = minhash_signatures(raw, params.num_perm, params.seed, numpy_only=True)[keep]
    assert np.array_equal(out["sigs"], want)
    pairs = out["pairs"][0]
    assert len(pairs)
    unsorted = Verifier(raw, params.threshold, containment=params.containment,
                        min_containment_shingles=params.min_containment_shingles)
    codes, jac, cont = unsorted.similarity_arrays(np.stack([keep[pairs[:, 0]], keep[pairs[:, 1]]], axis=1))
    assert np.array_equal(out["pairs"][1], codes) and (out["pairs"][1] > 0).any()
    assert np.array_equal(out["pairs"][2], jac) and np.array_equal(out["pairs"][3], cont)


def test_verifier_on_distinct_sets_gives_the_same_arrays():
    from cleaner.dedup._fast import kernels
    from cleaner.dedup.cluster import Verifier
    from cleaner.dedup.minhash import ShingleBatch

    if kernels() is None:
        pytest.skip("numba not available")
    rng = np.random.default_rng(5)
    lengths = rng.integers(0, 40, 300)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    raw = ShingleBatch(offsets, rng.integers(0, 60, int(offsets[-1])).astype(np.uint32), lengths, 3)
    sets = raw.shingle_sets(np.arange(len(lengths)))
    pairs = rng.integers(0, len(lengths), (4000, 2))
    want = Verifier(raw, 0.4).similarity_arrays(pairs)
    for got in (Verifier(sets, 0.4, distinct=True).similarity_arrays(pairs), Verifier(sets, 0.4).similarity_arrays(pairs)):
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(got, want))


# --- the compiled tokeniser ----------------------------------------------------------

_TOKEN_PIECES = ["Word", "wORDS", "a", "supercalifragilistic", "x" * 17, " ", "  ", "\n", "\r\n", "\t", "\x00", "\x7f",
                 ".", "'", "\u2019", "\u201c", "\u2014", "\u00a0", "\u00ad", "\u200b", "\ufeff", "\u00e9t\u00e9",
                 "Stra\u00dfe", "\ufb01nal", "\uff35", "\U0001f600", "\U0001d400", "\ud800", "\udfff", "\u0301",
                 "\u00a9", "\u2028", "\x85", "\u4e2d\u6587", "\u0627\u0644"]


def _token_texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["", " ", "\u00ad", "\u00ad\u00adx\u00ad", "\ufeffStart", "end\u200b", "\u00a9\u00a9", "\ud83d\ude00"]
    texts += ["".join(rng.choice(_TOKEN_PIECES) for _ in range(rng.randrange(0, 30))) for _ in range(300)]
    rng.shuffle(texts)
    return texts


@pytest.mark.parametrize("seed", range(6))
def test_compiled_tokeniser_gives_the_numpy_path_and_the_reference_words(monkeypatch, seed):
    from cleaner.dedup import _fast, normalize
    from cleaner.dedup.normalize import tokenize_batch, word_hash, words

    if _fast.kernels() is None:
        pytest.skip("numba not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    texts = _token_texts(seed)
    normalize._SPECIAL_WORDS.clear()
    compiled = tokenize_batch(texts)
    again = tokenize_batch(texts)  # (with the normalised words cached)
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    normalize._SPECIAL_WORDS.clear()
    plain = tokenize_batch(texts)
    for got in (compiled, again):
        assert np.array_equal(got.offsets, plain.offsets) and got.offsets.dtype == plain.offsets.dtype
        assert np.array_equal(got.hashes, plain.hashes) and got.hashes.dtype == plain.hashes.dtype
    for i, text in enumerate(texts):
        want = [word_hash(w) for w in words(text)]
        assert compiled.hashes[compiled.offsets[i] : compiled.offsets[i + 1]].tolist() == want, repr(text)


def test_compiled_tokeniser_on_one_text_and_on_none(monkeypatch):
    from cleaner.dedup import _fast
    from cleaner.dedup.normalize import tokenize_batch, word_hash, words

    if _fast.kernels() is None:
        pytest.skip("numba not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    for texts in ([], [""], ["\u00ad"], ["one"], ["Caf\u00e9 ne\u00adws \u201cquoted\u201d \U0001f600 \ud800 end"]):
        got = tokenize_batch(texts)
        assert got.offsets.tolist() == [0, *np.cumsum([len(words(t)) for t in texts]).tolist()]
        assert got.hashes.tolist() == [word_hash(w) for t in texts for w in words(t)]


# --- sets of shingles ------------------------------------------------------------------


def test_radix_sorted_sets_are_the_sorted_sets_of_every_run():
    """The uint32 runs (radix sort, in chunks) give what np.unique gives run by run, whatever the run sizes."""
    from cleaner.dedup import _fast

    if _fast.kernels() is None:
        pytest.skip("numba not available")
    from cleaner.dedup import _kernels

    rng = np.random.default_rng(11)
    big = _kernels._RADIX_CHUNK
    cases = [np.zeros(0, dtype=np.int64), np.array([0, 0, 3, 7], dtype=np.int64),  # no run; empty runs
             np.array([0, big + 5, big + 5, 2 * big + 100], dtype=np.int64)]  # runs wider than a chunk
    cases.append(np.concatenate(([0], np.cumsum(rng.integers(0, 90, 5000)))))  # many chunks
    for bounds in cases:
        total = int(bounds[-1]) if len(bounds) else 0
        for values in (rng.integers(0, 1 << 32, total, dtype=np.uint64).astype(np.uint32),
                       rng.integers(0, 5, total).astype(np.uint32),  # many repeats
                       (rng.integers(0, 3, total).astype(np.uint32) << np.uint32(21)) | np.uint32(0xFFFFFFFF >> 11 << 11)):
            starts, ends = (bounds[:-1], bounds[1:]) if len(bounds) else (bounds, bounds)
            order = rng.permutation(len(starts))  # runs in any order, as a batch's kept rows are not
            starts, ends = starts[order], ends[order]
            got_values, got_offsets = _fast.unique_segments(values, starts, ends)
            want = [np.unique(values[s:e]) for s, e in zip(starts, ends)]
            assert got_values.dtype == np.uint32 and got_offsets.dtype == np.int64
            assert got_offsets.tolist() == [0, *np.cumsum([len(w) for w in want]).tolist()]
            assert np.array_equal(got_values, np.concatenate(want) if want else np.zeros(0, dtype=np.uint32))
            old = _kernels._unique_segments(values, starts, ends)
            assert np.array_equal(old[0], got_values) and np.array_equal(old[1], got_offsets)


def test_compiled_signatures_in_32_bit_lanes_are_the_numpy_signatures():
    from cleaner.dedup import _fast
    from cleaner.dedup.minhash import ShingleBatch, minhash_signatures, permutations

    if _fast.kernels() is None:
        pytest.skip("numba not available")
    rng = np.random.default_rng(2)
    lengths = rng.integers(0, 70, 400)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    values = rng.integers(0, 1 << 32, int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    values[:50] = [0, 0xFFFFFFFF, 1, 0x80000000] * 12 + [7, 7]
    batch = ShingleBatch(offsets, values, lengths, 3)
    for num_perm, seed in ((128, 1), (7, 3), (256, 42)):
        assert np.array_equal(_fast.signatures(values, offsets, *permutations(num_perm, seed)),
                              minhash_signatures(batch, num_perm, seed, numpy_only=True))


@pytest.mark.parametrize("per_row", [0, 8])
def test_batch_line_columns_of_texts_with_many_line_feeds(monkeypatch, per_row):
    """A text with far more line feeds than placed paragraphs is counted apart (no Python step per line): same positions."""
    from cleaner.dedup import index

    monkeypatch.setattr(index, "_FEEDS_PER_ROW", per_row)
    texts = ["\n" * 300 + "x\ny \u00e9\n", "a\n" * 100, "no feeds at all", "\r\n" * 70 + "z\rq", "\n" * 40 + "w",
             "\U0001f600\n" * 80]
    rng = random.Random(per_row)
    owner, starts, ends = [], [], []
    for g in [0, 0, 1, 2, 3, 3, 4, 5, 1, 5]:
        a, b = sorted(rng.randrange(len(texts[g]) + 1) for _ in range(2))
        owner.append(g)
        starts.append(a)
        ends.append(b)
    got = list(map(tuple, _batch_line_columns(texts, np.array(owner, dtype=np.int64),
                                              np.array([starts, ends], dtype=np.int64)).T.tolist()))
    want = [(*LineIndex(texts[g]).position(s), *LineIndex(texts[g]).position(e)) for g, s, e in zip(owner, starts, ends)]
    assert got == want
