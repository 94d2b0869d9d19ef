"""``cleaner dedup`` and the near-duplicate stage of ``cleaner clean`` / ``check`` (D001, D002, --drop-duplicates)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.config import Config
from cleaner.pipeline import process, read_documents

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PARA = ("Russia has made clear it wants a written commitment that Ukraine will never be allowed to join NATO "
        "and that the alliance's military equipment will not be positioned in former Soviet states.")

SCHEMA = {
    "type": "object",
    "required": ["clusters", "params"],
    "properties": {
        "clusters": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "representative", "members"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "representative": {"type": "object", "required": ["path", "paragraph"],
                                   "properties": {"path": {"type": "string"}, "paragraph": {"type": "integer"}}},
                "members": {"type": "array", "minItems": 2, "items": {
                    "type": "object",
                    "required": ["path", "paragraph", "start", "end", "text", "similarity"],
                    "properties": {
                        "path": {"type": "string"}, "paragraph": {"type": "integer", "minimum": 1},
                        "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0},
                        "text": {"type": "string"}, "similarity": {"type": "number", "minimum": 0, "maximum": 1},
                    }}},
            }}},
        "params": {"type": "object", "required": ["threshold", "num_perm", "ngram"]},
    },
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_dedup_json_matches_the_schema_and_the_original_offsets():
    r = run("dedup", str(SEEDS), "--output-format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    jsonschema.validate(out, SCHEMA)
    assert len(out["clusters"]) == 3
    assert out["params"]["threshold"] == 0.4 and out["params"]["ngram"] == 3
    for c in out["clusters"]:
        rep = c["members"][0]
        assert (rep["path"], rep["paragraph"]) == (c["representative"]["path"], c["representative"]["paragraph"])
        assert rep["similarity"] == 1.0
        for m in c["members"]:
            original = (SEEDS / m["path"]).read_text(encoding="utf-8")
            assert original[m["start"] : m["end"]] == m["text"]
        assert all(m["similarity"] >= 0.4 for m in c["members"][1:])


def test_dedup_text_output_options_and_exit_codes():
    r = run("dedup", str(SEEDS))
    assert r.exit_code == 0
    assert "cluster 1: 2 paragraphs, keeping 001_b0e822d6a9f2215a.txt paragraph 4" in r.stdout
    assert "J=0.78 003_bcef33ce1f5a890e.txt" in r.stdout
    assert "3 cluster(s)" in r.stderr
    assert run("dedup", str(SEEDS), "--exit-code").exit_code == 1
    r = run("dedup", str(SEEDS), "--threshold", "0.5", "--output-format", "json")
    assert len(json.loads(r.stdout)["clusters"]) == 2  # J=0.45 pair drops out
    r = run("dedup", str(SEEDS), "--ngram", "5", "--num-perm", "64", "--output-format", "json")
    assert json.loads(r.stdout)["params"]["ngram"] == 5 and json.loads(r.stdout)["params"]["num_perm"] == 64
    for args in (["--keep", "priority", "--priority", "003_*"], ["--priority", "003_*"]):
        r = run("dedup", str(SEEDS), *args, "--output-format", "json")
        assert {c["representative"]["path"] for c in json.loads(r.stdout)["clusters"]} == {"003_bcef33ce1f5a890e.txt"}
    r = run("dedup", str(SEEDS), "--keep", "longest", "--output-format", "json")
    for c in json.loads(r.stdout)["clusters"]:
        assert len(c["members"][0]["text"]) == max(len(m["text"]) for m in c["members"])


def test_dedup_bad_input_is_a_clear_error(tmp_path):
    r = run("dedup", str(tmp_path / "missing"))
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = run("dedup", str(SEEDS), "--threshold", "0")
    assert r.exit_code == 2
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (tmp_path / "a.txt").write_text(PARA, encoding="utf-8")
    (tmp_path / "b.txt").write_text(PARA.replace("it wants", "that it wants"), encoding="utf-8")
    r = run("dedup", str(tmp_path), "--output-format", "json")
    assert r.exit_code == 0 and "bin.txt" in r.stderr
    assert len(json.loads(r.stdout)["clusters"]) == 1


def _seeds_processed(config: Config):
    docs = [d for d in read_documents([str(SEEDS)])]
    process(docs, config)
    return {d.id.split("/")[-1][:3]: d for d in docs}


def test_clean_adds_d001_findings_on_the_copies_only():
    docs = _seeds_processed(Config())
    d001 = {k: [f for f in d.findings if f.code == "D001"] for k, d in docs.items()}
    assert [len(d001[k]) for k in ("000", "001", "002", "003", "004")] == [0, 0, 0, 3, 0]
    f = d001["003"][0]
    assert f.message.startswith("near-duplicate of ") and "001_b0e822d6a9f2215a.txt paragraph" in f.message
    assert f.message.endswith("J=0.78")
    assert docs["003"].text[f.start : f.end].startswith("Russia has made clear that it wants")
    twin = f.data["duplicate_of"]
    assert docs["001"].text[twin["start"] : twin["end"]].startswith("Russia has made clear it wants")
    assert f.data["similarity"] == pytest.approx(0.7778, abs=1e-4) and f.data["measure"] == "jaccard"
    assert f.data["size"] == 2 and [m["path"][:3] for m in f.data["members"]] == ["001", "003"]


def test_drop_duplicates_removes_copies_as_edits_and_restore_gives_the_original(tmp_path):
    out, back = tmp_path / "out", tmp_path / "back"
    r = run("clean", str(SEEDS), "-o", str(out), "--drop-duplicates")
    assert r.exit_code == 0, r.output
    cleaned = (out / "003_bcef33ce1f5a890e.txt").read_text(encoding="utf-8")
    assert "wants a written commitment" not in cleaned
    assert "diplomatic path remains open" not in cleaned
    assert "wants a written commitment" in (out / "001_b0e822d6a9f2215a.txt").read_text(encoding="utf-8")
    log = [json.loads(line) for line in (out / "cleaner-log.jsonl").read_text(encoding="utf-8").splitlines()]
    rec = next(x for x in log if x["path"].endswith("003_bcef33ce1f5a890e.txt"))
    dropped = [e for e in rec["edits"] if e["code"] == "D001"]
    assert len(dropped) == 3 and all(e["after"] == "" and "dropped" in e["reason"] for e in dropped)
    assert run("restore", str(out), "-o", str(back)).exit_code == 0
    for seed in SEEDS.glob("*.txt"):
        assert (back / seed.name).read_bytes() == seed.read_bytes()
    # idempotent: cleaning the cleaned files changes nothing more
    texts, again = tmp_path / "texts", tmp_path / "again"
    texts.mkdir()
    for f in out.glob("*.txt"):
        shutil.copy(f, texts / f.name)
    assert run("clean", str(texts), "-o", str(again), "--drop-duplicates").exit_code == 0
    for f in out.glob("*.txt"):
        assert (again / f.name).read_bytes() == f.read_bytes()


def test_without_drop_nothing_is_removed_and_settings_are_validated(tmp_path):
    out = tmp_path / "out"
    assert run("clean", str(SEEDS), "-o", str(out)).exit_code == 0
    assert "wants a written commitment" in (out / "003_bcef33ce1f5a890e.txt").read_text(encoding="utf-8")
    r = run("clean", str(SEEDS), "-o", str(tmp_path / "o2"), "--dedup-threshold", "0.5")
    log = (tmp_path / "o2" / "cleaner-log.jsonl").read_text(encoding="utf-8")
    assert r.exit_code == 0 and log.count('"code":"D001"') == 2


def test_bad_dedup_settings_become_an_error_finding_not_a_traceback():
    docs = [d for d in read_documents([str(SEEDS)])]
    process(docs, Config(dedup={"treshold": 0.5}))
    errors = [f for d in docs for f in d.findings if f.code == "D001"]
    assert len(errors) == 1 and errors[0].severity == "error" and "treshold" in errors[0].message


def test_ignoring_d001_turns_the_stage_off_and_d002_reports_repeats(tmp_path):
    docs = _seeds_processed(Config(ignore=["D001"]))
    assert not any(f.code.startswith("D") for d in docs.values() for f in d.findings)
    (tmp_path / "a.txt").write_text(PARA + "\n\nOther text of a few words here.\n\n" + PARA + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Something else entirely, long enough to be compared here.\n", encoding="utf-8")
    docs = [d for d in read_documents([str(tmp_path)])]
    process(docs, Config())
    assert not any(f.code.startswith("D") for d in docs for f in d.findings)  # cross-source only by default
    process(docs, Config(extend_select=["D002"]))
    repeats = [f for d in docs for f in d.findings if f.code == "D002"]
    assert len(repeats) == 1 and "of this document paragraph 1" in repeats[0].message


def test_per_file_ignores_silence_d001_for_matching_files_only():
    docs = _seeds_processed(Config(per_file_ignores={"003_*": ["D001"]}))
    assert not any(f.code == "D001" for d in docs.values() for f in d.findings)
    docs = _seeds_processed(Config(per_file_ignores={"004_*": ["D001"]}))
    assert sum(f.code == "D001" for f in docs["003"].findings) == 3


def test_check_reports_d001(tmp_path):
    work = tmp_path / "in"
    shutil.copytree(SEEDS, work)
    r = run("check", str(work), "--output-format", "json")
    assert r.exit_code == 1
    assert sum(1 for d in json.loads(r.stdout) if d["code"] == "D001") == 3
