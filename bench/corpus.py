"""Corpus-scale benchmark: throughput, scaling, memory and article-extraction quality.

In one run, on this machine:

1. builds a JSONL corpus of real-looking news (default 100 MB) from the gold
   article texts of the article-extraction benchmark: articles recombined
   and re-numbered so documents differ, scraper damage added (HTML comments
   and entities, share bars and photo credits, mojibake, trailing spaces,
   blank-line runs, a site template line), and about one document in five
   a lightly edited repeat of an earlier one (wire copy run by many outlets);
2. times ``cleaner clean`` (each run a fresh process, peak RSS measured)
   for *clean alone* (no index), *dedup alone* (rules off, ``--index``) and
   the *full pipeline* (rules + ``--index``), with ``-j 1`` and ``-j 2``;
3. times the baseline on the same documents, in a fresh process of its own
   whose peak RSS is measured as cleaner's is: ftfy ``fix_text`` of each
   document, then plain datasketch per-paragraph ``MinHash`` (word 5-gram
   shingles, 128 permutations) with ``MinHashLSH`` query + insert.  The
   full pipeline with ``-j 1``, the figure the target compares with the
   baseline, runs just before and just after it, and its figure is the
   mean of the two, so that a drift in the machine's speed while the
   baseline runs (a shared machine) weighs on both sides alike; the full
   pipeline with ``-j 2`` runs before the first and after the second, and
   its figure is the mean of those two;
4. scores article extraction on the 181 pages: naive BeautifulSoup
   ``get_text`` alone, naive text then our cleaning (default rules, and
   with the opt-in page rule ``B004``), our HTML reader then our cleaning
   (with and without ``B004``), and trafilatura if it is installed;
   4-word-shingle precision / recall / F1 against the gold text, averaged
   over pages, for the first half of the keys (on which ``B004`` was
   tuned), the held-out second half, and all pages.

Ratios are against figures measured in the same run, so they compare across
machines.  The baseline runs on the whole corpus by default, like cleaner:
datasketch's LSH slows down as its index grows (on the 100 MB corpus 1.25 MB/s
over the first 10 MB, 0.52 MB/s over all of it), so a baseline measured on a
smaller part would flatter it.  ``--baseline-mb N`` limits it to the first
N MB for a quicker, rougher run.

    python bench/corpus.py                 # 100 MB corpus (several minutes)
    python bench/corpus.py --mb 10         # quicker
    python bench/corpus.py --skip-speed    # extraction score only
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BENCH = REPO.parent / "shared" / "bench-data" / "article-extraction-benchmark"

SHARE = ["Share this article", "Share on Facebook", "Share on Twitter", "Click to share on WhatsApp (Opens in new window)",
         "Photo: Reuters", "Photo: AP Photo/Evan Vucci", "Advertisement", "Read more:", "Sign up for our newsletter"]
TEMPLATE = "The Daily Ledger | Metro Section"
NAMES = ["Smith", "Garcia", "Okafor", "Nguyen", "Kowalski", "Haddad", "Larsen", "Mehta", "Rossi", "Tanaka"]


# ---------------------------------------------------------------------------
# Corpus


def gold_articles() -> list[str]:
    gt = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    return [v["articleBody"] for _, v in sorted(gt.items()) if len(v["articleBody"]) > 400]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def renumber(p: str, rng: random.Random) -> str:
    p = re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** len(m.group()))), p)
    return re.sub(r"\b(Mr|Ms|Mrs|Dr)\. [A-Z][a-z]+", lambda m: f"{m.group(1)}. {rng.choice(NAMES)}", p)


def mojibake(p: str) -> str:
    try:
        return p.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return p


def damage(paras: list[str], rng: random.Random) -> str:
    out = []
    if rng.random() < 0.5:
        out.append(TEMPLATE)
    for p in paras:
        r = rng.random()
        if r < 0.05:
            p = mojibake(p)
        elif r < 0.10:
            words = p.split(" ")
            k = rng.randrange(len(words))
            words.insert(k, "<!-- ad slot -->")
            p = " ".join(words)
        elif r < 0.14:
            p = p.replace(" and ", " &amp; ", 1)
        if rng.random() < 0.15:
            p += "  "
        out.append(p)
        if rng.random() < 0.08:
            out.append(rng.choice(SHARE))
    sep = "\n\n\n\n" if rng.random() < 0.2 else "\n\n"
    return sep.join(out) + "\n"


def light_edit(text: str, rng: random.Random) -> str:
    paras = text.split("\n\n")
    if len(paras) > 3 and rng.random() < 0.5:
        paras.pop(rng.randrange(1, len(paras)))
    text = "\n\n".join(paras)
    return text.replace(" said ", " says ", 2).replace("\u201c", '"').replace("\u201d", '"')


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u201c\"])")


def build_corpus(folder: Path, target_mb: float, seed: int = 7, file_mb: float = 8.0) -> tuple[int, int]:
    """Write ``part-NNNN.jsonl`` files of about *file_mb* MB until *target_mb* MB; return (documents, bytes).

    A document is a real headline-and-lead (an article's first paragraphs,
    re-numbered) followed by paragraphs of 2-4 sentences drawn from the whole
    pool of gold sentences, so paragraphs are new combinations of real news
    prose; one document in five repeats an earlier one with light edits.
    """
    rng = random.Random(seed)
    arts = [paragraphs(a) for a in gold_articles()]
    pool = [x for a in arts for p in a for x in _SENTENCE.split(p) if len(x.split()) >= 6]
    folder.mkdir(parents=True, exist_ok=True)
    target = int(target_mb * 1e6)
    total = docs = part = 0
    recent: list[str] = []
    while total < target:
        size = 0
        lines = []
        while size < file_mb * 1e6 and total + size < target:
            if recent and rng.random() < 0.2:
                text = light_edit(rng.choice(recent), rng)
            else:
                lead = rng.choice(arts)[: rng.randint(1, 2)]
                body = [" ".join(rng.choice(pool) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(3, 9))]
                text = damage([renumber(p, rng) for p in lead + body], rng)
                recent.append(text)
                if len(recent) > 500:
                    recent.pop(0)
            line = json.dumps({"id": f"doc-{docs}", "text": text, "source": "bench"}, ensure_ascii=False) + "\n"
            lines.append(line)
            size += len(text.encode("utf-8"))
            docs += 1
        (folder / f"part-{part:04d}.jsonl").write_text("".join(lines), encoding="utf-8")
        total += size
        part += 1
    return docs, total


def _first_file(folder: Path) -> Path:
    return sorted(folder.glob("*.jsonl"))[0]


def iter_texts(folder: Path, limit_bytes: int | None = None):
    seen = 0
    for f in sorted(folder.glob("*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line)["text"]
                yield t
                seen += len(t.encode("utf-8"))
                if limit_bytes and seen >= limit_bytes:
                    return


# ---------------------------------------------------------------------------
# Timed runs


def _tree_rss(pid: int) -> tuple[int, int]:
    """Resident set size (bytes) of *pid* and all its descendants, and of the largest of them."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(parts[1]), []).append(int(d))
            rss[int(d)] = int(parts[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, largest, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        largest = max(largest, rss.get(p, 0))
        stack.extend(children.get(p, []))
    return total, largest


def cleaner_build() -> str:
    """Which build of cleaner the timed runs use: how many of its modules run compiled (setup.py)."""
    code = ("import cleaner, importlib; from cleaner import _compiled; "
            "[importlib.import_module(m) for m in _compiled.read_manifest()]; "
            "c = _compiled.compiled_modules(); print(sum(c.values()), len(c))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env=dict(os.environ, PYTHONWARNINGS="ignore"))
    try:
        compiled, total = map(int, out.stdout.split())
    except ValueError:
        return f"unknown ({out.stderr.strip().splitlines()[-1:]})"
    if not compiled:
        return "pure Python (no compiled modules in use; see setup.py)"
    return f"compiled with Cython: {compiled} of {total} modules with a compiled build in use (setup.py)"


def timed_cli(args: list[str]) -> dict:
    """Run ``cleaner clean ARGS`` in a fresh process (see :func:`timed`)."""
    return timed([sys.executable, "-m", "cleaner", "clean", *args, "--progress", "off"])


def timed_api(corpus: Path, out: Path, config: str, jobs: int, index: Path | None) -> dict:
    """``cleaner.batch.run`` with the *config* expression, in a fresh process (see :func:`timed`)."""
    code = (
        "from pathlib import Path; from cleaner.batch import run, RunOptions; from cleaner.config import Config; "
        f"run([{str(corpus)!r}], Path({str(out)!r}), {config}, "
        f"RunOptions(jobs={jobs}, progress='off', index={str(index) if index else None!r}))"
    )
    return timed([sys.executable, "-c", code])


def timed(cmd: list[str], stdout: list[bytes] | None = None) -> dict:
    """Wall time and peak RSS (largest single process, and the whole process tree) of *cmd*.

    Both peaks are sampled from ``/proc`` every 0.25 s.  (``ru_maxrss`` is
    not used: on Linux a child forked from this process starts with this
    process's resident size.)  With *stdout* given, the command's standard
    output is appended to it when the command ends.
    """
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE if stdout is not None else subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env, cwd=REPO)
    peak = [0, 0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree, largest = _tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], tree), max(peak[1], largest)
            done.wait(0.25)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    if stdout is not None:  # (read beside stderr: a full pipe would stop the command)
        reader = threading.Thread(target=lambda: stdout.append(proc.stdout.read()), daemon=True)
        reader.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    done.set()
    th.join()
    if stdout is not None:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_process_rss_mb": peak[1] / 1e6, "tree_rss_mb": peak[0] / 1e6}


def _mean_of(before: dict, after: dict) -> dict:
    """Two timed runs of the same mode as one: mean wall and CPU time, the larger peak RSS, both runs kept."""
    return {"seconds": (before["seconds"] + after["seconds"]) / 2,
            "cpu_seconds": (before["cpu_seconds"] + after["cpu_seconds"]) / 2,
            "max_process_rss_mb": max(before["max_process_rss_mb"], after["max_process_rss_mb"]),
            "tree_rss_mb": max(before["tree_rss_mb"], after["tree_rss_mb"]),
            "before_baseline": before, "after_baseline": after}


def baseline(folder: Path, limit_bytes: int | None) -> dict:
    """The baseline in a fresh process, timed like cleaner's runs (:func:`timed`: wall time and peak RSS).

    The child runs :func:`baseline_work` and prints its figures as JSON;
    its peak RSS is sampled from ``/proc`` as cleaner's is, so the two
    memory figures compare.
    """
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import corpus; "
            f"from pathlib import Path; "
            f"print(json.dumps(corpus.baseline_work(Path({str(folder)!r}), {limit_bytes!r})))")
    out: list[bytes] = []
    run = timed([sys.executable, "-c", code], stdout=out)
    return json.loads(out[0]) | {"max_process_rss_mb": run["max_process_rss_mb"], "process_seconds": run["seconds"]}


