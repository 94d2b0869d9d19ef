"""Finding broken joins: places where a scraper glued two words or sentences.

When an extractor drops a hyperlink, an inline tag or a pull-quote box, the
text on either side of it is often glued together::

    guarantees.During        a sentence glued to the next one
    exchangea senior         two words glued, the link text between them lost
    said thatThe United      a lower-case word glued to a capitalised one
    for PutinRussia invaded  two names glued together

This module finds such joins; the J rules repair them (by inserting a space)
and the Q rules report the ones that sit where text was removed.  It is
precision-first: real words and names must survive, so every guess is
checked against a word-frequency model (:mod:`wordfreq`) of the document's
language (:func:`document_language`) and data files of function words,
abbreviations, units, domain endings and mixed-case names in
``cleaner/data/joins/``.

Only tokens that look wrong are examined (a word wordfreq does not know, a
full stop followed by a letter, a lower-case letter followed by a
capital).  They are found without a Python loop over the text: by the numba
kernels of :mod:`cleaner.rules._joins_kernels` once enough text has been
read, else by set operations and regular expressions that start with a
character set or a literal; every pattern here is linear-time.
"""

from __future__ import annotations

import math
import os
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, filterfalse, islice

from cleaner.registry import setup
from cleaner.textcache import KEEP_TEXT_CHARS, TextCache
from cleaner.rules._lines import load_word_list, matches_at, sample_text

# ---------------------------------------------------------------- word lists


@lru_cache(maxsize=None)
def _lower_list(name: str) -> frozenset[str]:
    return frozenset(w.lower() for w in load_word_list(name))


def function_words() -> frozenset[str]:
    """Closed-class English words (``the``, ``of``, ``which`` …), lower-case."""
    return _lower_list("joins/function_words.txt")


def abbreviations() -> frozenset[str]:
    return _lower_list("joins/abbreviations.txt")


def domain_endings() -> frozenset[str]:
    return _lower_list("joins/domain_endings.txt")


def mixed_case_names() -> frozenset[str]:
    return load_word_list("joins/mixed_case_names.txt")


def mixed_case_prefixes() -> frozenset[str]:
    return _lower_list("joins/mixed_case_prefixes.txt")


def compound_prefixes() -> frozenset[str]:
    return _lower_list("joins/compound_prefixes.txt")


def compound_suffixes() -> frozenset[str]:
    return _lower_list("joins/compound_suffixes.txt")


def weak_function_words() -> frozenset[str]:
    return _lower_list("joins/weak_function_words.txt")


def name_endings() -> frozenset[str]:
    return _lower_list("joins/name_endings.txt")


def sentence_openers() -> frozenset[str]:
    return _lower_list("joins/sentence_openers.txt")


def glue_verbs() -> frozenset[str]:
    return _lower_list("joins/glue_verbs.txt")


# ---------------------------------------------------------------- languages

#: How many characters from the start of a text :func:`document_language`
#: reads first, and how many when those leave the language undecided.
LANGUAGE_SAMPLES = (1000, 2000)
#: The best language's marker words must be this share of the words read,
#: at least MIN_MARKER_HITS of them, and MARGIN times the runner-up's.
MIN_MARKER_SHARE = 0.10
MIN_MARKER_HITS = 2
MARGIN = 1.1

#: Languages the word-level rules know, with whether J002 splits glued
#: lower-case words in them.  Languages that join compounds (German) keep
#: the case-boundary and lower-case checks but never split a glued word.
WORD_RULE_LANGUAGES = {"en": True, "pt": True, "es": True, "it": True, "fr": True,
                       "id": True, "ru": False, "de": False}


@lru_cache(maxsize=1)
def _language_markers() -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...], dict[str, int]]:
    """The languages of ``language_markers.txt``, sorted; the distinct sets of
    languages a marker word belongs to; and, for each marker word (lower-case
    and capitalised), the number of its set."""
    by_lang: dict[str, list[str]] = {}
    for line in load_word_list("joins/language_markers.txt"):
        lang, _, words = line.partition(":")
        by_lang[lang.strip()] = words.split()
    langs = tuple(sorted(by_lang))
    member: dict[str, set[int]] = {}
    for i, lang in enumerate(langs):
        for w in by_lang[lang]:
            member.setdefault(w, set()).add(i)
    groups: dict[tuple[int, ...], int] = {}
    index: dict[str, int] = {}
    for w in sorted(member):
        key = tuple(sorted(member[w]))
        g = groups.setdefault(key, len(groups))
        index[w] = g
        index.setdefault(w.capitalize(), g)
    return langs, tuple(groups), index


def _per_text(function):
    """Cache *function* (``text -> list``) for the last few texts.

    The rules of one document ask for the same joins: Q001 finds the cuts
    (all the joins) first, then J001, J002 and J003 each want their kind of
    the same text, unchanged unless a rule before them edited it.
    """
    cache = TextCache()

    def cached(text: str) -> list:
        return list(cache.get(text, function))

    cached.__name__, cached.__doc__, cached.__wrapped__ = function.__name__, function.__doc__, function
    return cached


# ------------------------------------------------------ the compiled scan

#: numba kernel for the candidate scans (cleaner/rules/_joins_kernels.py): off
#: with CLEANER_JOINS_NUMBA=0, and loaded only once a process has scanned
#: KERNEL_AFTER characters, so that a run on a few short texts does not pay
#: numba's import.  Both paths give the same joins (tests/test_joins_fast.py).
KERNEL_AFTER = 200_000
_kernel_state = {"enabled": os.environ.get("CLEANER_JOINS_NUMBA", "1").strip().lower() not in ("0", "false", "no", "off"),
                 "seen": 0, "module": None}


def _kernels(size: int):
    """The kernel module, or None (disabled, not loadable, or too little text seen yet).

    Loading it is one-time set-up (:func:`cleaner.registry.setup`, not the
    time of the document that asked): the import, the tables, and a first
    scan of a sample text, which compiles every kernel (20 to 45 s on a
    fresh install, before numba has cached them) or loads it from numba's
    cache.
    """
    state = _kernel_state
    if state["module"] is not None or not state["enabled"]:
        return state["module"]
    state["seen"] += size
    if state["seen"] < KERNEL_AFTER:
        return None
    with setup():
        try:
            from cleaner.rules import _joins_kernels
        except Exception:  # numba missing, or one that does not load with this numpy
            state["enabled"] = False
            return None
        state["module"] = _joins_kernels
        _kernel_tables()
        Scan(sample_text(), _joins_kernels).markers(LANGUAGE_SAMPLES[-1])  # candidates, then marker_scores
    return _joins_kernels


def load_kernel() -> bool:
    """Load the kernel and build its tables now, whatever the amount of text seen; False if it cannot be used.

    For a process about to fork workers (:func:`cleaner.batch.warm_up`): the
    workers then share this copy instead of each building its own.
    """
    state = _kernel_state
    state["seen"] = max(state["seen"], KERNEL_AFTER)
    if _kernels(0) is None:
        return False
    _kernel_tables()
    return True


def _code_points(text: str):
    """The code points of *text* as a numpy array of uint32 (a lone surrogate as itself).

    A numpy string array holds the text's code points, in four bytes each:
    it is made in one copy, faster than ``text.encode("utf-32-le")``.
    """
    import numpy as np

    if not text:
        return np.zeros(0, dtype=np.uint32)
    return np.array(text).reshape(1).view(np.uint32)


def _table(words, values, bits: int, lower: bool, sizes: tuple[int, int] | None = None):
    """The kernel's hash table of *words* (an iterable of words without line breaks), or of those
    that are ``sizes[0]`` to ``sizes[1]`` characters long, each with its value from *values*
    (None: all 0)."""
    import numpy as np

    chars = _code_points("\n".join(words) + "\n")
    ends = np.flatnonzero(chars == 10)
    starts = np.zeros_like(ends)
    starts[1:] = ends[:-1] + 1
    values = np.zeros(len(ends), dtype=np.int32) if values is None else np.asarray(values, dtype=np.int32)
    if sizes is not None:
        keep = (ends - starts >= sizes[0]) & (ends - starts <= sizes[1])
        starts, ends, values = starts[keep], ends[keep], values[keep]
    return _kernel_state["module"].build_table(chars, starts, ends, values, bits, lower)


#: The marker words' hash table is the smallest power of two slots above
#: this many times their number (a load of at most 0.75).  Every document
#: looks up about 170 words in it, one at a time, after the rest of the
#: pipeline has pushed it out of the processor's cache: a table of 4,096
#: slots (48 kB for the 2,952 marker words) comes back faster than one of
#: 16,384 (192 kB); with the cache flushed between calls, a call of the
#: kernel takes about a fifth less time.  (Linear probing stays short at
#: that load: the probes of a word not in the table mostly read one cache line.)
MARKER_TABLE_SPACE = 4 / 3


def _marker_table_bits(n_words: int) -> int:
    """The bits of the marker words' table: 2**bits slots, more than MARKER_TABLE_SPACE * n_words."""
    return max(4, int(n_words * MARKER_TABLE_SPACE).bit_length())


def _tables_key() -> str:
    """The disk-cache name (:mod:`cleaner._diskcache`) of the kernel's tables: a digest of all they are made of.

    The J data files and the two modules that build and hash them (their
    bytes), and wordfreq's English lists (their size and time).
    """
    from cleaner import _diskcache
    from cleaner.rules._lines import DATA_DIR

    here = os.path.dirname(os.path.abspath(__file__))
    files = [os.path.join(here, "_joins.py"), os.path.join(here, "_joins_kernels.py"),
             *sorted(str(p) for p in (DATA_DIR / "joins").iterdir() if p.is_file())]
    return _diskcache.digest("joins tables", *map(_diskcache.file_bytes, files), *_wordfreq_stamps("en"))


def _cached_tables(name: str, dtypes: dict[str, str], build: Callable[[], tuple], key: str | None = None) -> tuple:
    """The arrays *build* gives (in the order of *dtypes*), from the disk cache if it has them, else built and stored.

    *key* names the entry (:func:`_tables_key` by default).
    """
    from cleaner import _diskcache

    key = key or _tables_key()
    arrays = _diskcache.load(name, key, dtypes)
    if arrays is not None:
        return tuple(arrays[k] for k in dtypes)
    built = build()
    _diskcache.store(name, key, dict(zip(dtypes, built)))
    return built


@lru_cache(maxsize=1)
def _marker_table():
    """The marker words and their groups as a hash table, and which languages each group counts for."""
    with setup():
        return _cached_tables("joins-markers", {"keys": "uint64", "values": "int32", "member": "int64"},
                              _build_marker_table)


def _build_marker_table():
    import numpy as np

    langs, groups, markers = _language_markers()
    words = sorted(markers)
    keys, vals = _table(words, [markers[w] for w in words], _marker_table_bits(len(words)), False)
    member = np.zeros((len(groups), len(langs)), dtype=np.int64)
    for g, members in enumerate(groups):
        member[g, list(members)] = 1
    return keys, vals, member


@lru_cache(maxsize=1)
def _plain_table():
    """Hash tables of the lower-case plain words a glued token can be (4 to 40 letters).

    A small one of the 10,000 most frequent (asked first: it stays in the
    processor's cache) and one of all of them.  Neither is sorted: the order
    of the words changes where they sit in a table, not which are in it.
    """
    with setup():
        return _cached_tables("joins-plain", {"hot": "uint64", "keys": "uint64"}, _build_plain_table)


