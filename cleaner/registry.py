"""The one place rules are registered.

A rule is a small unit with a code (a family letter and three digits), a
kebab-case name, a one-line summary and one function.  The function is given
the current text of a document and a :class:`RuleContext` and returns (or
yields) :class:`~cleaner.model.Edit` and :class:`~cleaner.model.Finding`
objects in the coordinates of the text it was given.  The engine does the
rest.

Rules run in registration order, which is the order of the modules imported by
:mod:`cleaner.rules` and, inside a module, the order of definition.

A rule that loads something once for the whole process (a word list, a
table, a compiled kernel) does it inside :func:`setup`: that time does not
count against the time limit of the document that happened to need it first.

Example::

    @rule("W001", "trailing-whitespace", "Remove spaces and tabs at the end of a line.")
    def trailing_whitespace(text, ctx):
        for m in TRAILING.finditer(text):
            yield Edit(m.start(), m.end(), "", "trailing whitespace")
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cleaner.model import Edit, Finding

FAMILIES = {
    "H": "html",
    "U": "unicode",
    "W": "whitespace",
    "M": "metadata",
    "B": "boilerplate",
    "J": "joins",
    "Q": "quotes",
    "D": "duplicates",
}

_CODE = re.compile(r"^[A-Z]\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


@dataclass(slots=True)
class RuleContext:
    """What a rule may know besides the text: the document, config and corpus.

    ``options`` are this rule's own settings from the configuration
    (read-only: the engine shares one mapping among a run's documents);
    ``corpus`` holds run-wide statistics gathered before the rules run (for
    example how many documents each short line occurs in).
    """

    doc_id: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    corpus: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)


class _SetupClock:
    """The process's time in :func:`setup` blocks so far (``seconds``), and the one under way, if any."""

    depth = 0  # nested setup blocks open now
    since = 0.0  # when the outermost one opened (time.perf_counter)
    seconds = 0.0  # time in closed outermost blocks


@contextmanager
def setup() -> Iterator[None]:
    """Mark one-time set-up done inside a rule: loading a word list, building a table, compiling a kernel.

    The engine does not count this time against a document's time limit
    (:func:`setup_seconds`).  Set-up is paid by whichever document first
    needs it -- and on a fresh install compiling the numba kernels takes
    longer than the default limit -- so without this, whether a document
    timed out would depend on what the process had done before it, and
    the output would not be the same from run to run.
    """
    clock = _SetupClock
    if clock.depth == 0:
        clock.since = time.perf_counter()
    clock.depth += 1
    try:
        yield
    finally:
        if clock.depth == 1:  # (counted before the block closes: an alarm in between sees it still open)
            clock.seconds += time.perf_counter() - clock.since
        clock.depth -= 1


def setup_seconds() -> float:
    """Seconds this process has spent in :func:`setup` blocks, counting one still open."""
    clock = _SetupClock
    return clock.seconds + (time.perf_counter() - clock.since if clock.depth else 0.0)


def in_setup() -> bool:
    """Whether a :func:`setup` block is open now."""
    return _SetupClock.depth > 0


RuleFunction = Callable[[str, RuleContext], Iterable["Edit | Finding"]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: identity, documentation and the function."""

    code: str
    name: str
    summary: str
    function: RuleFunction
    severity: str = "error"
    fix: str = "safe"  # "safe", "unsafe" or "none" (findings only)
    explanation: str = ""
    default_enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    #: Its edits can bare more of its own work (removing a tag nested in a broken
    #: one makes the outer one whole): the engine runs it again at once on its own
    #: output, within the same pass, while that output gets shorter.
    repeat: bool = False

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]


_RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    summary: str,
    *,
    severity: str = "error",
    fix: str = "safe",
    default_enabled: bool = True,
    options: dict[str, Any] | None = None,
    repeat: bool = False,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register the decorated function as rule *code* / *name*.

    The function's docstring becomes the rule's long explanation
    (``cleaner rule CODE``).
    """
    if not _CODE.match(code) or code[0] not in FAMILIES:
        raise ValueError(f"bad rule code {code!r}")
    if not _NAME.match(name):
        raise ValueError(f"rule name must be kebab-case: {name!r}")

    def decorate(function: RuleFunction) -> RuleFunction:
        if code in _RULES:
            raise ValueError(f"rule {code} registered twice")
        if any(r.name == name for r in _RULES.values()):
            raise ValueError(f"rule name {name} registered twice")
        _RULES[code] = Rule(
            code=code,
            name=name,
            summary=summary,
            function=function,
            severity=severity,
            fix=fix,
            explanation=_dedent(function.__doc__ or summary),
            default_enabled=default_enabled,
            options=dict(options or {}),
            repeat=repeat,
        )
        return function

    return decorate


def _dedent(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)


def all_rules() -> list[Rule]:
    """Every registered rule in run order."""
    import cleaner.rules  # noqa: F401  (registers the built-in rules)

    return list(_RULES.values())


def get_rule(code_or_name: str) -> Rule | None:
    """Look a rule up by code (``H001``) or name (``html-comment``)."""
    for r in all_rules():
        if r.code == code_or_name.upper() or r.name == code_or_name.lower():
            return r
    return None
