"""U rules: encoding damage (mojibake), repaired with ftfy.

ftfy is configured to repair *damage* only: text decoded with the wrong
codec (``Putinâ€™s`` → ``Putin’s``), lossy sequences, C1 controls and
surrogates.  Style changes that ftfy can also make — straight quotes for
curly ones, NFKC width folding, ligature splitting — are off by default and
can be turned on with rule options, because typographic quotes and dashes
are part of the text.

ftfy runs at 1–3 MB/s, so only lines that hold a character mojibake is made
of (``ftfy.badness``'s categories, not typographic quotes or dashes) are
tested, and only those ftfy's own detector flags are given to it: a clean
document costs one encoding to UTF-8 and a search of its few non-ASCII
characters.
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


# What every match of ftfy's mojibake detector (``ftfy.badness.BADNESS_RE``)
# contains, by its character categories (``ftfy.badness.MOJIBAKE_CATEGORIES``):
# a character of the rare categories (C1 controls, ``¤ ¦ ¨ ƒ †``, currency
# and numeric signs, box drawing, capital accented letters) or one of a few
# letters it names; or one of the pairs that its other alternatives need
# (a small accented letter next to typographic punctuation such as ``é”``,
# ``”é``; Windows-1251 and -1253 sequences).  Typographic quotes and dashes,
# small accented letters, Greek, Cyrillic and every other script alone are
# not suspect, so ordinary text in any language is rejected by one scan.
# ``tests/test_rules_speedpaths.py`` checks this against ftfy's pattern.
_SINGLE_CATEGORIES = ("c1", "bad", "currency", "numeric", "law", "box", "upper_accented")
_SINGLE_LETTERS = "œÙ‚Ђ"


@lru_cache(maxsize=1)
def _ftfy_prefilter():
    """``(is_bad, touchable, suspect)``: ftfy's own tests for whether it would change a line.

    With the style options off, ftfy changes a line only when its mojibake
    detector (``ftfy.badness.is_bad``) fires, or when the line holds a
    character one of its other fixers acts on: C1 controls, surrogates,
    terminal escapes and the control characters it removes.  Checking that
    first (two linear scans in C) skips ftfy -- 20 µs or more a call -- for
    ordinary accented, Cyrillic or CJK text.

    ``suspect`` finds the characters without which neither test can fire
    (the touchable ones and those every mojibake match contains), so one
    scan of the whole document finds the few lines worth testing.
    """
    from ftfy.badness import is_bad

    touchable, single, pairs = _suspect_parts()
    # One leading character class, so the search skips to candidates at C
    # speed; the look-behinds then say which kind of candidate was found.
    firsts = single + "".join(first for first, _ in pairs)
    suspect = re.compile(
        f"[{firsts}]"
        f"(?:(?<=[{single}])"
        + "".join(f"|(?<=[{first}])[{second}]" for first, second in pairs)
        + ")"
    )
    return is_bad, touchable, suspect


@lru_cache(maxsize=1)
def _suspect_parts() -> tuple[re.Pattern[str], str, tuple[tuple[str, str], ...]]:
    """``(touchable, single, pairs)``: what the *suspect* pattern of :func:`_ftfy_prefilter` is made of.

    *single* is the class contents of the characters suspect on their own;
    each of *pairs* is ``(first, second)``, the class contents of two
    characters suspect only together, in that order.
    """
    from ftfy.badness import MOJIBAKE_CATEGORIES
    from ftfy.chardata import CONTROL_CHARS

    chars = set(CONTROL_CHARS) | set(range(0x80, 0xA0)) | set(range(0xD800, 0xE000)) | {0x1B}
    touchable = re.compile(_char_class(chars))
    cat = MOJIBAKE_CATEGORIES  # class contents (``\xc0-\xd1`` ranges), used as they are
    single = touchable.pattern[1:-1] + "".join(cat[k] for k in _SINGLE_CATEGORIES) + _SINGLE_LETTERS
    lower, end, punct = cat["lower_accented"], cat["end_punctuation"], cat["start_punctuation"] + cat["end_punctuation"]
    pairs = ((lower, punct), (end, lower), ("ВГРС", punct + "°µ"), ("Г", "ў"), ("ΒΓΞΟ", punct + "°"))
    return touchable, single, pairs


@lru_cache(maxsize=1)
def _ascii_to_drop() -> bytes | None:
    """The ASCII characters (as bytes) that no match of *suspect* holds, or None if every one may.

    Most of a news text is ASCII, and the suspect pattern tests every
    character it searches.  Without these characters the text keeps every
    match of the pattern -- a match is one suspect character or two
    adjacent ones, and dropping others never separates two neighbours -- so
    a search of what is left (a few dozen characters: the non-ASCII ones
    and ASCII controls) tells which matches the whole text holds (see
    :func:`_suspect_spans`).
    """
    _, single, pairs = _suspect_parts()
    kept = re.compile("|".join(f"[{part}]" for part in (single, *(c for pair in pairs for c in pair))))
    drop = bytes(b for b in range(128) if kept.match(chr(b)) is None)
    return drop or None


@lru_cache(maxsize=1)
def _suspect_kinds() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """``(single, pair_start)``: the suspect characters of their own, and the first of two suspect together.

    *pair_start* matches only the first character (the second is looked
    ahead at), so its matches may overlap pairs, and ``finditer`` finds
    every pair.
    """
    _, single, pairs = _suspect_parts()
    # One leading class, as in *suspect*: the search skips to candidates at C speed.
    firsts = "".join(first for first, _ in pairs)
    ahead = "|".join(f"(?<=[{first}])(?=[{second}])" for first, second in pairs)
    return re.compile(f"[{single}]"), re.compile(f"[{firsts}](?:{ahead})")


def _suspect_spans(text: str, suspect: re.Pattern[str]):
    """The ``(start, end)`` spans of the lines of *text* that hold a match of *suspect*, as :func:`_suspect_lines` gives them.

    Read from what is left of the text without the ASCII characters of
    :func:`_ascii_to_drop` (its UTF-8 form without those bytes -- an ASCII
    byte is never part of a longer character -- decoded back): a few dozen
    characters that hold every match the text holds, since a match is one
    suspect character or two neighbours, and dropping others never
    separates two neighbours.  With no match there, the text holds none
    (the common case, for the cost of an encoding).  Otherwise the text's
    matches are its suspect characters of their own that are left, and the
    pairs left that are pairs in the text too (``in``; two neighbours
    there may not be in the text): the lines that hold one are found with
    ``str.find``.
    """
    drop = _ascii_to_drop()
    if drop is None:
        return _suspect_lines(text, suspect)
    rest = text.encode("utf-8", "surrogatepass").translate(None, drop)
    kinds = (_rest_kinds if len(rest) <= _REMEMBERED_REST else _rest_kinds.__wrapped__)(rest)
    if kinds is None:  # text made of such pairs (or hostile): searched as it is
        return _suspect_lines(text, suspect)
    single, pairs = kinds
    if not pairs:
        return _lines_holding(text, single) if single else ()
    found = set(single)
    found.update(pair for pair in pairs if pair in text)
    if not found:
        return ()
    return _lines_holding(text, found)


#: What is left of a text up to this many bytes is remembered by :func:`_rest_kinds` (1024 of them).
_REMEMBERED_REST = 4096


@lru_cache(maxsize=1024)
def _rest_kinds(rest: bytes) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """``(single, pairs)`` in what :func:`_suspect_spans` leaves of a text (UTF-8, without the dropped ASCII bytes), or None.

    *single* are the suspect characters of their own that are left; *pairs*
    the pairs of suspect neighbours left (the text holds those it holds as
    neighbours too); None past :data:`_MAX_PAIRS` pairs.  Remembered for the
    most recent texts: the engine's next pass sees nearly every text again
    with a few lines or spaces changed and the same characters left, and
    syndicated copy repeats across documents.
    """
    rest_text = rest.decode("utf-8", "surrogatepass")
    single, pair_start = _suspect_kinds()
    pairs = set()
    for k, m in enumerate(pair_start.finditer(rest_text)):
        if k == _MAX_PAIRS:
            return None
        p = m.start()
        pairs.add(rest_text[p : p + 2])
    return frozenset(single.findall(rest_text)), tuple(sorted(pairs))


#: How many pairs of suspect neighbours :func:`_suspect_spans` looks at before it searches the text itself.
_MAX_PAIRS = 64


def _lines_holding(text: str, needles: set[str]) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans, in order, of the lines of *text* that hold one of *needles* (without line breaks)."""
    spans = set()
    find, rfind = text.find, text.rfind
    n = len(text)
    cr = "\r" in text
    for needle in needles:
        p = find(needle)
        while p >= 0:
            start = max(rfind("\n", 0, p), rfind("\r", 0, p) if cr else -1) + 1
            end = _line_end(text, p, n, cr)
            spans.add((start, end))
            p = find(needle, end)
    return sorted(spans)


