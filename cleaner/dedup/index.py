"""Near-duplicate paragraphs at corpus scale: a streaming pass over a persistent index.

The in-memory stage (:mod:`cleaner.dedup.stage`) clusters every paragraph
of a run at once.  The corpus engine (:mod:`cleaner.batch`) cannot hold a
corpus in memory, so it runs the same D001 check as a stream:

1. in the worker processes, the cleaned documents of a batch are
   segmented into paragraphs (:func:`~cleaner.dedup.segment.paragraph_batch`,
   the paragraphs of :func:`~cleaner.dedup.segment.segment_paragraphs`), the
   paragraphs are shingled and signed for the whole batch at once
   (:func:`~cleaner.dedup.minhash.shingle_paragraphs`,
   :func:`~cleaner.dedup.minhash.minhash_signatures`) and mapped back to
   the original text (:class:`ParagraphSigner`);
2. in the driver, in input order, each paragraph is looked up in the index
   by its LSH bands (:func:`~cleaner.dedup.lsh.band_hashes`, datasketch's
   ``(b, r)`` for the threshold), candidates whose signatures show they
   cannot reach the threshold are dropped (:class:`SignatureFilter`, the
   ``prefilter_margin`` test of the in-memory stage), the others are verified exactly
   (:class:`~cleaner.dedup.cluster.Verifier`: Jaccard, or containment for a
   quoted paragraph), and

   * a paragraph that verifies against an indexed representative from
     another document gets the same D001 finding the in-memory stage gives
     (``near-duplicate of a.txt paragraph 4, J=0.78``, the twin in
     ``data.duplicate_of``);
   * any other paragraph becomes a representative and is added.

   Only representatives are indexed and a copy must verify against the
   representative itself, so clusters cannot chain, and the first copy in
   input order stays the representative, as in the in-memory stage.  (A
   paragraph repeating, shingle for shingle, one matched in an earlier
   batch takes that match without a look-up where the look-up is sure to
   find it: :meth:`CorpusDedup._repeats`.)

The index outlives the run: ``--index corpus.sqlite`` (an embedded SQLite
file of the representatives' shingle sets, from which their signatures and
band buckets are computed again when it is opened) or ``--index redis://host:6379/0`` (datasketch's
:class:`~datasketch.MinHashLSH` on Redis storage through
:class:`~cleaner.dedup.lsh.ParagraphIndex`, plus a Redis hash of
paragraphs; several machines can share it).  A later run over new files,
pointed at the same index, checks them against the whole earlier corpus
without recomputing it.  Without ``--index`` the corpus engine keeps its
index in ``OUT/.cleaner/index.sqlite``, so a resumed run sees the files
finished before the interruption.
"""

from __future__ import annotations

import functools
import gc
import json
import sqlite3
from dataclasses import dataclass
from json.encoder import encode_basestring as _quote  # a string's JSON as cleaner.pipeline.to_json writes it
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import numpy as np

from cleaner.dedup._fast import distinct
from cleaner.dedup.core import DedupParams
from cleaner.io.files import InputError

RULE_CODE = "D001"
_JSON_PARTS = 1 << 16  # pieces of finding JSON kept (CorpusDedup.finding_json)
_REPEATS = 1 << 17  # matched shingle sets kept (CorpusDedup._repeats)


def _float(x: float) -> str:
    """*x* as :func:`cleaner.pipeline.to_json` writes it: ``float.__repr__``, or ``NaN``, ``Infinity``, ``-Infinity``."""
    if not isinstance(x, float):  # (an int, say)
        from cleaner.pipeline import to_json

        return to_json(x)
    if x - x == 0.0:  # (finite)
        return float.__repr__(x)
    return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")


def _gc_paused(method):
    """*method* with the cyclic garbage collector paused while it runs.

    A batch allocates tens of thousands of small containers (paragraph
    tuples, findings) that form no cycles; each collection they trigger
    would re-scan the whole live heap of the run for nothing (measured: 8%
    of a dedup-only run).  Reference counting frees them as usual; the
    in-memory pass does the same (:func:`cleaner.dedup.core.dedup_paragraphs`).
    """

    @functools.wraps(method)
    def paused(*args: Any, **kwargs: Any) -> Any:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


# ---------------------------------------------------------------------------
# Worker side


@dataclass(frozen=True)
class ParagraphSigner:
    """Segments, shingles and signs the paragraphs of a batch of cleaned documents (picklable)."""

    params: DedupParams
    bands: int
    rows: int

    @_gc_paused
    def paragraphs(self, docs: list[tuple[int, Any]]) -> dict[str, Any] | None:
        """The comparable paragraphs of ``(position, Document)`` pairs, ready for :meth:`CorpusDedup.check_batch`.

        Paragraphs too short to compare (``min_words``) are left out; the
        others are row ``k`` of every part, in document order:

        ``items``
            a :class:`PlacedParagraphs`: row ``k`` is ``(position, doc id,
            number, start, end, where, paragraph)``, where ``start``/``end``
            are offsets in the original text, ``where`` their ``(line, column,
            end line, end column)``, and ``paragraph`` the fields of the
            :class:`~cleaner.dedup.segment.Paragraph` in the cleaned text but
            its text (for ``--drop-duplicates``); kept as columns, a row made
            into a tuple only for a repeated paragraph;
        ``shingles``
            their exact shingle sets, a :class:`~cleaner.dedup.minhash.ShingleBatch`
            of sorted distinct hashes;
        ``sigs``, ``hashes``
            their MinHash signatures and LSH band hashes;
        ``pairs``
            the batch's own candidate pairs (``(m, 2)``, ``a < b``) and their
            exact similarity as :meth:`~cleaner.dedup.cluster.Verifier.similarity_arrays`
            gives it (verified here so the driver does not have to).

        Everything but ``items`` is a few numpy arrays, cheap to pickle.
        """
        from cleaner.dedup.cluster import Verifier
        from cleaner.dedup.lsh import band_hashes_by_band, candidate_pairs
        from cleaner.dedup.minhash import minhash_signatures, shingle_paragraphs
        from cleaner.dedup.segment import paragraph_batch

        p = self.params
        paragraphs = paragraph_batch([doc.cleaned if doc.cleaned is not None else doc.text for _pos, doc in docs],
                                     p.max_chars, p.window_chars)  # every paragraph of every document, in order
        if not len(paragraphs):
            return None
        batch = shingle_paragraphs(paragraphs, int(p.ngram))
        keep = np.flatnonzero((batch.n_words >= int(p.min_words)) & (batch.counts() > 0))
        if not len(keep):
            return None
        items = _placed(docs, paragraphs, keep)
        sets = batch.shingle_sets(keep)
        # A minimum does not see repeats or order: the signature of a set is that of its shingles.
        kept_sigs = minhash_signatures(sets, int(p.num_perm), int(p.seed))
        verifier = Verifier(sets, float(p.threshold), containment=p.containment,
                            min_containment_shingles=int(p.min_containment_shingles), distinct=True)
        by_band = band_hashes_by_band(kept_sigs, None, self.bands, self.rows)
        hashes = by_band.T.copy()  # a copy even with one band (.T is then contiguous already)
        cands = candidate_pairs(kept_sigs, self.bands, self.rows, hashes=by_band)  # (overwrites by_band)
        return {"items": items, "shingles": sets, "sigs": kept_sigs, "hashes": hashes,
                "pairs": (cands, *verifier.similarity_arrays(cands)), "order": _band_order(by_band, len(keep))}


def _band_order(packed: np.ndarray, m: int) -> np.ndarray | None:
    """The rows of each band in the order of their band hashes as signed integers, from what ``candidate_pairs`` left.

    :func:`~cleaner.dedup.lsh.candidate_pairs` sorts every band of *packed*
    in place as unsigned keys, a hash's high bits over the row's position;
    the positions read back, the rows whose hash has its top bit set moved
    first, are the order :meth:`BandIndex.lookup_pairs` sorts its queries
    in, but on equal high bits (about 10**-13 a pair).  The look-up checks
    the order it is given (:func:`_sorted_queries`) and sorts the queries
    itself if it is not that (or if *packed* is no longer what
    ``candidate_pairs`` sorted, as without the compiled kernels, whose
    absence shifts it).  None for fewer than two rows (nothing was sorted).
    """
    if m < 2 or m >= 1 << 31 or packed.shape[1] != m:
        return None
    low = np.uint64((1 << max(1, (m - 1).bit_length())) - 1)
    order = (packed & low).astype(np.int32)  # (half the bytes of int64 to send from a worker)
    top = np.count_nonzero(packed < np.uint64(1 << 63), axis=1).tolist()  # (rows without the top bit, first)
    for b, split in enumerate(top):
        if split:
            order[b] = np.concatenate((order[b, split:], order[b, :split]))
    return order


#: Offsets in the texts of a batch are keyed ``document << _KEY_SHIFT | offset`` (texts are shorter than 2**40).
_KEY_SHIFT = 40


