"""An undo run's clears are stored as `written` (trigger undo) and read as "Cleared by undo" everywhere counts are
shown: the log's counts and filters, its charts, a run's counts and the CLI — against a real apply and undo on the
demo org. The stored log is unchanged."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from core.logs import runs as runlog
from tests.fixtures.writer import blank_leads, fill_cells

OPERATOR = engine.Actor("test operator")
LogFilter = engine.LogFilter


@pytest.fixture
def undone(console_data_dir: Any, demo_org: Any) -> tuple[engine.Run, engine.Run]:
    """Four Titles applied, a person changes one, then the run is undone: three cleared, one left alone."""
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    leads = blank_leads(demo_org, "Title", 4)
    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=OPERATOR)
    demo_org.edit_as("admin@demo.test", "Lead", leads[1]["Id"], {"Title": "Chosen by a person"})
    return run, engine.undo(run.id, actor=OPERATOR)


def test_given_an_undone_run_when_counted_then_its_clears_are_undone_not_written(
        undone: tuple[engine.Run, engine.Run]) -> None:
    run, undo = undone
    assert engine.log_count(LogFilter(outcomes=("written",))) == 4
    assert engine.log_count(LogFilter(outcomes=("undone",))) == 3
    assert engine.log_count(LogFilter(outcomes=("written", "undone"))) == 7
    assert engine.log_count(LogFilter()) == 8  # one row per cell: four applied, four judged by the undo
    cleared = engine.log_page(LogFilter(outcomes=("undone",)))
    assert set(cleared["run_id"]) == {undo.id} and set(cleared["shown"]) == {"undone"}
    assert set(cleared["outcome"]) == {"written"} and cleared["after"].isna().all()  # stored as it was written

    day = run.started[:10]
    for f in (LogFilter(), LogFilter(since=day, until=engine.log_until_day(day)),  # rows / daily summary
              LogFilter(since=f"{day}T00:00:00")):
        per_day = engine.log_per_day(f).set_index("outcome")["rows"]
        assert (per_day["written"], per_day["undone"], per_day["skipped_nonblank"]) == (4, 3, 1)
        rates = engine.log_fill_rates(f).set_index("field")
        assert (rates.loc["Title", "written"], rates.loc["Title", "settled"]) == (4, 5)  # the undo's clears left out
        assert engine.log_count(f.narrowed(outcomes=("undone",))) == 3


def test_given_an_undo_run_when_its_counts_are_read_then_cleared_by_undo(
        undone: tuple[engine.Run, engine.Run]) -> None:
    run, undo = undone
    stored = engine.run(undo.id)
    assert stored is not None and stored.counts["written"] == 3  # the run header keeps what the writer counted
    assert engine.run_counts(stored)["undone"] == 3 and engine.run_counts(stored)["written"] == 0
    applied = engine.run(run.id)
    assert applied is not None and engine.run_counts(applied)["written"] == 4 == applied.counts["written"]
    assert engine.run_counts(applied)["undone"] == 0
    assert "undone" not in runlog.OUTCOMES and "undone" in engine.LOG_OUTCOMES


def test_given_an_undo_run_when_listed_on_the_cli_then_it_says_cleared_by_undo(
        undone: tuple[engine.Run, engine.Run], console_data_dir: Any) -> None:
    from tests.org.test_cli_runs import cli

    run, undo = undone
    listed = cli(console_data_dir, "runs").stdout.splitlines()
    line = next(x for x in listed if x.startswith(undo.id))
    assert "cleared by undo 3" in line and "written" not in line.split(":")[-1]
    assert "written 4" in next(x for x in listed if x.startswith(run.id))
    logs = cli(console_data_dir, "logs", "--run", undo.id).stdout
    assert logs.splitlines()[0] == "4 cells match:" and logs.count(" undone ") == 3
