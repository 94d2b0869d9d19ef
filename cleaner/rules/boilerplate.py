"""B rules: site furniture that is not article text.

``B001`` removes lines that match the catalogue in ``data/boilerplate.toml``
(``View original post``, share bars, photo credits, ``Editor's note: This
post has been updated…``, agency sign-offs…).  All patterns are compiled into
one regular expression, matched against the few lines that can match: the
prefixes every match of a pattern starts with are read from the catalogue
itself and searched for from each line break at C speed, so a document
without boilerplate costs a few scans.  ``B002`` removes short lines that
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
from itertools import chain

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


# ---------------------------------------------------------------------------
# Gates: which lines can match at all.
#
# Trying the whole alternation at the start of every line costs microseconds
# a line; most lines of an article match none of it.  So each pattern is
# read (with the standard library's regular-expression parser) for the few
# characters any match of it must start with: ``View``, ``Go d``,
# ``(AP/``, ``\d{1,3} min``…  Those prefixes, merged into a trie, form one
# pattern searched from each line break (a literal, so the engine skips from
# one to the next at C speed); only the lines it finds are matched whole.  A
# pattern whose match may start anywhere in its line (``[^\n]{0,1000}\(AP…``)
# is found by what follows the free part, searched anywhere.  The prefixes
# are a necessary condition by construction: character classes are kept as
# classes, anything broader ends the prefix, look-arounds are skipped.


class _NoGate(Exception):
    """A pattern the prefix reader does not understand: no gate (always matched)."""


_GATE_WIDTH = 6  # characters of prefix: enough to tell "View o" from "Very"
_GATE_LIMIT = 400  # prefixes per pattern before giving up


_REPEATS: tuple = ()  # the repeat operators, and the categories as class text (see _sre)
_CATEGORIES: dict = {}


def _sre():
    """The standard library's pattern parser (and its constants)."""
    global _REPEATS, _CATEGORIES
    try:
        import re._parser as c  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse as c  # type: ignore[no-redef]
    if not _REPEATS:
        _REPEATS = tuple(getattr(c, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(c, n))
        _CATEGORIES = {
            c.CATEGORY_DIGIT: r"\d", c.CATEGORY_NOT_DIGIT: r"\D", c.CATEGORY_SPACE: r"\s",
            c.CATEGORY_NOT_SPACE: r"\S", c.CATEGORY_WORD: r"\w", c.CATEGORY_NOT_WORD: r"\W",
        }
    return c


def _class_atom(items, c) -> str | None:
    """A character class (regular-expression text) for an ``IN`` item, or None if negated."""
    parts = []
    for op, av in items:
        if op is c.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is c.RANGE:
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is c.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:  # NEGATE, or something new: too broad or unknown
            return None
    return "[" + "".join(parts) + "]"


def _literal_atom(ch: str) -> str:
    low = ch.lower()
    return re.escape(low if len(low) == 1 else ch)  # the gate is case-insensitive


def _prefixes(items, states: set, c, width: int) -> set:
    """Extend each ``(atoms, done)`` state by the sequence *items* (parsed pattern), up to *width* atoms."""
    for op, av in items:
        live = {st for st in states if not st[1]}
        if not live:
            return states
        states = states - live
        if op is c.LITERAL:
            new = {_push(st, _literal_atom(chr(av)), width) for st in live}
        elif op is c.IN:
            atom = _class_atom(av, c)
            new = {_push(st, atom, width) if atom else (st[0], True) for st in live}
        elif op in (c.ANY, c.NOT_LITERAL):
            new = {(st[0], True) for st in live}
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            new = live  # zero-width: skipping a condition keeps a necessary condition
        elif op is c.SUBPATTERN:
            new = _prefixes(av[-1].data, live, c, width)
        elif op is c.BRANCH:
            new = set()
            for alt in av[1]:
                new |= _prefixes(alt.data, live, c, width)
        elif op in _REPEATS:
            lo, hi, sub = av
            new = set()
            cur, r = live, 0
            while True:
                if r >= lo or all(st[1] for st in cur):
                    new |= cur
                if r == hi or all(st[1] for st in cur):
                    break
                nxt = _prefixes(sub.data, cur, c, width)
                if nxt == cur:
                    new |= cur
                    break
                cur, r = nxt, r + 1
        else:
            raise _NoGate(str(op))
        states = states | new
        if len(states) > _GATE_LIMIT:
            raise _TooMany("too many prefixes")
    return states


_REPEATS: tuple = ()


def _push(st, atom: str, width: int):
    atoms = st[0] + (atom,)
    return atoms, len(atoms) >= width


def _sequence_prefixes(items, c) -> set[tuple[str, ...]]:
    """The prefixes of *items*, as long as possible up to ``_GATE_WIDTH`` atoms."""
    for width in range(_GATE_WIDTH, 0, -1):
        try:
            return {atoms for atoms, _ in _prefixes(items, {((), False)}, c, width)}
        except _TooMany:
            continue
    raise _NoGate("too many prefixes")


class _TooMany(_NoGate):
    pass


def _skippable(atom: str) -> bool:
    """Is *atom* one uncased character other than a space (a fast literal to search for)?"""
    ch = atom[1:] if atom.startswith("\\") else atom
    return len(ch) == 1 and ch.lower() == ch.upper() and not ch.isspace() and not ch.isalnum()


def _trie(prefixes: set[tuple[str, ...]]) -> str:
    """One alternation for *prefixes*, branching on their first atom at each level."""
    if () in prefixes:
        return ""
    groups: dict[str, set] = {}
    for t in prefixes:
        groups.setdefault(t[0], set()).add(t[1:])
    alts = []
    for atom in sorted(groups):
        rest = _trie(groups[atom])
        alts.append(atom + (f"(?:{rest})" if rest else ""))
    return "|".join(alts)


def _pattern_gates(regex: str, case: bool, anchored: bool):
    """``(line_start, anywhere)`` prefix sets for one catalogue pattern.

    *line_start* prefixes must start the line (after its indentation);
    *anywhere* prefixes may be found anywhere in the line.  Raises
    :class:`_NoGate` when the pattern cannot be read.
    """
    c = _sre()
    items = c.parse(regex, 0 if case else re.IGNORECASE).data
    while len(items) == 1 and items[0][0] is c.SUBPATTERN:
        items = items[0][1][-1].data
    alternatives = [alt.data for alt in items[0][1][1]] if len(items) == 1 and items[0][0] is c.BRANCH else [items]
    at_start: set = set()
    anywhere: set = set()
    for seq in alternatives:
        seq = list(seq)
        if anchored:
            found = _sequence_prefixes(seq, c)
            if () not in found:
                at_start |= found
                continue
        # A match may start anywhere in the line: look for what follows the
        # free part (leading items dropped one by one: what remains must
        # still match somewhere in the line), preferably from a punctuation
        # mark, which the search skips to at C speed (a letter under
        # IGNORECASE is tried at every position; a space is everywhere).
        fallback = None
        while seq:
            found = _sequence_prefixes(seq, c)
            if () not in found:
                if all(_skippable(t[0]) for t in found):
                    anywhere |= found
                    break
                if fallback is None and not all(t[0] == r"\ " for t in found):
                    fallback = found
            seq = seq[1:]
        else:
            if fallback is None:
                raise _NoGate("no prefix")
            anywhere |= fallback
    return at_start, anywhere


class _Seq:
    """A parsed sequence (what ``sre_parse`` keeps in ``.data``)."""

    def __init__(self, data):
        self.data = data


def _reversed(items, c) -> list:
    """*items* (a parsed pattern) read backwards: its prefixes are the pattern's suffixes."""
    out = []
    for op, av in reversed(items):
        if op is c.SUBPATTERN:
            av = (*av[:-1], _Seq(_reversed(av[-1].data, c)))
        elif op is c.BRANCH:
            av = (av[0], [_Seq(_reversed(alt.data, c)) for alt in av[1]])
        elif op in _REPEATS:
            av = (av[0], av[1], _Seq(_reversed(av[2].data, c)))
        out.append((op, av))
    return out


def _suffix_gate(regexes: list[tuple[str, bool]]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """``(ending, line_ends)``: how the trailing patterns can end, or None.

    *ending* is matched at the end of a line's text (its spaces stripped);
    *line_ends* finds the line feeds of the lines that may end so: after an
    ending's last character, or after a space.  None when some pattern can
    end in a space or has no readable ending.
    """
    c = _sre()
    suffixes: set = set()
    for regex, case in regexes:
        items = c.parse(regex, 0 if case else re.IGNORECASE).data
        found = _sequence_prefixes(_reversed(items, c), c)
        if () in found:
            return None
        for t in found:
            if any(re.match(t[0], ch, re.IGNORECASE) for ch in " \t\u00a0"):
                return None
        suffixes |= {tuple(reversed(t)) for t in found}
    if not suffixes:
        return None  # no trailing patterns
    ending = re.compile(f"(?:{'|'.join(''.join(t) for t in sorted(suffixes))})\\Z", re.IGNORECASE)
    last = "|".join(sorted({t[-1] for t in suffixes}))
    return ending, re.compile(rf"\n(?<=(?:{last}|[ \t\u00a0])\n)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _gates():
    """``(first_line, after_lf, after_cr, anywhere, trailing, ending, line_ends)`` gate patterns, or None.

    *anywhere* and *trailing* are lists of patterns (one per leading literal,
    so each search skips to its literal at C speed); *ending* and
    *line_ends* are those of :func:`_suffix_gate` (None and every line feed
    when the trailing patterns' endings cannot be read).
    """
    try:
        at_start: set = set()
        anywhere: set = set()
        trailing: set = set()
        suffix = _suffix_gate([(p.regex, p.case) for p in catalogue() if p.kind == "trailing"])
        for p in catalogue():
            if p.kind == "trailing":
                if _may_match_newline(p.regex):
                    raise _NoGate("a trailing pattern that can match a line break")
                _, found = _pattern_gates(p.regex, p.case, anchored=False)
                trailing |= found
            else:
                a, b = _pattern_gates(p.regex, p.case, anchored=True)
                at_start |= a
                anywhere |= b
    except (_NoGate, re.error, AttributeError, IndexError):
        return None
    # The look-ahead (one character class: the first atoms) fails at once on
    # blank lines and on lines that start with no prefix's first character.
    first = "".join(a[1:-1] if a.startswith("[") and a.endswith("]") else a for a in sorted({t[0] for t in at_start}))
    start = rf"[ \t\u00a0]*(?=[{first}])(?:{_trie(at_start)})" if at_start else r"(?!)"
    return (
        re.compile(start, re.IGNORECASE),
        re.compile(r"\n" + start, re.IGNORECASE),
        re.compile(r"\r" + start, re.IGNORECASE),
        _by_first_atom(anywhere),
        _by_first_atom(trailing),
        *(suffix or (None, re.compile(r"\n"))),
    )


def _may_match_newline(regex: str) -> bool:
    """Can *regex* match a line feed (a look-around counts, to be safe)?"""
    c = _sre()

    def walk(items) -> bool:
        for op, av in items:
            if op is c.LITERAL:
                if av == 10:
                    return True
            elif op is c.NOT_LITERAL:
                if av != 10:
                    return True
            elif op is c.IN:
                if re.match(_class_atom(av, c) or "[^\n]", "\n") if not any(o is c.NEGATE for o, _ in av) else \
                        not any(o is c.LITERAL and v == 10 for o, v in av):
                    return True
            elif op is c.ANY:
                return True
            elif op is c.SUBPATTERN:
                if walk(av[-1].data):
                    return True
            elif op is c.BRANCH:
                if any(walk(alt.data) for alt in av[1]):
                    return True
            elif op in _REPEATS:
                if walk(av[2].data):
                    return True
            elif op in (c.ASSERT, c.ASSERT_NOT):
                if walk(av[1].data):
                    return True
            elif op is not c.AT:
                return True
        return False

    return walk(c.parse(regex).data)


class _GateList(list):
    """Gate patterns, and in ``literals`` the first character of each one's matches (see :func:`_first_literal`)."""

    literals: tuple[str | None, ...] = ()


def _by_first_atom(prefixes: set) -> _GateList:
    groups: dict[str, set] = {}
    for t in prefixes:
        groups.setdefault(t[0], set()).add(t)
    patterns = _GateList()
    for atom, g in sorted(groups.items()):
        pattern = re.compile(_trie(g), re.IGNORECASE)
        _LITERALS[pattern] = atom[-1] if _skippable(atom) else None
        patterns.append(pattern)
    patterns.literals = tuple(map(_first_literal, patterns))
    return patterns


def _literals_of(gates: list[re.Pattern[str]]) -> tuple[str | None, ...]:
    """:func:`_first_literal` of each of *gates*: read once, when :func:`_by_first_atom` made them."""
    literals = getattr(gates, "literals", None)
    return literals if literals is not None and len(literals) == len(gates) else tuple(map(_first_literal, gates))


#: The first character of every match of each gate of :func:`_by_first_atom`, when it is a fast literal.
_LITERALS: dict[re.Pattern[str], str | None] = {}


def _first_literal(pattern: re.Pattern[str]) -> str | None:
    """The character every match of a gate pattern starts with, when its first atom is a fast literal.

    Known only for the gates :func:`_by_first_atom` makes (from their first
    atom, not by reading the pattern: a class such as ``[(\\[]`` is not a
    literal); None for any other pattern.
    """
    return _LITERALS.get(pattern)


def _candidate_lines(text: str, gates) -> list[int]:
    """Start offsets of the lines the gates find (sorted, without duplicates)."""
    first, after_lf, after_cr, anywhere = gates[:4]
    found = set()
    if first.match(text):
        found.add(0)
    found.update(m.start() + 1 for m in after_lf.finditer(text))
    if "\r" in text:
        found.update(m.start() + 1 for m in after_cr.finditer(text))
    for g, literal in zip(anywhere, _literals_of(anywhere)):
        if literal is not None and literal not in text:
            continue  # ``in`` finds one character faster than the pattern's search
        for m in g.finditer(text):
            p = m.start()
            found.add(max(text.rfind("\n", 0, p), text.rfind("\r", 0, p)) + 1)
    return sorted(found)


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
    trail_re = _compiled()[1]
    pats = catalogue()
    gates = _gates()
    lines = None
    marked: dict[int, str] = {}
    out: list[Edit] = []
    starts: list[int] = []
    # Lines are matched one by one, and each distinct line only once (see
    # _line_verdict).  With the gates, only the lines they find are looked
    # at (the others cannot match).
    for m in _LINE_TEXT.finditer(text) if gates is None else _lines_at(text, _candidate_lines(text, gates)):
        if m.end() - m.start() > _MAX_LINE:
            continue
        found = _line_verdict(m.group())
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
    for m in trail_re.finditer(text) if gates is None else _trailing_matches(text, trail_re, *gates[4:]):
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


@lru_cache(maxsize=4096)
def _line_verdict(content: str) -> int:
    """The index of the first catalogue pattern that matches the line *content*, or -1.

    Remembered for the most recent lines (at most ``_MAX_LINE`` characters
    each): pages repeat their furniture, documents of one site share it, the
    engine's next pass sees most lines again, and a hostile file of a
    million identical lines costs one match, not a million.
    """
    hit = _compiled()[0].fullmatch(content)
    return int(hit.lastgroup[1:]) if hit else -1


def _lines_at(text: str, starts: list[int]):
    """The ``_LINE_TEXT`` matches that start at *starts* (empty lines skipped)."""
    match = _LINE_TEXT.match
    for s in starts:
        m = match(text, s)
        if m is not None:
            yield m


def _trailing_matches(text: str, trail_re: re.Pattern[str], gates: list[re.Pattern[str]],
                      ending: re.Pattern[str] | None, line_ends: re.Pattern[str]):
    """``trail_re.finditer(text)``, searched only in the lines that can hold a match.

    The trailing patterns end at a line feed (``$``) and never match one
    (checked when the gates are built), so each line from one line feed to
    the next is searched on its own, and only if it ends (spaces aside) as
    one of them can (*ending*; the lines are found from their line feeds,
    *line_ends*) and holds the start of one (*gates*).
    """
    if not gates:
        return
    literals = _literals_of(gates)
    if None not in literals and not any(map(text.__contains__, literals)):
        return  # every match holds the start of a gate's match
    ends = [m.start() for m in line_ends.finditer(text)]
    if not text.endswith("\n"):
        ends.append(len(text))  # the last line, without a line feed
    for end in ends:
        start = text.rfind("\n", 0, end) + 1
        if ending is not None:
            e = start + len(text[start:end].rstrip(" \t\u00a0"))
            if not ending.search(text, max(start, e - _GATE_WIDTH), e):
                continue
        if any(g.search(text, start, end) for g in gates):
            yield from trail_re.finditer(text, start, end)


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
        self.add_all((text,))

    def add_all(self, texts: Iterable[str]) -> None:
        """Count the short lines of each of *texts*, each line once per document.

        A short line is a stripped line of at most ``MAX_CHARS`` characters
        and ``MAX_WORDS`` words; its key is :func:`normalise_line` of it.
        Case folding neither makes nor removes a word (no character folds to
        white space or to nothing), so the words are counted before folding.
        One set comprehension a text and one ``Counter.update`` for them all:
        the corpus engine counts a whole batch at once.
        """
        texts = list(texts)
        max_chars, max_words = self.MAX_CHARS, self.MAX_WORDS
        strip, split, join = str.strip, str.split, " ".join
        self.documents += len(texts)
        self.line_docs.update(chain.from_iterable(
            {join(words).casefold() for words in map(split, [s for s in map(strip, text.splitlines())
                                                             if s and len(s) <= max_chars])
             if len(words) <= max_words}
            for text in texts))

    def merge(self, other: CorpusStats) -> None:
        self.documents += other.documents
        self.line_docs.update(other.line_docs)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CorpusStats:
        stats = cls()
        stats.add_all(texts)
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
    marked: dict[int, str] = {}  # line index (in line_spans) -> reason
    first = True
    sentence_ends = (".", "?", "!", '"', "”")
    max_chars = CorpusStats.MAX_CHARS
    line_docs = stats.line_docs
    # One step per line, blank ones too (a file of a million line breaks costs a split and a loop).
    for i, line in enumerate(_line_texts(text)):
        s = line.strip()
        if not s:
            continue
        if first:  # the first line of the document: a shared headline is still a headline
            first = False
            continue
        if len(s) > max_chars or s.endswith(sentence_ends):
            continue
        count = line_docs.get(normalise_line(s), 0)
        if count >= need:
            marked[i] = f"template line: occurs verbatim in {count} of {stats.documents} documents"
    return remove_lines(text, line_spans(text), marked) if marked else []


def _line_texts(text: str) -> list[str]:
    """The text of each line of :func:`line_spans` (and an empty last one after a final line feed).

    Without carriage returns that is ``str.split``, much faster than
    scanning every character with a pattern.
    """
    if "\r" in text:
        return [text[ln.start : ln.end] for ln in line_spans(text)]
    return text.split("\n")


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
