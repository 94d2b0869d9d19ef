"""Resumable runs: an interrupted run leaves no half-written output and the same command finishes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cleaner.batch as batch
from cleaner.batch import RunOptions, run
from cleaner.config import Config


def make_corpus(root: Path) -> None:
    root.mkdir(parents=True)
    for i in range(5):
        lines = [json.dumps({"id": f"{i}-{j}", "text": f"Item {j}  of file {i}.   \n\n\n\nEnd.\n"}) for j in range(30)]
        (root / f"f{i}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("f*.jsonl"))}


def test_interrupted_run_resumes_and_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    src = tmp_path / "in"
    make_corpus(src)
    ref = tmp_path / "ref"
    run([str(src)], ref, Config(), RunOptions(jobs=1, progress="off", batch_docs=10))

    out = tmp_path / "out"
    real_add = batch._Writer.add
    calls = {"n": 0}

    def flaky_add(self, b, res):
        calls["n"] += 1
        if calls["n"] == 8:  # in the middle of the third file (3 batches per file)
            raise KeyboardInterrupt
        return real_add(self, b, res)

    monkeypatch.setattr(batch._Writer, "add", flaky_add)
    with pytest.raises(KeyboardInterrupt):
        run([str(src)], out, Config(), RunOptions(jobs=1, progress="off", batch_docs=10))
    # two finished files, nothing half-written, no temporary file left
    assert sorted(outputs(out)) == ["f0.jsonl", "f1.jsonl"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert outputs(out) == {k: v for k, v in outputs(ref).items() if k in ("f0.jsonl", "f1.jsonl")}

    monkeypatch.setattr(batch._Writer, "add", real_add)
    report = run([str(src)], out, Config(), RunOptions(jobs=1, progress="off", batch_docs=10))
    assert report.files_skipped == 2 and report.files_done == 3
    assert outputs(out) == outputs(ref)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents"] == 150 and stats["files_resumed"] == 2

    # a third run has nothing left to do
    again = run([str(src)], out, Config(), RunOptions(jobs=1, progress="off"))
    assert again.files_skipped == 5 and again.files_done == 0 and again.stats.documents == 150


def test_changed_settings_redo_finished_files(tmp_path):
    src = tmp_path / "in"
    make_corpus(src)
    out = tmp_path / "out"
    run([str(src)], out, Config(), RunOptions(jobs=1, progress="off"))
    report = run([str(src)], out, Config(ignore=["W"]), RunOptions(jobs=1, progress="off"))
    assert report.files_skipped == 0 and report.files_done == 5
    rec = json.loads((out / "f0.jsonl").read_text().splitlines()[0])
    assert rec["text"].startswith("Item 0  of file 0.   ")  # whitespace rules were ignored this time


def test_deleted_output_is_redone(tmp_path):
    src = tmp_path / "in"
    make_corpus(src)
    out = tmp_path / "out"
    run([str(src)], out, Config(), RunOptions(jobs=1, progress="off"))
    (out / "f3.jsonl").unlink()
    report = run([str(src)], out, Config(), RunOptions(jobs=1, progress="off"))
    assert report.files_done == 1 and (out / "f3.jsonl").is_file()
