"""The streaming near-duplicate pass (D001) and its persistent index: SQLite and Redis."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.batch import RunOptions, run
from cleaner.config import Config
from cleaner.dedup.core import find_near_duplicates
from tests.conftest import free_port

VOCAB = ("council budget river school market bridge library harbor museum festival railway clinic "
         "farmers teachers nurses drivers tenants students voters owners approved rejected delayed "
         "debated funded reviewed praised questioned north south east west early late new old small "
         "large public private local regional annual weekly quiet busy careful sudden").split()



def run_and_read(tmp_path, name: str, batch_docs: int) -> tuple[bytes, list]:
    """Clean ``tmp_path/in`` into ``tmp_path/name`` with an index of that name; the output and the index's paragraphs."""
    import sqlite3

    from cleaner.batch import RunOptions, run
    from cleaner.config import Config

    run([str(tmp_path / "in")], tmp_path / name, Config(), RunOptions(jobs=1, progress="off", batch_docs=batch_docs,
                                                                      index=str(tmp_path / f"{name}.sqlite")))
    db = sqlite3.connect(tmp_path / f"{name}.sqlite")
    try:
        return (tmp_path / name / "a.jsonl").read_bytes(), db.execute("SELECT * FROM paragraphs").fetchall()
    finally:
        db.close()

def prose(seed: int, paragraphs: int = 3, words: int = 30) -> str:
    """Paragraphs of random words: unrelated texts share almost no 3-word shingles."""
    rng = random.Random(seed)
    return "\n\n".join(" ".join(rng.choice(VOCAB) for _ in range(words)).capitalize() + "."
                       for _ in range(paragraphs)) + "\n"


WIRE = prose(1000)


