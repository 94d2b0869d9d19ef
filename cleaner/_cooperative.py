"""The compiled build's cooperative time limit: a pending-signal check in every loop.

A document's time limit is a ``SIGALRM`` whose Python handler raises inside
the rule that is running (:mod:`cleaner.engine`).  CPython runs a signal's
handler only when something asks for pending signals: the bytecode loop does
between instructions, the regular-expression engine does during a long
match, but code compiled by Cython never does.  A compiled rule that ran
away would therefore run on, past its document's limit, until it returned.

So before Cython compiles a module (``setup.py``), :func:`cooperative_source`
rewrites its source so that it asks: every ``for`` and ``while`` loop calls
CPython's ``PyErr_CheckSignals()`` once per iteration, and so does every
``for`` clause of a comprehension or generator expression.  A pending
``SIGALRM`` then runs its handler there, the handler's exception propagates
as it would from interpreted code, and the rule stops within one iteration
of its limit.  The call costs a few nanoseconds when no signal is pending
(it reads one flag).  Code that runs no loop of its own either finishes in
time proportional to one statement or calls into code that asks (a regular
expression, an interpreted function).

The rewrite only inserts text: every original line keeps its number (the
check goes just before the statement it precedes, on the same line, ending
in ``;``), so a traceback from the compiled module points at the line in the ``.py`` file.
Where a loop's first statement is compound, the check goes into that
statement's header: ``if c:`` becomes ``if _cleaner_check_signals() == 0
and (c):`` (likewise a nested ``while``), and a nested ``for y in z:``
becomes ``for y in _cleaner_checked((z)):``, a C function that checks and
returns its argument.  A loop that starts with a ``def``, a ``class`` or a
``match`` is refused (:class:`NotInstrumentable`), so that the build says so
rather than compiling a loop without its check.

The rewritten source is only ever compiled, never run by the interpreter: its
``from cython.cimports ...`` line means nothing to Python.  This module uses
the standard library alone, so that ``setup.py`` can load it in the build's
own environment, where cleaner's dependencies are not installed.
"""

from __future__ import annotations

import ast

#: The name the rewritten module calls; bound by :data:`TAIL` to CPython's
#: ``int PyErr_CheckSignals() except -1`` (Cython's ``cpython/exc.pxd``): 0
#: when no handler raised, else the handler's exception propagates.
CHECK_NAME = "_cleaner_check_signals"
CHECK = f"{CHECK_NAME}()"
#: The C function a nested ``for`` loop's iterable goes through: the check, then the iterable itself.
CHECKED_NAME = "_cleaner_checked"
#: Appended after the module's last line, so that no other line moves.
TAIL = f"""
import cython as _cleaner_cython
from cython.cimports.cpython.exc import PyErr_CheckSignals as {CHECK_NAME}


@_cleaner_cython.cfunc
@_cleaner_cython.inline
def {CHECKED_NAME}(iterable):
    {CHECK}
    return iterable
"""

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: Compound statements whose first body statement always runs when they do.
_ENTERED = (ast.With, ast.AsyncWith, ast.Try) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


class NotInstrumentable(ValueError):
    """A loop whose first statement the rewrite cannot put a check in front of without moving a line."""


def _first_run(body: list[ast.stmt]) -> ast.stmt:
    """The statement of *body* that runs first: inside ``with`` and ``try`` blocks, their first statement."""
    stmt = body[0]
    while isinstance(stmt, _ENTERED):
        stmt = stmt.body[0]
    return stmt


def _is_simple(stmt: ast.stmt) -> bool:
    """Can *stmt* follow ``CHECK;`` on its line (a simple statement, not a compound one)?"""
    return not isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
                                 ast.ClassDef, ast.Match) + _ENTERED)


