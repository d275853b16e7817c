"""Undo against localorg: blanks restored only where the field still holds exactly the value the run wrote, a
person's later value left alone and reported, the undo logged as a run of its own, resumable after interruption,
refused to viewers, and the same from the CLI."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.errors import BadInput, NotAllowed
from core.logs import runs as runlog
from tests.fixtures.writer import WRITER, SaveLog, blank_leads, fill_cells, values
from tests.org.test_cli_runs import cli

SMALL = engine.WriteOptions(batch_size=5, read_size=10, parallel=1, backoff=0.01)
UNDOER = engine.Actor("uma")
PATCH = "PATCH /services/data/vXX.X/composite/sobjects"


def _applied(base: Path, org: Any, count: int) -> tuple[engine.Run, list[str]]:
    leads = blank_leads(org, "Title", count)
    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL)
    assert run.state == "done" and run.counts["written"] == count
    return run, [lead["Id"] for lead in leads]


def test_given_a_person_changed_values_after_the_run_when_undone_then_theirs_kept_and_reported_the_rest_blank(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    run, ids = _applied(base, org, 6)
    org.edit_as("admin@demo.test", "Lead", ids[2], {"Title": "Head of Procurement"})
    org.edit_as("admin@demo.test", "Lead", ids[3], {"Title": "ENRICHED 3"})  # retyped: a person's value now
    org.edit_as("admin@demo.test", "Lead", ids[4], {"Title": None})  # cleared by a person
    saves = SaveLog(org, ["Title"])

    seen = engine.undo_preview(run.id, base=base)

    assert seen.counts == {"clear": 3, "skipped_nonblank": 3} and saves.saves == []
    shown = seen.cells.set_index("record_id")
    assert shown.loc[ids[2], ["written", "current", "action"]].tolist() == [
        "Enriched 2", "Head of Procurement", "skipped_nonblank"]
    assert shown.loc[[ids[0], ids[1], ids[5]], "action"].eq("clear").all()

    undone = engine.undo(run.id, actor=UNDOER, base=base, options=SMALL)

    assert (undone.trigger, undone.actor, undone.state, undone.options) == (
        "undo", "uma", "done", {"strict": False, "undo_of": run.id})
    assert (undone.counts["written"], undone.counts["skipped_nonblank"]) == (3, 3)
    assert values(org, ids, "Title") == {ids[0]: None, ids[1]: None, ids[2]: "Head of Procurement",
                                         ids[3]: "ENRICHED 3", ids[4]: None, ids[5]: None}
    assert [saves.count(i) for i in ids] == [1, 1, 0, 0, 0, 1]
    log = engine.log_rows(base=base, run_id=undone.id)
    finals = log[log["outcome"] != "pending"].set_index("record_id")
    assert finals["trigger"].eq("undo").all() and finals["actor"].eq("uma").all() and finals["after"].isna().all()
    assert finals.loc[ids[0], ["before", "outcome"]].tolist() == ["Enriched 0", "written"]
    kept = finals.loc[ids[2], "message"]
    assert "'Enriched 2'" in kept and "'Head of Procurement'" in kept and "left alone" in kept
    assert "Blank already" in finals.loc[ids[4], "message"]
    assert runlog.cells_not_settled_once(base, undone.id) == []
    assert [r.id for r in engine.runs(base=base)] == [undone.id, run.id]
    cleared = engine.provenance("demo", "Lead", ids[0], base=base).set_index("field").loc["Title"]
    assert (cleared["status"], cleared["run_id"], cleared["written"]) == ("undone", undone.id, None)
    kept_title = engine.provenance("demo", "Lead", ids[2], base=base).set_index("field").loc["Title"]
    assert (kept_title["status"], kept_title["written"]) == ("changed", "Enriched 2")
    with pytest.raises(BadInput) as again:
        engine.undo(run.id, actor=UNDOER, base=base)
    assert again.value.cause == "already_undone" and undone.id in again.value.message
    with pytest.raises(BadInput) as of_undo:
        engine.undo_preview(undone.id, base=base)
    assert of_undo.value.cause == "undo_of_undo"


def test_given_the_daily_limit_stops_an_undo_when_resumed_then_every_cell_cleared_once_and_a_new_value_kept(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    run, ids = _applied(base, org, 30)
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", status=None, times=2)  # two batches go through
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", status=403, error_code="REQUEST_LIMIT_EXCEEDED",
                   message="TotalRequests Limit exceeded.", times=1)

    stopped = engine.undo(run.id, actor=UNDOER, base=base, options=SMALL)

    assert stopped.state == "interrupted" and "daily API request limit" in (stopped.message or "")
    assert (stopped.counts["written"], stopped.counts["pending"], stopped.counts["not_started"]) == (10, 5, 15)
    assert sum(v is None for v in values(org, ids, "Title").values()) == 10
    listed = engine.run(stopped.id, base=base)
    assert listed is not None and listed.state == "interrupted" and listed.trigger == "undo"
    org.edit_as("admin@demo.test", "Lead", ids[22], {"Title": "Set by a person meanwhile"})

    resumed = engine.resume(stopped.id, actor=UNDOER, base=base, options=SMALL)

    assert resumed.id == stopped.id and resumed.state == "done"
    assert (resumed.counts["written"], resumed.counts["skipped_nonblank"]) == (29, 1)
    assert values(org, ids, "Title") == {i: ("Set by a person meanwhile" if n == 22 else None)
                                         for n, i in enumerate(ids)}
    assert [saves.count(i) for i in ids] == [1] * 30  # the undo's clear once each; record 22's is the person's
    assert runlog.cells_not_settled_once(base, stopped.id) == []


def test_given_a_dropped_connection_on_an_undo_write_when_undone_then_retried_from_a_fresh_read_and_cleared_once(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    run, ids = _applied(base, org, 10)
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", drop=True, times=1)
    org.reset_counters()

    undone = engine.undo(run.id, actor=UNDOER, base=base, options=SMALL)

    assert undone.state == "done" and undone.counts["written"] == 10
    assert values(org, ids, "Title") == {i: None for i in ids}
    assert [saves.count(i) for i in ids] == [1] * 10
    assert org.counters()[PATCH] == 3  # two batches and the retry


def test_given_a_viewer_when_undoing_then_refused_before_any_call_but_the_preview_is_theirs_to_see(
        writer_org: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    base, org = writer_org
    run, ids = _applied(base, org, 2)
    monkeypatch.setenv("CONSOLE_OPERATORS", "olivia")
    org.reset_counters()
    with pytest.raises(NotAllowed) as refused:
        engine.undo(run.id, actor=engine.Actor("vera"), base=base)
    assert "only operators can undo a run" in refused.value.message
    assert org.counters() == {} and [r.id for r in engine.runs(base=base)] == [run.id]
    assert engine.undo_preview(run.id, base=base).counts == {"clear": 2}
    assert values(org, ids, "Title") == {ids[0]: "Enriched 0", ids[1]: "Enriched 1"}


def test_given_a_finished_run_when_undone_from_the_cli_then_shown_first_and_done_with_yes(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    run, ids = _applied(base, org, 3)
    org.edit_as("admin@demo.test", "Lead", ids[1], {"Title": "Kept"})

    shown = cli(base, "undo", run.id)
    assert shown.returncode == 0, shown.stderr
    assert "set back to blank: 2 cells" in shown.stdout and "changed since the run wrote them): 1" in shown.stdout
    assert f"python -m core undo {run.id} --yes" in shown.stdout
    assert values(org, ids, "Title") == {ids[0]: "Enriched 0", ids[1]: "Kept", ids[2]: "Enriched 2"}

    done = cli(base, "undo", run.id, "--yes", "--json")

    assert done.returncode == 0, done.stderr
    undo_run = json.loads(done.stdout)
    assert (undo_run["trigger"], undo_run["state"], undo_run["counts"]["written"]) == ("undo", "done", 2)
    assert values(org, ids, "Title") == {ids[0]: None, ids[1]: "Kept", ids[2]: None}
    again = cli(base, "undo", run.id, "--yes")
    assert again.returncode == 1 and "already undone" in again.stderr and "fix:" in again.stderr
