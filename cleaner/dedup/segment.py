"""Paragraph segmentation with exact code-point offsets.

Scraped news comes in three layouts, and :func:`segment_paragraphs` handles
all of them in one pass:

* **blank-line-separated** paragraphs (each block between blank lines is one
  paragraph, even when it is hard-wrapped over several lines);
* **one paragraph per line** (a block of several lines whose line breaks
  fall between sentences is several paragraphs);
* **run-on bodies** (seed 000 is one 4,000-character line): a paragraph
  longer than ``max_chars`` is cut into *sentence windows* of about
  ``window_chars`` characters, so that its parts can match the paragraphs
  other outlets printed separately.

Each :class:`Paragraph` carries its 1-based number in the document, the
``[start, end)`` span in the text it was cut from (leading and trailing
whitespace excluded) and its kind (``"block"``, ``"line"`` or
``"window"``).

>>> [(p.number, p.kind, p.text) for p in segment_paragraphs("One.\\nTwo.\\n\\nThree\\nwrapped.")]
[(1, 'line', 'One.'), (2, 'line', 'Two.'), (3, 'block', 'Three\\nwrapped.')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import numpy as np

from cleaner.rules._lines import line_spans, load_toml

#: Paragraphs longer than this are cut into sentence windows.
MAX_CHARS = 1200
#: Target length of a sentence window.
WINDOW_CHARS = 500

_TERMINAL = frozenset(".!?:;\"'”’)]…")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph: ``text == source[start:end]``.

    ``number`` is 1-based and counts every paragraph (and window) of the
    document in order; ``first_line`` and ``last_line`` are the 0-based
    indices of the lines it covers (a window covers part of one line).
    """

    number: int
    start: int
    end: int
    text: str
    kind: str = "line"
    first_line: int = 0
    last_line: int = 0


@lru_cache(maxsize=1)
def _sentence_end() -> re.Pattern[str]:
    return re.compile(load_toml("dedup.toml")["segment"]["sentence_end"])


def _mid_sentence_break(prev_line: str, next_line: str) -> bool:
    """Does the line break between these two lines fall inside a sentence?"""
    prev = prev_line.rstrip()
    nxt = next_line.lstrip()
    if not prev or not nxt:
        return False
    return prev[-1] not in _TERMINAL and (nxt[0].islower() or nxt[0].isdigit())


def _lines(text: str) -> tuple[list[int], list[str]]:
    """The start offsets and contents (without the break) of the lines :func:`line_spans` gives.

    Text without a carriage return (almost all of it) is split on ``\\n``
    in one call instead of being matched line by line.
    """
    if "\r" in text:
        lines = line_spans(text)
        return [ln.start for ln in lines], [text[ln.start : ln.end] for ln in lines]
    contents = text.split("\n")
    if not contents[-1]:  # the text ends with a break (or is empty): no line after it
        contents.pop()
    return list(accumulate([len(c) + 1 for c in contents], initial=0))[: len(contents)], contents


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``[start, end)`` spans of the sentences of ``text[start:end]``.

    Spans are in *text*'s coordinates and exclude surrounding whitespace.
    A missing space after the full stop (``"guarantees.During"``) still ends
    a sentence.
    """
    end = len(text) if end is None else end
    cuts = [m.end() for m in _sentence_end().finditer(text, start, end)]
    spans = []
    pos = start
    for cut in cuts + [end]:
        s, e = _trim(text, pos, cut)
        if s < e:
            spans.append((s, e))
        pos = cut
    return spans


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def sentence_windows(
    text: str, start: int, end: int, window_chars: int = WINDOW_CHARS
) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into runs of whole sentences of about *window_chars*.

    A window closes as soon as it reaches *window_chars*; a last window
    shorter than half of that joins the one before it.  A single sentence
    longer than a window stays whole.
    """
    windows: list[tuple[int, int]] = []
    w_start = None
    for s, e in sentence_spans(text, start, end):
        if w_start is None:
            w_start = s
        if e - w_start >= window_chars:
            windows.append((w_start, e))
            w_start = None
    if w_start is not None:
        last_end = _trim(text, w_start, end)[1]
        if windows and last_end - w_start < window_chars // 2:
            windows[-1] = (windows[-1][0], last_end)
        else:
            windows.append((w_start, last_end))
    return windows


def segment_paragraphs(
    text: str, *, max_chars: int = MAX_CHARS, window_chars: int = WINDOW_CHARS
) -> list[Paragraph]:
    """Split *text* into paragraphs (see the module docstring for the layouts).

    Blank lines separate blocks.  A block of several lines is one paragraph
    (``kind="block"``) when at least half of its line breaks fall inside a
    sentence (hard-wrapped text), otherwise each line is a paragraph
    (``kind="line"``).  Any paragraph longer than *max_chars* is replaced by
    its sentence windows (``kind="window"``).
    """
    return [Paragraph(k, *span) for k, span in enumerate(paragraph_spans(text, max_chars, window_chars), 1)]


