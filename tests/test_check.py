"""`cleaner check` as a CI linter: exit codes, selection, settings, fixes, baselines, git."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "check"
DIRTY = FIXTURES / "dirty"
CLEAN = FIXTURES / "clean"
CONFIGURED = FIXTURES / "configured"


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(cli, ["check", *args], env=env, catch_exceptions=False)
    return result


def run_json(*args: str) -> tuple[int, list[dict]]:
    result = run(*args, "--output-format", "json")
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)
    return REPO


def position_of(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of *needle* in *text*, computed without cleaner."""
    offset = text.index(needle)
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


# --------------------------------------------------------------- the seeds


SEED_ARTIFACTS = [
    # (seed prefix, rule, first visible text of the artifact)
    ("001", "H001", "<!\u2013 Temp removal of in article reco"),
    ("001", "W002", "\u00a0\n"),
    ("001", "B001", "\u2022 This article includes wire service reports."),
    ("001", "B001", "View original post"),
    ("002", "M002", "Dec 29, 2021 - World"),
    ("002", "B001", "Photo: Peter Klaunzer-Pool/Keystone via Getty Images"),
    ("003", "M001", "date 2021-12-31"),
    ("003", "B001", "A Ukrainian soldier takes a break Thursday"),
]


def test_seeds_report_artifacts_at_their_positions(in_repo):
    code, diags = run_json("seeds")
    assert code == 1
    for prefix, rule, needle in SEED_ARTIFACTS:
        (seed,) = sorted((REPO / "seeds").glob(f"{prefix}_*.txt"))
        text = seed.read_text(encoding="utf-8")
        line, column = position_of(text, needle)
        path = f"seeds/{seed.name}"
        assert any(
            d["path"] == path and d["code"] == rule and (d["line"], d["column"]) == (line, column) for d in diags
        ), (path, rule, line, column, [(d["code"], d["line"], d["column"]) for d in diags if d["path"] == path])


def test_seed_html_comment_is_line_10_column_1(in_repo):
    result = run("seeds/001_b0e822d6a9f2215a.txt")
    assert "seeds/001_b0e822d6a9f2215a.txt:10:1: H001 HTML comment" in result.stdout.splitlines()
    # the non-breaking space after "request." on line 6 (47 characters before it)
    assert "seeds/001_b0e822d6a9f2215a.txt:6:48: W002 trailing whitespace" in result.stdout.splitlines()


# --------------------------------------------------------------- exit codes


def test_exit_1_on_findings_0_when_clean(in_repo):
    assert run(str(DIRTY)).exit_code == 1
    assert run(str(CLEAN)).exit_code == 0
    assert run(str(CLEAN)).stdout == ""


def test_exit_zero_and_fail_on(in_repo):
    assert run(str(DIRTY), "--exit-zero").exit_code == 0
    assert run(str(DIRTY), "--fail-on", "never").exit_code == 0
    # lowered severities do not fail at the default threshold (error) ...
    lowered = ("--severity", "H=warning", "--severity", "W=info")
    assert run(str(DIRTY), *lowered).exit_code == 0
    # ... but do from their own level down
    assert run(str(DIRTY), *lowered, "--fail-on", "warning").exit_code == 1
    assert run(str(DIRTY), "--severity", "H=warning", "--ignore", "W", "--fail-on", "warning").exit_code == 1
    assert run(str(DIRTY), "--severity", "H=info", "--ignore", "W", "--fail-on", "warning").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("no/such/folder",),
        (str(DIRTY), "--no-such-option"),
        (str(DIRTY), "--select", "Z999"),
        (str(DIRTY), "--output-format", "yaml"),
        (str(DIRTY), "--fail-on", "fatal"),
        (str(DIRTY), "--report", "sarif"),
        (str(DIRTY), "--report", "yaml=out.yaml"),
        (str(DIRTY), "--severity", "H001=loud"),
        (str(DIRTY), "--prune-baseline"),
        (str(DIRTY), "--baseline", "no-such-baseline.json"),
    ],
)
def test_usage_errors_exit_2_without_traceback(in_repo, args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_env_output_format_and_bad_env_value(in_repo):
    result = run(str(DIRTY), env={"CLEANER_OUTPUT_FORMAT": "json-lines"})
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["code"] for r in rows} == {"H001", "H002", "H003", "W002"}
    assert run(str(DIRTY), env={"CLEANER_OUTPUT_FORMAT": "nope"}).exit_code == 2


