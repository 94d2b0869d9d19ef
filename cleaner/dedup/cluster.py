"""Verification of LSH candidates and clustering with chaining protection.

LSH only proposes.  :class:`Verifier` decides, on the exact shingle sets:
a pair is a near-duplicate when its Jaccard similarity reaches the
threshold, or when the smaller paragraph is (almost) contained in the larger
one (a short paragraph quoted inside a longer one) — containment
``|A ∩ B| / min(|A|, |B|)`` at least ``containment`` with at least
``min_containment_shingles`` shingles in the smaller set.

:func:`cluster` joins verified pairs with union-find and then protects
against *chaining* (A ~ B and B ~ C although A and C have little in common):
in every connected group a representative is chosen, only the paragraphs
that verify against the representative itself join its cluster, and the
rest of the group is clustered again the same way.  Every
member of every cluster is therefore a verified near-duplicate of its
cluster's representative.

The representative is chosen by a deterministic *rank* (smaller is better)
given by the caller: first by path order, longest first, or by a source
priority list (see :mod:`cleaner.dedup.core`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cleaner.dedup.minhash import ShingleBatch


@dataclass(frozen=True)
class Similarity:
    """The verified similarity of two paragraphs.

    ``jaccard`` and ``containment`` are exact on the shingle sets; ``measure``
    says which one made the pair a near-duplicate (``"jaccard"`` is
    preferred when both do) and ``score`` is that measure's value (``0.0``
    and ``measure=""`` when the pair is not a near-duplicate).
    """

    jaccard: float
    containment: float
    measure: str
    score: float

    @property
    def ok(self) -> bool:
        return bool(self.measure)


_CODE = {"": 0, "jaccard": 1, "containment": 2}
_SIMILARITY = (
    lambda j, c: Similarity(j, c, "", 0.0),
    lambda j, c: Similarity(j, c, "jaccard", j),
    lambda j, c: Similarity(j, c, "containment", c),
)


def similarity_from(code: int, jaccard: float, containment: float) -> Similarity:
    """The :class:`Similarity` for one row of :meth:`Verifier.similarity_arrays`."""
    return _SIMILARITY[code](jaccard, containment)


def similarities_from(codes: Iterable[int], jaccard: Iterable[float], containment: Iterable[float]) -> list[Similarity]:
    """:func:`similarity_from` of every row; rows with the same values get the same (immutable) object.

    Near-duplicates repeat the same few values (``J=1.00`` above all), and
    making a frozen dataclass costs more than finding it again.  Values are
    shared only where equal keys cannot be written differently: positive floats.
    """
    made: dict[tuple[int, float, float], Similarity] = {}
    get = made.get
    out = []
    append = out.append
    for key in zip(codes, jaccard, containment):
        code, j, c = key
        if type(j) is float and type(c) is float and j > 0.0 and c > 0.0:  # (not 1 beside 1.0, nor -0.0 beside 0.0)
            sim = get(key)
            if sim is None:
                sim = made[key] = _SIMILARITY[code](j, c)
        else:
            sim = _SIMILARITY[code](j, c)
        append(sim)
    return out


class Verifier:
    """Exact similarity on the shingle sets of a :class:`ShingleBatch`.

    Sets are built lazily, once per paragraph that is ever compared.
    *distinct* says that every row of *batch* already holds its set, sorted
    and without repeats (as :meth:`ShingleBatch.shingle_sets` gives it), so
    the compiled :meth:`similarity_arrays` compares the rows as they are
    instead of sorting them again; the results are the same.
    """

    def __init__(
        self,
        batch: ShingleBatch,
        threshold: float,
        *,
        containment: float | None = 0.9,
        min_containment_shingles: int = 8,
        distinct: bool = False,
    ):
        self.batch = batch
        self.threshold = threshold
        self.containment = containment
        self.min_containment_shingles = min_containment_shingles
        self.distinct = distinct
        self._sets: dict[int, frozenset[int]] = {}

    def shingle_set(self, i: int) -> frozenset[int]:
        s = self._sets.get(i)
        if s is None:
            s = self._sets[i] = self.batch.shingle_set(i)
        return s

    def similarity(self, i: int, j: int) -> Similarity:
        """Exact Jaccard and containment of paragraphs *i* and *j*, and the verdict."""
        a, b = self.shingle_set(i), self.shingle_set(j)
        if not a or not b:
            return Similarity(0.0, 0.0, "", 0.0)
        inter = len(a & b)
        union = len(a) + len(b) - inter
        jac = inter / union
        small = min(len(a), len(b))
        cont = inter / small
        if jac >= self.threshold:
            return Similarity(jac, cont, "jaccard", jac)
        if (self.containment is not None and cont >= self.containment
                and small >= self.min_containment_shingles):
            return Similarity(jac, cont, "containment", cont)
        return Similarity(jac, cont, "", 0.0)

    def similarities(self, pairs: list[tuple[int, int]]) -> list[Similarity]:
        """:meth:`similarity` of every pair (rejected ones too), counted in one compiled pass when available."""
        codes, jac, cont = self.similarity_arrays(pairs)
        return [_SIMILARITY[c](jv, cv) for c, jv, cv in zip(codes.tolist(), jac.tolist(), cont.tolist())]

    def similarity_arrays(self, pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`similarity` of every pair as arrays: verdict (0 rejected, 1 Jaccard, 2 containment), Jaccard, containment.

        ``similarity_from(code, jaccard, containment)`` rebuilds the very
        :class:`Similarity` that :meth:`similarity` returns.
        """
        from cleaner.dedup import _fast

        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        fast = _fast.kernels(len(arr) * 4) if len(arr) else None
        if fast is None:
            sims = [self.similarity(i, j) for i, j in arr.tolist()]
            codes = np.fromiter((_CODE[s.measure] for s in sims), dtype=np.int8, count=len(sims))
            return (codes, np.fromiter((s.jaccard for s in sims), dtype=np.float64, count=len(sims)),
                    np.fromiter((s.containment for s in sims), dtype=np.float64, count=len(sims)))
        if self.distinct:
            la, lb, inter = fast.sorted_set_sizes_and_intersections(self.batch.values, self.batch.offsets, arr)
        else:
            la, lb, inter = fast.set_sizes_and_intersections(self.batch.values, self.batch.offsets, arr)
        nonempty = (la > 0) & (lb > 0)
        small = np.minimum(la, lb)
        jac = inter / np.maximum(la + lb - inter, 1)  # the same IEEE divisions as in similarity()
        cont = inter / np.maximum(small, 1)
        by_jac = nonempty & (jac >= self.threshold)
        by_cont = np.zeros(len(arr), dtype=bool)
        if self.containment is not None:
            by_cont = nonempty & ~by_jac & (cont >= self.containment) & (small >= self.min_containment_shingles)
        codes = np.where(by_jac, 1, np.where(by_cont, 2, 0)).astype(np.int8)
        return codes, jac, cont  # an empty set has jac = cont = 0.0, as in similarity()

    def prepare(self, items: Iterable[int]) -> None:
        """Build the shingle sets of *items* now, in one pass over the batch (same sets as :meth:`shingle_set`)."""
        sets = self._sets
        need = np.fromiter((i for i in set(items) if i not in sets), dtype=np.int64)
        if not len(need):
            return
        need.sort()
        offsets = self.batch.offsets
        starts, ends = offsets[need], offsets[need + 1]
        lengths = ends - starts
        # One gather and one tolist() for all of them instead of one per paragraph.
        bounds = np.zeros(len(need) + 1, dtype=np.int64)
        np.cumsum(lengths, out=bounds[1:])
        flat = np.repeat(starts - bounds[:-1], lengths) + np.arange(bounds[-1], dtype=np.int64)
        values = self.batch.values[flat].tolist()
        bl = bounds.tolist()
        for k, i in enumerate(need.tolist()):
            sets[i] = frozenset(values[bl[k] : bl[k + 1]])

    def verify(self, pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int, Similarity]]:
        """The pairs that are near-duplicates, with their similarity (rejected pairs are dropped).

        The same verdicts and values as :meth:`similarity` for each pair, with
        the shingle sets built in one pass and no object made for a rejected pair.
        """
        pairs = pairs if isinstance(pairs, list) else list(pairs)
        from cleaner.dedup import _fast

        fast = _fast.kernels(len(pairs) * 4)
        if fast is not None:
            return self._verify_compiled(pairs, fast)
        self.prepare(x for p in pairs for x in p)
        sets = self._sets
        threshold = self.threshold
        containment = self.containment
        min_small = self.min_containment_shingles
        out = []
        for i, j in pairs:
            a, b = sets[i], sets[j]
            if not a or not b:
                continue
            inter = len(a & b)
            la, lb = len(a), len(b)
            jac = inter / (la + lb - inter)
            small = la if la < lb else lb
            if jac >= threshold:
                out.append((i, j, Similarity(jac, inter / small, "jaccard", jac)))
            elif containment is not None and small >= min_small:
                cont = inter / small
                if cont >= containment:
                    out.append((i, j, Similarity(jac, cont, "containment", cont)))
        return out

    def _verify_compiled(self, pairs: list, fast) -> list[tuple[int, int, Similarity]]:
        """:meth:`verify` with the set sizes and intersections counted by a compiled merge of sorted sets."""
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        la, lb, inter = fast.set_sizes_and_intersections(self.batch.values, self.batch.offsets, arr)
        nonempty = (la > 0) & (lb > 0)
        union = np.maximum(la + lb - inter, 1)
        small = np.maximum(np.minimum(la, lb), 1)
        jac = inter / union  # the same IEEE divisions as in similarity()
        cont = inter / small
        by_jac = nonempty & (jac >= self.threshold)
        by_cont = np.zeros(len(arr), dtype=bool)
        if self.containment is not None:
            by_cont = (nonempty & ~by_jac & (cont >= self.containment)
                       & (np.minimum(la, lb) >= self.min_containment_shingles))
        out = []
        for k in np.flatnonzero(by_jac | by_cont).tolist():
            i, j = pairs[k]
            if by_jac[k]:
                out.append((i, j, Similarity(float(jac[k]), float(cont[k]), "jaccard", float(jac[k]))))
            else:
                out.append((i, j, Similarity(float(jac[k]), float(cont[k]), "containment", float(cont[k]))))
        return out


