"""The engine: composing edits from successive rules into original coordinates."""

from __future__ import annotations

import pytest

from cleaner.engine import OffsetMap, RestoreError, apply_edits, compose, restore_text, run_rules
from cleaner.model import Edit, Finding
from cleaner.registry import Rule


def make_rule(code, fn, name=None):
    return Rule(code=code, name=name or f"test-{code.lower()}", summary="test", function=fn)


def test_single_rule_edits_are_in_original_coordinates():
    text = "Hello  world\n"
    r = make_rule("W900", lambda t, c: [Edit(5, 7, " ", "space run")])
    res = run_rules(text, [r])
    assert res.cleaned == "Hello world\n"
    (e,) = res.edits
    assert (e.start, e.end, e.before, e.after, e.code) == (5, 7, "  ", " ", "W900")
    assert restore_text(res.cleaned, res.edits) == text


def test_later_rule_positions_map_back_through_earlier_deletions():
    text = "<!-- c -->AB  CD"
    first = make_rule("H900", lambda t, c: [Edit(0, 10, "", "comment")])
    # The second rule sees "AB  CD" and folds the double space at 2..4.
    second = make_rule("W900", lambda t, c: [Edit(t.index("  "), t.index("  ") + 2, " ", "run")])
    res = run_rules(text, [first, second])
    assert res.cleaned == "AB CD"
    assert [(e.code, e.start, e.end, e.before) for e in res.edits] == [
        ("H900", 0, 10, "<!-- c -->"),
        ("W900", 12, 14, "  "),
    ]
    assert restore_text(res.cleaned, res.edits) == text


def test_overlapping_later_edit_is_merged_and_names_both_rules():
    text = "a&amp;b"
    first = make_rule("H901", lambda t, c: [Edit(1, 6, "&", "entity")])
    # The second rule replaces the inserted "&" and its neighbours.
    second = make_rule("X900".replace("X", "W"), lambda t, c: [Edit(0, 3, "a and b", "spell out")])
    res = run_rules(text, [first, second])
    assert res.cleaned == "a and b"
    (e,) = res.edits
    assert (e.start, e.end, e.before, e.after) == (0, 7, "a&amp;b", "a and b")
    assert "W900" in e.reason and e.code == "H901"
    assert restore_text(res.cleaned, res.edits) == text


def test_insertion_at_deletion_boundary_does_not_swallow_the_deletion():
    text = "xx<b>yy"
    first = make_rule("H902", lambda t, c: [Edit(2, 5, "", "tag")])
    second = make_rule("J900", lambda t, c: [Edit(2, 2, " ", "space")])
    res = run_rules(text, [first, second])
    assert res.cleaned == "xx yy"
    assert restore_text(res.cleaned, res.edits) == text
    assert len(res.edits) == 1  # an insertion at a deletion point merges into one edit
    assert res.edits[0].before == "<b>" and res.edits[0].after == " "


def test_findings_map_to_original_positions():
    text = "<!-- long comment -->Then thesaid:"
    first = make_rule("H903", lambda t, c: [Edit(0, 21, "", "comment")])
    second = make_rule("Q900", lambda t, c: [Finding(t.index("said"), t.index("said") + 4, "here")])
    res = run_rules(text, [first, second])
    (f,) = res.findings
    assert text[f.start : f.end] == "said"
    assert f.code == "Q900" and f.severity == "error"


def test_rule_exception_becomes_finding_and_run_goes_on():
    def boom(t, c):
        raise RuntimeError("bug")

    ok = make_rule("W901", lambda t, c: [Edit(0, 1, "", "drop")])
    res = run_rules("xy", [make_rule("H904", boom), ok])
    assert res.cleaned == "y"
    assert any("H904" in f.message and "RuntimeError" in f.message for f in res.findings)


def test_overlapping_edits_from_one_rule_keep_the_first():
    r = make_rule("W902", lambda t, c: [Edit(0, 3, "X", "a"), Edit(2, 4, "Y", "b")])
    res = run_rules("abcdef", [r])
    assert res.cleaned == "Xdef"


def test_offset_map_bias_at_deletion_point():
    edits = [Edit(2, 5, "", "del", before="abc")]
    m = OffsetMap(edits)
    assert m.to_original(2, right=False) == 2
    assert m.to_original(2, right=True) == 5
    assert m.to_original(4, right=True) == 7


