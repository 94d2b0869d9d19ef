"""Near-duplicate paragraphs: our batch pass against plain datasketch, on planted copies of real text.

Corpus (built in the run, deterministic for a given ``--seed``):

* every paragraph of the article texts of the article-extraction benchmark
  (``../shared/bench-data/article-extraction-benchmark/ground-truth.json``,
  181 real news articles), with natural near-duplicates among them removed
  (so the planted set is the whole truth);
* where those run out, new distinct paragraphs made by recombining 4–6 real
  sentences from different articles, no two paragraphs sharing more than
  one sentence and no sentence more than a third of its paragraph;
* near-duplicate copies planted at known rates: ``--planted`` of the
  paragraphs get 1–3 copies each, with light edits (dropped, added and
  swapped words, punctuation and quote-style changes; about one edit per
  20 words), each copy in a different document than its original.

Both methods then run end to end (shingling + signatures + LSH +
verification) with the same threshold, shingle size and permutations:

* **ours** — :func:`cleaner.dedup.core.dedup_paragraphs` (numpy shingles and
  affine32 signatures for the whole batch, datasketch's ``(b, r)`` banding,
  exact Jaccard/containment verification, clustering);
* **datasketch** — the plain way: word 3-grams in Python, one
  ``datasketch.MinHash()`` per paragraph with ``update_batch``, inserted in
  a ``datasketch.MinHashLSH`` and queried for every paragraph; its answers
  are its LSH candidates (datasketch does not verify them).

The baseline is slow, so it runs on a sample (``--baseline-sample``
paragraphs: whole planted groups, same rates) and its full-corpus time is
extrapolated from its throughput; ours runs on the full corpus *and* on the
same sample.  Each method runs in its own child process so that its peak
memory (RSS growth over the process's start) is its own.  Precision and
recall are over pairs: every pair of paragraphs in one of our clusters,
every (query, result) pair of the baseline, against every pair of one
planted group.

    python bench/dedup.py                      # 200,000 paragraphs
    python bench/dedup.py --paragraphs 50000   # quicker
    python bench/dedup.py --with-index         # also: ours through datasketch's MinHashLSH
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaner.dedup.core import DedupParams, ParagraphRef, dedup_paragraphs  # noqa: E402
from cleaner.dedup.segment import sentence_spans  # noqa: E402

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data" / "article-extraction-benchmark"
WORD = re.compile(r"\w+")


# --- the corpus ----------------------------------------------------------------------


def load_articles() -> list[str]:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    return [v["articleBody"] for _, v in sorted(truth.items()) if v.get("articleBody")]


def real_units(articles: list[str]) -> tuple[list[str], list[tuple[int, str]]]:
    """Real paragraphs and real sentences (6+ words, with their article), each distinct.

    The paragraphs kept whole are those of two or more sentences none of
    which is more than 60% of the paragraph's words: otherwise a new
    paragraph that reuses that sentence would contain the real one (a true
    near-duplicate by containment, not a planted one).  Every sentence goes
    to the recombination pool.
    """
    paragraphs, sentences = [], []
    seen_p, seen_s = set(), set()
    for a, body in enumerate(articles):
        for para in body.split("\n"):
            para = " ".join(para.split())
            key = tuple(WORD.findall(para.lower()))
            spans = sentence_spans(para)
            longest = max((len(WORD.findall(para[s:e])) for s, e in spans), default=0)
            if len(key) >= 8 and len(spans) >= 2 and longest <= 0.6 * len(key) and key not in seen_p:
                seen_p.add(key)
                paragraphs.append(para)
            for s, e in spans:
                sent = para[s:e]
                skey = tuple(WORD.findall(sent.lower()))
                if len(skey) >= 6 and skey not in seen_s:
                    seen_s.add(skey)
                    sentences.append((a, sent))
    return paragraphs, sentences


def remove_natural_duplicates(paragraphs: list[str]) -> list[str]:
    """Keep one paragraph of every natural near-duplicate cluster (J >= 0.3), so the planted set is the truth."""
    refs = [ParagraphRef(f"p{i:07d}", 1, 0, len(t), t) for i, t in enumerate(paragraphs)]
    result = dedup_paragraphs(refs, DedupParams(threshold=0.3, min_words=1))
    drop = {int(m.ref.doc[1:]) for c in result.clusters for m in c.duplicates}
    return [t for i, t in enumerate(paragraphs) if i not in drop]


def recombined(sentences: list[tuple[int, str]], count: int, rng: random.Random) -> list[str]:
    """*count* new paragraphs of 4–6 real sentences from different articles.

    No sentence pair is used twice (two new paragraphs share at most one
    sentence) and no sentence is more than a third of its paragraph's words,
    so two new paragraphs are never near-duplicates by accident (Jaccard of
    word 3-grams below about 0.2).
    """
    used_pairs: set[tuple[int, int]] = set()
    lengths = [len(s.split()) for _, s in sentences]
    out = []
    n = len(sentences)
    while len(out) < count:
        k = rng.randint(4, 6)
        picks = rng.sample(range(n), k)
        if len({sentences[i][0] for i in picks}) < k:
            continue
        total = sum(lengths[i] for i in picks)
        if max(lengths[i] for i in picks) * 3 > total:
            continue
        pairs = {(min(a, b), max(a, b)) for a in picks for b in picks if a < b}
        if pairs & used_pairs:
            continue
        used_pairs |= pairs
        out.append(" ".join(sentences[i][1] for i in picks))
    return out


FILLERS = "the a of and in to new also very just said more some".split()
QUOTES = [("'", "’"), ('"', "“"), ("’", "'"), ("“", '"'), ("”", '"')]


def light_edit(text: str, rng: random.Random) -> str:
    """A lightly edited copy: about one edit per 20 words (at least one)."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 20)):
        op = rng.choice(("drop", "add", "swap", "punct", "quote"))
        i = rng.randrange(len(words))
        if op == "drop" and len(words) > 8:
            del words[i]
        elif op == "add":
            words.insert(i, rng.choice(FILLERS))
        elif op == "swap" and i + 1 < len(words):
            words[i], words[i + 1] = words[i + 1], words[i]
        elif op == "punct":
            w = words[i]
            words[i] = w[:-1] if w.endswith((",", ".", ";")) else w + ","
        else:
            a, b = rng.choice(QUOTES)
            words = " ".join(words).replace(a, b).split(" ")
    return " ".join(words)


