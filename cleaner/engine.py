"""The engine: run rules in order, compose their edits, keep the offset map.

Rules run one after another.  Each sees the text as the rules before it left
it and answers in that text's coordinates.  The engine keeps one list of
edits in *original* coordinates (sorted, never overlapping), so that at every
step

    current_text == apply_edits(original, edits)

and every position in the current text can be mapped back to the original.
When a later rule changes text that an earlier rule inserted, the two edits
are merged into one edit whose reason names both rules; nothing is ever
applied that the log cannot undo.  Two insertions that would land on the
same original position are merged too, so the order of edits in the log is
never ambiguous.

:func:`clean_text` runs the rule list again while a pass still changes the
text (at most :data:`DEFAULT_MAX_PASSES` passes), so cleaning is idempotent
even when one rule bares work for a rule that ran before it.  A per-document
time limit interrupts a runaway rule (``SIGALRM`` where available, see
:func:`_deadline`) and turns it into an error finding.

:func:`restore_text` is the inverse: it rebuilds the original from the cleaned
text and the edit log, checking every ``after`` against the cleaned text.
"""

from __future__ import annotations

import signal
import threading
import time
from threading import get_ident
from contextlib import contextmanager
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from cleaner.model import Edit, Finding
from cleaner.registry import Rule, RuleContext, _SetupClock, in_setup, setup_seconds
from cleaner.textcache import release as release_long_text


@dataclass
class CleanResult:
    """The outcome of cleaning one text."""

    original: str
    cleaned: str
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


def apply_edits(text: str, edits: Sequence[Edit], start: int = 0, end: int | None = None) -> str:
    """Apply sorted, non-overlapping *edits* (in *text*'s coordinates).

    With *start* and *end*, the result is that of ``text[start:end]`` (the
    edits must lie inside it).
    """
    if not edits and start == 0 and end is None:
        return text
    parts: list[str] = []
    append = parts.append
    pos = start
    for e in edits:
        append(text[pos : e.start])
        append(e.after)
        pos = e.end
    append(text[pos:end])
    return "".join(parts)


class RestoreError(ValueError):
    """The cleaned text does not match the edit log."""


def restore_text(cleaned: str, edits: Sequence[Edit]) -> str:
    """Rebuild the original text from *cleaned* and its edit log.

    Raises :class:`RestoreError` when an edit's ``after`` is not found where
    the log says it is (the cleaned file was changed after cleaning).
    """
    parts: list[str] = []
    pos = 0  # position in cleaned
    delta = 0  # cleaned position - original position
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        cs = e.start + delta
        if cs < pos or cleaned[cs : cs + len(e.after)] != e.after:
            raise RestoreError(
                f"edit {e.code} at original offset {e.start} does not match the cleaned text"
            )
        parts.append(cleaned[pos:cs])
        parts.append(e.before)
        pos = cs + len(e.after)
        delta += len(e.after) - (e.end - e.start)
    parts.append(cleaned[pos:])
    return "".join(parts)


class OffsetMap:
    """Map positions in the current text back to the original.

    Built from the composed edit list; ``cur`` holds, for every edit, where
    its ``after`` text sits in the current text.
    """

    def __init__(self, edits: Sequence[Edit]):
        self.edits = edits
        self.cur_start: list[int] = []
        self.cur_end: list[int] = []
        delta = 0
        for e in edits:
            cs = e.start + delta
            self.cur_start.append(cs)
            self.cur_end.append(cs + len(e.after))
            delta += len(e.after) - (e.end - e.start)

    def to_original(self, pos: int, *, right: bool) -> int:
        """Original position of the boundary *pos* in the current text.

        A boundary can stand for several original positions: on either side
        of a deleted span, or anywhere in the original span an inserted text
        replaced.  ``right=False`` gives the leftmost of them (before any
        deletion at *pos*; an edit's start when *pos* is inside its inserted
        text) and ``right=True`` the rightmost (after any deletion at *pos*;
        the edit's end when *pos* is inside its inserted text).  Two lookups
        in sorted lists: O(log n).
        """
        if right:
            # Last edit whose inserted text starts at or before pos.
            j = bisect_right(self.cur_start, pos) - 1
            if j < 0:
                return pos
            e, cs, ce = self.edits[j], self.cur_start[j], self.cur_end[j]
            if ce <= pos:
                return e.end + (pos - ce)
            return e.start if cs == pos else e.end
        # First edit whose inserted text ends at or after pos.
        i = bisect_left(self.cur_end, pos)
        if i == len(self.edits):
            if not self.edits:
                return pos
            return self.edits[-1].end + (pos - self.cur_end[-1])
        e, cs, ce = self.edits[i], self.cur_start[i], self.cur_end[i]
        if cs >= pos:
            return e.start - (cs - pos)
        return e.end if ce == pos else e.start