def _build_plain_table():
    plain = _plain_words()
    # wordfreq's list: one list of words per frequency, most frequent first.
    by_frequency = (w for _, bucket in _frequency_lists("en") for w in bucket)
    frequent = list(islice((w for w in by_frequency if 4 <= len(w) <= MAX_TOKEN and w in plain), 10_000))
    hot, _ = _table(frequent, None, 15, True)
    keys, _ = _table(plain, None, 20, True, (4, MAX_TOKEN))
    return hot, keys


@lru_cache(maxsize=1)
def _kernel_tables() -> tuple:
    """The tables the kernel's :func:`candidates` takes, in its order (built once)."""
    return (*_marker_table(), *_plain_table())


@lru_cache(maxsize=1)
def _n_languages() -> int:
    return len(_language_markers()[0])


class Scan:
    """The candidates of one text, from the kernel (see :mod:`cleaner.rules._joins_kernels`).

    ``sentence`` and ``spaced_lower`` (positions), ``case_runs``
    (``(start, end)``), ``case_any`` (positions), ``unknown`` (``(start,
    end)``), ``apostrophes`` and ``ellipses`` (positions) and the language
    marker counts of the text's start (:meth:`markers`).  One call of the
    kernel makes them all when the text is first scanned (its one pass over
    the text costs about what a pass for one kind would); they are then kept
    for the other rules on the same text.  The lists are shared: callers
    must not change them.

    The text's code points are not kept: a scan stays in a cache for a few
    texts, and freeing a copy of the text there, after the rest of the
    pipeline has pushed it out of the processor's cache, cost more than
    making it again for the rare text whose language the first marker
    sample leaves undecided.  (Nor is a text longer than
    :data:`KEEP_TEXT_CHARS`: only the start :meth:`markers` reads.)
    """

    __slots__ = ("head", "kernels", "_markers", "sentence", "spaced_lower", "case_runs", "case_any", "unknown",
                 "apostrophes", "ellipses")

    def __init__(self, text: str, kernels, found=None):
        self.head = text if len(text) <= KEEP_TEXT_CHARS else text[: LANGUAGE_SAMPLES[-1]]
        self.kernels = kernels
        size = LANGUAGE_SAMPLES[0]
        if found is None:  # (else the kernel's array for this text, from _candidates)
            found = _candidates(text, kernels)
        flat = found.tolist()
        n_sentence, n_spaced, n_runs, n_any, n_unknown, n_apostrophes, n_ellipses = flat[:7]
        k = 7 + _n_languages()
        self._markers: dict[int, tuple[list[int], int]] = {size: (flat[7:k], flat[k])}
        k += 1
        self.sentence: list[int] = flat[k : k + n_sentence]
        k += n_sentence
        self.spaced_lower: list[int] = flat[k : k + n_spaced]
        k += n_spaced
        runs = iter(flat[k : k + n_runs])
        self.case_runs: list[tuple[int, int]] = list(zip(runs, runs))
        k += n_runs
        self.case_any: list[int] = flat[k : k + n_any]
        k += n_any
        unknown = iter(flat[k : k + n_unknown])
        self.unknown: list[tuple[int, int]] = list(zip(unknown, unknown))
        k += n_unknown
        self.apostrophes: list[int] = flat[k : k + n_apostrophes]
        k += n_apostrophes
        self.ellipses: list[int] = flat[k : k + n_ellipses]

    def markers(self, size: int) -> tuple[list[int], int]:
        """For each language, how many of the words of the first *size* characters are its marker words; and the word count.

        *size* is one of :data:`LANGUAGE_SAMPLES`.
        """
        if size not in self._markers:
            if size > LANGUAGE_SAMPLES[-1]:
                raise ValueError(f"a scan counts marker words in at most the first {LANGUAGE_SAMPLES[-1]} characters")
            points = _code_points(self.head[:size])
            scores, n_words = self.kernels.marker_scores(points, size, *_marker_table())
            self._markers[size] = (scores.tolist(), n_words)
        return self._markers[size]


#: The scans of the last text only: the rules ask for the joins of a text one
#: after another (and keep what they found in caches of their own), so an
#: older scan would not be asked for again; freeing it later, from memory
#: the rest of the pipeline has pushed out of the processor's cache, cost
#: more than keeping it saved.
_SCANS = TextCache(shared=False)


def _scan(text: str) -> Scan | None:
    """The kernel's candidates for *text*, or None when the kernel is not in use."""
    if _kernel_state["module"] is None and _kernels(_new_chars(text)) is None:
        return None
    return _SCANS.get(text, _new_scan)  # (asked several times per text: no function made per call)


#: The texts already counted towards KERNEL_AFTER (while the kernel is not
#: loaded): every rule of a text, in every pass, asks for its scan, and a
#: text counted each time made a run over a few short files (the seeds: 23 kB)
#: look like 200 kB, and pay numba's import and the kernel's loading (half a
#: second of the run's second) for texts the patterns scan faster.
_COUNTED = TextCache()


def _new_chars(text: str) -> int:
    """``len(text)`` the first time *text* is asked about, then 0 (see :data:`_COUNTED`)."""
    left = _COUNTED.get(text, _size_box)
    size, left[0] = left[0], 0
    return size


def _size_box(text: str) -> list[int]:
    return [len(text)]


def _new_scan(text: str) -> Scan:
    return Scan(text, _kernel_state["module"], _FOUND.get(text, _candidates))


#: The kernel's array of candidates (:func:`_candidates`) of each text of a
#: batch, for a rule that asks again about a text another rule has scanned:
#: in a second pass, J001 asks about the text J002 and J003 scanned in the
#: first (about a fifth of the kernel's calls over the bench corpus).  Held
#: for the batch, unlike the scans: one array per text, freed in one piece,
#: from which a :class:`Scan` is made again in a tenth of the kernel's time.
_FOUND = TextCache()


#: A text longer than this is scanned a piece at a time (see :func:`_candidates`).
SCAN_PIECE_CHARS = 1 << 20


def _candidates(text: str, kernels=None):
    """The kernel's :func:`~cleaner.rules._joins_kernels.candidates` of *text*, all of them (*want* 15:
    the sentence and case candidates, the unknown words and the marker scores of the first sample).

    The kernel's working arrays take about 70 bytes a character, so a text
    of more than :data:`SCAN_PIECE_CHARS` characters is scanned in pieces
    of about that size, each ending just after a line break, and their
    lists are joined (positions moved by the piece's start).  The kernel
    looks a few characters around each one, and across a line break it only
    asks whether a character is a letter, a quote or a mark: the line break,
    the end of a piece and the space assumed before a piece's start are
    none of these, so the pieces give the lists of the whole text
    (``tests/test_long_documents.py``).
    """
    kernels = kernels or _kernel_state["module"]
    tables = _kernel_tables()
    if len(text) <= SCAN_PIECE_CHARS:
        return kernels.candidates(_code_points(text), 15, LANGUAGE_SAMPLES[0], *tables)
    import numpy as np

    pieces = []
    start = 0
    while start < len(text):
        # (the first piece holds the language sample; 0: no line break left, the rest is the last piece)
        cut = text.find("\n", start + max(SCAN_PIECE_CHARS, 0 if pieces else LANGUAGE_SAMPLES[0])) + 1
        end = cut if cut > 0 else len(text)
        pieces.append((start, kernels.candidates(_code_points(text[start:end]), 15 if not pieces else 7,
                                                 LANGUAGE_SAMPLES[0], *tables)))
        start = end
    head = 7 + _n_languages() + 1  # the lists' lengths, the marker scores, the word count (the first piece's)
    lists = []
    for kind in range(7):
        parts = []
        for at, found in pieces:
            offset = head + int(found[:kind].sum())
            parts.append(found[offset : offset + found[kind]] + at)
        lists.append(np.concatenate(parts))
    first = pieces[0][1]
    return np.concatenate([np.array([len(x) for x in lists], dtype=first.dtype), first[7:head], *lists])


_LANGUAGE = TextCache(shared=False)  # (asked while a rule finds the joins of one text: see TextCache)


def document_language(text: str) -> str | None:
    """The language of *text* (a wordfreq code such as ``"en"``, ``"pt"``), or None.

    Counts, among the first 1,000 characters (2,000 if that leaves it
    undecided: LANGUAGE_SAMPLES), the words that are among the 100 most
    frequent of each of 20 languages
    (``cleaner/data/joins/language_markers.txt``); the language with the
    most wins when they are at least MIN_MARKER_SHARE of the words and
    clearly ahead of the runner-up.  None for text in another script, too
    short, or mixed: the word-level rules then leave it alone.
    """
    return _LANGUAGE.get(text, _document_language)


def _document_language(text: str) -> str | None:
    scan = _scan(text)
    for size in LANGUAGE_SAMPLES:
        if scan is not None:
            lang = _decide(*scan.markers(size))
        else:
            words = text[:size].split()
            lang = _language_of(Counter(map(_language_markers()[2].get, words)).items(), len(words))
        if lang is not None or len(text) <= size:
            return lang
    return None


def _language_of(group_counts, n_words: int) -> str | None:
    """The language the marker words decide for, from ``(group, count)`` pairs (group None: no marker)."""
    if not n_words:
        return None
    langs, groups, _ = _language_markers()
    scores = [0] * len(langs)
    for g, n in group_counts:
        if g is not None and n:
            for i in groups[g]:
                scores[i] += n
    return _decide(scores, n_words)


def _decide(scores: list[int], n_words: int) -> str | None:
    """The language whose marker words lead (see :func:`document_language`), from the scores per language."""
    if not n_words:
        return None
    langs = _language_markers()[0]
    top, runner_up = sorted(scores)[-1:-3:-1]
    if top < MIN_MARKER_HITS or top < MIN_MARKER_SHARE * n_words or top < MARGIN * runner_up:
        return None  # (a tie fails the margin)
    return langs[scores.index(top)]


def looks_english(text: str) -> bool:
    """Is *text* English enough for the English word model to judge its joins?"""
    return document_language(text) == "en"


def _words_in(name: str) -> frozenset[str]:
    """A data file of words, several to a line, lower-case."""
    return frozenset(w.lower() for line in load_word_list(name) for w in line.split())


@dataclass(frozen=True)
class WordModel:
    """What the word-level rules know of one language other than English.

    ``function_words`` (``cleaner/data/joins/function_words.<lang>.txt``),
    ``weak`` (function words that are also prefixes or suffixes, never split
    off), whether J002 may split glued words at all (``glued``), and the
    wordfreq frequencies behind :meth:`zipf`.
    """

    lang: str
    function_words: frozenset[str]
    weak: frozenset[str]
    glued: bool

    def zipf(self, word: str) -> float:
        """The Zipf frequency of *word* in this language (0 if wordfreq does not know it)."""
        return _zipf_in(self.lang, word)


@lru_cache(maxsize=None)
def word_model(lang: str | None) -> WordModel | None:
    """The :class:`WordModel` of a language other than English, or None if there is none."""
    if lang not in WORD_RULE_LANGUAGES or lang == "en":
        return None
    weak_file = f"joins/weak_function_words.{lang}.txt"
    from cleaner.rules._lines import DATA_DIR

    weak = _words_in(weak_file) if (DATA_DIR / weak_file).is_file() else frozenset()
    return WordModel(lang, _words_in(f"joins/function_words.{lang}.txt"), weak, WORD_RULE_LANGUAGES[lang])


