"""AppTest of undoing a run from the Logs page (`?run=<id>`): what an undo would do, then the undo, for an operator,
and the log showing the undo run; a viewer sees the same judgement with the Undo button disabled; a run that cannot
be undone says why; the Preview page links to the Logs page for the latest runs that can be undone."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from tests.app.test_connect_page import _texts
from tests.fixtures.app import shown
from tests.fixtures.writer import blank_leads, fill_cells, values

OPERATOR = engine.Actor("test operator")


def _applied(demo_org: Any) -> tuple[engine.Run, list[str]]:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    leads = blank_leads(demo_org, "Title", 4)
    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=OPERATOR)
    ids = [lead["Id"] for lead in leads]
    demo_org.edit_as("admin@demo.test", "Lead", ids[1], {"Title": "Chosen by a person"})
    return run, ids


def _logs(console: Any, run_id: str) -> Any:
    at = console("pages/logs.py", query={"connection": "demo", "run": run_id})
    at.run(timeout=60)
    assert not at.exception, at.exception
    return at


def _judged(console: Any, run: engine.Run) -> tuple[Any, Any]:
    at = _logs(console, run.id)
    assert at.selectbox(key="url_run").value == run.id
    assert "Undo this run" in [h.value for h in at.subheader]
    next(b for b in at.button if b.label == "Show what an undo would do").click().run(timeout=60)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Cells to set back to blank"], metrics["Left alone: changed since"]) == ("3", "1")
    table = next(d.value for d in at.dataframe if "action" in d.value.columns).set_index("record_id")
    return at, table


def _log_rows(at: Any) -> Any:
    return next(d.value for d in at.dataframe if "after" in d.value.columns)


def test_given_an_operator_on_a_runs_logs_when_undoing_it_then_blanks_restored_persons_value_kept_and_logged(
        console: Any, demo_org: Any) -> None:
    run, ids = _applied(demo_org)
    at, table = _judged(console, run)
    assert table.loc[ids[1], ["written", "current", "action"]].tolist() == [
        "Enriched 1", "Chosen by a person", "Left alone: changed since"]

    next(c for c in at.checkbox if c.label.startswith("Set ")).check().run(timeout=60)
    next(b for b in at.button if b.label == "Undo").click().run(timeout=120)

    assert not at.exception, at.exception
    assert values(demo_org, ids, "Title") == {ids[0]: None, ids[1]: "Chosen by a person", ids[2]: None, ids[3]: None}
    undone = engine.runs(connection="demo")[0]
    assert (undone.trigger, undone.actor, undone.options["undo_of"]) == ("undo", "console user", run.id)
    assert any(f"Undo run {undone.id}: done" in s.value and "Set back to blank 3" in s.value for s in at.success)
    assert any(f"undone by undo run {undone.id}" in i.value for i in at.info)  # the run now says it was undone
    assert not [b for b in at.button if b.label == "Undo"]

    next(b for b in at.button if b.label == f"Show the cells of undo run {undone.id}").click().run(timeout=60)
    assert not at.exception, at.exception
    assert at.query_params["run"] == undone.id and at.selectbox(key="url_run").value == undone.id
    rows = _log_rows(at).set_index("record_id")
    assert set(rows["trigger"]) == {"undo"} and set(rows["run_id"]) == {undone.id}
    assert rows.loc[ids[1], "outcome"] == "Skipped: filled since"
    assert sorted(rows.index[rows["outcome"] == "Cleared by undo"]) == sorted([ids[0], ids[2], ids[3]])
    assert "is itself an undo" in _texts(at)  # and an undo run offers no undo of its own


def test_given_a_viewer_on_a_runs_logs_when_the_undo_block_shows_then_the_judgement_is_theirs_but_undo_is_disabled(
        console: Any, demo_org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run, ids = _applied(demo_org)
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at, _table = _judged(console, run)
    assert "Only operators can undo a run" in _texts(at)
    assert next(c for c in at.checkbox if c.label.startswith("Set ")).disabled
    assert next(b for b in at.button if b.label == "Undo").disabled
    assert values(demo_org, ids, "Title")[ids[0]] == "Enriched 0"
    assert engine.undoable_runs("demo", "Lead")[0].id == run.id


def test_given_a_finished_run_when_the_preview_opens_then_it_links_to_the_runs_logs_for_the_undo(
        console: Any, demo_org: Any) -> None:
    run, _ids = _applied(demo_org)
    engine.forget_previews()
    at = console("pages/preview.py", query={"connection": "demo", "object": "Lead"})
    at.run(timeout=60)
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.label == "Undo"]  # one place to undo: the Logs page
    links = at.get("page_link")
    assert any(run.id in shown(link.proto.label) and f"run={run.id}" in link.proto.query_string for link in links), [
        (link.proto.label, link.proto.query_string) for link in links]
