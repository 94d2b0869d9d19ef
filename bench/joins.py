"""Join repair on real news pages: cleaner's J rules against word segmenters.

The damage is the one that made seed 000: a scraper drops the text of every
hyperlink and glues the text nodes it keeps.  For each of the 181 pages of
the article-extraction benchmark (``../shared/bench-data/``, gold article
text in ``ground-truth.json``):

1. delete the text of every ``<a>`` element from the HTML;
2. extract the text with BeautifulSoup, stripping every text node and
   joining them with nothing (``get_text("", strip=True)``), which glues
   ``the`` + ``followed`` into ``thefollowed`` and ``guarantees.`` +
   ``During`` into ``guarantees.During``;
3. repair: cleaner's J rules (the real engine, ``select=["J"]``), and for
   comparison wordsegment and wordninja applied to every run of letters.

Scoring.  The extraction knows, for every point where two kept text nodes
meet, whether the page had a space there (whitespace around or inside the
removed link text, or a block boundary): those are the **true joins**;
``Mc<em>Donald</em>`` is a meeting point that must stay glued.  Only the
article is judged, against the gold text: a point counts when its token is a
word of the gold article or the point splits it into two gold words, so page
furniture is left out.

* **precision** = correct proposals / judged proposals: a proposal is
  correct at a true join, or where the gold text has a space between the two
  halves although the page itself had none (``parents."Hey``); a split inside
  a gold word (``Ze lenski y``) is wrong;
* **recall** = true joins repaired / true joins; "word recall" counts only
  joins between two words (``thefollowed``), leaving out joins at sentence
  punctuation (``guarantees.During``), which the segmenters do not attempt.
* **wrong splits per 10,000 tokens**: each system runs on the untouched gold
  text, where every split is wrong.

    pip install -e '.[bench]'           # wordsegment and wordninja, the baselines
    python bench/joins.py               # all 181 pages
    python bench/joins.py --limit 40    # the first 40 pages (quicker)

The pages are grouped by the language :func:`cleaner.rules._joins.document_language`
finds in the gold text, with one line per language that is not English.

Targets for cleaner: precision >= 0.98, recall >= 0.85 over all 181 pages,
fewer than 1 wrong split per 10,000 tokens of clean text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from bisect import bisect_right
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data" / "article-extraction-benchmark"
STRIP = "\"'“”‘’()[]{},.;:!?«»…*•–—-"
_TOKEN = re.compile(r"\S+")
_LETTERS = re.compile(r"[A-Za-z]+")


BLOCK = frozenset(
    "address article aside blockquote body br dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr html li main nav ol p pre section table tbody td tfoot th thead tr ul title option select "
    "button label".split()
)


def damaged_text(html: bytes) -> tuple[str, dict[int, bool]]:
    """The page text after removing every link's text, text nodes stripped and glued.

    Returns the text and, for every point where two kept text nodes meet,
    whether the original page had a space there (whitespace in or around the
    removed text, or a block boundary): ``True`` is a join to repair,
    ``False`` a place that must stay glued (``Mc<em>Donald</em>``).
    """
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "svg"]):
        tag.decompose()
    parts: list[str] = []
    boundaries: dict[int, bool] = {}
    pos = 0
    gap_space = False  # whitespace or a block boundary since the last kept text
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name in BLOCK:
                gap_space = True
            continue
        if type(node) is not NavigableString:
            continue  # comments, doctype, CDATA
        raw = str(node)
        in_link = any(getattr(p, "name", None) == "a" for p in node.parents)
        if in_link:  # the removed link text: remember only whether it held a space
            gap_space = gap_space or any(c.isspace() for c in raw)
            continue
        kept = raw.strip()
        if not kept:
            gap_space = gap_space or bool(raw)
            continue
        if raw[: len(raw) - len(raw.lstrip())]:
            gap_space = True
        if parts:
            boundaries[pos] = gap_space
        parts.append(kept)
        pos += len(kept)
        gap_space = bool(raw[len(raw.rstrip()) :])
    return "".join(parts), boundaries


def _strip(word: str) -> str:
    return word.strip(STRIP)


class Gold:
    """The gold article's vocabulary."""

    def __init__(self, text: str):
        self.vocab = {w for w in (_strip(t) for t in text.split()) if w}


