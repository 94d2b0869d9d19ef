"""The fast paths of the rules give exactly what the straightforward code gives.

Each rule starts with a cheap test that rejects documents (or lines,
paragraphs) with nothing to do, and then works only where something can be.
A gate that is too strict loses edits silently, so every gate is checked
here against a reference: the straightforward implementation the rule had
before its gate (kept below, small), or the rule itself with its gate
turned off; on real article text, on generated text aimed at the gates'
boundaries (the last line without a line break, CRLF and CR line ends, runs
longer than a search window) and, where the gate is derived from another
pattern (ftfy's mojibake detector, the boilerplate catalogue), against that
pattern's structure.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from cleaner.registry import RuleContext
from cleaner.rules import boilerplate, metadata, quotes, unicode, whitespace
from cleaner.rules._lines import line_spans, remove_lines

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "bench-data" / "article-extraction-benchmark" / "ground-truth.json"


def _articles(limit: int = 60) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    if BENCH.exists():
        gt = json.loads(BENCH.read_text(encoding="utf-8"))
        texts += [v["articleBody"] for _, v in sorted(gt.items())][:limit]
    return texts


ARTICLES = _articles()


def _variants(texts: list[str]) -> list[str]:
    """The texts, with CRLF and CR line ends, and without their final line break."""
    out = []
    for t in texts:
        out += [t, t.replace("\n", "\r\n"), t.replace("\n", "\r"), t.rstrip("\n")]
    return out


def _out(items) -> list[tuple]:
    res = []
    for o in items or ():
        if hasattr(o, "after"):
            res.append(("edit", o.start, o.end, o.after, o.reason, o.metadata))
        else:
            res.append(("finding", o.start, o.end, o.message, o.data))
    return res


def _soup(rnd: random.Random, pieces: list[str], n: int) -> str:
    return "".join(rnd.choice(pieces) for _ in range(n))


# ----------------------------------------------------------------- U001


def _mojibake_reference(text: str, options: dict | None = None) -> list[tuple]:
    """U001 before its gate: every line with a non-ASCII character is tested."""
    import ftfy

    opts = {**unicode._DEFAULTS, **(options or {})}
    style = any(opts[k] for k in ("uncurl_quotes", "fix_latin_ligatures", "fix_character_width", "normalization"))
    config = ftfy.TextFixerConfig(unescape_html=False, fix_line_breaks=False, remove_terminal_escapes=True,
                                  explain=True, max_decode_length=10**6, **opts)
    is_bad, touchable, _ = unicode._ftfy_prefilter()
    out = []
    for m in re.finditer(r"[^\r\n]+", text):
        line = m.group()
        if line.isascii() or (not style and not touchable.search(line) and not is_bad(line)):
            continue
        fixed, explanation = ftfy.fix_and_explain(line, config=config)
        if fixed == line:
            continue
        steps = ", ".join(step for step, _ in (explanation or [])) or "ftfy"
        a, b, c = unicode._narrow(line, fixed)
        out.append(("edit", m.start() + a, m.start() + b, fixed[a:c], f"encoding damage repaired ({steps})", None))
    return out


def _mojibake_cases() -> list[str]:
    rnd = random.Random(5)
    cases = []
    for t in ARTICLES[:30]:
        lines = t.split("\n")
        k = rnd.randrange(len(lines))
        damaged = lines[:k] + [lines[k].encode("utf-8").decode("cp1252", errors="replace")] + lines[k + 1:]
        cases += _variants(["\n".join(damaged)])
        cases.append(t + "\nPutinâ€™s last line")  # the only damage is on the last line, no final break
    cases += [
        "clean “quotes” — and dashes… café\nsecond line\n",
        "Ünïcödé line with £5 and ½ cup\n" * 3,
        "x" * 30 + "é”" + "y" * 30,  # a pair that needs both characters
        "”é" + "z" * 50,
        "½" * 40 + " Ã© at the end",  # more suspect characters than windows: searched whole
        "ВЂ Рџ Сѓ\r\nГўВЂВ™s\rβ€™\n",
        "ok\x1b[31m red\x1b[0m plain ascii with an escape\n",
        "accented ascii-free: naïve façade — “fine”\n",
        "\udc80 surrogate in a line\n",
    ]
    return cases


@pytest.mark.parametrize("options", [{}, {"uncurl_quotes": True}])
def test_mojibake_matches_the_line_by_line_reference(options):
    for text in _mojibake_cases() + ARTICLES[:40]:
        got = _out(unicode.mojibake(text, RuleContext(options=dict(unicode._DEFAULTS, **options))))
        assert got == _mojibake_reference(text, options), text[:80]


def test_documents_the_gate_rejects_have_nothing_for_ftfy():
    _, _, suspect = unicode._ftfy_prefilter()
    rejected = [t for t in _variants(ARTICLES) if not t.isascii() and suspect.search(t) is None]
    assert len(rejected) > 20  # the gate does reject real articles (in any script)
    for t in rejected:
        assert _mojibake_reference(t) == []


def test_every_mojibake_pattern_needs_a_suspect_character():
    """Each alternative of ftfy's detector holds a character or a pair the gate finds."""
    import ftfy.badness

    c = boilerplate._sre()
    suspect = unicode._ftfy_prefilter()[2]
    universe = "".join(chr(i) for i in range(0x10000) if not 0xD800 <= i < 0xE000)
    flagged = {m for m in suspect.findall(universe) if len(m) == 1}  # the characters suspect alone

    import re._compiler as compiler

    def accepted(item, state) -> set[str] | None:
        """The characters a mandatory one-character item accepts (None: optional, or not one character)."""
        if item[0] in boilerplate._REPEATS:
            if item[1][0] == 0 or len(item[1][2].data) != 1:
                return None
            item = item[1][2].data[0]
        if item[0] not in (c.LITERAL, c.IN, c.NOT_LITERAL, c.ANY):
            return None
        one = c.SubPattern(state, [item])
        return set(compiler.compile(one, ftfy.badness.BADNESS_RE.flags).findall(universe))

    parsed = c.parse(ftfy.badness.BADNESS_RE.pattern, ftfy.badness.BADNESS_RE.flags)
    (op, (_, branches)), = parsed.data
    assert op is c.BRANCH
    for branch in branches:
        sets = [accepted(item, branch.state) for item in branch.data]
        if any(s is not None and s and s <= flagged for s in sets):
            continue
        pairs = [(a, b) for a, b in zip(sets, sets[1:]) if a and b and len(a) * len(b) < 200_000]
        assert any(all(suspect.search(x + y) for x in a for y in b) for a, b in pairs), branch.data


