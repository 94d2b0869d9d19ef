"""Line helpers shared by the rules that remove whole lines.

Removing a line must not leave a hole: the line goes with its line break and
the blank lines after it, and a line at the end of the document takes the
blank lines before it, keeping the document's final newline (if it had one).
That way the whitespace rules rarely need to touch what a removal left.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate, repeat
from operator import add
from pathlib import Path
from typing import NamedTuple

from cleaner.model import Edit
from cleaner.textcache import TextCache

_LINE = re.compile(r"[^\r\n]*(\r\n|\n|\r)|[^\r\n]+$")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def load_toml(name: str) -> dict:
    """Load a TOML data file shipped in ``cleaner/data``."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    with open(DATA_DIR / name, "rb") as fh:
        return tomllib.load(fh)


def sample_text(name: str = "warm_up.txt") -> str:
    """A sample news text from ``cleaner/data``: what kernels are compiled on and workers warmed up with."""
    return (DATA_DIR / name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def load_word_list(name: str) -> frozenset[str]:
    """Load a word list (one entry a line, ``#`` comments) from ``cleaner/data``."""
    words = set()
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                words.add(line)
    return frozenset(words)


class Line(NamedTuple):
    """One line: ``text[start:end]`` is its content, ``text[start:stop]`` includes the break."""

    start: int
    end: int
    stop: int


def matches_at(pattern: re.Pattern, text: str, starts):
    """``pattern.finditer(text)`` when every match can only start at one of *starts* (ascending).

    The matches are the same: the next match is the first of these positions,
    from the end of the last match on, where the pattern matches.  A rule
    that finds its few candidate positions at C speed tries the pattern only
    there instead of scanning the text with it.
    """
    end = 0
    match = pattern.match
    for p in starts:
        if p < end:
            continue
        m = match(text, p)
        if m is not None:
            end = m.end()
            yield m


_LINES = TextCache()


def line_spans(text: str) -> list[Line]:
    """Split *text* into lines, keeping exact offsets (any of CRLF, LF, CR).

    Several rules in a row ask for the lines of the same text, so the answer
    for the last text asked about (for each text of the batch the engine is
    cleaning: :mod:`cleaner.textcache`) is kept and given again (the same
    list: callers must not change it); not for a text over
    :data:`KEEP_LINES_OF` characters: no larger document's lines stay alive
    after its run.
    """
    if len(text) > KEEP_LINES_OF:
        return _split_lines(text)
    return _LINES.get(text, _split_lines)


#: The longest text whose lines :func:`line_spans` keeps for the next call.
KEEP_LINES_OF = 1 << 20


def _split_lines(text: str) -> list[Line]:
    """The lines of *text*: the matches of ``_LINE``, read with ``str.split`` when only line feeds break lines."""
    if "\r" in text:
        out = []
        append = out.append
        for m in _LINE.finditer(text):
            s, stop = m.span()
            brk = m.start(1)  # -1 for a last line without a break
            append(Line(s, brk if brk >= 0 else stop, stop))
        return out
    # Line feeds only: ``str.split`` and running sums, no Python loop per line.
    parts = text.split("\n")
    if not parts[-1]:
        parts.pop()  # nothing after the last line break
    n = len(parts)
    if not n:
        return []
    ends = list(map(add, accumulate(map(len, parts)), range(n)))  # a line break after each line before
    starts = [0]
    starts += map(add, ends, repeat(1))
    starts.pop()
    stops = starts[1:]
    stops.append(min(ends[-1] + 1, len(text)))  # the last line may have no break
    return list(map(tuple.__new__, repeat(Line), zip(starts, ends, stops)))


def is_blank(text: str, line: Line) -> bool:
    return not text[line.start : line.end].strip()


def remove_lines(text: str, lines: list[Line], marked: dict[int, str]) -> list[Edit]:
    """Edits that delete the lines whose indices are keys of *marked*.

    The values are the reasons.  Blank lines that would be left doubled are
    taken with the removed lines (see the module docstring).
    """
    if not marked:
        return []
    n = len(lines)
    spans: list[tuple[int, int, str, str]] = []  # (start, stop, after, reason)
    idx = sorted(marked)
    i = 0
    while i < len(idx):
        # A run of removed lines, possibly separated by blank lines.
        run = [idx[i]]
        j = idx[i] + 1
        while j < n and (j in marked or is_blank(text, lines[j])):
            if j in marked:
                run.append(j)
            j += 1
        # j is the next content line (or n).
        i += len(run)
        if j < n:
            for a, b in zip(run, run[1:] + [None]):
                stop = lines[b].start if b is not None else lines[j].start
                spans.append((lines[a].start, stop, "", marked[a]))
            continue
        # At the end of the document: take the blank lines before the run too,
        # and keep the document's final line break.
        prev = run[0] - 1
        while prev >= 0 and is_blank(text, lines[prev]) and prev not in marked:
            prev -= 1
        if prev < 0:
            start = 0
            tail = ""
        else:
            start = lines[prev].end
            last = lines[-1]
            tail = text[last.end : last.stop]  # final line break, if any
        for k, (a, b) in enumerate(zip(run, run[1:] + [None])):
            s = start if k == 0 else lines[a].start
            stop = lines[b].start if b is not None else len(text)
            after = tail if b is None else ""
            spans.append((s, stop, after, marked[a]))
    return _join_adjacent(spans)


def _join_adjacent(spans: list[tuple[int, int, str, str]]) -> list[Edit]:
    """Fuse touching spans with the same reason (one comment over three lines is one edit)."""
    out: list[Edit] = []
    k = 0
    n = len(spans)
    while k < n:
        start, stop, after, reason = spans[k]
        parts = [after]
        k += 1
        while k < n and spans[k][0] == stop and spans[k][3] == reason:
            stop = spans[k][1]
            parts.append(spans[k][2])
            k += 1
        out.append(Edit(start, stop, "".join(parts), reason))
    return out
