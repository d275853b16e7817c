"""Benchmark: core.sync.diff.compute against datacompy on the same 1,000,000 × 10 frames, in one run.

    .venv/bin/python bench/diff_bench.py                   # 1,000,000 records × 10 fields
    .venv/bin/python bench/diff_bench.py --records 100000  # a quicker look
    .venv/bin/python bench/diff_bench.py --unique-text     # phones, websites, streets, descriptions unique

The frames (about 30% of current cells blank, about 10% differing) are written once as Parquet; each
contender then runs in its own subprocess, so wall time and peak memory are separable: peak is the
process's resident-set high-water mark during the comparison, measured from the moment the frames
are loaded (Linux /proc/self/clear_refs resets it), reported both as the increase over the loaded
frames and as the absolute high-water mark. datacompy is not a project dependency: it runs from its
own venv (.venv-bench, created on first use with pinned datacompy and pyarrow; datacompy pins its own
pandas < 3.1), or is skipped with a message when that venv cannot be made.
"""
from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".venv-bench"
BENCH_PINS = ("datacompy==1.1.0", "pyarrow==26.0.1")
FIELDS: dict[str, dict] = {  # a realistic Account describe subset: name → describe field entry
    "Industry": {"type": "picklist", "length": 40},
    "NumberOfEmployees": {"type": "int", "digits": 8},
    "AnnualRevenue": {"type": "currency", "precision": 18, "scale": 0},
    "Phone": {"type": "phone", "length": 40},
    "Website": {"type": "url", "length": 255},
    "Description": {"type": "textarea", "length": 32000},
    "BillingStreet": {"type": "textarea", "length": 255},
    "BillingCity": {"type": "string", "length": 40},
    "BillingPostalCode": {"type": "string", "length": 20},
    "BillingCountry": {"type": "string", "length": 80},
}
UNIQUE_TEXT = ("Phone", "Website", "Description", "BillingStreet")


def _rss_mb(key: str) -> float:
    """VmRSS or VmHWM of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Reset the resident-set high-water mark so the peak covers only what follows (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def make_frames(records: int, out: Path, seed: int = 7, unique_text: bool = False) -> None:
    """Write current.parquet and proposed.parquet: index Id, the FIELDS columns.

    Proposed values are drawn from realistic pools (about 5% missing); each current cell is blank
    (None, "", white space or [[unknown]]) with probability 0.30, differs with 0.10, else equals proposed.
    unique_text: the UNIQUE_TEXT fields get a per-record suffix, so nearly every value occurs once
    (as real phones and streets do) and nothing is gained by judging distinct values.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ids = pd.Index(np.char.add("001", np.char.zfill(np.arange(records).astype(str), 15)), name="Id", dtype="str")
    words = np.array(["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Wonka", "Tyrell"])
    pools = {
        "Industry": np.array(["Technology", "Banking", "Retail", "Healthcare", "Internet Software & Services",
                              "Manufacturing", "Consulting", "Media", "Computer Hardware & Semiconductors & Electronic Equipment"]),
        "Phone": np.array([f"+1 415-555-{i:04d}" for i in range(500)]),
        "Website": np.array([f"{w.lower()}{i}.com" for w in words for i in range(100)]),
        "Description": np.array([f"{w} builds software for {s} across {r} regions and sells through partners."
                                 for w in words for s in ("banks", "retailers", "hospitals", "schools")
                                 for r in ("three", "five", "twelve")]),
        "BillingStreet": np.array([f"{n} {s}" for n in range(1, 200) for s in ("Market Street", "Main Street", "Hauptstraße")]),
        "BillingCity": np.array(["San Francisco", "Austin", "London", "Berlin", "München", "Paris", "Toronto", "Sydney"]),
        "BillingPostalCode": np.array([f"{i:05d}" for i in range(0, 99999, 97)]),
        "BillingCountry": np.array(["United States", "United Kingdom", "Germany", "France", "Canada", "Australia"]),
    }
    blanks = np.array([None, "", "   ", "[[unknown]]"], dtype=object)
    current, proposed = {}, {}
    for name in FIELDS:
        roll = rng.random(records)
        missing = rng.random(records) < 0.05
        if name in ("NumberOfEmployees", "AnnualRevenue"):
            scale = 50 if name == "NumberOfEmployees" else 2_000_000
            prop = (rng.integers(1, 2000, records) * scale).astype("float64")
            other = (rng.integers(1, 2000, records) * scale).astype("float64")
            prop[missing] = np.nan
            cur = np.where(roll < 0.30, np.nan, np.where(roll < 0.40, other, prop))
            current[name], proposed[name] = cur, prop
            continue
        pool = pools[name]
        prop = pool[rng.integers(0, len(pool), records)].astype(object)
        other = pool[rng.integers(0, len(pool), records)].astype(object)
        if unique_text and name in UNIQUE_TEXT:
            suffix = np.char.add(" #", np.arange(records).astype(str)).astype(object)
            prop, other = prop + suffix, other + suffix
        prop[missing] = None
        cur = np.where(roll < 0.30, blanks[rng.integers(0, len(blanks), records)], np.where(roll < 0.40, other, prop))
        current[name] = pd.array(cur, dtype="str")
        proposed[name] = pd.array(prop, dtype="str")
    pd.DataFrame(current, index=ids).to_parquet(out / "current.parquet")
    pd.DataFrame(proposed, index=ids).to_parquet(out / "proposed.parquet")


