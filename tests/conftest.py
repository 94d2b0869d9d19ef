"""Shared test fixtures: paths to the repository, the seeds and the shared bench data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
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
