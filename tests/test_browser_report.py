"""The report in a real browser: headless Chromium through Selenium.

Chromium and ChromeDriver come from Debian (``chromium``, ``chromium-driver``;
``.ci/run`` installs them).  The driver is given explicitly so Selenium
Manager never tries to download one.  Any JavaScript console error fails.
Set ``CLEANER_SCREENSHOT_DIR`` to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    if os.environ.get("CI"):
        pytest.fail("chromium and chromedriver are required in CI (.ci/run installs them)", pytrace=False)
    pytest.skip("chromium / chromedriver not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from test_report import make_crafted_run  # noqa: E402

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _driver(profile: Path, javascript: bool = True):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,1800"):
        opts.add_argument(flag)
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One report holding the seeds and the crafted run (hostile text, near-duplicates, quotes)."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("browser")
    out = make_crafted_run(root, mp, also=tuple(sorted(SEEDS.glob("*.txt"))))
    r = CliRunner().invoke(cli, ["report", str(out)])
    assert r.exit_code == 0, r.output
    mp.undo()
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    profile = Path(tempfile.mkdtemp(prefix="cleaner-chromium-"))
    driver = _driver(profile)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def _screenshot(driver, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("CLEANER_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert driver.save_screenshot(str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real, non-blank capture
    return path


def _in_view(driver, element) -> bool:
    return driver.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return r.bottom > 0 && r.top < window.innerHeight && r.height > 0;", element)


def _click(driver, element) -> None:
    """Click like a user who first scrolls the element to the middle (clear of the sticky bar)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def _open(driver, report: Path, fragment: str = "") -> None:
    driver.get(report.as_uri() + fragment)
    driver.get_log("browser")  # start each test with an empty console log
    driver.get(report.as_uri() + fragment)


def _doc_number(driver, path: str) -> int:
    for section in driver.find_elements(By.CSS_SELECTOR, "section.doc"):
        if section.find_element(By.CSS_SELECTOR, "h2 code").text == path:
            return int(section.get_attribute("id").split("-")[1])
    raise AssertionError(path)


def test_page_loads_without_console_errors_and_screenshot(browser, report, tmp_path):
    _open(browser, report)
    assert browser.title.startswith("cleaner report")
    assert browser.find_element(By.ID, "filters").is_displayed()  # the script ran
    n = _doc_number(browser, "001_b0e822d6a9f2215a.txt")
    browser.get(report.as_uri() + f"#doc-{n}")
    _screenshot(browser, tmp_path, "report-document.png")
    browser.get(report.as_uri())
    _screenshot(browser, tmp_path, "report-top.png")
    assert not _errors(browser)
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.execute_script("return window.__xss === undefined")


