"""The numba kernels of rule B004 (imported only through :func:`cleaner.rules.page._kernels`).

They read the text as an array of code points and compute, in one pass
each, what :mod:`cleaner.rules.page` otherwise computes with regular
expressions: the blocks (trimmed lines) and, per block, its words, stop
words, capitals, glued words and sentence end.  Character classes come from
a table built with the same regular expressions, so both paths agree.
"""

from __future__ import annotations

from cleaner._numba_start import numba  # (numba without scipy.linalg at start-up: cleaner/_numba_start.py)
import numpy as np

WORD, LETTER, UP, LOW, SPACE, END, CLOSER, CJK = 1, 2, 4, 8, 16, 32, 64, 128
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(cache=True, nogil=True)
def line_blocks(cp, cls, starts, ends, cont):
    """Trimmed non-blank lines of *cp* into *starts*/*ends*; *cont* marks a line that continues the one above.

    Returns the number of blocks.  A line continues the one above when it
    starts with a lower-case letter, ``(`` or ``,``, only spaces, tabs and
    no-break spaces surround the one line break between them, and the line
    above does not end with a space, a sentence end or a closing quote.
    """
    n = 0
    size = len(cp)
    line_start = 0
    i = 0
    while i <= size:
        if i == size or cp[i] == 10 or cp[i] == 13:
            a = line_start
            b = i
            while a < b and cls[cp[a]] & SPACE:
                a += 1
            while b > a and cls[cp[b - 1]] & SPACE:
                b -= 1
            if a < b:
                starts[n] = a
                ends[n] = b
                cont[n] = _continues(cp, cls, a)
                n += 1
            if i < size and cp[i] == 13 and i + 1 < size and cp[i + 1] == 10:
                i += 1
            line_start = i + 1
        i += 1
    return n


@numba.njit(cache=True, nogil=True)
def _continues(cp, cls, a):
    c = cp[a]
    if not (cls[c] & LOW or c == 40 or c == 44):  # lower case, "(" or ","
        return False
    k = a - 1
    while k >= 0 and (cp[k] == 32 or cp[k] == 9 or cp[k] == 0xA0):
        k -= 1
    if k < 0:
        return False
    if cp[k] == 10:
        k -= 1
        if k >= 0 and cp[k] == 13:
            k -= 1
    elif cp[k] == 13:
        k -= 1
    else:
        return False
    while k >= 0 and (cp[k] == 32 or cp[k] == 9 or cp[k] == 0xA0):
        k -= 1
    if k < 0:
        return False
    return not (cls[cp[k]] & (SPACE | END | CLOSER))


@numba.njit(cache=True, nogil=True)
def block_features(cp, cls, low, starts, ends, table, langs, kinds, tok_block, tok_entry, lang_hits,
                   words, letters, capitals, glue, sentence, bhash, copyright, block_kinds):
    """Per block: words, letters, capitals, glued words, sentence end, text hash, ``©``, word kinds.

    Each word (a run of word characters) is hashed (FNV-1a over its
    lower-cased code points) and looked up in the sorted *table*; a word
    found there has its block and entry written to *tok_block*/*tok_entry*,
    counts for each language bit of ``langs[entry]`` in *lang_hits*, and
    sets ``kinds[entry]`` in its block's *block_kinds*.  Returns the number
    of words, the number of words found and the number of CJK characters.
    """
    nt = 0
    nk = 0
    cjk = 0
    for b in range(len(starts)):
        s = starts[b]
        e = ends[b]
        nw = 0
        nc = 0
        ng = 0
        has_letter = False
        cr = False
        inword = False
        h = _FNV_OFFSET
        bh = _FNV_OFFSET
        for i in range(s, e):
            c = cp[i]
            k = cls[c]
            bh = (bh ^ np.uint64(c)) * _FNV_PRIME
            if k & WORD:
                if not inword:
                    inword = True
                    nw += 1
                    h = _FNV_OFFSET
                    if k & UP:
                        nc += 1
                h = (h ^ np.uint64(low[c])) * _FNV_PRIME
            elif inword:
                inword = False
                nt += 1
                nk = _found(table, langs, kinds, h, b, nk, tok_block, tok_entry, lang_hits, block_kinds)
            if k & LETTER:
                has_letter = True
            if k & CJK:
                cjk += 1
            if k & LOW and i + 1 < e and cls[cp[i + 1]] & UP:
                ng += 1
            if c == 0xA9:
                cr = True
        if inword:
            nt += 1
            nk = _found(table, langs, kinds, h, b, nk, tok_block, tok_entry, lang_hits, block_kinds)
        j = e - 1
        while j >= s and cls[cp[j]] & CLOSER:
            j -= 1
        sentence[b] = j >= s and (cls[cp[j]] & END) != 0
        words[b] = nw
        letters[b] = has_letter
        capitals[b] = nc
        glue[b] = ng
        bhash[b] = bh
        copyright[b] = cr
    return nt, nk, cjk