def _line_end(text: str, p: int, n: int, cr: bool) -> int:
    """Where the line that holds offset *p* ends: the next line break (``\\n`` or, if *cr*, ``\\r``), or *n*."""
    lf = text.find("\n", p)
    if cr:
        r = text.find("\r", p)
        if r >= 0 and (lf < 0 or r < lf):
            return r
    return n if lf < 0 else lf


_DEFAULTS = {
    "uncurl_quotes": False,
    "fix_latin_ligatures": False,
    "fix_character_width": False,
    "normalization": None,
}
_STYLE_OPTIONS = ("uncurl_quotes", "fix_latin_ligatures", "fix_character_width", "normalization")


def _narrow(before: str, after: str) -> tuple[int, int, int]:
    """Common prefix and suffix lengths, so an edit covers only what changed."""
    n = min(len(before), len(after))
    p = _same_prefix(before[:n], after[:n])
    lb, la = len(before), len(after)
    m = n - p
    s = _same_suffix(before[lb - m :], after[la - m :]) if m else 0
    return p, lb - s, la - s


def _same_prefix(a: str, b: str) -> int:
    """How many characters two strings of one length share at their start.

    Each string's code points, read as one integer (four bytes each, the
    first the least significant), are combined with XOR: the lowest bit set
    lies in the first character that differs.  Linear, in C, with no
    Python step per character or per halving.
    """
    x = int.from_bytes(a.encode("utf-32-le", "surrogatepass"), "little") ^ \
        int.from_bytes(b.encode("utf-32-le", "surrogatepass"), "little")
    return len(a) if not x else ((x & -x).bit_length() - 1) >> 5


