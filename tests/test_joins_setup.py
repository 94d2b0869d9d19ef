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
    for cache in (J._SCANS, J._LANGUAGE, J._GLUED_CANDIDATES, J._JOINS):
        cache.clear()
    yield
    for cache in (J._SCANS, J._LANGUAGE, J._GLUED_CANDIDATES, J._JOINS):
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
