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


_SHA_MEMO: dict[str, str] = {}
_ACTIVE_MEMO: dict[tuple[str, tuple[int, ...], str], tuple[Rule, ...]] = {}


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
        """SHA-256 of the settings (sorted JSON); recorded in every log line.

        Memoised on the settings' ``repr`` (cheap, and it changes whenever a
        setting does), since it is asked for once per document.
        """
        key = repr(self)
        digest = _SHA_MEMO.get(key)
        if digest is None:
            blob = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
            digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()
            if len(_SHA_MEMO) > 256:
                _SHA_MEMO.clear()
            _SHA_MEMO[key] = digest
        return digest

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
        """Rules that run on the document at *path*, in run order.

        Memoised on the settings and the set of registered rules (asked for
        once per document; without ``per_file_ignores`` the answer is the
        same for every path).
        """
        rules = all_rules()
        key = (repr(self), tuple(map(id, rules)), path if self.per_file_ignores else "")
        active = _ACTIVE_MEMO.get(key)
        if active is not None:
            return list(active)
        ignored: list[str] = []
        for pattern, selectors in self.per_file_ignores.items():
            if path and fnmatch.fnmatch(path, pattern):
                ignored.extend(selectors)
        active = tuple(
            r
            for r in rules
            if self.is_selected(r) and not any(selector_matches(s, r) for s in ignored)
        )
        if len(_ACTIVE_MEMO) > 4096:
            _ACTIVE_MEMO.clear()
        _ACTIVE_MEMO[key] = active
        return list(active)

    def severity_of(self, rule: Rule) -> str:
        return self.severity.get(rule.code, rule.severity)
