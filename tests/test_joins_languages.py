"""J rules in other languages: language detection, per-language repairs and non-splits.

The examples are real: glued text from the damaged pages of the
article-extraction benchmark (``bench/joins.py``), set in a paragraph of the
same page's gold text so that the language is detected as it is on the page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from cleaner.config import Config
from cleaner.engine import clean_text
from cleaner.rules._joins import (
    document_language,
    find_case_joins,
    find_glued_words,
    find_joins,
    looks_english,
    word_model,
)

J_ONLY = Config(select=["J"])
BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench-data" / "article-extraction-benchmark"

needs_bench = pytest.mark.skipif(not (BENCH / "ground-truth.json").is_file(), reason="benchmark data not found")


@lru_cache(maxsize=1)
def gold() -> dict[str, str]:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    return {k: v["articleBody"] for k, v in truth.items()}


def page(prefix: str) -> str:
    (key,) = [k for k in gold() if k.startswith(prefix)]
    return gold()[key]


def repair(text: str) -> str:
    return clean_text(text, J_ONLY).cleaned


# ------------------------------------------------------------------ detection

# Gold pages keyed by the start of their file name, with the language read
# from the page (first words in the comment).
PAGE_LANGUAGES = [
    ("3252222e", "pt"),  # "O prof. Carlos Nadalim apresenta, neste vídeo, uma loja incrível nos EUA"
    ("23aaecd1", "pt"),  # "Nunca ouviu as sensacionais brinquedorias musicais do grupo Serelepe"
    ("20b2b649", "it"),  # "Il black Friday incombe su di noi: per chi non lo sapesse"
    ("b6fb53e9", "it"),  # "E’ stato annunciato in queste ore che Netflix, il servizio di streaming"
    ("57b4dafd", "de"),  # "Die Digitalisierung als Wachstums- und Entwicklungstreiber zieht sich"
    ("ba07d1e6", "de"),  # "Am 12. Bis 13. September startet wieder die DMEXCO 2018 in Köln"
    ("3c6d3381", "ru"),  # "Наши герои знают толк не только во вкусе, но и в красоте еды."
    ("c82b3d1d", "ru"),  # "В восьмидесятых годах чешская красавица заявила о себе на весь мир."
    ("7837c9d6", "id"),  # "Sebelum Islam pecah jadi Sunni dan Syiah zaman Khalifah Ali"
    ("21486419", "id"),  # "Mudah2an kita bisa memahami dan mengamalkan Al Qur’an dan Hadits ini."
    ("5f03fc17", "en"),  # "If you’ve done 80 Day Obsession with Autumn Calabrese" (a recipe page)
    ("0ec95c72", None),  # Korean: no word model, sentence joins only
    ("85439e26", None),  # Japanese
]


@needs_bench
@pytest.mark.parametrize("prefix,language", PAGE_LANGUAGES)
def test_language_of_real_pages(prefix, language):
    assert document_language(page(prefix)) == language


def test_language_of_short_and_empty_text():
    assert document_language("") is None
    assert document_language("12 34 — 56") is None
    assert document_language("It was the Zelenskiy.") == "en"
    assert document_language("Então é isso, Tadeu. Mande aí o seu comentário e até a próxima semana.") == "pt"


def test_language_detection_is_deterministic_and_cheap_to_repeat():
    text = "Die Digitalisierung als Wachstums- und Entwicklungstreiber zieht sich durch die Branchen. " * 50
    assert {document_language(text) for _ in range(3)} == {"de"}


def test_word_models_exist_only_for_languages_with_a_function_word_list():
    for lang in ("pt", "es", "it", "fr", "id", "ru", "de"):
        model = word_model(lang)
        assert model is not None and len(model.function_words) >= 50
    assert word_model("en") is None  # English has its own, older path
    assert word_model("nl") is None and word_model(None) is None
    assert word_model("de").glued is False  # German compounds: no glued-word splits
    assert word_model("ru").glued is False  # Russian prefixes (вы-, по-, за-) are prepositions too


# ------------------------------------------------------------------ repairs

# (page, glued text from that page's damaged version, expected after repair)
REPAIRS = [
    ("11ea381a", "Acompanhe os resultados e venha sempre conferir aclassificação da NASCAR.", "conferir a classificação"),
    ("3252222e", "Aqui nos Estados Unidos isso é muito comum, eacontece de forma lúdica.", "comum, e acontece"),
    ("3252222e", "Ela comprou jogos, de atividades lúdicas, quevão fortalecer a memória.", "que vão fortalecer"),
    ("20b2b649", "Lascia un commentoDevi essereper inviare un commento.", "commento Devi essere per inviare"),
    ("21486419", "Jangan menginginkan keinginan orang yang kamubenci celaka atau binasa.", "kamu benci celaka"),
    ("57b4dafd", "Der lange Weg ins Digitale GesundheitswesenDie Digitalisierung als Wachstumstreiber.",
     "Gesundheitswesen Die Digitalisierung"),
    ("57b4dafd", "Alle Daten über den Patienten unterstütztTechnische Standards sind nötig.",
     "unterstützt Technische Standards"),
    ("ff0f958a", "Можно есть любые свежие грибыДополнительное ограничение касается сахара.",
     "грибы Дополнительное ограничение"),
    ("cc03ddb5", "1a etapa: 10 de março – Interlagos2a etapa: 8 de abril – Curitiba", "Interlagos 2a etapa"),
    ("20b2b649", "1) Bombardiere della Resistenza2) Polistil 960574 Pista Elettrica", "Resistenza 2) Polistil"),
    ("0ec95c72", "SNS 폭로로 여겨지기 때문이다.그래서 처음 이러한 사진 공개에 대한 대중들의", "때문이다. 그래서 처음"),
    ("c82b3d1d", "Она сказала, что они врут».Бывшая супермодель призналась.", "врут». Бывшая"),
]


@needs_bench
@pytest.mark.parametrize("prefix,glued,expected", REPAIRS)
def test_glued_text_is_repaired_in_its_language(prefix, glued, expected):
    body = page(prefix)
    text = body[:1500] + "\n\n" + glued + "\n"
    assert document_language(text) == document_language(body)
    out = repair(text)
    assert expected in out
    assert out.replace(" ", "") == text.replace(" ", "")  # only spaces were inserted


# ------------------------------------------------------------------ non-splits

# Real compounds, names and rare words of these pages that wordfreq does not
# know: none of them may be split.
KEEP = [
    ("57b4dafd", "Patientenakte Gesundheitswesen Entwicklungstreiber MediaMarkt BahnCard DeutschlandCard Einrichtungsübergreifende"),
    ("ba07d1e6", "comwrap DMEXCO Redakteure Kundenfokus"),
    ("3252222e", "Nadalim brinquedorias Serelepe Interlagos aprendêssemos"),
    ("20b2b649", "Polistil Ravensburger Victorinox inaffidabile disfacimento"),
    ("3c6d3381", "вымешайте просейте фудблогеры залипнуть"),
    ("7837c9d6", "dijadikan kepemimpinan Syiah Ahlusunah"),
]


@needs_bench
@pytest.mark.parametrize("prefix,words", KEEP)
def test_compounds_and_names_are_not_split(prefix, words):
    body = page(prefix)
    text = body[:1500] + "\n\n" + " ".join(f"{w} ist." if prefix.startswith(("57", "ba")) else f"{w}." for w in words.split())
    lang = document_language(body)
    assert document_language(text) == lang
    tail = len(body[:1500]) + 2
    joins = [j for j in find_joins(text) if j.pos > tail]
    assert joins == []


@needs_bench
@pytest.mark.parametrize("prefix", [p for p, lang in PAGE_LANGUAGES if lang not in ("en", None)])
def test_gold_text_of_other_languages_gets_no_word_split(prefix):
    body = page(prefix)
    assert find_glued_words(body) == []
    assert find_case_joins(body) == []


def test_text_without_a_word_model_gets_only_sentence_joins():
    dutch = ("De regering heeft besloten dat het project wordt voortgezet, maar de kosten zijn hoger dan "
             "verwacht. Volgens de minister is er geen alternatief voor de nieuwe aanpak.Dat zei zij "
             "gisteren in de Tweede Kamer, waar de oppositie kritisch was over de plannen vande regering.")
    assert document_language(dutch) == "nl"
    out = repair(dutch)
    assert "aanpak. Dat" in out  # J001 is language-independent
    assert "vande" in out  # no glued-word split without a word model


def test_english_is_not_mistaken_for_another_language():
    text = ("The senior official said that the talks would continue next week in Geneva, and that "
            "the two sides had agreed to meet again. Peace talks have stalled.U.S. officials said so.")
    assert looks_english(text)
    assert "stalled. U.S. officials" in repair(text)


# ------------------------------------------------------------------ new J001 cases

NUMBER_CASES = [
    ("Portion Fix Containers:1 Green, 1 Red, 1 Yellow and a spoon of oil for the day.", "Containers: 1 Green"),
    ("Scrambled eggs with 1 tsp.Meal 2 is a shake with a cup of strawberries in it.", "1 tsp. Meal 2"),
    ("It is now live for paying subscribers.16-inch MacBook Pro models are on sale.", "subscribers. 16-inch"),
    ("The deals are the best we have ever seen.45% Off the new TV sets in the store.", "seen. 45% Off"),
]
NUMBER_GUARDS = [
    "As Fig.3 shows, the ISBN:978 code and the MP3) player were on the list at 4:25 p.m. today.",
    "Add 1 tsp. olive oil and the iPhone11) case, then Mr.Putin and No.1 Song were mentioned.",
    "The ratio was 3:1 and the version 2.5 shipped on the day, the company said.",
]


@pytest.mark.parametrize("text,expected", NUMBER_CASES)
def test_numbers_glued_to_words_are_repaired(text, expected):
    assert expected in repair(text)


@pytest.mark.parametrize("text", NUMBER_GUARDS)
def test_numbers_that_belong_to_words_are_left_alone(text):
    assert repair(text) == text


CASE_CASES = [
    ("We can tailor a plan to your business needsLet’s quickly recap what we said about it.", "needs Let’s"),
    ("It is the single biggest cause of deadly air pollutionA policy to conserve it is needed.", "pollution A policy"),
    ("And the list goes on: prioritize, prioritizeI know that it all looks like a lot of work.", "prioritize I know"),
]


@pytest.mark.parametrize("text,expected", CASE_CASES)
def test_words_glued_to_a_capitalised_contraction_or_a_and_i(text, expected):
    assert expected in repair(text)


def test_mixed_case_names_before_a_contraction_stay():
    text = ("A former Beto O’Rourke supporter said YouTube’s plan, McDonald’s menu, WeWork’s offices, "
            "LinkedIn’s feed, DeSantis’s bill and the iPhone’s camera were all in the news that day.")
    assert repair(text) == text
