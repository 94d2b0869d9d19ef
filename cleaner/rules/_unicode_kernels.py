"""The numba kernel of U001's scan for suspect characters (loaded by :func:`cleaner.rules.unicode._kernel`).

A regular expression whose first item is a large character class reads
about three nanoseconds a character; this loop over the text's code points
reads two tables instead.  ``lead[c]`` says whether the character *c* is
suspect on its own (bit 1) and which kinds of suspect pair it can start
(the other bits); ``follow[c]`` which kinds of pair it can end.  Both are
built from the character classes of the *suspect* pattern
(:func:`cleaner.rules.unicode._suspect_tables`), so a position is found
here exactly when the pattern matches there (``tests/test_lines_speed.py``
compares them).
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def next_suspect(cp, lead, follow, start):
    """The first position at or after *start* where a suspect character or pair starts, or -1.

    *cp* holds the code points (uint32); the tables cover the Basic
    Multilingual Plane, and no character beyond it is suspect.
    """
    n = cp.shape[0]
    size = lead.shape[0]
    for i in range(start, n):
        c = cp[i]
        if c >= size:
            continue
        f = lead[c]
        if f == 0:
            continue
        if f & 1:
            return i
        if i + 1 < n:
            d = cp[i + 1]
            if d < size and f & follow[d]:
                return i
    return -1