def write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def d001(path: Path) -> dict[str, list[dict]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out[rec["id"]] = [f for f in rec["cleaner"]["findings"] if f["code"] == "D001"]
    return out


def edited(text: str) -> str:
    """A light edit of every paragraph, as outlets re-running wire copy do."""
    return "\n\n".join(p.replace(" ", " really ", 1) for p in text.split("\n\n"))


def check_two_runs(tmp_path: Path, index: str, between=None) -> None:
    """Index a first corpus, then check a second against it (*between*, if given, is called between the runs)."""
    write(tmp_path / "one" / "a.jsonl", [{"id": f"a{i}", "text": prose(i)} for i in range(8)] + [{"id": "wire-1", "text": WIRE}])
    write(tmp_path / "two" / "b.jsonl", [{"id": "b1", "text": prose(500)}, {"id": "wire-2", "text": edited(WIRE)},
                                         {"id": "b2", "text": prose(3, paragraphs=1) + "\n" + prose(501, paragraphs=1)}])
    r1 = run([str(tmp_path / "one")], tmp_path / "out1", Config(), RunOptions(jobs=1, progress="off", index=index))
    assert r1.stats.duplicates == 0 and r1.index_paragraphs == 27
    if between is not None:
        between()
    # a later run over new files is checked against the first corpus without recomputing it
    r2 = run([str(tmp_path / "two")], tmp_path / "out2", Config(), RunOptions(jobs=2, progress="off", index=index))
    got = d001(tmp_path / "out2" / "b.jsonl")
    assert got["b1"] == []
    assert [(f["data"]["duplicate_of"]["path"], f["data"]["duplicate_of"]["paragraph"]) for f in got["wire-2"]] == [
        ("wire-1", 1), ("wire-1", 2), ("wire-1", 3)]
    assert all(f["data"]["similarity"] >= 0.4 for f in got["wire-2"])
    assert got["wire-2"][0]["message"].startswith("near-duplicate of wire-1 paragraph 1, J=")
    assert [f["data"]["duplicate_of"]["path"] for f in got["b2"]] == ["a3"]
    assert r2.stats.duplicates == 4 and r2.stats.duplicate_clusters == 4
    assert r2.index_paragraphs == 27 + 3 + 1  # only the new representatives were added
    stats = json.loads((tmp_path / "out2" / "stats.json").read_text())
    assert stats["findings_by_rule"]["D001"] == 4 and stats["duplicates"] == 4


def test_sqlite_index_is_reused_across_runs(tmp_path):
    check_two_runs(tmp_path, str(tmp_path / "index.sqlite"))


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_document_id_with_no_utf8_form_is_indexed_and_named_in_a_later_run(tmp_path, backend, request):
    """A record id holding a lone surrogate (a JSON ``\\udcff`` escape) must not stop the run (it did with SQLite)."""
    index = str(tmp_path / "index.sqlite") if backend == "sqlite" else request.getfixturevalue("redis_url")
    odd = "wire-\udcff"
    write(tmp_path / "one" / "a.jsonl", [{"id": odd, "text": WIRE}, {"id": "a1", "text": prose(1)}])
    write(tmp_path / "two" / "b.jsonl", [{"id": "b1", "text": edited(WIRE)}])
    r1 = run([str(tmp_path / "one")], tmp_path / "out1", Config(), RunOptions(jobs=1, progress="off", index=index))
    assert r1.stats.errors == 0 and r1.index_paragraphs == 6
    r2 = run([str(tmp_path / "two")], tmp_path / "out2", Config(), RunOptions(jobs=1, progress="off", index=index))
    assert r2.stats.errors == 0
    found = d001(tmp_path / "out2" / "b.jsonl")["b1"]
    assert [f["data"]["duplicate_of"]["path"] for f in found] == [odd] * 3  # the same string, read back from the index
    assert found[0]["message"].startswith(f"near-duplicate of {odd} paragraph 1, J=")


def test_an_index_of_the_earlier_layout_is_read_and_extended_alike(tmp_path, monkeypatch):
    """Rows of earlier versions also held the signature and band hashes (in a write-ahead-logged file): such a
    file is read, re-signed a few rows at a time to the values it holds, and extended (those columns left
    empty in the new rows), with the findings of a new file."""
    import sqlite3

    from cleaner.dedup import index
    from cleaner.dedup.core import DedupParams

    def earlier_add(self, new):  # what an earlier version wrote for a batch
        sigs = np.ascontiguousarray(new.sigs, dtype="<u4")
        bands = np.ascontiguousarray(new.hashes, dtype="<u8")
        self.db.executemany("INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(*row, sigs[k].tobytes(), bands[k].tobytes()) for k, row in enumerate(new.rows())])
        self.bands.add(new.ids, new.hashes, new.order)

    def earlier_run_done():
        monkeypatch.undo()  # (the later run is this version's)
        monkeypatch.setattr(index, "REOPEN_ROWS", 4)  # (27 rows when the later run opens the file: seven parts)
        db = sqlite3.connect(old)
        db.execute("PRAGMA journal_mode=WAL")  # (as earlier versions left it)
        db.close()

    old = tmp_path / "old.sqlite"
    db = sqlite3.connect(old)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); CREATE TABLE paragraphs (id INTEGER "
                     "PRIMARY KEY, doc TEXT, number INTEGER, start INTEGER, end_ INTEGER, shingles BLOB, sig BLOB, "
                     "bands BLOB);")
    db.commit()
    db.close()
    check_two_runs(tmp_path / "b", str(tmp_path / "new.sqlite"))
    monkeypatch.setattr(index.SQLiteStore, "add", earlier_add)
    check_two_runs(tmp_path / "a", str(old), between=earlier_run_done)
    db = sqlite3.connect(old)
    assert db.execute("SELECT COUNT(*), COUNT(sig), COUNT(bands) FROM paragraphs").fetchone() == (31, 27, 27)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    rows = db.execute("SELECT shingles, sig, bands FROM paragraphs WHERE sig IS NOT NULL ORDER BY id").fetchall()
    db.close()
    sizes = [len(sh) // 4 for sh, _, _ in rows]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    sigs, hashes = index.signed_sets(offsets, np.frombuffer(b"".join(sh for sh, _, _ in rows), dtype="<u4").astype(np.uint32),
                                     DedupParams())
    assert sigs.astype("<u4").tobytes() == b"".join(sig for _, sig, _ in rows)  # what the earlier version stored
    assert hashes.astype("<u8").tobytes() == b"".join(bands for _, _, bands in rows)
    for name in ("out1/a.jsonl", "out2/b.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_an_index_file_with_other_pages_is_reused_as_it_is(tmp_path):
    """New index files get 64 KB pages; one written with smaller pages (earlier versions: 16 KB) opens and works alike."""
    import sqlite3

    old = tmp_path / "old.sqlite"
    db = sqlite3.connect(old)
    db.execute("PRAGMA page_size=4096")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")  # as an earlier version left it
    db.commit()
    db.close()
    check_two_runs(tmp_path / "a", str(old))
    check_two_runs(tmp_path / "b", str(tmp_path / "new.sqlite"))
    for path, size in ((old, 4096), (tmp_path / "new.sqlite", 65536)):
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA page_size").fetchone()[0] == size
        assert db.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0] == 31
        db.close()
    for name in ("out1/a.jsonl", "out2/b.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_streaming_pass_agrees_with_the_in_memory_clusters(tmp_path):
    docs = {"d0": prose(1), "d1": edited(prose(1)), "d2": prose(2), "d3": prose(7, 1) + "\n" + prose(2, 1),
            "d4": edited(edited(prose(1)))}
    write(tmp_path / "in" / "c.jsonl", [{"id": k, "text": v} for k, v in docs.items()])
    run([str(tmp_path / "in")], tmp_path / "out", Config(), RunOptions(jobs=1, progress="off"))
    got = sorted((doc, f["data"]["paragraph"], f["data"]["duplicate_of"]["path"], f["data"]["duplicate_of"]["paragraph"])
                 for doc, fs in d001(tmp_path / "out" / "c.jsonl").items() for f in fs)
    want = sorted((m.ref.doc, m.ref.number, c.representative.doc, c.representative.number)
                  for c in find_near_duplicates(docs).clusters for m in c.duplicates)
    assert got == want and len(got) == 3 + 3 + 1


def test_index_settings_must_match(tmp_path):
    from cleaner.io.files import InputError

    write(tmp_path / "in" / "a.jsonl", [{"id": "x", "text": WIRE}])
    idx = str(tmp_path / "i.sqlite")
    run([str(tmp_path / "in")], tmp_path / "o1", Config(), RunOptions(jobs=1, progress="off", index=idx))
    with pytest.raises(InputError, match="threshold"):
        run([str(tmp_path / "in")], tmp_path / "o2", Config(dedup={"threshold": 0.6}),
            RunOptions(jobs=1, progress="off", index=idx))


def test_ignoring_d001_turns_the_pass_off(tmp_path):
    write(tmp_path / "in" / "a.jsonl", [{"id": "x", "text": WIRE}, {"id": "y", "text": WIRE}])
    r = run([str(tmp_path / "in")], tmp_path / "o", Config(ignore=["D001"]), RunOptions(jobs=1, progress="off"))
    assert r.stats.duplicates == 0 and r.index_paragraphs is None
    assert d001(tmp_path / "o" / "a.jsonl") == {"x": [], "y": []}


def test_redis_index_is_reused_across_runs(tmp_path, redis_url):
    check_two_runs(tmp_path, redis_url)


def test_unreachable_redis_is_a_clear_error(tmp_path):
    pytest.importorskip("redis")
    from cleaner.io.files import InputError

    write(tmp_path / "in" / "a.jsonl", [{"id": "x", "text": WIRE}])
    with pytest.raises(InputError, match="cannot reach"):
        run([str(tmp_path / "in")], tmp_path / "o", Config(),
            RunOptions(jobs=1, progress="off", index=f"redis://127.0.0.1:{free_port()}/0"))


def test_drop_duplicates_removes_repeats_and_stays_restorable(tmp_path, monkeypatch):
    from cleaner.engine import restore_text
    from cleaner.model import Edit

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    records = [{"id": "w1", "text": WIRE}, {"id": "o1", "text": prose(50)},
               {"id": "w2", "text": prose(51, 1) + "\n" + edited(WIRE)}]
    write(tmp_path / "in" / "a.jsonl", records)
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        r = run([str(tmp_path / "in")], out, Config(drop_duplicates=True), RunOptions(jobs=jobs, progress="off"))
        outs.append((out / "a.jsonl").read_bytes())
    assert outs[0] == outs[1]
    got = [json.loads(x) for x in outs[0].decode().splitlines()]
    assert got[0]["text"] == WIRE and got[1]["text"] == prose(50)
    assert got[2]["text"] == prose(51, 1)  # the three repeated paragraphs are gone
    assert r.stats.edits["D001"] == 3 and r.stats.duplicates == 3
    for rec, orig in zip(got, records):
        edits = [Edit.from_json(e) for e in rec["cleaner"]["edits"]]
        assert restore_text(rec["text"], edits) == orig["text"]
    assert all("dropped" in e["reason"] for e in got[2]["cleaner"]["edits"] if e["code"] == "D001")


def test_drop_duplicates_on_text_files_rewrites_file_and_log(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(WIRE, encoding="utf-8")
    (src / "b.txt").write_text(prose(9, 1) + "\n" + edited(WIRE), encoding="utf-8")
    out = tmp_path / "out"
    run([str(src)], out, Config(drop_duplicates=True), RunOptions(jobs=1, progress="off"))
    assert (out / "b.txt").read_text(encoding="utf-8") == prose(9, 1)
    from cleaner.pipeline import restore_run

    done, errors = restore_run(out, tmp_path / "back")
    assert done == 2 and not errors
    assert (tmp_path / "back" / "b.txt").read_bytes() == (src / "b.txt").read_bytes()


# --- the signature prefilter of the streaming pass ---------------------------


def test_signature_filter_keeps_every_pair_the_in_memory_prefilter_keeps():
    """The low-byte bound is conservative: a pair that passes on its full signatures is never dropped."""
    import numpy as np

    from cleaner.dedup.core import DedupParams, _may_pass
    from cleaner.dedup.index import SignatureFilter

    params = DedupParams()
    rng = np.random.default_rng(4)
    reps = rng.integers(0, 2**32, size=(300, 128), dtype=np.uint64).astype(np.uint32)
    batch = reps[rng.integers(0, 300, size=200)].copy()
    # vary how many values each batch row shares with its source: from none to all
    for k, row in enumerate(batch):
        changed = rng.choice(128, size=int(128 * (k % 11) / 10), replace=False)
        row[changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint64).astype(np.uint32)
    rep_sizes = rng.integers(5, 80, size=300)
    sizes = rng.integers(5, 80, size=200)
    f = SignatureFilter(params)
    ids = np.arange(1, 301)
    f.add(ids, reps, rep_sizes)
    rows = np.repeat(np.arange(200), 300)
    cand = np.tile(ids, 200)
    keep = f.keep(rows, cand, batch, sizes)
    est = (batch[rows] == reps[cand - 1]).mean(axis=1)
    exact_keep = _may_pass(est, sizes[rows], rep_sizes[cand - 1], params, float(params.prefilter_margin))
    assert exact_keep.any() and (~keep).any()
    assert not (exact_keep & ~keep).any()  # never drops what the full-signature test keeps
    # representatives it has never seen are always kept; no margin means no filter
    unseen = f.keep(np.array([0]), np.array([5000]), batch, sizes)
    assert unseen.tolist() == [True]
    assert SignatureFilter(DedupParams(prefilter_margin=None)).keep(rows, cand, batch, sizes).all()


def test_streaming_pass_finds_the_same_duplicates_with_and_without_the_prefilter(tmp_path):
    docs = [{"id": f"a{i}", "text": prose(i)} for i in range(12)] + [{"id": "wire-1", "text": WIRE}]
    docs += [{"id": "wire-2", "text": edited(WIRE)}, {"id": "mix", "text": prose(3, paragraphs=1) + "\n" + prose(7)}]
    write(tmp_path / "in" / "a.jsonl", docs)
    outs = []
    for name, margin in (("on", 0.15), ("off", None)):
        config = Config(dedup={"prefilter_margin": margin})
        run([str(tmp_path / "in")], tmp_path / name, config, RunOptions(jobs=1, progress="off"))
        outs.append(d001(tmp_path / name / "a.jsonl"))
    assert outs[0] == outs[1]
    assert len(outs[0]["wire-2"]) == 3


def test_a_reused_index_prefilters_with_the_stored_signatures(tmp_path):
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import CorpusDedup

    check_two_runs(tmp_path, str(tmp_path / "idx.sqlite"))
    dedup = CorpusDedup(str(tmp_path / "idx.sqlite"), DedupParams())
    known = dedup.filter.size[: dedup.filter.top + 1] >= 0  # (the arrays are set up to the largest id only)
    assert int(known.sum()) == dedup.count() == 31  # every stored representative, signature and size
    dedup.store.close()


def test_redis_index_stores_signatures_for_the_prefilter(tmp_path, redis_url):
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import CorpusDedup

    check_two_runs(tmp_path, redis_url)
    dedup = CorpusDedup(redis_url, DedupParams())
    assert int((dedup.filter.size[: dedup.filter.top + 1] >= 0).sum()) == dedup.count() == 31


def test_a_paragraph_matching_several_representatives_names_the_oldest(tmp_path):
    words = " ".join(f"w{k}" for k in range(60)).split()
    x, y, z = words[0:30], words[14:44], words[7:37]  # x~z and y~z pass, x~y does not
    write(tmp_path / "in" / "a.jsonl", [{"id": "first", "text": " ".join(x) + ".\n"},
                                        {"id": "second", "text": " ".join(y) + ".\n"},
                                        {"id": "third", "text": " ".join(z) + ".\n"}])
    run([str(tmp_path / "in")], tmp_path / "out", Config(), RunOptions(jobs=1, progress="off"))
    got = d001(tmp_path / "out" / "a.jsonl")
    assert got["first"] == [] and got["second"] == []  # x and y are both representatives
    assert [f["data"]["duplicate_of"]["path"] for f in got["third"]] == ["first"]


def test_a_small_representative_cache_gives_the_same_findings(tmp_path, monkeypatch):
    """The cache of representatives only spares store reads: evicting (or never holding) sets changes nothing."""
    from cleaner.dedup import index

    docs = [{"id": f"a{i}", "text": prose(i)} for i in range(12)] + [{"id": "wire-1", "text": WIRE}]
    docs += [{"id": f"wire-{k}", "text": edited(WIRE) if k % 2 else WIRE} for k in range(2, 9)]
    write(tmp_path / "in" / "a.jsonl", docs)
    run([str(tmp_path / "in")], tmp_path / "big", Config(), RunOptions(jobs=1, progress="off", batch_docs=3))
    monkeypatch.setattr(index, "REP_CACHE_VALUES", 50)  # a set or two: compacted, grown
    assert index.RepCache().capacity == 50  # (the setting reaches the cache)
    run([str(tmp_path / "in")], tmp_path / "small", Config(), RunOptions(jobs=1, progress="off", batch_docs=3))
    assert (tmp_path / "big" / "a.jsonl").read_bytes() == (tmp_path / "small" / "a.jsonl").read_bytes()
    assert sum(len(f) for f in d001(tmp_path / "small" / "a.jsonl").values()) >= 3 * 7


def test_compiled_streaming_kernels_give_the_numpy_results(monkeypatch):
    """Band lookups, distinct sorted sets and first matches: the same with and without numba."""
    from cleaner.dedup import _fast
    from cleaner.dedup.cluster import Verifier
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import BandIndex, CorpusDedup, Rep, RepCache, SignatureFilter
    from cleaner.dedup.minhash import shingle_batch

    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    rng = np.random.default_rng(3)
    pool = rng.integers(0, 2**64 - 1, 40, dtype=np.uint64)  # few distinct hashes: crowded buckets
    bands = BandIndex(5)
    for k in range(9):
        bands.add(np.arange(20 * k, 20 * k + 20), rng.choice(pool, (20, 5)))
    queries = rng.choice(pool, (30, 5))
    texts = [prose(i % 6, paragraphs=1, words=12 + i) for i in range(40)] + ["", "too short"]
    batch = shingle_batch(texts, 3)
    rows = np.array([0, 3, 5, 6, 7, 8, 11, 20, 39, 40, 41])
    sets = batch.shingle_sets(rows)
    verifier = Verifier(sets, 0.4, containment=0.9, min_containment_shingles=8)
    pairs = np.array([(a, b) for b in range(len(rows)) for a in range(len(rows)) if a != b and (a * b) % 3 != 1])
    dedup = CorpusDedup.__new__(CorpusDedup)
    stored = SignatureFilter(DedupParams())
    sigs = rng.integers(0, 1 << 32, (60, 128), dtype=np.uint32) | 0xF0  # low bytes from a few values
    stored.add(np.arange(10, 50), sigs[:40], rng.integers(1, 80, 40))
    cand_rows, cand_ids = rng.integers(0, 20, 500), rng.integers(0, 60, 500)
    keep_args = (cand_rows, cand_ids, sigs[40:], rng.integers(1, 80, 20))
    # the representatives: the batch's sets, cached under ids 100.. (pair (a, b): representative 100 + a, row b)
    dedup.params, dedup.cache = DedupParams(), RepCache()
    dedup.cache.add([Rep(100 + k, f"r{k}", k, 0, 1, sets.shingles(k)) for k in range(len(rows))])
    cand_pairs = (pairs[:, 1], pairs[:, 0] + 100)
    fast = (bands.lookup_pairs(queries), sets, dedup._first_matches(sets, *cand_pairs), stored.keep(*keep_args))
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    slow = (bands.lookup_pairs(queries), batch.shingle_sets(rows), dedup._first_matches(sets, *cand_pairs),
            stored.keep(*keep_args))
    # one comparison at a time: a paragraph's first candidate that verifies
    want = {}
    for a, b in pairs.tolist():
        sim = verifier.similarity(a, b)
        if b not in want and sim.ok:
            want[b] = (100 + a, sim)
    assert fast[2] == want
    assert np.array_equal(fast[3], slow[3]) and 0 < fast[3].sum() < len(fast[3])
    assert all(np.array_equal(f, s) for f, s in zip(fast[0], slow[0])) and len(fast[0][0])
    assert np.array_equal(fast[1].offsets, slow[1].offsets) and np.array_equal(fast[1].values, slow[1].values)
    for k, i in enumerate(rows.tolist()):
        assert np.array_equal(sets.shingles(k), np.unique(batch.shingles(i)))
    assert fast[2] == slow[2] and fast[2]
    assert DedupParams().threshold == verifier.threshold


def test_findings_are_worded_as_the_in_memory_stage_words_them():
    from cleaner.dedup.cluster import Similarity
    from cleaner.dedup.core import DuplicateCluster, Member, ParagraphRef
    from cleaner.dedup.index import CorpusDedup, Rep
    from cleaner.dedup.stage import _data, _message

    dedup = CorpusDedup.__new__(CorpusDedup)
    dedup.severity = "warning"
    rep = Rep(17, "wire-1", 4, 120, 480, np.zeros(0, dtype=np.uint32))
    where = (3, 1, 3, 90)
    for sim in (Similarity(0.61234, 0.9, "jaccard", 0.61234), Similarity(0.3, 0.951, "containment", 0.951)):
        got = dedup._finding(rep, "wire-2", 2, 10, 99, where, sim)
        rep_ref = ParagraphRef(rep.doc, rep.number, rep.start, rep.end, "")
        me = Member(ParagraphRef("wire-2", 2, 10, 99, ""), sim.score, sim.measure, sim.jaccard, sim.containment)
        cluster = DuplicateCluster(rep.id, rep_ref, [Member(rep_ref, 1.0, "representative", 1.0, 1.0), me])
        want = {"start": 10, "end": 99, "line": 3, "column": 1, "end_line": 3, "end_column": 90, "code": "D001", "name": "near-duplicate",
                "message": _message(cluster, me), "severity": "warning", "data": _data(cluster, me)}
        assert json.dumps(got) == json.dumps(want)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bc", " ", "\n", "\n\n", "\u2028", "\x85", "é"]), max_size=40).map("".join),
       st.lists(st.integers(0, 80), max_size=12))
def test_line_columns_are_the_line_index_positions(text, cuts):
    from cleaner.dedup.index import _line_columns
    from cleaner.pipeline import LineIndex

    offsets = sorted(min(c, len(text)) for c in cuts)
    bounds = list(zip(offsets[0::2], offsets[1::2]))
    bounds += [(b, b) for b in offsets[:3]]  # out of text order too
    index = LineIndex(text)
    assert _line_columns(text, bounds) == [(*index.position(s), *index.position(e)) for s, e in bounds]


def test_signed_paragraphs_are_placed_in_the_original_text_as_before(tmp_path):
    """Rows of ParagraphSigner.paragraphs: original offsets through the edits, lines and columns as LineIndex gives them."""
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import ParagraphSigner
    from cleaner.dedup.segment import segment_paragraphs
    from cleaner.engine import OffsetMap
    from cleaner.model import Document
    from cleaner.pipeline import LineIndex, clean_document

    texts = [prose(7) + "\n" + "Caf\u00e9 ne\u00adws \u201cquoted\u201d  text   with   spaces " * 6 + "\n", "\r\n".join(prose(8).split("\n")),
             "  \n" + prose(9, paragraphs=1) * 3, prose(10)]
    docs = [(k, clean_document(Document(id=f"d{k}", text=t), Config())) for k, t in enumerate(texts)]
    assert any(d.edits for _, d in docs) and any(not d.edits for _, d in docs)
    params = DedupParams()
    out = ParagraphSigner(params, *params.bands_rows()).paragraphs(docs)
    expected = []
    for pos, doc in docs:
        omap, index = OffsetMap(doc.edits), LineIndex(doc.text)
        for para in segment_paragraphs(doc.cleaned if doc.cleaned is not None else doc.text):
            if len(para.text.split()) < params.min_words:
                continue
            start = omap.to_original(para.start, right=True)
            end = max(start, omap.to_original(para.end, right=False))
            expected.append((pos, doc.id, para.number, start, end, (*index.position(start), *index.position(end)),
                             (para.number, para.start, para.end, para.kind, para.first_line, para.last_line)))
    assert list(out["items"]) == expected


def test_candidate_pairs_from_given_band_hashes_are_the_same():
    from cleaner.dedup.lsh import band_hashes, band_hashes_by_band, candidate_pairs

    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 4, size=(300, 128), dtype=np.uint32)  # many equal bands
    for bands, rows in ((32, 4), (9, 13)):
        by_band = band_hashes_by_band(sigs, None, bands, rows)
        assert (by_band.T == band_hashes(sigs, bands, rows)).all()
        valid = rng.random(300) < 0.8
        given = band_hashes_by_band(sigs, np.flatnonzero(valid), bands, rows)
        assert np.array_equal(candidate_pairs(sigs, bands, rows, valid=valid, hashes=given),
                              candidate_pairs(sigs, bands, rows, valid=valid))


def _a_finding(doc: str, rep_doc: str, sim: float, jac: float, cont: float, measure: str, start: int = 5):
    from cleaner.dedup.cluster import Similarity
    from cleaner.dedup.index import CorpusDedup, Rep

    dedup = CorpusDedup.__new__(CorpusDedup)  # _finding needs only the severity
    dedup.severity = "warning"
    rep = Rep(12, rep_doc, 3, 40, 90, np.zeros(0, dtype=np.uint32))
    return dedup._finding(rep, doc, 7, start, start + 50, (2, 1, 2, 51), Similarity(jac, cont, measure, sim))


@pytest.mark.parametrize("doc, rep_doc", [("a", "b"), ("Caf\u00e9 \u201cq\u201d/\\\"x\"\t\n", "\u00e9\u4e2d\U0001f600\x00\x1f"),
                                          ("\ud800lone", "b")])
@pytest.mark.parametrize("sim, jac, cont, measure", [(0.78125, 0.78125, 0.9, "jaccard"), (1.0, 1 / 3, 1.0, "containment"),
                                                     (0.4, 0.4, 0.123456789, "jaccard"), (np.float64(0.5), 0.5, 0.5, "jaccard"),
                                                     (float("nan"), 1e-300, float("-inf"), "jaccard")])
def test_d001_findings_encode_as_the_json_module_does(doc, rep_doc, sim, jac, cont, measure):
    """The record writer's encoder (cleaner.pipeline.to_json) on every kind of value a D001 finding holds."""
    from cleaner.pipeline import to_json as _to_json

    f = _a_finding(doc, rep_doc, sim, jac, cont, measure)
    assert _to_json(f) == json.dumps(f, ensure_ascii=False, separators=(",", ":"))


def _a_match(doc: str, rep_doc: str, sim: float, jac: float, cont: float, measure: str, start: int = 5,
             severity: str = "warning"):
    """A :meth:`CorpusDedup.matches` row and the CorpusDedup to word it."""
    from cleaner.dedup.cluster import Similarity
    from cleaner.dedup.index import CorpusDedup, Rep

    dedup = CorpusDedup.__new__(CorpusDedup)  # finding() and finding_json() need only the severity
    dedup.severity = severity
    rep = Rep(12, rep_doc, 3, 40, 90, np.zeros(0, dtype=np.uint32))
    return dedup, (0, doc, rep, 7, start, start + 50, (2, 1, 2, 51), Similarity(jac, cont, measure, sim),
                   (7, 0, 50, "line", 0, 0))


@pytest.mark.parametrize("doc, rep_doc", [("a", "b"), ("Caf\u00e9 \u201cq\u201d/\\\"x\"\t\n", "\u00e9\u4e2d\U0001f600\x00\x1f"),
                                          ("\ud800lone", "b"), ("\u2028\x7f\x85", "b\udcff")])
@pytest.mark.parametrize("sim, jac, cont, measure", [(0.78125, 0.78125, 0.9, "jaccard"), (1.0, 1 / 3, 1.0, "containment"),
                                                     (0.4, 0.4, 0.123456789, "jaccard"), (np.float64(0.5), 0.5, 0.5, "jaccard"),
                                                     (float("nan"), 1e-300, float("-inf"), "jaccard"),
                                                     (float("inf"), 1e22, 5e-324, "j\"acc"), (1, 0, 1, "containment")])
def test_d001_finding_json_is_the_encoded_finding(doc, rep_doc, sim, jac, cont, measure):
    """finding_json writes the text the record encoder writes for the finding's dict, without building it."""
    from cleaner.pipeline import to_json

    for severity in ("warning", "a \"loud\" one\n"):
        dedup, m = _a_match(doc, rep_doc, sim, jac, cont, measure, severity=severity)
        assert dedup.finding_json(m) == to_json(dedup.finding(m)) == json.dumps(dedup.finding(m), ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12), st.floats(), st.floats(), st.floats(),
       st.sampled_from(["jaccard", "containment", ""]), st.integers(0, 10**12))