def test_restore_detects_tampered_cleaned_text():
    edits = [Edit(0, 3, "X", "r", before="abc")]
    assert restore_text("Xdef", edits) == "abcdef"
    with pytest.raises(RestoreError):
        restore_text("Ydef", edits)


def test_compose_three_passes_matches_sequential_application():
    original = "one  two\n\n\nthree &amp; four"
    rules = [
        make_rule("H905", lambda t, c: [Edit(t.index("&amp;"), t.index("&amp;") + 5, "&", "entity")]),
        make_rule("W903", lambda t, c: [Edit(t.index("\n\n\n"), t.index("\n\n\n") + 3, "\n\n", "blank")]),
        make_rule("W904", lambda t, c: [Edit(t.index("  "), t.index("  ") + 2, " ", "run")]),
    ]
    res = run_rules(original, rules)
    assert res.cleaned == "one two\n\nthree & four"
    assert apply_edits(original, res.edits) == res.cleaned
    assert restore_text(res.cleaned, res.edits) == original


def test_compose_directly_keeps_edits_sorted_and_disjoint():
    original = "abcdef"
    rule = make_rule("W905", lambda t, c: [])
    comp = [Edit(1, 2, "", "x", before="b", code="W905")]
    current = apply_edits(original, comp)  # "acdef"
    new = [Edit(0, 1, "A", "y"), Edit(3, 5, "", "z")]
    out = compose(original, comp, current, new, rule)
    assert apply_edits(original, out) == apply_edits(current, new)
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))


def test_findings_do_not_depend_on_what_the_process_cleaned_before():
    """Same input, same output: no rule may remember earlier documents."""
    import json
    import subprocess
    import sys

    from cleaner import clean_text
    from tests.conftest import read_seed

    original = read_seed("000")
    cleaned = clean_text(original).cleaned  # this process has now seen the original
    here = [(f.code, f.start, f.end, f.message) for f in clean_text(cleaned).findings]
    code = (
        "import json, sys; from cleaner import clean_text; t = sys.stdin.read(); "
        "print(json.dumps([(f.code, f.start, f.end, f.message) for f in clean_text(t).findings]))"
    )
    fresh = subprocess.run([sys.executable, "-c", code], input=cleaned, capture_output=True, text=True, check=True)
    assert [tuple(x) for x in json.loads(fresh.stdout)] == here


def test_first_pass_findings_survive_the_fixpoint():
    """Q001 sees the cut in the first pass; the J repair in that pass hides it from the second."""
    from cleaner import clean_text

    text = ('During a 50-minute call on December 30, the two leaders held a "serious and substantive" '
            "exchangea senior Biden administration official, speaking on the condition of anonymity, told reporters.\n")
    res = clean_text(text)
    assert "exchange a senior" in res.cleaned
    (f,) = [f for f in res.findings if f.code == "Q001"]
    assert f.start == text.index("exchangea") + len("exchange")


# --- later passes skip what cannot change the outcome ------------------------


def _counting_rule(code: str, fn, calls: list[str], fix: str = "safe") -> Rule:
    def wrapped(text, ctx):
        calls.append(code)
        return fn(text, ctx)

    return Rule(code, f"test-{code.lower()}", "test rule", wrapped, fix=fix)


def test_second_pass_skips_rules_that_already_saw_the_final_text():
    calls: list[str] = []
    # W901 turns "ab" into "A"; W902 removes "<x>", baring "ab" for W901 in the
    # second pass; W903 and W904 change nothing and saw the final text in pass 1.
    early = _counting_rule("W901", lambda t, c: [Edit(i, i + 2, "A", "ab") for i in range(len(t) - 1)
                                                  if t[i:i + 2] == "ab"], calls)
    late = _counting_rule("W902", lambda t, c: [Edit(i, i + 3, "", "tag") for i in range(len(t) - 2)
                                                 if t[i:i + 3] == "<x>"], calls)
    quiet = _counting_rule("W903", lambda t, c: [], calls)
    finder = _counting_rule("Q903", lambda t, c: [Finding(0, 1, "seen")] if t.startswith("a") else [], calls,
                            fix="none")
    res = run_rules("a<x>b", [early, late, quiet, finder], max_passes=3)
    assert res.cleaned == "A"
    # Pass 1: all four. Pass 2: W901 (changes "ab"), W902 (its text changed),
    # W903 (text changed by W901 in this pass); Q903's findings are settled.
    # Pass 3: W902 and W903 saw "A" in pass 2, so only W901 (which changed it) reruns.
    assert calls[:4] == ["W901", "W902", "W903", "Q903"]
    assert calls[4:7] == ["W901", "W902", "W903"]
    assert calls[7:] == ["W901"]
    assert [f.code for f in res.findings] == ["Q903"]


