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


def full(report: Report) -> str:
    """Each diagnostic with its line of text, a caret line under the span and the fix."""
    out: list[str] = []
    indexes: dict[str, LineIndex] = {}
    for d in report.diagnostics:
        out.append(f"{_headline(d)}  [{d['severity']}, {d['name']}]")
        index = indexes.get(d["path"])
        if index is None and d["path"] in report.texts:
            index = indexes[d["path"]] = LineIndex(report.texts[d["path"]])
        if index is not None:
            line_no = d["line"]
            src = index.line_text(line_no) if 0 < line_no <= len(index.starts) else ""
            gutter = f"{line_no:>5} | "
            out.append(gutter + _printable(_CONTROL.sub(" ", src)))
            col = max(d["column"], 1)
            if d["end_line"] == line_no:
                width = max(d["end_column"] - col, 1)
            else:
                width = max(len(src) - col + 1, 1)
            out.append(" " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" * width)
        if d.get("fix") is not None:
            before = _show(d.get("before", ""))
            change = f"replace '{before}' with '{_show(d['fix'])}'" if d["fix"] else f"remove '{before}'"
            out.append(f"      = fix ({d['applicability']}): {change}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")
