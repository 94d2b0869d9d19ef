"""Run configuration: which rules run, their options and severities.

A :class:`Config` is plain data.  Its :meth:`Config.sha256` is recorded in
every log line, so a cleaned corpus says exactly which settings made it.
Selectors (``select``, ``ignore``) match a rule by code (``H001``), code
prefix (``H``, ``B0``) or name (``html-comment``), as in ruff.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from cleaner.registry import Rule, all_rules


def selector_matches(selector: str, rule: Rule) -> bool:
    """Does *selector* (code, code prefix, name or ``ALL``) pick *rule*?"""
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    if sel.lower() == rule.name:
        return True
    return rule.code.startswith(sel.upper()) and sel[:1].isalpha()


@dataclass
class Config:
    """Settings for one run.

    ``select`` empty means every rule that is enabled by default.
    ``per_file_ignores`` maps a glob (matched against the document's relative
    path) to selectors ignored for matching files.
    """

    select: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_limit: float | None = 30.0
    restore_quotes: bool = False
    drop_duplicates: bool = False
    dedup: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def sha256(self) -> str:
        blob = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def is_selected(self, rule: Rule) -> bool:
        if self.select:
            chosen = any(selector_matches(s, rule) for s in self.select)
        else:
            chosen = rule.default_enabled
        if any(selector_matches(s, rule) for s in self.extend_select):
            chosen = True
        if any(selector_matches(s, rule) for s in self.ignore):
            chosen = False
        return chosen

    def active_rules(self, path: str = "") -> list[Rule]:
        """Rules that run on the document at *path*, in run order."""
        ignored: list[str] = []
        for pattern, selectors in self.per_file_ignores.items():
            if path and fnmatch.fnmatch(path, pattern):
                ignored.extend(selectors)
        return [
            r
            for r in all_rules()
            if self.is_selected(r) and not any(selector_matches(s, r) for s in ignored)
        ]

    def severity_of(self, rule: Rule) -> str:
        return self.severity.get(rule.code, rule.severity)
