"""The built-in rules.

Importing a module registers its rules; the order of the imports below is
the order in which rules run:

1. ``metadata`` (M): header fields move into metadata before anything else
   touches the first lines;
2. ``html`` (H): comments, character references, stray tags;
3. ``unicode`` (U): mojibake;
4. ``boilerplate`` (B): whole lines of site furniture;
5. ``whitespace`` (W): what is left between the words and lines.

6. ``quotes`` (Q): findings about lost text (cuts, dangling lead-ins,
   unbalanced quotes, orphaned pull-quotes), made while the cuts are still
   visible, before the joins are repaired;
7. ``joins`` (J): spaces inserted where words and sentences were glued.

Later families append their modules here; near-duplicate
detection (D) works across documents and runs after the per-document rules.
"""

from cleaner.rules import metadata, html, unicode, boilerplate, page, whitespace, quotes, joins  # noqa: F401
from cleaner.dedup import rules as _dedup_rules  # noqa: E402,F401  (D: cross-document, see cleaner.dedup.stage)