class _Source:
    """A source's text with ast positions (line, UTF-8 byte column) turned into offsets in the text."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, byte_col: int) -> int:
        row = self.lines[line - 1]
        return self.starts[line - 1] + len(row.encode("utf-8")[:byte_col].decode("utf-8"))

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def end_with_parentheses(self, node: ast.AST, after: int) -> int:
        """Where *node* ends with the parentheses around it that open after offset *after*.

        An expression's position leaves out the parentheses around it: in
        ``for x in (a or b)`` the iterable ends before ``)``, and a condition
        inserted there would land inside them.
        """
        opened = _code(self.text[after:self.start(node)]).count("(")
        pos = self.end(node)
        while opened:
            rest = self.text[pos:]
            stripped = _skip_blank(rest)
            if not stripped.startswith(")"):
                raise NotInstrumentable(f"line {node.lineno}: cannot find the parentheses around an expression")
            pos += len(rest) - len(stripped) + 1
            opened -= 1
        return pos


def _code(text: str) -> str:
    """*text* without its comments (between two expressions: no strings there)."""
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n"))


def _skip_blank(text: str) -> str:
    """*text* from its first character that is not blank, a line continuation or part of a comment."""
    while True:
        stripped = text.lstrip(" \t\r\n\\\f")
        if stripped.startswith("#"):
            stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        if stripped == text:
            return text
        text = stripped


def _insertions(tree: ast.Module, src: _Source) -> list[tuple[int, int, str]]:
    """(offset, order, text) for every piece of text the rewrite inserts."""
    out: list[tuple[int, int, str]] = []

    def add(offset: int, text: str) -> None:
        out.append((offset, len(out), text))

    for node in ast.walk(tree):
        if isinstance(node, _LOOPS):
            first = _first_run(node.body)
            if _is_simple(first):
                add(src.start(first), f"{CHECK}; ")
            elif isinstance(first, (ast.If, ast.While)):
                add(src.start(first.test), f"{CHECK} == 0 and (")
                add(src.end(first.test), ")")
            elif isinstance(first, (ast.For, ast.AsyncFor)):
                add(src.start(first.iter), f"{CHECKED_NAME}((")
                add(src.end(first.iter), "))")
            else:
                raise NotInstrumentable(
                    f"line {first.lineno}: a loop whose first statement is a {type(first).__name__}; "
                    f"put a simple statement first, or move the {type(first).__name__} out of the loop")
        elif isinstance(node, _COMPREHENSIONS):
            for clause in node.generators:
                if clause.ifs:  # the last condition: `if CHECK == 0 and (c)`
                    add(src.start(clause.ifs[-1]), f"{CHECK} == 0 and (")
                    add(src.end(clause.ifs[-1]), ")")
                else:  # a condition of its own after the iterable (and its parentheses)
                    add(src.end_with_parentheses(clause.iter, src.end(clause.target)), f" if {CHECK} == 0")
    return out


def count_loops(tree: ast.AST) -> int:
    """How many loops and comprehension ``for`` clauses *tree* has: the number of checks it needs."""
    return sum(1 if isinstance(n, _LOOPS) else len(n.generators) if isinstance(n, _COMPREHENSIONS) else 0
               for n in ast.walk(tree))


def cooperative_source(source: str, filename: str = "<module>") -> str:
    """*source* with a ``PyErr_CheckSignals()`` call in every loop and comprehension (see the module's text).

    Raises :class:`NotInstrumentable` for a loop it cannot instrument in place
    and :class:`SyntaxError` for a source that does not parse.
    """
    tree = ast.parse(source, filename)
    src = _Source(source)
    try:
        inserts = _insertions(tree, src)
    except NotInstrumentable as exc:
        raise NotInstrumentable(f"{filename}: {exc}") from None
    pieces, pos = [], 0
    for offset, _, text in sorted(inserts):
        pieces += [source[pos:offset], text]
        pos = offset
    pieces.append(source[pos:])
    out = "".join(pieces)
    out = out + ("" if out.endswith("\n") else "\n") + TAIL
    found, missing = checks_in(ast.parse(out, filename))
    if missing or found != count_loops(tree):
        raise NotInstrumentable(f"{filename}: the rewrite left loops without their check: {missing}")
    return out


def checks_in(tree: ast.AST) -> tuple[int, list[str]]:
    """How many loops of *tree* (a rewritten module) ask for pending signals on every iteration, and where the others are.

    A loop counts when the statement that runs first in its body is the
    check, an ``if``/``while`` whose test starts with ``CHECK == 0 and``, or
    a ``for`` over ``_cleaner_checked(...)``; a comprehension clause counts
    when its last condition is ``CHECK == 0`` or starts with ``CHECK == 0 and``.
    The tail's own helper is not counted.
    """

    def is_check(expr: ast.AST) -> bool:
        return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == CHECK_NAME
                and not expr.args)

    def is_check_zero(expr: ast.AST) -> bool:  # CHECK == 0
        return (isinstance(expr, ast.Compare) and is_check(expr.left) and isinstance(expr.ops[0], ast.Eq)
                and isinstance(expr.comparators[0], ast.Constant) and expr.comparators[0].value == 0)

    def guarded(test: ast.AST) -> bool:  # CHECK == 0 and (...)
        return (isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and is_check_zero(test.values[0]))

    found, missing = 0, []
    for node in ast.walk(tree):
        if isinstance(node, _LOOPS):
            first = _first_run(node.body)
            ok = ((isinstance(first, ast.Expr) and is_check(first.value))
                  or (isinstance(first, (ast.If, ast.While)) and guarded(first.test))
                  or (isinstance(first, (ast.For, ast.AsyncFor)) and isinstance(first.iter, ast.Call)
                      and isinstance(first.iter.func, ast.Name) and first.iter.func.id == CHECKED_NAME))
            found += ok
            if not ok:
                missing.append(f"line {node.lineno}: {type(node).__name__}")
        elif isinstance(node, _COMPREHENSIONS):
            for clause in node.generators:
                last = clause.ifs[-1] if clause.ifs else None
                ok = last is not None and (is_check_zero(last) or guarded(last))
                found += ok
                if not ok:
                    missing.append(f"line {node.lineno}: a {type(node).__name__} clause")
    return found, missing
