"""Machine-readable formats: ``json`` (one array) and ``json-lines`` (one object a line).

The objects are the diagnostics documented in :mod:`cleaner.diagnostics`.
Text is written as JSON strings; bytes that could not be decoded (carried as
lone surrogates) are written as ``\\udcXX`` escapes, so the output is always
valid UTF-8.
"""

from __future__ import annotations

import json

from cleaner.formats import Report

FIELDS = ("path", "line", "column", "end_line", "end_column", "start", "end", "code", "name",
          "message", "severity", "fix", "applicability", "before", "fingerprint", "text_hash", "occurrence", "data")


def _ordered(d: dict) -> dict:
    out = {k: d[k] for k in FIELDS if k in d}
    out.update({k: v for k, v in d.items() if k not in out})
    return out


def _dumps(obj, **kw) -> str:
    # ensure_ascii=False keeps text readable; lone surrogates are escaped below.
    s = json.dumps(obj, ensure_ascii=False, **kw)
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, **kw)


def json_array(report: Report) -> str:
    """All diagnostics as one JSON array."""
    return _dumps([_ordered(d) for d in report.diagnostics], indent=2) + "\n"


def json_lines(report: Report) -> str:
    """One JSON object per diagnostic, one a line."""
    return "".join(_dumps(_ordered(d)) + "\n" for d in report.diagnostics)