def paragraph_spans(
    text: str, max_chars: int = MAX_CHARS, window_chars: int = WINDOW_CHARS
) -> list[tuple[int, int, str, str, int, int]]:
    """The paragraphs of :func:`segment_paragraphs` as plain tuples ``(start, end, text, kind, first_line, last_line)``.

    Paragraph ``k`` (1-based) is ``Paragraph(k, *spans[k - 1])``; the corpus
    engine reads millions of them and needs no object for each.
    """
    if "\r" in text:
        base, contents = _lines(text)
        step = 0  # line k starts at base[k]
    else:  # (the usual case: the same lines, their starts added up in C)
        contents = text.split("\n")
        if not contents[-1]:
            contents.pop()
        base = list(accumulate(map(len, contents), initial=0))
        step = 1  # line k starts at base[k] + k (one line feed after each line before it)
    out: list[tuple[int, int, str, str, int, int]] = []
    append = out.append
    # The lines with something on them, one block of consecutive such lines after the other.
    full = [k for k, content in enumerate(contents) if content and not content.isspace()]
    m = len(full)
    x = 0
    while x < m:
        i = full[x]
        y = x + 1
        while y < m and full[y] == i + y - x:
            y += 1
        j = i + y - x  # the block is lines i .. j - 1
        x = y
        if j - i > 1:
            mid = sum(_mid_sentence_break(contents[a], contents[a + 1]) for a in range(i, j - 1))
            if 2 * mid >= j - 1 - i:
                content, last = contents[i], contents[j - 1]
                s = base[i] + i * step + len(content) - len(content.lstrip())
                e = base[j - 1] + (j - 1) * step + len(last.rstrip())
                _add(out, text, s, e, text[s:e], "block", i, j - 1, max_chars, window_chars)
                continue
        for k in range(i, j):
            line = contents[k]
            stripped = line.strip()  # the first and last characters are not spaces: nothing else changes
            s = base[k] + k * step
            if stripped is not line:  # (str.strip gives the string itself when there is nothing to strip)
                s += len(line) - len(line.lstrip())
            size = len(stripped)
            if size > max_chars:
                _add(out, text, s, s + size, stripped, "line", k, k, max_chars, window_chars)
            else:
                append((s, s + size, stripped, "line", k, k))
    return out


def _add(out: list, text: str, s: int, e: int, para: str, kind: str, first: int, last: int,
         max_chars: int, window_chars: int) -> None:
    """Append paragraph ``text[s:e]`` (*para*) to *out*, or its sentence windows when it is longer than *max_chars*."""
    if e - s > max_chars:
        windows = sentence_windows(text, s, e, window_chars)
        if len(windows) > 1:
            out.extend((ws, we, text[ws:we], "window", first, last) for ws, we in windows)
            return
    out.append((s, e, para, kind, first, last))


#: The kinds of :class:`ParagraphBatch` rows, by code.
KINDS = ("block", "line", "window")
_KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}
_LONG = 3  # (added to a kind by the compiled pass: the paragraph is longer than max_chars)


@dataclass
class ParagraphBatch:
    """The :func:`paragraph_spans` of a batch of texts as arrays: text ``i`` owns rows ``offsets[i]:offsets[i + 1]``.

    Row ``k`` is ``(starts[k], ends[k], KINDS[kinds[k]], first_lines[k],
    last_lines[k])`` with the offsets in its own text.  The paragraphs'
    texts are either :attr:`texts` (segmented in Python) or the byte spans
    ``blob[byte_starts[k]:byte_ends[k]]`` of the texts' UTF-8
    (segmented compiled), never both.
    """

    offsets: np.ndarray  # int64, len(texts) + 1
    starts: np.ndarray  # int64, code points
    ends: np.ndarray
    kinds: np.ndarray  # int8, index in KINDS
    first_lines: np.ndarray  # int64
    last_lines: np.ndarray
    texts: list[str] | None = None
    blob: np.ndarray | None = None  # uint8: the texts' UTF-8 ("surrogatepass"), one after the other
    byte_starts: np.ndarray | None = None
    byte_ends: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.starts)

    def spans(self, i: int) -> list[tuple[int, int, str, str, int, int]]:
        """``paragraph_spans(texts[i])`` again, from the batch (for tests and debugging)."""
        rows = range(self.offsets[i], self.offsets[i + 1])
        return [(int(self.starts[k]), int(self.ends[k]), self.text(k), KINDS[self.kinds[k]],
                 int(self.first_lines[k]), int(self.last_lines[k])) for k in rows]

    def text(self, k: int) -> str:
        """The text of paragraph *k*."""
        if self.texts is not None:
            return self.texts[k]
        return self.blob[self.byte_starts[k] : self.byte_ends[k]].tobytes().decode("utf-8", "surrogatepass")


