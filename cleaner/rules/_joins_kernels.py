"""The numba kernel of the J rules' candidate scan (imported only through :func:`cleaner.rules._joins.scan`).

One pass over the text's code points (``text.encode("utf-32-le")``) finds
what the rules would otherwise find with several regular-expression scans
and a split of the whole text:

* the words of the language sample (``text[:size].split()``) that are
  marker words, counted by marker group (:func:`cleaner.rules._joins.document_language`);
* the places where a sentence join may start (a superset of the positions
  of ``_SENTENCE_CANDIDATE``; the full pattern is tried there);
* the case hits of ``_CASE_HIT`` and ``_CASE_HIT_ANY``;
* every run of ASCII letters of the shape ``[A-Za-z][a-z]+``, 4 to 40
  letters long, whose lower-case form is not a plain English word (a hash
  table of 64-bit FNV-1a hashes of ``_plain_words``).

Each list is exact or a superset of what the Python path finds, and the
Python code checks every candidate with the same patterns, so the results
are the same (``tests/test_joins_fast.py`` compares the two paths).
"""

from __future__ import annotations

import numba
import numpy as np

_OFFSET = np.uint64(14695981039346656037)
_PRIME = np.uint64(1099511628211)


@numba.njit(cache=True, nogil=True, inline="always")
def _hash(a, s, e, lower):
    h = _OFFSET
    for i in range(s, e):
        c = a[i]
        if lower and 65 <= c <= 90:
            c += 32
        h ^= np.uint64(c)
        h *= _PRIME
    if h == 0:
        h = np.uint64(1)
    return h


@numba.njit(cache=True, nogil=True)
def build_table(chars, offsets, values, bits, lower):
    """An open-addressing table of the hashes of ``chars[offsets[k]:offsets[k+1]]`` (value ``values[k]``)."""
    size = 1 << bits
    mask = np.uint64(size - 1)
    keys = np.zeros(size, dtype=np.uint64)
    vals = np.zeros(size, dtype=np.int32)
    for k in range(len(offsets) - 1):
        h = _hash(chars, offsets[k], offsets[k + 1], lower)
        i = h & mask
        while keys[i] != 0 and keys[i] != h:
            i = (i + np.uint64(1)) & mask
        keys[i] = h
        vals[i] = values[k]
    return keys, vals


@numba.njit(cache=True, nogil=True, inline="always")
def _find(keys, vals, h):
    mask = np.uint64(len(keys) - 1)
    i = h & mask
    while keys[i] != 0:
        if keys[i] == h:
            return vals[i]
        i = (i + np.uint64(1)) & mask
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def _space(c):
    # str.isspace(): the characters str.split() splits on.
    return (9 <= c <= 13) or (28 <= c <= 32) or c == 0x85 or c == 0xA0 or c == 0x1680 or (
        0x2000 <= c <= 0x200A) or c == 0x2028 or c == 0x2029 or c == 0x202F or c == 0x205F or c == 0x3000


@numba.njit(cache=True, nogil=True, inline="always")
def _lower(c):
    return 97 <= c <= 122


@numba.njit(cache=True, nogil=True, inline="always")
def _upper(c):
    return 65 <= c <= 90


@numba.njit(cache=True, nogil=True, inline="always")
def _lower_any(c):
    # [a-zß-öø-ÿа-яё] of _CASE_HIT_ANY
    return (97 <= c <= 122) or (0xDF <= c <= 0xF6) or (0xF8 <= c <= 0xFF) or (0x430 <= c <= 0x44F) or c == 0x451


@numba.njit(cache=True, nogil=True, inline="always")
def _upper_any(c):
    # [A-ZÀ-ÖØ-ÞА-ЯЁ] of _CASE_HIT_ANY
    return (65 <= c <= 90) or (0xC0 <= c <= 0xD6) or (0xD8 <= c <= 0xDE) or (0x410 <= c <= 0x42F) or c == 0x401


