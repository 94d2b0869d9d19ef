"""What each foundation rule (H, U, W, M, B) removes, and what it must leave.

Every test runs the full default rule set through :func:`cleaner.clean_text`,
so it also checks that the rules compose: the cleaned text is what a reader
would want and the original comes back from the log.
"""

from __future__ import annotations

import pytest

from cleaner import clean_text, restore_text
from cleaner.config import Config
from cleaner.rules.boilerplate import CorpusStats


def clean(text, **kw):
    res = clean_text(text, **kw)
    assert restore_text(res.cleaned, res.edits) == text
    assert clean_text(res.cleaned, **kw).edits == [], "cleaning cleaned text must change nothing"
    return res


def codes(res):
    return {e.code for e in res.edits}


# --- H: HTML -------------------------------------------------------------------


def test_en_dash_comment_over_lines_is_removed_with_its_blank_lines():
    text = (
        "Russia has made clear it wants a written commitment.\n\n"
        "<!– Temp removal of in article reco\n\nEnd comment –>\n\n"
        "The White House said ahead of the call that Biden would tell Putin.\n"
    )
    res = clean(text)
    assert res.cleaned == (
        "Russia has made clear it wants a written commitment.\n\n"
        "The White House said ahead of the call that Biden would tell Putin.\n"
    )
    assert codes(res) == {"H001"}


def test_standard_and_inline_comments():
    res = clean("Before <!-- ad slot --> after.\n<!--[if IE]><p>x</p><![endif]-->\nEnd.\n")
    assert res.cleaned == "Before  after.\nEnd.\n".replace("  ", " ")


def test_unclosed_comment_is_reported_not_removed():
    text = "Text <!-- never closed and the article goes on.\n"
    res = clean(text)
    assert "<!--" in res.cleaned
    assert any(f.code == "H001" for f in res.findings)


@pytest.mark.parametrize(
    "src,expected",
    [
        ("Texas A&amp;M&#8217;s Bush School", "Texas A&M’s Bush School"),
        ("AT&amp;amp;T shares rose", "AT&T shares rose"),
        ("Mr.&nbsp;Putin", "Mr. Putin"),
        ("Price &lt;b&gt;up&lt;/b&gt;", "Price up"),
    ],
)
def test_entities_decoded(src, expected):
    assert clean(src).cleaned == expected


@pytest.mark.parametrize("keep", ["Texas A&M's Bush School", "R&D spending", "Q&A: what to know", "&unknownentity; here"])
def test_entity_lookalikes_left_alone(keep):
    assert clean(keep).edits == []


def test_stray_tags_removed_and_block_tags_break_lines():
    res = clean("<p>Biden spoke with Putin.</p><p>The call lasted 50 minutes.</p>\n")
    assert res.cleaned == "Biden spoke with Putin.\nThe call lasted 50 minutes.\n"
    res = clean('Read the <a href="https://x.example/a">full readout</a> here.\n')
    assert res.cleaned == "Read the full readout here.\n"


def test_script_elements_removed_with_content():
    res = clean("Story.<script>var x = '<p>';</script> More.\n")
    assert res.cleaned == "Story. More.\n"


@pytest.mark.parametrize("keep", ["I <3 this", "if a < b and c > d then", "<Reuters> is not a tag", "x <= y >= z"])
def test_non_tags_left_alone(keep):
    assert clean(keep).edits == []


# --- U: unicode ------------------------------------------------------------------


def test_mojibake_repaired_and_typography_kept():
    res = clean("The phone call occurred at Mr. Putinâ€™s request.\n")
    assert res.cleaned == "The phone call occurred at Mr. Putin’s request.\n"
    (e,) = res.edits
    assert e.code == "U001" and e.before == "â€™" and e.after == "’"


def test_curly_quotes_dashes_and_accents_are_not_touched():
    text = "“Yes, let’s talk,” — said Zelenskyy in Kyiv; café, naïve, Ærø.\n"
    assert clean(text).edits == []


def test_ascii_text_skips_ftfy_entirely():
    assert clean("plain ascii text\n").edits == []


# --- W: whitespace ----------------------------------------------------------------


def test_trailing_spaces_and_nbsp_removed():
    res = clean("The phone call occurred at Mr. Putin’s request.\u00a0\nNext line.  \n")
    assert res.cleaned == "The phone call occurred at Mr. Putin’s request.\nNext line.\n"


def test_blank_line_runs_folded_to_one():
    res = clean("\n\n\nPara one.\n\n\n\n\nPara two.\n\n\n\n")
    assert res.cleaned == "Para one.\n\nPara two.\n"


def test_crlf_convention_kept():
    res = clean("Para one.\r\n\r\n\r\n\r\nPara two.  \r\n")
    assert res.cleaned == "Para one.\r\n\r\nPara two.\r\n"


@pytest.mark.parametrize("nl", ["\r\n", "\r", "\n"])
def test_single_line_breaks_are_not_blank_lines(nl):
    text = f"Line one.{nl}Line two.{nl}{nl}Para two,{nl}still two.{nl}"
    res = clean(text)
    assert res.cleaned == text
    assert res.edits == []