@numba.njit(cache=True, nogil=True)
def _found(table, langs, kinds, h, b, nk, tok_block, tok_entry, lang_hits, block_kinds):
    entry = _find(table, h)
    if entry < 0:
        return nk
    tok_block[nk] = b
    tok_entry[nk] = entry
    m = langs[entry]
    bit = 0
    while m != 0 and bit < len(lang_hits):
        if m & np.uint64(1):
            lang_hits[bit] += 1
        m = m >> np.uint64(1)
        bit += 1
    block_kinds[b] |= kinds[entry]
    return nk + 1


@numba.njit(cache=True, nogil=True)
def _find(table, h):
    lo = 0
    hi = len(table)
    while lo < hi:
        mid = (lo + hi) // 2
        if table[mid] < h:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(table) and table[lo] == h:
        return lo
    return -1


@numba.njit(cache=True, nogil=True)
def _is_ws(c):
    return c == 32 or c == 9 or c == 0xA0


@numba.njit(cache=True, nogil=True)
def _capital_follows(cp, cls, q, e):
    """``(?=["“‘(]?[UP][LOW])`` at *q*, seeing nothing from *e* on."""
    if q < e and (cp[q] == 34 or cp[q] == 0x201C or cp[q] == 0x2018 or cp[q] == 40):
        return q + 2 < e and (cls[cp[q + 1]] & UP) != 0 and (cls[cp[q + 2]] & LOW) != 0
    return q + 1 < e and (cls[cp[q]] & UP) != 0 and (cls[cp[q + 1]] & LOW) != 0


@numba.njit(cache=True, nogil=True)
def cut_lines(cp, cls, starts, ends, spaces, camel, out_a, out_b, out_row):
    """The pieces of long lines, as :func:`cleaner.rules.page._splitter` and ``str.strip`` cut them.

    Scans each line ``[starts[r], ends[r])`` the way the regular expression
    is searched (leftmost match, alternatives in order, no overlaps): a run
    of *spaces* or more spaces, tabs or no-break spaces; a sentence end
    after two lower-case letters, or followed by a closing quote, then
    spaces, before a capital and a lower-case letter; with *camel*, two
    lower-case letters before a capital and two lower-case letters.  Pieces
    are trimmed of white space; empty ones are dropped.  Returns the number
    of pieces; *out_row* says which line each came from.
    """
    n = 0
    for r in range(len(starts)):
        s = starts[r]
        e = ends[r]
        pos = s
        p = s
        while p <= e:
            cut_a = -1
            cut_b = -1
            if p == e:
                cut_a = e
                cut_b = e
            else:
                c = cp[p]
                if _is_ws(c):
                    q = p
                    while q < e and _is_ws(cp[q]):
                        q += 1
                    if q - p >= spaces:
                        cut_a = p
                        cut_b = q
                elif c == 46 or c == 33 or c == 63:  # . ! ?
                    if p >= 2 and (cls[cp[p - 2]] & LOW) != 0 and (cls[cp[p - 1]] & LOW) != 0:
                        q = p + 1
                        while q < e and (cp[q] == 32 or cp[q] == 0xA0):
                            q += 1
                        if _capital_follows(cp, cls, q, e):
                            cut_a = p + 1
                            cut_b = q
                    if cut_a < 0 and p + 1 < e and (cp[p + 1] == 34 or cp[p + 1] == 0x201D
                                                     or cp[p + 1] == 0x2019 or cp[p + 1] == 41):
                        q = p + 2
                        while q < e and (cp[q] == 32 or cp[q] == 0xA0):
                            q += 1
                        if _capital_follows(cp, cls, q, e):
                            cut_a = p + 2
                            cut_b = q
                elif camel and (cls[c] & LOW) != 0 and p >= 1 and (cls[cp[p - 1]] & LOW) != 0:
                    if (p + 3 < e and (cls[cp[p + 1]] & UP) != 0 and (cls[cp[p + 2]] & LOW) != 0
                            and (cls[cp[p + 3]] & LOW) != 0):
                        cut_a = p + 1
                        cut_b = p + 1
            if cut_a < 0:
                p += 1
                continue
            a = pos
            b = cut_a
            while a < b and (cls[cp[a]] & SPACE) != 0:
                a += 1
            while b > a and (cls[cp[b - 1]] & SPACE) != 0:
                b -= 1
            if a < b:
                out_a[n] = a
                out_b[n] = b
                out_row[n] = r
                n += 1
            if p == e:
                break
            pos = cut_b
            p = cut_b if cut_b > p else p + 1
    return n
