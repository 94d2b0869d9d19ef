"""Turn a run's log and cleaned files into what the report templates show.

Nothing here produces HTML: every piece of document text leaves this module
as plain text inside small tuples and dicts, and the templates (Jinja2 with
autoescaping) escape it.  The original of each document is rebuilt from the
cleaned file and the log with :func:`cleaner.engine.restore_text` and checked
against ``sha256_original``, so the report shows exactly what the log can
undo.

Text is cut into *segments* in one pass over the sorted edits and finding
boundaries (never character by character): plain text, a change (what was
removed and what was inserted, with rule and reason), a marker where a
finding starts, or an anchor that other documents link to (the twin of a
near-duplicate paragraph, the likely place of an orphaned quote).
"""

from __future__ import annotations

import hashlib
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from cleaner.engine import RestoreError, restore_text
from cleaner.io.decoding import encode
from cleaner.io.files import InputError
from cleaner.model import Edit
from cleaner.registry import FAMILIES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: How much of a long before/after text the change table shows (the inline view shows all).
TABLE_EXCERPT = 240
#: At most this many rows in a document's change table (every change is still marked in its text).
MAX_TABLE_ROWS = 2000

Token = tuple[str, str]  # ("t", text) plain text, ("v", symbol) a made-visible character
HrefFor = Callable[[int, str], str]


# --------------------------------------------------------------------------- visible characters


@lru_cache(maxsize=1)
def _symbols() -> tuple[dict[str, str], dict[str, str]]:
    raw = resources.files("cleaner.report").joinpath("data/visible-chars.toml").read_text(encoding="utf-8")
    table = tomllib.loads(raw)
    ws = {chr(int(k, 16)): v for k, v in table.get("whitespace", {}).items()}
    inv = {chr(int(k, 16)): v for k, v in table.get("invisible", {}).items()}
    return ws, inv


def _class_of(chars: str) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    ws, inv = _symbols()
    bidi = "".join(c for c in inv if 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069)
    controls = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff"
    # Unchanged text: only what would corrupt or disguise the page.
    plain = re.compile(f"[{controls}{_class_of(bidi)}]")
    # Inside a change: also line breaks and the invisible characters.
    changed = re.compile(f"\r\n|[\n\r{controls}{_class_of(ws)}{_class_of(inv)}]")
    # Inside a whitespace-only change: every space too.
    ws_only = re.compile(f"\r\n|[ \n\r{controls}{_class_of(ws)}{_class_of(inv)}]")
    return plain, changed, ws_only


def _symbol(ch: str) -> str:
    ws, inv = _symbols()
    if ch in ws:
        return ws[ch]
    if ch in inv:
        return inv[ch]
    if ch == " ":
        return "·"
    if ch == "\n":
        return "¶"
    if ch == "\r":
        return "␍"
    if ch == "\r\n":
        return "␍¶"
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte carried by surrogateescape
        return f"⟨{code - 0xDC00:02X}⟩"
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    return f"⟨U+{code:04X}⟩"


def tokens(text: str, mode: str = "plain") -> list[Token]:
    """Split *text* into plain runs and made-visible characters.

    ``mode`` is ``plain`` (unchanged text: only control characters, bytes that
    could not be decoded and bidirectional overrides are shown as symbols),
    ``changed`` (also ``¶`` for line breaks, tabs, no-break spaces and
    zero-width characters) or ``whitespace`` (also ``·`` for every space).
    A visible line break is followed by a real one, so lines stay lines.
    """
    plain, changed, ws_only = _patterns()
    pattern = {"plain": plain, "changed": changed, "whitespace": ws_only}[mode]
    out: list[Token] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append(("t", text[pos : m.start()]))
        ch = m.group()
        out.append(("v", _symbol(ch)))
        if ch[-1] == "\n" or ch == "\r":
            out.append(("t", "\n"))
        pos = m.end()
    if pos < len(text):
        out.append(("t", text[pos:]))
    return out


