"""The compiled tokeniser (``_kernels._tokenize``) against a byte-by-byte Python reference of its contract.

The kernel folds UTF-8 bytes, finds the word bounds and hashes the words in
one pass, looks two- and three-byte characters up in a table
(:func:`~cleaner.dedup._kernels.code_classes`) and reads the words as
64-bit words.  The reference below is the plain rule it must keep, on any
bytes: ASCII through the translate table, a continuation byte on its own
copied, a multi-byte character (its length from its first byte, read past
the end as the last byte) found in the sorted separator codes (spaces) or
deleted codes (left out) or copied; words are runs of bytes other than
space, hashed as :func:`~cleaner.dedup.normalize.word_hash` hashes UTF-8.
Inputs include what ``str.encode`` never makes (overlong forms of
separators, truncated and stray sequences), so the table cannot answer
where the sorted codes would not.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from cleaner.dedup import normalize
from cleaner.dedup.normalize import _C1, _C2, _M64, _fmix64_int


def _kernels():
    from cleaner.dedup import _fast

    if _fast.kernels() is None:
        pytest.skip("numba not available")
    from cleaner.dedup import _kernels

    return _kernels


def _bytes_hash(b: bytes) -> int:
    """``word_hash`` of a word given as bytes (the same arithmetic, any bytes)."""
    h = _fmix64_int(int.from_bytes(b[:8], "little") ^ ((len(b) * _C1) & _M64))
    for k in range(1, (len(b) + 7) // 8):
        h = _fmix64_int(h ^ ((int.from_bytes(b[8 * k : 8 * k + 8], "little") * _C2 + k) & _M64))
    return h


def _reference(blob: bytes, char_starts: list[int], lut: bytes, sep: set[int], deleted: set[int]):
    size = len(blob)
    out = bytearray()
    text_start = []
    cp, i = 0, 0
    while i < size:
        while len(text_start) < len(char_starts) and char_starts[len(text_start)] == cp:
            text_start.append(len(out))
        cp += 1
        lead = blob[i]
        if lead < 0x80:
            out.append(lut[lead])
            i += 1
            continue
        if lead < 0xC0:
            out.append(lead)
            i += 1
            continue
        n = 4 if lead >= 0xF0 else 3 if lead >= 0xE0 else 2
        raw = bytes(blob[min(i + k, size - 1)] for k in range(n))
        code = (n << 32) | int.from_bytes(raw, "big")
        if code in sep:
            out += b" " * n
        elif code not in deleted:
            out += raw
        i += n
    while len(text_start) < len(char_starts):
        text_start.append(len(out))
    starts, ends, pos = [], [], 0
    for word in bytes(out).split(b" "):
        if word:
            starts.append(pos)
            ends.append(pos + len(word))
        pos += len(word) + 1
    words = [bytes(out[s:e]) for s, e in zip(starts, ends)]
    special = [k for k, w in enumerate(words) if max(w) >= 0x80]
    first_word = [sum(s < at for s in starts) for at in text_start]
    return bytes(out), [_bytes_hash(w) for w in words], starts, ends, special, first_word


def _pieces() -> list[bytes]:
    t = normalize._tables()
    chars = sorted(t.separators | t.deleted)
    pieces = [c.encode("utf-8") for c in chars]  # every separator and deleted character (2, 3 and 4 bytes)
    pieces += [w.encode("utf-8") for w in ["word", "Wire", "caf\u00e9", "\u0436\u0443\u0440", "\U0001f600", "x" * 9,
                                             "y" * 17, "\u4e2d\u6587", " ", ".", ",", "\n", "\t", "\0"]]
    pieces += ["\ud800".encode("utf-8", "surrogatepass")]  # a lone surrogate
    pieces += [b"\xc2", b"\xe2\x80", b"\x80", b"\xbf\xbf", b"\xff", b"\xf8\x88\x80\x80\x80",  # stray and cut
               b"\xc0\xa0", b"\xe0\x82\xa0", b"\xf0\x80\x82\xa0",  # overlong forms of U+0020 and U+00A0
               b"\xe2\x80\x28", b"\xc2\x41"]  # a lead byte followed by ASCII
    return pieces


@pytest.mark.parametrize("seed", range(8))
def test_compiled_tokeniser_is_the_byte_rule_on_any_bytes(seed):
    _kernels()
    t = normalize._tables()
    lut = np.frombuffer(t.ascii_bytes, dtype=np.uint8)
    sep, deleted = set(t.codes_sep.tolist()), set(t.codes_del.tolist())
    from cleaner.dedup import _fast

    rng = random.Random(seed)
    pieces = _pieces()
    for _ in range(40):
        blob = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 60)))
        if rng.random() < 0.5:
            blob += b" "
        n_cp = 0  # an upper bound on the code points the kernel reads
        n_cp = len(blob)
        char_starts = sorted(set(rng.randrange(0, n_cp + 2) for _ in range(rng.randrange(1, 6))))
        # (through the wrapper: its scratch arrays, left over from longer and shorter inputs, are reused)
        out, size, hashes, starts, ends, special, first_word = _fast.tokenize(
            blob, np.array(char_starts, dtype=np.int64), lut, t.codes_sep, t.codes_del)
        want = _reference(blob, char_starts, t.ascii_bytes, sep, deleted)
        assert bytes(out[:size]) == want[0], blob
        assert bytes(out[size : size + 8]) == b"\0" * 8
        assert hashes.dtype == np.uint64 and hashes.tolist() == want[1], blob
        assert starts.tolist() == want[2] and ends.tolist() == want[3], blob
        assert special.tolist() == want[4], blob
        assert first_word.tolist() == want[5], blob


def test_code_classes_give_what_the_sorted_codes_give():
    k = _kernels()
    t = normalize._tables()
    classes = k.code_classes(t.codes_sep, t.codes_del)
    seen = 0
    for codes, kind in ((t.codes_sep, k._SEP), (t.codes_del, k._DEL)):
        for code in codes.tolist():
            raw = (code & 0xFFFFFFFF).to_bytes(code >> 32, "big")
            if len(raw) == 2:
                assert classes[(raw[0] & 0x1F) << 6 | (raw[1] & 0x3F)] == kind
                seen += 1
            elif len(raw) == 3:
                assert classes[2048 + ((raw[0] & 0x0F) << 12 | (raw[1] & 0x3F) << 6 | (raw[2] & 0x3F))] == kind
                seen += 1
    assert seen and np.count_nonzero(classes) == seen
    # A character in both lists is a separator, as the sorted codes (separators first) make it.
    both = np.array([(2 << 32) | 0xC2A0], dtype=np.int64)
    assert k.code_classes(both, both)[(0xC2 & 0x1F) << 6 | (0xA0 & 0x3F)] == k._SEP


def test_long_words_and_words_at_every_alignment_hash_as_word_hash():
    """Words read as 64-bit words: every length up to 40 bytes at every offset gives word_hash."""
    k = _kernels()
    from cleaner.dedup.normalize import word_hash

    t = normalize._tables()
    lut = np.frombuffer(t.ascii_bytes, dtype=np.uint8)
    classes = k.code_classes(t.codes_sep, t.codes_del)
    words = ["abcdefghijklmnopqrstuvwxyz0123456789abcd"[:n] for n in range(1, 41)]
    for pad in range(9):
        text = " " * pad + " ".join(words)
        blob = text.encode("utf-8")
        bounds, high = np.empty(len(blob) + 2, dtype=np.int64), np.empty(len(blob) // 2 + 1, dtype=np.int64)
        _out, _size, hashes, *_ = k._tokenize(np.frombuffer(blob, dtype=np.uint8),
                                              np.array([0, len(text)], dtype=np.int64), lut, classes,
                                              t.codes_sep, t.codes_del, bounds, high)
        assert hashes.tolist() == [word_hash(w) for w in words]
