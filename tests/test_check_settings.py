"""Settings discovery and validation (cleaner/settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.settings import SettingsError, discover, load_settings, override


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nearest_file_wins_and_cleaner_toml_beats_pyproject(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.cleaner]\nignore = ["W"]\n')
    inner = tmp_path / "corpus" / "2024"
    write(inner / "a.txt", "Text.\n")
    assert discover([str(inner / "a.txt")]) == (tmp_path / "pyproject.toml").resolve()
    # a pyproject.toml without [tool.cleaner] is passed over
    write(tmp_path / "corpus" / "pyproject.toml", '[project]\nname = "x"\n')
    assert discover([str(inner)]) == (tmp_path / "pyproject.toml").resolve()
    write(tmp_path / "corpus" / "cleaner.toml", 'ignore = ["H"]\n')
    assert discover([str(inner)]) == (tmp_path / "corpus" / "cleaner.toml").resolve()
    assert load_settings([str(inner)]).config.ignore == ["H"]


def test_no_file_means_defaults(tmp_path):
    write(tmp_path / "a.txt", "x\n")
    assert discover([str(tmp_path / "a.txt")]) is None  # nothing between tmp_path and /
    s = load_settings([str(tmp_path / "a.txt")])
    assert s.source is None and s.config.select == [] and s.fail_on == "error"
    assert load_settings([str(tmp_path)], isolated=True).source is None


def test_kebab_and_snake_keys_severity_prefix_and_rule_options(tmp_path):
    cfg = write(tmp_path / "cleaner.toml", """
extend_select = ["B003"]
fail-on = "info"
time-limit = 5
[severity]
html-entity = "info"
W = "warning"
[rules.template-line]
min-documents = 3
""")
    s = load_settings(config_file=cfg)
    assert s.config.extend_select == ["B003"] and s.fail_on == "info" and s.config.time_limit == 5
    assert s.config.severity["H002"] == "info"
    assert {s.config.severity[c] for c in ("W001", "W002", "W005")} == {"warning"}
    assert s.config.rule_options == {"B002": {"min_documents": 3}}


@pytest.mark.parametrize("text, needle", [
    ('select = ["Z"]\n', "'Z' matches no rule"),
    ('bogus = 1\n', "bogus: unknown setting"),
    ('[severity]\nH001 = "fatal"\n', "severity must be one of"),
    ('fail-on = "sometimes"\n', "fail-on"),
    ('time-limit = "soon"\n', "expected a number"),
    ('[rules.Z999]\nx = 1\n', "no rule 'Z999'"),
    ('select = [\n', "not valid TOML"),
])
def test_mistakes_name_the_file_and_key(tmp_path, text, needle):
    cfg = write(tmp_path / "cleaner.toml", text)
    with pytest.raises(SettingsError) as err:
        load_settings(config_file=cfg)
    assert needle in str(err.value) and "cleaner.toml" in str(err.value)


def test_command_line_overrides_file(tmp_path):
    cfg = write(tmp_path / "cleaner.toml", 'select = ["H"]\nignore = ["H003"]\n')
    s = override(load_settings(config_file=cfg), select=["W"], ignore=["W005"])
    assert s.config.select == ["W"] and s.config.ignore == ["H003", "W005"]


def test_invalid_discovered_settings_stop_clean_with_exit_2(tmp_path):
    write(tmp_path / "in" / "a.txt", "Text.\n")
    write(tmp_path / "in" / "cleaner.toml", 'ignore = ["nope"]\n')
    result = CliRunner().invoke(cli, ["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "configuration error" in result.output and "nope" in result.output
    assert "Traceback" not in result.output


def test_config_hash_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    cfg = write(tmp_path / "corpus" / "cleaner.toml", '[per-file-ignores]\n"legacy/*.txt" = ["H"]\n')
    monkeypatch.chdir(tmp_path)
    here = load_settings(config_file=cfg).config.sha256()
    monkeypatch.chdir(tmp_path / "corpus")
    assert load_settings(config_file=cfg).config.sha256() == here
