"""Benchmark: the snapshot's API calls (counted by localorg) and its peak memory against simple-salesforce + pandas.

Run: .venv/bin/python bench/snapshot_bench.py [--calls-records 50000] [--memory-records 1000000] [--no-memory]

1. Memory. localorg (its own process) holds N Leads; each contender pulls them over Bulk API 2.0 in its own
   process, whose resident-set high-water mark is reset after imports (/proc/self/clear_refs) and read after:
   - ours: core.sync.snapshot (CSV result pages -> Arrow batches -> an Arrow IPC file, page by page);
   - the usual way: simple-salesforce's `sf.bulk2.Lead.query(...)`, `pd.read_csv` of every result page, then
     `pd.concat`.
2. API calls, counted by localorg (in this process) for 50,000 Leads: a full pull over REST and over Bulk 2.0
   against their minimum, an incremental refresh with 1% of the records changed against ceil(changed/2000)+2,
   and a read within the 4 hours (zero). These ratios are printed last. Not a test.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = {"Id": "id", "Name": "string", "Company": "string", "Email": "email", "Website": "url", "OwnerId": "reference",
          "CreatedDate": "datetime", "SystemModstamp": "datetime", "FirstName": "string", "LastName": "string",
          "Title": "string", "Industry": "picklist", "NumberOfEmployees": "int", "AnnualRevenue": "currency",
          "Phone": "phone", "City": "string", "Country": "string"}
SOQL = f"SELECT {', '.join(FIELDS)} FROM Lead"
INDUSTRIES = ["Banking", "Energy", "Retail", "Technology", "Healthcare", None, None]


def seed_leads(handle: object, count: int, owner_id: str) -> None:
    """Insert `count` Leads owned by the integration user, last modified at spread times over the past 30 days."""
    rng = random.Random(12)
    now = datetime.now(UTC).replace(microsecond=0)
    batch: list[dict] = []
    for i in range(count):
        stamp = (now - timedelta(hours=1, seconds=rng.randint(0, 30 * 86400))).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        batch.append({"FirstName": f"First{i}", "LastName": f"Last{i}", "Company": f"Bench Company {i:07d}",
                      "Email": f"person{i}@bench{i % 977}.example", "Website": f"bench{i % 977}.example" if i % 3 else None,
                      "Title": "Head of Bench" if i % 4 else None, "Industry": rng.choice(INDUSTRIES),
                      "NumberOfEmployees": rng.choice([None, 10, 250, 5000]), "AnnualRevenue": rng.choice([None, 1.5e6]),
                      "Phone": None if i % 2 else "+1 555 0100", "City": rng.choice(["Austin", "Berlin", None]),
                      "Country": rng.choice(["United States", "Germany", None]), "Status": "Open - Not Contacted",
                      "OwnerId": owner_id, "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp})
        if len(batch) == 10_000:
            handle.org.insert_system("Lead", batch, by=owner_id)  # type: ignore[attr-defined]
            batch = []
    if batch:
        handle.org.insert_system("Lead", batch, by=owner_id)  # type: ignore[attr-defined]


# -- memory: each contender in its own process ----------------------------------------------------------------------
def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _token(ready: dict) -> dict:
    from tests.fixtures.localorg import password_token

    return password_token(SimpleNamespace(**ready), "integration@demo.test")


def contender(which: str, ready: dict) -> None:
    """Pull every Lead over Bulk 2.0 one way; print {"records", "seconds", "base_mb", "peak_mb"} as JSON."""
    import io

    import pandas as pd
    import pyarrow  # noqa: F401 - imported before the baseline, as both ways need it

    from core.salesforce import OrgClient, StaticTokens
    from core.sync import snapshot
    from core.sync.snapshot_pull import PullOptions
    from tests.fixtures.localorg import localorg_session

    token = _token(ready)
    data = Path(tempfile.mkdtemp(prefix="snapshot-bench-"))
    Path("/proc/self/clear_refs").write_text("5")
    base = _status_kb("VmRSS")
    t0 = time.perf_counter()
    if which == "ours":
        client = OrgClient(StaticTokens(token["access_token"], token["instance_url"]), ca_file=ready["ca_file"])
        snap = snapshot.get(data, "bench", "Lead", list(FIELDS), lambda: client, lambda: FIELDS,
                            policy=snapshot.Policy(pull=PullOptions(bulk_first_poll=0.2)))
        assert snap.method == "Bulk" and snap.failure is None, snap
        records = snap.records
    else:
        from simple_salesforce import Salesforce

        sf = Salesforce(session_id=token["access_token"], instance_url=token["instance_url"],
                        session=localorg_session(SimpleNamespace(ca_file=ready["ca_file"])), version="62.0")
        frames = [pd.read_csv(io.StringIO(page)) for page in sf.bulk2.Lead.query(SOQL, max_records=50_000, wait=1)]
        frame = pd.concat(frames, ignore_index=True)
        records = len(frame)
    seconds = time.perf_counter() - t0
    shutil.rmtree(data, ignore_errors=True)
    print(json.dumps({"records": records, "seconds": seconds, "base_mb": base / 1024,
                      "peak_mb": _status_kb("VmHWM") / 1024}))


def memory(records: int) -> list[str]:
    """Seed `records` Leads, serve them from localorg's own process, run both contenders; return report lines."""
    from localorg import start

    data = Path(tempfile.mkdtemp(prefix="snapshot-bench-org-"))
    try:
        handle = start(data, seed="empty")
        try:
            t0 = time.perf_counter()
            seed_leads(handle, records, handle.org.user_by_username("integration@demo.test").id)
            print(f"seeded {records:,} Leads in {time.perf_counter() - t0:.0f} s", flush=True)
        finally:
            handle.stop()
        proc = subprocess.Popen([sys.executable, "-m", "localorg", "serve", "--data", str(data), "--seed", "empty"],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            ready = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
            results = {}
            for which in ("ours", "usual"):
                out = subprocess.run([sys.executable, __file__, "--contender", which, "--ready", json.dumps(ready)],
                                     capture_output=True, text=True, cwd=ROOT, check=True)
                results[which] = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"  {which}: {results[which]}", flush=True)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    ours, usual = results["ours"], results["usual"]
    grow = {k: v["peak_mb"] - v["base_mb"] for k, v in results.items()}
    return [
        f"memory  {records:,} Leads over Bulk 2.0, {len(FIELDS)} fields, each way in its own process:",
        f"memory  ours   core.sync.snapshot -> Arrow IPC file:        {ours['seconds']:6.1f} s, peak +{grow['ours']:7.0f} MB "
        f"(high-water {ours['peak_mb']:5.0f} MB), {ours['records']:,} records",
        f"memory  usual  sf.bulk2 query + pd.read_csv pages + concat: {usual['seconds']:6.1f} s, peak +{grow['usual']:7.0f} MB "
        f"(high-water {usual['peak_mb']:5.0f} MB), {usual['records']:,} records",
        f"memory  ours/usual: {grow['ours'] / grow['usual']:.2f} of the extra memory, "
        f"{ours['peak_mb'] / usual['peak_mb']:.2f} of the high-water mark (target: at most 0.50)",
    ]