def test_unreadable_file_is_reported_and_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    shutil.copy(DIRTY / "a.txt", tmp_path / "a.txt")
    result = run(".")
    assert result.exit_code == 1  # the findings of a.txt
    assert "bin.txt: not a text file" in result.stderr
    (tmp_path / "a.txt").unlink()
    assert run(".").exit_code == 2  # nothing to report, but a file could not be checked


# --------------------------------------------------------------- selection


def test_select_by_code_prefix_and_name(in_repo):
    _, diags = run_json(str(DIRTY), "--select", "H001")
    assert [d["code"] for d in diags] == ["H001"]
    _, diags = run_json(str(DIRTY), "--select", "html-tag")
    assert {d["code"] for d in diags} == {"H003"}
    _, diags = run_json(str(DIRTY), "--ignore", "H00,W")
    assert diags == []
    _, diags = run_json(str(DIRTY), "--select", "W", "--extend-select", "H002")
    assert {d["code"] for d in diags} == {"W002", "H002"}


def test_settings_discovered_from_pyproject(in_repo):
    # [tool.cleaner] in fixtures/check/configured/pyproject.toml: W ignored, H002 a warning,
    # fail-on warning, html-tag ignored for legacy/*.txt
    code, diags = run_json(str(CONFIGURED))
    assert code == 1
    assert [(d["path"], d["code"], d["severity"]) for d in diags] == [
        ("tests/fixtures/check/configured/news.txt", "H002", "warning")
    ]
    # --isolated ignores the file: the legacy tag and the error severity come back
    code, diags = run_json(str(CONFIGURED), "--isolated")
    assert {(d["path"].rsplit("/", 1)[-1], d["code"], d["severity"]) for d in diags} == {
        ("news.txt", "H002", "error"), ("old.txt", "H003", "error")}


def test_per_file_ignores_relative_to_settings_folder(monkeypatch):
    monkeypatch.chdir(CONFIGURED)
    _, diags = run_json(".")
    assert [(d["path"], d["code"]) for d in diags] == [("news.txt", "H002")]


def test_explicit_config_and_show_settings(tmp_path, in_repo):
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text('select = ["H001"]\nfail-on = "error"\noutput-format = "github"\n', encoding="utf-8")
    result = run(str(DIRTY), "--config", str(cfg))
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=tests/fixtures/check/dirty/a.txt,line=4,col=1,")
    shown = json.loads(run(str(DIRTY), "--config", str(cfg), "--show-settings").stdout)
    assert shown["source"] == str(cfg.resolve())
    assert shown["rules"] == ["H001"]
    assert shown["output_format"] == "github"
    cfg.write_text('select = ["H001"]\nunknown-key = 1\n', encoding="utf-8")
    bad = run(str(DIRTY), "--config", str(cfg))
    assert bad.exit_code == 2 and "unknown-key" in bad.output
    cfg.write_text('select = [\n', encoding="utf-8")
    assert run(str(DIRTY), "--config", str(cfg)).exit_code == 2


