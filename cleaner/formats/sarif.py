"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; the tool's rules (every rule that is registered, so ``ruleIndex``
is stable between runs) are in ``tool.driver.rules`` with their name,
summary, explanation and default severity.  Each result has a stable
``ruleId`` (the code), a physical location with a relative URI, a 1-based
region in code points (``columnKind`` ``unicodeCodePoints``) and
``partialFingerprints`` from the path, the rule and the normalised matched
text, so an alert keeps its identity when lines move.  Files that could not
be read are ``toolExecutionNotifications``; the twin of a near-duplicate
(``data.duplicate_of``) is a ``relatedLocation``.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from cleaner import __version__
from cleaner.formats import Report
from cleaner.formats.text import _printable

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INFO_URI = "https://pypi.org/project/cleaner/"
FINGERPRINT_KEY = "cleaner/v1"


def _uri(path: str) -> dict[str, Any]:
    p = PurePosixPath(path.replace("\\", "/"))
    if p.is_absolute():
        return {"uri": "file://" + quote(str(p))}
    return {"uri": quote(str(p)), "uriBaseId": "%SRCROOT%"}


def _rule_descriptor(rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation or rule.summary},
        "help": {"text": rule.explanation or rule.summary},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "error")},
        "properties": {"family": rule.family, "fix": rule.fix, "tags": [rule.family]},
    }


def _region(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "startLine": max(d["line"], 1),
        "startColumn": max(d["column"], 1),
        "endLine": max(d["end_line"], d["line"], 1),
        "endColumn": max(d["end_column"], 1) if d["end_line"] > d["line"] else max(d["end_column"], d["column"], 1),
        "charOffset": d["start"],
        "charLength": d["end"] - d["start"],
    }


def sarif(report: Report) -> str:
    rules = sorted(report.rules, key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for d in report.diagnostics:
        result: dict[str, Any] = {
            "ruleId": d["code"],
            "level": LEVELS.get(d["severity"], "error"),
            "message": {"text": _printable(d["message"])},
            "locations": [{"physicalLocation": {"artifactLocation": _uri(d["path"]), "region": _region(d)}}],
            "partialFingerprints": {FINGERPRINT_KEY: f"{d['fingerprint']}:{d.get('occurrence', 1)}"},
            "properties": {"name": d["name"]},
        }
        twin = (d.get("data") or {}).get("duplicate_of")
        if isinstance(twin, dict) and twin.get("path"):
            region = {"charOffset": int(twin.get("start", 0)),
                      "charLength": max(int(twin.get("end", 0)) - int(twin.get("start", 0)), 0)}
            result["relatedLocations"] = [{
                "id": 1,
                "physicalLocation": {"artifactLocation": _uri(str(twin["path"])), "region": region},
                "message": {"text": f"paragraph {twin.get('paragraph', '?')} of {twin['path']}"},
            }]
        if d["code"] in index:
            result["ruleIndex"] = index[d["code"]]
        if d.get("fix") is not None:
            result["properties"]["applicability"] = d.get("applicability")
            result["fixes"] = [{
                "description": {"text": f"{d['applicability']} fix: {_printable(d['message'])}"},
                "artifactChanges": [{
                    "artifactLocation": _uri(d["path"]),
                    "replacements": [{
                        "deletedRegion": {"charOffset": d["start"], "charLength": d["end"] - d["start"]},
                        "insertedContent": {"text": _printable(d["fix"])},
                    }],
                }],
            }]
        results.append(result)
    notifications = [
        {"level": "error", "message": {"text": _printable(f"{path}: {message}")},
         "locations": [{"physicalLocation": {"artifactLocation": _uri(path)}}]}
        for path, message in report.errors
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "cleaner", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI, "rules": [_rule_descriptor(r) for r in rules]}},
        "invocations": [{"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory cleaner was run in."}}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    # Compact: SARIF logs are read by machines, and json's C encoder only runs without indent.
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, ensure_ascii=False) + "\n"
