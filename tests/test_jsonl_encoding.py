"""JSON lines read and written by orjson (cleaner.pipeline.json_record, json_bytes) and by the stdlib fallback.

orjson and the json module differ on NaN and infinities (orjson refuses
them on reading and writes them as ``null``), integers beyond 64 bits
(read as floats), lone surrogates, non-string keys and a byte order mark:
none of these may change a record's data.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import batch, pipeline
from cleaner.batch import RunOptions, _add_findings, _record_line, restore_records, run
from cleaner.config import Config
from cleaner.pipeline import json_bytes, json_record, to_json

orjson = pytest.importorskip("orjson")


@pytest.fixture(params=["orjson", "stdlib"])
def encoder(request, monkeypatch):
    """Each test twice: with orjson, and as if it were not installed."""
    if request.param == "stdlib":
        monkeypatch.setattr(pipeline, "_orjson", None)
        monkeypatch.setattr(batch, "_orjson", None)
    return request.param


def same(a, b) -> bool:
    """Equal JSON data: the same types (1 is not 1.0, an int not a float), keys in the same order, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def compact(obj, ensure_ascii=False) -> bytes:
    text = json.dumps(obj, ensure_ascii=ensure_ascii, separators=(",", ":"))
    return text.encode("ascii" if ensure_ascii else "utf-8")


ORDINARY = [
    {"id": "a-1", "text": "Caf\u00e9 \u201cquoted\u201d \\ \" \n\t\x00\x1f\x7f \u2028 \U0001f600", "n": -12,
     "score": 0.875, "big": 2**63 - 1, "neg": -(2**63), "flags": [True, False, None], "meta": {"url": "http://x", "": ""}},
    {"text": "x", "nested": {"a": [{"b": []}, {}], "f": [0.1, 1e300, -0.0, 1e16, 1e-4, 123.456]}},
    {"text": "", "unicode": "\u00e9\u4e2d\u0645\U0001f600", "ctrl": "".join(map(chr, range(32)))},
]


@pytest.mark.parametrize("record", ORDINARY)
def test_ordinary_records_are_the_compact_stdlib_dump_on_both_paths(record, encoder):
    assert json_bytes(record) == compact(record)
    assert to_json(record) == compact(record).decode("utf-8")
    line = compact(record)
    assert same(json_record(line), json.loads(line)) and same(json_record(line.decode("utf-8")), json.loads(line))


def test_both_paths_write_the_same_bytes(monkeypatch):
    fast = [json_bytes(r) for r in ORDINARY]
    monkeypatch.setattr(pipeline, "_orjson", None)
    assert [json_bytes(r) for r in ORDINARY] == fast


@pytest.mark.parametrize("obj, want", [
    ({"x": float("nan"), "y": [float("inf"), -float("inf")]}, b'{"x":NaN,"y":[Infinity,-Infinity]}'),
    ({"deep": [{"a": [1, {"b": float("nan")}]}], "n": None}, b'{"deep":[{"a":[1,{"b":NaN}]}],"n":null}'),
    ({"big": 2**80, "neg": -(2**64) - 5}, b'{"big":1208925819614629174706176,"neg":-18446744073709551621}'),
    ({1: "int key", None: "none key", 1.5: "float key", False: "bool"},
     b'{"1":"int key","null":"none key","1.5":"float key","false":"bool"}'),
    ({"id": "\ud800", "t": "\u00e9"}, b'{"id":"\\ud800","t":"\\u00e9"}'),  # a lone surrogate: the whole line escaped
    ((1, "a"), b'[1,"a"]'),
])
def test_what_orjson_would_change_is_written_by_the_stdlib(obj, want, encoder):
    assert json_bytes(obj) == want


def test_objects_json_cannot_hold_are_refused_on_both_paths(encoder):
    import datetime
    from dataclasses import dataclass

    @dataclass
    class Point:
        x: int

    for bad in ({"s": {1, 2}}, {"d": datetime.date(2024, 1, 2)}, {"p": Point(1)}, {"b": b"bytes"}):
        with pytest.raises(TypeError):
            json_bytes(bad)


EDGE_LINES = [
    b'{"text": "a", "x": NaN, "y": Infinity, "z": -Infinity}',
    b'{"text": "a", "huge": 1e400, "tiny": -1e400}',
    b'{"text": "a", "big": 123456789012345678901234567890, "neg": -9223372036854775809, "list": [18446744073709551616]}',
    b'{"text": "a", "max": 18446744073709551615, "min": -9223372036854775808, "f": 1e19}',
    b'{"text": "a", "id": "\\ud800 lone", "pair": "\\ud83d\\ude00"}',
    b'{"text": "a", "k": 1, "k": 2, "other": 3}',
    b'\xef\xbb\xbf{"text": "a BOM"}',
    b'{"text": "a", "small": 1.5e-7, "e": 1E5, "z": -0, "mz": -0.0}',
]


@pytest.mark.parametrize("line", EDGE_LINES)
def test_every_line_is_read_as_json_loads_reads_it(line, encoder):
    assert same(json_record(line), json.loads(line))


@pytest.mark.parametrize("line", [b'{"text": "a", "x": nan}', b'{"text": "\xff"}', b'{"text": "a"', b"", b"[1,]"])
def test_a_bad_line_gives_the_json_modules_error(line, encoder):
    with pytest.raises(ValueError) as want:
        json.loads(line)
    with pytest.raises(ValueError) as got:
        json_record(line)
    assert type(got.value) is type(want.value) and str(got.value) == str(want.value)


