"""End to end on the five seed files: what goes, what stays, restore, idempotence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS

SHARED_SEEDS = REPO.parent / "shared" / "seeds"


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "cleaner", *args], capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cleaned")
    r = run("clean", str(SEEDS), "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


def text_of(folder: Path, prefix: str) -> str:
    (p,) = folder.glob(f"{prefix}_*.txt")
    return p.read_text(encoding="utf-8")


def test_seeds_are_the_shared_seeds_unchanged():
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds not present")
    for f in SHARED_SEEDS.glob("*.txt"):
        assert (SEEDS / f.name).read_bytes() == f.read_bytes()


@pytest.mark.parametrize(
    "prefix,gone",
    [
        ("001", "<!–"),
        ("001", "End comment –>"),
        ("001", "View original post"),
        ("001", "• This article includes wire service reports."),
        ("002", "Go deeper"),
        ("002", "Photo: Peter Klaunzer-Pool/Keystone via Getty Images"),
        ("002", "Editor's note: This post has been updated"),
        ("003", "(AP/Andriy Dubchak)"),
        ("003", "A Ukrainian soldier takes a break Thursday"),
        ("003", " date 2021-12-31 "),
        ("003", "\n\n\n"),
        ("001", "\n\n\n"),
        ("001", "\u00a0\n"),
    ],
)
def test_artifacts_are_gone(cleaned, prefix, gone):
    assert gone in text_of(SEEDS, prefix)
    assert gone not in text_of(cleaned, prefix)


@pytest.mark.parametrize(
    "prefix,kept",
    [
        ("001", "President Joe Biden, Russia's Vladimir Putin confer for 50 minutes in phone call about Ukraine\n"),
        ("002", "Biden accepts Putin request for phone call ahead of talks on Ukraine\n"),
        ("002", "Why it matters: The call"),
        ("002", "  • With more than 100,000 troops massing"),
        ("002", "The big picture: "),
        ("002", "Between the lines: "),
        ("003", "WILMINGTON, Del. -- Presidents Joe Biden"),
        ("003", "\nNATO: NO APPETITE\n"),
        ("003", "Information for this article was contributed by Aamer Madhani"),
        ("004", "Biden, Putin set stage for security talks\n"),
        ("004", "for the upcoming negations in Geneva"),
        ("004", "began at 3:35 p.m. ET and ended at 4:25 p.m."),
    ],
)
def test_article_text_is_intact(cleaned, prefix, kept):
    assert kept in text_of(cleaned, prefix)


def test_every_content_line_survives_except_removed_ones(cleaned):
    """Each non-blank line of a seed is in the output (joins repaired: compared without
    whitespace) or was removed whole by a logged edit."""
    log = {json.loads(l)["path"]: json.loads(l) for l in (cleaned / "cleaner-log.jsonl").read_text().splitlines()}

    def squash(s):
        return "".join(s.split())

    for seed in SEEDS.glob("*.txt"):
        out = squash((cleaned / seed.name).read_text(encoding="utf-8"))
        removed = [e["before"] for e in log[seed.name]["edits"]]
        for line in seed.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                assert squash(line) in out or any(line in r for r in removed), (seed.name, line)


def test_metadata_in_log(cleaned):
    log = [json.loads(l) for l in (cleaned / "cleaner-log.jsonl").read_text().splitlines()]
    by_path = {r["path"]: r for r in log}
    assert by_path["003_bcef33ce1f5a890e.txt"]["metadata"]["date"] == "2021-12-31"
    assert by_path["002_741aa53064236869.txt"]["metadata"] == {"date": "Dec 29, 2021", "section": "World"}
    for r in log:
        assert set(r) >= {"path", "metadata", "sha256_original", "sha256_cleaned", "tool_version", "config_sha256", "edits", "findings"}
        for e in r["edits"]:
            assert set(e) >= {"start", "end", "before", "after", "code", "name", "reason"}


def test_restore_gives_back_every_seed_byte_for_byte(cleaned, tmp_path):
    r = run("restore", str(cleaned), "-o", str(tmp_path / "back"))
    assert r.returncode == 0, r.stderr
    for seed in SEEDS.glob("*.txt"):
        assert (tmp_path / "back" / seed.name).read_bytes() == seed.read_bytes()


def test_cleaning_cleaned_output_changes_nothing(cleaned, tmp_path):
    r = run("clean", str(cleaned), "-o", str(tmp_path / "again"))
    assert r.returncode == 0, r.stderr
    log = [json.loads(l) for l in (tmp_path / "again" / "cleaner-log.jsonl").read_text().splitlines()]
    assert all(rec["edits"] == [] for rec in log), [rec["edits"] for rec in log if rec["edits"]][:1]


def test_output_is_deterministic(cleaned, tmp_path):
    r = run("clean", str(SEEDS), "-o", str(tmp_path / "second"))
    assert r.returncode == 0
    for seed in SEEDS.glob("*.txt"):
        assert (tmp_path / "second" / seed.name).read_bytes() == (cleaned / seed.name).read_bytes()


def test_committed_cleaned_folder_is_current(cleaned):
    committed = REPO / "cleaned"
    for seed in SEEDS.glob("*.txt"):
        assert (committed / seed.name).read_bytes() == (cleaned / seed.name).read_bytes(), seed.name
