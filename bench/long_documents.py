"""Throughput on one long document: does cleaning stay linear in a document's size?

Builds single documents of growing size (by default 0.25 to 4 MB) from the
gold article texts of the article-extraction benchmark with the corpus
bench's scraper damage (``bench/corpus.py``), then times ``clean_text``
(every rule, every pass) on each, and, as a baseline measured in the same
run on the same text, ftfy ``fix_text``.  A rule that reads the whole text
once per candidate (candidates grow with the text) makes the MB/s fall as
documents grow; the last column, each size's MB/s against the smallest's,
stays near 1 when cleaning is linear.  Compare ratios, not absolute times:
the machine is shared.

    python bench/long_documents.py
    python bench/long_documents.py --sizes 1 8
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))


def long_document(mb: float, seed: int = 11) -> str:
    """One document of about *mb* MB: damaged articles one after another, separated by blank lines."""
    import corpus

    rng = random.Random(seed)
    articles = corpus.gold_articles()
    parts, size = [], 0
    while size < mb * 1e6:
        text = corpus.damage(corpus.paragraphs(corpus.renumber(rng.choice(articles), rng)), rng)
        parts.append(text)
        size += len(text.encode("utf-8"))
    return "\n\n".join(parts)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="*", type=float, default=[0.25, 0.5, 1.0, 2.0, 4.0], help="document sizes in MB")
    args = ap.parse_args()

    import ftfy

    from cleaner.config import Config
    from cleaner.engine import clean_text

    config = Config()
    clean_text(long_document(0.3, seed=1), config)  # load word lists, tables and kernels first (200,000 characters: see KERNEL_AFTER)
    print(f"{'size':>8} {'clean_text':>11} {'MB/s':>7} {'ftfy':>8} {'MB/s':>7} {'x ftfy':>7} {'MB/s vs first':>14}")
    first = None
    for mb in args.sizes:
        text = long_document(mb)
        real = len(text.encode("utf-8")) / 1e6
        seconds = timed(lambda: clean_text(text, config))
        base = timed(lambda: ftfy.fix_text(text))
        rate = real / seconds
        first = first or rate
        print(f"{real:6.2f}MB {seconds:10.2f}s {rate:7.2f} {base:7.2f}s {real / base:7.2f} {base / seconds:7.2f} "
              f"{rate / first:14.2f}")


if __name__ == "__main__":
    main()