def test_edge_records_keep_their_data_through_a_run_and_restore(tmp_path, encoder):
    """Every field but the text comes back as json.loads read it, and restore gives the input's records back."""
    src = tmp_path / "in"
    src.mkdir()
    lines = [line.replace(b'"a', b'"The minister said \\u201cno\\u201d  twice. Caf\\u00c3\\u00a9') for line in EDGE_LINES]
    (src / "edge.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = run([str(src)], tmp_path / "out", Config(), RunOptions(jobs=1, progress="off",
                                                                    index=str(tmp_path / "i.sqlite")))
    assert report.stats.errors == 0
    out = (tmp_path / "out" / "edge.jsonl").read_bytes().splitlines()
    assert len(out) == len(lines)
    for raw, line in zip(out, lines):
        got, want = json.loads(raw), json.loads(line)
        field = got.pop("cleaner")
        assert list(got) == list(want)
        assert same({k: v for k, v in got.items() if k != "text"}, {k: v for k, v in want.items() if k != "text"})
        assert field["edits"], "the text was repaired (the test would not see the record rewritten otherwise)"
        raw.decode("utf-8")  # always valid UTF-8
    files, errors = restore_records(tmp_path / "out", tmp_path / "back")
    assert not errors and files == 1
    for back, line in zip((tmp_path / "back" / "edge.jsonl").read_bytes().splitlines(), lines):
        assert same(json.loads(back), json.loads(line))


# Any JSON data: ints of any size, every float, any text (lone surrogates too), keys in any order.
_scalars = (st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70)
            | st.floats() | st.text(max_size=8))
_data = st.recursive(_scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=4), kids, max_size=4),
                     max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_data, st.booleans())
def test_any_line_reads_as_json_loads_reads_it(obj, ascii_only):
    line = json.dumps(obj, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    try:
        want = json.loads(line)
    except ValueError:  # a lone surrogate written raw is not UTF-8
        with pytest.raises(ValueError):
            json_record(line)
        return
    assert same(json_record(line), want)


@settings(max_examples=300, deadline=None)
@given(_data)
def test_any_object_is_written_as_data_the_json_module_reads_back(obj):
    want = json.loads(json.dumps(obj))
    out = json_bytes(obj)
    out.decode("utf-8")  # always UTF-8
    assert same(json.loads(out), want)
    assert same(json.loads(to_json(obj)), want)


_findings = st.lists(st.fixed_dictionaries({"start": st.integers(0, 9), "end": st.integers(0, 9),
                                            "code": st.sampled_from(["D001", "Q001", "B001"]),
                                            "message": st.text(max_size=6), "data": _data}), max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=5).filter(lambda k: k != "cleaner"), _data, min_size=1, max_size=4),
       _findings, _findings)
def test_findings_spliced_into_a_line_are_the_line_dumped_again(record, own, new):
    """_record_line and _add_findings give json_bytes of the whole record, or say they cannot (None)."""
    own = sorted(own, key=lambda f: (f["start"], f["end"], f["code"]))
    field = {"id": "x", "edits": [], "findings": own}
    line, slots = _record_line(dict(record), {**field, "findings": list(own)})
    assert line == json_bytes({**record, "cleaner": field}) + b"\n"
    if slots is None:
        return
    patched = _add_findings(line, slots, new)
    if patched is None:
        return
    every = sorted(own + new, key=lambda f: (f["start"], f["end"], f["code"]))
    assert patched[0] == json_bytes({**record, "cleaner": {**field, "findings": every}}) + b"\n"


def test_splicing_takes_the_slow_way_for_what_the_stdlib_writes():
    line, slots = _record_line({"id": "x", "text": "t"}, {"edits": [], "findings": []})
    assert slots is not None and b'"cleaner":{' in line and b", " not in line
    for odd in ({"start": 0, "end": 1, "code": "D001", "data": {"s": float("nan")}},
                {"start": 0, "end": 1, "code": "D001", "message": "\udc80"}):
        assert _add_findings(line, slots, [odd]) is None
    # a record orjson would write with null for NaN has no splice slots: the whole line is the stdlib's
    line, slots = _record_line({"id": "x", "text": "t", "v": float("nan")}, {"edits": [], "findings": []})
    assert slots is None and line == b'{"id":"x","text":"t","v":NaN,"cleaner":{"edits":[],"findings":[]}}\n'


def test_restore_writes_records_as_json_dumps_does(tmp_path, encoder):
    """A JSONL file written by json.dumps comes back from ``restore`` byte for byte (NaN and big integers too)."""
    src = tmp_path / "in"
    src.mkdir()
    recs = [{"id": "a", "text": "The minister said \u201cno\u201d  twice. Caf\u00c3\u00a9 \u00e9", "score": 0.5},
            {"id": "b", "text": "Plain  text.", "x": float("nan"), "big": 2**70, "meta": {"tags": ["\u4e2d", None]}}]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode("utf-8")
    (src / "d.jsonl").write_bytes(data)
    out = tmp_path / "out"
    run([str(src)], out, Config(), RunOptions(jobs=1, progress="off"))
    assert b'"cleaner":{' in (out / "d.jsonl").read_bytes()  # (the output itself is compact)
    files, errors = restore_records(out, tmp_path / "back")
    assert files == 1 and not errors
    assert (tmp_path / "back" / "d.jsonl").read_bytes() == data
