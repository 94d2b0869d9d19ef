"""-j N gives the bytes of -j 1; shards split the files exactly once; corpus stats survive parallelism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.batch import RunOptions, run, select_files, shard_of
from cleaner.config import Config
from cleaner.io.readers import discover

TEMPLATE = "Riverside Gazette | Metro Desk"


def make_corpus(root: Path, files: int = 6, per_file: int = 40) -> None:
    """JSONL files whose documents share a template line (B002 needs run-wide stats) plus text files."""
    root.mkdir(parents=True, exist_ok=True)
    n = 0
    for i in range(files):
        lines = []
        for j in range(per_file):
            n += 1
            body = (f"Story {n} headline\n\nCouncil member {n} said the vote on item {j} was close.  \n"
                    f"{TEMPLATE}\n\n\n\nThe <!-- x{n} --> meeting ended at {j % 12 + 1} pm.\n")
            lines.append(json.dumps({"id": f"f{i}-{j}", "text": body}))
        (root / f"part-{i:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for k in range(8):
        (root / f"note-{k}.txt").write_text(f"Note {k}\n{TEMPLATE}\nA  short note number {k}.\n", encoding="utf-8")


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".cleaner" not in p.parts and p.name != "stats.json"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "in"
    make_corpus(root)
    return root


def test_jobs_2_output_is_identical_to_jobs_1(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    one = tmp_path / "j1"
    two = tmp_path / "j2"
    r1 = run([str(corpus)], one, Config(), RunOptions(jobs=1, progress="off", batch_docs=16))
    r2 = run([str(corpus)], two, Config(), RunOptions(jobs=2, progress="off", batch_docs=16))
    a, b = tree_bytes(one), tree_bytes(two)
    assert len(a) == 6 + 8 + 1 and a == b
    assert r1.stats.to_json() == r2.stats.to_json()
    # the template line was removed through run-wide statistics in both runs
    assert r2.stats.edits["B002"] == 6 * 40 + 8
    first = json.loads(a["part-00.jsonl"].splitlines()[0])
    assert TEMPLATE not in first["text"]


def test_shards_cover_every_file_exactly_once(corpus):
    files = discover([str(corpus)])
    seen: list[str] = []
    for i in range(3):
        seen.extend(f.rel for f in select_files(files, RunOptions(shard_index=i, num_shards=3)))
    assert sorted(seen) == sorted(f.rel for f in files)
    assert len(seen) == len(set(seen))
    # assignment depends on the name only, so adding files does not move the others
    assert all(0 <= shard_of(f.rel, 3) < 3 for f in files)


def test_sharded_runs_together_write_every_output(corpus, tmp_path):
    out = tmp_path / "out"
    done = 0
    for i in range(2):
        r = run([str(corpus)], out, Config(), RunOptions(jobs=1, progress="off", shard_index=i, num_shards=2))
        done += r.files_done
        assert (out / f"stats-shard-{i}-of-2.json").is_file()
    assert done == 14
    assert {p.name for p in out.glob("part-*.jsonl")} == {f"part-{i:02d}.jsonl" for i in range(6)}
    # the combined log lists every text file once the last shard has finished
    log = [json.loads(x)["path"] for x in (out / "cleaner-log.jsonl").read_text().splitlines()]
    assert sorted(log) == [f"note-{k}.txt" for k in range(8)]


def test_bad_shard_index_is_an_input_error(corpus, tmp_path):
    from cleaner.io.files import InputError

    with pytest.raises(InputError):
        run([str(corpus)], tmp_path / "o", Config(), RunOptions(shard_index=2, num_shards=2, progress="off"))


def test_progress_json_lines_when_not_a_terminal(corpus, tmp_path):
    import io

    from cleaner.progress import Progress

    buf = io.StringIO()
    p = Progress(1000, stream=buf, interval=0.0)
    p.update(3, 400)
    p.close()
    events = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert events[-1]["documents"] == 3 and events[-1]["bytes"] == 400 and events[-1]["total_bytes"] == 1000
    assert events[-1]["eta_s"] is not None and events[-1]["mb_per_s"] >= 0


_WARM_RUN = r"""
import sys
from pathlib import Path
import cleaner.batch as batch
from cleaner.config import Config
from cleaner.rules import _joins

calls = []
real = batch.warm_up
batch.warm_up = lambda *a, **k: (calls.append(1), real(*a, **k))
batch.WARM_UP_BYTES = int(sys.argv[3])
if len(sys.argv) > 5:
    batch.WARM_UP_SAMPLE = sys.argv[5]
batch.run([sys.argv[1]], Path(sys.argv[2]), Config(),
          batch.RunOptions(jobs=int(sys.argv[4]), progress="off", batch_docs=16, index=sys.argv[2] + ".sqlite"))
print(len(calls), _joins._kernel_state["module"] is not None)
"""


@pytest.mark.parametrize("jobs", ["2", "1"])
@pytest.mark.parametrize("numba", ["1", "0"])
def test_warming_up_before_forking_changes_no_output(corpus, tmp_path, numba, jobs):
    """The driver builds the rules' kernels and tables once before the workers fork (with one process, before
    its first text: the first texts then take the kernels' way); the bytes do not change."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", CLEANER_JOINS_NUMBA=numba)
    outs = {}
    for name, threshold, *sample in (("cold", 10**15), ("warm", 0), ("failed", 0, "no-such-sample.txt")):
        out = tmp_path / name
        proc = subprocess.run([sys.executable, "-c", _WARM_RUN, str(corpus), str(out), str(threshold), jobs, *sample],
                              capture_output=True, text=True, env=env, check=True)
        outs[name] = (tree_bytes(out), proc.stdout.split())
    (cold, cold_said), (warm, warm_said) = outs["cold"], outs["warm"]
    assert cold == warm == outs["failed"][0] and len(cold) == 6 + 8 + 1  # a warm-up that fails changes nothing
    assert cold_said == ["0", "False"]  # small corpus: no warm-up, and too little text for the kernel
    # warmed up: the kernel was loaded in the driver (the workers inherit it), unless it is switched off
    assert warm_said == ["1", "True" if numba == "1" else "False"]


