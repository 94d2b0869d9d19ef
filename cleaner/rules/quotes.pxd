# Declarations for the compiled build of cleaner/rules/quotes.py (setup.py):
# C types for the loops over a paragraph's quotation marks.

cimport cython


@cython.locals(n=Py_ssize_t, begin=Py_ssize_t, stop=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, out=list)
cpdef list _between_gaps(str text, object gap)


@cython.locals(out=list, limit=Py_ssize_t, q=Py_ssize_t, mark=str, half=str, pairs=list)
cpdef _mark_starts(str text, Py_ssize_t lo, Py_ssize_t hi)


@cython.locals(out=list, last=Py_ssize_t)
cpdef _pair_starts(str text, str half, Py_ssize_t q, Py_ssize_t hi, Py_ssize_t most)


@cython.locals(stack=list, pairs=list, unmatched_close=list, kinds=dict, done=Py_ssize_t, p=Py_ssize_t,
               key=str)
cpdef _match_marks(str text, Py_ssize_t start, Py_ssize_t end, list marks)


@cython.locals(out=list, q=Py_ssize_t)
cpdef list _colons(str text)


@cython.locals(floor=Py_ssize_t, dot=Py_ssize_t, bang=Py_ssize_t, ask=Py_ssize_t, p=Py_ssize_t)
cpdef Py_ssize_t _last_sentence_end(str text, Py_ssize_t lo, Py_ssize_t c, Py_ssize_t tries=*) except? -2


@cython.locals(s=Py_ssize_t)
cpdef bint _glued_or_free(str text, object m) except -1
