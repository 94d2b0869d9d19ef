"""The fast paths of the Q rules give exactly what the plain definitions give.

Each shortcut in ``cleaner.rules.quotes`` (marks found one by one instead
of by a pattern, a mark's kind read from its neighbours, lead-ins looked for
only where a quotation could be missing, ...) is compared here with the
slow, obvious computation on generated text dense in quotation marks,
apostrophes, colons, line breaks and reporting verbs.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from cleaner.rules import quotes

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

# Pieces that make quotation marks, apostrophes, inch marks, lead-ins and
# paragraph breaks likely neighbours of one another.
_PIECES = [
    '"', "“", "”", "„", "«", "»", "’", "‘", "’’", "‘‘", '"""', "“”", "«»", "„“",
    " ", "  ", "\n", "\n\n", "\r\n", "\r", "\t", "\u00a0",
    "a", "The", "word", "x", "12", "3", ".", ",", ":", ";", "!", "?", "(", ")", "-", "—", "/", "…",
    "said", "told", "thesaid", "wrote", " said:", " told reporters:", "Why it matters:", "http://x",
    "é", "Ü", "quote", "end.",
]
texts = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)
fast = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(texts, st.data())
def test_mark_starts_are_the_pattern_matches(text, data):
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    got = quotes._mark_starts(text, lo, hi)
    assert got is None or got == [m.start() for m in quotes._MARK.finditer(text, lo, hi)]


@fast
@given(st.lists(st.sampled_from(["’", "‘", "’’", "a", " ", "’’’"]), max_size=200).map("".join), st.integers(1, 40))
def test_pair_starts_are_the_pattern_matches_without_overlaps(text, most):
    for half in "’‘":
        q = text.find(half)
        if q < 0:
            continue
        got = quotes._pair_starts(text, half, q, len(text), most)
        if got is not None:
            assert got == [m.start() for m in re_pair(half).finditer(text)]
        else:
            assert text.count(half) > most  # gave up only after *most* occurrences


def re_pair(half):
    import re

    return re.compile(half * 2)


def test_pair_starts_past_the_limit_fall_back_to_the_search():
    text = "it’s " * 100 + "’’end’’’"
    assert quotes._mark_starts(text, 0, len(text)) == [m.start() for m in quotes._MARK.finditer(text)]


@fast
@given(texts, st.data())
def test_marks_classified_by_their_neighbours_match_as_the_pattern_does(text, data):
    """``_match_marks`` (the neighbours' table) against the copy of the span scanned by the pattern."""
    spans = quotes.paragraphs(text)
    if text:
        s = data.draw(st.integers(0, len(text)))
        spans.append((s, data.draw(st.integers(s, len(text)))))
        # Spans that end just after a mark, before whatever follows it.
        spans += [(0, m.end()) for m in quotes._MARK.finditer(text)]
    for s, e in spans:
        marks = [m.start() for m in quotes._MARK.finditer(text, s, e)]
        assert quotes.match_quotes(text, s, e, marks) == quotes.match_quotes(text, s, e), (text, s, e)


def test_a_mark_at_the_end_of_a_span_has_nothing_after_it():
    text = 'a b"c d'  # in the span 'a b"' the mark is before the end: it closes (nothing is open)
    assert quotes.match_quotes(text, 0, 4, [3]) == quotes.match_quotes(text[:4], 0, 4) == ([], [], [3], None)
    assert quotes.match_quotes(text, 0, 7, [3]) == ([], [3], [], 3)  # between two letters: it opens


def test_kind_table_is_bounded_and_refills():
    quotes._KINDS.clear()
    for i in range(5000):
        quotes._kind_alone(chr(0x4E00 + i) + "”" + " ")
    assert len(quotes._KINDS) <= 4096
    text = 'He said "yes" and “no” then 12" wide.'
    marks = [m.start() for m in quotes._MARK.finditer(text)]
    assert quotes.match_quotes(text, 0, len(text), marks) == quotes.match_quotes(text, 0, len(text))


def test_quote_marks_compare_by_value_and_are_read_only():
    a = quotes.match_quotes('"a" b', 0, 5)
    assert a == quotes.QuoteMarks([(0, 2)], [], [], 0)
    assert a.pairs == [(0, 2)] and a.first_open == 0
    try:
        a.first_open = 3
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("QuoteMarks must be read only")


def _sentence_start_by_scan(text, lo, c):
    """The sentence start as the forward scan defines it: the end of the last ``_BOUNDARY`` match from ``lo - 1``."""
    ends = [m.end() for m in quotes._BOUNDARY.finditer(text, max(lo - 1, 0), c)]
    return max(lo, ends[-1]) if ends else lo


_SENTENCES = st.lists(st.sampled_from([
    "a", "Z", "9", ")", ".", "!", "?", '"', "”", "“", " ", "\n", "U.S.", "3.5", "...", "e.g.", "said", "x.", "end. ",
]), max_size=80).map("".join)


