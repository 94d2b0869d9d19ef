"""GitLab Code Quality report (a JSON array of issues).

Each issue has ``description``, ``check_name``, ``fingerprint``, ``severity``
(``info``, ``minor``, ``major``…) and ``location.path`` /
``location.lines.begin``.  The fingerprint is unique per issue: the
diagnostic's fingerprint (path, rule, matched text) with its occurrence.
"""

from __future__ import annotations

import hashlib
import json

from cleaner.formats import Report
from cleaner.formats.text import _printable

SEVERITY = {"info": "info", "warning": "minor", "error": "major"}


def gitlab(report: Report) -> str:
    issues = []
    for d in report.diagnostics:
        fp = hashlib.sha256(f"{d['fingerprint']}:{d.get('occurrence', 1)}".encode()).hexdigest()[:32]
        issues.append({
            "type": "issue",
            "check_name": d["code"],
            "description": f"{d['code']} {d['name']}: {_printable(d['message'])}",
            "categories": ["Style"],
            "fingerprint": fp,
            "severity": SEVERITY.get(d["severity"], "major"),
            "location": {"path": d["path"], "lines": {"begin": d["line"], "end": d["end_line"]}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
