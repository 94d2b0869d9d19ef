"""Fuzzing harness: mutated real and hostile documents, run for a fixed time budget.

Each iteration takes a document from a seed corpus (the repository's seed
files, slices of real news pages from the shared benchmark when present, and
hostile fragments), applies a few random mutations (splices, repeats, byte
flips, line-ending changes, inserted HTML debris, invalid UTF-8, BOMs…), and
checks the whole path from bytes to bytes:

* decoding never raises anything but :class:`NotTextError`, and the decoded
  text encodes back to the exact bytes;
* cleaning never raises, the edit log is exact and ``restore`` gives back the
  original bytes;
* cleaning the cleaned text changes nothing;
* no document takes more than a few seconds.

Hypothesis drives the choices (so a failure is shrunk to a small
reproducer and replayed from the example database), and the test stops
after ``CLEANER_FUZZ_SECONDS`` seconds (default 20).  Set the variable higher
for a long local fuzzing session.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from cleaner.config import Config
from cleaner.engine import apply_edits, clean_text, restore_text
from cleaner.io.decoding import NotTextError, decode, encode, encode_output
from cleaner.registry import setup_seconds

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "bench-data" / "article-extraction-benchmark"
BUDGET = float(os.environ.get("CLEANER_FUZZ_SECONDS", "20"))
MAX_SECONDS_PER_DOCUMENT = 10.0

HOSTILE = [
    b"<!--", b"-->", "<!\u2013 x \u2013>".encode(), "<!\u2014".encode(), b"<!", b"<![CDATA[", b"]]>",
    b"&amp;", b"&amp;amp;#8217;", b"&#0;", b"&#xD800;", b"&#1114112;", b"&nbsp;", b"&", b"&#",
    b"<p>", b"</p>", b"<br/>", b"<a href='", b"<script>", b"</script>", b"<style>", b"<div\n",
    "\u201c".encode(), "\u201d".encode(), b'"', b"'", "\u2019".encode(),
    b"\r\n", b"\r", b"\n\n\n\n", b" \t \t", "\u00a0".encode(), "\u200b".encode(), "\ufeff".encode(),
    "\u00ad".encode(), "\u2028".encode(), b"\x85", b"\x1b[31m", b"\x7f",
    b"\xff", b"\xfe\xff", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    "\u00e2\u20ac\u2122".encode(), "\u00c3\u00a9".encode(),
    b"date: 2021-12-31\n", b"url: http://x\n", b"Dec 29, 2021 - World\n", b"Advertisement\n",
    b"Share\nFacebook\nTwitter\n", b"Most Read\nOne headline\nTwo headline\n", b"(AP Photo/X Y)\n",
    b"--IANS\n", b"Read more: x\n", b"\xe2\x80\xa2\n",
]


def _seed_corpus() -> list[bytes]:
    corpus = [p.read_bytes()[:6000] for p in sorted((REPO / "seeds").glob("*.txt"))]
    truth = BENCH / "ground-truth.json"
    if truth.is_file():
        gold = json.loads(truth.read_text(encoding="utf-8"))
        for doc_id in sorted(gold)[:6]:
            corpus.append(gold[doc_id]["articleBody"].encode("utf-8")[:4000])
            page = BENCH / "html" / f"{doc_id}.html.gz"
            if page.is_file():
                html = gzip.decompress(page.read_bytes())
                middle = len(html) // 2
                corpus.append(html[middle : middle + 4000])  # real markup, cut anywhere
    corpus.append(b"")
    return corpus


CORPUS = _seed_corpus()


@st.composite
def mutated_documents(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["insert", "delete", "repeat", "flip", "splice", "endings", "encode"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(HOSTILE))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif op == "repeat":
            unit = draw(st.sampled_from(HOSTILE)) if draw(st.booleans()) else bytes(data[pos : pos + 8])
            data[pos:pos] = unit * draw(st.integers(2, 2000))
        elif op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] = draw(st.integers(1, 255))
        elif op == "splice":
            other = draw(st.sampled_from(CORPUS))
            start = draw(st.integers(0, len(other)))
            data[pos:pos] = other[start : start + draw(st.integers(1, 2000))]
        elif op == "endings":
            data = bytearray(bytes(data).replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n"]))))
        elif op == "encode":
            try:
                text = bytes(data).decode("utf-8")
                codec = draw(st.sampled_from(["utf-16", "utf-8-sig", "cp1252", "latin-1", "utf-16-be"]))
                data = bytearray(text.encode(codec, "ignore") if codec != "utf-16-be"
                                 else b"\xfe\xff" + text.encode("utf-16-be"))
            except UnicodeDecodeError:
                pass
    return bytes(data)


def _check_bytes(data: bytes, config: Config) -> None:
    try:
        dec = decode(data)
    except NotTextError:
        return
    info = dec.source_info()
    assert encode(dec.text, info) == data, "decoding is not lossless"
    setup_before, started = setup_seconds(), time.perf_counter()
    res = clean_text(dec.text, config)
    seconds = time.perf_counter() - started - (setup_seconds() - setup_before)  # (not one-time set-up)
    assert seconds < MAX_SECONDS_PER_DOCUMENT, "cleaning one document took too long"
    assert all(a.end <= b.start for a, b in zip(res.edits, res.edits[1:]))
    for e in res.edits:
        assert dec.text[e.start : e.end] == e.before
    for f in res.findings:
        assert 0 <= f.start <= f.end <= len(dec.text)
    assert apply_edits(dec.text, res.edits) == res.cleaned
    cleaned_on_disk = encode_output(res.cleaned).decode("utf-8", "surrogateescape")
    assert encode(restore_text(cleaned_on_disk, res.edits), info) == data, "restore is not byte for byte"
    assert clean_text(res.cleaned, config).cleaned == res.cleaned, "cleaning is not idempotent"


@pytest.mark.parametrize("config", [Config(), Config(select=["ALL"])], ids=["default-rules", "all-rules"])
def test_fuzz_documents_for_a_fixed_budget(config: Config) -> None:
    """Batches of 20 examples, each batch from its own fixed seed, until half the budget is spent."""
    deadline = time.monotonic() + BUDGET / 2
    batch = 0
    while time.monotonic() < deadline:

        @seed(batch)
        @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(mutated_documents())
        def fuzz(data: bytes) -> None:
            _check_bytes(data, config)

        fuzz()
        batch += 1
    assert batch >= 1
