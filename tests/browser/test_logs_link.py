"""Chromium: filters chosen on the Logs page land in the address, and that link opened by a colleague (a fresh browser
context) shows the same rows; the record drill-down shows the provenance of each field."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from core import engine
from tests.browser.test_connect_users import _shot, _wait_text
from tests.fixtures.browser import no_error_shown, settled
from tests.fixtures.logs import make_log
from tests.fixtures.writer import WRITER

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
# The dataframe toolbar's "Download as CSV" saves through the File System Access API when the browser has it;
# without it Streamlit falls back to an ordinary download, which Playwright can read.
NO_SAVE_PICKER = "window.showSaveFilePicker = undefined;"


def _context(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    context.add_init_script(NO_SAVE_PICKER)
    return context


def _choose(page: Any, label: str, option: str) -> None:
    """Pick one option of a multiselect, as a person does: open it, type, click the option."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.press_sequentially(option)
    page.get_by_role("option", name=option, exact=True).click(timeout=TIMEOUT)
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    settled(page)


def _table(page: Any, index: int) -> list[dict[str, str]]:
    """The rows a dataframe on the page shows, through its own "Download as CSV"."""
    settled(page)
    grid = page.locator('[data-testid="stDataFrame"]').nth(index)
    grid.scroll_into_view_if_needed()
    grid.hover()
    button = grid.get_by_role("button", name="Download as CSV")
    button.wait_for(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        button.dispatch_event("click")  # the toolbar floats over the grid, which may still take the pointer
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_given_filters_chosen_on_the_logs_page_when_the_link_opens_in_a_fresh_context_then_the_same_rows_show(
        console_server: Any, browser: Any, demo_org: Any, screenshot_dir: Path) -> None:
    engine.connect_password_demo("integration@demo.test", actor=WRITER)
    made = make_log(None, demo_org)
    base = console_server.url

    mine = _context(browser)
    page = mine.new_page()
    page.goto(f"{base}/logs?connection=demo", timeout=TIMEOUT)
    cells = engine.log_count(engine.LogFilter(connections=("demo",)))  # one row per cell: write-ahead rows hidden
    assert 0 < cells < 19  # the log holds 19 rows, pending ones included
    _wait_text(page, f"Rows 1–{cells} of {cells}")
    settled(page)
    _choose(page, "Field", "Title")
    _choose(page, "Outcome", "Written")
    _choose(page, "Trigger", "manual")
    _wait_text(page, "Rows 1–5 of 5")
    link = page.url
    assert all(p in link for p in ("field=Title", "outcome=written", "trigger=manual", "connection=demo"))
    shown = _table(page, 1)
    _shot(page, screenshot_dir, "logs-filtered.png")

    colleague = _context(browser)
    theirs = colleague.new_page()
    theirs.goto(link, timeout=TIMEOUT)
    _wait_text(theirs, "Rows 1–5 of 5")
    settled(theirs)
    no_error_shown(theirs)

    assert _table(theirs, 1) == shown
    assert sorted(row["link"].rsplit("/", 1)[1] for row in shown) == sorted(made.written)
    assert {(row["field"], row["outcome"], row["trigger"]) for row in shown} == {("Title", "Written", "manual")}
    tags = theirs.locator('[data-testid="stMultiSelectTagsContainer"] [data-tag]').all_inner_texts()
    assert sorted(t.strip() for t in tags) == ["Title", "Written", "manual"]

    theirs.goto(f"{link}&detail={made.written[0]}", timeout=TIMEOUT)
    _wait_text(theirs, "does each field hold the value the console wrote?")
    settled(theirs)
    no_error_shown(theirs)
    provenance = {row["field"]: row for row in _table(theirs, 2)}
    assert provenance["Title"]["status"] == "Written by the console"
    assert provenance["Title"]["run_id"] == made.title_run.id and provenance["Title"]["actor"] == "olivia"
    assert provenance["Industry"]["status"] == "Not by the console"
    _shot(theirs, screenshot_dir, "logs-drill-down.png")
    mine.close()
    colleague.close()
