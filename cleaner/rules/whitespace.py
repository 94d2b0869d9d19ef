"""W rules: whitespace debris.

What extraction leaves between the words: spaces at line ends, runs of blank
lines, non-breaking and zero-width spaces that are not typography, lines
holding only a bullet glyph.  The document's own newline convention (LF,
CRLF or CR) is kept: the rules never turn one kind of line break into
another.
"""

from __future__ import annotations

import re

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule
from cleaner.rules._lines import line_spans, remove_lines

_BULLET_ONLY = re.compile(r"[ \t\u00a0]*[•·▪●◦‣⁃∙*–—-][ \t\u00a0]*")


# A short line holding a bullet glyph: every bullet-only line is one.  The
# searches start with a literal line break, which the engine skips to at C
# speed (a leading character class such as ``[\r\n]`` is ten times slower).
_BULLET_LINE = r"[ \t\u00a0]{0,7}[•·▪●◦‣⁃∙*–—-][ \t\u00a0]{0,7}(?:[\r\n]|\Z)"
_FIRST_BULLET_LINE = re.compile(_BULLET_LINE)
_LF_BULLET_LINE = re.compile(r"\n" + _BULLET_LINE)
_CR_BULLET_LINE = re.compile(r"\r" + _BULLET_LINE)


def _has_bullet_line(text: str) -> bool:
    """Might *text* have a line that ``_BULLET_ONLY`` matches whole? (False: it has none.)"""
    return bool(
        _FIRST_BULLET_LINE.match(text)
        or _LF_BULLET_LINE.search(text)
        or ("\r" in text and _CR_BULLET_LINE.search(text))
    )


@rule("W001", "bullet-only-line", "Remove lines that hold only a bullet glyph.")
def bullet_only_line(text: str, ctx: RuleContext):
    """Remove a line holding nothing but ``•``, ``·``, ``▪``, ``*`` or a dash.

    Such a line is what is left of a list item whose text was a link the
    scraper dropped, or of a decorative separator.
    """
    if not _has_bullet_line(text):
        return []
    lines = line_spans(text)
    marked = {
        i: "line holding only a bullet glyph"
        for i, ln in enumerate(lines)
        if ln.end - ln.start <= 8 and _BULLET_ONLY.fullmatch(text, ln.start, ln.end)
    }
    return remove_lines(text, lines, marked)


_SPACE_CHARS = (" ", "\t", "\u00a0", "\u3000")
_SPACES = "".join(_SPACE_CHARS)
# A line break after a space, found from the literal break (fast to skip to).
_SPACE_BEFORE_LF = re.compile(r"\n(?<=[ \t\u00a0\u3000]\n)")
_SPACE_BEFORE_CR = re.compile(r"\r(?<=[ \t\u00a0\u3000]\r)")


def _run_start(text: str, end: int, chars: str) -> int:
    """Where the run of *chars* that ends at *end* starts.

    Found by stripping a growing window backwards (C speed), never a loop
    per character, so a long run costs a few strips.
    """
    width = 64
    while True:
        lo = max(0, end - width)
        start = lo + len(text[lo:end].rstrip(chars))
        if start > lo or lo == 0:
            return start
        width *= 4


@rule("W002", "trailing-whitespace", "Remove spaces, tabs and non-breaking spaces at the end of a line.")
def trailing_whitespace(text: str, ctx: RuleContext):
    """Remove whitespace after the last visible character of a line.

    Lines holding only whitespace are left to ``blank-lines``.
    """
    # Each run ends at a line break preceded by a space (or at the end of the
    # text): the breaks are found at C speed, the runs read backwards from them.
    ends = [m.start() for m in _SPACE_BEFORE_LF.finditer(text)]
    if "\r" in text:
        ends = sorted(ends + [m.start() for m in _SPACE_BEFORE_CR.finditer(text)])
    if text.endswith(_SPACE_CHARS):
        ends.append(len(text))
    out = []
    for end in ends:
        start = _run_start(text, end, _SPACES)
        if start > 0 and text[start - 1] not in "\r\n":  # a whitespace-only line is blank-lines' job
            out.append(Edit(start, end, "", "trailing whitespace"))
    return out


_ZERO_WIDTH_CHARS = "\u200b\u2060\ufeff\u00ad\u180e"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]+")
# The look-behind lets a match start only where a run of spaces starts, so a
# long run of plain spaces costs one scan, not one scan per space.
_NBSP_RUN = re.compile(r"(?<![ \u00a0\u2007\u202f])[ \u2007\u202f]*\u00a0[ \u00a0\u2007\u202f]*")


_PAD = " \u00a0\u2007\u202f"  # the characters of a run _NBSP_RUN takes


def _nbsp_runs(text: str):
    """``_NBSP_RUN.finditer(text)``, searched from the non-breaking spaces.

    A match is a whole run of spaces holding a non-breaking one, so each
    run is found from its first non-breaking space and matched from its start.
    """
    find = text.find
    p = find("\u00a0")
    while p >= 0:
        m = _NBSP_RUN.match(text, _run_start(text, p, _PAD))
        yield m
        p = find("\u00a0", m.end())


