"""Render a run's report as HTML (Jinja2, autoescaped) and write it.

:func:`write_report` is what ``cleaner report`` and ``cleaner clean
--report`` call.  Up to ``split_over`` documents the report is one file;
above it, the file named is an index page and each document gets its own
page in a folder beside it (``report.html`` → ``report_files/0001.html``).
Every page is self-contained: the CSS and the small script are inlined, and
the only links are relative ones between the report's own pages.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from cleaner import __version__
from cleaner.io.files import InputError, atomic_write
from cleaner.registry import FAMILIES, all_rules
from cleaner.report.provenance import read_run_record
from cleaner.report.view import MAX_TABLE_ROWS, DocumentView, RunView, family_of, printable, read_records, safe_id

#: Above this many documents the report is split into an index and one page per document.
DEFAULT_SPLIT_OVER = 200

#: Colours for finding codes, given out in code order (CSS colour values).
FINDING_PALETTE = ("#ffe08a", "#f6b5c9", "#c9b8f2", "#a9dcf0", "#b7e4b0", "#ffc99a", "#e5d3b3", "#d0d0d0")


@dataclass
class ReportResult:
    """What :func:`write_report` wrote."""

    path: Path
    pages: list[Path] = field(default_factory=list)
    documents: int = 0
    unreadable: int = 0  # documents whose original could not be rebuilt and verified
    split: bool = False


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment: package templates, autoescaping everywhere, strict undefined."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cleaner.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=printable,
    )
    env.globals["static"] = _static
    env.filters["tokens"] = tokens_html
    env.filters["segments"] = segments_html
    env.filters["change_rows"] = change_rows_html
    env.filters["short"] = lambda s, n=12: (s or "")[:n]
    return env


def _e(value: Any) -> str:
    """*value* HTML-escaped as a plain string: ``& < > " '`` all become references,
    the same set autoescaping escapes (the stdlib's ``html.escape``, which is faster here)."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def _tokens(tokens: list[tuple[str, str]]) -> str:
    return "".join([_e(text) if kind == "t" else f'<span class="vis">{_e(text)}</span>' for kind, text in tokens])


def tokens_html(tokens: list[tuple[str, str]]) -> Markup:
    """Render view tokens: plain text escaped, made-visible symbols in ``<span class="vis">``.

    A filter rather than a macro because it runs once per text run of every
    document; the escaping (:func:`_e`) covers the same characters autoescaping does.
    """
    return Markup(_tokens(tokens))


def segments_html(segments: list[dict[str, Any]]) -> Markup:
    """Render a document's text segments (see :func:`cleaner.report.view.build_segments`).

    Every value is escaped (:func:`_e`, as autoescaping would) after
    :func:`printable`.  Written in Python rather than as a template macro
    because a long document has thousands of segments and macro calls
    dominated rendering time.
    """
    out: list[str] = []
    append = out.append
    for s in segments:
        kind = s["kind"]
        if kind == "text":
            body = _tokens(s["tokens"])
            if s["css"]:
                body = f'<mark class="{_e(s["css"])}" title="{_e(printable(s["title"]))}">{body}</mark>'
            append(body)
        elif kind == "edit":
            css = f"chg fam-{s['family']}" + (" ws" if s["ws_only"] else "") + (f" {s['css']}" if s["css"] else "")
            title = f"{s['code']} {s['name']}: {s['reason']}" + (f"\n{s['title']}" if s["title"] else "")
            before = f"<del>{_tokens(s['before'])}</del>" if s["before"] else ""
            after = f"<ins>{_tokens(s['after'])}</ins>" if s["after"] else ""
            code = _e(printable(s["code"]))
            label = f'<a class="code" href="#{_e(s["row"])}">{code}</a>' if s["row"] else f'<span class="code">{code}</span>'
            append(f'<span class="{_e(css)}" id="{_e(s["id"])}" tabindex="0" title="{_e(printable(title))}">'
                   f'{before}{after}{label}</span>')
        else:
            css = f"marker {s['css']}" + (" zero" if s["zero"] else "")
            append(f'<a class="{_e(css)}" id="{_e(s["id"])}" href="{_e(s["href"])}" '
                   f'title="{_e(printable(s["title"]))}">{_e(printable(s["label"]))}</a>')
    return Markup("".join(out))


def change_rows_html(changes: list[dict[str, Any]]) -> Markup:
    """The rows of a document's change table, escaped like :func:`segments_html`.

    Columns: number (a link to the change in the text), rule, line:column,
    before, after, and the reason with any values moved to metadata.
    """
    out: list[str] = []
    for c in changes:
        line, col = c["line"] or 0, c["column"] or 0
        more_b = f'<span class="muted"> … (+{c["before_more"]})</span>' if c["before_more"] else ""
        more_a = f'<span class="muted"> … (+{c["after_more"]})</span>' if c["after_more"] else ""
        meta = ""
        if c["metadata"]:
            pairs = "; ".join(f"{_e(printable(k))} = {_e(printable(str(v)))}" for k, v in c["metadata"].items())
            meta = f'<br><span class="muted">moved to metadata: {pairs}</span>'
        code, name = _e(printable(c["code"])), _e(printable(c["name"]))
        out.append(
            f'<tr id="{_e(c["row_id"])}" data-rules="{code}">'
            f'<td class="num"><a href="#{_e(c["id"])}">{c["i"]}</a></td>'
            f'<td data-sort="{code}"><span class="code fam-{_e(c["family"])}" title="{name}">{code}</span> {name}</td>'
            f'<td class="num" data-sort="{line:09d}{col:09d}">{_e(c["line"])}:{_e(c["column"])}</td>'
            f'<td class="text"><del>{_tokens(c["before"])}</del>{more_b}</td>'
            f'<td class="text"><ins>{_tokens(c["after"])}</ins>{more_a}</td>'
            f'<td>{_e(printable(c["reason"]))}{meta}</td></tr>\n')
    return Markup("".join(out))


@lru_cache(maxsize=None)
def _static(name: str) -> Markup:
    """One of the report's own CSS or JS files, for inlining (trusted package data, not user text)."""
    text = resources.files("cleaner.report").joinpath("templates", name).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"{name} must not contain '</' (it is inlined into a <style> or <script> element)")
    return Markup(text)


