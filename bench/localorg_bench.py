"""Benchmark: pull 50,000 Leads from localorg through unmodified simple-salesforce (REST paging and Bulk 2.0).

Run: .venv/bin/python bench/localorg_bench.py [--records 50000]
Prints records/s for each path and the ratio against the 20,000 records/s target, twice: with the org
in this process (how pytest runs it: client and server share one GIL) and with the org as its own
process (`python -m localorg serve`, how the console's demo mode runs it). Not a test.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 20_000.0
FIELDS = "Id, FirstName, LastName, Company, Email, Website, Industry, NumberOfEmployees, AnnualRevenue, Phone, Title, Status, OwnerId, SystemModstamp"
INDUSTRIES = ["Banking", "Energy", "Retail", "Technology", "Healthcare", None, None]


def seed_leads(handle: object, count: int, owner_id: str) -> None:
    """Insert `count` synthetic Leads through the Org API (system insert: no per-record validation)."""
    rng = random.Random(7)
    batch = []
    for i in range(count):
        company = f"Bench Company {i:05d}"
        batch.append({"FirstName": f"First{i}", "LastName": f"Last{i}", "Company": company,
                      "Email": f"person{i}@bench{i % 977}.example", "Website": f"bench{i % 977}.example" if i % 3 else None,
                      "Industry": rng.choice(INDUSTRIES), "NumberOfEmployees": rng.choice([None, 10, 250, 5000]),
                      "AnnualRevenue": rng.choice([None, 1.5e6, 2.0e7]), "Phone": None if i % 2 else "+1 555 0100",
                      "Title": "Head of Bench", "Status": "Open - Not Contacted", "OwnerId": owner_id})
        if len(batch) == 5000:
            handle.org.insert_system("Lead", batch, by=owner_id)  # type: ignore[attr-defined]
            batch = []
    if batch:
        handle.org.insert_system("Lead", batch, by=owner_id)  # type: ignore[attr-defined]


def pull(sf: object, records: int) -> list[tuple[str, float]]:
    """Time query_all (REST paging) and a bulk2 query of every Lead; returns (label, seconds)."""
    soql = f"SELECT {FIELDS} FROM Lead"
    t0 = time.perf_counter()
    rest = sf.query_all(soql)  # type: ignore[attr-defined]
    rest_s = time.perf_counter() - t0
    assert rest["totalSize"] == records == len(rest["records"]), rest["totalSize"]
    t0 = time.perf_counter()
    rows = 0
    for page in sf.bulk2.Lead.query(soql, max_records=50_000, wait=0):  # type: ignore[attr-defined]
        rows += page.count("\n") - 1
    bulk_s = time.perf_counter() - t0
    assert rows == records, rows
    return [("REST query_all (2,000/page)", rest_s), ("Bulk 2.0 query (50,000/page)", bulk_s)]


def report(where: str, records: int, timings: list[tuple[str, float]]) -> None:
    """One line per path: records/s and the ratio to the target."""
    for name, seconds in timings:
        rate = records / seconds
        print(f"{where:13s} {name:30s} {records:,} in {seconds:5.2f} s = {rate:9,.0f} records/s "
              f"= {rate / TARGET:4.2f}x the {TARGET:,.0f}/s target")


def main() -> int:
    """Seed once; time the pull with the org in this process (as pytest runs it) and as its own process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()

    from localorg import start
    from tests.fixtures.localorg import make_sf_client

    data = Path(tempfile.mkdtemp(prefix="localorg-bench-"))
    try:
        handle = start(data, seed="empty")
        try:
            user = handle.org.user_by_username("integration@demo.test")
            t0 = time.perf_counter()
            seed_leads(handle, args.records, user.id)
            print(f"seeded {args.records:,} Leads in {time.perf_counter() - t0:.1f} s")
            report("in-process", args.records, pull(make_sf_client(handle, "integration@demo.test"), args.records))
        finally:
            handle.stop()

        proc = subprocess.Popen([sys.executable, "-m", "localorg", "serve", "--data", str(data), "--seed", "empty"],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            ready = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
            remote = SimpleNamespace(instance_url=ready["instance_url"], ca_file=ready["ca_file"],
                                     client_id=ready["client_id"])
            report("own process", args.records, pull(make_sf_client(remote, "integration@demo.test"), args.records))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
