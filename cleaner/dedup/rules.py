"""The D rules: near-duplicate paragraphs (registered here for their codes, names and docs).

The work is cross-document, so it is done by the stage in
:mod:`cleaner.dedup.stage` after every document's own rules have run; the
rule functions below return nothing for a single document.  Selecting or
ignoring D001/D002 (``select``, ``ignore``, ``per_file_ignores``) turns the
stage's findings on or off, as for any other rule.
"""

from __future__ import annotations

from cleaner.registry import RuleContext, rule


@rule("D001", "near-duplicate",
      "Flag a paragraph that repeats, with light edits, a paragraph of another document.",
      severity="warning", fix="unsafe")
def near_duplicate(text: str, ctx: RuleContext):
    """Outlets re-run the same wire copy with light edits ("it wants" /
    "that it wants", straight or curly quotes).  After every document has
    been cleaned, its paragraphs (sentence windows for run-on bodies) are
    compared with those of every *other* document: word 3-gram shingles of
    the normalised text, MinHash LSH to find candidates, and the exact
    Jaccard similarity (or containment, for a paragraph quoted inside a
    longer one) to decide.  Clusters are protected against chaining: every
    copy is within the threshold of the cluster's representative.

    Every copy except the representative gets a finding such as
    ``near-duplicate of seeds/001_….txt paragraph 4, J=0.78``, with the twin
    in ``data.duplicate_of``.  The representative is the first copy in path
    order (``dedup.representative`` may choose ``longest`` or a source
    ``priority`` list).  ``cleaner clean --drop-duplicates`` removes the
    copies as recorded edits; ``cleaner restore`` still gives the originals.

    This function does nothing per document: the work is cross-document and
    runs in :mod:`cleaner.dedup.stage`.
    """
    return ()


@rule("D002", "repeated-paragraph",
      "Flag a paragraph repeated, with light edits, inside the same document (off by default).",
      severity="info", fix="unsafe", default_enabled=False)
def repeated_paragraph(text: str, ctx: RuleContext):
    """A paragraph that appears twice in one document (a scraper that read
    the teaser and the body, a syndication footer pasted twice).  Found by
    the same pass as D001 and reported separately, because a repeat inside
    one source is a different problem from the same copy in two sources.
    Enable with ``--extend-select D002`` (or ``select``).

    This function does nothing per document: the work is cross-document and
    runs in :mod:`cleaner.dedup.stage`.
    """
    return ()
