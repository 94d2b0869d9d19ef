"""The numba kernels of the J rules' candidate scans (loaded by :func:`cleaner.rules._joins._kernels`).

One pass over the text's code points (``text.encode("utf-32-le")``), and
one over its first characters for the language markers, find what the
rules would otherwise find with regular expressions and a split of the
whole text:

* the marker words of each language among the words of the language
  sample, ``text[:size].split()`` (:func:`cleaner.rules._joins.document_language`);
* the places where a sentence join may start (a superset of the starts of
  the matches of ``_SENTENCE_JOIN``, which is tried there);
* the runs of ASCII letters that hold a case hit of ``_CASE_HIT`` and are
  not a plain word, and the case hits of ``_CASE_HIT_ANY``;
* every run of ASCII letters of the shape ``[A-Za-z][a-z]+``, 4 to 40
  letters long, whose lower-case form is not a plain English word (a hash
  table of 64-bit FNV-1a hashes of ``_plain_words``, lower-case);
* where a contraction may be glued to the next word (``_CONTRACTION_GLUE``)
  and where an ellipsis is glued between two words (``_ELLIPSIS``).

Each list is exact or a superset of what the Python path finds, and the
Python code checks every candidate with the same patterns, so the results
are the same (``tests/test_joins_fast.py`` compares the two paths).
:func:`candidates` makes any of them in one call.
"""

from __future__ import annotations

from cleaner._numba_start import numba  # (numba without scipy.linalg at start-up: cleaner/_numba_start.py)
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
def build_table(chars, starts, ends, values, bits, lower):
    """An open-addressing table of the hashes of ``chars[starts[k]:ends[k]]`` (value ``values[k]``)."""
    size = 1 << bits
    mask = np.uint64(size - 1)
    keys = np.zeros(size, dtype=np.uint64)
    vals = np.zeros(size, dtype=np.int32)
    for k in range(len(starts)):
        h = _hash(chars, starts[k], ends[k], lower)
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


@numba.njit(cache=True, nogil=True)
def table_values(chars, keys, vals):
    """The value in the table ``(keys, vals)`` of :func:`build_table` (made with *lower* false) of
    each word of *chars*, a word per line, each ended by a line feed; -1 for a word not in it."""
    n = 0
    for c in chars:
        if c == 10:
            n += 1
    out = np.empty(n, dtype=np.int32)
    s = 0
    k = 0
    for e in range(len(chars)):
        if chars[e] == 10:
            out[k] = _find(keys, vals, _hash(chars, s, e, False))
            k += 1
            s = e + 1
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _space(c):
    # str.isspace(): the characters str.split() splits on.
    if c < 128:
        return (9 <= c <= 13) or (28 <= c <= 32)
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
def marker_scores(a, size, keys, vals, member):
    """For each language, how many words of ``a[:size]`` (split on white space) are its marker words; and the word count."""
    n_groups, n_langs = member.shape
    counts = np.zeros(n_groups, dtype=np.int64)
    n = min(size, len(a))
    words = 0
    i = 0
    while i < n:
        while i < n and _space(a[i]):
            i += 1
        if i >= n:
            break
        h = _OFFSET  # (the hash of _hash, made while the word is read)
        while i < n:
            c = a[i]
            if _space(c):
                break
            h = (h ^ np.uint64(c)) * _PRIME
            i += 1
        if h == 0:
            h = np.uint64(1)
        words += 1
        g = _find(keys, vals, h)
        if g >= 0:
            counts[g] += 1
    scores = np.zeros(n_langs, dtype=np.int64)
    for g in range(n_groups):
        if counts[g]:
            for lang in range(n_langs):
                scores[lang] += counts[g] * member[g, lang]
    return scores, words


@numba.njit(cache=True, nogil=True, inline="always")
def _letter(c):
    # [^\W\d_], or any character outside ASCII but the quotes and spaces (a superset)
    return _lower(c) or _upper(c) or (c >= 128 and not _quote(c) and not _space(c))


@numba.njit(cache=True, nogil=True, inline="always")
def _quote(c):
    # ’ " “ ” « (
    return c == 0x2019 or c == 34 or c == 0x201C or c == 0x201D or c == 0xAB or c == 40


