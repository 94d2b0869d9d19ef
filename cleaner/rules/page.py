"""B004: the article, and nothing else, out of the plain text of a whole web page.

``BeautifulSoup(html).get_text()`` of a news page gives the article between
everything else the page holds: the site name and menus, sign-in and
cookie boxes, bylines and share bars, related stories, comments, footers.
A catalogue of lines (``B001``) or of menu runs (``B003``) cannot remove that
page: most of it is different on every site.  ``B004`` models the page
instead, in four steps (:func:`find_article` does them all):

1. :func:`blocks` cuts the text into blocks: lines, long lines cut where a
   minified page glued its blocks together, wrapped lines joined back.
2. :func:`features` describes each block: its length, its share of stop
   words of the page's language (:func:`page_language`, wordfreq), whether
   it ends like a sentence, its share of capitalised words, glued menu
   entries (``HomeAbout MeContact``), whether it repeats, and whether it is
   one of the lines of ``data/page.toml`` that open what follows an article
   (related stories, comments) or that only site furniture holds (cookie
   banners, rights notices).
3. :func:`scores` turns the features into a score, positive for article
   text and negative for the page around it, times the block's length.
4. :func:`article_span` takes the run of blocks with the largest sum of
   scores, which is Body Text Extraction (Finn, Kushmerick and Smyth, 2001)
   on blocks rather than on tags.  The run stops at the comments.

Only the blocks before and after that run are removed; the blocks inside it
(subheads, a photo caption, a short list) stay with the article.  This is
jusText's context-sensitive idea, in one pass: a short block is judged by
the text around it, not on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from typing import Any, NamedTuple

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule
from cleaner.rules._lines import Line, line_spans, load_toml, remove_lines


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    """The weights, thresholds and patterns in ``data/page.toml``, as one flat dict."""
    data = load_toml("page.toml")
    flat: dict[str, Any] = {}
    for table in data.values():
        flat.update(table)
    return flat


@lru_cache(maxsize=None)
def stopwords(lang: str, n: int) -> frozenset[str]:
    """The *n* most frequent words of *lang* in wordfreq, without numbers."""
    from wordfreq import top_n_list

    return frozenset(w for w in top_n_list(lang, n) if w.isalpha())


_UP = "A-ZÀ-ÞА-ЯЁ"
_LOW = "a-zß-ÿа-яё"
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
_GLUE = re.compile(rf"[{_LOW}][{_UP}]")
_CAPITALISED = re.compile(rf"\b[{_UP}]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_SENTENCE_END = re.compile(r"[.!?…:;。！？][\"'”’)\]]*$")
_CONTINUES = re.compile(rf"[{_LOW}(,]")


class Block(NamedTuple):
    """``text[start:end]``: one block of the page, without the spaces around it."""

    start: int
    end: int


@lru_cache(maxsize=None)
def _splitter(spaces: int, camel: bool) -> re.Pattern[str]:
    """Where a long line holds several blocks: runs of spaces, and sentence ends (glued or not)."""
    return re.compile(
        r"[ \t\u00a0]{%d,}" % spaces
        + rf"|(?<=[{_LOW}]{{2}}[.!?])[ \u00a0]*(?=[\"“‘(]?[{_UP}][{_LOW}])"
        + rf"|(?<=[.!?][\"”’)])[ \u00a0]*(?=[\"“‘(]?[{_UP}][{_LOW}])"
        + (rf"|(?<=[{_LOW}]{{2}})(?=[{_UP}][{_LOW}]{{2}})" if camel else "")
    )


def blocks(text: str, lines: list[Line], cfg: dict[str, Any]) -> list[Block]:
    """The blocks of *text*: its lines, long lines cut, wrapped lines joined.

    A line of ``split_min_chars`` or more is cut at runs of
    ``split_spaces`` spaces and at sentence ends (a minified page gives its
    menu, article and footer as one line).  A line that starts in lower case
    right under a line that does not end like a sentence continues it: pages
    wrap paragraphs in their HTML source and ``get_text()`` keeps the breaks.
    """
    out: list[Block] = []
    split = _splitter(int(cfg["split_spaces"]), bool(cfg["split_camel"]))
    long_line = int(cfg["split_min_chars"])
    prev_line = -2
    for n, ln in enumerate(lines):
        s, e = ln.start, ln.end
        if s == e or text[s:e].isspace():
            continue
        pieces = [(s, e)]
        if e - s >= long_line:
            pieces = []
            pos = s
            for g in split.finditer(text, s, e):
                pieces.append((pos, g.start()))
                pos = g.end()
            pieces.append((pos, e))
        first = True
        for a, b in pieces:
            seg = text[a:b]
            stripped = seg.strip()
            if not stripped:
                continue
            start = a + len(seg) - len(seg.lstrip())
            end = start + len(stripped)
            if (first and prev_line == n - 1 and e - s < long_line and _CONTINUES.match(stripped)
                    and not _SENTENCE_END.search(text, out[-1].start, out[-1].end)):
                out[-1] = Block(out[-1].start, end)
            else:
                out.append(Block(start, end))
            first = False
        prev_line = n
    return out


def page_language(words: list[str], cfg: dict[str, Any]) -> str | None:
    """The language of ``cfg["languages"]`` whose stop words cover most of *words*.

    ``None`` when none covers ``min_coverage`` of them (a language wordfreq
    has no stop words for here, or a page of numbers and names).
    """
    if not words:
        return None
    counts = Counter(words)
    n = int(cfg["stopwords"])
    best, best_hits = None, 0
    for lang in cfg["languages"]:
        hits = sum(counts[w] for w in stopwords(lang, n) if w in counts)
        if hits > best_hits:
            best, best_hits = lang, hits
    if best is None or best_hits < cfg["min_coverage"] * len(words):
        return None
    return best


class Features(NamedTuple):
    """What :func:`scores` knows about one block."""

    chars: int
    words: int
    letters: bool  # has a word with a letter (not only numbers)
    density: float  # share of stop words; -1 when the page has no stop-word model
    sentence: bool  # ends like a sentence
    capitals: float  # share of words that start with a capital letter
    glued: bool  # glued menu entries: ``HomeAbout MeContact``
    repeated: bool  # the page holds the same block again
    marker: bool  # opens what follows an article: ``Related stories``, ``Tags:``
    end: bool  # opens the comments: ``Leave a reply``, ``12 comments``
    chrome: bool  # site furniture whatever it says: cookie banners, rights notices


@lru_cache(maxsize=None)
def _patterns(key: str) -> re.Pattern[str]:
    return re.compile("(?i:" + "|".join(f"(?:{p})" for p in settings()[key]) + ")")


def features(text: str, bl: list[Block], cfg: dict[str, Any]) -> list[Features]:
    """The :class:`Features` of each block of *text*."""
    low = text.lower()
    texts = [text[b.start : b.end] for b in bl]
    words = [_WORD.findall(low, b.start, b.end) for b in bl]
    lang = None
    cjk = sum(map(len, _CJK_RUN.findall(text)))
    if cjk < cfg["cjk_share"] * len(text):
        lang = page_language([w for ws in words for w in ws], cfg)
    stop = stopwords(lang, int(cfg["stopwords"])) if lang else None
    seen = Counter(texts)
    marker_re, end_re, chrome_re = _patterns("markers"), _patterns("end_markers"), _patterns("chrome")
    glued_min, glued_share = cfg["glued_min_words"], cfg["glued_share"]
    chrome_max, marker_max = cfg["chrome_max_chars"], cfg["marker_max_chars"]
    out = []
    for s, ws in zip(texts, words):
        n = len(ws)
        density = -1.0 if stop is None else (sum(map(stop.__contains__, ws)) / n if n else 0.0)
        short = len(s) <= marker_max
        out.append(Features(
            chars=len(s),
            words=n,
            letters=bool(_LETTER.search(s)),
            density=density,
            sentence=bool(_SENTENCE_END.search(s)),
            capitals=len(_CAPITALISED.findall(s)) / n if n else 0.0,
            glued=n >= glued_min and len(_GLUE.findall(s)) >= glued_share * n,
            repeated=seen[s] > 1,
            marker=short and bool(marker_re.fullmatch(s)),
            end=short and bool(end_re.fullmatch(s)),
            chrome=len(s) <= chrome_max and ("©" in s or bool(chrome_re.search(s))),
        ))
    return out


def scores(feats: list[Features], cfg: dict[str, Any]) -> list[float]:
    """How much each block reads like article text (+) or like the page around it (-).

    A block's score is its length (at most ``max_block_chars``) times a
    likeness between -1 and 1.  The likeness grows with the share of stop
    words, around ``density_mid`` (with no stop words for the page: whether
    the block ends like a sentence).  Ending like a sentence adds to it; not
    ending like one, being short, or being mostly capitalised words
    (headlines, menus) takes from it.  Glued menu entries, site furniture
    and short blocks that the page repeats score -1; a marker line scores
    ``-barrier``.  Any negative block costs at least ``short_floor``, so a
    run of tiny menu entries weighs against the article like text would.
    """
    mid, width = cfg["density_mid"], cfg["density_width"]
    repeat_max = cfg["repeat_max_chars"]
    out = []
    for f in feats:
        if f.marker:
            out.append(-cfg["barrier"])
            continue
        if not f.words or (cfg["numbers_neutral"] and not f.letters):  # a quotation mark, a separator, a number: neutral
            out.append(0.0)
            continue
        if f.glued or f.chrome or (f.repeated and f.chars <= repeat_max):
            a = -1.0
        elif f.density < 0:
            a = cfg["sentence_likeness"] if f.sentence else -cfg["sentence_likeness"]
        else:
            a = max(-1.0, min(1.0, (f.density - mid) / width))
            if f.sentence:
                a += cfg["sentence_bonus"]
                if f.words >= 4:
                    a = max(a, cfg["sentence_floor"])
            else:
                a -= cfg["nosentence_malus"]
                if f.chars < cfg["length_low"]:
                    a -= cfg["short_malus"]
            if f.words >= 3 and f.capitals >= cfg["capitals_share"]:
                a -= cfg["capitals_malus"]
        a = max(-1.0, min(1.0, a))
        v = a * min(f.chars, cfg["max_block_chars"])
        if v < 0:
            v = min(v, -cfg["short_floor"])
        out.append(v)
    # Context works on the blocks that have words; the others are transparent.
    idx = [k for k, f in enumerate(feats) if out[k] != 0.0 and not f.marker]
    # A run of short blocks that read like menu entries weighs more the
    # longer it gets: the k-th entry in a row costs
    # 1 + menu_run_growth * min(k - 1, menu_run_cap) times `short_floor`.
    grow, cap = cfg["menu_run_growth"], cfg["menu_run_cap"]
    run = 0
    for k in idx:
        f = feats[k]
        if out[k] < 0 and not f.sentence and f.chars < cfg["length_low"]:
            run += 1
            out[k] = min(out[k], -cfg["short_floor"] * (1 + grow * min(run - 1, cap)))
        else:
            run = 0
    # A block that reads well between two that do not (a teaser's summary
    # between its headline and its date) counts `isolated_weight` times.
    lone = cfg["isolated_weight"]
    base = [out[k] for k in idx]
    for m in range(1, len(idx) - 1):
        if base[m] > 0 and base[m - 1] < 0 and base[m + 1] < 0:
            out[idx[m]] = base[m] * lone
    return out


def best_run(values: list[float]) -> tuple[int, int]:
    """``(i, j)``: the run ``values[i:j]`` with the largest sum (Kadane); ``(0, 0)`` if none is positive."""
    best, span = 0.0, (0, 0)
    run, start = 0.0, 0
    for k, v in enumerate(values):
        run += v
        if run <= 0:
            run, start = 0.0, k + 1
        elif run > best:
            best, span = run, (start, k + 1)
    return span


def article_span(feats: list[Features], values: list[float], cfg: dict[str, Any]) -> tuple[int, int, bool] | None:
    """``(i, j, comments)``: the blocks ``[i, j)`` that hold the article, or ``None`` to leave the text alone.

    The run is :func:`best_run` of the scores, cut at the first comment
    marker after ``end_min_chars`` of article (``comments`` is then true).
    The text is left alone when fewer than ``min_before_blocks`` blocks come
    before the run and none of them is glued menu entries: a web page starts
    with its site name and menus, an article with its headline.
    """
    i, j = best_run(values)
    if j <= i:
        return None
    if i < cfg["min_before_blocks"] and not any(f.glued for f in feats[:i]):
        return None
    seen = 0.0
    comments = False
    for k in range(i, j):
        if feats[k].end and seen >= cfg["end_min_chars"]:
            j, comments = k, True
            break
        seen += max(values[k], 0.0)
    # The headline: a title-like block right above the body stays with it.
    if cfg.get("keep_headline") and i > 0 and _headline(feats[i - 1], cfg):
        i -= 1
    return i, j, comments


def _headline(f: Features, cfg: dict[str, Any]) -> bool:
    return (not f.sentence and cfg["headline_min_words"] <= f.words <= cfg["headline_max_words"]
            and not (f.glued or f.marker or f.end or f.chrome))


def find_article(text: str, cfg: dict[str, Any] | None = None) -> tuple[list[Line], list[Block], tuple[int, int, bool] | None]:
    """The lines and blocks of *text* and the article's span of blocks (see the module docstring)."""
    cfg = cfg or settings()
    lines = line_spans(text)
    bl = blocks(text, lines, cfg)
    if not bl:
        return lines, bl, None
    feats = features(text, bl, cfg)
    return lines, bl, article_span(feats, scores(feats, cfg), cfg)


