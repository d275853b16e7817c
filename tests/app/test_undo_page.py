"""AppTest of the Undo block on the Preview page: what an undo would do, then the undo, for an operator; a viewer
sees the same judgement with the Undo button disabled."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from tests.app.test_connect_page import _texts
from tests.fixtures.writer import blank_leads, fill_cells, values

OPERATOR = engine.Actor("test operator")


def _applied(demo_org: Any) -> tuple[engine.Run, list[str]]:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    leads = blank_leads(demo_org, "Title", 4)
    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=OPERATOR)
    ids = [lead["Id"] for lead in leads]
    demo_org.edit_as("admin@demo.test", "Lead", ids[1], {"Title": "Chosen by a person"})
    return run, ids


def _shown(console: Any, run: engine.Run) -> Any:
    engine.forget_previews()
    at = console("pages/preview.py", query={"connection": "demo", "object": "Lead"})
    at.run(timeout=60)
    assert not at.exception, at.exception
    assert at.selectbox(key="undo_run").value == run.id
    next(b for b in at.button if b.label == "Show what an undo would do").click().run(timeout=60)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Cells to set back to blank"], metrics["Left alone: changed since"]) == ("3", "1")
    table = at.dataframe[-1].value.set_index("record_id")
    return at, table


def test_given_an_operator_when_undoing_from_the_preview_then_blanks_restored_and_the_persons_value_kept(
        console: Any, demo_org: Any) -> None:
    run, ids = _applied(demo_org)
    at, table = _shown(console, run)
    assert table.loc[ids[1], ["written", "current", "action"]].tolist() == [
        "Enriched 1", "Chosen by a person", "Left alone: changed since"]

    at.checkbox(key="undo_confirm").check().run(timeout=60)
    next(b for b in at.button if b.label == "Undo").click().run(timeout=120)

    assert not at.exception, at.exception
    assert any("Undo run" in s.value and "done" in s.value and "Set back to blank 3" in s.value for s in at.success)
    assert values(demo_org, ids, "Title") == {ids[0]: None, ids[1]: "Chosen by a person", ids[2]: None, ids[3]: None}
    undone = engine.runs(connection="demo")[0]
    assert (undone.trigger, undone.actor, undone.options["undo_of"]) == ("undo", "console user", run.id)
    assert engine.undoable_runs("demo", "Lead") == []


def test_given_a_viewer_when_the_undo_block_shows_then_the_judgement_is_theirs_but_undo_is_disabled(
        console: Any, demo_org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run, ids = _applied(demo_org)
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at, _table = _shown(console, run)
    assert "Only operators can undo a run" in _texts(at)
    assert at.checkbox(key="undo_confirm").disabled
    assert next(b for b in at.button if b.label == "Undo").disabled
    assert values(demo_org, ids, "Title")[ids[0]] == "Enriched 0"