def _interacts(s: int, t: int, cs: int, ce: int, old: Edit) -> bool:
    """Must a new edit ``[s, t)`` be merged with an old edit whose inserted text is ``[cs, ce)``?

    Yes when their spans overlap, when a deletion lies strictly inside the new
    span, when an insertion lands strictly inside the old inserted text or on
    a deletion, and when two insertions would land on the same original
    position (their order would be ambiguous in the log).
    """
    if s < t:
        if cs < ce:
            return s < ce and cs < t
        return s < cs < t
    if cs < ce:
        if cs < s < ce:
            return True
        return old.start == old.end and cs <= s <= ce
    return s == cs


_span = attrgetter("start", "end")  # the sort key of edits
_finding_order = attrgetter("start", "end", "code")  # the order of a document's findings


def _clean_rule_output(items: Iterable[Edit | Finding], text: str) -> tuple[list[Edit], list[Finding]]:
    """A rule's answer, cleaned: its edits inside *text*, sorted, the first of overlapping ones, and
    without those that change nothing (unless they carry metadata); its findings inside *text*."""
    text_len = len(text)
    edits: list[Edit] = []
    findings: list[Finding] = []
    for item in items:
        if isinstance(item, Edit):
            if 0 <= item.start <= item.end <= text_len:
                edits.append(item)
        elif isinstance(item, Finding):
            if 0 <= item.start <= item.end <= text_len:
                findings.append(item)
    if not edits:
        return edits, findings
    edits.sort(key=_span)
    kept: list[Edit] = []
    last_end = -1
    last_point = -1
    for e in edits:
        if e.start < last_end or (e.start == e.end and e.start == last_point):
            continue  # overlapping edits from one rule: keep the first
        # An edit that changes nothing still keeps the edits it overlaps out.
        if text[e.start : e.end] != e.after or e.metadata:
            kept.append(e)
        last_end = e.end
        if e.start == e.end:
            last_point = e.start
    return kept, findings


def compose(
    original: str, composite: list[Edit], current: str, new: list[Edit], rule: Rule,
    omap: OffsetMap | None = None,
) -> list[Edit]:
    """Fold *new* edits (in *current* coordinates) into *composite*.

    Returns the new composite list, in original coordinates, sorted and
    non-overlapping.  *omap*, if given, is the :class:`OffsetMap` of
    *composite* (built here otherwise).
    """
    code, name = rule.code, rule.name
    if not composite:  # the first rule that changes anything: nothing to map
        return [Edit(e.start, e.end, e.after, e.reason, code, name, original[e.start : e.end], e.metadata)
                for e in new]
    if omap is None or omap.edits is not composite:
        omap = OffsetMap(composite)
    cs_list, ce_list = omap.cur_start, omap.cur_end
    n_old = len(composite)

    # Group new edits with the old edits they interact with.
    groups: list[tuple[list[int], list[Edit]]] = []  # (old indices, new edits)
    last_group_old: set[int] = set()  # old indices of groups[-1], for O(1) membership
    for e in new:
        first = bisect_left(ce_list, e.start)  # first old edit ending at or after s
        hits = []
        k = first - 1 if first > 0 else 0
        while k < n_old and cs_list[k] <= e.end:
            if _interacts(e.start, e.end, cs_list[k], ce_list[k], composite[k]):
                hits.append(k)
            k += 1
        if hits and groups and hits[0] in last_group_old:
            old_idx, news = groups[-1]
            for h in hits:
                if h not in last_group_old:
                    old_idx.append(h)
                    last_group_old.add(h)
            news.append(e)
        else:
            groups.append((hits, [e]))
            last_group_old = set(hits)

    merged_old: set[int] = set()
    out: list[Edit] = []
    to_original = omap.to_original
    for old_idx, news in groups:
        if not old_idx:
            e = news[0]
            start = to_original(e.start, right=True)
            end = to_original(e.end, right=False) if e.end > e.start else start
            out.append(Edit(start, end, e.after, e.reason, code, name, original[start:end], e.metadata))
            continue
        merged_old.update(old_idx)
        olds = [composite[i] for i in sorted(old_idx)]
        u_s = min(min(cs_list[i] for i in old_idx), news[0].start)
        u_e = max(max(ce_list[i] for i in old_idx), news[-1].end)
        o_s = min(o.start for o in olds)
        if u_s < min(cs_list[i] for i in old_idx):
            o_s = min(o_s, omap.to_original(u_s, right=True))
        o_e = max(o.end for o in olds)
        if u_e > max(ce_list[i] for i in old_idx):
            o_e = max(o_e, omap.to_original(u_e, right=False))
        after = apply_edits(current, news, u_s, u_e)
        first = olds[0]
        reasons = [f"{o.reason}" for o in olds]
        reasons += [f"then {rule.code} {rule.name}: {n.reason}" for n in news]
        meta: dict[str, Any] = {}
        for o in olds:
            meta.update(o.metadata or {})
        for n in news:
            meta.update(n.metadata or {})
        before = original[o_s:o_e]
        if before == after and not meta:
            continue  # the merged edits cancel out
        out.append(
            Edit(
                start=o_s,
                end=o_e,
                after=after,
                reason="; ".join(dict.fromkeys(reasons)),
                code=first.code,
                name=first.name,
                before=before,
                metadata=meta or None,
            )
        )
    # An edit not merged changes its span (the rule's edits that change
    # nothing are dropped before, and the span holds no earlier edit).
    if merged_old:
        out.extend(composite[i] for i in range(n_old) if i not in merged_old)
    else:
        out.extend(composite)
    out.sort(key=_span)
    return out