def test_zero_width_and_soft_hyphen_removed_but_zwj_kept():
    res = clean("Zelen\u200bskiy de\u00adconfliction family 👨\u200d👩\u200d👧\n")
    assert res.cleaned == "Zelenskiy deconfliction family 👨\u200d👩\u200d👧\n"


def test_single_nbsp_between_words_is_typography():
    assert clean("It is 10\u00a0km away.\n").edits == []
    assert clean("It is 10\u00a0 \u00a0km away.\n").cleaned == "It is 10 km away.\n"


def test_bullet_only_lines_removed_but_bullet_items_stay():
    text = "Why it matters:\n\n  • \n  • With more than 100,000 troops massing.\n•\nEnd.\n"
    res = clean(text)
    assert res.cleaned == "Why it matters:\n\n  • With more than 100,000 troops massing.\nEnd.\n"


def test_indentation_is_kept():
    assert clean("  • Putin has laid out a series of demands.\n").edits == []


# --- M: metadata ------------------------------------------------------------------


def test_date_header_moves_into_metadata():
    res = clean(" date 2021-12-31 \n\n\n\nWILMINGTON, Del. -- Presidents Joe Biden and Vladimir Putin spoke.\n")
    assert res.cleaned.startswith("WILMINGTON, Del. --")
    assert res.metadata == {"date": "2021-12-31"}
    assert res.edits[0].metadata == {"date": "2021-12-31"}


def test_key_value_header_block():
    res = clean("url: https://example.com/a\nauthor: Jane Doe\n\nBody text here.\n")
    assert res.metadata == {"url": "https://example.com/a", "author": "Jane Doe"}
    assert res.cleaned == "Body text here.\n"


def test_date_section_line_moves_into_metadata():
    res = clean("Dec 29, 2021 - World\n\nBiden accepts Putin request for phone call\n")
    assert res.metadata == {"date": "Dec 29, 2021", "section": "World"}
    assert res.cleaned == "Biden accepts Putin request for phone call\n"


@pytest.mark.parametrize(
    "keep",
    [
        "Date night ideas for the holidays\n\nText.\n",
        "Title IX complaints rose sharply\n\nText.\n",
        "WILMINGTON, Del. -- Biden spoke.\n",
        "Body text mentions date 2021-12-31 later.\n",
    ],
)
def test_article_first_lines_are_not_headers(keep):
    assert clean(keep).edits == []


# --- B: boilerplate ---------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "View original post",
        "• This article includes wire service reports.",
        "Go deeper",
        "Photo: Peter Klaunzer-Pool/Keystone via Getty Images",
        "Editor's note: This post has been updated with new details throughout.",
        "Editor’s note: This story was updated at 5 p.m.",
        "A Ukrainian soldier takes a break Thursday near a fighting position. (AP/Andriy Dubchak)",
        "President Biden speaks in the East Room. (AP Photo/Evan Vucci)",
        "Advertisement",
        "RELATED: Biden warns Putin of sanctions over Ukraine",
        "Read more: What to know about the Geneva talks",
        "SCROLL TO CONTINUE READING",
        "0 Comments",
        "Leave a comment",
        "1 min read",
        "Share this article: Facebook Twitter Email Print",
        "Facebook Twitter Google Plus Email Print",
        "Sign up for our daily newsletter to get the latest news",
        "--IANS",
        "--IANS ksk/pgh",
        "(Reporting by Andrew Osborn; Editing by Peter Graff)",
        "Dec. 30, 2021, 4:25 PM EST",
        "December 30, 2021",
        "Copyright 2021 The Associated Press. All rights reserved.",
        "This material may not be published, broadcast, rewritten or redistributed.",
        "Follow us on Twitter for the latest updates",
    ],
)
def test_boilerplate_lines_removed(line):
    text = f"Biden spoke with Putin for 50 minutes on Thursday.\n\n{line}\n\nThe call was at Putin’s request.\n"
    res = clean(text)
    assert res.cleaned == "Biden spoke with Putin for 50 minutes on Thursday.\n\nThe call was at Putin’s request.\n"
    assert {e.code for e in res.edits} == {"B001"}


@pytest.mark.parametrize(
    "line",
    [
        "Biden, Putin set stage for security talks",
        "WILMINGTON, Del. -- Presidents Joe Biden and Vladimir Putin spoke frankly.",
        "NATO: NO APPETITE",
        "Why it matters: The call will mark the second time the two leaders have spoken this month.",
        "What they're saying: A senior administration official said they could not speak.",
        "  • Putin has laid out a series of maximalist demands for scaling back U.S. and NATO activity.",
        "Biden and Putin",
        "The official added that both leaders value “direct leader-to-leader engagement.”",
        "Photo agencies said the images were taken on Thursday.",
        "Read more about the talks in our explainer, officials told reporters on Friday.",
        "Comments from the Kremlin came hours later.",
        "Copyright infringement claims against Meta Platforms Inc. rose in 2021.",
        "Share prices fell 3% on Thursday.",
        "Advertisement revenue at the newspaper fell again.",
        "The primary purpose of the 50-minute call was to set the tone for the upcoming negations.",
    ],
)
def test_article_lines_stay(line):
    text = f"First paragraph of the story.\n\n{line}\n\nLast paragraph of the story.\n"
    assert [e for e in clean(text).edits if e.code.startswith("B")] == []


