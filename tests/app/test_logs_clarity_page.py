"""AppTest of the Logs page after a real apply and its undo on the demo org: one row per cell by default (the
write-ahead rows behind a checkbox kept in the URL), and an undo's clears read as "Cleared by undo" in the headline,
the rows, the runs table (also on the Overview) and the chart — never as Written."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from tests.fixtures.writer import blank_leads, fill_cells

OPERATOR = engine.Actor("test operator")


@pytest.fixture
def undone(console: Any, demo_org: Any) -> tuple[engine.Run, engine.Run, list[str]]:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    leads = blank_leads(demo_org, "Title", 4)
    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=OPERATOR)
    ids = [lead["Id"] for lead in leads]
    demo_org.edit_as("admin@demo.test", "Lead", ids[1], {"Title": "Chosen by a person"})
    return run, engine.undo(run.id, actor=OPERATOR), ids


def _open(console: Any, page: str = "pages/logs.py", **query: str) -> Any:
    at = console(page, query={"connection": "demo", **query})
    at.run(timeout=60)
    assert not at.exception, at.exception
    return at


def _metrics(at: Any) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table(at: Any, column: str) -> Any:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_given_an_apply_and_its_undo_when_the_logs_page_opens_then_one_row_per_cell_and_clears_read_as_undo(
        console: Any, undone: tuple[engine.Run, engine.Run, list[str]]) -> None:
    run, undo, ids = undone
    at = _open(console)

    assert _metrics(at) == {"Cells": "8", "Written": "4", "Cleared by undo": "3", "Skipped": "1", "Failed": "0",
                            "Runs": "2"}
    rows = _table(at, "after")
    assert len(rows) == 8 and "Pending" not in set(rows["outcome"])
    by_run = rows.groupby("run_id")["outcome"].apply(sorted).to_dict()
    assert by_run == {run.id: ["Written"] * 4, undo.id: ["Cleared by undo"] * 3 + ["Skipped: filled since"]}
    runs = _table(at, "API calls").set_index("run")
    assert runs.loc[undo.id, ["trigger", "Written", "Cleared by undo"]].tolist() == ["undo", 0, 3]
    assert runs.loc[run.id, ["Written", "Cleared by undo"]].tolist() == [4, 0]
    import json
    spec = next(json.loads(c.proto.spec) for c in at.get("vega_lite_chart"))
    domain = spec["encoding"]["color"]["scale"]["domain"]
    assert "Cleared by undo" in domain and spec["mark"]["width"] > 0  # the day's bars: a fixed width on a time axis
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert at.checkbox(key="url_write_ahead").value is False and "write_ahead" not in at.query_params


def test_given_write_ahead_rows_asked_when_the_box_is_ticked_then_the_pending_rows_show_and_the_url_keeps_it(
        console: Any, undone: tuple[engine.Run, engine.Run, list[str]]) -> None:
    run, undo, ids = undone
    at = _open(console)
    at.checkbox(key="url_write_ahead").check().run(timeout=60)

    assert not at.exception, at.exception
    assert at.query_params["write_ahead"] == "1"
    assert _metrics(at)["Log rows"] == "15"  # 8 final rows; a pending row before each of the 4 + 3 cells sent
    assert (_table(at, "after")["outcome"] == "Pending").sum() == 7
    shared = _open(console, write_ahead="1")  # the copied link shows the same rows
    assert _metrics(shared)["Log rows"] == "15" and shared.checkbox(key="url_write_ahead").value is True


def test_given_an_undo_when_filtered_by_cleared_by_undo_in_the_url_then_only_its_clears_show(
        console: Any, undone: tuple[engine.Run, engine.Run, list[str]]) -> None:
    run, undo, ids = undone
    at = _open(console, outcome="undone")

    rows = _table(at, "after")
    assert sorted(rows["record_id"]) == sorted([ids[0], ids[2], ids[3]])
    assert set(rows["outcome"]) == {"Cleared by undo"} and set(rows["run_id"]) == {undo.id}
    assert at.multiselect(key="url_outcome").value == ["undone"]
    assert _metrics(at)["Cells"] == "3" and _metrics(at)["Written"] == "0"
    written = _open(console, outcome="written")
    assert set(_table(written, "after")["run_id"]) == {run.id}


def test_given_an_undo_run_when_the_overview_lists_the_last_runs_then_its_counts_read_cleared_by_undo(
        console: Any, undone: tuple[engine.Run, engine.Run, list[str]]) -> None:
    run, undo, ids = undone
    at = _open(console, "pages/overview.py")
    runs = _table(at, "API calls").set_index("run")
    assert runs.loc[undo.id, ["Written", "Cleared by undo", "Skipped: filled since"]].tolist() == [0, 3, 1]
    assert runs.loc[run.id, ["Written", "Cleared by undo"]].tolist() == [4, 0]
