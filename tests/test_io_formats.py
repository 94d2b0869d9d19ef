"""Corpus formats: text, HTML, JSONL (plain and compressed) and Parquet round trips."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

from cleaner.batch import RunOptions, run
from cleaner.cli import cli
from cleaner.config import Config
from cleaner.engine import clean_text, restore_text
from cleaner.io.readers import detect_format, discover, extract_html_text
from cleaner.model import Edit
from cleaner.pipeline import restore_run

DIRTY = "Headline here\n\nSome text <!-- ad slot --> continues here.  \n\n\n\nMore text.\n"
CLEAN_OK = "Plain sentence without problems.\n"
MOJIBAKE = "Caf\u00c3\u00a9 society met on Tuesday.\n"

RECORDS = [
    {"id": "a", "text": DIRTY, "lang": "en"},
    {"id": "b", "text": CLEAN_OK, "lang": "en"},
    {"id": "c", "text": MOJIBAKE, "lang": "fr"},
]


def opts(**kw) -> RunOptions:
    kw.setdefault("jobs", 1)
    kw.setdefault("progress", "off")
    return RunOptions(**kw)


def write_jsonl(path: Path, lines: list[str]) -> None:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    name = path.name
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".bz2"):
        data = bz2.compress(data)
    elif name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)


def read_jsonl(path: Path) -> list[dict]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    elif path.name.endswith(".bz2"):
        data = bz2.decompress(data)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdDecompressor().stream_reader(data).read()
    return [json.loads(x) for x in data.decode("utf-8").splitlines() if x.strip()]


def check_record(rec: dict, original: dict) -> None:
    """A cleaned record: same fields, the engine's cleaned text, and edits that give the original back."""
    assert rec["text"] == clean_text(original["text"], Config()).cleaned
    for k, v in original.items():
        if k != "text":
            assert rec[k] == v
    edits = [Edit.from_json(e) for e in rec["cleaner"]["edits"]]
    assert restore_text(rec["text"], edits) == original["text"]
    assert rec["cleaner"]["id"] == original["id"]


def test_detect_format():
    assert detect_format("a/b.jsonl.gz") == ("jsonl", "gz")
    assert detect_format("x.JSONL.zst") == ("jsonl", "zst")
    assert detect_format("x.ndjson.bz2") == ("jsonl", "bz2")
    assert detect_format("x.parquet") == ("parquet", None)
    assert detect_format("x.html") == ("html", None)
    assert detect_format("x.txt") == ("txt", None)


@pytest.mark.parametrize("name", ["d.jsonl", "d.jsonl.gz", "d.jsonl.zst", "d.jsonl.bz2"])
def test_jsonl_round_trip_and_compression(tmp_path, name):
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / name, [json.dumps(r) for r in RECORDS])
    out = tmp_path / "out"
    report = run([str(src)], out, Config(), opts())
    got = read_jsonl(out / name)  # same name, same compression
    assert len(got) == 3
    for rec, orig in zip(got, RECORDS):
        check_record(rec, orig)
    assert "<!--" not in got[0]["text"]
    assert got[1]["text"] == CLEAN_OK and got[1]["cleaner"]["edits"] == []
    assert report.stats.documents == 3 and report.stats.errors == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents"] == 3
    assert stats["edits_by_rule"]["H001"] == 1


def test_corrupt_line_in_the_middle_is_reported_skipped_counted(tmp_path):
    f = tmp_path / "d.jsonl"
    lines = [json.dumps(RECORDS[0]), "{not json", json.dumps({"id": "x", "body": "no text"}),
             json.dumps({"id": "y", "text": 42}), "[1, 2]", "", '{"id": "z", "text": "lone \\ud800 surrogate"}',
             json.dumps(RECORDS[1])]
    write_jsonl(f, lines)
    messages: list[str] = []
    report = run([str(f)], tmp_path / "out", Config(), opts(), echo=messages.append)
    got = read_jsonl(tmp_path / "out" / "d.jsonl")
    assert [r["id"] for r in got] == ["a", "b"]
    assert report.stats.errors == 5
    assert any("d.jsonl:7:" in m and "lone surrogate" in m for m in messages)
    assert any("d.jsonl:2:" in m and "not valid JSON" in m for m in messages)
    assert any("d.jsonl:3:" in m and "'text'" in m for m in messages)
    assert any("d.jsonl:4:" in m and "not a string" in m for m in messages)
    assert any("d.jsonl:5:" in m and "JSON object" in m for m in messages)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["errors"] == 5 and len(stats["record_errors"]) == 5


