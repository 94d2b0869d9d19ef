"""Q rules: cuts, dangling lead-ins, unbalanced quotes and orphaned pull-quotes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.config import Config
from cleaner.engine import clean_text, restore_text
from cleaner.registry import get_rule

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def read_seed(prefix: str) -> str:
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def findings(text: str, code: str, config: Config | None = None):
    return [f for f in clean_text(text, config or Config()).findings if f.code == code]


@pytest.fixture(scope="module")
def seed000():
    text = read_seed("000")
    return text, clean_text(text, Config())


def after(text: str, needle: str, occurrence: int = 1) -> int:
    """Offset just after the *occurrence*-th *needle* in *text*."""
    pos = -1
    for _ in range(occurrence):
        pos = text.index(needle, pos + 1)
    return pos + len(needle)


# ------------------------------------------------------------------ seed 000


def test_seed000_flags_the_three_dangling_lead_ins(seed000):
    text, result = seed000
    leads = [f for f in result.findings if f.code == "Q002"]
    assert [text[f.start : f.end] for f in leads] == [
        "The senior U.S. official said:",
        "told RFE/RL's Ukrainian Service in an interview to be aired on January 1:",
        "Herbst, who is now an analyst at thesaid:",
    ]
    assert all(f.severity == "error" for f in leads)


CUTS = [("exchange", 1), ("meeting of the", 1), ("later by", 1), ("official said.", 1), ("said that", 2),
        ("has delivered", 1), ("escalation in Ukraine", 1), ("December 7.", 1), ("has said that", 1),
        ("reiterated that", 1), ("Biden that", 2), ("Kremlin aide", 1), ("obstacles.\"", 1),
        ("opportunity for Putin", 1), ("European allies.", 1), ("January 1:", 1), ("States and Ukraine", 1),
        ("analyst at the", 1), ("conditions for...", 1)]


@pytest.mark.parametrize("needle,occurrence", CUTS)
def test_seed000_missing_text_at_each_cut(seed000, needle, occurrence):
    text, result = seed000
    pos = after(text, needle, occurrence)
    assert any(f.code == "Q001" and f.start == f.end == pos for f in result.findings), text[pos - 30 : pos + 10]


def test_seed000_missing_text_is_not_reported_at_plain_sentence_joins(seed000):
    text, result = seed000
    points = {f.start for f in result.findings if f.code == "Q001"}
    assert after(text, "guarantees.") not in points  # a missing space, not missing text
    assert after(text, "with Putin.") not in points
    assert after(text, "news cycle...") not in points  # the writer's ellipsis inside a quotation


EXPECTED_GAPS = [
    ("Both leaders acknowledged", "The senior U.S. official said:", 1),
    ("to air his grievances", "opportunity for Putin", 1),
    ("We have heard very clearly", "January 1:", 1),
    ("is either many years away", "States and Ukraine", 1),
    ("I think he's looking again", "analyst at thesaid:", 1),
]


def test_seed000_orphaned_pull_quotes_are_paired_with_their_gaps(seed000):
    text, result = seed000
    orphans = [f for f in result.findings if f.code == "Q004" and (f.data or {}).get("role") != "gap"]
    gaps = [f for f in result.findings if f.code == "Q004" and (f.data or {}).get("role") == "gap"]
    assert len(orphans) == len(gaps) == 5
    for (quote_start, gap_after, occ), orphan in zip(EXPECTED_GAPS, orphans):
        assert text[orphan.start + 1 :].startswith(quote_start)
        assert orphan.severity == "warning"
        pair = [g for g in gaps if g.data["quote"] == orphan.data["quote"]]
        assert len(pair) == 1
        assert pair[0].start == after(text, gap_after, occ)
        assert orphan.data["confidence"] >= 0.5
        assert orphan.data["gap_kind"] in ("lead-in", "cut")


def test_seed000_unclosed_quote_in_body_is_flagged_but_pull_quote_convention_is_not(seed000):
    text, result = seed000
    unbalanced = [f for f in result.findings if f.code == "Q003"]
    assert [text[f.start : f.start + 7] for f in unbalanced] == ['"Biden ']


@pytest.mark.parametrize("prefix", ["001", "002", "003", "004"])
def test_undamaged_seeds_get_no_quote_finding(prefix):
    result = clean_text(read_seed(prefix), Config())
    assert [f for f in result.findings if f.code.startswith("Q")] == []


# ------------------------------------------------------------------ Q002


@pytest.mark.parametrize("text", [
    'In a statement, Congressman Bobby Scott said:\n\n"Today we took a step forward for working families."\n',
    "In a statement, Congressman Bobby Scott said:\n\nToday we took a step forward for working families.\n",
    'The minister told Newsweek: "Although the results are in, we wait."\n',
    "Why it matters: The call will mark the second time the leaders have spoken.\n",
    "What they're saying: A senior official said they could not speak to that.\n",
    "The meeting starts at 4:25 p.m. and ends at 6:30 p.m., she said.\n",
])
def test_lead_in_followed_by_its_quote_or_a_label_is_not_flagged(text):
    assert findings(text, "Q002") == []


@pytest.mark.parametrize("text", [
    "Apte explained that air quality is a function of pollution and dilution: how much is emitted.\n",
    "Washington, DC, United States: Getting to the Moon, while not easy, has been done.\n",
    'Hrafnsson said: "Let us focus on the threat he has warned about for years: the prosecution."\n',
])
def test_explanatory_colons_places_and_colons_in_quotes_are_not_lead_ins(text):
    assert findings(text, "Q002") == []


@pytest.mark.parametrize("text,lead", [
    ("The talks went on. The senior U.S. official said: During the call, Biden spoke.\n",
     "The senior U.S. official said:"),
    ("It was over. Herbst, who is now an analyst, wrote:", "Herbst, who is now an analyst, wrote:"),
    ("It was over. He told reporters:\n\nand then the call ended.\n", "He told reporters:"),
])
def test_dangling_lead_in_is_flagged(text, lead):
    found = findings(text, "Q002")
    assert [text[f.start : f.end] for f in found] == [lead]


# ------------------------------------------------------------------ Q003


@pytest.mark.parametrize("text", [
    '"The first paragraph of a long quotation goes on.\n\n"And the second paragraph closes it," he said.\n',
    "“When he asked, he said, ‘Yes, let’s talk,’” an official said. “And that was it.”\n",
    'The 12" pipe burst and the 6" one held, officials said.\n',
    "He said: “Bird flu.” She said: ”Swine fever in the year of the pig.”\n",
])
def test_balanced_quotes_are_not_flagged(text):
    assert findings(text, "Q003") == []


@pytest.mark.parametrize("text", [
    "Die App „Vivy“ wurde in Kooperation mit 90 Krankenkassen entwickelt, sagte er.\n",
    "“It was an attempt to mislead voters,’’ Will Moy said on the radio.\n",
    'Use code "50OFF699" to get it at Dell for the lower price, the shop said.\n',
    "Find a licensed professional near you »\n\nThen call them on Monday.\n",
])
def test_national_conventions_codes_and_arrows_are_not_unbalanced(text):
    assert findings(text, "Q003") == []


@pytest.mark.parametrize("text", [
    "Add 1 tsp. olive oil and 4 oz. cooked chicken to the pan, then stir.\n",
    '"Hands! Let me see your hands!" an officer ordered. "Step out."\n',
    "It creates grave health risks. pic.twitter.com/fCX2Ptc7YN\n",
    "The U.S. officials met the p.m. shift and e.g. the staff of the embassy.\n",
])
def test_abbreviations_attributions_and_links_are_not_cuts(text):
    assert findings(text, "Q001") == []


@pytest.mark.parametrize("text,mark", [
    ('He said "this is the end of it. Then he left the room.\n', '"'),
    ("He said “this is the end of it. Then he left the room.\n", "“"),
    ("He said this is the end of it.” Then he left the room.\n", "”"),
    ('"An unclosed quote at the end of the text.\n\nA plain paragraph follows it.\n', '"'),
])
def test_unbalanced_quotes_are_flagged_at_the_mark(text, mark):
    found = findings(text, "Q003")
    assert len(found) == 1
    assert text[found[0].start] == mark
    assert found[0].severity == "warning"


# ------------------------------------------------------------------ Q004 and --restore-quotes


def test_quoted_paragraph_found_in_the_body_is_not_an_orphan():
    text = ('"We will not back down from this fight for working families," he said.\n\n'
            "The senator spoke on Monday. He said: \"We will not back down from this fight for working "
            'families," and left.\n')
    assert findings(text, "Q004") == []


def test_quotation_after_a_lead_in_is_not_an_orphan():
    text = ("The minister spoke to reporters on Monday about the talks and said:\n\n"
            '"We have heard very clearly from our partners that nothing will be decided without us."\n')
    assert findings(text, "Q004") == []


def restoring() -> Config:
    return Config(restore_quotes=True, rule_options={"Q004": {"restore": True}})


def test_restore_quotes_moves_confident_orphans_into_their_gaps():
    text = read_seed("000")
    result = clean_text(text, restoring())
    cleaned = result.cleaned
    assert not cleaned.startswith('"Both leaders')
    assert cleaned.startswith("U.S. President Joe Biden")
    assert 'official said: "Both leaders acknowledged' in cleaned
    assert 'an opportunity for Putin "to air his grievances' in cleaned
    assert 'U.S. president." Russia invaded' in cleaned
    assert 'Ukraine "is either many years away' in cleaned
    assert cleaned.rstrip().endswith('analyst at the said: "I think he\'s looking again to use this crisis -- '
                                     "which he created -- to see if there's some wiggle room, either from the "
                                     'U.S. or from Germany and France in terms of the Minsk talks or from Ukraine."')
    for quote in ("Both leaders acknowledged", "to air his grievances", "We have heard very clearly",
                  "is either many years away", "I think he's looking again"):
        assert cleaned.count(quote) == 1
    assert restore_text(cleaned, result.edits) == text
    moved = [e for e in result.edits if e.code == "Q004"]
    assert moved and all("pull-quote" in e.reason for e in moved)
    assert clean_text(cleaned, restoring()).cleaned == cleaned


def test_restore_quotes_is_off_by_default():
    text = read_seed("000")
    assert clean_text(text, Config()).cleaned.startswith('"Both leaders')
    rule = get_rule("Q004")
    assert rule.options["restore"] is False and rule.fix == "unsafe"


def test_cli_restore_quotes_round_trip(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    original = (SEEDS / sorted(p.name for p in SEEDS.glob("000_*.txt"))[0]).read_bytes()
    (src / "000.txt").write_bytes(original)
    runner = CliRunner()
    res = runner.invoke(cli, ["clean", str(src), "-o", str(tmp_path / "out"), "--restore-quotes"])
    assert res.exit_code == 0, res.output
    cleaned = (tmp_path / "out" / "000.txt").read_text(encoding="utf-8")
    assert 'for Putin "to air his grievances' in cleaned
    res = runner.invoke(cli, ["restore", str(tmp_path / "out"), "-o", str(tmp_path / "back")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "back" / "000.txt").read_bytes() == original


def test_rule_metadata():
    for code, name, severity in (("Q001", "missing-text", "error"), ("Q002", "dangling-lead-in", "error"),
                                 ("Q003", "unbalanced-quotes", "warning"),
                                 ("Q004", "orphaned-pull-quote", "warning")):
        rule = get_rule(code)
        assert rule is not None and rule.name == name and rule.severity == severity


def test_spaced_lower_case_sentence_start_is_a_cut():
    text = "The senior U.S. official said. of the call posted on December 31, the readout said more.\n"
    found = findings(text, "Q001")
    assert [f.start for f in found] == [text.index("said.") + len("said.")]


def test_synthetic_orphans_pair_by_order_case_and_colon():
    text = (
        '"to air his grievances before the talks."\n\n'
        '"We will not accept any deal that leaves our partners out of the room."\n\n'
        "The talks were long. It was an opportunity for PutinRussia invaded Crimea in 2014, and "
        "Putin has said so. Later the minister told reporters in the capital:\n"
    )
    result = clean_text(text, Config(select=["Q", "J"]))
    orphans = [f for f in result.findings if f.code == "Q004" and (f.data or {}).get("role") != "gap"]
    gaps = {f.data["quote"]: f.start for f in result.findings if f.code == "Q004" and (f.data or {}).get("role") == "gap"}
    assert len(orphans) == 2
    assert gaps[0] == text.index("PutinRussia") + len("Putin")
    assert gaps[1] == text.index("capital:") + len("capital:")
    assert all(o.data["confidence"] >= 0.5 for o in orphans)


def test_quoted_paragraph_mid_text_without_a_gap_is_not_reported():
    text = ("The minister spoke on Monday about the talks in Geneva and the sanctions.\n\n"
            '"We are ready to talk to anyone who is ready to talk to us about peace."\n\n'
            "The talks will go on next week, officials said.\n")
    assert findings(text, "Q004") == []


def test_verb_prefix_tree_finds_what_the_plain_alternation_finds():
    import re

    from cleaner.rules import quotes

    verbs = sorted(quotes.speech_verbs(), key=len, reverse=True)
    plain = re.compile("(?:" + "|".join(map(re.escape, verbs)) + ")(?![A-Za-z])")
    text = ("He said: it, she says; thesaid, warns warnsx warned, Told told, replies replied. "
            "reiterateds adds added addsaid saidsays: announce announced stated stressed.")
    assert [m.span() for m in quotes._verb_pattern().finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert quotes._prefix_tree(["warn", "warned", "warns"]) == "warn(?:ed|s)?"


def test_body_words_are_the_lower_case_runs_of_letters_and_digits():
    import re

    from cleaner.rules import quotes

    text = "“Quoted ONE.”\n\nBody—text, naïve Café 2024 K\u212aelvin İstanbul ’s\n\n“Quoted two”\n\nEnd…"
    paras = quotes.paragraphs(text)
    quoted = [text[s] == "“" for s, _ in paras]
    body = " ".join(text[s:e] for (s, e), q in zip(paras, quoted) if not q)
    words = re.findall("[a-z0-9]+", body.lower())
    assert quotes._body_words(text, paras, quoted) == " " + " ".join(words) + " "


def test_a_quote_rule_finds_the_same_whichever_rules_ran_before_it_on_the_text():
    """The per-text analysis the Q rules share must not depend on which rule built which part of it first.

    Q002 matches one paragraph's marks; in a text dense with marks (where the
    whole text's marks are not listed) Q003 used to take every other
    paragraph for one without marks, and found nothing.
    """
    from cleaner.registry import RuleContext
    from cleaner.rules import quotes

    text = 'He said: "yes" and "no" today.\n\n' + '"a "b' * 100 + ' "open here\n\nend'

    def found(codes):
        quotes._ANALYSES.clear()
        quotes._CUTS.clear()
        out = {}
        for code in codes:
            rule = get_rule(code)
            out[code] = [(f.start, f.end, f.message) for f in rule.function(text, RuleContext(options=dict(rule.options))) or []]
        return out

    alone = {code: found([code])[code] for code in ("Q002", "Q003", "Q004")}
    assert alone["Q003"]  # the unbalanced marks of the dense paragraph
    for order in (["Q002", "Q003", "Q004"], ["Q004", "Q003", "Q002"], ["Q003", "Q002", "Q004"]):
        assert found(order) == alone, order
