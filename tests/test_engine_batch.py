"""The batch engine gives each text exactly what the one-text engine gives it.

:func:`cleaner.engine.run_rules_batch` runs each rule over every text of a
batch before the next rule; :func:`cleaner.engine.run_rules` runs all the
rules over one text.  Only the order of the work may differ: every text's
cleaned text, edits, findings and metadata must be the same, its time limit
must count only its own time, and a failure must stay with its text.  The
batch runner of corpus runs (:mod:`cleaner.batch`) must write the same bytes
either way.
"""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import batch as batch_module
from cleaner import textcache
from cleaner.config import Config
from cleaner.engine import DEFAULT_MAX_PASSES, run_rules, run_rules_batch, time_limit_scope
from cleaner.model import Document, Edit, Finding
from cleaner.pipeline import clean_document, clean_documents
from cleaner.registry import Rule

TESTS = Path(__file__).resolve().parent
BENCH = TESTS.parents[1] / "shared" / "bench-data" / "article-extraction-benchmark"

PIECES = [
    "<!-- share bar -->", "<!– x –>", "&amp;", "&nbsp;", "<p>", "</div>", "View original post\n", "Go deeper\n",
    "Photo: Jane Doe via Getty Images\n", " date 2021-12-31 \n", "guarantees.During", "exchangea senior",
    "thatThe", "said:\n\n", "“He said", "of thefollowed", "Zelenskiy", "U.S.", "abcnews.go.com", "Ã©",
    "â€™", "\u200b", "  ", "\t", "\n\n\n\n", "The talks went on. ", "Russia said on Friday. ", "\"Quote.\" ",
    "for...at", "они сказали. ", "Die Regierung sagte. ", "a" * 45, "\ud800", "\r\n",
]


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((TESTS.parent / "seeds").glob("*.txt"))]
    if (BENCH / "ground-truth.json").is_file():
        truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
        texts += [v["articleBody"] for _, v in sorted(truth.items())][:60]
    rnd = random.Random(11)
    texts += ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 60))) for _ in range(80)]
    return texts + ["", "x", "\n"]


def _same(a, b) -> None:
    assert a.cleaned == b.cleaned
    assert a.edits == b.edits
    assert a.findings == b.findings
    assert a.metadata == b.metadata


def _run_both(texts: list[str], rules, **kwargs) -> None:
    one = [run_rules(t, rules, doc_id=str(i), **kwargs) for i, t in enumerate(texts)]
    many = run_rules_batch(texts, rules, doc_ids=[str(i) for i in range(len(texts))], **kwargs)
    assert len(many) == len(texts)
    for a, b, t in zip(one, many, texts):
        assert b.original == t
        _same(a, b)


def test_the_default_rules_give_every_text_what_the_one_text_engine_gives():
    config = Config()
    texts = _texts()
    _run_both(texts, tuple(config.active_rules()), options=config.rule_options, severities=config.severity,
              time_limit=config.time_limit, max_passes=DEFAULT_MAX_PASSES)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), min_size=1, max_size=8))
def test_any_batch_of_damaged_texts_gets_the_one_text_results(texts):
    config = Config()
    _run_both(texts, tuple(config.active_rules()), time_limit=None, max_passes=DEFAULT_MAX_PASSES)


def _rules_with_passes_repeats_metadata_and_failures() -> list[Rule]:
    def date_line(text, ctx):  # a metadata edit: every rule must run again on this text
        if text.startswith("date:"):
            end = text.find("\n") + 1 or len(text)
            return [Edit(0, end, "", "date line to metadata", metadata={"date": text[5:end].strip()})]
        return []

    def unwrap(text, ctx):  # repeat=True: one layer of [[...]] a run
        i = text.find("[[")
        j = text.find("]]", i)
        return [Edit(i, i + 2, "", "unwrap"), Edit(j, j + 2, "", "unwrap")] if 0 <= i < j else []

    def breaks(text, ctx):
        if "boom" in text:
            raise RuntimeError("boom")
        return []

    def bares(text, ctx):  # bares work for a rule that ran before it: a second pass
        i = text.find("{")
        return [Edit(i, i + 1, "[[", "bare")] if i >= 0 else []

    def flags(text, ctx):
        return [Finding(m, m + 1, "a dot") for m in range(len(text)) if text[m] == "."][:3]

    def grows(text, ctx):  # never converges: the warning after the last pass
        return [Edit(len(text), len(text), "+" * (len(text) + 1), "grow")] if "grow" in text else []

    return [
        Rule("M901", "test-date", "test", date_line),
        Rule("H901", "test-unwrap", "test", unwrap, repeat=True),
        Rule("Q901", "test-breaks", "test", breaks, fix="none"),
        Rule("Q902", "test-flags", "test", flags, fix="none"),
        Rule("W901", "test-bares", "test", bares),
        Rule("W902", "test-grows", "test", grows),
    ]


