"""Per-text caches that rules share, sized for the way the engine runs them.

Several rules ask the same question of the same text: Q001 finds every
join of a text, then J001, J002 and J003 each want their kind of the same
joins; most line rules want the text's lines.  A :class:`TextCache` keeps
the answers for the last texts asked about.

:func:`cleaner.engine.run_rules` cleans one text at a time, all its rules
one after another, so one entry is enough: an older version of the text is
not asked about again.  :func:`cleaner.engine.run_rules_batch` runs one
rule over a whole batch of texts before the next, so there a cache must
hold the batch: the engine says how many texts for the time of the batch
(:func:`holding`), then every cache lets go of them.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

#: A :class:`TextCache` keeps texts up to this long as its keys; a longer one
#: (a file of hundreds of MB) is keyed by a digest of its content instead,
#: so that no cache keeps a large document in memory after its run.
KEEP_TEXT_CHARS = 1_000_000

_CACHES: weakref.WeakSet[TextCache] = weakref.WeakSet()
#: How many texts every cache keeps at least (see :func:`holding`).
_HOLD = [1]


class TextCache:
    """A small cache of results per text, for the last *size* texts asked about (by default the last one).

    The rules of one document ask the same questions of the same text
    (``find_joins``, ``looks_english``), unchanged unless a rule between them
    edited it; an older version of the text is not asked about again, so one
    entry gets every hit four would (the same computations over the bench
    corpus), and a result is dropped at the next text, while its memory is
    still in the processor's cache, not several documents later.  While the
    engine runs the rules over a batch (:func:`holding`), the cache keeps as
    many texts as the batch has.  A hit is an equal text (the same object,
    most often: then no characters are compared), so a result is never
    served for another text.  A cache made with ``shared=False`` is for
    work that one rule asks for and uses up on one text (a scan that several
    questions of the same rule share): it keeps its *size* even in a batch,
    so what it held is freed at the next text, while still in the
    processor's cache.  Texts longer than :data:`KEEP_TEXT_CHARS` are
    not kept: their key is their length and a BLAKE2 digest of their
    content, computed at each question (about a millisecond per million
    characters, against about a second of rules).
    """

    def __init__(self, size: int = 1, *, shared: bool = True):
        self.size = size
        self.items: OrderedDict[str | tuple[int, bytes], object] = OrderedDict()
        self.last: tuple[str | None, object] = (None, None)  # the (short) text asked about last and its value
        self.shared = shared
        if shared:
            _CACHES.add(self)

    def get(self, text: str, compute):
        """The value for *text*: the one kept, or ``compute(text)`` (then kept)."""
        last_text, value = self.last
        if text is last_text:
            return value  # (already the most recent item)
        key = text if len(text) <= KEEP_TEXT_CHARS else _digest_key(text)
        items = self.items
        if key in items:
            items.move_to_end(key)
            value = items[key]
        else:
            value = compute(text)
            items[key] = value
            size = max(self.size, _HOLD[0]) if self.shared else self.size
            while len(items) > size:
                items.popitem(last=False)
        self.last = (text if key is text else None, value)
        return value

    def clear(self) -> None:
        self.items.clear()
        self.last = (None, None)


#: The last long text keyed (:func:`_digest_key`) and its key: the rules ask
#: the caches about the same version of a document dozens of times, and a
#: digest of a text of megabytes read it each time (a fifth of the cleaning
#: of a 4 MB document).  It keeps that one text alive only until the run that
#: asked ends (:func:`release`, called by the engine) or another long text is
#: keyed.
_LONG: list = [None, None]


def _digest_key(text: str) -> tuple[int, bytes]:
    long = _LONG
    if long[0] is text:
        return long[1]
    key = len(text), hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    long[0], long[1] = text, key
    return key


def release() -> None:
    """Let go of the long text :func:`_digest_key` remembers (the end of a run: see :mod:`cleaner.engine`)."""
    _LONG[0] = _LONG[1] = None


@contextmanager
def holding(texts: int) -> Iterator[None]:
    """Let every :class:`TextCache` keep at least *texts* texts in the block.

    At the end, a cache that holds more texts than it would keep outside
    the block is emptied (what it holds is the batch's, not needed again).
    Blocks may nest: the largest number holds.
    """
    before = _HOLD[0]
    _HOLD[0] = max(before, texts)
    try:
        yield
    finally:
        _HOLD[0] = before
        release()
        for cache in list(_CACHES):
            items = cache.items
            if len(items) > max(cache.size, before):
                cache.clear()