@numba.njit(cache=True, nogil=True, inline="always")
def _digit(c):
    return 48 <= c <= 57


@numba.njit(cache=True, nogil=True, inline="always")
def _contraction(c):
    # the first letter of s|re|ll|ve|d|m|t
    return c == 115 or c == 114 or c == 108 or c == 118 or c == 100 or c == 109 or c == 116


@numba.njit(cache=True, nogil=True, inline="always")
def _sentence_at(a, n, p, c, out, k, spaced, m):
    """The sentence candidates at *p* (not an ASCII letter, ``p + 1 < n``): where a match of
    _SENTENCE_JOIN may start (for each of its alternatives, the character it starts with and
    a superset of what it needs around it), and where _SPACED_LOWER_SENTENCE may match.
    Returns the new lengths of *out* and *spaced*."""
    q = a[p + 1]
    prev = a[p - 1] if p > 0 else 32
    hit = False
    if c == 46 or c == 33 or c == 63:  # . ! ?
        if q == 32 and p > 0 and p + 2 < n and _lower(a[p + 2]) and (_lower(prev) or _digit(prev)):
            spaced[m] = p  # _SPACED_LOWER_SENTENCE: "said. of"
            m += 1
        if _letter(q) or (c == 46 and q == 46):
            hit = True  # stop, pstop; an ellipsis ".."
        elif _quote(q):
            e = p + 1
            while e < n and e <= p + 3 and _quote(a[e]):
                e += 1
            hit = e < n and _letter(a[e])  # stop with quotes: Russia."Biden
        elif _digit(q):
            hit = _letter(prev)  # num, numstart
    elif c == 58:  # :
        hit = _letter(q) or _digit(q)  # colon, colnum
    elif c == 44 or c == 59:  # , ;
        hit = _letter(q)  # comma
    elif c == 34 or c == 0x201D:  # " ”
        if _letter(prev) or _digit(prev):
            hit = _letter(q) or ((q == 34 or q == 0x201C) and p + 2 < n and _letter(a[p + 2]))  # q2
        if c == 0x201D and q == 0x201C:
            hit = True  # quotes
    elif c == 0x2026:  # …
        hit = _upper(q)  # ellipsis
    elif c == 41 or c == 93:  # ) ]
        hit = _letter(q)  # close, hclose
    elif c == 40:  # (
        hit = _lower(prev) and _upper(q)  # open
    elif c == 91:  # [
        hit = q >= 128  # hopen
    elif _digit(c):
        if _upper(q) or q == 41 or q == 97 or q == 0xAA or q == 0xBA:
            hit = True  # money; item
        elif _digit(q) and p + 2 < n:
            r = a[p + 2]
            hit = r == 41 or r == 97 or r == 0xAA or r == 0xBA  # item
    if hit:
        out[k] = p
        k += 1
    return k, m


@numba.njit(cache=True, nogil=True)
def _plain(hashes, count, hot_keys, keys):
    """Which of ``hashes[:count]`` are keys of *hot_keys* or of *keys* (1) and which not (0).

    The lookups of a text are made together rather than one at a time as
    its words are read: a first loop loads the home slot of every hash
    (loads that do not wait for one another, so the processor overlaps
    their cache misses), a second settles each from that slot, probing on
    only when the slot holds another key; the words not in the small table
    go the same way through the full one.
    """
    plain = np.zeros(count, dtype=np.uint8)
    first = np.empty(count, dtype=np.uint64)
    todo = np.empty(count, dtype=np.int64)
    m = count
    for i in range(count):
        todo[i] = i
    for table in (hot_keys, keys):
        mask = np.uint64(len(table) - 1)
        for t in range(m):
            first[t] = table[hashes[todo[t]] & mask]
        left = 0
        for t in range(m):
            i = todo[t]
            h = hashes[i]
            key = first[t]
            if key != h and key != 0:
                slot = ((h & mask) + np.uint64(1)) & mask
                key = table[slot]
                while key != 0 and key != h:
                    slot = (slot + np.uint64(1)) & mask
                    key = table[slot]
            if key == h:
                plain[i] = 1
            else:
                todo[left] = i
                left += 1
        m = left
    return plain


