"""The shortcuts of the line rules (U, B, H, M, W) answer exactly as the plain code does.

Each test drives a fast path and its plain counterpart with the same
inputs -- real article lines, damaged copies of them and random strings
drawn from the characters the shortcut is about -- and compares the
answers, including the order in which a per-line cache is filled and
asked, so that a cache can never give an answer that belongs to other
input.
"""

from __future__ import annotations

import random

import pytest

from cleaner.rules import unicode

from test_rules_speedpaths import ARTICLES

# ----------------------------------------------------------------- U001


def _ftfy_config():
    import ftfy

    return ftfy.TextFixerConfig(unescape_html=False, fix_line_breaks=False, remove_terminal_escapes=True,
                                explain=True, max_decode_length=10**6, **unicode._DEFAULTS)


def _damaged_lines(seed: int, n: int = 400) -> list[str]:
    """Article lines, their mojibake (one and two layers, Latin-1 and cp1252) and random soup of suspect characters."""
    rnd = random.Random(seed)
    lines = [ln for t in ARTICLES for ln in t.splitlines() if ln.strip()]
    out = []
    for ln in rnd.sample(lines, min(n // 4, len(lines))):
        once = ln.encode("utf-8").decode("cp1252", errors="replace")
        out += [ln, once, once.encode("utf-8").decode("cp1252", errors="replace"),
                ln.encode("utf-8").decode("latin-1")]
    # Characters around ftfy's detector: its categories, typographic marks, Cyrillic and Greek capitals.
    alphabet = ("aeéü ÃÂâ€™œ”“‘’–—…ƒ†¦¤½²ВГРСЂЃЉЊЋџΒΓΞΟ°µ\x85\x9d\ufffd" + "".join(map(chr, range(0xC0, 0x100))))
    for _ in range(n):
        out.append("".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 40))))
    return out


def test_windowed_detector_is_ftfys_is_bad():
    from ftfy.badness import is_bad

    suspect = unicode._ftfy_prefilter()[2]
    lines = _damaged_lines(1)
    bad = 0
    for line in lines:
        assert unicode._is_bad(line, suspect) == is_bad(line), line
        bad += is_bad(line)
    assert 100 < bad < len(lines)  # both answers occur


def test_encoding_step_is_ftfys_step():
    """ftfy's one step of encoding repair with the windowed detector gives ftfy's text and plan."""
    import ftfy

    fast = unicode._encoding_step()
    assert fast is not None and fast is not ftfy._fix_encoding_one_step_and_explain
    config = _ftfy_config()
    changed = 0
    for line in _damaged_lines(2) + ["", "plain ascii", "Putinâ€™s"]:
        got = fast(line, config)
        assert tuple(got) == tuple(ftfy._fix_encoding_one_step_and_explain(line, config)), line
        changed += got[0] != line
    assert changed > 100
    assert ftfy._fix_encoding_one_step_and_explain.__globals__["is_bad"] is ftfy.badness.is_bad  # ftfy left alone


def test_repair_is_ftfys_on_damaged_and_random_lines():
    import ftfy

    config = _ftfy_config()
    _, touchable, suspect = unicode._ftfy_prefilter()
    for line in _damaged_lines(3):
        if touchable.search(line) or unicode._is_bad(line, suspect):
            assert tuple(unicode._fix_and_explain(line, config, touchable, suspect)) == \
                tuple(ftfy.fix_and_explain(line, config=config)), line


@pytest.mark.parametrize("kind", ["not a function", "detector elsewhere"])
def test_another_ftfy_step_is_used_as_it_is(monkeypatch, kind):
    """A step that is not a plain function, or finds its detector elsewhere, is not rebuilt."""
    import functools

    import ftfy

    original = ftfy._fix_encoding_one_step_and_explain
    if kind == "not a function":
        other = functools.partial(original)
    else:
        def other(text, config):  # this module's namespace has no ``is_bad``
            return original(text, config)
    config = _ftfy_config()
    _, touchable, suspect = unicode._ftfy_prefilter()
    unicode._encoding_step.cache_clear()
    try:
        monkeypatch.setattr(ftfy, "_fix_encoding_one_step_and_explain", other)
        assert unicode._encoding_step() is (None if kind == "not a function" else other)
        for line in ["Putinâ€™s", "â€œquotedâ€\x9d", "Ã\x83Â©"]:
            assert tuple(unicode._fix_and_explain(line, config, touchable, suspect)) == \
                tuple(ftfy.fix_and_explain(line, config=config))
    finally:
        unicode._encoding_step.cache_clear()


