"""Normalisation and tokenisation before shingling.

Two copies of the same wire paragraph differ in ways a reader does not
notice: typographic against straight quotes (``’`` against ``'``), en or em
dashes against hyphens, non-breaking spaces, letter case, compatibility
forms (``ﬁ``, full-width letters).  :func:`normalize_text` folds all of them
away, so that only real wording differences lower the similarity:

>>> normalize_text("Russia’s “demands” — Ｕ.S.")
'russia\\'s "demands" - u.s.'

:func:`words` then keeps the words and drops punctuation, so a moved comma
or a changed quote style does not change any shingle:

>>> words("Russia’s demands—again!")
['russia', 's', 'demands', 'again']

The exact rule (the batch path, :func:`tokenize_batch`, implements the same
rule on UTF-8 bytes, in one compiled pass where numba loads or with numpy,
without one Python call per character or per ASCII word):

1. characters the folding table maps to punctuation or space (quotes,
   apostrophes, dashes, the Unicode spaces) separate words; characters it
   maps to nothing (soft hyphen, zero-width spaces, BOM) are deleted;
2. ASCII letters are lower-cased; ASCII punctuation, spaces and control
   characters separate words;
3. a word is a maximal run of the remaining characters; a word with
   non-ASCII characters is NFKC-normalised and casefolded, and only its
   letters, digits and combining marks are kept (a word left empty is
   dropped).

The folding table is data, in ``cleaner/data/dedup.toml``.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cleaner.rules._lines import load_toml

_M64 = (1 << 64) - 1
_C1 = 0x9E3779B97F4A7C15
_C2 = 0xC2B2AE3D27D4EB4F
_FM1 = 0xFF51AFD7ED558CCD
_FM2 = 0xC4CEB9FE1A85EC53


@dataclass(frozen=True)
class _Tables:
    fold: dict[int, str]  # for normalize_text
    separators: frozenset[str]  # non-ASCII characters that separate words
    deleted: frozenset[str]  # non-ASCII characters that vanish
    ascii_bytes: bytes  # bytes.translate table: lower-case, ASCII separators -> space
    str_table: dict[int, str | None]  # the same rule for str.translate (reference path)
    codes_sep: np.ndarray  # UTF-8 codes (as int) of separator characters, by length
    codes_del: np.ndarray


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    data = load_toml("dedup.toml")["normalize"]
    fold: dict[int, str] = {}
    separators: set[str] = set()
    deleted: set[str] = set()
    for chars, replacement in data["fold"]:
        for ch in chars:
            fold[ord(ch)] = replacement
            if replacement == "":
                deleted.add(ch)
            elif all(c in string.punctuation or c.isspace() for c in replacement):
                separators.add(ch)
    for ch in "\r\n\t\v\f\u2028\u2029\x85":
        fold[ord(ch)] = " "
    lut = np.arange(256, dtype=np.uint8)
    str_table: dict[int, str | None] = {}
    for i in range(128):
        c = chr(i)
        if c in string.punctuation or i <= 32 or i == 127:
            lut[i] = 32
            str_table[i] = " "
        elif "A" <= c <= "Z":
            lut[i] = ord(c.lower())
            str_table[i] = c.lower()
    for ch in separators:
        str_table[ord(ch)] = " "
    for ch in deleted:
        str_table[ord(ch)] = None

    def codes(chars: set[str]) -> np.ndarray:
        return np.array(sorted(_utf8_code(c) for c in chars if ord(c) >= 128), dtype=np.int64)

    return _Tables(fold, frozenset(separators), frozenset(deleted), lut.tobytes(), str_table,
                   codes(separators), codes(deleted))


def _utf8_code(ch: str) -> int:
    """A character's UTF-8 bytes as one integer, tagged with the length."""
    b = ch.encode("utf-8")
    return (len(b) << 32) | int.from_bytes(b, "big")


def normalize_text(text: str) -> str:
    """Fold *text* for comparison: NFKC, casefold, quotes, dashes and spaces.

    The result is for comparison only and is never written anywhere, so the
    folding may be lossy.  Idempotent:
    ``normalize_text(normalize_text(t)) == normalize_text(t)``.
    """
    table = _tables().fold
    folded = unicodedata.normalize("NFKC", text).casefold().translate(table)
    if not folded.isascii():
        # Casefolding can produce sequences NFKC would change again.
        folded = unicodedata.normalize("NFKC", folded).translate(table)
    return folded


