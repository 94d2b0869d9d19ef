"""cleaner: repair and de-duplicate scraped news text without losing a byte.

Every change the tool makes is an :class:`~cleaner.model.Edit` with the rule
that made it, its span in the original text and a reason; everything it is not
sure enough to change is a :class:`~cleaner.model.Finding`.  The original can
always be rebuilt from the cleaned text and the edit log.

Typical use::

    from cleaner import clean_text
    result = clean_text("Hello&amp;goodbye<!-- x -->\\n\\n\\n\\nEnd\\n")
    result.cleaned, result.edits
"""

__version__ = "0.1.0"

from cleaner import _compiled  # noqa: E402  (first: it decides whether compiled modules are used)

_compiled.install()

from cleaner.engine import CleanResult, clean_text, restore_text  # noqa: E402

__all__ = ["__version__", "CleanResult", "clean_text", "restore_text"]
