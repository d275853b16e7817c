"""`python -m core`: orgs, snapshots, mappings and enrichment sources from a terminal or a scheduler (CONSOLE_DATA_DIR)."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from core import engine, settings
from core.cli import counts as _counts
from core.cli.output import ProgressLine, count
from core.connect import demo
from core.errors import BadInput, ConsoleError, NotAllowed, as_dict

EXIT_NOT_ALLOWED = 77
"""The exit code of an action the role does not allow (sysexits EX_NOPERM)."""
EXIT_BROKEN_PIPE = 141
"""The exit code when whoever read the output stopped early (`| head`): 128 + SIGPIPE, as a shell reports any
other program the closed pipe stopped, so a `set -o pipefail` script can tell the output was cut short."""


def _actor() -> engine.Actor:
    """The CLI acts as the login user; core decides that identity's role from its settings (CONSOLE_ROLE, ...)."""
    name = os.environ.get("USER") or os.environ.get("USERNAME")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "cli"
    return engine.Actor(name)


def _failed(exc: ConsoleError, as_json: bool, code: int, lead: str = "error") -> int:
    """Print a ConsoleError to stderr (as JSON, or its message and fix); return EXIT_NOT_ALLOWED when the role
    forbids the action, else `code`."""
    print(json.dumps(as_dict(exc), indent=2) if as_json else f"{lead}: {exc.message}\nfix: {exc.fix}", file=sys.stderr)
    return EXIT_NOT_ALLOWED if isinstance(exc, NotAllowed) else code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Salesforce Enrichment Console (command line).")
    sub = parser.add_subparsers(dest="command", required=True)
    connect = sub.add_parser("connect", help="connect an org and store its tokens (encrypted)")
    connect.add_argument("--env", required=True, choices=["demo", "production", "sandbox", "custom"])
    connect.add_argument("--username", required=True)
    connect.add_argument("--name", help="connection name (default: the environment, or the environment and the "
                         "username's local part when another user holds it, e.g. demo-auditor)")
    connect.add_argument("--replace", action="store_true",
                         help="let this sign-in replace the connection of that name (its token is revoked)")
    connect.add_argument("--my-domain", help="My Domain URL, e.g. https://acme.my.salesforce.com")
    connect.add_argument("--jwt", action="store_true", help="use the JWT bearer flow (required for real orgs)")
    connect.add_argument("--client-id", help="connected app consumer key (JWT)")
    connect.add_argument("--key-file", type=Path, help="private key (PEM) of the connected app's certificate (JWT)")
    connect.add_argument("--json", action="store_true", help="print the connection as JSON")
    listing = sub.add_parser("connections", help="list connections with their health; exit 1 when any needs "
                             "reconnecting (with --no-check: was last seen so)")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--no-check", action="store_true", help="do not call the orgs; show the last known health")
    health = sub.add_parser("health", help="check one connection now")
    health.add_argument("name")
    health.add_argument("--json", action="store_true")
    disconnect = sub.add_parser("disconnect", help="revoke at Salesforce and forget a connection")
    disconnect.add_argument("name")
    disconnect.add_argument("--force", action="store_true", help="forget it locally even if Salesforce is unreachable")
    disconnect.add_argument("--json", action="store_true", help="print the outcome as JSON")
    demo_cmd = sub.add_parser("demo", help="the local demo org process")
    demo_cmd.add_argument("action", choices=["start", "status", "stop"])
    _add_diagnose(sub)
    _add_run_commands(sub)
    _add_data_commands(sub)
    _add_sync_commands(sub)
    _add_undo(sub)
    _add_logs(sub)
    _counts.add_parser(sub)
    return parser


def _connect(args: argparse.Namespace) -> int:
    actor = _actor()
    if args.jwt:
        if not args.client_id or not args.key_file:
            raise ConsoleError("--jwt needs --client-id and --key-file.",
                               fix="Pass the connected app's consumer key and the private key file.", cause="usage")
        info = engine.connect_jwt(args.env, client_id=args.client_id, key_file=args.key_file, username=args.username,
                                  my_domain=args.my_domain, name=args.name, actor=actor, replace=args.replace)
    elif args.env == "demo":
        info = engine.connect_password_demo(args.username, name=args.name, actor=actor, replace=args.replace)
    else:
        raise ConsoleError(f"A {args.env} org is connected from the command line with the JWT bearer flow.",
                           fix="Add --jwt --client-id ID --key-file PATH, or connect in the console (browser sign-in).",
                           cause="usage")
    if args.json:
        print(json.dumps(asdict(info), indent=2))
        return 0
    print(f"Connected {info.name!r}: {info.org_name} ({info.org_id}) [{info.environment.badge}] as "
          f"{info.user_name} <{info.username}>, profile {info.profile or '(not readable by this user)'}")
    for note in (info.notice, info.environment_mismatch, info.integration_user_hint):
        if note:
            print(f"  note: {note}")
    return 0


