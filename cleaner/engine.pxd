# Declarations for the compiled build of cleaner/engine.py (setup.py): the
# engine's per-document state as C structs, so that the loop that runs each
# rule over each text of a batch (about thirty look-ups and stores a call,
# a million calls on the 100 MB bench corpus) reads and writes fields instead
# of instance dictionaries.  The pure-Python module ignores this file and
# behaves the same (tests/test_compiled.py compares the two).

cimport cython


cdef class _PassState:
    cdef public object text, current, composite, findings, metadata, rules, time_limit, severities
    cdef public object contexts, seen, settled, running, omap, found, before, changer, doc_id, options, corpus
    cdef public Py_ssize_t max_passes, passes, version
    cdef public double started, setup_before, used, setup_used
    cdef public bint stopped

    @cython.locals(seen=list)
    cpdef run_rule(self, Py_ssize_t k)


cdef class _BatchRun:
    cdef public list states
    cdef public object time_limit, running
    cdef public bint timer
    cdef public double fire_at

    @cython.locals(state=_PassState, now=cython.double, used=cython.double, setup_used=cython.double,
                   setup_at=cython.double, limit_at=cython.double, findings_only=cython.bint)
    cpdef _run_timed(self, list active, Py_ssize_t k, object r, double limit)
