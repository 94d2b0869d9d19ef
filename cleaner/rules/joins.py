"""J rules: repair words and sentences a scraper glued together.

When an extractor drops a hyperlink or an inline element, the words on either
side of it run together (``exchangea``, ``said thatThe``, ``guarantees.During``).
Each J rule inserts the missing space, and only that: no text is invented.
The rules are precision-first; see :mod:`cleaner.rules._joins` for how real
words, names, abbreviations, decimals, domains and file names are protected.
Where a join sits on a cut (text was removed there), ``Q001 missing-text``
reports it; that rule runs before these repairs, while the cut is visible.
"""

from __future__ import annotations

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule
from cleaner.rules._joins import (
    Join,
    find_case_joins,
    find_glued_words,
    find_sentence_joins,
)


def _repair(text: str, joins: list[Join]) -> list[Edit]:
    return [Edit(j.pos, j.pos, " ", j.reason) for j in joins]


@rule("J001", "sentence-join", "Insert the missing space after punctuation glued to the next word (guarantees.During, Lucknow:Chief).")
def sentence_join(text: str, ctx: RuleContext):
    """Insert a space where a sentence runs into the next one.

    ``guarantees.During`` → ``guarantees. During``; ``Russia."Biden`` →
    ``Russia. "Biden`` (before an opening quotation mark, after a closing
    one); ``Lucknow:Chief`` → ``Lucknow: Chief``; ``said.of the call`` →
    ``said. of the call`` when both words are common words of the
    document's language.  Also a comma or semicolon glued to a word
    (``your,against``), a bracket glued to a capitalised word
    (``(@handle)Still``, ``(7%).Despite``), a price glued to one
    (``$399See``), ``”“`` between two quotations, a colon or a list number
    glued to a word (``Containers:1 Green``, ``Resistenza2) Polistil``), a
    unit ending a sentence (``1 tsp.Meal 2``) and, in scripts without case,
    a sentence glued after a full stop (``했다.그래서``).

    Left alone: abbreviations and initials (``U.S.``, ``D.C.``, ``Jan.``,
    ``Mr.``, ``e.g.``), decimals and times (``3.5``, ``4:25``), domains,
    URLs, e-mail addresses and file names (``abcnews.go.com``,
    ``report.pdf``) and ellipses (``cycle...to`` is the writer's).
    """
    return _repair(text, find_sentence_joins(text))


@rule("J002", "glued-words", "Split two lower-case words glued together (exchangea, thefollowed, Ukrainethe).")
def glued_words(text: str, ctx: RuleContext):
    """Split a word that is really two words run together.

    Only a word the wordfreq model of the document's language does not know
    is a candidate (``exchangea``, ``bywhich``, ``aidesaid``), or in English
    two function words run together (``ofthe``).  It is split in two only
    when both parts are known words and at least one is a function word
    (``the``, ``by``, ``which``),
    or both are common and neither is a compound part (``counter-``,
    ``-ship``).  A capitalised word, which may be a name nobody has heard
    of, splits only into a common word and a function word of three letters
    or more (``Ukrainethe``).  Transliterated names (``Zelenskiy``,
    ``Tsirkon``) and technical words (``deconfliction``) stay whole.

    In Portuguese, Spanish, Italian, French and Indonesian only a function
    word splits off a known word (``aclassificação``, ``essereper``); in
    German (compounds), Russian (prefixes) and languages without a word
    list, nothing is split.
    """
    return _repair(text, find_glued_words(text))


@rule("J003", "case-join", "Split a word glued to a capitalised one (thatThe, PutinRussia) but keep McDonald, iPhone, YouTube.")
def case_join(text: str, ctx: RuleContext):
    """Insert a space where a word runs into a capitalised word.

    ``said thatThe United States`` → ``said that The United States``;
    ``for PutinRussia invaded`` → ``for Putin Russia invaded``;
    ``theIrish-American`` → ``the Irish-American``.

    Real mixed-case words stay: anything wordfreq knows (``YouTube``,
    ``JavaScript``, ``McConnell``, ``DeSantis``), the names in
    ``cleaner/data/joins/mixed_case_names.txt``, a single lower-case letter
    before the capital (``iPhone``, ``eBay``), name prefixes (``Mc``,
    ``Mac``, ``De``, ``La``, ``Van``).  Two capitalised parts split only when
    both are common words, neither is a brand part (``News``, ``Guard``) and
    one of them also occurs on its own in the document.  Also a word glued
    to the words ``A`` or ``I`` (``pollutionA policy``).

    In Portuguese, Spanish, Italian, French, Indonesian, German and Russian
    the document language's word list judges the parts
    (``unterstütztTechnische``, ``грибыДополнительное``), and a capitalised
    word splits off only a function word (``ProzesseIn``).
    """
    return _repair(text, find_case_joins(text))