def test_clean_uses_discovered_settings(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(CONFIGURED), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # legacy/*.txt ignores html-tag, so the tag stays in the cleaned file
    assert "<i>tags</i>" in (out / "legacy" / "old.txt").read_text(encoding="utf-8")
    assert "&amp;" not in (out / "news.txt").read_text(encoding="utf-8")


# --------------------------------------------------------------- fixing


def test_fix_then_check_exits_0(tmp_path, monkeypatch):
    shutil.copytree(DIRTY, tmp_path / "d")
    monkeypatch.chdir(tmp_path)
    result = run("d", "--fix")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "a.txt").read_text(encoding="utf-8") == (
        "Council votes on the new budget\n\nThe council met on Tuesday & voted.\nA second paragraph with bold text.\n"
    )
    assert (tmp_path / "d" / "b.txt").read_bytes() == (DIRTY / "b.txt").read_bytes()
    assert run("d").exit_code == 0
    assert not [p for p in (tmp_path / "d").iterdir() if p.name.startswith(".")]  # no temporary files left


def test_fix_keeps_permissions_and_skips_files_changed_meanwhile(tmp_path, monkeypatch):
    import os
    import stat

    from cleaner.cli.check import read_inputs, write_fixed

    monkeypatch.chdir(tmp_path)
    f = tmp_path / "a.txt"
    f.write_text("Fish &amp; chips.\n", encoding="utf-8")
    os.chmod(f, 0o644)
    assert run("a.txt", "--fix").exit_code == 0
    assert f.read_text(encoding="utf-8") == "Fish & chips.\n"
    assert stat.S_IMODE(f.stat().st_mode) == 0o644

    f.write_text("Salt &amp; vinegar.\n", encoding="utf-8")
    (doc,), files, _ = read_inputs(["a.txt"])
    f.write_text("Edited by someone else.\n", encoding="utf-8")
    doc.text = "Salt & vinegar.\n"
    assert "changed on disk" in write_fixed(doc, files["a.txt"])
    assert f.read_text(encoding="utf-8") == "Edited by someone else.\n"


def test_unsafe_fixes_need_the_flag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "story.txt"
    original = "A headline\n\nPhoto: Peter Klaunzer-Pool/Keystone via Getty Images\n\nThe story goes on here.\n"
    f.write_text(original, encoding="utf-8")
    result = run("story.txt", "--fix")
    assert result.exit_code == 1
    assert "B001" in result.stdout and "--unsafe-fixes" in result.stderr
    assert f.read_text(encoding="utf-8") == original
    assert run("story.txt", "--fix", "--unsafe-fixes").exit_code == 0
    assert f.read_text(encoding="utf-8") == "A headline\n\nThe story goes on here.\n"
    assert run("story.txt").exit_code == 0


def test_fix_keeps_the_file_encoding(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "legacy.txt"
    f.write_bytes("Le caf\u00e9 &amp; la gare ferment t\u00f4t.\n".encode("cp1252"))
    assert run("legacy.txt", "--fix").exit_code == 0
    assert f.read_bytes() == "Le caf\u00e9 & la gare ferment t\u00f4t.\n".encode("cp1252")


def test_diff_shows_changes_and_writes_nothing(tmp_path, monkeypatch):
    shutil.copytree(DIRTY, tmp_path / "d")
    monkeypatch.chdir(tmp_path)
    result = run("d", "--diff")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:2] == ["--- a/d/a.txt", "+++ b/d/a.txt"]
    assert "-The council met on Tuesday &amp; voted.  " in lines
    assert "+The council met on Tuesday & voted." in lines
    assert "-<!-- ad slot -->" in lines
    assert (tmp_path / "d" / "a.txt").read_bytes() == (DIRTY / "a.txt").read_bytes()
    clean = run(str(CLEAN), "--diff")
    assert clean.exit_code == 0 and clean.stdout == ""


# --------------------------------------------------------------- baselines


