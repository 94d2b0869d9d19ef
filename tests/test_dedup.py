"""Near-duplicate core: normalisation, segmentation, shingles, signatures, LSH, verification, clustering."""

from __future__ import annotations

import itertools
import json
import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup import core
from cleaner.dedup.cluster import Similarity, Verifier, cluster
from cleaner.dedup.core import DedupParams, ParagraphRef, dedup_paragraphs, find_near_duplicates
from cleaner.dedup.lsh import ParagraphIndex, candidate_pairs, lsh_params
from cleaner.dedup.minhash import lean_minhash, minhash_signatures, shingle_batch, shingle_hash
from cleaner.dedup.normalize import normalize_text, tokenize_batch, word_hash, words
from cleaner.dedup.segment import segment_paragraphs, sentence_spans

from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def read_seed(prefix: str) -> str:
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu one two three four five six seven "
         "eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()


def seed_docs() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


# --- normalisation -----------------------------------------------------------------


def test_normalize_folds_quotes_dashes_spaces_case_and_compatibility_forms():
    assert normalize_text("Russia’s “Demands” — ‘now’") == "russia's \"demands\" - 'now'"
    assert normalize_text("ＮＡＴＯ\u00a0ﬁnal") == "nato final"
    assert normalize_text("STRASSE Straße") == "strasse strasse"


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_words_ignore_quote_style_punctuation_and_invisible_characters():
    assert words("Russia’s demands—again!") == words("RUSSIA'S demands -- again.") == ["russia", "s", "demands", "again"]
    assert words("Rus\u200bsia soft\u00adhyphen") == ["russia", "softhyphen"]
    # full-width "Ｕ．Ｓ．" is one word (its dots are not ASCII); step 3 keeps its letters
    assert words("café, Ｕ．Ｓ．… •") == ["café", "us"]
    assert words("") == []


TRICKY = st.text(alphabet=st.sampled_from(list("aZ9 .,'’“”—-\u00a0\u00ad\u200bÉéßＡ\n\t…•ﬁ\x00") + ["\udc80"]), max_size=40)


@given(st.lists(TRICKY, max_size=6))
@settings(max_examples=200, deadline=None)
def test_batch_tokenizer_matches_the_reference_rule(texts):
    batch = tokenize_batch(texts)
    for i, text in enumerate(texts):
        assert batch.hashes[batch.offsets[i] : batch.offsets[i + 1]].tolist() == [word_hash(w) for w in words(text)]


def test_batch_tokenizer_matches_reference_on_the_seeds():
    texts = [p.text for t in seed_docs().values() for p in segment_paragraphs(t)]
    batch = tokenize_batch(texts)
    for i, text in enumerate(texts):
        assert batch.hashes[batch.offsets[i] : batch.offsets[i + 1]].tolist() == [word_hash(w) for w in words(text)]


# --- segmentation ------------------------------------------------------------------


def test_segments_blank_line_separated_one_per_line_and_wrapped_blocks():
    text = "Headline here\nFirst paragraph is one line.\n\nA wrapped paragraph that\ncontinues on the next line.\n\n  Last one.  \n"
    paras = segment_paragraphs(text)
    assert [(p.kind, p.text) for p in paras] == [
        ("line", "Headline here"),
        ("line", "First paragraph is one line."),
        ("block", "A wrapped paragraph that\ncontinues on the next line."),
        ("line", "Last one."),
    ]
    assert [p.number for p in paras] == [1, 2, 3, 4]
    for p in paras:
        assert text[p.start : p.end] == p.text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "B.", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2028", "\x0b"]),
                max_size=40).map("".join))
def test_segment_lines_are_the_line_spans_lines(text):
    from cleaner.dedup.segment import _lines
    from cleaner.rules._lines import line_spans

    for t in (text, text.replace("\r", "")):  # the fast split, and the line_spans path
        starts, contents = _lines(t)
        assert [(s, s + len(c)) for s, c in zip(starts, contents)] == [(ln.start, ln.end) for ln in line_spans(t)]
        assert all(t[s : s + len(c)] == c for s, c in zip(starts, contents))