def test_d001_finding_json_is_the_encoded_finding_for_any_value(doc, rep_doc, sim, jac, cont, measure, start):
    from cleaner.pipeline import to_json

    dedup, m = _a_match(doc, rep_doc, sim, jac, cont, measure, start=start)
    assert dedup.finding_json(m) == to_json(dedup.finding(m))
    assert dedup.paragraph(m).number == 7 and dedup.paragraph(m).text == ""


@pytest.mark.parametrize("kept", [1 << 16, 2])
def test_d001_finding_json_pieces_kept_across_findings_write_each_finding_as_encoded(kept, monkeypatch):
    """Pieces of finding JSON kept by representative and similarity: never those of an equal but other-written value."""
    from cleaner.dedup import index
    from cleaner.dedup.cluster import Similarity
    from cleaner.dedup.index import CorpusDedup, Rep
    from cleaner.pipeline import to_json

    monkeypatch.setattr(index, "_JSON_PARTS", kept)  # 2: the pieces are dropped again and again
    dedup = CorpusDedup.__new__(CorpusDedup)
    dedup.severity = "warning"
    reps = [Rep(k, f"doc \"{k % 3}\"", k, 10 * k, 10 * k + 5, np.zeros(0, dtype=np.uint32)) for k in range(1, 5)]
    sims = [Similarity(0.5, 0.75, "jaccard", 0.5), Similarity(np.float64(0.5), 0.75, "jaccard", np.float64(0.5)),
            Similarity(1, 1, "jaccard", 1), Similarity(1.0, 1.0, "jaccard", 1.0), Similarity(0.0, 1.0, "containment", 1.0),
            Similarity(-0.0, 1.0, "containment", 1.0), Similarity(0.5, 0.75, "containment", 0.75),
            Similarity(float("nan"), 0.9, "jaccard", float("nan")), Similarity(0.123456, 0.98765, "containment", 0.98765)]
    rng = random.Random(4)
    for k in range(300):
        rep, sim = rng.choice(reps), rng.choice(sims)
        m = (0, rng.choice(["a", "b\u00e9"]), rep, k, k, k + 9, (1, k, 2, 3), sim, (k, 0, 9, "line", 0, 0))
        assert dedup.finding_json(m) == to_json(dedup.finding(m))
    assert 0 < len(dedup._json_parts[0]) <= kept and 0 < len(dedup._json_parts[1]) <= kept


