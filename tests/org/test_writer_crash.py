"""An apply killed with SIGKILL in the middle, then resumed: nothing written twice, nothing unlogged, no value lost;
and two operators applying the same cells at once, each from its own process, write every cell once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from core import engine
from core.logs import runs as runlog
from core.sync.recheck import SETTLED_MESSAGE
from tests.fixtures.writer import WRITER, SaveLog, blank_leads, fill_cells, values

ROOT = Path(__file__).resolve().parents[2]
SMALL = engine.WriteOptions(batch_size=5, read_size=10, parallel=1, backoff=0.01)
AUDIT_FIELDS = {"LastModifiedDate", "SystemModstamp", "LastModifiedById"}
CHILD = """
import json, sys
from pathlib import Path
import pandas as pd
from core import engine
base, cells, name, wait = Path(sys.argv[1]), pd.DataFrame(json.loads(Path(sys.argv[2]).read_text())), sys.argv[3], float(sys.argv[4])
options = engine.WriteOptions(batch_size=5, read_size=10, parallel=1, backoff=0.01, lock_wait=wait)
run = engine.apply("demo", "Lead", cells, actor=engine.Actor(name), base=base, options=options)
print(json.dumps({"run": run.id, "state": run.state, "counts": run.counts}))
"""


def start_apply(base: Path, cells: pd.DataFrame, name: str, *, lock_wait: float = 0.0) -> subprocess.Popen[str]:
    """`engine.apply` of `cells` in a process of its own (the same data dir, hence the same demo org and log)."""
    plan = base / f"cells-{name}.json"
    plan.write_text(cells.to_json(orient="records"))
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(base), str(plan), name, str(lock_wait)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll until condition() holds (a slow machine gets the whole timeout)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def snapshot(handle: Any) -> dict[str, dict[str, Any]]:
    """Every Lead as stored, keyed by Id."""
    return {row["Id"]: row for row in handle.org.store.rows("Lead")}


def changed_values(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(record, field) pairs that held a non-blank value before and hold something else now."""
    return [(rid, f) for rid, row in before.items() for f, v in row.items()
            if f not in AUDIT_FIELDS and v not in (None, "") and after[rid].get(f) != v]


def test_given_an_apply_killed_mid_batch_when_resumed_then_each_cell_written_at_most_once_and_logged_once(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 30)
    ids = [lead["Id"] for lead in leads]
    cells = fill_cells(leads, "Title")
    before = snapshot(org)
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", status=None, times=1)   # batch 1 goes through
    slow = org.faults.add(method="PATCH", path=r"/composite/sobjects$", status=None, delay=2.0, times=1)  # batch 2

    child = start_apply(base, cells, "kim")
    try:
        def batch_two_sent() -> bool:
            found = runlog.list_runs(base)
            return bool(found) and slow.fired == 1 and runlog.outcome_counts(base, found[0].id)["pending"] == 5
        wait_for(batch_two_sent, "the second batch's PATCH to reach the org")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    run_id = runlog.list_runs(base)[0].id
    crashed = runlog.get_run(base, run_id)
    assert crashed is not None and crashed.state == "running"  # the process died without a word
    seen = engine.run(run_id, base=base)  # nobody holds its lock: its process is gone
    assert seen is not None and seen.state == "interrupted" and "Resume" in (seen.message or "")
    assert runlog.outcome_counts(base, run_id)["written"] == 5
    wait_for(lambda: all(v is not None for v in values(org, ids[5:10], "Title").values()),
             "the killed process's last PATCH to land in the org")  # written, but never logged by the writer
    org.edit_as("admin@demo.test", "Lead", ids[12], {"Title": "Chosen by a person"})

    resumed = engine.resume(run_id, actor=WRITER, base=base, options=SMALL)

    assert resumed.state == "done"
    assert (resumed.counts["written"], resumed.counts["skipped_nonblank"]) == (29, 1)
    assert runlog.cells_not_settled_once(base, run_id) == []
    log = engine.log_rows(base=base, run_id=run_id, limit=1000)
    finals = log[log["outcome"] != "pending"]
    assert sorted(finals["cell"]) == list(range(30))
    settled = finals[finals["cell"].between(5, 9)]
    assert settled["outcome"].eq("written").all() and settled["message"].eq(SETTLED_MESSAGE).all()
    assert [saves.count(i) for i in ids] == [1] * 30  # ours once each; the person's save is record 12's only one
    after = snapshot(org)
    assert changed_values(before, after) == []
    assert values(org, ids, "Title") == {i: ("Chosen by a person" if n == 12 else f"Enriched {n}")
                                         for n, i in enumerate(ids)}


def test_given_two_operators_apply_the_same_cells_at_once_when_both_finish_then_each_cell_written_once(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 20)
    ids = [lead["Id"] for lead in leads]
    cells = fill_cells(leads, "Title")
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", status=None, delay=0.2, times=None)  # overlap

    first, second = (start_apply(base, cells, name, lock_wait=120) for name in ("ann", "bob"))
    outputs = [p.communicate(timeout=120) for p in (first, second)]

    assert [p.returncode for p in (first, second)] == [0, 0], [err for _, err in outputs]
    results = sorted((json.loads(out) for out, _ in outputs), key=lambda r: -r["counts"]["written"])
    assert [r["state"] for r in results] == ["done", "done"]
    assert results[0]["counts"]["written"] == 20 and results[1]["counts"]["skipped_nonblank"] == 20
    assert [saves.count(i) for i in ids] == [1] * 20
    writer_run, later_run = (engine.run(r["run"], base=base) for r in results)
    assert writer_run and later_run and later_run.started >= (writer_run.finished or "")  # one after the other
    assert json.loads(json.dumps(values(org, ids, "Title"))) == {i: f"Enriched {n}" for n, i in enumerate(ids)}
