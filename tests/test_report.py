"""The HTML report: structure, labels, escaping, cross links, split pages, provenance."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.pipeline import LineIndex

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z

HOSTILE_NAME = '"><img src=x onerror=alert(2)>.txt'
HOSTILE_TEXT = (
    "Headline <script>alert(1)</script>\n\n"
    '"><img src=x onerror=alert(3)> and more text\x1b here\n\n'
    "<b>bold</b> & done.  \n"
)
TEXT_A = ("Wire story\n\nRussia has made clear it wants a written commitment that Ukraine will never join NATO.  "
          "\n\n\n\nThe talks are set for Jan. 10 in Geneva.\n")
TEXT_B = ("Other outlet\n\nRussia has made clear that it wants a written commitment that Ukraine will never join "
          "NATO.\n\nAn analyst said:\n\nSomething else happened.\n")
PARA_A = "Russia has made clear it wants a written commitment that Ukraine will never join NATO."
PARA_B = "Russia has made clear that it wants a written commitment that Ukraine will never join NATO."


def run_clean(args: list[str], monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    return r


def _finding(text: str, start: int, end: int, code: str, name: str, message: str, data=None) -> dict:
    idx = LineIndex(text)
    line, col = idx.position(start)
    end_line, end_col = idx.position(end)
    out = {"start": start, "end": end, "line": line, "column": col, "end_line": end_line, "end_column": end_col,
           "code": code, "name": name, "message": message, "severity": "warning"}
    if data is not None:
        out["data"] = data
    return out


def make_crafted_run(root: Path, monkeypatch, *extra_args: str, also: tuple[Path, ...] = ()) -> Path:
    """A small run with hostile text, a near-duplicate pair and quote findings.

    The inputs (plus the files in *also*) go through the real ``cleaner
    clean``; then the findings of ``b.txt`` are replaced by D and Q findings
    of the shape the dedup and quote rules record (findings change no text,
    so the log stays restorable).
    """
    src = root / "in"
    src.mkdir(parents=True)
    for f in also:
        (src / f.name).write_bytes(f.read_bytes())
    (src / "a.txt").write_text(TEXT_A, encoding="utf-8")
    (src / "b.txt").write_text(TEXT_B, encoding="utf-8")
    (src / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    out = root / "out"
    run_clean(["clean", str(src), "-o", str(out), *extra_args], monkeypatch)
    log = out / "cleaner-log.jsonl"
    records = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    by_path = {r["path"]: r for r in records}
    a0 = TEXT_A.index(PARA_A)
    b0 = TEXT_B.index(PARA_B)
    lead = TEXT_B.index("An analyst said:")
    by_path["b.txt"]["findings"] = [
        _finding(TEXT_B, b0, b0 + len(PARA_B), "D001", "near-duplicate-paragraph",
                 "near-duplicate of a.txt paragraph 2, J=0.78",
                 {"cluster": 0, "kind": "cross-document", "paragraph": 2,
                  "duplicate_of": {"path": "a.txt", "paragraph": 2, "start": a0, "end": a0 + len(PARA_A)},
                  "similarity": 0.78, "measure": "jaccard", "jaccard": 0.78, "containment": 0.8}),
        _finding(TEXT_B, lead, lead + len("An analyst said:"), "Q002", "dangling-lead-in",
                 "lead-in ends with a colon but no quotation follows"),
        _finding(TEXT_B, 6, 6, "Q001", "missing-text", "text likely missing here"),
        _finding(TEXT_B, 0, 12, "Q004", "orphaned-pull-quote",
                 "quote not found in the body <script>alert(4)</script>",
                 {"quote": 0, "confidence": 0.9, "gap_kind": "lead-in"}),
        _finding(TEXT_B, lead + 16, lead + 16, "Q004", "orphaned-pull-quote", "likely gap of the orphaned quote",
                 {"quote": 0, "confidence": 0.9, "role": "gap"}),
    ]
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return out


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --------------------------------------------------------------------------- seeds


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("seeds")
    out = root / "cleaned"
    run_clean(["clean", str(SEEDS), "-o", str(out), "--report", str(out / "report.html")], mp)
    mp.undo()
    return out


def test_seeds_report_has_one_section_per_document_and_every_change_labelled(seeds_report):
    records = [json.loads(x) for x in (seeds_report / "cleaner-log.jsonl").read_text().splitlines()]
    soup = soup_of(seeds_report / "report.html")
    sections = soup.select("section.doc")
    assert [s.h2.code.get_text() for s in sections] == [r["path"] for r in records]
    assert len(soup.select("#doc-index tbody tr")) == len(records)
    assert sum(len(r["edits"]) for r in records) > 5  # the seeds do have changes to show
    for n, (section, rec) in enumerate(zip(sections, records), 1):
        changes = section.select("pre.text span.chg")
        assert len(changes) == len(rec["edits"])
        rows = section.select("table.changes tbody tr")
        assert len(rows) == len(rec["edits"])
        for i, (chg, row, edit) in enumerate(zip(changes, rows, rec["edits"]), 1):
            assert chg["id"] == f"d{n}-e{i}"
            assert chg["title"].startswith(f"{edit['code']} {edit['name']}: {edit['reason']}")
            assert chg.select_one("a.code").get_text() == edit["code"]
            assert chg.select_one("a.code")["href"] == f"#d{n}-et{i}"
            cells = row.find_all("td")
            assert cells[0].a["href"] == f"#d{n}-e{i}"
            assert cells[2].get_text() == f"{edit['line']}:{edit['column']}"
            assert cells[5].get_text().startswith(edit["reason"])


def test_inline_view_is_the_original_text(seeds_report):
    """Dropping the inserted text and the made-visible symbols leaves exactly the original."""
    soup = soup_of(seeds_report / "report.html")
    for section, seed in zip(soup.select("section.doc"), sorted(SEEDS.glob("*.txt"))):
        pre = section.select_one("pre.text")
        for tag in pre.select("ins, a.code, a.marker"):
            tag.decompose()
        for vis in pre.select("del .vis"):  # a visible line break is followed by the real one
            vis.replace_with({"·": " ", "→": "\t", "¶": "", "␍¶": "\r", "⍽": "\xa0"}.get(vis.get_text(), vis.get_text()))
        # a visible line break is followed by a real one; the original's own "\n" is that real one
        assert pre.get_text() == seed.read_text(encoding="utf-8").replace("\r\n", "\n"), seed.name


def test_seed_near_duplicates_link_to_their_twins(seeds_report):
    """The dedup stage's D findings on the seeds become links to the twin paragraph."""
    records = [json.loads(x) for x in (seeds_report / "cleaner-log.jsonl").read_text().splitlines()]
    soup = soup_of(seeds_report / "report.html")
    number = {r["path"]: n for n, r in enumerate(records, 1)}
    dups = [(n, k, f) for n, r in enumerate(records, 1) for k, f in enumerate(r["findings"], 1)
            if f["code"] == "D001"]
    assert dups, "the seeds share AP paragraphs (001 and 003)"
    for n, k, f in dups:
        twin = f["data"]["duplicate_of"]
        row = soup.find(id=f"d{n}-ft{k}")
        link = row.select_one("a.dup-link")
        assert twin["path"] in link.get_text() and f"J={f['data']['jaccard']:.2f}" in link.get_text()
        target = soup.find(id=link["href"][1:])
        assert target.find_parent("section")["id"] == f"doc-{number[twin['path']]}"
        assert target["href"] == f"#d{n}-f{k}"  # and back
        original = (SEEDS / twin["path"]).read_text(encoding="utf-8")
        marked = "".join(m.get_text() for m in target.find_next_siblings("mark", class_="twin"))
        assert original[twin["start"]:twin["end"]].startswith(marked[:40])


