"""The persistent dedup index: SQLite reused across runs, and Redis through datasketch's storage."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from cleaner.batch import RunOptions, run
from cleaner.config import Config
from cleaner.dedup.index import DocumentSigner, open_index

WIRE = ("WASHINGTON (AP) — The Senate voted 68 to 31 on Tuesday to approve a bill that would fund the "
        "government through the end of March, averting a shutdown that had threatened to close national "
        "parks and delay paychecks for hundreds of thousands of federal workers. The measure now goes to "
        "the House, where leaders said they expected a vote before the end of the week.\n")


def story(i: int) -> str:
    return (f"Local report number {i}: the {['river', 'school', 'market', 'bridge', 'library'][i % 5]} "
            f"committee met for the {i}th time and heard {i * 3} residents argue about budget line {i * 7}, "
            f"parking rule {i * 11} and the repainting of hall {i * 13} before adjourning at {i % 12 + 1} pm.\n")


def write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def findings(path: Path) -> dict[str, list[dict]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out[rec["id"]] = [f for f in rec["cleaner"]["findings"] if f["code"] == "D900"]
    return out


def first_corpus(root: Path) -> None:
    write(root / "a.jsonl", [{"id": f"a{i}", "text": story(i)} for i in range(10)] + [{"id": "wire-1", "text": WIRE}])


def second_corpus(root: Path) -> None:
    lightly_edited = WIRE.replace("Tuesday", "Tuesday evening").replace("(AP) — ", "")
    write(root / "b.jsonl", [{"id": "wire-2", "text": lightly_edited}, {"id": "b1", "text": story(101)},
                             {"id": "b2", "text": story(3).replace("Local", "Regional")}])


def check_two_runs(tmp_path: Path, index: str) -> None:
    first_corpus(tmp_path / "one")
    second_corpus(tmp_path / "two")
    r1 = run([str(tmp_path / "one")], tmp_path / "out1", Config(), RunOptions(jobs=1, progress="off", index=index))
    assert r1.stats.duplicates == 0 and r1.index_documents == 11
    # a later run over new files is checked against the first corpus without recomputing it
    r2 = run([str(tmp_path / "two")], tmp_path / "out2", Config(), RunOptions(jobs=2, progress="off", index=index))
    got = findings(tmp_path / "out2" / "b.jsonl")
    assert [f["data"]["duplicate_of"] for f in got["wire-2"]] == ["wire-1"]
    assert got["wire-2"][0]["data"]["similarity"] >= 0.8
    assert got["b1"] == []
    assert [f["data"]["duplicate_of"] for f in got["b2"]] == ["a3"]
    assert r2.stats.duplicates == 2 and r2.stats.duplicate_clusters == 2
    assert r2.index_documents == 14
    stats = json.loads((tmp_path / "out2" / "stats.json").read_text())
    assert stats["findings_by_rule"]["D900"] == 2 and stats["duplicates"] == 2


def test_sqlite_index_is_reused_across_runs(tmp_path):
    check_two_runs(tmp_path, str(tmp_path / "index.sqlite"))


def test_duplicates_within_one_run_keep_the_first(tmp_path):
    write(tmp_path / "in" / "c.jsonl", [{"id": "x1", "text": WIRE}, {"id": "x2", "text": story(1)},
                                        {"id": "x3", "text": WIRE}])
    run([str(tmp_path / "in")], tmp_path / "out", Config(),
        RunOptions(jobs=1, progress="off", index=str(tmp_path / "i.sqlite")))
    got = findings(tmp_path / "out" / "c.jsonl")
    assert got["x1"] == [] and got["x2"] == []
    assert got["x3"][0]["data"]["duplicate_of"] == "x1"


def test_index_settings_must_match(tmp_path):
    from cleaner.io.files import InputError

    open_index(str(tmp_path / "i.sqlite"), threshold=0.8).close()
    with pytest.raises(InputError, match="threshold"):
        open_index(str(tmp_path / "i.sqlite"), threshold=0.5)


def test_signatures_are_datasketch_minhashes():
    from datasketch import MinHash

    import numpy as np

    sig = DocumentSigner().signatures([WIRE, "too short"])
    assert sig[1] is None
    from cleaner.dedup.minhash import shingle_batch

    hashes = shingle_batch([WIRE], 5).shingles(0)
    m = MinHash(128, seed=1, hashfunc=int, scheme="affine32")
    m.update_batch([int(h) for h in hashes])
    assert (np.frombuffer(sig[0], dtype="<u4") == m.hashvalues).all()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url():
    """A real redis-server on a free port, without persistence, stopped after the test."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    pytest.importorskip("redis")
    import redis

    port = _free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_redis_index_is_reused_across_runs(tmp_path, redis_url):
    check_two_runs(tmp_path, redis_url)


def test_unreachable_redis_is_a_clear_error(tmp_path):
    pytest.importorskip("redis")
    from cleaner.io.files import InputError

    with pytest.raises(InputError, match="cannot reach"):
        open_index(f"redis://127.0.0.1:{_free_port()}/0")
