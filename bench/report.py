"""Report rendering on real news text: cleaner's report against difflib.HtmlDiff.

The corpus is the gold article text of the article-extraction benchmark
(``../shared/bench-data/``, 181 pages), each copied with the debris scrapers
leave (an HTML comment, entities, trailing spaces, runs of blank lines, a
share line), repeated to reach ``--docs`` documents.  It is cleaned once with
the real pipeline; then, in the same run:

* **cleaner report** — ``write_report`` (one page, and split into pages):
  rebuilds every original from the log, verifies it, renders every change
  with its rule and reason;
* **baseline** — ``difflib.HtmlDiff().make_file`` of original vs cleaned
  lines for every document (the standard library's side-by-side diff, which
  shows *what* differs but not *why*).

Figures: documents/s and MB/s of input text, output size, and the ratio of
our throughput to the baseline's.  Also one large document (about 1 MB with
thousands of edits) to show the report stays linear.

    python bench/report.py               # 1000 documents
    python bench/report.py --docs 200    # quicker
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.config import Config  # noqa: E402
from cleaner.pipeline import process, read_documents, write_outputs  # noqa: E402
from cleaner.report.render import write_report  # noqa: E402

DATA = ROOT.parent / "shared" / "bench-data" / "article-extraction-benchmark" / "ground-truth.json"


def damaged(body: str, i: int) -> str:
    paras = [p.strip() for p in body.split("\n") if p.strip()]
    out = []
    for k, p in enumerate(paras):
        p = p.replace(" & ", " &amp; ", 1)
        out.append(p + ("  " if k % 3 == 0 else ""))
        if k == 1:
            out.append("<!-- ad slot %d -->" % i)
        out.append("\n\n" if k % 4 == 0 else "")
    out.append("Share this article")
    return "\n".join(out) + "\n"


def make_corpus(folder: Path, n_docs: int) -> int:
    gold = json.loads(DATA.read_text(encoding="utf-8"))
    bodies = [v["articleBody"] for _, v in sorted(gold.items()) if v.get("articleBody")]
    total = 0
    for i in range(n_docs):
        text = damaged(bodies[i % len(bodies)], i)
        (folder / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


def clean(src: Path, out: Path) -> None:
    docs = [d for d in read_documents([str(src)]) if not hasattr(d, "message")]
    config = Config()
    process(docs, config)
    write_outputs(docs, out, config)


def baseline(src: Path, out: Path, dest: Path) -> int:
    size = 0
    differ = difflib.HtmlDiff(wrapcolumn=100)
    with open(dest, "w", encoding="utf-8") as fh:
        for f in sorted(src.glob("*.txt")):
            a = f.read_text(encoding="utf-8").splitlines()
            b = (out / f.name).read_text(encoding="utf-8").splitlines()
            page = differ.make_file(a, b, f.name, f.name)
            fh.write(page)
            size += len(page)
    return size


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src, out = tmp / "in", tmp / "out"
        src.mkdir()
        nbytes = make_corpus(src, args.docs)
        clean(src, out)
        edits = sum(len(json.loads(x)["edits"]) for x in (out / "cleaner-log.jsonl").open(encoding="utf-8"))
        mb = nbytes / 1e6
        print(f"corpus: {args.docs} documents, {mb:.1f} MB, {edits} edits")

        t_one, r_one = timed(write_report, out, tmp / "one.html", split_over=args.docs + 1)
        t_split, r_split = timed(write_report, out, tmp / "split.html", split_over=1)
        t_base, base_size = timed(baseline, src, out, tmp / "difflib.html")
        one_size = (tmp / "one.html").stat().st_size
        split_size = sum(p.stat().st_size for p in r_split.pages)
        print(f"{'':28}{'seconds':>9}{'docs/s':>9}{'MB/s':>8}{'output MB':>11}")
        for name, t, size in (("cleaner report (one page)", t_one, one_size),
                              ("cleaner report (split)", t_split, split_size),
                              ("difflib.HtmlDiff baseline", t_base, base_size)):
            print(f"{name:28}{t:9.2f}{args.docs / t:9.0f}{mb / t:8.2f}{size / 1e6:11.1f}")
        print(f"ratio, one page vs baseline: {t_base / t_one:.2f}x; split vs baseline: {t_base / t_split:.2f}x")
        assert r_one.unreadable == 0 and r_split.unreadable == 0

        # one large document: about 1 MB, thousands of edits
        big_src, big_out = tmp / "big_in", tmp / "big_out"
        big_src.mkdir()
        gold = json.loads(DATA.read_text(encoding="utf-8"))
        text = ""
        for i, (_, v) in enumerate(sorted(gold.items())):
            text += damaged(v.get("articleBody") or "", i)
            if len(text) > 1_000_000:
                break
        (big_src / "big.txt").write_text(text, encoding="utf-8")
        clean(big_src, big_out)
        n_big = len(json.loads((big_out / "cleaner-log.jsonl").read_text(encoding="utf-8"))["edits"])
        t_big, _ = timed(write_report, big_out, tmp / "big.html")
        t_big_base, _ = timed(baseline, big_src, big_out, tmp / "big-difflib.html")
        print(f"one {len(text) / 1e6:.1f} MB document with {n_big} edits: cleaner report {t_big:.2f}s, "
              f"difflib {t_big_base:.2f}s (ratio {t_big_base / t_big:.2f}x)")


if __name__ == "__main__":
    main()