def test_change_table_links_and_sorting(browser, report):
    _open(browser, report)
    n = _doc_number(browser, "001_b0e822d6a9f2215a.txt")
    table = browser.find_element(By.ID, f"doc-{n}-changes")
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) >= 3
    # a row's number jumps to the change in the text, which shows its rule and reason on hover
    last = rows[-1]
    target_id = last.find_element(By.CSS_SELECTOR, "td a").get_attribute("href").split("#")[1]
    reason = last.find_elements(By.TAG_NAME, "td")[5].text
    _click(browser, last.find_element(By.CSS_SELECTOR, "td a"))
    assert browser.execute_script("return location.hash") == f"#{target_id}"
    change = browser.find_element(By.ID, target_id)
    assert _in_view(browser, change)
    assert reason.split("\n")[0] in change.get_attribute("title")
    assert browser.execute_script("return document.querySelector(':target') === arguments[0]", change)
    # and the change's label jumps back to its row
    _click(browser, change.find_element(By.CSS_SELECTOR, "a.code"))
    assert browser.execute_script("return location.hash") == f"#{last.get_attribute('id')}"
    # sorting by line:column, twice, reverses the order
    header = table.find_elements(By.CSS_SELECTOR, "thead th")[2].find_element(By.TAG_NAME, "button")
    _click(browser, header)
    up = [r.get_attribute("id") for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    _click(browser, header)
    down = [r.get_attribute("id") for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert down == list(reversed(up)) and len(set(up)) == len(rows)
    assert not _errors(browser)


def test_rule_filter_and_findings_filter(browser, report):
    _open(browser, report)
    rows = browser.find_elements(By.CSS_SELECTOR, "#doc-index tbody tr")
    sections = browser.find_elements(By.CSS_SELECTOR, "section.doc")
    select = Select(browser.find_element(By.ID, "rule-filter"))
    select.select_by_value("H001")
    shown = [r for r in rows if r.is_displayed()]
    assert shown and len(shown) < len(rows)
    assert all("H001" in r.get_attribute("data-rules").split() for r in shown)
    assert all(("H001" in r.get_attribute("data-rules").split()) == r.is_displayed() for r in rows)
    assert [s.is_displayed() for s in sections] == [r.is_displayed() for r in rows]
    count = browser.find_element(By.ID, "filter-count").text
    assert count == f"{len(shown)} of {len(rows)} documents shown"
    select.select_by_value("")
    _click(browser, browser.find_element(By.ID, "findings-filter"))
    assert all((int(r.get_attribute("data-findings")) > 0) == r.is_displayed() for r in rows)
    assert any(not r.is_displayed() for r in rows) and any(r.is_displayed() for r in rows)
    _click(browser, browser.find_element(By.ID, "findings-filter"))
    assert all(r.is_displayed() for r in rows)
    # the document index sorts by edits
    header = browser.find_elements(By.CSS_SELECTOR, "#doc-index thead th")[2].find_element(By.TAG_NAME, "button")
    _click(browser, header)
    edits = [int(r.find_elements(By.TAG_NAME, "td")[2].text)
             for r in browser.find_elements(By.CSS_SELECTOR, "#doc-index tbody tr")]
    assert edits == sorted(edits)
    assert not _errors(browser)


def test_duplicate_links_reach_the_twin(browser, report):
    _open(browser, report)
    nb = _doc_number(browser, "b.txt")
    na = _doc_number(browser, "a.txt")
    link = browser.find_element(By.CSS_SELECTOR, f"#doc-{nb} a.dup-link")
    assert "a.txt" in link.text
    _click(browser, link)
    hash_ = browser.execute_script("return location.hash")
    twin = browser.find_element(By.ID, hash_[1:])
    assert twin.find_element(By.XPATH, "ancestor::section[contains(@class,'doc')]").get_attribute("id") == f"doc-{na}"
    assert _in_view(browser, twin)
    # the twin marker links back to the near-duplicate in b.txt
    _click(browser, twin)
    assert browser.execute_script("return location.hash") == f"#d{nb}-f1"
    # a twin inside a document hidden by the filter is revealed when followed
    Select(browser.find_element(By.ID, "rule-filter")).select_by_value("D001")
    assert not browser.find_element(By.ID, f"doc-{na}").is_displayed()
    _click(browser, browser.find_element(By.CSS_SELECTOR, f"#doc-{nb} a.dup-link"))
    assert browser.find_element(By.ID, f"doc-{na}").is_displayed()
    assert not _errors(browser)


def test_readable_without_javascript(report, tmp_path):
    profile = Path(tempfile.mkdtemp(prefix="cleaner-chromium-nojs-"))
    driver = _driver(profile, javascript=False)
    try:
        driver.get(report.as_uri())
        assert not driver.find_element(By.ID, "filters").is_displayed()
        sections = driver.find_elements(By.CSS_SELECTOR, "section.doc")
        assert len(sections) == 8 and all(s.is_displayed() for s in sections)
        assert "alert(1)" in driver.find_element(By.TAG_NAME, "body").text
        _screenshot(driver, tmp_path, "report-no-js.png")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_printable(browser, report, tmp_path):
    """In print media the controls go, filtered-out documents come back, and a PDF prints."""
    import base64

    from selenium.webdriver.common.print_page_options import PrintOptions

    _open(browser, report)
    Select(browser.find_element(By.ID, "rule-filter")).select_by_value("H001")
    sections = browser.find_elements(By.CSS_SELECTOR, "section.doc")
    assert not all(s.is_displayed() for s in sections)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert all(s.is_displayed() for s in sections)
        assert not browser.find_element(By.CSS_SELECTOR, "nav.toc").is_displayed()
        assert not browser.find_element(By.ID, "filters").is_displayed()
        pdf = base64.b64decode(browser.print_page(PrintOptions()))
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    import re

    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 8  # every document starts on a new page
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert not _errors(browser)
