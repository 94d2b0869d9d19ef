"""Progress reporting: a bar on a terminal, JSON lines otherwise.

On a terminal, :class:`Progress` redraws one line on stderr with documents
per second, MB per second and the estimated time left.  When stderr is not a
terminal (CI logs, a scheduler's log file) it prints one JSON object per
line instead, at most every ``interval`` seconds, e.g.::

    {"event": "progress", "documents": 12000, "bytes": 48000000, "total_bytes": 96000000,
     "docs_per_s": 2400.0, "mb_per_s": 9.6, "eta_s": 5.0, "elapsed_s": 5.0}
"""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO


class Progress:
    """Track documents and input bytes done against the total input bytes."""

    def __init__(self, total_bytes: int, *, stream: TextIO | None = None, mode: str = "auto",
                 interval: float | None = None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "json"
        self.mode = mode  # "bar", "json" or "off"
        self.interval = interval if interval is not None else (0.2 if mode == "bar" else 5.0)
        self.total = max(total_bytes, 0)
        self.documents = 0
        self.bytes = 0
        self.started = time.perf_counter()
        self._last = self.started

    def update(self, documents: int, nbytes: int) -> None:
        self.documents += documents
        self.bytes += nbytes
        now = time.perf_counter()
        if self.mode != "off" and now - self._last >= self.interval:
            self._last = now
            self._emit(now)

    def snapshot(self, now: float | None = None) -> dict:
        now = now or time.perf_counter()
        elapsed = max(now - self.started, 1e-9)
        rate = self.bytes / elapsed
        left = max(self.total - self.bytes, 0)
        return {
            "event": "progress",
            "documents": self.documents,
            "bytes": self.bytes,
            "total_bytes": self.total,
            "docs_per_s": round(self.documents / elapsed, 1),
            "mb_per_s": round(rate / 1e6, 3),
            "eta_s": round(left / rate, 1) if rate > 0 else None,
            "elapsed_s": round(elapsed, 2),
        }

    def _emit(self, now: float) -> None:
        s = self.snapshot(now)
        if self.mode == "json":
            self.stream.write(json.dumps(s) + "\n")
        else:
            frac = min(self.bytes / self.total, 1.0) if self.total else 0.0
            width = 28
            bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
            eta = _clock(s["eta_s"]) if s["eta_s"] is not None else "--:--"
            self.stream.write(
                f"\r[{bar}] {frac:6.1%} {s['documents']} docs  {s['docs_per_s']:.0f} docs/s  "
                f"{s['mb_per_s']:.2f} MB/s  ETA {eta} "
            )
        self.stream.flush()

    def close(self) -> None:
        """Print the final state (and end the bar's line)."""
        if self.mode == "off":
            return
        self._emit(time.perf_counter())
        if self.mode == "bar":
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
