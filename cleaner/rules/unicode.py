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

from cleaner.model import Edit
from cleaner.registry import RuleContext, rule

# Lines are found with a pattern that cannot backtrack; ``str.isascii`` then
# skips the ASCII ones at C speed.  (A pattern such as
# ``[^\r\n]*[^\x00-\x7f][^\r\n]*`` would be quadratic on a long ASCII line.)
_LINE_TEXT = re.compile(r"[^\r\n]+")

_DEFAULTS = {
    "uncurl_quotes": False,
    "fix_latin_ligatures": False,
    "fix_character_width": False,
    "normalization": None,
}


def _narrow(before: str, after: str) -> tuple[int, int, int]:
    """Common prefix and suffix lengths, so an edit covers only what changed."""
    p = 0
    n = min(len(before), len(after))
    while p < n and before[p] == after[p]:
        p += 1
    s = 0
    while s < n - p and before[-1 - s] == after[-1 - s]:
        s += 1
    return p, len(before) - s, len(after) - s


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
    for m in _LINE_TEXT.finditer(text):
        line = m.group()
        if line.isascii():
            continue
        fixed, explanation = ftfy.fix_and_explain(line, config=config)
        if fixed == line:
            continue
        a, b_before, b_after = _narrow(line, fixed)
        steps = ", ".join(step for step, _ in (explanation or [])) or "ftfy"
        out.append(
            Edit(m.start() + a, m.start() + b_before, fixed[a:b_after], f"encoding damage repaired ({steps})")
        )
    return out