def map_finding(omap: OffsetMap, f: Finding, rule: Rule, severity: str) -> Finding:
    start = omap.to_original(f.start, right=True)
    end = omap.to_original(f.end, right=False) if f.end > f.start else start
    if end < start:
        end = start
    return Finding(start, end, f.message, f.code or rule.code, f.name or rule.name, f.severity or severity, f.data)


class RuleTimeout(BaseException):
    """Raised inside a rule when the document's time limit runs out.

    A ``BaseException``, so that a rule's own ``except Exception`` cannot
    swallow it.
    """


try:
    # The handler as installed.  signal.getsignal() also tries to turn it into
    # a member of signal.Handlers: for a function that is a failed enum look-up,
    # an exception formatted with the handler's repr, ~20 us per document.
    from _signal import getsignal as _installed_handler
except ImportError:  # pragma: no cover - CPython has _signal
    _installed_handler = signal.getsignal


class _TimerScope:
    """The ``SIGALRM`` handler that :func:`time_limit_scope` keeps installed, and the document it serves.

    Its :meth:`dispatch` is the installed handler: it passes the alarm to the
    handler of the document being cleaned (:meth:`arm`), and ignores an
    alarm that arrives between documents.
    """

    def __init__(self) -> None:
        self.thread: int | None = None  # the thread that opened the scope; None: no scope open
        self.handler: Callable[[int, Any], None] | None = None
        self.installed: Callable[[int, Any], None] | None = None  # the bound dispatch the scope installed

    def dispatch(self, signum: int, frame: Any) -> None:
        handler = self.handler
        if handler is not None:
            handler(signum, frame)

    def arm(self, seconds: float, handler: Callable[[int, Any], None]) -> bool:
        """Start one document's timer of *seconds* with its *handler*.

        False, and nothing armed, if the scope cannot serve this document:
        none is open in this thread, it is serving another document (a rule
        cleaning a text of its own), or since the scope opened someone else
        installed another ``SIGALRM`` handler or armed the timer.  The
        document then gets :func:`_deadline`'s handling.

        One system call: ``setitimer`` gives back the timer it replaced, so a
        timer someone else armed is found, and put back, in the same call
        that arms this document's.
        """
        if (
            self.thread is None
            or self.handler is not None
            or _installed_handler(signal.SIGALRM) is not self.installed
            or self.thread != get_ident()
        ):
            return False
        self.handler = handler
        previous = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
        if previous[0] > 0:  # someone else's timer: theirs again, as it was (less the moment just spent)
            self.handler = None
            signal.setitimer(signal.ITIMER_REAL, *previous)
            return False
        return True

    def disarm(self) -> None:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            self.handler = None


