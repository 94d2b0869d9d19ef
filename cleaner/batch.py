"""The corpus engine: stream input files through the rules in parallel, resumably.

:func:`run` is what ``cleaner clean`` runs for JSONL, Parquet, HTML and
compressed inputs or any corpus option (``-j``, shards, ``--engine``,
``--index``).  For each input file (see :mod:`cleaner.io.readers`) it

1. reads the file in batches (memory is bounded by the batch size, not the
   file size),
2. sends the batches to worker processes (``jobs``: this process and
   ``jobs - 1`` workers, :mod:`cleaner.parallel`, or Ray,
   :mod:`cleaner.ray_engine`): they decode, clean, serialise, and
   shingle and sign the cleaned paragraphs; results come back in input
   order, so ``-j N`` writes exactly the bytes ``-j 1`` writes,
3. checks the paragraphs against the near-duplicate index, in order
   (:mod:`cleaner.dedup.index`: D001 findings, and with
   ``--drop-duplicates`` the copies removed),
4. writes the output in the input's format through an atomic sink
   (:mod:`cleaner.io.writers`), and
5. records a completion marker under ``OUT/.cleaner/done/``.

At the end it combines the log records of text and HTML files into
``OUT/cleaner-log.jsonl`` and writes ``OUT/stats.json``
(:mod:`cleaner.stats`).

Re-running the same command skips every file whose marker matches the
run's settings, so an interrupted run resumes where it stopped; a file that
was being written when the run stopped has no marker and no output (only a
temporary file that is removed), and is done again.

Before cleaning, a cheap first pass counts the short lines of every document
(:class:`~cleaner.rules.boilerplate.CorpusStats`, merged across workers) so
the corpus-level rule B002 sees the same statistics whatever the number of
jobs.  With ``--shard-index I --num-shards N`` a run handles only the files
whose name hashes to shard *I*; the statistics are then those of the shard.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cleaner.rules  # noqa: F401  (registers the rules before workers fork)
from cleaner import __version__
from cleaner.config import Config
from cleaner.engine import time_limit_scope
from cleaner.io.decoding import NotTextError, decode, encode_output
from cleaner.io.files import InputError, atomic_write
from cleaner.io.readers import Batch, InputFile, discover, extract_html_text, iter_batches
from cleaner.io.writers import ParquetSink, Sink
from cleaner.model import Document, Edit, Finding
from cleaner.parallel import OrderedPool, default_jobs
from cleaner.pipeline import (_ORJSON_OPTIONS, LOG_NAME, MAX_FILE_BYTES, _non_finite, _orjson, _orjson_bytes, clean_document,
                              clean_documents, json_bytes, json_record, log_line, log_record, safe_join, sha256_bytes)
from cleaner.progress import Progress
from cleaner.rules.boilerplate import CorpusStats
from cleaner.stats import Stats, summary_line

STATE_DIR = ".cleaner"
CLEANER_FIELD = "cleaner"


@dataclass
class RunOptions:
    """Settings of a corpus run that are not rule settings."""

    text_field: str = "text"
    id_field: str | None = None
    jobs: int = 0  # 0: all cores
    shard_index: int = 0
    num_shards: int = 1
    batch_docs: int = 256
    batch_bytes: int = 4 << 20
    progress: str = "auto"  # "auto", "bar", "json" or "off"
    engine: str = "local"  # "local" or "ray"
    index: str | None = None  # persistent dedup index (path or redis:// URL)
    max_error_messages: int = 1000


@dataclass
class RunReport:
    """What :func:`run` did: the totals, the per-file and per-record errors, the paths written."""

    stats: Stats = field(default_factory=Stats)
    files: int = 0
    files_done: int = 0
    files_skipped: int = 0
    file_errors: list[str] = field(default_factory=list)
    record_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log_path: Path | None = None
    stats_path: Path | None = None
    index: str | None = None
    index_paragraphs: int | None = None

    def summary(self) -> str:
        return summary_line(self.stats, seconds=self.seconds, files=self.files, skipped=self.files_skipped)


# ---------------------------------------------------------------------------
# Worker side: pure functions of a payload and the run state.

_STATE: dict[str, Any] = {}


def set_state(config: Config, corpus: CorpusStats | None, text_field: str, id_field: str | None,
              dedup: Any = None) -> None:
    """Set what the workers need (inherited by forked workers; sent once to Ray actors)."""
    _STATE.update(config=config, config_sha256=config.sha256(), corpus=corpus, text_field=text_field,
                  id_field=id_field, dedup=dedup, rules=None)


def _decode_unit(fmt: str, data: bytes) -> tuple[str, dict[str, Any]]:
    """The document text of a whole text or HTML file and its ``source`` description."""
    if len(data) > MAX_FILE_BYTES:
        raise NotTextError(f"file is {len(data)} bytes, over the {MAX_FILE_BYTES}-byte limit")
    dec = decode(data)
    if fmt == "html":
        text = extract_html_text(dec.text)
        # The document is the extracted text; restore gives that text back.
        return text, {"encoding": "utf-8", "bom": False, "errors": "surrogateescape"
                      if dec.errors == "surrogateescape" else "strict", "extracted_from": "html"}
    source = dec.source_info()
    source["sha256"] = sha256_bytes(data)
    return dec.text, source


def _count(stats: Stats, doc: Document) -> None:
    stats.documents += 1
    for e in doc.edits:
        stats.edits[e.code] += 1
    for f in doc.findings:
        stats.findings[f.code] += 1


def _text_of(record: Any, text_field: str) -> str:
    if not isinstance(record, dict):
        raise ValueError(f"a record must be a JSON object, not {type(record).__name__}")
    if text_field not in record:
        raise ValueError(f"no {text_field!r} field (see --text-field)")
    text = record[text_field]
    if not isinstance(text, str):
        raise ValueError(f"the {text_field!r} field is {type(text).__name__}, not a string")
    return text


def _record_id(record: dict, rel: str, line: int, id_field: str | None) -> str:
    """The record's ``id_field`` (required when given), else its ``id`` if any, else ``file:line``."""
    if id_field:
        if record.get(id_field) is None:
            raise ValueError(f"no {id_field!r} field (see --id-field)")
        return str(record[id_field])
    if record.get("id") is not None:
        return str(record["id"])
    return f"{rel}:{line}"


