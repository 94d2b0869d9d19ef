"""The fast candidate paths of the J rules find what the plain patterns find.

Each scan in ``cleaner.rules._joins`` that looks for candidates with cheap
operations (a character-set prefilter, a set difference against wordfreq's
vocabulary, rare case hits, literal-led patterns) is compared here with the
straightforward reference: the full pattern's ``finditer`` over the whole
text, filtered in Python.  The texts are the gold articles of the benchmark,
the seeds and random text built from tricky pieces.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest

from cleaner.rules import _joins as J

TESTS = Path(__file__).resolve().parent
BENCH = TESTS.parents[1] / "shared" / "bench-data" / "article-extraction-benchmark"


def corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((TESTS.parent / "seeds").glob("*.txt"))]
    if (BENCH / "ground-truth.json").is_file():
        truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
        texts += [v["articleBody"] for _, v in sorted(truth.items())]
    rnd = random.Random(7)
    pieces = list("aAbBzZ.,:;!?\"“”’'()[]«»…$%0123456789 \n-") + [
        "the", "The", "and", "U.S.", "thatThe", "exchangea", "ofthe", "CONCEPTVolkswagen", "’sand", "said.of",
        "was...to", "Containers:1 ", "Resistenza2) ", "1 tsp.Meal", "했다.그래서", "врут».Бывшая", "pollutionA ",
        "needsLet’s", "McDonald", "iPhone", "AB" * 30, "ab" * 30, "(Blu-Ray)4) Blade", "Interlagos2a etapa", "Tarumã11a etapa",
        "грибыДо", "ProzesseIn", "ÉtéÀ", "x\u2003y", "\xa0", "\ud800", "subscribers.16-inch", "[엔터", "]저작",
    ]
    texts += ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 400))) for _ in range(300)]
    texts += ["CONCEPTVolkswagen is here", "thatThe", "Zelenskiy", "aB", "ÀÉ", ".A", "4) x", "x"]
    # Where the kernel skips its sentence checks (a mark before a space or a line break, a character
    # outside ASCII but ” and …) and where it must not: next to them, the same marks glued.
    texts += ["ужина.А и", "слово”Слово", "слово… Слово", "слово…Слово", "Russia.”Biden", "said”“The", "x,\ny",
              "said. of the", "said.\nof", "it?\nThe", "да.\nНет", "été.Été", "été, Été", "9)\nx", "3a\nb",
              "(Он)Она", "[한]국", "x:\n1", "x: 1", "pre-war.The", "naïve.The", "café…Then", "é”“É"]
    return texts


TEXTS = corpus()


@pytest.fixture(params=["regex", "kernel"], autouse=True)
def path(request, monkeypatch):
    """Every test runs twice: with the regular-expression scans and with the numba kernel."""
    if request.param == "kernel":
        if J._kernels(0) is None:
            monkeypatch.setitem(J._kernel_state, "seen", J.KERNEL_AFTER)
            if J._kernels(0) is None:
                pytest.skip("numba kernel not available")
    else:
        monkeypatch.setitem(J._kernel_state, "module", None)
        monkeypatch.setitem(J._kernel_state, "enabled", False)
    for cache in (J._SCANS, J._FOUND, J._LANGUAGE, J._GLUED_CANDIDATES):
        cache.clear()
    yield request.param
    for cache in (J._SCANS, J._FOUND, J._LANGUAGE, J._GLUED_CANDIDATES):
        cache.clear()


def spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def test_the_corpus_is_the_real_one():
    assert len(TEXTS) >= 300 + 5


def test_sentence_candidates_give_every_match_of_the_full_pattern():
    for text in TEXTS:
        assert spans(J._sentence_matches(text)) == spans(J._SENTENCE_JOIN.finditer(text)), text[:80]


def reference_glued(text: str) -> list[tuple[int, str]]:
    """Every token the original per-token loop of J002 tried to split."""
    return sorted(
        (m.start(), m.group())
        for m in J._GLUED_TOKEN.finditer(text)
        if 4 <= len(m.group()) <= J.MAX_TOKEN and J._glued_candidate(m.group())
    )


def fast_glued(text: str) -> list[tuple[int, str]]:
    return sorted(
        (start, token)
        for token in J._compute_glued_candidates(text)
        for start in J._token_starts(text, token, J._GLUED_TOKEN)
    )


def fast_glued_kernel(text: str) -> list[tuple[int, str]]:
    scan = J._scan(text)
    out = []
    for start, end in scan.unknown:
        token = text[start:end]
        m = J._GLUED_TOKEN.match(text, start)
        if J._glued_candidate(token) and m is not None and m.end() == end:
            out.append((start, token))
    return sorted(out)


def test_glued_candidates_from_the_set_difference_equal_the_per_token_loop(path):
    for text in TEXTS:
        fast = fast_glued_kernel(text) if path == "kernel" else fast_glued(text)
        assert fast == reference_glued(text), text[:80]


def test_languages_are_the_same_on_both_paths(path):
    for text in TEXTS:
        words = text[:1000].split()
        expected = J._language_of(
            __import__("collections").Counter(map(J._language_markers()[2].get, words)).items(), len(words))
        if expected is None and len(text) > 1000:
            words = text[:2000].split()
            expected = J._language_of(
                __import__("collections").Counter(map(J._language_markers()[2].get, words)).items(), len(words))
        assert J._document_language(text) == expected, text[:80]


def reference_case(text: str):
    boundary = re.compile(r"[a-z][A-Z]")
    plain = J._plain_words()

    def run(m):  # the whole run of ASCII letters a match starts
        return J._ASCII_RUN.match(text, m.start()).group()

    def unknown(m):
        return not (4 <= len(run(m)) <= J.MAX_TOKEN and run(m).lower() in plain)

    case = [m for m in J._CASE_TOKEN.finditer(text) if boundary.search(m.group()) and unknown(m)]
    caps = [m for m in J._CAPS_THEN_WORD.finditer(text) if unknown(m)]
    single = [m for m in J._LOWER_THEN_AI.finditer(text) if unknown(m)]
    return spans(case), spans(caps), spans(single)


def test_case_hits_in_other_alphabets_are_those_of_the_pattern(path):
    for text in TEXTS:
        scan = J._scan(text)
        if scan is not None:
            assert scan.case_any == [m.start() for m in J._CASE_HIT_ANY.finditer(text)]
            assert scan.case_runs == list(J._case_runs(text))


def test_case_hits_give_every_match_that_can_be_a_case_join():
    for text in TEXTS:
        case, caps, single = J._case_matches(text)
        got = ([m.span() for m in case if re.search(r"[a-z][A-Z]", m.group())], spans(caps), spans(single))
        assert got == reference_case(text), text[:80]


@pytest.mark.parametrize("name,reference", [
    ("_ELLIPSIS", r"(?<=[a-z])(?:\.\.\.|…)(?=[a-z])"),
    ("_SPACED_LOWER_SENTENCE", r"(?<=[a-z0-9])[.?!] (?=[a-z]+\b)"),
])
def test_literal_led_patterns_equal_one_alternation(name, reference):
    pattern = re.compile(reference)
    for text in TEXTS:
        assert spans(J._literal_led(getattr(J, name), text)) == spans(pattern.finditer(text))


def test_spaced_lower_sentences_on_both_paths(path):
    pattern = re.compile(r"(?<=[a-z0-9])[.?!] (?=[a-z]+\b)")
    for text in TEXTS + ["He said. of the call", "x1. ab", "ok? ja", "end! no", "said.  of", "a. b1"]:
        assert spans(J._spaced_lower_sentences(text)) == spans(pattern.finditer(text)), text[:80]


def test_contraction_patterns_equal_the_look_behind_pattern():
    reference = re.compile(r"(?<=[A-Za-z]['’])(?:s|re|ll|ve|d|m|t)(?=[a-z]{2,}(?![\w@/\\&'’]|[.][a-z0-9]|-[a-z]))")
    for text in TEXTS:
        fast = sorted(m.span("c") for p in J._CONTRACTION_GLUE for m in p.finditer(text))
        assert fast == spans(reference.finditer(text))


def test_contraction_and_ellipsis_candidates_on_both_paths(path):
    extra = ["they’refor", "Google’sand", "it'sthe", "I’mnot", "x’s", "A’ll", "é’sand", "we’ve", "do’tthat",
             "for...at", "for....at", "for…at", "a...B", "...at", "for...", "a…", "…b", "a... b"]
    for text in TEXTS + extra + [" ".join(extra)]:
        reference = sorted(m.span() for p in J._CONTRACTION_GLUE for m in p.finditer(text))
        assert spans(J._contraction_matches(text)) == reference, text[:80]
        assert spans(J._ellipses(text)) == spans(J._literal_led(J._ELLIPSIS, text)), text[:80]


def test_cached_results_are_copies():
    text = "The talks ended with guarantees.During a call, they spoke of thefollowed and thatThe."
    first = J.find_sentence_joins(text)
    first.clear()
    assert J.find_sentence_joins(text) != []
    assert J.find_joins(text) == sorted(
        J.find_sentence_joins(text) + J.find_glued_words(text) + J.find_case_joins(text), key=lambda j: j.pos
    )


def test_many_distinct_glued_tokens_take_one_pass_with_the_same_result(monkeypatch):
    # More than FIND_LIMIT distinct tokens to split: one pattern pass instead
    # of a str.find pass per token (which would be quadratic on hostile text).
    words = ["apple", "house", "water", "music", "money", "table", "night", "river", "paper", "story"]
    text = " ".join(f"{fw}{w}" for fw in ("the", "of", "and", "that", "with") for w in words) + " and the end."
    text = "We said that the talks went well. " * 3 + text
    find = J.find_glued_words.__wrapped__
    monkeypatch.setattr(J, "FIND_LIMIT", 10_000)
    by_find = find(text)
    monkeypatch.setattr(J, "FIND_LIMIT", 0)
    by_pass = find(text)
    assert len(by_find) >= 40
    assert by_pass == by_find


def reference_glued_in(text: str, model) -> list[str]:
    """The tokens J002 tried in another language when it took a set difference with the language's plain words."""
    lower = {w for w in J._frequencies_in(model.lang) if w.isalpha() and w.islower()}
    plain = lower | {w.capitalize() for w in lower}
    rest = set(text.split()).difference(plain)
    found = set(J._LETTER_RUN.findall(" ".join(rest))).difference(plain)
    return [
        t for t in sorted(found)
        if 4 <= len(t) <= J.MAX_TOKEN and t[1:].islower() and J.zipf(t) == 0.0 and model.zipf(t) == 0.0
    ]