# -- API calls, counted by localorg ---------------------------------------------------------------------------------
def calls(records: int) -> list[str]:
    """Full pulls over REST and Bulk, an incremental refresh with 1% changed, and a read within 4 h."""
    from core.salesforce import OrgClient, StaticTokens
    from core.sync import snapshot
    from core.sync.snapshot_pull import PullOptions
    from localorg import start
    from tests.fixtures.localorg import password_token

    data = Path(tempfile.mkdtemp(prefix="snapshot-bench-calls-"))
    handle = start(data / "org", seed="empty")
    lines = []
    try:
        integration = handle.org.user_by_username("integration@demo.test")
        seed_leads(handle, records, integration.id)
        token = password_token(handle, "integration@demo.test")
        client = OrgClient(StaticTokens(token["access_token"], token["instance_url"]), ca_file=handle.ca_file)

        def counted() -> int:
            return sum(n for key, n in handle.counters().items() if "/services/data/" in key)

        def pull(name: str, policy: snapshot.Policy) -> tuple[snapshot.Snapshot, dict[str, int]]:
            handle.reset_counters()
            snap = snapshot.get(data, name, "Lead", list(FIELDS), lambda: client, lambda: FIELDS, policy=policy)
            assert snap.failure is None, snap.failure
            assert snap.api_calls == counted() or counted() == 0, (snap.api_calls, handle.counters())
            return snap, handle.counters()

        rest, _ = pull("rest", snapshot.Policy(pull=PullOptions(bulk_threshold=10 ** 9)))
        minimum = math.ceil(records / 2000) + 1
        lines.append(f"calls   full pull over REST, {rest.records:,} records: {rest.api_calls} calls; minimum "
                     f"ceil(N/2000)+1 = {minimum}; ratio {rest.api_calls / minimum:.2f} (target <= 1.10)")
        bulk, used = pull("bulk", snapshot.Policy(pull=PullOptions(bulk_threshold=min(10_000, records - 1),
                                                                   bulk_first_poll=0.2)))
        create = used.get("POST /services/data/vXX.X/jobs/query", 0)
        polls = used.get("GET /services/data/vXX.X/jobs/query/{id}", 0)
        pages = used.get("GET /services/data/vXX.X/jobs/query/{id}/results", 0)
        lines.append(f"calls   full pull over Bulk 2.0, {bulk.records:,} records: {bulk.api_calls} calls = COUNT 1 + create "
                     f"{create} + polls {polls} + result pages {pages}; ratio to COUNT + create + polls + pages "
                     f"{bulk.api_calls / (1 + create + polls + pages):.2f}, to create + polls + pages alone "
                     f"{bulk.api_calls / (create + polls + pages):.2f}")
        changed = records // 100
        ids = snapshot.table(data, bulk, ["Id"]).column("Id").to_pylist()
        for record_id in random.Random(3).sample(ids, changed):
            handle.edit_as("integration@demo.test", "Lead", record_id, {"Title": "Changed for the bench"})
        incremental, _ = pull("bulk", snapshot.Policy(max_age=0))
        assert incremental.kind == "incremental" and incremental.records == records, incremental
        minimum = math.ceil(changed / 2000) + 2
        lines.append(f"calls   incremental refresh, {changed:,} of {records:,} changed ({incremental.changed:,} read): "
                     f"{incremental.api_calls} calls; minimum ceil(changed/2000)+2 = {minimum}; ratio "
                     f"{incremental.api_calls / minimum:.2f} (target <= 1.10)")
        again, _ = pull("bulk", snapshot.Policy())
        assert again.fetched_at == incremental.fetched_at
        lines.append(f"calls   read within 4 h: {counted()} calls (target 0)")
    finally:
        handle.stop()
        shutil.rmtree(data, ignore_errors=True)
    return lines


def main() -> int:
    """Memory first, then API calls; the summary last, the call ratios at the very end."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls-records", type=int, default=50_000)
    parser.add_argument("--memory-records", type=int, default=1_000_000)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--contender", choices=["ours", "usual"], help=argparse.SUPPRESS)
    parser.add_argument("--ready", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        contender(args.contender, json.loads(args.ready))
        return 0
    summary = [] if args.no_memory else memory(args.memory_records)
    summary += calls(args.calls_records)
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CONSOLE_DATA_DIR", tempfile.mkdtemp(prefix="snapshot-bench-data-"))
    sys.exit(main())
