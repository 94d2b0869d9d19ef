"""Near-duplicate paragraphs across documents: the whole pass, as one function.

>>> result = find_near_duplicates({"a.txt": text_a, "b.txt": text_b})   # doctest: +SKIP
>>> for c in result.clusters:                                             # doctest: +SKIP
...     print(c.representative.doc, [(m.ref.doc, m.ref.number, m.similarity) for m in c.members])

Steps (each is a public function of its own module, usable alone):

1. :func:`~cleaner.dedup.segment.segment_paragraphs` — paragraphs and
   sentence windows with code-point offsets;
2. :func:`~cleaner.dedup.minhash.shingle_batch` — normalised word n-gram
   shingles for the whole batch;
3. :func:`~cleaner.dedup.minhash.minhash_signatures` — datasketch-compatible
   MinHash signatures for the whole batch;
4. :func:`~cleaner.dedup.lsh.candidate_pairs` — LSH banding with datasketch's
   ``(b, r)`` for the threshold;
5. :class:`~cleaner.dedup.cluster.Verifier` — exact Jaccard / containment of
   every candidate pair;
6. :func:`~cleaner.dedup.cluster.cluster` — union-find with chaining
   protection and a deterministic representative.

Documents are processed in path order whatever order they are given in,
so the clusters (and the JSON) are the same for any input order.
"""

from __future__ import annotations

import fnmatch
import gc
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from operator import attrgetter, ne
from typing import Any

import numpy as np

from cleaner.dedup.cluster import Similarity, Verifier, cluster
from cleaner.dedup.lsh import DEFAULT_WEIGHTS, candidate_pairs, lsh_params
from cleaner.dedup.minhash import shingle_and_sign
from cleaner.dedup.segment import MAX_CHARS, WINDOW_CHARS, segment_paragraphs

REPRESENTATIVES = ("first", "longest", "priority")