def _check_text(text: str) -> None:
    """Refuse text that has no UTF-8 form (a lone surrogate from a ``\\ud800`` JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"the text holds {text[exc.start]!r} at offset {exc.start}, a lone surrogate "
                         "that has no UTF-8 form") from None


def _record_line(record: dict[str, Any], field: dict[str, Any]) -> tuple[bytes, tuple | None]:
    """The output line of a JSONL *record* with its ``cleaner`` *field*, and where the field's findings are.

    The line is exactly ``json_bytes(record | {"cleaner": field}) + b"\\n"``.  In
    the usual case (the input has no ``cleaner`` key, the field's findings
    come last, ``orjson`` writes everything, see
    :func:`cleaner.pipeline.json_bytes`) the line ends with the findings'
    JSON, and the second value says where each finding's JSON is, so that
    the driver can add D001 findings (:func:`_add_findings`) without parsing
    or dumping the record again; otherwise it is None.
    """
    if CLEANER_FIELD not in record and next(reversed(field), None) == "findings" and _orjson is not None:
        findings = field["findings"]
        try:
            dumps, options = _orjson.dumps, _ORJSON_OPTIONS
            head = dumps(record, option=options)
            opening = dumps({**field, "findings": ()}, option=options)[:-2]  # ... [
            items = [dumps(f, option=options) for f in findings]
        except TypeError:  # (orjson.JSONEncodeError): the stdlib writes this one
            pass
        else:
            if len(head) > 2:  # not "{}": the field follows ","
                line = b"".join((head[:-1], _FIELD_KEY, opening, b",".join(items), b"]}}\n"))
                # orjson writes NaN and infinities as null: those records are the stdlib's (json_bytes)
                if b"null" not in line or not (_non_finite(record) or _non_finite(field)):
                    slots = (len(head) - 1 + len(_FIELD_KEY) + len(opening),
                             [(f["start"], f["end"], f["code"]) for f in findings], [len(x) for x in items])
                    return line, slots
    record[CLEANER_FIELD] = field
    return json_bytes(record) + b"\n", None


_FIELD_KEY = b',"' + CLEANER_FIELD.encode("ascii") + b'":'


def _finding_key(f: dict[str, Any]) -> tuple[int, int, str]:
    return f["start"], f["end"], f["code"]


def _add_findings(line: bytes, slots: tuple, new: list[Any],
                  texts: list[str] | None = None) -> tuple[bytes, tuple] | None:
    """*line* (from :func:`_record_line`) with the *new* findings among its own, in order; None if it cannot.

    *new* are findings as dicts or, when their JSON *texts* are given (as
    :func:`to_json` writes them), their ``(start, end, code)`` keys.  The
    findings stay sorted by (start, end, code), a new one after the line's
    own with the same key: what extending the list and sorting it again
    gives.  None when ``orjson`` would not write a finding (a lone
    surrogate, a NaN, an integer beyond 64 bits: the whole line is then
    the stdlib's, see :func:`cleaner.pipeline.json_bytes`): the caller
    dumps the record again.
    """
    if texts is None:
        added = [_orjson_bytes(f) for f in new]
        if None in added:  # (the stdlib writes this finding, and then the whole line)
            return None
        new = [_finding_key(f) for f in new]
    else:
        try:
            added = [t.encode("utf-8") for t in texts]
        except UnicodeEncodeError:
            return None
        for a in added:  # (a NaN is the stdlib's writing; "NaN" in a string merely takes the slow way)
            if b"NaN" in a or b"Infinity" in a:
                return None
    return _splice_findings(line, slots, new, added)


def _splice_findings(line: bytes, slots: tuple, new: list[tuple[int, int, str]],
                     added: list[bytes]) -> tuple[bytes, tuple]:
    """:func:`_add_findings` of findings already written: their ``(start, end, code)`` keys *new* and JSON *added*.

    *added* must be what orjson writes for each (UTF-8, no NaN or infinity).
    """
    start, keys, lengths = slots
    view = memoryview(line)  # (the pieces of the line are joined without copying them first)
    items, at = [], start
    for n in lengths:
        items.append(view[at : at + n])
        at += n + 1
    end = at - 1 if lengths else start
    keys, items = keys + new, items + added
    order = sorted(range(len(keys)), key=keys.__getitem__)  # (stable: the line's own first on equal keys)
    items = [items[k] for k in order]
    return (b"".join((view[:start], b",".join(items), view[end:])),
            (start, [keys[k] for k in order], [len(x) for x in items]))


#: ``_STATE["rules"]`` when the rules depend on the document's path (``per_file_ignores``).
_PER_DOCUMENT = "per document"


def _rules() -> tuple | str:
    """The run's active rules, or :data:`_PER_DOCUMENT`."""
    rules = _STATE.get("rules")
    if rules is None:  # once a run: without per-file ignores, every document has the same rules
        config: Config = _STATE["config"]
        rules = _STATE["rules"] = _PER_DOCUMENT if config.per_file_ignores else tuple(config.active_rules())
    return rules


def _clean(doc: Document) -> Document:
    rules = _rules()
    return clean_document(doc, _STATE["config"], corpus=_STATE.get("corpus"),
                          rules=None if rules is _PER_DOCUMENT else rules)


def _clean_all(docs: list[Document]) -> list[Exception | None]:
    """Clean *docs* in place, together (:func:`cleaner.pipeline.clean_documents`); for each, the exception
    that stopped its cleaning, or None.

    If cleaning them together fails, each is cleaned alone, so that the
    exception is that of the document that raised it and the others are
    cleaned all the same.
    """
    rules = _rules()
    if rules is not _PER_DOCUMENT and len(docs) > 1:
        try:
            clean_documents(docs, _STATE["config"], corpus=_STATE.get("corpus"), rules=rules)
            return [None] * len(docs)
        except Exception:
            pass
    problems: list[Exception | None] = []
    for doc in docs:
        try:
            _clean(doc)
            problems.append(None)
        except Exception as exc:
            problems.append(exc)
    return problems


def work(payload: tuple) -> dict[str, Any]:
    """Clean one payload (a group of batches) and return what the writer needs."""
    mode, items = payload
    if mode == "stats":
        return {"corpus": _corpus_stats(items)}
    with time_limit_scope():  # (one SIGALRM handler for the payload, not one per document)
        return {"results": [_work_batch(*item) for item in items]}


def _corpus_stats(items: list[tuple]) -> CorpusStats:
    """The :class:`CorpusStats` of the documents of *items*, a batch's texts counted at once."""
    cs = CorpusStats()
    text_field = _STATE["text_field"]
    for kind, fmt, rel, out_rel, first, units in items:
        texts: list[str] = []
        if kind == "file":
            try:
                texts.append(_decode_unit(fmt, units[0])[0])
            except NotTextError:
                pass
        elif kind == "lines":
            append = texts.append
            for line in units:
                try:
                    append(_text_of(json_record(line), text_field))
                except ValueError:
                    pass
        elif kind == "columns":
            texts = [t for t in units["texts"] if isinstance(t, str)]
        cs.add_all(texts)
    return cs


def _work_batch(kind: str, fmt: str, rel: str, out_rel: str, first: int, units: Any) -> dict[str, Any]:
    config: Config = _STATE["config"]
    text_field = _STATE["text_field"]
    id_field = _STATE["id_field"]
    stats = Stats()
    errors: list[str] = []
    if kind == "error":
        return {"errors": [units], "stats": stats}
    if kind == "file":
        data = units[0]
        try:
            text, source = _decode_unit(fmt, data)
        except NotTextError as exc:
            stats.errors += 1
            return {"errors": [f"{rel}: not a text file ({exc}); skipped"], "stats": stats}
        try:
            doc = _clean(Document(id=out_rel, text=text, source=source))
            out = encode_output(doc.cleaned if doc.cleaned is not None else doc.text)
            log = log_line(log_record(doc, config, config_sha256=_STATE["config_sha256"]))
        except Exception as exc:  # one bad file must not stop the run
            stats.errors += 1
            return {"errors": [f"{rel}: cannot clean this file ({type(exc).__name__}: {exc}); skipped"], "stats": stats}
        _count(stats, doc)
        stats.bytes_in += len(data)
        stats.bytes_out += len(out)
        sigs = _signatures([(0, doc)])
        res = {"out": out, "log": log, "errors": errors, "stats": stats, "sigs": sigs}
        if sigs:
            res["docs"] = {0: doc}  # the driver rebuilds the log record if it adds D001 findings
        return res
    if kind == "lines":
        chunks: list[bytes] = []  # one output line per record kept
        slots: list[tuple | None] = []  # where each line's findings are (see _record_line)
        kept: list[tuple[int, Document]] = []
        todo: list[tuple[int, dict, bytes, Document]] = []
        failed: list[tuple[int, str]] = []  # (line, message), reported in line order
        for i, line in enumerate(units):
            n = first + i
            if not line.strip():
                continue
            try:
                record = json_record(line)
                text = _text_of(record, text_field)
                doc_id = _record_id(record, rel, n, id_field)
            except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
                msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                failed.append((n, f"{rel}:{n}: {'not valid JSON: ' if isinstance(exc, json.JSONDecodeError) else ''}"
                                  f"{msg}; record skipped"))
                continue
            try:
                data = _utf8(text)
            except ValueError as exc:
                failed.append((n, f"{rel}:{n}: cannot clean this record ({exc}); record skipped"))
                continue
            todo.append((n, record, data, Document(id=doc_id, text=text, source={"file": rel, "line": n,
                                                                                "sha256": sha256_bytes(data)})))
        for (n, record, data, doc), problem in zip(todo, _clean_all([doc for _, _, _, doc in todo])):
            try:
                if problem is not None:
                    raise problem
                record[text_field] = doc.cleaned if doc.cleaned is not None else doc.text
                out, slot = _record_line(record, _cleaner_field(doc, config))
            except Exception as exc:  # one bad record must not stop the run
                failed.append((n, f"{rel}:{n}: cannot clean this record ({exc}); record skipped"))
                continue
            _count(stats, doc)
            stats.bytes_in += len(data)
            stats.bytes_out += len(data) + _utf8_growth(doc.edits)
            chunks.append(out)
            slots.append(slot)
            kept.append((len(chunks) - 1, doc))
        failed.sort(key=lambda f: f[0])
        errors.extend(msg for _, msg in failed)
        stats.errors += len(failed)
        return _with_docs({"chunks": chunks, "slots": slots, "errors": errors, "stats": stats,
                           "sigs": _signatures(kept)}, kept)
    if kind == "columns":
        texts, ids = units["texts"], units["ids"]
        cleaned: list[str | None] = [None] * len(texts)  # None: the row is skipped
        fields: list[str | None] = [None] * len(texts)
        kept = []
        rows: list[tuple[int, bytes, Document]] = []
        failed = []  # (row, message), reported in row order
        for i, text in enumerate(texts):
            n = first + i
            if not isinstance(text, str) or (ids is not None and ids[i] is None):
                what = f"{text_field!r} is not a string" if not isinstance(text, str) else f"{id_field!r} is empty"
                failed.append((i, f"{rel}:row {n}: {what}; row skipped"))
                continue
            doc_id = str(ids[i]) if ids is not None else f"{rel}:{n}"
            try:
                data = _utf8(text)
            except ValueError as exc:
                failed.append((i, f"{rel}:row {n}: cannot clean this row ({exc}); row skipped"))
                continue
            rows.append((i, data, Document(id=doc_id, text=text, source={"file": rel, "row": n,
                                                                         "sha256": sha256_bytes(data)})))
        for (i, data, doc), problem in zip(rows, _clean_all([doc for _, _, doc in rows])):
            try:
                if problem is not None:
                    raise problem
                out = doc.cleaned if doc.cleaned is not None else doc.text
                field = json_bytes(_cleaner_field(doc, config)).decode("utf-8")
            except Exception as exc:  # one bad row must not stop the run
                failed.append((i, f"{rel}:row {first + i}: cannot clean this row ({exc}); row skipped"))
                continue
            _count(stats, doc)
            stats.bytes_in += len(data)
            stats.bytes_out += len(data) + _utf8_growth(doc.edits)
            cleaned[i] = out
            fields[i] = field
            kept.append((i, doc))
        failed.sort(key=lambda f: f[0])
        errors.extend(msg for _, msg in failed)
        stats.errors += len(failed)
        return _with_docs({"texts": cleaned, "cleaner": fields, "errors": errors, "stats": stats,
                           "sigs": _signatures(kept)}, kept)
    raise ValueError(f"unknown batch kind {kind}")  # pragma: no cover


def _utf8(text: str) -> bytes:
    """*text* in UTF-8, or the ValueError of :func:`_check_text` (a lone surrogate has no UTF-8 form).

    A record's text is encoded once: the same bytes are hashed for
    ``sha256_original`` (the document's ``source["sha256"]``, which the log
    record does not repeat under ``source``) and counted for ``bytes_in``.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        _check_text(text)
        raise


def _utf8_growth(edits: list[Edit]) -> int:
    """How many UTF-8 bytes (lone surrogates as three) the cleaned text has more than the original.

    The cleaned text is the original with *edits* applied, so its length is
    the original's plus what each edit's ``after`` has more than its
    ``before``: the edits are encoded, not the whole cleaned text.
    """
    return sum(len(e.after.encode("utf-8", "surrogatepass")) - len(e.before.encode("utf-8", "surrogatepass"))
               for e in edits)


def _cleaner_field(doc: Document, config: Config) -> dict[str, Any]:
    # per-run provenance belongs in the run's log, not in every record
    return log_record(doc, config, premis=False, id_key="id", config_sha256=_STATE["config_sha256"])


def _signatures(docs: list[tuple[int, Document]]) -> dict[str, Any] | None:
    """Paragraph shingles and signatures for the streaming near-duplicate pass, computed in the worker.

    Only documents for which D001 is selected take part; see
    :meth:`cleaner.dedup.index.ParagraphSigner.paragraphs`.
    """
    signer = _STATE.get("dedup")
    if signer is None or not docs:
        return None
    config: Config = _STATE["config"]
    if config.per_file_ignores:
        docs = [(pos, d) for pos, d in docs if any(r.code == "D001" for r in config.active_rules(d.id))]
    return signer.paragraphs(docs)


def _with_docs(res: dict[str, Any], kept: list[tuple[int, Document]]) -> dict[str, Any]:
    """With ``--drop-duplicates``, send the documents back too: the driver may remove paragraphs."""
    if res.get("sigs") and _STATE["config"].drop_duplicates:
        res["docs"] = dict(kept)
    return res


def _apply_dedup(dedup: Any, batch: Batch, res: dict[str, Any]) -> None:
    """Check the batch's paragraphs against the index (in order) and add the D001 findings to their documents.

    With ``config.drop_duplicates`` the repeated paragraphs are also removed,
    as D001 edits composed into the document's edits (the in-memory stage's
    :func:`cleaner.dedup.stage._drop`), and the document is written again.

    The cyclic garbage collector is paused meanwhile: the matches and their
    findings are tens of thousands of containers without cycles, freed by
    reference counting when the batch is done; a collection started while
    they are alive would scan them all for nothing (0.4 s of 6 on 100 MB).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        _apply_dedup_findings(dedup, batch, res)
    finally:
        if enabled:
            gc.enable()


