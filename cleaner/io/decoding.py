"""Turn bytes into text without losing a byte, and back.

:func:`decode` picks an encoding (BOM, then strict UTF-8, then
charset-normalizer for legacy code pages) and *proves* the choice lossless by
re-encoding; when no codec gives the bytes back exactly, it falls back to
UTF-8 with ``surrogateescape``, which carries every undecodable byte through
as a lone surrogate.  :func:`encode` reverses it using the recorded
:class:`Decoded` description, so ``restore`` can rebuild the original bytes,
BOM and invalid sequences included.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class NotTextError(ValueError):
    """The bytes are not text (binary data, an image…)."""


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how to get the exact bytes back."""

    text: str
    encoding: str
    bom: bool = False
    errors: str = "strict"  # "surrogateescape" when invalid bytes were kept

    def source_info(self) -> dict:
        return {"encoding": self.encoding, "bom": self.bom, "errors": self.errors}


_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\x28\xb5\x2f\xfd", "zstandard data"),
    (b"RIFF", "a RIFF (WebP, WAV, AVI) file"),
    (b"\x7fELF", "an executable"),
)


def _binary_reason(data: bytes) -> str | None:
    """Why *data* is not text (a file signature or NUL bytes), or None."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return f"starts with the signature of {what}"
    if b"\x00" in data[:8192]:
        return "contains NUL bytes"
    return None


def decode(data: bytes) -> Decoded:
    """Decode *data* losslessly; raise :class:`NotTextError` for binary data."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                text = body.decode(enc)
            except UnicodeDecodeError:
                if enc != "utf-8":
                    raise NotTextError(f"starts with a {enc} byte-order mark but is not valid {enc}") from None
                return Decoded(body.decode("utf-8", "surrogateescape"), "utf-8", True, "surrogateescape")
            if text.encode(enc) == body:
                return Decoded(text, enc, True)
    reason = _binary_reason(data)
    if reason:
        raise NotTextError(reason)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        # UTF-8 with a few broken sequences (a truncated download, a bad splice):
        # keep the good text, carry the bad bytes through.
        return Decoded(data.decode("utf-8", "surrogateescape"), "utf-8", False, "surrogateescape")
    guess = _guess_legacy(data)
    if guess:
        try:
            text = data.decode(guess)
            if text.encode(guess) == data:
                return Decoded(text, guess)
        except (UnicodeDecodeError, UnicodeEncodeError, LookupError):
            pass
    return Decoded(data.decode("utf-8", "surrogateescape"), "utf-8", False, "surrogateescape")


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _mostly_utf8(data: bytes) -> bool:
    """Is invalid UTF-8 *data* really UTF-8 with some broken sequences?

    Yes when it holds well-formed multi-byte sequences, at least half as many
    as there are runs of stray high bytes (a truncated ``\\xe2\\x80`` is one
    run).  Legacy single-byte text (Latin-1, cp1252, cp1251…) almost never
    forms valid UTF-8 sequences by chance, and where it does, its stray
    bytes far outnumber them.
    """
    sample = data[: 1 << 20]
    seqs = len(_UTF8_SEQUENCE.findall(sample))
    if not seqs:
        return False
    stray_runs = len(_HIGH_RUN.findall(_UTF8_SEQUENCE.sub(b"", sample)))
    return 2 * seqs >= stray_runs


def _guess_legacy(data: bytes) -> str | None:
    """A legacy code page for *data*: charset-normalizer's best guess, else cp1252.

    cp1252 (Windows Western, a superset of printable Latin-1) wins whenever it
    reads the bytes as well as the best guess does, or gives the very same
    text: it is by far the most common legacy code page in news archives, and
    on short texts the detector cannot tell it from cp1250 or cp1257.
    """
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data[: 1 << 20]))
        if matches:
            best = matches[0]
            if best.encoding in ("utf_8", "ascii"):
                return "cp1252"
            for m in matches:
                if m.encoding in ("cp1252", "latin_1") and m.chaos <= best.chaos:
                    return "cp1252"
            try:
                if data.decode("cp1252") == data.decode(best.encoding):
                    return "cp1252"
            except (UnicodeDecodeError, LookupError):
                pass
            return codecs.lookup(best.encoding).name
    except Exception:  # pragma: no cover - an optional helper must not stop a run
        pass
    return "cp1252"


def encode(text: str, info: dict) -> bytes:
    """Bytes of *text* in the original encoding described by *info* (see :meth:`Decoded.source_info`)."""
    enc = info.get("encoding", "utf-8")
    errors = info.get("errors", "strict")
    body = text.encode(enc, errors if errors == "surrogateescape" else "strict")
    if info.get("bom"):
        bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
               "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[enc]
        body = bom + body
    return body


def encode_output(text: str) -> bytes:
    """Cleaned text is always written as UTF-8; undecodable bytes pass through unchanged."""
    return text.encode("utf-8", "surrogateescape")
