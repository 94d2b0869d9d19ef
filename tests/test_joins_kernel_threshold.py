"""The J rules' numba kernel is loaded only once a process has scanned KERNEL_AFTER characters of text.

Every rule of a text, in every pass, asks for the text's scan; each text
counts once towards the threshold, so a run over a few short files (the
seeds) keeps the regular-expression scans and never imports numba, while a
longer run loads the kernel as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from pathlib import Path
from cleaner.config import Config
from cleaner.engine import clean_text
from cleaner.rules import _joins as J
texts = [p.read_text(encoding="utf-8") for p in sorted(Path("seeds").glob("*.txt"))]
copies = int(sys.argv[1])
config = Config()
for k in range(copies):
    for t in texts:
        clean_text(f"Copy {k}.\\n\\n{t}", config)
print(json.dumps({"numba": "numba" in sys.modules, "loaded": J._kernel_state["module"] is not None,
                  "seen": J._kernel_state["seen"], "chars": sum(len(t) + 10 for t in texts) * copies}))
"""


def probe(copies: int) -> dict:
    env = {**os.environ, "CLEANER_JOINS_NUMBA": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(copies)], capture_output=True, text=True, timeout=600,
                          env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_seeds_are_scanned_without_the_kernel():
    state = probe(1)
    assert state["chars"] < 40_000
    assert not state["loaded"] and not state["numba"]
    # Each version of a text (the input, and each rule's output that a J or Q rule asks
    # about) is counted once, not once per question: a few times the input at most.
    assert 0 < state["seen"] <= 4 * state["chars"]


def test_enough_text_loads_the_kernel():
    pytest.importorskip("numba")
    from cleaner.rules import _joins as J

    copies = J.KERNEL_AFTER // 20_000 + 1  # distinct texts, well over the threshold
    state = probe(copies)
    assert state["chars"] > J.KERNEL_AFTER
    assert state["loaded"] and state["numba"]
