"""Run statistics: what a run read, wrote, changed and could not handle.

:class:`Stats` adds up per batch and per file (:meth:`Stats.merge`), is
stored in each file's completion marker so a resumed run still reports the
whole corpus, and is written as ``OUT/stats.json`` at the end of a run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Counts for a batch, a file or a whole run."""

    documents: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    edits: Counter = field(default_factory=Counter)  # rule code -> edits
    findings: Counter = field(default_factory=Counter)  # rule code -> findings
    errors: int = 0
    duplicates: int = 0  # paragraphs found to repeat an indexed paragraph of another document (D001)
    duplicate_clusters: int = 0  # representatives that this run's duplicates repeat

    def merge(self, other: Stats) -> Stats:
        self.documents += other.documents
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out
        self.edits.update(other.edits)
        self.findings.update(other.findings)
        self.errors += other.errors
        self.duplicates += other.duplicates
        self.duplicate_clusters += other.duplicate_clusters
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "edits": sum(self.edits.values()),
            "findings": sum(self.findings.values()),
            "edits_by_rule": dict(sorted(self.edits.items())),
            "findings_by_rule": dict(sorted(self.findings.items())),
            "errors": self.errors,
            "duplicates": self.duplicates,
            "duplicate_clusters": self.duplicate_clusters,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Stats:
        return cls(
            documents=obj.get("documents", 0),
            bytes_in=obj.get("bytes_in", 0),
            bytes_out=obj.get("bytes_out", 0),
            edits=Counter(obj.get("edits_by_rule", {})),
            findings=Counter(obj.get("findings_by_rule", {})),
            errors=obj.get("errors", 0),
            duplicates=obj.get("duplicates", 0),
            duplicate_clusters=obj.get("duplicate_clusters", 0),
        )


def summary_line(stats: Stats, *, seconds: float, files: int, skipped: int) -> str:
    """One human line: documents, MB, throughput, edits, findings, errors."""
    mb = stats.bytes_in / 1e6
    rate = mb / seconds if seconds > 0 else 0.0
    top = ", ".join(f"{code} {n}" for code, n in stats.edits.most_common(5))
    parts = [
        f"cleaned {stats.documents} document(s) from {files} file(s)",
        f"{mb:.1f} MB in {seconds:.1f}s ({rate:.2f} MB/s)",
        f"{sum(stats.edits.values())} edit(s)" + (f" [{top}]" if top else ""),
        f"{sum(stats.findings.values())} finding(s)",
        f"{stats.errors} error(s)",
    ]
    if stats.duplicates:
        parts.append(f"{stats.duplicates} near-duplicate paragraph(s) of {stats.duplicate_clusters} representative(s)")
    if skipped:
        parts.append(f"{skipped} file(s) already done (resumed)")
    return "; ".join(parts)


def document_stats(docs: Any, file_errors: int = 0) -> Stats:
    """The statistics of documents cleaned in memory (the plain-folder path of ``cleaner clean``)."""
    from cleaner.io.decoding import encode, encode_output

    stats = Stats(errors=file_errors)
    twins = set()
    for doc in docs:
        stats.documents += 1
        stats.bytes_in += len(encode(doc.text, doc.source))
        stats.bytes_out += len(encode_output(doc.cleaned if doc.cleaned is not None else doc.text))
        stats.edits.update(e.code for e in doc.edits)
        stats.findings.update(f.code for f in doc.findings)
        for f in doc.findings:
            if f.code == "D001":
                stats.duplicates += 1
                twin = (f.data or {}).get("duplicate_of") or {}
                twins.add((twin.get("path"), twin.get("paragraph")))
    stats.duplicate_clusters = len(twins)
    return stats


def write_stats(out_dir: Any, stats: Stats, **extra: Any) -> Any:
    """Write ``OUT/stats.json`` (atomically): the totals of *stats* plus *extra* fields."""
    import json
    from pathlib import Path

    from cleaner import __version__
    from cleaner.io.files import atomic_write

    body = stats.to_json() | extra | {"tool_version": __version__}
    path = Path(out_dir) / "stats.json"
    try:
        data = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        data = (json.dumps(body, indent=2, ensure_ascii=True) + "\n").encode("ascii")
    atomic_write(path, data)
    return path