def test_text_field_and_id_field(tmp_path):
    f = tmp_path / "d.jsonl"
    write_jsonl(f, [json.dumps({"doc": "k1", "body": DIRTY}), json.dumps({"body": CLEAN_OK})])
    messages: list[str] = []
    run([str(f)], tmp_path / "out", Config(), opts(text_field="body", id_field="doc"), echo=messages.append)
    got = read_jsonl(tmp_path / "out" / "d.jsonl")
    assert len(got) == 1 and got[0]["cleaner"]["id"] == "k1"
    assert got[0]["body"] == clean_text(DIRTY, Config()).cleaned
    assert any("d.jsonl:2:" in m and "'doc'" in m for m in messages)


def test_record_ids_never_become_paths(tmp_path):
    f = tmp_path / "in" / "d.jsonl"
    f.parent.mkdir()
    write_jsonl(f, [json.dumps({"id": "../../escape", "text": DIRTY}), json.dumps({"id": "/etc/passwd", "text": DIRTY})])
    out = tmp_path / "out"
    run([str(f)], out, Config(), opts())
    assert not (tmp_path / "escape").exists()
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".cleaner" not in p.parts)
    assert written == ["cleaner-log.jsonl", "d.jsonl", "stats.json"]


def test_parquet_round_trip(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"id": [r["id"] for r in RECORDS] + ["n"], "text": [r["text"] for r in RECORDS] + [None],
                      "lang": [r["lang"] for r in RECORDS] + ["xx"]})
    pq.write_table(table, tmp_path / "d.parquet")
    messages: list[str] = []
    report = run([str(tmp_path / "d.parquet")], tmp_path / "out", Config(), opts(id_field="id", batch_docs=2),
                 echo=messages.append)
    got = pq.read_table(tmp_path / "out" / "d.parquet").to_pylist()
    assert [r["id"] for r in got] == ["a", "b", "c"]
    for rec, orig in zip(got, RECORDS):
        check_record(rec | {"cleaner": json.loads(rec["cleaner"])}, orig)
    assert report.stats.errors == 1 and any("row 4" in m for m in messages)


def test_html_is_extracted_block_by_block_then_cleaned(tmp_path):
    html = ("<html><head><title>T</title><script>var x = 1;</script></head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            "<article><h1>The headline</h1><p>First <b>bold</b> paragraph.</p><p>Second&nbsp;one.</p></article>"
            "<footer>Copyright</footer></body></html>")
    text = extract_html_text(html)
    assert text == "The headline\n\nFirst bold paragraph.\n\nSecond one.\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.html").write_text(html, encoding="utf-8")
    out = tmp_path / "out"
    run([str(tmp_path / "in")], out, Config(), opts())
    assert (out / "page.txt").read_text(encoding="utf-8") == clean_text(text, Config()).cleaned
    log = [json.loads(x) for x in (out / "cleaner-log.jsonl").read_text().splitlines()]
    assert log[0]["path"] == "page.txt" and log[0]["source"]["extracted_from"] == "html"