@fast
@given(_SENTENCES, st.data())
def test_last_sentence_end_found_backwards_is_the_last_one_the_scan_finds(text, data):
    c = data.draw(st.integers(0, len(text)))
    lo = data.draw(st.integers(0, c))
    tries = data.draw(st.integers(1, 8))
    got = quotes._last_sentence_end(text, lo, c, tries)
    assert got == -1 or got == _sentence_start_by_scan(text, lo, c), (text, lo, c)


def test_last_sentence_end_gives_up_after_marks_that_end_no_sentence():
    text = "The U.S. and U.K. officials in D.C. said:"
    c = text.index(":")
    assert quotes._last_sentence_end(text, 0, c, tries=2) == -1  # S. K. C. are no sentence ends
    assert quotes._last_sentence_end(text, 0, c) == 0
    assert quotes._last_sentence_end("One. Two said:", 0, 13) == 4
    # A sentence end that starts just before *lo* and ends after it (a full stop, then a quote at *lo*).
    text = 'ab." Then he said:'
    assert quotes._last_sentence_end(text, 3, text.index(":")) == 4 == _sentence_start_by_scan(text, 3, text.index(":"))


@fast
@given(texts)
def test_lead_ins_are_those_of_the_forward_scans(text):
    """Sentence starts found backwards (and the scan when that gives up) give the lead-ins of the scan alone."""
    colons = [m.start() for m in quotes._COLON.finditer(text)]
    paras = quotes.paragraphs(text)
    got = list(quotes._verb_sentences(text, paras, colons))
    starts = [s for s, _ in paras]
    want = []
    for c in colons:
        i = quotes.bisect_right(starts, c) - 1
        if i < 0 or c >= paras[i][1]:
            continue
        lo = max(paras[i][0], c - 400)
        sent = _sentence_start_by_scan(text, lo, c)
        if any(sent <= m.start() < c for m in quotes._verb_pattern().finditer(text) if quotes._glued_or_free(text, m)):
            want.append((i, c, sent))
    assert got == want


def _body_words_by_words(text, paras, quoted):
    """The body's words as the definition says: ``_NORM`` over the lower-cased paragraphs not quoted."""
    import re

    body = " ".join(text[s:e] for (s, e), q in zip(paras, quoted) if not q)
    return " " + " ".join(re.findall(r"[a-z0-9]+", body.lower())) + " "


_WORDY = st.lists(st.sampled_from([
    "a", "Word", "WORD", "9", "x1", " ", "  ", "\n\n", "\n", ",", "—", "é", "É", "ß", "\u0130", "\u212a", "Kelvin",
    "İstanbul", "“Quote”", '"', "İ", "ǅ", "Σ", "ﬁ",
]), max_size=60).map("".join)


@fast
@given(_WORDY, st.data())
def test_body_words_are_the_lower_case_words_of_the_body(text, data):
    paras = quotes.paragraphs(text)
    quoted = [data.draw(st.booleans()) for _ in paras]
    assert quotes._body_words(text, paras, quoted) == _body_words_by_words(text, paras, quoted)


def test_body_words_lower_case_the_letters_outside_ascii_that_become_ascii():
    text = "KELVIN \u212a and \u0130stanbul"
    paras = quotes.paragraphs(text)
    assert quotes._body_words(text, paras, [False]) == " kelvin k and i stanbul "


def _orphans_by_every_paragraph(text):
    """:func:`quotes.find_orphans` as first written: every paragraph's first character looked at, in order."""
    paras, index = quotes._analyse(text)
    cand = [text[s] in quotes._OPENERS and quotes._one_quotation(text, s, e, index, i)
            for i, (s, e) in enumerate(paras)]
    if not any(cand):
        return [], paras
    body = [p for p, c in zip(paras, cand) if not c]
    body_words = quotes._body_words(text, paras, cand)
    orphans, leading = [], True
    for i, ((s, e), is_quote) in enumerate(zip(paras, cand)):
        if not is_quote:
            leading = False
            continue
        if not leading and i > 0:
            pe = paras[i - 1][1]
            if text[pe - 1] == ":" or index.marks_of(i - 1).unmatched_open:
                continue
        sh = quotes._shingles(quotes._NORM.findall(text[s:e].lower()))
        if not sh or quotes._mostly_in(sh, body_words):
            continue
        inner = text[s + 1 : e].rstrip(quotes.DOUBLE_MARKS + " ")
        first = next((ch for ch in inner if ch.isalpha()), "")
        orphans.append(quotes.Orphan(s, e, leading, first.isupper(), inner.endswith((".", "!", "?", "…"))))
    return orphans, body


