"""The basic commands: clean, check, restore, rules, rule, and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cleaner.cli import cli


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_clean_writes_mirrored_tree_and_log(tmp_path):
    src = tmp_path / "in"
    write(src, "a/one.txt", "Story.\n\n\n\nView original post\n")
    write(src, "two.txt", "Clean text.\n")
    write(src, "skip.md", "not a txt\n")
    r = invoke("clean", str(src), "-o", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "a" / "one.txt").read_text() == "Story.\n"
    assert (tmp_path / "out" / "two.txt").read_text() == "Clean text.\n"
    assert not (tmp_path / "out" / "skip.md").exists()
    log = [json.loads(l) for l in (tmp_path / "out" / "cleaner-log.jsonl").read_text().splitlines()]
    assert [r["path"] for r in log] == ["a/one.txt", "two.txt"]
    assert {e["code"] for e in log[0]["edits"]} == {"B001"}
    assert log[1]["edits"] == [] and log[1]["sha256_original"] == log[1]["sha256_cleaned"]


def test_check_concise_and_exit_codes(tmp_path):
    dirty = write(tmp_path, "dirty.txt", "Line one.\n\n\n\nLine <!-- x --> two.\n")
    clean_file = write(tmp_path, "clean.txt", "All good.\n")
    r = invoke("check", str(dirty))
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert "dirty.txt:2:1: W005 run of blank lines" in lines
    assert any(l.startswith("dirty.txt:5:6: H001") for l in lines)
    assert invoke("check", str(clean_file)).exit_code == 0


def test_check_json_fields(tmp_path):
    f = write(tmp_path, "x.txt", "Mr. Putinâ€™s request.\n")
    r = invoke("check", "--output-format", "json", str(f))
    assert r.exit_code == 1
    (d,) = json.loads(r.output)
    assert d["code"] == "U001" and d["fix"] == "’" and d["path"] == "x.txt"
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (1, 10, 1, 13)
    for key in ("start", "end", "name", "message", "severity"):
        assert key in d


def test_rules_and_rule(tmp_path):
    r = invoke("rules")
    assert r.exit_code == 0 and "H001  html-comment" in r.output and "B001" in r.output
    r = invoke("rule", "B001")
    assert r.exit_code == 0 and "view-original-post" in r.output
    r = invoke("rule", "html-entity")
    assert r.exit_code == 0 and "Texas A&M" in r.output


def test_usage_errors_exit_2(tmp_path):
    assert invoke("clean", str(tmp_path)).exit_code == 2  # missing -o
    assert invoke("rule", "Z999").exit_code == 2
    assert invoke("nonsense").exit_code == 2
    r = invoke("clean", str(tmp_path / "missing"), "-o", str(tmp_path / "o"))
    assert r.exit_code == 2 and "no such file" in r.output


def test_restore_verifies_and_reports_tampering(tmp_path):
    src = write(tmp_path / "in", "a.txt", "Text &amp; more.\n\n\n")
    out = tmp_path / "out"
    assert invoke("clean", str(src.parent), "-o", str(out)).exit_code == 0
    assert invoke("restore", str(out), "-o", str(tmp_path / "back")).exit_code == 0
    assert (tmp_path / "back" / "a.txt").read_bytes() == src.read_bytes()
    (out / "a.txt").write_text("tampered\n")
    r = invoke("restore", str(out), "-o", str(tmp_path / "back2"))
    assert r.exit_code == 2 and "cannot restore" in r.output


def test_binary_file_reported_and_run_goes_on(tmp_path):
    write(tmp_path / "in", "good.txt", "Fine.\n\n\n\nText.\n")
    (tmp_path / "in" / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    r = invoke("clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert r.exit_code == 0
    assert "bad.txt: not a text file" in r.output
    assert (tmp_path / "out" / "good.txt").read_text() == "Fine.\n\nText.\n"


def test_python_dash_m_entry_point():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "cleaner", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "cleaner" in r.stdout


def test_clean_writes_stats_with_the_run_record(tmp_path):
    src = tmp_path / "in"
    write(src, "a.txt", "Story &amp; more.\n\n\n\nView original post\n")
    r = invoke("clean", str(src), "-o", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["documents"] == 1 and stats["bytes_in"] == len((src / "a.txt").read_bytes())
    assert stats["bytes_out"] == len((tmp_path / "out" / "a.txt").read_bytes())
    assert stats["edits_by_rule"] == {"B001": 1, "H002": 1, "W005": 1} or stats["edits_by_rule"]["B001"] == 1
    assert stats["run"]["command_line"].startswith("cleaner clean") and stats["run"]["config_sha256"]


_THREADS_PROBE = (
    "import os, sys; import cleaner.cli, numpy; "
    "print(len(os.listdir('/proc/self/task')), os.environ.get('OPENBLAS_NUM_THREADS'), 'numpy' in sys.modules)"
)


def _probe_threads(env_value):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    done = subprocess.run([sys.executable, "-c", _THREADS_PROBE], capture_output=True, text=True, env=env,
                          timeout=120, check=True)
    threads, setting, numpy_loaded = done.stdout.split()
    return int(threads), setting, numpy_loaded


def test_the_command_line_starts_no_blas_threads_unless_the_user_asks_for_them():
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("threads are counted from /proc")
    threads, setting, numpy_loaded = _probe_threads(None)
    assert (threads, setting, numpy_loaded) == (1, "1", "True")  # numpy imported, and no thread beside the main one
    threads, setting, _ = _probe_threads("2")
    assert setting == "2" and threads == 2  # the user's own choice stands (OpenBLAS starts its second thread)
