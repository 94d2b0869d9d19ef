"""The J scans' set-up: what a run builds before the kernel is in use, and what the kernel's calls cost.

The answers are those of the reference paths (``tests/test_joins_fast.py``
compares the kernel with the regular expressions); these tests check that
the cheaper ways of asking give the same answers, and that the expensive
set-up they avoid is really avoided.
"""

from __future__ import annotations

import pytest

from cleaner.rules import _joins as J

WORDS = [
    "the", "The", "ofthe", "inthe", "tothe", "exchange", "exchangea", "Paris", "paris", "élan", "Élan", "don't",
    "abc1", "zzzzqq", "", "a", "I", "youtube", "YouTube", "naïve", "straße", "ab" * 30, "thefollowed", "of",
]


def test_plain_words_among_others_are_those_of_the_plain_word_set():
    plain = J._plain_words()
    assert list(J._plain_among(WORDS)) == [w for w in WORDS if w in plain]
    assert [J._is_plain(w) for w in WORDS] == [w in plain for w in WORDS]
    # the rare function-word pairs are the words wordfreq knows that the set leaves out
    rare = J._rare_function_word_pairs()
    assert rare and all(w in J._frequencies() and w not in plain for w in rare)


@pytest.fixture
def without_kernel(monkeypatch):
    monkeypatch.setitem(J._kernel_state, "module", None)
    monkeypatch.setitem(J._kernel_state, "enabled", False)
    for cache in (J._SCANS, J._FOUND, J._LANGUAGE, J._GLUED_CANDIDATES, J._JOINS):
        cache.clear()
    yield
    for cache in (J._SCANS, J._FOUND, J._LANGUAGE, J._GLUED_CANDIDATES, J._JOINS):
        cache.clear()


TEXT = ("The minister said the talks broke down over the exchangea senior official described "
        "as tense. He said thatThe United States would respond, and the Kremlin said.of the call "
        "that PutinRussia invaded. " * 3 + "Critics say the plan is flawed and the government knows it. " * 20)


def test_the_scans_without_the_kernel_do_not_build_the_plain_word_set(without_kernel, monkeypatch):
    def built():
        raise AssertionError("the plain word set was built")

    expected_glued = [(j.pos, j.left, j.right) for j in J.find_glued_words.__wrapped__(TEXT)]
    expected_case = [(j.pos, j.left, j.right) for j in J.find_case_joins.__wrapped__(TEXT)]
    assert ("exchange", "a") in [(l, r) for _, l, r in expected_glued]
    assert ("that", "The") in [(l, r) for _, l, r in expected_case]
    J._GLUED_CANDIDATES.clear()
    monkeypatch.setattr(J, "_plain_words", built)
    assert [(j.pos, j.left, j.right) for j in J.find_glued_words.__wrapped__(TEXT)] == expected_glued
    assert [(j.pos, j.left, j.right) for j in J.find_case_joins.__wrapped__(TEXT)] == expected_case


@pytest.mark.parametrize("lang", sorted(lang for lang, glued in J.WORD_RULE_LANGUAGES.items() if not glued))
def test_a_few_words_of_a_language_without_splits_are_found_without_its_lists(lang, tmp_path, monkeypatch,
                                                                               without_kernel):
    """German, Russian, before the kernel is in use: the sorted words (from the disk cache) answer as the
    dictionary does, the lists unread.  (With the kernel, the language's hash table answers: test_joins_fast.py.)"""
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path))
    frequencies = J._WordList(lang).dictionary()  # the reference
    sample = list(frequencies)[:: max(1, len(frequencies) // 120)]
    asked = sample + [w + "q" for w in sample[:40]] + [w.upper() for w in sample[:10]] + ["", "zzzzqx", "\ud800", "a\u00e9"]
    assert len(asked) < J.DICTIONARY_AFTER
    for attempt in ("made and stored", "read from the disk cache"):
        words = J._WordList(lang)
        assert words.lazy
        answers = [words.frequency(w) for w in asked]
        assert answers == [frequencies.get(w, 0.0) for w in asked], attempt
        if attempt == "read from the disk cache":
            assert words._lists is None  # the lists were not read
    assert list(tmp_path.glob(f"wordfreq-sorted-{lang}-*.npz"))
    # past DICTIONARY_AFTER words, the dictionary (from the lists, read then) answers
    words = J._WordList(lang)
    for w in (sample * 3)[: J.DICTIONARY_AFTER + 5]:
        words.frequency(w)
    assert words.frequencies == frequencies and words.lists == []