def printable(value: Any) -> Any:
    """*value* with control characters, undecodable bytes and bidi overrides made visible.

    The report's Jinja2 environment applies this to every value it prints
    (text and attributes alike), so no raw control character, lone surrogate
    or direction override reaches the page.
    """
    if not isinstance(value, str) or value.isprintable() or hasattr(value, "__html__"):
        return value  # isprintable() is False for controls, surrogates and format characters
    plain = _patterns()[0]
    return plain.sub(lambda m: _symbol(m.group()), value)


def change_tokens(text: str, whitespace_only: bool) -> list[Token]:
    return tokens(text, "whitespace" if whitespace_only else "changed")


def excerpt(text: str, limit: int = TABLE_EXCERPT) -> tuple[str, int]:
    """The first *limit* code points of *text* and how many were left out."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def safe_id(text: str) -> str:
    """A stable, HTML-safe id fragment for a path."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60] or "doc"


# --------------------------------------------------------------------------- finding data


_TWIN_KEYS = ("twin", "representative", "duplicate_of", "of", "original", "other", "match")
_SIM_KEYS = ("similarity", "jaccard", "containment", "score")
_MEASURES = {"jaccard": "J=", "containment": "C=", "similarity": "similarity ", "score": "score "}
_GAP_KEYS = ("gap", "likely_gap", "target", "likely_place", "place", "insert_at", "destination", "position")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def twin_of(data: Any) -> dict[str, Any] | None:
    """Where a near-duplicate finding's twin is: ``{path, start, end, paragraph, similarity}``.

    Accepts the twin as a nested object (``{"twin": {"path", "start", "end",
    "paragraph"}, "similarity"}``) or as flat ``twin_path``/``twin_start``…
    keys; missing parts are ``None``.
    """
    if not isinstance(data, dict):
        return None
    node: dict[str, Any] | None = None
    for key in _TWIN_KEYS:
        v = data.get(key)
        if isinstance(v, dict) and isinstance(v.get("path"), str):
            node = v
            break
        if isinstance(v, str):
            node = {"path": v, **{k[len(key) + 1:]: data[k] for k in data if k.startswith(key + "_")}}
            break
    if node is None:
        for key in _TWIN_KEYS:
            if isinstance(data.get(f"{key}_path"), str):
                node = {k[len(key) + 1:]: v for k, v in data.items() if k.startswith(key + "_")}
                break
    if node is None:
        return None
    sim = None
    for k in _SIM_KEYS:
        sim = _number(node.get(k)) if sim is None else sim
        sim = _number(data.get(k)) if sim is None else sim
    return {
        "path": node["path"],
        "start": _int(node.get("start")),
        "end": _int(node.get("end")),
        "paragraph": _int(node.get("paragraph")),
        "similarity": sim,
        "measure": str(data.get("measure") or node.get("measure") or next(
            (k for k in _SIM_KEYS if _number(data.get(k, node.get(k))) is not None), "similarity")),
    }


def gap_of(data: Any) -> dict[str, Any] | None:
    """The likely place a finding points to (an orphaned quote's gap): ``{start, end, confidence}``."""
    if not isinstance(data, dict):
        return None
    conf = _number(data.get("confidence"))
    for key in _GAP_KEYS:
        v = data.get(key)
        if _int(v) is not None:
            return {"start": v, "end": v, "confidence": conf}
        if isinstance(v, dict):
            s = next((_int(v.get(k)) for k in ("start", "offset", "position") if _int(v.get(k)) is not None), None)
            if s is not None:
                e = _int(v.get("end"))
                return {"start": s, "end": e if e is not None and e >= s else s,
                        "confidence": _number(v.get("confidence")) if conf is None else conf}
        s = _int(data.get(f"{key}_start")) if _int(data.get(f"{key}_start")) is not None else _int(
            data.get(f"{key}_offset"))
        if s is not None:
            e = _int(data.get(f"{key}_end"))
            return {"start": s, "end": e if e is not None and e >= s else s, "confidence": conf}
    return None


# --------------------------------------------------------------------------- the run