def test_findings_spliced_as_text_are_the_findings_spliced_as_dicts():
    """_add_findings with the findings' JSON texts (the D001 path) gives the line it gives for their dicts."""
    from cleaner.batch import _add_findings, _record_line

    own = [{"start": s, "end": e, "code": c, "message": "m"} for s, e, c in [(0, 4, "Q001"), (5, 55, "Z001"), (9, 9, "A001")]]
    own.sort(key=lambda f: (f["start"], f["end"], f["code"]))
    line, slots = _record_line({"id": "x", "text": "t"}, {"edits": [], "findings": own})
    found = [_a_match("x", "wire", 0.8, 0.8, 0.9, "jaccard", start=s) for s in (5, 0, 9, 70)]
    dicts = [dedup.finding(m) for dedup, m in found]
    want = _add_findings(line, slots, dicts)
    got = _add_findings(line, slots, [(f["start"], f["end"], f["code"]) for f in dicts],
                        [dedup.finding_json(m) for dedup, m in found])
    assert got == want and want is not None
    assert json.loads(got[0])["cleaner"]["findings"] == sorted(own + dicts, key=lambda f: (f["start"], f["end"], f["code"]))
    bad = _a_match("\ud800", "wire", 0.8, 0.8, 0.9, "jaccard")
    assert _add_findings(line, slots, [(5, 55, "D001")], [bad[0].finding_json(bad[1])]) is None  # not UTF-8: the caller's fallback