def _reference_segments(text, max_chars, window_chars):
    """segment_paragraphs as it was written first: line by line, trimming character by character."""
    from cleaner.dedup.segment import _lines, _mid_sentence_break, _trim, sentence_windows

    starts, contents = _lines(text)
    blocks, current = [], []
    for i, content in enumerate(contents):
        if content and not content.isspace():
            current.append(i)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    raw = []
    for block in blocks:
        first, last = block[0], block[-1]
        if first != last:
            mid = sum(_mid_sentence_break(contents[a], contents[b]) for a, b in zip(block, block[1:]))
            if 2 * mid >= len(block) - 1:
                raw.append((*_trim(text, starts[first], starts[last] + len(contents[last])), "block", first, last))
                continue
        for i in block:
            raw.append((*_trim(text, starts[i], starts[i] + len(contents[i])), "line", i, i))
    out = []
    for s, e, kind, first, last in raw:
        windows = sentence_windows(text, s, e, window_chars) if e - s > max_chars else []
        if len(windows) > 1:
            out.extend((ws, we, text[ws:we], "window", first, last) for ws, we in windows)
        else:
            out.append((s, e, text[s:e], kind, first, last))
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "B", "x.", "lower", "7", " ", "\t", "\n", "\n\n", "\r", "\r\n", "\u00a0",
                                 "\u2028", "\x0b", "\x1c", "\u201d", "Word. "]), max_size=60).map("".join),
       st.sampled_from([(1200, 500), (30, 10), (6, 2)]))
def test_paragraph_spans_are_the_paragraphs_and_the_reference_segmentation(text, sizes):
    from cleaner.dedup.segment import paragraph_spans

    spans = paragraph_spans(text, *sizes)
    assert spans == _reference_segments(text, *sizes)
    paras = segment_paragraphs(text, max_chars=sizes[0], window_chars=sizes[1])
    assert [(p.number, p.start, p.end, p.text, p.kind, p.first_line, p.last_line) for p in paras] == [
        (k, *span) for k, span in enumerate(spans, 1)]
    for s, e, t, *_ in spans:
        assert text[s:e] == t


def test_paragraph_spans_of_the_seeds_are_the_reference_segmentation():
    from cleaner.dedup.segment import paragraph_spans

    for name in ("000", "001", "002", "003", "004"):
        text = read_seed(name)
        for sizes in ((1200, 500), (300, 100)):
            assert paragraph_spans(text, *sizes) == _reference_segments(text, *sizes)


def test_run_on_body_is_cut_into_sentence_windows_with_exact_offsets():
    text = read_seed("000")
    paras = segment_paragraphs(text)
    windows = [p for p in paras if p.kind == "window"]
    assert len(windows) >= 5  # the 4,000-character line
    for p in paras:
        assert text[p.start : p.end] == p.text
    longest_line = max(len(line) for line in text.splitlines())
    assert all(len(p.text) < longest_line / 3 for p in windows)
    # windows are consecutive and together cover the run-on line
    for a, b in zip(windows, windows[1:]):
        assert a.end <= b.start and not text[a.end : b.start].strip()


def test_sentence_spans_split_glued_sentences_but_not_abbreviations():
    text = "The U.S. said so.During the call, he spoke. \"Yes,\" he said."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "The U.S. said so.", "During the call, he spoke.", "\"Yes,\" he said."]


# --- shingles and signatures -------------------------------------------------------


def test_shingles_match_the_reference_hash_and_short_paragraphs_have_none():
    texts = ["Russia has made clear it wants a written commitment", "two words", ""]
    batch = shingle_batch(texts, 3)
    w = words(texts[0])
    assert batch.shingles(0).tolist() == [shingle_hash(w[i : i + 3]) for i in range(len(w) - 2)]
    assert batch.counts().tolist() == [len(w) - 2, 0, 0]
    assert batch.n_words.tolist() == [len(w), 2, 0]


def test_parallel_shingles_and_signatures_equal_the_single_process_ones(monkeypatch):
    from cleaner.dedup import minhash

    monkeypatch.setattr(minhash, "PARALLEL_MIN_TEXTS", 10)
    texts = [" ".join(random.Random(i).choices(WORDS, k=i % 40)) for i in range(101)]
    one_batch, one_sig = minhash.shingle_and_sign(texts, 3, 32, 1, jobs=1)
    two_batch, two_sig = minhash.shingle_and_sign(texts, 3, 32, 1, jobs=2)
    assert np.array_equal(one_sig, two_sig)
    assert np.array_equal(one_batch.offsets, two_batch.offsets)
    assert np.array_equal(one_batch.values, two_batch.values)
    assert np.array_equal(one_batch.n_words, two_batch.n_words)


