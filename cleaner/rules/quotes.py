"""Q rules: report text a scraper lost around quotations (findings, no text invented).

When an extractor drops a link or lifts a quotation into a pull-quote box, the
sentence it came from is left with a hole.  These rules say where:

* ``Q001 missing-text``: a cut, where words were glued together or a
  sentence starts lower-case after a full stop;
* ``Q002 dangling-lead-in``: ``… said:`` followed by no quotation;
* ``Q003 unbalanced-quotes``: a quotation mark opened and never closed (or
  the reverse) in a paragraph, allowing for the convention that a quotation
  running over several paragraphs opens each of them and closes only the last;
* ``Q004 orphaned-pull-quote``: a quoted paragraph (often a block at the top
  of the file) whose text is nowhere in the body, paired with the gap it most
  likely came from.  With ``cleaner clean --restore-quotes`` a confident
  orphan is moved into its gap, as recorded edits that ``restore`` undoes.

The Q rules run *before* the J rules repair the joins, so they see each cut
as the scraper left it (``exchangea``, not ``exchange a``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from cleaner.model import Edit, Finding
from cleaner.registry import RuleContext, rule
from cleaner.rules._joins import Cut, find_cuts, trailing_word, zipf
from cleaner.textcache import TextCache
from cleaner.rules._lines import line_spans, load_word_list, matches_at, remove_lines

OPENING = "“„«"
DOUBLE_MARKS = '"“”„«»'
QUOTE_START = '"“”„«‘\''
_MARK = re.compile(r'["“”„«»]|’’|‘‘')
_MARK_CHARS = '"“”„«»'  # what _MARK matches, for str.find
_MARK_PAIRS = ("’’", "‘‘")

# ------------------------------------------------------------- paragraphs


# A line without its surrounding space (``str.strip``: ``\s`` is the same set).
_STRIPPED_LINE = re.compile(r"\S(?:[^\r\n]*\S)?")
# Two line breaks (CRLF counts as one) with nothing but spaces between: a blank line.
_BLANK_LINE = re.compile(r"(?:\r\n|\r(?!\n)|\n)[^\S\r\n]*[\r\n]")


# A blank line and the space around it, and any line break and the space
# after it.  Both start with a literal line break, which the engine skips to
# at C speed; a pattern that must look at every character costs five times more.
_BLANK_GAP = re.compile(r"\n[^\S\n]*\n\s*")
_LINE_GAP = re.compile(r"\n\s*")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """The paragraphs of *text* as ``(start, end)`` spans, without surrounding space.

    A paragraph is a run of non-blank lines when the text has blank lines
    between paragraphs, and a single line otherwise.

    Python work only per paragraph: the gaps between paragraphs are found by
    searches that skip from one line break to the next in C.
    """
    if "\r" in text:
        return _paragraphs_any_breaks(text)
    blocks = _between_gaps(text, _BLANK_GAP)
    return blocks if len(blocks) > 1 else _between_gaps(text, _LINE_GAP)


def _between_gaps(text: str, gap: re.Pattern[str]) -> list[tuple[int, int]]:
    """The stripped spans of *text* between the matches of *gap* (LF line breaks only)."""
    n = len(text)
    begin = n - len(text.lstrip())  # ``str.strip`` and ``\s`` agree on what is space
    if begin == n:
        return []
    stop = len(text.rstrip())
    out: list[tuple[int, int]] = []
    start = begin
    for m in gap.finditer(text, begin, stop):
        end = m.start()
        if text[end - 1].isspace():  # spaces at the end of the line
            end = start + len(text[start:end].rstrip())
        out.append((start, end))
        start = m.end()
    out.append((start, stop))
    return out


def _paragraphs_any_breaks(text: str) -> list[tuple[int, int]]:
    """:func:`paragraphs` for text with CR or CRLF line breaks (two scans in C)."""
    lines = [m.span() for m in _STRIPPED_LINE.finditer(text)]
    if len(lines) < 2:
        return lines
    lo, hi = lines[0][1], lines[-1][0]
    # The line before which each blank line (between two lines) falls.
    starts = [s for s, _ in lines]
    cuts = sorted({bisect_right(starts, m.start()) for m in _BLANK_LINE.finditer(text, lo, hi)})
    if not cuts:
        return lines
    out: list[tuple[int, int]] = []
    first = 0
    for c in cuts + [len(lines)]:
        out.append((lines[first][0], lines[c - 1][1]))
        first = c
    return out


# --------------------------------------------------------- quotation marks


class QuoteMarks(NamedTuple):
    """The double quotation marks of one paragraph, matched up.

    (A named tuple, not a frozen dataclass: one is made for each paragraph
    with marks, and a tuple is made in a fifth of the time.)
    """

    pairs: list[tuple[int, int]]  # (opening, closing) positions
    unmatched_open: list[int]
    unmatched_close: list[int]
    first_open: int | None  # position of the first opening mark


#: ``QuoteMarks(*fields)`` without the named tuple's own ``__new__`` (a Python
#: function): ``_new_marks(QuoteMarks, fields)`` makes the same tuple in half the time.
_new_marks = tuple.__new__


def _is_space(c: str) -> bool:
    return c.isspace() or c in "([{—–-/"


def _is_end(c: str) -> bool:
    return c.isspace() or c in ".,;:!?)]}—–-/…"


# Each quotation mark is classified by one pattern, from its neighbours: the
# character before a mark at the start of the span counts as a space, the
# one after a mark at its end as an end (see ``_is_space`` and ``_is_end``).
_SP = r"\s(\[{—–\-/"  # _is_space
_EN = r"\s.,;:!?)\]}—–\-/…"  # _is_end
_MARK_KINDS = (
    # 1: a stray mark standing alone (a straight quote, or a guillemet used as an arrow)
    rf'(["«»](?<![^{_SP}].)(?![^{_EN}]))'
    # 2: an opening mark
    rf'|("(?<![^{_SP}].)|[„«]|‘‘|”(?<![^{_SP}].)(?=[^{_EN}]))'
    # 3: a straight quote before an end: closes (an inch mark after a digit when nothing is open)
    rf'|("(?![^{_EN}]))'
    # 4: a closing mark
    r"|([»”]|’’)"
    # 5: a straight quote between two non-spaces: closes if a quotation is open, else opens
    r'|(")'
    # 6: “ closes „ (German), else opens
    r"|(“)"
)
# Every alternative starts with its mark (the look-behinds come after it);
# the leading look-ahead lets the engine skip ahead to candidate characters
# (without it, the alternation is tried at every position of the text).
_MARK_START = r'(?=["“”„«»’‘])'
_MARK_KIND = re.compile(_MARK_START + "(?:" + _MARK_KINDS + ")", re.DOTALL)
# Runs of marks matched in bulk (1 MB of quotation marks costs a few list
# operations, not a million loop turns): three or more straight quotes, whose
# inner marks all sit between two quotes (kind 5); and two or more pairs of
# an opening mark followed by a mark that closes it (“”, «», „“ …).
_MARK_RUN = re.compile(_MARK_START + r'(?:("{3,})|((?:[„«“][”»"]|„“){2,})|' + _MARK_KINDS + ")", re.DOTALL)


_PAIR_MARKS = tuple(re.compile(pair) for pair in _MARK_PAIRS)  # a literal: scanned at C speed


def _mark_starts(text: str, lo: int, hi: int) -> list[int] | None:
    """Where the matches of ``_MARK`` can start in ``text[lo:hi]``, sorted; None if too many.

    ``str.find`` for each mark (a character-class scan of these marks costs
    ten times more per character), then Python work per mark.  When marks
    are dense (more than one in 16 characters, as in a run of thousands of
    quotes), None: the scan of :func:`match_quotes` matches runs in bulk.
    A run of ``’`` gives every other position, as the scan takes them.
    """
    find = text.find
    out: list[int] = []
    add = out.append
    limit = (hi - lo) // 16 + 64
    for mark in _MARK_CHARS:
        q = find(mark, lo, hi)
        while q >= 0:
            add(q)
            q = find(mark, q + 1, hi)
        if len(out) > limit:
            return None
    for pair in _PAIR_MARKS:
        half = pair.pattern[0]
        q = find(half, lo, hi)
        if q < 0:
            continue
        # ``’`` is an apostrophe in most texts: its few occurrences are
        # looked at one by one (a search for ``’’`` reads every character
        # more slowly than ``str.find`` of one); past 32 of them, the search.
        pairs = _pair_starts(text, half, q, hi, 32)
        if pairs is None:
            pairs = [m.start() for m in pair.finditer(text, lo, hi)]
        out.extend(pairs)
        if len(out) > limit:
            return None
    out.sort()
    return out


def _pair_starts(text: str, half: str, q: int, hi: int, most: int) -> list[int] | None:
    """Where ``half * 2`` starts in ``text[q:hi]`` (*q*: the first *half*), left to right without overlaps.

    The matches of the pattern ``half * 2`` (a run of three gives one), from
    the occurrences of *half* found one by one; None after *most* of them.
    """
    find = text.find
    out: list[int] = []
    last = -2  # where the last pair started
    for _ in range(most):
        if q + 1 < hi and text[q + 1] == half and q != last + 1:
            out.append(q)
            last = q
        q = find(half, q + 1, hi)
        if q < 0:
            return out
    return None


def match_quotes(text: str, start: int, end: int, marks: list[int] | None = None) -> QuoteMarks:
    """Match the double quotation marks in ``text[start:end]``.

    Straight quotes take their direction from their neighbours (`` "word``
    opens, ``word" `` closes); between two letters (``Russia."Biden``) a
    straight quote closes a quotation that is open and opens one otherwise.
    A straight quote after a digit (``12"``) is an inch mark and is skipped.

    One pattern classifies every mark (``_MARK_KIND``), so the loop does only
    the stack work; runs of marks whose outcome is known are matched in bulk.
    *marks*, if given, lists where the matches of ``_MARK`` start (as
    :func:`_mark_starts` finds them): the pattern is then tried only there,
    instead of scanning every character.
    """
    if marks is not None and (start == 0 or text[start - 1].isspace()):
        qm = _match_marks(text, start, end, marks)
        if qm is not None:
            return qm
    seg = text[start:end]
    stack: list[int] = []
    push, pop = stack.append, stack.pop
    pairs: list[tuple[int, int]] = []
    pair = pairs.append
    unmatched_close: list[int] = []
    opened: list[int] = []  # the first opening mark, once seen

    def step(kind: int, q: int) -> None:
        """One mark of *kind* (a group of ``_MARK_KIND``) at ``seg[q]``."""
        p = q + start
        if kind == 1:
            return
        if kind == 5:  # between two non-spaces
            if stack:
                pair((pop(), p))
                return
            if q and seg[q - 1].isdigit():
                return  # an inch mark: 12"
        elif kind == 3:  # before an end
            if stack:
                pair((pop(), p))
            elif not (q and seg[q - 1].isdigit()):
                unmatched_close.append(p)
            return
        elif kind == 4:
            if stack:
                pair((pop(), p))
            else:
                unmatched_close.append(p)
            return
        elif kind == 6 and stack and text[stack[-1]] == "„":
            pair((pop(), p))  # German: „so“
            return
        push(p)
        if not opened:
            opened.append(p)

    if marks is None:
        found = _MARK_RUN.finditer(seg)
    else:
        found = matches_at(_MARK_RUN, seg, [q - start for q in marks])
    for m in found:
        kind = m.lastindex
        if kind > 2:
            step(kind - 2, m.start())
            continue
        q, r = m.span()
        if kind == 2:  # opening-closing pairs
            if stack and text[stack[-1]] == "„":  # a “ in the run would close it: mark by mark
                for k in _MARK_KIND.finditer(seg, q):
                    if k.start() >= r:
                        break
                    step(k.lastindex, k.start())
                continue
            a = q + start
            pairs.extend(zip(range(a, a + r - q, 2), range(a + 1, a + r - q, 2)))
            if not opened:
                opened.append(a)
            continue
        # Straight quotes: the first and last by their neighbours, the inner
        # ones (kind 5) close what is open, then open and close in turn.
        step(_MARK_KIND.match(seg, q).lastindex, q)
        a, b = q + 1 + start, r - 1 + start
        while stack and a < b:
            pair((pop(), a))
            a += 1
        n = (b - a) // 2
        if a < b and not opened:
            opened.append(a)
        pairs.extend(zip(range(a, a + 2 * n, 2), range(a + 1, a + 2 * n, 2)))
        if (b - a) % 2:
            push(b - 1)
        step(_MARK_KIND.match(seg, r - 1).lastindex, r - 1)
    return _new_marks(QuoteMarks, (pairs, stack, unmatched_close, opened[0] if opened else None))


#: What can follow a mark in a run of marks or a two-character mark (``’’``):
#: a mark followed by none of these is classified from its neighbours alone.
_RUN_CHARS = '"“”„«»’‘'
#: The kind (a group of ``_MARK_KIND``, 0 for none) of a mark alone, by the
#: mark and its neighbours: ``text[p - 1 : p + 2]``, or ``text[p - 1 : p + 1]``
#: at the end of the span.  A news text repeats a few dozen such triples.
_KINDS: dict[str, int] = {}


def _kind_alone(key: str) -> int:
    """The kind of the mark ``key[1]``, ``key[0]`` before it and ``key[2:]`` after it (nothing: the span ends)."""
    m = _MARK_KIND.match(key, 1)
    kind = m.lastindex if m is not None else 0
    if len(_KINDS) >= 4096:  # arbitrary text can make any number of triples
        _KINDS.clear()
    _KINDS[key] = kind
    return kind


def _match_marks(text: str, start: int, end: int, marks: list[int]) -> QuoteMarks | None:
    """:func:`match_quotes` at the known *marks* of a span preceded by a space; None at a run of marks.

    The common case -- a paragraph with a few marks -- in one loop over the
    whole text, without copying the span: the pattern's look-behinds see the
    space before *start* as they would see the start of the span (both
    count as a space), and its look-aheads stop at *end*.  A run of marks
    (``_MARK_RUN``'s bulk alternatives) is left to :func:`match_quotes`.
    """
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    unmatched_close: list[int] = []
    first_open = None
    match = _MARK_RUN.match
    kinds = _KINDS
    done = 0
    for p in marks:
        if p < done:
            continue
        if p and (p + 1 == end or (p + 1 < end and text[p + 1] not in _RUN_CHARS)):
            # A mark alone: its kind is read from it and its two neighbours.
            key = text[p - 1 : p + 2] if p + 1 < end else text[p - 1 : end]
            kind = kinds.get(key)
            if kind is None:
                kind = _kind_alone(key)
            done = p + 1
            if kind < 2:
                continue  # (0: not a mark)
        else:
            m = match(text, p, end)
            if m is None:
                continue
            done = m.end()
            kind = m.lastindex - 2
            if kind < 1:
                return None  # a run: matched in bulk by match_quotes
            if kind == 1:
                continue
        if kind == 5:  # between two non-spaces
            if stack:
                pairs.append((stack.pop(), p))
                continue
            if p > start and text[p - 1].isdigit():
                continue  # an inch mark: 12"
        elif kind == 3:  # before an end
            if stack:
                pairs.append((stack.pop(), p))
            elif not (p > start and text[p - 1].isdigit()):
                unmatched_close.append(p)
            continue
        elif kind == 4:
            if stack:
                pairs.append((stack.pop(), p))
            else:
                unmatched_close.append(p)
            continue
        elif kind == 6 and stack and text[stack[-1]] == "„":
            pairs.append((stack.pop(), p))  # German: „so“
            continue
        stack.append(p)
        if first_open is None:
            first_open = p
    return _new_marks(QuoteMarks, (pairs, stack, unmatched_close, first_open))


def _inside_quotation(index: "_QuoteIndex", para: int, pos: int) -> bool:
    """Is *pos* inside a quotation of paragraph *para*?

    Inside a quotation that opens and closes in the paragraph, or in a
    paragraph that opens with a quotation mark never closed (a quotation
    running over several paragraphs).  A mark opened mid-paragraph and never
    closed is damage and does not make the rest of the paragraph a quotation.
    """
    if index.inside_closed_quote(pos):
        return True
    qm = index.marks_of(para)
    opened = qm.unmatched_open
    return bool(opened) and opened[0] == qm.first_open and opened[0] < pos


_NO_MARKS = QuoteMarks([], [], [], None)  # shared by the paragraphs without marks: read only


class _QuoteIndex:
    """Matched quotation marks of each paragraph, for "is this position quoted?".

    Paragraphs are matched when first asked about: most questions concern
    one paragraph, and most paragraphs have no quotation marks.
    """

    def __init__(self, text: str, paras: list[tuple[int, int]]):
        self.text = text
        self.paras = paras
        self.para_starts = [s for s, _ in paras]
        self._marks: dict[int, QuoteMarks] = {}
        self._pairs: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
        self._with_marks: list[int] | None = None
        self._buckets: dict[int, list[int]] = {}  # paragraph -> where its marks are, when known
        self._all_buckets = False  # does _buckets hold every paragraph with marks (with_marks found them all)?
        self.lead_ins: list[LeadIn] | None = None  # find_lead_ins's answer, once asked

    def paragraph_of(self, pos: int) -> int:
        """The index of the paragraph holding *pos*, or -1."""
        i = bisect_right(self.para_starts, pos) - 1
        return i if i >= 0 and pos < self.paras[i][1] else -1

    def with_marks(self) -> list[int]:
        """The indices of the paragraphs that hold a quotation mark, in order.

        ``str.find`` for each kind of mark, then two binary searches per
        paragraph with marks (its own and where its marks end): C speed,
        Python work per such paragraph, not per mark.
        """
        if self._with_marks is None:
            text, paras = self.text, self.paras
            marks = _mark_starts(text, 0, len(text))
            if marks is not None:
                # Each mark's paragraph (a mark is not space: always in one).
                starts = self.para_starts
                buckets: dict[int, list[int]] = {}
                j, n = 0, len(marks)
                while j < n:
                    q = marks[j]
                    i = bisect_right(starts, q) - 1
                    end = paras[i][1] if i >= 0 else 0
                    if q >= end:  # (never: a mark is not space)
                        j += 1
                        continue
                    k = bisect_left(marks, end, j + 1)  # the marks of paragraph i: marks[j:k]
                    buckets[i] = marks[j:k]
                    j = k
                self._buckets = buckets  # the same lists marks_of found for single paragraphs
                self._all_buckets = True
                self._with_marks = list(buckets)  # marks are sorted: so are their paragraphs
            else:
                self._with_marks = [i for i, (s, e) in enumerate(paras) if _MARK.search(text, s, e)]
        return self._with_marks

    def knows_with_marks(self) -> bool:
        """Has :meth:`with_marks` been asked (so that asking again costs nothing)?"""
        return self._with_marks is not None

    def mark_starts(self, i: int) -> list[int] | None:
        """Where the marks of paragraph *i* are, if known (after :meth:`marks_of`)."""
        return self._buckets.get(i)

    def marks_of(self, i: int, has_marks: bool = False) -> QuoteMarks:
        """The matched quotation marks of paragraph *i* (*has_marks*: known to hold some)."""
        qm = self._marks.get(i)
        if qm is None:
            text = self.text
            s, e = self.paras[i]
            marks = self._buckets.get(i)
            if marks is None and self._with_marks is None:
                marks = _mark_starts(text, s, e)
                if marks:
                    self._buckets[i] = marks
            elif marks is None and self._all_buckets:
                marks = []  # the whole text's marks are known: none here
            if marks is not None:
                qm = match_quotes(text, s, e, marks) if marks else _NO_MARKS
            elif has_marks or _MARK.search(text, s, e):
                qm = match_quotes(text, s, e)  # dense marks: matched in bulk by the scan
            else:
                qm = _NO_MARKS
            self._marks[i] = qm
        return qm

    def with_their_marks(self) -> list[tuple[int, QuoteMarks]]:
        """``(i, marks_of(i))`` for each paragraph *i* with marks, in order (see :meth:`with_marks`).

        :meth:`marks_of` in one loop: a paragraph always follows a space,
        so its known marks go straight to :func:`_match_marks`.
        """
        paragraphs = self.with_marks()
        text, paras, found, buckets = self.text, self.paras, self._marks, self._buckets
        out = []
        for i in paragraphs:
            qm = found.get(i)
            if qm is None:
                s, e = paras[i]
                marks = buckets.get(i)
                if marks is None or not (s == 0 or text[s - 1].isspace()):
                    qm = self.marks_of(i, True)  # dense marks, or a span not after a space: the general path
                else:
                    qm = _match_marks(text, s, e, marks)
                    if qm is None:
                        qm = match_quotes(text, s, e, marks)  # a run of marks: matched in bulk
                    found[i] = qm
            out.append((i, qm))
        return out

    def inside_closed_quote(self, pos: int) -> bool:
        """Is *pos* strictly inside a quotation that opens and closes in its paragraph?

        A pair of marks more than 5,000 characters before *pos* is not
        looked at, except the nearest.
        """
        i = self.paragraph_of(pos)
        if i < 0:
            return False
        found = self._pairs.get(i)
        if found is None:
            spans = sorted(self.marks_of(i).pairs)
            found = self._pairs[i] = ([a for a, _ in spans], spans)
        starts, spans = found
        j = bisect_right(starts, pos) - 1
        while j >= 0:
            a, b = spans[j]
            if a < pos < b:
                return True
            j -= 1
            if j >= 0 and pos - spans[j][0] > 5000:
                break
        return False


_ANALYSES = TextCache()


def _analyse(text: str) -> tuple[list[tuple[int, int]], _QuoteIndex]:
    """Paragraphs and matched quotation marks of *text* (cached: every Q rule needs them)."""
    return _ANALYSES.get(text, _analyse_text)


def _analyse_text(text: str) -> tuple[list[tuple[int, int]], _QuoteIndex]:
    paras = paragraphs(text)
    return paras, _QuoteIndex(text, paras)


# ------------------------------------------------------------- Q001 cuts


_CUTS = TextCache()


def text_cuts(text: str) -> list[Cut]:
    """Cuts in *text* (see :func:`cleaner.rules._joins.find_cuts`).

    Cached per text: Q001 and Q004 ask about the same text in one pass.
    """
    return list(_CUTS.get(text, _text_cuts))


def _text_cuts(text: str) -> list[Cut]:
    def inside_closed_quote(pos: int) -> bool:
        # The quotation marks are matched only when a glued ellipsis asks.
        return _analyse(text)[1].inside_closed_quote(pos)

    return find_cuts(text, inside_closed_quote=inside_closed_quote)


def _context(text: str, pos: int, width: int = 30) -> str:
    before = text[max(0, pos - width) : pos].replace("\n", " ")
    after = text[pos : pos + width].replace("\n", " ")
    return f"…{before}⟂{after}…"


_CUT_MESSAGES = {
    "glued": "text likely missing here: words glued together where something was removed",
    "case": "text likely missing here: words glued together where something was removed",
    "lower-case-sentence": "text likely missing here: lower-case words run on after the punctuation",
    "ellipsis": "text likely missing here: an ellipsis glued between two words",
}


@rule("Q001", "missing-text", "Flag cuts: words glued where text was removed, a sentence starting lower-case, a glued ellipsis.",
      severity="error", fix="none")
def missing_text(text: str, ctx: RuleContext):
    """Report each place where text was most likely removed.

    A link or a pull-quote cut out of a sentence leaves the words on either
    side glued together (``exchangea senior``, ``said thatThe United``,
    ``for PutinRussia invaded``), a sentence that starts lower-case after a
    full stop (``said.of the call``, ``allies. told RFE/RL``) or an ellipsis
    glued between two words outside a complete quotation (``for...at``).
    The finding is a zero-length point at the cut; the J rules insert the
    missing space, but nothing can bring the lost words back.
    """
    return [
        Finding(c.pos, c.pos, f"{_CUT_MESSAGES[c.kind]} ({c.detail}): {_context(text, c.pos)}",
                data={"kind": c.kind})
        for c in text_cuts(text)
    ]


# --------------------------------------------------------- Q002 lead-ins


@lru_cache(maxsize=1)
def speech_verbs() -> frozenset[str]:
    return frozenset(w.lower() for w in load_word_list("quotes/speech_verbs.txt"))


_COLON = re.compile(r":(?<=[A-Za-z0-9)\]\"”’]:)(?![0-9/])")
# A sentence end.  The mark first, then the look-behind: the engine skips
# ahead to the marks at C speed (a leading look-behind is tried at every position).
_BOUNDARY = re.compile(r"[.!?](?<=[a-z0-9)][.!?])[\"”]?(?=\s|[\"“]?[A-Za-z])")
_WORDS = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class LeadIn:
    """A sentence ending in a colon that introduces a quotation."""

    start: int  # start of the lead-in sentence
    colon: int  # position of the colon
    dangling: bool  # followed by no quotation


@lru_cache(maxsize=1)
def _verb_pattern() -> re.Pattern:
    """A reporting verb that ends a run of letters.

    When the verbs are plain letters, as a tree of their common prefixes
    (``a(?:d(?:d(?:ed|s)|mitted)|…)``): the engine reads each letter once
    instead of trying each verb in turn at every position.  The matches are
    the same: a match ends where its run of letters ends, so at most one
    verb can match at a position, whatever the order of the alternatives.
    """
    if _longest_verb() < 0:
        verbs = sorted(speech_verbs(), key=len, reverse=True)
        return re.compile("(?:" + "|".join(map(re.escape, verbs)) + ")(?![A-Za-z])")
    return re.compile(_prefix_tree(sorted(speech_verbs())) + "(?![A-Za-z])")


def _prefix_tree(words: list[str]) -> str:
    """A pattern matching exactly *words* (sorted, distinct, lower-case letters), branching on common prefixes."""
    by_first: dict[str, list[str]] = {}
    for w in words:
        by_first.setdefault(w[:1], []).append(w[1:])
    ends_here = "" in by_first
    branches = [first + _prefix_tree(rests) for first, rests in by_first.items() if first]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not ends_here else "(?:" + "|".join(branches) + ")"
    return body + "?" if ends_here else body


def _speech_verb_positions(text: str) -> list[int]:
    """Where a reporting verb (lower case) occurs, also glued to a cut: ``thesaid``."""
    return [m.start() for m in _verb_pattern().finditer(text) if _glued_or_free(text, m)]


_SPACES = re.compile(r"[ \t\u00a0]*")


def find_lead_ins(text: str) -> list[LeadIn]:
    """Sentences with a reporting verb that end in a colon, and whether a quotation follows.

    Only the colons are searched in the whole text (a literal, found at C
    speed); sentence ends and reporting verbs are looked for in the few
    hundred characters before each colon (see :func:`_verb_sentences`).
    Kept with the text's analysis: Q002 and Q004 (the gaps of the orphans)
    ask about the same text in one pass.
    """
    colons = _colons(text)
    if not colons:
        return []
    paras, index = _analyse(text)
    if index.lead_ins is None:
        index.lead_ins = _find_lead_ins(text, colons, paras, index)
    return list(index.lead_ins)


def _find_lead_ins(text: str, colons: list[int], paras: list[tuple[int, int]], index: _QuoteIndex) -> list[LeadIn]:
    """:func:`find_lead_ins` from the text's colons (``_COLON``), paragraphs and quotation marks."""
    out: list[LeadIn] = []
    for i, c, sent_start in _verb_sentences(text, paras, colons, index.para_starts):
        p_start, p_end = paras[i]
        sent_start = sent_start + len(_SPACES.match(text, sent_start).group())
        if text.rfind(" ", sent_start, c) < 0:
            continue  # one word: a label
        if "//" in text[c : c + 3] or _inside_quotation(index, i, c):
            continue  # a URL, or a colon inside a quotation
        j = c + 1 + len(_SPACES.match(text, c + 1, min(p_end, c + 200)).group())
        spaced = j > c + 1
        if j < p_end:
            nxt = text[j]
            if spaced and nxt.islower():
                continue  # an explanatory colon: "pollution and dilution: how much is emitted"
            dangling = nxt not in QUOTE_START and (nxt.isalpha() or nxt.isdigit())
        elif i + 1 < len(paras):
            dangling = text[paras[i + 1][0]].islower()
        else:
            dangling = True
        out.append(LeadIn(sent_start, c, dangling))
    return out


def _colons(text: str) -> list[int]:
    """Where ``_COLON`` matches: each ``:`` found by ``str.find``, then tried (a scan by the pattern reads every character more slowly)."""
    find, match = text.find, _COLON.match
    out = []
    q = find(":")
    while q >= 0:
        if match(text, q) is not None:
            out.append(q)
        q = find(":", q + 1)
    return out


def _verb_sentences(text: str, paras: list[tuple[int, int]], colons: list[int], starts: list[int] | None = None):
    """``(paragraph, colon, sentence start)`` for each colon whose sentence has a reporting verb.

    The sentence starts after the last sentence end (``_BOUNDARY``) before
    the colon, at most 400 characters back and not before its paragraph:
    most often the last full stop, found backwards from the colon (see
    :func:`_last_sentence_end`).  Otherwise sentence ends, and always
    verbs, are matched in the stretches of text before the colons, left to
    right, each character at most once: the windows only move forward, so a
    scan resumes where the last one stopped, or starts afresh just before
    the next window (see :class:`_Forward`).  *starts*: the paragraphs'
    starts, if known.
    """
    if starts is None:
        starts = [s for s, _ in paras]
    ends = None
    longest = _longest_verb()
    if longest < 0:  # a verb that is not plain letters: the whole-text scan is the definition
        verbs = _Forward(text, _verb_pattern(), len(text), _glued_or_free)
    else:
        verbs = _Forward(text, _verb_pattern(), longest, _glued_or_free)
    for c in colons:
        i = bisect_right(starts, c) - 1
        if i < 0 or c >= paras[i][1]:
            continue
        lo = max(paras[i][0], c - 400)
        sent_start = _last_sentence_end(text, lo, c)
        if sent_start < 0:  # many full stops that end no sentence: the scan
            if ends is None:
                ends = _Forward(text, _BOUNDARY, 1)
            ends.scan(lo, c)
            k = bisect_right(ends.ends, c) - 1
            sent_start = max(lo, ends.ends[k] if k >= 0 else 0)
        verbs.scan(sent_start, c)
        v = bisect_left(verbs.starts, sent_start)
        if v < len(verbs.starts) and verbs.starts[v] < c:
            yield i, c, sent_start


def _last_sentence_end(text: str, lo: int, c: int, tries: int = 8) -> int:
    """Where the sentence before *c* starts: the end of the last ``_BOUNDARY`` match before *c*, not before *lo*.

    Looked for backwards from *c*: the last ``.``, ``!`` or ``?`` most often
    ends a sentence, so one match settles it.  A sentence end is one mark,
    maybe a closing quote (matches never overlap), so the last match is the
    one a scan from ``lo - 1`` (up to *c*) finds last.  -1 when *tries*
    marks in a row end no sentence (``U.S.``, ``3.5``, a row of dots): the
    caller scans forwards, reading each character at most once.
    """
    rfind, match = text.rfind, _BOUNDARY.match
    floor = max(lo - 1, 0)
    dot, bang, ask = rfind(".", floor, c), rfind("!", floor, c), rfind("?", floor, c)
    for _ in range(tries):
        p = max(dot, bang, ask)
        if p < 0:
            return lo
        m = match(text, p, c)
        if m is not None:
            return max(lo, m.end())
        if p == dot:
            dot = rfind(".", floor, p)
        elif p == bang:
            bang = rfind("!", floor, p)
        else:
            ask = rfind("?", floor, p)
    return -1


class _Forward:
    """The matches of *pattern* in the parts of *text* asked about, scanned left to right.

    ``scan(lo, hi)`` makes sure every match starting in ``[lo, hi)`` is
    known; *lo* must never decrease and *hi* must be a character no match
    runs over (a colon).  A scan resumes where the last one stopped, or, if
    *lo* is further on, *back* characters before *lo*: the patterns used
    here find the same matches from there on as a scan from the start of
    the text (sentence ends are one mark, maybe a quote, never overlapping;
    a verb ends its run of letters and is at most *back* letters long).
    *keep* filters the matches (``_speech_verb_positions``' rule).
    """

    def __init__(self, text: str, pattern: re.Pattern[str], back: int, keep=None):
        self.text, self.pattern, self.back, self.keep = text, pattern, back, keep
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.done = 0

    def scan(self, lo: int, hi: int) -> None:
        if hi <= self.done:
            return
        start = max(self.done, lo - self.back, 0)
        text, keep = self.text, self.keep
        for m in self.pattern.finditer(text, start, hi):
            if keep is None or keep(text, m):
                self.starts.append(m.start())
                self.ends.append(m.end())
        self.done = hi


def _glued_or_free(text: str, m: re.Match[str]) -> bool:
    """Is the verb match *m* a reporting verb: a word of its own, or glued to a cut (``thesaid``)?"""
    s = m.start()
    if s == 0 or not text[s - 1].isalpha():
        return True
    head = trailing_word(text[max(0, s - 30) : s])
    word = head + m.group()
    return len(word) > 5 and len(m.group()) >= 4 and zipf(word) == 0.0 and not head[:1].isupper()


@lru_cache(maxsize=1)
def _longest_verb() -> int:
    """The length of the longest reporting verb, or -1 if one is not plain lower-case letters."""
    verbs = speech_verbs()
    return max(map(len, verbs)) if all(re.fullmatch("[a-z]+", v) for v in verbs) else -1


@rule("Q002", "dangling-lead-in", "Flag a lead-in ending in a colon (said:, told X:) that no quotation follows.",
      severity="error", fix="none")
def dangling_lead_in(text: str, ctx: RuleContext):
    """Report a sentence that announces a quotation which is not there.

    A sentence with a reporting verb (``said``, ``told``, ``wrote``, … from
    ``cleaner/data/quotes/speech_verbs.txt``) ending in a colon must be
    followed by its quotation.  It is flagged when what follows is the end of
    the text, the end of a paragraph followed by a lower-case continuation,
    or a sentence on the same line that is not a quotation (``The senior U.S.
    official said:During the call``).  A lead-in whose quotation follows, on
    the same line or as the next paragraph, is not flagged.  Section labels
    without a reporting verb (``Why it matters:``) are not lead-ins.
    """
    return [
        Finding(li.start, li.colon + 1,
                f"dangling lead-in: {_shorten(text[li.start : li.colon + 1])} is followed by no quotation")
        for li in find_lead_ins(text) if li.dangling
    ]


def _shorten(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return f"“{s}”" if len(s) <= n else f"“…{s[-n:]}”"


# ------------------------------------------------------ Q003 unbalanced


@rule("Q003", "unbalanced-quotes", "Flag quotation marks opened and never closed (or closed and never opened) in a paragraph.",
      severity="warning", fix="none")
def unbalanced_quotes(text: str, ctx: RuleContext):
    """Report double quotation marks that have no partner in their paragraph.

    Straight (``"``) and typographic (``“ ” „ « »``) marks are matched within
    each paragraph; single quotes are not checked (they double as
    apostrophes).  A quotation that runs over several paragraphs opens each
    paragraph and closes only in the last, so an unclosed quotation followed
    by a paragraph that opens with a quotation mark is not flagged.
    """
    if not ('"' in text or "“" in text or "”" in text or "„" in text or "«" in text or "»" in text):
        return []  # (DOUBLE_MARKS; one ``in`` most often settles it)
    paras, index = _analyse(text)
    out = []
    for i, qm in index.with_their_marks():  # a paragraph without marks has nothing to report
        opens = qm.unmatched_open
        if len(opens) == 1 and i + 1 < len(paras):
            nxt = index.marks_of(i + 1)
            if nxt.first_open is not None and nxt.first_open == paras[i + 1][0]:
                opens = []  # a quotation continued in the next paragraph
        for p in opens:
            out.append(Finding(p, p + 1, f"quotation mark opened here is never closed in its paragraph: "
                                         f"{_context(text, p)}"))
        for p in qm.unmatched_close:
            out.append(Finding(p, p + 1, f"closing quotation mark with no opening mark in its paragraph: "
                                         f"{_context(text, p)}"))
    return out


# --------------------------------------------------- Q004 pull-quotes


def determiners() -> frozenset[str]:
    """Words a quotation that starts lower-case cannot follow (``the``, ``a`` …)."""
    return frozenset(load_word_list("quotes/determiners.txt"))


_NORM = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Orphan:
    """A quoted paragraph whose text is not in the body."""

    start: int
    end: int
    leading: bool  # part of the block of quotations at the top of the text
    full: bool  # starts with a capital letter: a whole quotation
    ends_sentence: bool


@dataclass(frozen=True)
class Gap:
    """A place in the body a quotation may have been cut from, and what surrounds it."""

    pos: int
    kind: str  # "lead-in" or "cut"
    left_word: str
    left_ends_sentence: bool
    right_upper: bool | None  # None at the end of the text


_OPENERS = '"“”„«‘'  # the marks ``match_quotes`` can open a quotation with


def _quote_paragraph(text: str, s: int, e: int, qm: QuoteMarks, starts: list[int] | None = None) -> bool:
    """Is ``text[s:e]`` one quotation and nothing else (a pull-quote candidate)?

    *starts*, if known, are where the matches of ``_MARK`` start in it.
    """
    if qm.first_open != s:
        return False
    if starts is not None:
        marks = starts[:3]
    else:
        marks = [m.start() for m in islice(_MARK.finditer(text, s, e), 3)]  # more than 2: not one quotation
    if len(marks) > 2:
        return False
    if len(marks) == 2 and (qm.unmatched_open or marks[1] < e - 1):
        return False
    # At least six words (the sixth is as far as the scan reads).
    return next(islice(_NORM.finditer(text[s:e].lower()), 5, None), None) is not None


#: A body whose words (:func:`_body_words`) are longer than this is not
#: searched once for each shingle: each search reads the body, and a long
#: document (megabytes) has hundreds of quoted paragraphs to look up, which
#: made Q004 quadratic.  Its shingles are read once instead, a piece of about
#: this size at a time, and only those asked about are kept.
LONG_BODY_CHARS = 100_000


def _body_lookup(body_words: str, asked: Iterable[set[tuple[str, ...]]]) -> str | set[tuple[str, ...]]:
    """What :func:`_mostly_in` looks shingles up in: *body_words*, or for a long body those of the shingles *asked* it holds."""
    if len(body_words) <= LONG_BODY_CHARS:
        return body_words
    wanted = set().union(*asked)
    found: set[tuple[str, ...]] = set()
    carry: list[str] = []  # the last four words of the piece before: a shingle may span two pieces
    start, n = 0, len(body_words)
    while start < n:
        end = body_words.find(" ", start + LONG_BODY_CHARS + 1)  # (words are separated by one space)
        end = n if end < 0 else end
        words = carry + body_words[start:end].split()
        found.update(wanted.intersection(zip(words, words[1:], words[2:], words[3:], words[4:])))
        carry = words[-4:]
        start = end
    return found


def _mostly_in(shingles: set[tuple[str, ...]], body: str | set[tuple[str, ...]]) -> bool:
    """Are at least half of *shingles* in the body?

    *body* is the body's words as `` w1 … wn `` (:func:`_body_words`; a
    shingle is in the body when `` w1 … w5 `` is a substring), or the set of
    the shingles asked about that the body holds (:func:`_body_lookup`).
    Stops as soon as the answer is known.
    """
    n = len(shingles)
    hits = misses = 0
    words = isinstance(body, str)
    for w in shingles:
        if (f" {' '.join(w)} " in body) if words else (w in body):
            hits += 1
            if 2 * hits >= n:
                return True
        else:
            misses += 1
            if 2 * (n - misses) < n:
                return False
    return 2 * hits >= n


def _one_quotation(text: str, s: int, e: int, index: _QuoteIndex, i: int) -> bool:
    """:func:`_quote_paragraph` for paragraph *i*, matching its marks only if it can be one.

    One quotation has at most two marks, the second at its end: most
    paragraphs that open with a quotation fail that before any matching.
    """
    starts = index.mark_starts(i)
    if starts is None:
        starts = _mark_starts(text, s, e)
    if starts is not None and (len(starts) > 2 or (len(starts) == 2 and starts[1] < e - 1)):
        return False
    return _quote_paragraph(text, s, e, index.marks_of(i), starts)


def _shingles(words: list[str], n: int = 5) -> set[tuple[str, ...]]:
    """The runs of *n* consecutive words (``zip`` builds them in C)."""
    return set(zip(*(words[k:] for k in range(n))))


#: For bytes.translate: a byte of ``_NORM`` ([a-z0-9]) stays, any other becomes a space.
_NORM_BYTES = bytes(c if c in b"abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256))
#: The same, lower-casing the ASCII capitals on the way.
_FOLD_BYTES = bytes(_NORM_BYTES[c + 32] if 65 <= c <= 90 else _NORM_BYTES[c] for c in range(256))
#: Two spaces or more (between two words once the other characters are spaces).
_SPACES_RUN = re.compile(rb"  +")


def _body_words(text: str, paras: list[tuple[int, int]], quoted: list[bool]) -> str:
    """The words (``_NORM``) of the paragraphs not *quoted*, in order, as `` w1 w2 … wn ``.

    Read from the stretches of text between the quoted paragraphs (only
    space lies between two paragraphs); the runs of other characters become
    one space in C, so no Python object is made per word.  A shingle of
    words is in the body exactly when `` w1 … w5 `` is a substring.
    """
    parts = []
    since = 0
    for (s, e), q in zip(paras, quoted):
        if q:
            parts.append(text[since:s])
            since = e
    parts.append(text[since:])
    # The words are the runs of [a-z0-9] once lower-cased: every other character,
    # "?" for each one outside ASCII, becomes a space (bytes.translate), and
    # one space is left between two words.  Only two characters outside ASCII
    # lower-case to ASCII letters (İ, the Kelvin sign): without them, the
    # table lower-cases the ASCII letters (str.lower reads the whole text a
    # few times more slowly).
    body = " ".join(parts)
    if "\u0130" in body or "\u212a" in body:
        raw = body.lower().encode("ascii", "replace").translate(_NORM_BYTES)
    else:
        raw = body.encode("ascii", "replace").translate(_FOLD_BYTES)
    return " " + _SPACES_RUN.sub(b" ", raw).strip().decode("ascii") + " "


def find_orphans(text: str) -> tuple[list[Orphan], list[tuple[int, int]]]:
    """Quoted paragraphs whose text is not in the body, and the body paragraphs."""
    paras, index = _analyse(text)
    # Only a paragraph that starts with a mark that can open (``first_open``
    # is such a mark) can be one quotation: the others are not matched at
    # all.  Such a paragraph holds a mark: when the paragraphs with marks are
    # known (Q003 asked), only those are looked at.
    if index.knows_with_marks():
        opening = [i for i in index.with_marks() if text[paras[i][0]] in _OPENERS]
    else:
        opening = [i for i, s in enumerate(index.para_starts) if text[s] in _OPENERS]
    if not opening:
        return [], paras
    if len(opening) > 8:
        index.with_marks()  # one pass over the text's marks instead of one per paragraph
    quoted = [i for i in opening if _one_quotation(text, *paras[i], index, i)]
    if not quoted:
        return [], paras
    cand = [False] * len(paras)
    for i in quoted:
        cand[i] = True
    body = [p for p, c in zip(paras, cand) if not c]
    asked = []  # (paragraph, leading, shingles) of each quotation to look for in the body
    for k, i in enumerate(quoted):
        s, e = paras[i]
        leading = k == i  # part of the block of quotations at the top: every paragraph before is one
        if not leading and i > 0:
            ps, pe = paras[i - 1]
            if text[pe - 1] == ":" or index.marks_of(i - 1).unmatched_open:
                continue  # the quotation of a lead-in, or a multi-paragraph quotation
        sh = _shingles(_NORM.findall(text[s:e].lower()))
        if sh:
            asked.append((i, leading, sh))
    if not asked:
        return [], body
    in_body = _body_lookup(_body_words(text, paras, cand), (sh for _, _, sh in asked))
    orphans = []
    for i, leading, sh in asked:
        if _mostly_in(sh, in_body):
            continue
        s, e = paras[i]
        inner = text[s + 1 : e].rstrip(DOUBLE_MARKS + " ")
        first = next((ch for ch in inner if ch.isalpha()), "")
        orphans.append(Orphan(s, e, leading, first.isupper(), inner.endswith((".", "!", "?", "…"))))
    return orphans, body


def find_gaps(text: str, body: list[tuple[int, int]]) -> list[Gap]:
    """Places in the body a quotation may have been cut from: cuts and dangling lead-ins."""
    starts = [s for s, _ in body]

    def in_body(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i >= 0 and body[i][0] <= pos <= body[i][1]

    gaps: list[Gap] = []
    points = [(c.pos, "cut") for c in text_cuts(text)]
    points += [(li.colon + 1, "lead-in") for li in find_lead_ins(text) if li.dangling]
    for pos, kind in sorted(set(points)):
        if not in_body(pos):
            continue
        before = text[max(0, pos - 80) : pos].rstrip()
        words = _WORDS.findall(before)
        after = text[pos : pos + 80].lstrip(" \t\"“”'")
        first = next((ch for ch in after if ch.isalpha() or ch in "\r\n"), "")
        gaps.append(Gap(
            pos, kind,
            left_word=words[-1].lower() if words else "",
            left_ends_sentence=before.rstrip("\"”’'").endswith((".", "!", "?")),
            right_upper=first.isupper() if first and first not in "\r\n" else None,
        ))
    return gaps


def pair_score(q: Orphan, g: Gap) -> float:
    """How well quotation *q* fits gap *g* (0 to 1).

    A lead-in ending in a colon takes a whole quotation; a quotation that
    starts lower-case continues the sentence before a cut (and should not
    follow a determiner: ``at the`` + ``"is either…"`` is unlikely); a
    quotation that ends a sentence should be followed by a capital.
    """
    if g.kind == "lead-in":
        return 0.9 if q.full else 0.15
    if q.full:
        s = 0.3 + (0.2 if g.left_ends_sentence else 0.0)
        if q.ends_sentence and g.right_upper:
            s += 0.1
        return s
    s = 0.55 + (0.0 if g.left_ends_sentence else 0.1)
    if g.right_upper is not None and q.ends_sentence == g.right_upper:
        s += 0.25
    if g.left_word in determiners():
        s -= 0.3
    return s


MIN_PAIR_SCORE = 0.3


def pair_orphans(orphans: list[Orphan], gaps: list[Gap]) -> list[tuple[int | None, float]]:
    """For each orphan, the index of its most likely gap (or None) and a confidence.

    Orphans keep their order: the assignment maximises the total score with
    gap positions increasing in the orphans' order.  The confidence is the
    pair's score less a quarter of the best alternative's score within the
    window left by its neighbours.
    """
    n, m = len(orphans), len(gaps)
    score = [[pair_score(q, g) for g in gaps] for q in orphans]
    # best[i][j]: best total using orphans[i:] and gaps[j:]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    take = [[False] * (m + 1) for _ in range(n + 1)]
    skip_q = [[False] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            options = [(best[i + 1][j], "skip_q")]
            if j < m:
                options.append((best[i][j + 1], "skip_g"))
                if score[i][j] >= MIN_PAIR_SCORE:
                    options.append((score[i][j] + best[i + 1][j + 1], "take"))
            value, how = max(options, key=lambda o: (round(o[0], 9), o[1] == "take"))
            best[i][j] = value
            take[i][j] = how == "take"
            skip_q[i][j] = how == "skip_q"
    chosen: list[int | None] = []
    i = j = 0
    while i < n:
        if j < m and take[i][j]:
            chosen.append(j)
            i, j = i + 1, j + 1
        elif skip_q[i][j] or j >= m:
            chosen.append(None)
            i += 1
        else:
            j += 1
    out: list[tuple[int | None, float]] = []
    for k, g in enumerate(chosen):
        if g is None:
            out.append((None, 0.0))
            continue
        lo = max((c for c in chosen[:k] if c is not None), default=-1)
        hi = min((c for c in chosen[k + 1 :] if c is not None), default=m)
        alt = max((score[k][x] for x in range(lo + 1, hi) if x != g), default=0.0)
        out.append((g, round(max(0.0, min(1.0, score[k][g] - 0.25 * alt)), 2)))
    return out


def _insertion(text: str, pos: int, quote: str) -> str:
    before = "" if pos == 0 or text[pos - 1].isspace() else " "
    after = "" if pos >= len(text) or text[pos].isspace() or text[pos] in ".,;:!?)" else " "
    return before + quote + after


@rule("Q004", "orphaned-pull-quote", "Flag quoted paragraphs whose text is not in the body and name the gap each came from.",
      severity="warning", fix="unsafe", options={"restore": False, "min_confidence": 0.5})
def orphaned_pull_quote(text: str, ctx: RuleContext):
    """Report pull-quotes cut out of the body, each with its most likely gap.

    A paragraph that is one quotation and nothing else, whose words are not
    in the rest of the text, was lifted out of the body (a pull-quote box,
    often a block at the top of the file).  Its gap is chosen among the cuts
    (``Q001``) and the dangling lead-ins (``Q002``): the quotations keep
    their order, one that starts lower-case continues the sentence before a
    cut (``an opportunity for Putin`` + ``"to air his grievances…"``), and a
    lead-in ending in a colon takes a whole quotation.

    Each orphan gets a finding (``data``: ``confidence``, ``gap_kind``,
    ``gap_context``) and its gap a zero-length finding pointing at the exact
    place.  A quoted paragraph in the middle of the text is reported only
    when it pairs confidently.  With ``restore`` (``cleaner clean
    --restore-quotes``), each orphan paired with at least ``min_confidence``
    is moved into its gap as two recorded edits, so ``cleaner restore``
    still gives the original back.
    """
    orphans, body = find_orphans(text)
    if not orphans:
        return []
    gaps = find_gaps(text, body)
    pairs = pair_orphans(orphans, gaps)
    restore = bool(ctx.options.get("restore", False))
    min_conf = float(ctx.options.get("min_confidence", 0.5))
    out: list[Edit | Finding] = []
    removals: dict[int, str] = {}
    lines = line_spans(text) if restore else []
    for k, (q, (g, conf)) in enumerate(zip(orphans, pairs)):
        words = text[q.start : q.end].split(None, 8)  # a ninth item: more than eight words
        head = " ".join(words[:8]) + (" …" if len(words) > 8 else "")
        if g is None:
            if q.leading:
                out.append(Finding(q.start, q.end, "orphaned pull-quote: its text is not in the body "
                                   "and no likely gap was found", data={"confidence": 0.0, "quote": k}))
            continue
        gap = gaps[g]
        if not q.leading and conf < min_conf:
            continue
        ctx_text = _context(text, gap.pos)
        data = {"confidence": conf, "gap_kind": gap.kind, "gap_context": ctx_text, "quote": k}
        out.append(Finding(q.start, q.end, f"orphaned pull-quote: its text is not in the body; most likely gap "
                           f"({gap.kind}, confidence {conf:.2f}): {ctx_text}", data=data))
        out.append(Finding(gap.pos, gap.pos, f"likely gap of the orphaned pull-quote {head} "
                           f"(confidence {conf:.2f})", data={"confidence": conf, "quote": k, "role": "gap"}))
        if restore and conf >= min_conf:
            quote_text = " ".join(text[q.start : q.end].split())
            out.append(Edit(gap.pos, gap.pos, _insertion(text, gap.pos, quote_text),
                            f"orphaned pull-quote moved back into its likely gap (confidence {conf:.2f})"))
            for idx, ln in enumerate(lines):
                if ln.start < q.end and ln.end > q.start:
                    removals[idx] = "orphaned pull-quote moved into the body (see the insertion)"
    if removals:
        out.extend(remove_lines(text, lines, removals))
    return out