@dataclass
class DedupParams:
    """Settings of a near-duplicate pass (``config.dedup`` holds the same keys).

    ``threshold``
        Exact word n-gram Jaccard similarity at or above which two paragraphs
        are near-duplicates.  The default, 0.4 with 3-grams, was set by
        measurement on the seeds: the three re-run AP paragraphs score
        J = 0.78, 0.64 and 0.45; the paraphrased "areas where meaningful
        progress…" sentences of 000, 003 and 004 score 0.00–0.05; the
        highest other cross-source pair is 0.29 (two different paragraphs
        quoting the same Psaki sentence).  ``bench/dedup.py`` measures
        precision and recall on planted copies of real articles.
    ``ngram``
        Words per shingle.  3 separates re-runs from same-topic paragraphs
        best on the seeds: with 1-grams the best non-duplicate pair scores
        0.45 (shared vocabulary: "Biden", "Putin", "talks"), with 4- and
        5-grams the lightly edited AP pair drops to 0.37 and 0.30, next to
        the 0.28 and 0.27 of the shared-quote pair.
    ``num_perm``, ``seed``
        MinHash size and permutation seed (datasketch's meaning).
    ``min_words``
        Paragraphs with fewer words are not compared (datelines, bylines,
        captions of a few words repeat everywhere and say nothing).
    ``containment``, ``min_containment_shingles``
        A smaller paragraph whose shingles are at least this fraction inside
        a larger one is also a near-duplicate (a quoted paragraph); ``None``
        turns this off.
    ``representative``, ``priority``
        Which copy a cluster keeps: ``"first"`` in path order, ``"longest"``,
        or ``"priority"``: the first document matching the earliest glob of
        ``priority`` (ties and unmatched documents in path order).
    ``intra_document``
        Also report paragraphs repeated inside one document (separately).
    ``max_chars``, ``window_chars``
        Paragraphs longer than ``max_chars`` are compared as sentence windows
        of about ``window_chars``.
    ``lsh_weights``
        datasketch's false-positive / false-negative weights for ``(b, r)``.
    ``prefilter_margin``
        Before exact verification, LSH candidates whose MinHash-estimated
        Jaccard (and estimated containment) is more than this below the
        threshold are dropped, in one vectorised pass.  With 128
        permutations the estimate's standard deviation is at most 0.044, so
        the default 0.15 (3.4 standard deviations) loses at most about 1 in
        3,000 pairs lying exactly at the threshold (fewer above it) while
        sparing most of the exact comparisons of paragraphs that share only
        a sentence.  ``None`` verifies every candidate.
    ``jobs``
        Processes for shingles and signatures (identical results).  Only
        worth it on an idle multi-core machine and from a few tens of
        thousands of paragraphs; on a busy one it measured no gain.
    """

    threshold: float = 0.4
    ngram: int = 3
    num_perm: int = 128
    seed: int = 1
    min_words: int = 8
    containment: float | None = 0.9
    min_containment_shingles: int = 8
    representative: str = "first"
    priority: list[str] = field(default_factory=list)
    intra_document: bool = False
    max_chars: int = MAX_CHARS
    window_chars: int = WINDOW_CHARS
    lsh_weights: tuple[float, float] = DEFAULT_WEIGHTS
    prefilter_margin: float | None = 0.15
    jobs: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < float(self.threshold) <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {self.threshold}")
        if int(self.ngram) < 1:
            raise ValueError(f"ngram must be at least 1, not {self.ngram}")
        if int(self.num_perm) < 2:
            raise ValueError(f"num_perm must be at least 2, not {self.num_perm}")
        if self.representative not in REPRESENTATIVES:
            raise ValueError(f"representative must be one of {', '.join(REPRESENTATIVES)}, not {self.representative!r}")
        if self.containment is not None and not 0.0 < float(self.containment) <= 1.0:
            raise ValueError(f"containment must be in (0, 1] or null, not {self.containment}")
        if int(self.window_chars) < 1 or int(self.max_chars) < int(self.window_chars):
            raise ValueError("need 1 <= window_chars <= max_chars")
        self.lsh_weights = (float(self.lsh_weights[0]), float(self.lsh_weights[1]))
        self.priority = list(self.priority)

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> DedupParams:
        """Build from a ``config.dedup``-style dict; unknown keys are an error (a typo must not pass silently)."""
        options = dict(options or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(k for k in options if k not in known)
        if unknown:
            raise ValueError(f"unknown dedup option(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return cls(**options)

    def bands_rows(self) -> tuple[int, int]:
        return lsh_params(float(self.threshold), int(self.num_perm), self.lsh_weights)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["lsh_weights"] = list(self.lsh_weights)
        bands, rows = self.bands_rows()
        out["bands"], out["rows"] = bands, rows
        return out


@dataclass(frozen=True)
class ParagraphRef:
    """One paragraph of one document: ``[start, end)`` are code-point offsets in the original text."""

    doc: str
    number: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Member:
    """A paragraph in a cluster and its verified similarity to the representative.

    ``measure`` is ``"representative"`` (similarity 1.0) for the
    representative itself, otherwise ``"jaccard"`` or ``"containment"``.
    """

    ref: ParagraphRef
    similarity: float
    measure: str
    jaccard: float
    containment: float


@dataclass
class DuplicateCluster:
    """A representative and its near-duplicates; ``members[0]`` is the representative."""

    id: int
    representative: ParagraphRef
    members: list[Member]
    kind: str = "cross-source"  # or "intra-document"

    @property
    def duplicates(self) -> list[Member]:
        """The members that are not the representative."""
        return self.members[1:]

    def to_json(self) -> dict[str, Any]:
        rep = self.representative
        return {
            "id": self.id,
            "kind": self.kind,
            "representative": {"path": rep.doc, "paragraph": rep.number},
            "members": [
                {"path": m.ref.doc, "paragraph": m.ref.number, "start": m.ref.start, "end": m.ref.end,
                 "text": m.ref.text, "similarity": round(m.similarity, 4), "measure": m.measure,
                 "jaccard": round(m.jaccard, 4), "containment": round(m.containment, 4)}
                for m in self.members
            ],
        }


@dataclass
class DedupResult:
    """Clusters across documents, optional repeats inside documents, the settings and counts."""

    clusters: list[DuplicateCluster]
    repeats: list[DuplicateCluster]
    params: DedupParams
    stats: dict[str, int]
    #: Seconds spent in each step (not part of the JSON, which is deterministic).
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"clusters": [c.to_json() for c in self.clusters]}
        if self.params.intra_document:
            out["repeats"] = [c.to_json() for c in self.repeats]
        out["params"] = self.params.to_json()
        out["stats"] = dict(self.stats)
        return out


def segment_documents(
    documents: Mapping[str, str] | Iterable[tuple[str, str]], params: DedupParams | None = None
) -> list[ParagraphRef]:
    """Paragraph references of every document (offsets into each given text)."""
    params = params or DedupParams()
    items = documents.items() if isinstance(documents, Mapping) else documents
    refs = []
    for doc_id, text in items:
        for p in segment_paragraphs(text, max_chars=params.max_chars, window_chars=params.window_chars):
            refs.append(ParagraphRef(doc_id, p.number, p.start, p.end, p.text))
    return refs


def find_near_duplicates(
    documents: Mapping[str, str] | Iterable[tuple[str, str]], params: DedupParams | None = None
) -> DedupResult:
    """Segment every ``(id, text)`` document and cluster its near-duplicate paragraphs."""
    params = params or DedupParams()
    return dedup_paragraphs(segment_documents(documents, params), params)


def dedup_paragraphs(paragraphs: Sequence[ParagraphRef], params: DedupParams | None = None) -> DedupResult:
    """Cluster near-duplicate *paragraphs* (already segmented, any order)."""
    # The pass allocates many small containers (shingle sets, pairs) that live
    # until it ends: the cyclic garbage collector would only re-scan them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _dedup_paragraphs(paragraphs, params or DedupParams())
    finally:
        if enabled:
            gc.enable()


def _dedup_paragraphs(paragraphs: Sequence[ParagraphRef], params: DedupParams) -> DedupResult:
    refs = _sort_refs(paragraphs)
    n = len(refs)
    # refs are sorted by document: a document's rank (in sorted names) counts the changes before it.
    names = [r.doc for r in refs]
    doc_of = np.zeros(n, dtype=np.int64)
    if n > 1:
        np.cumsum(np.fromiter(map(ne, names[1:], names[:-1]), dtype=bool, count=n - 1), out=doc_of[1:])
    stats = {"documents": int(doc_of[-1]) + 1 if n else 0, "paragraphs": n, "compared": 0, "candidates": 0,
             "prefiltered": 0, "verified": 0, "rejected": 0, "clusters": 0, "duplicates": 0}
    if n < 2:
        return DedupResult([], [], params, stats)

    clock = _Clock()
    batch, signatures = shingle_and_sign([r.text for r in refs], int(params.ngram), int(params.num_perm),
                                         int(params.seed), jobs=int(params.jobs))
    clock.lap("shingles and signatures")
    valid = (batch.n_words >= int(params.min_words)) & (batch.counts() > 0)
    bands, rows = params.bands_rows()
    pairs = candidate_pairs(signatures, bands, rows, valid=valid)
    clock.lap("lsh")
    stats["compared"] = int(valid.sum())
    stats["candidates"] = len(pairs)

    if params.prefilter_margin is not None and len(pairs):
        keep = _estimate_filter(pairs, signatures, batch.counts(), params)
        stats["prefiltered"] = int((~keep).sum())
        pairs = pairs[keep]
        clock.lap("prefilter")

    same_doc = doc_of[pairs[:, 0]] == doc_of[pairs[:, 1]] if len(pairs) else np.zeros(0, dtype=bool)

    verifier = Verifier(batch, float(params.threshold), containment=params.containment,
                        min_containment_shingles=int(params.min_containment_shingles))
    rank = _ranker(refs, doc_of, params)

    cross = verifier.verify(pairs[~same_doc].tolist())
    stats["verified"] = len(cross)
    stats["rejected"] = int((~same_doc).sum()) - len(cross)
    clock.lap("verification")
    doc_list = doc_of.tolist()
    groups = cluster(cross, rank, verifier.similarity, may_join=lambda a, b: doc_list[a] != doc_list[b])
    clusters = [_to_cluster(k + 1, g, refs, "cross-source") for k, g in enumerate(groups)]

    repeats: list[DuplicateCluster] = []
    if params.intra_document:
        inner = verifier.verify(pairs[same_doc].tolist())
        groups = cluster(inner, rank, verifier.similarity, may_join=lambda a, b: doc_list[a] == doc_list[b])
        repeats = [_to_cluster(k + 1, g, refs, "intra-document") for k, g in enumerate(groups)]
    stats["clusters"] = len(clusters)
    stats["duplicates"] = sum(len(c.members) - 1 for c in clusters)
    clock.lap("clustering")
    return DedupResult(clusters, repeats, params, stats, clock.laps)


def _sort_refs(paragraphs: Sequence[ParagraphRef]) -> list[ParagraphRef]:
    """``sorted(paragraphs, key=(doc, number, start))``, as two stable sorts (numbers in numpy, then names).

    The same order (ties keep their input order in both), about 4x faster on
    200,000 paragraphs than one sort on tuples.
    """
    n = len(paragraphs)
    if n < 1000:
        return sorted(paragraphs, key=attrgetter("doc", "number", "start"))
    number = np.fromiter(map(attrgetter("number"), paragraphs), dtype=np.int64, count=n)
    start = np.fromiter(map(attrgetter("start"), paragraphs), dtype=np.int64, count=n)
    by_position = [paragraphs[i] for i in np.lexsort((start, number)).tolist()]
    return sorted(by_position, key=attrgetter("doc"))


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self.last
        self.last = now


def _estimate_filter(pairs: np.ndarray, signatures: np.ndarray, sizes: np.ndarray,
                     params: DedupParams) -> np.ndarray:
    """Which candidate pairs may reach the threshold, judged on their signatures (vectorised).

    Two passes with the same answer as the exact one: the low byte of every
    signature value first (a quarter of the memory traffic; equal values
    have equal low bytes, so a pair this pass drops could not pass the exact
    test either), then the full 32-bit values for the pairs left.
    """
    margin = float(params.prefilter_margin)
    num_perm = signatures.shape[1]
    from cleaner.dedup import _fast

    fast = _fast.kernels(len(pairs))
    if fast is not None:  # the same test in one compiled pass, no gathered copies
        cont = None if params.containment is None else float(params.containment) - margin
        return fast.prefilter(signatures, pairs, sizes, float(params.threshold) - margin, cont,
                              int(params.min_containment_shingles))
    low = signatures.astype(np.uint8)  # the low 8 bits of every value
    keep = np.empty(len(pairs), dtype=bool)
    step = 1 << 16
    for lo in range(0, len(pairs), step):
        a, b = pairs[lo : lo + step, 0], pairs[lo : lo + step, 1]
        upper = np.count_nonzero(low[a] == low[b], axis=1) / num_perm  # >= the exact estimate
        maybe = np.flatnonzero(_may_pass(upper, sizes[a], sizes[b], params, margin))
        ok = np.zeros(len(a), dtype=bool)
        if len(maybe):
            a2, b2 = a[maybe], b[maybe]
            est = (signatures[a2] == signatures[b2]).mean(axis=1)
            ok[maybe] = _may_pass(est, sizes[a2], sizes[b2], params, margin)
        keep[lo : lo + step] = ok
    return keep


def _may_pass(est: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, params: DedupParams,
              margin: float) -> np.ndarray:
    """The prefilter's test on estimated Jaccard *est* (monotone: a larger estimate never fails where a smaller passes)."""
    ok = est >= float(params.threshold) - margin
    if params.containment is not None:
        sa, sb = size_a.astype(np.float64), size_b.astype(np.float64)
        small = np.minimum(sa, sb)
        est_c = est * (sa + sb) / ((1.0 + est) * np.maximum(small, 1.0))
        ok |= (est_c >= float(params.containment) - margin) & (small >= int(params.min_containment_shingles))
    return ok


def _ranker(refs: Sequence[ParagraphRef], doc_of: np.ndarray, params: DedupParams):
    """``rank(i)``: an int, smaller is a better representative (*refs* are in path order)."""
    n = len(refs)
    index = np.arange(n)
    if params.representative == "longest":
        lengths = np.fromiter((len(r.text) for r in refs), dtype=np.int64, count=n)
        order = np.lexsort((index, -lengths))
    elif params.representative == "priority":
        patterns = params.priority
        by_doc: dict[str, int] = {}
        for r in refs:
            if r.doc not in by_doc:
                by_doc[r.doc] = next((k for k, p in enumerate(patterns) if fnmatch.fnmatch(r.doc, p) or r.doc == p),
                                     len(patterns))
        prio = np.fromiter((by_doc[r.doc] for r in refs), dtype=np.int64, count=n)
        order = np.lexsort((index, prio))
    else:
        return int  # path order is index order
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = index
    return ranks.tolist().__getitem__


def _to_cluster(cid: int, group, refs: Sequence[ParagraphRef], kind: str) -> DuplicateCluster:
    rep = refs[group.representative]
    members = [Member(rep, 1.0, "representative", 1.0, 1.0)]
    for item, sim in group.members:
        members.append(Member(refs[item], sim.score, sim.measure, sim.jaccard, sim.containment))
    return DuplicateCluster(cid, rep, members, kind)


__all__ = [
    "DedupParams", "DedupResult", "DuplicateCluster", "Member", "ParagraphRef", "Similarity",
    "dedup_paragraphs", "find_near_duplicates", "segment_documents",
]