_SCOPE = _TimerScope()


@contextmanager
def time_limit_scope() -> Iterator[None]:
    """Keep the time limit's ``SIGALRM`` handler installed while the block cleans many documents.

    Without it, each document installs the handler and puts the previous one
    back (:func:`_deadline`: five system calls and a handler swap, about
    10 µs a document); inside it, a document's limit costs two system
    calls (arming, which also tells whether someone else had armed the
    timer, and disarming).  The batch workers clean every batch inside one.  Where
    :func:`_deadline` would not use ``SIGALRM`` (not the main thread, no
    ``setitimer``, a timer already armed) the block runs as it would
    without the scope, and a scope inside another one adds nothing.  The
    previous handler comes back at the end, and no timer is left armed.
    """
    if _SCOPE.thread is not None:
        yield
        return
    dispatch = _SCOPE.dispatch  # (one bound method: arm() checks that this very object is still installed)
    with _alarm_handler(dispatch) as installed:
        if not installed:
            yield
            return
        _SCOPE.installed = dispatch
        _SCOPE.thread = get_ident()
        try:
            yield
        finally:
            _SCOPE.thread = None
            _SCOPE.handler = None
            _SCOPE.installed = None


@contextmanager
def _alarm_handler(handler: Callable[[int, Any], None]) -> Iterator[bool]:
    """Install *handler* for ``SIGALRM`` in the block, then disarm the timer and put the previous handler back.

    Yields False, and installs nothing, where ``SIGALRM`` cannot serve a
    time limit: no ``setitimer`` (Windows), not the main thread, not the
    main interpreter, or a timer already armed by someone else.
    """
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0
    ):
        yield False
        return
    try:
        previous = signal.signal(signal.SIGALRM, handler)
    except ValueError:  # not the main interpreter
        yield False
        return
    try:
        yield True
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:  # even if the alarm fires right here, the old handler comes back
            signal.signal(signal.SIGALRM, previous)


@contextmanager
def _deadline(seconds: float | None, handler: Callable[[int, Any], None]) -> Iterator[None]:
    """Call *handler* on ``SIGALRM`` once *seconds* have passed in the block.

    Uses ``SIGALRM`` (``setitimer``), so it works in the main thread on
    POSIX systems, which is where the command line and its worker processes
    run rules.  Elsewhere (other threads, Windows), or when another timer
    is already armed, it does nothing and the time limit is only checked
    between rules.  A signal handler runs between Python bytecodes, so it
    stops any rule written in Python -- a loop, or a loop over regular
    expression matches -- but not a single regular-expression match, which
    runs in C: that is why every pattern must be linear in its input and
    ``bench/adversarial.py`` checks that each rule is.

    One timer covers a whole document (all rules, all passes): arming it
    costs two system calls, so it is armed once, not once per rule.  The
    *handler* decides what the alarm does: the engine's
    (:meth:`_PassState.alarm`) raises :class:`RuleTimeout` only while a rule
    is running, and arms the timer again before it raises, so that an alarm
    lost where Python ignores exceptions (a ``__del__``, a garbage-collector
    callback) is followed by another.  (There is no default handler: one
    that only raised would lose the limit that way.)
    """
    if seconds is None:
        yield
        return
    with _alarm_handler(handler) as installed:
        if installed:
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
        yield


_NEVER = float("inf")


#: How many times :func:`clean_text` runs the rule list at most.  A rule can
#: expose work for a rule that ran before it (removing ``<p>`` can bare a
#: scraper header that the M rules look for), so the rules run again until a
#: pass changes nothing: that is what makes ``clean(clean(x)) == clean(x)``.
DEFAULT_MAX_PASSES = 3

#: Past ``max_passes``, a pass runs again only while the text looks like it
#: converges: the pass before changed it and made it at most 1% (and one
#: character) longer; up to this many passes in all.  Markup nested in
#: broken markup (``<<a href='<a href='…-->``) loses one layer a pass (the
#: text shrinks); a chain of glued sentences (``Tow.Tow.Tow.Tow.Tow.``) gets
#: one space a pass.  A rule whose output grows more than that is stopped at
#: once (the extra passes can at most double the text); text that still
#: changes after the last pass gets the warning finding.
MAX_CONVERGING_PASSES = 64