#: A language's frequency dictionary costs 0.1 to 0.4 s to build (German,
#: Russian: 600,000 words and more); a language other than English is looked
#: up in wordfreq's lists instead until this many distinct words were asked.
#: Only the glued-word split asks many (Portuguese, Italian …); the other
#: rules ask a few words of Russian or German text in a whole corpus (3 and
#: 2 distinct words in the 309 Russian and 108 German texts of the 100 MB
#: bench corpus), which the sorted words answer (see :class:`_WordList`).
#: (All this before the J kernel is loaded; then the language's hash table
#: answers, :func:`_language_table`.)
DICTIONARY_AFTER = 256


class _WordList:
    """The wordfreq frequencies of one language, looked up in its lists until the dictionary pays.

    wordfreq keeps one list of words per frequency (rounded to a centibel),
    each sorted; a word not yet in the dictionary is found by a binary
    search in each list, which gives what the dictionary would.

    In a language whose glued words are never split (German, Russian: see
    WORD_RULE_LANGUAGES), the few words a corpus asks are found without
    the lists: by one binary search in the language's words, sorted, each
    with the frequency the dictionary gives it, kept as bytes in the disk
    cache (:func:`_sorted_words`).  Reading 700,000 words into a list of
    strings costs such a run 0.1 s per language; the sorted words, a few
    milliseconds.  The lists are read when the dictionary is built.

    Once the J kernel is loaded, every word is looked up in the language's
    hash table instead (:func:`_language_table`, kept in the disk cache):
    neither the lists nor the dictionary are read.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self._lists: list[tuple[int, list[str]]] | None = None
        self._sorted = None  # (words, their ends, their list index) of _sorted_words, once asked
        self.lazy = WORD_RULE_LANGUAGES.get(lang) is False  # a few words asked: not worth the lists
        self.asked = 0
        self.frequencies: dict[str, float] | None = None

    @property
    def lists(self) -> list[tuple[int, list[str]]]:
        """wordfreq's lists (:func:`_frequency_lists`), read when first needed; empty once the dictionary is built."""
        if self._lists is None:
            with setup():
                self._lists = _frequency_lists(self.lang)
        return self._lists

    @lists.setter
    def lists(self, value: list[tuple[int, list[str]]]) -> None:
        self._lists = value

    def _sorted_frequency(self, word: str) -> float | None:
        """:meth:`frequency` from the sorted words, or None when they cannot be had (no disk cache)."""
        if self._sorted is None:
            with setup():
                self._sorted = _sorted_words(self.lang, lambda: self.lists) or False
        if self._sorted is False:
            return None
        words, ends, index = self._sorted
        key = word.encode("utf-8", "surrogatepass")
        lo, hi = 0, len(ends)
        while lo < hi:  # (bytes of UTF-8 sort as their strings do)
            mid = (lo + hi) // 2
            end = int(ends[mid])
            found = words[int(ends[mid - 1]) + 1 if mid else 0 : end]
            if found < key:
                lo = mid + 1
            elif found > key:
                hi = mid
            else:
                return _cB_to_freq(-int(index[mid]))
        return 0.0

    def dictionary(self) -> dict[str, float]:
        """Every word and its frequency, built on the first call.

        The dictionary wordfreq's ``get_frequency_dict`` gives (the same
        items in the same order), built from the lists this object already
        holds, a list at a time (``dict.fromkeys``).  ``get_frequency_dict``
        itself would read the language's lists a second time (its call of
        ``get_frequency_list`` is another key of wordfreq's cache): about
        20 MB more per language, and 0.05 s.
        """
        if self.frequencies is None:
            frequencies: dict[str, float] = {}
            with setup():
                for index, words in self.lists:  # (a word in two lists keeps the last one's frequency)
                    frequencies.update(dict.fromkeys(words, _cB_to_freq(-index)))
            self.frequencies = frequencies
            self.lists = []
        return self.frequencies

    def frequency(self, word: str) -> float:
        """The frequency of *word* (as written: lower-case it first), 0.0 if wordfreq does not know it.

        With the kernel, from the language's hash table (:func:`_language_table`);
        without it, from the lists and then the dictionary.
        """
        if self.frequencies is None:
            found = _table_frequency(self.lang, word)
            if found is not None:
                return found
        if self.frequencies is None and self.asked < DICTIONARY_AFTER:
            self.asked += 1
            if self._lists is None and self.lazy:
                found = self._sorted_frequency(word)
                if found is not None:
                    return found
            for index, words in reversed(self.lists):  # (the dictionary keeps a word's last list)
                i = bisect_left(words, word)
                if i < len(words) and words[i] == word:
                    return _cB_to_freq(-index)
            return 0.0
        return self.dictionary().get(word, 0.0)


def _cB_to_freq(cB: int) -> float:
    """wordfreq's ``cB_to_freq``: the frequency of *cB* centibels (0 or less), without importing wordfreq."""
    return 10 ** (cB / 100)


def _wordfreq_files(lang: str) -> list[str] | None:
    """The files wordfreq's "best" lists of *lang* can come from (its module, then its large and small list),
    or None when wordfreq has no list named for *lang* exactly (it would pick the nearest language)."""
    from importlib.util import find_spec

    try:
        spec = find_spec("wordfreq")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    data = os.path.join(os.path.dirname(spec.origin), "data")
    lists = [os.path.join(data, f"{size}_{lang}.msgpack.gz") for size in ("large", "small")]
    if not any(os.path.isfile(f) for f in lists):
        return None
    return [spec.origin, *lists]


def _wordfreq_stamps(lang: str) -> list[bytes]:
    from cleaner import _diskcache

    return [_diskcache.file_stamp(f) for f in _wordfreq_files(lang) or ()]


def _frequency_lists(lang: str) -> list[tuple[int, list[str]]]:
    """wordfreq's "best" frequency lists of *lang*: ``(index, words)`` for each list that is not empty.

    The words of list *index* have a frequency of ``-index`` centibels.
    Read from the disk cache (:mod:`cleaner._diskcache`) when it has them
    (decoding one UTF-8 string is faster than wordfreq's compressed files,
    and wordfreq need not be imported), else from wordfreq, then stored.
    """
    from cleaner import _diskcache

    files = _wordfreq_files(lang)
    key = _diskcache.digest("wordfreq lists", lang, *map(_diskcache.file_stamp, files)) if files else None
    name = f"wordfreq-{lang}"
    if key is not None:
        arrays = _diskcache.load(name, key, {"index": "int32", "count": "int64", "words": "uint8"})
        if arrays is not None:
            try:
                words = _diskcache.array_to_words(arrays["words"])
                ends = arrays["count"].cumsum().tolist()
                if len(arrays["index"]) == len(ends) and (ends[-1] if ends else 0) == len(words):
                    starts = [0, *ends[:-1]]
                    return [(i, words[a:b]) for i, a, b in zip(arrays["index"].tolist(), starts, ends)]
            except (UnicodeDecodeError, ValueError):
                pass  # damaged: read wordfreq's files again
    from wordfreq import get_frequency_list

    lists = [(index, words) for index, words in enumerate(get_frequency_list(lang, wordlist="best")) if words]
    if key is not None and not any("\n" in w for _, words in lists for w in words):
        import numpy as np

        _diskcache.store(name, key, {"index": np.array([i for i, _ in lists], dtype=np.int32),
                                     "count": np.array([len(w) for _, w in lists], dtype=np.int64),
                                     "words": _diskcache.words_to_array([w for _, words in lists for w in words])})
    return lists


def _sorted_words(lang: str, lists: Callable[[], list[tuple[int, list[str]]]]):
    """The distinct words of *lang*'s frequency lists, sorted, as ``(words, ends, index)``; None without a disk cache.

    *words* is their UTF-8, each ended by a line break (bytes), *ends* where
    each ends, *index* the list that gives each its frequency in the
    dictionary (the last that holds it).  Read from the disk cache
    (:mod:`cleaner._diskcache`); when it does not hold them yet, made from
    ``lists()`` and stored for the next process.
    """
    from cleaner import _diskcache

    files = _wordfreq_files(lang)
    if not files:
        return None
    import numpy as np

    key = _diskcache.digest("wordfreq sorted words", lang, *map(_diskcache.file_stamp, files))
    name = f"wordfreq-sorted-{lang}"
    arrays = _diskcache.load(name, key, {"words": "uint8", "index": "int32"})
    if arrays is None:
        last: dict[str, int] = {}
        for index, words in lists():
            last.update(dict.fromkeys(words, index))
        if any("\n" in w for w in last):
            return None
        ordered = sorted(last)
        arrays = {"words": _diskcache.words_to_array(ordered),
                  "index": np.array([last[w] for w in ordered], dtype=np.int32)}
        _diskcache.store(name, key, arrays)
    words = arrays["words"].tobytes()
    ends = np.flatnonzero(arrays["words"] == 10)
    if len(ends) != len(arrays["index"]):
        return None  # (an empty list of words, or a damaged entry: the lists answer)
    return words, ends, arrays["index"]


#: A language's hash table (:func:`_language_table`) has the smallest power of two
#: slots above this many times its number of words (a load of at most 0.75).
LANGUAGE_TABLE_SPACE = 4 / 3


def _language_table(lang: str):
    """The kernel's hash table of the words of *lang*'s frequency lists, each with its list's index, or None.

    ``(keys, values)`` as :func:`~cleaner.rules._joins_kernels.build_table`
    makes them, of the words as wordfreq writes them (lower-case), not
    lower-cased again; a word in two lists has the last one's index, as in
    the dictionary (:meth:`_WordList.dictionary`), so a look-up gives what
    the dictionary gives (``tests/test_joins_fast.py``).  Kept in the disk
    cache (:mod:`cleaner._diskcache`): a run loads it in milliseconds,
    where building the dictionary of Portuguese or Italian costs 0.15 to
    0.2 s, in every process.  None without the kernel, or without
    wordfreq's lists of *lang*.
    """
    if _kernel_state["module"] is None:
        return None
    return _built_language_table(lang)


@lru_cache(maxsize=None)
def _built_language_table(lang: str):
    """:func:`_language_table` once the kernel is loaded (built or loaded once a process)."""
    if not _wordfreq_files(lang):
        return None
    from cleaner import _diskcache

    key = _diskcache.digest("joins language table", lang, _tables_key(), *_wordfreq_stamps(lang))
    try:
        with setup():
            return _cached_tables(f"joins-words-{lang}", {"keys": "uint64", "values": "int32"},
                                  lambda: _build_language_table(lang), key)
    except ValueError:  # no words
        return None


def _build_language_table(lang: str):
    """The arrays of :func:`_language_table` for *lang*, from its frequency lists."""
    # (a word holding a line feed, were wordfreq to list one, could never be asked: the kernel ends words there)
    pairs = [(w, index) for index, bucket in _frequency_lists(lang) for w in bucket if "\n" not in w]
    if not pairs:
        raise ValueError(f"wordfreq lists no words of {lang}")
    bits = max(4, int(len(pairs) * LANGUAGE_TABLE_SPACE).bit_length())
    return _table([w for w, _ in pairs], [index for _, index in pairs], bits, False)