def test_no_mojibake_match_is_wider_than_the_search_window():
    import ftfy.badness

    c = boilerplate._sre()
    width = c.parse(ftfy.badness.BADNESS_RE.pattern, ftfy.badness.BADNESS_RE.flags).getwidth()[1]
    assert width <= unicode._BADNESS_WIDTH


def test_fix_and_explain_is_ftfys_on_damaged_lines():
    """The encoding-only repair gives ftfy's text and explanation, also for several layers and leftovers."""
    import ftfy

    config = ftfy.TextFixerConfig(unescape_html=False, fix_line_breaks=False, remove_terminal_escapes=True,
                                  explain=True, max_decode_length=10**6, **unicode._DEFAULTS)
    _, touchable, suspect = unicode._ftfy_prefilter()
    rnd = random.Random(11)
    lines = [ln for t in ARTICLES[:40] for ln in t.splitlines() if ln.strip()]
    cases = []
    for ln in rnd.sample(lines, min(60, len(lines))):
        once = ln.encode("utf-8").decode("cp1252", errors="replace")
        twice = once.encode("utf-8").decode("cp1252", errors="replace")
        latin = ln.encode("utf-8").decode("latin-1")  # C1 controls where cp1252 has no character
        cases += [once, twice, latin, latin + " \x9d\x1b[0m", ln + " Ã©", once + " \x85 end"]
    cases += ["Putinâ€™s", "â€œquotedâ€\x9d", "Ã\x83Â©", "caf\u00c3\u00a9 \x07bell", "Ã© \udc80",
              # still bad after the repair: ftfy's second round explains one more try
              "paid the \u0394\u201a\u03b2\u20ac\ufffd\u0393\u201a\u0395\ufffd81.5m"]
    fast = 0
    for line in cases:
        if touchable.search(line) or unicode._is_bad(line, suspect):
            got = unicode._fix_and_explain(line, config, touchable, suspect)
            assert tuple(got) == tuple(ftfy.fix_and_explain(line, config=config)), line
            fast += not touchable.search(got[0])
    assert fast > 100  # most damaged lines take the encoding-only path


# ----------------------------------------------------------------- lines