def baseline_work(folder: Path, limit_bytes: int | None) -> dict:
    """ftfy ``fix_text`` over every document + plain datasketch per-paragraph ``MinHash`` / ``MinHashLSH``.

    Documents are read one at a time, as a plain per-document script
    would, so the process holds the LSH index and one document, not the
    corpus.  Each document is fixed, then its paragraphs signed, looked up
    and inserted; the two parts are timed separately (``ftfy_seconds``,
    ``dedup_seconds``: a few clock readings a document, next to about 7 ms
    of work), and reading the files is not timed (nor counted in
    ``cpu_seconds``).
    """
    import ftfy
    from datasketch import MinHash, MinHashLSH

    clock, cpu_clock = time.perf_counter, time.process_time
    nbytes = 0
    t_ftfy = t_dedup = cpu = 0.0
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    dup = 0
    for d, t in enumerate(iter_texts(folder, limit_bytes)):
        nbytes += len(t.encode("utf-8"))
        c0, t0 = cpu_clock(), clock()
        fixed = ftfy.fix_text(t)
        t1 = clock()
        for k, p in enumerate(x for x in fixed.split("\n") if x.strip()):
            words = re.findall(r"\w+", p.lower())
            if len(words) < 5:
                continue
            m = MinHash(num_perm=128)
            m.update_batch([" ".join(words[i : i + 5]).encode("utf-8") for i in range(len(words) - 4)])
            if lsh.query(m):
                dup += 1
            lsh.insert(f"{d}:{k}", m)
        t2 = clock()
        cpu += cpu_clock() - c0
        t_ftfy += t1 - t0
        t_dedup += t2 - t1
    return {"bytes": nbytes, "ftfy_seconds": t_ftfy, "dedup_seconds": t_dedup, "duplicate_paragraphs": dup,
            "cpu_seconds": cpu}


