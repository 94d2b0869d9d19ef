"""What ``cleaner check`` costs on top of running the rules, per output format.

Runs the rules once over a corpus (``process``, the baseline measured in the
same run), then times turning the result into diagnostics and rendering
every output format, plus a baseline filter and a ``--diff``.  Each figure is
also given as a ratio to the rules' own time, so it is comparable across
machines: a linter that spends more on printing than on checking would show
ratios near or above 1.

The corpus is the raw HTML pages of the article-extraction benchmark
(``../shared/bench-data/article-extraction-benchmark/html/*.html.gz``, read
as text: many diagnostics per file, a stress test for the formatters), or
the seeds when the benchmark data is not there.

    python bench/check_formats.py            # all pages
    python bench/check_formats.py --limit 40 # fewer pages
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cleaner.baseline import Baseline  # noqa: E402
from cleaner.cli.check import unified_diff  # noqa: E402
from cleaner.config import Config  # noqa: E402
from cleaner.diagnostics import diagnostics  # noqa: E402
from cleaner.formats import FORMATS, Report  # noqa: E402
from cleaner.model import Document  # noqa: E402
from cleaner.pipeline import process  # noqa: E402

BENCH = REPO.parent / "shared" / "bench-data" / "article-extraction-benchmark" / "html"


def load(limit: int | None) -> list[Document]:
    files = sorted(BENCH.glob("*.html.gz"))[:limit] if BENCH.is_dir() else []
    if files:
        return [Document(id=f"html/{f.name[:-3]}", text=gzip.decompress(f.read_bytes()).decode("utf-8", "replace"))
                for f in files]
    return [Document(id=f"seeds/{f.name}", text=f.read_text(encoding="utf-8"))
            for f in sorted((REPO / "seeds").glob("*.txt"))]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="at most this many pages")
    args = ap.parse_args()
    docs = load(args.limit)
    config = Config(time_limit=None)
    size = sum(len(d.text) for d in docs)
    _, t_rules = timed(lambda: process(docs, config))
    diags, t_diag = timed(lambda: [d for doc in docs for d in diagnostics(doc, config)])
    report = Report(diagnostics=diags, files=[d.id for d in docs], texts={d.id: d.text for d in docs})
    print(f"{len(docs)} documents, {size / 1e6:.1f} M characters, {len(diags)} diagnostics")
    print(f"{'step':<22}{'seconds':>10}{'ratio to rules':>16}")
    print(f"{'rules (baseline)':<22}{t_rules:>10.3f}{1:>16.3f}")
    print(f"{'diagnostics':<22}{t_diag:>10.3f}{t_diag / t_rules:>16.3f}")
    for name, render in FORMATS.items():
        out, t = timed(lambda render=render: render(report))
        print(f"{'format ' + name:<22}{t:>10.3f}{t / t_rules:>16.3f}   ({len(out) / 1e6:.1f} MB)")
    base = Path("/tmp/cleaner-bench-baseline.json")
    _, t = timed(lambda: Baseline.from_diagnostics(diags, base).filter(diags))
    print(f"{'baseline filter':<22}{t:>10.3f}{t / t_rules:>16.3f}")
    _, t = timed(lambda: [unified_diff(d.id, d.text, d.cleaned or d.text) for d in docs])
    print(f"{'diff':<22}{t:>10.3f}{t / t_rules:>16.3f}")


if __name__ == "__main__":
    main()
