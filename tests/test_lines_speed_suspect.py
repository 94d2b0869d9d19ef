"""U001 finds the lines worth testing from the text without its ASCII characters, as a search of the whole text does.

``unicode._suspect_spans`` (encode, drop ASCII bytes, decode, ``str.find``)
must give exactly the spans of ``unicode._suspect_lines`` (the suspect
pattern searched over the text), and the rule must give the same edits
either way, on real articles, their mojibake, random soup of the characters
the suspect pattern is about (with ASCII, controls, surrogates and every
kind of line break between them) and generated text.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.registry import RuleContext
from cleaner.rules import unicode

from test_lines_speed import _damaged_lines
from test_rules_speedpaths import ARTICLES, _out, _variants

# Characters on both sides of every test of the suspect pattern: its single
# characters, both halves of its pairs, typographic marks that are not
# suspect, ASCII (dropped or kept: the controls), surrogates, astral.
_ALPHABET = list(
    "aeéüäâêàá ÃÂâ€™œ”“‘’–—…ƒ†¦¤½²£§ÄÜÉŸВГРСЂЃЉЊЋџўΒΓΞΟ°µ«»®™•‹›ßñ"
    "\x85\x9d\ufffd\x00\x07\x0b\x0c\x1b\x7f\t \u00a0\udc80\ud800\U0001f600\uf8ff"
) + ["\n", "\r", "\r\n", "\n\n", ".", "x", "Putinâ€™s", "Ã©", "é”", "”é", "В«", "Гў"]


def _spans(text: str) -> list[tuple[int, int]]:
    return list(unicode._suspect_spans(text, unicode._ftfy_prefilter()[2]))


def _reference(text: str) -> list[tuple[int, int]]:
    return list(unicode._suspect_lines(text, unicode._ftfy_prefilter()[2]))


def _texts(seed: int, n: int) -> list[str]:
    rnd = random.Random(seed)
    damaged = _damaged_lines(seed, 200)
    out = _variants(ARTICLES)
    for _ in range(n):
        k = rnd.randrange(1, 30)
        out.append("".join(rnd.choice(_ALPHABET) for _ in range(k)))
        out.append("\n".join(rnd.sample(damaged, min(len(damaged), rnd.randrange(1, 8)))))
    # Real articles with a little damage here and there (the pipeline's usual input).
    for t in ARTICLES:
        for _ in range(3):
            chars = list(t)
            for _ in range(rnd.randrange(1, 4)):
                chars.insert(rnd.randrange(len(chars) + 1), rnd.choice(_ALPHABET))
            out.append("".join(chars))
    return out


def test_suspect_spans_are_those_of_a_search_of_the_whole_text():
    found = none = 0
    for text in _texts(21, 3000):
        got = _spans(text)
        assert got == _reference(text), repr(text[:120])
        found += bool(got)
        none += not got and not text.isascii()
    assert found > 1000 and none > 50  # both answers occur


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=40))
def test_suspect_spans_on_generated_text(pieces):
    text = "".join(pieces)
    assert _spans(text) == _reference(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_suspect_spans_on_any_text(text):
    assert _spans(text) == _reference(text)


def test_dropped_ascii_is_in_no_match():
    """No match of the suspect pattern holds a dropped character, next to any character the pattern knows."""
    suspect = unicode._ftfy_prefilter()[2]
    drop = unicode._ascii_to_drop()
    assert drop is not None and b"a" in drop and b" " in drop and b"\n" in drop
    assert b"\x00" not in drop and b"\x7f" not in drop  # controls are suspect on their own: kept
    known = [chr(c) for c in range(0x80, 0x3000) if suspect.match(chr(c) + "»") or suspect.match(chr(c) + "é")]
    known += [chr(c) for c in range(0x80, 0x3000) if suspect.match(chr(c))]
    assert len(known) > 300
    for a in map(chr, drop):
        assert suspect.search(a) is None
        for x in known:
            for pair in (x + a, a + x):
                for m in suspect.finditer(pair):
                    assert a not in m.group(), (pair, m.group())


def test_rule_gives_the_same_edits_as_with_a_search_of_the_whole_text(monkeypatch):
    rule_ctx = RuleContext()
    texts = _texts(22, 600) + ["\n".join(_damaged_lines(23, 300))]
    got = [_out(unicode.mojibake(t, rule_ctx)) for t in texts]
    monkeypatch.setattr(unicode, "_suspect_spans", unicode._suspect_lines)
    unicode._repair_remembered.cache_clear()
    want = [_out(unicode.mojibake(t, rule_ctx)) for t in texts]
    assert got == want
    assert sum(bool(w) for w in want) > 200  # repairs happen


def test_lines_holding_finds_each_line_once_in_order():
    text = "a€b€\r\nxx\n€\rzz½\r½\n"
    assert unicode._lines_holding(text, {"€", "½"}) == _reference(text) == [(0, 4), (9, 10), (11, 14), (15, 16)]
    assert unicode._lines_holding("no line break é”", {"é”"}) == [(0, 16)]


def test_surrogates_come_back_one_by_one():
    """A lone surrogate is suspect; two that would form a pair in UTF-16 stay two characters through UTF-8."""
    for text in ["a\ud800\udc80b", "x\ud83d\ude00\n\udc80", "é\ud800\n\udfff”"]:
        assert _spans(text) == _reference(text) != []


def test_config_is_ftfys_for_the_options():
    import ftfy

    for options in [dict(unicode._DEFAULTS), {**unicode._DEFAULTS, "uncurl_quotes": True, "normalization": "NFC"}]:
        key = tuple(options[k] for k in unicode._DEFAULTS)
        assert unicode._config(key) == ftfy.TextFixerConfig(
            unescape_html=False, fix_line_breaks=False, remove_terminal_escapes=True, explain=True,
            max_decode_length=10**6, **options)


def test_an_option_value_that_is_not_hashable_acts_as_without_the_cache(monkeypatch):
    ctx = RuleContext(options={**unicode._DEFAULTS, "normalization": ["NFC"]})

    def run():
        try:
            return _out(unicode.mojibake("Putinâ€™s and ½", ctx))
        except Exception as exc:  # whatever ftfy or the rule says about such a value
            return type(exc), str(exc)

    got = run()
    monkeypatch.setattr(unicode, "_config", unicode._config.__wrapped__)
    assert got == run()


def test_many_pairs_of_suspect_neighbours_are_searched_in_the_text(monkeypatch):
    """Past ``_MAX_PAIRS`` pairs left without the ASCII characters, the text itself is searched: same spans."""
    rnd = random.Random(24)
    calls = []
    original = unicode._suspect_lines
    monkeypatch.setattr(unicode, "_suspect_lines", lambda text, suspect: calls.append(1) or original(text, suspect))
    pieces = ["é", "”", " x ", "é”", "В", "«", "\n", "ў", "Г", "°", "ok. "]
    texts = ["é x ” " * 100, "В «и» Г ў\n" * 50, "é”\n" + "é x ” " * 80]
    texts += ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(100, 400))) for _ in range(200)]
    for text in texts:
        assert _spans(text) == list(original(text, unicode._ftfy_prefilter()[2])), repr(text[:80])
    assert 50 < len(calls) < len(texts)  # the fallback is taken, and not always


def test_what_is_left_is_remembered_but_the_pairs_are_checked_in_each_text():
    """Two texts can leave the same characters (``é x ”`` and ``é”``): the remembered answer says which
    pairs to look for, and each text is still searched for them."""
    unicode._rest_kinds.cache_clear()
    for texts in (["é x ”\nok", "é”\nok", "é x ”\nok"], ["é”\nok", "é x ”\nok", "é”\nok"]):
        for text in texts:
            assert _spans(text) == _reference(text)
    assert _reference("é”\nok") == [(0, 2)] and _reference("é x ”\nok") == []
    assert unicode._rest_kinds.cache_info().hits >= 4


def test_a_long_remainder_is_not_remembered():
    unicode._rest_kinds.cache_clear()
    text = "€ é ”" * (unicode._REMEMBERED_REST // 4) + "\né”"
    assert _spans(text) == _reference(text)
    assert unicode._rest_kinds.cache_info().currsize == 0