def _line_spans_reference(text):
    pattern = re.compile(r"[^\r\n]*(\r\n|\n|\r)|[^\r\n]+$")
    return [(m.start(), m.start(1) if m.start(1) >= 0 else m.end(), m.end()) for m in pattern.finditer(text)]


def test_line_spans_match_the_pattern_reference():
    rnd = random.Random(5)
    cases = _variants(ARTICLES[:10]) + ["", "\n", "\n\n", "a", "a\n", "\na", "a\n\nb", "\r", "a\r\nb", "a\rb\n"]
    cases += [_soup(rnd, ["a", "bc", " ", "\n", "\r", "\r\n", "\n\n"], rnd.randrange(0, 12)) for _ in range(2000)]
    for text in cases:
        assert [tuple(ln) for ln in line_spans(text)] == _line_spans_reference(text), repr(text[:80])
        assert line_spans(text) is line_spans(text)  # the last text's lines are kept


# ----------------------------------------------------------------- W rules


def _bullet_reference(text):
    lines = line_spans(text)
    marked = {i: "line holding only a bullet glyph" for i, ln in enumerate(lines)
              if ln.end - ln.start <= 8 and whitespace._BULLET_ONLY.fullmatch(text, ln.start, ln.end)}
    return _out(remove_lines(text, lines, marked))


def _trailing_reference(text):
    pat = re.compile(r"(?<=[^ \t\u00a0\u3000\r\n])[ \t\u00a0\u3000]+(?=\r\n|\n|\r|\Z)")
    return [("edit", m.start(), m.end(), "", "trailing whitespace", None) for m in pat.finditer(text)]


def _space_run_reference(text):
    pat = re.compile(r"(?<=[^ \t\r\n]) {2,}(?=[^ \t\r\n])")
    return [("edit", m.start(), m.end(), " ", "run of spaces", None) for m in pat.finditer(text)]


def _invisible_reference(text):
    out = []
    if text.isascii():
        return out
    for m in whitespace._ZERO_WIDTH.finditer(text):
        out.append(("edit", m.start(), m.end(), "", "zero-width character or soft hyphen", None))
    for m in whitespace._NBSP_RUN.finditer(text):
        s, e = m.span()
        if e == len(text) or text[e] in "\r\n":
            continue
        if s == 0 or text[s - 1] in "\r\n":
            out.append(("edit", s, e, "", "non-breaking-space indentation", None))
        elif e - s >= 2:
            out.append(("edit", s, e, " ", "run of non-breaking and plain spaces", None))
    return out


def _blank_lines_reference(text):
    from cleaner.model import Edit

    n = len(text)
    stripped_end = len(text.rstrip(" \t\r\n\u00a0\u3000"))
    if stripped_end == 0:
        return _out([Edit(0, n, "", "whitespace-only document")] if n else [])
    out = []
    lead = n - len(text.lstrip(" \t\r\n\u00a0\u3000"))
    begin = 0
    if lead:
        cut = max(text.rfind("\n", 0, lead), text.rfind("\r", 0, lead))
        if cut >= 0:
            begin = cut + 1
            out.append(Edit(0, begin, "", "blank lines at the start of the document"))
    tail = text[stripped_end:]
    first_break = re.search(r"\r\n|\n|\r", tail)
    limit = stripped_end + (first_break.start() if first_break else len(tail))
    for m in whitespace._BLANK_RUN.finditer(text, begin, limit):
        if m.group(2) != m.group(1):
            out.append(Edit(m.start(2), m.end(2), m.group(1), "run of blank lines"))
    if first_break and stripped_end + first_break.end() < n:
        out.append(Edit(stripped_end + first_break.end(), n, "", "blank lines at the end of the document"))
    return _out(out)


W_REFERENCES = {
    "W001": (whitespace.bullet_only_line, _bullet_reference),
    "W002": (whitespace.trailing_whitespace, _trailing_reference),
    "W003": (whitespace.invisible_space, _invisible_reference),
    "W004": (whitespace.space_run, _space_run_reference),
    "W005": (whitespace.blank_lines, _blank_lines_reference),
}

W_PIECES = ["word", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2007", "\u200b", "\u00ad",
            "•", "-", "—", "*", " - ", "\n•\n", "\n  –  \n", "x.", "\n\n\n", "\n \n", " " * 70 + "\u00a0"]


