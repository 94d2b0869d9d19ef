"""B004: the article, and nothing else, out of the plain text of a whole web page.

``BeautifulSoup(html).get_text()`` of a news page gives the article between
everything else the page holds: the site name and menus, sign-in and
cookie boxes, bylines and share bars, related stories, comments, footers.
A catalogue of lines (``B001``) or of menu runs (``B003``) cannot remove that
page: most of it is different on every site.  ``B004`` models the page
instead, in four steps (:func:`find_article` does them all):

1. :func:`blocks` cuts the text into blocks: lines, long lines cut where a
   minified page glued its elements together, wrapped lines joined back.
2. :func:`features` describes each block: its length, its share of stop
   words of the page's language (:func:`page_language`, wordfreq), whether
   it ends like a sentence, its share of capitalised words, glued menu
   entries (``HomeAbout MeContact``), whether the page repeats it, and
   whether it is one of the lines of ``data/page.toml`` that open what
   follows an article (related stories, comments) or that only site
   furniture holds (cookie banners, rights notices).
3. :func:`scores` turns the features into a score per block, positive for
   article text and negative for the page around it, times its length;
   a block is also judged by its neighbours.
4. :func:`article_span` takes the run of blocks with the largest sum of
   scores: Body Text Extraction (Finn, Kushmerick and Smyth, 2001) on
   blocks rather than tags.  The run stops where the comments start.

Only the text before and after that run is removed; the blocks inside it
(subheads, a photo caption, a short list) stay with the article.  This is
jusText's context-sensitive lesson in one pass: a short block is judged by
the text around it, not on its own.

Every step works on whole-text regular expressions and numpy arrays, not
on one block at a time: a page of text is judged at tens of MB/s.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule, setup
from cleaner.rules._lines import load_toml, sample_text


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


_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_LOW = "a-zß-öø-ÿа-яё"
_ENDS = ".!?…:;。！？"
_CLOSERS = "\"'”’)\\]"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_SEP = "\x00"  # between blocks in the joined text (never in a block: ``\s`` and ``\w`` do not match it)

_LINE_BLOCK = re.compile(r"[^\s](?:[^\r\n]*[^\s])?")  # a line without the spaces around it
# A line break inside a paragraph: no sentence end before it, a lower-case word after it.
_WRAP = re.compile(rf"[^\s{_ENDS}{_CLOSERS}][ \t\u00a0]*(?:\r\n|\n|\r)[ \t\u00a0]*(?=[{_LOW}(,])")
_TOKENS = re.compile(r"\w+|\x00")
_LETTER_TOKENS = re.compile(r"[^\W\d_]+|\x00")
_CAPITALS = re.compile(rf"\b[{_UP}]|\x00")
_GLUE = re.compile(rf"[{_LOW}][{_UP}]|\x00")
_SENTENCE_ENDS = re.compile(rf"[{_ENDS}][{_CLOSERS}]*\x00|\x00")
_COPYRIGHT = re.compile("©|\x00")
_CJK_RUN = re.compile(rf"[{_CJK}]+")

#: The first text this long loads the compiled kernels (numba's import costs more on shorter ones);
#: once they are loaded, texts from :data:`NUMBA_SMALL_CHARS` on use them.  Both paths give the same result.
NUMBA_MIN_CHARS = 20000
NUMBA_SMALL_CHARS = 2000
_NUMBA = os.environ.get("CLEANER_PAGE_NUMBA", "1").strip().lower() not in ("0", "false", "no", "off")
_kernel_module = None


def _kernels(size: int):
    """:mod:`cleaner.rules._page_kernels`, or ``None`` (numba missing, disabled, or *size* too small).

    Loading them is one-time set-up (:func:`cleaner.registry.setup`, not
    the document's time): the import, the character tables and a first
    run on a sample page, which compiles every kernel (tens of seconds on
    a fresh install, before numba has cached them) or loads it from
    numba's cache.
    """
    global _NUMBA, _kernel_module
    if not _NUMBA or size < (NUMBA_SMALL_CHARS if _kernel_module is not None else NUMBA_MIN_CHARS):
        return None
    if _kernel_module is None:
        with setup():
            try:
                from cleaner.rules import _page_kernels
            except Exception:  # no numba, or a numba that does not load with this numpy
                _NUMBA = False
                return None
            _kernel_module = _page_kernels
            _char_tables()
            find_article(_sample_page())
    return _kernel_module


def _sample_page() -> str:
    """A page that takes every kernel's path: the warm-up sample news text, with a menu, a footer and
    the article once more as one long line (a minified page)."""
    article = sample_text()
    return ("Home\nWorld\nPolitics\nSport\n\n" + article * 2 + "\n" + " ".join(article.split()) * 2
            + "\n\nAbout us\nContact\n© 2024 The Daily Ledger\n")


@lru_cache(maxsize=1)
def _char_tables() -> tuple[np.ndarray, np.ndarray]:
    """Class bits and lower case of every code point, from the regular expressions above.

    The lower case of a code point is itself when ``str.lower`` gives more
    than one character (``İ``) or the code point is outside the BMP.
    """
    from cleaner.rules import _page_kernels as k

    every = "".join(map(chr, range(0x110000)))
    cls = np.zeros(0x110000, dtype=np.uint8)
    for bit, pattern in ((k.WORD, r"\w+"), (k.LETTER, r"[^\W\d_]+"), (k.UP, f"[{_UP}]+"), (k.LOW, f"[{_LOW}]+"),
                         (k.SPACE, r"\s+"), (k.END, f"[{_ENDS}]+"), (k.CLOSER, f"[{_CLOSERS}]+"),
                         (k.CJK, f"[{_CJK}]+")):
        for m in re.finditer(pattern, every):
            cls[m.start() : m.end()] |= bit
    return cls, _lower_codes()


@lru_cache(maxsize=1)
def _lower_codes() -> np.ndarray:
    low = np.arange(0x110000, dtype=np.uint32)
    for c, lc in _lower_map().items():
        low[c] = lc
    return low


@lru_cache(maxsize=1)
def _lower_map() -> dict[int, int]:
    """The one-character lower case of every BMP character that has one (for ``str.translate``)."""
    out = {}
    for c in range(0x10000):
        lc = chr(c).lower()
        if len(lc) == 1 and ord(lc) != c:
            out[c] = ord(lc)
    return out


def _hash(word: str) -> int:
    """FNV-1a over the lower-cased code points of *word*, as the kernels compute it."""
    low = _lower_codes()
    h = 0xCBF29CE484222325
    for ch in word:
        h = ((h ^ int(low[ord(ch)])) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


@lru_cache(maxsize=None)
def _splitter(spaces: int, camel: bool) -> re.Pattern[str]:
    """Where a long line holds several blocks: runs of spaces, sentence ends, camel joins.

    The cut is the whole match for a run of spaces, and group 1 or 2
    otherwise: the spaces after a sentence end (``word. The``,
    ``word.The``, ``said." The``) or the empty string between a lower-case
    word and a capitalised one (``agoThe``).  Every branch starts with a
    character class, so the regular expression engine skips ahead fast.
    """
    return re.compile(
        r"[ \t\u00a0]{%d,}" % spaces
        + rf"|(?:[.!?](?<=[{_LOW}]{{2}}[.!?])|[.!?][\"”’)])([ \u00a0]*)(?=[\"“‘(]?[{_UP}][{_LOW}])"
        + (rf"|[{_LOW}](?<=[{_LOW}]{{2}})()(?=[{_UP}][{_LOW}]{{2}})" if camel else "")
    )


def _cuts(split: re.Pattern[str], text: str, s: int, e: int) -> list[tuple[int, int]]:
    out = []
    for m in split.finditer(text, s, e):
        if m.start(1) >= 0:
            out.append(m.span(1))
        elif m.lastindex == 2:
            out.append(m.span(2))
        else:
            out.append(m.span())
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")
_last_code_points: tuple[str, np.ndarray] | None = None


def _code_points(text: str) -> np.ndarray:
    """*text* as an array of code points (the last one is remembered: each step asks for it).

    Lone surrogates (undecodable bytes carried through) become U+FFFD first:
    like them it is neither a word character nor white space, and encoding
    it is fast where ``surrogatepass`` is not.
    """
    global _last_code_points
    if _last_code_points is not None and _last_code_points[0] is text:
        return _last_code_points[1]
    clean = _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
    cp = np.frombuffer(clean.encode("utf-32-le"), dtype=np.uint32)
    _last_code_points = (text, cp)
    return cp


def _line_blocks(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Trimmed non-blank lines as ``(n, 2)`` offsets, and whether each continues the line above."""
    k = _kernels(len(text))
    if k is not None:
        cls, _ = _char_tables()
        cp = _code_points(text)
        size = len(cp) // 2 + 1
        starts = np.empty(size, dtype=np.int64)
        ends = np.empty(size, dtype=np.int64)
        cont = np.zeros(size, dtype=np.bool_)
        n = k.line_blocks(cp, cls, starts, ends, cont)
        return np.column_stack([starts[:n], ends[:n]]), cont[:n]
    spans = [m.span() for m in _LINE_BLOCK.finditer(text)]
    arr = np.array(spans, dtype=np.int64).reshape(-1, 2)
    joins = np.fromiter((m.end() for m in _WRAP.finditer(text)), dtype=np.int64)
    return arr, np.isin(arr[:, 0], joins)


def _trim(text: str, pieces: np.ndarray) -> np.ndarray:
    """*pieces* without the white space at their ends, and without the empty ones."""
    out = []
    for a, b in pieces.tolist():
        seg = text[a:b]
        stripped = seg.strip()
        if stripped:
            a += len(seg) - len(seg.lstrip())
            out.append((a, a + len(stripped)))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def blocks(text: str, cfg: dict[str, Any]) -> np.ndarray:
    """The blocks of *text* as an ``(n, 2)`` array of ``[start, end)`` offsets.

    A block is a line without the spaces around it.  A line of
    ``split_min_chars`` or more is cut at runs of ``split_spaces`` spaces,
    at sentence ends and (``split_camel``) where a lower-case word runs into
    a capitalised one: minified pages give menu, article and footer as one
    line, and ``get_text()`` glues elements (``PostsLatest``, ``agoThe``).
    A line that starts in lower case right under a line that does not end
    like a sentence continues it: pages wrap paragraphs in their HTML
    source and ``get_text()`` keeps the breaks.
    """
    arr, cont = _line_blocks(text)
    if not len(arr):
        return arr
    long_rows = np.flatnonzero(arr[:, 1] - arr[:, 0] >= int(cfg["split_min_chars"]))
    if len(long_rows):
        spaces, camel = int(cfg["split_spaces"]), bool(cfg["split_camel"])
        k = _kernels(len(text))
        if k is not None:
            cls, _ = _char_tables()
            cp = _code_points(text)
            ls = np.ascontiguousarray(arr[long_rows, 0])
            le = np.ascontiguousarray(arr[long_rows, 1])
            size = int((le - ls).sum()) + len(ls)
            out_a = np.empty(size, dtype=np.int64)
            out_b = np.empty(size, dtype=np.int64)
            out_row = np.empty(size, dtype=np.int64)
            m = k.cut_lines(cp, cls, ls, le, spaces, camel, out_a, out_b, out_row)
            pieces = [np.column_stack([out_a[:m], out_b[:m]])]
            rows = out_row[:m]
        else:
            split = _splitter(spaces, camel)
            pieces, rows = [], []
            for n_row, r in enumerate(long_rows.tolist()):
                s, e = arr[r].tolist()
                cuts = _cuts(split, text, s, e)
                bounds = np.array([(s, s)] + cuts + [(e, e)], dtype=np.int64)
                got = _trim(text, np.column_stack([bounds[:-1, 1], bounds[1:, 0]]))
                pieces.append(got)
                rows.append(np.full(len(got), n_row, dtype=np.int64))
            rows = np.concatenate(rows)
        pieces = np.concatenate(pieces)
        # A piece that starts its line keeps the line's "continues the line above".
        piece_cont = (pieces[:, 0] == arr[long_rows[rows], 0]) & cont[long_rows[rows]]
        keep = np.ones(len(arr), dtype=bool)
        keep[long_rows] = False
        # Put the pieces where their lines were: sort by start offset.
        arr = np.concatenate([arr[keep], pieces])
        cont = np.concatenate([cont[keep], piece_cont])
        order = np.argsort(arr[:, 0], kind="stable")
        arr, cont = arr[order], cont[order]
    # Wrapped lines: join a block to the one before it.
    if cont[1:].any():
        cont[0] = False
        heads = np.flatnonzero(~cont)
        last = np.r_[heads[1:] - 1, len(arr) - 1]
        arr = np.column_stack([arr[heads, 0], arr[last, 1]])
    return arr


@lru_cache(maxsize=None)
def _vocabulary(languages: tuple[str, ...], n: int, markers: tuple[str, ...], ends: tuple[str, ...],
                chrome: tuple[str, ...], social: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every word the features look up: sorted hashes, a language bit mask and a kind bit mask each.

    Kinds: 1 a marker word, 2 a comment-marker word, 4 a furniture word, 8 a share button.
    """
    lang_bits: dict[int, int] = {}
    kind_bits: dict[int, int] = {}
    for bit, lang in enumerate(languages):
        for w in stopwords(lang, n):
            h = _hash(w)
            lang_bits[h] = lang_bits.get(h, 0) | (1 << bit)
    for kind, words in ((1, markers), (2, ends), (4, chrome), (8, social)):
        for w in words:
            h = _hash(w.lower())
            kind_bits[h] = kind_bits.get(h, 0) | kind
    keys = np.array(sorted(set(lang_bits) | set(kind_bits)), dtype=np.uint64)
    langs = np.array([lang_bits.get(int(h), 0) for h in keys], dtype=np.uint64)
    kinds = np.array([kind_bits.get(int(h), 0) for h in keys], dtype=np.uint8)
    return keys, langs, kinds


def page_language(words: list[str], cfg: dict[str, Any]) -> str | None:
    """The language of ``cfg["languages"]`` whose stop words cover most of *words* (lower-cased).

    ``None`` when none covers ``min_coverage`` of them (a language wordfreq
    has no stop words for here, or a page of numbers and names).
    """
    counts = Counter(words)
    counts.pop(_SEP, None)
    hits = [sum(counts[w] for w in stopwords(lang, int(cfg["stopwords"])) if w in counts) for lang in cfg["languages"]]
    return _pick_language(hits, sum(counts.values()), cfg)


def _pick_language(hits: list[int], total: int, cfg: dict[str, Any]) -> str | None:
    if not total or not hits or max(hits) <= 0:
        return None
    best = int(np.argmax(hits))  # the first of the best
    if hits[best] < cfg["min_coverage"] * total:
        return None
    return cfg["languages"][best]


class Features(NamedTuple):
    """What :func:`scores` knows about the blocks: one array each, one entry a block."""

    chars: np.ndarray  # length in characters
    words: np.ndarray  # number of words (``\\w+``)
    letters: np.ndarray  # has a word with a letter (not only numbers)
    density: np.ndarray  # share of stop words; -1 when the page has no stop-word model
    sentence: np.ndarray  # ends like a sentence
    capitals: np.ndarray  # share of words that start with a capital letter
    glued: np.ndarray  # glued menu entries: ``HomeAbout MeContact``
    repeated: np.ndarray  # the page holds the same block again
    marker: np.ndarray  # opens what follows an article: ``Related stories``, ``Tags:``
    end: np.ndarray  # opens the comments: ``Leave a reply``, ``12 comments``
    chrome: np.ndarray  # site furniture whatever it says: cookie banners, rights notices
    share: np.ndarray  # a share button: ``Facebook``, ``Twitter``, ``Email``


@lru_cache(maxsize=None)
def _patterns(key: str) -> re.Pattern[str]:
    """The patterns under *key* in ``page.toml`` as one regular expression."""
    return re.compile("(?i:" + "|".join(f"(?:{p})" for p in settings()[key]) + ")")


def _per_block(tokens: list[str], n: int) -> np.ndarray:
    """How many of *tokens* (separated by ``_SEP`` tokens, one a block) each of *n* blocks has."""
    sep = np.fromiter(map(_SEP.__eq__, tokens), dtype=bool, count=len(tokens))
    ids = np.cumsum(sep)
    return np.bincount(ids[~sep], minlength=n)[:n]


class _Counts(NamedTuple):
    words: np.ndarray
    letters: np.ndarray
    capitals: np.ndarray
    glue: np.ndarray
    sentence: np.ndarray
    repeated: np.ndarray
    copyright: np.ndarray
    stop: np.ndarray  # stop words per block (of the page's language), None without one
    kinds: np.ndarray  # per block: bit 1 has a marker word, 2 a comment-marker word, 4 a furniture word
    lang: str | None
    cjk: bool  # a page in Chinese, Japanese or Korean


def _count_with_kernels(k, text: str, bl: np.ndarray, cfg: dict[str, Any], vocab) -> _Counts:
    cls, low = _char_tables()
    keys, langs, kinds = vocab
    n = len(bl)
    cp = _code_points(text)
    starts = np.ascontiguousarray(bl[:, 0])
    ends = np.ascontiguousarray(bl[:, 1])
    size = int((ends - starts).sum()) // 2 + n + 1
    tok_block = np.empty(size, dtype=np.int64)
    tok_entry = np.empty(size, dtype=np.int64)
    words = np.empty(n, dtype=np.int64)
    letters = np.empty(n, dtype=np.bool_)
    capitals = np.empty(n, dtype=np.int64)
    glue = np.empty(n, dtype=np.int64)
    sentence = np.empty(n, dtype=np.bool_)
    bhash = np.empty(n, dtype=np.uint64)
    copyright = np.empty(n, dtype=np.bool_)
    block_kinds = np.zeros(n, dtype=np.uint8)
    lang_hits = np.zeros(len(cfg["languages"]), dtype=np.int64)
    nt, nk, cjk = k.block_features(cp, cls, low, starts, ends, keys, langs, kinds, tok_block, tok_entry, lang_hits,
                                   words, letters, capitals, glue, sentence, bhash, copyright, block_kinds)
    lang = None
    is_cjk = cjk >= cfg["cjk_share"] * len(text)
    if not is_cjk:
        lang = _pick_language(lang_hits.tolist(), nt, cfg)
    stop = None
    if lang is not None:
        kb, ke = tok_block[:nk], tok_entry[:nk]
        bit = np.left_shift(np.uint64(1), np.uint64(list(cfg["languages"]).index(lang)))
        stop = np.bincount(kb[(langs[ke] & bit) != 0], minlength=n)[:n]
    _, inverse, counts = np.unique(bhash, return_inverse=True, return_counts=True)
    return _Counts(words, letters, capitals, glue, sentence, counts[inverse] > 1, copyright, stop, block_kinds, lang,
                   is_cjk)


def _count_with_regex(text: str, bl: np.ndarray, cfg: dict[str, Any], vocab) -> _Counts:
    n = len(bl)
    texts = [text[a:b] for a, b in bl.tolist()]
    joined = _SEP.join(texts) + _SEP
    low = joined.translate(_lower_map())
    tokens = _TOKENS.findall(low)
    sep = np.fromiter(map(_SEP.__eq__, tokens), dtype=bool, count=len(tokens))
    ids = np.cumsum(sep)[~sep]
    words = np.bincount(ids, minlength=n)[:n]
    lang = None
    is_cjk = sum(map(len, _CJK_RUN.findall(text))) >= cfg["cjk_share"] * len(text)
    if not is_cjk:
        lang = page_language(tokens, cfg)
    stop = None
    if lang is not None:
        sw = stopwords(lang, int(cfg["stopwords"]))
        is_stop = np.fromiter(map(sw.__contains__, tokens), dtype=bool, count=len(tokens))[~sep]
        stop = np.bincount(ids[is_stop], minlength=n)[:n]
    block_kinds = np.zeros(n, dtype=np.uint8)
    for kind, key in ((1, "marker_words"), (2, "end_marker_words"), (4, "chrome_words"), (8, "share_buttons")):
        vocab_words = frozenset(w.lower() for w in cfg[key])
        hit = np.fromiter(map(vocab_words.__contains__, tokens), dtype=bool, count=len(tokens))[~sep]
        block_kinds[np.unique(ids[hit])] |= kind
    seen = Counter(texts)
    return _Counts(
        words=words,
        letters=_per_block(_LETTER_TOKENS.findall(joined), n) > 0,
        capitals=_per_block(_CAPITALS.findall(joined), n),
        glue=_per_block(_GLUE.findall(joined), n),
        sentence=np.fromiter(map(len, _SENTENCE_ENDS.findall(joined)), dtype=np.int64, count=n) > 1,
        repeated=np.fromiter(map(seen.__getitem__, texts), dtype=np.int64, count=n) > 1,
        copyright=_per_block(_COPYRIGHT.findall(joined), n) > 0,
        stop=stop,
        kinds=block_kinds,
        lang=lang,
        cjk=is_cjk,
    )


def features(text: str, bl: np.ndarray, cfg: dict[str, Any]) -> Features:
    """The :class:`Features` of the blocks *bl* of *text*, for all blocks at once.

    Counting runs in the numba kernels of :mod:`cleaner.rules._page_kernels`
    on long texts, and otherwise as regular expressions over the blocks
    joined with a separator; both give the same counts.  The marker,
    comment and furniture patterns are then tried only on the blocks that
    hold one of their words (``marker_words``… in ``page.toml``).
    """
    n = len(bl)
    vocab = _vocabulary(tuple(cfg["languages"]), int(cfg["stopwords"]), tuple(cfg["marker_words"]),
                        tuple(cfg["end_marker_words"]), tuple(cfg["chrome_words"]), tuple(cfg["share_buttons"]))
    k = _kernels(len(text))
    c = _count_with_kernels(k, text, bl, cfg, vocab) if k is not None else _count_with_regex(text, bl, cfg, vocab)
    lengths = bl[:, 1] - bl[:, 0]
    words = c.words
    density = np.full(n, -1.0) if c.stop is None else c.stop / np.maximum(words, 1)
    short = lengths <= cfg["marker_max_chars"]
    marker = np.zeros(n, dtype=bool)
    end = np.zeros(n, dtype=bool)
    chrome = c.copyright.copy()
    for flag, kind, key, limit, whole in ((marker, 1, "markers", cfg["marker_max_chars"], True),
                                          (end, 2, "end_markers", cfg["marker_max_chars"], True),
                                          (chrome, 4, "chrome", cfg["chrome_max_chars"], False)):
        pattern = _patterns(key)
        test = pattern.fullmatch if whole else pattern.search
        for b in np.flatnonzero(((c.kinds & kind) != 0) & (lengths <= limit)).tolist():
            if test(text[bl[b, 0] : bl[b, 1]]):
                flag[b] = True
    return Features(
        chars=lengths,
        words=words,
        letters=c.letters,
        density=density,
        sentence=c.sentence,
        capitals=c.capitals / np.maximum(words, 1),
        # (not on a CJK page: its words are not separated by spaces, so a
        # sentence is one long "word" with iPhone in it)
        glued=(words >= cfg["glued_min_words"]) & (c.glue >= cfg["glued_share"] * words) & (not c.cjk),
        repeated=c.repeated,
        marker=marker & short,
        end=end & short,
        chrome=chrome & (lengths <= cfg["chrome_max_chars"]),
        share=(words == 1) & ((c.kinds & 8) != 0),
    )


def scores(f: Features, cfg: dict[str, Any]) -> np.ndarray:
    """How much each block reads like article text (+) or like the page around it (-).

    A block's score is its length (at most ``max_block_chars``) times a
    likeness between -1 and 1.  The likeness grows with the share of stop
    words, around ``density_mid`` (with no stop words for the page: whether
    the block ends like a sentence).  Ending like a sentence adds to it; not
    ending like one, being short, or being mostly capitalised words
    (headlines, menus) takes from it.  Glued menu entries, site furniture
    and short blocks that the page repeats score -1; a marker line scores
    ``-barrier``; a block without a letter (a quotation mark, a number in a
    table) scores 0.  Any negative block costs at least ``short_floor``.

    Then the neighbours: the k-th menu-like block in a row (short, no
    sentence end) costs ``1 + menu_run_growth * min(k - 1, menu_run_cap)``
    times ``short_floor``, and a block that reads well between two that do
    not (a teaser's summary between its headline and its date) counts
    ``isolated_weight`` times.
    """
    n = len(f.chars)
    if n and f.density[0] < 0:  # no stop words for this page
        a = np.where(f.sentence, cfg["sentence_likeness"], -cfg["sentence_likeness"])
    else:
        a = np.clip((f.density - cfg["density_mid"]) / cfg["density_width"], -1.0, 1.0)
        bonus = np.maximum(a + cfg["sentence_bonus"], np.where(f.words >= 4, cfg["sentence_floor"], -1.0))
        malus = a - cfg["nosentence_malus"] - np.where(f.chars < cfg["length_low"], cfg["short_malus"], 0.0)
        a = np.where(f.sentence, bonus, malus)
        a = a - np.where((f.words >= 3) & (f.capitals >= cfg["capitals_share"]), cfg["capitals_malus"], 0.0)
    furniture = f.glued | f.chrome | (f.repeated & (f.chars <= cfg["repeat_max_chars"]))
    a = np.clip(np.where(furniture, -1.0, a), -1.0, 1.0)
    v = a * np.minimum(f.chars, cfg["max_block_chars"])
    v = np.where(v < 0, np.minimum(v, -cfg["short_floor"]), v)
    neutral = (f.words == 0) | (~f.letters if cfg["numbers_neutral"] else False)
    v = np.where(neutral, 0.0, v)
    v = np.where(f.share, np.minimum(v, -float(cfg["share_cost"])), v)
    v = np.where(f.marker, -float(cfg["barrier"]), v)
    # Context, over the blocks that count (the ones scoring 0 are transparent).
    idx = np.flatnonzero((v != 0) & ~f.marker)
    if len(idx):
        w = v[idx]
        menu = (w < 0) & ~f.sentence[idx] & (f.chars[idx] < cfg["length_low"])
        pos = np.arange(len(idx))
        last_break = np.maximum.accumulate(np.where(menu, -1, pos))
        k = pos - last_break  # the k-th menu-like block in a row (0: not one)
        cost = -cfg["short_floor"] * (1 + cfg["menu_run_growth"] * np.minimum(k - 1, cfg["menu_run_cap"]))
        w = np.where(menu, np.minimum(w, cost), w)
        lone = np.zeros(len(idx), dtype=bool)
        if len(idx) > 2:
            lone[1:-1] = (w[1:-1] > 0) & (w[:-2] < 0) & (w[2:] < 0)
        v[idx] = np.where(lone, w * cfg["isolated_weight"], w)
    return v.astype(float) if n else np.zeros(0)


def best_run(values: np.ndarray) -> tuple[int, int]:
    """``(i, j)``: the run ``values[i:j]`` with the largest sum; ``(0, 0)`` if no sum is positive."""
    if not len(values):
        return 0, 0
    prefix = np.r_[0.0, np.cumsum(values)]
    low = np.minimum.accumulate(prefix)
    gain = prefix - low
    j = int(np.argmax(gain))
    if gain[j] <= 0:
        return 0, 0
    # The latest start with the lowest prefix sum before j (Kadane's reset point).
    i = int(np.flatnonzero(prefix[: j + 1] == low[j])[-1])
    return i, j


def article_span(f: Features, values: np.ndarray, cfg: dict[str, Any]) -> tuple[int, int, bool] | None:
    """``(i, j, comments)``: the blocks ``[i, j)`` that hold the article, or ``None`` to leave the text alone.

    The run is :func:`best_run` of the scores, cut at the first comment
    marker after ``end_min_chars`` of article (``comments`` is then true).
    The text is left alone when fewer than ``min_before_blocks`` blocks come
    before the run and none of them is glued menu entries: a web page
    starts with its site name and menus, an article with its headline.
    """
    i, j = best_run(values)
    if j <= i:
        return None
    if i < cfg["min_before_blocks"] and not f.glued[:i].any():
        return None
    comments = False
    ends = np.flatnonzero(f.end[i:j])
    if len(ends):
        seen = np.r_[0.0, np.cumsum(np.maximum(values[i:j], 0.0))]
        late = ends[seen[ends] >= cfg["end_min_chars"]]
        if len(late):
            j, comments = i + int(late[0]), True
    # The headline: a title-like block right above the body stays with it.
    if cfg.get("keep_headline") and i > 0:
        h = i - 1
        if (not f.sentence[h] and cfg["headline_min_words"] <= f.words[h] <= cfg["headline_max_words"]
                and not (f.glued[h] or f.marker[h] or f.end[h] or f.chrome[h])):
            i = h
    return (i, j, comments) if j > i else None


def find_article(text: str, cfg: dict[str, Any] | None = None) -> tuple[np.ndarray, tuple[int, int, bool] | None]:
    """The blocks of *text* and the article's span of blocks (see the module docstring)."""
    global _last_code_points
    cfg = cfg or settings()
    try:
        bl = blocks(text, cfg)
        if not len(bl):
            return bl, None
        f = features(text, bl, cfg)
    finally:
        _last_code_points = None  # do not keep a copy of the document
    return bl, article_span(f, scores(f, cfg), cfg)


def article_text(text: str, cfg: dict[str, Any] | None = None) -> str:
    """The article blocks of *text*, one a line (what B004 keeps, without the edit machinery)."""
    bl, span = find_article(text, cfg)
    if span is None:
        return text
    i, j, _ = span
    return "\n".join(text[a:b] for a, b in bl[i:j].tolist())


_LINE_END = re.compile(r"\r\n|\n|\r")


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
    minified pages at runs of spaces, sentence ends and glued words; wrapped
    lines joined back), each block is scored on its text -- share of stop
    words of the page's language (wordfreq's most frequent words), sentence
    punctuation, length, capitalised words, glued menu entries (``HomeAbout
    MeContact``), repeats, and its neighbours -- and the article is the run
    of blocks with the largest total score (Body Text Extraction, Finn et
    al. 2001), stopped by a line that opens the comments.  Everything inside
    that run stays, subheads and short paragraphs included (jusText's
    lesson: judge a short block by its neighbours); the text before it and
    after it is removed, as two edits.

    Weights, thresholds and the marker, comment and furniture patterns are
    in ``data/page.toml``.  A text that does not start with a page's worth of
    menus (an article, not a page) is left alone.  The headline above the
    body goes with the page unless the rule option ``keep_headline`` is
    true.  Off by default: select it for page text (``--extend-select
    B004``).
    """
    cfg = settings()
    if ctx.options.get("keep_headline"):
        cfg = {**cfg, "keep_headline": True}
    bl, span = find_article(text, cfg)
    if span is None:
        return []
    i, j, comments = span
    edits = []
    if i > 0:
        start = int(bl[i, 0])
        line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        if not text[line_start:start].strip():
            start = line_start  # the article's first line keeps its indentation
        edits.append(Edit(0, start, "", "page chrome before the article"))
    if j < len(bl):
        end = int(bl[j - 1, 1])
        brk = _LINE_END.search(text, end)
        if brk is not None and not text[end : brk.start()].strip():
            end = brk.start()  # the article's last line ends where it ended
        # Keep the document's final line break, if it had one.
        tail = _LINE_END.search(text, len(text) - 2)
        final = tail.group() if tail is not None and tail.end() == len(text) else ""
        why = "comments and page chrome after the article" if comments else "page chrome after the article"
        edits.append(Edit(end, len(text), final, why))
    return edits
