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


@rule("W001", "bullet-only-line", "Remove lines that hold only a bullet glyph.")
def bullet_only_line(text: str, ctx: RuleContext):
    """Remove a line holding nothing but ``•``, ``·``, ``▪``, ``*`` or a dash.

    Such a line is what is left of a list item whose text was a link the
    scraper dropped, or of a decorative separator.
    """
    if not any(c in text for c in "•·▪●◦‣⁃∙*–—-"):
        return []
    lines = line_spans(text)
    marked = {
        i: "line holding only a bullet glyph"
        for i, ln in enumerate(lines)
        if ln.end - ln.start <= 8 and _BULLET_ONLY.fullmatch(text, ln.start, ln.end)
    }
    return remove_lines(text, lines, marked)


_TRAILING = re.compile(r"(?<=[^ \t\u00a0\u3000\r\n])[ \t\u00a0\u3000]+(?=\r\n|\n|\r|\Z)")


@rule("W002", "trailing-whitespace", "Remove spaces, tabs and non-breaking spaces at the end of a line.")
def trailing_whitespace(text: str, ctx: RuleContext):
    """Remove whitespace after the last visible character of a line.

    Lines holding only whitespace are left to ``blank-lines``.
    """
    return [Edit(m.start(), m.end(), "", "trailing whitespace") for m in _TRAILING.finditer(text)]


_ZERO_WIDTH = re.compile(r"[\u200b\u2060\ufeff\u00ad\u180e]+")
# The look-behind lets a match start only where a run of spaces starts, so a
# long run of plain spaces costs one scan, not one scan per space.
_NBSP_RUN = re.compile(r"(?<![ \u00a0\u2007\u202f])[ \u2007\u202f]*\u00a0[ \u00a0\u2007\u202f]*")


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
        for m in _ZERO_WIDTH.finditer(text):
            out.append(Edit(m.start(), m.end(), "", "zero-width character or soft hyphen"))
        if "\u00a0" in text:
            for m in _NBSP_RUN.finditer(text):
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


_SPACE_RUN = re.compile(r"(?<=[^ \t\r\n]) {2,}(?=[^ \t\r\n])")


@rule("W004", "space-run", "Fold runs of spaces between words into one space.")
def space_run(text: str, ctx: RuleContext):
    """Fold two or more spaces between words into one.

    Runs of spaces inside a line are what is left where a scraper dropped an
    inline element.  Indentation at the start of a line is kept (it can mark
    list items), and so are tabs.
    """
    return [Edit(m.start(), m.end(), " ", "run of spaces") for m in _SPACE_RUN.finditer(text)]


_BLANK_RUN = re.compile(r"(\r\n|\n|\r)((?:[ \t\u00a0\u3000]*(?:\r\n|\n|\r))+)")


@rule("W005", "blank-lines", "Keep at most one blank line between paragraphs; drop blank lines at the start and end.")
def blank_lines(text: str, ctx: RuleContext):
    """Fold runs of blank lines into one blank line.

    Blank lines at the start of the document are removed; at the end, the
    document keeps one final line break if it had one.  A blank line made of
    spaces counts as blank.  The line-break style of the document is kept.
    """
    n = len(text)
    stripped_end = len(text.rstrip(" \t\r\n\u00a0\u3000"))
    if stripped_end == 0:
        return [Edit(0, n, "", "whitespace-only document")] if n else []
    out: list[Edit] = []
    # Leading blank lines (the first line's own indentation stays).
    lead = n - len(text.lstrip(" \t\r\n\u00a0\u3000"))
    begin = 0
    if lead:
        cut = max(text.rfind("\n", 0, lead), text.rfind("\r", 0, lead))
        if cut >= 0:
            begin = cut + 1
            out.append(Edit(0, begin, "", "blank lines at the start of the document"))
    # Trailing blank lines: keep the first line break after the last content.
    tail = text[stripped_end:]
    first_break = re.search(r"\r\n|\n|\r", tail)
    limit = stripped_end + (first_break.start() if first_break else len(tail))
    for m in _BLANK_RUN.finditer(text, begin, limit):
        nl, blanks = m.group(1), m.group(2)
        if blanks != nl:
            out.append(Edit(m.start(2), m.end(2), nl, "run of blank lines"))
    if first_break:
        keep_end = stripped_end + first_break.end()
        if keep_end < n:
            out.append(Edit(keep_end, n, "", "blank lines at the end of the document"))
    return out
