"""The driver's side of the streaming D001 pass: the signature filter's arrays, the batch's finding JSON, the paused GC."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest

from tests.test_index import _a_match


def test_signature_filter_grown_in_steps_answers_as_one_filled_at_once(monkeypatch):
    """Ids never added stay unknown (kept) however the arrays grew; the verdicts are those of one filter
    given every representative at once, with and without numba."""
    from cleaner.dedup import _fast
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import SignatureFilter

    rng = np.random.default_rng(11)
    sigs = rng.integers(0, 1 << 32, (300_000, 128), dtype=np.uint32) | 0xF0  # low bytes from a few values
    sizes = rng.integers(1, 80, len(sigs))
    steps = [np.arange(1, 40), np.arange(50, 900, 3), np.arange(70_000, 70_100), np.arange(299_000, 299_990, 7)]
    grown = SignatureFilter(DedupParams())
    for ids in steps:  # (growth past the reserved room twice, ids skipped everywhere)
        grown.add(ids, sigs[ids], sizes[ids])
    every = np.concatenate(steps)
    at_once = SignatureFilter(DedupParams())
    at_once.add(every, sigs[every], sizes[every])
    known = np.zeros(300_000, dtype=bool)
    known[every] = True
    assert grown.top == steps[-1][-1] and len(grown.size) > grown.top
    assert (grown.size[: grown.top + 1][~known[: grown.top + 1]] == -1).all()
    assert (grown.size[every] == sizes[every]).all()
    rows = rng.integers(0, 200, 20_000)
    cand = np.concatenate([rng.choice(every, 15_000), rng.integers(0, 300_000, 5_000)])  # unseen ids too
    batch = sigs[rng.integers(0, 300_000, 200)]
    batch[:100] = sigs[rng.choice(every, 100)]  # rows equal to representatives: some pass
    args = (rows, cand, batch, rng.integers(1, 80, 200))
    keep = grown.keep(*args)
    assert keep.any() and (~keep).any()
    assert (keep == at_once.keep(*args)).all()
    assert keep[~known[cand]].all()  # never seen: kept for exact verification
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    assert (SignatureFilter.keep(grown, *args) == keep).all()


@pytest.mark.parametrize("kept", [1 << 16, 2])
def test_findings_bytes_are_the_findings_json_in_utf8_or_none_where_orjson_would_differ(kept, monkeypatch):
    """Each finding's JSON text encoded, in order; None for a non-finite similarity or a document id with
    no UTF-8 form, and only for those ("NaN" in a name is just text)."""
    from cleaner.dedup import index

    monkeypatch.setattr(index, "_JSON_PARTS", kept)
    cases = [("a", 0.8, 0.8, 0.9, True), ("NaN Infinity.txt", 0.8, 0.8, 0.9, True), ("b\u00e9", 1.0, 1.0, 1.0, True),
             ("c", float("nan"), 0.9, float("nan"), False), ("d", 0.5, float("inf"), 1.0, False),
             ("e", 0.5, 0.5, -float("inf"), False), ("\ud800", 0.8, 0.8, 0.9, False), ("f", 1, 1, 1, True)]
    dedup, _ = _a_match("x", "wire", 0.8, 0.8, 0.9, "jaccard")
    matches = [_a_match(doc, "wire \u201cq\u201d", sim, jac, cont, "jaccard", start=10 * k)[1]
               for k, (doc, sim, jac, cont, _ok) in enumerate(cases)]
    got = dedup.findings_bytes(matches)
    texts = dedup.findings_json(matches)
    assert len(got) == len(cases)
    for item, text, case in zip(got, texts, cases):
        if case[-1]:
            assert item == text.encode("utf-8")
        else:
            assert item is None


def test_findings_spliced_from_bytes_are_the_findings_spliced_as_texts():
    """_splice_findings (the D001 path, JSON written for the batch at once) gives _add_findings' line and slots."""
    from cleaner.batch import _add_findings, _record_line, _splice_findings

    for own_keys in ([], [(0, 4, "Q001")], [(0, 4, "Q001"), (5, 55, "D001"), (5, 55, "Z001"), (9, 9, "A001"), (80, 90, "B")]):
        own = [{"start": s, "end": e, "code": c, "message": "m"} for s, e, c in sorted(own_keys)]
        line, slots = _record_line({"id": "x", "text": "t"}, {"edits": [], "findings": own})
        for starts in ([5], [5, 0, 9, 70], [100, 5, 5]):
            found = [_a_match("x", "wire", 0.8, 0.8, 0.9, "jaccard", start=s) for s in starts]
            keys = [(m[4], m[5], "D001") for _d, m in found]
            texts = [d.finding_json(m) for d, m in found]
            want = _add_findings(line, slots, keys, texts)
            assert want is not None
            assert _splice_findings(line, slots, keys, [t.encode("utf-8") for t in texts]) == want
            assert [f["start"] for f in json.loads(want[0])["cleaner"]["findings"]] == sorted(
                [k[0] for k in own_keys] + starts)


