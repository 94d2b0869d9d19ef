"""The README stays true: its rule table is the registry's."""

from __future__ import annotations

from cleaner.cli.rules import markdown_table
from cleaner.registry import all_rules
from tests.conftest import REPO


def test_readme_rule_table_matches_registry():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- rules-table:start -->") + len("<!-- rules-table:start -->")
    end = readme.index("<!-- rules-table:end -->")
    assert readme[start:end].strip() == markdown_table(all_rules()).strip(), (
        "regenerate with: cleaner rules --output-format markdown"
    )


def test_every_rule_is_documented():
    for r in all_rules():
        assert r.summary and r.explanation and len(r.explanation) > len(r.summary) // 2, r.code