def _whitespace_cases() -> list[str]:
    rnd = random.Random(11)
    cases = _variants(ARTICLES[:25])
    cases += [_soup(rnd, W_PIECES, rnd.randrange(1, 40)) for _ in range(1500)]
    cases += [
        "text\n•",  # a bullet line at the very end, no line break
        "•\ntext",  # ... and at the very start
        "a\r-\rb", "a\r\n * \r\nb",  # CR and CRLF line ends
        "tail  ", "tail\u00a0", "tail\t\r\n", "x \ry",  # trailing space at the end and before CR
        " " * 200 + "\u00a0x",  # a long run before a non-breaking space (the backward window grows)
        "x" + " \t" * 150 + "\ny", " " * 300 + "\n", "x\n" + "\u3000" * 100 + "\r\n", "x" + " " * 64,  # ... before a break
        "x" + "\n \t" * 100, "\n" * 300 + "x\n", " \n" * 200, "x\r\n" + "\u00a0\r\n" * 50,  # long blank ends
        "\u00a0\u00a0lead", "a\u00a0b", "a \u00a0 b",
        "a  b", "  indented", "a  \tb", "a  ",
        "", "\n\n", "  \n\t\n", "x\n\n\n\ny", "x\n \ny", "x\r\n\r\n\r\ny",
    ]
    return cases


@pytest.mark.parametrize("code", sorted(W_REFERENCES))
def test_whitespace_rules_match_their_references(code):
    fast, reference = W_REFERENCES[code]
    for text in _whitespace_cases():
        assert _out(fast(text, RuleContext())) == reference(text), repr(text[:120])


# ----------------------------------------------------------------- M rules


def _header_reference(text, ctx):
    """M001 and M002 without their first-line gate: the rules with the gate answering "maybe"."""
    return _out(metadata.scraper_header(text, ctx)), _out(metadata.date_section_header(text, ctx))


def test_metadata_gates_reject_only_documents_without_a_header(monkeypatch):
    rnd = random.Random(3)
    pieces = ["date: 2021-12-31", " date 2021-12-31 ", "url: https://x.y/z", "Title: A", "Dec 29, 2021 - World",
              "2021-12-30", "Body text here.", "", "   ", "\t", "Published: Jan 1, 2020", "x" * 600]
    cases = ARTICLES[:20]
    for _ in range(600):
        sep = rnd.choice(["\n", "\r\n", "\r"])
        cases.append(sep.join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 8))))
    cases.append("\n" * 4090 + "date: 2021-12-31\nbody")  # the header line runs past the 4096-character window
    cases.append(" " * 300 + "\n\t\ndate: 2021-12-31\nbody")  # long blank lines before the header
    cases.append(" " * 400 + "\r\nDec 29, 2021 - World\r\nbody")
    for meta in ({}, {"date": "x"}):
        got = [_header_reference(t, RuleContext(metadata=dict(meta))) for t in cases]
        monkeypatch.setattr(metadata, "_first_line", lambda text, limit: (0, 0))  # gate off: always "maybe"
        monkeypatch.setattr(metadata, "_HEADER", _Always(metadata._HEADER))
        monkeypatch.setattr(metadata, "_DATELINE", _Always(metadata._DATELINE))
        want = [_header_reference(t, RuleContext(metadata=dict(meta))) for t in cases]
        monkeypatch.undo()
        assert got == want
        assert any(g != ([], []) for g in got)


class _Always:
    """A compiled pattern whose ``fullmatch`` answers for the gate's empty span."""

    def __init__(self, pattern):
        self.pattern = pattern

    def fullmatch(self, text, start=0, end=None):
        if start == end == 0:
            return True
        return self.pattern.fullmatch(text, start, len(text) if end is None else end)


# ----------------------------------------------------------------- Q rules


def _paragraphs_reference(text):
    lines = [m.span() for m in quotes._STRIPPED_LINE.finditer(text)]
    if len(lines) < 2:
        return lines
    lo, hi = lines[0][1], lines[-1][0]
    starts = [s for s, _ in lines]
    from bisect import bisect_right

    cuts = sorted({bisect_right(starts, m.start()) for m in quotes._BLANK_LINE.finditer(text, lo, hi)})
    if not cuts:
        return lines
    out, first = [], 0
    for c in cuts + [len(lines)]:
        out.append((lines[first][0], lines[c - 1][1]))
        first = c
    return out