def _table_frequency(lang: str, word: str) -> float | None:
    """The frequency of *word* (as written: lower-case it first) from *lang*'s hash table, or None without one."""
    table = _language_table(lang)
    if table is None:
        return None
    if "\n" in word:
        return 0.0  # (no word of the table holds a line feed, which ends a word there)
    index = int(_kernel_state["module"].table_values(_code_points(word + "\n"), *table)[0])
    return _cB_to_freq(-index) if index >= 0 else 0.0


def _known_words(table, words: list[str]) -> list[bool]:
    """Whether each of *words*, lower-cased, is a word of a language, from its hash *table* (:func:`_language_table`).

    One call of the kernel for all of them: their lower-case forms are made
    from the words joined by line feeds, lower-cased at once (``str.lower``
    reads each character with its neighbours only for a final sigma, and a
    line feed ends a word as the end of a string does).
    """
    if not words:
        return []
    chars = _code_points("\n".join(words).lower() + "\n")
    return (_kernel_state["module"].table_values(chars, *table) >= 0).tolist()


@lru_cache(maxsize=None)
def _word_list(lang: str) -> _WordList:
    with setup():  # reading wordfreq's lists of the language (a document's time limit leaves it out)
        return _WordList(lang)


def _frequencies_in(lang: str) -> dict[str, float]:
    """The frequency of every word wordfreq knows in *lang* (its dictionary, built once)."""
    return _word_list(lang).dictionary()


@lru_cache(maxsize=65536)
def _zipf_in(lang: str, word: str) -> float:
    f = _word_list(lang).frequency(word.lower())
    return math.log10(f) + 9.0 if f > 0 else 0.0


def _frequencies() -> dict[str, float]:
    """English word frequencies (the same dictionary as ``_frequencies_in("en")``, loaded once)."""
    return _frequencies_in("en")


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """The Zipf frequency of *word* in English (0 for a word wordfreq does not know).

    Zipf 3 is about one occurrence per million words; ``the`` is about 7.7.
    Once the J kernel is loaded, and unless the dictionary was built before
    (for the first texts of a run), from the English hash table
    (:func:`_language_table`): a run of the kernel never builds the
    dictionary (0.2 s of a process's set-up), and asks the table about ten
    thousand words over the 100 MB bench corpus (0.02 s).
    """
    lower = word.lower()
    f = _table_frequency("en", lower) if _word_list("en").frequencies is None else None
    if f is None:
        f = _frequencies().get(lower, 0.0)
    return math.log10(f) + 9.0 if f > 0 else 0.0


# Thresholds (Zipf).  A content part of a split must be KNOWN; a capitalised
# token (a name) splits only off a COMMON (or VERY_COMMON) word.  A token is a
# candidate only when wordfreq does not know it, or when it is two function
# words run together and rarer than GLUED_FUNCTION_WORDS (web text has "ofthe"
# at Zipf 3.3).
KNOWN = 3.0
COMMON = 3.5
VERY_COMMON = 4.0
MAX_TOKEN = 40  # longer letter runs are not two glued words (and would cost quadratic time)
GLUED_FUNCTION_WORDS = 3.6

# ------------------------------------------------------------------- results


@dataclass(frozen=True)
class Join:
    """A point where a space is missing between two words or sentences.

    ``pos`` is where the space goes; ``kind`` is ``"sentence"`` (after
    sentence punctuation), ``"glued"`` (two lower-case words run together) or
    ``"case"`` (a word glued to a capitalised one).  ``cut`` says the join
    most likely sits where text was removed (a link, a pull-quote), as
    opposed to a mere missing space.
    """

    pos: int
    kind: str
    left: str
    right: str
    cut: bool
    reason: str


@dataclass(frozen=True)
class Cut:
    """A place where text was most likely removed (see :func:`find_cuts`)."""

    pos: int
    kind: str  # "glued", "case", "sentence", "lower-case-sentence", "ellipsis"
    detail: str


# ------------------------------------------------------------ small helpers

_NONSPACE_AFTER = re.compile(r"\S{0,40}")
_WORD_OR_NUMBER = re.compile(r"[^\W\d_]+|[0-9]+")


def trailing_word(s: str) -> str:
    """The letters (or else digits) at the end of *s*: ``"(Kyiv"`` -> ``"Kyiv"``.

    Matched on the reversed string, so the cost is the length of the word
    (a search for a word anchored at the end would retry from every position).
    """
    m = _WORD_OR_NUMBER.match(s[::-1])
    return m.group()[::-1] if m else ""


_LETTERS_START = re.compile(r"[^\W\d_]+")
_CLOSERS = ")]\"”’'»"


def _caseless(c: str) -> bool:
    """Is *c* a letter of a script without case (Hangul, kana, Arabic …)?"""
    return c.isalpha() and not c.islower() and not c.isupper()
_NUMBER = re.compile(r"[$€£]?[0-9][0-9.,]*%?")
_URLISH = re.compile(r"\S[@#]|[/\\=&_~]|www\.|://")
_TRAILING_PUNCT = re.compile(r"[\"'“”‘’),;:!?.\]]+\Z")
_DOMAIN_TAIL = re.compile(r"[A-Za-z0-9]\.(?:com|org|net|gov|edu|co\.uk|io)\b", re.I)


def _left_token(text: str, pos: int) -> str:
    """The run of non-space characters (at most 40) that ends at *pos*."""
    lo = max(0, pos - 40)
    cut = max(text.rfind(" ", lo, pos), text.rfind("\n", lo, pos), text.rfind("\t", lo, pos),
              text.rfind("\r", lo, pos), text.rfind("\u00a0", lo, pos))
    return text[max(lo, cut + 1) : pos]


def _right_token(text: str, pos: int) -> str:
    m = _NONSPACE_AFTER.match(text, pos)
    return m.group() if m else ""


class _QuoteParity:
    """Tell whether a straight double quote opens or closes a quotation.

    Looks at the previous straight quote in the same line: after an opening
    mark (`` "face``) the next one closes, after a closing mark it opens; when
    the previous mark is itself ambiguous, the count of marks since the start
    of the line decides.
    """

    def __init__(self, text: str):
        self.quotes = [m.start() for m in re.finditer('"', text)]
        self.breaks = [m.start() for m in re.finditer(r"[\r\n]", text)]

    def count_before(self, pos: int) -> int:
        i = bisect_right(self.breaks, pos - 1) - 1
        line_start = self.breaks[i] + 1 if i >= 0 else 0
        return bisect_left(self.quotes, pos) - bisect_left(self.quotes, line_start)

    def opens(self, text: str, pos: int) -> bool:
        """Does the straight quote at *pos* open a quotation?"""
        i = bisect_left(self.quotes, pos) - 1
        j = bisect_right(self.breaks, pos - 1) - 1
        line_start = self.breaks[j] + 1 if j >= 0 else 0
        if i < 0 or self.quotes[i] < line_start:
            return True
        q = self.quotes[i]
        before = text[q - 1] if q > line_start else " "
        after = text[q + 1] if q + 1 < len(text) else " "
        if before.isspace() or before in "([{—–-":
            return False
        if after.isspace() or after in ".,;:!?)]}—–-":
            return True
        return self.count_before(pos) % 2 == 0


# ------------------------------------------------ J001: sentence punctuation

_SENTENCE_JOIN_ALTERNATIVES = (
    # Every alternative starts by consuming its punctuation (the look-behind
    # comes after it).
    # Sentence punctuation, a colon, comma or semicolon, or a quotation mark, glued to a letter:
    r"(?:(?P<stop>[.!?])(?<=[^\W_][.!?]|[)\]\"”’»,.][.!?])(?P<q1>’?[\"“”]?)(?P<q1b>[\"“«(]?)"
    r"|(?P<colon>:)(?<=[^\W_]:|[)\]\"”’]:)"
    r"|(?P<comma>[,;])(?<=[^\W_][,;]|[)\]\"”’][,;])"
    r"|(?P<q2>[\"”])(?<=[^\W_][\"”])(?P<q2b>[\"“]?))"
    r"(?=[^\W\d_])"
    # an ellipsis after a full stop, or "0.66%.", glued to a capitalised word
    r"|(?P<ellipsis>\.\.(?<=[.!?]\.\.)|…(?<=[.!?]…))(?=[A-Z][a-z])"
    r"|(?P<pstop>\.)(?<=[0-9]%\.)(?=[A-Z][a-z])"
    # a numbered list item glued to the sentence before it: "sleep.10. Get enough"
    r"|(?P<num>[.!?])(?<=[a-z][.!?])(?=[0-9]{1,2}\.\s?[A-Z])"
    # a closing bracket glued to a word; a word glued to "(Capitalised"
    r"|(?P<close>[)\]])(?<=\S[)\]])(?=[A-Z][a-z]|[AI]\s|[a-z]{2})"
    r"|(?P<open>\()(?<=[a-z]{2}\()(?=[A-Z][A-Za-z])"
    # a closing quotation mark glued to an opening one
    r"|(?P<quotes>”)(?<=[.!?,;:’]”)(?=“(?:[^\W\d_]|…))"
    # a price glued to a capitalised word: "$399See"
    r"|[0-9](?P<money>)(?=[A-Z][a-z]{2,})"
    # a sentence glued to a number that starts the next one: "subscribers.16-inch", "seen.45% Off"
    r"|(?P<numstart>[.!?])(?<=[^\W\d_]{2}[.!?])(?=[0-9]{1,3}(?:%|-[a-z]{2,}\b|\s[A-Z]))"
    # a colon glued to a number ("Containers:1 Green", "local):10 p.m."), checked in Python
    r"|(?P<colnum>:)(?<=[^\W\d_]:|[)\]]:)(?=[0-9]{1,3}\s)"
    # a list item number glued to the word or bracket before it: "Resistenza2) Polistil"
    # (or an ordinal: "Interlagos2a etapa")
    r"|(?P<item>[0-9])(?<=[^\W\d_][0-9]|[)\]][0-9])(?=[0-9]?(?:\)|[aªº])\s[^\W\d_])"
    # Hangul glued to a bracket: "코스프레인가[엔터미디어", "이매진아시아]저작권자"
    r"|(?P<hopen>\[)(?<=[\uac00-\ud7a3]\[)(?=[\uac00-\ud7a3])"
    r"|(?P<hclose>\])(?<=[\uac00-\ud7a3\w]\])(?=[\uac00-\ud7a3])"
)
_SENTENCE_JOIN = re.compile(
    # Two look-aheads no alternative can match without, so that the engine
    # skips ahead to candidate characters (the first one; without it the
    # alternation is tried at every position) and rejects punctuation with
    # no letter or digit within the next five characters cheaply (``.....``).
    r"(?=[.!?:,;\"”…)\](0-9\[])(?=[\s\S]{0,4}?(?:[^\W_]|…))"
    "(?:" + _SENTENCE_JOIN_ALTERNATIVES + ")"
)


# Where a match of _SENTENCE_JOIN can start: a character that starts one of
# its alternatives, followed by what that alternative needs next.  A plain
# character set first, so the engine skips ahead at C speed; the full
# pattern is then tried only there.
_SENTENCE_CANDIDATE = re.compile(
    # (A look-ahead per alternative would give fewer candidates, but costs
    # more at every comma and full stop than the few extra tries.)
    r"[.!?:,;\"”…)\](0-9\[](?=[^\W\d_]|[’\"“”(…«]|(?<=[.!?:])[.0-9]|(?<=[0-9])[0-9]?[)aªº])"
)


