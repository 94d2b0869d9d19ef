"""The compiled build's cooperative time limit (cleaner/_cooperative.py, setup.py).

The rewrite that puts a pending-signal check in every loop is checked three
ways: on every module the build compiles (each loop has its check, no line
moved), by running rewritten code with a counting stand-in for
``PyErr_CheckSignals`` (same results, one check per iteration), and on the
installed compiled build (a runaway rule stops at its time limit).
"""

from __future__ import annotations

import ast
import os
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cleaner import _compiled
from cleaner._cooperative import (CHECK, CHECK_NAME, CHECKED_NAME, TAIL, NotInstrumentable, checks_in, count_loops,
                                  cooperative_source)

REPO = Path(__file__).resolve().parents[1]


def _compiled_list() -> tuple[tuple[str, ...], Callable[[str], Path]]:
    sys.path.insert(0, str(REPO))
    try:
        from setup import COMPILED, source_of  # noqa: E402  (the list the build compiles)
    finally:
        sys.path.remove(str(REPO))
    return COMPILED, source_of


def _is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


def _body(rewritten: str) -> str:
    assert rewritten.endswith(TAIL)
    return rewritten[: -len(TAIL)]


@pytest.mark.parametrize("module", _compiled_list()[0])
def test_every_loop_of_every_compiled_module_checks_for_signals_without_moving_a_line(module):
    _, source_of = _compiled_list()
    source = source_of(module).read_text(encoding="utf-8")
    out = cooperative_source(source, module)
    found, missing = checks_in(ast.parse(out))
    assert missing == []
    assert found == count_loops(ast.parse(source))
    before, after = source.split("\n"), _body(out).split("\n")
    assert len(after) == len(before)
    for number, (old, new) in enumerate(zip(before, after), 1):  # only insertions, on the same line
        assert _is_subsequence(old, new), (module, number, old, new)


def _run_rewritten(source: str, call: str):
    """Run *source* as written and rewritten (with a stand-in check that counts); both results and the count."""
    plain: dict = {}
    exec(compile(source, "<plain>", "exec"), plain)
    calls = []
    rewritten: dict = {CHECK_NAME: lambda: calls.append(1) or 0, CHECKED_NAME: lambda it: (calls.append(1), it)[1]}
    exec(compile(_body(cooperative_source(source)), "<rewritten>", "exec"), rewritten)
    return eval(call, plain), eval(call, rewritten), len(calls)


def test_each_iteration_of_a_loop_checks_once_and_the_results_do_not_change():
    source = textwrap.dedent("""\
        def f(n):
            out = []
            for i in range(n):
                out.append(i)
            k = 0
            while k < n:
                k += 1
            return out, k
    """)
    plain, rewritten, calls = _run_rewritten(source, "f(7)")
    assert plain == rewritten == ([0, 1, 2, 3, 4, 5, 6], 7)
    assert calls == 14


def test_comprehensions_check_per_element_even_inside_parentheses_and_comments():
    source = textwrap.dedent("""\
        def f(xs, ys):
            a = [x for x in (xs or [])]
            b = {x: y for x in xs for y in (ys)}
            c = sum(x for x in xs if (x > 1 or x < 0))
            d = [x for x in (  # a comment (with parentheses)
                    xs
                 ) if x]
            e = "é".join(s for s in ("α", "β"))  # characters wider than a byte before the insertion
            return a, b, c, d, e
    """)
    plain, rewritten, calls = _run_rewritten(source, "f([0, 1, 2, 3], [5, 6])")
    assert plain == rewritten
    assert calls == 4 + (4 + 4 * 2) + 4 + 4 + 2


def test_a_loop_that_starts_with_a_compound_statement_checks_in_its_header():
    source = textwrap.dedent("""\
        def f(rows):
            total = 0
            for row in rows:
                for x in row:
                    total += x
            for row in rows:
                if (row):
                    total += 1
            for row in rows:
                with open(__file__ if False else "/dev/null") as fh:
                    total += 0
            for row in rows:
                try:
                    total += 0
                finally:
                    pass
            i = 0
            while i < 2:
                while False:
                    pass
                i += 1
            return total
    """)
    plain, rewritten, calls = _run_rewritten(source, "f([[], [1, 2], []])")
    assert plain == rewritten == 3 + 1
    # every outer iteration checked (3 x 4 loops, 2 for the while) plus the inner loop's own 2
    assert calls == 3 * 4 + 2 + 2


def test_the_rewrite_is_only_insertions_on_existing_lines():
    source = "x = [\n    a for a in range(3)\n]\nfor i in x: y = i\n"
    out = _body(cooperative_source(source))
    assert out.split("\n")[:4] == ["x = [", f"    a for a in range(3) if {CHECK} == 0", "]",
                                   f"for i in x: {CHECK}; y = i"]


def test_a_loop_it_cannot_instrument_in_place_is_refused_not_compiled_unchecked():
    for first in ("def g(): pass", "class C: pass"):
        with pytest.raises(NotInstrumentable, match="first statement"):
            cooperative_source(f"for i in range(3):\n    {first}\n", "m.py")


def _h001():
    from cleaner.registry import all_rules
    return [r for r in all_rules() if r.code == "H001"]


def test_a_compiled_runaway_rule_stops_at_its_time_limit(monkeypatch):
    """H001 over 16 MB of ``<!-- -->`` runs for seconds; with a 50 ms limit it must stop near 50 ms.

    Its two million edits set off many garbage collections, and hypothesis
    leaves a ``gc.callbacks`` hook in Python installed for the session: an
    alarm that lands in it is lost (printed, not raised), and the engine's
    next alarm, a millisecond later, must stop the rule all the same.  The
    lost ones go to a hook in C here: pytest's, in Python, would itself be
    interrupted by that next alarm.
    """
    import cleaner.rules.html  # noqa: F401
    running = _compiled.compiled_modules()
    if not running.get("cleaner.rules.html"):
        if os.environ.get("CI"):
            pytest.fail("CI installs the compiled build, and cleaner.rules.html is not running compiled")
        pytest.skip("cleaner.rules.html is not compiled in this install")
    from cleaner.engine import RuleTimeout, run_rules
    lost: list = []
    monkeypatch.setattr(sys, "unraisablehook", lost.append)
    text = "<!-- -->" * (2 * 1024 * 1024)
    started = time.perf_counter()
    res = run_rules(text, _h001(), time_limit=0.05)
    elapsed = time.perf_counter() - started
    assert [f.code for f in res.findings] == ["H001"]
    assert "time limit" in res.findings[0].message
    assert elapsed < 1.0, elapsed  # (unchecked, the compiled loop ran on for seconds)
    assert res.cleaned == text  # the stopped rule's edits were not applied
    assert all(args.exc_type is RuleTimeout for args in lost), lost  # nothing else went unraised