def test_paragraphs_match_the_line_by_line_reference():
    rnd = random.Random(2)
    pieces = ["a", "b c", " ", "\t", "\n", "\n\n", "\r", "\r\n", "\x0c", "\u2028", "\u00a0", "\x85"]
    cases = _variants(ARTICLES[:20]) + [_soup(rnd, pieces, rnd.randrange(14)) for _ in range(20000)]
    for text in cases:
        assert quotes.paragraphs(text) == _paragraphs_reference(text), repr(text[:80])


MARK_PIECES = ['"', "“", "”", "„", "«", "»", "’", "‘", "’’", "‘‘", "word", " ", ".", "12", "\n\n", ",", "(", "—"]


def test_marks_found_with_find_are_the_pattern_matches():
    rnd = random.Random(4)
    for _ in range(5000):
        text = _soup(rnd, MARK_PIECES, rnd.randrange(30))
        assert quotes._mark_starts(text, 0, len(text)) in (None, [m.start() for m in quotes._MARK.finditer(text)])


def test_matching_at_the_marks_equals_scanning_every_character():
    rnd = random.Random(6)
    for _ in range(5000):
        text = _soup(rnd, MARK_PIECES, rnd.randrange(30))
        marks = [m.start() for m in quotes._MARK.finditer(text)]
        assert quotes.match_quotes(text, 0, len(text), marks) == quotes.match_quotes(text, 0, len(text)), text


def test_matching_a_paragraph_in_place_equals_matching_its_copy():
    """The loop over a span's known marks in the whole text gives what matching ``text[s:e]`` gives."""
    rnd = random.Random(12)
    pieces = MARK_PIECES + ["\n", "x", "9"]
    for _ in range(3000):
        text = _soup(rnd, pieces, rnd.randrange(40))
        spans = quotes.paragraphs(text) + [tuple(sorted(rnd.sample(range(len(text) + 1), 2))) for _ in range(2)
                                           if len(text) > 1]
        for s, e in spans:
            marks = [m.start() for m in quotes._MARK.finditer(text, s, e)]
            copy = quotes.match_quotes(text[s:e], 0, e - s, [q - s for q in marks])
            shifted = quotes.QuoteMarks([(a + s, b + s) for a, b in copy.pairs], [q + s for q in copy.unmatched_open],
                                        [q + s for q in copy.unmatched_close],
                                        None if copy.first_open is None else copy.first_open + s)
            assert quotes.match_quotes(text, s, e, marks) == shifted, (text, s, e)
            assert quotes.match_quotes(text, s, e) == shifted, (text, s, e)


def test_dense_marks_take_the_bulk_scan():
    assert quotes._mark_starts('"' * 10000, 0, 10000) is None
    sparse = "a fairly long sentence with “one” quote. " * 100
    assert quotes._mark_starts(sparse, 0, len(sparse)) is not None


def _quoted_texts() -> list[str]:
    rnd = random.Random(8)
    cases = _variants(ARTICLES[:30])
    for _ in range(400):
        paras = [_soup(rnd, MARK_PIECES, rnd.randrange(1, 25)) for _ in range(rnd.randrange(1, 6))]
        cases.append(rnd.choice(["\n\n", "\n", "\r\n\r\n"]).join(paras))
    return cases


def _old_inside_closed_quote(text, pos):
    """The index before: every paragraph matched up front, one sorted list of pairs."""
    from bisect import bisect_right

    spans = sorted(p for s, e in quotes.paragraphs(text) for p in quotes.match_quotes(text, s, e).pairs)
    starts = [a for a, _ in spans]
    i = bisect_right(starts, pos) - 1
    while i >= 0:
        a, b = spans[i]
        if a < pos < b:
            return True
        i -= 1
        if i >= 0 and pos - spans[i][0] > 5000:
            break
    return False