def run_rules(
    text: str,
    rules: Sequence[Rule],
    *,
    doc_id: str = "",
    options: dict[str, dict[str, Any]] | None = None,
    severities: dict[str, str] | None = None,
    corpus: Any = None,
    time_limit: float | None = None,
    max_passes: int = 1,
) -> CleanResult:
    """Run *rules* over *text* and return the composed result.

    ``options`` maps a rule code to its settings; ``severities`` overrides
    default severities.  A rule that raises becomes an error finding and the
    other rules go on; once ``time_limit`` seconds have passed, the remaining
    rules are skipped and a finding says so.  One-time set-up that a rule
    does for the whole process (:func:`cleaner.registry.setup`: compiling a
    kernel, loading a word list) does not count: whether a document times
    out must not depend on the documents before it.

    With ``max_passes`` > 1 the whole rule list runs again while a pass still
    changes the text (a fixpoint), up to ``max_passes`` passes, and beyond
    that while the text converges (each pass makes it at most 1% longer; up
    to :data:`MAX_CONVERGING_PASSES` passes in all).  Each rule's
    findings are those of the first pass in which it found anything: that
    pass saw the text as the rule was written to see it (a cut that ``Q001``
    reports is glued in the first pass and repaired by the J rules before the
    second), and findings are in original coordinates, so they stay valid
    whatever later passes change.  If the text still changes in the last
    allowed pass, a warning finding says so.  Within a pass, a rule
    registered with ``repeat=True`` runs again at once on its own output
    while that output gets shorter (markup nested in broken markup).

    A later pass skips what cannot change its outcome, so the result is the
    same as running every rule again: a rule whose input is the very text it
    saw in the pass before (nothing changed it since: it and every rule
    after it left the text alone, and no edit moved anything into the
    metadata) would find the same edits and findings again, and a
    findings-only rule (``fix="none"``) whose findings are already settled
    would have its new ones discarded anyway.
    """
    severities = severities or {}
    state = _PassState(text, rules, doc_id, rule_options(rules, options), severities, corpus, time_limit, max_passes)
    try:
        if time_limit is not None and _SCOPE.arm(time_limit, state.alarm):
            try:
                state.run_passes()
            finally:
                _SCOPE.disarm()
        else:
            with _deadline(time_limit, state.alarm):
                state.run_passes()
    except RuleTimeout:  # the alarm fired between two rules
        state.timed_out(None)
    finally:
        release_long_text()  # (a cache's key of a long text: see cleaner.textcache)
    return state.result()


