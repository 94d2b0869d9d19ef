"""Output formats for ``cleaner check``.

Each format is a function that turns a :class:`Report` into text::

    from cleaner.formats import FORMATS, Report
    print(FORMATS["sarif"](Report(diagnostics=diags, files=["a.txt"])))

=============  ==============================================================
``concise``    ``path:line:col: CODE message``, one line each
``full``       as ``concise``, then the offending line with a caret and the fix
``json``       a JSON array of diagnostics (see :mod:`cleaner.diagnostics`)
``json-lines`` one JSON object per line
``github``     GitHub Actions workflow commands (annotations on a pull request)
``gitlab``     GitLab Code Quality report (JSON)
``sarif``      SARIF 2.1.0 (GitHub code scanning and other SARIF viewers)
``junit``      JUnit XML (one test suite per file, one failing case per diagnostic)
=============  ==============================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cleaner.registry import Rule, all_rules


@dataclass
class Report:
    """What a check found, ready for a formatter.

    ``diagnostics`` are the dicts of :func:`cleaner.diagnostics.diagnostics`
    (with ``path`` as shown to the user); ``files`` lists every file checked,
    clean or not, in order; ``texts`` maps a path to its text (the ``full``
    format shows the offending line); ``errors`` are ``(path, message)`` pairs
    for files that could not be checked.
    """

    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=all_rules)


Formatter = Callable[[Report], str]


def _formats() -> dict[str, Formatter]:
    from cleaner.formats import github, gitlab, junit, sarif, text
    from cleaner.formats import jsonfmt

    return {
        "concise": text.concise,
        "full": text.full,
        "json": jsonfmt.json_array,
        "json-lines": jsonfmt.json_lines,
        "github": github.github,
        "gitlab": gitlab.gitlab,
        "sarif": sarif.sarif,
        "junit": junit.junit,
    }


FORMATS: dict[str, Formatter] = _formats()


def render(name: str, report: Report) -> str:
    """Render *report* in format *name* (a key of :data:`FORMATS`)."""
    return FORMATS[name](report)