@numba.njit(cache=True, nogil=True)
def marker_counts(a, size, keys, vals, n_groups):
    """How many words of ``a[:size]`` (split on white space) fall in each marker group; and the word count."""
    counts = np.zeros(n_groups, dtype=np.int64)
    n = min(size, len(a))
    words = 0
    i = 0
    while i < n:
        while i < n and _space(a[i]):
            i += 1
        if i >= n:
            break
        s = i
        while i < n and not _space(a[i]):
            i += 1
        words += 1
        g = _find(keys, vals, _hash(a, s, i, False))
        if g >= 0:
            counts[g] += 1
    return counts, words


@numba.njit(cache=True, nogil=True)
def scan(a, plain_keys):
    """The candidate positions of one text: sentence, case hits (ASCII, any), unknown ASCII words (start, end)."""
    n = len(a)
    sentence = np.empty(n // 8 + 16, dtype=np.int64)
    ns = 0
    case = np.empty(n // 8 + 16, dtype=np.int64)
    nc = 0
    case_any = np.empty(n // 8 + 16, dtype=np.int64)
    na = 0
    words = np.empty(n // 4 + 16, dtype=np.int64)
    nw = 0
    run_start = -1
    for p in range(n + 1):
        c = a[p] if p < n else 32
        # ---- runs of ASCII letters (J002)
        letter = _lower(c) or _upper(c)
        if letter:
            if run_start < 0:
                run_start = p
        elif run_start >= 0:
            length = p - run_start
            if 4 <= length <= 40:
                shape = True
                for k in range(run_start + 1, p):
                    if not _lower(a[k]):
                        shape = False
                        break
                if shape:
                    h = _hash(a, run_start, p, True)
                    mask = np.uint64(len(plain_keys) - 1)
                    i = h & mask
                    known = False
                    while plain_keys[i] != 0:
                        if plain_keys[i] == h:
                            known = True
                            break
                        i = (i + np.uint64(1)) & mask
                    if not known:
                        if nw + 2 > len(words):
                            words = np.concatenate((words, np.empty(len(words), dtype=np.int64)))
                        words[nw] = run_start
                        words[nw + 1] = p
                        nw += 2
            run_start = -1
        if p >= n:
            break
        # ---- case hits (J003)
        if _upper_any(c):
            if _upper(c) and ((p > 0 and _lower(a[p - 1])) or (
                    p + 4 < n and _upper(a[p + 1]) and _upper(a[p + 2]) and _upper(a[p + 3]) and _lower(a[p + 4]))):
                if nc >= len(case):
                    case = np.concatenate((case, np.empty(len(case), dtype=np.int64)))
                case[nc] = p
                nc += 1
            if p > 0 and _lower_any(a[p - 1]):
                if na >= len(case_any):
                    case_any = np.concatenate((case_any, np.empty(len(case_any), dtype=np.int64)))
                case_any[na] = p
                na += 1
        # ---- sentence join candidates (J001): a superset of _SENTENCE_CANDIDATE
        if p + 1 < n:
            q = a[p + 1]
            hit = False
            if c == 46 or c == 33 or c == 63 or c == 58 or c == 44 or c == 59 or c == 34 or c == 0x201D \
                    or c == 0x2026 or c == 41 or c == 93 or c == 40 or c == 91 or (48 <= c <= 57):
                # next: a letter of any alphabet (any non-ASCII character counts), a quote or bracket
                if _lower(q) or _upper(q) or q >= 128 or q == 34 or q == 40:
                    hit = True
                elif (c == 46 or c == 33 or c == 63 or c == 58) and (q == 46 or 48 <= q <= 57):
                    hit = True
                elif 48 <= c <= 57 and (q == 41 or (48 <= q <= 57 and p + 2 < n and a[p + 2] == 41)):
                    hit = True
            if hit:
                if ns >= len(sentence):
                    sentence = np.concatenate((sentence, np.empty(len(sentence), dtype=np.int64)))
                sentence[ns] = p
                ns += 1
    return sentence[:ns], case[:nc], case_any[:na], words[:nw]