def _same_suffix(a: str, b: str) -> int:
    """How many characters two strings of one length share at their end (see :func:`_same_prefix`)."""
    x = int.from_bytes(a.encode("utf-32-be", "surrogatepass"), "big") ^ \
        int.from_bytes(b.encode("utf-32-be", "surrogatepass"), "big")
    return len(a) if not x else ((x & -x).bit_length() - 1) >> 5


@rule(
    "U001",
    "mojibake",
    "Repair mojibake and encoding damage with ftfy (style is kept unless configured).",
    options=dict(_DEFAULTS),
)
def mojibake(text: str, ctx: RuleContext):
    """Repair text that was decoded with the wrong codec, with ftfy.

    ``Mr. Putinâ€™s request`` becomes ``Mr. Putin’s request``.  Only lines
    with characters that mojibake is made of are examined.  Options (``[tool.cleaner.rules.U001]``):
    ``uncurl_quotes``, ``fix_latin_ligatures``, ``fix_character_width``
    (all false) and ``normalization`` (none; ``"NFC"`` or ``"NFKC"`` to
    normalise).  Line breaks and HTML entities are left to the W and H rules.
    """
    if text.isascii():
        return []
    style = any(map(ctx.options.get, _STYLE_OPTIONS))  # their defaults are all false
    is_bad, touchable, suspect = _ftfy_prefilter()
    if style:
        # Style fixes apply to any non-ASCII character: every such line goes to ftfy.
        lines = (m.span() for m in _LINE_TEXT.finditer(text))
    else:
        lines = _suspect_spans(text, suspect)
        if not lines:
            return []  # the common case: no character mojibake is made of
    options = tuple(ctx.options.get(k, v) for k, v in _DEFAULTS.items())
    try:
        config = _config(options)
    except TypeError:  # an option value that cannot be a key: ftfy will say what is wrong with it
        config = _config.__wrapped__(options)
    out = []
    done: dict[str, tuple[int, int, str, str] | None] = {}  # a repeated line is examined once
    for start, end in lines:
        line = text[start:end]
        if line.isascii():
            continue
        if line in done:
            repair = done[line]
        else:
            repair = done[line] = (_repair_remembered if len(line) <= _REMEMBERED_LINE else _repair)(line, config)
        if repair is not None:
            a, b, after, reason = repair
            out.append(Edit(start + a, start + b, after, reason))
    return out