def _apply_dedup_findings(dedup: Any, batch: Batch, res: dict[str, Any]) -> None:
    from cleaner.dedup.index import RULE_CODE

    matches = dedup.matches(res.get("sigs"))  # (position, doc id, ...): see CorpusDedup.matches
    if not matches:
        return
    config: Config = _STATE["config"]
    stats: Stats = res["stats"]
    stats.duplicates += len(matches)
    stats.findings[RULE_CODE] += len(matches)
    by_pos: dict[int, list[int]] = {}  # (the matches of each document, by their place in matches)
    for k, m in enumerate(matches):
        by_pos.setdefault(m[0], []).append(k)
    docs: dict[int, Document] = res.get("docs") or {}
    written: list[bytes | None] | None = None  # the JSON of every finding, written for the batch at once
    for pos, ks in by_pos.items():
        found = [matches[k] for k in ks]
        doc = docs.get(pos)
        if doc is None and batch.kind == "lines" and res["slots"][pos] is not None:
            # findings only, and the line ends with its findings: splice their JSON in, leave the rest as it is
            if written is None:
                written = dedup.findings_bytes(matches)
            added = [written[k] for k in ks]
            if None not in added:
                res["chunks"][pos], res["slots"][pos] = _splice_findings(
                    res["chunks"][pos], res["slots"][pos], [(m[4], m[5], RULE_CODE) for m in found], added)
                continue
        new = [(dedup.finding(m), m) for m in found]
        if doc is None:  # findings only: patch the record's ``cleaner`` field
            rec = json.loads(res["chunks"][pos] if batch.kind == "lines" else res["cleaner"][pos])
            findings = (rec[CLEANER_FIELD] if batch.kind == "lines" else rec)["findings"]
            findings.extend(f for f, _ in new)
            findings.sort(key=lambda f: (f["start"], f["end"], f["code"]))
            if batch.kind == "lines":
                res["chunks"][pos], res["slots"][pos] = json_bytes(rec) + b"\n", None
            else:
                res["cleaner"][pos] = json_bytes(rec).decode("utf-8")
            continue
        doc.findings.extend(Finding.from_json(f) for f, _ in new)
        doc.findings.sort(key=lambda f: (f.start, f.end, f.code))
        before = doc.cleaned if doc.cleaned is not None else doc.text
        if config.drop_duplicates:
            from cleaner.dedup.stage import _drop
            from cleaner.registry import get_rule

            n_edits = len(doc.edits)
            _drop(doc, [(dedup.paragraph(m), f["message"]) for f, m in new], get_rule("D001"))
            stats.edits["D001"] += len(doc.edits) - n_edits
        after = doc.cleaned if doc.cleaned is not None else doc.text
        stats.bytes_out += len(after.encode("utf-8", "surrogatepass")) - len(before.encode("utf-8", "surrogatepass"))
        if batch.kind == "file":
            res["out"] = encode_output(after)
            res["log"] = log_line(log_record(doc, config, config_sha256=_STATE["config_sha256"]))
        elif batch.kind == "lines":
            rec = json.loads(res["chunks"][pos])
            rec[_STATE["text_field"]] = after
            rec[CLEANER_FIELD] = _cleaner_field(doc, config)
            res["chunks"][pos], res["slots"][pos] = json_bytes(rec) + b"\n", None
        else:
            res["texts"][pos] = after
            res["cleaner"][pos] = json_bytes(_cleaner_field(doc, config)).decode("utf-8")