def test_apply_dedup_pauses_the_collector_and_restores_it(monkeypatch):
    """The batch's matches and findings are made with the collector paused; its state is restored after, also
    after an error."""
    from cleaner import batch as B

    seen = []

    class Dedup:
        def matches(self, sigs):
            seen.append(gc.isenabled())
            if sigs == "boom":
                raise RuntimeError("boom")
            return []

    class Batch:
        kind = "lines"

    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            B._apply_dedup(Dedup(), Batch(), {"sigs": None})
            assert gc.isenabled() is enabled
            with pytest.raises(RuntimeError):
                B._apply_dedup(Dedup(), Batch(), {"sigs": "boom"})
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False] * 4


def test_exact_repeats_of_matched_paragraphs_find_the_match_a_look_up_finds(tmp_path, monkeypatch):
    """A paragraph repeating, shingle for shingle, one matched in an earlier batch takes that match without a
    look-up only where a look-up would find it: the same output and index as looking every paragraph up, with
    the shortcut taken, and declined where the earlier match passed over an older candidate of its own document
    or the match is from the repeat's own document."""
    import random

    from cleaner.dedup.index import CorpusDedup
    from tests.test_index import VOCAB, WIRE, d001, edited, prose, run_and_read, write

    rng = random.Random(5)
    part_a = " ".join(rng.choice(VOCAB) for _ in range(14)).capitalize()
    part_b = " ".join(rng.choice(VOCAB) for _ in range(14))
    both = f"{part_a} {part_b}."  # contains each part: a near-duplicate of both, which are not of each other
    docs = [{"id": "x", "text": part_a + ".\n"}, {"id": "y", "text": part_b.capitalize() + ".\n"},
            {"id": "wire-0", "text": WIRE}]
    docs += [{"id": "x", "text": both + "\n"},  # passes over x's own part_a: matches y's
             {"id": "z", "text": both + "\n"},  # matches x's part_a, the oldest (not y's, as the repeat above did)
             {"id": "y", "text": both + "\n"},  # a repeat of z's: x's part_a again
             {"id": "x", "text": both + "\n"}]  # a repeat of z's, but part_a is its own: a look-up (y's part_b)
    docs += [{"id": f"copy-{k}", "text": edited(WIRE) if k % 3 else WIRE} for k in range(9)]
    docs += [{"id": "wire-0", "text": edited(WIRE)}] + [{"id": f"b{k}", "text": prose(k) + "\n" + edited(WIRE)}
                                                       for k in range(3)]
    write(tmp_path / "in" / "a.jsonl", docs)
    taken = []
    repeats = CorpusDedup._repeats

    def spy(self, *args):
        got = repeats(self, *args)
        taken.append(len(got))
        return got

    outputs = []
    for name, replacement in (("shortcut", spy), ("look-ups", lambda self, *args: {})):
        monkeypatch.setattr(CorpusDedup, "_repeats", replacement)
        outputs.append(run_and_read(tmp_path, name, batch_docs=1))
    assert outputs[0] == outputs[1]
    assert sum(taken) >= 10
    lines = [json.loads(line) for line in outputs[0][0].decode("utf-8").splitlines()]
    twins = [[(f["data"]["duplicate_of"]["path"], f["data"]["duplicate_of"]["paragraph"]) for f in rec["cleaner"]["findings"]
              if f["code"] == "D001"] for rec in lines]
    assert twins[3:7] == [[("y", 1)], [("x", 1)], [("x", 1)], [("y", 1)]]
    assert all(twins[k] for k in range(7, 7 + 9)) and d001(tmp_path / "shortcut" / "a.jsonl")