@dataclass
class Overlay:
    """A span to highlight in a document: a finding, or a place another finding points to."""

    start: int
    end: int
    css: str  # CSS classes
    title: str
    anchor: str  # the id of the marker at its start
    label: str  # the marker's text
    href: str  # where the marker links to
    kind: str = "finding"  # "finding", "twin" (a near-duplicate's twin here), "gap" (a likely place)


@dataclass
class DocumentView:
    """One document as the templates see it."""

    n: int  # 1-based position in the log
    path: str
    anchor: str
    record: dict[str, Any]
    error: str = ""
    warning: str = ""
    segments: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    changes_left_out: int = 0  # changes beyond the table's row limit (all are still marked in the text)
    events: list[dict[str, str]] = field(default_factory=list)  # PREMIS events from the log, for display
    findings: list[dict[str, Any]] = field(default_factory=list)
    edits_by_family: dict[str, int] = field(default_factory=dict)
    findings_by_family: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    duplicated_by: int = 0
    rules: list[str] = field(default_factory=list)
    verified: bool = False
    page: str = ""

    @property
    def n_edits(self) -> int:
        return len(self.record.get("edits") or [])

    @property
    def n_findings(self) -> int:
        return len(self.record.get("findings") or [])


def family_of(code: str) -> str:
    return code[:1] if code[:1] in FAMILIES else "?"