def test_a_bad_line_the_step_leaves_alone_is_ftfys_answer():
    """A line ftfy's detector flags but its step neither changes nor explains comes back as ftfy gives it."""
    import ftfy

    config = _ftfy_config()
    _, touchable, suspect = unicode._ftfy_prefilter()
    step = unicode._encoding_step()
    cases = ["Am 75. September in KÃ¶ln â€\" und comwrap", "Тест Ð´Ð° â€\" ok", "½ Ã© ¦ mixed Ð¿Ñ€Ð¸"]
    cases += [ln for ln in _damaged_lines(4) if not touchable.search(ln)]
    stuck = 0
    for line in cases:
        if unicode._is_bad(line, suspect) and tuple(step(line, config)) == (line, []):
            stuck += 1
        if touchable.search(line) or unicode._is_bad(line, suspect):
            assert tuple(unicode._fix_and_explain(line, config, touchable, suspect)) == \
                tuple(ftfy.fix_and_explain(line, config=config)), line
    assert stuck >= 10  # the path is taken


def _narrow_reference(before: str, after: str) -> tuple[int, int, int]:
    n = min(len(before), len(after))
    p = 0
    while p < n and before[p] == after[p]:
        p += 1
    s = 0
    while s < n - p and before[-1 - s] == after[-1 - s]:
        s += 1
    return p, len(before) - s, len(after) - s


def test_narrow_matches_a_loop_per_character():
    rnd = random.Random(6)
    alphabet = ["a", "b", "é", "’", "\u20ac", "\U0001f600", "\udc80", "\x00", "\uffff"]
    cases = [("", ""), ("a", ""), ("", "a"), ("same", "same"), ("aXa", "aYa"), ("abc", "abcd"), ("xabc", "abc"),
             ("aa", "aaa"), ("\U0001f600", "\U0001f601"), ("ÿa", "Āa"), ("a\x00", "a\x01")]
    for _ in range(3000):
        base = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 12)))
        other = list(base)
        for _ in range(rnd.randrange(0, 3)):
            k = rnd.randrange(0, len(other) + 1)
            if rnd.random() < 0.5 and k < len(other):
                del other[k]
            else:
                other.insert(k, rnd.choice(alphabet))
        cases.append((base, "".join(other)))
    for line in _damaged_lines(5, 80):  # real repairs
        cases.append((line, _ftfy_fixed(line)))
    for before, after in cases:
        assert unicode._narrow(before, after) == _narrow_reference(before, after), (before, after)


def _ftfy_fixed(line: str) -> str:
    import ftfy

    return ftfy.fix_and_explain(line, config=_ftfy_config())[0]


# ----------------------------------------------------------------- H001


def _html_comment_reference(text: str) -> list[tuple]:
    """H001 with the lines of the whole text read first (before the lines were read only for whole-line comments)."""
    from bisect import bisect_right

    from test_rules_speedpaths import _out

    from cleaner.model import Edit, Finding
    from cleaner.rules import html
    from cleaner.rules._lines import line_spans, remove_lines

    if "<!" not in text:
        return []
    spans, unclosed = html._comment_spans(text)
    out: list = []
    if spans:
        lines = line_spans(text)
        starts = [ln.start for ln in lines]
        marked: dict[int, str] = {}
        for s, e in spans:
            first = bisect_right(starts, s) - 1
            last = bisect_right(starts, max(s, e - 1)) - 1
            if not text[lines[first].start : s].strip() and not text[e : lines[last].end].strip():
                for k in range(first, last + 1):
                    marked[k] = "HTML comment"
            else:
                out.append(Edit(s, e, "", "HTML comment inside a line"))
        out.extend(remove_lines(text, lines, marked))
    for s in unclosed:
        out.append(Finding(s, s + 4, "HTML comment opener without a closing '-->': not removed", severity="warning"))
    return _out(out)


def test_html_comments_match_the_reference():
    from test_rules_speedpaths import _out, _soup, _variants

    from cleaner.registry import RuleContext
    from cleaner.rules import html

    rnd = random.Random(12)
    pieces = ["<!-- ad slot -->", "<!– c –>", "<!— c —>", "<!-- a\nb -->", "<!-- a\r\nb -->", "<!--", "-->", "text",
              " ", "  ", "\t", "\n", "\r\n", "\r", "\n\n", "word.", "<!-- x -->\n", "\u00a0"]
    cases = _variants(ARTICLES[:10] + ["a <!-- c --> b\n<!-- whole -->\nnext\n", "<!-- only -->", "x\n  <!-- c -->  \n"])
    cases += [_soup(rnd, pieces, rnd.randrange(1, 25)) for _ in range(3000)]
    whole = inline = 0
    for text in cases:
        got = _out(html.html_comment(text, RuleContext()))
        assert got == _html_comment_reference(text), repr(text[:120])
        whole += any(g[4] == "HTML comment" for g in got)
        inline += any(g[4] == "HTML comment inside a line" for g in got)
    assert whole > 100 and inline > 100
