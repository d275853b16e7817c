"""Benchmark: the guarded writer's API calls for R records, counted by localorg, against the floor the batching allows.

Run: .venv/bin/python bench/apply_bench.py [--records 10000]
An empty localorg (users only) gets R Leads with Title and Industry blank, plus a tenth of them filled by a
person after the preview; `engine.apply` then writes 2 cells per record (Title, Industry) through the
console's own connection. localorg counts the calls per endpoint. The floor is ⌈R/200⌉ write calls
(sObject Collections PATCH, 200 records each) + ⌈R/2,000⌉ re-read calls (Collections retrieve, 2,000 ids
each); the target is at most 10% above it. Printed: the calls, the floor and their ratio, the run's outcome
counts, and the wall time. A second run arms 2% transient 503s to show what retries cost. The one other
request localorg counts is the demo-org liveness probe on the login URL, not an API call.

Strict mode (`--strict-records`, default 1,000; 0 skips it): the same apply with `strict=True` and without,
one after the other in this run, each on a fresh org; printed per 1,000 records: the write and re-read
calls of each, strict's API calls against the plain path's and against the floor strict allows
(⌈R/25⌉ Composite calls + ⌈R/2,000⌉ re-reads; one PATCH per record before Composite batching, i.e.
R + ⌈R/2,000⌉), and the two wall times with their ratio. Not a test.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATCH = "PATCH /services/data/vXX.X/composite/sobjects"
COMPOSITE = "POST /services/data/vXX.X/composite"       # strict mode: 25 conditional PATCHes a call
ROWS = "PATCH /services/data/vXX.X/sobjects/{T}/{id}"  # strict mode before Composite batching: one a record
RETRIEVE = "POST /services/data/vXX.X/composite/sobjects/{T}"
TARGET = 1.10


def seed(handle: object, count: int, owner_id: str) -> list[str]:
    """R Leads owned by the integration user, Title and Industry blank."""
    rows = [{"FirstName": f"Bench{i}", "LastName": f"Lead{i}", "Company": f"Bench Company {i:05d}",
             "Email": f"p{i}@bench{i % 977}.example", "Status": "Open - Not Contacted", "OwnerId": owner_id}
            for i in range(count)]
    return handle.org.insert_system("Lead", rows, by=owner_id)  # type: ignore[attr-defined]


def one_run(records: int, transient: float) -> None:
    """Seed, connect, apply once and print the counts against the floor."""
    run, counted, seconds = measure(records, transient)
    writes, reads = counted.get(PATCH, 0), counted.get(RETRIEVE, 0)
    floor_w, floor_r = math.ceil(records / 200), math.ceil(records / 2000)
    ratio = (writes + reads) / (floor_w + floor_r)
    label = f"{transient:.0%} of write calls fail with a transient 503" if transient else "no faults"
    verdict = (f"retries cost {writes + reads - floor_w - floor_r} calls: each is a re-read and a write again" if transient
               else f"{'within' if ratio <= TARGET else 'ABOVE'} the 10% target")
    others = {k: v for k, v in counted.items() if k not in (PATCH, RETRIEVE)}
    print(f"R = {records:,} records × 2 fields ({label}): {writes} write calls + {reads} re-read calls = "
          f"{writes + reads}; floor ⌈R/200⌉ + ⌈R/2,000⌉ = {floor_w} + {floor_r} = {floor_w + floor_r}; "
          f"ratio {ratio:.3f} ({verdict}); other requests: {others or 'none'}")
    print(f"    run {run.state}: " + ", ".join(f"{k} {v:,}" for k, v in run.counts.items() if v)
          + f"; {run.api_calls} API calls by the writer; {seconds:.1f} s = {2 * records / seconds:,.0f} cells/s")


def strict_run(records: int) -> None:
    """The same apply in strict mode and without, this run; API calls per 1,000 records and the time ratio."""
    figures = {}
    for strict in (False, True):
        run, counted, seconds = measure(records, 0.0, strict=strict)
        writes = counted.get(PATCH, 0) + counted.get(COMPOSITE, 0) + counted.get(ROWS, 0)
        figures[strict] = (writes, counted.get(RETRIEVE, 0), seconds, run)
    per = 1000 / records
    (p_w, p_r, p_s, _), (s_w, s_r, s_s, run) = figures[False], figures[True]
    floor = math.ceil(records / 25) + math.ceil(records / 2000)
    per_record = records + math.ceil(records / 2000)
    print(f"strict mode, R = {records:,} records × 2 fields, per 1,000 records: plain {p_w * per:.0f} writes + "
          f"{p_r * per:.1f} re-reads = {(p_w + p_r) * per:.1f} calls in {p_s * per:.2f} s; strict {s_w * per:.0f} "
          f"writes + {s_r * per:.1f} re-reads = {(s_w + s_r) * per:.1f} calls in {s_s * per:.2f} s "
          f"(one PATCH per record, before batching: {per_record * per:.0f} calls)")
    print(f"    strict/plain: {(s_w + s_r) / (p_w + p_r):.2f}× the API calls, {s_s / p_s:.2f}× the time; strict "
          f"against its floor ⌈R/25⌉ + ⌈R/2,000⌉ = {floor}: {(s_w + s_r) / floor:.3f}; against one PATCH per "
          f"record ({per_record}): {(s_w + s_r) / per_record:.3f}; run {run.state}: "
          + ", ".join(f"{k} {v:,}" for k, v in run.counts.items() if v))


def measure(records: int, transient: float, *, strict: bool = False) -> tuple[object, dict[str, int], float]:
    """Seed a fresh org, connect, apply once; (the run, localorg's call counts, seconds the apply took)."""
    import pandas as pd

    from core import engine
    from core.connect import demo
    from localorg import start

    with tempfile.TemporaryDirectory(prefix="apply-bench-") as tmp:
        base = Path(tmp) / "console"
        base.mkdir()
        handle = start(Path(tmp) / "org", seed="empty", api_limit=10_000_000)
        try:
            owner = handle.org.user_by_username("integration@demo.test")
            ids = seed(handle, records, owner.id)
            address = demo.address_path(base)
            address.parent.mkdir(parents=True, exist_ok=True)
            address.write_text(json.dumps(asdict(demo.DemoAddress(handle.instance_url, handle.login_url,
                                                                  handle.ca_file, handle.client_id, os.getpid()))))
            actor = engine.Actor("bench")
            engine.connect_password_demo("integration@demo.test", actor=actor, base=base)
            cells = pd.DataFrame({"Id": ids * 2, "field": ["Title"] * records + ["Industry"] * records,
                                  "proposed": ["Head of Benchmarks"] * records + ["Technology"] * records})
            for rid in ids[::10]:  # a person fills a tenth of the Titles after the preview
                handle.edit_as("admin@demo.test", "Lead", rid, {"Title": "Chosen by a person"})
            specs = engine._field_specs(engine.open_client("demo", base=base).describe("Lead"))
            if transient:
                handle.faults.add(method="PATCH", path=r"/composite/sobjects$", status=503, retry_after=0.05,
                                  times=None, fraction=transient)
            handle.reset_counters()
            started = time.perf_counter()
            run = engine.apply("demo", "Lead", cells, actor=actor, specs=specs, base=base, strict=strict,
                               options=engine.WriteOptions(backoff=0.05))
            seconds = time.perf_counter() - started
            counted = handle.counters()
        finally:
            handle.stop()
    return run, counted, seconds


def main() -> None:
    """Parse arguments and run both scenarios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--strict-records", type=int, default=1000, help="records for the strict-mode figure (0: skip)")
    parser.add_argument("--strict-only", action="store_true", help="print the strict-mode figure alone")
    args = parser.parse_args()
    if not args.strict_only:
        one_run(args.records, 0.0)
        one_run(args.records, 0.02)
    if args.strict_records:
        strict_run(args.strict_records)


if __name__ == "__main__":
    main()