def _sentence_matches(text: str):
    """The matches of ``_SENTENCE_JOIN.finditer(text)``, found from the candidates."""
    scan = _scan(text)
    candidates = scan.sentence if scan is not None else (c.start() for c in _SENTENCE_CANDIDATE.finditer(text))
    return matches_at(_SENTENCE_JOIN, text, candidates)


@_per_text
def find_sentence_joins(text: str) -> list[Join]:
    """Sentence punctuation glued to the next word: ``guarantees.During``.

    Also ``Russia."Biden`` (the space goes before an opening quote and after a
    closing one), ``Lucknow:Chief``, ``elbow of your,against`` and, when the
    next word is a common lower-case English word, ``said.of the call`` (a
    cut).  Letters of any alphabet count (``ужина.А``); a lower-case
    continuation is judged in English text only.  Left alone: abbreviations
    and initials (``U.S.``, ``Mr.``, ``e.g.``), decimals and times (``3.5``,
    ``4:25``), domains, URLs, e-mail addresses and file names, ellipses.
    """
    if not ("." in text or "," in text or ":" in text or "!" in text or "?" in text or ";" in text
            or '"' in text or "”" in text):
        return []  # (one ``in`` most often settles it; no generator made per text)
    out: list[Join] = []
    parity: _QuoteParity | None = None
    english: bool | None = None
    model: WordModel | None = None
    fw = function_words()
    for m in _sentence_matches(text):
        s, e = m.span()
        if m.group("close") or m.group("open"):
            join = _bracket_join(text, m)
            if join is not None:
                out.append(join)
            continue
        if m.group("quotes") is not None:
            out.append(Join(e, "sentence", "”", "“", cut=False, reason="missing space between ” and “"))
            continue
        if m.group("colnum") or m.group("item") or m.group("numstart"):
            join = _number_join(text, m)
            if join is not None:
                out.append(join)
            continue
        if m.group("hopen") or m.group("hclose"):
            pos = s if m.group("hopen") else e
            out.append(Join(pos, "sentence", text[max(0, s - 3):s + 1], text[e:e + 3], cut=False,
                            reason=f"missing space at a bracket in {text[max(0, s - 3):e + 3]}"))
            continue
        if m.group("num"):
            out.append(Join(e, "sentence", text[s:e], text[e:e + 3], cut=False,
                            reason="missing space before a numbered list item"))
            continue
        if m.group("money") is not None or m.group("ellipsis") or m.group("pstop"):
            join = _special_join(text, m)
            if join is not None:
                out.append(join)
            continue
        left_tok = _left_token(text, s)
        if out and s - len(left_tok) < out[-1].pos <= s:
            # The join just found splits this token: judge what will be left of it after the repair
            # ("Tow.Tow.Tow" -> "Tow. Tow.Tow": the second "Tow" is a word, not part of a domain name),
            # as the next pass would; so a chain is repaired in one pass.
            left_tok = text[out[-1].pos : s]
        core = left_tok.rstrip(_CLOSERS + ",;.")
        stop = m.group("stop")
        if text[s - 1] in ",." and not stop:
            continue  # "1,000" and "U.S." are handled by the stop branch only
        if text[s - 2 : s] == "..":
            continue  # an ellipsis: "cycle...to" is the writer's
        left = trailing_word(core)
        if not left:
            # "(7%).The", "().Similarly": a bracket closes the sentence.
            if stop and text[s - 1] in _CLOSERS and text[e:e + 1].isupper():
                right = _LETTERS_START.match(text, e)
                if right and not _URLISH.search(left_tok):
                    out.append(Join(e, "sentence", left_tok, right.group(), cut=False,
                                    reason=f"missing space after sentence end in {left_tok}{text[s:e]}{right.group()}"))
            continue
        if len(left) == 1 and not left.isdigit() and not (len(core) > 2 and core[-2] in "'’"):
            continue  # initials: J.K.Rowling, U.S.Army (but "wasn't.This" is a join)
        right_tok = _right_token(text, e)
        right = _LETTERS_START.match(right_tok)
        if not right:
            continue
        right_word = right.group()
        if _URLISH.search(f"{left_tok} {right_tok}") or left_tok.lower() == "www" or _DOMAIN_TAIL.search(right_tok):
            continue  # a URL, an e-mail address, www.DearAbby.com
        colon, comma = m.group("colon"), m.group("comma")
        quote = m.group("q1") or m.group("q2") or ""
        opener = m.group("q1b") or m.group("q2b") or ""
        if stop == "." and "." in core and not _NUMBER.fullmatch(core):
            continue  # U.S.President, e.g.The, abcnews.go.com (but "8,570.66.Hopes" is a join)
        if stop == "." and left.lower() in abbreviations():
            if not (left.lower() in _lower_list("joins/units.txt") and _after_number(text, s - len(left_tok))
                    and right_word[:1].isupper() and right_word.lower() not in abbreviations()):
                continue  # Mr.Putin, "Jan.", but "1 tsp.Meal 2" is a join
        bare_right = _TRAILING_PUNCT.sub("", right_tok)
        domain_like = right_word.islower() or right_word.isupper()
        if stop == "." and not quote and bare_right == right_word and domain_like:
            # A domain or file name: Amazon.com, report.PDF (but "said.in the" is a join).
            label = right_word.lower()
            if label in domain_endings() and (
                label not in fw or not left.islower() or zipf(left) < COMMON
            ):
                continue
        if "." in bare_right and right_word[0].islower():
            continue  # abcnews.go.com, node.js.
        if len(left) >= 2 and left.isupper() and len(right_word) >= 2 and right_word.isupper():
            continue  # IQ.LIGHT: product names in capitals
        # A letter of a script without case (Hangul, kana, Arabic) after a
        # word of such a script starts a sentence like a capital: "했다.그래서".
        upper = right_word[0].isupper() or (stop is not None and _caseless(right_word[0]) and _caseless(left[-1]))
        if not upper:
            # A lower-case continuation is a repair only for a real word on each side.
            if m.group("q2") or stop in ("!", "?"):
                continue
            if comma and not left.isalpha():
                continue
            if not left.isdigit() and len(left) < 3:
                continue  # cu.ft, a.m
            if english is None:
                english = looks_english(text)
                model = None if english else word_model(document_language(text))
            word_zipf = zipf if english else model.zipf if model is not None else None
            if word_zipf is None:
                continue
            if not left.isdigit() and word_zipf(left) < 2.0:
                continue
            if word_zipf(right_word) < KNOWN or right_word.lower() in abbreviations():
                continue
        # Where the space goes: after a closing quote, before an opening one.
        pos = e
        if opener:
            # The space goes before the opening mark: 'hours.""The', 'whole.(Alden'
            if opener == "(" and not upper:
                continue
            pos = e - 1
        elif quote:
            if quote.endswith("“"):
                opening = True
            elif quote.endswith(("”", "’")):
                opening = False
            else:
                parity = parity or _QuoteParity(text)
                opening = parity.opens(text, e - 1)
            pos = e - 1 if opening else e
            if m.group("q2") and opening and not upper:
                continue
        punct = text[s:e]
        if colon or comma:
            reason = f"missing space after {punct} in {left}{punct}{right_word}"
        elif m.group("q2"):
            reason = f"missing space at quotation mark in {left}{punct}{right_word}"
        else:
            reason = f"missing space after sentence end in {left}{punct}{right_word}"
        out.append(Join(pos, "sentence", left, right_word, cut=not upper and not comma, reason=reason))
    return out


_PRICE = re.compile(r"[$€£]\d[\d.,]*\Z")


def _special_join(text: str, m: re.Match) -> Join | None:
    """A price, a percentage or an ellipsis glued to the next sentence.

    ``for $399See it now``, ``lost 0.66%.Long-dated``, ``bottom line ...Taylor``
    (an ellipsis inside a quotation is the writer's and stays).
    """
    s, e = m.span()
    if m.group("money") is not None:
        s = e = m.start("money")  # the match consumed the digit before the join
    right = _LETTERS_START.match(text, e)
    if right is None:
        return None
    word = right.group()
    if m.group("money") is not None:
        left_tok = _left_token(text, s)
        if not _PRICE.search(left_tok) or zipf(word) < VERY_COMMON or not looks_english(text):
            return None
        return Join(s, "sentence", left_tok, word, cut=False, reason=f"price glued to the next word in {left_tok}{word}")
    if m.group("ellipsis"):
        line_start = max(text.rfind("\n", 0, s), text.rfind("\r", 0, s)) + 1
        before = text[line_start:s]
        last = max(before.rfind('"'), before.rfind("“"), before.rfind("”"))
        if last >= 0:
            c = before[last]
            after = before[last + 1 : last + 2]
            if c == "“" or (c == '"' and after and not after.isspace() and after not in ".,;:!?"):
                return None  # inside a quotation
    mark = "ellipsis" if m.group("ellipsis") else "%."
    return Join(e, "sentence", text[s:e], word, cut=False, reason=f"missing space after {mark} before {word}")


def _after_number(text: str, pos: int) -> bool:
    """Does a number (``1``, ``1/2``, ``½``) end just before *pos*, after white space?"""
    before = text[max(0, pos - 12) : pos]
    return before[-1:].isspace() and before.rstrip()[-1:].isnumeric()


def _number_join(text: str, m: re.Match) -> Join | None:
    """``Containers:1 Green`` and ``Resistenza2) Polistil``: a number glued to a word.

    The word must be a plain word of three letters or more (not ``MP3)``,
    ``iPhone11)``, ``ISBN:978``); a URL, a time or a ratio stays.
    """
    s = m.start()
    left_tok = _left_token(text, s)
    if _URLISH.search(left_tok + _right_token(text, m.end())):
        return None
    left = trailing_word(left_tok.rstrip(_CLOSERS))
    if m.group("numstart"):
        if len(left) < 3 or left_tok != left or left.lower() in abbreviations() or not (left.islower() or left.isupper()):
            return None  # Fig.3, No.1, U.S.4
        return Join(m.end(), "sentence", left, text[m.end():m.end() + 3], cut=False,
                    reason=f"missing space after sentence end before a number in {left}{text[s:m.end() + 3]}")
    bracket = left_tok[-1:] in ")]"
    if not bracket and not (len(left) >= 3 and left.isalpha() and left[1:].islower()):
        return None
    if m.group("colnum"):
        pos = m.end()
        return Join(pos, "sentence", left_tok, text[pos:pos + 3].strip(), cut=False,
                    reason=f"missing space after : in {left_tok}{text[pos:pos + 3].strip()}")
    item = _right_token(text, s)
    return Join(s, "sentence", left_tok, item, cut=False,
                reason=f"list item {item} glued to {left_tok}")