def test_most_read_box_removed_with_its_headlines():
    text = (
        "The story ends here.\n\nMost Read Stories\n\n"
        "Seattle weather: snow expected\nMariners sign new pitcher\nCity council passes budget\n\n"
        "Another paragraph of the article follows with a full sentence of text.\n"
    )
    res = clean(text)
    assert "Most Read" not in res.cleaned and "Mariners" not in res.cleaned
    assert "Another paragraph of the article" in res.cleaned


def test_inline_credit_fragment_removed_from_end_of_line():
    res = clean("Putin at the Kremlin on Thursday. (Photo credit: Mikhail Klimentyev/Sputnik)\n")
    assert res.cleaned == "Putin at the Kremlin on Thursday.\n"


def test_template_line_recurring_across_documents():
    docs = [f"Headline {i}\n\nStory text number {i} with a sentence.\n\nShare on WhatsApp now\n" for i in range(8)]
    stats = CorpusStats.from_texts(docs)
    res = clean(docs[0], corpus=stats)
    assert "WhatsApp" not in res.cleaned
    assert any(e.code == "B002" for e in res.edits)


def test_template_line_threshold_spares_rare_and_sentence_lines():
    docs = [f"Headline\n\nStory {i}.\n\nThe Kremlin said.\n" for i in range(3)] + ["Other\n\nText.\n"] * 3
    stats = CorpusStats.from_texts(docs)
    res = clean(docs[0], corpus=stats)
    assert "The Kremlin said." in res.cleaned  # ends like a sentence
    assert res.cleaned.startswith("Headline")  # first line of a document is kept


def test_rule_selection_by_code_prefix_and_name():
    text = "x&amp;y  z\n"
    assert clean_text(text, Config(ignore=["H"])).cleaned == "x&amp;y z\n"
    assert clean_text(text, Config(select=["html-entity"])).cleaned == "x&y  z\n"


def test_navigation_run_is_opt_in_and_removes_menus():
    text = "EXPLORE\nTech\nCars\nGaming\nScience\n\nVolkswagen’s first ID.3 all-electric car is not expected until next year.\n\nSubhead here\n\nMore text follows.\n"
    assert [e for e in clean(text).edits if e.code == "B003"] == []
    res = clean(text, config=Config(extend_select=["B003"]))
    assert res.cleaned == "Volkswagen’s first ID.3 all-electric car is not expected until next year.\n\nSubhead here\n\nMore text follows.\n"


def test_matches_at_equals_finditer_when_matches_start_at_the_candidates():
    import re

    from cleaner.rules._lines import matches_at

    pattern = re.compile(r"[.!?]+[A-Z]\w*|\"+")
    text = 'a.B c!!Dd "" e?F. "x" G.H'
    starts = [i for i, c in enumerate(text) if c in '.!?"']
    assert [m.span() for m in matches_at(pattern, text, starts)] == [m.span() for m in pattern.finditer(text)]
    assert [m.group() for m in matches_at(pattern, text, starts)][:2] == [".B", "!!Dd"]


def test_repeated_date_lines_move_into_metadata_in_one_pass():
    # Found by the fuzz test: one line a pass, 70 repeated lines outlasted the passes (not idempotent).
    text = "Dec 29, 2021 - World\n" * 70 + "\nDec 30, 2021 - Sport\n\nBiden accepts Putin request for phone call\n"
    res = clean(text)
    assert res.cleaned == "Biden accepts Putin request for phone call\n"
    assert res.metadata == {"date": "Dec 29, 2021", "section": "Sport", "header_date": "Dec 30, 2021"}
    assert [e.code for e in res.edits] == ["M002"] * 71 and clean(res.cleaned).edits == []
    assert not res.findings
    # a document that is only date lines keeps its last one
    assert clean("Dec 29, 2021 - World\n" * 3).metadata == {"date": "Dec 29, 2021", "section": "World",
                                                             "header_date": "Dec 29, 2021"}


def test_a_long_scraper_header_moves_into_metadata_in_one_pass():
    # M001 takes 12 header lines a call; registered with repeat=True it takes the rest in the same pass.
    from cleaner.engine import run_rules
    from cleaner.registry import get_rule

    text = "date: 2021-12-31\n" * 1000 + "\nBody text.\n"
    res = run_rules(text, [get_rule("M001")], max_passes=1)
    assert res.cleaned == "Body text.\n" and res.metadata["date"] == "2021-12-31"
    assert clean(text).cleaned == "Body text.\n" and not clean(text).findings
