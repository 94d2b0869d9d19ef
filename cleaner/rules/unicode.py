"""U rules: encoding damage (mojibake), repaired with ftfy.

ftfy is configured to repair *damage* only: text decoded with the wrong
codec (``Putinâ€™s`` → ``Putin’s``), lossy sequences, C1 controls and
surrogates.  Style changes that ftfy can also make — straight quotes for
curly ones, NFKC width folding, ligature splitting — are off by default and
can be turned on with rule options, because typographic quotes and dashes
are part of the text.

ftfy runs at 1–3 MB/s, so only lines that contain a non-ASCII character are
given to it: clean ASCII costs one regular-expression scan.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule

# Lines are found with a pattern that cannot backtrack; ``str.isascii`` then
# skips the ASCII ones at C speed.  (A pattern such as
# ``[^\r\n]*[^\x00-\x7f][^\r\n]*`` would be quadratic on a long ASCII line.)
_LINE_TEXT = re.compile(r"[^\r\n]+")

def _char_class(codepoints: set[int]) -> str:
    """A regular-expression character class for *codepoints*, as ranges."""
    parts = []
    run: list[int] = []
    for c in sorted(codepoints):
        if run and c == run[-1] + 1:
            run.append(c)
            continue
        if run:
            parts.append(_range(run[0], run[-1]))
        run = [c]
    if run:
        parts.append(_range(run[0], run[-1]))
    return "[" + "".join(parts) + "]"


def _range(a: int, b: int) -> str:
    return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"


@lru_cache(maxsize=1)
def _ftfy_prefilter():
    """``(is_bad, touchable)``: ftfy's own tests for whether it would change a line.

    With the style options off, ftfy changes a line only when its mojibake
    detector (``ftfy.badness.is_bad``) fires, or when the line holds a
    character one of its other fixers acts on: C1 controls, surrogates,
    terminal escapes and the control characters it removes.  Checking that
    first (two linear scans in C) skips ftfy -- 20 µs or more a call -- for
    ordinary accented, Cyrillic or CJK text.
    """
    from ftfy.badness import is_bad
    from ftfy.chardata import CONTROL_CHARS

    chars = set(CONTROL_CHARS) | set(range(0x80, 0xA0)) | set(range(0xD800, 0xE000)) | {0x1B}
    return is_bad, re.compile(_char_class(chars))


_DEFAULTS = {
    "uncurl_quotes": False,
    "fix_latin_ligatures": False,
    "fix_character_width": False,
    "normalization": None,
}


def _narrow(before: str, after: str) -> tuple[int, int, int]:
    """Common prefix and suffix lengths, so an edit covers only what changed."""
    n = min(len(before), len(after))
    p = _common_length(before, after, n, lambda i, j: before[i:j] == after[i:j])
    lb, la = len(before), len(after)
    s = _common_length(before, after, n - p, lambda i, j: before[lb - j : lb - i] == after[la - j : la - i])
    return p, lb - s, la - s


def _common_length(before: str, after: str, n: int, same) -> int:
    """The largest ``k <= n`` with ``same(0, k)``, by comparing slices (C speed).

    ``same(i, j)`` says whether the two strings agree on the characters
    ``i`` to ``j`` counted from one end; a galloping search, then halving,
    costs O(k log k) character comparisons done in C, not a Python loop
    per character.
    """
    k = 0
    step = 64
    while k < n:
        j = min(n, k + step)
        if same(k, j):
            k = j
            step *= 2
        elif j - k == 1:
            break
        else:
            step = max(1, (j - k) // 2)
    return k


@rule(
    "U001",
    "mojibake",
    "Repair mojibake and encoding damage with ftfy (style is kept unless configured).",
    options=dict(_DEFAULTS),
)
def mojibake(text: str, ctx: RuleContext):
    """Repair text that was decoded with the wrong codec, with ftfy.

    ``Mr. Putinâ€™s request`` becomes ``Mr. Putin’s request``.  Only lines
    with non-ASCII characters are examined.  Options (``[tool.cleaner.rules.U001]``):
    ``uncurl_quotes``, ``fix_latin_ligatures``, ``fix_character_width``
    (all false) and ``normalization`` (none; ``"NFC"`` or ``"NFKC"`` to
    normalise).  Line breaks and HTML entities are left to the W and H rules.
    """
    if text.isascii():
        return []
    import ftfy

    opts = {k: ctx.options.get(k, v) for k, v in _DEFAULTS.items()}
    config = ftfy.TextFixerConfig(
        unescape_html=False,
        fix_line_breaks=False,
        remove_terminal_escapes=True,
        explain=True,
        max_decode_length=10**6,
        **opts,
    )
    out = []
    style = any(opts[k] for k in ("uncurl_quotes", "fix_latin_ligatures", "fix_character_width", "normalization"))
    is_bad, touchable = _ftfy_prefilter()
    done: dict[str, tuple[str, str]] = {}  # a repeated line is fixed once
    for m in _LINE_TEXT.finditer(text):
        line = m.group()
        if line.isascii():
            continue
        if not style and not touchable.search(line) and not is_bad(line):
            continue
        if line in done:
            fixed, steps = done[line]
        else:
            fixed, explanation = ftfy.fix_and_explain(line, config=config)
            steps = ", ".join(step for step, _ in (explanation or [])) or "ftfy"
            done[line] = (fixed, steps)
        if fixed == line:
            continue
        a, b_before, b_after = _narrow(line, fixed)
        out.append(
            Edit(m.start() + a, m.start() + b_before, fixed[a:b_after], f"encoding damage repaired ({steps})")
        )
    return out
