"""Per-rule throughput: how many MB/s each rule handles on real article text.

Runs every rule's function alone (one pass, no engine) over the gold article
texts of the article-extraction benchmark plus the seed files, then the whole
engine (``clean_text`` with the default configuration, fixpoint included),
and, as a baseline measured in the same run, ftfy ``fix_text`` over the same
texts.  The ratios in the last column are against that baseline, so they
compare across machines.

    python bench/rules.py                  # every default rule
    python bench/rules.py --select J002 Q001
    python bench/rules.py --repeat 3       # best of 3 (the machine is noisy)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
BENCH = SHARED / "bench-data" / "article-extraction-benchmark"


def corpus_texts() -> list[str]:
    gt = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    texts = [v["articleBody"] for _, v in sorted(gt.items())]
    texts += [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    return texts


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--select", nargs="*", default=None, help="rule codes to time (default: all enabled)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = ap.parse_args()

    import ftfy

    import cleaner.rules  # noqa: F401  (registers the rules)
    from cleaner.config import Config
    from cleaner.engine import clean_text
    from cleaner.registry import RuleContext, all_rules

    texts = corpus_texts()
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"{len(texts)} texts, {mb:.2f} MB; best of {args.repeat}")

    base = best_time(lambda: [ftfy.fix_text(t) for t in texts], args.repeat)
    print(f"{'baseline: ftfy fix_text':38s} {base * 1000:8.1f} ms {mb / base:9.1f} MB/s   1.00x")

    total = 0.0
    for r in all_rules():
        if args.select is not None and args.select and r.code not in args.select:
            continue
        if args.select is None and not r.default_enabled:
            continue

        def run(r=r) -> None:
            for t in texts:
                list(r.function(t, RuleContext(options=dict(r.options))) or ())

        run()  # warm caches and lazy loads (word lists, models)
        el = best_time(run, args.repeat)
        total += el
        print(f"{r.code} {r.name:33s} {el * 1000:8.1f} ms {mb / el:9.1f} MB/s {base / el:6.2f}x")
    print(f"{'sum of the rules above':38s} {total * 1000:8.1f} ms {mb / total:9.1f} MB/s {base / total:6.2f}x")

    if args.select is None:
        config = Config()
        clean_text(texts[0], config)
        el = best_time(lambda: [clean_text(t, config) for t in texts], args.repeat)
        print(f"{'engine: clean_text (all passes)':38s} {el * 1000:8.1f} ms {mb / el:9.1f} MB/s {base / el:6.2f}x")


if __name__ == "__main__":
    main()