def test_txt_folder_matches_in_memory_pipeline_and_restores(tmp_path, seeds_dir, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "out"
    run([str(seeds_dir)], out, Config(), opts())
    runner = CliRunner()
    ref = tmp_path / "ref"
    assert runner.invoke(cli, ["clean", str(seeds_dir), "-o", str(ref)]).exit_code == 0
    for f in sorted(ref.glob("*.txt")):
        assert (out / f.name).read_bytes() == f.read_bytes()

    def log(folder: Path) -> list[dict]:
        records = [json.loads(x) for x in (folder / "cleaner-log.jsonl").read_text(encoding="utf-8").splitlines()]
        for r in records:  # cluster numbers: per run in memory, index ids in the corpus engine
            for f in r["findings"]:
                if f["code"] == "D001":
                    f["data"].pop("cluster")
                    f["data"].pop("members")
        return records

    got, want = log(out), log(ref)
    assert got == want
    assert sum(f["code"] == "D001" for r in want for f in r["findings"]) >= 3  # the streaming pass found them
    done, errors = restore_run(out, tmp_path / "back")
    assert done == 5 and not errors
    for f in sorted(seeds_dir.glob("*.txt")):
        assert (tmp_path / "back" / f.name).read_bytes() == f.read_bytes()


def test_glob_discovery(tmp_path):
    for name in ["a/x.jsonl", "a/b/y.jsonl.gz", "a/b/z.txt"]:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(p, [json.dumps(RECORDS[1])])
    found = discover([str(tmp_path / "a" / "**" / "*.jsonl*")])
    assert [f.rel for f in found] == ["b/y.jsonl.gz", "x.jsonl"]
    assert [f.compression for f in found] == ["gz", None]


def test_cli_jsonl_gz_with_a_broken_file(tmp_path):
    (tmp_path / "in").mkdir()
    write_jsonl(tmp_path / "in" / "ok.jsonl.gz", [json.dumps(r) for r in RECORDS])
    (tmp_path / "in" / "broken.jsonl.gz").write_bytes(gzip.compress(b'{"text": "a"}\n')[:-12])
    res = CliRunner().invoke(cli, ["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--progress", "off"])
    assert res.exit_code == 0, res.output
    assert "broken.jsonl.gz" in res.output and "cannot read" in res.output
    assert len(read_jsonl(tmp_path / "out" / "ok.jsonl.gz")) == 3
    # no half-written output for the broken file, and no temporary file left behind
    assert not (tmp_path / "out" / "broken.jsonl.gz").exists()
    assert not list((tmp_path / "out").glob(".*.tmp"))
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["documents"] == 3 and len(stats["file_errors"]) == 1


def test_compressed_text_is_written_plain_and_globs_skip_the_output(tmp_path):
    src = tmp_path / "data"
    src.mkdir()
    (src / "a.txt.gz").write_bytes(gzip.compress(DIRTY.encode("utf-8")))
    out = src / "out"
    run([str(src / "*.txt.gz")], out, Config(), opts())
    assert (out / "a.txt").read_text(encoding="utf-8") == clean_text(DIRTY, Config()).cleaned
    # a second run over a glob that would also match files in OUT reads only the inputs
    (out / "b.txt.gz").write_bytes(gzip.compress(b"x"))
    assert [f.rel for f in discover([str(src / "**" / "*.txt.gz")], exclude=out)] == ["a.txt.gz"]


@pytest.mark.parametrize("name", ["d.jsonl.gz", "d.parquet"])
def test_restore_gives_back_the_original_records(tmp_path, name):
    src = tmp_path / "in"
    src.mkdir()
    if name.endswith(".parquet"):
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        pq.write_table(pa.table({"id": [r["id"] for r in RECORDS], "text": [r["text"] for r in RECORDS],
                                 "lang": [r["lang"] for r in RECORDS]}), src / name)
    else:
        write_jsonl(src / name, [json.dumps(r, ensure_ascii=False) for r in RECORDS])
    out = tmp_path / "out"
    run([str(src)], out, Config(), opts())
    done, errors = restore_run(out, tmp_path / "back")
    assert done == 1 and not errors
    if name.endswith(".parquet"):
        back = pq.read_table(tmp_path / "back" / name).to_pylist()
    else:
        back = read_jsonl(tmp_path / "back" / name)
    assert back == RECORDS


def test_cleaning_a_cleaned_jsonl_changes_nothing(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [json.dumps(r) for r in RECORDS])
    run([str(tmp_path / "d.jsonl")], tmp_path / "o1", Config(), opts())
    run([str(tmp_path / "o1" / "d.jsonl")], tmp_path / "o2", Config(), opts())
    once, twice = read_jsonl(tmp_path / "o1" / "d.jsonl"), read_jsonl(tmp_path / "o2" / "d.jsonl")
    assert [r["text"] for r in twice] == [r["text"] for r in once]
    assert all(r["cleaner"]["edits"] == [] for r in twice)
    assert any(r["cleaner"]["edits"] for r in once)


def test_a_fifo_is_a_file_error_not_a_hang(tmp_path):
    import os

    src = tmp_path / "in"
    src.mkdir()
    os.mkfifo(src / "pipe.jsonl")
    write_jsonl(src / "ok.jsonl", [json.dumps(RECORDS[1])])
    messages: list[str] = []
    report = run([str(src)], tmp_path / "out", Config(), opts(), echo=messages.append)
    assert report.stats.documents == 1
    assert any("pipe.jsonl" in m and "not a regular file" in m for m in messages)


def test_html_reader_drops_link_lists_but_keeps_paragraphs_with_links():
    html = ("<body><div class='menu'><a href='/a'>World</a> <a href='/b'>Politics</a> <a href='/c'>Sport</a></div>"
            "<p>The minister, <a href='/m'>quoted here</a>, said the budget would pass before the summer recess.</p>"
            "<ul><li><a href='/1'>Another story entirely</a></li><li><a href='/2'>And one more story</a></li></ul>"
            "</body>")
    text = extract_html_text(html)
    assert text == "The minister, quoted here, said the budget would pass before the summer recess.\n"


@pytest.mark.parametrize("record", [
    {"id": "a", "text": "Caf\u00e9 \u201cquoted\u201d\n"},
    {"text": "x", "cleaner": {"old": 1}, "source": "kept in place"},  # an input that already has the field
    {"id": "\ud800", "text": "a lone surrogate in the id"},  # the whole line must be escaped
    {"text": "x", "n": [1, 2, {"deep": None}]},
])
@pytest.mark.parametrize("findings", [[], [{"start": 0, "end": 1, "code": "Q001", "message": "\u2026cut\u27c2"}],
                                      [{"start": 0, "end": 4, "code": "Q003"}, {"start": 2, "end": 3, "code": "W001"}]])
def test_a_record_line_is_the_plain_dump_and_takes_new_findings_in_order(record, findings):
    from cleaner.batch import _add_findings, _record_line
    from cleaner.pipeline import json_bytes as _dumps

    field = {"id": record.get("id", "f:1"), "edits": [{"start": 0, "end": 1}], "findings": findings}
    line, slots = _record_line(dict(record), {**field, "findings": list(findings)})
    assert line == _dumps({**record, "cleaner": field}) + b"\n"
    if slots is None:
        assert "cleaner" in record or "\ud800" in json.dumps(record, ensure_ascii=False)
        return
    # D001 findings spliced in: the same line as adding them to the list, sorting it and dumping it all again
    new = [{"start": 2, "end": 3, "code": "D001", "data": {"members": ["\u00e9"]}},
           {"start": 0, "end": 1, "code": "Q001", "message": "a second one with an equal key goes after"},
           {"start": 9, "end": 9, "code": "D001"}]
    for added in (new[:1], new):
        patched, slots2 = _add_findings(line, slots, added)
        every = sorted(findings + added, key=lambda f: (f["start"], f["end"], f["code"]))
        assert patched == _dumps({**record, "cleaner": {**field, "findings": every}}) + b"\n"
        again, _ = _add_findings(patched, slots2, [{"start": 1, "end": 2, "code": "D001"}])
        every = sorted(every + [{"start": 1, "end": 2, "code": "D001"}], key=lambda f: (f["start"], f["end"], f["code"]))
        assert again == _dumps({**record, "cleaner": {**field, "findings": every}}) + b"\n"
    assert _add_findings(line, slots, [{"start": 0, "end": 1, "code": "D001", "message": "\udc80"}]) is None


@pytest.mark.parametrize("obj", [
    {"text": "Caf\u00e9 \u201cq\u201d \\ \" \n\t\x00\x1f \u2028 \U0001f600", "n": -12, "big": 2**80},
    {"f": [0.1, 1e300, -0.0, float("nan"), float("inf"), -float("inf")], "b": [True, False, None]},
    {"nested": {"a": [{"b": []}, {}], "": ""}, 3: "int key", None: "none key", 1.5: "float key"},
    [], "plain \u00e9", 7,
    {"tokens": list(range(60_000)), "text": "x"},  # the C encoder gives a large object in several chunks
])
def test_the_record_encoder_gives_json_dumps_bytes(obj):
    from cleaner.pipeline import json_bytes as _dumps, to_json as _to_json

    assert _to_json(obj) == json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    assert _dumps(obj) == json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_the_record_encoder_escapes_lone_surrogates_and_refuses_what_json_cannot_hold():
    from cleaner.pipeline import json_bytes as _dumps, to_json as _to_json

    assert _dumps({"id": "\ud800"}) == json.dumps({"id": "\ud800"}, separators=(",", ":")).encode("ascii") == b'{"id":"\\ud800"}'
    with pytest.raises(TypeError, match="not JSON serializable"):
        _to_json({"s": {1, 2}})


def test_duplicate_findings_patched_into_the_field_equal_a_full_rewrite(tmp_path):
    """D001 findings added by the driver give the same line as dumping the whole record again."""
    paragraph = ("The ministry said the talks would resume next week in Geneva after both delegations "
                 "agreed on an agenda covering security guarantees and the exchange of prisoners.")
    recs = [{"id": f"d{i}", "text": f"Opening line number {i} is unique here.\n\n{paragraph}\n"} for i in range(3)]
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    run([str(src)], tmp_path / "out", Config(), RunOptions(jobs=1, progress="off", index=str(tmp_path / "i.sqlite")))
    lines = (tmp_path / "out" / "a.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == 3
    dups = 0
    for raw in lines:
        rec = json.loads(raw)
        assert raw == json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        assert list(rec)[-1] == "cleaner"
        dups += sum(f["code"] == "D001" for f in rec["cleaner"]["findings"])
    assert dups == 2  # the second and third copies point at the first


def test_a_run_tunes_the_garbage_collector_and_puts_it_back(tmp_path, monkeypatch):
    import gc

    import cleaner.batch as batch

    seen = {}
    real = batch._run

    def spy(*args):
        seen["threshold"], seen["frozen"] = gc.get_threshold(), gc.get_freeze_count()
        return real(*args)

    monkeypatch.setattr(batch, "_run", spy)
    before = gc.get_threshold()
    (tmp_path / "a.txt").write_text("Some text.\n", encoding="utf-8")
    run([str(tmp_path / "a.txt")], tmp_path / "out", Config(), RunOptions(jobs=1, progress="off"))
    assert seen["threshold"] == batch.GC_THRESHOLD and seen["frozen"] > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_every_record_and_log_line_names_the_run_configuration(tmp_path):
    """The config digest, taken once per run, is that of the run's own settings in every record and log line."""
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [json.dumps(r) for r in RECORDS])
    (src / "b.txt").write_text(DIRTY, encoding="utf-8")
    digests = set()
    for config in (Config(), Config(ignore=["W"], rule_options={"B001": {"min_documents": 3}})):
        out = tmp_path / f"out-{len(digests)}"
        run([str(src)], out, config, opts())
        got = read_jsonl(out / "a.jsonl")
        assert {rec["cleaner"]["config_sha256"] for rec in got} == {config.sha256()}
        logs = [json.loads(line) for f in sorted(out.rglob("*.jsonl")) if f.name != "a.jsonl"
                for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert logs and {rec["config_sha256"] for rec in logs if "config_sha256" in rec} == {config.sha256()}
        digests.add(config.sha256())
    assert len(digests) == 2
