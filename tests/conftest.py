"""Shared test fixtures: paths to the repository, the seeds and the shared bench data."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    """Point the disk cache (cleaner/_diskcache.py) at a folder of this session, for the tests and their
    subprocesses: the tests never read or write the user's cache."""
    import os
    import tempfile

    config._cleaner_cache_dir = tempfile.mkdtemp(prefix="cleaner-test-cache-")
    os.environ["CLEANER_CACHE_DIR"] = config._cleaner_cache_dir


def pytest_unconfigure(config):
    folder = getattr(config, "_cleaner_cache_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
BENCH_DATA = SHARED / "bench-data" / "article-extraction-benchmark"


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


def read_seed(prefix: str) -> str:
    """The text of the seed file whose name starts with *prefix* (e.g. ``"001"``)."""
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
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

    port = free_port()
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