def test_lazy_quote_index_answers_like_the_full_one_in_any_order():
    for text in _quoted_texts():
        paras = quotes.paragraphs(text)
        full = [quotes.match_quotes(text, s, e) if quotes._MARK.search(text, s, e) else quotes._NO_MARKS
                for s, e in paras]
        early = quotes._QuoteIndex(text, paras)
        for i in range(0, len(paras), 2):  # some paragraphs asked about first, then the whole text
            assert early.marks_of(i) == full[i]
        assert early.with_marks() == [i for i, qm in enumerate(full) if qm != quotes._NO_MARKS or
                                      quotes._MARK.search(text, *paras[i])]
        late = quotes._QuoteIndex(text, paras)
        late.with_marks()
        assert [early.marks_of(i) for i in range(len(paras))] == full
        assert [late.marks_of(i) for i in range(len(paras))] == full
        for pos in range(0, len(text), max(1, len(text) // 200)):
            assert early.inside_closed_quote(pos) == _old_inside_closed_quote(text, pos)


def _old_find_lead_ins(text):
    """Q002's search before: verbs and sentence ends of the whole text, then each colon."""
    from bisect import bisect_left, bisect_right

    if ":" not in text:
        return []
    paras, index = quotes._analyse(text)
    starts = [s for s, _ in paras]
    verbs = quotes._speech_verb_positions(text)
    if not verbs:
        return []
    ends = [b.end() for b in quotes._BOUNDARY.finditer(text)]
    out = []
    for m in quotes._COLON.finditer(text):
        c = m.start()
        i = bisect_right(starts, c) - 1
        if i < 0 or c >= paras[i][1]:
            continue
        k = bisect_right(ends, c) - 1
        sent_start = max(paras[i][0], c - 400, ends[k] if k >= 0 else 0)
        v = bisect_left(verbs, sent_start)
        if v < len(verbs) and verbs[v] < c:
            out.append((sent_start, c))
    return out


def test_lead_in_search_near_each_colon_matches_the_whole_text_search():
    rnd = random.Random(9)
    pieces = ["He said", " said", "thesaid", "resaid", "told reporters", " ", ": ", ":", "U.S.", ". ", "! ",
              "? ", '." ', "word", "x" * 30, "\n\n", "1.5", "asked", "Asked", "(said)", "said:"]
    cases = _variants(ARTICLES[:25]) + [_soup(rnd, pieces, rnd.randrange(2, 60)) for _ in range(3000)]
    cases.append("a" * 380 + "said " + "b" * 30 + ": quote")  # the verb is more than 400 characters back
    cases.append("restated" * 60 + " x:")  # verbs inside a long run of letters
    cases.append("x 1.1: said " * 2000)  # many colons, many marks that end no sentence
    for text in cases:
        want = _old_find_lead_ins(text)
        colons = [m.start() for m in quotes._COLON.finditer(text)]
        got = [(start, c) for _, c, start in quotes._verb_sentences(text, quotes.paragraphs(text), colons)]
        assert got == want, repr(text[:100])


def test_shingles_and_substring_lookup_agree():
    rnd = random.Random(1)
    vocab = ["a", "b", "the", "said"]  # few words: many shingles shared
    for _ in range(2000):
        body = [rnd.choice(vocab) for _ in range(rnd.randrange(12))]
        quote = [rnd.choice(vocab) for _ in range(rnd.randrange(12))]
        sh = quotes._shingles(quote)
        assert sh == {tuple(quote[i:i + 5]) for i in range(len(quote) - 4)}
        joined = " " + " ".join(body) + " "
        assert sum(f" {' '.join(w)} " in joined for w in sh) == len(sh & quotes._shingles(body))
        if sh:
            assert quotes._mostly_in(sh, joined) == (len(sh & quotes._shingles(body)) / len(sh) >= 0.5)


# ----------------------------------------------------------------- B001


def _generate(items, c, rnd, flags) -> str:
    """A random string the parsed pattern *items* may match (look-arounds ignored)."""
    out = []
    for op, av in items:
        if op is c.LITERAL:
            ch = chr(av)
            out.append(ch.swapcase() if flags & re.IGNORECASE and rnd.random() < 0.3 else ch)
        elif op is c.NOT_LITERAL or op is c.ANY:
            out.append(rnd.choice("ab Z9.,"))
        elif op is c.IN:
            negated = any(o is c.NEGATE for o, _ in av)
            cls = _negated(av, c) if negated else boilerplate._class_atom(av, c)
            out.append(rnd.choice(_members(cls, "abc XYZ 019.,:" if negated else _UNIVERSE) or ["x"]))
        elif op is c.SUBPATTERN:
            out.append(_generate(av[-1].data, c, rnd, flags | av[1]))
        elif op is c.BRANCH:
            out.append(_generate(rnd.choice(av[1]).data, c, rnd, flags))
        elif op in boilerplate._REPEATS:
            lo, hi = av[0], min(av[1], av[0] + 3)
            out.extend(_generate(av[2].data, c, rnd, flags) for _ in range(rnd.randint(lo, hi)))
    return "".join(out)


_UNIVERSE = "".join(chr(i) for i in range(32, 0x2200))
_MEMBERS: dict[tuple[str, str], list[str]] = {}


def _members(cls: str, universe: str) -> list[str]:
    key = (cls, universe)
    if key not in _MEMBERS:
        _MEMBERS[key] = re.findall(cls, universe)
    return _MEMBERS[key]


def _negated(av, c) -> str:
    inner = [(o, v) for o, v in av if o is not c.NEGATE]
    return "[^" + (boilerplate._class_atom(inner, c) or "[]")[1:]


def _boilerplate_cases() -> list[str]:
    c = boilerplate._sre()
    rnd = random.Random(12)
    line_re, trail_re = boilerplate._compiled()
    prose = ["The senior official said the talks would go on.", "More than 100 people attended.",
             "This is a line of the article.", "Photo essays are popular: see below."]
    cases = []
    for p in boilerplate.catalogue():
        flags = 0 if p.case else re.IGNORECASE
        items = c.parse(p.regex, flags).data
        made = [_generate(items, c, rnd, flags) for _ in range(40)]
        if p.kind == "trailing":
            made = [rnd.choice(prose) + s for s in made if trail_re.search(rnd.choice(prose) + s)]
        else:
            made = [s for s in made if line_re.fullmatch(s)]
        assert made, f"no example generated for {p.id}"
        for s in made[:8]:
            body = rnd.sample(prose, 3)
            cases += [
                "\n".join(body + [s]),  # the last line, no final break
                "\n".join([s] + body) + "\n",  # the first line
                "\r\n".join(body[:1] + ["  " + s] + body[1:]),  # indented, CRLF
                "\r".join(body[:2] + [s, s] + body[2:]),  # CR only, twice
                "\n\n".join(body[:1] + [s, "Headline one", "Headline two"] + body[1:]),  # block followers
                "\n".join(body[:1] + [s + " \t"] + body[1:]), s + "\u00a0",  # spaces after the line's text
            ]
    return cases + _variants(ARTICLES)


def test_boilerplate_gates_keep_every_edit(monkeypatch):
    cases = _boilerplate_cases()
    got = [_out(boilerplate.boilerplate_line(t, RuleContext())) for t in cases]
    monkeypatch.setattr(boilerplate, "_gates", lambda: None)  # every line matched, the whole text searched
    want = [_out(boilerplate.boilerplate_line(t, RuleContext())) for t in cases]
    assert got == want
    assert sum(bool(w) for w in want) > len(cases) // 3  # the generated lines do match


def test_boilerplate_gates_find_every_matching_line_of_real_text():
    gates = boilerplate._gates()
    assert gates is not None  # the catalogue is readable: the fast path is on
    line_re, _ = boilerplate._compiled()
    for text in _variants(ARTICLES):
        candidates = set(boilerplate._candidate_lines(text, gates))
        for m in boilerplate._LINE_TEXT.finditer(text):
            if line_re.fullmatch(m.group()):
                assert m.start() in candidates, m.group()


def test_boilerplate_gate_literals_start_every_match():
    """A gate skipped because its first character is not in the text could not have matched."""
    gates = boilerplate._gates()
    patterns = list(gates[3]) + list(gates[4])
    literals = [boilerplate._first_literal(g) for g in patterns]
    assert any(lit is not None for lit in literals)
    rnd = random.Random(13)
    pieces = ["(", "[", ":", " ", "AFP", "ap", "Photo", "credit", "image", "file", "getty", "x", "\n", ")"]
    texts = _variants(ARTICLES) + [_soup(rnd, pieces, rnd.randrange(1, 40)) for _ in range(2000)]
    for g, lit in zip(patterns, literals):
        if lit is None:
            continue
        assert lit.lower() == lit.upper()  # uncased: ``in`` answers for an IGNORECASE pattern
        for text in texts:
            assert all(text[m.start()] == lit for m in g.finditer(text)), (g.pattern[:40], text[:60])


def test_boilerplate_trailing_credits_without_gate_characters_are_skipped_the_same():
    trail_re = boilerplate._compiled()[1]
    gates = boilerplate._gates()
    rnd = random.Random(14)
    pieces = ["Photo", " (Photo: Jane Doe)", " Image: A. Smith/AFP", " (Credit: x)", "Getty Images", "word", " ",
              "\n", "\n\n", "text.", ": ", "/Reuters", "(", ")"]
    found = 0
    for _ in range(3000):
        text = _soup(rnd, pieces, rnd.randrange(1, 30))
        got = [m.span() for m in boilerplate._trailing_matches(text, trail_re, *gates[4:])]
        assert got == [m.span() for m in trail_re.finditer(text)], repr(text)
        found += bool(got)
    assert found > 100


def test_boilerplate_gate_reader_gives_up_on_patterns_it_cannot_read(monkeypatch):
    weird = boilerplate.Pattern("weird", r"(?>a+) line", "an atomic group", "line")
    trailing = tuple(p for p in boilerplate.catalogue() if p.kind == "trailing")
    monkeypatch.setattr(boilerplate, "catalogue", lambda: (weird, *trailing))
    boilerplate._gates.cache_clear()
    boilerplate._compiled.cache_clear()
    boilerplate._line_verdict.cache_clear()
    try:
        assert boilerplate._gates() is None
        edits = boilerplate.boilerplate_line("keep\naa line\nkeep\n", RuleContext())
        assert [(e.start, e.end) for e in edits] == [(5, 13)]
    finally:
        boilerplate._gates.cache_clear()
        boilerplate._compiled.cache_clear()
        boilerplate._line_verdict.cache_clear()


def test_newline_check_of_trailing_patterns():
    assert boilerplate._may_match_newline(r" \(Photo:\s[^\n]{2,9}\)")
    assert boilerplate._may_match_newline(r" credit .{2,9}")
    assert not boilerplate._may_match_newline(r" \(Photo: [^\n()]{2,80}\)")
    for p in boilerplate.catalogue():
        if p.kind == "trailing":
            assert not boilerplate._may_match_newline(p.regex), p.id


# ----------------------------------------------------------------- B002


def _template_reference(text, ctx):
    """B002 reading the lines with the ``[^\\r\\n]+`` pattern, as it did before ``str.split``."""
    stats = ctx.corpus
    need = max(5, stats.documents * 0.005)
    marked, first = {}, True
    for m in re.finditer(r"[^\r\n]+", text):
        s = m.group().strip()
        if not s:
            continue
        if first:
            first = False
            continue
        if len(s) > 80 or s.endswith((".", "?", "!", '"', "”")):
            continue
        count = stats.line_docs.get(boilerplate.normalise_line(s), 0)
        if count >= need:
            marked[m.start()] = f"template line: occurs verbatim in {count} of {stats.documents} documents"
    return _out(boilerplate._remove_marked(text, marked))


def test_template_lines_match_the_pattern_reference():
    rnd = random.Random(8)
    shared = ["Share this article", "  ADVERTISEMENT ", "Sign up\u00a0for our newsletter", "Photo: Reuters",
              "Read more:", "Ends like a sentence."]
    pieces = shared + ["\n", "\r\n", "\r", "\n\n", " \n", "A body line of the article text here.", "x" * 90]
    cases = _variants(ARTICLES[:10]) + [_soup(rnd, pieces, rnd.randrange(1, 30)) for _ in range(800)]
    stats = boilerplate.CorpusStats.from_texts(cases + ["\n".join(shared)] * 20)
    ctx = RuleContext(options={"min_documents": 5, "min_fraction": 0.005}, corpus=stats)
    hits = 0
    for text in cases:
        got = _out(boilerplate.template_line(text, ctx))
        assert got == _template_reference(text, ctx), repr(text[:120])
        hits += bool(got)
    assert hits > 100


def test_line_spans_keep_no_large_text_alive(monkeypatch):
    import cleaner.rules._lines as lines_module

    monkeypatch.setattr(lines_module, "KEEP_LINES_OF", 100)
    small, large = "a\nb\n", "x\n" * 100
    assert line_spans(small) is line_spans(small)
    assert line_spans(large) == line_spans(large) and line_spans(large) is not line_spans(large)
    assert list(lines_module._LINES.items) == [small]  # the large text was not kept


def test_boilerplate_gate_literal_comes_from_the_first_atom_not_the_pattern_text():
    """A gate whose first atom is a class (``[(\\[]``) starts with no one character: it is never skipped."""
    colon, cls, escaped = boilerplate._by_first_atom({("[(\\[]", "a"), ("\\(", "b"), (":", "c")})  # in atom order
    assert cls.pattern.startswith("[") and boilerplate._first_literal(cls) is None
    assert cls.search("[a") and cls.search("(a")  # a skip on "[" would have missed this match
    assert boilerplate._first_literal(escaped) == "(" and boilerplate._first_literal(colon) == ":"
    assert boilerplate._first_literal(re.compile(r"\(x")) is None  # not a gate: nothing is assumed
