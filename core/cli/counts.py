"""`python -m core counts CONNECTION [--object Lead] [--json]`: what the org counts itself, without a snapshot — its
records per object, whatever the sharing (/limits/recordCount), and how full each mapped field is among the records
the connected user sees (one aggregate query per object). Both are kept 4 hours in the shared cache."""
from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

from core import engine
from core.cli.output import count, table
from core.errors import BadInput, ConsoleError, FixPermission, as_dict


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `counts` subcommand: exit 0 when every object was counted, 1 when one could not be (and why)."""
    cmd = sub.add_parser("counts", help="what the org counts itself, no snapshot: records per object (org-wide) and "
                         "how full each mapped field is (exit 1 when an object could not be counted)")
    cmd.add_argument("name", metavar="CONNECTION")
    cmd.add_argument("--object", dest="sobject", choices=list(engine.SNAPSHOT_OBJECTS),
                     help=f"one object (default: {', '.join(engine.SNAPSHOT_OBJECTS)})")
    cmd.add_argument("--json", action="store_true", help="print the counts as JSON")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Count, print (text or JSON), and say 1 when any object's fields could not be counted."""
    info = engine.connection(args.name)
    if info is None:
        raise BadInput(f"There is no connection named {args.name!r}.",
                       fix="List them with: python -m core connections", cause="not_connected")
    objects = (args.sobject,) if args.sobject else engine.SNAPSHOT_OBJECTS
    totals: dict[str, int] | None = None
    totals_error: ConsoleError | None = None
    try:
        totals = engine.record_totals(args.name)
    except FixPermission as exc:  # no View Setup: the org-wide totals are left out, the rest goes on
        totals_error = exc
    results: dict[str, engine.FillCounts | ConsoleError] = {}
    for sobject in objects:
        try:
            results[sobject] = engine.field_fill(args.name, sobject)
        except (FixPermission, BadInput) as exc:  # this object only; a lost sign-in or the daily limit stops all
            results[sobject] = exc
    if args.json:
        print(json.dumps(_as_json(args.name, totals, totals_error, results), indent=2))
    else:
        print("\n".join(_lines(info.username, totals, totals_error, results)))
    return 1 if any(isinstance(r, ConsoleError) for r in results.values()) else 0


def _as_json(name: str, totals: dict[str, int] | None, totals_error: ConsoleError | None,
             results: dict[str, engine.FillCounts | ConsoleError]) -> dict[str, Any]:
    objects: dict[str, Any] = {}
    for sobject, found in results.items():
        if isinstance(found, ConsoleError):
            objects[sobject] = {"error": as_dict(found)}
            continue
        frame = found.frame().rename(columns={"fill rate": "fill_rate"})
        objects[sobject] = {"visible": found.visible, "in_org": totals.get(sobject) if totals else None,
                            "counted_at": datetime.fromtimestamp(found.counted_at, UTC).isoformat(timespec="seconds"),
                            "fields": frame.to_dict(orient="records"), "skipped": found.skipped, "error": None}
    return {"connection": name, "totals": totals, "totals_error": as_dict(totals_error) if totals_error else None,
            "objects": objects}


def _lines(username: str, totals: dict[str, int] | None, totals_error: ConsoleError | None,
           results: dict[str, engine.FillCounts | ConsoleError]) -> list[str]:
    if totals is not None:
        lines = ["Records in the org (every record, whatever the sharing): "
                 + " · ".join(f"{sobject} {n:,}" for sobject, n in totals.items())]
    else:
        lines = [f"Records in the org: not counted — {totals_error.message if totals_error else ''}",
                 f"  fix: {totals_error.fix if totals_error else ''}"]
    for sobject, found in results.items():
        lines.append("")
        if isinstance(found, ConsoleError):
            lines += [f"{sobject}: not counted — {found.message}", f"  fix: {found.fix}"]
            continue
        seen = (f"{found.visible:,} of the org's {count(totals[sobject], 'record')}" if totals and sobject in totals
                else count(found.visible, "record"))
        lines.append(f"{sobject}: {seen} visible to {username}, counted "
                     f"{engine.describe_age(time.time() - found.counted_at)} ago; mapped fields filled:")
        rows = [(str(r.field), f"{r.filled:,}", f"{r.blank:,}", f"{r.rate:.1%}")
                for r in found.frame().rename(columns={"fill rate": "rate"}).itertuples(index=False)]
        lines += table(("field", "filled", "blank", "filled %"), rows, right=(1, 2, 3)) if rows else \
            ["  (no mapped field can be counted)"]
        lines += [f"  not counted: {field} — {why}" for field, why in found.skipped.items()]
    return lines