def build_corpus(total: int, planted: float, seed: int):
    """Paragraph texts, document ids, planted groups (lists of indices) and a description."""
    rng = random.Random(seed)
    articles = load_articles()
    real, sentences = real_units(articles)
    real = remove_natural_duplicates(real)
    mean_copies = 2.0
    n_base = int(total / (1 + planted * mean_copies)) + 1
    synthetic = recombined(sentences, max(0, n_base - len(real)), rng)
    base = (real + synthetic)[:n_base]
    texts = list(base)
    groups: list[list[int]] = []
    n_docs = max(10, total // 20)
    doc_of = [rng.randrange(n_docs) for _ in texts]
    for i in rng.sample(range(len(base)), int(len(base) * planted)):
        group = [i]
        used_docs = {doc_of[i]}
        for _ in range(rng.randint(1, 3)):
            if len(texts) >= total:
                break
            d = rng.randrange(n_docs)
            while d in used_docs:
                d = rng.randrange(n_docs)
            used_docs.add(d)
            texts.append(light_edit(base[i], rng))
            doc_of.append(d)
            group.append(len(texts) - 1)
        if len(group) > 1:
            groups.append(group)
    while len(texts) < total:  # top up with fresh recombinations (no copies)
        texts.extend(recombined(sentences, total - len(texts), rng))
        doc_of.extend(rng.randrange(n_docs) for _ in range(total - len(doc_of)))
    texts, doc_of = texts[:total], doc_of[:total]
    desc = (f"{len(texts):,} paragraphs: {min(len(real), n_base):,} real paragraphs of {len(articles)} articles "
            f"(natural near-duplicates removed), {max(0, n_base - len(real)):,} recombined from "
            f"{len(sentences):,} real sentences, {len(texts) - len(base):,} planted copies of {len(groups):,} "
            f"paragraphs; {n_docs:,} documents")
    return texts, [f"doc{d:06d}" for d in doc_of], groups, desc


def truth_pairs(groups: list[list[int]], keep: set[int] | None = None) -> set[tuple[int, int]]:
    out = set()
    for g in groups:
        g = [x for x in g if keep is None or x in keep]
        out.update((min(a, b), max(a, b)) for a in g for b in g if a < b)
    return out


# --- the methods ---------------------------------------------------------------------


def run_ours(texts, docs, params: DedupParams, with_index: bool = False):
    refs = [ParagraphRef(docs[i], i + 1, 0, len(t), t) for i, t in enumerate(texts)]
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    if with_index:
        pairs, stats = _ours_through_minhashlsh(refs, params)
    else:
        result = dedup_paragraphs(refs, params)
        stats, steps = result.stats, result.timings
        pairs = set()
        for c in result.clusters:
            ids = [m.ref.number - 1 for m in c.members]
            pairs.update((min(a, b), max(a, b)) for a in ids for b in ids if a < b)
    return time.perf_counter() - t0, pairs, stats.get("candidates", 0), steps


def _ours_through_minhashlsh(refs, params):
    """Ours, but candidates from datasketch's MinHashLSH (ParagraphIndex) instead of numpy banding."""
    import numpy as np

    from cleaner.dedup.cluster import Verifier, cluster
    from cleaner.dedup.lsh import ParagraphIndex
    from cleaner.dedup.minhash import minhash_signatures, shingle_batch

    batch = shingle_batch([r.text for r in refs], params.ngram)
    sig = minhash_signatures(batch, params.num_perm, params.seed)
    valid = np.flatnonzero((batch.n_words >= params.min_words) & (batch.counts() > 0))
    index = ParagraphIndex(params.threshold, params.num_perm, weights=params.lsh_weights)
    index.insert_batch(valid.tolist(), sig[valid])
    cand = set()
    for i, found in zip(valid.tolist(), index.query_batch(sig[valid])):
        cand.update((min(i, j), max(i, j)) for j in found if j != i and refs[i].doc != refs[j].doc)
    verifier = Verifier(batch, params.threshold, containment=params.containment)
    groups = cluster(verifier.verify(sorted(cand)), lambda i: (refs[i].doc, i), verifier.similarity,
                     may_join=lambda a, b: refs[a].doc != refs[b].doc)
    pairs = set()
    for g in groups:
        ids = [g.representative] + [m for m, _ in g.members]
        pairs.update((min(a, b), max(a, b)) for a in ids for b in ids if a < b)
    return pairs, {"candidates": len(cand)}


def run_datasketch(texts, docs, params: DedupParams):
    """The plain datasketch way (no verification: LSH answers are the result)."""
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
    sketches = {}
    n = params.ngram
    for i, text in enumerate(texts):
        words = WORD.findall(text.lower())
        if len(words) < params.min_words:
            continue
        shingles = {" ".join(words[k : k + n]).encode("utf-8") for k in range(len(words) - n + 1)}
        m = MinHash(num_perm=params.num_perm)
        m.update_batch(list(shingles))
        lsh.insert(i, m)
        sketches[i] = m
    pairs = set()
    for i, m in sketches.items():
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return time.perf_counter() - t0, pairs, len(pairs), {}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _child(conn, method, texts, docs, params, with_index):
    start = _rss_mb()
    if method == "ours":
        elapsed, pairs, cand, steps = run_ours(texts, docs, params, with_index)
    else:
        elapsed, pairs, cand, steps = run_datasketch(texts, docs, params)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send((elapsed, sorted(pairs), cand, max(0.0, peak - start), steps))
    conn.close()


def measure(method, texts, docs, params, with_index=False):
    """Run *method* in a forked child; return (seconds, pairs, candidates, peak RSS growth in MB, step seconds)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, method, texts, docs, params, with_index))
    proc.start()
    child.close()
    elapsed, pairs, cand, mem, steps = parent.recv()
    proc.join()
    return elapsed, set(map(tuple, pairs)), cand, mem, steps


def scores(found: set, truth: set) -> tuple[float, float]:
    hit = len(found & truth)
    precision = hit / len(found) if found else 1.0
    recall = hit / len(truth) if truth else 1.0
    return precision, recall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paragraphs", type=int, default=200_000)
    ap.add_argument("--planted", type=float, default=0.1, help="fraction of paragraphs given near-duplicate copies")
    ap.add_argument("--baseline-sample", type=int, default=20_000,
                    help="paragraphs for the datasketch baseline (0: the full corpus)")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--num-perm", type=int, default=None)
    ap.add_argument("--ngram", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--with-index", action="store_true",
                    help="also run ours with candidates from datasketch's MinHashLSH (ParagraphIndex)")
    args = ap.parse_args()
    if not (BENCH / "ground-truth.json").is_file():
        sys.exit(f"bench data not found at {BENCH}")
    opts = {k: v for k, v in (("threshold", args.threshold), ("num_perm", args.num_perm), ("ngram", args.ngram))
            if v is not None}
    params = DedupParams(**opts)

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start "
          "(other processes slow both methods; compare the ratios)")
    t0 = time.perf_counter()
    texts, docs, groups, desc = build_corpus(args.paragraphs, args.planted, args.seed)
    truth = truth_pairs(groups)
    print(f"corpus: {desc} (built in {time.perf_counter() - t0:.1f} s)")
    print(f"truth: {len(truth):,} planted near-duplicate pairs; settings: threshold {params.threshold}, "
          f"{params.ngram}-word shingles, {params.num_perm} permutations, bands x rows {params.bands_rows()}, "
          f"min {params.min_words} words")

    # The sample: whole planted groups plus unplanted paragraphs, at the corpus's rates.
    rng = random.Random(args.seed + 1)
    size = len(texts) if args.baseline_sample <= 0 else min(args.baseline_sample, len(texts))
    if size < len(texts):
        in_group = {x for g in groups for x in g}
        chosen_groups = rng.sample(groups, int(len(groups) * size / len(texts)))
        sample = sorted({x for g in chosen_groups for x in g})
        others = [i for i in range(len(texts)) if i not in in_group]
        sample = sorted(set(sample) | set(rng.sample(others, max(0, size - len(sample)))))
    else:
        sample = list(range(len(texts)))
    s_texts = [texts[i] for i in sample]
    s_docs = [docs[i] for i in sample]
    remap = {old: new for new, old in enumerate(sample)}
    s_truth = truth_pairs([[remap[x] for x in g if x in remap] for g in groups])

    # One-off set-up, not timed (as the baseline's imports are not): load the
    # compiled kernels (numba) in this process, so that the
    # forked children inherit them; a first run after installation compiles them.
    from cleaner.dedup import _fast

    t0 = time.perf_counter()
    if _fast.kernels() is not None:
        saved, _fast.MIN_ITEMS = _fast.MIN_ITEMS, 0
        try:
            warm = sorted({x for g in groups[:100] for x in g})  # with duplicates: every kernel runs
            dedup_paragraphs([ParagraphRef(docs[i], i + 1, 0, len(texts[i]), texts[i]) for i in warm], params)
        finally:
            _fast.MIN_ITEMS = saved
        print(f"compiled kernels: numba {sys.modules['numba'].__version__}, loaded in "
              f"{time.perf_counter() - t0:.1f} s before timing")
    else:
        print("compiled kernels: not available (numba missing or failed to load), numpy path")

    rows = []
    el, pairs, cand, mem, steps = measure("ours", texts, docs, params)
    rows.append(("ours, full corpus", len(texts), el, mem, cand, *scores(pairs, truth), ""))
    full_steps = steps
    ours_full_rate = len(texts) / el
    if args.with_index:
        el, pairs, cand, mem, _ = measure("ours", texts, docs, params, with_index=True)
        rows.append(("ours via MinHashLSH index", len(texts), el, mem, cand, *scores(pairs, truth), ""))
    el, pairs, cand, mem, _ = measure("ours", s_texts, s_docs, params)
    rows.append(("ours, sample", len(s_texts), el, mem, cand, *scores(pairs, s_truth), ""))
    ours_sample_rate = len(s_texts) / el
    el, pairs, cand, mem, _ = measure("datasketch", s_texts, s_docs, params)
    base_rate = len(s_texts) / el
    note = "" if size == len(texts) else f"full corpus extrapolated: {len(texts) / base_rate:,.0f} s"
    rows.append(("datasketch baseline, sample", len(s_texts), el, mem, cand, *scores(pairs, s_truth), note))

    print()
    print(f"{'method':<30} {'paragraphs':>10} {'time s':>8} {'para/s':>9} {'peak MB':>8} {'candidates':>10} "
          f"{'precision':>9} {'recall':>7}")
    for name, n, el, mem, cand, p, r, note in rows:
        print(f"{name:<30} {n:>10,} {el:>8.2f} {n / el:>9,.0f} {mem:>8.0f} {cand:>10,} {p:>9.4f} {r:>7.4f}  {note}")
    print("ours, full corpus, seconds per step: "
          + ", ".join(f"{k} {v:.2f}" for k, v in full_steps.items()))
    print()
    print(f"throughput ratio, ours (full corpus) / datasketch (sample): {ours_full_rate / base_rate:.1f}x")
    print(f"throughput ratio, ours / datasketch on the same sample:       {ours_sample_rate / base_rate:.1f}x")
    print("targets: ratio >= 20x, recall >= 0.95, precision >= 0.99 (ours)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if size < len(texts):
        print(f"note: the baseline ran on a {len(s_texts):,}-paragraph sample; its full-corpus time is "
              "extrapolated from its throughput (its per-paragraph cost does not fall with corpus size).")


if __name__ == "__main__":
    main()
