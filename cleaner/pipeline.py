"""The batch pipeline: read → rules → engine → (dedup) → write.

Data flows one way.  :func:`read_documents` decodes input files into
:class:`~cleaner.model.Document` objects (a file that cannot be read becomes
a :class:`FileError`, and the run goes on); :func:`process` gathers the
corpus statistics, runs the rules and the cross-document stages;
:func:`write_outputs` writes cleaned files and the log atomically.  The
command-line interface is a thin face over these functions.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner import __version__
from cleaner.config import Config
from cleaner.engine import (DEFAULT_MAX_PASSES, CleanResult, RestoreError, clean_text, restore_text, run_rules_batch,
                            time_limit_scope)
from cleaner.io.decoding import NotTextError, decode, encode, encode_output
from cleaner.io.files import InputError, atomic_write, iter_input_files
from cleaner.model import Document, Edit, Finding
from cleaner.registry import Rule
from cleaner.rules.boilerplate import CorpusStats

LOG_NAME = "cleaner-log.jsonl"
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass
class FileError:
    """A per-file problem: reported, counted, and the run goes on."""

    path: str
    message: str


@dataclass
class RunResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_documents(paths: list[str], *, exclude: Path | None = None) -> Iterator[Document | FileError]:
    """Decode every input file; undecodable or unreadable files become :class:`FileError`.

    Folders that cannot be listed, special files (FIFOs, devices: reading one
    could block for ever), files over :data:`MAX_FILE_BYTES`, unreadable files
    and binary data each become a :class:`FileError`, and the run goes on.
    A missing path raises :class:`InputError` before anything is read, and so
    do two different files that would get the same document id (``a/x.txt``
    and ``b/x.txt`` named directly, or the same relative path in two folders).
    """
    pending: list[FileError] = []
    seen: dict[str, Path] = {}  # document id -> the file it came from
    for file, rel in iter_input_files(paths, exclude=exclude,
                                      on_error=lambda name, msg: pending.append(FileError(name, msg))):
        yield from pending
        pending.clear()
        if rel in seen:
            if os.path.abspath(seen[rel]) == os.path.abspath(file):
                continue  # the same file named twice
            # Two inputs with one name would overwrite each other's output and log line.
            raise InputError(f"{seen[rel]} and {file} would both be written to {rel}")
        seen[rel] = file
        try:
            st = file.stat()
            if not stat.S_ISREG(st.st_mode):
                yield FileError(rel, "not a regular file (a FIFO, socket or device); skipped")
                continue
            size = st.st_size
            if size > MAX_FILE_BYTES:
                yield FileError(rel, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit; skipped")
                continue
            data = file.read_bytes()
        except OSError as exc:
            yield FileError(rel, f"cannot read: {exc.strerror or exc}")
            continue
        try:
            dec = decode(data)
        except NotTextError as exc:
            yield FileError(rel, f"not a text file ({exc}); skipped")
            continue
        source = dec.source_info()
        source["sha256"] = sha256_bytes(data)
        yield Document(id=rel, text=dec.text, source=source)
    yield from pending


CrossDocumentStage = Callable[[list[Document], Config], None]
#: Stages that run after the per-document rules over the whole run (near-duplicates…).
CROSS_DOCUMENT_STAGES: list[CrossDocumentStage] = []


#: :func:`process` cleans its documents this many at a time (see :func:`clean_documents`).
BATCH_DOCUMENTS = 64


def process(docs: list[Document], config: Config) -> list[Document]:
    """Run the rules over *docs* (in place) and the cross-document stages."""
    stats = CorpusStats.from_texts(d.text for d in docs) if len(docs) > 1 else None
    with time_limit_scope():
        if config.per_file_ignores:  # each document its own rules
            for doc in docs:
                clean_document(doc, config, corpus=stats)
        else:
            rules = config.active_rules()
            for i in range(0, len(docs), BATCH_DOCUMENTS):
                clean_documents(docs[i : i + BATCH_DOCUMENTS], config, corpus=stats, rules=rules)
    for stage in CROSS_DOCUMENT_STAGES:
        stage(docs, config)
    return docs


def clean_document(doc: Document, config: Config, corpus: Any = None, rules: Sequence[Rule] | None = None) -> Document:
    """Run the rules over *doc* and fill in its cleaned text, edits, findings and metadata (see :func:`clean_text`)."""
    return _fill(doc, clean_text(doc.text, config, doc_id=doc.id, corpus=corpus, rules=rules))


def clean_documents(docs: Sequence[Document], config: Config, corpus: Any = None,
                    rules: Sequence[Rule] | None = None) -> None:
    """:func:`clean_document` for each of *docs*, one rule over all of them at a time (:func:`run_rules_batch`).

    The same results as cleaning them one by one, in less time.  *rules*,
    if given, must be ``config.active_rules()``, the same for every document.
    """
    results = run_rules_batch(
        [d.text for d in docs],
        config.active_rules() if rules is None else rules,
        doc_ids=[d.id for d in docs],
        options=config.rule_options,
        severities=config.severity,
        corpus=corpus,
        time_limit=config.time_limit,
        max_passes=getattr(config, "max_passes", DEFAULT_MAX_PASSES),
    )
    for doc, result in zip(docs, results):
        _fill(doc, result)


def _fill(doc: Document, result: CleanResult) -> Document:
    doc.edits = result.edits
    doc.findings = result.findings
    doc.metadata.update(result.metadata)
    doc.cleaned = result.cleaned
    return doc


class LineIndex:
    """Line and column (both 1-based, columns in code points) of offsets in a text.

    A line ends at ``\n``, ``\r\n`` or ``\r``.  The line starts are listed
    once, one ``str.find`` a line (in the usual text, without ``\r``) or one
    regular-expression match a line; an offset is then placed among them by
    bisection.
    """

    def __init__(self, text: str):
        self.text = text
        if "\r" not in text:
            starts = [0]
            append, find = starts.append, text.find
            i = find("\n")
            while i >= 0:
                i += 1
                append(i)
                i = find("\n", i)
        else:
            starts = [0]
            starts += [m.end() for m in _LINE_BREAK.finditer(text)]
        self.starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def line_text(self, line: int) -> str:
        s = self.starts[line - 1]
        e = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[s:e].rstrip("\r\n")


_LINE_BREAK = re.compile(r"\r\n?|\n")


def locate(index: LineIndex, start: int, end: int) -> dict[str, int]:
    line, col = index.position(start)
    end_line, end_col = index.position(end)
    return {"line": line, "column": col, "end_line": end_line, "end_column": end_col}


#: The documented key order of a finding in the log (keys a subclass adds come after them).
_FINDING_ORDER = ("start", "end", "line", "column", "end_line", "end_column", "code", "name", "message", "severity")


def finding_json(f: Finding, index: LineIndex) -> dict[str, Any]:
    out = f.to_json()
    out.update(locate(index, f.start, f.end))
    # keep the documented key order: start, end, line, column, end_line, end_column, ...
    return {k: out[k] for k in _FINDING_ORDER} | {k: v for k, v in out.items() if k not in _FINDING_ORDER}


def _edits_json(edits: Sequence[Edit], starts: list[int]) -> list[dict[str, Any]]:
    """``[e.to_json() | locate(index, e.start, e.end) for e in edits]``, *starts* being ``index.starts``.

    The same dicts, key for key, built in one step each (no intermediate
    dicts, no method calls).
    """
    out = []
    append = out.append
    for e in edits:
        if type(e) is not Edit:  # (a subclass may write its own JSON)
            append(e.to_json() | locate(_Starts(starts), e.start, e.end))
            continue
        s, t = e.start, e.end
        line = bisect_right(starts, s) - 1
        end_line = bisect_right(starts, t) - 1 if t != s else line
        d = {"start": s, "end": t, "before": e.before, "after": e.after, "code": e.code, "name": e.name,
             "reason": e.reason}
        if e.metadata:
            d["metadata"] = e.metadata
        d["line"] = line + 1
        d["column"] = s - starts[line] + 1
        d["end_line"] = end_line + 1
        d["end_column"] = t - starts[end_line] + 1
        append(d)
    return out


def _findings_json(findings: Sequence[Finding], starts: list[int]) -> list[dict[str, Any]]:
    """``[finding_json(f, index) for f in findings]``, *starts* being ``index.starts`` (as :func:`_edits_json`)."""
    out = []
    append = out.append
    for f in findings:
        if type(f) is not Finding:
            append(finding_json(f, _Starts(starts)))
            continue
        s, t = f.start, f.end
        line = bisect_right(starts, s) - 1
        end_line = bisect_right(starts, t) - 1 if t != s else line
        d = {"start": s, "end": t, "line": line + 1, "column": s - starts[line] + 1, "end_line": end_line + 1,
             "end_column": t - starts[end_line] + 1, "code": f.code, "name": f.name, "message": f.message,
             "severity": f.severity}
        if f.data:
            d["data"] = f.data
        append(d)
    return out


class _Starts(LineIndex):
    """A :class:`LineIndex` given its line starts (for :func:`locate`)."""

    def __init__(self, starts: list[int]):
        self.starts = starts


#: Source encodings in which the original's bytes are what :func:`encode_output` makes of the same text.
_PLAIN_UTF8 = ("utf-8", "strict"), ("utf-8", "surrogateescape")


def log_record(doc: Document, config: Config, *, premis: bool = True, id_key: str = "path",
               config_sha256: str | None = None) -> dict[str, Any]:
    """The log line for one cleaned document (see README, "Log format").

    ``premis=False`` leaves out the PREMIS provenance (per-run events, for
    the run's log, not for a record's ``cleaner`` field).  *id_key* names the
    document id's key (the first): ``path`` in the log, ``id`` in a record's
    ``cleaner`` field.

    The original's SHA-256 is ``doc.source["sha256"]`` when the reader
    already hashed its bytes; a cleaned text that is the original itself, in
    plain UTF-8, has the same bytes and is not hashed again.
    """
    text = doc.text
    source = doc.source
    cleaned = doc.cleaned if doc.cleaned is not None else text
    sha_original = source.get("sha256") or sha256_bytes(encode(text, source))
    if cleaned is text and (source.get("encoding", "utf-8"), source.get("errors", "strict")) in _PLAIN_UTF8 \
            and not source.get("bom"):
        sha_cleaned = sha_original
    else:
        sha_cleaned = sha256_bytes(encode_output(cleaned))
    edits, findings = doc.edits, doc.findings
    starts = LineIndex(text).starts if edits or findings else [0]
    record = {
        id_key: doc.id,
        "metadata": doc.metadata,
        "source": {k: v for k, v in source.items() if k != "sha256"},
        "sha256_original": sha_original,
        "sha256_cleaned": sha_cleaned,
        "tool_version": __version__,
        "config_sha256": config_sha256 or config.sha256(),
        "edits": _edits_json(edits, starts) if edits else [],
        "findings": _findings_json(findings, starts) if findings else [],
    }
    if not premis:
        return record
    # PREMIS-style provenance (events, agent, objects with SHA-256): cleaner.report.provenance
    from cleaner.report.provenance import premis_record

    record["premis"] = premis_record(doc, sha256_original=record["sha256_original"],
                                     sha256_cleaned=record["sha256_cleaned"],
                                     config_sha256=record["config_sha256"])
    return record


try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; without it the stdlib encoder writes the same lines
    _orjson = None

#: what ``orjson`` must hand to the stdlib instead of writing it (``default`` is None, so it refuses them too)
_ORJSON_OPTIONS = (_orjson.OPT_PASSTHROUGH_DATACLASS | _orjson.OPT_PASSTHROUGH_DATETIME) if _orjson else 0


def _json_encoder(ensure_ascii: bool = False, separators: tuple[str, str] = (",", ":")) -> Callable[[Any], str]:
    """``json.dumps(obj, ensure_ascii=..., separators=...)`` (compact by default), without building an encoder per call.

    ``json.dumps`` with any argument makes a new :class:`json.JSONEncoder`
    and a new C encoder each time, so this one is made once (the C encoder
    with exactly the options ``json.dumps`` gives it, or, without the C
    speedups, one :class:`json.JSONEncoder`).  Same output, byte for byte
    (tests/test_jsonl_encoding.py).  The stdlib's side of :func:`to_json`.
    """
    from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii

    if c_make_encoder is None:  # pragma: no cover - CPython always has it
        return json.JSONEncoder(ensure_ascii=ensure_ascii, separators=separators).encode
    default = json.JSONEncoder().default  # the TypeError for what JSON cannot hold
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan);
    # markers=None skips the check for circular references: a record read from JSON has none.
    encode = c_make_encoder(None, default, encode_basestring_ascii if ensure_ascii else encode_basestring,
                            None, separators[1], separators[0], False, False, True)
    return lambda obj: "".join(encode(obj, 0))  # a list of chunks: one, or several for a large object


_stdlib_json = _json_encoder()
_stdlib_ascii_json = _json_encoder(ensure_ascii=True)
_stdlib_spaced_json = _json_encoder(separators=(", ", ": "))


def _non_finite(obj: Any) -> bool:
    """Does *obj* hold a NaN or an infinity (which ``orjson`` would write as ``null``)?"""
    t = type(obj)
    if t is dict:
        obj = obj.values()
    elif t is not list and t is not tuple:
        return isinstance(obj, float) and obj - obj != 0.0
    for v in obj:
        t = type(v)
        if t is float:
            if v - v != 0.0:
                return True
        elif t is not str and t is not int and v is not None and _non_finite(v):
            return True
    return False


def _orjson_bytes(obj: Any) -> bytes | None:
    """``orjson.dumps(obj)`` where that is exactly the stdlib's compact JSON of *obj*, else None.

    orjson refuses lone surrogates, integers beyond 64 bits, non-string
    keys, sets and other objects (None, then) and writes NaN and
    infinities as ``null`` (None too: the output's ``null`` are checked).
    The only other difference is in floats below 1e-4, which it writes
    without an exponent (``0.00001`` for ``1e-05``): the same number.
    """
    if _orjson is None:  # pragma: no cover - see the import
        return None
    try:
        out = _orjson.dumps(obj, option=_ORJSON_OPTIONS)
    except TypeError:  # (orjson.JSONEncodeError)
        return None
    if b"null" in out and _non_finite(obj):
        return None
    return out


def to_json(obj: Any) -> str:
    """*obj* as compact JSON text: ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``.

    Written by ``orjson`` when it can write *obj* exactly (see
    :func:`_orjson_bytes`), by the stdlib otherwise; the text may hold lone
    surrogates (see :func:`json_bytes`).  Raises :class:`TypeError` for
    what JSON cannot hold.
    """
    out = _orjson_bytes(obj)
    return out.decode("utf-8") if out is not None else _stdlib_json(obj)


def json_bytes(obj: Any) -> bytes:
    """*obj* as one line of compact JSON in UTF-8: :func:`to_json`, encoded.

    Text stays readable, except in an object that holds undecodable bytes
    (lone surrogates from ``surrogateescape``): that one is written with
    ``\\udcXX`` escapes, which ``json.loads`` reads back to the same string,
    so ``restore`` still gets the exact bytes.
    """
    out = _orjson_bytes(obj)
    if out is not None:
        return out
    try:
        return _stdlib_json(obj).encode("utf-8")
    except UnicodeEncodeError:
        return _stdlib_ascii_json(obj).encode("ascii")


def spaced_json_bytes(obj: Any) -> bytes:
    """*obj* as ``json.dumps(obj, ensure_ascii=False)`` writes it, in UTF-8 (``\\udcXX`` escapes as in :func:`json_bytes`).

    The format ``restore`` writes records in: a JSONL file written by
    ``json.dumps`` comes back byte for byte.
    """
    try:
        return _stdlib_spaced_json(obj).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True).encode("ascii")


def log_line(record: dict[str, Any]) -> str:
    """One log record as a JSON line that is always valid UTF-8 (see :func:`json_bytes`)."""
    return json_bytes(record).decode("utf-8")


def json_record(line: bytes | str) -> Any:
    """``json.loads(line)``, by ``orjson`` where that gives the same object.

    orjson refuses ``NaN``, ``Infinity``, a byte order mark, lone
    surrogate escapes and other encodings than UTF-8, which ``json.loads``
    reads (or refuses with its own message): those lines go to
    ``json.loads``, as do lines with an integer beyond 64 bits, which
    orjson would read as a float.
    """
    if _orjson is None:  # pragma: no cover - see the import
        return json.loads(line)
    try:
        obj = _orjson.loads(line)
    except ValueError:  # (orjson.JSONDecodeError)
        return json.loads(line)
    if _big_float(obj):
        return json.loads(line)
    return obj


def _big_float(obj: Any) -> bool:
    """Does *obj* hold a whole float of 2**63 or more, which orjson may have read from a large integer?"""
    t = type(obj)
    if t is dict:
        obj = obj.values()
    elif t is not list:
        return t is float and obj.is_integer() and abs(obj) >= 9223372036854775808.0
    for v in obj:
        t = type(v)
        if t is float:
            if abs(v) >= 9223372036854775808.0 and v.is_integer():
                return True
        elif (t is dict or t is list) and _big_float(v):
            return True
    return False


def write_outputs(docs: Iterable[Document], out_dir: Path, config: Config) -> Path:
    """Write every cleaned document under *out_dir* and the log; return the log path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for doc in docs:
        target = safe_join(out_dir, doc.id)
        atomic_write(target, encode_output(doc.cleaned if doc.cleaned is not None else doc.text))
        lines.append(log_line(log_record(doc, config)))
    log = out_dir / LOG_NAME
    atomic_write(log, ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
    return log


def safe_join(root: Path, rel: str) -> Path:
    """``root / rel``, refusing any *rel* that would escape *root*."""
    rel_path = Path(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts or not rel:
        raise InputError(f"{rel!r}: document id is not a safe relative path")
    return root / rel_path


def read_log(out_dir: Path) -> list[dict[str, Any]]:
    log = out_dir / LOG_NAME
    if not log.is_file():
        raise InputError(f"{log}: no cleaner log here (run `cleaner clean … -o {out_dir}` first)")
    records = []
    with open(log, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{log}:{n}: not valid JSON ({exc.msg})") from None
    return records


def restore_document(record: dict[str, Any], cleaned_bytes: bytes) -> bytes:
    """The original bytes of one document, verified against ``sha256_original``."""
    cleaned = cleaned_bytes.decode("utf-8", "surrogateescape")
    edits = [Edit.from_json(e) for e in record["edits"]]
    text = restore_text(cleaned, edits)
    data = encode(text, record.get("source", {}))
    if sha256_bytes(data) != record["sha256_original"]:
        raise RestoreError("restored bytes do not match sha256_original")
    return data


def restore_run(out_dir: Path, dest: Path) -> tuple[int, list[FileError]]:
    """Rebuild every original listed in the log of *out_dir* under *dest*."""
    done = 0
    errors: list[FileError] = []
    for rec in read_log(out_dir):
        rel = rec["path"]
        try:
            cleaned = safe_join(out_dir, rel).read_bytes()
            data = restore_document(rec, cleaned)
            atomic_write(safe_join(dest, rel), data)
            done += 1
        except (OSError, RestoreError, InputError, KeyError, UnicodeError) as exc:
            errors.append(FileError(rel, f"cannot restore: {exc}"))
    # JSONL and Parquet outputs of the corpus engine carry their edits in each record.
    from cleaner.batch import restore_records

    files, record_errors = restore_records(out_dir, dest)
    return done + files, errors + record_errors


def output_inside_input(paths: list[str], out_dir: Path) -> bool:
    """Would writing to *out_dir* touch the inputs?

    True when the output folder is an input folder or inside one (the next
    run would read its own output), when an input folder is inside the
    output folder (its files and the log could be overwritten), or when the
    output folder holds an input file given directly (the cleaned file would
    replace the original).
    """
    out = out_dir.resolve()
    for p in paths:
        src = Path(p).resolve()
        if src.is_dir():
            if out == src or src in out.parents or out in src.parents:
                return True
        elif src.parent == out:
            return True
    return False


def environment_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


# The near-duplicate stage (D001/D002) registers itself in CROSS_DOCUMENT_STAGES.
import cleaner.dedup.stage  # noqa: E402,F401
