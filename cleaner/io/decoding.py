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


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    magic = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\x28\xb5\x2f\xfd")
    return sample.startswith(magic)


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
    if _looks_binary(data):
        raise NotTextError("contains NUL bytes or a binary file signature; not a text file")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    guess = _guess_legacy(data)
    if guess:
        try:
            text = data.decode(guess)
            if text.encode(guess) == data:
                return Decoded(text, guess)
        except (UnicodeDecodeError, UnicodeEncodeError, LookupError):
            pass
    return Decoded(data.decode("utf-8", "surrogateescape"), "utf-8", False, "surrogateescape")


def _guess_legacy(data: bytes) -> str | None:
    """A legacy code page for *data*: charset-normalizer's best guess, else cp1252."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 20]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
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