def test_passes_repeats_metadata_and_rule_failures_come_out_the_same():
    texts = ["date: 2021-12-31\nbody. [[[[x]]]] {y]]", "plain.", "boom. [[a]]", "{{z]]]]", "grow", "", "date: x"]
    rules = _rules_with_passes_repeats_metadata_and_failures()
    _run_both(texts, rules, time_limit=None, max_passes=3)
    _run_both(texts, rules, time_limit=30, max_passes=1)
    results = run_rules_batch(texts, rules, time_limit=None, max_passes=3)
    assert results[0].metadata == {"date": "2021-12-31"} and results[1].metadata == {}
    failed = [[f.code for f in r.findings if "failed: RuntimeError: boom" in f.message] for r in results]
    assert failed == [[], [], ["Q901"], [], [], [], []]
    assert "[[" not in results[3].cleaned  # bared by W901, unwrapped by H901 in the second pass
    assert any("still changed" in f.message for f in results[4].findings)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers here")
def test_a_runaway_rule_stops_only_its_own_text():
    def runaway(text, ctx):
        if "tuck" in text:
            while True:
                pass
        return []

    fix = Rule("W903", "test-fix", "test", lambda t, c: [Edit(0, 1, t[:1].upper(), "capital")] if t else [])
    after = Rule("W904", "test-after", "test", lambda t, c: [Finding(0, 0, "ran")], fix="none")
    texts = ["alpha", "stuck here", "gamma"]
    started = time.perf_counter()
    with time_limit_scope():
        results = run_rules_batch(texts, [fix, Rule("W905", "test-runaway", "test", runaway), after], time_limit=0.3)
    assert time.perf_counter() - started < 10
    assert [r.cleaned for r in results] == ["Alpha", "Stuck here", "Gamma"]
    assert [f.code for f in results[1].findings] == ["W905"] and "time limit" in results[1].findings[0].message
    assert [f.code for f in results[0].findings] == [f.code for f in results[2].findings] == ["W904"]
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers here")
@pytest.mark.parametrize("scoped", [True, False])
def test_a_text_is_charged_only_its_own_time(scoped):
    """Five texts of 0.15 s each take 0.75 s together: none of them reaches a limit of 0.5 s."""
    slow = Rule("W906", "test-slow", "test", lambda t, c: time.sleep(0.15) or [])
    texts = [f"text {i}" for i in range(5)]
    if scoped:
        with time_limit_scope():
            results = run_rules_batch(texts, [slow], time_limit=0.5)
    else:
        results = run_rules_batch(texts, [slow], time_limit=0.5)
    assert all(r.findings == [] for r in results)
    # ... but a text over its own limit is stopped, and the texts after it still run
    slower = Rule("W907", "test-slower", "test", lambda t, c: time.sleep(5 if "slow" in t else 0.01) or [])
    results = run_rules_batch(["a", "slow one", "b"], [slower, slow], time_limit=0.5)
    assert [f.code for f in results[1].findings] == ["W907"]
    assert results[0].findings == results[2].findings == []


def test_text_caches_hold_the_batch_then_let_go():
    cache = textcache.TextCache()
    texts = [f"text {i}" for i in range(10)]
    calls = []

    def compute(t):
        calls.append(t)
        return len(t)

    with textcache.holding(10):
        for t in texts:
            cache.get(t, compute)
        for t in texts:  # a second rule asks again: every answer is kept
            assert cache.get(t, compute) == len(t)
        with textcache.holding(3):  # a smaller batch inside does not shrink it
            cache.get("other", compute)
            assert len(cache.items) == 11 - 1  # (ten kept, the oldest gave way to "other")
    assert calls == texts + ["other"]
    assert len(cache.items) <= 1  # emptied of what the batch kept
    cache.get("a", compute)
    cache.get("b", compute)
    assert list(cache.items) == ["b"]  # one text again
    own = textcache.TextCache(shared=False)  # one rule's work on one text: not held for the batch
    with textcache.holding(10):
        for t in texts:
            own.get(t, compute)
        assert list(own.items) == [texts[-1]]


def test_a_text_cache_keeps_no_long_text_alive_and_still_hits_an_equal_one(monkeypatch):
    import sys

    monkeypatch.setattr(textcache, "KEEP_TEXT_CHARS", 20)
    cache = textcache.TextCache(4)
    long_text = "guarantees.During the call " * 3
    before = sys.getrefcount(long_text)
    assert cache.get(long_text, lambda t: ["computed"]) == ["computed"]
    textcache.release()  # (the end of a run: the digest of the text is no longer needed)
    assert sys.getrefcount(long_text) == before  # neither a key nor the last text asked about
    assert all(not isinstance(k, str) or len(k) <= 20 for k in cache.items)
    copy = "".join(["guarantees.During the call "] * 3)
    assert copy is not long_text and cache.get(copy, lambda t: ["again"]) == ["computed"]  # equal text: a hit
    other = long_text[:-1] + "!"
    assert cache.get(other, lambda t: ["other"]) == ["other"]  # same length, other text: a miss
    short = "said.of the"
    assert cache.get(short, lambda t: ["short"]) == ["short"] and short in cache.items


