"""`cleaner clean --bag`: a BagIt bag (RFC 8493) that bagit.py validates."""

from __future__ import annotations

import json
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.report.bag import encode_path, write_bag

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def clean(*args: str):
    r = CliRunner().invoke(cli, ["clean", *args])
    return r


@pytest.fixture(scope="module")
def seeds_bag(tmp_path_factory):
    root = tmp_path_factory.mktemp("bag")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
    r = clean(str(SEEDS), "-o", str(root / "out"), "--report", str(root / "out" / "report.html"),
              "--bag", str(root / "bag"))
    mp.undo()
    assert r.exit_code == 0, r.output
    return root


def test_bag_validates_and_holds_originals_cleaned_log_and_report(seeds_bag):
    bag_dir = seeds_bag / "bag"
    bag = bagit.Bag(str(bag_dir))
    bag.validate()  # raises on any problem: manifests, tag manifests, Payload-Oxum, completeness
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert (bag_dir / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    for seed in sorted(SEEDS.glob("*.txt")):
        assert (bag_dir / "data" / "original" / seed.name).read_bytes() == seed.read_bytes()
        assert (bag_dir / "data" / "cleaned" / seed.name).read_bytes() == (seeds_bag / "out" / seed.name).read_bytes()
    assert (bag_dir / "data" / "cleaned" / "cleaner-log.jsonl").is_file()
    assert (bag_dir / "data" / "cleaned" / "stats.json").is_file()
    assert (bag_dir / "data" / "report" / "report.html").read_bytes() == (
        seeds_bag / "out" / "report.html").read_bytes()
    info = bag.info
    assert info["Bag-Software-Agent"].startswith("cleaner ")
    assert info["Bagging-Date"] == "2023-11-14"
    run = json.loads((seeds_bag / "out" / "stats.json").read_text())["run"]
    assert info["Cleaner-Config-SHA256"] == run["config_sha256"]
    files = [p for p in (bag_dir / "data").rglob("*") if p.is_file()]
    assert info["Payload-Oxum"] == f"{sum(p.stat().st_size for p in files)}.{len(files)}"
    tagged = {line.split()[1] for line in (bag_dir / "tagmanifest-sha256.txt").read_text().splitlines()}
    assert tagged == {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"}


def test_validator_catches_a_changed_file(seeds_bag, tmp_path):
    import shutil

    copy = tmp_path / "bag"
    shutil.copytree(seeds_bag / "bag", copy)
    victim = next((copy / "data" / "original").iterdir())
    victim.write_bytes(victim.read_bytes() + b"x")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(copy)).validate()


def test_awkward_file_names_are_percent_encoded(tmp_path):
    src = tmp_path / "in"
    (src / "sub dir").mkdir(parents=True)
    (src / "sub dir" / "50% off.txt").write_text("Sale  today\n", encoding="utf-8")
    (src / "é.txt").write_text("caf\u00e9\n", encoding="utf-8")
    assert clean(str(src), "-o", str(tmp_path / "out"), "--bag", str(tmp_path / "bag")).exit_code == 0
    manifest = (tmp_path / "bag" / "manifest-sha256.txt").read_text(encoding="utf-8")
    # BagIt tools disagree about "%" (RFC 8493 says %25, bagit.py does not decode it):
    # the payload name avoids it and the real name is recorded in a tag file
    assert "data/original/sub dir/50\uff05 off.txt" in manifest and "%" not in manifest
    assert "data/original/é.txt" in manifest
    renamed = (tmp_path / "bag" / "cleaner-renamed.txt").read_text(encoding="utf-8").splitlines()
    assert 'data/original/sub dir/50\uff05 off.txt\t"data/original/sub dir/50% off.txt"' in renamed
    bag = bagit.Bag(str(tmp_path / "bag"))
    bag.validate()
    assert "Cleaner-Renamed-Files" in bag.info
    tagged = (tmp_path / "bag" / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    assert "cleaner-renamed.txt" in tagged
    assert encode_path("a\nb\rc%") == "a%0Ab%0Dc%25"


def test_existing_bag_is_never_overwritten(seeds_bag, tmp_path):
    target = tmp_path / "bag"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    r = clean(str(SEEDS), "-o", str(tmp_path / "out"), "--bag", str(target))
    assert r.exit_code == 2 and "not an empty folder" in r.output and "Traceback" not in r.output
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert (tmp_path / "out" / "cleaner-log.jsonl").is_file()  # the cleaning itself was done


def test_no_half_bag_when_an_original_cannot_be_rebuilt(seeds_bag, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(seeds_bag / "out", out)
    first = sorted(out.glob("*.txt"))[1]
    first.write_text("changed after cleaning\n", encoding="utf-8")
    with pytest.raises(Exception) as info:
        write_bag(out, tmp_path / "bag")
    assert first.name in str(info.value)
    assert not (tmp_path / "bag").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bag.")]
