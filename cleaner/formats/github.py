"""GitHub Actions workflow commands: annotations on the pull request.

Grammar (GitHub's "workflow commands")::

    ::error file={path},line={n},col={n},endLine={n},endColumn={n},title={code}::{message}

``error``, ``warning`` or ``notice`` follows the diagnostic's severity.  A
diagnostic that spans several lines gets no ``col``/``endColumn``: GitHub
silently drops annotations with columns on a multi-line range.  Property
values escape ``%``, CR, LF, ``:`` and ``,``; the message escapes ``%``, CR
and LF.
"""

from __future__ import annotations

from typing import Any

from cleaner.formats import Report
from cleaner.formats.text import _printable

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(d: dict[str, Any]) -> str:
    """The workflow command for one diagnostic."""
    props = [f"file={escape_property(d['path'])}", f"line={d['line']}"]
    end_line = d["end_line"]
    if end_line > d["line"] and d["end_column"] == 1:
        end_line -= 1  # the span ends with a line break: it ends on the line before
    if d["end_line"] == d["line"]:
        props += [f"col={d['column']}", f"endLine={end_line}", f"endColumn={max(d['end_column'], d['column'])}"]
    else:
        props += [f"endLine={end_line}"]
    props.append(f"title={escape_property(d['code'])}")
    level = LEVELS.get(d["severity"], "error")
    return f"::{level} {','.join(props)}::{escape_data(_printable(d['message']))}"


def github(report: Report) -> str:
    """One workflow command a diagnostic."""
    return "".join(command(d) + "\n" for d in report.diagnostics)
