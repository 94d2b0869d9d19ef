"""The output formats of `cleaner check`, run through the CLI on fixture folders."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.formats import FORMATS, Report
from cleaner.formats.github import command
from cleaner.registry import all_rules

REPO = Path(__file__).resolve().parents[1]
DIRTY = "tests/fixtures/check/dirty"
CLEAN = "tests/fixtures/check/clean"
SCHEMA = json.loads((REPO / "tests" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

# What tests/fixtures/check/dirty/a.txt holds, by reading the file:
#   line 3 "The council met on Tuesday &amp; voted.  "  -> &amp; at col 28, trailing spaces at col 40
#   line 4 "<!-- ad slot -->"                           -> comment at col 1
#   line 5 "A second paragraph with <b>bold</b> text."  -> <b> at col 25, </b> at col 32
EXPECTED = [
    ("H002", 3, 28, 3, 33),
    ("W002", 3, 40, 3, 42),
    ("H001", 4, 1, 4, 17),
    ("H003", 5, 25, 5, 28),
    ("H003", 5, 32, 5, 36),
]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_concise():
    code, out = check(DIRTY)
    assert code == 1
    assert out.splitlines() == [
        f"{DIRTY}/a.txt:3:28: H002 HTML character reference &amp;",
        f"{DIRTY}/a.txt:3:40: W002 trailing whitespace",
        f"{DIRTY}/a.txt:4:1: H001 HTML comment",
        f"{DIRTY}/a.txt:5:25: H003 HTML tag <b>",
        f"{DIRTY}/a.txt:5:32: H003 HTML tag </b>",
    ]


def test_json_fields():
    code, out = check(DIRTY, "--output-format", "json")
    diags = json.loads(out)
    assert code == 1
    assert [(d["code"], d["line"], d["column"], d["end_line"], d["end_column"]) for d in diags] == EXPECTED
    text = (REPO / DIRTY / "a.txt").read_text(encoding="utf-8")
    for d in diags:
        assert set(d) >= {"path", "line", "column", "end_line", "end_column", "start", "end", "code", "name",
                          "message", "severity", "fix", "applicability", "fingerprint", "occurrence"}
        assert d["path"] == f"{DIRTY}/a.txt"
        assert text[d["start"]:d["end"]] == d["before"]  # offsets index the original text
        assert d["applicability"] == "safe" and d["severity"] == "error"
        assert re.fullmatch(r"[0-9a-f]{32}", d["fingerprint"])
    amp = diags[0]
    assert (amp["name"], amp["before"], amp["fix"]) == ("html-entity", "&amp;", "&")


def test_json_lines_and_findings_have_fix_null(tmp_path):
    code, out = check(DIRTY, "--output-format", "json-lines")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(EXPECTED)
    assert json.loads(check(DIRTY, "--output-format", "json")[1]) == rows
    # a finding (no change) is reported with fix null
    from cleaner.diagnostics import diagnostics
    from cleaner.config import Config
    from cleaner.model import Document, Finding

    doc = Document(id="x.txt", text="one\ntwo three\n", findings=[Finding(8, 13, "odd", code="H001", name="html-comment",
                                                                          severity="warning")])
    (d,) = diagnostics(doc, Config())
    assert (d["fix"], d["applicability"], d["line"], d["column"], d["end_column"]) == (None, None, 2, 5, 10)


def test_full_shows_line_and_caret():
    _, out = check(DIRTY, "--output-format", "full", "--select", "H002")
    lines = out.splitlines()
    assert lines[0] == f"{DIRTY}/a.txt:3:28: H002 HTML character reference &amp;  [error, html-entity]"
    src, caret = lines[1], lines[2]
    assert src.endswith("| The council met on Tuesday &amp; voted.  ")
    bar = src.index("|")
    assert caret.index("|") == bar
    # the carets sit under "&amp;"
    assert caret.index("^") - bar == src.index("&amp;") - bar
    assert caret.count("^") == len("&amp;")
    assert "fix (safe): replace '&amp;' with '&'" in lines[3]


GITHUB = re.compile(
    r"^::(error|warning|notice) "
    r"file=[^,:\n]+,line=\d+(,col=\d+)?,endLine=\d+(,endColumn=\d+)?,title=[A-Z]\d{3}"
    r"::[^\r\n]*$"
)


def test_github_workflow_commands():
    code, out = check(DIRTY, "--output-format", "github")
    lines = out.splitlines()
    assert code == 1 and len(lines) == len(EXPECTED)
    for line in lines:
        assert GITHUB.match(line), line
    assert lines[2] == f"::error file={DIRTY}/a.txt,line=4,col=1,endLine=4,endColumn=17,title=H001::HTML comment"


def test_github_multiline_drops_columns_and_escapes():
    d = {"path": "a,b:c.txt", "line": 2, "column": 3, "end_line": 4, "end_column": 2, "code": "H001",
         "name": "html-comment", "message": "50% off\nnow", "severity": "warning"}
    line = command(d)
    assert line == "::warning file=a%2Cb%3Ac.txt,line=2,endLine=4,title=H001::50%25 off%0Anow"
    assert "col=" not in line
    info = command(d | {"severity": "info", "end_line": 2, "end_column": 9})
    assert info.startswith("::notice ") and ",col=3,endLine=2,endColumn=9," in info


def test_seeds_github_multiline_comment_has_no_columns():
    _, out = check("seeds/001_b0e822d6a9f2215a.txt", "--output-format", "github", "--select", "H001")
    assert out.strip() == "::error file=seeds/001_b0e822d6a9f2215a.txt,line=10,endLine=12,title=H001::HTML comment"


def test_gitlab_code_quality():
    _, out = check(DIRTY, "--output-format", "gitlab", "--severity", "W=warning")
    issues = json.loads(out)
    assert len(issues) == len(EXPECTED)
    for issue, (code, line, *_rest) in zip(issues, EXPECTED):
        assert issue["check_name"] == code
        assert issue["location"]["path"] == f"{DIRTY}/a.txt"
        assert issue["location"]["lines"]["begin"] == line
        assert issue["description"].startswith(code)
        assert issue["severity"] == ("minor" if code == "W002" else "major")
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_sarif_is_valid_and_stable():
    code, out = check(DIRTY, CLEAN, "--output-format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert code == 1 and log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r.code for r in all_rules())
    results = run["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"]["startColumn"]) for r in results] == [
        (c, line, col) for c, line, col, _, _ in EXPECTED]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["region"]["startColumn"] >= 1
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"{DIRTY}/a.txt"
        assert r["partialFingerprints"]["cleaner/v1"]
    assert len({r["partialFingerprints"]["cleaner/v1"] for r in results}) == len(results)


def test_sarif_fingerprints_survive_moved_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (REPO / DIRTY / "a.txt").read_text(encoding="utf-8")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    first = json.loads(check("a.txt", "--output-format", "sarif")[1])["runs"][0]["results"]
    (tmp_path / "a.txt").write_text("An inserted line.\n\n" + text, encoding="utf-8")
    second = json.loads(check("a.txt", "--output-format", "sarif")[1])["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in first] == [r["partialFingerprints"] for r in second]
    line = lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert [line(r) + 2 for r in first] == [line(r) for r in second]


def test_sarif_with_unreadable_file_and_no_results_is_valid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "ok.txt").write_text("Fine text.\n", encoding="utf-8")
    code, out = check(".", "--output-format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert code == 2
    assert log["runs"][0]["results"] == []
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "bin.txt" in notes[0]["message"]["text"]


def test_junit():
    code, out = check(DIRTY, "--output-format", "junit")
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    assert int(root.get("failures")) == len(EXPECTED)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {f"{DIRTY}/a.txt", f"{DIRTY}/b.txt"}
    failures = suites[f"{DIRTY}/a.txt"].findall("testcase/failure")
    assert [f.get("type") for f in failures] == [c for c, *_ in EXPECTED]
    clean_cases = suites[f"{DIRTY}/b.txt"].findall("testcase")
    assert len(clean_cases) == 1 and clean_cases[0].find("failure") is None


def test_several_reports_at_once(tmp_path):
    sarif, junit, gitlab = tmp_path / "r.sarif", tmp_path / "r.xml", tmp_path / "sub" / "gl.json"
    code, out = check(DIRTY, "--report", f"sarif={sarif}", "--report", f"junit={junit}",
                      "--report", f"gitlab={gitlab}")
    assert code == 1
    assert out.splitlines()[0] == f"{DIRTY}/a.txt:3:28: H002 HTML character reference &amp;"  # stdout stays concise
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(sarif.read_text(encoding="utf-8")))
    assert ET.parse(junit).getroot().get("failures") == str(len(EXPECTED))
    assert len(json.loads(gitlab.read_text(encoding="utf-8"))) == len(EXPECTED)


def test_output_file(tmp_path):
    target = tmp_path / "out.json"
    code, out = check(DIRTY, "--output-format", "json", "--output-file", str(target))
    assert code == 1 and out == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))) == len(EXPECTED)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_handles_undecodable_bytes(name):
    # a lone surrogate is how an undecodable byte is carried through
    d = {"path": "x.txt", "line": 1, "column": 1, "end_line": 1, "end_column": 2, "start": 0, "end": 1,
         "code": "U001", "name": "mojibake", "message": "bad byte \udcff", "severity": "error", "fix": "",
         "applicability": "safe", "before": "\udcff", "fingerprint": "0" * 32, "occurrence": 1}
    out = FORMATS[name](Report(diagnostics=[d], files=["x.txt"], texts={"x.txt": "\udcff\n"}))
    out.encode("utf-8")  # printable and writable as UTF-8
    assert "x.txt" in out
    if name == "sarif":
        jsonschema.Draft4Validator(SCHEMA).validate(json.loads(out))


def test_sarif_on_the_seeds_links_near_duplicates_to_their_twins():
    code, out = check("seeds", "--output-format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    dups = [r for r in results if r["ruleId"] == "D001"]
    assert dups, "the seeds repeat wire copy"
    for r in dups:
        assert r["level"] == "warning"
        (related,) = r["relatedLocations"]
        twin = related["physicalLocation"]["artifactLocation"]["uri"]
        assert twin.startswith("seeds/") and twin in r["message"]["text"]
        assert twin != r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_readme_documents_the_json_fields_and_every_format():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## `cleaner check`"):]
    section = section[: section.index("\n## ", 5)]
    from cleaner.formats.jsonfmt import FIELDS

    row = section[section.index("| `json`, `json-lines` |"):].split("\n", 1)[0]
    documented = set(row.split("`")[5].split())  # the backquoted list of field names
    assert documented == set(FIELDS) - {"data"}
    for name in FORMATS:
        assert f"`{name}`" in section, name