def article_text(text: str, cfg: dict[str, Any] | None = None) -> str:
    """The article blocks of *text*, one a line (what B004 keeps, without the edit machinery)."""
    _, bl, span = find_article(text, cfg)
    if span is None:
        return text
    i, j, _ = span
    return "\n".join(text[b.start : b.end] for b in bl[i:j])


@rule(
    "B004",
    "page-chrome",
    "Remove the page around the article in the text of a whole web page (menus, related links, comments, footers).",
    fix="unsafe",
    default_enabled=False,
    options={"keep_headline": False},
)
def page_chrome(text: str, ctx: RuleContext):
    """Keep the article and remove the rest of a web page extracted as plain text.

    For the text of a whole page, such as ``BeautifulSoup(html).get_text()``:
    the site name and menus, sign-in and cookie boxes, related stories,
    comment sections, lists of bylines, copyright lines and footers go, and
    the article stays.  The text is cut into blocks (lines; long lines of
    minified pages at runs of spaces and sentence ends; wrapped lines joined
    back), each block is scored on its text -- share of stop words of the
    page's language (wordfreq's most frequent words), sentence punctuation,
    length, capitalised words, glued menu entries (``HomeAbout MeContact``),
    repeats -- and the article is the run of blocks with the largest total
    score (Body Text Extraction, Finn et al. 2001), stopped by lines that
    open comments.  Everything inside that run stays, subheads and short
    paragraphs included (jusText's lesson: judge a short block by its
    neighbours); everything before and after it is removed, whole lines as
    line removals, the ends of long lines as partial edits.

    Weights, thresholds and the marker, comment and furniture patterns are
    in ``data/page.toml``.  A text whose first blocks already belong to the
    article (an article, not a page) is left alone.  Off by default: select
    it for page text (``--extend-select B004``).
    """
    cfg = settings()
    if ctx.options.get("keep_headline"):
        cfg = {**cfg, "keep_headline": True}
    lines, bl, span = find_article(text, cfg)
    if span is None:
        return []
    i, j, comments = span
    if i == 0 and j == len(bl):
        return []
    keep = [False] * len(bl)
    keep[i:j] = [True] * (j - i)
    why_before = "page chrome before the article"
    why_after = "comments after the article" if comments else "page chrome after the article"
    marked: dict[int, str] = {}
    edits: list[Edit] = []
    starts = [ln.start for ln in lines]
    # Group blocks by the line they start on; a block that runs over several
    # lines (a wrapped paragraph) covers them whole.
    k = 0
    n_lines = len(lines)
    while k < len(bl):
        li = bisect_right(starts, bl[k].start) - 1
        group = [k]
        k += 1
        while k < len(bl) and bl[k].start < lines[li].stop:
            group.append(k)
            k += 1
        last = bisect_right(starts, bl[group[-1]].end - 1) - 1
        why = why_before if group[0] < i else why_after
        if not any(keep[g] for g in group):
            for m in range(li, min(last, n_lines - 1) + 1):
                marked[m] = why
            continue
        if all(keep[g] for g in group):
            continue
        # A long line that holds both: remove its head and its tail (the
        # article is one run of blocks, so nothing is cut out of its middle).
        a = 0
        while a < len(group):
            if keep[group[a]]:
                a += 1
                continue
            b = a
            while b + 1 < len(group) and not keep[group[b + 1]]:
                b += 1
            first, stop = group[a], group[b]
            before_kept, after_kept = a > 0, b + 1 < len(group)
            start = bl[first - 1].end if before_kept else lines[li].start
            end = bl[stop + 1].start if after_kept else lines[last].end
            edits.append(Edit(start, end, "", why_before if first < i else why_after))
            a = b + 1
    edits.extend(remove_lines(text, lines, marked))
    edits.sort(key=lambda e: (e.start, e.end))
    return _merge(edits)


def _merge(edits: list[Edit]) -> list[Edit]:
    """Fuse touching removals with the same reason (the engine wants disjoint edits)."""
    out: list[Edit] = []
    for e in edits:
        if out and e.start <= out[-1].end and out[-1].reason == e.reason and not out[-1].after and not e.after:
            last = out[-1]
            out[-1] = Edit(last.start, max(last.end, e.end), "", last.reason)
        else:
            out.append(e)
    return out
