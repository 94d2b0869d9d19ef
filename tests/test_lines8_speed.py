"""Shortcuts of the line rules give what the long way gives.

``metadata._first_line`` takes a text that starts with a visible character
as its own first line without searching for it; the boilerplate gates'
first characters are read once, when the gates are made.
"""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.rules import boilerplate, metadata

def _first_line_reference(text: str, limit: int):
    """The first line of ``text[:limit]`` (lines end at CR or LF) that ``str.strip`` leaves something of, by definition."""
    pos = 0
    for line in re.split(r"[\r\n]", text[: max(limit, 0)]):
        if line.strip():
            return pos, pos + len(line)
        pos += len(line) + 1
    return None


_PIECES = ["a", "Date: 2021-12-31", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2028", "\x1c", "\x85", "\u3000", "x" * 600, "é"]


def test_first_line_is_the_searched_one():
    rnd = random.Random(81)
    texts = ["", " ", "\n", "a", "a\nb", "\u00a0a", "\x1cx", "\u2028\nx", "x\u2028y\nz", "é\r\nb"]
    texts += ["".join(rnd.choice(_PIECES) for _ in range(rnd.randrange(1, 12))) for _ in range(3000)]
    starts_visible = 0
    for text in texts:
        for limit in (0, 1, 2, 5, 512, 4096):
            assert metadata._first_line(text, limit) == _first_line_reference(text, limit), (repr(text[:40]), limit)
        starts_visible += bool(text) and not text[0].isspace()
    assert starts_visible > 500  # the shortcut is taken


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.integers(min_value=-2, max_value=50))
def test_first_line_on_any_text(text, limit):
    assert metadata._first_line(text, limit) == _first_line_reference(text, limit)


def test_gate_literals_are_read_once_and_agree_with_first_literal():
    gates = boilerplate._gates()
    assert gates is not None
    for patterns in (gates[3], gates[4]):
        assert isinstance(patterns, boilerplate._GateList) and patterns  # both kinds of gate exist
        assert patterns.literals == tuple(boilerplate._first_literal(g) for g in patterns)
        assert boilerplate._literals_of(patterns) is patterns.literals
        # a plain list of gates (or one changed since) is read gate by gate
        assert boilerplate._literals_of(list(patterns)) == patterns.literals
        assert boilerplate._literals_of(patterns[:-1]) == patterns.literals[:-1]
    assert any(lit is not None for lit in gates[3].literals + gates[4].literals)


def test_trailing_matches_with_a_plain_list_of_gates_are_the_same():
    trail_re = boilerplate._compiled()[1]
    gates = boilerplate._gates()
    text = "Text.\nA caption (Photo: Jane Doe)\nx [File image] y\nA line Image: A. Smith/AFP\n"
    got = [m.span() for m in boilerplate._trailing_matches(text, trail_re, *gates[4:])]
    plain = [m.span() for m in boilerplate._trailing_matches(text, trail_re, list(gates[4]), *gates[5:])]
    assert got == plain == [m.span() for m in trail_re.finditer(text)] != []