@lru_cache(maxsize=16)
def _config(options: tuple):
    """ftfy's settings for this rule, with the values of :data:`_DEFAULTS`'s options in *options*."""
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,
        fix_line_breaks=False,
        remove_terminal_escapes=True,
        explain=True,
        max_decode_length=10**6,
        **dict(zip(_DEFAULTS, options)),
    )


def _repair(line: str, config) -> tuple[int, int, str, str] | None:
    """What ftfy changes in *line*: ``(start, end, after, reason)`` in the line's offsets, or None.

    Without style options, ftfy is called only when its own tests say it
    would change something (see :func:`_ftfy_prefilter`).
    """
    import ftfy

    style = config.uncurl_quotes or config.fix_latin_ligatures or config.fix_character_width or config.normalization
    if style:
        fixed, explanation = ftfy.fix_and_explain(line, config=config)
    else:
        _, touchable, suspect = _ftfy_prefilter()
        if not (touchable.search(line) or _is_bad(line, suspect)):
            return None
        fixed, explanation = _fix_and_explain(line, config, touchable, suspect)
    if fixed == line:
        return None
    steps = ", ".join(step for step, _ in (explanation or [])) or "ftfy"
    a, b_before, b_after = _narrow(line, fixed)
    return a, b_before, fixed[a:b_after], f"encoding damage repaired ({steps})"


def _fix_and_explain(line: str, config, touchable: re.Pattern[str], suspect: re.Pattern[str]):
    """``ftfy.fix_and_explain(line, config)``, without style options.

    ftfy first undoes layers of mojibake (its own step, repeated while its
    detector fires), then runs its other fixers, and runs the whole again
    while the text changes.  When the result of the first part holds no
    *touchable* character and no longer looks bad to ftfy, the other fixers
    and the second round leave it alone, so the result (and the steps) are
    those of the first part: ftfy's step, with :func:`_is_bad` (which looks
    only around the suspect characters) instead of a scan of the whole line
    for each result -- the costliest part of a repair.  A line that looks
    bad but that the step leaves as it is, without explaining anything, is
    ftfy's answer as it stands (ftfy's first round changes nothing, so there
    is no second).  Otherwise (a C1 control or a control character
    survives, mostly when nothing was decoded, or the result still looks
    bad, as with ``\ufffd\ufffd``, where ftfy's second round adds the steps
    of one more try) ftfy repairs the line itself.
    """
    import ftfy

    step = _encoding_step()
    if step is None or not config.fix_encoding or config.unescape_html or config.fix_line_breaks:
        return ftfy.fix_and_explain(line, config=config)  # another ftfy, or settings this rule never uses
    text = line
    steps: list = []
    bad = not text.isascii() and _is_bad(text, suspect)
    while bad:
        fixed, plan = step(text, config)
        if plan:
            steps.extend(plan)
        if fixed == text:
            break
        text = fixed
        bad = not text.isascii() and _is_bad(text, suspect)
    if touchable.search(text) is None and (not bad or (text is line and not steps)):
        # Nothing for ftfy's other fixers, and no second round: either the
        # result looks fine, or the line looks bad but nothing was decoded
        # or explained (ftfy's first round leaves it as it is, and so ends).
        return text, steps
    # ftfy's other fixers would act, or its second round would try (and explain) one more step
    return ftfy.fix_and_explain(line, config=config)