def test_a_long_text_is_digested_once_a_run_and_let_go_when_the_run_ends(monkeypatch):
    import hashlib
    import sys

    from cleaner.engine import clean_text

    digests = []
    real = hashlib.blake2b

    def blake2b(data, **kw):
        digests.append(bytes(data))
        return real(data, **kw)

    monkeypatch.setattr(textcache, "KEEP_TEXT_CHARS", 200)
    monkeypatch.setattr(textcache.hashlib, "blake2b", blake2b)
    cache = textcache.TextCache()
    long_text = "She said that the talks went well.During the call, he agreed. " * 10
    for _ in range(5):
        assert cache.get(long_text, lambda t: ["computed"]) == ["computed"]
    assert len(digests) == 1  # the same text asked about again: its key is remembered
    textcache.release()
    assert cache.get(long_text, lambda t: ["again"]) == ["computed"] and len(digests) == 2  # keyed again
    textcache.release()
    before = sys.getrefcount(long_text)
    digests.clear()
    cleaned = clean_text(long_text, Config()).cleaned  # (the result, which holds the original, let go)
    assert cleaned != long_text and digests
    # Each version of the text is digested once, not once per question (dozens of rules ask).
    assert len(digests) == len(set(digests))
    assert sys.getrefcount(long_text) == before  # the run let go of it


def test_clean_documents_fills_each_document_as_clean_document_does():
    config = Config()
    texts = _texts()[:40]
    one = [clean_document(Document(id=str(i), text=t, source={}), config) for i, t in enumerate(texts)]
    many = [Document(id=str(i), text=t, source={}) for i, t in enumerate(texts)]
    clean_documents(many, config)
    for a, b in zip(one, many):
        assert (a.cleaned, a.edits, a.findings, a.metadata) == (b.cleaned, b.edits, b.findings, b.metadata)


def _jsonl_corpus(folder: Path) -> Path:
    folder.mkdir()
    texts = [t for t in _texts() if "\ud800" not in t]
    lines = []
    for i, t in enumerate(texts):
        lines.append(json.dumps({"id": f"d{i}", "text": t}))
        if i == 5:
            lines.append("{not json")
        if i == 9:
            lines.append('{"id": "bad", "text": "\\ud800 lone"}')
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _run(src: Path, out: Path) -> dict[str, bytes]:
    report = batch_module.run([str(src)], out, Config(), batch_module.RunOptions(jobs=1, progress="off"))
    assert report.files_done == 1
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and p.name != "stats.json"}, report


def test_a_corpus_run_writes_the_same_bytes_as_cleaning_one_record_at_a_time(tmp_path, monkeypatch):
    src = _jsonl_corpus(tmp_path / "in")
    together, report = _run(src, tmp_path / "together")

    def one_at_a_time(docs):
        return [_problem(d) for d in docs]

    def _problem(doc):
        try:
            batch_module._clean(doc)
        except Exception as exc:
            return exc
        return None

    monkeypatch.setattr(batch_module, "_clean_all", one_at_a_time)
    alone, report_alone = _run(src, tmp_path / "alone")
    assert together == alone
    assert report.record_errors == report_alone.record_errors and len(report.record_errors) == 2
    assert [e.split(":")[1] for e in report.record_errors] == ["7", "12"]  # in line order


def test_when_cleaning_together_fails_each_record_is_cleaned_alone(tmp_path, monkeypatch):
    src = _jsonl_corpus(tmp_path / "in")
    expected, _ = _run(src, tmp_path / "expected")
    monkeypatch.setattr(batch_module, "clean_documents", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    got, _ = _run(src, tmp_path / "fallback")
    assert got == expected
    # and a record whose own cleaning fails is skipped with its line, the others written
    real = batch_module._clean

    def failing(doc):
        if doc.id == "d3":
            raise RuntimeError("broken record")
        return real(doc)

    monkeypatch.setattr(batch_module, "_clean", failing)
    got, report = _run(src, tmp_path / "one-fails")
    assert any(":4: cannot clean this record (broken record)" in e for e in report.record_errors)
    out = got["a.jsonl"].decode("utf-8").splitlines()
    assert len(out) == len(expected["a.jsonl"].decode("utf-8").splitlines()) - 1
    assert not any(json.loads(line)["id"] == "d3" for line in out)


def test_a_parquet_run_gives_every_row_what_cleaning_one_row_at_a_time_gives(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    src = tmp_path / "in"
    src.mkdir()
    texts: list = [t for t in _texts() if "\ud800" not in t][:50]
    texts[4] = None  # a row without text: skipped, reported in row order
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(len(texts))], "text": texts}), src / "a.parquet")

    def rows(out: Path):
        report = batch_module.run([str(src)], out, Config(), batch_module.RunOptions(jobs=1, progress="off"))
        return pq.read_table(out / "a.parquet").to_pylist(), report.record_errors

    together = rows(tmp_path / "together")
    monkeypatch.setattr(batch_module, "_clean_all", lambda docs: [_clean_alone(d) for d in docs])
    assert rows(tmp_path / "alone") == together
    assert len(together[0]) == len(texts) - 1 and together[1] == ["a.parquet:row 5: 'text' is not a string; row skipped"]


