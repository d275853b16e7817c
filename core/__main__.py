"""`python -m core`: connect, list and disconnect orgs from a terminal or a scheduler (honours CONSOLE_DATA_DIR)."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from core import engine, settings
from core.connect import demo
from core.errors import BadInput, ConsoleError, NotAllowed, as_dict

EXIT_NOT_ALLOWED = 77
"""The exit code of an action the role does not allow (sysexits EX_NOPERM)."""


def _actor() -> engine.Actor:
    """The CLI acts as the login user; core decides that identity's role from its settings (CONSOLE_ROLE, ...)."""
    name = os.environ.get("USER") or os.environ.get("USERNAME")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "cli"
    return engine.Actor(name)


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
    _add_logs(sub)
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
    revoked = engine.disconnect(args.name, actor=_actor(), force=args.force)
    message = (f"Disconnected {args.name!r}: the token was revoked at Salesforce and removed here." if revoked else
               f"Forgot {args.name!r} here without revoking it; revoke it in Salesforce: "
               "Setup → Connected Apps OAuth Usage.")
    if args.json:
        print(json.dumps({"connection": args.name, "disconnected": True, "revoked": revoked, "message": message},
                         indent=2))
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
    counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v) or "no cells settled"
    return (f"{run.id}  {run.state:<11} {run.connection}/{run.object}  {run.trigger} by {run.actor}  "
            f"{run.started[:19].replace('T', ' ')}  {run.cells} cells, {run.api_calls} API calls: {counts}")


def _runs(args: argparse.Namespace) -> int:
    found = engine.runs(connection=args.connection, sobject=args.sobject, state=args.state, limit=args.limit)
    if args.json:
        print(json.dumps([asdict(r) for r in found], indent=2))
        return 0
    if not found:
        print("No runs yet.")
    for run in found:
        print(_run_line(run))
        if run.message:
            print(f"    {run.message}")
    return 0


def _resume(args: argparse.Namespace) -> int:
    def show(p: engine.WriteProgress) -> None:
        if not args.json and p.planned:
            print(f"\r{p.settled:,}/{p.planned:,} cells settled", end="", file=sys.stderr, flush=True)

    run = engine.resume(args.run_id, actor=_actor(), progress=show)
    if not args.json:
        print(file=sys.stderr)
    print(json.dumps(asdict(run), indent=2) if args.json else _run_line(run))
    if run.message and not args.json:
        print(f"    {run.message}")
    return 0 if run.state == "done" else 1
# --- end of runs and resume -----------------------------------------------------------------------------------


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
        actors=_many(args.actor), run_id=args.run or None, record_id=args.record or None)


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
        print(f"Wrote {written:,} rows to {target}.", file=sys.stderr)
        return 0
    total = engine.log_count(filters)
    rows = engine.log_page(filters, limit=max(0, args.limit))
    print(f"{total:,} rows match" + (f"; the newest {len(rows):,}:" if len(rows) < total else ":") if total else
          "No log rows match these filters.")
    for row in rows.itertuples(index=False):
        change = f"{row.before or '(blank)'} -> {row.after}"
        why = " ".join(str(p) for p in (row.error_code, row.message) if p)
        print(f"{row.time[:19].replace('T', ' ')}  {row.outcome:<17} {row.connection}/{row.object} {row.record_id} "
              f"{row.field}: {change}  [{row.run_id}, {row.trigger} by {row.actor}]" + (f"  {why}" if why else ""))
    return 0
# --- end of logs ---------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a ConsoleError prints its message and fix to stderr and exits 1 (77 when the role forbids it)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "connect":
            return _connect(args)
        if args.command == "connections":
            return _connections(args)
        if args.command == "health":
            return _health(args)
        if args.command == "diagnose":
            return _diagnose(args)
        if args.command == "logs":
            return _logs(args)
        if args.command in ("runs", "resume"):
            return int(args.handler(args))
        if args.command == "disconnect":
            return _disconnect(args)
        return _demo(args)
    except ConsoleError as exc:  # a refusal for the role exits EX_NOPERM (77), any other failure 1
        if getattr(args, "json", False):
            print(json.dumps(as_dict(exc), indent=2), file=sys.stderr)
        else:
            print(f"error: {exc.message}\nfix: {exc.fix}", file=sys.stderr)
        return EXIT_NOT_ALLOWED if isinstance(exc, NotAllowed) else 1


# -- permission diagnostics (issue 11): python -m core diagnose ------------------------------------------------
_MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def _add_diagnose(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `diagnose` subcommand: exit 0 when nothing fails, 1 when something does, 2 when it could not run."""
    cmd = sub.add_parser("diagnose", help="can the connected user do what the use case needs? (exit 0 / 1 / 2)")
    cmd.add_argument("--connection", help="connection name (default: the only one)")
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


def _print_report(report: engine.Report) -> None:
    counts = report.counts()
    print(f"Permissions of {report.connection!r} ({report.username}) for {engine.USE_CASES[report.use_case]}: "
          f"checked {report.checked_at}, {report.calls} API calls")
    print(f"Result: {counts['pass']} passed, {counts['warn']} warnings ({counts['unchecked']} not checked), "
          f"{counts['fail']} failed")
    if report.stopped:
        print(f"\n{report.stopped['message']}\n  fix: {report.stopped['fix']}")
    for group, findings in report.by_group():
        print(f"\n{group}")
        for f in findings:
            print(f"  {_MARKS[f.status]}  {f.title} — {f.evidence}")
            if f.fix and f.status != "pass":
                print(f"        fix: {f.fix}")


def _diagnose(args: argparse.Namespace) -> int:
    actor = _actor()
    try:
        name = _diagnosis_connection(args.connection)
        report = engine.diagnose(name, use_case=args.use_case, force=actor.role == "operator", actor=actor)
    except ConsoleError as exc:
        if args.json:
            print(json.dumps(as_dict(exc), indent=2), file=sys.stderr)
        else:
            print(f"could not run the diagnosis: {exc.message}\nfix: {exc.fix}", file=sys.stderr)
        return 2
    if args.json:
        print(engine.report_json(report), end="")
    else:
        _print_report(report)
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


if __name__ == "__main__":
    sys.exit(main())