def _bracket_join(text: str, m: re.Match) -> Join | None:
    """``(@handle)Still`` and ``service(Walt Disney Co.)``: a bracket glued to a word."""
    if m.group("open"):
        close = text.find(")", m.end(), m.end() + 80)
        if close < 0 or not looks_english(text):
            return None
        left = trailing_word(text[max(0, m.start() - 40) : m.start()])
        if len(left) < 2:
            return None
        return Join(m.start(), "sentence", left, text[m.end():close], cut=False,
                    reason=f"missing space before ( in {left}({text[m.end():close]})")
    right = _LETTERS_START.match(text, m.end())
    right_tok = _right_token(text, m.end())
    if right is None or _URLISH.search(right_tok) or _DOMAIN_TAIL.search(right_tok):
        return None
    opener = "(" if m.group("close") == ")" else "["
    opened = text.rfind(opener, max(0, m.start() - 80), m.start())
    if opened < 0:
        return None
    if right.group()[0].islower():
        # "(Image credit: All About Space)to keep" but not "friend(s)hip", "(s)he", "(multi)media"
        content = text[opened + 1 : m.start()]
        if not (" " in content or content[:1] in "@#" or content[:1].isupper()):
            return None
        if zipf(right.group()) < KNOWN or not looks_english(text):
            return None
    return Join(m.end(), "sentence", m.group("close"), right.group(), cut=False,
                reason=f"missing space after {m.group('close')} in {m.group('close')}{right.group()}")


# --------------------------------------------------- J002: glued lower-case

_GLUED_TOKEN = re.compile(
    r"(?:(?<![\w@#/\\.&'’-])|(?<=[a-z][.])(?=[A-Z]))"
    r"[A-Za-z][a-z]+"
    r"(?![\w@/\\&'’]|[.][a-z0-9]|-[a-z])"
)


@lru_cache(maxsize=16384)
def split_glued(token: str) -> tuple[str, str] | None:
    """The best split of *token* into two words, or None.

    A split must give two words wordfreq knows, at least one of them a function
    word (``exchange|a``, ``by|which``); a function word that names and terms
    often end in (``can``, ``it``, ``we``: ``adscan``) does not count on the
    right.  Two content words split only before a reporting verb
    (``aide|said``).  A capitalised token (a name) splits only into a common
    word and a function word of three letters or more (``Ukraine|the``), or a
    very common word and a shorter one (``Astronomy|on``); never before a
    word names end in (``his``, ``her``).
    """
    lower = token.lower()
    fw = function_words()
    weak = weak_function_words()
    cap = token[0].isupper()

    def score(left: str, right: str) -> float | None:
        if len(left) == 1 and (left != "a" or cap):
            return None
        if len(right) == 1 and (right != "a" or cap):
            return None
        fl, fr = left in fw, right in fw and right not in weak
        if not (fl or fr or right in glue_verbs()):
            return None  # (before the look-ups: most splits have neither)
        zl, zr = zipf(left), zipf(right)
        if fl and fr and left == right:
            ok = zipf(lower) == 0.0  # "andand" is a join, "toto" a word
        elif cap:
            if fr and not fl:
                ok = right not in name_endings() and (
                    (len(right) >= 3 and zl >= COMMON) or zl >= VERY_COMMON
                )
            elif fl and not fr:
                ok = len(left) >= 3 and len(right) >= 3 and zr >= COMMON and right not in weak
            elif not fl and not fr:
                ok = right in glue_verbs() and zl >= COMMON
            else:
                ok = fl and fr and len(left) >= 3 and len(right) >= 3
        elif fl and fr:
            ok = True
        elif fl:
            ok = zr >= KNOWN or right in fw
        elif fr:
            ok = zl >= KNOWN
        else:
            ok = right in glue_verbs() and zl >= KNOWN and len(left) >= 3
        return zl + zr if ok else None

    return _best_split(token, score)


def _best_split(token: str, score: Callable[[str, str], float | None]) -> tuple[str, str] | None:
    """The split of *token* whose lower-case halves get the highest *score* (``None``: not a split), or None.

    On a tie the leftmost split wins.
    """
    lower = token.lower()
    best: tuple[float, int] | None = None
    for i in range(1, len(lower)):
        value = score(lower[:i], lower[i:])
        if value is not None and (best is None or value > best[0]):
            best = (value, i)
    if best is None:
        return None
    return token[: best[1]], token[best[1] :]


def _glued_candidate(token: str) -> bool:
    """Is *token* worth trying to split (unknown, or function words run together)?"""
    z = zipf(token)
    if z == 0.0:
        return True
    lower = token.lower()
    if z >= GLUED_FUNCTION_WORDS or lower in _lower_list("joins/function_word_compounds.txt"):
        return False
    fw = function_words()
    return any(
        lower[:i] in fw and lower[i:] in fw and i >= 2 and (len(lower) - i >= 2 or lower[i:] == "a")
        for i in range(1, len(lower))
    )


_CONTRACTION_GLUE = tuple(
    # One pattern per apostrophe, each starting with it: the engine finds a
    # literal first character much faster than a character set.
    re.compile(apostrophe + r"(?<=[A-Za-z]['’])(?P<c>s|re|ll|ve|d|m|t)(?=[a-z]{2,}(?![\w@/\\&'’]|[.][a-z0-9]|-[a-z]))")
    for apostrophe in ("'", "’")
)
_CONTRACTION_MATCH = tuple(pattern.match for pattern in _CONTRACTION_GLUE)  # (straight, curly): made once, not per text
_LOWER_RUN = re.compile(r"[a-z]+")


def _contraction_matches(text: str) -> list[re.Match]:
    """The matches of the patterns of ``_CONTRACTION_GLUE``, by position (from the kernel's candidates when it is in use)."""
    scan = _scan(text)
    if scan is None:
        matches = [m for pattern in _CONTRACTION_GLUE if pattern.pattern[0] in text for m in pattern.finditer(text)]
        return sorted(matches, key=lambda m: m.start())
    if not scan.apostrophes:
        return []
    straight, curly = _CONTRACTION_MATCH
    return [m for p in scan.apostrophes if (m := (straight if text[p] == "'" else curly)(text, p)) is not None]


def _contraction_joins(text: str) -> list[Join]:
    """``they’refor``, ``Google’sand``: a contraction glued to the next word."""
    out = []
    fw, weak = function_words(), weak_function_words()
    for m in _contraction_matches(text):
        ending = m.group("c")
        rest = _LOWER_RUN.match(text, m.end()).group()
        token = ending + rest
        if rest in weak:
            continue  # no word starts with an apostrophe, but "’sit" may be "’s it" or "’ sit"
        if rest in fw or zipf(rest) >= KNOWN:
            out.append(Join(m.end(), "glued", ending, rest, cut=True,
                            reason=f"glued words ’{token} -> ’{ending} {rest}"))
    return out


@lru_cache(maxsize=1)
def _plain_words() -> frozenset[str]:
    """Words that are never worth splitting, lower-case.

    Every ASCII word wordfreq knows, except two function words run together
    that are rarer than GLUED_FUNCTION_WORDS (``ofthe``).  (A capitalised
    form of each would double the set and the time to build it; the lookups
    lower-case a token instead.)
    """
    frequencies = _frequencies()
    rare = _rare_function_word_pairs()
    with setup():
        # (filters in C, straight into the frozenset: no set to copy)
        return frozenset(filterfalse(rare.__contains__,
                                     filter(str.islower, filter(str.isalpha, filter(str.isascii, frequencies)))))


@lru_cache(maxsize=1)
def _rare_function_word_pairs() -> frozenset[str]:
    """Two function words run together that wordfreq knows but that are rarer than GLUED_FUNCTION_WORDS (``ofthe``)."""
    fw = function_words()
    never = _lower_list("joins/function_word_compounds.txt")
    table = _language_table("en") if _word_list("en").frequencies is None else None
    with setup():
        pairs = sorted({a + b for a in fw if len(a) >= 2 for b in fw if len(b) >= 2 or b == "a"})
        known = _known_words(table, pairs) if table is not None else map(_frequencies().__contains__, pairs)
        return frozenset(w for w in compress(pairs, known) if zipf(w) < GLUED_FUNCTION_WORDS and w not in never)


def _plain_among(words):
    """The words of *words* (an iterable of strings) that are in :func:`_plain_words`, as an iterator.

    Asks the frequency dictionary instead of the set, so that the scans
    without the kernel (a short run, before KERNEL_AFTER characters) need
    not build it: about 0.15 s of set-up, for a set the kernel's tables
    (kept on disk) replace.  *words* must not change while it is read.
    """
    frequencies = _frequencies()
    return filterfalse(_rare_function_word_pairs().__contains__,
                       filter(str.islower, filter(str.isalpha, filter(str.isascii,
                                                                      filter(frequencies.__contains__, words)))))


def _is_plain(word: str) -> bool:
    """Is *word* in :func:`_plain_words` (see :func:`_plain_among`)?"""
    return (word in _frequencies() and word.isascii() and word.isalpha() and word.islower()
            and word not in _rare_function_word_pairs())


_GLUED_CANDIDATES = TextCache(shared=False)
_ASCII_WORD = re.compile(r"[A-Za-z][a-z]+")


def _glued_candidates(text: str) -> list[str]:
    """The distinct tokens of *text* that :func:`split_glued` should try, sorted.

    Sets do the work: the whitespace-separated tokens of the text, less the
    plain words, are the few left for the token pattern and the checks in
    Python.  A token pattern match never crosses white space and looks at
    most at the white space around its token, so it finds the same tokens in
    the remainder as in the text.
    """
    return _GLUED_CANDIDATES.get(text, _compute_glued_candidates)


def _compute_glued_candidates(text: str) -> list[str]:
    tokens = set(text.split())
    rest = tokens.difference(list(_plain_among(tokens)))  # the tokens that are not plain words
    if not rest:
        return []
    # Every token of _GLUED_TOKEN is also a run of _ASCII_WORD (it has no
    # letter on either side), so the simpler pattern finds them all, and some
    # more that _token_starts then rejects.  A run is lower-case or
    # capitalised: lower-cased, it is plain if either form is a plain word.
    found = set(_ASCII_WORD.findall(" ".join(rest)))
    found.difference_update(list(_plain_among(found)))
    return sorted(t for t in found if 4 <= len(t) <= MAX_TOKEN and not _is_plain(t.lower()) and _glued_candidate(t))


#: Up to this many distinct tokens to split are looked up with str.find
#: (fast, but a pass over the text each); more take one pass of the pattern.
FIND_LIMIT = 32


def _glued_joins(text: str, splits: dict[str, tuple[str, str]], pattern: re.Pattern) -> list[Join]:
    """A join at every token of *pattern* in *text* that *splits* splits, in text order."""
    if len(splits) > FIND_LIMIT:
        starts = [(m.start(), m.group()) for m in pattern.finditer(text) if m.group() in splits]
    else:
        starts = sorted((start, token) for token in splits for start in _token_starts(text, token, pattern))
    out = []
    for start, token in starts:
        left, right = splits[token]
        out.append(Join(start + len(left), "glued", left, right, cut=True,
                        reason=f"glued words {token} -> {left} {right}"))
    return out


@lru_cache(maxsize=65536)
def _glued_split(token: str) -> tuple[str, str] | None:
    """:func:`split_glued` of *token* if it is a :func:`_glued_candidate`, else None (one cache for both)."""
    return split_glued(token) if _glued_candidate(token) else None


def _glued_joins_from_spans(text: str, spans: list[tuple[int, int]]) -> list[Join]:
    """The joins at the kernel's unknown words that are tokens of _GLUED_TOKEN and split."""
    out = []
    match = _GLUED_TOKEN.match
    for start, end in spans:
        token = text[start:end]
        parts = _glued_split(token)
        if parts is None:
            continue
        m = match(text, start)
        if m is None or m.end() != end:
            continue
        left, right = parts
        out.append(Join(start + len(left), "glued", left, right, cut=True,
                        reason=f"glued words {token} -> {left} {right}"))
    return out