@dataclass
class Cluster:
    """A representative and its near-duplicates (``members`` excludes the representative).

    ``members`` holds ``(item, similarity to the representative)`` sorted by rank.
    """

    representative: int
    members: list[tuple[int, Similarity]] = field(default_factory=list)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def connected_groups(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of the graph given by *edges* (each sorted, sorted by first item)."""
    uf = _UnionFind()
    nodes: set[int] = set()
    for a, b in edges:
        uf.union(a, b)
        nodes.add(a)
        nodes.add(b)
    groups: dict[int, list[int]] = {}
    for x in sorted(nodes):
        groups.setdefault(uf.find(x), []).append(x)
    return sorted(groups.values(), key=lambda g: g[0])


def cluster(
    verified: Sequence[tuple[int, int, Similarity]],
    rank: Callable[[int], tuple],
    similarity: Callable[[int, int], Similarity],
    *,
    may_join: Callable[[int, int], bool] | None = None,
    two_hop_limit: int = 32,
) -> list[Cluster]:
    """Clusters of near-duplicates from *verified* pairs, protected against chaining.

    Union-find over the verified pairs gives connected groups.  Inside a
    group, items are taken in *rank* order (smallest first); an item not yet
    in a cluster becomes a representative, and its cluster is every
    not-yet-clustered item that verifies against *it* (not merely against
    some other member): its verified neighbours and, when it has at most
    *two_hop_limit* neighbours, their neighbours too (checked with the exact
    *similarity*).  What is left of the group is clustered the same way, so
    a chain A ~ B ~ C with A !~ C gives {A, B} and leaves C for another
    cluster.  The work is linear in the number of verified pairs (no
    all-against-all inside a large group).

    *may_join(rep, item)* can forbid membership (e.g. a paragraph of the
    representative's own document when only cross-source duplicates count).
    The result does not depend on the order of *verified*: clusters are
    sorted by their representative's rank and members by rank.
    """
    known: dict[tuple[int, int], Similarity] = {}
    adjacency: dict[int, set[int]] = {}
    for i, j, sim in verified:
        a, b = (i, j) if i < j else (j, i)
        known[(a, b)] = sim
        adjacency.setdefault(a, set()).add(b)
        adjacency.setdefault(b, set()).add(a)

    def sim_of(a: int, b: int) -> Similarity:
        key = (a, b) if a < b else (b, a)
        s = known.get(key)
        if s is None:
            s = known[key] = similarity(*key)
        return s

    out: list[Cluster] = []
    assigned: set[int] = set()
    order = None if rank is int else rank  # rank=int (path order): plain sort, same order, no key calls
    for group in connected_groups(known):
        for rep in sorted(group, key=order):
            if rep in assigned:
                continue
            near = adjacency[rep]
            candidates = set(near)
            if len(near) <= two_hop_limit:
                for x in near:
                    candidates.update(adjacency[x])
            candidates.discard(rep)
            members = []
            for item in sorted(candidates - assigned, key=order):
                s = sim_of(rep, item)
                if s.ok and (may_join is None or may_join(rep, item)):
                    members.append((item, s))
            if members:
                out.append(Cluster(rep, members))
                assigned.add(rep)
                assigned.update(m for m, _ in members)
    out.sort(key=lambda c: rank(c.representative))
    return out
