"""The access package's index.html in a real browser (Debian Chromium): hostile store text is
shown as text, nothing runs, nothing is fetched, and it prints; its screenshot is kept."""

from __future__ import annotations

from pathlib import Path

from lib.core.db import Database
from tests.e2e.conftest import SCREENSHOTS
from tests.helpers.access_report import HOSTILE_NAME, HOSTILE_TITLE, export_hostile_customer


def test_hostile_values_are_inert_in_the_browser_and_the_report_prints(
    browser, sqlite_db: Database, tmp_path: Path
) -> None:
    files, _ = export_hostile_customer(sqlite_db, tmp_path)
    report = tmp_path / "index.html"
    report.write_bytes(files["index.html"])
    context = browser.new_context(viewport={"width": 1100, "height": 1400}, timezone_id="UTC")
    page = context.new_page()
    dialogs: list[str] = []
    fetched: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    body = page.inner_text("body")
    assert HOSTILE_NAME in body  # shown as the text it is
    assert HOSTILE_TITLE in body
    assert "invoice[U+202E]txt.exe" in body
    assert dialogs == []  # no script ran
    assert fetched == [report.as_uri()]  # no image, font or style sheet was asked for
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("document.images.length") == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "access-report.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 2  # prints on several pages
    context.close()
