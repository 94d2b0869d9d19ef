"""Baselines: accept today's findings and report only new ones.

Scraped text cannot carry ``# noqa`` comments, so suppressions live in a
baseline file beside the corpus.  An entry is keyed by (path, rule code,
fingerprint of the normalised matched text) and counts how many such
diagnostics the file had; line numbers are deliberately not part of the key,
so text inserted above an old finding does not bring it back.

The fingerprint is the diagnostic's ``text_hash`` (the path is a key of its
own, so moving the working directory does not change it).  Paths are stored relative to the baseline file's folder, so a baseline
written from the repository root works from any working directory.

File format (JSON, sorted, stable under re-writing)::

    {"version": 1, "tool": "cleaner",
     "entries": [{"path": "seeds/001.txt", "code": "H001",
                  "fingerprint": "…32 hex digits…", "count": 1,
                  "message": "HTML comment"}]}
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cleaner.io.files import atomic_write

VERSION = 1
Key = tuple[str, str, str]


class BaselineError(ValueError):
    """The baseline file is missing or invalid (exit code 2)."""


@lru_cache(maxsize=65536)
def _rel(path: str, base: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), base)).as_posix()


@dataclass
class Baseline:
    """Accepted diagnostics: counts per (path, code, fingerprint), paths relative to ``root``."""

    root: Path
    counts: Counter = field(default_factory=Counter)
    messages: dict[Key, str] = field(default_factory=dict)
    #: where the files named in diagnostics are (default: the name is the path)
    files: dict[str, Path] = field(default_factory=dict)

    def key(self, d: dict[str, Any]) -> Key:
        return (_rel(str(self.files.get(d["path"], d["path"])), self.root), d["code"], d["text_hash"])

    @classmethod
    def from_diagnostics(cls, diags: Iterable[dict[str, Any]], file: Path,
                         files: dict[str, Path] | None = None) -> Baseline:
        b = cls(root=file.resolve().parent, files=dict(files or {}))
        for d in diags:
            k = b.key(d)
            b.counts[k] += 1
            b.messages.setdefault(k, d["message"])
        return b

    @classmethod
    def load(cls, file: Path) -> Baseline:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{file}: no such baseline file (write one with --write-baseline)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{file}: cannot read baseline: {exc}") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{file}: baseline is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("entries"), list):
            raise BaselineError(f"{file}: not a cleaner baseline (version {VERSION})")
        b = cls(root=file.resolve().parent)
        for n, e in enumerate(data["entries"]):
            try:
                k = (str(e["path"]), str(e["code"]), str(e["fingerprint"]))
                count = int(e.get("count", 1))
            except (KeyError, TypeError, ValueError):
                raise BaselineError(f"{file}: entry {n} needs path, code and fingerprint") from None
            b.counts[k] += max(count, 0)
            b.messages.setdefault(k, str(e.get("message", "")))
        return b

    def to_json(self) -> dict[str, Any]:
        entries = [
            {"path": p, "code": c, "fingerprint": f, "count": n, "message": self.messages.get((p, c, f), "")}
            for (p, c, f), n in sorted(self.counts.items()) if n > 0
        ]
        return {"version": VERSION, "tool": "cleaner", "entries": entries}

    def save(self, file: Path) -> None:
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        atomic_write(file, text.encode("utf-8", "surrogateescape"))

    def filter(self, diags: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], Counter]:
        """Split *diags* into new ones (returned) and the baseline entries they used.

        When a file has more diagnostics with one key than the baseline
        accepted, the later ones (by position) are new.
        """
        left = Counter(self.counts)
        used: Counter = Counter()
        new = []
        for d in diags:
            k = self.key(d)
            if left[k] > 0:
                left[k] -= 1
                used[k] += 1
            else:
                new.append(d)
        return new, used

    def pruned(self, used: Counter, checked_paths: Iterable[str]) -> Baseline:
        """A copy without entries that no longer occur.

        Entries of checked files keep only what was used; entries of files
        that no longer exist are dropped; other files' entries are kept as
        they are (a partial check, such as ``--changed-since``, prunes only
        what it saw).
        """
        checked = {_rel(p, self.root) for p in checked_paths}
        out = Baseline(root=self.root)
        for k, n in self.counts.items():
            path = k[0]
            if path in checked:
                n = min(n, used.get(k, 0))
            elif not (self.root / path).exists():
                n = 0
            if n > 0:
                out.counts[k] = n
                out.messages[k] = self.messages.get(k, "")
        return out
