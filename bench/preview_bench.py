"""Benchmark: the whole preview (match, source lookup, mapping, diff, totals) against reading the records and
running diff.compute alone on the same proposed values, 1,000,000 Accounts × 10 mapped fields, in one run.

    .venv/bin/python bench/preview_bench.py                    # 1,000,000 records, 3 runs each
    .venv/bin/python bench/preview_bench.py --records 100000   # a quicker look
    .venv/bin/python bench/preview_bench.py --repeat 5         # more runs on a busy machine

The records (a snapshot's columns: Id, Name, Website, OwnerId and the ten mapped fields, about 30% of cells
blank) are written once as Parquet, with websites on 250,000 distinct company domains plus free-mail and
malformed ones. The proposed values the reference diffs are the preview's own, written beside them, so both
contenders judge the same cells. Each contender runs in its own subprocess, the two taking turns --repeat
times (the machine is shared: one run says little); the ratio is of the median times. CPU is user + system
time of the process (all its threads: the preview uses a second one). Peak is the resident-set high-water
mark from the moment the records are read (Linux /proc/self/clear_refs). Target: the preview takes at most
2× the reference.
"""
from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.diff_bench import FIELDS, _reset_peak, _rss_mb  # noqa: E402

ATTRIBUTES = {"Industry": "category.industry", "NumberOfEmployees": "metrics.employees",
              "AnnualRevenue": "metrics.annualRevenue", "Phone": "phone", "Website": "domain",
              "Description": "description", "BillingStreet": "geo.streetAddress", "BillingCity": "geo.city",
              "BillingPostalCode": "geo.postalCode", "BillingCountry": "geo.country"}


def _specs() -> dict:
    from core.fields import field_specs

    return field_specs({"name": "Account", "fields": [{"name": n, "label": n, "updateable": True, **f}
                                                      for n, f in FIELDS.items()]})


def _mapping():
    from core.enrich.mapping import FieldMap, Mapping

    return Mapping("Account", tuple(FieldMap(attribute, field) for field, attribute in ATTRIBUTES.items()))


def make_records(records: int, out: Path, seed: int = 11) -> None:
    """Write records.parquet (the snapshot's columns) and proposed.parquet (the preview's proposed values)."""
    import numpy as np
    import pandas as pd

    from core import preview
    from core.enrich.providers.demo import DemoProvider

    rng = np.random.default_rng(seed)
    ids = pd.Index(np.char.add("001", np.char.zfill(np.arange(records).astype(str), 15)), name="Id", dtype="str")
    domains = np.char.add(np.char.add("company", np.arange(250_000).astype(str)), ".com").astype(object)
    site = domains[rng.integers(0, len(domains), records)]
    roll = rng.random(records)
    site = np.where(roll < 0.03, "gmail.com", np.where(roll < 0.05, "not a website", site))
    site = np.where(roll > 0.95, None, np.char.add("https://www.", site.astype(str)).astype(object))
    frame = {"Name": pd.array(np.char.add("Company ", np.arange(records).astype(str)), dtype="str"),
             "Website": pd.array(site, dtype="str"),
             "OwnerId": pd.array(np.char.add("005", rng.integers(0, 40, records).astype(str)), dtype="str")}
    pools = np.array(["Technology", "Banking", "Retail", "Healthcare", "Media"], dtype=object)
    for name in FIELDS:
        if name == "Website":
            continue
        blank = rng.random(records) < 0.30
        if name in ("NumberOfEmployees", "AnnualRevenue"):
            values = rng.integers(1, 5000, records).astype("float64")
            values[blank] = np.nan
            frame[name] = values
        else:
            values = pools[rng.integers(0, len(pools), records)].copy()
            values[blank] = None
            frame[name] = pd.array(values, dtype="str")
    current = pd.DataFrame(frame, index=ids)
    current.to_parquet(out / "records.parquet")
    result = preview.build(current, "Account", _mapping(), DemoProvider(), _specs())
    wide = result.cells.pivot(index="Id", columns="field", values="proposed").reindex(current.index)
    wide.columns = [str(c) for c in wide.columns]
    wide.to_parquet(out / "proposed.parquet")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(work) -> dict:
    gc.collect()
    base = _rss_mb("VmRSS")
    reset = _reset_peak()
    start, cpu = time.perf_counter(), _cpu()
    summary = work()
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu, "peak": _rss_mb("VmHWM"), "base": base,
            "reset": reset, **summary}


def run_reference(data: Path) -> dict:
    """Read the records and the proposed values, then diff.compute + totals."""
    import pandas as pd

    from core.sync import diff

    specs = _specs()

    def work() -> dict:
        current = pd.read_parquet(data / "records.parquet")
        proposed = pd.read_parquet(data / "proposed.parquet")
        table = diff.totals(diff.compute(current, proposed, specs))
        return {"fill": int(table["fill"].sum()), "cells": int(table["total"].sum())}
    return _measure(work)


def run_preview(data: Path) -> dict:
    """Read the records, then the whole preview: match keys, one lookup, mapping, diff, totals."""
    import pandas as pd

    from core import preview
    from core.enrich.providers.demo import DemoProvider

    specs, plan = _specs(), _mapping()

    def work() -> dict:
        current = pd.read_parquet(data / "records.parquet")
        result = preview.build(current, "Account", plan, DemoProvider(), specs)
        return {"fill": int(result.totals["fill"].sum()), "cells": int(result.totals["total"].sum()),
                "matched": result.match_counts()["matched"]}
    return _measure(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each contender, taking turns (default 3)")
    parser.add_argument("--run", choices=("reference", "preview"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps((run_reference if args.run == "reference" else run_preview)(args.data)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        start = time.perf_counter()
        make_records(args.records, data)
        print(f"records: {args.records:,} Accounts × {len(ATTRIBUTES)} mapped fields, written in "
              f"{time.perf_counter() - start:.1f} s")
        results: dict[str, list[dict]] = {"reference": [], "preview": []}
        for _ in range(max(args.repeat, 1)):
            for which in ("reference", "preview"):
                out = subprocess.run([sys.executable, __file__, "--run", which, "--data", str(data)],
                                     capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results[which].append(r)
                print(f"{which:>9}: {r['wall']:.2f} s (CPU {r['cpu']:.2f} s), peak {r['peak']:,.0f} MB "
                      f"(+{r['peak'] - r['base']:,.0f} MB over start), {r['cells']:,} cells, {r['fill']:,} to fill",
                      flush=True)
        ref, ours = results["reference"], results["preview"]
        assert {(r["fill"], r["cells"]) for r in ref + ours} == {(ref[0]["fill"], ref[0]["cells"])}, \
            "the two judged different cells"

        def median(runs: list[dict], key: str) -> float:
            return statistics.median(r[key] for r in runs)

        per_run = sorted(o["wall"] / r["wall"] for o, r in zip(ours, ref, strict=True))
        print(f"preview / (read + diff.compute), median of {len(ours)} runs each: "
              f"{median(ours, 'wall') / median(ref, 'wall'):.2f}× time (target ≤ 2×; run by run "
              f"{per_run[0]:.2f}×–{per_run[-1]:.2f}×), {median(ours, 'cpu') / median(ref, 'cpu'):.2f}× CPU time, "
              f"{median(ours, 'peak') / median(ref, 'peak'):.2f}× peak memory")


if __name__ == "__main__":
    main()