def paragraph_batch(texts: Sequence[str], max_chars: int = MAX_CHARS, window_chars: int = WINDOW_CHARS) -> ParagraphBatch:
    """:func:`paragraph_spans` of every text of *texts*, as one :class:`ParagraphBatch`.

    Where the compiled kernels load (:mod:`cleaner.dedup._fast`), the texts
    are encoded once and segmented in one compiled pass over their UTF-8
    (each line read at its two ends, its code points counted vectorised),
    without a Python step or a string per line or paragraph.  Python does
    what needs it: the sentence windows of a paragraph longer than
    *max_chars* (:func:`sentence_windows`, the pattern is data), and a
    whole text with a carriage return or with a line break whose verdict
    needs the case of a non-ASCII character (:func:`paragraph_spans`).
    Both paths give the same rows (tests compare them on any text).
    """
    from cleaner.dedup import _fast

    n = len(texts)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    fast = _fast.kernels(int(lens.sum()) // 8)
    if fast is None:
        return _paragraph_batch_python(texts, max_chars, window_chars)
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    text_bytes = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=text_bytes[1:])
    joined = b"".join(encoded)
    blob = np.frombuffer(joined, dtype=np.uint8)
    undecided = np.zeros(n, dtype=bool)
    if b"\r" in joined:  # a text with a carriage return: its lines are line_spans's
        undecided[np.searchsorted(text_bytes, np.flatnonzero(blob == 13), side="right") - 1] = True
    k = fast._k
    doc, starts, ends, b_starts, b_ends, kinds, first, last = k._segment(
        blob, text_bytes, np.flatnonzero(blob == 10), undecided, int(max_chars))
    long = np.flatnonzero(kinds >= _LONG)
    if undecided.any() or len(long):  # paragraphs from Python, their bytes from one walk each
        keep = np.flatnonzero(kinds < _LONG)
        rows = [doc, starts, ends, b_starts, b_ends, kinds, first, last]
        more: list[list[int]] = [[] for _ in rows]

        def add(d: int, b0: int, cp0: int, spans: list[tuple[int, int]], kinds_: list[int], f: list[int],
                la: list[int]) -> None:
            """Paragraphs *spans* (code points) of text *d*, their bytes counted from byte *b0*, code point *cp0*."""
            cps = [x - cp0 for span in spans for x in span]  # s0, e0, s1, e1, ... (ascending)
            b = k._byte_offsets(blob, b0, np.array(cps, dtype=np.int64)).tolist()
            for part, values in zip(more, ([d] * len(spans), [x + cp0 for x in cps[0::2]],
                                           [x + cp0 for x in cps[1::2]], b[0::2], b[1::2], kinds_, f, la)):
                part += values

        for d in np.flatnonzero(undecided).tolist():
            spans = paragraph_spans(texts[d], max_chars, window_chars)
            if spans:
                s, e, _t, kind, f, la = zip(*spans)
                add(d, int(text_bytes[d]), 0, list(zip(s, e)), [_KIND_CODES[x] for x in kind], list(f), list(la))
        for r in long.tolist():
            d, s, e, b0, kind, f, la = (int(row[r]) for row in (doc, starts, ends, b_starts, kinds, first, last))
            windows = sentence_windows(texts[d], s, e, window_chars)
            if len(windows) > 1:
                add(d, b0, s, windows, [_KIND_CODES["window"]] * len(windows), [f] * len(windows), [la] * len(windows))
            else:
                add(d, b0, s, [(s, e)], [kind - _LONG], [f], [la])
        merged = [np.concatenate((row[keep], np.array(values, dtype=row.dtype))) for row, values in zip(rows, more)]
        order = np.argsort(merged[0] << 40 | merged[1], kind="stable")  # (paragraphs of a text do not overlap)
        doc, starts, ends, b_starts, b_ends, kinds, first, last = (row[order] for row in merged)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(doc, minlength=n), out=offsets[1:])
    return ParagraphBatch(offsets, starts, ends, kinds, first, last, blob=blob, byte_starts=b_starts, byte_ends=b_ends)


def _paragraph_batch_python(texts: Sequence[str], max_chars: int, window_chars: int) -> ParagraphBatch:
    spans: list[tuple] = []
    counts = []
    for text in texts:
        found = paragraph_spans(text, max_chars, window_chars)
        spans += found
        counts.append(len(found))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if not spans:
        empty = np.zeros(0, dtype=np.int64)
        return ParagraphBatch(offsets, empty, empty, np.zeros(0, dtype=np.int8), empty, empty, texts=[])
    s, e, para_texts, kinds, first, last = zip(*spans)
    return ParagraphBatch(offsets, np.array(s, dtype=np.int64), np.array(e, dtype=np.int64),
                          np.array([_KIND_CODES[x] for x in kinds], dtype=np.int8), np.array(first, dtype=np.int64),
                          np.array(last, dtype=np.int64), texts=list(para_texts))