def _count_families(items: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for it in items:
        fam = family_of(str(it.get("code", "")))
        out[fam] = out.get(fam, 0) + 1
    return {k: out[k] for k in list(FAMILIES) + ["?"] if k in out}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _valid_span(item: Any) -> bool:
    return (isinstance(item, dict) and _int(item.get("start")) is not None and _int(item.get("end")) is not None
            and 0 <= item["start"] <= item["end"])


class ReadProblem(str):
    """A log line that could not be read, standing in for its record."""


def read_records(out_dir: Path) -> list[dict[str, Any]]:
    """The records of ``OUT/cleaner-log.jsonl``, each passed through :func:`sanitize_record`.

    Unlike :func:`cleaner.pipeline.read_log`, a line that is not valid JSON
    does not stop the report: it becomes a record that says so.  Raises
    :class:`~cleaner.io.files.InputError` only when there is no log.
    """
    import json

    from cleaner.pipeline import LOG_NAME

    log = Path(out_dir) / LOG_NAME
    if not log.is_file():
        raise InputError(f"{log}: no cleaner log here (run `cleaner clean … -o {out_dir}` first)")
    records: list[dict[str, Any]] = []
    with open(log, encoding="utf-8", errors="surrogateescape") as fh:
        n = 0
        for raw in fh:
            n += 1
            if not raw.strip():
                continue
            try:
                rec: Any = json.loads(raw)
            except ValueError as exc:
                rec = ReadProblem(f"not valid JSON ({getattr(exc, 'msg', exc)})")
            records.append(sanitize_record(rec, n))
    return records


def sanitize_record(rec: Any, line: int = 0) -> dict[str, Any]:
    """A log record the report can always show.

    Keys the templates read get safe defaults; a record whose edits are
    malformed (so the original cannot be rebuilt) keeps no edits and gets a
    ``_problem`` the report shows instead of the text; malformed findings are
    dropped and mentioned the same way.
    """
    where = f"log line {line}: " if line else ""
    if not isinstance(rec, dict):
        return {"path": f"(log line {line})", "edits": [], "findings": [], "metadata": {}, "source": {},
                "sha256_original": "", "sha256_cleaned": "", "_unshowable": True,
                "_problem": f"{where}{rec if isinstance(rec, ReadProblem) else 'not a JSON object'}"}
    out = dict(rec)
    problems = []
    out["path"] = rec["path"] if isinstance(rec.get("path"), str) and rec["path"] else f"(log line {line})"
    for key in ("sha256_original", "sha256_cleaned"):
        out[key] = rec[key] if isinstance(rec.get(key), str) else ""
    for key in ("metadata", "source"):
        out[key] = rec[key] if isinstance(rec.get(key), dict) else {}
    edits = rec.get("edits", [])
    good = isinstance(edits, list) and all(
        _valid_span(e) and isinstance(e.get("before", ""), str) and isinstance(e.get("after", ""), str)
        for e in edits)
    if good:
        good = all(a["end"] <= b["start"] for a, b in zip(edits, edits[1:]))
    if not good:
        out["edits"] = []
        out["_unshowable"] = True
        problems.append("its edits are malformed, so the original cannot be rebuilt")
    findings = rec.get("findings", [])
    findings = findings if isinstance(findings, list) else []
    out["findings"] = [f for f in findings if _valid_span(f)]
    if len(out["findings"]) != len(rec.get("findings") or []):
        problems.append(f"{len(rec.get('findings') or []) - len(out['findings'])} malformed finding(s) left out")
    if problems:
        out["_problem"] = where + "; ".join(problems)
    return out


class RunView:
    """Every document of a run, cross-linked, ready to render.

    ``href_for(n, anchor)`` gives the link to an anchor of document *n* from
    the page that shows another document (``#anchor`` in a single-page
    report, ``0003.html#anchor`` in a split one).
    """

    def __init__(self, out_dir: Path, records: list[dict[str, Any]], href_for: HrefFor,
                 max_table_rows: int = MAX_TABLE_ROWS):
        self.out_dir = out_dir
        self.max_table_rows = max_table_rows
        self.records = [sanitize_record(r, i) for i, r in enumerate(records, 1)]
        self.href_for = href_for
        self.by_path: dict[str, int] = {}
        for i, rec in enumerate(self.records, 1):
            self.by_path.setdefault(rec["path"], i)
        # incoming overlays: twins of near-duplicates, likely places of orphaned quotes
        self.incoming: dict[int, list[Overlay]] = {}
        self.links: dict[tuple[int, int], tuple[str, str]] = {}  # (doc, finding) -> (href, text)
        self.inline: dict[tuple[int, int], tuple[str, str | None]] = {}  # (doc, finding) -> (href, label)
        self._cross_link()

    def anchor(self, n: int) -> str:
        return f"doc-{n}"

    def resolve(self, path: str) -> int | None:
        """The document number of *path* (exact, or the one log path it ends with / that ends with it)."""
        if path in self.by_path:
            return self.by_path[path]
        hits = [n for p, n in self.by_path.items() if path.endswith("/" + p) or p.endswith("/" + path)]
        return hits[0] if len(hits) == 1 else None

    def _pair_quotes(self, n: int, findings: list[dict[str, Any]]) -> None:
        """Link each orphaned quote to the finding that marks its likely place.

        The quote rules record the quote and its likely gap as two findings
        of one code sharing ``data["quote"]``; the gap's has ``role: "gap"``.
        """
        groups: dict[tuple[str, int], dict[str, list[int]]] = {}
        for k, f in enumerate(findings, 1):
            data = f.get("data")
            if isinstance(data, dict) and _int(data.get("quote")) is not None:
                role = "gap" if data.get("role") == "gap" else "quote"
                groups.setdefault((str(f.get("code", "")), data["quote"]), {}).setdefault(role, []).append(k)
        for roles in groups.values():
            if len(roles.get("gap", [])) != 1 or not roles.get("quote"):
                continue
            g = roles["gap"][0]
            conf = _number((findings[g - 1].get("data") or {}).get("confidence"))
            conf_txt = f" (confidence {conf:.2f})" if conf is not None else ""
            for q in roles["quote"]:
                self.links[(n, q)] = (self.href_for(n, f"d{n}-f{g}"), f"→ likely place{conf_txt}")
                self.inline[(n, q)] = (self.href_for(n, f"d{n}-f{g}"), None)
            self.links[(n, g)] = (self.href_for(n, f"d{n}-f{roles['quote'][0]}"), "← the orphaned quote")
            self.inline[(n, g)] = (self.href_for(n, f"d{n}-f{roles['quote'][0]}"), "⇠ " + str(
                findings[g - 1].get("code", "")))

    def _cross_link(self) -> None:
        for n, rec in enumerate(self.records, 1):
            self._pair_quotes(n, rec.get("findings") or [])
            for k, f in enumerate(rec.get("findings") or [], 1):
                data = f.get("data")
                code = str(f.get("code", ""))
                here = f"d{n}-f{k}"
                twin = twin_of(data) if data else None
                if twin is not None:
                    m = self.resolve(twin["path"])
                    sim = twin["similarity"]
                    sim_txt = f" ({_MEASURES.get(twin['measure'], twin['measure'] + ' ')}{sim:.2f})" if sim is not None else ""
                    para = f" paragraph {twin['paragraph']}" if twin["paragraph"] is not None else ""
                    if m is None:
                        self.links[(n, k)] = ("", f"twin {twin['path']}{para}{sim_txt} (not in this run)")
                        continue
                    start, end = twin["start"], twin["end"]
                    if start is None:
                        self.links[(n, k)] = (self.href_for(m, self.anchor(m)), f"twin: {twin['path']}{para}{sim_txt}")
                        continue
                    end = end if end is not None and end >= start else start
                    target = f"d{m}-t{n}-{k}"
                    self.links[(n, k)] = (self.href_for(m, target), f"twin: {twin['path']}{para}{sim_txt}")
                    self.inline[(n, k)] = (self.href_for(m, target), f"↔ {code}")
                    self.incoming.setdefault(m, []).append(Overlay(
                        start, end, "twin", f"repeated in {rec['path']}{sim_txt}: {f.get('message', '')}",
                        target, f"↔ {code}", self.href_for(n, here), kind="twin"))
                    continue
                gap = gap_of(data) if data else None
                if gap is not None:
                    target = f"d{n}-g{k}"
                    conf = gap["confidence"]
                    conf_txt = f" (confidence {conf:.2f})" if conf is not None else ""
                    self.links[(n, k)] = (self.href_for(n, target), f"→ likely place{conf_txt}")
                    self.incoming.setdefault(n, []).append(Overlay(
                        gap["start"], gap["end"], "gap", f"likely place of the text flagged by {code}{conf_txt}",
                        target, f"⇠ {code}", self.href_for(n, here), kind="gap"))

    # ------------------------------------------------------------------ per document

    def documents(self) -> Iterator[DocumentView]:
        """Build each document's view in log order (one at a time: memory stays per document)."""
        for n, rec in enumerate(self.records, 1):
            yield self.document(n, rec)

    def summary(self, n: int, rec: dict[str, Any]) -> DocumentView:
        """A document's index-row facts, without reading its file."""
        edits = rec.get("edits") or []
        finds = rec.get("findings") or []
        path = str(rec.get("path", ""))
        view = DocumentView(n=n, path=path, anchor=self.anchor(n), record=rec)
        view.edits_by_family = _count_families(edits)
        view.findings_by_family = _count_families(finds)
        view.duplicates = sum(1 for f in finds if str(f.get("code", "")).startswith("D"))
        view.duplicated_by = sum(1 for o in self.incoming.get(n, []) if o.kind == "twin")
        premis = rec.get("premis")
        events = premis.get("events") if isinstance(premis, dict) else None
        for e in events if isinstance(events, list) else []:
            if isinstance(e, dict):
                agent = e.get("linkingAgentIdentifier")
                view.events.append({
                    "type": str(e.get("eventType", "")), "when": str(e.get("eventDateTime", "")),
                    "detail": str(e.get("eventDetail", "")),
                    "outcome": " — ".join(str(e[k]) for k in ("eventOutcome", "eventOutcomeDetail") if e.get(k)),
                    "agent": str(agent.get("linkingAgentIdentifierValue", "")) if isinstance(agent, dict) else "",
                })
        view.rules = sorted({str(e.get("code", "")) for e in edits} | {str(f.get("code", "")) for f in finds})
        return view

    def document(self, n: int, rec: dict[str, Any]) -> DocumentView:
        view = self.summary(n, rec)
        if rec.get("_unshowable"):
            view.error = f"cannot show this document: {rec['_problem']}"
            return view
        try:
            original, verified = self._original(rec)
        except (OSError, RestoreError, InputError, KeyError, TypeError, ValueError) as exc:
            view.error = f"cannot show this document: {exc}"
            return view
        if rec.get("_problem"):
            view.warning = rec["_problem"]
        view.verified = verified
        edits = [Edit.from_json(e) for e in rec.get("edits") or []]
        edit_rows = rec.get("edits") or []
        overlays = self._overlays(n, rec, len(original))
        view.segments = build_segments(original, edits, overlays, n, table_rows=self.max_table_rows)
        shown = list(zip(edits, edit_rows))[: self.max_table_rows]
        view.changes = [self._change_row(n, i, e, row) for i, (e, row) in enumerate(shown, 1)]
        view.changes_left_out = len(edits) - len(shown)
        view.findings = [self._finding_row(n, k, f, original) for k, f in enumerate(rec.get("findings") or [], 1)]
        return view

    def _original(self, rec: dict[str, Any]) -> tuple[str, bool]:
        from cleaner.pipeline import safe_join

        data = safe_join(self.out_dir, rec["path"]).read_bytes()
        if rec.get("sha256_cleaned") and _sha256(data) != rec["sha256_cleaned"]:
            raise RestoreError("the cleaned file was changed after cleaning (SHA-256 differs from the log)")
        cleaned = data.decode("utf-8", "surrogateescape")
        original = restore_text(cleaned, [Edit.from_json(e) for e in rec.get("edits") or []])
        try:
            verified = _sha256(encode(original, rec.get("source", {}))) == rec.get("sha256_original")
        except (UnicodeError, LookupError):
            verified = False
        if not verified:
            raise RestoreError("the rebuilt original does not match sha256_original")
        return original, verified

    def _overlays(self, n: int, rec: dict[str, Any], length: int) -> list[Overlay]:
        out: list[Overlay] = []
        for k, f in enumerate(rec.get("findings") or [], 1):
            code = str(f.get("code", ""))
            start = min(max(_int(f.get("start")) or 0, 0), length)
            end = min(max(_int(f.get("end")) or start, start), length)
            css = f"finding fam-{family_of(code)} fc-{safe_id(code)} sev-{safe_id(str(f.get('severity', '')))}"
            href, label = self.inline.get((n, k), (f"#d{n}-ft{k}", None))
            out.append(Overlay(start, end, css, f"{code} {f.get('name', '')}: {f.get('message', '')}",
                               f"d{n}-f{k}", label or code, href))
        for o in self.incoming.get(n, []):
            s = min(max(o.start, 0), length)
            out.append(Overlay(s, min(max(o.end, s), length), o.css, o.title, o.anchor, o.label, o.href, o.kind))
        return out

    def _change_row(self, n: int, i: int, e: Edit, row: dict[str, Any]) -> dict[str, Any]:
        ws_only = not (e.before.strip() or e.after.strip())
        before, more_b = excerpt(e.before)
        after, more_a = excerpt(e.after)
        return {
            "i": i, "id": f"d{n}-e{i}", "row_id": f"d{n}-et{i}", "code": e.code, "name": e.name,
            "family": family_of(e.code), "reason": e.reason,
            "line": row.get("line"), "column": row.get("column"),
            "end_line": row.get("end_line"), "end_column": row.get("end_column"),
            "before": change_tokens(before, ws_only), "before_more": more_b,
            "after": change_tokens(after, ws_only), "after_more": more_a,
            "metadata": e.metadata or {},
        }

    def _finding_row(self, n: int, k: int, f: dict[str, Any], original: str) -> dict[str, Any]:
        start = min(max(_int(f.get("start")) or 0, 0), len(original))
        end = min(max(_int(f.get("end")) or start, start), len(original))
        text, more = excerpt(original[start:end])
        href, link_text = self.links.get((n, k), ("", ""))
        code = str(f.get("code", ""))
        return {
            "k": k, "id": f"d{n}-f{k}", "row_id": f"d{n}-ft{k}", "code": code, "name": f.get("name", ""),
            "family": family_of(code), "severity": f.get("severity", ""), "message": f.get("message", ""),
            "line": f.get("line"), "column": f.get("column"),
            "text": tokens(text, "changed"), "more": more, "href": href, "link_text": link_text,
        }


def build_segments(original: str, edits: list[Edit], overlays: list[Overlay], n: int,
                   table_rows: int | None = None) -> list[dict[str, Any]]:
    """Cut *original* into text, change, marker and anchor segments.

    *edits* are sorted and non-overlapping (the log guarantees it).  An
    overlay boundary that falls inside an edit is moved to the edit's edge,
    so a change is always shown whole.  The work is proportional to the
    number of edits and overlays, not to the length of the text.  Changes
    beyond *table_rows* have no change-table row to link to.
    """
    starts = [e.start for e in edits]

    def snap(p: int, left: bool) -> int:
        i = bisect_right(starts, p) - 1
        if i >= 0 and edits[i].start < p < edits[i].end:
            return edits[i].start if left else edits[i].end
        return p

    items = []
    for o in overlays:
        s = snap(o.start, True)
        e = snap(o.end, False) if o.end > o.start else s
        items.append((s, e, o))
    items.sort(key=lambda t: (t[0], t[1]))
    cuts = sorted({p for s, e, _ in items for p in (s, e)})

    out: list[dict[str, Any]] = []
    active: list[tuple[int, int, Overlay]] = []
    ptr = 0

    def activate(x: int) -> list[tuple[int, int, Overlay]]:
        nonlocal ptr, active
        while ptr < len(items) and items[ptr][0] <= x:
            if items[ptr][1] > items[ptr][0]:
                active.append(items[ptr])
            ptr += 1
        active = [a for a in active if a[1] > x]
        return active

    def css_of(cover: list[tuple[int, int, Overlay]]) -> tuple[str, str]:
        if not cover:
            return "", ""
        return " ".join(dict.fromkeys(c for _, _, o in cover for c in o.css.split())), "\n".join(
            o.title for _, _, o in cover)

    def emit_text(a: int, b: int) -> None:
        i = bisect_right(cuts, a)
        bounds = [a] + cuts[i:bisect_left(cuts, b)] + [b]
        for x, y in zip(bounds, bounds[1:]):
            if y <= x:
                continue
            css, title = css_of(activate(x))
            out.append({"kind": "text", "tokens": tokens(original[x:y]), "css": css, "title": title})

    events: list[tuple[int, int, int, Any]] = []
    for j, (s, _e, o) in enumerate(items):
        events.append((s, 0, j, o))
    for j, ed in enumerate(edits):
        events.append((ed.start, 1, j, ed))
    events.sort(key=lambda t: (t[0], t[1], t[2]))

    cur = 0
    for pos, kind, j, payload in events:
        if pos > cur:
            emit_text(cur, pos)
            cur = pos
        if kind == 0:
            o: Overlay = payload
            out.append({"kind": "marker", "id": o.anchor, "label": o.label, "href": o.href, "title": o.title,
                        "css": o.css, "zero": items[j][1] == items[j][0], "overlay": o.kind})
            continue
        ed: Edit = payload
        cover = [a for a in activate(ed.start) if a[1] >= ed.end and a[0] <= ed.start]
        css, title = css_of(cover)
        ws_only = not (ed.before.strip() or ed.after.strip())
        out.append({
            "kind": "edit", "id": f"d{n}-e{j + 1}", "row": f"d{n}-et{j + 1}" if table_rows is None or j < table_rows else "", "code": ed.code, "name": ed.name,
            "family": family_of(ed.code), "reason": ed.reason, "ws_only": ws_only,
            "before": change_tokens(ed.before, ws_only), "after": change_tokens(ed.after, ws_only),
            "css": css, "title": title,
        })
        cur = max(cur, ed.end)
    if cur < len(original):
        emit_text(cur, len(original))
    return out