def _token_starts(text: str, token: str, pattern: re.Pattern):
    """Where *pattern* matches exactly *token* in *text* (its finditer matches)."""
    n = len(token)
    p = text.find(token)
    while p >= 0:
        m = pattern.match(text, p)
        if m is not None and m.end() == p + n:
            yield p
            p = text.find(token, p + n)
        else:
            p = text.find(token, p + 1)


@_per_text
def find_glued_words(text: str) -> list[Join]:
    """Two words run together: ``exchangea``, ``thefollowed``, ``Ukrainethe``.

    Only in English text (see :func:`looks_english`).
    """
    out: list[Join] = []
    scan = _scan(text)
    if not looks_english(text):
        model = word_model(document_language(text))
        return _glued_words_in(text, model) if model is not None and model.glued else out
    if scan is not None:
        out.extend(_glued_joins_from_spans(text, scan.unknown))
    else:
        splits = {token: parts for token in _glued_candidates(text) if (parts := split_glued(token)) is not None}
        out.extend(_glued_joins(text, splits, _GLUED_TOKEN))
    apostrophes = scan.apostrophes if scan is not None else ("'" in text or "’" in text)
    if apostrophes:
        out.extend(_contraction_joins(text))
    out.sort(key=lambda j: j.pos)
    return out


# ------------------------------------------ J002 in other languages

# Any alphabet: a run of letters with nothing word-like on either side.
_GLUED_TOKEN_ANY = re.compile(
    r"(?:(?<![\w@#/\\.&'’-])|(?<=[^\W\d_][.])(?=[^\W\d_]))"
    r"[^\W\d_]+"
    r"(?![\w@/\\&'’]|[.][^\W_]|-[^\W\d_])"
)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
#: Languages where a one-letter function word (a, o, e, y, à, è) may be split
#: off the start of a lower-case glued token ("aclassificação").
ONE_LETTER_LANGUAGES = frozenset({"pt", "es", "it", "fr"})


def _glued_words_in(text: str, model: WordModel) -> list[Join]:
    """:func:`find_glued_words` for a language other than English.

    Stricter than in English: a candidate is a token neither this
    language's nor the English word list knows, and a split must give a
    function word of the language and a known word (never two content
    words); a weak function word (a prefix too) or a one-letter word on the
    right never splits off.
    """
    splits = {}
    for token in _glued_candidates_in(text, model):
        parts = _split_glued_lang(token, model.lang)
        if parts is not None:
            splits[token] = parts
    out = _glued_joins(text, splits, _GLUED_TOKEN_ANY)
    out.sort(key=lambda j: j.pos)
    return out


def _glued_candidates_in(text: str, model: WordModel) -> list[str]:
    """The distinct letter runs of *text* that :func:`_split_glued_in` should try, sorted.

    4 to 40 letters, lower-case after the first, unknown to the language
    and to English.  A white-space token of letters only that the language
    knows (in any case) is left out before the letter runs are taken: it is
    its own only letter run, which the checks would drop.  The language's
    hash table answers both questions, for all the tokens of a question in
    one call of the kernel (:func:`_known_words`); without the kernel, the
    frequency dictionary does.  No set of the language's words is built.
    """
    table = _language_table(model.lang)
    tokens = set(text.split())
    alpha = list(filter(str.isalpha, tokens))
    if table is not None:  # (the kernel's table of the language's words: no dictionary is built)
        rest = tokens.difference(compress(alpha, _known_words(table, alpha)))
        found = set(_LETTER_RUN.findall(" ".join(rest)))
        shaped = [token for token in sorted(found) if 4 <= len(token) <= MAX_TOKEN and token[1:].islower()]
        return [token for token, known in zip(shaped, _known_words(table, shaped))
                if not known and zipf(token) == 0.0]
    known = _frequencies_in(model.lang)
    rest = tokens.difference(compress(alpha, map(known.__contains__, map(str.lower, alpha))))
    found = set(_LETTER_RUN.findall(" ".join(rest)))
    return [
        token for token in sorted(found)
        if 4 <= len(token) <= MAX_TOKEN and token[1:].islower() and token.lower() not in known and zipf(token) == 0.0
    ]


@lru_cache(maxsize=65536)
def _split_glued_lang(token: str, lang: str) -> tuple[str, str] | None:
    """:func:`_split_glued_in` with the model of *lang*, remembered: syndicated copy and the engine's next
    pass ask about the same tokens again (22 a document in the Portuguese texts of the bench corpus)."""
    return _split_glued_in(token, word_model(lang))


def _split_glued_in(token: str, model: WordModel) -> tuple[str, str] | None:
    """The best split of *token* into a function word and a known word of the model's language."""
    fw, weak = model.function_words, model.weak
    cap = token[0].isupper()

    def score(left: str, right: str) -> float | None:
        if len(right) < 2 or left in weak or right in weak:
            return None
        if len(left) == 1 and (cap or model.lang not in ONE_LETTER_LANGUAGES):
            return None
        fl, fr = left in fw, right in fw
        if not (fl or fr):
            return None  # (before the look-ups: most splits have no function word)
        zl, zr = model.zipf(left), model.zipf(right)
        if cap:
            ok = fr and not fl and len(right) >= 3 and zl >= COMMON
        elif fl and fr:
            ok = len(left) >= 2 or zr >= COMMON
        elif fl:
            ok = zr >= (COMMON if len(left) == 1 else KNOWN) and len(right) >= 3
        else:
            ok = zl >= KNOWN and len(left) >= 3 and len(right) >= 2
        return zl + zr if ok else None

    return _best_split(token, score)


# -------------------------------------------------- J003: case boundary

_CASE_TOKEN = re.compile(
    r"(?:(?<![\w@#/\\.&'’-])|(?<=[a-z][.])(?=[A-Z]))"
    r"[A-Za-z][a-z]*[A-Z][a-z][A-Za-z]*"
    # (a contraction may follow: "needsLet’s", "informationYou’ll")
    r"(?![\w@/\\&]|['’](?![a-z]{1,2}\b)|[.][a-z0-9])"
)
# A word glued to the pronoun I or the article A: "pollutionA policy", "prioritizeI know".
_LOWER_THEN_AI = re.compile(r"(?<![\w@#/\\.&'’-])[a-z]{3,}(?=[AI]\s[a-z])")
_CAPS_THEN_WORD = re.compile(r"(?<![\w@#/\\.&'’-])[A-Z]{3,}(?=[A-Z][a-z]{2,}(?![\w@/\\&'’]|[.][a-z0-9]))")
# A capitalised word inside a sentence; a capital after a lower-case letter.
# (Each starts with its capital, which the engine skips ahead to at C speed,
# and looks behind from there: a leading look-behind is tried at every position.)
_PROPER = re.compile(r"[A-Z](?<=[a-z,] [A-Z])[a-z]+\b")
_CASE_BOUNDARY = re.compile(r"[A-Z](?<=[a-z][A-Z])")


# A lower-case letter followed by a capital, or four capitals followed by a
# lower-case letter: every match of _CASE_TOKEN that can give a join, and
# every match of _CAPS_THEN_WORD, holds one.  A capital first, so the engine
# skips ahead to capitals at C speed.
_CASE_HIT = re.compile(r"[A-Z](?:(?<=[a-z][A-Z])|(?=[A-Z]{3}[a-z]))")
_ASCII_RUN = re.compile(r"[A-Za-z]*")
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _case_matches(text: str) -> tuple[list[re.Match], list[re.Match], list[re.Match]]:
    """The matches of ``_CASE_TOKEN``, ``_CAPS_THEN_WORD`` and ``_LOWER_THEN_AI`` in *text* that can give a join.

    The patterns match a whole run of ASCII letters (their look-arounds
    forbid a letter on either side), so each run that holds a case hit is
    tried once, at its start; a run that is a plain word (``YouTube``,
    ``iPhone``: wordfreq knows them) cannot give a join and is skipped.
    """
    case: list[re.Match] = []
    caps: list[re.Match] = []
    single: list[re.Match] = []
    scan = _scan(text)
    for start, end in scan.case_runs if scan is not None else _case_runs(text):
        m = _CASE_TOKEN.match(text, start)
        if m is not None:
            case.append(m)
        m = _CAPS_THEN_WORD.match(text, start)
        if m is not None:
            caps.append(m)
        m = _LOWER_THEN_AI.match(text, start)
        if m is not None:
            single.append(m)
    return case, caps, single


def _case_runs(text: str):
    """The runs of ASCII letters that hold a hit of _CASE_HIT, as (start, end), less the plain words."""
    done = 0
    for hit in _CASE_HIT.finditer(text):
        p = hit.start()
        if p < done:
            continue
        start = p
        while start:
            lo = max(0, start - 64)
            chunk = text[lo:start]
            k = len(chunk) - len(chunk.rstrip(_ASCII_LETTERS))
            start -= k
            if k < len(chunk):
                break
        done = _ASCII_RUN.match(text, p).end()
        if 4 <= done - start <= MAX_TOKEN and _is_plain(text[start:done].lower()):
            continue
        yield start, done


def _proper_nouns(text: str) -> Counter[str]:
    """How often each capitalised word occurs inside a sentence.

    Counted as if every case boundary (``PutinRussia``) were already split,
    so the counts do not change when J003 splits one: the rule gives the
    same answer on its own output (idempotence).  The caller subtracts the
    mentions that are the pair itself.
    """
    return Counter(_PROPER.findall(_CASE_BOUNDARY.sub(r" \g<0>", text)))


def _named_elsewhere(text: str, left: str, right: str, proper: Counter[str]) -> bool:
    """Is *left* or *right* (two capitalised words glued in *text*) a name mentioned apart from the pair?

    *proper* is :func:`_proper_nouns` of *text*.
    """
    if text.count(left) <= 1 and text.count(right) <= 1:
        # Each part occurs once, in this token: the test below would say no
        # (a part has no more mentions than it occurs, and the pair occurs here).
        return False
    # Mentions of each part outside this pair, glued or split ("Putin" elsewhere).
    pair = _pair_mentions(text, left, right)
    return not (proper[left] <= pair and proper[right] <= pair)


def _pair_mentions(text: str, left: str, right: str) -> int:
    """``len(re.findall(rf"\\b{left} ?{right}\\b", text))`` for two words of letters.

    Found from the occurrences of *left* (``str.find``, at C speed) rather
    than by a pattern that starts with ``\\b``, which is tried at every
    position of the text: the rule asks once for each glued pair of
    capitalised words, so on a long document (megabytes, hundreds of
    pairs) the pattern made the rule quadratic.
    """
    find, startswith, n = text.find, text.startswith, len(text)
    count = 0
    p = find(left)
    while p >= 0:
        q = p + len(left)
        if p == 0 or not _is_word_char(text[p - 1]):
            e = -1
            if q < n and text[q] == " " and startswith(right, q + 1):
                e = q + 1 + len(right)
            elif startswith(right, q):
                e = q + len(right)
            if e >= 0 and (e == n or not _is_word_char(text[e])):
                count += 1
                p = find(left, e)  # (matches do not overlap)
                continue
        p = find(left, p + 1)
    return count


def _is_word_char(c: str) -> bool:
    """Does the pattern ``\\w`` match the character *c*?"""
    return c.isalnum() or c == "_"