_PARAGRAPHS = st.lists(st.sampled_from([
    '“The talks were a waste of time for everyone involved here.”',
    '"we will not give up on this fight now or ever," she said.',
    '‘‘Six words in a row here now.’’', '‘‘Six more words in a row here.”', '‘single quote paragraph of words here now’',
    '“Unclosed quotation of six words here', 'The minister said: ', 'He said the talks were a waste of time.',
    '«Guillemets around six words here ok»', '„German quotation of six words here“', 'Plain body text, no marks.',
]), max_size=8)


@fast
@given(_PARAGRAPHS, st.sampled_from(["\n\n", "\n", "\r\n\r\n"]), st.booleans())
def test_orphans_found_from_the_paragraphs_with_marks_are_those_of_every_paragraph(paras, sep, marks_known):
    text = sep.join(paras)
    quotes._ANALYSES.clear()
    want = _orphans_by_every_paragraph(text)
    quotes._ANALYSES.clear()
    if marks_known:
        quotes._analyse(text)[1].with_marks()  # as after Q003
    assert quotes.find_orphans(text) == want


@fast
@given(st.lists(st.sampled_from([":", "a", "Z", "9", ")", "]", '"', "”", "’", " ", "/", "::", "http://", "4:25"]),
                max_size=40).map("".join))
def test_colons_found_one_by_one_are_the_pattern_matches(text):
    assert quotes._colons(text) == [m.start() for m in quotes._COLON.finditer(text)]


def _marks_by_paragraph(text, paras):
    """Each paragraph's marks, by the pattern over the paragraph alone."""
    return {i: marks for i, (s, e) in enumerate(paras) if (marks := [m.start() for m in quotes._MARK.finditer(text, s, e)])}


@fast
@given(texts, st.booleans())
def test_paragraphs_with_their_marks_are_those_matched_one_by_one(text, q002_first):
    """``with_their_marks`` (one loop, marks grouped by binary search) against ``match_quotes`` per paragraph."""
    paras = quotes.paragraphs(text)
    index = quotes._QuoteIndex(text, paras)
    if q002_first and paras:  # some paragraphs already matched one by one, as Q002 does
        index.marks_of(len(paras) // 2)
    want = _marks_by_paragraph(text, paras)
    got = index.with_their_marks()
    dense = quotes._mark_starts(text, 0, len(text)) is None
    assert [i for i, _ in got] == index.with_marks()
    if not dense:
        assert [i for i, _ in got] == list(want)
        for i in want:
            assert index.mark_starts(i) == want[i]
    for i, qm in got:
        s, e = paras[i]
        assert qm == quotes.match_quotes(text, s, e) == index.marks_of(i), (text, i)
    assert index.with_their_marks() == got  # asked again: the same matches


def test_paragraphs_with_their_marks_on_real_text():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for variant in (text, text.replace("\n\n", "\n"), text.replace('"', "“"), text.replace("\n", "\r\n")):
            paras = quotes.paragraphs(variant)
            index = quotes._QuoteIndex(variant, paras)
            got = index.with_their_marks()
            assert [i for i, _ in got] == list(_marks_by_paragraph(variant, paras)), path
            for i, qm in got:
                assert qm == quotes.match_quotes(variant, *paras[i]), (path, i)


def test_a_run_of_marks_in_a_paragraph_falls_back_to_the_bulk_match():
    text = 'Plain “a” paragraph.\n\nA run """""" of marks “”“” here.\n\nAnd "one".'
    paras = quotes.paragraphs(text)
    got = quotes._QuoteIndex(text, paras).with_their_marks()
    assert [i for i, _ in got] == [0, 1, 2]
    for i, qm in got:
        assert qm == quotes.match_quotes(text, *paras[i])


def test_lead_ins_are_kept_with_the_analysis_and_handed_out_as_copies():
    text = 'The senior official said:During the call\n\nShe told reporters: "Yes."'
    quotes._ANALYSES.clear()
    first = quotes.find_lead_ins(text)
    assert [li.dangling for li in first] == [True, False]
    index = quotes._analyse(text)[1]
    assert index.lead_ins == first
    first.clear()  # a caller changing its list does not change what is kept
    again = quotes.find_lead_ins(text)
    assert len(again) == 2 and again == index.lead_ins
    quotes._ANALYSES.clear()
    assert quotes.find_lead_ins(text) == again  # computed afresh: the same
    other = text[:-2] + '!"'
    assert quotes.find_lead_ins(other) == quotes._find_lead_ins(other, quotes._colons(other), *quotes._analyse(other))


@fast
@given(texts)
def test_lead_ins_asked_twice_are_those_asked_once(text):
    quotes._ANALYSES.clear()
    once = quotes.find_lead_ins(text)
    assert quotes.find_lead_ins(text) == once
    quotes._ANALYSES.clear()
    quotes.unbalanced_quotes(text, None)  # the analysis made by another rule first
    assert quotes.find_lead_ins(text) == once