def run_ours(data: Path) -> dict:
    """Time core.sync.diff.compute (+ totals) on the frames; report wall seconds, peak MB and row counts."""
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from core.fields import field_specs
    from core.sync import diff

    describe = {"name": "Account", "fields": [{"name": n, "label": n, "updateable": True, **f} for n, f in FIELDS.items()]}
    specs = field_specs(describe)
    current, proposed = pd.read_parquet(data / "current.parquet"), pd.read_parquet(data / "proposed.parquet")
    gc.collect()
    base = _rss_mb("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    result = diff.compute(current, proposed, specs)
    table = diff.totals(result)
    wall = time.perf_counter() - start
    peak = _rss_mb("VmHWM")
    return {"wall": wall, "peak": peak, "base": base, "reset": reset, "rows": len(result),
            "fill": int(table["fill"].sum()), "keep": int(table["keep"].sum()), "same": int(table["same"].sum())}


def run_datacompy(data: Path) -> dict:
    """Time datacompy.PandasCompare (join on Id, ignoring spaces and case) + all_mismatch on the frames."""
    import datacompy
    import pandas as pd

    current = pd.read_parquet(data / "current.parquet").reset_index()
    proposed = pd.read_parquet(data / "proposed.parquet").reset_index()
    gc.collect()
    base = _rss_mb("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    compare = datacompy.PandasCompare(current, proposed, join_columns="Id", df1_name="current", df2_name="proposed",
                                      ignore_spaces=True, ignore_case=True)
    mismatched = compare.all_mismatch()
    wall = time.perf_counter() - start
    peak = _rss_mb("VmHWM")
    return {"wall": wall, "peak": peak, "base": base, "reset": reset, "rows": len(mismatched),
            "version": datacompy.__version__, "pandas": pd.__version__}


def bench_python(install: bool) -> tuple[Path | None, str]:
    """The bench venv's python (creating the venv if allowed), or None with the reason it is unavailable."""
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        if not install:
            return None, f"{BENCH_VENV} does not exist (run without --no-install to create it)"
        print(f"creating {BENCH_VENV} with {' '.join(BENCH_PINS)} …", flush=True)
        made = subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=False, capture_output=True, text=True)
        if made.returncode != 0:
            return None, f"python -m venv failed: {made.stderr.strip()[-300:]}"
    check = subprocess.run([str(python), "-c", "import datacompy"], check=False, capture_output=True, text=True)
    if check.returncode != 0:
        if not install:
            return None, "datacompy is not installed in the bench venv"
        pip = subprocess.run([str(python), "-m", "pip", "install", "-q", *BENCH_PINS], check=False, capture_output=True, text=True)
        if pip.returncode != 0:
            return None, f"pip install {' '.join(BENCH_PINS)} failed: {pip.stderr.strip()[-300:]}"
    return python, ""


def _contender(python: Path | str, which: str, data: Path) -> dict:
    """Run one contender in a fresh subprocess and return its JSON report."""
    done = subprocess.run([str(python), __file__, "--contender", which, "--data", str(data)],
                          check=False, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{which} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Make the frames, run both contenders, print each and the ratios (last)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--unique-text", action="store_true",
                        help=f"make {', '.join(UNIQUE_TEXT)} unique per record (not the issue's frames)")
    parser.add_argument("--no-install", action="store_true", help="do not create the datacompy venv")
    parser.add_argument("--contender", choices=("ours", "datacompy"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        report = run_ours(args.data) if args.contender == "ours" else run_datacompy(args.data)
        print(json.dumps(report))
        return
    with tempfile.TemporaryDirectory(prefix="diff-bench-") as tmp:
        data = Path(tmp)
        start = time.perf_counter()
        make_frames(args.records, data, unique_text=args.unique_text)
        unique = f", {', '.join(UNIQUE_TEXT)} unique per record" if args.unique_text else ""
        print(f"frames: {args.records:,} records × {len(FIELDS)} fields{unique} ({time.perf_counter() - start:.1f} s to make)")
        ours = _contender(sys.executable, "ours", data)
        print(f"ours       core.sync.diff.compute + totals: {ours['wall']:7.2f} s   peak +{ours['peak'] - ours['base']:6.0f} MB "
              f"(high-water {ours['peak']:.0f} MB)   {ours['rows']:,} cell rows: "
              f"{ours['fill']:,} fill, {ours['keep']:,} keep, {ours['same']:,} same")
        python, why = bench_python(install=not args.no_install)
        if python is None:
            print(f"datacompy  SKIPPED: {why}")
            print("ratio      not measured (datacompy unavailable)")
            return
        theirs = _contender(python, "datacompy", data)
        print(f"datacompy  {theirs['version']} (pandas {theirs['pandas']}) PandasCompare + all_mismatch: "
              f"{theirs['wall']:7.2f} s   peak +{theirs['peak'] - theirs['base']:6.0f} MB "
              f"(high-water {theirs['peak']:.0f} MB)   {theirs['rows']:,} mismatched rows")
        if not (ours["reset"] and theirs["reset"]):
            print("note: peak could not be reset after loading; peaks include the frames")
        speed = theirs["wall"] / ours["wall"]
        mem = (theirs["peak"] - theirs["base"]) / max(ours["peak"] - ours["base"], 1e-9)
        print(f"ratio      datacompy/ours: time {speed:.1f}x, peak memory {mem:.1f}x "
              f"(ours is {speed:.1f}x faster and uses {mem:.1f}x less extra memory)")


if __name__ == "__main__":
    main()
