"""The data every part of cleaner shares: edits, findings and documents.

An :class:`Edit` replaces ``text[start:end]`` with ``after``; a :class:`Finding`
points at ``text[start:end]`` and says something about it without changing it.
Rules produce both in the coordinates of the text they were given; the engine
re-expresses them in the coordinates of the *original* text, which is what the
log, the linter, the report and ``restore`` all use.  Offsets are code-point
indices (Python ``str`` indices).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    """Return the order of *severity* (``info`` < ``warning`` < ``error``)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Edit:
    """Replace ``[start, end)`` with ``after``.

    Rules fill ``start``, ``end``, ``after`` and ``reason``; the engine stamps
    ``code`` and ``name`` and, once the edit is in original coordinates, the
    ``before`` text it replaced.  ``metadata`` carries values a rule moves out
    of the text into the document's metadata (for example a scraper's
    ``date`` header), so nothing is silently dropped.
    """

    start: int
    end: int
    after: str
    reason: str
    code: str = ""
    name: str = ""
    before: str = ""
    metadata: dict[str, Any] | None = None

    def __init__(self, start: int, end: int, after: str, reason: str, code: str = "", name: str = "",
                 before: str = "", metadata: dict[str, Any] | None = None):
        # The dataclass's own __init__ for a frozen class calls object.__setattr__ per field: three
        # times slower, and rules and the engine make several edits a document.
        d = self.__dict__
        d["start"] = start
        d["end"] = end
        d["after"] = after
        d["reason"] = reason
        d["code"] = code
        d["name"] = name
        d["before"] = before
        d["metadata"] = metadata

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "code": self.code,
            "name": self.name,
            "reason": self.reason,
        }
        if self.metadata:
            out["metadata"] = self.metadata
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Edit:
        return cls(
            start=obj["start"],
            end=obj["end"],
            after=obj["after"],
            reason=obj.get("reason", ""),
            code=obj.get("code", ""),
            name=obj.get("name", ""),
            before=obj.get("before", ""),
            metadata=obj.get("metadata"),
        )


@dataclass(frozen=True)
class Finding:
    """Something reported about ``[start, end)`` that is not changed.

    ``severity`` left empty takes the rule's default.  ``data`` holds
    structured, rule-specific detail (a likely gap for an orphaned quote, the
    twin of a near-duplicate paragraph) for the report and JSON outputs.
    """

    start: int
    end: int
    message: str
    code: str = ""
    name: str = ""
    severity: str = ""
    data: dict[str, Any] | None = None

    def __init__(self, start: int, end: int, message: str, code: str = "", name: str = "", severity: str = "",
                 data: dict[str, Any] | None = None):
        d = self.__dict__  # as Edit.__init__: faster than the frozen dataclass's own
        d["start"] = start
        d["end"] = end
        d["message"] = message
        d["code"] = code
        d["name"] = name
        d["severity"] = severity
        d["data"] = data

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
        }
        if self.data:
            out["data"] = self.data
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Finding:
        return cls(
            start=obj["start"],
            end=obj["end"],
            message=obj.get("message", ""),
            code=obj.get("code", ""),
            name=obj.get("name", ""),
            severity=obj.get("severity", ""),
            data=obj.get("data"),
        )


@dataclass
class Document:
    """One input text and everything cleaner learns about it.

    ``id`` is the document's relative path (or record id); ``text`` is the
    decoded original; ``source`` describes how it was decoded (encoding, BOM,
    original SHA-256) so ``restore`` can give back the exact original bytes.
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cleaned: str | None = None
