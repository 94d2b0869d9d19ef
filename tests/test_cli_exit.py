"""The ``cleaner`` command ends its process without tearing the interpreter down (cleaner.cli.main).

Exit codes and output must be exactly what an ordinary exit gives: these
run the real command in a subprocess, where ``os._exit`` ends it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.cli import _exit_status

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaner", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)


@pytest.mark.parametrize("full_exit", ["", "1"])
def test_check_output_is_complete_and_exit_code_kept(full_exit):
    # a large JSON document on a pipe: every byte must be flushed before the process ends
    done = _run("check", str(SEEDS), "--output-format", "json", CLEANER_FULL_EXIT=full_exit)
    assert done.returncode == 1  # the seeds have findings
    findings = json.loads(done.stdout)
    assert findings and len(done.stdout) > 10_000


def test_fast_and_full_exit_give_the_same_outputs(tmp_path):
    fast = _run("clean", str(SEEDS), "-o", str(tmp_path / "fast"), SOURCE_DATE_EPOCH="1700000000")
    full = _run("clean", str(SEEDS), "-o", str(tmp_path / "full"), SOURCE_DATE_EPOCH="1700000000",
                CLEANER_FULL_EXIT="1")
    assert fast.returncode == full.returncode == 0
    assert fast.stderr.split(" in ")[0] == full.stderr.split(" in ")[0]  # (then the run's time)
    names = sorted(p.name for p in (tmp_path / "fast").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "full").iterdir())
    for name in names:
        if name.endswith(".txt") or name == "cleaner-log.jsonl":
            assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()


def test_usage_error_and_internal_paths_keep_their_codes(tmp_path):
    assert _run("no-such-command").returncode == 2
    missing = _run("clean", str(tmp_path / "absent"), "-o", str(tmp_path / "out"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert _run("--version").stdout.startswith("cleaner, version")


def test_atexit_handlers_still_run(tmp_path):
    marker = tmp_path / "ran"
    code = ("import atexit, sys; from pathlib import Path; "
            f"atexit.register(lambda: Path({str(marker)!r}).write_text('yes')); "
            "sys.argv = ['cleaner', 'rules']; from cleaner.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "M001" in done.stdout
    assert marker.read_text() == "yes"


def test_exit_status_as_sys_exit_gives_it(capsys):
    assert _exit_status(None) == 0
    assert _exit_status(3) == 3
    assert _exit_status("bad thing") == 1
    assert "bad thing" in capsys.readouterr().err