def test_baseline_hides_old_findings_and_shows_a_new_one(tmp_path, monkeypatch):
    shutil.copytree(DIRTY, tmp_path / "d")
    monkeypatch.chdir(tmp_path)
    assert run("d", "--write-baseline", "baseline.json").exit_code == 0
    entries = json.loads((tmp_path / "baseline.json").read_text())["entries"]
    assert {(e["path"], e["code"]) for e in entries} >= {("d/a.txt", "H001"), ("d/a.txt", "H002")}
    assert run("d", "--baseline", "baseline.json").exit_code == 0

    # a new artifact above the old ones: old findings move down a line but stay hidden
    a = tmp_path / "d" / "a.txt"
    a.write_text("<!-- new comment -->\n" + a.read_text(encoding="utf-8"), encoding="utf-8")
    code, diags = run_json("d", "--baseline", "baseline.json")
    assert code == 1
    assert [(d["path"], d["code"], d["line"], d["column"]) for d in diags] == [("d/a.txt", "H001", 1, 1)]

    # the baseline works from another directory too (paths are relative to it)
    monkeypatch.chdir(tmp_path / "d")
    _, diags = run_json(".", "--baseline", "../baseline.json")
    assert [(d["path"], d["code"]) for d in diags] == [("a.txt", "H001")]


def test_prune_baseline_drops_fixed_entries(tmp_path, monkeypatch):
    shutil.copytree(DIRTY, tmp_path / "d")
    monkeypatch.chdir(tmp_path)
    run("d", "--write-baseline", "b.json")
    before = json.loads((tmp_path / "b.json").read_text())["entries"]
    a = tmp_path / "d" / "a.txt"
    a.write_text(a.read_text(encoding="utf-8").replace("<!-- ad slot -->\n", ""), encoding="utf-8")
    assert run("d", "--baseline", "b.json", "--prune-baseline").exit_code == 0
    after = json.loads((tmp_path / "b.json").read_text())["entries"]
    assert len(after) == len(before) - 1
    assert not any(e["code"] == "H001" for e in after)


# --------------------------------------------------------------- git


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                               "HOME": str(cwd), "PATH": "/usr/bin:/bin:/usr/local/bin"}).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_changed_since_sees_only_the_added_file(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "corpus").mkdir(parents=True)
    git(repo, "init", "-q")
    shutil.copy(DIRTY / "a.txt", repo / "corpus" / "old.txt")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "old")
    base = git(repo, "rev-parse", "HEAD").strip()
    shutil.copy(DIRTY / "a.txt", repo / "corpus" / "new.txt")
    shutil.copy(DIRTY / "a.txt", repo / "notes.txt")  # changed, but outside the checked folder
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "new")
    shutil.copy(DIRTY / "a.txt", repo / "corpus" / "untracked.txt")
    monkeypatch.chdir(repo)

    code, diags = run_json("corpus", "--changed-since", base)
    assert code == 1
    assert {d["path"] for d in diags} == {"corpus/new.txt", "corpus/untracked.txt"}

    (repo / "corpus" / "untracked.txt").unlink()
    code, diags = run_json("corpus", "--changed-since", "HEAD")
    assert (code, diags) == (0, [])
    assert run("corpus", "--changed-since", "no-such-ref").exit_code == 2


def test_pre_commit_hooks_declare_check_and_fix(tmp_path, monkeypatch):
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks = dict(re.findall(r"^- id: (\S+)\n(?:  .*\n)*?  entry: (.+)$", text, flags=re.M))
    assert hooks == {"cleaner-check": "cleaner check", "cleaner-fix": "cleaner check --fix"}
    # the entry points are real options of the command
    shutil.copytree(CLEAN, tmp_path / "c")
    monkeypatch.chdir(tmp_path)
    assert run("c/quiet.txt", "--fix").exit_code == 0


