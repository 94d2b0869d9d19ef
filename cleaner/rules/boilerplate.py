"""B rules: site furniture that is not article text.

``B001`` removes lines that match the catalogue in ``data/boilerplate.toml``
(``View original post``, share bars, photo credits, ``Editor's note: This
post has been updated…``, agency sign-offs…).  All patterns are compiled into
one regular expression that is run once over the whole document, so the cost
does not grow with the number of patterns.  ``B002`` removes short lines that
recur verbatim across many documents of one run (site templates).

Precision comes first: patterns match whole lines, and a line that belongs to
the article (a title, a dateline, a subhead such as ``NATO: NO APPETITE``, an
Axios ``Why it matters:`` label, a list item) must never match.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule
from cleaner.rules._lines import is_blank, line_spans, load_toml, remove_lines


@dataclass(frozen=True)
class Pattern:
    id: str
    regex: str
    why: str
    kind: str = "line"
    case: bool = False


@lru_cache(maxsize=1)
def catalogue() -> tuple[Pattern, ...]:
    """The boilerplate patterns shipped in ``data/boilerplate.toml``."""
    data = load_toml("boilerplate.toml")
    return tuple(
        Pattern(p["id"], p["regex"], p["why"], p.get("kind", "line"), bool(p.get("case", False)))
        for p in data["pattern"]
    )


def _group(p: Pattern, i: int) -> str:
    body = p.regex if p.case else f"(?i:{p.regex})"
    return f"(?P<p{i}>{body})"


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], re.Pattern[str]]:
    pats = catalogue()
    whole = [_group(p, i) for i, p in enumerate(pats) if p.kind in ("line", "block")]
    trailing = [_group(p, i) for i, p in enumerate(pats) if p.kind == "trailing"]
    # Applied with ``fullmatch`` to one line's text.  The indentation is taken
    # whole -- ``(?![ \t\u00a0])`` forbids giving spaces back -- and a blank
    # line fails before any pattern is tried (``(?=\S)``): without that, a line
    # of a million spaces would be tried against every pattern once per space.
    line_re = re.compile(r"[ \t\u00a0]*(?![ \t\u00a0])(?=\S)(?:" + "|".join(whole) + r")[ \t\u00a0]*")
    trail_re = re.compile(r"(?:" + "|".join(trailing) + r")[ \t\u00a0]*$", re.MULTILINE)
    return line_re, trail_re


_MAX_LINE = 1200
_LINE_TEXT = re.compile(r"[^\r\n]+")
_HEADLINE_MAX = 160


def _headline_like(s: str) -> bool:
    s = s.strip()
    return 0 < len(s) <= _HEADLINE_MAX and len(s.split()) <= 24 and not s.endswith((".", ":", ";"))


@rule("B001", "boilerplate-line", "Remove boilerplate lines listed in the pattern catalogue (share bars, credits, teasers…).", fix="unsafe")
def boilerplate_line(text: str, ctx: RuleContext):
    """Remove lines that the catalogue ``data/boilerplate.toml`` knows as site furniture.

    Each pattern matches a whole line and says why the line is not article
    text (``cleaner rule B001`` lists them).  ``block`` patterns (``Most
    Read Stories``) also take the list of headlines under them, as long as
    the lines that follow look like headlines.  ``trailing`` patterns remove
    only an inline credit at the end of a line.  The reason recorded for each
    edit names the pattern.
    """
    line_re, trail_re = _compiled()
    pats = catalogue()
    lines = None
    marked: dict[int, str] = {}
    out: list[Edit] = []
    starts: list[int] = []
    # Lines are matched one by one, and each distinct line only once: pages
    # repeat their furniture, and a hostile file of a million identical
    # lines then costs one match, not a million.
    verdict: dict[str, int] = {}  # line text -> index of the matching pattern, -1 for none
    for m in _LINE_TEXT.finditer(text):
        if m.end() - m.start() > _MAX_LINE:
            continue
        content = m.group()
        found = verdict.get(content)
        if found is None:
            hit = line_re.fullmatch(content)
            found = verdict[content] = int(hit.lastgroup[1:]) if hit else -1
        if found < 0:
            continue
        if lines is None:
            lines = line_spans(text)
            starts = [ln.start for ln in lines]
        i = bisect_right(starts, m.start()) - 1
        p = pats[found]
        marked[i] = f"boilerplate ({p.id}): {p.why}"
        if p.kind == "block":
            follow = []
            j = i + 1
            while j < len(lines) and len(follow) < 12:
                ln = lines[j]
                if is_blank(text, ln):
                    j += 1
                    continue
                if not _headline_like(text[ln.start : ln.end]):
                    break
                follow.append(j)
                j += 1
            if len(follow) >= 2:
                for k in follow:
                    marked[k] = f"boilerplate ({p.id}): headline listed under the box header"
    if lines is not None:
        out.extend(remove_lines(text, lines, marked))
    removed_starts = [e.start for e in out]  # sorted and disjoint (remove_lines)
    for m in trail_re.finditer(text):
        k = bisect_right(removed_starts, m.start()) - 1
        if k >= 0 and m.start() < out[k].end:
            continue  # on a line that goes anyway
        p = pats[int(m.lastgroup[1:])]
        s = m.start()
        line_start = max(text.rfind("\n", 0, s), text.rfind("\r", 0, s)) + 1
        if not text[line_start:s].strip():
            continue  # the whole line would go: leave that to line patterns
        out.append(Edit(s, m.end(), "", f"boilerplate ({p.id}): {p.why}"))
    return out


# ---------------------------------------------------------------------------
# Corpus-level boilerplate


def normalise_line(line: str) -> str:
    return " ".join(line.split()).casefold()


class CorpusStats:
    """Run-wide statistics that some rules need: how many documents each short line is in."""

    MAX_CHARS = 80
    MAX_WORDS = 10

    def __init__(self) -> None:
        self.documents = 0
        self.line_docs: Counter[str] = Counter()

    def add(self, text: str) -> None:
        """Count the short lines of one document (each line once per document)."""
        self.documents += 1
        seen = set()
        for raw in text.splitlines():
            s = raw.strip()
            if not s or len(s) > self.MAX_CHARS:
                continue
            key = normalise_line(s)
            if len(key.split()) <= self.MAX_WORDS:
                seen.add(key)
        self.line_docs.update(seen)

    def merge(self, other: CorpusStats) -> None:
        self.documents += other.documents
        self.line_docs.update(other.line_docs)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CorpusStats:
        stats = cls()
        for t in texts:
            stats.add(t)
        return stats


@rule(
    "B002",
    "template-line",
    "Remove short lines that recur verbatim in many documents of the run (site templates).",
    fix="unsafe",
    options={"min_documents": 5, "min_fraction": 0.005},
)
def template_line(text: str, ctx: RuleContext):
    """Remove a short line that recurs verbatim across many documents of one run.

    A line counts when it is at most 80 characters and 10 words, occurs in at
    least ``min_documents`` documents (default 5) and in at least
    ``min_fraction`` of all documents (default 0.5%), does not end like a
    sentence, and is not the first line of the document (a shared headline
    of syndicated copy is still a headline).  Ordinary article sentences are
    longer than this and end with punctuation, so they are never touched.
    """
    stats = ctx.corpus
    if not isinstance(stats, CorpusStats) or stats.documents < 2:
        return []
    min_docs = max(int(ctx.options.get("min_documents", 5)), 2)
    need = max(min_docs, stats.documents * float(ctx.options.get("min_fraction", 0.005)))
    marked: dict[int, str] = {}  # line start -> reason
    first = True
    # Only lines with text are visited, so a file of a million line breaks costs one scan.
    for m in _LINE_TEXT.finditer(text):
        s = m.group().strip()
        if not s:
            continue
        if first:  # the first line of the document: a shared headline is still a headline
            first = False
            continue
        if len(s) > CorpusStats.MAX_CHARS or s.endswith((".", "?", "!", '"', "”")):
            continue
        count = stats.line_docs.get(normalise_line(s), 0)
        if count >= need:
            marked[m.start()] = f"template line: occurs verbatim in {count} of {stats.documents} documents"
    return _remove_marked(text, marked)


def _remove_marked(text: str, marked_starts: dict[int, str]) -> list[Edit]:
    """:func:`remove_lines` for lines given by their start offsets."""
    if not marked_starts:
        return []
    lines = line_spans(text)
    index = {ln.start: i for i, ln in enumerate(lines)}
    return remove_lines(text, lines, {index[start]: why for start, why in marked_starts.items()})


# ---------------------------------------------------------------------------
# Navigation runs

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def _nav_like(s: str, max_words: int) -> bool:
    """A menu entry: a few words and no sentence punctuation at the end."""
    return bool(s) and len(s.split()) <= max_words and len(s) <= 60 and not _SENTENCE_END.search(s)


@rule(
    "B003",
    "navigation-run",
    "Remove runs of menu-like lines (several consecutive short lines without sentence punctuation).",
    fix="unsafe",
    default_enabled=False,
    options={"min_run": 4, "max_words": 4},
)
def navigation_run(text: str, ctx: RuleContext):
    """Remove a run of navigation entries left by extracting a whole page.

    ``get_text()`` of a news page puts every menu entry (``Tech``, ``Cars``,
    ``Gaming``, ``Privacy Policy``) on its own line.  A run of at least
    ``min_run`` (default 4) consecutive non-blank lines, each of at most
    ``max_words`` (default 4) words and 60 characters and none ending like a
    sentence, is such a menu.  Blank lines break a run, so the title,
    subheads and short paragraphs of an article, which stand between blank
    lines or next to full sentences, are never part of one.  Off by default
    (select it with ``--extend-select B003`` for whole-page text): list-like
    article passages can look the same, and precision comes first.
    """
    min_run = int(ctx.options.get("min_run", 4))
    max_words = int(ctx.options.get("max_words", 4))
    marked: dict[int, str] = {}  # line start -> reason
    run: list[int] = []
    prev_end = -1

    def close_run() -> None:
        if len(run) >= min_run:
            for start in run:
                marked[start] = f"navigation entry (run of {len(run)} menu-like lines)"
        run.clear()

    # Only lines with text are visited; a blank line between two of them, or
    # a line that is not menu-like, ends a run.
    for m in _LINE_TEXT.finditer(text):
        gap = text[prev_end : m.start()] if prev_end >= 0 else ""
        if gap not in ("\n", "\r\n", "\r"):
            close_run()
        prev_end = m.end()
        if _nav_like(m.group().strip(), max_words):
            run.append(m.start())
        else:
            close_run()
    close_run()
    return _remove_marked(text, marked)