_NOT_CHECKED = "not checked (--no-check, and no earlier check is remembered; run without --no-check to check)"


def _connections(args: argparse.Namespace) -> int:
    """List every connection with its health; 1 when any needs reconnecting, so a scheduler can tell."""
    rows = []
    for listed in engine.connections():
        # An unreadable record is checked even with --no-check: reading the store calls no org.
        cached = args.no_check and listed.readable
        health = engine.last_health(listed.name) if cached else engine.check_health(listed.name)
        info = engine.connection(listed.name) or listed  # a check may have moved it (demo org restarted)
        rows.append({"connection": asdict(info), "health": asdict(health) if health else None,
                     **({} if health else {"unknown_because": _NOT_CHECKED})})
    failing = any(row["health"] and row["health"]["status"] == "needs_reconnect" for row in rows)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 1 if failing else 0
    if not rows:
        print("No connections. Connect one with: python -m core connect --env demo --username integration@demo.test")
        return 0
    for row in rows:
        info, health = row["connection"], row["health"]
        status = health["status"] if health else "unknown"
        where = (f"{info['org_name']} ({info['instance_url']}) as {info['username']}" if info["readable"]
                 else "(stored record unreadable)")
        print(f"{info['name']:<16} {info['environment']['badge']:<10} {status:<16} {where}")
        if health is None:
            print(f"{'':<16} {_NOT_CHECKED}")
        elif health["status"] != "connected":
            print(f"{'':<16} cause: {health['cause']} — {health['message']}\n{'':<16} fix: {health['fix']}")
    return 1 if failing else 0


def _health(args: argparse.Namespace) -> int:
    if engine.connection(args.name) is None:
        raise BadInput(f"There is no connection named {args.name!r}.",
                       fix="List them with: python -m core connections; connect one with: python -m core connect "
                       f"--env demo --username integration@demo.test --name {args.name}", cause="not_connected")
    health = engine.check_health(args.name)
    if args.json:
        print(json.dumps(asdict(health), indent=2))
    else:
        print(f"{args.name}: {health.status}")
        if health.status != "connected":
            print(f"  cause: {health.cause} — {health.message}\n  fix: {health.fix}")
    return 0 if health.status == "connected" else 1


def _disconnect(args: argparse.Namespace) -> int:
    done = engine.disconnect(args.name, actor=_actor(), force=args.force)
    message = (f"Disconnected {args.name!r}: the token was revoked at Salesforce and removed here." if done.revoked
               else f"Forgot {args.name!r} here without revoking it; revoke it in Salesforce: "
               "Setup → Connected Apps OAuth Usage.") + " " + done.summary()
    if args.json:
        print(json.dumps({"connection": args.name, "disconnected": True, "revoked": done.revoked,
                          "snapshots_deleted": list(done.snapshot_objects), "snapshot_files_deleted": done.snapshot_files,
                          "snapshot_error": done.snapshot_error, "auto_apply_switched_off": list(done.auto_apply_off),
                          "log_kept": True, "message": message}, indent=2))
    else:
        print(message)
    return 0


def _demo(args: argparse.Namespace) -> int:
    base = settings.data_dir()
    if args.action == "start":
        address = demo.ensure_demo_org(base)
        print(f"Demo org running: {address.instance_url} (login {address.login_url}, pid {address.pid})")
    elif args.action == "stop":
        print("Demo org stopped." if demo.stop_demo_org(base) else "The demo org was not running.")
    else:
        address = demo.read_address(base)
        running = address is not None and demo.is_running(address)
        print(f"Demo org running: {address.instance_url} (pid {address.pid})" if running and address
              else "The demo org is not running.")
        return 0 if running else 1
    return 0


