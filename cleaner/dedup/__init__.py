"""Near-duplicate paragraphs across documents (the D rules and ``cleaner dedup``).

The whole pass is one call::

    from cleaner.dedup import find_near_duplicates, DedupParams

    result = find_near_duplicates({"a.txt": text_a, "b.txt": text_b}, DedupParams(threshold=0.4))
    for cluster in result.clusters:
        rep = cluster.representative
        for m in cluster.duplicates:
            print(f"{m.ref.doc} ¶{m.ref.number} repeats {rep.doc} ¶{rep.number} ({m.measure} {m.similarity:.2f})")

and every step is a public function of its own module, for pipelines that
need only part of it (a persistent index, a parallel pass):

=============================  ==================================================
:mod:`~cleaner.dedup.segment`    ``segment_paragraphs(text)`` → paragraphs and
                                 sentence windows with code-point offsets
:mod:`~cleaner.dedup.normalize`  ``normalize_text``, ``words`` (reference) and
                                 ``tokenize_batch`` (numpy)
:mod:`~cleaner.dedup.minhash`    ``shingle_batch(texts, ngram)`` → CSR shingle
                                 hashes; ``minhash_signatures(batch, num_perm,
                                 seed)`` → datasketch ``affine32`` signatures;
                                 ``lean_minhash(row)`` → ``LeanMinHash``
:mod:`~cleaner.dedup.lsh`        ``lsh_params``, ``candidate_pairs`` (numpy
                                 banding), ``ParagraphIndex`` (datasketch
                                 ``MinHashLSH``, in memory or Redis)
:mod:`~cleaner.dedup.cluster`    ``Verifier`` (exact Jaccard / containment),
                                 ``cluster`` (union-find, chaining protection)
:mod:`~cleaner.dedup.core`       ``DedupParams``, ``find_near_duplicates``,
                                 ``dedup_paragraphs``, result classes
:mod:`~cleaner.dedup.stage`      the D001/D002 stage of ``cleaner clean``
=============================  ==================================================

Names are imported lazily, so ``import cleaner.dedup`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "DedupParams": "core", "DedupResult": "core", "DuplicateCluster": "core", "Member": "core",
    "ParagraphRef": "core", "dedup_paragraphs": "core", "find_near_duplicates": "core",
    "segment_documents": "core",
    "Paragraph": "segment", "segment_paragraphs": "segment", "sentence_spans": "segment",
    "normalize_text": "normalize", "words": "normalize", "tokenize_batch": "normalize",
    "ShingleBatch": "minhash", "shingle_batch": "minhash", "minhash_signatures": "minhash",
    "shingle_and_sign": "minhash", "lean_minhash": "minhash",
    "lsh_params": "lsh", "candidate_pairs": "lsh", "ParagraphIndex": "lsh",
    "Verifier": "cluster", "Similarity": "cluster",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cleaner.dedup' has no attribute {name!r}")
    return getattr(import_module(f"cleaner.dedup.{module}"), name)
