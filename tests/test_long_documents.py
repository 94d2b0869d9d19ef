"""Rules stay linear on one long document: the look-ups that read the whole text once per candidate.

J003 asks, for each pair of capitalised words glued together, how often the
pair occurs in the text; Q004 asks, for each quoted paragraph, whether its
word runs are in the body.  On a document of megabytes both were asked
hundreds of times, each time reading the whole text.  These tests check
that the faster forms give the same answers as the plain ones; the speed is
shown by ``bench/long_documents.py``.
"""

from __future__ import annotations

import random
import re

import pytest

from cleaner.config import Config
from cleaner.engine import clean_text
from cleaner.rules import _joins as J
from cleaner.rules import quotes

PIECES = ["Putin", "Russia", "PutinRussia", "Putin Russia", "Putin  Russia", " ", " ", "\n", ".", ",", "_", "x",
          "Russian", "9", "é", "Ä", "PutinPutin", "RussiaPutin", "said", "the", "\u00a0", "²", "٣"]


def _texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(PIECES) for _ in range(rnd.randrange(1, 60))) for _ in range(n)]


@pytest.mark.parametrize("left, right", [("Putin", "Russia"), ("Russia", "Putin"), ("Putin", "Putin"),
                                         ("Ab", "Ab")])
def test_pair_mentions_count_what_the_pattern_finds(left, right):
    pattern = re.compile(rf"\b{left} ?{right}\b")
    texts = _texts(3000, 1) + ["AbAbAb", "Ab AbAb", "AbAb_", "_AbAb", "AbAb²", "²AbAb", "Ab Ab Ab Ab"]
    for text in texts:
        assert J._pair_mentions(text, left, right) == len(pattern.findall(text)), repr(text)


def test_word_characters_are_the_patterns():
    for c in map(chr, range(0x3000)):
        assert J._is_word_char(c) == bool(re.match(r"\w", c)), repr(c)


def test_case_joins_weigh_each_glued_token_once(monkeypatch):
    # The same article many times over: every glued pair of names recurs, and is weighed once.
    article = ("PutinRussia met the press. Putin spoke, and Russia listened. Officials said TeslaMotors "
               "would not comment. BidenUkraine talks went on while Biden waited.\n\n")
    text = article * 40
    calls = []
    weigh = J._named_elsewhere
    monkeypatch.setattr(J, "_named_elsewhere", lambda *a: calls.append(a[1:3]) or weigh(*a))
    joins = J.find_case_joins.__wrapped__(text)
    assert sorted(calls) == [("Biden", "Ukraine"), ("Putin", "Russia")]  # (40 questions each, reading the whole text, before)
    # Each occurrence gets its token's answer: Putin and Russia are mentioned elsewhere.
    assert [(j.left, j.right) for j in joins if j.left == "Putin"] == [("Putin", "Russia")] * 40


def test_long_bodies_are_read_in_pieces_with_the_same_answers(monkeypatch):
    rnd = random.Random(3)
    vocab = ["a", "b", "the", "said", "x1"]
    for _ in range(1500):
        body = [rnd.choice(vocab) for _ in range(rnd.randrange(40))]
        quotes_ = [quotes._shingles([rnd.choice(vocab) for _ in range(rnd.randrange(12))]) for _ in range(3)]
        quotes_ = [sh for sh in quotes_ if sh]
        words = " " + " ".join(body) + " "
        monkeypatch.setattr(quotes, "LONG_BODY_CHARS", 10**9)
        as_text = quotes._body_lookup(words, quotes_)
        size = rnd.choice([0, 1, 3, 7, 20])  # (pieces of a few words)
        monkeypatch.setattr(quotes, "LONG_BODY_CHARS", size)
        as_set = quotes._body_lookup(words, quotes_)
        assert as_text == words
        if len(words) <= size:
            assert as_set == words  # a short body is searched
            continue
        assert as_set == {w for sh in quotes_ for w in sh} & quotes._shingles(body)
        for sh in quotes_:
            assert quotes._mostly_in(sh, as_text) == quotes._mostly_in(sh, as_set)


def test_a_long_document_gets_the_edits_and_findings_of_the_plain_lookups(monkeypatch, seeds_dir):
    """The whole engine on a document of all the seeds many times over, with both forms of the look-ups."""
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))) * 6
    config = Config()
    fast = clean_text(text, config)

    def plain_pair(text, left, right):
        return len(re.findall(rf"\b{left} ?{right}\b", text))

    monkeypatch.setattr(J, "_pair_mentions", plain_pair)
    monkeypatch.setattr(quotes, "LONG_BODY_CHARS", 10**12)
    for cache in (J._SCANS, J._FOUND, J._LANGUAGE, quotes._ANALYSES, quotes._CUTS):
        cache.clear()
    plain = clean_text(text + "", config)
    assert fast.cleaned == plain.cleaned
    assert [(e.start, e.end, e.after, e.code, e.reason) for e in fast.edits] == \
        [(e.start, e.end, e.after, e.code, e.reason) for e in plain.edits]
    assert [(f.start, f.end, f.code, f.message) for f in fast.findings] == \
        [(f.start, f.end, f.code, f.message) for f in plain.findings]
    assert any(f.code == "Q004" for f in fast.findings)


def test_a_long_text_is_scanned_in_pieces_with_the_same_candidates(monkeypatch):
    """The joins kernel's lists for a text scanned in pieces (each ending after a line break) are the whole text's."""
    np = pytest.importorskip("numpy")
    if J._kernels(0) is None:
        monkeypatch.setitem(J._kernel_state, "seen", J.KERNEL_AFTER)
        if J._kernels(0) is None:
            pytest.skip("numba kernel not available")
    rnd = random.Random(5)
    tricky = PIECES + ["said. of", "Russia.\"Biden", "was...to", "they’refor", "CONCEPTVolkswagen", "AB" * 3,
                       "thatThe", "4) x", "(7%).The", "ужина.А", "\n\n", "\n", "’’", "\"", "…", "1 tsp.Meal"]
    for _ in range(40):
        text = "".join(rnd.choice(tricky) for _ in range(rnd.randrange(200, 3000)))
        monkeypatch.setattr(J, "SCAN_PIECE_CHARS", 10**9)
        whole = J._candidates(text)
        for size in (1, 37, 500, 2500):
            monkeypatch.setattr(J, "SCAN_PIECE_CHARS", size)
            assert np.array_equal(J._candidates(text), whole), (size, text[:80])