# ----------------------------------------------------------- OrderedPool


def _task(payload):
    """What the pool tests run: wait for a file, make one, fail, or echo; with the process that ran it."""
    import os
    import time

    action, arg = payload
    if action == "wait":  # blocks the worker until the calling process makes the file
        deadline = time.monotonic() + 30
        while not Path(arg).exists():
            if time.monotonic() > deadline:
                return "timed out", os.getpid()
            time.sleep(0.01)
    elif action == "make":
        Path(arg).write_text("go")
    elif action == "fail":
        Path(arg).write_text("go")
        raise ValueError("task failed")
    return action, os.getpid()


def test_pool_runs_a_task_itself_while_its_worker_is_busy(tmp_path):
    import os

    from cleaner.parallel import OrderedPool

    flag = tmp_path / "flag"
    tasks = [(0, ("wait", str(flag))), (1, ("make", str(flag))), (2, ("echo", "")), (3, ("echo", ""))]
    with OrderedPool(2, depth=1) as pool:
        out = list(pool.map(_task, tasks))
    # the worker's task could only finish because this process ran the next one itself
    assert [c for c, _ in out] == [0, 1, 2, 3]
    assert out[0][1][0] == "wait" and out[0][1][1] != os.getpid()
    assert out[1][1] == ("make", os.getpid())
    assert pool.ran_here >= 1


def test_pool_raises_a_task_error_in_task_order(tmp_path):
    from cleaner.parallel import OrderedPool

    flag = tmp_path / "flag"
    got = []
    with pytest.raises(ValueError, match="task failed"):
        with OrderedPool(2, depth=1) as pool:
            for context, result in pool.map(_task, [(0, ("wait", str(flag))), (1, ("fail", str(flag))),
                                                    (2, ("echo", ""))]):
                got.append((context, result[0]))
    # the failing task ran here, but the result before it came first, as from a worker
    assert got == [(0, "wait")]


def test_pool_keeps_task_order_whoever_runs_the_tasks():
    from cleaner.parallel import OrderedPool

    tasks = [(i, ("echo", str(i))) for i in range(40)]
    for jobs, depth in ((1, 2), (2, 1), (2, 2), (3, 1)):
        with OrderedPool(jobs, depth=depth) as pool:
            assert [c for c, r in pool.map(_task, tasks)] == list(range(40))


def test_pool_files_are_gone_after_the_pool_whether_it_ends_or_fails(tmp_path):
    """Payloads and results travel through files in a private folder: each is removed when read, the folder at the end."""
    from cleaner.parallel import OrderedPool

    tasks = [(i, ("echo", "x" * 100_000)) for i in range(12)]
    with OrderedPool(2, depth=1) as pool:
        scratch = Path(pool._scratch)
        for _ in pool.map(_task, tasks):
            assert len(list(scratch.iterdir())) <= pool.window * 2  # (a task's payload, then its result)
    assert not scratch.exists()
    flag = tmp_path / "flag"
    with pytest.raises(ValueError):
        with OrderedPool(2, depth=1) as pool:
            scratch = Path(pool._scratch)
            list(pool.map(_task, [(0, ("wait", str(flag))), (1, ("fail", str(flag))), (2, ("echo", ""))]))
    assert not scratch.exists()


def test_pool_falls_back_to_its_pipes_when_its_folder_is_full(monkeypatch):
    """A payload or result that cannot be written to the pool's folder goes through the pipe: same results."""
    from cleaner import parallel
    from cleaner.parallel import OrderedPool

    real_dump = parallel.pickle.dump
    refused = []

    def full(obj, f, *args, **kwargs):
        if "cleaner-pool-" in str(getattr(f, "name", "")):
            refused.append(f.name)
            raise OSError(28, "No space left on device")
        return real_dump(obj, f, *args, **kwargs)

    # (on the pickle module, where _dumped looks it up at each call; the forked worker inherits it:
    # results fall back too)
    monkeypatch.setattr(parallel.pickle, "dump", full)
    tasks = [(i, ("echo", str(i))) for i in range(10)]
    with OrderedPool(2, depth=1) as pool:
        scratch = Path(pool._scratch)
        assert [c for c, r in pool.map(_task, tasks)] == list(range(10))
        assert not list(scratch.iterdir())
    assert refused  # (the payloads did try the folder first)


def test_pool_result_that_cannot_be_written_comes_back_through_the_pipe(tmp_path, monkeypatch):
    from cleaner import parallel

    payload = tmp_path / "task-1"
    payload.write_bytes(__import__("pickle").dumps(("echo", "x")))
    real_dump = parallel.pickle.dump

    def failing_dump(obj, f, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(parallel.pickle, "dump", failing_dump)
    kind, value = parallel._run_with_files(_task, str(payload))
    monkeypatch.setattr(parallel.pickle, "dump", real_dump)
    assert kind == "value" and value[0] == "echo"
    assert not list(tmp_path.iterdir())  # the payload file read and removed, no half-written result left
