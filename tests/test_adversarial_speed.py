"""Rules stay fast on hostile input (issue 8; ``bench/adversarial.py`` is the full hunt).

No absolute timings (the machines that run the tests are noisy): each rule
is timed against a linear baseline measured in the same test on the same
input, best of a few runs each, and must stay within a generous ratio of it.
The baseline is one Python-level pass over the quotation marks
(``[m.start() for m in finditer]``).  The quotation-mark matcher before
issue 8 (a Python classification of every mark) cost 4-6 such passes on
curly quotes and guillemets; the bulk matcher costs about one.
"""

from __future__ import annotations

import itertools
import re
import time

import pytest

from cleaner.registry import RuleContext, all_rules

SIZE = 1 << 18
RUNS = 7  # best of this many turns each
RATIO = 3.0  # the matcher before issue 8 cost 4-6 passes on curly quotes and guillemets
_FRESH = itertools.count(1)  # a new text for every call: the per-text caches never answer


def _rule(code: str):
    return next(r for r in all_rules() if r.code == code)


def _best(fn, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _baseline(text: str, runs: int = 5) -> float:
    marks = re.compile(r'["“”„«»]')
    return _best(lambda: [m.start() for m in marks.finditer(text)], runs)


INPUTS = {
    "double-quotes": '"' * SIZE,
    "curly-quotes": "“”" * (SIZE // 2),
    "guillemets": "«»" * (SIZE // 2),
}


@pytest.mark.parametrize("code", ["Q003", "Q004"])
@pytest.mark.parametrize("name", sorted(INPUTS))
def test_quote_rules_cost_less_than_a_pass_over_the_marks(code, name):
    text = INPUTS[name]
    r = _rule(code)
    ctx = RuleContext(doc_id="adversarial.txt", options=dict(r.options), corpus=None, metadata={})
    list(r.function("Warm “up” \"here\".", ctx) or ())

    texts = [text + " " * next(_FRESH) for _ in range(RUNS)]

    def run():
        # Each call is a different text for the per-text caches: the rule does its full work.
        list(r.function(texts.pop(), ctx) or ())

    # The rule and the baseline take turns, so that both see the same load of a shared machine.
    base, took = float("inf"), float("inf")
    for _ in range(RUNS):
        base = min(base, _baseline(text, runs=1))
        took = min(took, _best(run, runs=1))
    assert took <= RATIO * base + 0.02, f"{code} on {name}: {took:.3f}s, baseline {base:.3f}s"


def test_narrow_does_not_loop_per_character():
    from cleaner.rules.unicode import _narrow

    before = "a" * SIZE + "x" + "a" * SIZE
    after = "a" * SIZE + "y" + "a" * SIZE
    assert _narrow(before, after) == (SIZE, SIZE + 1, SIZE + 1)
    base = _best(lambda: [m.start() for m in re.finditer("a", before)])
    took = _best(lambda: _narrow(before, after))
    assert took <= 0.25 * base + 0.01, f"_narrow: {took:.3f}s, baseline {base:.3f}s"