def _clean_alone(doc):
    try:
        batch_module._clean(doc)
    except Exception as exc:
        return exc
    return None


def test_the_in_memory_pipeline_cleans_in_batches_with_the_same_results(monkeypatch):
    from cleaner import pipeline

    monkeypatch.setattr(pipeline, "BATCH_DOCUMENTS", 7)  # several batches and a short last one
    texts = _texts()[:30]
    config = Config()
    together = pipeline.process([Document(id=f"d{i}.txt", text=t, source={}) for i, t in enumerate(texts)], config)
    calls = []
    real = pipeline.clean_documents
    monkeypatch.setattr(pipeline, "clean_documents", lambda docs, *a, **k: calls.append(len(docs)) or real(docs, *a, **k))
    pipeline.process([Document(id=f"d{i}.txt", text=t, source={}) for i, t in enumerate(texts)], config)
    assert calls == [7, 7, 7, 7, 2]
    stats = pipeline.CorpusStats.from_texts(texts)
    for i, (t, doc) in enumerate(zip(texts, together)):
        alone = clean_document(Document(id=f"d{i}.txt", text=t, source={}), config, corpus=stats)
        rules_only = [f for f in doc.findings if f.code != "D001"]  # (process() adds the cross-document stage's)
        assert (doc.cleaned, doc.edits, rules_only, doc.metadata) == (alone.cleaned, alone.edits, alone.findings,
                                                                      alone.metadata)


def test_outside_the_main_thread_the_limit_is_checked_between_rules_and_no_timer_is_armed():
    import threading

    slow = Rule("W908", "test-slow", "test", lambda t, c: time.sleep(0.3 if "slow" in t else 0) or [])
    after = Rule("W909", "test-after", "test", lambda t, c: [Finding(0, 0, "ran")], fix="none")
    out = {}

    def run():
        out["results"] = run_rules_batch(["slow", "quick"], [slow, after], time_limit=0.1)
        out["timer"] = signal.getitimer(signal.ITIMER_REAL)[0] if hasattr(signal, "getitimer") else 0

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    slow_result, quick_result = out["results"]
    assert [f.code for f in slow_result.findings] == ["W909"] and "time limit" in slow_result.findings[0].message
    assert [f.message for f in quick_result.findings] == ["ran"]
    assert out["timer"] == 0


def test_rule_settings_are_read_only_and_shared_by_the_batch():
    """A rule's settings come from its defaults and the configuration, and no document can change them for another.

    One read-only mapping per rule serves the whole batch: a rule that tries to
    change its settings fails (a finding on that document), and the next
    document still sees the configured value.
    """
    seen: list[tuple[str, object]] = []

    def reads(text, ctx):
        seen.append((ctx.doc_id, ctx.options.get("limit")))
        return None

    def writes(text, ctx):
        ctx.options["limit"] = 99  # not allowed: the settings are shared
        return None

    reader = Rule("W901", "reads-settings", "t", reads, options={"limit": 1, "other": "x"})
    writer = Rule("W902", "writes-settings", "t", writes, options={"limit": 1})
    texts = ["first text", "second text", "third text"]
    ids = ["a", "b", "c"]
    batch = run_rules_batch(texts, [writer, reader], doc_ids=ids, options={"W901": {"limit": 5}})
    assert seen == [("a", 5), ("b", 5), ("c", 5)]
    for one in batch:
        failures = [f for f in one.findings if f.code == "W902"]
        assert len(failures) == 1 and "failed: TypeError" in failures[0].message
    single = [run_rules(t, [writer, reader], doc_id=d, options={"W901": {"limit": 5}}) for t, d in zip(texts, ids)]
    assert [r.findings for r in single] == [r.findings for r in batch]
    assert seen[3:] == [("a", 5), ("b", 5), ("c", 5)]
    assert reader.options == {"limit": 1, "other": "x"} and writer.options == {"limit": 1}
