"""The near-duplicate stage of the batch pipeline (D001, D002, ``--drop-duplicates``).

Registered in :data:`cleaner.pipeline.CROSS_DOCUMENT_STAGES`, so it runs in
``cleaner clean`` and ``cleaner check`` after every document's own rules:

1. each document's *cleaned* text is segmented (so markup and mojibake the
   rules removed do not hide a duplicate), and each paragraph's span is
   mapped back to the original text with :class:`cleaner.engine.OffsetMap`;
2. :func:`cleaner.dedup.core.dedup_paragraphs` clusters the paragraphs;
3. every copy that is not its cluster's representative gets a D001 finding
   (``near-duplicate of seeds/001_….txt paragraph 4, J=0.78``) whose
   ``data`` names the twin (path, paragraph, offsets), the cluster and the
   similarity, so reports can link the two; with D002 selected, repeats
   inside one document get D002 findings the same way;
4. with ``config.drop_duplicates`` (``cleaner clean --drop-duplicates``) the
   copies are removed as D001 edits folded into the document's edit list
   (:func:`cleaner.engine.compose`), so ``cleaner restore`` still rebuilds
   the original byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cleaner.config import Config
from cleaner.dedup.core import DedupParams, DuplicateCluster, ParagraphRef, dedup_paragraphs
from cleaner.dedup.segment import Paragraph, segment_paragraphs
from cleaner.engine import OffsetMap, apply_edits, compose
from cleaner.model import Document, Edit, Finding
from cleaner.pipeline import CROSS_DOCUMENT_STAGES
from cleaner.registry import get_rule
from cleaner.rules._lines import line_spans, remove_lines

#: Keys of ``config.dedup`` that belong to other parts of cleaner (the persistent index).
FOREIGN_KEYS = frozenset({"index", "index_threshold"})
#: A finding's ``data.members`` lists at most this many members of its cluster (``data.size`` has the count).
MAX_LISTED_MEMBERS = 20


def params_from_config(config: Config, *, intra_document: bool = False) -> DedupParams:
    """The :class:`DedupParams` of ``config.dedup`` (kebab-case keys accepted).

    Raises ``ValueError`` with a readable message for an unknown key or a bad value.
    """
    options = {str(k).replace("-", "_"): v for k, v in (config.dedup or {}).items()}
    options = {k: v for k, v in options.items() if k not in FOREIGN_KEYS}
    if intra_document:
        options["intra_document"] = True
    return DedupParams.from_options(options)


@dataclass
class _Placed:
    """A paragraph of the cleaned text and where it came from in the original."""

    doc: Document
    para: Paragraph  # offsets in the cleaned text
    ref: ParagraphRef  # offsets in the original text


def near_duplicate_stage(docs: list[Document], config: Config) -> None:
    """Add D001/D002 findings (and, with ``drop_duplicates``, D001 edits) to *docs* in place."""
    d001, d002 = get_rule("D001"), get_rule("D002")
    if d001 is None or d002 is None or len(docs) < 1:
        return
    if config.per_file_ignores:
        cross_on = {d.id: _selected(config, d001, d.id) for d in docs}
        intra_on = {d.id: _selected(config, d002, d.id) for d in docs}
    else:  # the same answer for every document
        cross_all, intra_all = config.is_selected(d001), config.is_selected(d002)
        cross_on = dict.fromkeys((d.id for d in docs), cross_all)
        intra_on = dict.fromkeys((d.id for d in docs), intra_all)
    if not any(cross_on.values()) and not any(intra_on.values()):
        return
    try:
        params = params_from_config(config, intra_document=any(intra_on.values()))
    except (TypeError, ValueError) as exc:
        docs[0].findings.append(Finding(0, 0, f"near-duplicate detection skipped: bad dedup settings: {exc}",
                                        code=d001.code, name=d001.name, severity="error"))
        return

    placed: dict[tuple[str, int], _Placed] = {}
    refs: list[ParagraphRef] = []
    for doc in docs:
        current = doc.cleaned if doc.cleaned is not None else doc.text
        omap = OffsetMap(doc.edits)
        for p in segment_paragraphs(current, max_chars=params.max_chars, window_chars=params.window_chars):
            start = omap.to_original(p.start, right=True)
            end = max(start, omap.to_original(p.end, right=False))
            ref = ParagraphRef(doc.id, p.number, start, end, p.text)
            placed[(doc.id, p.number)] = _Placed(doc, p, ref)
            refs.append(ref)
    result = dedup_paragraphs(refs, params)

    drops: dict[str, list[tuple[Paragraph, str]]] = {}
    for clusters, rule, enabled in ((result.clusters, d001, cross_on), (result.repeats, d002, intra_on)):
        severity = config.severity.get(rule.code, rule.severity)
        for c in clusters:
            for m in c.duplicates:
                item = placed[(m.ref.doc, m.ref.number)]
                if not enabled[m.ref.doc]:
                    continue
                message = _message(c, m)
                item.doc.findings.append(Finding(m.ref.start, m.ref.end, message, code=rule.code,
                                                 name=rule.name, severity=severity, data=_data(c, m)))
                if config.drop_duplicates and rule is d001:
                    drops.setdefault(m.ref.doc, []).append((item.para, message))
    for doc in docs:
        doc.findings.sort(key=lambda f: (f.start, f.end, f.code))
        if doc.id in drops:
            _drop(doc, drops[doc.id], d001)


def _selected(config: Config, rule: Any, path: str) -> bool:
    return any(r.code == rule.code for r in config.active_rules(path))


def _score(measure: str, similarity: float, jaccard: float, containment: float) -> str:
    if measure == "containment":
        return f"contained C={containment:.2f}, J={jaccard:.2f}"
    return f"J={similarity:.2f}"


def _message(c: DuplicateCluster, m: Any) -> str:
    rep = c.representative
    where = "of this document" if c.kind == "intra-document" else f"of {rep.doc}"
    return f"near-duplicate {where} paragraph {rep.number}, {_score(m.measure, m.similarity, m.jaccard, m.containment)}"


def _data(c: DuplicateCluster, m: Any) -> dict[str, Any]:
    rep = c.representative
    return {
        "cluster": c.id,
        "kind": c.kind,
        "paragraph": m.ref.number,
        "duplicate_of": {"path": rep.doc, "paragraph": rep.number, "start": rep.start, "end": rep.end},
        "similarity": round(m.similarity, 4),
        "measure": m.measure,
        "jaccard": round(m.jaccard, 4),
        "containment": round(m.containment, 4),
        "size": len(c.members),
        # every copy's finding names the others, up to a bound (a cluster of
        # thousands must not make the log quadratic)
        "members": [{"path": x.ref.doc, "paragraph": x.ref.number} for x in c.members[:MAX_LISTED_MEMBERS]],
    }


def drop_edits(text: str, paragraphs: list[tuple[Paragraph, str]]) -> list[Edit]:
    """Edits (in *text*'s coordinates) that remove *paragraphs*, each with its reason.

    Whole lines go with their line break and the blank lines after them
    (as the boilerplate rules remove lines); a sentence window goes with
    the spaces that follow it (or precede it, at the end of its line).
    """
    lines = line_spans(text)
    marked: dict[int, str] = {}
    edits: list[Edit] = []
    for para, reason in paragraphs:
        if para.kind == "window":
            s, e = para.start, para.end
            line = lines[para.last_line] if para.last_line < len(lines) else None
            line_end = line.end if line is not None else len(text)
            while e < line_end and text[e] in " \t":
                e += 1
            if e == line_end:
                while s > 0 and text[s - 1] in " \t":
                    s -= 1
            edits.append(Edit(s, e, "", reason))
        else:
            for i in range(para.first_line, para.last_line + 1):
                marked[i] = reason
    edits.extend(remove_lines(text, lines, marked))
    edits.sort(key=lambda e: (e.start, e.end))
    out: list[Edit] = []
    for e in edits:  # windows and lines never overlap, but be safe
        if out and e.start < out[-1].end:
            continue
        out.append(e)
    return out


def _drop(doc: Document, paragraphs: list[tuple[Paragraph, str]], rule: Any) -> None:
    current = doc.cleaned if doc.cleaned is not None else doc.text
    reasons = [(p, f"{msg}; dropped (--drop-duplicates)") for p, msg in paragraphs]
    new = drop_edits(current, reasons)
    if not new:
        return
    doc.edits = compose(doc.text, doc.edits, current, new, rule)
    doc.cleaned = apply_edits(current, new)


if near_duplicate_stage not in CROSS_DOCUMENT_STAGES:
    CROSS_DOCUMENT_STAGES.append(near_duplicate_stage)
