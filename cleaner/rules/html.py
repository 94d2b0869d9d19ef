"""H rules: HTML debris left in extracted text.

Scrapers that extract text from HTML often leave comments, stray tags and
character references behind.  Comments are found with a linear scan rather
than a lazy regular expression, so a long run of ``<!--`` without a closing
``-->`` costs linear time.  Malformed comments written with en or em dashes
(``<!– … –>``, as some CMSs emit) are handled here, before any HTML parser
sees them: BeautifulSoup reads ``<!–`` as a declaration that ends at the
first ``>``.
"""

from __future__ import annotations

import html
import re
from html.entities import html5

from cleaner.model import Edit, Finding
from cleaner.registry import RuleContext, rule
from cleaner.rules._lines import line_spans, load_word_list, remove_lines

_OPEN = re.compile(r"<!(?:--|[\u2013\u2014])")
_CLOSE = re.compile(r"(?:--|[\u2013\u2014])\s*>")


def _comment_spans(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Pair comment openers with the next closer; linear in len(text)."""
    spans: list[tuple[int, int]] = []
    unclosed: list[int] = []
    pos = 0
    while True:
        m = _OPEN.search(text, pos)
        if not m:
            break
        c = _CLOSE.search(text, m.end())
        if not c:
            unclosed.append(m.start())
            break
        spans.append((m.start(), c.end()))
        pos = c.end()
    return spans, unclosed


# White space within a line (what ``str.strip`` removes, less the line breaks).
_BLANK_RUN = re.compile(r"[^\S\r\n]*")


@rule("H001", "html-comment", "Remove HTML comments, including malformed ones written with en or em dashes.")
def html_comment(text: str, ctx: RuleContext):
    """Remove ``<!-- … -->`` comments and their malformed forms.

    Comments are invisible in a browser, so they are never article text.
    ``<!– … –>`` (en dash) and ``<!— … —>`` (em dash) are what word
    processors and some CMSs make of ``<!-- -->``; they are removed too, also
    when they span several lines.  A comment that fills its lines is removed
    with those lines; one inside a line is cut out of it.  An opener without
    a closer is reported, not removed: the end of the comment is unknown.
    """
    if "<" not in text or "<!" not in text:  # one character is found faster (memchr) than two
        return []
    spans, unclosed = _comment_spans(text)
    out: list[Edit | Finding] = []
    whole: list[tuple[int, int]] = []  # comments that fill their lines
    backwards = None  # the text reversed, to read the white space before a comment (made when needed)
    n = len(text)
    for s, e in spans:
        # Only white space before the comment on its first line, and after it on its last?  (Read as
        # runs of white space from the comment outwards: a line of many comments costs no more.)
        after = _BLANK_RUN.match(text, e).end()
        if after == n or text[after] in "\r\n":
            if backwards is None:
                backwards = text[::-1]
            before = s - (_BLANK_RUN.match(backwards, n - s).end() - (n - s))
            if before == 0 or text[before - 1] in "\r\n":
                whole.append((s, e))
                continue
        out.append(Edit(s, e, "", "HTML comment inside a line"))
    if whole:  # only then are the lines needed
        lines = line_spans(text)
        starts = [ln.start for ln in lines]
        from bisect import bisect_right

        marked: dict[int, str] = {}
        for s, e in whole:
            first = bisect_right(starts, s) - 1
            last = bisect_right(starts, max(s, e - 1)) - 1
            for k in range(first, last + 1):
                marked[k] = "HTML comment"
        out.extend(remove_lines(text, lines, marked))
    for s in unclosed:
        out.append(Finding(s, s + 4, "HTML comment opener without a closing '-->': not removed",
                           severity="warning"))
    return out


# ``(?:amp;)*`` takes double-escaped references (``&amp;#8217;``) whole.
_ENTITY = re.compile(r"&(?:amp;){0,8}(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACE_ENTITIES = {"&nbsp;", "&#160;", "&#xa0;", "&#xA0;", "&NonBreakingSpace;"}


@rule("H002", "html-entity", "Decode HTML character references such as &amp; and &#8217;.")
def html_entity(text: str, ctx: RuleContext):
    """Decode HTML character references left in text (``&amp;`` → ``&``).

    Only complete references (with the closing ``;``) that HTML5 defines are
    decoded, so ``Texas A&M's`` is left alone.  Double-escaped references
    (``&amp;#8217;``) are decoded all the way, so that cleaning cleaned text
    changes nothing.  ``&nbsp;`` becomes a plain space: in extracted text it
    is layout debris.  References to control characters or surrogates are
    not decoded.
    """
    if "&" not in text:
        return []
    out = []
    seen: dict[str, str | None] = {}  # each distinct reference is decoded once
    for m in _ENTITY.finditer(text):
        ref = m.group()
        if ref in seen:
            decoded = seen[ref]
        else:
            decoded = seen[ref] = _decode_reference(ref)
        if decoded is not None:
            out.append(Edit(m.start(), m.end(), decoded, f"HTML character reference {ref}"))
    return out


def _decode_reference(ref: str) -> str | None:
    """What the reference *ref* stands for, or None when it is left alone."""
    inner = ref[1:]
    while inner.startswith("amp;") and len(inner) > 4:
        inner = inner[4:]
    if not inner.startswith("#") and inner not in html5:
        return None
    decoded = ref
    for _ in range(4):
        nxt = html.unescape(decoded)
        if nxt == decoded:
            break
        decoded = nxt
        if not _ENTITY.search(decoded):
            break
    if ref in _SPACE_ENTITIES or decoded == "\u00a0":
        decoded = " "
    if decoded == ref or any(_bad_char(c) for c in decoded):
        return None
    return decoded


def _bad_char(c: str) -> bool:
    o = ord(c)
    return (o < 32 and c not in "\t\n\r") or 0xD800 <= o <= 0xDFFF or 0x7F <= o <= 0x9F or o == 0xFFFD


_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]{0,15})(?:\s[^<>]{0,2000})?/?>")
_SCRIPT = re.compile(r"<(script|style|noscript|template)\b[^<>]{0,2000}>", re.IGNORECASE)


@rule("H003", "html-tag", "Remove stray HTML tags; drop script and style elements with their content.", repeat=True)
def html_tag(text: str, ctx: RuleContext):
    """Remove leftover HTML tags (``<p>``, ``</div>``, ``<a href=…>``).

    Only names in the HTML tag list (``data/html_tags.txt``) count, so
    ``<3`` or ``a <b> c`` in prose about code is not mistaken for markup
    unless it is a real tag name.  Block tags (``<p>``, ``<br>``, ``<div>``,
    ``<li>``) become a line break where the text would otherwise run
    together; inline tags (``<a>``, ``<b>``, ``<span>``) are removed.
    ``<script>``, ``<style>`` and ``<noscript>`` elements are removed with
    their content.  Whole documents of HTML go through the HTML reader
    (BeautifulSoup) instead; this rule mops up what is left in text.
    """
    if "<" not in text:
        return []
    names = load_word_list("html_tags.txt")
    blocks = load_word_list("html_block_tags.txt")
    out: list[Edit] = []
    skip_until = 0
    unclosed: set[str] = set()  # names with no closing tag after some point: none after any later one
    for m in _SCRIPT.finditer(text):
        if m.start() < skip_until:
            continue
        name = m.group(1).lower()
        if name in unclosed:
            continue
        close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, m.end())
        if not close:
            unclosed.add(name)
        else:
            out.append(Edit(m.start(), close.end(), "", f"<{name}> element with its content"))
            skip_until = close.end()
    covered = [(e.start, e.end) for e in out]
    tags: list[tuple[int, int, bool, str]] = []  # (start, end, is_block, text)
    ci = 0
    for m in _TAG.finditer(text):
        while ci < len(covered) and covered[ci][1] <= m.start():
            ci += 1
        if ci < len(covered) and covered[ci][0] <= m.start() < covered[ci][1]:
            continue
        name = m.group(1).lower()
        if name in names:
            tags.append((m.start(), m.end(), name in blocks, m.group()))
    # Adjacent tags (``</p><p>``) form one group: at most one line break for the group.
    i = 0
    while i < len(tags):
        j = i
        while j + 1 < len(tags) and tags[j + 1][0] == tags[j][1]:
            j += 1
        group = tags[i : j + 1]
        g_start, g_end = group[0][0], group[-1][1]
        before = text[g_start - 1] if g_start > 0 else "\n"
        after_c = text[g_end] if g_end < len(text) else "\n"
        glue = not before.isspace() and not after_c.isspace()
        broke = False
        for s_, e_, is_block, tag in group:
            repl = ""
            if is_block and glue and not broke:
                repl, broke = "\n", True
            out.append(Edit(s_, e_, repl, f"HTML tag {tag[:40]}"))
        i = j + 1
    return out
