"""One pull for everyone: 20 viewers in two processes asking at once for the same stale snapshot cause exactly one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from core import engine

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = engine.Actor("test operator")
MAX_AGE_HOURS = "0.001"  # 3.6 s: stale soon after the first pull, fresh for the whole stampede after the second
VIEWER_SCRIPT = """
import json, sys, threading, time
from pathlib import Path
from core import engine
ready, go, out = (Path(p) for p in sys.argv[1:4])
results, barrier = [], threading.Barrier(10)
def view():
    barrier.wait()
    snap = engine.snapshot("demo", "Account")
    results.append([snap.pulls, snap.refreshing, snap.fetched_at])
threads = [threading.Thread(target=view) for _ in range(10)]
ready.write_text("ready")
while not go.exists():
    time.sleep(0.005)
for t in threads: t.start()
for t in threads: t.join()
out.write_text(json.dumps(results))
"""


def _viewers(results: list[list[Any]], barrier: threading.Barrier) -> list[threading.Thread]:
    def view() -> None:
        barrier.wait()
        snap = engine.snapshot("demo", "Account")
        results.append([snap.pulls, snap.refreshing, snap.fetched_at])
    return [threading.Thread(target=view) for _ in range(10)]


def test_given_a_stale_snapshot_when_twenty_viewers_in_two_processes_ask_at_once_then_exactly_one_pull(
        demo_org: Any, console_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SNAPSHOT_HOURS", MAX_AGE_HOURS)
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    first = engine.snapshot("demo", "Account")
    assert first.pulls == 1 and first.available
    ready, go, out = tmp_path / "ready", tmp_path / "go", tmp_path / "out.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    other = subprocess.Popen([sys.executable, "-c", VIEWER_SCRIPT, str(ready), str(go), str(out)], cwd=ROOT, env=env,
                             stderr=subprocess.PIPE, text=True)
    try:
        results: list[list[Any]] = []
        threads = _viewers(results, threading.Barrier(10))
        deadline = time.monotonic() + 60
        while not ready.exists() or (first.age() or 0) < 3.6:  # the other process imported; the snapshot is stale
            assert other.poll() is None and time.monotonic() < deadline, other.stderr.read() if other.stderr else ""
            time.sleep(0.01)
        demo_org.reset_counters()
        go.write_text("go")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _, stderr = other.communicate(timeout=120)
        assert other.returncode == 0, stderr
    finally:
        if other.poll() is None:
            other.kill()
    results += json.loads(out.read_text())
    counted = demo_org.counters()
    assert len(results) == 20
    final = engine.snapshot_status("demo", "Account")
    assert final is not None and final.pulls == 2 and final.kind == "incremental"
    assert counted.get("GET /services/data/vXX.X/sobjects/{T}/deleted") == 1  # one incremental pull, one getDeleted
    assert sum(n for k, n in counted.items() if "/services/data/" in k) == final.api_calls
    assert {pulls for pulls, _, _ in results} <= {1, 2}  # everyone got the old snapshot or the one new one
    assert all(refreshing for pulls, refreshing, _ in results if pulls == 1)