# ---------------------------------------------------------------------------
# Driver side.


def shard_of(rel: str, num_shards: int) -> int:
    """The shard (0-based) a file belongs to: a stable hash of its relative name."""
    return zlib.crc32(rel.encode("utf-8", "surrogateescape")) % num_shards


def fingerprint(config: Config, opts: RunOptions) -> str:
    """What a completion marker must match for a file to count as done."""
    blob = json.dumps({"config": config.sha256(), "text_field": opts.text_field, "id_field": opts.id_field,
                       "version": __version__, "index": opts.index}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def marker_path(out_dir: Path, rel: str) -> Path:
    key = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return out_dir / STATE_DIR / "done" / f"{key}.json"


def read_marker(out_dir: Path, inp: InputFile, fp: str) -> dict[str, Any] | None:
    """The completion marker of *inp* if it matches *fp* and the output is there."""
    try:
        marker = json.loads(marker_path(out_dir, inp.rel).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("fingerprint") != fp or marker.get("rel") != inp.rel:
        return None
    if not safe_join(out_dir, inp.output_rel).exists():
        return None
    return marker


def select_files(files: list[InputFile], opts: RunOptions) -> list[InputFile]:
    if opts.num_shards <= 1:
        return files
    return [f for f in files if shard_of(f.rel, opts.num_shards) == opts.shard_index]


def _payload(b: Batch) -> tuple:
    units = b.units
    if b.kind == "columns":
        units = {"texts": units["texts"], "ids": units["ids"]}
    return (b.kind, b.file.format, b.file.rel, b.file.output_rel, b.first_line, units)


@dataclass
class _Item:
    """A batch in flight: where it comes from and whether it ends its file."""

    batch: Batch
    last: bool
    error: str | None = None


def _file_items(files: list[InputFile], opts: RunOptions) -> Iterator[_Item]:
    for inp in files:
        prev: Batch | None = None
        try:
            for b in iter_batches(inp, batch_docs=opts.batch_docs, batch_bytes=opts.batch_bytes,
                                  text_field=opts.text_field, id_field=opts.id_field):
                if prev is not None:
                    yield _Item(prev, False)
                prev = b
        except Exception as exc:  # a corrupt or unreadable file: report it, go on with the next
            if prev is not None:
                yield _Item(prev, False)
            msg = str(exc) if isinstance(exc, InputError) else f"{inp.rel}: cannot read: {exc}"
            yield _Item(Batch(inp, "error", msg), True, error=msg)
            continue
        if prev is not None:
            yield _Item(prev, True)


def _group(items: Iterator[_Item], opts: RunOptions, mode: str = "clean") -> Iterator[tuple[list[_Item], tuple]]:
    """Group consecutive batches into tasks of about ``batch_docs`` documents or ``batch_bytes`` bytes."""
    group: list[_Item] = []
    docs = size = 0
    for it in items:
        group.append(it)
        b = it.batch
        if b.kind == "file":
            docs += 1
            size += len(b.units[0])
        elif b.kind == "lines":
            docs += len(b.units)
            size += sum(map(len, b.units))
        elif b.kind == "columns":
            docs += len(b.units["texts"])
            size += b.bytes_read
        if docs >= opts.batch_docs or size >= opts.batch_bytes:
            yield group, (mode, [_payload(i.batch) for i in group])
            group, docs, size = [], 0, 0
    if group:
        yield group, (mode, [_payload(i.batch) for i in group])


class _Writer:
    """Writes the results of one input file, in order, then its marker."""

    def __init__(self, out_dir: Path, inp: InputFile, fp: str, text_field: str = "text"):
        self.text_field = text_field
        self.out_dir = out_dir
        self.inp = inp
        self.fp = fp
        self.stats = Stats()
        self.logs: list[str] = []
        self.sink: Any = None
        self.target = safe_join(out_dir, inp.output_rel)
        self.schema: Any = None

    def add(self, batch: Batch, res: dict[str, Any]) -> None:
        self.stats.merge(res["stats"])
        kind = batch.kind
        if kind == "file":
            if "out" in res:
                atomic_write(self.target, res["out"])
                self.logs.append(res["log"])
        elif kind == "lines":
            if self.sink is None:
                self.sink = Sink(self.target, self.inp.compression)
            self.sink.write(b"".join(res["chunks"]))
        elif kind == "columns":
            import pyarrow as pa

            if self.sink is None:
                self.sink = ParquetSink(self.target)
            rb = batch.units["record_batch"]
            keep = [t is not None for t in res["texts"]]
            table = pa.Table.from_batches([rb])
            if not all(keep):
                table = table.filter(pa.array(keep))
            texts = [t for t in res["texts"] if t is not None]
            fields = [f for f in res["cleaner"] if f is not None]
            col = table.schema.get_field_index(batch.units["text_field"])
            table = table.set_column(col, pa.field(batch.units["text_field"], pa.string()), pa.array(texts, pa.string()))
            if CLEANER_FIELD in table.schema.names:
                table = table.drop_columns([CLEANER_FIELD])
            table = table.append_column(pa.field(CLEANER_FIELD, pa.string()), pa.array(fields, pa.string()))
            self.schema = table.schema
            self.sink.write_table(table)

    def finish(self) -> None:
        if self.sink is not None:
            if isinstance(self.sink, ParquetSink):
                self.sink.commit(self.schema)
            else:
                self.sink.commit()
        elif self.inp.format == "jsonl":  # an empty JSONL file gives an empty output
            Sink(self.target, self.inp.compression).commit()
        elif self.inp.format in ("txt", "html") and not self.logs:
            return  # the file was skipped (not text): no output, no marker
        marker = {"rel": self.inp.rel, "output": self.inp.output_rel, "format": self.inp.format,
                  "text_field": self.text_field,
                  "fingerprint": self.fp, "stats": self.stats.to_json(), "log": self.logs}
        atomic_write(marker_path(self.out_dir, self.inp.rel), log_line(marker).encode("utf-8"))

    def abort(self) -> None:
        if self.sink is not None:
            self.sink.abort()


def run(paths: list[str], out_dir: Path, config: Config, opts: RunOptions | None = None,
        *, echo: Callable[[str], None] | None = None) -> RunReport:
    """Clean every input file named by *paths* into *out_dir*; see the module docstring.

    Per-file and per-record problems are reported through *echo* (one line
    each), counted, and the run goes on.  Raises :class:`InputError` for a
    problem that stops the run (a path that does not exist, output files
    that would collide).
    """
    with collector_tuned_for_batches():
        return _run(paths, out_dir, config, opts, echo)


#: Python's cyclic garbage collector during a run: a first-generation
#: collection after this many new container objects (the default, 700, is
#: made for programs whose containers form cycles; a run makes millions of
#: short-lived lists, dicts and tuples that do not, and collecting them every
#: 700 allocations took 10-20% of the CPU time of cleaning the bench corpus).
GC_THRESHOLD = (50_000, 50, 100)


@contextmanager
def collector_tuned_for_batches() -> Iterator[None]:
    """Run the block with :data:`GC_THRESHOLD`, the objects alive at its start frozen; then put both back.

    Frozen objects (modules, word tables, compiled patterns) are left out of
    every collection, and forked workers do not touch their pages, so they
    stay shared between processes (:func:`gc.freeze`).
    """
    old, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        if not frozen_before:  # the caller's own frozen objects stay frozen
            gc.unfreeze()


def _run(paths: list[str], out_dir: Path, config: Config, opts: RunOptions | None,
         echo: Callable[[str], None] | None) -> RunReport:
    opts = opts or RunOptions()
    echo = echo or (lambda s: None)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    if opts.num_shards < 1 or not 0 <= opts.shard_index < opts.num_shards:
        raise InputError(f"--shard-index must be in 0..{opts.num_shards - 1}")
    skipped: list[str] = []
    all_files = discover(list(paths), exclude=out_dir, on_error=lambda name, msg: skipped.append(f"{name}: {msg}"))
    _check_collisions(all_files)
    files = select_files(all_files, opts)
    jobs = opts.jobs or default_jobs()
    fp = fingerprint(config, opts)
    report = RunReport(files=len(files))
    for msg in skipped:
        echo(f"cleaner: {msg}")
        report.file_errors.append(msg)
        report.stats.errors += 1
    for stage in _in_memory_only_stages():
        echo(f"cleaner: note: the cross-document stage {stage} runs in the in-memory pipeline only")

    todo: list[InputFile] = []
    for inp in files:
        marker = read_marker(out_dir, inp, fp)
        if marker is None:
            todo.append(inp)
        else:
            report.files_skipped += 1
            report.stats.merge(Stats.from_json(marker["stats"]))

    dedup = None
    if todo:
        from cleaner.dedup.index import open_corpus_dedup

        dedup = open_corpus_dedup(opts.index or str(_default_index(out_dir, fp, opts)), config)
        report.index = opts.index

    if todo:
        corpus = _corpus_stats_pass(files, config, opts, jobs) if _needs_corpus_stats(config) else None
        set_state(config, corpus, opts.text_field, opts.id_field, dedup.signer if dedup else None)
        progress = Progress(sum(f.size for f in todo), mode=opts.progress)
        if opts.engine == "ray":
            from cleaner.ray_engine import ray_results

            results = ray_results(_group(_file_items(todo, opts), opts), opts, jobs)
        else:
            if sum(f.size for f in todo) >= WARM_UP_BYTES:
                warm_up(config, dedup.signer if dedup else None)
            pool = OrderedPool(jobs)
            pool.__enter__()
            results = pool.map(work, _group(_file_items(todo, opts), opts))
        writers: dict[str, _Writer] = {}
        try:
            for items, out in results:
                for it, res in zip(items, out["results"]):
                    inp = it.batch.file
                    w = writers.get(inp.rel)
                    if w is None:
                        w = writers[inp.rel] = _Writer(out_dir, inp, fp, opts.text_field)
                    for msg in res.get("errors", []):
                        echo(f"cleaner: {msg}")
                        if len(report.record_errors) < opts.max_error_messages:
                            report.record_errors.append(msg)
                    if it.error is not None:
                        w.abort()
                        del writers[inp.rel]
                        report.file_errors.append(it.error)
                        report.stats.errors += 1
                        continue
                    if dedup is not None:
                        _apply_dedup(dedup, it.batch, res)
                    w.add(it.batch, res)
                    progress.update(res["stats"].documents, it.batch.bytes_read)
                    if it.last:
                        if dedup is not None:
                            dedup.commit()  # before the marker: a finished file is always in the index
                        w.finish()
                        del writers[inp.rel]
                        report.stats.merge(w.stats)
                        report.files_done += 1
        except BaseException as exc:
            for w in writers.values():
                w.abort()
            if opts.engine != "ray":
                pool.__exit__(type(exc), exc, exc.__traceback__)  # do not wait for queued batches
            else:
                from cleaner.ray_engine import shutdown

                shutdown()
            progress.close()
            raise
        if opts.engine != "ray":
            pool.__exit__(None, None, None)
        progress.close()
    if dedup is not None:
        report.stats.duplicate_clusters = len(dedup.clusters_hit)
        report.index_paragraphs = dedup.count()
        dedup.close()
    if opts.engine == "ray":
        from cleaner.ray_engine import shutdown

        shutdown()
    report.seconds = time.perf_counter() - started
    report.log_path = _combine_logs(out_dir, all_files, fp)
    report.stats_path = _write_stats(out_dir, report, opts, jobs)
    return report


#: Local runs over at least this many bytes of input warm up first (see :func:`warm_up`).
WARM_UP_BYTES = 8_000_000
#: The sample text the driver cleans to warm up (in ``cleaner/data``).
WARM_UP_SAMPLE = "warm_up.txt"


def warm_up(config: Config, signer: Any = None) -> None:
    """Build, in this process, what every worker would otherwise build for itself.

    The rules and the near-duplicate signer load compiled kernels, word
    tables and word lists the first time they need them: about 1.5 s of CPU
    in each process.  Called before the workers are forked, this builds them
    once; the workers share the copy (copy-on-write).  With one process (``-j
    1``) it builds nothing more than the run would, only sooner: the first
    texts then take the kernels' way, not the patterns' (the same results,
    ``tests/test_joins_fast.py``), and the run never builds the frequency
    dictionaries that way needs (0.2 s for English).  It loads the kernels
    (:func:`cleaner.rules._joins.load_kernel`, :func:`cleaner.dedup._fast.kernels`),
    then cleans and signs a sample news text (``cleaner/data/warm_up.txt``)
    and throws the result away.  What that leaves behind is only caches of
    pure functions (the answer for a line or a text does not depend on what
    was asked before), so the run's output is the same with or without it.
    """
    from cleaner.dedup import _fast
    from cleaner.rules import _joins
    from cleaner.rules._lines import sample_text

    try:
        _joins.load_kernel()
        _fast.kernels()
        sample = sample_text(WARM_UP_SAMPLE)
        doc = clean_document(Document(id="warm-up", text=sample, source={}), config)
        if signer is not None:
            signer.paragraphs([(0, doc)])
    except Exception:  # only a head start: if it fails, each worker builds its own as usual
        pass


def _in_memory_only_stages() -> list[str]:
    """Cross-document stages of :mod:`cleaner.pipeline` that the corpus engine does not stream.

    The near-duplicate stage is streamed (:mod:`cleaner.dedup.index`); any
    other stage registered in ``CROSS_DOCUMENT_STAGES`` needs the whole run in
    memory, so the user is told it did not run.
    """
    from cleaner.pipeline import CROSS_DOCUMENT_STAGES

    return [f"{s.__module__}.{s.__name__}" for s in CROSS_DOCUMENT_STAGES
            if getattr(s, "__name__", "") != "near_duplicate_stage"]


def _default_index(out_dir: Path, fp: str, opts: RunOptions) -> Path:
    """The run's own paragraph index when no ``--index`` is given (one per shard: shards may run at once)."""
    shard = f"-shard-{opts.shard_index}-of-{opts.num_shards}" if opts.num_shards > 1 else ""
    return out_dir / STATE_DIR / f"index-{fp[:16]}{shard}.sqlite"


def _needs_corpus_stats(config: Config) -> bool:
    return any(r.code == "B002" for r in config.active_rules())


def _corpus_stats_pass(files: list[InputFile], config: Config, opts: RunOptions, jobs: int) -> CorpusStats | None:
    """Count the short lines of every document of the run (merged across workers)."""
    set_state(config, None, opts.text_field, opts.id_field)
    stats = CorpusStats()
    items = (it for it in _file_items(files, opts) if it.error is None)
    if opts.engine == "ray":
        from cleaner.ray_engine import ray_results

        for _, out in ray_results(_group(items, opts, "stats"), opts, jobs):
            stats.merge(out["corpus"])
    else:
        with OrderedPool(jobs) as pool:
            for _, out in pool.map(work, _group(items, opts, "stats")):
                stats.merge(out["corpus"])
    # Only lines in two or more documents can ever matter to B002.
    stats.line_docs = type(stats.line_docs)({k: v for k, v in stats.line_docs.items() if v >= 2})
    return stats if stats.documents > 1 else None


def _check_collisions(files: list[InputFile]) -> None:
    seen: dict[str, str] = {}
    for f in files:
        if f.output_rel in seen:
            raise InputError(f"{f.path} and {seen[f.output_rel]} would both be written to {f.output_rel}")
        seen[f.output_rel] = f.path


def _combine_logs(out_dir: Path, files: list[InputFile], fp: str) -> Path:
    """``OUT/cleaner-log.jsonl``: the log records of every finished text and HTML file, in input order."""
    lines: list[str] = []
    for inp in files:
        if inp.format not in ("txt", "html"):
            continue
        marker = read_marker(out_dir, inp, fp)
        if marker is not None:
            lines.extend(marker.get("log", []))
    log = out_dir / LOG_NAME
    atomic_write(log, ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
    return log


def _write_stats(out_dir: Path, report: RunReport, opts: RunOptions, jobs: int) -> Path:
    name = "stats.json" if opts.num_shards <= 1 else f"stats-shard-{opts.shard_index}-of-{opts.num_shards}.json"
    body = report.stats.to_json() | {
        "files": report.files,
        "files_processed": report.files_done,
        "files_resumed": report.files_skipped,
        "file_errors": report.file_errors,
        "record_errors": report.record_errors,
        "wall_time_s": round(report.seconds, 3),
        "mb_per_s": round(report.stats.bytes_in / 1e6 / report.seconds, 3) if report.seconds else None,
        "jobs": jobs,
        "engine": opts.engine,
        "index": report.index,
        "index_paragraphs": report.index_paragraphs,
        "tool_version": __version__,
    }
    path = out_dir / name
    try:
        data = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a message quoting undecodable bytes: escape it
        data = (json.dumps(body, indent=2, ensure_ascii=True) + "\n").encode("ascii")
    atomic_write(path, data)
    return path


# ---------------------------------------------------------------------------
# Command-line glue for ``cleaner clean`` (the options live here so clean.py stays small).

SCALE_OPTION_NAMES = ("jobs", "shard_index", "num_shards", "text_field", "id_field", "engine", "index", "progress")


def click_options(f: Callable) -> Callable:
    """Add the corpus options (-j, --shard-*, --text-field, --id-field, --engine, --index, --progress)."""
    import click

    options = [
        click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
                     help="Processes (this one and N-1 workers; default: all cores; 0 also means all cores)."),
        click.option("--shard-index", type=click.IntRange(min=0), default=None,
                     help="Handle only shard I of --num-shards (0-based); each file is in exactly one shard."),
        click.option("--num-shards", type=click.IntRange(min=1), default=None,
                     help="Split the input files into N shards (Slurm arrays, CI matrices)."),
        click.option("--text-field", default=None, help="JSONL/Parquet field holding the text (default: text)."),
        click.option("--id-field", default=None, help="JSONL/Parquet field holding the document id (default: id when present, else file:line)."),
        click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
                     help="local processes (default) or a Ray cluster (pip install 'cleaner[ray]')."),
        click.option("--index", default=None,
                     help="Keep the near-duplicate paragraph index (D001) across runs: a SQLite file or redis://host:port/db."),
        click.option("--progress", type=click.Choice(["auto", "bar", "json", "off"]), default=None,
                     help="Progress on stderr: a bar on a terminal, JSON lines otherwise (auto)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def wants_corpus_engine(paths: list[str] | tuple[str, ...], scale: dict[str, Any]) -> bool:
    """Use the corpus engine when a corpus option is given or an input is not plain text.

    A folder of ``.txt`` files with no corpus option keeps the in-memory
    pipeline (:func:`cleaner.pipeline.process`), which also runs the
    cross-document stages.
    """
    if any(scale.get(k) is not None for k in SCALE_OPTION_NAMES):
        return True
    try:
        files = discover(list(paths))
    except InputError:
        return False  # let the in-memory path report the error as it always has
    return any(f.format != "txt" or f.compression for f in files)


def run_cli(paths: tuple[str, ...], out_dir: Path, config: Config, scale: dict[str, Any]) -> RunReport:
    """Run the corpus engine for ``cleaner clean`` and print the summary (raises click errors)."""
    import click

    opts = RunOptions(
        text_field=scale.get("text_field") or "text",
        id_field=scale.get("id_field"),
        jobs=scale.get("jobs") or 0,
        shard_index=scale.get("shard_index") or 0,
        num_shards=scale.get("num_shards") or 1,
        engine=scale.get("engine") or "local",
        index=scale.get("index"),
        progress=scale.get("progress") or "auto",
    )
    if (scale.get("shard_index") is None) != (scale.get("num_shards") is None):
        raise click.UsageError("--shard-index and --num-shards go together")
    try:
        report = run(list(paths), out_dir, config, opts, echo=lambda s: click.echo(s, err=True))
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write output: {exc}") from None
    click.echo(f"{report.summary()}; stats: {report.stats_path}", err=True)
    return report


# ---------------------------------------------------------------------------
# Restore


def restore_records(out_dir: Path, dest: Path) -> tuple[int, list[Any]]:
    """Rebuild the original text of every record of the JSONL and Parquet outputs of *out_dir* under *dest*.

    Each record gets its text field back (``restore_text`` of the cleaned
    text and the record's edits, checked against ``sha256_original``) and
    loses its ``cleaner`` field; other fields are as they were.  Records
    are re-serialised, so a JSONL line equals the input line as JSON, not
    necessarily byte for byte.  Returns the number of files restored and the
    per-file problems.
    """
    from cleaner.engine import RestoreError, restore_text
    from cleaner.io.readers import detect_format
    from cleaner.model import Edit
    from cleaner.pipeline import FileError, spaced_json_bytes

    def original(cleaned: str, info: dict[str, Any]) -> str:
        text = restore_text(cleaned, [Edit.from_json(e) for e in info["edits"]])
        if sha256_bytes(text.encode("utf-8")) != info["sha256_original"]:
            raise RestoreError(f"record {info.get('id')!r}: restored text does not match sha256_original")
        return text

    done = 0
    errors: list[Any] = []
    for path in sorted((out_dir / STATE_DIR / "done").glob("*.json")):
        try:
            marker = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        fmt, rel, field_name = marker.get("format"), marker.get("output", ""), marker.get("text_field", "text")
        if fmt not in ("jsonl", "parquet"):
            continue
        try:
            src, target = safe_join(out_dir, rel), safe_join(dest, rel)
            if fmt == "jsonl":
                compression = detect_format(rel)[1]
                from cleaner.io.readers import open_binary

                sink = Sink(target, compression)
                try:
                    with open_binary(str(src), compression) as fh:
                        for line in fh:
                            if not line.strip():
                                continue
                            rec = json.loads(line)
                            info = rec.pop(CLEANER_FIELD)
                            rec[field_name] = original(rec[field_name], info)
                            sink.write(spaced_json_bytes(rec) + b"\n")  # (json.dumps's format, as before)
                except BaseException:
                    sink.abort()
                    raise
                sink.commit()
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pq.read_table(src)
                texts = table.column(field_name).to_pylist()
                infos = [json.loads(x) for x in table.column(CLEANER_FIELD).to_pylist()]
                restored = [original(t, i) for t, i in zip(texts, infos)]
                col = table.schema.get_field_index(field_name)
                table = table.set_column(col, pa.field(field_name, pa.string()), pa.array(restored, pa.string()))
                table = table.drop_columns([CLEANER_FIELD])
                psink = ParquetSink(target)
                try:
                    psink.write_table(table)
                except BaseException:
                    psink.abort()
                    raise
                psink.commit(table.schema)
            done += 1
        except (OSError, ValueError, KeyError, RestoreError, InputError, ImportError) as exc:
            errors.append(FileError(rel, f"cannot restore: {exc}"))
    return done, errors
