"""The per-document work around the rules: line index, log record, record hashes and sizes, the timer.

Each shortcut is checked against the plain computation it replaces.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import time

import pytest

from cleaner import batch, engine
from cleaner.config import Config
from cleaner.engine import run_rules
from cleaner.io.decoding import encode, encode_output
from cleaner.model import Document, Edit, Finding
from cleaner.pipeline import LineIndex, finding_json, locate, log_record
from cleaner.registry import Rule


def _reference_starts(text: str) -> list[int]:
    """Line starts the slow way: a line ends at \\r\\n, \\r or \\n."""
    starts, i = [0], 0
    while i < len(text):
        if text[i] == "\r":
            i += 2 if text[i + 1 : i + 2] == "\n" else 1
            starts.append(i)
        elif text[i] == "\n":
            i += 1
            starts.append(i)
        else:
            i += 1
    return starts


TEXTS = ["", "a", "\n", "\n\n", "ab\ncd", "ab\ncd\n", "\r", "\r\n", "\n\r", "a\r\nb\rc\nd\r\n\r\ne", "x\r\r\n\n",
         "é\n€\n𝄞 x", "no break at all " * 20]


@pytest.mark.parametrize("text", TEXTS)
def test_line_index_lists_every_line_start(text):
    index = LineIndex(text)
    assert index.starts == _reference_starts(text)
    for offset in range(len(text) + 1):
        line = max(k for k, s in enumerate(index.starts) if s <= offset)
        assert index.position(offset) == (line + 1, offset - index.starts[line] + 1)


def test_line_index_on_random_texts():
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice("ab \n\r\u00e9") for _ in range(rng.randrange(0, 40)))
        assert LineIndex(text).starts == _reference_starts(text), repr(text)


def _doc() -> Document:
    text = "Line one\r\nline two\nthree\rfour €\n\nsix"
    edits = [Edit(0, 4, "LINE", "upper", "X001", "x-one", "Line"),
             Edit(10, 10, " ", "insert", "X002", "x-two", "", {"date": "2024"}),
             Edit(len(text) - 3, len(text), "", "drop", "X003", "x-three", "six")]
    findings = [Finding(11, 19, "a finding", "Q001", "missing-text", "error"),
                Finding(20, 20, "at a point", "Q003", "unbalanced", "warning", {"quote": 1}),
                Finding(0, len(text), "everything", "D001", "dup", "info")]
    cleaned = engine.apply_edits(text, edits)
    return Document(id="d.txt", text=text, metadata={"date": "2024"}, source={"encoding": "utf-8"},
                    edits=edits, findings=findings, cleaned=cleaned)


def test_log_record_edits_and_findings_are_the_plain_dicts_key_for_key():
    doc = _doc()
    index = LineIndex(doc.text)
    rec = log_record(doc, Config(), premis=False)
    expected_edits = [e.to_json() | locate(index, e.start, e.end) for e in doc.edits]
    expected_findings = [finding_json(f, index) for f in doc.findings]
    # (json.dumps keeps the key order: the log's bytes must not change)
    assert json.dumps(rec["edits"]) == json.dumps(expected_edits)
    assert json.dumps(rec["findings"]) == json.dumps(expected_findings)
    assert list(rec["findings"][0])[:6] == ["start", "end", "line", "column", "end_line", "end_column"]


def test_log_record_of_subclassed_edits_and_findings_uses_their_own_json():
    class Tagged(Edit):
        def to_json(self):
            return super().to_json() | {"tag": 1}

    class Noted(Finding):
        def to_json(self):
            return super().to_json() | {"note": 2}

    doc = Document(id="d", text="ab\ncd", edits=[Tagged(3, 4, "C", "up")], findings=[Noted(4, 5, "m")],
                   cleaned="ab\nCd")
    rec = log_record(doc, Config(), premis=False)
    assert rec["edits"][0]["tag"] == 1 and rec["edits"][0]["line"] == 2
    assert rec["findings"][0]["note"] == 2 and rec["findings"][0]["column"] == 2


@pytest.mark.parametrize("source", [{}, {"encoding": "utf-8", "bom": False, "errors": "strict"},
                                    {"encoding": "utf-8", "bom": True, "errors": "strict"},
                                    {"encoding": "utf-16-le", "bom": True, "errors": "strict"},
                                    {"encoding": "cp1252", "bom": False, "errors": "strict"},
                                    {"encoding": "utf-8", "bom": False, "errors": "surrogateescape"}])
@pytest.mark.parametrize("changed", [False, True])
def test_log_record_hashes_are_those_of_the_bytes(source, changed):
    text = "caf\u00e9 na\u00efve\n"
    source = dict(source)
    source["sha256"] = hashlib.sha256(encode(text, source)).hexdigest()  # as the reader records it
    cleaned = text.upper() if changed else text
    doc = Document(id="d", text=text, source=source, cleaned=cleaned,
                   edits=[Edit(0, len(text), cleaned, "up", before=text)] if changed else [])
    rec = log_record(doc, Config(), premis=False)
    assert rec["sha256_original"] == source["sha256"]
    assert rec["sha256_cleaned"] == hashlib.sha256(encode_output(cleaned)).hexdigest()
    assert "sha256" not in rec["source"]


def test_cleaner_field_is_the_log_record_with_id_first():
    doc = _doc()
    rec = log_record(doc, Config(), premis=False)
    field = batch._cleaner_field(doc, Config())
    assert list(field) == ["id"] + [k for k in rec if k != "path"]
    assert field == {"id": rec.pop("path"), **rec}


def test_utf8_growth_is_the_change_in_encoded_length():
    rng = random.Random(3)
    alphabet = ["a", " ", "\n", "\u00e9", "\u20ac", "\U0001d11e", "\udcff", "\ud800"]
    for _ in range(200):
        text = "".join(rng.choice(alphabet[:6]) for _ in range(rng.randrange(0, 30)))
        edits, pos = [], 0
        while pos < len(text) and rng.random() < 0.7:
            s = rng.randrange(pos, len(text) + 1)
            t = rng.randrange(s, min(len(text), s + 4) + 1)
            after = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 3)))
            edits.append(Edit(s, t, after, "r", before=text[s:t]))
            pos = t + 1
        cleaned = engine.apply_edits(text, edits)
        assert batch._utf8_growth(edits) == (len(cleaned.encode("utf-8", "surrogatepass"))
                                             - len(text.encode("utf-8", "surrogatepass")))


def test_records_are_hashed_and_counted_from_one_encoding(monkeypatch):
    texts = ["Caf\u00e9&amp;  news<!-- x --> here.\n\n\nMore \u20ac text", "plain text\n", "\u00e9" * 50]
    batch.set_state(Config(), None, "text", None)
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False).encode() for i, t in enumerate(texts)]
    lines.append(json.dumps({"text": "bad \ud800 surrogate"}).encode())
    res = batch._work_batch("lines", "jsonl", "a.jsonl", "a.jsonl", 1, lines)
    assert len(res["chunks"]) == 3 and len(res["errors"]) == 1 and "lone surrogate" in res["errors"][0]
    out = [json.loads(c) for c in res["chunks"]]
    for t, rec in zip(texts, out):
        field = rec["cleaner"]
        assert field["sha256_original"] == hashlib.sha256(t.encode()).hexdigest()
        assert field["sha256_cleaned"] == hashlib.sha256(rec["text"].encode()).hexdigest()
        assert field["source"] == {"file": "a.jsonl", "line": field["source"]["line"]}
    assert res["stats"].bytes_in == sum(len(t.encode()) for t in texts)
    assert res["stats"].bytes_out == sum(len(rec["text"].encode()) for rec in out)
    assert out[0]["text"] != texts[0]  # (the first one was changed)


def test_a_timer_armed_inside_a_scope_by_someone_else_is_left_alone():
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers here")
    fix = Rule("W970", "test-w970", "test", lambda t, c: [Edit(0, 1, "X", "x")])
    with engine.time_limit_scope():
        handler = signal.getsignal(signal.SIGALRM)
        signal.setitimer(signal.ITIMER_REAL, 60)
        try:
            res = run_rules("abc", [fix], time_limit=5)
            assert res.cleaned == "Xbc" and res.findings == []
            assert 50 < signal.getitimer(signal.ITIMER_REAL)[0] <= 60  # not disarmed, not replaced by 5 s
            assert engine._SCOPE.handler is None  # the scope serves no document
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        # the scope serves the next document again: its own timer, disarmed at its end
        started = time.perf_counter()

        def runaway(text, ctx):
            while True:
                pass

        res = run_rules("abc", [fix, Rule("W971", "test-w971", "test", runaway)], time_limit=0.2)
        assert time.perf_counter() - started < 5
        assert [f.code for f in res.findings] == ["W971"]
        assert signal.getsignal(signal.SIGALRM) is handler
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
