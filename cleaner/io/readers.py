"""Corpus readers: folders and globs of text, HTML, JSONL and Parquet files.

:func:`discover` turns the paths given on the command line (files, folders,
glob patterns) into a sorted list of :class:`InputFile`.  Each reader then
yields *raw units* in batches: a text or HTML file is one document, a JSONL
line is one record, a Parquet row is one record.  Decoding, parsing and
cleaning happen in :mod:`cleaner.batch`, in the worker processes, so the
reading process only moves bytes.

Compression is chosen by suffix: ``.gz``, ``.zst``/``.zstd`` (zstandard)
and ``.bz2``.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cleaner.io.files import InputError, _inside, iter_input_files

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet",)
COMPRESSIONS = {".gz": "gz", ".zst": "zst", ".zstd": "zst", ".bz2": "bz2"}

#: Suffixes picked up when a folder is searched.
FOLDER_SUFFIXES = tuple(
    s + c
    for s in TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES
    for c in ("", *COMPRESSIONS)
    if not (s in TEXT_SUFFIXES + HTML_SUFFIXES and c)
) + PARQUET_SUFFIXES

_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class InputFile:
    """One input file: where it is, its name relative to its input root, its format."""

    path: str
    rel: str
    format: str  # "txt", "html", "jsonl" or "parquet"
    compression: str | None = None
    size: int = 0

    @property
    def output_rel(self) -> str:
        """Where the cleaned output goes under OUT.

        JSONL and Parquet keep their name (and compression); text is written
        uncompressed (``a.txt.gz`` becomes ``a.txt``) and HTML becomes
        ``.txt`` (``a/p.html`` becomes ``a/p.txt``).
        """
        rel = self.rel
        if self.format in ("txt", "html") and self.compression:
            rel = rel[: rel.rfind(".")]
        if self.format == "html":
            return Path(rel).with_suffix(".txt").as_posix()
        return rel


def detect_format(name: str) -> tuple[str, str | None]:
    """``(format, compression)`` for a file name; text is the fallback format."""
    lower = name.lower()
    compression = None
    for suffix, kind in COMPRESSIONS.items():
        if lower.endswith(suffix):
            compression = kind
            lower = lower[: -len(suffix)]
            break
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet", None
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl", compression
    if lower.endswith(HTML_SUFFIXES):
        return "html", compression
    return "txt", compression


def discover(paths: list[str], *, exclude: Path | None = None,
             on_error: Callable[[str, str], None] | None = None) -> list[InputFile]:
    """Every input file named by *paths* (files, folders, globs), sorted and without repeats.

    A folder is searched recursively for text, HTML, JSONL (plain or
    compressed) and Parquet files.  A glob (``data/**/*.jsonl.gz``) is
    expanded; names are relative to the part of the pattern before the first
    wildcard.  Raises :class:`InputError` for a path or glob that matches
    nothing.  A folder that cannot be listed or a file name that is not
    valid UTF-8 goes to ``on_error(name, message)`` (and is skipped) when
    *on_error* is given.
    """
    out: list[InputFile] = []
    seen: set[str] = set()
    for p in paths:
        if _GLOB_CHARS.search(p) and not os.path.exists(p):
            matches = sorted(m for m in glob.glob(p, recursive=True)
                             if os.path.isfile(m) and not (exclude is not None and _inside(Path(m), exclude)))
            if not matches:
                raise InputError(f"{p}: the pattern matches no file")
            root = _glob_root(p)
            pairs = [(Path(m), Path(os.path.relpath(m, root)).as_posix()) for m in matches]
        else:
            pairs = list(iter_input_files([p], suffixes=FOLDER_SUFFIXES, exclude=exclude, on_error=on_error))
        for file, rel in pairs:
            key = os.path.abspath(file)
            if key in seen:
                continue
            seen.add(key)
            fmt, comp = detect_format(file.name)
            try:
                size = file.stat().st_size
            except OSError:
                size = 0
            out.append(InputFile(str(file), rel, fmt, comp, size))
    return out


def _glob_root(pattern: str) -> str:
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if _GLOB_CHARS.search(part):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."


def open_binary(path: str, compression: str | None) -> IO[bytes]:
    """Open *path* for reading, decompressing by *compression*."""
    if compression == "gz":
        return gzip.open(path, "rb")
    if compression == "bz2":
        return bz2.open(path, "rb")
    if compression == "zst":
        import zstandard

        raw = open(path, "rb")
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.BufferedReader(reader, buffer_size=1 << 20)  # type: ignore[arg-type]
    return open(path, "rb", buffering=1 << 20)


# ---------------------------------------------------------------------------
# Raw units.  A unit is what a worker needs to produce one output document.


@dataclass
class Batch:
    """Consecutive units of one input file, and how far into the file they reach."""

    file: InputFile
    kind: str  # "file" (txt/html), "lines" (jsonl), "columns" (parquet)
    units: Any
    first_line: int = 1  # line (JSONL) or row (Parquet) number of the first unit
    bytes_read: int = 0  # input-file bytes consumed since the previous batch


def iter_batches(
    inp: InputFile, *, batch_docs: int = 256, batch_bytes: int = 4 << 20,
    text_field: str = "text", id_field: str | None = None,
) -> Iterator[Batch]:
    """Yield the units of *inp* in batches of at most *batch_docs* units or about *batch_bytes* bytes.

    Memory stays bounded by the batch size whatever the file size: JSONL
    is read line by line from the (decompressing) stream and Parquet by
    record batches.
    """
    try:
        st = os.stat(inp.path)
    except OSError as exc:
        raise InputError(f"{inp.rel}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):  # reading a FIFO or a device could block for ever
        raise InputError(f"{inp.rel}: not a regular file (a FIFO, socket or device); skipped")
    if inp.format in ("txt", "html"):
        from cleaner.pipeline import MAX_FILE_BYTES

        if inp.size > MAX_FILE_BYTES:
            raise InputError(f"{inp.rel}: file is {inp.size} bytes, over the {MAX_FILE_BYTES}-byte limit; skipped")
        with open_binary(inp.path, inp.compression) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        yield Batch(inp, "file", [data], 1, inp.size)
    elif inp.format == "jsonl":
        yield from _jsonl_batches(inp, batch_docs, batch_bytes)
    elif inp.format == "parquet":
        yield from _parquet_batches(inp, batch_docs, text_field, id_field)
    else:  # pragma: no cover - detect_format only returns the formats above
        raise InputError(f"{inp.path}: unknown format {inp.format}")


def _jsonl_batches(inp: InputFile, batch_docs: int, batch_bytes: int) -> Iterator[Batch]:
    raw = open(inp.path, "rb")
    try:
        fh = _wrap(raw, inp.compression)
        lines: list[bytes] = []
        size = 0
        first = 1
        n = 0
        last_pos = 0
        for line in fh:
            n += 1
            lines.append(line)
            size += len(line)
            if len(lines) >= batch_docs or size >= batch_bytes:
                pos = raw.tell()
                yield Batch(inp, "lines", lines, first, pos - last_pos)
                last_pos = pos
                lines, size, first = [], 0, n + 1
        if lines or n == 0:
            yield Batch(inp, "lines", lines, first, max(inp.size - last_pos, 0))
    finally:
        raw.close()


def _wrap(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    if compression == "gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.BZ2File(raw, "rb")  # type: ignore[return-value]
    if compression == "zst":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=False)
        return io.BufferedReader(reader, buffer_size=1 << 20)  # type: ignore[arg-type]
    return raw


def _parquet_batches(inp: InputFile, batch_docs: int, text_field: str, id_field: str | None) -> Iterator[Batch]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise InputError(f"{inp.path}: reading Parquet needs pyarrow (pip install 'cleaner[parquet]')") from None
    try:
        pf = pq.ParquetFile(inp.path)
    except Exception as exc:
        raise InputError(f"{inp.path}: not a readable Parquet file ({exc})") from None
    names = pf.schema_arrow.names
    if text_field not in names:
        raise InputError(f"{inp.path}: no column {text_field!r} (columns: {', '.join(names)}); see --text-field")
    if id_field and id_field not in names:
        raise InputError(f"{inp.path}: no column {id_field!r} (columns: {', '.join(names)}); see --id-field")
    total_rows = max(pf.metadata.num_rows, 1)
    row = 1
    for rb in pf.iter_batches(batch_size=batch_docs):
        texts = rb.column(names.index(text_field)).to_pylist()
        ids = rb.column(names.index(id_field)).to_pylist() if id_field else None
        share = inp.size * rb.num_rows // total_rows
        yield Batch(inp, "columns", {"texts": texts, "ids": ids, "record_batch": rb, "text_field": text_field},
                    row, share)
        row += rb.num_rows


# ---------------------------------------------------------------------------
# HTML


def extract_html_text(html: str) -> str:
    """The visible text of an HTML page, one block element per paragraph.

    Elements that never hold article text (``script``, ``style``, ``nav``,
    ``footer``… listed in ``data/html_drop_tags.txt``) are removed with their
    content, and so are blocks that are mostly links (menus, tag lists,
    "more stories": link text over ``max_link_density`` of the block and
    little other text, ``data/html_reader.toml``).  Block elements (``data/html_block_tags.txt``) start a new
    paragraph, inline elements (``a``, ``em``, ``span``) run on, and runs of
    spaces inside a paragraph become one space.  The cleaning rules then see
    the result like any scraped text.  Parsing uses the standard library's
    ``html.parser`` so the result does not depend on which parsers are
    installed.
    """
    from bs4 import BeautifulSoup, Comment

    from cleaner.rules._lines import load_word_list

    soup = BeautifulSoup(html, "html.parser")
    drop = load_word_list("html_drop_tags.txt")
    for tag in soup.find_all(list(drop)):
        tag.decompose()
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    _drop_link_lists(soup)
    blocks = load_word_list("html_block_tags.txt")
    for tag in soup.find_all(list(blocks)):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    text = soup.get_text()
    paragraphs = []
    for block in _BLANK_RUN.split(text):
        para = " ".join(block.split())
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs) + ("\n" if paragraphs else "")


_BLANK_RUN = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")
_LINK_BLOCKS = ["ul", "ol", "dl", "div", "section", "table", "p", "span"]


def _html_settings() -> dict:
    from cleaner.rules._lines import load_toml

    global _SETTINGS
    if _SETTINGS is None:
        data = load_toml("html_reader.toml")
        _SETTINGS = {"density": float(data["max_link_density"]), "plain": int(data["max_plain_chars"])}
    return _SETTINGS


_SETTINGS: dict | None = None


def _drop_link_lists(soup) -> None:
    """Drop blocks that are mostly links (menus, tag lists, "more stories"), innermost first."""
    cfg = _html_settings()
    for tag in reversed(soup.find_all(_LINK_BLOCKS)):
        if tag.decomposed:
            continue
        text = " ".join(tag.get_text(" ").split())
        if not text:
            continue
        links = sum(len(" ".join(a.get_text(" ").split())) for a in tag.find_all("a"))
        if links and links / len(text) > cfg["density"] and len(text) - links < cfg["plain"]:
            tag.decompose()