def run_rules_batch(
    texts: Sequence[str],
    rules: Sequence[Rule],
    *,
    doc_ids: Sequence[str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    severities: dict[str, str] | None = None,
    corpus: Any = None,
    time_limit: float | None = None,
    max_passes: int = 1,
) -> list[CleanResult]:
    """:func:`run_rules` over many texts: the same results, each rule run over all of them before the next.

    Each text gets exactly what :func:`run_rules` would give it (its own
    passes, its own time limit, its own findings): only the order of the
    work changes.  A rule runs over every text of the batch in turn, then
    the next rule does, so each rule's patterns, tables and code stay in
    the processor's caches across the batch instead of being pushed out by
    the twenty other rules between two uses (the bench corpus takes
    10-15% less CPU in all).  The per-text caches the rules
    share (:class:`cleaner.textcache.TextCache`) hold the whole batch
    meanwhile, so a rule still finds what an earlier one computed for the
    same text.

    A text's time limit counts only the time spent on it (the time of each
    of its rule runs), so it does not depend on the other texts of the batch.
    """
    from cleaner.textcache import holding

    severities = severities or {}
    ids = doc_ids if doc_ids is not None else [""] * len(texts)
    per_rule = rule_options(rules, options)
    states = [_PassState(t, rules, d, per_rule, severities, corpus, time_limit, max_passes)
              for t, d in zip(texts, ids)]
    batch = _BatchRun(states, time_limit)
    with holding(len(states)):
        if time_limit is None:
            batch.run()
        elif _SCOPE.arm(time_limit, batch.alarm):
            batch.armed(time_limit)
            try:
                batch.run()
            finally:
                _SCOPE.disarm()
        else:
            with _alarm_handler(batch.alarm) as installed:
                if installed:  # (else no timer: the limit is checked between rules only)
                    signal.setitimer(signal.ITIMER_REAL, max(time_limit, 1e-3))
                    batch.armed(time_limit)
                batch.run()
    return [state.result() for state in states]


def rule_options(rules: Sequence[Rule], options: dict[str, dict[str, Any]] | None) -> list[Mapping[str, Any]]:
    """Each rule's settings (its defaults, then the configuration's *options* for its code), read-only.

    Made once for a run and shared by its documents' :class:`RuleContext`
    objects: a rule reads its settings and must not change them (an attempt
    raises ``TypeError``, reported as the rule's failure), so one document
    cannot change what the next one sees.
    """
    options = options or {}
    return [MappingProxyType({**r.options, **options[r.code]} if r.code in options else dict(r.options))
            for r in rules]


class _BatchRun:
    """The rule-by-rule schedule of :func:`run_rules_batch`, and its texts' time limits.

    One timer serves the batch.  It is armed to fire no later than the
    running text's limit (``fire_at``); when it fires, the running text's
    :meth:`_PassState.alarm` stops the rule if that text's own time is up,
    else sets the timer again for what that text has left.
    """

    def __init__(self, states: list[_PassState], time_limit: float | None):
        self.states = states
        self.time_limit = time_limit
        self.running: _PassState | None = None
        self.timer = False  # whether a SIGALRM timer serves the batch (see armed)
        self.fire_at = _NEVER

    def armed(self, seconds: float) -> None:
        """The batch's timer was just armed to fire in *seconds*, with :meth:`alarm` as its handler."""
        self.timer = True
        self.fire_at = time.perf_counter() + seconds

    def alarm(self, signum: int, frame: Any) -> None:
        state = self.running
        if state is None:  # between two texts: look again in a millisecond
            signal.setitimer(signal.ITIMER_REAL, 1e-3)
            self.fire_at = time.perf_counter() + 1e-3
            return
        try:
            state.alarm(signum, frame)
        finally:
            self.fire_at = time.perf_counter() + signal.getitimer(signal.ITIMER_REAL)[0]

    def run(self) -> None:
        active = self.states
        rules = active[0].rules if active else ()
        limit = self.time_limit
        while active:
            for state in active:
                state.begin_pass()
            for k, r in enumerate(rules):
                if limit is None:
                    for state in active:
                        if not state.stopped:
                            state.run_rule(k)
                else:
                    self._run_timed(active, k, r, limit)
            active = [state for state in active if state.end_pass()]

    def _run_timed(self, active: list[_PassState], k: int, r: Rule, limit: float) -> None:
        """Rule *k* over the texts of *active*, each on its own clock."""
        perf_counter = time.perf_counter
        clock = _SetupClock
        findings_only, code = r.fix == "none", r.code
        now = perf_counter()
        for state in active:
            if state.stopped or state.seen[k] == state.version or (findings_only and code in state.settled):
                continue  # (run_rule would skip it too: no need to start its clock)
            used, setup_used = state.used, state.setup_used
            if used - setup_used >= limit:
                state.out_of_time(r)
                continue
            # The text's clock resumes where its last rule left it (see _PassState.elapsed).
            state.started = now - used
            setup_at = clock.seconds if not clock.depth else setup_seconds()
            state.setup_before = setup_at - setup_used
            limit_at = now + limit - used + setup_used
            if limit_at < self.fire_at and self.timer:
                signal.setitimer(signal.ITIMER_REAL, max(limit_at - now, 1e-3))
                self.fire_at = limit_at
            self.running = state
            try:
                state.run_rule(k)
            except RuleTimeout:  # the alarm fired between two of its rules
                state.timed_out(None)
            finally:
                self.running = None
                now = perf_counter()
                state.used = now - state.started
                if clock.depth or clock.seconds != setup_at:  # (set-up during the rule: rare)
                    state.setup_used = setup_seconds() - state.setup_before


class _PassState:
    """What :func:`run_rules` carries from one rule, and one pass, to the next."""

    def __init__(self, text: str, rules: Sequence[Rule], doc_id: str, options: Sequence[Mapping[str, Any]],
                 severities: dict[str, str], corpus: Any, time_limit: float | None, max_passes: int = 1):
        if type(text) is not str and isinstance(text, str):
            # A subclass of str (numpy.str_, a Markup) as a plain str: what its characters are, without its
            # methods; the compiled rules take exactly str (cleaner/rules/quotes.pxd)
            text = str.__str__(text)
        self.text = text
        self.current = text
        self.composite: list[Edit] = []
        self.findings: list[Finding] = []
        self.metadata: dict[str, Any] = {}
        self.rules = rules
        self.time_limit = time_limit
        self.max_passes = max_passes
        self.passes = 0
        self.started = time.perf_counter()
        self.setup_before = setup_seconds()
        self.used = self.setup_used = 0.0  # (run_rules_batch: the time of the text's rules so far)
        self.stopped = False
        self.changer: Rule | None = None
        self.severities = severities
        # Each rule's RuleContext is made when the rule first runs on the text (see run_rule): made
        # then, it is in the processor's cache when the rule reads it (made here, a batch's texts'
        # contexts had been pushed out by the time each rule came to them).
        self.doc_id, self.options, self.corpus = doc_id, options, corpus
        self.contexts = [None] * len(rules)
        # The version of the text each rule last ran on (-1: none yet): a number, not the text, so that
        # the versions rules saw are not all kept alive (a document of megabytes has a dozen).
        self.seen: list[int] = [-1] * len(rules)
        self.version = 0  # of ``current``: one more each time a rule's edits make a new text
        self.settled: set[str] = set()  # rules whose findings are settled
        self.running: Rule | None = None
        self.omap: OffsetMap | None = None  # of some composite list; see offset_map()
        self.found: list[Finding] = []  # the findings of the pass under way
        self.before = text  # the text at the start of the pass under way

    def result(self) -> CleanResult:
        findings = self.findings
        findings.sort(key=_finding_order)
        return CleanResult(original=self.text, cleaned=self.current, edits=self.composite, findings=findings,
                           metadata=self.metadata)

    def offset_map(self) -> OffsetMap:
        """The :class:`OffsetMap` of the current composite (built once per composite)."""
        omap = self.omap
        if omap is None or omap.edits is not self.composite:
            omap = self.omap = OffsetMap(self.composite)
        return omap

    def elapsed(self) -> float:
        """Seconds spent on this document so far, less one-time set-up (:func:`cleaner.registry.setup`)."""
        return time.perf_counter() - self.started - (setup_seconds() - self.setup_before)

    def alarm(self, signum: int, frame: Any) -> None:
        """The time limit's ``SIGALRM``: stop the running rule.

        If set-up took part of the time (or is under way), the limit is not
        reached yet: the alarm is re-armed for what is left.  Between two
        rules (while edits are composed) nothing is interrupted: the alarm
        is re-armed for a millisecond, so the next rule stops at once, and
        the check before each rule ends the run cleanly.

        The timer is armed again before :class:`RuleTimeout` is raised: a
        handler that runs inside a ``__del__``, a weak-reference callback or a
        garbage-collector callback (``gc.callbacks``) the rule set off raises
        where Python only prints the exception (``sys.unraisablehook``) and
        goes on, so the rule is stopped by the next alarm, a millisecond
        later.  Once the rule has stopped, that alarm finds no rule running.
        """
        left = self.time_limit - self.elapsed() if self.time_limit is not None else 0.0
        if in_setup():  # (a compile can take a while: look again in a tenth of a second, not every millisecond)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.1))
            return
        if left > 1e-3:
            signal.setitimer(signal.ITIMER_REAL, left)
            return
        signal.setitimer(signal.ITIMER_REAL, 1e-3)
        if self.running is not None:
            raise RuleTimeout

    def timed_out(self, rule: Rule | None) -> None:
        r = rule or self.running
        self.stopped = True
        if r is None:
            return
        self.findings.append(
            Finding(0, 0, f"time limit of {self.time_limit:g}s reached while {r.code} {r.name} was running; "
                    f"it and the rules after it were skipped", code=r.code, name=r.name, severity="error")
        )

    def run_passes(self) -> None:
        """Run passes until one changes nothing, or up to ``max_passes`` (see :func:`run_rules`)."""
        while True:
            self.begin_pass()
            run_rule = self.run_rule
            for k in range(len(self.rules)):
                if self.stopped:
                    break
                run_rule(k)
            if not self.end_pass():
                return

    def begin_pass(self) -> None:
        self.found = []
        self.before = self.current

    def end_pass(self) -> bool:
        """Settle the findings of the pass; whether another pass is to run."""
        settled = self.settled
        found = self.found
        new_codes = {f.code for f in found} - settled
        self.findings.extend(f for f in found if f.code in new_codes)
        settled |= new_codes
        self.passes += 1
        passes, max_passes = self.passes, self.max_passes
        if self.stopped or self.current == self.before or max_passes <= 1:
            return False
        converging = len(self.current) <= len(self.before) * 1.01 + 1 and passes < MAX_CONVERGING_PASSES
        if passes >= max_passes and not converging:
            changer = self.changer
            self.findings.append(
                Finding(0, 0, f"text still changed in pass {passes} of the rules (last by "
                        f"{changer.code} {changer.name}); cleaning the output again may change it further",
                        code=changer.code, name=changer.name, severity="warning"))
            return False
        return True

    def run_rule(self, k: int) -> None:
        """Run rule *k* of the pass, unless it cannot change the outcome (and again at once
        while a ``repeat=True`` rule makes its own output shorter)."""
        r = self.rules[k]
        seen, settled, time_limit = self.seen, self.settled, self.time_limit
        while True:
            current = self.current
            if seen[k] == self.version or (settled and r.fix == "none" and r.code in settled):
                return
            # (the wall-clock time first, against one number: set-up only takes time off it)
            if time_limit is not None and time.perf_counter() >= self.started + time_limit \
                    and self.elapsed() >= time_limit:
                self.out_of_time(r)
                return
            seen[k] = self.version
            self.running = r
            try:
                context = self.contexts[k]
                if context is None:  # (positionally: RuleContext(doc_id, options, corpus, metadata))
                    context = self.contexts[k] = RuleContext(self.doc_id, self.options[k], self.corpus, self.metadata)
                out = r.function(current, context)
                if out:  # most calls find nothing: an empty list or None
                    new, rule_found = _clean_rule_output(out, current)
                self.running = None
            except RuleTimeout:
                self.running = None
                self.timed_out(r)
                return
            except Exception as exc:  # a rule bug must not stop the run
                self.running = None
                self.failed(r, exc)
                return
            if not out or not self.take(k, current, new, rule_found):
                return
            # a repeat=True rule runs again at once: its own output may hold more of its work (nested markup)

    def take(self, k: int, current: str, new: list[Edit], rule_found: list[Finding]) -> bool:
        """Take what rule *k* gave for *current* (the text it ran on); whether it is to run again at once."""
        r = self.rules[k]
        if rule_found:
            severity = self.severities.get(r.code, r.severity)
            omap = self.offset_map()
            self.found.extend(map_finding(omap, f, r, severity) for f in rule_found)
        if not new:
            return False
        seen = self.seen
        for e in new:
            if e.metadata:
                self.metadata.update(e.metadata)
                seen[:] = [-1] * len(seen)  # rules may read the metadata: none has seen this state
        self.composite = compose(self.text, self.composite, current, new, r, self.omap)
        self.current = changed = apply_edits(current, new)
        if changed is not current:
            self.version += 1
        seen[k] = self.version if changed is current else -1  # (an equal new text: run again, as before)
        self.changer = r
        return r.repeat and len(changed) < len(current)

    def failed(self, r: Rule, exc: Exception) -> None:
        self.found.append(Finding(0, 0, f"rule {r.code} {r.name} failed: {type(exc).__name__}: {exc}",
                                  code=r.code, name=r.name, severity="error"))

    def out_of_time(self, r: Rule) -> None:
        """The text's time is up before rule *r*: it and the rules after it are skipped."""
        self.found.append(
            Finding(0, 0, f"time limit of {self.time_limit:g}s reached; rules from {r.code} on were skipped",
                    code=r.code, name=r.name, severity="error")
        )
        self.stopped = True


def clean_text(text: str, config: Any = None, *, doc_id: str = "", corpus: Any = None,
               rules: Sequence[Rule] | None = None) -> CleanResult:
    """Clean one text with the rules enabled in *config* (default settings if None).

    *rules*, if given, must be ``config.active_rules(doc_id)``: a caller that
    cleans many documents with one configuration asks for them once.
    """
    if config is None:
        from cleaner.config import Config

        config = Config()
    return run_rules(
        text,
        config.active_rules(doc_id) if rules is None else rules,
        doc_id=doc_id,
        options=config.rule_options,
        severities=config.severity,
        corpus=corpus,
        time_limit=config.time_limit,
        max_passes=getattr(config, "max_passes", DEFAULT_MAX_PASSES),
    )
