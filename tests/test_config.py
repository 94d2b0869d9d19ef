"""Config: selection and the settings digest, including their memoisation."""

from __future__ import annotations

from cleaner.config import Config


def test_active_rules_follow_changes_to_the_settings():
    config = Config()
    default = [r.code for r in config.active_rules("a.txt")]
    assert "H001" in default and "B003" not in default
    config.ignore.append("H")  # mutated after a first (memoised) answer
    assert not any(c.startswith("H") for c in (r.code for r in config.active_rules("a.txt")))
    config.extend_select.append("B003")
    assert "B003" in [r.code for r in config.active_rules("a.txt")]


def test_per_file_ignores_depend_on_the_path():
    config = Config(per_file_ignores={"wire/*": ["B001"]})
    assert "B001" not in [r.code for r in config.active_rules("wire/x.txt")]
    assert "B001" in [r.code for r in config.active_rules("own/x.txt")]


def test_sha256_changes_with_any_setting_and_is_stable():
    a, b = Config(), Config()
    assert a.sha256() == b.sha256()
    b.rule_options["J002"] = {"min_zipf": 3.0}
    assert a.sha256() != b.sha256()
    b.rule_options["J002"]["min_zipf"] = 3.5  # a nested change counts too
    digest = b.sha256()
    assert digest != a.sha256()
    assert Config(rule_options={"J002": {"min_zipf": 3.5}}).sha256() == digest