def test_skipping_gives_the_same_result_as_running_every_rule_again():
    # A findings-only rule that finds nothing in pass 1 still runs in pass 2.
    calls: list[str] = []
    late = _counting_rule("W905", lambda t, c: [Edit(0, 3, "", "tag")] if t.startswith("<x>") else [], calls)
    finder = _counting_rule("Q905", lambda t, c: [Finding(0, 1, "upper")] if t[:1].isupper() else [], calls,
                            fix="none")
    fixer = _counting_rule("W906", lambda t, c: [Edit(0, 1, t[0].upper(), "cap")] if t[:1].islower() else [],
                           calls)
    res = run_rules("<x>abc", [finder, late, fixer], max_passes=3)
    assert res.cleaned == "Abc"
    assert [f.code for f in res.findings] == ["Q905"]  # found in pass 2, after W906 capitalised
    assert calls.count("Q905") == 2


def test_a_metadata_edit_makes_every_rule_run_again():
    # W908 reads the metadata; W907, after it, records metadata without changing the
    # text.  W909's edit in pass 1 brings a pass 2, in which W908's input text is the
    # one it saw in pass 1 but the metadata is new: it must run again, as it would if
    # every rule ran in every pass.
    calls: list[str] = []
    barer = _counting_rule("W909", lambda t, c: [Edit(0, 3, "", "tag")] if t.startswith("<x>") else [], calls)
    reader = _counting_rule("W908", lambda t, c: [Edit(len(t), len(t), "!", "dated")]
                            if "date" in c.metadata and not t.endswith("!") else [], calls)
    mover = _counting_rule("W907", lambda t, c: [Edit(0, 0, "", "date noted", metadata={"date": "x"})]
                           if "date" not in c.metadata else [], calls)
    res = run_rules("<x>body", [barer, reader, mover], max_passes=3)
    assert res.metadata == {"date": "x"}
    assert res.cleaned == "body!"
    assert calls.count("W908") == 3  # pass 1, pass 2 (the metadata), pass 3 (its own "!")


def test_a_rule_that_changes_its_options_or_context_does_not_change_other_documents():
    seen = []

    def greedy(text, ctx):
        seen.append((dict(ctx.options), dict(ctx.metadata)))
        ctx.options["limit"] = 0  # a rule bug: it writes to its settings
        ctx.options["extra"] = text
        ctx.metadata["note"] = text
        return []

    r = Rule(code="W970", name="test-w970", summary="test", function=greedy, options={"limit": 5})
    other = make_rule("W971", lambda t, c: seen.append(dict(c.options)) or [])
    for doc in ("one", "two"):
        run_rules(doc, [r, other])
        run_rules(doc, [r, other], options={"W970": {"mode": "x"}})
    assert seen == [({"limit": 5}, {}), {}, ({"limit": 5, "mode": "x"}, {}), {}] * 2
    assert r.options == {"limit": 5}


def test_a_rule_with_repeat_runs_again_before_the_next_rule():
    calls = []

    def peel(text, ctx):
        calls.append(("peel", text))
        i = text.find("()")
        return [Edit(i, i + 2, "", "pair")] if i >= 0 else []

    def after(text, ctx):
        calls.append(("after", text))
        return []

    rules = [Rule(code="W972", name="test-w972", summary="test", function=peel, repeat=True),
             make_rule("W973", after)]
    res = run_rules("a((()))b", rules, max_passes=3)
    assert res.cleaned == "ab"
    assert calls == [("peel", "a((()))b"), ("peel", "a(())b"), ("peel", "a()b"), ("peel", "ab"), ("after", "ab")]


def test_an_edit_that_changes_nothing_is_dropped_but_still_keeps_overlapping_edits_out():
    same = make_rule("W974", lambda t, c: [Edit(1, 3, "XX", "overlaps, comes second"), Edit(0, 2, "ab", "no change")])
    res = run_rules("abc", [same])
    assert res.cleaned == "abc" and res.edits == []
    # Without the no-op edit, the other one applies.
    res = run_rules("abc", [make_rule("W975", lambda t, c: [Edit(1, 3, "XX", "alone")])])
    assert res.cleaned == "aXX"


