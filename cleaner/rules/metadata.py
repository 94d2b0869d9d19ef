"""M rules: scraper headers moved out of the text into metadata.

Some scrapers write fields such as `` date 2021-12-31 `` or ``url: …`` at
the top of each file, and some sites put a date and section line above the
headline.  These are not article text, but they are information: the rules
remove the lines and record their values in the document's metadata (and the
log), so nothing is silently dropped.
"""

from __future__ import annotations

import re

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule
from cleaner.rules._lines import is_blank, line_spans

_KEYS = r"date|published|publish_date|updated|modified|author|authors|byline|url|source|title|section|language|lang|id|docid|timestamp"
_DATE_VALUE = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}"
)
# "key: value" or "key = value" for any known key; bare "key value" only for a date.
_HEADER = re.compile(
    rf"[ \t]*(?:(?P<key>{_KEYS})[ \t]*[:=][ \t]*(?P<value>[^\r\n]{{0,1000}})"
    rf"|(?P<dkey>date|published|updated|timestamp)[ \t]+(?P<dvalue>{_DATE_VALUE}))[ \t]*",
    re.IGNORECASE,
)
_MAX_HEADER_LINES = 12


_NON_SPACE = re.compile(r"\S")  # the complement of what ``str.strip`` removes


def _first_line(text: str, limit: int) -> tuple[int, int] | None:
    """The span of the first non-blank line of ``text[:limit]``, or None."""
    if text and limit > 0 and not text[0].isspace():
        p = start = 0  # the common case: the text starts with its first line (``str.isspace`` is ``\s``)
    else:
        m = _NON_SPACE.search(text, 0, limit)
        if m is None:
            return None
        p = m.start()
        start = max(text.rfind("\n", 0, p), text.rfind("\r", 0, p)) + 1
    end = text.find("\n", p, limit)
    if end < 0:
        end = limit
    cr = text.find("\r", p, end)  # only up to the line feed: a text without CR is not scanned to the limit
    if cr >= 0:
        end = cr
    return start, min(end, len(text))


@rule("M001", "scraper-header", "Move scraper header fields (' date 2021-12-31 ', 'url: …') at the top of a file into metadata.",
      repeat=True)
def scraper_header(text: str, ctx: RuleContext):
    """Move ``key: value`` header lines at the top of a file into metadata.

    Only a block of such lines at the very start of the document counts
    (at most twelve, blank lines allowed between them); the keys are a fixed
    list (date, published, updated, author, byline, url, source, title,
    section, language, id, …).  A bare ``date 2021-12-31`` line (no colon) is
    accepted only when its value is a date.  The removed lines' values appear
    in the log's ``metadata``.
    """
    first = _first_line(text, 4096)
    if first is None or not _HEADER.fullmatch(text, *first):
        return []  # the common case: the first line is not a header field
    lines = line_spans(text[: 4096])
    fields: list[tuple[int, str, str]] = []
    for i, ln in enumerate(lines[: _MAX_HEADER_LINES * 2]):
        if is_blank(text, ln):
            continue
        m = _HEADER.fullmatch(text, ln.start, ln.end)
        if not m:
            break
        key = (m.group("key") or m.group("dkey")).lower()
        value = (m.group("value") if m.group("key") else m.group("dvalue")).strip()
        if not value:
            break
        fields.append((i, key, value))
        if len(fields) >= _MAX_HEADER_LINES:
            break
    if not fields:
        return []
    last = fields[-1][0]
    # Take the header lines and the blank lines after them.
    j = last + 1
    while j < len(lines) and is_blank(text, lines[j]):
        j += 1
    end = lines[j].start if j < len(lines) else len(text)
    meta: dict[str, str] = {}
    for _, key, value in fields:
        meta[key if key not in meta else f"{key}_{len(meta)}"] = value
    keys = ", ".join(meta)
    return [Edit(0, end, "", f"scraper header moved to metadata ({keys})", metadata=meta)]


_DATELINE = re.compile(
    r"[ \t]*(?P<date>(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? )?"
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}"
    r"|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{4}"
    r"|\d{4}-\d{2}-\d{2})"
    r"(?:,? \d{1,2}:\d{2}(?: ?[ap]\.?m\.?)?(?: [A-Z]{2,4})?)?)"
    r"(?:[ \t]+[-–—|·•][ \t]+(?P<section>[A-Z][A-Za-z&' ]{1,30}))?[ \t]*"
)


@rule("M002", "date-section-header", "Move a date (and section) line above the headline, such as 'Dec 29, 2021 - World', into metadata.",
      repeat=True)
def date_section_header(text: str, ctx: RuleContext):
    """Move a leading ``Dec 29, 2021 - World`` line into metadata.

    Only the first non-blank line of the document is examined, and it must
    hold nothing but a date, optionally a time, and optionally a section
    name after a dash or bar.  The values are recorded as ``date`` (or
    ``header_date`` when a scraper header already gave a date) and
    ``section``.  A run of such lines (a scraper that repeated it) goes in
    one pass: the engine runs the rule again on its own output
    (``repeat=True``), so the later lines' dates become ``header_date``.
    """
    first = _first_line(text, 512)
    if first is None or not _DATELINE.fullmatch(text, *first):
        return []  # the common case: the first line is not a date line
    lines = line_spans(text[:512])
    for i, ln in enumerate(lines):
        if is_blank(text, ln):
            continue
        m = _DATELINE.fullmatch(text, ln.start, ln.end)
        if not m:
            return []
        j = i + 1
        while j < len(lines) and is_blank(text, lines[j]):
            j += 1
        if j >= len(lines):
            return []  # a document that is only a date is left alone
        meta = {"header_date" if "date" in ctx.metadata else "date": m.group("date")}
        if m.group("section"):
            meta["section"] = m.group("section").strip()
        return [Edit(ln.start, lines[j].start, "", "date/section line moved to metadata", metadata=meta)]
    return []
