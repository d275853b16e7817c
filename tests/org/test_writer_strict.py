"""Strict mode against localorg: conditional PATCHes 25 to a Composite call, each subrequest settled on its own
answer (written, 412 skipped, failed with Salesforce's code, locked and retried), a whole call that fails left
pending and settled by resume, and an apply killed while its Composite call was landing, resumed once."""
from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from core import engine
from core.logs import runs as runlog
from core.sync.recheck import SETTLED_MESSAGE
from tests.fixtures.writer import WRITER, SaveLog, blank_leads, fill_cells, values
from tests.org.test_writer_crash import ROOT, changed_values, snapshot, wait_for

COMPOSITE = "POST /services/data/vXX.X/composite"
RETRIEVE = "POST /services/data/vXX.X/composite/sobjects/{T}"
COLLECTIONS = "PATCH /services/data/vXX.X/composite/sobjects"
ROWS = "PATCH /services/data/vXX.X/sobjects/{T}/{id}"
SMALL = engine.WriteOptions(batch_size=10, read_size=30, parallel=1, backoff=0.01, strict=True)
WRITER_CALLS = (COMPOSITE, RETRIEVE, COLLECTIONS, ROWS)
CHILD = """
import json, sys
from pathlib import Path
import pandas as pd
from core import engine
base, cells = Path(sys.argv[1]), pd.DataFrame(json.loads(Path(sys.argv[2]).read_text()))
options = engine.WriteOptions(batch_size=10, read_size=30, parallel=1, backoff=0.01, strict=True)
run = engine.apply("demo", "Lead", cells, actor=engine.Actor("kim"), base=base, options=options)
print(json.dumps({"run": run.id, "state": run.state}))
"""


def writer_calls(handle: Any) -> dict[str, int]:
    """The calls localorg counted on the writer's endpoints (reads and writes; not the describe or the liveness
    probe an apply makes first)."""
    return {k: v for k, v in handle.counters().items() if k in WRITER_CALLS}


def test_given_60_records_in_strict_mode_when_applied_then_3_composite_calls_and_owners_unchanged(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    org.set_assignment_rule("Lead", "auditor@demo.test")
    leads = blank_leads(org, "Title", 60)
    ids = [lead["Id"] for lead in leads]
    owners = values(org, ids, "OwnerId")
    saves = SaveLog(org, ["Title"])
    org.reset_counters()

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, strict=True)

    assert run.state == "done" and run.counts["written"] == 60
    assert writer_calls(org) == {COMPOSITE: math.ceil(60 / 25), RETRIEVE: 1}  # no Collections or per-record PATCH
    assert run.api_calls == 4
    assert values(org, ids, "Title") == {i: f"Enriched {n}" for n, i in enumerate(ids)}
    assert [saves.count(i) for i in ids] == [1] * 60
    assert values(org, ids, "OwnerId") == owners  # Sforce-Auto-Assign: FALSE reached every subrequest


def test_given_a_validation_rule_rejects_one_record_of_a_strict_batch_when_applied_then_only_it_fails(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    org.org.add_validation_rule("Lead", "Title", "Interns are not leads.",
                                lambda record: str(record.get("Title") or "").startswith("Intern"))
    leads = blank_leads(org, "Title", 6)
    cells = fill_cells(leads, "Title")
    cells.loc[3, "proposed"] = "Intern 3"
    org.reset_counters()

    run = engine.apply("demo", "Lead", cells, actor=WRITER, base=base, strict=True)

    assert run.state == "done" and (run.counts["written"], run.counts["failed"]) == (5, 1)
    failed = engine.log_rows(base=base, run_id=run.id, outcome="failed")
    assert failed["record_id"].tolist() == [leads[3]["Id"]]
    assert failed["error_code"].tolist() == ["FIELD_CUSTOM_VALIDATION_EXCEPTION"]
    assert "Interns are not leads." in failed["message"].iloc[0] and "Title" in failed["message"].iloc[0]
    stored = values(org, [lead["Id"] for lead in leads], "Title")
    assert [stored[lead["Id"]] for lead in leads] == [None if i == 3 else f"Enriched {i}" for i in range(6)]
    assert writer_calls(org) == {COMPOSITE: 1, RETRIEVE: 1}


def test_given_a_record_locked_in_a_strict_batch_when_applied_then_it_alone_is_retried_from_a_fresh_read(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 8)
    ids = [lead["Id"] for lead in leads]
    org.hold_row_locks([ids[5]], times=1)
    saves = SaveLog(org, ["Title"])
    org.reset_counters()

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL)

    assert run.state == "done" and run.counts["written"] == 8
    assert writer_calls(org) == {COMPOSITE: 2, RETRIEVE: 2}  # the second call and read carry the locked record only
    assert [saves.count(i) for i in ids] == [1] * 8