def test_findings_map_through_the_edits_made_before_them_whenever_those_change():
    def find(word):
        return lambda t, c: [Finding(t.index(word), t.index(word) + len(word), word)]

    rules = [
        make_rule("W976", lambda t, c: [Edit(0, 2, "", "drop xx")]),
        make_rule("W977", find("b")),
        make_rule("W978", find("c")),  # the same edits as for W977
        make_rule("W979", lambda t, c: [Edit(t.index("yy"), t.index("yy") + 2, "", "drop yy")]),
        make_rule("W980", find("d")),  # one edit more
        make_rule("W981", lambda t, c: [Edit(0, 0, "12345", "insert")]),
        make_rule("W982", find("e")),
    ]
    text = "xxabyycde"
    res = run_rules(text, rules)
    assert res.cleaned == "12345abcde"
    got = {f.code: text[f.start:f.end] for f in res.findings}
    assert got == {"W977": "b", "W978": "c", "W980": "d", "W982": "e"}


def test_edit_and_finding_take_every_field_in_order():
    import dataclasses
    import inspect

    for cls in (Edit, Finding):
        params = list(inspect.signature(cls).parameters.values())
        fields = dataclasses.fields(cls)
        assert [p.name for p in params] == [f.name for f in fields]
        assert [p.default for p in params] == [
            inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
        ]
        args = [f"value-{f.name}" for f in fields]
        obj = cls(*args)
        assert [getattr(obj, f.name) for f in fields] == args
        assert obj == cls(**{f.name: a for f, a in zip(fields, args)})
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.start = 1


def test_compose_keeps_the_log_exact_on_random_chains_of_edits():
    """Random rules' edits, composed one rule at a time: the log always rebuilds both texts."""
    import random

    rng = random.Random(7)
    merged = mapped = 0
    for _ in range(3000):
        original = "".join(rng.choice("ab \n") for _ in range(rng.randint(0, 12)))
        composite: list[Edit] = []
        current = original
        for step in range(rng.randint(1, 4)):
            points = sorted(rng.randint(0, len(current)) for _ in range(2 * rng.randint(1, 4)))
            new, last_end, last_point = [], -1, -1
            for s, t in zip(points[::2], points[1::2]):
                after = rng.choice(["", "x", "yy", "a"])
                if s < last_end or (s == t == last_point) or current[s:t] == after:
                    continue
                new.append(Edit(s, t, after, f"r{step}.{s}.{t}"))
                last_end, last_point = t, (s if s == t else last_point)
            if not new:
                continue
            rule = make_rule(f"W9{step}0", lambda t, c: [])
            omap = OffsetMap(composite)
            composite = compose(original, composite, current, new, rule)
            current = apply_edits(current, new)
            assert apply_edits(original, composite) == current
            assert restore_text(current, composite) == original
            assert all(e.before == original[e.start:e.end] for e in composite)
            assert all(a.end <= b.start and (a.start, a.end) != (b.start, b.end) for a, b in zip(composite, composite[1:]))
            for e in new:  # an edit merged with none lands where the offset map says
                twins = [c for c in composite if c.reason == e.reason]
                if twins:
                    (twin,) = twins
                    assert twin.start == omap.to_original(e.start, right=True)
                    assert twin.end == (omap.to_original(e.end, right=False) if e.end > e.start else twin.start)
                    mapped += 1
            merged += any("then" in c.reason for c in composite)
    assert merged > 100 and mapped > 1000  # both paths were exercised


def test_a_subclass_of_str_is_cleaned_as_the_plain_str_of_its_characters():
    """numpy.str_ or a Markup: every rule sees exactly str (the compiled ones take nothing else), same result."""
    from cleaner.config import Config

    class Text(str):
        def find(self, *args):  # a subclass's own methods are not the rules' business
            raise AssertionError("the subclass's method was called")

    raw = 'He said:\n\n<!-- x -->“We go,” she said.It is "open\n\nShare this article\n'
    rules = Config().active_rules()
    plain = run_rules(raw, rules, max_passes=3)
    sub = run_rules(Text(raw), rules, max_passes=3)
    assert type(sub.original) is str and sub.original == raw
    assert sub.cleaned == plain.cleaned and sub.edits == plain.edits and sub.findings == plain.findings
    assert not [f for f in sub.findings if "failed" in f.message]
    assert "Q003" in {f.code for f in plain.findings} and {"H001", "B001"} <= {e.code for e in plain.edits}