@rule("W003", "invisible-space", "Remove zero-width spaces and soft hyphens; fold non-breaking spaces that pad other spaces.")
def invisible_space(text: str, ctx: RuleContext):
    """Remove invisible debris and fold non-breaking-space padding.

    Zero-width spaces (U+200B), word joiners (U+2060), stray byte-order marks
    (U+FEFF inside text) and soft hyphens (U+00AD) are invisible in a browser
    and break words for every tool that reads the text, so they are removed.
    Zero-width joiners and bidi marks are kept: emoji and right-to-left text
    need them.  A single non-breaking space between two words (``10 km``,
    ``Mr. Putin``) is typography and stays; runs of non-breaking and plain
    spaces inside a line become one space, and at the start of a line they
    are removed.
    """
    out: list[Edit] = []
    if not text.isascii():
        if any(c in text for c in _ZERO_WIDTH_CHARS):  # str.find is faster than a character class
            for m in _ZERO_WIDTH.finditer(text):
                out.append(Edit(m.start(), m.end(), "", "zero-width character or soft hyphen"))
        if "\u00a0" in text:
            for m in _nbsp_runs(text):
                s, e = m.span()
                at_start = s == 0 or text[s - 1] in "\r\n"
                at_end = e == len(text) or text[e] in "\r\n"
                if at_end:
                    continue  # trailing-whitespace's job
                if at_start:
                    out.append(Edit(s, e, "", "non-breaking-space indentation"))
                elif e - s >= 2:
                    out.append(Edit(s, e, " ", "run of non-breaking and plain spaces"))
    return out


# Starts with its literal two spaces, so the search jumps from one double
# space to the next; the look-behind then checks the character before them.
_SPACE_RUN = re.compile(r"  (?<=[^ \t\r\n]  ) *(?=[^ \t\r\n])")


@rule("W004", "space-run", "Fold runs of spaces between words into one space.")
def space_run(text: str, ctx: RuleContext):
    """Fold two or more spaces between words into one.

    Runs of spaces inside a line are what is left where a scraper dropped an
    inline element.  Indentation at the start of a line is kept (it can mark
    list items), and so are tabs.
    """
    if "  " not in text:
        return []
    return [Edit(m.start(), m.end(), " ", "run of spaces") for m in _SPACE_RUN.finditer(text)]


# ``\r(?!\n)``: a CRLF is one line break, never a CR and then an LF (which
# made one line break look like a blank line and became ``\r\r``).
_BLANK_RUN = re.compile(r"(\r\n|\n|\r(?!\n))((?:[ \t\u00a0\u3000]*(?:\r\n|\n|\r(?!\n)))+)")
_BLANK = " \t\r\n\u00a0\u3000"
_LEADING_BLANK = re.compile(f"[{_BLANK}]*")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_LF_BLANK_RUNS = re.compile(r"\n((?:[ \t\u00a0\u3000]*\n)+)")  # _BLANK_RUN in text without CR
_LF_BLANK_RUN = re.compile(r"\n[ \t\u00a0\u3000]*\n[ \t\u00a0\u3000]*\n|\n[ \t\u00a0\u3000]+\n")


@rule("W005", "blank-lines", "Keep at most one blank line between paragraphs; drop blank lines at the start and end.")
def blank_lines(text: str, ctx: RuleContext):
    """Fold runs of blank lines into one blank line.

    Blank lines at the start of the document are removed; at the end, the
    document keeps one final line break if it had one.  A blank line made of
    spaces counts as blank.  The line-break style of the document is kept.
    """
    n = len(text)
    # Measured without copying the text (as ``rstrip`` and ``lstrip`` would).
    stripped_end = _run_start(text, n, _BLANK)
    if stripped_end == 0:
        return [Edit(0, n, "", "whitespace-only document")] if n else []
    out: list[Edit] = []
    # Leading blank lines (the first line's own indentation stays).
    lead = _LEADING_BLANK.match(text).end()
    begin = 0
    if lead:
        cut = max(text.rfind("\n", 0, lead), text.rfind("\r", 0, lead))
        if cut >= 0:
            begin = cut + 1
            out.append(Edit(0, begin, "", "blank lines at the start of the document"))
    # Trailing blank lines: keep the first line break after the last content.
    tail = text[stripped_end:]
    first_break = _LINE_BREAK.search(tail)
    limit = stripped_end + (first_break.start() if first_break else len(tail))
    if "\r" in text:
        for m in _BLANK_RUN.finditer(text, begin, limit):
            nl, blanks = m.group(1), m.group(2)
            if blanks != nl:
                out.append(Edit(m.start(2), m.end(2), nl, "run of blank lines"))
    # Without a carriage return, a run needs an edit only when it holds two
    # blank lines or a blank line with spaces: one search tells, and the runs
    # are then found from their literal line feeds.
    elif _LF_BLANK_RUN.search(text, begin, limit):
        for m in _LF_BLANK_RUNS.finditer(text, begin, limit):
            if m.group(1) != "\n":
                out.append(Edit(m.start(1), m.end(1), "\n", "run of blank lines"))
    if first_break:
        keep_end = stripped_end + first_break.end()
        if keep_end < n:
            out.append(Edit(keep_end, n, "", "blank lines at the end of the document"))
    return out