def test_new_representatives_are_stored_and_cached_column_by_column_as_rep_by_rep(tmp_path):
    """RepBatch rows are the blobs of each Rep; the cache holds the same representatives whichever way they came;
    a SQLite store gives them back, with the signatures and band hashes of their sets."""
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import Rep, RepBatch, RepCache, SQLiteStore, signed_sets

    rng = np.random.default_rng(7)
    sizes = rng.integers(0, 9, 6)
    sizes[2] = 0  # (an empty set)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    values = rng.integers(0, 2**32, int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    params = DedupParams()
    sigs, hashes = signed_sets(offsets, values, params)
    assert sigs.shape == (6, 128) and hashes.shape == (6, params.bands_rows()[0])
    docs, numbers, starts, ends = ["d\u00e9", "d\u00e9", "x", "y", "x", "z"], [1, 2, 1, 1, 3, 9], [0, 5, 0, 7, 9, 1], [4, 9, 3, 8, 20, 2]
    new = RepBatch(np.arange(40, 46), docs, numbers, starts, ends, offsets, values, sigs, hashes)
    reps = [Rep(40 + k, docs[k], numbers[k], starts[k], ends[k], values[offsets[k] : offsets[k + 1]]) for k in range(6)]
    assert new.rows() == [(r.id, r.doc, r.number, r.start, r.end, r.shingles.astype("<u4").tobytes()) for r in reps]
    by_batch, by_rep = RepCache(capacity=20), RepCache(capacity=20)  # (small: compacted on the way)
    for cache, add in ((by_batch, by_batch.add_batch), (by_rep, by_rep.add)):
        cache.fetch(np.arange(0), None)
        add(new if add == by_batch.add_batch else reps)
        cache.fetch(np.arange(0), None)
        add(RepBatch(np.arange(50, 52), ["q", "x"], [1, 2], [0, 1], [1, 2], np.array([0, 15, 30]),
                     np.arange(30, dtype=np.uint32), sigs[:2], hashes[:2])
            if add == by_batch.add_batch else
            [Rep(50, "q", 1, 0, 1, np.arange(15, dtype=np.uint32)), Rep(51, "x", 2, 1, 2, np.arange(15, 30, dtype=np.uint32))])
    assert by_batch.docs == by_rep.docs and np.array_equal(by_batch.offset >= 0, by_rep.offset >= 0)
    cached = np.flatnonzero(by_batch.offset >= 0)
    assert len(cached) and all(np.array_equal(x, y) for x, y in zip(by_batch.sets(cached), by_rep.sets(cached)))
    got, want = by_batch.reps(cached.tolist()), by_rep.reps(cached.tolist())
    assert [(r.id, r.doc, r.number, r.start, r.end, r.shingles.tolist()) for r in got.values()] == [
        (r.id, r.doc, r.number, r.start, r.end, r.shingles.tolist()) for r in want.values()]
    store = SQLiteStore(str(tmp_path / "i.sqlite"), {}, params)
    store.add(new)
    store.commit()
    seen = []
    again = SQLiteStore(str(tmp_path / "i.sqlite"), {}, params, lambda *part: seen.append(part))  # a later run
    assert len(seen) == 1 and all(np.array_equal(x, y) for x, y in zip(seen[0], again.signatures()))
    back = again.fetch(set(range(40, 46)))
    assert [(r.id, r.doc, r.number, r.start, r.end, r.shingles.tolist()) for r in back.values()] == [
        (r.id, r.doc, r.number, r.start, r.end, r.shingles.tolist()) for r in reps]
    ids, stored_sigs, stored_sizes = again.signatures()
    assert ids.tolist() == list(range(40, 46)) and np.array_equal(stored_sigs, sigs) and stored_sizes.tolist() == sizes.tolist()
    rows, found = again.lookup_pairs(sigs, hashes[[3, 0]])
    assert set(zip(rows.tolist(), found.tolist())) >= {(0, 43), (1, 40)}
    assert again.reserve(1) == 46
    store.close()
    again.close()