@pytest.mark.parametrize("lang", ["pt", "it"])
def test_glued_candidates_in_other_languages_equal_the_set_difference(lang):
    model = J.word_model(lang)
    texts = [t for t in TEXTS if J.document_language(t) == lang] + [
        "aclassificação da equipe, Aclassificação. ACLASSIFICAÇÃO casa, Casa CASA cASA essereper l’essereper",
        "x " * 3 + "São Paulo—Brasil ÉtéÀ deconfliction Zelenskiy éumaproposta 123abc ab_cd",
    ]
    assert len(texts) >= 2
    for text in texts:
        assert J._glued_candidates_in(text, model) == reference_glued_in(text, model), text[:80]


@pytest.mark.parametrize("lang", sorted(J.WORD_RULE_LANGUAGES))
def test_word_lists_answer_as_the_dictionary_does(lang, path):
    """The lists, then the dictionary (no kernel), or the language's hash table (kernel), give wordfreq's frequencies."""
    words = J._WordList(lang)
    frequencies = __import__("wordfreq").get_frequency_dict(lang, wordlist="best")
    assert all(w == sorted(w) for _, w in words.lists)  # the binary search needs sorted lists
    sample = list(frequencies)[:: max(1, len(frequencies) // 150)]
    asked = sample + [w + "q" for w in sample[:50]] + ["", "zzzzqx", "грибыдо", "éumaproposta"]
    assert len(asked) < J.DICTIONARY_AFTER
    assert [words.frequency(w) for w in asked] == [frequencies.get(w, 0.0) for w in asked]
    assert words.frequencies is None  # no dictionary built yet
    assert [words.frequency(w) for w in asked * 2] == [frequencies.get(w, 0.0) for w in asked * 2]
    if path == "kernel":  # the table answers every question: no dictionary is ever built
        assert J._language_table(lang) is not None and words.frequencies is None
        assert words.dictionary() == frequencies
    assert words.frequencies == frequencies and list(words.frequencies) == list(frequencies)
    assert [type(f) for f in words.frequencies.values()] == [float] * len(frequencies)


@pytest.mark.parametrize("lang", ["en", "pt", "de"])
def test_a_language_table_holds_every_word_with_its_last_lists_frequency(lang, path):
    """Every word of the lists is in the table, with the frequency the dictionary gives it (a word in two
    lists: the last one's), and a word not in them is not."""
    if path != "kernel":
        pytest.skip("the table is the kernel's")
    frequencies = __import__("wordfreq").get_frequency_dict(lang, wordlist="best")
    table = J._language_table(lang)
    words = list(frequencies)
    chars = J._code_points("\n".join(words) + "\n")
    found = J._kernel_state["module"].table_values(chars, *table)
    assert [J._cB_to_freq(-int(i)) for i in found] == list(frequencies.values())
    absent = [w + "qzx" for w in words[:2000]] + ["", "Ünknown"]
    assert J._known_words(table, absent) == [w.lower() in frequencies for w in absent]
    # _known_words lower-cases the words together: the same answers as one at a time
    mixed = [w.upper() for w in words[:500]] + [w.capitalize() for w in words[500:1000]] + ["ΟΔΟΣ", "İstanbul"]
    assert J._known_words(table, mixed) == [w.lower() in frequencies for w in mixed]
    # one word at a time (zipf, WordModel.zipf): the same frequencies
    assert [J._table_frequency(lang, w) for w in words[::997] + absent[:20]] == \
        [frequencies.get(w, 0.0) for w in words[::997] + absent[:20]]
    assert J._table_frequency(lang, words[0] + "\n" + words[1]) == 0.0  # (a line feed ends a word in the table)


def test_english_zipf_from_the_table_is_the_dictionarys(path, monkeypatch):
    """With the kernel, :func:`zipf` asks the English table, not the dictionary: the same values."""
    if path == "kernel":  # (another test may have built the dictionary: zipf asks it once it is there)
        monkeypatch.setattr(J._word_list("en"), "frequencies", None)
        monkeypatch.setattr(J, "_frequencies", lambda: pytest.fail("the dictionary was asked"))
    frequencies = __import__("wordfreq").get_frequency_dict("en", wordlist="best")
    words = list(frequencies)[::499] + ["Ukraine", "exchangea", "thatThe", "", "Zelenskiy"]
    expected = [__import__("wordfreq").zipf_frequency(w, "en", wordlist="best", minimum=0.0) for w in words]
    J.zipf.cache_clear()
    try:
        got = [J.zipf(w) for w in words]
    finally:
        J.zipf.cache_clear()
    assert [round(g, 2) for g in got] == [round(e, 2) for e in expected]


def test_proper_noun_patterns_equal_the_look_behind_patterns():
    proper = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+\b")
    boundary = re.compile(r"(?<=[a-z])(?=[A-Z])")
    for text in TEXTS + ["said PutinRussia and, Kyiv", "a, B ab Cd, Ef aBC x Yz"]:
        split = boundary.sub(" ", text)
        assert J._CASE_BOUNDARY.sub(r" \g<0>", text) == split
        assert J._PROPER.findall(split) == proper.findall(split)
        assert J._proper_nouns(text) == __import__("collections").Counter(proper.findall(split))


class _SameHash(str):
    """A text whose hash is that of every other _SameHash (a hash collision, on purpose)."""

    def __hash__(self) -> int:
        return 42


def test_a_text_cache_never_serves_one_text_for_another_of_the_same_length_and_hash():
    cache = J.TextCache(4)
    first, second = _SameHash("said.of the"), _SameHash("said.in the")
    assert len(first) == len(second) and hash(first) == hash(second)
    assert cache.get(first, lambda t: f"result for {t}") == "result for said.of the"
    assert cache.get(second, lambda t: f"result for {t}") == "result for said.in the"
    assert cache.get(first, lambda t: "computed again") == "result for said.of the"  # a hit, the right one
    plain = "said.at the"
    cache.get(plain, lambda t: f"result for {t}")
    copy = "".join(["said.", "at the"])
    assert copy is not plain
    assert cache.get(copy, lambda t: "computed again") == "result for said.at the"  # an equal text is a hit


def _hashes(kernels, words: list[str], lower: bool = True):
    import numpy as np

    return np.array([kernels._hash(J._code_points(w), 0, len(w), lower) for w in words], dtype=np.uint64)


def test_plain_word_lookups_are_exact_in_crowded_tables(path):
    # Tables of 8 slots nearly full: most keys sit away from their home slot,
    # some runs of probes wrap around the end of the table.
    if path != "kernel":
        return
    kernels = J._kernels(0)
    hot_words = ["that", "with", "from", "have", "this"]
    full_words = ["exchange", "guarantees", "followed", "senior", "invaded", "during"]
    hot, _ = J._table(hot_words, None, 3, True)
    full, _ = J._table(full_words, None, 3, True)
    assert (hot != 0).sum() == len(hot_words) and (full != 0).sum() == len(full_words)
    asked = hot_words + full_words + ["exchangea", "thefollowed", "zzzz", "tha", "withh", "Senior", "DURING"] * 2
    plain = kernels._plain(_hashes(kernels, asked), len(asked), hot, full)
    expected = [w.lower() in hot_words or w.lower() in full_words for w in asked]
    assert plain.tolist() == [int(e) for e in expected]
    assert kernels._plain(_hashes(kernels, asked), 3, hot, full).tolist() == [1, 1, 1]  # only the first count
    assert len(kernels._plain(_hashes(kernels, []), 0, hot, full)) == 0


def test_plain_word_lookups_agree_with_the_word_set(path):
    if path != "kernel":
        return
    kernels = J._kernels(0)
    plain = J._plain_words()
    hot, full = J._plain_table()
    rnd = random.Random(3)
    known = rnd.sample(sorted(w for w in plain if 4 <= len(w) <= J.MAX_TOKEN), 3000)
    unknown = [w + "qx" for w in known[:1000]] + ["exchangea", "thefollowed", "ukrainethe", "saidthat"]
    asked = known + [w.capitalize() for w in known[:500]] + unknown
    got = kernels._plain(_hashes(kernels, asked), len(asked), hot, full).tolist()
    assert got == [int(w.lower() in plain) for w in asked]
    assert sum(got) >= 3500 and sum(got) < len(asked)


def _marker_counts(text: str, index: dict, groups, n_langs: int) -> tuple[list[int], int]:
    """The marker scores of *text* counted in Python: each white-space word, looked up as written."""
    scores = [0] * n_langs
    words = text.split()
    for w in words:
        g = index.get(w)
        if g is not None:
            for lang in groups[g]:
                scores[lang] += 1
    return scores, len(words)


def test_marker_tables_stay_at_most_three_quarters_full():
    for n in [0, 1, 2, 3, 11, 12, 100, 2952, 3071, 3072, 3073, 10_000]:
        slots = 2 ** J._marker_table_bits(n)
        assert n <= 0.75 * slots and slots >= 16, n
        if n >= 12:
            assert slots / 2 <= n * J.MARKER_TABLE_SPACE  # no more than twice the slots needed


def test_marker_scores_are_exact_in_the_compact_table(path):
    # Every marker word (as written and capitalised), words that differ from one only in case or
    # by a character, punctuation attached, other alphabets and a lone surrogate: the kernel's
    # scores and word count are the Python count over text.split().
    if path != "kernel":
        return
    kernels = J._kernels(0)
    langs, groups, index = J._language_markers()
    keys, vals, member = J._marker_table()
    assert (keys != 0).sum() == len(index) and len(index) <= 0.75 * len(keys)
    words = sorted(index)
    others = [w.upper() for w in words[:300]] + [w + "x" for w in words[:300]] + [w + "," for w in words[:100]]
    others += ["", "\ud800", "the\ud800", "ужина", "했다", "\u00a0", "zzzzqx", "é😀"]
    rnd = random.Random(5)
    pool = words * 2 + others
    texts = [" ".join(words), " ".join(others)] + [
        rnd.choice([" ", "\n", "\u2003", "\xa0 "]).join(rnd.choice(pool) for _ in range(rnd.randint(0, 400)))
        for _ in range(50)
    ]
    for text in texts:
        scores, n_words = kernels.marker_scores(J._code_points(text), len(text), keys, vals, member)
        assert (scores.tolist(), n_words) == _marker_counts(text, index, groups, len(langs)), text[:80]


def test_marker_scores_are_exact_in_a_crowded_table(path):
    # 11 words in 16 slots (the size _marker_table_bits gives them): most keys away from their home
    # slot, runs of probes that wrap around the end of the table.
    if path != "kernel":
        return
    import numpy as np

    kernels = J._kernels(0)
    words = ["the", "and", "que", "der", "und", "les", "di", "yang", "и", "não", "het"]
    bits = J._marker_table_bits(len(words))
    keys, vals = J._table(words, list(range(len(words))), bits, False)
    assert len(keys) == 16 and (keys != 0).sum() == len(words)
    member = np.zeros((len(words), 2), dtype=np.int64)
    member[np.arange(len(words)), np.arange(len(words)) % 2] = 1
    groups = [(g % 2,) for g in range(len(words))]
    index = {w: g for g, w in enumerate(words)}
    rnd = random.Random(9)
    pool = words + ["The", "AND", "thee", "an", "d", "yan", "и,", "x", "zz"]
    for _ in range(200):
        text = " ".join(rnd.choice(pool) for _ in range(rnd.randint(0, 60)))
        scores, n_words = kernels.marker_scores(J._code_points(text), len(text), keys, vals, member)
        assert (scores.tolist(), n_words) == _marker_counts(text, index, groups, 2), text


def test_a_long_text_gives_the_candidates_of_the_patterns(path):
    # Hundreds of thousands of characters in one scan: the kernel's output
    # arrays and the lookups made after the pass hold every run.
    text = "\n\n".join(TEXTS)
    assert len(text) > 300_000
    if path == "kernel":
        scan = J._scan(text)
        assert scan is not None
        assert scan.case_runs == list(J._case_runs(text))
        assert scan.case_any == [m.start() for m in J._CASE_HIT_ANY.finditer(text)]
        assert fast_glued_kernel(text) == reference_glued(text)
    assert spans(J._sentence_matches(text)) == spans(J._SENTENCE_JOIN.finditer(text))


@pytest.mark.parametrize("text", ["", "a", "\x00", "ab\x00\x00", "x\ud800y\udfff", "é😀\U0010ffff", "said.of the" * 500])
def test_code_points_are_those_of_the_text(text):
    points = J._code_points(text)
    assert points.dtype.name == "uint32" and points.ndim == 1 and points.flags.c_contiguous
    assert points.tolist() == [ord(c) for c in text]  # trailing NULs and lone surrogates kept


def test_loading_the_kernel_is_setup_and_compiles_every_kernel_at_once(tmp_path):
    """The document that first needs the kernel does not pay for it (its time limit), and nothing is left to compile."""
    import subprocess
    import sys

    code = (
        "import numba; from cleaner.rules import _joins as J; from cleaner.registry import setup_seconds\n"
        "assert setup_seconds() == 0\n"
        "k = J._kernels(10**6)\n"
        "assert k is not None and setup_seconds() > 0\n"
        "entry = ('build_table', 'candidates', 'marker_scores')\n"
        "print(sorted(name for name in entry if not getattr(k, name).signatures))\n"
    )
    env = {**os.environ, "CLEANER_JOINS_NUMBA": "1", "CLEANER_CACHE_DIR": str(tmp_path)}  # (empty: tables built)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_scan_answers_every_marker_sample_without_keeping_the_code_points(path):
    """The scan's second marker sample is counted from the text again, and gives what a count of the whole text does."""
    if path != "kernel":
        pytest.skip("the scan is the kernel's")
    kernels = J._kernel_state["module"]
    for text in TEXTS[:60] + TEXTS[-40:]:
        scan = J.Scan(text, kernels)
        assert not any(type(getattr(scan, name, None)).__module__ == "numpy" for name in J.Scan.__slots__)
        for size in J.LANGUAGE_SAMPLES:
            scores, n_words = kernels.marker_scores(J._code_points(text), size, *J._marker_table())
            assert scan.markers(size) == (scores.tolist(), n_words), text[:80]


def test_a_scan_of_a_long_text_keeps_only_its_start(path, monkeypatch):
    import sys

    if path != "kernel":
        pytest.skip("the scan is the kernel's")
    monkeypatch.setattr(J, "KEEP_TEXT_CHARS", 100)
    kernels = J._kernel_state["module"]
    # The first 1,000 characters decide nothing; the next 1,000 are English.
    text = "12345 67890 " * 90 + "the people of the town said that they were in the square and the" * 40
    before = sys.getrefcount(text)
    scan = J.Scan(text, kernels)
    assert sys.getrefcount(text) == before and len(scan.head) == J.LANGUAGE_SAMPLES[-1]
    expected = kernels.marker_scores(J._code_points(text), J.LANGUAGE_SAMPLES[-1], *J._marker_table())
    assert scan.markers(J.LANGUAGE_SAMPLES[-1]) == (expected[0].tolist(), expected[1])
    assert J._decide(*scan.markers(J.LANGUAGE_SAMPLES[0])) is None
    assert J._decide(*scan.markers(J.LANGUAGE_SAMPLES[-1])) == "en"
    with pytest.raises(ValueError):
        scan.markers(J.LANGUAGE_SAMPLES[-1] + 1)


def test_a_text_scanned_again_in_a_batch_is_not_given_to_the_kernel_again(path, monkeypatch):
    """A second pass asks about texts the first scanned: the kernel's answers are held for the batch."""
    from cleaner.textcache import holding

    if path != "kernel":
        pytest.skip("the scan is the kernel's")
    kernels = J._kernel_state["module"]
    texts = [t for t in TEXTS[:40] if t]
    fresh = [J.Scan(t, kernels) for t in texts]
    calls = []
    real = J._candidates
    monkeypatch.setattr(J, "_candidates", lambda text, k=None: calls.append(text) or real(text, k))
    with holding(len(texts)):
        for _ in range(2):  # (the scan cache keeps the last text only: each text is scanned again)
            for text, scan in zip(texts, fresh):
                again = J._scan(text)
                assert all(getattr(again, name) == getattr(scan, name) for name in J.Scan.__slots__
                           if name not in ("head", "kernels", "_markers")), text[:80]
                for size in J.LANGUAGE_SAMPLES:
                    assert again.markers(size) == scan.markers(size)
    assert sorted(calls) == sorted(set(texts))  # once per text
    assert len(J._FOUND.items) <= 1  # the batch let go


def test_the_scan_cache_keeps_the_last_text_and_hits_it(path):
    if path != "kernel":
        pytest.skip("the scan is the kernel's")
    first, second = "guarantees.During the call", "said thatThe United States"
    scan = J._scan(first)
    assert J._scan(first) is scan
    other = J._scan(second)
    assert other is not scan and J._scan(second) is other
    assert list(J._SCANS.items) == [second]  # the scan of the first text is freed at once
    assert J._scan("".join(["said that", "The United States"])) is other  # an equal text hits
