"""Reports for archivists: what changed in each document, by which rule and why.

The report is a *view of the edit log*, not a diff recomputed afterwards: it
reads ``OUT/cleaner-log.jsonl`` and the cleaned files, rebuilds every
original with :func:`cleaner.engine.restore_text` (checking it against the
recorded SHA-256) and renders one self-contained HTML file — inline CSS, a
little inline JavaScript for sorting and filtering, readable without it,
printable.  Above a configurable number of documents the report is split
into an index page and one page per document.

Typical use::

    from cleaner.report import write_report
    write_report("cleaned", "cleaned/report.html")

:mod:`cleaner.report.provenance` adds PREMIS-style events to every log line
and :mod:`cleaner.report.bag` packages a run as a BagIt bag (RFC 8493).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ReportResult", "write_report", "render_report", "write_bag"]


def __getattr__(name: str) -> Any:  # lazy: the pipeline imports provenance without jinja2
    if name in ("ReportResult", "write_report", "render_report"):
        from cleaner.report import render

        return getattr(render, name)
    if name == "write_bag":
        from cleaner.report.bag import write_bag

        return write_bag
    raise AttributeError(name)