def test_band_index_levels_merge_as_a_stable_sort_with_and_without_numba(monkeypatch):
    """The compiled merge of two levels keeps every band sorted, older entries first on equal keys."""
    from cleaner.dedup import _fast
    from cleaner.dedup.index import BandIndex

    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    rng = np.random.default_rng(5)
    pool = rng.integers(0, 2**64 - 1, 30, dtype=np.uint64)  # many equal keys
    sizes = [int(x) for x in rng.integers(1, 40, 25)]
    adds = [(np.arange(1000 * k, 1000 * k + n), rng.choice(pool, (n, 4))) for k, n in enumerate(sizes)]
    levels = []
    for compiled in (True, False):
        monkeypatch.setattr(_fast, "AVAILABLE", compiled)
        index = BandIndex(4)
        for ids, hashes in adds:
            index.add(ids, hashes)
        levels.append(index.levels)
    assert len(levels[0]) == len(levels[1]) > 1 and any(k.shape[1] > 40 for k, _ in levels[0])
    for (k1, i1), (k2, i2) in zip(*levels):
        assert np.array_equal(k1, k2) and np.array_equal(i1, i2)
    # every band of a level is sorted, and ids (given in increasing order) increase among equal keys
    for k, i in levels[0]:
        assert (np.diff(k, axis=1) >= 0).all()
        assert ((np.diff(k, axis=1) > 0) | (np.diff(i, axis=1) > 0)).all()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 50, 5000])