def test_shingles_are_the_same_in_any_block_size():
    texts = [" ".join(random.Random(i).choices(WORDS, k=i % 30)) for i in range(60)]
    whole = shingle_batch(texts, 3)
    for block in (1, 50, 333):
        part = shingle_batch(texts, 3, block_chars=block)
        assert np.array_equal(part.offsets, whole.offsets) and np.array_equal(part.values, whole.values)
        assert np.array_equal(part.n_words, whole.n_words)


def test_signatures_are_datasketch_affine32_minhashes_in_any_chunking():
    texts = [" ".join(random.Random(i).choices(WORDS, k=30)) for i in range(40)] + ["short"]
    batch = shingle_batch(texts, 3)
    sig = minhash_signatures(batch, 64, seed=7)
    assert np.array_equal(sig, minhash_signatures(batch, 64, seed=7, chunk=5, numpy_only=True))
    assert np.array_equal(sig, minhash_signatures(batch, 64, seed=7, numpy_only=True))
    for i in (0, 13, 39):
        m = MinHash(64, seed=7, hashfunc=int, scheme="affine32")
        m.update_batch(batch.shingles(i).tolist())
        assert np.array_equal(m.hashvalues, sig[i])
        assert lean_minhash(sig[i], seed=7).jaccard(m) == 1.0
    assert (sig[-1] == 0xFFFFFFFF).all()  # no shingles: the empty signature


def test_compiled_kernels_give_exactly_the_numpy_and_python_results(monkeypatch):
    from cleaner.dedup import _fast

    if _fast.kernels() is None:
        pytest.skip("numba not installed (a dependency of cleaner: reinstall)")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)  # use the kernels however small the input
    rng = random.Random(5)
    texts = _corpus(120, 40) + ["short", ""]
    long_one = " ".join(rng.choices(WORDS, k=80))
    texts += [long_one, " ".join(long_one.split()[10:30])]  # a quoted part: containment
    batch = shingle_batch(texts, 3)
    sig = minhash_signatures(batch, 128, seed=3)
    assert np.array_equal(sig, minhash_signatures(batch, 128, seed=3, numpy_only=True))
    pairs = [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if (i * 7 + j) % 5 == 0]
    pairs += [(len(texts) - 2, len(texts) - 1), (0, 120), (len(texts) - 4, 0)]
    for threshold, containment in ((0.4, 0.9), (0.2, 0.5), (0.5, None)):
        verifier = Verifier(batch, threshold, containment=containment, min_containment_shingles=8)
        expected = [(i, j, sim) for i, j in pairs if (sim := verifier.similarity(i, j)).ok]
        assert verifier.verify(pairs) == expected
    refs = [ParagraphRef(f"d{i % 37:02d}.txt", i, 0, len(t), t) for i, t in enumerate(texts)]
    params = DedupParams(threshold=0.3, intra_document=True)
    compiled = dedup_paragraphs(refs, params).to_json()
    # Word hashes and n-gram shingles: real text (non-ASCII, long words, deleted characters) too.
    real = [t for doc in seed_docs().values() for t in doc.split("\n") if t.strip()]
    real += ["Straße naïve\u00adly ﬁnal “quoted” — dash", "x" * 40 + " supercalifragilistic words", ""]
    fast_tokens = tokenize_batch(real)
    fast_shingles = [shingle_batch(real, n) for n in (1, 3, 5)]
    valid = np.arange(len(texts)) % 3 != 1
    fast_pairs = [candidate_pairs(sig, b, r, valid=v, max_bucket=mb) for b, r in ((31, 3), (8, 2))
                  for v in (None, valid) for mb in (32, 2)]
    every = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))], dtype=np.int64)
    filters = [DedupParams(threshold=t, containment=c, prefilter_margin=m)
               for t, c, m in ((0.4, 0.9, 0.15), (0.3, 0.5, 0.05), (0.6, None, 0.2))]
    fast_kept = [core._estimate_filter(every, sig, batch.counts(), p) for p in filters]
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    for p, kept in zip(filters, fast_kept):
        assert np.array_equal(kept, core._estimate_filter(every, sig, batch.counts(), p))
    slow_pairs = [candidate_pairs(sig, b, r, valid=v, max_bucket=mb) for b, r in ((31, 3), (8, 2))
                  for v in (None, valid) for mb in (32, 2)]
    assert all(np.array_equal(f, s) for f, s in zip(fast_pairs, slow_pairs)) and len(fast_pairs[0])
    assert dedup_paragraphs(refs, params).to_json() == compiled
    assert compiled["clusters"]
    slow_tokens = tokenize_batch(real)
    assert np.array_equal(fast_tokens.hashes, slow_tokens.hashes)
    assert np.array_equal(fast_tokens.offsets, slow_tokens.offsets)
    for n, fast in zip((1, 3, 5), fast_shingles):
        slow = shingle_batch(real, n)
        assert np.array_equal(fast.values, slow.values) and np.array_equal(fast.offsets, slow.offsets)


