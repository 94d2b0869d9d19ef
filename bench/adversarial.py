"""Time every rule on adversarial 1 MB inputs (catastrophic backtracking hunt).

Each registered rule (``cleaner.registry.all_rules()``, so rules added by
any family are included, enabled by default or not) runs on its own over a
set of hostile strings of about 1 MB each: long runs of ``<!``, ``<!--``,
``&``, ``<a ``, quotes, dots, capitals, text without spaces or line
breaks, only line breaks, non-breaking spaces…  A regular expression that
backtracks catastrophically shows up as a rule that takes seconds (or
never ends); a linear one takes milliseconds.

For comparison, the figures include a baseline measured in the same run:
one pass of ``str.splitlines`` and one of a trivial regular expression
over the same input, so ``ratio`` says how many "linear scans" a rule costs.

    python bench/adversarial.py                # every rule, every input
    python bench/adversarial.py --size 200000  # smaller inputs
    python bench/adversarial.py --rule H001    # one rule (code or name)
    python bench/adversarial.py --limit 1.0    # exit 1 if any rule takes longer
    python bench/adversarial.py --repeat 3     # best of 3 runs per pair (a noisy machine)

Each (rule, input) pair runs in a child process with a hard timeout
(``--timeout``, default 20 s), so a rule that hangs is reported as
``TIMEOUT`` instead of stopping the benchmark.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))



def adversarial_inputs(size: int = 1 << 20) -> dict[str, str]:
    """Named hostile strings of about *size* characters."""

    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return {
        "lt-bang": fill("<!"),
        "comment-open": fill("<!--"),
        "comment-open-endash": fill("<!\u2013"),
        "comment-close": fill("-->"),
        "inline-comments": fill("<!-- c --> "),  # many comments on one line, white space between them
        "comment-between-words": fill("word <!-- c --> "),
        "ampersand": fill("&"),
        "amp-chain": fill("&amp;"),
        "amp-no-semicolon": fill("&amp"),
        "entity-digits": "&#" + "9" * (size - 2),
        "tag-open-a": fill("<a "),
        "tag-open-unclosed": "<a " + "x" * (size - 3),
        "tag-attr-quotes": fill('<a href="'),
        "script-open": fill("<script>"),
        "double-quotes": fill('"'),
        "curly-quotes": fill("\u201c\u201d"),
        "single-quotes": fill("'"),
        "dots": fill("."),
        "ellipsis-words": fill("Word... "),
        "capitals": fill("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "capital-words": fill("Read More "),
        "no-spaces": fill("abcdefghij"),
        "camel-glue": fill("wordWord"),
        "newlines": fill("\n"),
        "crlf": fill("\r\n"),
        "cr": fill("\r"),
        "blank-soup": fill(" \t\n \u00a0\r\n"),
        "spaces": fill(" "),
        "nbsp": fill("\u00a0"),
        "nbsp-words": fill("a\u00a0 \u00a0"),
        "zero-width": fill("\u200b"),
        "mojibake": fill("\u00e2\u20ac\u2122"),
        "non-ascii-line": fill("\u00e9"),
        "bullets": fill("\u2022 "),
        "dashes": fill("-"),
        "colon-lines": fill("Related: x\n"),
        "photo-credit": fill("Photo: "),
        "paren-open": fill("("),
        "bracket-open": fill("["),
        "digits": fill("1234567890"),
        "date-soup": fill("Dec 29, 2021 "),
        "header-like": fill("date: "),
        "at-handles": fill("@a"),
        "long-line-words": fill("lorem ipsum dolor sit amet "),
        "short-lines": fill("Share\n"),
        "surrogate-escape": fill("\udc80"),
    }


def corpus_for_bench():
    """Run-wide statistics in which the short lines of the inputs are frequent.

    The corpus rules (B002 template lines) then do their full work on the
    adversarial inputs instead of returning early.
    """
    from cleaner.rules.boilerplate import CorpusStats

    return CorpusStats.from_texts(["Share\nRelated: x\nRead More\n@a\n.\n"] * 20)


# --------------------------------------------------------------------------


def _rule_by_code(code: str):
    from cleaner.registry import all_rules

    for r in all_rules():
        if r.code == code:
            return r
    raise KeyError(code)


def _context(r, corpus):
    from cleaner.registry import RuleContext

    return RuleContext(doc_id="adversarial.txt", options=dict(r.options), corpus=corpus, metadata={})


def _time_rule(code: str, text: str, corpus, conn) -> None:
    r = _rule_by_code(code)
    ctx = _context(r, corpus)
    start = time.perf_counter()
    try:
        out = r.function(text, ctx)
        n = len(list(out or ()))
        conn.send(("ok", time.perf_counter() - start, n))
    except Exception as exc:  # a crash is a finding too
        conn.send(("error", time.perf_counter() - start, f"{type(exc).__name__}: {exc}"))


def _baseline(text: str) -> float:
    start = time.perf_counter()
    text.splitlines()
    re.compile(r"[^\n]+").findall(text)
    return time.perf_counter() - start


def _run_child(ctx_mp, code: str, text: str, corpus, timeout: float):
    """``(status, seconds, detail)`` of one timed run of rule *code* in a child process."""
    parent, child = ctx_mp.Pipe(duplex=False)
    proc = ctx_mp.Process(target=_time_rule, args=(code, text, corpus, child), daemon=True)
    proc.start()
    child.close()
    if parent.poll(timeout):
        result = parent.recv()
    else:
        result = ("timeout", timeout, "no answer")
    proc.kill() if proc.is_alive() else None
    proc.join()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1 << 20, help="characters per input (default 1 MiB)")
    ap.add_argument("--rule", action="append", default=[], help="only these rules (code or name); repeatable")
    ap.add_argument("--input", action="append", default=[], help="only these inputs (name); repeatable")
    ap.add_argument("--timeout", type=float, default=20.0, help="hard limit per (rule, input), seconds")
    ap.add_argument("--limit", type=float, default=None, help="exit 1 if a rule takes longer than this")
    ap.add_argument("--repeat", type=int, default=1,
                    help="time each (rule, input) pair this many times, each in a fresh child, and keep the best")
    args = ap.parse_args(argv)

    from cleaner.registry import all_rules

    rules = [r for r in all_rules()
             if not args.rule or r.code in {c.upper() for c in args.rule} or r.name in args.rule]
    inputs = adversarial_inputs(args.size)
    if args.input:
        inputs = {k: v for k, v in inputs.items() if k in args.input}
    corpus = corpus_for_bench()
    # Warm up in this process (compiled patterns, loaded word lists, imports),
    # so the forked children time the work, not one-off set-up.
    for r in rules:
        try:
            list(r.function("Warm <p>up</p> &amp; caf\u00c3\u00a9\n\nShare\n", _context(r, corpus)) or ())
        except Exception:
            pass
    ctx_mp = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()

    print(f"{len(rules)} rules x {len(inputs)} inputs of {args.size} characters; "
          f"hard timeout {args.timeout:g}s per pair" + (f"; best of {args.repeat}" if args.repeat > 1 else ""))
    print(f"{'rule':<6} {'name':<26} {'worst input':<20} {'worst s':>9} {'ratio':>8} {'total s':>9}")
    worst_overall = 0.0
    failures: list[str] = []
    for r in rules:
        worst = (0.0, "", 1.0)
        total = 0.0
        for name, text in inputs.items():
            base = max(min(_baseline(text) for _ in range(max(1, args.repeat))), 1e-6)
            best = None
            for _ in range(max(1, args.repeat)):
                result = _run_child(ctx_mp, r.code, text, corpus, args.timeout)
                if best is None or result[0] != "ok" or result[1] < best[1]:
                    best = result
                if result[0] != "ok":
                    break  # a crash or a timeout is not retried
            status, seconds, detail = best
            if status != "ok":
                failures.append(f"{r.code} {r.name} on {name}: {status.upper()} {detail}")
            total += seconds
            if seconds > worst[0]:
                worst = (seconds, name, seconds / base)
        worst_overall = max(worst_overall, worst[0])
        print(f"{r.code:<6} {r.name:<26} {worst[1]:<20} {worst[0]:>9.3f} {worst[2]:>8.0f} {total:>9.3f}",
              flush=True)
        if args.limit is not None and worst[0] > args.limit:
            failures.append(f"{r.code} {r.name}: {worst[0]:.2f}s on {worst[1]} (limit {args.limit:g}s)")
    print(f"slowest rule/input pair: {worst_overall:.3f}s")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