def test_distinct_is_np_unique(n):
    from cleaner.dedup._fast import distinct

    rng = np.random.default_rng(n)
    values = rng.integers(-5, 20 if n < 100 else 1 << 40, n)
    values = np.concatenate([values, values[: n // 2]])
    got = distinct(values.copy())
    assert np.array_equal(got, np.unique(values)) and got.dtype == values.dtype


@pytest.mark.parametrize("threshold, num_perm", [(0.99, 64), (0.8, 128)])
def test_signed_band_hashes_are_the_signatures_bands_for_any_band_count(threshold, num_perm):
    """The band hashes the signer sends to the index are those of its signatures (one band included)."""
    from cleaner.dedup.core import DedupParams
    from cleaner.dedup.index import ParagraphSigner, signed_sets
    from cleaner.dedup.lsh import band_hashes
    from cleaner.model import Document

    params = DedupParams(threshold=threshold, num_perm=num_perm)
    bands, rows = params.bands_rows()
    docs = [(k, Document(id=f"d{k}", text=prose(k % 5, paragraphs=4))) for k in range(12)]  # repeats: in-batch pairs
    out = ParagraphSigner(params, bands, rows).paragraphs(docs)
    assert len(out["pairs"][0]) > 0
    assert np.array_equal(out["hashes"], band_hashes(out["sigs"], bands, rows))
    # what a SQLite index computes again from the stored sets when it is opened
    sigs, hashes = signed_sets(out["shingles"].offsets, out["shingles"].values, params)
    assert np.array_equal(sigs, out["sigs"]) and np.array_equal(hashes, out["hashes"])
    if threshold == 0.99:
        assert bands == 1


def _reworded(text: str, words: int, seed: int) -> str:
    """*text* with *words* words of every paragraph replaced by others (a heavier edit than :func:`edited`)."""
    rng = random.Random(seed)
    out = []
    for para in text.split("\n\n"):
        w = para.split(" ")
        for k in rng.sample(range(len(w)), min(words, len(w))):
            w[k] = rng.choice(VOCAB)
        out.append(" ".join(w))
    return "\n\n".join(out)


def test_similarities_counted_ahead_give_the_findings_of_one_comparison_at_a_time(tmp_path, monkeypatch):
    """Paragraphs weighed against the indexed representative of an earlier copy in their batch: the pairs
    counted at once (CorpusDedup._owned_similarities) give the same output and index as comparing each pair
    when the loop meets it."""
    from cleaner.dedup.index import CorpusDedup

    # every batch: a light copy of the wire text (a repeat of the indexed one), then heavier ones, some
    # too far from it to share a band with it
    docs = [{"id": "wire-0", "text": WIRE}] + [{"id": f"a{i}", "text": prose(i)} for i in range(5)]
    docs += [{"id": f"copy-{g}-{k}", "text": _reworded(WIRE, 2 if k == 0 else 5 + k % 4, 10 * g + k)}
             for g in range(12) for k in range(6)]
    write(tmp_path / "in" / "a.jsonl", docs)
    counted = []
    owned = CorpusDedup._owned_similarities

    def spy(*args):
        got = owned(*args)
        counted.append(got)
        return got

    outputs = []
    for name, replacement in (("ahead", spy), ("one-by-one", lambda *args: {})):
        monkeypatch.setattr(CorpusDedup, "_owned_similarities", staticmethod(replacement))
        outputs.append(run_and_read(tmp_path, name, batch_docs=6))
    assert outputs[0] == outputs[1]
    pairs = [v for c in counted for v in c.values()]
    assert len(pairs) >= 10  # the pairs counted ahead were met (all rejected here: a copy that passes shares a band)
    assert sum(len(f) for f in d001(tmp_path / "ahead" / "a.jsonl").values()) >= 18


@pytest.mark.parametrize("kept", [1 << 16, 2])
def test_findings_json_of_many_matches_is_finding_json_of_each(kept, monkeypatch):
    """The batch writer of finding JSON gives each finding's encoded text, pieces kept or dropped along the way."""
    from cleaner.dedup import index
    from cleaner.dedup.cluster import Similarity
    from cleaner.dedup.index import CorpusDedup, Rep
    from cleaner.pipeline import to_json

    monkeypatch.setattr(index, "_JSON_PARTS", kept)
    dedup = CorpusDedup.__new__(CorpusDedup)
    dedup.severity = "warning"
    reps = [Rep(k, f"doc \u201c{k % 4}\u201d", k, 10 * k, 10 * k + 5, np.zeros(0, dtype=np.uint32)) for k in range(1, 7)]
    sims = [Similarity(0.5, 0.75, "jaccard", 0.5), Similarity(1.0, 1.0, "jaccard", 1.0), Similarity(1, 1, "jaccard", 1),
            Similarity(-0.0, 1.0, "containment", 1.0), Similarity(0.25, 0.9375, "containment", 0.9375),
            Similarity(float("inf"), 0.9, "jaccard", float("inf"))]
    rng = random.Random(7)
    matches = [(0, rng.choice(["a", "b\"\n"]), rng.choice(reps), k, k, k + 9, (1, k, 2, 3), rng.choice(sims),
                (k, 0, 9, "line", 0, 0)) for k in range(400)]
    assert dedup.findings_json(matches) == [to_json(dedup.finding(m)) for m in matches]
    assert dedup.findings_json([]) == []


def test_similarities_from_rows_are_similarity_from_each_row():
    """Shared objects for repeated values, and each the Similarity of its own row (zeros, signs, NaN, ints too)."""
    from cleaner.dedup.cluster import similarities_from, similarity_from

    rows = [(1, 1.0, 1.0), (1, 1.0, 1.0), (2, 0.25, 0.9375), (0, 0.0, 0.5), (0, -0.0, 0.5), (0, 0.0, 0.5),
            (1, float("nan"), 1.0), (1, float("nan"), 1.0), (1, 1, 1), (1, 1.0, 1.0), (2, 0.25, 0.9375), (0, 0.1, 0.2)]
    got = similarities_from(*zip(*rows))
    assert len(got) == len(rows)
    for sim, row in zip(got, rows):
        want = similarity_from(*row)
        assert repr(sim) == repr(want) and type(sim.jaccard) is type(want.jaccard)
    assert got[0] is got[1] is got[9] and got[2] is got[10] and got[8] is not got[0]
    assert repr(got[4].jaccard) == "-0.0" and repr(got[3].jaccard) == "0.0"


@pytest.mark.parametrize("m, n, pool", [(0, 5, 0), (1, 5, 0), (100, 3, 4), (1000, 300, 50), (3000, 400, 0), (5, 1000, 3)])
def test_galloping_band_lookup_gives_the_pairs_of_a_binary_search_and_of_numpy(m, n, pool, monkeypatch):
    """The compiled band look-up, which gallops from the previous answer: the same pairs, in the same order,
    as a binary search of each query (numpy's searchsorted), and (through BandIndex.lookup_pairs) as the
    numpy path."""
    from cleaner.dedup import _fast
    from cleaner.dedup.index import BandIndex

    if _fast.kernels() is None:
        pytest.skip("numba is not available")

    def searched(keys, ids, queries, order):
        rows, found = [], []
        for b in range(keys.shape[0]):
            for k, q in enumerate(queries[b]):
                lo, hi = np.searchsorted(keys[b], q, "left"), np.searchsorted(keys[b], q, "right")
                rows += [order[b, k]] * int(hi - lo)
                found += list(ids[b, lo:hi])
        return np.array(rows, dtype=np.int64), np.array(found, dtype=np.int64)

    rng = np.random.default_rng(m + n)
    for _ in range(3):
        if pool:  # few distinct hashes: long runs of equal keys, repeated queries
            values = rng.integers(-(2**63), 2**63 - 1, pool, dtype=np.int64)
            keys, queries = rng.choice(values, (4, m)), rng.choice(values, (4, n))
        else:  # half the queries are keys of the level, the others (almost surely) not
            keys = rng.integers(-(2**63), 2**63 - 1, (4, m), dtype=np.int64)
            hits = rng.choice(keys.ravel(), (4, n // 2)) if m else rng.integers(0, 9, (4, n // 2))
            queries = np.concatenate([hits, rng.integers(-(2**63), 2**63 - 1, (4, n - n // 2), dtype=np.int64)], axis=1)
        o = np.argsort(keys, axis=1, kind="stable")
        keys, ids = np.take_along_axis(keys, o, axis=1), o + 7
        order = np.argsort(queries, axis=1)
        queries = np.take_along_axis(queries, order, axis=1)
        got = _fast.bucket_members(keys, ids, queries, order)
        want = searched(keys, ids, queries, order)
        assert all(np.array_equal(x, y) for x, y in zip(got, want))
        assert len(got[0]) or not m or not pool
    index = BandIndex(4)
    index.add(np.arange(1, m + 1), np.ascontiguousarray(keys.T).view(np.uint64))
    hashes = np.ascontiguousarray(rng.permutation(queries, axis=1).T).view(np.uint64)
    compiled = index.lookup_pairs(hashes)
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    plain = index.lookup_pairs(hashes)
    assert all(np.array_equal(x, y) for x, y in zip(compiled, plain))


@pytest.mark.parametrize("threshold, containment, min_small", [(0.4, 0.9, 8), (0.5, None, 8), (0.0, 0.9, 0), (1.0, 0.5, 3),
                                                                (0.3, 1.0, 1)])
def test_first_verified_gives_the_verdict_of_a_full_comparison_for_every_overlap(threshold, containment, min_small):
    """The compiled verification stops a comparison once too few values are left to pass and skips pairs
    that cannot share enough: the same verdict, Jaccard and containment as comparing the whole sets, for
    every pair of sizes 0..24 and every overlap (the bounds of the tests, such as 0.4 = 2/5, included)."""
    from cleaner.dedup import _fast
    from cleaner.dedup.cluster import Verifier
    from cleaner.dedup.minhash import ShingleBatch

    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    rng = np.random.default_rng(7)
    reps, paras, cases = [], [], []
    for la in range(0, 25, 3 if containment is None else 1):
        for lb in range(0, 25):
            for c in range(0, min(la, lb) + 1):
                shared = rng.choice(1000, c, replace=False)
                reps.append(np.sort(np.concatenate([shared, 1000 + rng.choice(1000, la - c, replace=False)])))
                paras.append(np.sort(np.concatenate([shared, 2000 + rng.choice(1000, lb - c, replace=False)])))
                cases.append((la, lb, c))
    arena = np.concatenate(reps).astype(np.uint32)
    a_size = np.array([len(r) for r in reps], dtype=np.int64)
    a_start = np.concatenate([[0], np.cumsum(a_size)[:-1]])
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in paras])]).astype(np.int64)
    values = np.concatenate(paras).astype(np.uint32)
    n = len(cases)
    at, codes, jac, cont = _fast.first_verified(arena, a_start, a_size, values, offsets, np.arange(n),
                                                np.arange(n + 1), threshold, containment, min_small)
    both = ShingleBatch(np.concatenate([offsets, offsets[-1] + np.cumsum(a_size)]),
                        np.concatenate([values, arena]), np.zeros(2 * n, dtype=np.int64), 3)
    verifier = Verifier(both, threshold, containment=containment, min_containment_shingles=min_small)
    passed = 0
    for k in range(n):
        sim = verifier.similarity(n + k, k)
        assert (at[k] == k) == sim.ok, cases[k]
        if sim.ok:
            passed += 1
            assert (codes[k], jac[k], cont[k]) == ({"jaccard": 1, "containment": 2}[sim.measure], sim.jaccard,
                                                    sim.containment), cases[k]
    assert 0 < passed < n


@pytest.mark.parametrize("levels, n, pool", [(0, 4, 0), (1, 1, 3), (3, 50, 6), (5, 300, 40), (4, 200, 0)])
def test_band_lookup_over_levels_gives_the_pairs_of_the_numpy_path(levels, n, pool, monkeypatch):
    """The compiled look-up writes each level's members straight to their row and sorts each row's ids: the
    same distinct (row, id) pairs, in the same order, as the numpy path's sort of packed pairs."""
    from cleaner.dedup import _fast
    from cleaner.dedup.index import BandIndex

    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    rng = np.random.default_rng(levels + n)
    values = rng.integers(0, 2**64 - 1, pool or 10**6, dtype=np.uint64)  # few values: crowded buckets
    index = BandIndex(6)
    for k in range(levels):  # sizes chosen so that some levels merge and some stay
        m = [400, 100, 30, 20, 60][k]
        index.add(np.arange(1000 * k + 1, 1000 * k + m + 1), rng.choice(values, (m, 6)))
    assert levels < 3 or len(index.levels) >= 2
    for more in (0, 1, 2):  # look-ups after look-ups (the marks of earlier ones stay), and after the ids grow
        if more == 2:
            index.add(np.arange(9000, 9040), rng.choice(values, (40, 6)))
        hashes = rng.choice(values, (n, 6))
        if index.levels:
            hashes[: n // 2] = index.levels[0][0].T.view(np.uint64)[rng.integers(0, 40, n // 2)]
        compiled = index.lookup_pairs(hashes)
        monkeypatch.setattr(_fast, "AVAILABLE", False)
        plain = index.lookup_pairs(hashes)
        monkeypatch.setattr(_fast, "AVAILABLE", True)
        assert all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(compiled, plain))
        assert len(plain[0]) or not index.levels


def test_band_index_keeps_each_level_more_than_level_ratio_times_smaller_than_the_one_before():
    """A level is merged into the one before once it holds 1 / LEVEL_RATIO as many entries: each level kept is
    more than LEVEL_RATIO times smaller than the one before, so a look-up has few levels to search."""
    from cleaner.dedup.index import LEVEL_RATIO, BandIndex

    rng = np.random.default_rng(11)
    index = BandIndex(3)
    counts = []
    added = 0
    for k in range(60):
        m = int(rng.integers(1, 50))
        added += m
        index.add(np.arange(100 * k + 1, 100 * k + m + 1), rng.integers(0, 2**64 - 1, (m, 3), dtype=np.uint64))
        sizes = [keys.shape[1] for keys, _ in index.levels]
        assert all(b * LEVEL_RATIO < a for a, b in zip(sizes, sizes[1:])), sizes
        counts.append(len(sizes))
    assert max(counts) >= 2 and sum(sizes) == added  # (levels merged, none lost)