@lru_cache(maxsize=1)
def _encoding_step():
    """ftfy's one step of encoding repair, with :func:`_is_bad` as its detector; None if ftfy has no such step.

    ftfy's step (``ftfy._fix_encoding_one_step_and_explain``) first asks
    its detector whether the text looks bad, searching the whole line with
    ``ftfy.badness.BADNESS_RE``: the costliest part of a repair.  This is
    the same function with the detector that searches only around the
    suspect characters (same answer, see :func:`_is_bad`); the module's
    own function is left as it is.
    """
    import types

    import ftfy
    from ftfy.badness import is_bad

    step = getattr(ftfy, "_fix_encoding_one_step_and_explain", None)
    if not isinstance(step, types.FunctionType):
        return None
    if step.__globals__.get("is_bad") is not is_bad:
        return step  # a version of ftfy that finds its detector elsewhere: use its step as it is
    suspect = _ftfy_prefilter()[2]
    namespace = dict(step.__globals__, is_bad=lambda text: _is_bad(text, suspect))
    fast = types.FunctionType(step.__code__, namespace, step.__name__, step.__defaults__, step.__closure__)
    fast.__kwdefaults__ = step.__kwdefaults__
    return fast


# Lines repeat across documents (syndicated copy, a site's own furniture)
# and most come back unchanged in the engine's later passes, so the answers
# for the 2048 most recent lines of at most 2000 characters are kept.
_REMEMBERED_LINE = 2000
_repair_remembered = lru_cache(maxsize=2048)(_repair)


# No match of ftfy's detector is longer than this (checked by the tests).
_BADNESS_WIDTH = 8
_MAX_WINDOWS = 16


def _is_bad(line: str, suspect: re.Pattern[str]) -> bool:
    """``ftfy.badness.is_bad(line)``, looking only around the suspect characters.

    Every match of the detector holds a suspect character (see
    ``_ftfy_prefilter``), so searching a few characters either side of each
    gives the same answer as searching the whole line.  A line with many
    suspect characters is searched whole.
    """
    from ftfy.badness import BADNESS_RE

    search = BADNESS_RE.search
    w = _BADNESS_WIDTH
    for k, m in enumerate(suspect.finditer(line)):
        if k == _MAX_WINDOWS:
            return search(line) is not None
        p = m.start()
        # With pos > 0 the search still anchors ``^`` at the real start of the line.
        if search(line, max(0, p - w), p + w + 2) is not None:
            return True
    return False


def _suspect_lines(text: str, suspect: re.Pattern[str]):
    """The ``(start, end)`` spans of the lines of *text* that hold a *suspect* character.

    One search per such line: after a hit, the search resumes at the end of
    its line, so a line full of accented letters costs one match.
    """
    search = suspect.search
    rfind = text.rfind
    n = len(text)
    cr = "\r" in text  # without one, looking for one from every line would cost a scan of the text each
    m = search(text)
    while m is not None:
        p = m.start()
        start = max(rfind("\n", 0, p), rfind("\r", 0, p) if cr else -1) + 1
        end = _line_end(text, p, n, cr)
        if end > start:
            yield start, end
        m = search(text, end + 1) if end < n else None