def test_corpus_files_take_part_but_are_not_reported(tmp_path, monkeypatch):
    # Six existing files share a site-template line; a new file repeats it.  Alone,
    # the new file gives no corpus statistics; with --corpus the line is a template (B002).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old").mkdir()
    for i in range(6):
        (tmp_path / "old" / f"{i}.txt").write_text(
            f"Story {i}\n\nRead more from the Daily Planet\n\nParagraph {i} of the story, with its own words.\n",
            encoding="utf-8")
    (tmp_path / "new.txt").write_text(
        "A new story\n\nRead more from the Daily Planet\n\nThe body of the new story is here.\n", encoding="utf-8")
    code, diags = run_json("new.txt")
    assert (code, diags) == (0, [])
    code, diags = run_json("new.txt", "--corpus", "old")
    assert code == 1
    assert [(d["path"], d["code"], d["line"]) for d in diags] == [("new.txt", "B002", 3)]


PARAGRAPH = ("The two leaders spoke for fifty minutes on Thursday about the troops massing near the border, "
             "and both sides agreed that talks in Geneva next month would go ahead as planned.")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_new_file_repeating_the_corpus_gets_d_findings(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "corpus").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "corpus" / "old.txt").write_text(f"Old story\n\nAn opening line of the old story.\n\n{PARAGRAPH}\n",
                                             encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "old")
    new = repo / "corpus" / "new.txt"
    new.write_text(f"New story\n\n{PARAGRAPH}\n\nA sentence that only the new story has, about the weather.\n",
                   encoding="utf-8")
    monkeypatch.chdir(repo)

    code, diags = run_json("corpus", "--changed-since", "HEAD")
    d = [d for d in diags if d["code"] == "D001"]
    assert [(x["path"], x["line"], x["column"]) for x in d] == [("corpus/new.txt", 3, 1)]
    assert "corpus/old.txt paragraph 3" in d[0]["message"]
    assert d[0]["data"]["duplicate_of"]["path"] == "corpus/old.txt"
    assert code == 0  # D001 is a warning; the default --fail-on is error
    assert run("corpus", "--changed-since", "HEAD", "--fail-on", "warning").exit_code == 1

    # dropping the repeated paragraph is an unsafe fix
    assert run("corpus", "--changed-since", "HEAD", "--fix", "--fail-on", "warning").exit_code == 1
    assert PARAGRAPH in new.read_text(encoding="utf-8")
    assert run("corpus", "--changed-since", "HEAD", "--fix", "--unsafe-fixes", "--fail-on", "warning").exit_code == 0
    assert PARAGRAPH not in new.read_text(encoding="utf-8")
    assert PARAGRAPH in (repo / "corpus" / "old.txt").read_text(encoding="utf-8")


def test_statistics_counts_per_rule(in_repo):
    result = run(str(DIRTY), "--statistics")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["2  H003  html-tag  [*]", "1  H001  html-comment  [*]",
                                          "1  H002  html-entity  [*]", "1  W002  trailing-whitespace  [*]"]


from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

FRAGMENTS = ["Word", " ", "  ", "\n", "\n\n\n", "&amp;", "<b>", "</p>", "<!-- x -->", "\u00a0", "\u200b",
             "caf\u00c3\u00a9", ".", "Share this article", "\t", "\u2022"]


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25))
def test_fix_converges_and_leaves_no_safe_fix(parts):
    from cleaner.cli.check import fix_documents
    from cleaner.config import Config
    from cleaner.diagnostics import diagnostics
    from cleaner.model import Document
    from cleaner.pipeline import process

    text = "".join(parts)
    config = Config()
    doc = Document(id="x.txt", text=text)
    process([doc], config)
    fix_documents([doc], config, {"safe"})
    assert not [d for d in diagnostics(doc, config) if d["applicability"] == "safe"]
    fixed = doc.text
    assert fix_documents([doc], config, {"safe"}) == {}  # a second --fix changes nothing
    assert doc.text == fixed


def test_same_name_outside_the_working_directory_is_not_merged(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.txt").write_text("Tom &amp; Jerry.\n", encoding="utf-8")
    a, b = str(tmp_path / "a" / "x.txt"), str(tmp_path / "b" / "x.txt")
    _, diags = run_json(a, b, a)
    assert len(diags) == 2 and len({d["path"] for d in diags}) == 2