@lru_cache(maxsize=65536)
def normalize_word(raw: str) -> str:
    """Step 3 of the rule for one word with non-ASCII characters ("" drops it)."""
    w = unicodedata.normalize("NFKC", raw).casefold()
    w = unicodedata.normalize("NFKC", w).translate(_tables().fold)
    return "".join(c for c in w if c.isalnum() or unicodedata.category(c).startswith("M"))


def words(text: str) -> list[str]:
    """The words of *text* (reference implementation of the rule above)."""
    t = _tables()
    out = []
    for raw in text.translate(t.str_table).split(" "):
        if not raw:
            continue
        if raw.isascii():
            out.append(raw)
        else:
            w = normalize_word(raw)
            if w:
                out.append(w)
    return out


def word_hash(word: str) -> int:
    """The 64-bit hash of one normalised word (reference for the numpy path).

    The UTF-8 bytes are read as little-endian 64-bit chunks (zero-padded);
    ``h = fmix64(chunk0 ^ (len * C1))``, then for each further chunk
    ``h = fmix64(h ^ (chunk * C2 + k))``.
    """
    b = word.encode("utf-8", "surrogatepass")
    h = _fmix64_int(int.from_bytes(b[:8], "little") ^ ((len(b) * _C1) & _M64))
    for k in range(1, (len(b) + 7) // 8):
        chunk = int.from_bytes(b[8 * k : 8 * k + 8], "little")
        h = _fmix64_int(h ^ ((chunk * _C2 + k) & _M64))
    return h


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * _FM1) & _M64
    h ^= h >> 33
    h = (h * _FM2) & _M64
    return h ^ (h >> 33)


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser on a uint64 array (wrapping arithmetic)."""
    s = np.uint64(33)
    tmp = np.empty_like(h)
    with np.errstate(over="ignore"):
        h = h ^ np.right_shift(h, s, out=tmp)  # one new array; the rest in place
        h *= np.uint64(_FM1)
        h ^= np.right_shift(h, s, out=tmp)
        h *= np.uint64(_FM2)
        h ^= np.right_shift(h, s, out=tmp)
        return h


@dataclass
class TokenBatch:
    """The words of a batch of texts as hashes: text ``i`` owns ``hashes[offsets[i]:offsets[i+1]]``."""

    offsets: np.ndarray  # int64, len(texts) + 1
    hashes: np.ndarray  # uint64, one per word, in text order

    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)


class _SpecialWords:
    """The ``word_hash`` of the normalised form of every word with non-ASCII bytes seen, by its raw hash.

    Kept across calls (the same words recur in every block) and cleared
    past :data:`_SPECIAL_WORDS_MAX` words: a memo only, so results never
    depend on it.  The compiled path keeps it as a hash table its kernel
    probes (:class:`~cleaner.dedup._fast.WordTable`), the numpy path as a
    ``dict`` (``-1``: the word is dropped).
    """

    def __init__(self) -> None:
        self.by_raw: dict[int, int] = {}
        self.table = None  # a WordTable, made on the first compiled call

    def clear(self) -> None:
        self.by_raw.clear()
        if self.table is not None:
            self.table.clear()

    def __len__(self) -> int:
        return len(self.by_raw) + (len(self.table) if self.table is not None else 0)


_SPECIAL_WORDS = _SpecialWords()
_SPECIAL_WORDS_MAX = 500_000


def _word_hashes_numpy(arr: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """:func:`word_hash` of every word ``arr[starts[k] : starts[k] + lens[k]]`` (*arr* padded with 8 bytes)."""
    chunks = np.ndarray(shape=(len(arr) - 7,), dtype="<u8", buffer=arr, strides=(1,))
    masks = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [_M64], dtype=np.uint64)
    with np.errstate(over="ignore"):
        first = chunks[starts] & masks[np.minimum(lens, 8)]
        h = fmix64(first ^ (lens.astype(np.uint64) * np.uint64(_C1)))
        k = 1
        long_idx = np.flatnonzero(lens > 8)
        while len(long_idx):
            sub_len = lens[long_idx] - 8 * k
            chunk = chunks[starts[long_idx] + 8 * k] & masks[np.minimum(sub_len, 8)]
            h[long_idx] = fmix64(h[long_idx] ^ (chunk * np.uint64(_C2) + np.uint64(k)))
            k += 1
            long_idx = long_idx[lens[long_idx] > 8 * k]
    return h


def _fold_multibyte_numpy(arr: np.ndarray, size: int, t: _Tables) -> None:
    """Step 1 in place on UTF-8 bytes: separator characters -> spaces, deleted characters -> NUL."""
    lead = np.flatnonzero(arr[:size] >= 0xC0)
    if not len(lead):
        return
    nbytes = np.where(arr[lead] >= 0xF0, 4, np.where(arr[lead] >= 0xE0, 3, 2))
    code = np.zeros(len(lead), dtype=np.int64)
    for k in range(4):
        part = arr[np.minimum(lead + k, len(arr) - 1)].astype(np.int64)
        code = np.where(k < nbytes, (code << 8) | part, code)
    code |= nbytes.astype(np.int64) << 32
    for codes, fill in ((t.codes_sep, 32), (t.codes_del, 0)):
        hit = np.isin(code, codes)
        if hit.any():
            for k in range(4):
                pos = lead[hit & (k < nbytes)] + k
                arr[pos] = fill


def tokenize_batch(texts: Sequence[str]) -> TokenBatch:
    """Word hashes of every text of *texts* (``word_hash`` of each of ``words(text)``), vectorised."""
    t = _tables()
    n = len(texts)
    # One space between texts so that no word crosses a boundary (and one after the last).
    blob = " ".join([*texts, ""]).encode("utf-8", "surrogatepass")
    from cleaner.dedup import _fast

    fast = _fast.kernels(len(blob) // 8)
    if fast is not None:  # steps 1 and 2, the words and their hashes in one compiled call
        char_starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=n) + 1, out=char_starts[1:])
        arr, size, h, starts, ends, special, first_word = fast.tokenize(
            blob, char_starts, np.frombuffer(t.ascii_bytes, dtype=np.uint8), t.codes_sep, t.codes_del)
        return _special_words_compiled(fast, arr, h, starts, ends, special, first_word)
    arr, h, starts, ends, special, text_start = _tokenize_numpy(texts, t)
    # Words never cross a text boundary: text i owns the words that start in it.
    first_word = np.searchsorted(starts, text_start)
    # Words with non-ASCII bytes: normalise in Python, once per distinct word.
    keep_word = np.ones(len(starts), dtype=bool)
    if len(special):
        # Normalise each distinct non-ASCII word once (keyed by its raw hash).
        distinct, first, inverse = np.unique(h[special], return_index=True, return_inverse=True)
        cache = _SPECIAL_WORDS.by_raw
        if len(cache) > _SPECIAL_WORDS_MAX:
            cache.clear()
        found = list(map(cache.get, distinct.tolist()))  # normalised word hash, -1 (dropped) or None (not seen yet)
        missing = [u for u, v in enumerate(found) if v is None]
        if missing:
            picked = special[first[missing]]
            for u, key, a, b in zip(missing, distinct[missing].tolist(), starts[picked].tolist(),
                                    ends[picked].tolist()):
                w = normalize_word(arr[a:b].tobytes().decode("utf-8", "surrogatepass"))
                found[u] = cache[key] = word_hash(w) if w else -1
        dropped = np.array([v < 0 for v in found], dtype=bool)
        values = np.array([v if v >= 0 else 0 for v in found], dtype=np.uint64)
        h[special] = values[inverse]
        keep_word[special] = ~dropped[inverse]
    if not keep_word.all():
        dropped_before = np.concatenate(([0], np.cumsum(~keep_word)))
        first_word = first_word - dropped_before[first_word]
        h = h[keep_word]
    offsets = first_word.astype(np.int64)
    offsets[-1] = len(h)
    return TokenBatch(offsets, h.astype(np.uint64, copy=False))


def tokenize_spans(blob: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> TokenBatch:
    """:func:`tokenize_batch` of the texts ``blob[starts[i]:ends[i]]`` (UTF-8 bytes, ``surrogatepass``), compiled.

    The same :class:`TokenBatch` as ``tokenize_batch`` of the decoded
    texts, read straight from the bytes of the documents they were cut
    from (:class:`~cleaner.dedup.segment.ParagraphBatch`): no string is made
    for a text, and the bytes between them are not read.  Needs the
    compiled kernels (:func:`cleaner.dedup._fast.kernels`).
    """
    from cleaner.dedup import _fast

    fast = _fast.kernels()
    t = _tables()
    k = fast._k
    classes = _SPAN_SCRATCH.get("classes")
    if classes is None:
        classes = _SPAN_SCRATCH["classes"] = k.code_classes(t.codes_sep, t.codes_del)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    room = int((ends - starts).sum()) + len(starts) + 2
    bounds = _SPAN_SCRATCH.get("bounds")
    if bounds is None or len(bounds) < room:  # kept from call to call, as the tokeniser's (_fast._SCRATCH)
        bounds = _SPAN_SCRATCH["bounds"] = np.empty(2 * room, dtype=np.int64)
        _SPAN_SCRATCH["high"] = np.empty(room + 1, dtype=np.int64)
    arr, _size, h, w_starts, w_ends, special, first_word = k._tokenize_spans(
        blob, starts, ends, np.frombuffer(t.ascii_bytes, dtype=np.uint8), classes, t.codes_sep, t.codes_del, bounds,
        _SPAN_SCRATCH["high"])
    return _special_words_compiled(fast, arr, h, w_starts, w_ends, special, first_word)


#: :func:`tokenize_spans`'s scratch arrays and character table, kept from call to call.
_SPAN_SCRATCH: dict[str, np.ndarray] = {}


def _special_words_compiled(fast, arr: np.ndarray, h: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                            special: np.ndarray, first_word: np.ndarray) -> TokenBatch:
    """Step 3 for the compiled path: every word with non-ASCII bytes gets its normalised word's hash, or is dropped.

    Each distinct such word is normalised in Python once (keyed by the hash
    of its raw bytes, kept in :data:`_SPECIAL_WORDS` across calls); the
    words of the batch are looked up in one compiled pass.
    """
    memo = _SPECIAL_WORDS
    if memo.table is None:
        memo.table = fast.WordTable(_SPECIAL_WORDS_MAX)
    table = memo.table
    dropped = np.zeros(0, dtype=np.int64)
    if len(special):
        missing, dropped = table.lookup(h, special)
        if len(missing):  # words not seen yet: normalise each distinct one
            at = special[missing]
            keys, first = np.unique(h[at], return_index=True)
            picked = at[first]
            found = [normalize_word(arr[a:b].tobytes().decode("utf-8", "surrogatepass"))
                     for a, b in zip(starts[picked].tolist(), ends[picked].tolist())]
            table.add(keys, np.array([word_hash(w) if w else 0 for w in found], dtype=np.uint64),
                      np.array([not w for w in found], dtype=bool))
            _still, more = table.lookup(h, at)
            if len(more):
                dropped = np.sort(np.concatenate((dropped, more)))
    if len(dropped):
        first_word = first_word - np.searchsorted(dropped, first_word)
        h = np.delete(h, dropped)
    first_word[-1] = len(h)
    return TokenBatch(first_word, h)


def _tokenize_numpy(texts: Sequence[str], t: _Tables):
    """Steps 1 and 2, the words and their hashes with numpy: ``(buffer, hashes, starts, ends, special, text starts)``.

    *special* are the words with a byte >= 0x80 (ascending); text ``i``
    starts at byte ``text_start[i]`` of the buffer.
    """
    n = len(texts)
    encoded = [s.encode("utf-8", "surrogatepass") for s in texts]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
    # Step 2 of the rule (ASCII lower-case, ASCII separators -> space; it commutes with
    # step 1, which only touches multi-byte characters) is one bytes.translate.
    # NUL becomes a space there, so 0 can mark deletions below; 8 zero bytes pad.
    blob = (b" ".join(encoded) + b" ").translate(t.ascii_bytes) + b"\0" * 8
    arr = np.frombuffer(blob, dtype=np.uint8).copy()
    text_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=text_start[1:])
    size = len(arr) - 8
    # 1. Non-ASCII separators -> spaces, deleted characters -> NUL, then removed.
    _fold_multibyte_numpy(arr, size, t)
    if len(t.codes_del):  # NUL was a space after translate(): a NUL now is a deleted byte
        gone = np.flatnonzero(arr[:size] == 0)
        if len(gone):
            text_start = text_start - np.searchsorted(gone, text_start)
            arr = np.delete(arr, gone)
            size = len(arr) - 8
    body = arr[:size]
    is_word = np.empty(size + 2, dtype=bool)
    is_word[0] = is_word[-1] = False
    np.not_equal(body, 32, out=is_word[1:-1])
    change = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts = change[0::2]
    ends = change[1::2]
    # 3. Hash every word with numpy (8-byte chunks read straight from the buffer).
    h = _word_hashes_numpy(arr, starts, ends - starts)
    high = np.flatnonzero(body >= 0x80) if len(starts) else starts
    if len(high):
        owners = np.searchsorted(starts, high, side="right") - 1  # sorted
        special = owners[np.concatenate(([True], owners[1:] != owners[:-1]))]
    else:
        special = high
    return arr, h, starts, ends, special, text_start