@numba.njit(cache=True, nogil=True)
def _scan(a, want, hot_keys, keys):
    """The sentence candidates, the case candidates and the unknown words of *a*, in one pass.

    *want* as for :func:`candidates` (bits 1, 2 and 4).  For a run of ASCII
    letters, its shape and whether it holds a case hit of _CASE_HIT (a
    capital after a lower-case letter, or four capitals then a lower-case
    letter) are found as it is read; its lower-case hash (FNV-1a, as the
    tables') is made at its end when it is to be looked up, and the
    plain-word tables are asked once for it, after the pass, together with
    the other runs' questions (:func:`_plain`).  Gives:

    * where a match of _SENTENCE_JOIN may start, and where
      _SPACED_LOWER_SENTENCE may match (:func:`_sentence_at`);
    * the runs that hold a case hit, as (start, end), less those that are a
      plain word (4 to 40 letters); and the hits of _CASE_HIT_ANY;
    * the runs shaped ``[A-Za-z][a-z]+``, 4 to 40 letters, that are not a
      plain word, as (start, end);
    * with the unknown words (bit 4), the apostrophes after an ASCII letter
      and before ``s r l v d m t`` and a lower-case letter, where a pattern of
      _CONTRACTION_GLUE may match; with the sentence candidates (bit 1), the
      ellipses (``...``, ``…``) between two lower-case letters, the matches of
      _ELLIPSIS.

    The small table of the most frequent words (most of a text's words are
    among them) is asked before the full one.

    A run of letters is read by a loop of its own that does little more
    than step over lower-case letters (most of a text).  The sentence checks are skipped where no candidate can start: at a
    mark followed by a line break or (but for ``. ! ?``) by a space, and at
    a character outside ASCII other than ``”`` and ``…`` (Cyrillic or
    accented letters).  The lists are those of one test per character
    (``tests/test_joins_fast.py``); the bench corpus's texts are scanned in
    three quarters of the time.
    """
    n = len(a)
    sentence = want & 1 != 0
    case = want & 2 != 0
    unknown = want & 4 != 0
    out = np.empty(n if sentence else 0, dtype=np.int64)
    spaced = np.empty(n // 2 + 1 if sentence else 0, dtype=np.int64)
    runs = np.empty(n if case else 0, dtype=np.int64)
    any_hits = np.empty(n if case else 0, dtype=np.int64)
    found = np.empty(n if unknown else 0, dtype=np.int64)
    apostrophes = np.empty(n if unknown else 0, dtype=np.int64)
    ellipses = np.empty(n if sentence else 0, dtype=np.int64)
    bound = n // 2 + 1 if want & 6 else 0
    run_start = np.empty(bound, dtype=np.int64)
    run_end = np.empty(bound, dtype=np.int64)
    run_hash = np.empty(bound, dtype=np.uint64)
    run_kind = np.empty(bound, dtype=np.uint8)
    runs_wanted = want & 6 != 0
    w = 0
    k = m = r = j = u = q = e = 0
    p = 0
    while p < n:
        c = a[p]
        if c == 32:
            p += 1
            continue
        if c <= 122 and (c >= 97 or 65 <= c <= 90):
            # A run of ASCII letters, from s to p.
            s = p
            shape = True
            hit = False
            if c <= 90:  # a capital first
                if case and p > 0 and _lower_any(a[p - 1]):
                    any_hits[j] = p
                    j += 1
                if p + 4 < n and _upper(a[p + 1]) and _upper(a[p + 2]) and _upper(a[p + 3]) and _lower(a[p + 4]):
                    hit = True
            p += 1
            while p < n:
                c = a[p]
                if 97 <= c <= 122:
                    p += 1
                    continue
                if not (65 <= c <= 90):
                    break
                shape = False
                if _lower(a[p - 1]):
                    hit = True
                    if case:
                        any_hits[j] = p
                        j += 1
                if not hit and p + 4 < n and _upper(a[p + 1]) and _upper(a[p + 2]) and _upper(a[p + 3]) and _lower(a[p + 4]):
                    hit = True
                p += 1
            if runs_wanted:
                size = p - s
                if 4 <= size <= 40 and ((case and hit) or (unknown and shape)):
                    run_start[w], run_end[w], run_hash[w] = s, p, _hash(a, s, p, True)
                    run_kind[w] = (1 if case and hit else 0) | (2 if unknown and shape else 0)
                    w += 1
                elif case and hit:
                    run_start[w], run_end[w], run_hash[w], run_kind[w] = s, p, 0, 4
                    w += 1
            continue  # (a[p] is not an ASCII letter: looked at next)
        if case and p > 0 and _upper_any(c) and _lower_any(a[p - 1]):
            any_hits[j] = p
            j += 1
        if sentence and p + 1 < n:
            q1 = a[p + 1]
            # (no candidate starts at a mark followed by a line break or, but for . ! ?, a space)
            if not (q1 == 10 or (q1 == 32 and c != 46 and c != 33 and c != 63)
                    or (c >= 128 and c != 0x201D and c != 0x2026)):
                k, m = _sentence_at(a, n, p, c, out, k, spaced, m)
            if (c == 46 or c == 0x2026) and p > 0 and _lower(a[p - 1]):
                if c == 0x2026:
                    glued = _lower(a[p + 1])
                else:
                    glued = p + 3 < n and a[p + 1] == 46 and a[p + 2] == 46 and _lower(a[p + 3])
                if glued:
                    ellipses[e] = p
                    e += 1
        if unknown and (c == 39 or c == 0x2019) and p > 0 and p + 2 < n and (
                _lower(a[p - 1]) or _upper(a[p - 1])) and _contraction(a[p + 1]) and _lower(a[p + 2]):
            apostrophes[q] = p
            q += 1
        p += 1
    lookups = 0
    for i in range(w):
        if run_kind[i] != 4:
            run_hash[lookups] = run_hash[i]
            lookups += 1
    plain = _plain(run_hash, lookups, hot_keys, keys)
    t = 0
    for i in range(w):
        kind = run_kind[i]
        if kind == 4:
            runs[r] = run_start[i]
            runs[r + 1] = run_end[i]
            r += 2
            continue
        if not plain[t]:
            if kind & 1:
                runs[r] = run_start[i]
                runs[r + 1] = run_end[i]
                r += 2
            if kind & 2:
                found[u] = run_start[i]
                found[u + 1] = run_end[i]
                u += 2
        t += 1
    return out[:k], spaced[:m], runs[:r], any_hits[:j], found[:u], apostrophes[:q], ellipses[:e]


@numba.njit(cache=True, nogil=True)
def candidates(a, want, size, marker_keys, marker_vals, member, hot_keys, keys):
    """The lists above that *want* asks for, from one call (a call from Python costs more
    than most scans of an article), packed in one array.  *want* is a sum of 1 (the sentence
    candidates), 2 (the case candidates), 4 (the unknown words) and 8 (the marker scores);
    the lists not asked for are empty.  The array holds:

    * the lengths of the seven lists below;
    * the marker scores of each language in ``a[:size]`` and the number of words there
      (:func:`marker_scores`), or zeros;
    * where a sentence join may start (a superset of the starts of ``_SENTENCE_JOIN``);
    * where ``_SPACED_LOWER_SENTENCE`` may match (``said. of``);
    * the case runs, as start, end, start, end …;
    * the case hits of ``_CASE_HIT_ANY``;
    * the unknown words, as start, end, start, end …;
    * where a pattern of ``_CONTRACTION_GLUE`` may match (with the unknown words);
    * where a pattern of ``_ELLIPSIS`` matches (with the sentence candidates).
    """
    empty = np.empty(0, dtype=np.int64)
    parts = (empty, empty, empty, empty, empty, empty, empty)
    if want & 7:
        parts = _scan(a, want, hot_keys, keys)
    n_langs = member.shape[1]
    scores = np.zeros(n_langs, dtype=np.int64)
    words = 0
    if want & 8:
        scores, words = marker_scores(a, size, marker_keys, marker_vals, member)
    head = len(parts) + n_langs + 1
    total = head
    for part in parts:
        total += len(part)
    out = np.empty(total, dtype=np.int64)
    for i in range(len(parts)):
        out[i] = len(parts[i])
    for i in range(n_langs):
        out[len(parts) + i] = scores[i]
    out[head - 1] = words
    k = head
    for part in parts:
        for i in range(len(part)):
            out[k + i] = part[i]
        k += len(part)
    return out