# --- runs and resume (issue 13: the guarded writer and the enrichment log) ----------------------------------
def _add_run_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`runs` lists the enrichment runs; `resume RUN_ID` finishes an interrupted one."""
    listing = sub.add_parser("runs", help="list enrichment runs, newest first")
    listing.add_argument("--connection")
    listing.add_argument("--object", dest="sobject")
    listing.add_argument("--state", choices=["running", "done", "interrupted"])
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_runs)
    again = sub.add_parser("resume", help="finish an interrupted run: settle pending cells, write what is still blank")
    again.add_argument("run_id")
    again.add_argument("--json", action="store_true")
    again.set_defaults(handler=_resume)


def _run_line(run: engine.Run) -> str:
    head = (f"{run.id}  {'dry run' if run.dry_run else run.state:<11} {run.connection}/{run.object}  {run.trigger} "
            f"by {run.actor}  {run.started[:19].replace('T', ' ')}  ")
    if run.dry_run:  # nothing was written: what it would write (engine.sync keeps the verdicts and cost in options)
        cost = run.options.get("cost") or {}
        return head + (f"would write {count(int((run.options.get('verdicts') or {}).get('fill', 0)), 'cell')} to "
                       f"{count(int(cost.get('records', 0)), 'record')} "
                       f"({count(int(cost.get('api_calls', 0)), 'API call')}); nothing written")
    # an undo run's written cells were set back to blank: said as "cleared by undo" (engine.run_counts)
    shown = {("cleared by undo" if k == "undone" else k): v for k, v in engine.run_counts(run).items()}
    counts = ", ".join(f"{k} {v:,}" for k, v in shown.items() if v) or "no cells settled"
    return head + f"{count(run.cells, 'cell')}, {count(run.api_calls, 'API call')}: {counts}"


def _runs(args: argparse.Namespace) -> int:
    found = engine.runs(connection=args.connection, sobject=args.sobject, state=args.state, limit=args.limit)
    if args.json:
        print(json.dumps([asdict(r) for r in found], indent=2))
        return 0
    if not found:
        print("No runs yet.")
    for run in found:
        print(_run_line(run))
        if run.message and not run.dry_run:  # a dry run's message says what its line says
            print(f"    {run.message}")
    return 0


def _resume(args: argparse.Namespace) -> int:
    return _write(args, engine.resume)


def _write(args: argparse.Namespace, start: Callable[..., engine.Run]) -> int:
    """Run `start` (engine.resume or engine.undo) on args.run_id with progress on stderr, print the run (JSON or
    its line and message); 0 when it is done, 1 when it was interrupted."""
    line = ProgressLine()

    def show(p: engine.WriteProgress) -> None:
        if not args.json and p.planned:
            line.show(f"{p.settled:,}/{count(p.planned, 'cell')} settled", p.settled, p.planned)

    try:
        run = start(args.run_id, actor=_actor(), progress=show)
    finally:
        line.close()
    print(json.dumps(asdict(run), indent=2) if args.json else _run_line(run))
    if run.message and not args.json:
        print(f"    {run.message}")
    return 0 if run.state == "done" else 1
# --- end of runs and resume -----------------------------------------------------------------------------------


# --- undo (issue 14): python -m core undo RUN_ID [--yes] [--json] ---------------------------------------------
def _add_undo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`undo RUN_ID` shows what undoing a run would do; with --yes it does it (operators only)."""
    cmd = sub.add_parser("undo", help="set back to blank what a run wrote, where the field still holds that value "
                         "(without --yes: only show what it would do)")
    cmd.add_argument("run_id")
    cmd.add_argument("--yes", action="store_true", help="undo now (otherwise only show what it would do)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(handler=_undo)


def _undo(args: argparse.Namespace) -> int:
    """Without --yes: the preview (exit 0). With --yes: the undo run (exit 0 when done, 1 when interrupted)."""
    if not args.yes:
        seen = engine.undo_preview(args.run_id)
        if args.json:
            print(json.dumps({"run": asdict(seen.run), "counts": seen.counts, "api_calls": seen.api_calls,
                              "cells": seen.cells.to_dict(orient="records")}, indent=2))
            return 0
        run = seen.run
        print(f"Undo of run {run.id} ({run.connection}/{run.object}, {run.trigger} by {run.actor}, "
              f"{run.started[:19].replace('T', ' ')}) would, judged on the records as they are now:")
        print(f"  set back to blank: {count(seen.counts.get('clear', 0), 'cell')}")
        print(f"  leave alone (changed since the run wrote them): {count(seen.counts.get('skipped_nonblank', 0), 'cell')}")
        for other in ("skipped_no_access", "failed"):
            if seen.counts.get(other):
                print(f"  {other}: {count(seen.counts[other], 'cell')}")
        for row in seen.cells[seen.cells["action"] != "clear"].head(20).itertuples():
            print(f"    {row.record_id} {row.field}: {row.message}")
        print(f"({count(seen.api_calls, 'API call')} to read the records.) To undo it: python -m core undo {run.id} --yes")
        return 0
    return _write(args, engine.undo)
# --- end of undo -------------------------------------------------------------------------------------------------
# --- logs (issue 14): the enrichment log, filtered, printed or exported -------------------------------------------
def _add_logs(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`logs` prints or exports the log rows that pass the filters (several values: repeat or comma-separate)."""
    cmd = sub.add_parser("logs", help="the enrichment log: every write attempt and skip, filtered, printed or exported")
    cmd.add_argument("--run", help="one run's rows (see: python -m core runs)")
    cmd.add_argument("--since", help="from this day (YYYY-MM-DD, UTC) or ISO time on")
    cmd.add_argument("--until", help="up to and including this day (YYYY-MM-DD, UTC), or before this ISO time")
    for name in ("connection", "environment", "object", "field", "outcome", "trigger", "actor"):
        cmd.add_argument(f"--{name}", action="append", default=[], metavar=name.upper())
    cmd.add_argument("--record", help="one record's rows (its Salesforce Id)")
    cmd.add_argument("--limit", type=int, default=50, help="rows printed (default 50; exports hold every row)")
    cmd.add_argument("--write-ahead", action="store_true",
                     help="every row, the pending row logged before each write included (default: one row per cell "
                          "— its final row, or its pending row when it never settled)")
    out = cmd.add_mutually_exclusive_group()
    out.add_argument("--csv", type=Path, metavar="FILE", help="write every matching row as CSV (- for stdout)")
    out.add_argument("--parquet", type=Path, metavar="FILE", help="write every matching row as Parquet")
    out.add_argument("--json", action="store_true", help="print every matching row as JSON")


def _many(values: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _log_filter(args: argparse.Namespace) -> engine.LogFilter:
    return engine.LogFilter(
        since=engine.log_day(args.since, what="--since"), until=engine.log_until_day(args.until),
        connections=_many(args.connection), environments=_many(args.environment), objects=_many(args.object),
        fields=_many(args.field), outcomes=_many(args.outcome), triggers=_many(args.trigger),
        actors=_many(args.actor), run_id=args.run or None, record_id=args.record or None,
        write_ahead=args.write_ahead)


def _logs(args: argparse.Namespace) -> int:
    filters = _log_filter(args)
    if args.json:
        engine.export_log(filters, "json", sys.stdout.buffer)
        return 0
    target, fmt = (args.csv, "csv") if args.csv else (args.parquet, "parquet") if args.parquet else (None, None)
    if fmt is not None:
        if str(target) == "-":
            if fmt == "parquet":
                raise BadInput("Parquet is not written to stdout.", fix="Give --parquet a file name.", cause="usage")
            engine.export_log(filters, fmt, sys.stdout.buffer)
            return 0
        try:
            with open(target, "wb") as out:
                written = engine.export_log(filters, fmt, out)
        except OSError as exc:
            raise BadInput(f"Could not write {target}: {exc.strerror}.", fix="Pass a writable path.",
                           cause="usage") from None
        print(f"Wrote {count(written, 'row')} to {target}.", file=sys.stderr)
        return 0
    total = engine.log_count(filters)
    rows = engine.log_page(filters, limit=max(0, args.limit))
    what = "row" if filters.write_ahead else "cell"
    print(f"{count(total, what)} match{'es' if total == 1 else ''}" + (f"; the newest {len(rows):,}:" if len(rows) < total else ":") if total else
          "No log rows match these filters.")
    for row in rows.itertuples(index=False):
        change = f"{row.before or '(blank)'} -> {row.after}"
        why = " ".join(str(p) for p in (row.error_code, row.message) if p)
        print(f"{row.time[:19].replace('T', ' ')}  {row.shown:<17} {row.connection}/{row.object} {row.record_id} "
              f"{row.field}: {change}  [{row.run_id}, {row.trigger} by {row.actor}]" + (f"  {why}" if why else ""))
    return 0
# --- end of logs ---------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a ConsoleError prints its message and fix to stderr and exits 1 (77 when the role forbids it)."""
    args = _parser().parse_args(argv)
    commands = {"connect": _connect, "connections": _connections, "health": _health, "diagnose": _diagnose,
                "logs": _logs, "disconnect": _disconnect, "demo": _demo, **_DATA_COMMANDS}
    try:
        return int((getattr(args, "handler", None) or commands[args.command])(args))
    except ConsoleError as exc:  # a refusal for the role exits EX_NOPERM (77), any other failure 1
        return _failed(exc, getattr(args, "json", False), 1)


def _run_quietly_into_pipes(argv: Sequence[str] | None = None) -> int:
    """`main`, ending quietly when the reader of stdout stops early (`python -m core diagnose | head`): no
    BrokenPipeError traceback, exit EXIT_BROKEN_PIPE. stdout is pointed at /dev/null so that the flush at exit does
    not fail again (the recipe of Python's signal module documentation, "Note on SIGPIPE")."""
    try:
        code = main(argv)
        sys.stdout.flush()  # inside the try: a buffered tail fails here, not at interpreter exit
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


# -- permission diagnostics (issue 11): python -m core diagnose ------------------------------------------------
_MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def _add_diagnose(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `diagnose` subcommand: exit 0 when nothing fails, 1 when something does, 2 when it could not run."""
    cmd = sub.add_parser("diagnose", help="can the connected user do what the use case needs? (exit 0 / 1 / 2)")
    cmd.add_argument("name", nargs="?", metavar="CONNECTION", help="connection name, as --connection")
    cmd.add_argument("--connection", help="connection name (default: the only one)")
    cmd.add_argument("--all", action="store_true", help="list every check, passes too (default: the warnings and "
                     "failures with their fix; --json always holds every check)")
    cmd.add_argument("--use-case", choices=["enrichment", "audit"], default="enrichment",
                     help="enrichment: read and edit (default); audit: read only")
    cmd.add_argument("--json", action="store_true", help="print the report as JSON")
    cmd.add_argument("--permission-set", type=Path, metavar="FILE",
                     help="write the permission set granting what is missing (Metadata API XML) to FILE "
                          "(a directory gets <Name>.permissionset-meta.xml)")


def _diagnosis_connection(name: str | None) -> str:
    if name:
        return name
    names = [info.name for info in engine.connections()]
    if len(names) == 1:
        return names[0]
    raise ConsoleError("No connection to diagnose." if not names else
                       f"There are {len(names)} connections ({', '.join(names)}): say which.",
                       fix="Connect one first: python -m core connect --env demo --username integration@demo.test"
                       if not names else "Pass --connection NAME.", cause="usage")


def _print_report(report: engine.Report, every: bool) -> None:
    """The summary, then per group its warnings and failures with their fix (`every`: its passes too)."""
    counts = report.counts()
    print(f"Permissions of {report.connection!r} ({report.username}) for {engine.USE_CASES[report.use_case]}: "
          f"checked {report.checked_at}, {count(report.calls, 'API call')}")
    print(f"Result: {counts['pass']:,} passed, {count(counts['warn'], 'warning')} ({counts['unchecked']:,} not "
          f"checked), {counts['fail']:,} failed")
    if report.stopped:
        print(f"\n{report.stopped['message']}\n  fix: {report.stopped['fix']}")
    for group, listed in report.by_group():
        findings = listed if every else [f for f in listed if f.status != "pass"]
        if not findings:
            continue
        print(f"\n{group}")
        for f in findings:
            print(f"  {_MARKS[f.status]}  {f.title} — {f.evidence}")
            if f.fix and f.status != "pass":
                print(f"        fix: {f.fix}")
    if counts["pass"] and not every:
        print(f"\n{count(counts['pass'], 'passed check')} not listed: --all lists every check.")


def _diagnose(args: argparse.Namespace) -> int:
    actor = _actor()
    try:
        if args.name and args.connection and args.name != args.connection:
            raise BadInput(f"Two connections named: {args.name!r} and --connection {args.connection!r}.",
                           fix="Name one connection.", cause="usage")
        name = _diagnosis_connection(args.name or args.connection)
        report = engine.diagnose(name, use_case=args.use_case, force=actor.role == "operator", actor=actor)
    except ConsoleError as exc:
        _failed(exc, args.json, 2, lead="could not run the diagnosis")
        return 2  # a refusal too: the diagnosis could not run
    if args.json:
        print(engine.report_json(report), end="")
    else:
        _print_report(report, args.all)
    if args.permission_set:
        found = engine.permission_set_file(report)
        target = args.permission_set
        if found is None:
            print("No permission set written: nothing missing can be granted by one.", file=sys.stderr)
        else:
            file_name, xml = found
            if target.is_dir():
                target = target / file_name
            try:
                target.write_text(xml, encoding="utf-8")
            except OSError as exc:
                print(f"could not write {target}: {exc.strerror}\nfix: pass a writable path to --permission-set.",
                      file=sys.stderr)
                return 2
            print(f"Wrote {target}: deploy it with `sf project deploy start` and assign it to {report.username}.",
                  file=sys.stderr)
    return 1 if report.failures() else 0



# ---- snapshot, mapping and source commands (issue 12) --------------------------------------------------------------
def _add_data_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`snapshot`, `mapping export|import|lint|history` and `source show|demo|file|http|try`."""
    snap = sub.add_parser("snapshot", help="the shared snapshot of an object's records (pulled when older than 4 h)")
    snap.add_argument("--connection", required=True)
    snap.add_argument("--object", required=True, choices=list(engine.SNAPSHOT_OBJECTS))
    snap.add_argument("--refresh", action="store_true", help="pull now, whatever its age (operators)")
    snap.add_argument("--json", action="store_true", help="print the summary as JSON")
    mapping = sub.add_parser("mapping", help="export, import, lint or list the history of a mapping")
    verbs = mapping.add_subparsers(dest="verb", required=True)
    export = verbs.add_parser("export", help="print the current mapping as JSON (or write it to --output)")
    export.add_argument("--connection", required=True)
    export.add_argument("--object", required=True, choices=list(engine.SNAPSHOT_OBJECTS))
    export.add_argument("--output", type=Path)
    imported = verbs.add_parser("import", help="save a mapping JSON file as the next version")
    imported.add_argument("file", type=Path)
    imported.add_argument("--connection", required=True)
    imported.add_argument("--object", required=True, choices=list(engine.SNAPSHOT_OBJECTS))
    imported.add_argument("--note", default="imported from the command line")
    lint = verbs.add_parser("lint", help="check a mapping against the org's describe or a schema directory")
    lint.add_argument("--object", required=True, choices=list(engine.SNAPSHOT_OBJECTS))
    where = lint.add_mutually_exclusive_group(required=True)
    where.add_argument("--connection")
    where.add_argument("--schema-dir", type=Path, help="describe JSON exports (sf sobject describe --json), <Object>.json")
    lint.add_argument("--file", type=Path, help="the mapping to check (default: the saved one, else the defaults)")
    lint.add_argument("--json", action="store_true")
    history = verbs.add_parser("history", help="saved versions: who, when, what changed")
    history.add_argument("--connection", required=True)
    history.add_argument("--object", required=True, choices=list(engine.SNAPSHOT_OBJECTS))
    source = sub.add_parser("source", help="show or choose a connection's enrichment source, or try it")
    kinds = source.add_subparsers(dest="verb", required=True)
    for verb, text in (("show", "the source in use"), ("demo", "use the built-in demo data")):
        kinds.add_parser(verb, help=text).add_argument("--connection", required=True)
    upload = kinds.add_parser("file", help="use your CSV or Parquet file (checked first)")
    upload.add_argument("file", type=Path)
    upload.add_argument("--connection", required=True)
    http = kinds.add_parser("http", help="use an HTTP JSON API (the key is read from --api-key-env or a prompt)")
    http.add_argument("--connection", required=True)
    http.add_argument("--url-template", required=True, help="e.g. https://company.clearbit.com/v2/companies/find?domain={domain}")
    http.add_argument("--api-key-env", help="name of the environment variable holding the key (never the key itself)")
    http.add_argument("--rate", type=float, default=600, help="requests per minute (default 600)")
    http.add_argument("--auth", default="bearer", help="bearer | basic | header:X-Api-Key")
    http.add_argument("--kind", default="company", choices=["company", "person", "combined"])
    attempt = kinds.add_parser("try", help="look one domain or email up in the source")
    attempt.add_argument("value")
    attempt.add_argument("--connection", required=True)


def _snapshot_summary(snap: engine.Snapshot) -> dict[str, object]:
    out: dict[str, object] = {k: v for k, v in asdict(snap).items() if k not in ("fields", "failure", "file")}
    out["fields"] = [name for name, _ in snap.fields]
    out["age_seconds"] = snap.age()
    out["next_refresh_at"] = snap.next_refresh_at
    out["version"] = snap.version if snap.available else None
    out["failure"] = asdict(snap.failure) if snap.failure else None
    return out


def _snapshot(args: argparse.Namespace) -> int:
    started = time.time()
    line = ProgressLine()

    def progress(done: int, total: int) -> None:
        line.show(f"{args.object}: {done:,} of {count(total, 'record')}", done, total)

    try:
        snap = engine.snapshot(args.connection, args.object, actor=_actor() if args.refresh else None,
                               refresh=args.refresh, progress=progress)
    finally:
        line.close()
    failed = snap.failure is not None and snap.failure.at >= started
    if args.json:
        print(json.dumps(_snapshot_summary(snap), indent=2))
    elif snap.available:
        print(f"{args.object} snapshot of {args.connection!r}: {count(snap.records, 'record')} from "
              f"{engine.describe_age(snap.age())} ago ({snap.kind} pull over {snap.method}, {count(snap.api_calls, 'API call')}); "
              f"next refresh in {engine.describe_age((snap.next_refresh_at or 0) - time.time())}")
        for note in snap.notes:
            print(f"  note: {note}")
    if snap.failure is not None:
        print(f"error: the last refresh failed: {snap.failure.message}\nfix: {snap.failure.fix}\n"
              f"next try in {engine.describe_age(snap.failure.retry_at - time.time())}"
              + (" (the previous records are kept)" if snap.available else ""), file=sys.stderr)
    return 1 if failed or not snap.available else 0


def _mapping(args: argparse.Namespace) -> int:
    if args.verb == "export":
        text = engine.mapping(args.connection, args.object)[0].to_json()
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            print(text, end="")
        return 0
    if args.verb == "import":
        plan = engine.parse_mapping(_read_text(args.file), args.object)
        saved = engine.save_mapping(args.connection, args.object, plan, actor=_actor(), note=args.note)
        print(f"{args.object} mapping of {args.connection!r} is version {saved.version} "
              f"(saved by {saved.saved_by} at {saved.saved_at}): " + "; ".join(saved.changes))
        return 0
    if args.verb == "history":
        for item in engine.mapping_history(args.connection, args.object):
            print(f"v{item.version}  {item.saved_at}  {item.saved_by}  {item.note}\n    " + "\n    ".join(item.changes))
        return 0
    if args.file:
        plan = engine.parse_mapping(_read_text(args.file), args.object)
    else:
        plan = engine.mapping(args.connection, args.object)[0] if args.connection else engine.default_mapping(args.object)
    payload = (engine.schema_describe(args.schema_dir, args.object) if args.schema_dir
               else engine.describe(args.connection, args.object))
    findings = engine.lint_mapping(plan, payload)
    if args.json:
        print(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        for f in findings:
            print(f"{f.level:<8} {f.field:<24} {f.message}\n{'':<33} fix: {f.fix}")
        print(f"{count(len(plan.fields), 'entry', 'entries')}, {count(sum(f.level == 'error' for f in findings), 'error')}, "
              f"{count(sum(f.level == 'warning' for f in findings), 'warning')}")
    return 1 if any(f.level == "error" for f in findings) else 0


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConsoleError(f"{path} cannot be read ({exc}).", fix="Check the path; the file must be UTF-8 JSON.",
                           cause="usage") from None


def _source(args: argparse.Namespace) -> int:
    if args.verb == "try":
        found = engine.try_source(args.connection, args.value)
        print(found.to_string(index=False) if len(found) else f"The source has no data for {args.value!r}.")
        return 0
    if args.verb == "demo":
        chosen = engine.use_demo_source(args.connection, actor=_actor())
    elif args.verb == "file":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            raise ConsoleError(f"{args.file} cannot be read ({exc.strerror}).", fix="Check the path.", cause="usage") from None
        try:
            chosen = engine.use_file_source(args.connection, data, args.file.name, actor=_actor())
        except engine.SourceFileError as exc:
            print(exc.problems.to_string(index=False), file=sys.stderr)
            raise
    elif args.verb == "http":
        key = os.environ.get(args.api_key_env, "") if args.api_key_env else getpass.getpass("API key: ")
        chosen = engine.use_http_source(args.connection, url_template=args.url_template, api_key=key,
                                        rate_per_minute=args.rate, auth=args.auth, kind=args.kind, actor=_actor())
    else:
        chosen = engine.enrichment_source(args.connection)
    print(f"{args.connection}: {chosen.label}" + (f", key {chosen.key_hint}" if chosen.key_hint else "")
          + (f" (set by {chosen.updated_by} at {chosen.updated_at})" if chosen.updated_by else ""))
    return 0


_DATA_COMMANDS = {"snapshot": _snapshot, "mapping": _mapping, "source": _source}


# ---- sync and schedule (issue 13, item 5): triggers, dry runs, automatic apply ----------------------------------
EXIT_ERROR = 2
"""The exit code of sync / schedule when they could not run (the message and its fix on stderr)."""


def _add_sync_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`sync` (one trigger, a dry run unless --apply) and `schedule` (the due syncs every 4 hours)."""
    cmd = sub.add_parser("sync", help="sync one trigger's records: a dry run (verdict counts and cost) unless --apply")
    cmd.add_argument("--connection", required=True)
    cmd.add_argument("--object", required=True, choices=list(engine.PREVIEW_OBJECTS))
    cmd.add_argument("--trigger", default="new", choices=list(engine.SYNC_TRIGGERS),
                     help="new: created since the last run; changed: Website or Email changed since then; "
                     "backfill: every record; refresh: last enriched more than 30 days ago (default: new)")
    cmd.add_argument("--apply", action="store_true", help="write the fill cells (operators); exit 1 when the run is "
                     "interrupted or cells failed")
    cmd.add_argument("--strict", action="store_true", help="conditional PATCHes (If-Unmodified-Since), 25 per Composite call")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(handler=_sync)
    sched = sub.add_parser("schedule", help="run the due syncs every 4 hours; applies only where automatic apply is on")
    sched.add_argument("--once", action="store_true", help="run one round and exit (for cron)")
    sched.add_argument("--connection", help="only this connection")
    sched.add_argument("--object", choices=list(engine.PREVIEW_OBJECTS), help="only this object")
    sched.add_argument("--auto-apply", nargs=3, metavar=("NAME", "OBJECT", "on|off"),
                       help="switch automatic apply for a connection and object (operators), then exit")
    sched.add_argument("--json", action="store_true")
    sched.set_defaults(handler=_schedule)


def _sync_lines(result: engine.SyncResult) -> list[str]:
    cost = result.cost
    head = (f"{result.connection}/{result.sobject} {result.trigger}: {count(result.records, 'record')} in scope "
            f"(snapshot of {result.snapshot_at[:19].replace('T', ' ')} UTC)")
    verdicts = "verdicts: " + ", ".join(f"{k} {v:,}" for k, v in result.verdicts.items())
    costs = (f"cost: {count(cost['records'], 'record')} to write, {count(cost['write_calls'], 'write call')} + "
             f"{count(cost['read_calls'], 'fresh-read call')} = {count(cost['api_calls'], 'API call')}")
    lines = [head, verdicts, costs]
    if result.run is not None and not result.run.dry_run:
        lines.append(_run_line(result.run))
        if result.run.message:
            lines.append(f"    {result.run.message}")
    elif not result.dry_run:
        lines.append("nothing to write")
    return lines


def _sync_failed(result: engine.SyncResult) -> bool:
    run = result.run
    return run is not None and not run.dry_run and (run.state != "done" or run.counts.get("failed", 0) > 0)


def _sync(args: argparse.Namespace) -> int:
    try:
        result = engine.sync(args.connection, args.object, trigger=args.trigger, apply=args.apply, strict=args.strict,
                             actor=_actor())
    except ConsoleError as exc:
        return _failed(exc, args.json, EXIT_ERROR)
    print(json.dumps(asdict(result), indent=2) if args.json else "\n".join(_sync_lines(result)))
    return 1 if _sync_failed(result) else 0


def _schedule(args: argparse.Namespace) -> int:
    actor = _actor()
    try:
        if args.auto_apply:
            name, sobject, state = args.auto_apply
            if state not in ("on", "off"):
                raise BadInput(f"Automatic apply is on or off, not {state!r}.", fix="Pass on or off.", cause="usage")
            engine.set_auto_apply(name, sobject, state == "on", actor=actor)
            print(f"Automatic apply for {name}/{sobject} is {state}; it is due at the next round.")
            return 0
        while True:
            items = engine.schedule_round(actor=actor, only_connection=args.connection, only_object=args.object)
            _print_round(items, args.json)
            if args.once:
                return _round_code(items)
            time.sleep(max(60.0, engine.next_round_in()))
    except ConsoleError as exc:
        return _failed(exc, args.json, EXIT_ERROR)


def _print_round(items: list[engine.ScheduleItem], as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(i) for i in items], indent=2))
        return
    for item in items:
        mode = "auto-apply on" if item.auto_apply else "auto-apply off"
        print(f"{item.connection}/{item.sobject} ({mode}): {item.action}")
        if item.result is not None:
            print("\n".join(f"    {line}" for line in _sync_lines(item.result)))
        if item.error is not None:
            print(f"    error: {item.error.get('message')}\n    fix: {item.error.get('fix')}")
    if not items:
        print("No connections to sync. Connect one with: python -m core connect --env demo --username "
              "integration@demo.test")


def _round_code(items: list[engine.ScheduleItem]) -> int:
    if any(i.action == "refused" for i in items):
        return EXIT_NOT_ALLOWED
    if any(i.action == "failed" for i in items):
        return EXIT_ERROR
    return 1 if any(i.result is not None and _sync_failed(i.result) for i in items) else 0
# ---- end of sync and schedule ---------------------------------------------------------------------------------------


if __name__ == "__main__":
    sys.exit(_run_quietly_into_pipes())
