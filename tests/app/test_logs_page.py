"""AppTest of the Logs page over a log the guarded writer filled against the demo org: filters from the URL, the
run summary, charts' numbers, unknown link values, the record drill-down with provenance, and the empty log."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from tests.app.test_connect_page import _texts
from tests.fixtures.logs import MadeLog, make_log
from tests.fixtures.writer import WRITER


@pytest.fixture
def logged(console: Any, demo_org: Any) -> MadeLog:
    """The console's own data dir connected to the demo org as "demo", with make_log's two runs."""
    engine.connect_password_demo("integration@demo.test", actor=WRITER)
    return make_log(None, demo_org)


def _open(console: Any, **query: str) -> Any:
    at = console("pages/logs.py", query={"connection": "demo", **query})
    at.run(timeout=60)
    assert not at.exception, at.exception
    return at


def _metric(at: Any, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _rows(at: Any) -> Any:
    return next(d.value for d in at.dataframe if "Value sent" in d.value.columns or "after" in d.value.columns)


def test_given_field_and_outcome_in_the_url_when_the_logs_page_opens_then_only_those_rows_show(
        console: Any, logged: MadeLog) -> None:
    at = _open(console, field="Title", outcome="written", object="Lead", environment="demo", actor="olivia")

    rows = _rows(at)
    assert sorted(rows["record_id"]) == sorted(logged.written)
    assert set(rows["field"]) == {"Title"} and set(rows["outcome"]) == {"Written"}
    instance = engine.connection("demo").instance_url.rstrip("/")  # type: ignore[union-attr]
    assert set(rows["link"]) == {f"{instance}/{i}" for i in logged.written}
    assert _metric(at, "Cells") == "5" and _metric(at, "Written") == "5" and _metric(at, "Failed") == "0"
    assert at.multiselect(key="url_field").value == ["Title"]
    assert at.multiselect(key="url_outcome").value == ["written"]
    assert "Rows 1–5 of 5" in _texts(at)
    assert at.query_params["field"] == "Title" and at.query_params["outcome"] == "written"
    assert [at.multiselect(key=f"url_{p}").value for p in ("object", "environment", "actor")] == [
        ["Lead"], ["demo"], ["olivia"]]
    nobody = _open(console, field="Title", actor="someone-else")
    assert "actor = someone-else" in _texts(nobody) and len(_rows(nobody)) == 8  # not applied, and said so (a row per cell)


def test_given_a_run_and_outcome_in_the_url_when_opened_then_that_runs_failures_and_its_summary_show(
        console: Any, logged: MadeLog) -> None:
    at = _open(console, run=logged.title_run.id, outcome="failed", scope="all")

    rows = _rows(at)
    assert sorted(rows["record_id"]) == sorted(logged.refused)
    assert set(rows["error_code"]) == {"FIELD_CUSTOM_VALIDATION_EXCEPTION"}
    assert at.selectbox(key="url_run").value == logged.title_run.id
    runs = next(d.value for d in at.dataframe if "API calls" in d.value.columns)
    assert runs["run"].tolist() == [logged.title_run.id]
    assert runs[["trigger", "actor", "state", "Written", "Failed"]].values.tolist() == [["manual", "olivia", "done", 5, 2]]
    assert _metric(at, "Failed") == "2" and _metric(at, "Runs") == "1"


def test_given_dates_trigger_and_record_in_the_url_when_opened_then_they_narrow_the_rows(
        console: Any, logged: MadeLog) -> None:
    day = logged.description_run.started[:10]
    at = _open(console, since=day, until=day, trigger="test", record=logged.described[0])

    rows = _rows(at)
    assert rows[["record_id", "field", "after"]].drop_duplicates().values.tolist() == [
        [logged.described[0], "Description", "Enriched profile"]]
    assert len(rows) == 1  # one row per cell: the final one
    assert at.checkbox(key="url_write_ahead").value is False
    every = _open(console, since=day, until=day, trigger="test", record=logged.described[0], write_ahead="1")
    assert _rows(every)["outcome"].tolist() == ["Written", "Pending"]  # its pending row, then written (newest first)
    assert _metric(every, "Log rows") == "2" and every.checkbox(key="url_write_ahead").value is True
    assert str(at.date_input(key="url_since").value) == day and at.text_input(key="url_record").value == \
        logged.described[0]
    later = _open(console, since="2999-01-01")
    assert "No row matches these filters." in _texts(later)


def test_given_unknown_values_in_a_link_when_opened_then_the_page_says_so_and_applies_none_of_them(
        console: Any, logged: MadeLog) -> None:
    at = _open(console, outcome="written,overwritten", run="20990101-000000-abcdef", since="last-week")

    text = _texts(at)
    assert "outcome = overwritten" in text and "run = 20990101-000000-abcdef" in text and "since = last-week" in text
    assert at.multiselect(key="url_outcome").value == ["written"]
    assert set(_rows(at)["outcome"]) == {"Written"} and len(_rows(at)) == 7


def test_given_a_record_in_the_link_when_opened_then_its_provenance_and_history_show(
        console: Any, logged: MadeLog) -> None:
    lead = logged.written[0]
    logged.handle.edit_as("admin@demo.test", "Lead", logged.written[1], {"Title": "VP Sales"})

    at = _open(console, detail=lead)
    changed = _open(console, detail=logged.written[1])

    provenance = next(d.value for d in at.dataframe if "status" in d.value.columns).set_index("field")
    assert provenance.loc["Title", "status"] == "Written by the console"
    assert provenance.loc["Title", "run_id"] == logged.title_run.id and provenance.loc["Title", "actor"] == "olivia"
    assert provenance.loc["Industry", "status"] == "Not by the console"
    next(b for b in at.button if b.label == "Close the record").click().run(timeout=60)
    assert "detail" not in at.query_params and not any("status" in d.value.columns for d in at.dataframe)
    other = next(d.value for d in changed.dataframe if "status" in d.value.columns).set_index("field")
    assert (other.loc["Title", "status"], other.loc["Title", "current"]) == ("Changed since", "VP Sales")


def test_given_an_empty_log_when_the_logs_page_opens_then_it_says_why_and_links_to_preview(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=WRITER)
    at = _open(console)
    assert "Nothing has been written yet" in _texts(at)
    assert not at.dataframe


def test_given_an_applied_record_when_the_previews_drill_down_opens_then_provenance_shows_the_consoles_writes(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=WRITER)
    engine.forget_previews()
    cells = engine.approved_cells(engine.preview("demo", "Account").preview)
    record_id = str(cells["Id"].iloc[0])
    mine = cells[cells["Id"] == record_id]
    run = engine.apply("demo", "Account", mine, actor=WRITER)
    engine.after_write("demo", "Account", actor=WRITER)  # as the Preview page does after an apply

    at = console("pages/preview.py", query={"connection": "demo", "object": "Account", "record": record_id})
    at.run(timeout=60)

    assert not at.exception, at.exception
    provenance = next(d.value for d in at.dataframe if "status" in d.value.columns).set_index("field")
    written = provenance[provenance["status"] == "Written by the console"]
    assert set(written.index) == set(mine["field"]) and set(written["run_id"]) == {run.id}
    assert (provenance.drop(index=written.index)["status"] == "Not by the console").all()


def test_given_runs_when_the_overview_opens_then_the_last_runs_show_with_their_counts(
        console: Any, logged: MadeLog) -> None:
    at = console("pages/overview.py")
    at.run(timeout=60)

    assert not at.exception, at.exception
    runs = next(d.value for d in at.dataframe if "API calls" in d.value.columns)
    assert runs["run"].tolist() == [logged.description_run.id, logged.title_run.id]
    assert runs[["Written", "Skipped: filled since", "Failed"]].values.tolist() == [[2, 0, 0], [5, 1, 2]]


def test_given_hostile_values_in_a_logs_link_and_in_record_names_when_opened_then_they_are_text(
        console: Any, logged: MadeLog) -> None:
    from tests.app.test_hostile_text import assert_inert
    from tests.fixtures.hostile import HOSTILE

    logged.handle.edit_as("admin@demo.test", "Lead", logged.written[0], {"LastName": HOSTILE})
    lead = logged.written[0]
    engine.apply("demo", "Lead", engine.approved_cells(engine.preview("demo", "Lead").preview).pipe(
        lambda cells: cells[cells["Id"] == lead].assign(name=HOSTILE)), actor=WRITER)

    for query in ({"field": HOSTILE, "record": HOSTILE, "run": HOSTILE, "detail": HOSTILE},
                  {"detail": lead, "scope": "all"}):
        at = _open(console, **query)
        text = assert_inert(at)
        assert HOSTILE in text
    assert any(HOSTILE in str(v) for d in at.dataframe for v in d.value.get("record_name", []))