# ---------------------------------------------------------------------------
# Article extraction


_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    toks = _TOKEN.findall(text or "")
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def prf(gold: str, pred: str) -> tuple[float, float, float]:
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    precision = tp / sum(p.values()) if p else (1.0 if not g else 0.0)
    recall = tp / sum(g.values()) if g else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def extraction_scores() -> dict[str, dict[str, dict[str, float]]]:
    """Precision, recall and F1 of each system, averaged over pages.

    Returned per split: ``tune`` (the pages whose key sorts in the first
    half, on which rule B004's settings were tuned), ``held-out`` (the
    second half) and ``all``.
    """
    from bs4 import BeautifulSoup

    from cleaner.config import Config
    from cleaner.engine import clean_text
    from cleaner.io.readers import extract_html_text

    gt = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    try:
        import trafilatura
    except ImportError:
        trafilatura = None
    systems: dict[str, list[tuple[float, float, float]]] = {}
    config = Config()
    page = Config(extend_select=["B004"])  # + page-chrome (B004, off by default)
    keys = sorted(gt)
    for key in keys:
        val = gt[key]
        html = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        naive = BeautifulSoup(html, "html.parser").get_text()
        reader = extract_html_text(html)
        outs = {
            "naive get_text": naive,
            "naive get_text + cleaner": clean_text(naive, config).cleaned,
            "naive get_text + cleaner + B004": clean_text(naive, page).cleaned,
            "cleaner HTML reader + cleaner": clean_text(reader, config).cleaned,
            "cleaner HTML reader + cleaner + B004": clean_text(reader, page).cleaned,
        }
        if trafilatura is not None:
            outs["trafilatura"] = trafilatura.extract(html) or ""
        for name, text in outs.items():
            systems.setdefault(name, []).append(prf(val["articleBody"], text))
    half = (len(keys) + 1) // 2
    splits = {"tune": slice(0, half), "held-out": slice(half, None), "all": slice(None)}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, scores in systems.items():
        out[name] = {}
        for split, sl in splits.items():
            part = scores[sl]
            n = len(part)
            out[name][split] = {k: sum(s[i] for s in part) / n for i, k in enumerate(("precision", "recall", "f1"))}
            out[name][split]["pages"] = n
    if trafilatura is None:
        out["trafilatura"] = {"all": {"precision": None, "recall": None, "f1": None, "note": "not installed"}}
    return out


