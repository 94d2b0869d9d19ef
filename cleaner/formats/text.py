"""Human-readable formats: ``concise`` and ``full``."""

from __future__ import annotations

import re
from typing import Any

from cleaner.formats import Report
from cleaner.pipeline import LineIndex

# Columns are code points: a tab or other control character is shown as one space so the caret lines up.
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _printable(s: str) -> str:
    """*s* with lone surrogates (undecodable bytes) shown as ``\\xNN`` so it can be printed."""
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _headline(d: dict[str, Any]) -> str:
    return f"{d['path']}:{d['line']}:{d['column']}: {d['code']} {_printable(d['message'])}"


def concise(report: Report) -> str:
    """``path:line:col: CODE message``, one diagnostic a line."""
    return "".join(_headline(d) + "\n" for d in report.diagnostics)


def _show(s: str, limit: int = 60) -> str:
    s = _printable(s)
    shown = s.encode("unicode_escape").decode("ascii") if any(c in s for c in "\r\n\t") else s
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


#: Characters of context shown either side of a span in the ``full`` format.
CONTEXT = 60
#: Longest caret run (a span that goes on is cut with "…").
MAX_CARETS = 80


def _line_window(index: LineIndex, line_no: int, col: int, width: int) -> tuple[str, int, int]:
    """The part of line *line_no* around ``[col, col + width)``: (shown text, caret offset, caret width).

    Scraped pages can have lines of megabytes (minified HTML); only a window of
    :data:`CONTEXT` characters either side of the span is shown, with ``…``
    where the line was cut.
    """
    text = index.text
    start = index.starts[line_no - 1]
    stop = index.starts[line_no] if line_no < len(index.starts) else len(text)
    while stop > start and text[stop - 1] in "\r\n":
        stop -= 1
    width = min(width, MAX_CARETS)
    lo = max(start, start + col - 1 - CONTEXT)
    hi = min(stop, start + col - 1 + width + CONTEXT)
    shown = text[lo:hi]
    offset = start + col - 1 - lo
    if lo > start:
        shown, offset = "…" + shown, offset + 1
    if hi < stop:
        shown += "…"
    return shown, offset, width


def full(report: Report) -> str:
    """Each diagnostic with its line of text, a caret line under the span and the fix."""
    out: list[str] = []
    indexes: dict[str, LineIndex] = {}
    for d in report.diagnostics:
        out.append(f"{_headline(d)}  [{d['severity']}, {d['name']}]")
        index = indexes.get(d["path"])
        if index is None and d["path"] in report.texts:
            index = indexes[d["path"]] = LineIndex(report.texts[d["path"]])
        if index is not None and 0 < d["line"] <= len(index.starts):
            line_no = d["line"]
            col = max(d["column"], 1)
            if d["end_line"] == line_no:
                width = max(d["end_column"] - col, 1)
            else:  # to the end of the line
                stop = index.starts[line_no] if line_no < len(index.starts) else len(index.text)
                width = max(stop - index.starts[line_no - 1] - col, 1)
            shown, offset, width = _line_window(index, line_no, col, width)
            gutter = f"{line_no:>5} | "
            out.append(gutter + _printable(_CONTROL.sub(" ", shown)))
            out.append(" " * (len(gutter) - 2) + "| " + " " * offset + "^" * width)
        if d.get("fix") is not None:
            before = _show(d.get("before", ""))
            change = f"replace '{before}' with '{_show(d['fix'])}'" if d["fix"] else f"remove '{before}'"
            out.append(f"      = fix ({d['applicability']}): {change}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")