# --- LSH ---------------------------------------------------------------------------


def _corpus(n: int = 300, copies: int = 60, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    base = [" ".join(rng.choices(WORDS, k=rng.randint(20, 50))) for _ in range(n)]
    out = list(base)
    for i in range(copies):
        w = base[i].split()
        del w[rng.randrange(len(w))]
        out.append(" ".join(w))
    return out


def test_lsh_params_are_datasketchs():
    from datasketch.lsh import _optimal_param

    assert lsh_params(0.4, 128, (0.2, 0.8)) == _optimal_param(0.4, 128, 0.2, 0.8)
    assert lsh_params(0.37, 100, (0.3, 0.7)) == _optimal_param(0.37, 100, 0.3, 0.7)  # not in the table


def test_precomputed_lsh_params_are_datasketchs():
    from datasketch.lsh import _optimal_param

    from cleaner.dedup.lsh import _precomputed

    table = _precomputed()
    assert len(table) > 100
    for key, value in table.items():
        threshold, num_perm, fp, fn = key.split()
        assert tuple(value) == _optimal_param(float(threshold), int(num_perm), float(fp), float(fn)), key


def test_numpy_candidate_pairs_equal_minhashlsh_queries():
    texts = _corpus()
    batch = shingle_batch(texts, 3)
    sig = minhash_signatures(batch, 128)
    bands, rows = lsh_params(0.4, 128)
    pairs = {tuple(p) for p in candidate_pairs(sig, bands, rows).tolist()}
    lsh = MinHashLSH(threshold=0.4, num_perm=128, params=(bands, rows))
    for i in range(len(texts)):
        lsh.insert(i, lean_minhash(sig[i]))
    expected = {(min(i, j), max(i, j)) for i in range(len(texts)) for j in lsh.query(lean_minhash(sig[i])) if j != i}
    assert len(expected) >= 60 and pairs == expected


def test_paragraph_index_batch_insert_equals_datasketch_insert():
    texts = _corpus(80, 20)
    sig = minhash_signatures(shingle_batch(texts, 3), 128)
    index = ParagraphIndex(threshold=0.4, num_perm=128)
    index.insert_batch([("doc", i) for i in range(len(texts))], sig)
    reference = MinHashLSH(threshold=0.4, num_perm=128, params=(index.bands, index.rows))
    for i in range(len(texts)):
        reference.insert(("doc", i), lean_minhash(sig[i]))
    assert len(index) == len(texts) and ("doc", 3) in index
    for table, ref_table in zip(index.lsh.hashtables, reference.hashtables):
        assert {k: set(table.get(k)) for k in table.keys()} == {k: set(ref_table.get(k)) for k in ref_table.keys()}
    assert sorted(index.query_batch(sig[80:81])[0]) == sorted(reference.query(lean_minhash(sig[80])))
    assert ("doc", 0) in index.query(sig[80])  # the copy of paragraph 0


def test_big_buckets_stay_linear_but_connected():
    sig = np.zeros((200, 8), dtype=np.uint32)  # 200 identical signatures: one bucket
    pairs = candidate_pairs(sig, 2, 4, max_bucket=5)
    assert len(pairs) < 200 * 5 + 1
    from cleaner.dedup.cluster import connected_groups

    assert len(connected_groups(map(tuple, pairs.tolist()))) == 1


# --- verification and clustering ---------------------------------------------------


def _refs(texts: dict[str, str]) -> list[ParagraphRef]:
    return [ParagraphRef(doc, 1, 0, len(t), t) for doc, t in texts.items()]


def test_a_crafted_lsh_false_positive_is_rejected(monkeypatch):
    a = " ".join(WORDS[:30])
    b = " ".join(reversed(WORDS[20:50]))
    real = core.shingle_and_sign

    def colliding(*args, **kw):
        batch, sig = real(*args, **kw)
        sig[1] = sig[0]  # force every band to collide
        return batch, sig

    monkeypatch.setattr(core, "shingle_and_sign", colliding)
    result = dedup_paragraphs(_refs({"a.txt": a, "b.txt": b}))
    assert result.stats["candidates"] == 1 and result.stats["rejected"] == 1
    assert result.clusters == []


def test_containment_catches_a_paragraph_quoted_inside_a_longer_one():
    quote = " ".join(WORDS[:14])
    longer = " ".join(WORDS[20:50]) + " " + quote + " " + " ".join(WORDS[30:45])
    verifier = Verifier(shingle_batch([quote, longer], 3), 0.4, containment=0.9)
    sim = verifier.similarity(0, 1)
    assert sim.jaccard < 0.4 and sim.containment == 1.0 and sim.measure == "containment"
    assert Verifier(shingle_batch([quote, longer], 3), 0.4, containment=None).similarity(0, 1).ok is False


def test_chaining_is_split_so_every_member_is_close_to_its_representative():
    # A~B and B~C (J ≈ 0.47) but A and C share little (J ≈ 0.17).
    a, b, c = (" ".join(WORDS[k : k + 30]) for k in (0, 10, 20))
    result = find_near_duplicates({"a.txt": a, "b.txt": b, "c.txt": c}, DedupParams(threshold=0.4, min_words=5))
    assert [[m.ref.doc for m in cl.members] for cl in result.clusters] == [["a.txt", "b.txt"]]
    for cl in result.clusters:
        assert all(m.similarity >= 0.4 for m in cl.members)


def test_cluster_function_splits_chains_and_reclusters_the_rest():
    close = {(0, 1), (1, 2), (2, 3)}  # a path 0-1-2-3; only neighbours are similar

    def sim(i, j):
        ok = (min(i, j), max(i, j)) in close
        return Similarity(0.5 if ok else 0.1, 0.5, "jaccard" if ok else "", 0.5 if ok else 0.0)

    verified = [(i, j, sim(i, j)) for i, j in sorted(close)]
    groups = cluster(verified, rank=lambda i: (i,), similarity=sim)
    assert [(g.representative, [m for m, _ in g.members]) for g in groups] == [(0, [1]), (2, [3])]


def test_cross_source_only_by_default_and_repeats_on_request():
    para = " ".join(WORDS[:25])
    docs = {"a.txt": para + "\n\n" + para + " extra", "b.txt": "nothing alike " * 5}
    assert find_near_duplicates(docs).clusters == []
    result = find_near_duplicates(docs, DedupParams(intra_document=True))
    assert result.clusters == [] and len(result.repeats) == 1
    assert [m.ref.number for m in result.repeats[0].members] == [1, 2]


def test_representative_choice_first_longest_priority():
    base = " ".join(WORDS[:30])
    docs = {"a/x.txt": base, "b/y.txt": base + " and a few more words here", "c/z.txt": base + " plus"}
    def rep(**kw):
        return find_near_duplicates(docs, DedupParams(**kw)).clusters[0].representative.doc

    assert rep() == "a/x.txt"
    assert rep(representative="longest") == "b/y.txt"
    assert rep(representative="priority", priority=["c/*", "b/*"]) == "c/z.txt"


def test_same_clusters_in_any_input_order():
    docs = seed_docs()
    expected = json.dumps(find_near_duplicates(docs).to_json(), sort_keys=True)
    items = list(docs.items())
    for perm in itertools.islice(itertools.permutations(items), 0, 120, 17):
        assert json.dumps(find_near_duplicates(list(perm)).to_json(), sort_keys=True) == expected


def test_bad_parameters_are_clear_errors():
    with pytest.raises(ValueError, match="threshold"):
        DedupParams(threshold=0)
    with pytest.raises(ValueError, match="unknown dedup option"):
        DedupParams.from_options({"treshold": 0.5})
    with pytest.raises(ValueError, match="representative"):
        DedupParams(representative="best")


# --- the seeds ---------------------------------------------------------------------


def test_seed_wire_copy_is_found_and_topic_overlap_is_not():
    result = find_near_duplicates(seed_docs())
    starts = sorted((c.members[0].ref.text[:30], c.members[1].ref.text[:30]) for c in result.clusters)
    assert starts == [
        ("Russia has made clear it wants", "Russia has made clear that it "),
        ("The White House said ahead of ", "Biden told Putin that a diplom"),
        ("Those demands are to be discus", "Russia's demands are to be dis"),
    ]
    for c in result.clusters:
        assert [m.ref.doc[:3] for m in c.members] == ["001", "003"]
        assert all(len(c.members) == 2 for c in result.clusters)
    sims = sorted(round(c.members[1].similarity, 2) for c in result.clusters)
    assert sims == [0.45, 0.64, 0.78]
    assert not any("meaningful progress" in m.ref.text for c in result.clusters for m in c.members)


def test_recall_weighted_banding_finds_the_weakest_seed_pair_under_any_permutation_seed():
    docs = seed_docs()
    for seed in range(1, 6):
        result = find_near_duplicates(docs, DedupParams(seed=seed))
        assert result.stats["clusters"] == 3, seed


def test_paragraph_index_lives_in_datasketch_redis_storage(redis_url):
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    texts = [" ".join(WORDS[:30]), " ".join(WORDS[:29] + ["extra"]), " ".join(WORDS[30:])]
    sig = minhash_signatures(shingle_batch(texts, 3), 128)
    config = {"type": "redis", "basename": b"test_dedup", "redis": {"host": "127.0.0.1", "port": port}}
    ParagraphIndex(0.4, 128, storage_config=config).insert_batch([("a.txt", 1), ("c.txt", 1)], sig[[0, 2]])
    reopened = ParagraphIndex(0.4, 128, storage_config=config)  # another run, same index
    assert len(reopened) == 2
    assert reopened.query(sig[1]) == [("a.txt", 1)]
    assert reopened.query_batch(sig[1:3]) == [[("a.txt", 1)], [("c.txt", 1)]]


def test_fast_paragraph_sort_keeps_the_tuple_sort_order_and_ties():
    from operator import attrgetter

    rng = random.Random(1)
    refs = [ParagraphRef(f"d{rng.randrange(50)}", rng.randrange(30), rng.randrange(5), 0, str(i)) for i in range(5000)]
    expected = sorted(refs, key=attrgetter("doc", "number", "start"))
    assert [r.text for r in core._sort_refs(refs)] == [r.text for r in expected]


@pytest.mark.parametrize("compiled", [True, False])
def test_verifier_similarities_equal_one_by_one_similarity(compiled, monkeypatch):
    from cleaner.dedup import _fast

    if not compiled:
        monkeypatch.setattr(_fast, "kernels", lambda *a, **k: None)
    else:
        if _fast.kernels() is None:
            pytest.skip("numba is not available")
        monkeypatch.setattr(_fast, "MIN_ITEMS", 0)  # compiled however few the pairs
    texts = _corpus(120, 40) + ["", "a b"]
    batch = shingle_batch(texts, 3)
    rng = random.Random(5)
    pairs = [(rng.randrange(len(texts)), rng.randrange(len(texts))) for _ in range(600)]
    pairs += [(i, i + 1) for i in range(len(texts) - 1)]  # neighbours: the near-duplicates of _corpus
    for containment in (0.9, None):
        v = Verifier(batch, 0.4, containment=containment, min_containment_shingles=8)
        got = v.similarities(pairs)
        want = [Verifier(batch, 0.4, containment=containment).similarity(i, j) for i, j in pairs]
        assert got == want
        assert {s.measure for s in got} >= {"", "jaccard"}