def test_header_metadata_totals_and_legend(seeds_report):
    soup = soup_of(seeds_report / "report.html")
    run = json.loads((seeds_report / "stats.json").read_text())["run"]
    meta = soup.select_one("#run").get_text(" ", strip=True)
    assert "cleaner 0.1.0" in meta or "cleaner " + run["tool_version"] in meta
    assert "2023-11-14T22:13:20Z" in meta
    assert run["config_sha256"] in meta and "matches the configuration below" in meta
    assert "cleaner clean" in meta and "--report" in meta
    assert f"{len(list(SEEDS.glob('*.txt')))} of 5 originals rebuilt from the log and verified" in meta
    first = soup.select_one("section.doc details.provenance")
    events = [tr.find_all("td")[0].get_text() for tr in first.select("tbody tr")]
    assert events[-1] == "message digest calculation" and "2023-11-14T22:13:20Z" in first.get_text()
    from cleaner.registry import all_rules

    legend_codes = [tr.td.get_text() for tr in soup.select("#rule-legend tbody tr")]
    assert legend_codes[: len(all_rules())] == [r.code for r in all_rules()]
    records = [json.loads(x) for x in (seeds_report / "cleaner-log.jsonl").read_text().splitlines()]
    totals = {tr.find_all("td")[0].get_text(): int(tr.find_all("td")[2].get_text())
              for tr in soup.select("#rule-totals tbody tr")}
    expected: dict[str, int] = {}
    for r in records:
        for e in r["edits"]:
            expected[e["code"]] = expected.get(e["code"], 0) + 1
    assert {k: v for k, v in totals.items() if v} == expected