# ---------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=100.0, help="corpus size in MB of text (default 100)")
    ap.add_argument("--baseline-mb", type=float, default=0.0, help="MB the baseline runs on (default 0: all)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the corpus and outputs here")
    ap.add_argument("--skip-speed", action="store_true", help="only the article-extraction score")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args()
    results: dict = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)")
    results["build"] = build = cleaner_build()
    print(f"cleaner build: {build}")

    if not args.skip_speed:
        work = args.workdir or Path(tempfile.mkdtemp(prefix="cleaner-bench-"))
        corpus = work / "corpus"
        t0 = time.perf_counter()
        if not any(corpus.glob("*.jsonl")):
            n_docs, n_bytes = build_corpus(corpus, args.mb)
        else:
            n_docs, n_bytes = sum(1 for _ in iter_texts(corpus)), sum(len(t.encode()) for t in iter_texts(corpus))
        mb = n_bytes / 1e6
        print(f"corpus: {n_docs} documents, {mb:.1f} MB of text in {len(list(corpus.glob('*.jsonl')))} JSONL files "
              f"({time.perf_counter() - t0:.0f}s to build) at {corpus}")
        # numba compiles the dedup kernels once per installation and caches them on disk
        # (cleaner/dedup/__pycache__); a small run first keeps that one-time cost out of the figures.
        t_warm = time.perf_counter()
        warm = work / "warm-up"
        (warm / "in").mkdir(parents=True, exist_ok=True)
        with open(_first_file(corpus), encoding="utf-8") as fh:  # enough paragraphs for the compiled path
            (warm / "in" / "part.jsonl").write_text("".join(line for _, line in zip(range(2000), fh)),
                                                   encoding="utf-8")
        timed_cli([str(warm / "in"), "-o", str(warm / f"out-{time.time_ns()}"), "-j", "1"])
        print(f"warm-up (compiles and caches the dedup kernels on a first run): {time.perf_counter() - t_warm:.1f}s")
        modes = {
            "clean alone": "Config(ignore=['D001'])",  # every rule but the near-duplicate pass
            "dedup alone": "Config(select=['D001'])",  # only the near-duplicate pass
            "full pipeline": None,  # `cleaner clean CORPUS -o OUT -j N --index IDX`
        }

        def measure(mode: str, jobs: int) -> dict:
            out = work / f"out-{mode.replace(' ', '-')}-j{jobs}"
            idx = work / f"index-{mode.replace(' ', '-')}-j{jobs}.sqlite"
            for p in (out, idx):
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
            config = modes[mode]
            if config is None:
                return timed_cli([str(corpus), "-o", str(out), "-j", str(jobs), "--index", str(idx)])
            return timed_api(corpus, out, config, jobs, idx if mode == "dedup alone" else None)

        # The headline ratio is -j 1 of the full pipeline against the baseline: it is run just before
        # and just after the baseline, and their mean is its figure, so that the machine's drift over
        # the baseline's minutes (other work on a shared machine) falls on both sides alike.  -j 2 of
        # the full pipeline, compared with -j 1, is likewise the mean of a run just before the first
        # -j 1 run and one just after the second: one disturbed run does not decide that ratio either.
        full2_before = measure("full pipeline", 2)
        full_before = measure("full pipeline", 1)
        base = baseline(corpus, int(args.baseline_mb * 1e6) if args.baseline_mb else None)
        full_after = measure("full pipeline", 1)
        full2_after = measure("full pipeline", 2)
        bmb = base["bytes"] / 1e6
        base_rate = bmb / (base["ftfy_seconds"] + base["dedup_seconds"])
        results["baseline"] = base | {"mb": bmb, "mb_per_s": base_rate,
                                      "ftfy_mb_per_s": bmb / base["ftfy_seconds"],
                                      "datasketch_mb_per_s": bmb / base["dedup_seconds"]}
        print(f"baseline on {bmb:.1f} MB: ftfy fix_text {bmb / base['ftfy_seconds']:.2f} MB/s, "
              f"datasketch per-paragraph MinHash+LSH {bmb / base['dedup_seconds']:.2f} MB/s, "
              f"together {base_rate:.2f} MB/s ({bmb / base['cpu_seconds']:.2f} MB/CPU-s); "
              f"peak RSS {base['max_process_rss_mb']:.0f} MB")
        runs = {"full pipeline -j1": _mean_of(full_before, full_after),
                "full pipeline -j2": _mean_of(full2_before, full2_after)}
        for mode, jobs in (("clean alone", 1), ("clean alone", 2), ("dedup alone", 1), ("dedup alone", 2)):
            runs[f"{mode} -j{jobs}"] = measure(mode, jobs)
        print("\nMB/s is wall-clock; CPU s is the CPU time of the run's processes (load-independent);"
              "\nMB/CPU-s is throughput per busy core, comparable however loaded the machine is.")
        print(f"\n{'mode':<16}{'jobs':>5}{'seconds':>9}{'MB/s':>8}{'x base':>8}{'CPU s':>8}{'MB/CPU-s':>10}"
              f"{'RSS max proc':>14}{'RSS tree':>10}")
        # (the baseline's timed work, on its first bmb MB: the whole corpus unless --baseline-mb)
        base_seconds = base["ftfy_seconds"] + base["dedup_seconds"]
        print(f"{'baseline':<16}{1:>5}{base_seconds:>9.1f}{base_rate:>8.2f}{1.0:>8.1f}{base['cpu_seconds']:>8.1f}"
              f"{bmb / max(base['cpu_seconds'], 1e-9):>10.2f}{base['max_process_rss_mb']:>12.0f}MB"
              f"{base['max_process_rss_mb']:>8.0f}MB")
        for mode in modes:
            for jobs in (1, 2):
                r = runs[f"{mode} -j{jobs}"]
                rate = mb / r["seconds"]
                r |= {"mb_per_s": rate, "x_baseline": rate / base_rate}
                print(f"{mode:<16}{jobs:>5}{r['seconds']:>9.1f}{rate:>8.2f}{rate / base_rate:>8.1f}"
                      f"{r['cpu_seconds']:>8.1f}{mb / max(r['cpu_seconds'], 1e-9):>10.2f}"
                      f"{r['max_process_rss_mb']:>12.0f}MB{r['tree_rss_mb']:>8.0f}MB")
        print(f"(full pipeline -j 1 is the mean of a run just before the baseline, {full_before['seconds']:.1f} s "
              f"wall / {full_before['cpu_seconds']:.1f} s CPU, and one just after, {full_after['seconds']:.1f} s / "
              f"{full_after['cpu_seconds']:.1f} s; -j 2 the mean of a run before those, {full2_before['seconds']:.1f} s "
              f"/ {full2_before['cpu_seconds']:.1f} s, and one after, {full2_after['seconds']:.1f} s / "
              f"{full2_after['cpu_seconds']:.1f} s)")
        results["runs"] = runs
        full1, full2 = runs["full pipeline -j1"]["mb_per_s"], runs["full pipeline -j2"]["mb_per_s"]
        cpu1, cpu2 = runs["full pipeline -j1"]["cpu_seconds"], runs["full pipeline -j2"]["cpu_seconds"]
        base_cpu = bmb / base["cpu_seconds"]
        print(f"\nfull pipeline: -j1 = {full1 / base_rate:.1f}x baseline wall-clock, "
              f"{mb / cpu1 / base_cpu:.1f}x per CPU-second (target >= 10x); "
              f"-j2 = {full2 / full1:.2f}x -j1 wall-clock (target >= 1.7x; CPU overhead of -j2: "
              f"{cpu2 / cpu1 - 1:+.0%}); "
              f"peak RSS of the largest process {max(r['max_process_rss_mb'] for r in runs.values()):.0f} MB "
              f"(target < 1024 MB)")

    print("\narticle extraction (181 pages, 4-word shingles, mean over pages; B004 tuned on the first half"
          " of the keys, the second half held out):")
    scores = extraction_scores()
    results["extraction"] = scores
    print(f"  {'':<38}" + "".join(f"{f'{k} ({v}p)':^21}" for k, v in
                                   ((k, s.get("pages", "")) for k, s in scores["naive get_text"].items())))
    print(f"  {'':<38}" + f"{'P':>7}{'R':>6}{'F1':>6}  " * 3)
    for name, by_split in scores.items():
        if by_split["all"]["f1"] is None:
            print(f"  {name:<38} (not installed)")
            continue
        cells = "".join(f"  {s['precision']:5.3f} {s['recall']:5.3f} {s['f1']:5.3f}  " for s in by_split.values())
        print(f"  {name:<38}{cells}")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    results["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