def test_given_a_composite_call_failing_throughout_when_applied_then_its_rows_pending_and_resume_writes_each_once(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 30)
    ids = [lead["Id"] for lead in leads]
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="POST", path=r"/composite$", status=None, times=1)  # the first batch goes through
    org.faults.add(method="POST", path=r"/composite$", status=503, error_code="SERVER_UNAVAILABLE",
                   times=SMALL.attempts)  # the second batch's call fails on every attempt
    org.reset_counters()

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL)

    assert run.state == "interrupted" and "still failing after 5 attempts" in (run.message or "")
    assert (run.counts["written"], run.counts["pending"], run.counts["not_started"]) == (10, 10, 10)
    assert writer_calls(org) == {COMPOSITE: 1 + SMALL.attempts, RETRIEVE: SMALL.attempts}  # a fresh read before each retry
    assert values(org, ids[10:], "Title") == {i: None for i in ids[10:]}

    resumed = engine.resume(run.id, actor=WRITER, base=base)

    assert resumed.state == "done" and resumed.counts["written"] == 30 and resumed.counts["pending"] == 0
    assert values(org, ids, "Title") == {i: f"Enriched {n}" for n, i in enumerate(ids)}
    assert [saves.count(i) for i in ids] == [1] * 30
    assert runlog.cells_not_settled_once(base, run.id) == []


def test_given_a_strict_apply_killed_while_its_composite_call_lands_when_resumed_then_settled_not_sent_again(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 30)
    ids = [lead["Id"] for lead in leads]
    before = snapshot(org)
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="POST", path=r"/composite$", status=None, times=1)  # batch 1 goes through
    slow = org.faults.add(method="POST", path=r"/composite$", status=None, delay=2.0, times=1)  # batch 2
    plan = base / "cells.json"
    plan.write_text(fill_cells(leads, "Title").to_json(orient="records"))
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(base), str(plan)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def batch_two_sent() -> bool:
            found = runlog.list_runs(base)
            return bool(found) and slow.fired == 1 and runlog.outcome_counts(base, found[0].id)["pending"] == 10
        wait_for(batch_two_sent, "the second batch's Composite call to reach the org")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    run_id = runlog.list_runs(base)[0].id
    assert runlog.outcome_counts(base, run_id)["written"] == 10
    wait_for(lambda: all(v is not None for v in values(org, ids[10:20], "Title").values()),
             "the killed process's Composite call to land in the org")  # written, never logged by the writer
    org.edit_as("admin@demo.test", "Lead", ids[25], {"Title": "Chosen by a person"})

    resumed = engine.resume(run_id, actor=WRITER, base=base)

    assert resumed.state == "done" and resumed.options == {"strict": True}
    assert (resumed.counts["written"], resumed.counts["skipped_nonblank"]) == (29, 1)
    log = engine.log_rows(base=base, run_id=run_id, limit=1000)
    finals = log[log["outcome"] != "pending"]
    assert sorted(finals["cell"]) == list(range(30)) and runlog.cells_not_settled_once(base, run_id) == []
    assert finals[finals["cell"].between(10, 19)]["message"].eq(SETTLED_MESSAGE).all()
    assert [saves.count(i) for i in ids] == [1] * 30  # record 25's one save is the person's
    assert changed_values(before, snapshot(org)) == []
    assert values(org, ids, "Title") == {i: ("Chosen by a person" if n == 25 else f"Enriched {n}")
                                         for n, i in enumerate(ids)}