@_per_text
def find_case_joins(text: str) -> list[Join]:
    """A word glued to a capitalised one: ``thatThe``, ``PutinRussia``, ``theIrish-American``.

    Also a heading in capitals glued to the next sentence
    (``CONCEPTVolkswagen``) when both are known words.

    Real mixed-case words stay: anything wordfreq knows (``YouTube``,
    ``iPhone``, ``McConnell``), names in ``mixed_case_names.txt``, a
    single lower-case letter before the capital (``eBay``) and name prefixes
    (``Mc``, ``De``, ``La`` …).  Two capitalised words (``PutinRussia``)
    split only when both are common, the first is not a function word
    (``WeWork``), neither is a brand part (``News``, ``Guard``) and one of
    them occurs elsewhere in the text as a proper noun (capitalised inside a
    sentence, counted as if every such join were already split, so that the
    rule is idempotent).  Only in English text (see :func:`looks_english`).
    """
    out: list[Join] = []
    case, caps, single = _case_matches(text)
    if not (case or caps or single) or not looks_english(text):
        model = word_model(document_language(text)) if not looks_english(text) else None
        return _case_joins_in(text, model) if model is not None else out
    proper: Counter[str] | None = None
    names: dict[str, bool] = {}  # token -> _named_elsewhere of its two parts
    fw = function_words()
    for m in case:
        token = m.group()
        if len(token) > MAX_TOKEN or token in mixed_case_names() or not _glued_candidate(token):
            continue
        b = next((i for i in range(1, len(token)) if token[i].isupper() and token[i - 1].islower()), 0)
        if not b:
            continue  # AMazing: capitals, then lower case
        left, right = token[:b], token[b:]
        if len(left) == 1 or left.lower() in mixed_case_prefixes():
            continue
        zl, zr = zipf(left), zipf(right)
        fl, fr = left.lower() in fw, right.lower() in fw
        if left[0].islower():
            # thatThe, messagingVolker, afterWeWork: a lower-case word, then a capital.
            # After a rarer word the capitalised part must be one plain word
            # ("gyroscopeSwim", not "addEventListener").
            plain = right[1:].islower()
            if not (fl or (plain and (zl >= KNOWN or (zl >= 2.0 and len(left) >= 4)))) or len(right) < 2:
                continue
        else:
            if any(c.isupper() for c in right[1:]):
                continue  # PlayStationPlus: a brand in camel case
            if fl and left.lower() in sentence_openers() and len(right) >= 3:
                pass  # WhenEric Murray returns
            elif fl or not (fr or (zl >= KNOWN and zr >= KNOWN)):
                continue  # WeWork, TheStreet: a function word starting a name
            if not (fr or fl) and (left.lower() in compound_prefixes() or right.lower() in compound_suffixes()):
                continue
            if not (fr or fl):
                # (one answer a token, however often it occurs: each question reads the whole text)
                named = names.get(token)
                if named is None:
                    if proper is None:
                        proper = _proper_nouns(text)
                    named = names[token] = _named_elsewhere(text, left, right, proper)
                if not named:
                    continue
        out.append(Join(m.start() + b, "case", left, right, cut=True,
                        reason=f"glued words {token} -> {left} {right}"))
    for m in single:
        left, right = m.group(), text[m.end()]
        if zipf(left) < KNOWN or zipf(left + right) > 0.0:
            continue
        out.append(Join(m.end(), "case", left, right, cut=True,
                        reason=f"glued words {left}{right} -> {left} {right}"))
    for m in caps:
        left = m.group()
        right = _LETTERS_START.match(text, m.end()).group()
        if len(right) < 3 or zipf(left) < KNOWN or zipf(right) < KNOWN or zipf(left + right) > 0.0:
            continue
        out.append(Join(m.end(), "case", left, right, cut=False,
                        reason=f"heading in capitals glued to the next word: {left}{right} -> {left} {right}"))
    out.sort(key=lambda j: j.pos)
    return out


# ------------------------------------------ J003 in other languages

# A lower-case letter followed by a capital, in the Latin-1 and Cyrillic alphabets.
_CASE_HIT_ANY = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯЁ](?<=[a-zß-öø-ÿа-яё][A-ZÀ-ÖØ-ÞА-ЯЁ])")
_NOT_BEFORE_TOKEN = frozenset("@#/\\.&'’-")
_NOT_AFTER_TOKEN = frozenset("@/\\&'’")


def _case_joins_in(text: str, model: WordModel) -> list[Join]:
    """:func:`find_case_joins` for a language other than English.

    Stricter than in English: the part after the capital must be one plain
    word (``PlayStationPlus`` stays) that this language knows, and the token
    must be unknown to both this language's and the English word list.  A
    lower-case word before the capital must be known too (``грибыДо``,
    ``unterstütztTechnische``); a capitalised word before it splits only off
    a function word (``ProzesseIn``), since two capitalised words glued are
    more often a brand (``MediaMarkt``).
    """
    out: list[Join] = []
    fw = model.function_words
    done = 0
    scan = _scan(text)
    hits = scan.case_any if scan is not None else (hit.start() for hit in _CASE_HIT_ANY.finditer(text))
    for p in hits:
        if p < done:
            continue
        left = trailing_word(text[max(0, p - MAX_TOKEN - 1) : p])
        right_m = _LETTER_RUN.match(text, p)
        right = right_m.group()
        done = right_m.end()
        start = p - len(left)
        before = text[start - 1] if start else " "
        after = text[done : done + 2]
        if before in _NOT_BEFORE_TOKEN or before.isalnum() or before == "_":
            continue
        if after[:1] in _NOT_AFTER_TOKEN or after[:1].isalnum() or (after[:1] in ".-" and after[1:2].isalpha()):
            continue
        token = left + right
        if len(token) > MAX_TOKEN or len(left) < 2 or len(right) < 2 or not right[1:].islower():
            continue
        if not (left.islower() or (left[0].isupper() and left[1:].islower())):
            continue  # AMazing, iPhone-like prefixes of capitals
        if token in mixed_case_names() or left.lower() in mixed_case_prefixes():
            continue
        fl, fr = left.lower() in fw, right.lower() in fw
        if not (left[0].islower() or fr):
            continue  # (the test below, before any word is looked up: most of these are names)
        if zipf(token) > 0.0 or model.zipf(token) > 0.0:
            continue
        zl, zr = model.zipf(left), model.zipf(right)
        if not (fr or zr >= KNOWN):
            continue
        if left[0].islower():
            if not (fl or zl >= KNOWN or (zl >= 2.0 and len(left) >= 4)):
                continue
        elif not (fr and zl >= 2.0):
            continue
        out.append(Join(p, "case", left, right, cut=True, reason=f"glued words {token} -> {left} {right}"))
    return out


# ------------------------------------------------------------------ cuts

# Each pattern starts with a literal, which the engine finds much faster than
# a character set or a look-behind; the matches of the patterns of one
# tuple cannot overlap, so together they give what one alternation would.
_ELLIPSIS = ((re.compile(r"\.\.\.(?<=[a-z]\.\.\.)(?=[a-z])"), "..."), (re.compile(r"…(?<=[a-z]…)(?=[a-z])"), "…"))
_ELLIPSIS_MATCH = tuple(pattern.match for pattern, _ in _ELLIPSIS)  # (dots, ellipsis): made once, not per text
# Not after a closing quote: '!" an officer said'.
_SPACED_LOWER_SENTENCE = tuple(
    (re.compile(rf"{re.escape(p)} (?<=[a-z0-9]{re.escape(p)} )(?=[a-z]+\b)"), p + " ") for p in ".?!"
)


_SPACED_LOWER_AT = re.compile(r"[.?!] (?=[a-z]+\b)")


def _spaced_lower_sentences(text: str) -> list[re.Match]:
    """The matches of ``_SPACED_LOWER_SENTENCE``, from the kernel's candidates when it is in use."""
    scan = _scan(text)
    if scan is None:
        return _literal_led(_SPACED_LOWER_SENTENCE, text)
    if not scan.spaced_lower:
        return []
    match = _SPACED_LOWER_AT.match
    return [m for p in scan.spaced_lower if (m := match(text, p)) is not None]


def _ellipses(text: str) -> list[re.Match]:
    """The matches of ``_ELLIPSIS``, by position (from the kernel's candidates when it is in use)."""
    scan = _scan(text)
    if scan is None:
        return _literal_led(_ELLIPSIS, text)
    if not scan.ellipses:
        return []
    dots, ellipsis = _ELLIPSIS_MATCH
    return [m for p in scan.ellipses if (m := (dots if text[p] == "." else ellipsis)(text, p)) is not None]


def _literal_led(patterns: tuple[tuple[re.Pattern, str], ...], text: str) -> list[re.Match]:
    """The matches of *patterns* in *text*, by position (each skipped when its literal is absent)."""
    found = [m for p, first in patterns if first in text for m in p.finditer(text)]
    found.sort(key=lambda m: m.start())
    return found


_JOINS = TextCache(shared=False)  # (Q001's question: the J rules keep their kinds in caches of their own)


def find_joins(text: str) -> list[Join]:
    """Every join the J rules would repair in *text*, sorted by position."""
    return list(_JOINS.get(text, _find_joins))


def _find_joins(text: str) -> list[Join]:
    joins = find_sentence_joins(text) + find_glued_words(text) + find_case_joins(text)
    joins.sort(key=lambda j: j.pos)
    return joins


def find_cuts(text: str, *, inside_closed_quote=None) -> list[Cut]:
    """Places where text was most likely removed.

    A join that glued a word to its neighbour (``exchangea``, ``thatThe``), a
    sentence that starts lower-case after a full stop (``said.of the call``,
    ``said. of the call``) and an ellipsis glued between two words outside a
    complete quotation (``for...at``).  *inside_closed_quote*, if given, is a
    function ``pos -> bool`` telling whether a position is inside a quotation
    that opens and closes in its paragraph (an ellipsis there is the
    writer's).  The Q rules run before the J rules repair the joins, and the
    engine keeps each rule's findings from the first pass that saw them, so
    the cuts are found while they are still visible.
    """
    cuts: dict[int, Cut] = {}
    for j in find_joins(text):
        if j.cut:
            kind = "lower-case-sentence" if j.kind == "sentence" else j.kind
            cuts.setdefault(j.pos, Cut(j.pos, kind, j.reason))
    for m in _spaced_lower_sentences(text):
        s, e = m.span()
        left_tok = _left_token(text, s)
        left = trailing_word(left_tok)
        if not left or "." in left_tok or _URLISH.search(left_tok):
            continue
        if (len(left) == 1 and not left.isdigit()) or left.lower() in abbreviations():
            continue
        right = _LETTERS_START.match(text, e)
        if not right or zipf(right.group()) < KNOWN or right.group().lower() in abbreviations():
            continue
        if "." in _TRAILING_PUNCT.sub("", _right_token(text, e)) or not looks_english(text):
            continue  # pic.twitter.com
        if not left.isdigit() and zipf(left) < 2.0:
            continue
        pos = e - 1  # just after the punctuation, before the space
        cuts.setdefault(pos, Cut(pos, "lower-case-sentence",
                                 f"sentence starts lower-case after {text[s:e].strip()}"))
    for m in _ellipses(text):
        if inside_closed_quote is not None and inside_closed_quote(m.start()):
            continue
        cuts.setdefault(m.end(), Cut(m.end(), "ellipsis", f"ellipsis glued between words: {m.group()}"))
    return sorted(cuts.values(), key=lambda c: c.pos)
