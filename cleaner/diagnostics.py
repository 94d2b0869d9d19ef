"""Diagnostics: edits and findings of a document as one list for linters.

``cleaner check`` reports every edit that ``clean`` would make (with its
``fix``) and every finding (``fix`` is ``null``), in original coordinates.

Each diagnostic is a plain dict (the ``json`` output format prints them as
they are):

=================  ==========================================================
``path``           the file, as cleaner names it
``line, column``   1-based position of the first visible character involved
``end_line``,      1-based position just after the last visible character
``end_column``
``start, end``     code-point offsets of the whole span in the original text
``code, name``     the rule (``H001``, ``html-comment``)
``message``        what is wrong (an edit's reason)
``severity``       ``info``, ``warning`` or ``error`` (after configuration)
``fix``            the replacement text of an edit; ``null`` for a finding
``applicability``  ``safe`` or ``unsafe`` for an edit, ``null`` for a finding
``before``         the original text the edit replaces (edits only)
``fingerprint``    stable hash of path, rule and normalised matched text
``text_hash``      hash of the normalised matched text alone (baselines)
``data``           rule-specific detail of a finding (when present)
=================  ==========================================================

The fingerprint does not depend on the position, so a baseline or a code
scanning alert survives text being added above it; ``occurrence`` numbers
diagnostics that share a fingerprint in one file (1, 2, …).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from cleaner.config import Config
from cleaner.model import Document
from cleaner.pipeline import LineIndex, finding_json, locate
from cleaner.registry import get_rule

_SPACE = re.compile(r"\s+")
# A composed edit's reason names every rule that changed its span ("…; then W004 space-run: …").
_THEN_CODE = re.compile(r"then ([A-Z]\d{3}) ")


def normalise_matched_text(text: str) -> str:
    """The matched text as fingerprints see it: NFKC, case-folded, spaces folded."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def text_fingerprint(matched: str) -> str:
    """A 32-hex-digit hash of the normalised *matched* text (the baseline's key, with path and rule)."""
    return hashlib.sha256(normalise_matched_text(matched).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprint(path: str, code: str, text_hash: str) -> str:
    """A stable 32-hex-digit fingerprint of (*path*, *code*, :func:`text_fingerprint` of the match)."""
    blob = "\x00".join((path, code, text_hash))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def edit_applicability(code: str, reason: str, moves_metadata: bool = False) -> str:
    """``safe`` or ``unsafe``: the least safe of the rules that made an edit.

    The engine merges an edit with later edits of the same span (the reason
    then names each later rule after ``then``); applying it applies all of
    them, so it is only as safe as its least safe part.  An edit that moves
    text into the document's metadata is unsafe in place: a file fixed in
    place has no log to keep the value in.
    """
    if moves_metadata:
        return "unsafe"
    codes = [code, *_THEN_CODE.findall(reason)]
    for c in codes:
        r = _rule(c)
        if r is not None and r.fix != "safe":
            return "unsafe"
    return "safe"


def _rule(code: str):
    """The registered rule *code* (a dict look-up; rules never change during a run)."""
    rules = _RULES_BY_CODE
    if code not in rules:
        found = get_rule(code)
        if found is None:
            return None
        rules[code] = found
    return rules[code]


_RULES_BY_CODE: dict = {}


def _visible_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` to its first and last non-space characters (if any)."""
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return start, end
    lead = len(segment) - len(segment.lstrip())
    trail = len(segment) - len(segment.rstrip())
    return start + lead, end - trail


def _matched(text: str, start: int, end: int) -> str:
    """The text a diagnostic is about, as its fingerprint sees it.

    A blank or zero-width span (trailing spaces, a run of blank lines, an
    insertion point) is known by the line it sits on, or else by the last
    line with text before it, so nearby edits do not change it.
    """
    matched = text[start:end]
    if matched.strip():
        return matched
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    if not line.strip():
        before = text[:line_start].rstrip()
        line = before[before.rfind("\n") + 1 :]
    return line + "\x00" + matched


def _hashes(path: str, code: str, matched: str) -> dict[str, str]:
    text_hash = text_fingerprint(matched)
    return {"fingerprint": fingerprint(path, code, text_hash), "text_hash": text_hash}


def diagnostics(doc: Document, config: Config, *, path: str | None = None) -> list[dict[str, Any]]:
    """One dict per edit or finding, sorted by position (see the module docstring).

    *path* overrides the name shown for the document (default: ``doc.id``).
    """
    shown = doc.id if path is None else path
    index = LineIndex(doc.text)
    out: list[dict[str, Any]] = []
    for e in doc.edits:
        rule = _rule(e.code)
        severity = config.severity_of(rule) if rule else "error"
        # Point at the first visible character the edit touches (a removed line,
        # not the line break before it), as a reader of the file would.
        focus, focus_end = _visible_span(doc.text, e.start, e.end)
        d = {"start": e.start, "end": e.end, **locate(index, focus, focus_end), "code": e.code,
             "name": e.name, "message": e.reason, "severity": severity, "path": shown,
             "fix": e.after, "applicability": edit_applicability(e.code, e.reason, bool(e.metadata)), "before": e.before,
             **_hashes(shown, e.code, _matched(doc.text, e.start, e.end))}
        out.append(d)
    for f in doc.findings:
        d = finding_json(f, index)
        d["path"] = shown
        d["fix"] = None
        d["applicability"] = None
        d.update(_hashes(shown, f.code, _matched(doc.text, f.start, f.end)))
        out.append(d)
    out.sort(key=lambda d: (d["start"], d["end"], d["code"]))
    seen: dict[tuple[str, str], int] = {}
    for d in out:
        key = (d["code"], d["fingerprint"])
        seen[key] = seen.get(key, 0) + 1
        d["occurrence"] = seen[key]
    return out
