"""`python -m core runs` and `python -m core resume RUN_ID` in subprocesses, on a run the org's daily API limit
interrupted (localorg's own accounting, not a fault)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from core import engine
from tests.fixtures.writer import WRITER, blank_leads, fill_cells, values

ROOT = Path(__file__).resolve().parents[2]


def cli(base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m core ARGS` on the test's data dir (its demo org is the test's localorg)."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"}
    env["CONSOLE_DATA_DIR"] = str(base)
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_given_a_run_stopped_by_the_daily_limit_when_listed_and_resumed_from_the_cli_then_done(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 30)
    ids = [lead["Id"] for lead in leads]
    used, most = org.api_usage()
    org.set_api_usage(most - 5)  # describe, read, write, write, read: the third write is refused
    options = engine.WriteOptions(batch_size=5, read_size=10, parallel=1)
    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=options)
    assert run.state == "interrupted" and run.counts["pending"] == 5

    listed = cli(base, "runs", "--json")
    assert listed.returncode == 0, listed.stderr
    [shown] = json.loads(listed.stdout)
    assert (shown["id"], shown["state"], shown["counts"]["written"]) == (run.id, "interrupted", 10)
    assert "daily API request limit" in shown["message"]
    refused = cli(base, "resume", run.id)
    assert refused.returncode == 1 and "daily API request limit" in refused.stderr and "fix:" in refused.stderr
    assert engine.run(run.id, base=base).state == "interrupted"  # type: ignore[union-attr]  # still no budget

    org.set_api_usage(used)
    resumed = cli(base, "resume", run.id)

    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(run.id) and " done " in resumed.stdout and "written 30" in resumed.stdout
    assert values(org, ids, "Title") == {i: f"Enriched {n}" for n, i in enumerate(ids)}
    text = cli(base, "runs")
    assert text.returncode == 0 and run.id in text.stdout and "olivia" in text.stdout
