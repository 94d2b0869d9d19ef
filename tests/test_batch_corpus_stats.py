"""The B002 statistics (``CorpusStats``) count each short line once per document, by their definition, however they are fed."""

from __future__ import annotations

import json
import random

import pytest

from cleaner import batch
from cleaner.rules.boilerplate import CorpusStats, normalise_line

# Lines that sit on the edges of the definition's tests: the 80-character and 10-word limits (before and
# after stripping and folding), white space that is not a line break (\x1f, \xa0, \u3000), the rarer line
# breaks (\r, \x0b, \x0c, \x1c-\x1e, \x85, \u2028, \u2029), letters whose case folding is longer (ß, ﬁ, İ).
PIECES = [
    "", " ", "\t", "Subscribe now", "SUBSCRIBE  NOW", "subscribe\tnow", "Straße", "STRASSE", "ﬁle", "İstanbul",
    "one two three four five six seven eight nine ten", "one two three four five six seven eight nine ten eleven",
    "x" * 80, "x" * 81, " " * 30 + "y" * 80 + " " * 30, "a\x1fb", "\xa0Share\xa0", "\u3000Read more\u3000",
    "word " * 9 + "word", "ß" * 80, "Advertisement", "advertisement", "— Related —",
]
BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\n\n"]


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randrange(0, 12)):
            parts += [rng.choice(PIECES), rng.choice(BREAKS)]
        out.append("".join(parts))
    return out


def _expected(texts: list[str]) -> CorpusStats:
    """The statistics by their definition, one line at a time: a stripped line of at most MAX_CHARS
    characters whose normalised form (words joined by one space, case-folded) has at most MAX_WORDS words."""
    cs = CorpusStats()
    for text in texts:
        cs.documents += 1
        seen = set()
        for raw in text.splitlines():
            s = raw.strip()
            if s and len(s) <= CorpusStats.MAX_CHARS:
                key = normalise_line(s)
                if len(key.split()) <= CorpusStats.MAX_WORDS:
                    seen.add(key)
        cs.line_docs.update(seen)
    return cs


@pytest.mark.parametrize("seed", range(3))
def test_add_and_add_all_count_by_the_definition(seed):
    texts = _texts(100 + seed, 80)
    want = _expected(texts)
    one = CorpusStats()
    for t in texts:
        one.add(t)
    together = CorpusStats.from_texts(iter(texts))
    assert (one.documents, one.line_docs) == (together.documents, together.line_docs) \
        == (want.documents, want.line_docs)


@pytest.mark.parametrize("seed", range(6))
def test_corpus_stats_of_lines_columns_and_files_is_corpus_stats_add(seed, monkeypatch):
    monkeypatch.setitem(batch._STATE, "text_field", "body")
    texts = _texts(seed, 60)
    want = _expected(texts)
    lines = [json.dumps({"id": k, "body": t}).encode("utf-8") for k, t in enumerate(texts)]
    # lines that count for nothing: not JSON, not an object, no text field, a text that is not a string
    junk = [b"{not json", b"[1, 2]", b'{"id": 3}', b'{"body": 5}', b""]
    units = lines[:30] + junk + lines[30:]
    got = batch._corpus_stats([("lines", "jsonl", "a.jsonl", "a.jsonl", 0, units[:20]),
                               ("lines", "jsonl", "a.jsonl", "a.jsonl", 20, units[20:])])
    assert (got.documents, got.line_docs) == (want.documents, want.line_docs)
    assert want.documents == len(texts) and want.line_docs  # (the texts do have short lines)
    got = batch._corpus_stats([("columns", "parquet", "b.parquet", "b.parquet", 0,
                                {"texts": texts[:10] + [None, 7] + texts[10:], "ids": None})])
    assert (got.documents, got.line_docs) == (want.documents, want.line_docs)
    one = _expected(texts[:1])
    got = batch._corpus_stats([("file", "txt", "c.txt", "c.txt", 0, [texts[0].encode("utf-8")])])
    assert (got.documents, got.line_docs) == (one.documents, one.line_docs)


def test_corpus_stats_reads_the_lines_json_loads_reads(monkeypatch):
    """Lines orjson refuses (NaN, a lone surrogate escape) or reads otherwise (a large integer) still count."""
    monkeypatch.setitem(batch._STATE, "text_field", "text")
    units = [b'{"text": "Share this\\nBody text", "score": NaN}',
             b'{"text": "Share this\\n\\ud800 x", "n": 1}',
             b'{"text": "Share this", "n": 123456789012345678901234567890}']
    want = _expected([json.loads(u)["text"] for u in units])
    got = batch._corpus_stats([("lines", "jsonl", "a.jsonl", "a.jsonl", 0, units)])
    assert (got.documents, got.line_docs) == (want.documents, want.line_docs) == (3, want.line_docs)
    assert got.line_docs["share this"] == 3


def test_no_character_folds_to_white_space_or_to_nothing():
    """What CorpusStats.add_all relies on to count a line's words before folding them."""
    import sys

    for c in map(chr, range(sys.maxunicode + 1)):
        if not c.isspace():
            folded = c.casefold()
            assert folded and not any(x.isspace() for x in folded), hex(ord(c))
