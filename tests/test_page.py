"""B004 page-chrome: the article out of the plain text of a whole web page.

The rule is opt-in.  It must remove the page around an article (menus,
related stories, comments, footers) and must leave text that is already an
article alone: the seeds, and the gold article bodies of the
article-extraction benchmark.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from cleaner import clean_text, restore_text
from cleaner.config import Config
from cleaner.engine import run_rules
from cleaner.registry import get_rule
from cleaner.rules import page

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "bench-data" / "article-extraction-benchmark"
WITH_B004 = Config(extend_select=["B004"])

MENU = ["Home", "World", "Politics", "Business", "Tech", "Science", "Health", "Sports", "Opinion", "Video"]
ARTICLE = [
    "Officials in the city said on Tuesday that the new bridge would open to traffic next spring, "
    "two years later than had been planned when the project was announced.",
    "The delay was caused by a shortage of steel and by a dispute with the contractor over the cost "
    "of the foundations, which had to be dug deeper than the engineers expected.",
    "Residents who live near the river have complained for months about the noise from the site, "
    "and some of them told the council that they would ask for compensation.",
    "The mayor said that the city would pay for the extra work out of its own budget and that "
    "no new taxes would be needed to finish the bridge.",
]
RELATED = ["Related stories", "Mayor opens new library", "Council votes on budget", "Five things to do this weekend"]
COMMENTS = [
    "Leave a Reply",
    "I have been waiting for this bridge for years and I am tired of the excuses from the council.",
    "It is about time that somebody in the city took responsibility for the mess on the river.",
]
FOOTER = ["About us", "Contact", "Privacy Policy", "Terms of Use", "© 2019 The Daily Ledger. All rights reserved."]


def whole_page(sep: str = "\n") -> str:
    parts = ["Bridge to open next spring | The Daily Ledger", *MENU, "Bridge to open next spring", "By Jane Smith",
             *ARTICLE, *RELATED, *COMMENTS, *FOOTER]
    return sep.join(parts) + "\n"


def b004(text: str):
    """Run B004 alone; the original must come back from the edits."""
    res = run_rules(text, [get_rule("B004")])
    assert restore_text(res.cleaned, res.edits) == text
    assert {e.code for e in res.edits} <= {"B004"}
    return res


def shingles(text: str, n: int = 4) -> Counter:
    toks = re.findall(r"\w+", text)
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def test_registered_as_an_opt_in_unsafe_boilerplate_rule():
    rule = get_rule("B004")
    assert rule is get_rule("page-chrome")
    assert rule.family == "boilerplate" and rule.fix == "unsafe" and not rule.default_enabled
    assert "B004" not in {r.code for r in Config().active_rules()}
    assert "B004" in {r.code for r in WITH_B004.active_rules()}
    assert "Body Text Extraction" in rule.explanation and "jusText" in rule.explanation


def test_settings_come_from_the_data_file_and_every_pattern_compiles():
    cfg = page.settings()
    for key in ("density_mid", "barrier", "min_before_blocks", "markers", "end_markers", "chrome"):
        assert key in cfg
    for key in ("markers", "end_markers", "chrome"):
        assert page._patterns(key).pattern


def test_keeps_the_article_and_removes_the_page_around_it():
    text = whole_page()
    res = b004(text)
    for para in ARTICLE:
        assert para in res.cleaned
    for gone in ["Politics", "Related stories", "Council votes on budget", "Leave a Reply",
                 "I have been waiting for this bridge", "All rights reserved", "The Daily Ledger"]:
        assert gone not in res.cleaned
    reasons = {e.reason for e in res.edits}
    assert "page chrome before the article" in reasons
    assert any("after the article" in r for r in reasons)


def test_the_comments_are_cut_even_when_they_read_well():
    replies = [f"Comment {n}: I think that the council has known about the problems with the bridge for a "
               f"long time, and that they should have told the people who live by the river about it." for n in range(8)]
    lines = ["Site name", *MENU, *ARTICLE, "12 Comments", *replies, "Contact"]
    res = b004("\n".join(lines) + "\n")
    assert ARTICLE[-1] in res.cleaned
    assert "Comment 3" not in res.cleaned
    assert any(e.reason == "comments and page chrome after the article" for e in res.edits)


def test_a_minified_page_on_one_line_keeps_its_sentences():
    # get_text() of minified HTML: menus glued together, the article and the
    # footer on the same line.
    glued_menu = "".join(MENU) + "SubscribeSign InSearch"
    line = (glued_menu + "   " + "   ".join(MENU) + "   " + " ".join(ARTICLE) + "   "
            + "Related stories   " + "   ".join(RELATED[1:]) + "   " + FOOTER[-1])
    text = "Bridge to open next spring | The Daily Ledger\n" + line + "\n"
    res = b004(text)
    assert " ".join(ARTICLE) in res.cleaned
    assert "SubscribeSign" not in res.cleaned and "All rights reserved" not in res.cleaned
    assert "Council votes" not in res.cleaned


def test_a_long_line_loses_its_head_and_tail_only():
    text = whole_page("  ").replace("\n", "") + "\n"  # one long line, blocks two spaces apart
    res = b004(text)
    assert res.cleaned == "  ".join(ARTICLE) + "\n"
    assert [e.reason for e in res.edits] == ["page chrome before the article", "page chrome after the article"]
    assert len(res.edits) == 2


def test_long_lines_are_cut_where_get_text_glued_elements():
    line = ("Posted 2 days agoThe promise of cloud gaming is a smooth ride in the fastest car there is, and "
            "the company says it will keep it.Those playing on a phone get a slower version of the game.  "
            "Most ReadCloud gaming comes to phones") * 3
    text = line + "\n"
    bl = page.blocks(text, page.settings())
    pieces = [text[a:b] for a, b in bl.tolist()]
    assert "Posted 2 days ago" in pieces
    assert any(p.startswith("The promise of cloud gaming") for p in pieces)
    assert any(p.startswith("Those playing on a phone") for p in pieces)
    assert "Most Read" in pieces
    # A short line is one block, however it is glued.
    short = "Posted 2 days agoThe promise.\n"
    assert len(page.blocks(short, page.settings())) == 1


def test_wrapped_lines_of_a_paragraph_are_one_block():
    text = ("Veteran actress Kate Henshaw, who in 2008 won the Africa Movie Academy Award,\n"
            "has taken to her Instagram page to share some photos of herself.\nHome\nAbout\n")
    bl = page.blocks(text, page.settings()).tolist()
    assert [text[a:b] for a, b in bl][1:] == ["Home", "About"]
    assert text[bl[0][0] : bl[0][1]].endswith("photos of herself.")


def test_each_menu_entry_in_a_row_costs_more():
    text = "\n".join(MENU) + "\n"
    cfg = page.settings()
    bl = page.blocks(text, cfg)
    values = page.scores(page.features(text, bl, cfg), cfg)
    assert all(v < 0 for v in values)
    assert all(b < a for a, b in zip(values, values[1:]))


def test_a_page_in_german_uses_german_stop_words():
    article = [
        "Die Stadt hat am Dienstag mitgeteilt, dass die neue Brücke erst im nächsten Frühjahr für den "
        "Verkehr freigegeben wird, zwei Jahre später als geplant.",
        "Der Grund für die Verzögerung ist ein Mangel an Stahl und ein Streit mit der Baufirma über die "
        "Kosten für die Fundamente, die tiefer gegraben werden mussten.",
        "Die Anwohner am Fluss beschweren sich seit Monaten über den Lärm auf der Baustelle, und einige "
        "von ihnen wollen eine Entschädigung verlangen.",
    ]
    menu = ["Startseite", "Politik", "Wirtschaft", "Kultur", "Sport", "Wissen", "Reisen", "Auto"]
    text = "\n".join(["Brücke | Tageblatt", *menu, *article, "Mehr zum Thema", "Neue Bibliothek eröffnet",
                      "Impressum", "Datenschutz"]) + "\n"
    words = re.findall(r"\w+", text.lower())
    assert page.page_language(words, page.settings()) == "de"
    bl, span = page.find_article(text)
    feats = page.features(text, bl, page.settings())
    res = b004(text)
    assert all(p in res.cleaned for p in article)
    assert "Wirtschaft" not in res.cleaned and "Impressum" not in res.cleaned
    assert (feats.density[span[0] : span[1]] > 0.3).all()


def test_an_article_is_left_alone():
    text = "\n\n".join(["Bridge to open next spring", "By Jane Smith", *ARTICLE, "Reporting by Jane Smith"]) + "\n"
    assert b004(text).edits == []


@pytest.mark.parametrize("path", sorted((REPO / "seeds").glob("*.txt")), ids=lambda p: p.name)
def test_the_seeds_are_left_alone(path):
    text = path.read_text(encoding="utf-8")
    assert b004(text).edits == []
    assert clean_text(text, WITH_B004).cleaned == clean_text(text).cleaned


def test_cleaning_a_cleaned_page_changes_nothing():
    res = clean_text(whole_page(), WITH_B004)
    assert restore_text(res.cleaned, res.edits) == whole_page()
    assert clean_text(res.cleaned, WITH_B004).edits == []


def test_tiny_and_empty_texts():
    for text in ["", "\n\n", "Home\n", "Just one sentence of text.\n", "\u00a0 \t\n"]:
        assert b004(text).edits == []


# --- the article-extraction benchmark -------------------------------------------

needs_bench = pytest.mark.skipif(not (BENCH / "ground-truth.json").exists(), reason="benchmark data not present")


def _gold() -> dict:
    return json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))


@needs_bench
def test_gold_article_bodies_keep_at_least_99_percent_of_their_shingles():
    kept = total = 0
    untouched = 0
    gold = _gold()
    for key, val in sorted(gold.items()):
        text = val["articleBody"]
        res = b004(text)
        g = shingles(text)
        total += sum(g.values())
        kept += sum((g & shingles(res.cleaned)).values())
        untouched += not res.edits
    assert kept / total >= 0.99
    assert untouched >= 0.97 * len(gold)


@needs_bench
def test_naive_page_text_gets_close_to_the_article():
    from bs4 import BeautifulSoup

    gold = _gold()
    keys = sorted(gold)[::6]  # every sixth page, both halves
    f_default, f_page = [], []
    for key in keys:
        html = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        naive = BeautifulSoup(html, "html.parser").get_text()
        g = shingles(gold[key]["articleBody"])
        for config, out in ((Config(), f_default), (WITH_B004, f_page)):
            res = clean_text(naive, config)
            assert restore_text(res.cleaned, res.edits) == naive
            if config is WITH_B004:
                assert clean_text(res.cleaned, WITH_B004).cleaned == res.cleaned
            p = shingles(res.cleaned)
            tp = sum((g & p).values())
            prec = tp / sum(p.values()) if p else 0.0
            rec = tp / sum(g.values()) if g else 1.0
            out.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    mean_default = sum(f_default) / len(keys)
    mean_page = sum(f_page) / len(keys)
    assert mean_page >= 0.85
    assert mean_page >= mean_default + 0.15


def _both_paths(text, monkeypatch):
    cfg = page.settings()
    monkeypatch.setattr(page, "_NUMBA", True)
    monkeypatch.setattr(page, "NUMBA_MIN_CHARS", 0)
    monkeypatch.setattr(page, "NUMBA_SMALL_CHARS", 0)
    if page._kernels(len(text)) is None:
        pytest.skip("numba not available")
    b1 = page.blocks(text, cfg)
    f1 = page.features(text, b1, cfg)
    monkeypatch.setattr(page, "_NUMBA", False)
    b2 = page.blocks(text, cfg)
    f2 = page.features(text, b2, cfg)
    assert b1.tolist() == b2.tolist()
    for name, x, y in zip(page.Features._fields, f1, f2):
        assert np.array_equal(x, y), name


def test_compiled_and_regex_paths_agree_on_odd_text(monkeypatch):
    odd = ("ΤΗΣ ΚΑΙ Τους İstanbul ÀÉÎ × ÷ naïve ß straße\u00a0\u2003x\r\nCafé\rdéjà vu, (a) ,b\n"
           "\ud800 lone surrogate \U0001F600 emoji 𐐀 Deseret.” “Next”) said.\t\n" + whole_page("  ") * 3
           + "漢字のテキスト。次の文。\n" + "a" * 500 + "Bcd efg.Hij " * 60 + "\n")
    _both_paths(odd, monkeypatch)


@needs_bench
def test_compiled_and_regex_paths_agree_on_real_pages(monkeypatch):
    from bs4 import BeautifulSoup

    for key in sorted(_gold())[::12]:
        html = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        _both_paths(BeautifulSoup(html, "html.parser").get_text(), monkeypatch)


def test_a_long_first_line_that_starts_like_a_header_field_is_not_moved_to_metadata():
    # What B004 can leave at the top of a minified page: M001 must not take the article for a header.
    line = "Author: Practical Horseman Editorial StaffPublish date: Oct 4, 2018. " + " ".join(ARTICLE) * 5
    res = clean_text(line + "\n")
    assert ARTICLE[0] in res.cleaned and not res.metadata


def test_a_japanese_page_keeps_its_sentences_with_latin_words_in_them():
    menu = ["ホーム", "ニュース", "ブログ", "サービス", "お問い合わせ", "会社案内", "よくあるご質問", "アクセス"]
    article = [
        "先日、不正に改造したiPhoneを販売したとして、商標法違反の疑いで男性が逮捕されたというニュースを耳にしました。",
        "報道によると、今回販売されたのは、いわゆる脱獄したiPhoneで、iOSを改造して機能制限を解除したものです。",
        "もちろん、Apple社は脱獄を認めていませんので、改造した商品を販売すると商標権の侵害になることがあります。",
        "通常、権利者により正規のルートで販売された商品をそのまま転売する場合は、商標権の侵害にはなりません。",
    ]
    text = "\n".join(["商品の改造が商標法違反に | 特許事務所", *menu, *article, "関連記事", "カテゴリー", "PAGETOP"]) + "\n"
    cfg = page.settings()
    bl = page.blocks(text, cfg)
    feats = page.features(text, bl, cfg)
    assert not feats.glued.any()
    res = b004(text)
    assert all(p in res.cleaned for p in article)
    assert "お問い合わせ" not in res.cleaned and "PAGETOP" not in res.cleaned


def test_loading_the_kernels_is_setup_and_compiles_every_kernel_at_once():
    """The first long page loads the kernels as set-up (not its own time) and leaves none to compile later."""
    import subprocess
    import sys

    code = (
        "import numba; from cleaner.rules import page; from cleaner.registry import setup_seconds\n"
        "assert setup_seconds() == 0\n"
        "k = page._kernels(10**6)\n"
        "assert k is not None and setup_seconds() > 0\n"
        "kernels = [v for v in vars(k).values() if isinstance(v, numba.core.registry.CPUDispatcher)]\n"
        "used = ('line_blocks', 'block_features', 'cut_lines')\n"
        "assert {f.__name__ for f in kernels} >= set(used)\n"
        "print(sorted(f.__name__ for f in kernels if f.__name__ in used and not f.signatures))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"  # each kernel B004 calls has its compiled version already