@dataclass(frozen=True, slots=True, eq=False)
class PlacedParagraphs:
    """The ``items`` of :meth:`ParagraphSigner.paragraphs`, column by column.

    Row ``k`` (``placed[k]``) is ``(position, doc id, number, start, end,
    (line, column, end line, end column), (number, start, end, kind, first
    line, last line))``: the paragraph's document, its number there, its
    span in the original text and where that is, and its
    :class:`~cleaner.dedup.segment.Paragraph` fields in the cleaned text.
    The driver makes that tuple only for a paragraph it looks at one by one
    (a repeat, or one with a candidate in its own batch), and reads the new
    representatives' columns at once (:meth:`column`); a batch of columns
    also pickles in a few large pieces, not a tuple a paragraph.
    """

    positions: list[int]  # of each document of the batch
    ids: list[str]  # of each document of the batch
    owner: np.ndarray  # (m,) int64: each paragraph's document (an index in positions and ids)
    numbers: np.ndarray  # (m,) int64: its number in the document, from 1
    spans: np.ndarray  # (2, m) int64: start and end in the original text
    where: np.ndarray  # (4, m) int64: line, column, end line, end column of the span
    cleaned: np.ndarray  # (5, m) int64: start and end in the cleaned text, kind (in KINDS), first and last line

    def __len__(self) -> int:
        return len(self.owner)

    def __eq__(self, other: object) -> bool:  # (the rows, not the arrays, whose == is element by element)
        if not isinstance(other, PlacedParagraphs):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  (mutable arrays inside)

    def __getitem__(self, k: int) -> tuple:
        return self.take([k])[0]

    def __iter__(self):
        return iter(self.take(range(len(self))))

    def take(self, rows: Any) -> list[tuple]:
        """Rows *rows* (indexes) as tuples, made together (a few array reads, not a few per row)."""
        from cleaner.dedup.segment import KINDS

        at = np.asarray(rows, dtype=np.int64)
        owners = self.owner[at].tolist()
        numbers = self.numbers[at].tolist()
        starts, ends = self.spans[:, at].tolist()
        c_starts, c_ends, kinds, first_lines, last_lines = self.cleaned[:, at].tolist()
        return list(zip(map(self.positions.__getitem__, owners), map(self.ids.__getitem__, owners), numbers,
                        starts, ends, zip(*self.where[:, at].tolist()),
                        zip(numbers, c_starts, c_ends, map(KINDS.__getitem__, kinds), first_lines, last_lines)))

    def doc(self, k: int) -> str:
        """The id of paragraph *k*'s document."""
        return self.ids[self.owner[k]]

    def column(self, rows: np.ndarray) -> tuple[list[str], list[int], list[int], list[int]]:
        """The document ids, numbers, starts and ends of paragraphs *rows*, as lists."""
        return (list(map(self.ids.__getitem__, self.owner[rows].tolist())), self.numbers[rows].tolist(),
                self.spans[0, rows].tolist(), self.spans[1, rows].tolist())


def _placed(docs: list[tuple[int, Any]], paragraphs: Any, keep: np.ndarray) -> PlacedParagraphs:
    """The ``items`` of :meth:`ParagraphSigner.paragraphs` for paragraphs *keep* of the batch.

    *paragraphs* is the :class:`~cleaner.dedup.segment.ParagraphBatch` of
    the documents *docs*.  Offsets are mapped back to the original text
    through each document's edits (:meth:`~cleaner.engine.OffsetMap.to_original`,
    for all paragraphs of the batch at once: :func:`_to_original`), then
    given their line and column (:class:`~cleaner.pipeline.LineIndex`,
    counted for the whole batch at once: :func:`_batch_line_columns`).
    """
    n_docs = len(docs)
    first = paragraphs.offsets
    owner = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(first))[keep]
    numbers = keep - first[owner] + 1
    cur = np.stack((paragraphs.starts[keep], paragraphs.ends[keep])).astype(np.int64)  # (2, m): in the cleaned texts
    # The edits of the batch: document, original span, span of the inserted text in the cleaned text.
    e_doc: list[int] = []
    e_span: list[int] = []  # start, end, len(after) of every edit, flat
    extend = e_span.extend
    for g, (_pos, doc) in enumerate(docs):
        edits = doc.edits
        if edits:
            e_doc += [g] * len(edits)
            for e in edits:
                extend((e.start, e.end, len(e.after)))
    if e_doc:
        start = _to_original(np.asarray(e_doc, dtype=np.int64), np.asarray(e_span, dtype=np.int64).reshape(-1, 3),
                             n_docs, owner, cur)
    else:
        start = cur.copy()
    np.maximum(start[1], start[0], out=start[1])  # (an end before its start: the paragraph is empty)
    where = _batch_line_columns([doc.text for _pos, doc in docs], owner, start)
    cleaned = np.stack((cur[0], cur[1], paragraphs.kinds[keep], paragraphs.first_lines[keep],
                        paragraphs.last_lines[keep])).astype(np.int64)
    return PlacedParagraphs([pos for pos, _doc in docs], [doc.id for _pos, doc in docs], owner,
                            numbers.astype(np.int64), start, where, cleaned)


def _to_original(e_doc: np.ndarray, e_span: np.ndarray, n_docs: int, owner: np.ndarray,
                 cur: np.ndarray) -> np.ndarray:
    """``OffsetMap(edits of document owner[k]).to_original`` of ``cur[0, k]`` (``right=True``) and ``cur[1, k]`` (``right=False``).

    *e_doc* is the document of every edit of the batch (ascending) and
    *e_span* its ``(start, end, len(after))``.  The same two lookups as
    :class:`~cleaner.engine.OffsetMap`, for all positions at once in sorted
    arrays keyed by document.
    """
    es, ee, alen = e_span[:, 0], e_span[:, 1], e_span[:, 2]
    growth = alen - (ee - es)
    shift = np.cumsum(growth) - growth  # the growth of the edits before, in the batch ...
    n_edits = np.bincount(e_doc, minlength=n_docs)
    first_edit = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(n_edits, out=first_edit[1:])
    shift -= shift[first_edit[e_doc]]  # ... then in the document only
    cs = es + shift
    ce = cs + alen
    base = e_doc << _KEY_SHIFT
    last = len(e_doc) - 1
    out = np.empty_like(cur)
    key_doc = owner << _KEY_SHIFT

    pos = cur[0]  # right=True: the last edit whose inserted text starts at or before pos
    j = np.searchsorted(base + cs, key_doc + pos, side="right") - 1
    jc = np.maximum(j, 0)
    hit = (j >= 0) & (e_doc[jc] == owner)
    cs_j, ce_j = cs[jc], ce[jc]
    out[0] = np.where(~hit, pos, np.where(ce_j <= pos, ee[jc] + (pos - ce_j), np.where(cs_j == pos, es[jc], ee[jc])))

    pos = cur[1]  # right=False: the first edit whose inserted text ends at or after pos
    i = np.searchsorted(base + ce, key_doc + pos, side="left")
    ic = np.minimum(i, last)
    hit = (i <= last) & (e_doc[ic] == owner)
    cs_i, ce_i = cs[ic], ce[ic]
    inside = np.where(cs_i >= pos, es[ic] - (cs_i - pos), np.where(ce_i == pos, ee[ic], es[ic]))
    lc = np.maximum(first_edit[owner + 1] - 1, 0)  # the document's last edit (if it has any)
    after = np.where(n_edits[owner] > 0, ee[lc] + (pos - ce[lc]), pos)
    out[1] = np.where(hit, inside, after)
    return out


#: A text's line feeds are listed one by one up to this many per paragraph placed in it (and 64 more).
_FEEDS_PER_ROW = 8


def _batch_line_columns(texts: list[str], owner: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """``(*LineIndex(texts[owner[k]]).position(bounds[0, k]), *LineIndex(...).position(bounds[1, k]))`` for every ``k``,
    as column ``k`` of a ``(4, len(owner))`` array (line, column, end line, end column).

    The line feeds of the texts are listed once, as offsets in the texts
    laid end to end (``str.find``: a text has a few dozen; encoding the batch
    to find them with numpy measured 5x slower), and every offset is placed
    among them with numpy.  A text with a carriage return (rare) gets a
    :class:`~cleaner.pipeline.LineIndex` of its own, and one with many more
    line feeds than paragraphs (``"\\n" * 10**6``) is counted by
    :func:`_line_columns` in C, so no text costs a Python step per line.
    """
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=base[1:])
    rows = np.bincount(owner, minlength=len(texts)).tolist()
    found: list[int] = []
    append = found.append
    apart: list[int] = []  # the texts placed on their own
    for g, (at, text, m) in enumerate(zip(base.tolist(), texts, rows)):
        if not m:
            continue
        if "\r" in text:
            apart.append(g)
            continue
        mark = len(found)
        find = text.find
        i = find("\n")
        for _ in range(_FEEDS_PER_ROW * m + 64):
            if i < 0:
                break
            append(at + i)
            i = find("\n", i + 1)
        if i >= 0:  # (too many)
            del found[mark:]
            apart.append(g)
    feeds = np.array(found, dtype=np.int64)
    previous = np.concatenate(([-1], feeds))  # previous[k] is feeds[k - 1] (-1 for k = 0)
    doc_base = base[owner]
    before = np.searchsorted(feeds, doc_base)  # the line feeds of the texts before
    where = np.empty((4, len(owner)), dtype=np.int64)
    for row, at in enumerate(bounds):  # starts, then ends
        x = doc_base + at
        k = np.searchsorted(feeds, x)
        prev = np.where(k > before, previous[k], doc_base - 1)
        where[2 * row] = k - before + 1
        where[2 * row + 1] = x - prev
    if apart:
        from cleaner.pipeline import LineIndex

        starts, ends = bounds.tolist()
        for g in apart:
            text = texts[g]
            mine = np.flatnonzero(owner == g)
            if "\r" in text:
                position = LineIndex(text).position
                found = [(*position(starts[k]), *position(ends[k])) for k in mine.tolist()]
            else:
                found = _line_columns(text, [(starts[k], ends[k]) for k in mine.tolist()])
            if found:
                where[:, mine] = np.array(found, dtype=np.int64).T
    return where