def judge_points(text: str, boundaries: dict[int, bool], gold: Gold):
    """The true joins of the article, and a judge for proposed split points.

    A point is judged when it falls in a token of the article: the token is a
    gold word, or the point splits it into two gold words.  A judged point is
    correct when it is a boundary where the page had a space.
    """
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    starts = [s for s, _ in tokens]

    def token_at(p: int) -> tuple[int, int] | None:
        i = bisect_right(starts, p) - 1
        if i < 0:
            return None
        s, e = tokens[i]
        return (s, e) if s < p < e else None

    def judged(p: int) -> bool:
        span = token_at(p)
        if span is None:
            return False
        s, e = span
        if _strip(text[s:e]) in gold.vocab:
            return True
        a, b = _strip(text[s:p]), _strip(text[p:e])
        return bool(a) and bool(b) and a in gold.vocab and b in gold.vocab

    joins = {
        p for p, needs_space in boundaries.items()
        if needs_space and _space_belongs(text, p) and judged(p)
    }
    return joins, judged


def _space_belongs(text: str, p: int) -> bool:
    """Would a space go between ``text[p-1]`` and ``text[p]`` (not before a comma)?"""
    a, b = text[p - 1], text[p]
    return (a.isalnum() or a in ".!?:;,\"”’)]%") and (b.isalnum() or b in "\"“‘([$#@")


def gold_has_space(text: str, p: int, gold_text: str) -> bool:
    """Does the gold text have a space between the two halves of the token split at *p*?

    The source page itself sometimes lacks a space (``parents."Hey``) that the
    gold text has; a repair there is right even though no link was removed.
    """
    m_left = re.search(r"\S{1,15}\Z", text[max(0, p - 15) : p])
    m_right = re.match(r"\S{1,15}", text[p : p + 15])
    if not m_left or not m_right:
        return False
    return re.search(re.escape(m_left.group()) + r"\s+" + re.escape(m_right.group()), gold_text) is not None


def score(points: list[int], joins: set[int], judged, text: str = "", gold_text: str = "") -> tuple[int, int, int]:
    """(correct, judged proposals, true joins found) for insertion *points*."""
    pts = set(points)
    found = sum(1 for p in pts if p in joins)
    correct = sum(1 for p in pts if p in joins or (judged(p) and gold_has_space(text, p, gold_text)))
    n_judged = sum(1 for p in pts if judged(p))
    return correct, n_judged, found


# ------------------------------------------------------------------ systems


def cleaner_points(text: str) -> list[int]:
    from cleaner.config import Config
    from cleaner.engine import clean_text

    result = clean_text(text, Config(select=["J"], time_limit=None))
    return [e.start for e in result.edits if e.start == e.end and e.after == " "]


_SEG_CACHE: dict[tuple[str, str], list[int]] = {}


def segmenter_points(text: str, name: str) -> list[int]:
    """Split points a word segmenter puts inside each run of letters."""
    if name == "wordsegment":
        import wordsegment

        if not getattr(wordsegment, "_loaded_for_bench", False):
            wordsegment.load()
            wordsegment._loaded_for_bench = True
        seg = wordsegment.segment
    else:
        import wordninja

        seg = wordninja.split
    out = []
    for m in _LETTERS.finditer(text):
        run = m.group()
        key = (name, run)
        cuts = _SEG_CACHE.get(key)
        if cuts is None:
            cuts, pos = [], 0
            pieces = seg(run) if len(run) > 1 else [run]
            for piece in pieces[:-1]:
                pos += len(piece)
                cuts.append(pos)
            if sum(len(x) for x in pieces) != len(run):
                cuts = []  # the segmenter dropped or changed characters; no split
            _SEG_CACHE[key] = cuts
        out.extend(m.start() + c for c in cuts)
    return out


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


#: cleaner, and the word segmenters that are installed (pip install -e '.[bench]').
SYSTEMS = ("cleaner",) + tuple(m for m in ("wordsegment", "wordninja") if _available(m))


def system_points(text: str, name: str) -> list[int]:
    return cleaner_points(text) if name == "cleaner" else segmenter_points(text, name)