def test_index_rows_carry_counts_hashes_and_filter_data(seeds_report):
    soup = soup_of(seeds_report / "report.html")
    records = [json.loads(x) for x in (seeds_report / "cleaner-log.jsonl").read_text().splitlines()]
    for row, rec in zip(soup.select("#doc-index tbody tr"), records):
        cells = row.find_all("td")
        assert cells[1].a["href"].startswith("#doc-")
        assert int(cells[2].get_text()) == len(rec["edits"])
        assert cells[7].code["title"] == rec["sha256_original"]
        assert cells[8].code["title"] == rec["sha256_cleaned"]
        assert set(row["data-rules"].split()) == {e["code"] for e in rec["edits"]} | {
            f["code"] for f in rec["findings"]}
    options = [o["value"] for o in soup.select("#rule-filter option")]
    assert options[0] == "" and len(options) > 1


def test_page_is_self_contained(seeds_report):
    html = (seeds_report / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("link") and not soup.find_all("img") and not soup.find_all("iframe")
    assert len(soup.find_all("script")) == 1 and not soup.script.get("src")
    for tag in soup.find_all(True):
        for attr in ("src", "href", "action", "srcset", "poster", "data"):
            value = tag.get(attr)
            if isinstance(value, str):
                assert not re.match(r"\s*(https?:)?//", value, re.I), (tag.name, value)
    assert "@import" not in html and "url(" not in html
    assert len(soup.find_all("style")) == 1


def test_whitespace_only_changes_are_visible(seeds_report):
    soup = soup_of(seeds_report / "report.html")
    ws = soup.select("span.chg.ws")
    assert ws, "the seeds have whitespace-only changes (blank lines, trailing spaces)"
    for chg in ws:
        shown = "".join(x.get_text() for x in chg.select("del, ins"))
        assert shown.strip(), "a whitespace-only change must show symbols, not blank space"
        assert set(re.sub(r"\s", "", shown)) <= set("·¶→⍽␍")


def test_report_is_deterministic(seeds_report, tmp_path, monkeypatch):
    first = (seeds_report / "report.html").read_bytes()
    r = CliRunner().invoke(cli, ["report", str(seeds_report), "-o", str(tmp_path / "again.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "again.html").read_bytes() == first


# --------------------------------------------------------------------------- hostile text and cross links


@pytest.fixture
def crafted(tmp_path, monkeypatch):
    out = make_crafted_run(tmp_path, monkeypatch)
    r = CliRunner().invoke(cli, ["report", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_hostile_text_is_shown_as_text(crafted):
    html = (crafted / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.find_all("script")) == 1  # ours only
    assert not soup.find_all("img") and not soup.find_all("b")
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html  # in a finding message
    assert re.search(r"(&#34;|&quot;)&gt;", html) and "&lt;img src=x onerror=alert(3)&gt;" in html
    text = soup.get_text()
    assert "<script>alert(1)</script>" in text and HOSTILE_NAME in text
    assert "␛" in text  # the escape control character is shown, not emitted
    assert "\x1b" not in html


def test_render_report_returns_the_same_page(crafted):
    from cleaner.report import render_report

    assert render_report(crafted) == (crafted / "report.html").read_text(encoding="utf-8")


def test_near_duplicates_link_to_their_twin(crafted):
    soup = soup_of(crafted / "report.html")
    paths = [s.h2.code.get_text() for s in soup.select("section.doc")]
    na, nb = paths.index("a.txt") + 1, paths.index("b.txt") + 1
    link = soup.select_one(f"#doc-{nb} a.dup-link")
    assert link is not None and "a.txt" in link.get_text() and "J=0.78" in link.get_text()
    target = soup.find(id=link["href"][1:])
    assert target is not None and target.find_parent("section")["id"] == f"doc-{na}"
    # the twin paragraph is highlighted in a.txt and links back to the finding in b.txt
    twin = soup.select_one(f"#doc-{na} mark.twin")
    assert twin is not None and twin.get_text() == PARA_A
    assert target["href"] == f"#d{nb}-f1"
    assert soup.find(id=f"d{nb}-f1")["href"] == link["href"]  # the inline marker jumps to the twin too
    assert "repeated in b.txt" in target["title"]
    row = soup.select("#doc-index tbody tr")[nb - 1]
    assert row.find_all("td")[6]["data-sort"] == "1"


def test_findings_are_highlighted_with_their_place(crafted):
    soup = soup_of(crafted / "report.html")
    paths = [s.h2.code.get_text() for s in soup.select("section.doc")]
    nb = paths.index("b.txt") + 1
    sec = soup.select_one(f"#doc-{nb}")
    lead = [m for m in sec.select("mark.finding") if "Q002" in m["title"]]
    assert lead and lead[0].get_text() == "An analyst said:"
    assert "fc-Q002" in lead[0]["class"]
    gaps = sec.select("a.marker.zero")
    assert [g.get_text() for g in gaps] == ["Q001", "⇠ Q004"]
    place = sec.select_one("a.place-link")  # the orphaned quote's row links to its likely place
    assert place is not None and "likely place" in place.get_text() and "0.90" in place.get_text()
    anchor = soup.find(id=place["href"][1:])
    assert anchor is gaps[1] and anchor.find_parent("section") is sec
    assert anchor["href"] == f"#d{nb}-f4"  # and the place links back to the quote
    assert sec.find(id=f"d{nb}-f4")["href"] == place["href"]
    rows = sec.select("table.findings tbody tr")
    assert [r.find_all("td")[1].span.get_text() for r in rows] == ["D001", "Q002", "Q001", "Q004", "Q004"]


def test_finding_data_shapes():
    from cleaner.report.view import gap_of, twin_of

    flat = twin_of({"twin_path": "x.txt", "twin_start": 3, "twin_end": 9, "jaccard": 0.5})
    assert (flat["path"], flat["start"], flat["end"], flat["similarity"], flat["measure"]) == (
        "x.txt", 3, 9, 0.5, "jaccard")
    nested = twin_of({"representative": {"path": "y.txt", "paragraph": 4}, "containment": 0.9})
    assert (nested["path"], nested["paragraph"], nested["start"], nested["measure"]) == ("y.txt", 4, None, "containment")
    assert twin_of({"kind": "ellipsis"}) is None and twin_of(None) is None
    assert gap_of({"gap": {"start": 7, "end": 9}, "confidence": 0.4}) == {"start": 7, "end": 9, "confidence": 0.4}
    assert gap_of({"gap_offset": 5}) == {"start": 5, "end": 5, "confidence": None}
    assert gap_of({"gap": "after the colon"}) is None


def test_split_report_has_an_index_and_a_page_per_document(tmp_path, monkeypatch):
    out = make_crafted_run(tmp_path, monkeypatch)
    dest = tmp_path / "rep" / "report.html"
    r = CliRunner().invoke(cli, ["report", str(out), "-o", str(dest), "--split-over", "2"])
    assert r.exit_code == 0, r.output
    pages = sorted((tmp_path / "rep" / "report_files").glob("*.html"))
    assert [p.name for p in pages] == ["0001.html", "0002.html", "0003.html"]
    index = soup_of(dest)
    assert not index.select("section.doc")
    assert "3 of 3 originals rebuilt from the log and verified" in index.select_one("#run").get_text(" ")
    hrefs = [a["href"] for a in index.select("#doc-index tbody td a")]
    assert hrefs == [f"report_files/{p.name}" for p in pages]
    for p in pages:
        soup = soup_of(p)
        assert len(soup.select("section.doc")) == 1 and soup.style is not None
        assert soup.select_one("nav.nav-pages a")["href"] == "../report.html"
    link = [soup_of(p).select_one("a.dup-link") for p in pages]
    link = next(x for x in link if x is not None)
    page, anchor = link["href"].split("#")
    assert soup_of(dest.parent / "report_files" / page).find(id=anchor) is not None
    # back to one page: the page folder goes
    r = CliRunner().invoke(cli, ["report", str(out), "-o", str(dest)])
    assert r.exit_code == 0 and not (tmp_path / "rep" / "report_files").exists()
    # a page folder holding someone else's files is never replaced
    (tmp_path / "rep" / "report_files").mkdir()
    (tmp_path / "rep" / "report_files" / "notes.md").write_text("mine", encoding="utf-8")
    r = CliRunner().invoke(cli, ["report", str(out), "-o", str(dest), "--split-over", "1"])
    assert r.exit_code == 2 and "not report pages" in r.output
    assert [p.name for p in (tmp_path / "rep" / "report_files").iterdir()] == ["notes.md"]


def test_changed_cleaned_file_is_reported_and_the_rest_goes_on(tmp_path, monkeypatch):
    out = make_crafted_run(tmp_path, monkeypatch)
    (out / "a.txt").write_text("tampered\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["report", str(out)])
    assert r.exit_code == 2
    assert "could not be rebuilt" in r.output and "Traceback" not in r.output
    soup = soup_of(out / "report.html")
    assert len(soup.select("section.doc")) == 3
    bad = [s for s in soup.select("section.doc") if s.select_one("p.error")]
    assert len(bad) == 1 and "SHA-256" in bad[0].select_one("p.error").get_text()


def test_broken_log_lines_are_reported_and_the_rest_goes_on(tmp_path, monkeypatch):
    out = make_crafted_run(tmp_path, monkeypatch)
    log = out / "cleaner-log.jsonl"
    good = log.read_text(encoding="utf-8")
    first = json.loads(good.splitlines()[0])
    bad_edits = dict(first, path="x.txt", edits=[{"start": 5, "end": 2, "before": "", "after": ""}])
    bad_finding = dict(json.loads(good.splitlines()[1]), findings=[{"start": "0"}, {"start": 0, "end": 1,
                                                                                     "code": "Q001"}])
    escape = dict(first, path="../../etc/passwd")
    log.write_text(good + "{not json\n" + "[1, 2]\n" + json.dumps(bad_edits) + "\n" + json.dumps(escape) + "\n"
                   + json.dumps(bad_finding) + "\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["report", str(out)])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    soup = soup_of(out / "report.html")
    sections = soup.select("section.doc")
    assert len(sections) == 3 + 5
    errors = [s.select_one("p.error").get_text() for s in sections if s.select_one("p.error")]
    assert len(errors) == 4
    assert any("not valid JSON" in e for e in errors) and any("not a JSON object" in e for e in errors)
    assert any("edits are malformed" in e for e in errors) and any("not a safe relative path" in e for e in errors)
    notice = sections[-1].select_one("p.notice")
    assert notice is not None and "1 malformed finding(s) left out" in notice.get_text()
    assert sections[-1].select_one("pre.text") is not None  # shown, with its one good finding
    assert "root:" not in soup.get_text()


def test_missing_log_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert r.exit_code == 2
    assert "no cleaner log" in r.output and "Traceback" not in r.output


# --------------------------------------------------------------------------- provenance


def test_log_records_carry_premis_events(seeds_report):
    records = [json.loads(x) for x in (seeds_report / "cleaner-log.jsonl").read_text().splitlines()]
    run = json.loads((seeds_report / "stats.json").read_text())["run"]
    for rec in records:
        assert list(rec)[:9] == ["path", "metadata", "source", "sha256_original", "sha256_cleaned",
                                 "tool_version", "config_sha256", "edits", "findings"]
        premis = rec["premis"]
        assert premis["agent"]["agentVersion"] == rec["tool_version"]
        assert premis["agent"]["configSha256"] == rec["config_sha256"]
        events = premis["events"]
        change_events = [e for e in events if e["eventType"] in ("modification", "deletion")]
        assert sorted(e["rule"] for e in change_events) == sorted({x["code"] for x in rec["edits"]})
        assert sum(e["editCount"] for e in change_events) == len(rec["edits"])
        for e in change_events:
            edits = [x for x in rec["edits"] if x["code"] == e["rule"]]
            assert e["editCount"] == len(edits)
            assert e["eventType"] == ("deletion" if all(x["after"] == "" for x in edits) else "modification")
        for e in events:
            assert e["eventDateTime"] == run["date_time"] == "2023-11-14T22:13:20Z"
            assert e["linkingAgentIdentifier"]["linkingAgentIdentifierValue"] == f"cleaner {rec['tool_version']}"
            digests = {o["linkingObjectRole"]: o["messageDigest"] for o in e["linkingObjectIdentifier"]}
            assert digests["source"] == rec["sha256_original"]
            assert digests.get("outcome", rec["sha256_cleaned"]) == rec["sha256_cleaned"]
        assert events[-1]["eventType"] == "message digest calculation"
        ids = [e["eventIdentifier"]["eventIdentifierValue"] for e in events]
        assert len(set(ids)) == len(ids)


def test_modification_and_validation_events(tmp_path, monkeypatch):
    from cleaner.model import Document, Edit, Finding
    from cleaner.report.provenance import premis_record

    doc = Document(id="x.txt", text="a&amp;b  \n", edits=[
        Edit(1, 6, "&", "entity", code="H002", name="html-entity", before="&amp;"),
        Edit(7, 9, "", "trailing", code="W002", name="trailing-whitespace", before="  "),
    ], findings=[Finding(0, 1, "odd", code="Q001", name="q")])
    p = premis_record(doc, sha256_original="o" * 64, sha256_cleaned="c" * 64, config_sha256="f" * 64,
                      when="2024-01-01T00:00:00Z")
    kinds = [(e["eventType"], e.get("rule")) for e in p["events"]]
    assert kinds == [("modification", "H002"), ("deletion", "W002"), ("validation", None),
                     ("message digest calculation", None)]
    again = premis_record(doc, sha256_original="o" * 64, sha256_cleaned="c" * 64, config_sha256="f" * 64,
                          when="2024-01-01T00:00:00Z")
    assert again == p  # identifiers are derived, not random


def test_command_line_is_rebuilt_from_the_parsed_options(seeds_report):
    run = json.loads((seeds_report / "stats.json").read_text())["run"]
    assert run["command_line"].startswith("cleaner clean ")
    assert f"--output {seeds_report}" in run["command_line"]
    assert run["config"]["time_limit"] == 30.0


def test_change_table_row_limit_keeps_every_change_in_the_text(seeds_report, tmp_path):
    records = [json.loads(x) for x in (seeds_report / "cleaner-log.jsonl").read_text().splitlines()]
    dest = tmp_path / "short.html"
    r = CliRunner().invoke(cli, ["report", str(seeds_report), "-o", str(dest), "--max-table-rows", "2"])
    assert r.exit_code == 0, r.output
    soup = soup_of(dest)
    for section, rec in zip(soup.select("section.doc"), records):
        n = len(rec["edits"])
        assert len(section.select("table.changes tbody tr")) == min(n, 2)
        changes = section.select("pre.text span.chg")
        assert len(changes) == n
        assert [bool(c.select_one("a.code")) for c in changes] == [i < 2 for i in range(n)]
        notice = section.find("p", class_="notice")
        assert (notice is not None and f"{n - 2} more changes" in notice.get_text()) == (n > 2)


def test_undecodable_bytes_and_direction_overrides_are_shown_as_symbols(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    (src / "bytes.txt").write_bytes("Caf\u00e9 and more words here, ".encode() * 20 + b"bad \xff byte  \n"
                                    + "evil \u202eoverride\u202c text\n".encode())
    out = tmp_path / "out"
    run_clean(["clean", str(src), "-o", str(out), "--report", str(out / "report.html")], monkeypatch)
    rec = json.loads((out / "cleaner-log.jsonl").read_text(encoding="utf-8"))
    assert rec["source"]["errors"] == "surrogateescape"
    html = (out / "report.html").read_text(encoding="utf-8")  # the page itself is valid UTF-8
    pre = BeautifulSoup(html, "html.parser").select_one("pre.text")
    text = pre.get_text()
    assert "bad ⟨FF⟩" in text  # the byte, whether a rule changed it (then struck through) or not
    assert all("\udcff" not in t for t in pre.strings)
    assert "evil ⟨RLO⟩override⟨PDF⟩ text" in text
    assert "\u202e" not in html


def test_odd_run_record_does_not_break_the_report(tmp_path, monkeypatch):
    out = make_crafted_run(tmp_path, monkeypatch)
    (out / "stats.json").write_text(json.dumps({"run": {"file_errors": [1, {"path": "<x>", "message": 2}],
                                                        "command_line": ["not", "a", "string"],
                                                        "config": "odd"}}), encoding="utf-8")
    r = CliRunner().invoke(cli, ["report", str(out)])
    assert r.exit_code == 0, r.output
    soup = soup_of(out / "report.html")
    assert "&lt;x&gt;" in str(soup.select_one(".error")) and "not recorded" in soup.select_one("#run").get_text()
    (out / "stats.json").write_text("{broken", encoding="utf-8")
    assert CliRunner().invoke(cli, ["report", str(out)]).exit_code == 0
