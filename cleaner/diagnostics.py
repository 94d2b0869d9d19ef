"""Diagnostics: edits and findings of a document as one list for linters.

``cleaner check`` reports every edit that ``clean`` would make (with its
``fix``) and every finding (``fix`` is ``null``), in original coordinates.
"""

from __future__ import annotations

from typing import Any

from cleaner.config import Config
from cleaner.model import Document
from cleaner.pipeline import LineIndex, finding_json, locate
from cleaner.registry import get_rule


def diagnostics(doc: Document, config: Config) -> list[dict[str, Any]]:
    """One dict per edit or finding, sorted by position, with ``path`` and ``fix``."""
    index = LineIndex(doc.text)
    out: list[dict[str, Any]] = []
    for e in doc.edits:
        rule = get_rule(e.code)
        severity = config.severity_of(rule) if rule else "error"
        # Point at the first visible character the edit touches (a removed line,
        # not the line break before it), as a reader of the file would.
        lead = len(e.before) - len(e.before.lstrip())
        focus = e.start + lead if lead < len(e.before) else e.start
        d = {"start": e.start, "end": e.end, **locate(index, focus, e.end), "code": e.code,
             "name": e.name, "message": e.reason, "severity": severity, "path": doc.id,
             "fix": e.after, "before": e.before}
        out.append(d)
    for f in doc.findings:
        d = finding_json(f, index)
        d["path"] = doc.id
        d["fix"] = None
        out.append(d)
    out.sort(key=lambda d: (d["start"], d["end"], d["code"]))
    return out