def evaluate_page(args: tuple[str, str]) -> dict:
    page_id, gold_text = args
    html = gzip.decompress((DATA / "html" / f"{page_id}.html.gz").read_bytes())
    text, boundaries = damaged_text(html)
    joins, judged = judge_points(text, boundaries, Gold(gold_text))
    word_joins = {p for p in joins if text[p - 1].isalpha()}
    out = {"id": page_id, "true": len(joins), "true_word": len(word_joins),
           "gold_tokens": len(gold_text.split())}
    for name in SYSTEMS:
        t0 = time.perf_counter()
        pts = system_points(text, name)
        elapsed = time.perf_counter() - t0
        c, j, f = score(pts, joins, judged, text, gold_text)
        _, _, fw = score(pts, word_joins, judged)
        gold_wrong = len(system_points(gold_text, name))
        out[name] = {"correct": c, "judged": j, "found": f, "found_word": fw,
                     "gold_wrong": gold_wrong, "seconds": elapsed}
    return out


def table(title: str, pages: list[dict]) -> None:
    """Print one comparison table over *pages*."""
    total_true = sum(p["true"] for p in pages)
    total_word = sum(p["true_word"] for p in pages)
    tokens = sum(p["gold_tokens"] for p in pages)
    print(f"\n{title}: {len(pages)} pages, {total_true} true joins in the damaged text "
          f"({total_word} between two words), {tokens} tokens of gold text")
    print(f"{'system':<12} {'precision':>9} {'recall':>7} {'word recall':>11} "
          f"{'wrong/10k gold':>14} {'proposals':>9} {'seconds':>8}")
    for name in SYSTEMS:
        c = sum(p[name]["correct"] for p in pages)
        j = sum(p[name]["judged"] for p in pages)
        f = sum(p[name]["found"] for p in pages)
        fw = sum(p[name]["found_word"] for p in pages)
        gw = sum(p[name]["gold_wrong"] for p in pages)
        sec = sum(p[name]["seconds"] for p in pages)
        prec = c / j if j else 1.0
        print(f"{name:<12} {prec:>9.3f} {f / max(1, total_true):>7.3f} {fw / max(1, total_word):>11.3f} "
              f"{gw * 10000 / max(1, tokens):>14.2f} {j:>9} {sec:>8.2f}")


def by_language(pages: list[dict], language: dict[str, str]) -> None:
    """One line per language of the pages that are not in English (``?``: none detected)."""
    print("\ncleaner J rules by language of the gold text (\"?\": no language detected)")
    print(f"{'language':<8} {'pages':>5} {'true joins':>10} {'found':>6} {'recall':>7} {'precision':>9} {'wrong on gold':>13}")
    for lang in sorted({language[p["id"]] for p in pages} - {"en"}):
        sel = [p for p in pages if language[p["id"]] == lang]
        true = sum(p["true"] for p in sel)
        found = sum(p["cleaner"]["found"] for p in sel)
        judged = sum(p["cleaner"]["judged"] for p in sel)
        correct = sum(p["cleaner"]["correct"] for p in sel)
        wrong = sum(p["cleaner"]["gold_wrong"] for p in sel)
        print(f"{lang:<8} {len(sel):>5} {true:>10} {found:>6} {found / max(1, true):>7.3f} "
              f"{correct / judged if judged else 1.0:>9.3f} {wrong:>13}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--examples", type=int, default=0, help="print N wrong cleaner splits on gold text")
    args = ap.parse_args(argv)
    if not (DATA / "ground-truth.json").is_file():
        print(f"benchmark data not found at {DATA}", file=sys.stderr)
        return 2
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    items = sorted((k, v["articleBody"]) for k, v in truth.items())
    if args.limit:
        items = items[: args.limit]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        pages = list(pool.map(evaluate_page, items, chunksize=4))
    print(f"{len(pages)} pages; {time.perf_counter() - t0:.1f}s")
    from cleaner.rules._joins import document_language

    language = {k: document_language(body) or "?" for k, body in items}
    table("all pages", pages)
    table("English pages", [p for p in pages if language[p["id"]] == "en"])
    table("other pages", [p for p in pages if language[p["id"]] != "en"])
    by_language(pages, language)
    if args.examples:
        from cleaner.rules._joins import find_joins

        shown = 0
        for _, body in items:
            for jn in find_joins(body):
                if shown < args.examples:
                    print("  wrong split on gold:", repr(body[max(0, jn.pos - 25) : jn.pos] + "|" + body[jn.pos : jn.pos + 25]))
                    shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
