"""Provenance: who changed what, when, with which settings — in PREMIS terms.

Archivists describe preservation actions with the PREMIS data dictionary: an
*event* (what happened, when, with what outcome) links an *agent* (the
software that acted, with its version and settings) to *objects* (the files
before and after, identified by path and fixed by a message digest).  This
module turns one document's edit log into such events, and records the run
itself (date-time, command line, configuration) under ``"run"`` in ``OUT/stats.json``.

The date-time of a run is taken once, when the run starts
(:func:`start_run`), so every event of a run carries the same date-time; it
honours ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) so a run
can be made byte-for-byte repeatable, and it is exported in the environment
(``CLEANER_RUN_DATETIME``) so that worker processes stamp the same time.
"""

from __future__ import annotations

import json
import os
import platform
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cleaner import __version__
from cleaner.model import Document, Edit

#: The run record lives in the run's statistics file, under :data:`RUN_KEY`:
#: one file describes the run (what it was asked and what it did).
RUN_NAME = "stats.json"
RUN_KEY = "run"
RUN_DATETIME_ENV = "CLEANER_RUN_DATETIME"
PREMIS_VERSION = "3.0"
AGENT_NAME = "cleaner"

_cached_datetime: str | None = None


def _format(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _source_date_epoch() -> str | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return _format(datetime.fromtimestamp(int(value), tz=timezone.utc))
    except (ValueError, OverflowError, OSError):
        return None


def start_run() -> str:
    """Fix the date-time of a new run and return it (ISO 8601, UTC).

    ``SOURCE_DATE_EPOCH`` wins when it is set; otherwise the current time, to
    the second.  The value is exported as ``CLEANER_RUN_DATETIME`` so that
    child processes started afterwards use the same date-time.
    """
    global _cached_datetime
    value = _source_date_epoch() or _format(datetime.now(timezone.utc))
    _cached_datetime = value
    os.environ[RUN_DATETIME_ENV] = value
    return value


def run_datetime() -> str:
    """The date-time of the current run (see :func:`start_run`).

    ``SOURCE_DATE_EPOCH`` first, then the value :func:`start_run` exported,
    then the time this process first asked.
    """
    global _cached_datetime
    value = _source_date_epoch() or os.environ.get(RUN_DATETIME_ENV)
    if value:
        return value
    if _cached_datetime is None:
        _cached_datetime = _format(datetime.now(timezone.utc))
    return _cached_datetime


def agent_identifier() -> str:
    """The software agent as one string: ``cleaner 0.1.0``."""
    return f"{AGENT_NAME} {__version__}"


def _object_link(path: str, digest: str, role: str) -> dict[str, Any]:
    return {
        "linkingObjectIdentifierType": "local path",
        "linkingObjectIdentifierValue": path,
        "linkingObjectRole": role,
        "messageDigestAlgorithm": "SHA-256",
        "messageDigest": digest,
    }


def _event_id(*parts: str) -> dict[str, str]:
    value = uuid.uuid5(uuid.NAMESPACE_URL, "cleaner:" + "\x1f".join(parts))
    return {"eventIdentifierType": "UUID", "eventIdentifierValue": str(value)}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def premis_record(
    doc: Document,
    *,
    sha256_original: str,
    sha256_cleaned: str,
    config_sha256: str,
    when: str | None = None,
) -> dict[str, Any]:
    """PREMIS-style provenance for one document, for its log line.

    Returns ``{"version", "agent", "objects", "events"}``.  There is one
    ``modification`` or ``deletion`` event per rule that changed the
    document (``deletion`` when every edit of that rule only removed text),
    naming the rule (its edits are the log's ``edits`` with that ``code``)
    and how many there are;
    a ``validation`` event when rules flagged findings; and a ``message
    digest calculation`` event for the fixity of the input and output.  Event
    identifiers are UUIDs derived from the document, its digests, the
    configuration, the rule and the date-time, so they are stable for a run.
    """
    when = when or run_datetime()
    agent = agent_identifier()
    path = doc.id
    source = _object_link(path, sha256_original, "source")
    outcome = _object_link(path, sha256_cleaned, "outcome")
    agent_link = {
        "linkingAgentIdentifierType": "software",
        "linkingAgentIdentifierValue": agent,
        "linkingAgentRole": "executing program",
    }
    seed = (path, sha256_original, sha256_cleaned, config_sha256, when)

    by_rule: dict[str, list[int]] = {}
    for i, e in enumerate(doc.edits):
        by_rule.setdefault(e.code, []).append(i)

    events: list[dict[str, Any]] = []
    for code, indices in by_rule.items():
        edits: Sequence[Edit] = [doc.edits[i] for i in indices]
        deletion = all(e.after == "" for e in edits)
        removed = sum(e.end - e.start for e in edits)
        inserted = sum(len(e.after) for e in edits)
        name = edits[0].name
        detail = f"{code} {name}: {_plural(len(edits), 'edit')}, {removed} code points replaced"
        detail += f" by {inserted}" if not deletion else " (removed)"
        moved = sorted({k for e in edits for k in (e.metadata or {})})
        if moved:
            detail += f"; moved to metadata: {', '.join(moved)}"
        events.append({
            "eventIdentifier": _event_id(*seed, code),
            "eventType": "deletion" if deletion else "modification",
            "eventDateTime": when,
            "eventDetail": detail,
            "rule": code,
            "editCount": len(indices),
            "eventOutcome": "success",
            "eventOutcomeDetail": "recorded in the edit log; reversible with `cleaner restore`",
            "linkingAgentIdentifier": agent_link,
            "linkingObjectIdentifier": [source, outcome],
        })
    if doc.findings:
        codes = sorted({f.code for f in doc.findings})
        events.append({
            "eventIdentifier": _event_id(*seed, "validation"),
            "eventType": "validation",
            "eventDateTime": when,
            "eventDetail": f"{_plural(len(doc.findings), 'finding')} flagged for review ({', '.join(codes)})",
            "eventOutcome": "warning",
            "eventOutcomeDetail": "text left unchanged where a change would not be safe",
            "linkingAgentIdentifier": agent_link,
            "linkingObjectIdentifier": [source],
        })
    events.append({
        "eventIdentifier": _event_id(*seed, "fixity"),
        "eventType": "message digest calculation",
        "eventDateTime": when,
        "eventDetail": "SHA-256 of the input bytes and of the cleaned file",
        "eventOutcome": "success",
        "eventOutcomeDetail": f"source {sha256_original}; outcome {sha256_cleaned}",
        "linkingAgentIdentifier": agent_link,
        "linkingObjectIdentifier": [source, outcome],
    })
    return {
        "version": PREMIS_VERSION,
        "agent": {
            "agentIdentifier": agent,
            "agentName": AGENT_NAME,
            "agentType": "software",
            "agentVersion": __version__,
            "configSha256": config_sha256,
        },
        "objects": [source, outcome],
        "events": events,
    }


def run_record(
    *,
    config: Any,
    command_line: str,
    documents: int,
    file_errors: Sequence[Any] = (),
    when: str | None = None,
) -> dict[str, Any]:
    """The description of one run, written under ``"run"`` in ``OUT/stats.json``."""
    return {
        "tool": AGENT_NAME,
        "tool_version": __version__,
        "date_time": when or run_datetime(),
        "command_line": command_line,
        "config": config.to_json(),
        "config_sha256": config.sha256(),
        "python": platform.python_version(),
        "documents": documents,
        "file_errors": [{"path": e.path, "message": e.message} for e in file_errors],
    }


def write_run_record(out_dir: Path, record: dict[str, Any]) -> Path:
    """Store *record* under ``"run"`` in ``OUT/stats.json`` (atomically); return the file's path.

    The statistics already in the file (written by the corpus engine or the
    in-memory pipeline) are kept.
    """
    from cleaner.io.files import atomic_write

    path = Path(out_dir) / RUN_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data[RUN_KEY] = record
    try:
        blob = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        raw = blob.encode("utf-8")
    except UnicodeEncodeError:  # a message quoting undecodable bytes: escape it
        raw = (json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n").encode("ascii")
    atomic_write(path, raw)
    return path


def read_run_record(out_dir: Path) -> dict[str, Any] | None:
    """The run record in ``OUT/stats.json`` if there is a valid one, else None."""
    path = Path(out_dir) / RUN_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run = data.get(RUN_KEY) if isinstance(data, dict) else None
    return run if isinstance(run, dict) else None


def command_line_of(ctx: Any) -> str:
    """A canonical command line rebuilt from a click context's parsed parameters.

    Rebuilt rather than copied from ``sys.argv`` so that it is the same
    however the command was started (console script, ``python -m``, tests),
    and lists only the options that differ from their defaults.
    """
    import shlex

    import click

    words = ["cleaner", *ctx.command_path.split()[1:]]  # the console script's name, however it was started
    opts: list[str] = []
    args: list[str] = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(param, click.Argument):
            if isinstance(value, (list, tuple)):
                args.extend(str(v) for v in value)
            elif value is not None:
                args.append(str(value))
            continue
        if not isinstance(param, click.Option) or value is None or value == param.default:
            continue
        if value in ((), []) and not param.default:
            continue
        name = max(param.opts, key=len)
        if param.is_flag:
            if value is True:
                opts.append(name)
            elif param.secondary_opts:
                opts.append(max(param.secondary_opts, key=len))
            continue
        values = value if isinstance(value, (list, tuple)) and param.multiple else [value]
        for v in values:
            opts.extend([name, str(v)])
    return shlex.join(words + args + opts)