def _line_columns(text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """``(*LineIndex(text).position(start), *LineIndex(text).position(end))`` of every span, for *text* without ``\\r``.

    A line is then what follows a line feed: an offset's line is one more
    than the line feeds before it, its column its distance from the last
    one.  The spans are in text order, so the line feeds are counted once,
    from one offset to the next.
    """
    out = []
    line, at = 1, 0  # the line of offset *at*
    count, rfind = text.count, text.rfind
    for s, e in bounds:  # (s <= e)
        if s >= at:
            line += count("\n", at, s)
        else:  # (not in text order: count from the start)
            line = count("\n", 0, s) + 1
        start_line = line
        line += count("\n", s, e)
        at = e
        out.append((start_line, s - rfind("\n", 0, s), line, e - rfind("\n", 0, e)))
    return out


# ---------------------------------------------------------------------------
# Storage


@dataclass(slots=True)
class Rep:
    """An indexed representative paragraph."""

    id: int
    doc: str
    number: int
    start: int
    end: int
    shingles: np.ndarray


@dataclass(slots=True)
class RepBatch:
    """New representatives of a batch, column by column, as the stores and caches index them."""

    ids: np.ndarray  # int64, increasing
    docs: list[str]
    numbers: list[int]
    starts: list[int]
    ends: list[int]
    offsets: np.ndarray  # the shingle sets in CSR layout: set k is values[offsets[k] : offsets[k + 1]]
    values: np.ndarray  # uint32
    sigs: np.ndarray  # (n, num_perm) uint32
    hashes: np.ndarray  # (n, bands) uint64
    #: each band's rows in the order of their hashes as signed integers, equal ones by row, if known
    #: (:meth:`BandIndex.add` checks it)
    order: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> list[tuple[int, str, int, int, int, bytes]]:
        """``(id, doc, number, start, end, shingles)`` of each, the shingle set's blob little-endian ``uint32``.

        What a store keeps of a representative: its signature and band
        hashes are those of its shingle set (:func:`signed_sets`).
        """
        sets = self.values.astype("<u4", copy=False).tobytes()
        at = (4 * self.offsets).tolist()
        return list(zip(self.ids.tolist(), self.docs, self.numbers, self.starts, self.ends,
                        [sets[a:b] for a, b in zip(at, at[1:])]))  # (one column at a time: no index arithmetic)


def _set_bytes(sets: Any) -> tuple[bytes, list[int]]:
    """The bytes of a :class:`~cleaner.dedup.minhash.ShingleBatch`'s values and where each set's are: set ``k`` is
    ``blob[at[k] : at[k + 1]]``, what ``sets.values[offsets[k] : offsets[k + 1]].tobytes()`` gives."""
    return sets.values.tobytes(), (sets.offsets * sets.values.itemsize).tolist()


def _gather(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs ``values[starts[k] : starts[k] + lengths[k]]`` one after the other, in CSR layout: ``(offsets, values)``."""
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
    return offsets, values[flat]


#: :class:`RepCache`'s default capacity, in shingle values (4 bytes each).
REP_CACHE_VALUES = 1 << 23


class RepCache:
    """Representatives met in this run: their places, and the shingle sets of the recently used ones.

    Lead paragraphs and wire copy recur all through a corpus, so the same
    representatives are candidates batch after batch; keeping their sets
    here spares a store read (and a Python object) for each of them each
    time.  Everything is in flat arrays indexed by representative id (as in
    :class:`SignatureFilter`): the document (a code), number and span of
    every representative seen and its set's place (48 bytes for each id up
    to the largest seen, plus each document name once: this part grows with
    the index, like the signature filter), and the
    shingle sets copied into one arena (never views of a batch, which would
    keep the whole batch alive).  When the arena is full, the sets not used
    for longest are dropped and the rest compacted, so it stays at
    *capacity* shingle values (4 bytes each; the default holds the 7.6
    million of a 100 MB news corpus), or the sets one batch needs if that is
    more.
    """

    def __init__(self, capacity: int | None = None):
        self.capacity = capacity = REP_CACHE_VALUES if capacity is None else capacity
        self.arena = np.empty(capacity, dtype=np.uint32)  # pages are only touched as they fill
        self.top = 0
        self.docs: list[str] = []
        self.doc_code: dict[str, int] = {}
        self.doc = np.zeros(0, dtype=np.int32)
        self.number = np.zeros(0, dtype=np.int32)
        self.start = np.zeros(0, dtype=np.int64)
        self.end = np.zeros(0, dtype=np.int64)
        self.offset = np.zeros(0, dtype=np.int64)  # in the arena; -1: set not cached
        self.size = np.zeros(0, dtype=np.int64)
        self.used = np.zeros(0, dtype=np.int64)  # the batch that last used the set
        self.clock = 0

    def _grow(self, top: int) -> None:
        if top < len(self.offset):
            return
        cap = max(top + 1, 2 * len(self.offset), 1024)
        for name in ("doc", "number", "start", "end", "offset", "size", "used"):
            old = getattr(self, name)
            new = np.full(cap, -1 if name == "offset" else 0, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def code(self, doc: str) -> int:
        """The code of representatives' document *doc* (-1 when none of its paragraphs is a representative yet)."""
        return self.doc_code.get(doc, -1)

    def fetch(self, ids: np.ndarray, store: Any, *, new_batch: bool = True) -> np.ndarray:
        """Cache the representatives *ids* (sorted, distinct), reading the missing ones from *store*.

        Returns the ids found (a representative gone from the store is left
        out).  *new_batch*: this fetch starts a batch (False: the batch was
        started by ``clock += 1``; sets marked used since stay cached).
        """
        self.clock += new_batch
        if not len(ids):
            return ids
        self._grow(int(ids[-1]))
        self.used[ids] = self.clock
        missing = ids[self.offset[ids] < 0]
        if len(missing):
            read = store.fetch(set(missing.tolist()))
            if len(read) < len(missing):
                ids = ids[(self.offset[ids] >= 0) | np.isin(ids, np.fromiter(read, dtype=np.int64, count=len(read)))]
            self.add(list(read.values()))
        return ids

    def sets(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The shingle sets of cached representatives *ids*, in CSR layout ``(offsets, values)``."""
        return _gather(self.arena, self.offset[ids], self.size[ids])

    def rep(self, pid: int) -> Rep:
        """Representative *pid* (cached)."""
        at = int(self.offset[pid])
        return Rep(pid, self.docs[self.doc[pid]], int(self.number[pid]), int(self.start[pid]), int(self.end[pid]),
                   self.arena[at : at + int(self.size[pid])])

    def reps(self, pids: list[int]) -> dict[int, Rep]:
        """Representatives *pids* (cached), by id: :meth:`rep` of each, read from the arrays at once."""
        if not pids:
            return {}
        ids = np.asarray(pids, dtype=np.int64)
        docs, arena = self.docs, self.arena
        return {pid: Rep(pid, docs[d], number, start, end, arena[at : at + size])
                for pid, d, number, start, end, at, size in zip(
                    pids, self.doc[ids].tolist(), self.number[ids].tolist(), self.start[ids].tolist(),
                    self.end[ids].tolist(), self.offset[ids].tolist(), self.size[ids].tolist())}

    def add(self, reps: list[Rep]) -> None:
        """Cache *reps*, as used by the current batch."""
        if not reps:
            return
        sizes = np.fromiter((len(r.shingles) for r in reps), dtype=np.int64, count=len(reps))
        offsets = np.zeros(len(reps) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        self._add(np.fromiter((r.id for r in reps), dtype=np.int64, count=len(reps)), [r.doc for r in reps],
                  [r.number for r in reps], [r.start for r in reps], [r.end for r in reps],
                  offsets, np.concatenate([r.shingles for r in reps]))

    def add_batch(self, new: RepBatch) -> None:
        """Cache the representatives *new*, as used by the current batch."""
        if len(new):
            self._add(new.ids, new.docs, new.numbers, new.starts, new.ends, new.offsets, new.values)

    def _add(self, ids: np.ndarray, docs: list[str], numbers: list[int], starts: list[int], ends: list[int],
             offsets: np.ndarray, values: np.ndarray) -> None:
        self._grow(int(ids.max()))
        doc_code = self.doc_code
        for doc in dict.fromkeys(docs):  # (a document's paragraphs are in a row: each document once, in order)
            if doc not in doc_code:
                doc_code[doc] = len(self.docs)
                self.docs.append(doc)
        self.doc[ids] = list(map(doc_code.__getitem__, docs))
        self.number[ids] = numbers
        self.start[ids] = starts
        self.end[ids] = ends
        sizes = np.diff(offsets)
        total = int(offsets[-1])
        if self.top + total > self.capacity:
            self._compact(total)
        self.arena[self.top : self.top + total] = values
        self.offset[ids] = self.top + offsets[:-1]
        self.size[ids] = sizes
        self.used[ids] = self.clock
        self.top += total

    def _compact(self, room: int) -> None:
        """Make *room* values free: keep the sets used most recently (all those of the current batch), in a new arena."""
        cached = np.flatnonzero(self.offset >= 0)
        cached = cached[np.argsort(-self.used[cached], kind="stable")]
        sizes = self.size[cached]
        running = np.cumsum(sizes)
        keep = max(int(np.searchsorted(running, self.capacity // 2, side="right")),
                   int(np.count_nonzero(self.used[cached] == self.clock)))
        kept, dropped = cached[:keep], cached[keep:]
        self.capacity = max(self.capacity, 2 * (int(running[keep - 1]) if keep else 0) + room)
        offsets, values = self.sets(kept)
        self.arena = np.empty(self.capacity, dtype=np.uint32)
        self.arena[: len(values)] = values
        self.offset[dropped] = -1
        self.offset[kept] = offsets[:-1]
        self.top = len(values)


#: :class:`BandIndex` merges its newest level into the one before once the newest holds at least
#: ``1 / LEVEL_RATIO`` as many entries (2: a binary counter), so each level kept is more than this many
#: times smaller than the one before.  A look-up searches every level, a merge copies both.  Measured over the
#: 100 MB bench corpus (141 batches): with 8 the index keeps fewer levels, and its look-ups took 0.77 s
#: instead of 0.84 s, but its merges took 0.43 s instead of 0.17 s.
LEVEL_RATIO = 2


class BandIndex:
    """LSH buckets in memory: for every band, sorted numpy arrays of bucket hashes and paragraph ids.

    New entries form a small sorted *level*; a level is merged into the one
    before it once it holds at least ``1 / LEVEL_RATIO`` as many entries (as
    in an LSM tree), so an insert costs O(log n) amortised and a lookup is one
    search per band and level, vectorised over a whole batch.  About 16 bytes per band
    and paragraph (500 bytes a paragraph with 31 bands), and 8 bytes per id
    for the compiled look-up's marks.
    """

    def __init__(self, bands: int):
        self.bands = bands
        self.levels: list[tuple[np.ndarray, np.ndarray]] = []  # (keys, ids), each (bands, m), rows sorted
        self.top = 0  # the largest id
        # The compiled look-up's marks, by id (8 bytes an id): the last query row that met the id, each
        # row of each look-up a stamp of its own (see _fast.level_members), so they are never cleared.
        self._seen = np.zeros(0, dtype=np.int64)
        self._stamp = 0

    def add(self, ids: np.ndarray, hashes: np.ndarray, order: np.ndarray | None = None) -> None:
        """Add paragraphs *ids* (increasing) with their band hashes (``(len(ids), bands)`` uint64).

        *order*, if given, is what a stable argsort of each band's hashes as
        signed integers gives (see :class:`RepBatch`); it is checked, and the
        bands sorted here if it is not that.
        """
        if not len(ids):
            return
        keys = np.ascontiguousarray(hashes.view(np.int64).T)  # (bands, m)
        ids_b = np.ascontiguousarray(np.broadcast_to(np.asarray(ids, dtype=np.int64), keys.shape))
        self.top = max(self.top, int(ids_b.max()))
        level = None
        if order is not None and len(ids) > 1 and (np.diff(ids) > 0).all():
            # (increasing ids: a stable sort puts equal keys in row order)
            level = _stably_sorted(keys, ids_b, order)
        self.levels.append(level if level is not None else self._sorted(keys, ids_b))
        while len(self.levels) > 1 and self.levels[-1][0].shape[1] * LEVEL_RATIO >= self.levels[-2][0].shape[1]:
            (k2, i2), (k1, i1) = self.levels.pop(), self.levels.pop()
            self.levels.append(self._merged(k1, i1, k2, i2))

    @classmethod
    def _merged(cls, k1: np.ndarray, i1: np.ndarray, k2: np.ndarray, i2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Levels ``(k1, i1)`` and ``(k2, i2)`` as one: the first's entries before the second's on equal keys."""
        from cleaner.dedup import _fast

        fast = _fast.kernels(k1.size + k2.size)
        if fast is not None:  # one linear merge per band, compiled
            return fast.merge_rows(k1, i1, k2, i2)
        return cls._sorted(np.concatenate([k1, k2], axis=1), np.concatenate([i1, i2], axis=1))

    @staticmethod
    def _sorted(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(keys, axis=1, kind="stable")
        return np.take_along_axis(keys, order, axis=1), np.take_along_axis(ids, order, axis=1)

    def lookup(self, hashes: np.ndarray) -> list[set[int]]:
        """For each row of *hashes* (``(n, bands)`` uint64), the ids sharing at least one bucket with it."""
        out: list[set[int]] = [set() for _ in range(len(hashes))]
        rows, ids = self.lookup_pairs(hashes)
        for r, i in zip(rows.tolist(), ids.tolist()):
            out[r].add(i)
        return out

    def lookup_pairs(self, hashes: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`lookup` as two arrays: ``(row, id)`` pairs, each once, sorted by row, then id.

        *order*, if given, is each band's rows sorted by their hash as a
        signed integer (``np.argsort(hashes.view(np.int64).T, axis=1)`` up to
        the order of equal hashes), as the signer found it; it is checked,
        and sorted here if it is not that.
        """
        from cleaner.dedup import _fast

        # Each band's queries are searched in sorted order: a search starts from the previous
        # answer and stays in cache (numpy's searchsorted measured 1.5x faster than unsorted).
        q = np.ascontiguousarray(hashes.view(np.int64).T)  # (bands, n)
        q, order = _sorted_queries(q, order)
        rows_all, ids_all = [], []
        fast = _fast.kernels(q.size)
        if fast is not None:  # the same pairs, all bands in one compiled pass a level, grouped by row as found
            if len(self._seen) <= self.top:
                self._seen = np.full(max(self.top + 1, 2 * len(self._seen)), -1, dtype=np.int64)
                self._stamp = 0
            self._stamp += len(hashes)
            return fast.level_members(self.levels, q, order, len(hashes), self._seen, self._stamp - len(hashes))
        for keys, ids in self.levels:
            for b in range(self.bands):
                left = np.searchsorted(keys[b], q[b], side="left")
                right = np.searchsorted(keys[b], q[b], side="right")
                counts = right - left
                total = int(counts.sum())
                if not total:
                    continue
                rows_all.append(np.repeat(order[b], counts))
                starts = np.repeat(left - (np.cumsum(counts) - counts), counts)
                ids_all.append(ids[b][starts + np.arange(total)])
        ids_cat = np.concatenate(ids_all) if ids_all else np.zeros(0, dtype=np.int64)
        if not len(ids_cat):
            return ids_cat, ids_cat.copy()
        shift = max(int(ids_cat.max()), 1).bit_length()  # row and id packed into one int64 key
        keys = distinct((np.concatenate(rows_all) << shift) | ids_cat)
        return keys >> shift, keys & ((1 << shift) - 1)


def _narrowed(order: np.ndarray | None, rows: np.ndarray, n: int) -> np.ndarray | None:
    """*order* (each band's rows ``0..n-1`` in some order) of the rows *rows* only (increasing), numbered among them.

    None if *order* is None or cannot be each band's rows in some order
    (its users check that it is).
    """
    if order is None or order.ndim != 2 or order.shape[1] != n or not n or order.min() < 0 or order.max() >= n:
        return None
    if len(rows) == n:
        return order
    at = np.full(n, -1, dtype=np.int64)
    at[rows] = np.arange(len(rows))
    out = at[order]
    out = out[out >= 0]
    return out.reshape(len(order), len(rows)) if len(out) == len(order) * len(rows) else None


def _permutes_rows(order: np.ndarray, shape: tuple[int, int]) -> bool:
    """Is *order* of *shape* ``(bands, n)``, each band a permutation of ``0..n-1`` (each (band, row) met once)?"""
    bands, n = shape
    if order.shape != shape or not n or order.min() < 0 or order.max() >= n:
        return False
    return bool((np.bincount((order + np.arange(0, bands * n, n)[:, None]).ravel(), minlength=bands * n) == 1).all())


def _stably_sorted(keys: np.ndarray, ids: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``BandIndex._sorted(keys, ids)`` by *order*, or None if *order* is not a stable argsort of every row of *keys*."""
    if not _permutes_rows(order, keys.shape):
        return None
    s = np.take_along_axis(keys, order, axis=1)
    up, same = s[:, 1:] > s[:, :-1], s[:, 1:] == s[:, :-1]
    if not (up | (same & (order[:, 1:] > order[:, :-1]))).all():
        return None
    return s, np.take_along_axis(ids, order, axis=1)


def _sorted_queries(q: np.ndarray, order: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Each band (row) of *q* sorted, and the order that sorts it: *order* where it does, else an argsort's."""
    if order is not None and q.shape[1] > 1 and _permutes_rows(order, q.shape):
        s = np.take_along_axis(q, order, axis=1)
        if (s[:, 1:] >= s[:, :-1]).all():  # (and it sorts every band)
            return s, order
    order = np.argsort(q, axis=1)
    return np.take_along_axis(q, order, axis=1), order


def _storable(doc: str) -> str | bytes:
    """*doc* if SQLite can store it as TEXT, else its UTF-8 bytes with surrogates passed through."""
    try:
        doc.encode("utf-8")
    except UnicodeEncodeError:
        return doc.encode("utf-8", "surrogatepass")
    return doc


#: Representatives signed again at a time when a SQLite index is opened (see :class:`SQLiteStore`).
REOPEN_ROWS = 1 << 16


def signed_sets(offsets: np.ndarray, values: np.ndarray, params: DedupParams) -> tuple[np.ndarray, np.ndarray]:
    """The MinHash signatures (``(n, num_perm)`` uint32) and LSH band hashes (``(n, bands)`` uint64) of shingle sets.

    The sets are in CSR layout (set ``k`` is ``values[offsets[k] :
    offsets[k + 1]]``).  These are what :meth:`ParagraphSigner.paragraphs`
    computes for the same sets, so a store need only keep the sets.
    """
    from cleaner.dedup.lsh import band_hashes_by_band
    from cleaner.dedup.minhash import ShingleBatch, minhash_signatures

    bands, rows = params.bands_rows()
    sets = ShingleBatch(offsets, values, np.zeros(len(offsets) - 1, dtype=np.int64), int(params.ngram))
    sigs = minhash_signatures(sets, int(params.num_perm), int(params.seed))
    return sigs, band_hashes_by_band(sigs, None, bands, rows).T.copy()


class SQLiteStore:
    """Representatives in one SQLite file: a row each, its place and its shingle set.

    A representative's signature and band hashes are not stored: they are
    those of its shingle set under the index's settings, which the file's
    ``meta`` table holds and every opening checks, so they are computed
    again from the sets when the file is opened (:func:`signed_sets`, a
    :data:`REOPEN_ROWS` at a time) and the band hashes loaded into a
    :class:`BandIndex`.  A row is then about a third of what it would be
    with them (the 100 MB bench corpus: 34 MB of index, not 119 MB), and each is
    written once.  *on_signatures*, if given, is called with ``(ids,
    signatures, sizes)`` of the representatives already stored, a part at
    a time (for :class:`SignatureFilter`).  Shingle sets are read from the
    file only for candidates.

    The file has a rollback journal: a run appends rows, and such a
    journal copies only the few pages an append changes (a write-ahead log
    writes every page twice); ``synchronous=FULL`` keeps a commit durable
    across a power cut.  An index written by an older version,
    whose rows also hold the signature and band hashes, is read and
    extended the same way (those columns are left empty in new rows, so
    the older version can no longer open it).
    """

    def __init__(self, path: str, meta: dict[str, Any], params: DedupParams,
                 on_signatures: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None):
        self.path = path
        self.params = params
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path)
            # Rows are a few hundred bytes (the shingle set): 64 KB pages (the largest) make inserts
            # cheaper than the default 4 KB.  A new file only: an existing one keeps its page size.
            self.db.execute("PRAGMA page_size=65536")
            self.db.execute("PRAGMA journal_mode=DELETE")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                CREATE TABLE IF NOT EXISTS paragraphs (id INTEGER PRIMARY KEY, doc TEXT, number INTEGER,
                    start INTEGER, end_ INTEGER, shingles BLOB);
                """
            )
            stored = {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}
        except sqlite3.Error as exc:
            raise InputError(f"{path}: cannot open the dedup index ({exc})") from None
        _check_meta(stored, meta, path)
        if not stored:
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            self.db.commit()
        self.bands = BandIndex(params.bands_rows()[0])
        last = 0
        for ids, sigs, sizes, hashes in self._signed():
            self.bands.add(ids, hashes)
            if on_signatures is not None:
                on_signatures(ids, sigs, sizes)
            last = int(ids[-1])
        self.next_id = last + 1

    def _signed(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """``(ids, signatures, sizes, band hashes)`` of the stored representatives, :data:`REOPEN_ROWS` at a time, by id."""
        cursor = self.db.execute("SELECT id, shingles FROM paragraphs ORDER BY id")
        while True:
            part = cursor.fetchmany(REOPEN_ROWS)
            if not part:
                return
            ids = np.fromiter((pid for pid, _ in part), dtype=np.int64, count=len(part))
            blobs = [blob for _, blob in part]
            sizes = np.fromiter(map(len, blobs), dtype=np.int64, count=len(part)) // 4
            offsets = np.zeros(len(part) + 1, dtype=np.int64)
            np.cumsum(sizes, out=offsets[1:])
            values = np.frombuffer(b"".join(blobs), dtype="<u4").astype(np.uint32)
            sigs, hashes = signed_sets(offsets, values, self.params)
            yield ids, sigs, sizes, hashes

    def lookup(self, signatures: np.ndarray, hashes: np.ndarray) -> list[set[int]]:
        return self.bands.lookup(hashes)

    def lookup_pairs(self, signatures: np.ndarray, hashes: np.ndarray,
                     order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.bands.lookup_pairs(hashes, order)

    def fetch(self, ids: set[int]) -> dict[int, Rep]:
        out: dict[int, Rep] = {}
        ids_l = sorted(ids)
        for lo in range(0, len(ids_l), 500):
            chunk = ids_l[lo : lo + 500]
            q = f"SELECT id, doc, number, start, end_, shingles FROM paragraphs WHERE id IN ({','.join('?' * len(chunk))})"
            for pid, doc, number, start, end, sh in self.db.execute(q, chunk):
                if not isinstance(doc, str):  # an id with no UTF-8 form, stored as bytes (see add)
                    doc = doc.decode("utf-8", "surrogatepass")
                out[pid] = Rep(pid, doc, number, start, end, np.frombuffer(sh, dtype="<u4"))
        return out

    def reserve(self, n: int) -> int:
        first = self.next_id
        self.next_id += n
        return first

    def signatures(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ids, signatures and shingle-set sizes of every stored representative, by id (signed again)."""
        parts = [(ids, sigs, sizes) for ids, sigs, sizes, _ in self._signed()]
        if not parts:
            return (np.zeros(0, dtype=np.int64), np.zeros((0, int(self.params.num_perm)), dtype=np.uint32),
                    np.zeros(0, dtype=np.int64))
        return tuple(np.concatenate(column) for column in zip(*parts))  # type: ignore[return-value]

    def add(self, new: RepBatch) -> None:
        """Store the new representatives.

        A document id with no UTF-8 form (a lone surrogate, from a ``\\udcff``
        escape in a JSON record's id) cannot be a TEXT value: it is stored as
        its ``surrogatepass`` bytes, and :meth:`fetch` reads it back as the
        same string.
        """
        if not len(new):
            return
        insert = "INSERT OR REPLACE INTO paragraphs (id, doc, number, start, end_, shingles) VALUES (?, ?, ?, ?, ?, ?)"
        rows = new.rows()
        try:
            self.db.executemany(insert, rows)
        except UnicodeEncodeError:  # (the rows before the bad one are replaced by the same rows)
            self.db.executemany(insert, [(pid, _storable(doc), *rest) for pid, doc, *rest in rows])
        self.bands.add(new.ids, new.hashes, new.order)

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


class RedisStore:
    """datasketch's MinHashLSH on Redis (through :class:`~cleaner.dedup.lsh.ParagraphIndex`) plus a paragraph hash."""

    def __init__(self, url: str, meta: dict[str, Any], params: DedupParams,
                 on_signatures: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None):
        try:
            import redis
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise InputError("--index redis://… needs the redis package: pip install 'cleaner[redis]'") from None
        from cleaner.dedup.lsh import ParagraphIndex

        u = urlparse(url)
        conf: dict[str, Any] = {"host": u.hostname or "localhost", "port": u.port or 6379,
                                "db": int((u.path or "/0").lstrip("/") or 0)}
        if u.password:
            conf["password"] = u.password
        self.client = redis.Redis(**conf)
        try:
            self.client.ping()
        except redis.RedisError as exc:
            raise InputError(f"{url}: cannot reach the Redis dedup index ({exc})") from None
        self.prefix = "cleaner:paragraphs"
        stored = {k.decode(): json.loads(v) for k, v in self.client.hgetall(f"{self.prefix}:meta").items()}
        _check_meta(stored, meta, url)
        if not stored:
            self.client.hset(f"{self.prefix}:meta", mapping={k: json.dumps(v) for k, v in meta.items()})
        bands, rows = params.bands_rows()
        self.lsh = ParagraphIndex(float(params.threshold), int(params.num_perm), seed=int(params.seed),
                                  params=(bands, rows),
                                  storage_config={"type": "redis", "basename": f"{self.prefix}:lsh".encode(),
                                                  "redis": conf})
        if on_signatures is not None:
            on_signatures(*self.signatures())

    def lookup(self, signatures: np.ndarray, hashes: np.ndarray) -> list[set[int]]:
        if not len(signatures):
            return []
        return [{int(k) for k in keys} for keys in self.lsh.query_batch(signatures)]

    def fetch(self, ids: set[int]) -> dict[int, Rep]:
        ids_l = sorted(ids)
        out: dict[int, Rep] = {}
        if not ids_l:
            return out
        for pid, raw in zip(ids_l, self.client.hmget(f"{self.prefix}:docs", [str(i) for i in ids_l])):
            if raw:
                head, sh = raw.split(b"\n", 1)
                doc, number, start, end = json.loads(head)
                out[pid] = Rep(pid, doc, number, start, end, np.frombuffer(sh, dtype="<u4"))
        return out

    def reserve(self, n: int) -> int:
        return int(self.client.incrby(f"{self.prefix}:next", n)) - n + 1

    def add(self, new: RepBatch) -> None:
        if not len(new):
            return
        rows = new.rows()
        self.lsh.insert_batch(new.ids.tolist(), new.sigs)
        self.client.hset(f"{self.prefix}:docs", mapping={
            str(pid): json.dumps([doc, number, start, end]).encode() + b"\n" + sh
            for pid, doc, number, start, end, sh in rows})
        sigs = np.ascontiguousarray(new.sigs, dtype="<u4")
        self.client.hset(f"{self.prefix}:sigs", mapping={
            str(pid): np.int64(len(sh) // 4).astype("<i8").tobytes() + sig.tobytes()
            for (pid, *_, sh), sig in zip(rows, sigs)})

    def signatures(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ids, signatures and shingle-set sizes of the stored representatives (for :class:`SignatureFilter`)."""
        items = sorted((int(k), v) for k, v in self.client.hgetall(f"{self.prefix}:sigs").items())
        if not items:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.uint32), np.zeros(0, dtype=np.int64)
        ids = np.array([k for k, _ in items], dtype=np.int64)
        sizes = np.array([int.from_bytes(v[:8], "little", signed=True) for _, v in items], dtype=np.int64)
        sigs = np.frombuffer(b"".join(v[8:] for _, v in items), dtype="<u4").reshape(len(items), -1)
        return ids, sigs, sizes

    def count(self) -> int:
        return int(self.client.hlen(f"{self.prefix}:docs"))

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self.client.close()


def _check_meta(stored: dict[str, Any], want: dict[str, Any], where: str) -> None:
    for k, v in want.items():
        if stored and stored.get(k) != v:
            raise InputError(f"{where}: the index was built with {k}={stored.get(k)!r}, this run uses {k}={v!r}; "
                             "use another index or the same dedup settings")


def open_store(spec: str, params: DedupParams,
               on_signatures: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None):
    """The store named by *spec*: ``redis://…`` for Redis, anything else is a SQLite file path.

    *on_signatures* is called with ``(ids, signatures, sizes)`` of the representatives already stored.
    """
    meta = {k: v for k, v in params.to_json().items()
            if k in ("threshold", "ngram", "num_perm", "seed", "min_words", "bands", "rows")}
    if spec.startswith(("redis://", "rediss://")):
        return RedisStore(spec, meta, params, on_signatures)
    return SQLiteStore(spec, meta, params, on_signatures)


# ---------------------------------------------------------------------------
# Driver side


class SignatureFilter:
    """The ``prefilter_margin`` test of the in-memory stage, for the stream: candidates a signature rules out.

    Keeps, for every indexed representative, the low byte of each signature
    value and its number of distinct shingles (``num_perm + 4`` bytes a
    representative, beside the ~500 of its LSH buckets).  Equal values have
    equal low bytes, so the share of equal low bytes is at least the MinHash
    estimate of the Jaccard similarity; a pair that fails
    :func:`cleaner.dedup.core._may_pass` on that upper bound fails it on the
    estimate too, and would have been dropped by the in-memory stage.  A
    representative whose signature is not known here (a Redis index filled
    by an older version) is always kept for exact verification.
    """

    def __init__(self, params: DedupParams):
        self.params = params
        self.num_perm = int(params.num_perm)
        self.low = np.zeros((0, self.num_perm), dtype=np.uint8)
        self.size = np.zeros(0, dtype=np.int64)  # -1: unknown (set up to self.top only)
        self.top = -1  # the largest id the arrays answer for

    def _grow(self, top: int) -> None:
        """Make ids up to *top* answerable (unknown unless added).

        The arrays are reserved up to 8 times larger when full (twice
        beyond a million ids) and written only up to *top*: the pages beyond
        are not touched (not resident) until used, and what is there is
        copied rarely (a 100 MB corpus spent 0.17 s copying and faulting in
        arrays doubled and filled each time).
        """
        if top <= self.top:
            return
        if top >= len(self.size):
            cap = max(top + 1, 2 * len(self.size), min(8 * len(self.size), 1 << 20), 1 << 16)
            low = np.empty((cap, self.num_perm), dtype=np.uint8)  # (a row is read only once its size is known)
            low[: self.top + 1] = self.low[: self.top + 1]
            size = np.empty(cap, dtype=np.int64)
            size[: self.top + 1] = self.size[: self.top + 1]
            self.low, self.size = low, size
        self.size[self.top + 1 : top + 1] = -1
        self.top = top

    def add(self, ids: np.ndarray, signatures: np.ndarray, sizes: np.ndarray) -> None:
        """Remember representatives *ids* with their signatures (``(n, num_perm)`` uint32) and set sizes."""
        if not len(ids):
            return
        self._grow(int(ids.max()))
        self.low[ids] = signatures.astype(np.uint8)
        self.size[ids] = sizes

    def keep(self, rows: np.ndarray, ids: np.ndarray, signatures: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Which candidate pairs (batch row, representative id) may pass (a boolean mask)."""
        from cleaner.dedup import _fast
        from cleaner.dedup.core import _may_pass

        margin = self.params.prefilter_margin
        if margin is None or not len(rows):
            return np.ones(len(rows), dtype=bool)
        self._grow(int(ids.max()))
        low_batch = signatures.astype(np.uint8)
        fast = _fast.kernels(len(rows))
        if fast is not None and self.num_perm % 8 == 0:  # the same verdicts, in one compiled pass
            params, margin = self.params, float(margin)
            return fast.signature_keep(low_batch, self.low, self.size, rows, ids, sizes,
                                       float(params.threshold) - margin,
                                       None if params.containment is None else float(params.containment) - margin,
                                       int(params.min_containment_shingles))
        known = self.size[ids] >= 0
        keep = np.ones(len(rows), dtype=bool)
        k_rows, k_ids = rows[known], ids[known]
        if fast is not None:  # the same counts, compiled, without gathering the rows
            upper = fast.row_agreements(low_batch, self.low, k_rows, k_ids) / self.num_perm
        else:
            step = 1 << 15
            upper = np.empty(len(k_rows), dtype=np.float64)
            for lo in range(0, len(k_rows), step):
                upper[lo : lo + step] = np.count_nonzero(
                    low_batch[k_rows[lo : lo + step]] == self.low[k_ids[lo : lo + step]], axis=1) / self.num_perm
        keep[known] = _may_pass(upper, sizes[k_rows], self.size[k_ids], self.params, float(margin))
        return keep


class CorpusDedup:
    """The streaming D001 pass: check each batch's paragraphs against the index, in order, then index them."""

    _score = None  # cleaner.dedup.stage._score (see _finding)
    #: Pieces of finding JSON (see :meth:`finding_json`): by representative id (an id names one
    #: representative for the life of an index: ids are reserved once and never reused), and by similarity.
    _json_parts: tuple[dict | None, dict | None] = (None, None)

    def __init__(self, spec: str, params: DedupParams, severity: str = "warning"):
        self.params = params
        self.bands, self.rows = params.bands_rows()  # datasketch's optimum: computed once, here
        self.signer = ParagraphSigner(params, self.bands, self.rows)
        self.filter = SignatureFilter(params)
        self.store = open_store(spec, params, self.filter.add)  # (representatives of earlier runs: their signatures)
        self.cache = RepCache()
        self.severity = severity
        self.clusters_hit: set[int] = set()
        # Exact repeats (see _repeats): a paragraph's shingle set -> (representative, similarity) of its
        # match, for matches that a repeat of the paragraph is sure to find again; and the sets' first band hashes.
        self._matched_sets: dict[bytes, tuple[int, Any]] = {}
        self._matched_heads: set[int] = set()

    def check_batch(self, batch: dict[str, Any] | None) -> list[tuple[int, str, dict[str, Any], Any]]:
        """``(position, doc id, finding JSON, paragraph)`` for every paragraph of *batch* that repeats a representative.

        *batch* is what :meth:`ParagraphSigner.paragraphs` returned in the
        worker.  A paragraph's candidates are the indexed representatives
        sharing a bucket (earlier batches and runs, oldest first), then the
        representatives of its candidates within the batch; the first that
        verifies wins, otherwise the paragraph becomes a representative.
        :meth:`matches` gives the same repeats unworded.
        """
        return [(m[0], m[1], self.finding(m), self.paragraph(m)) for m in self.matches(batch)]

    @staticmethod
    def paragraph(match: tuple) -> Any:
        """The :class:`~cleaner.dedup.segment.Paragraph` of a :meth:`matches` row (in the cleaned text, without text)."""
        from cleaner.dedup.segment import Paragraph

        para = match[8]
        return Paragraph(para[0], para[1], para[2], "", *para[3:])

    def finding(self, match: tuple) -> dict[str, Any]:
        """The D001 finding of a :meth:`matches` row, as a dict (:meth:`_finding`)."""
        _pos, doc, rep, number, start, end, where, sim, _para = match
        return self._finding(rep, doc, number, start, end, where, sim)

    def finding_json(self, match: tuple) -> str:
        """``to_json(self.finding(match))``, the finding's JSON text, written directly: no dict is built.

        Every string goes through the encoder's own string escaping and
        every float through ``float.__repr__`` (``NaN``, ``Infinity`` and
        ``-Infinity`` as the encoder writes them), so the text is the same,
        byte for byte (tests/test_index.py).  What depends only on the
        representative (an id names one representative) or only on the
        similarity is written once and kept, a bounded number of times.
        """
        return self.findings_json((match,))[0]

    def findings_json(self, matches: Any) -> list[str]:
        """:meth:`finding_json` of every match, in one loop (no method call per finding)."""
        reps, sims = self._json_parts
        if reps is None:
            reps, sims = self._json_parts = ({}, {})
        get_parts, get_similar = reps.get, sims.get
        severity = _quote(self.severity)
        similarity_json = self._similarity_json
        out = []
        append = out.append
        for _pos, doc, rep, number, start, end, (line, column, end_line, end_column), sim, _para in matches:
            parts = get_parts(rep.id)
            if parts is None:
                if len(reps) >= _JSON_PARTS:
                    reps.clear()
                rep_doc = _quote(rep.doc)
                parts = reps[rep.id] = (
                    _quote(f"near-duplicate of {rep.doc} paragraph {rep.number}, ")[:-1],  # (the message, open)
                    f'"duplicate_of":{{"path":{rep_doc},"paragraph":{rep.number},"start":{rep.start},'
                    f'"end":{rep.end}}},',
                    f'"members":[{{"path":{rep_doc},"paragraph":{rep.number}}},{{"path":', rep.id)
            x, j, c = sim.score, sim.jaccard, sim.containment
            # kept only where equal keys write the same text: floats (not 1 beside 1.0), positive (not -0.0 beside 0.0)
            if type(x) is float and type(j) is float and type(c) is float and x > 0.0 and j > 0.0 and c > 0.0:
                key = (sim.measure, x, j, c)
                similar = get_similar(key)
                if similar is None:
                    if len(sims) >= _JSON_PARTS:
                        sims.clear()
                    similar = sims[key] = similarity_json(sim)
            else:
                similar = similarity_json(sim)
            score, similarity = similar
            message, duplicate_of, members, cluster = parts
            append(f'{{"start":{start},"end":{end},"line":{line},"column":{column},"end_line":{end_line},'
                   f'"end_column":{end_column},"code":"{RULE_CODE}","name":"near-duplicate","message":'
                   f'{message}{score},"severity":{severity},"data":{{"cluster":{cluster},'
                   f'"kind":"cross-source","paragraph":{number},{duplicate_of}{similarity}{members}'
                   f'{_quote(doc)},"paragraph":{number}}}]}}}}')
        return out

    def findings_bytes(self, matches: Any) -> list[bytes | None]:
        """:meth:`findings_json` of every match in UTF-8, or None where the text is not what orjson would write.

        None for a finding with a non-finite similarity (the stdlib writes
        ``NaN`` or ``Infinity``, orjson ``null``) or without a UTF-8 form (a
        document id with a lone surrogate): the caller then writes the record
        with :func:`cleaner.pipeline.json_bytes`.  The similarities are
        tested, not the texts searched (``"NaN"`` may be part of a name).
        """
        out: list[bytes | None] = []
        append = out.append
        for match, text in zip(matches, self.findings_json(matches)):
            sim = match[7]
            x, j, c = sim.score, sim.jaccard, sim.containment
            if x - x == 0.0 and j - j == 0.0 and c - c == 0.0:  # (finite: NaN and infinities give NaN)
                try:
                    append(text.encode("utf-8"))
                    continue
                except UnicodeEncodeError:
                    pass
            append(None)
        return out

    def _similarity_json(self, sim: Any) -> tuple[str, str]:
        """The end of the message's JSON (score, closing quote) and the data's ``similarity`` to ``size`` fields."""
        _score = self._score
        if _score is None:
            from cleaner.dedup.stage import _score

            self._score = _score
        return (_quote(_score(sim.measure, sim.score, sim.jaccard, sim.containment))[1:],
                f'"similarity":{_float(round(sim.score, 4))},"measure":{_quote(sim.measure)},'
                f'"jaccard":{_float(round(sim.jaccard, 4))},"containment":{_float(round(sim.containment, 4))},'
                f'"size":2,')

    @_gc_paused
    def matches(self, batch: dict[str, Any] | None) -> list[tuple]:
        """The repeats of :meth:`check_batch`, unworded.

        Each is ``(position, doc id, representative, number, start, end,
        where, similarity, paragraph)``:
        ``number``, ``start``, ``end`` and ``where`` place the repeated
        paragraph as its ``items`` row does (:meth:`ParagraphSigner.paragraphs`),
        ``paragraph`` is that row's paragraph fields; :meth:`finding`,
        :meth:`finding_json` and :meth:`paragraph` make the rest of a repeat
        when it is needed.  Indexes *batch*'s new representatives.
        """
        from cleaner.dedup.cluster import Verifier, similarity_from
        from cleaner.dedup.minhash import ShingleBatch

        if not batch:
            return []
        paragraphs: PlacedParagraphs = batch["items"]
        sets: ShingleBatch = batch["shingles"]
        sigs, hashes = batch["sigs"], batch["hashes"]
        n = len(paragraphs)
        sizes = sets.counts()
        cache = self.cache
        cache.clock += 1  # (a new batch for the cache: see RepCache.fetch)
        # Candidates by paragraph, then oldest representative first.
        if hasattr(self.store, "lookup_pairs"):
            repeats = self._repeats(paragraphs, sets, hashes, sizes)
            order = batch_order = batch.get("order")  # (each band's rows in hash order, from the signer)
            if repeats:  # (their look-ups are not needed)
                rest = np.delete(np.arange(n), np.fromiter(repeats, dtype=np.int64, count=len(repeats)))
                order = _narrowed(order, rest, n)
                rows, ids = self.store.lookup_pairs(sigs[rest], hashes[rest], order)
                rows = rest[rows]
            else:
                rows, ids = self.store.lookup_pairs(sigs, hashes, order)
        else:
            repeats, batch_order = {}, None
            found = self.store.lookup(sigs, hashes)
            counts = np.fromiter(map(len, found), dtype=np.int64, count=n)
            rows = np.repeat(np.arange(n), counts)
            ids = np.fromiter((pid for f in found for pid in f), dtype=np.int64, count=int(counts.sum()))
            order = np.lexsort((ids, rows))
            rows, ids = rows[order], ids[order]
        keep = self.filter.keep(rows, ids, sigs, sizes)  # candidates the signatures do not rule out
        rows, ids = rows[keep], ids[keep]
        cache.fetch(distinct(ids.copy()), self.store, new_batch=False)
        pairs, codes, jac, cont = batch["pairs"]
        known: dict[tuple[int, int], int] = {}  # in-batch pair -> its row in pairs
        earlier: dict[int, list[int]] = {}
        for k, (a, b) in enumerate(pairs.tolist()):
            known[(a, b)] = k
            earlier.setdefault(b, []).append(a)
        codes, jac, cont = codes.tolist(), jac.tolist(), cont.tolist()
        # Every paragraph against its indexed candidates from other documents, in one compiled
        # pass over the sets where the cache keeps them; a paragraph's match is the oldest
        # representative that verifies.  (A representative gone from the store is not cached:
        # it is skipped.)
        code = cache.doc_code.get  # (RepCache.code)
        para_doc = np.array([code(doc, -1) for doc in paragraphs.ids], dtype=np.int64)[paragraphs.owner]
        # D001 is across documents (and a redone file must not match itself)
        cross = (cache.offset[ids] >= 0) & (cache.doc[ids] != para_doc[rows])
        indexed = self._first_matches(sets, rows[cross], ids[cross])
        if hasattr(self.store, "lookup_pairs"):
            self._remember(indexed, rows[~cross], ids[~cross], sets, sizes, hashes)
        if repeats:
            indexed = dict(sorted({**indexed, **repeats}.items()))  # (by paragraph, as found)
        # The verifier's batch: rows 0..n-1 are this batch's paragraphs, then the matched
        # representatives (the only ones :meth:`_owned_similarities` and the loop below compare).
        matched = cache.reps(list(dict.fromkeys([pid for pid, _ in indexed.values()])))  # (one Rep an id)
        rep_row = dict(zip(matched, range(n, n + len(matched))))
        rep_offsets, rep_values = cache.sets(np.fromiter(matched, dtype=np.int64, count=len(matched)))
        offsets = np.concatenate([sets.offsets, rep_offsets[1:] + sets.offsets[-1]])
        shingles = ShingleBatch(offsets, np.concatenate([sets.values, rep_values]),
                                np.zeros(len(offsets) - 1, dtype=np.int64), int(self.params.ngram))
        verifier = Verifier(shingles, float(self.params.threshold), containment=self.params.containment,
                            min_containment_shingles=int(self.params.min_containment_shingles))
        owned = self._owned_similarities(verifier, indexed, earlier, rep_row)
        first_id = self.store.reserve(n)
        # Only the paragraphs with a candidate are looked at one by one, in order; the others
        # are new representatives.  A row repeats the Rep in owner[row], or is its own.
        owner: dict[int, Rep] = {}
        out = []
        append = out.append
        looked_at = sorted(indexed.keys() | earlier.keys())
        for i, (pos, doc, number, start, end, where, para) in zip(looked_at, paragraphs.take(looked_at)):
            found = indexed.get(i)
            if found is not None:
                rep = owner[i] = matched[found[0]]
                append((pos, doc, rep, number, start, end, where, found[1], para))
                continue
            best = None
            tried: set[int] = set()
            best_id = -1
            for j in sorted(earlier[i]):
                r = owner.get(j)
                rid, rdoc = (first_id + j, paragraphs.doc(j)) if r is None else (r.id, r.doc)
                if rid in tried or rdoc == doc:
                    continue
                tried.add(rid)
                if rid in rep_row:
                    known_sim = owned.get((rep_row[rid], i))
                    sim = (verifier.similarity(rep_row[rid], i) if known_sim is None
                           else similarity_from(*known_sim))
                else:
                    k = known.get((rid - first_id, i))  # a representative of this batch
                    sim = (verifier.similarity(rid - first_id, i) if k is None
                           else similarity_from(codes[k], jac[k], cont[k]))
                if sim.ok and (best is None or rid < best_id):
                    best, best_id = (r if r is not None else j, sim), rid
            if best is None:
                continue
            if not isinstance(best[0], Rep):  # (a new representative of this batch, row j)
                j = best[0]
                _pos, rdoc, rnumber, rstart, rend, *_rest = paragraphs[j]
                best = (Rep(first_id + j, rdoc, rnumber, rstart, rend, sets.shingles(j)), best[1])
            rep, sim = best
            owner[i] = rep
            append((pos, doc, rep, number, start, end, where, sim, para))
        self.clusters_hit.update([m[2].id for m in out])
        if owner:
            new_rows = np.delete(np.arange(n), np.fromiter(owner, dtype=np.int64, count=len(owner)))
        else:
            new_rows = np.arange(n)
        if len(new_rows):
            offsets, values = _gather(sets.values, sets.offsets[new_rows], sizes[new_rows])
            new = RepBatch(new_rows + first_id, *paragraphs.column(new_rows),  # doc, number, start, end
                           offsets, values, sigs[new_rows], hashes[new_rows], _narrowed(batch_order, new_rows, n))
            self.store.add(new)
            self.cache.add_batch(new)
            self.filter.add(new.ids, new.sigs, sizes[new_rows])
        return out

    def _repeats(self, paragraphs: PlacedParagraphs, sets: Any, hashes: np.ndarray,
                 sizes: np.ndarray) -> dict[int, tuple[int, Any]]:
        """Paragraph -> ``(id, similarity)`` for the paragraphs of the batch that exactly repeat one matched before.

        A paragraph with the shingle set of an earlier batch's paragraph P
        has P's signature and buckets, so its candidates older than P's
        match R are P's, and each was ruled out for P by its signature or by
        the exact comparison (:meth:`_remember` keeps only those matches):
        it is ruled out again the same way.  R is then this paragraph's
        match, with P's similarity (the same sets), provided R is from
        another document and still cached (marked used by this batch);
        otherwise the paragraph is looked up as usual.  (Only with a store
        whose representatives all come from this process, in id order.)
        """
        heads = self._matched_heads
        if not heads:
            return {}
        known, cache = self._matched_sets, self.cache
        blob, at = None, None
        out: dict[int, tuple[int, Any]] = {}
        for x, head in enumerate(hashes[:, 0].tolist()):
            if head not in heads:
                continue
            if blob is None:  # (a set's bytes sliced from the batch's: no array view and copy a set)
                blob, at = _set_bytes(sets)
            found = known.get(blob[at[x] : at[x + 1]])
            if found is None:
                continue
            pid = found[0]
            if cache.offset[pid] < 0 or cache.docs[cache.doc[pid]] == paragraphs.doc(x):
                continue
            cache.used[pid] = cache.clock
            out[x] = found
        return out

    def _remember(self, indexed: dict[int, tuple[int, Any]], out_rows: np.ndarray, out_ids: np.ndarray, sets: Any,
                  sizes: np.ndarray, hashes: np.ndarray) -> None:
        """Keep the matches of *indexed* that an exact repeat of their paragraph will find again (see :meth:`_repeats`).

        *out_rows*, *out_ids* are the candidates passed over for another
        reason than their signature or the comparison (not cached, or from
        the paragraph's own document), grouped by paragraph, oldest first:
        a match with such a candidate before it is not kept (the repeat,
        from another document, might match that one).
        """
        if not indexed:
            return
        known, heads = self._matched_sets, self._matched_heads
        if len(known) >= _REPEATS:
            known.clear()
            heads.clear()
        first_out: dict[int, int] = {}
        if len(out_rows):
            starts = np.flatnonzero(np.diff(out_rows, prepend=-1))
            first_out = dict(zip(out_rows[starts].tolist(), out_ids[starts].tolist()))
        blob, at = _set_bytes(sets)
        first_heads = hashes[:, 0].tolist()
        for x, found in indexed.items():
            passed = first_out.get(x)
            if (passed is not None and passed < found[0]) or at[x] == at[x + 1]:
                continue
            known[blob[at[x] : at[x + 1]]] = found
            heads.add(first_heads[x])

    @staticmethod
    def _owned_similarities(verifier: Any, indexed: dict[int, tuple[int, Any]], earlier: dict[int, list[int]],
                            rep_row: dict[int, int]) -> dict[tuple[int, int], tuple[int, float, float]]:
        """``(verdict, Jaccard, containment)`` of ``(representative row, paragraph row)`` pairs :meth:`matches` will weigh.

        A paragraph without an indexed match is compared with the
        representatives of its earlier candidates in the batch; those already
        matched to an indexed representative (*indexed*) are known now, so
        these pairs are counted in one compiled pass (``similarity_from`` of
        a row is :meth:`~cleaner.dedup.cluster.Verifier.similarity` of the
        pair).  Pairs found only later in the loop are compared there.
        """
        pairs = [(rep_row[indexed[j][0]], i) for i, js in earlier.items() if i not in indexed
                 for j in js if j in indexed]
        if not pairs:
            return {}
        codes, jac, cont = (x.tolist() for x in verifier.similarity_arrays(pairs))
        return dict(zip(pairs, zip(codes, jac, cont)))

    def _first_matches(self, sets: Any, rows: np.ndarray, ids: np.ndarray) -> dict[int, tuple[int, Any]]:
        """Paragraph -> ``(id, similarity)`` of its first candidate representative that verifies.

        *rows* and *ids* are the candidate pairs (paragraph row in the
        batch's shingle sets *sets*, cached representative id), grouped by
        paragraph, each group in candidate order.  The compiled pass reads
        the representatives' sets where :class:`RepCache` keeps them and
        stops at a paragraph's first match; it needs the sets distinct and
        sorted, as they are here (:meth:`~cleaner.dedup.minhash.ShingleBatch.shingle_sets`
        in the worker, and the same in the store).  Without the compiled
        kernels, every pair is compared by a :class:`~cleaner.dedup.cluster.Verifier`
        (the same verdicts and values).
        """
        from cleaner.dedup import _fast
        from cleaner.dedup.cluster import Verifier, similarities_from
        from cleaner.dedup.minhash import ShingleBatch

        params, cache = self.params, self.cache
        fast = _fast.kernels(len(rows))
        if fast is None:
            n = len(sets)
            rep_ids = distinct(ids.copy())
            rep_offsets, rep_values = cache.sets(rep_ids)
            offsets = np.concatenate([sets.offsets, rep_offsets[1:] + sets.offsets[-1]])
            verifier = Verifier(ShingleBatch(offsets, np.concatenate([sets.values, rep_values]),
                                             np.zeros(len(offsets) - 1, dtype=np.int64), int(params.ngram)),
                                float(params.threshold), containment=params.containment,
                                min_containment_shingles=int(params.min_containment_shingles))
            codes, jac, cont = verifier.similarity_arrays(
                np.stack([n + np.searchsorted(rep_ids, ids), rows], axis=1))
            hit = np.flatnonzero(codes > 0)
            rows, first = np.unique(rows[hit], return_index=True)
            at = hit[first]
            codes, jac, cont = codes[at], jac[at], cont[at]
        else:
            para_rows = rows
            starts = np.flatnonzero(np.diff(para_rows, prepend=-1))  # (grouped by row: each group's first pair)
            rows = para_rows[starts]
            at, codes, jac, cont = fast.first_verified(
                cache.arena, cache.offset[ids], cache.size[ids], sets.values, sets.offsets, para_rows,
                np.append(starts, len(ids)), float(params.threshold), params.containment,
                int(params.min_containment_shingles))
            found = at >= 0
            rows, at, codes, jac, cont = rows[found], at[found], codes[found], jac[found], cont[found]
        return dict(zip(rows.tolist(), zip(ids[at].tolist(), similarities_from(codes.tolist(), jac.tolist(),
                                                                               cont.tolist()))))

    def _finding(self, rep: Rep, doc: str, number: int, start: int, end: int, where: tuple[int, int, int, int],
                 sim: Any) -> dict[str, Any]:
        """The D001 finding of paragraph *number* of *doc*, worded and shaped as the in-memory stage words and shapes it.

        The in-memory stage's :func:`~cleaner.dedup.stage._message` and
        :func:`~cleaner.dedup.stage._data` for a cluster of two (*rep* and
        this paragraph) whose id is the representative's, built directly.
        """
        _score = self._score
        if _score is None:  # (imported once, not for every finding)
            from cleaner.dedup.stage import _score

            self._score = _score
        line, column, end_line, end_column = where
        return {"start": start, "end": end, "line": line, "column": column, "end_line": end_line,
                "end_column": end_column, "code": RULE_CODE, "name": "near-duplicate",
                "message": f"near-duplicate of {rep.doc} paragraph {rep.number}, "
                           f"{_score(sim.measure, sim.score, sim.jaccard, sim.containment)}",
                "severity": self.severity,
                "data": {"cluster": rep.id, "kind": "cross-source", "paragraph": number,
                         "duplicate_of": {"path": rep.doc, "paragraph": rep.number, "start": rep.start,
                                          "end": rep.end},
                         "similarity": round(sim.score, 4), "measure": sim.measure,
                         "jaccard": round(sim.jaccard, 4), "containment": round(sim.containment, 4),
                         "size": 2, "members": [{"path": rep.doc, "paragraph": rep.number},
                                                {"path": doc, "paragraph": number}]}}

    def count(self) -> int:
        return self.store.count()

    def commit(self) -> None:
        self.store.commit()

    def close(self) -> None:
        self.store.close()


def open_corpus_dedup(spec: str, config: Any) -> CorpusDedup | None:
    """The streaming D001 pass for *config*, or None when D001 is not selected.

    Raises :class:`InputError` for bad dedup settings or an index that cannot be opened.
    """
    from cleaner.registry import get_rule

    import cleaner.dedup.rules  # noqa: F401  (registers D001)

    rule = get_rule(RULE_CODE)
    if rule is None or not any(r.code == RULE_CODE for r in config.active_rules()):
        return None
    from cleaner.dedup.stage import params_from_config

    try:
        params = params_from_config(config)
    except (TypeError, ValueError) as exc:
        raise InputError(f"bad dedup settings: {exc}") from None
    if params.representative != "first":
        raise InputError(f"the corpus engine keeps the first copy of a paragraph; representative "
                         f"{params.representative!r} (--dedup-keep) needs the in-memory pipeline "
                         "(a folder of .txt files without corpus options)")
    return CorpusDedup(spec, params, config.severity.get(RULE_CODE, rule.severity))