def _rule_table(docs: Iterable[DocumentView]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Totals per rule and the legend (every registered rule, plus codes in the log it does not know)."""
    totals: dict[str, dict[str, Any]] = {}
    for d in docs:
        for kind in ("edits", "findings"):
            seen: set[str] = set()
            for item in d.record.get(kind) or []:
                code = str(item.get("code", ""))
                t = totals.setdefault(code, {"code": code, "name": item.get("name", ""), "edits": 0,
                                             "findings": 0, "documents": set()})
                t[kind] += 1
                if code not in seen:
                    t["documents"].add(d.n)
                    seen.add(code)
    rules = all_rules()
    order = {r.code: i for i, r in enumerate(rules)}
    rows = sorted(totals.values(), key=lambda t: (order.get(t["code"], len(order)), t["code"]))
    for t in rows:
        t["documents"] = len(t["documents"])
        t["family"] = family_of(t["code"])
    known = {r.code for r in rules}
    legend = [{"code": r.code, "name": r.name, "family": r.family, "letter": r.code[0], "summary": r.summary,
               "severity": r.severity, "fix": r.fix, "known": True} for r in rules]
    legend += [{"code": t["code"], "name": t["name"], "family": FAMILIES.get(t["code"][:1], "unknown"),
                "letter": t["code"][:1], "summary": "not a rule of this version of cleaner", "severity": "",
                "fix": "", "known": False} for t in rows if t["code"] not in known]
    return rows, legend


def _finding_colours(docs: Iterable[DocumentView]) -> list[tuple[str, str]]:
    codes = sorted({str(f.get("code", "")) for d in docs for f in d.record.get("findings") or []})
    return [(safe_id(c), FINDING_PALETTE[i % len(FINDING_PALETTE)]) for i, c in enumerate(codes)]


def _run_meta(out_dir: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    run = read_run_record(out_dir) or {}
    run = {k: v for k, v in run.items() if k in ("config", "file_errors") or isinstance(v, str)}
    errors = run.get("file_errors") if isinstance(run.get("file_errors"), list) else []
    file_errors = [{"path": str(e.get("path", "")), "message": str(e.get("message", ""))}
                   for e in errors if isinstance(e, dict)]
    versions = sorted({str(r.get("tool_version", "")) for r in records if r.get("tool_version")})
    hashes = sorted({str(r.get("config_sha256", "")) for r in records if r.get("config_sha256")})
    when = run.get("date_time")
    if not when:
        times = set()
        for r in records:
            premis = r.get("premis")
            events = premis.get("events") if isinstance(premis, dict) else None
            for e in events if isinstance(events, list) else []:
                if isinstance(e, dict) and isinstance(e.get("eventDateTime"), str):
                    times.add(e["eventDateTime"])
        when = ", ".join(sorted(times))
    config = run.get("config")
    config_sha = run.get("config_sha256") or (hashes[0] if len(hashes) == 1 else "")
    config_ok = None
    if isinstance(config, dict) and config_sha:
        import hashlib

        blob = json.dumps(config, sort_keys=True, ensure_ascii=False)
        config_ok = hashlib.sha256(blob.encode("utf-8")).hexdigest() == config_sha
    return {
        "tool_version": run.get("tool_version") or ", ".join(versions) or "unknown",
        "report_version": __version__,
        "date_time": when or "not recorded",
        "command_line": run.get("command_line") or "not recorded",
        "config": json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) if config is not None else "",
        "config_sha256": config_sha or ", ".join(hashes) or "unknown",
        "config_verified": config_ok,
        "mixed_configs": len(hashes) > 1,
        "file_errors": file_errors,
        "out_dir": str(out_dir),
    }


def render_report(out_dir: str | Path, *, title: str | None = None, max_table_rows: int = MAX_TABLE_ROWS) -> str:
    """The single-page report of the run in *out_dir*, as a string."""
    out_dir = Path(out_dir)
    records = read_records(out_dir)
    run = RunView(out_dir, records, lambda n, anchor: f"#{anchor}", max_table_rows)
    docs = list(run.documents())
    return _render_page("report.html.j2", out_dir, records, docs, title=title, split=False)


def _render_page(template: str, out_dir: Path, records: list[dict[str, Any]], docs: list[DocumentView], *,
                 title: str | None, split: bool, verified: int | None = None, **extra: Any) -> str:
    totals, legend = _rule_table(docs)
    families = [k for k in FAMILIES]
    return environment().get_template(template).render(
        title=title or f"cleaner report: {out_dir.name or out_dir}",
        meta=_run_meta(out_dir, records),
        docs=docs,
        totals=totals,
        legend=legend,
        families=families,
        family_names=FAMILIES,
        colours=_finding_colours(docs),
        n_edits=sum(d.n_edits for d in docs),
        n_findings=sum(d.n_findings for d in docs),
        n_verified=sum(1 for d in docs if d.verified) if verified is None else verified,
        split=split,
        **extra,
    )


def write_report(
    out_dir: str | Path,
    dest: str | Path | None = None,
    *,
    split_over: int = DEFAULT_SPLIT_OVER,
    title: str | None = None,
    max_table_rows: int = MAX_TABLE_ROWS,
) -> ReportResult:
    """Render the report of the run in *out_dir* to *dest* (default ``OUT/report.html``).

    With more than *split_over* documents, *dest* becomes an index page and
    each document is written to ``<dest stem>_files/NNNN.html``.  A
    document's change table lists at most *max_table_rows* changes (all are
    marked in its text).  Files are
    written atomically.  Raises :class:`~cleaner.io.files.InputError` when
    *out_dir* holds no log; a document whose original cannot be rebuilt is
    shown with the reason instead of its text, and counted in
    :attr:`ReportResult.unreadable`.
    """
    out_dir = Path(out_dir)
    dest = Path(dest) if dest is not None else out_dir / "report.html"
    if dest.exists() and dest.is_dir():
        raise InputError(f"{dest}: is a folder; give a file name for the report")
    records = read_records(out_dir)
    if len(records) <= split_over:
        run = RunView(out_dir, records, lambda n, anchor: f"#{anchor}", max_table_rows)
        docs = list(run.documents())
        page_html = _render_page("report.html.j2", out_dir, records, docs, title=title, split=False)
        atomic_write(dest, page_html.encode("utf-8"))
        _remove_stale_pages(dest)
        return ReportResult(dest, [dest], len(docs), sum(1 for d in docs if d.error), False)

    folder = dest.with_name(dest.stem + "_files")
    width = max(4, len(str(len(records))))

    def page(n: int) -> str:
        return f"{n:0{width}d}.html"

    run = RunView(out_dir, records, lambda n, anchor: f"{page(n)}#{anchor}", max_table_rows)
    summaries = [run.summary(n, rec) for n, rec in enumerate(records, 1)]
    for s in summaries:
        s.page = f"{folder.name}/{page(s.n)}"
    if folder.exists() and not _only_pages(folder):
        raise InputError(f"{folder}: holds files that are not report pages; move them or choose another name")
    unreadable = verified = 0
    template = environment().get_template("document.html.j2")
    totals, legend = _rule_table(summaries)
    colours = _finding_colours(summaries)
    meta = _run_meta(out_dir, records)
    # Pages are written into a staging folder that replaces the old one at the end:
    # no mix of old and new pages, and no fsync per page (the index is written atomically last).
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=dest.parent))
    try:
        for n, rec in enumerate(records, 1):
            doc = run.document(n, rec)
            unreadable += bool(doc.error)
            verified += bool(doc.verified)
            page_html = template.render(
                title=f"{doc.path} — {title or 'cleaner report'}", meta=meta, doc=doc, docs=[doc],
                index_href=f"../{dest.name}", prev_href=page(n - 1) if n > 1 else "",
                next_href=page(n + 1) if n < len(records) else "", colours=colours, legend=legend,
                family_names=FAMILIES, split=True,
            )
            (staging / page(n)).write_bytes(page_html.encode("utf-8"))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}") if folder.exists() else None
        if old is not None:
            os.replace(folder, old)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    index_html = _render_page("index.html.j2", out_dir, records, summaries, title=title, split=True,
                              verified=verified)
    atomic_write(dest, index_html.encode("utf-8"))
    pages = [folder / page(n) for n in range(1, len(records) + 1)]
    return ReportResult(dest, [dest, *pages], len(records), unreadable, True)


def _only_pages(folder: Path) -> bool:
    return folder.is_dir() and all(p.is_file() and p.suffix == ".html" for p in folder.iterdir())


def _remove_stale_pages(dest: Path) -> None:
    """A single-page report replaces an earlier split one: drop its page folder."""
    folder = dest.with_name(dest.stem + "_files")
    if _only_pages(folder):
        shutil.rmtree(folder)
