"""--engine ray on a local Ray instance gives the local engine's output byte for byte."""

from __future__ import annotations

import json

import pytest

from cleaner.batch import RunOptions, run
from cleaner.config import Config
from tests.test_parallel import make_corpus, tree_bytes

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_engine_matches_local_engine(tmp_path, local_ray, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    src = tmp_path / "in"
    make_corpus(src, files=2, per_file=12)
    local = run([str(src)], tmp_path / "local", Config(), RunOptions(jobs=1, progress="off", batch_docs=8))
    on_ray = run([str(src)], tmp_path / "ray", Config(),
                 RunOptions(jobs=2, progress="off", batch_docs=8, engine="ray"))
    a, b = tree_bytes(tmp_path / "local"), tree_bytes(tmp_path / "ray")
    assert len(a) == 2 + 8 + 1 and a == b
    assert local.stats.to_json() == on_ray.stats.to_json()
    assert on_ray.stats.edits["B002"] == 2 * 12 + 8  # run-wide statistics were computed on Ray too
    assert json.loads((tmp_path / "ray" / "stats.json").read_text())["engine"] == "ray"
