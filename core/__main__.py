"""`python -m core`: orgs, snapshots, mappings and enrichment sources from a terminal or a scheduler (CONSOLE_DATA_DIR)."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from core import engine, settings
from core.connect import demo
from core.errors import ConsoleError, as_dict


def _actor() -> engine.Actor:
    """The CLI runs as an operator named after the login user."""
    name = os.environ.get("USER") or os.environ.get("USERNAME")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "cli"
    return engine.Actor(name=name, role="operator")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Salesforce Enrichment Console (command line).")
    sub = parser.add_subparsers(dest="command", required=True)
    connect = sub.add_parser("connect", help="connect an org and store its tokens (encrypted)")
    connect.add_argument("--env", required=True, choices=["demo", "production", "sandbox", "custom"])
    connect.add_argument("--username", required=True)
    connect.add_argument("--name", help="connection name (default: the environment)")
    connect.add_argument("--my-domain", help="My Domain URL, e.g. https://acme.my.salesforce.com")
    connect.add_argument("--jwt", action="store_true", help="use the JWT bearer flow (required for real orgs)")
    connect.add_argument("--client-id", help="connected app consumer key (JWT)")
    connect.add_argument("--key-file", type=Path, help="private key (PEM) of the connected app's certificate (JWT)")
    connect.add_argument("--json", action="store_true", help="print the connection as JSON")
    listing = sub.add_parser("connections", help="list connections with their health")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--no-check", action="store_true", help="do not call the orgs; show the last known health")
    health = sub.add_parser("health", help="check one connection now")
    health.add_argument("name")
    health.add_argument("--json", action="store_true")
    disconnect = sub.add_parser("disconnect", help="revoke at Salesforce and forget a connection")
    disconnect.add_argument("name")
    disconnect.add_argument("--force", action="store_true", help="forget it locally even if Salesforce is unreachable")
    demo_cmd = sub.add_parser("demo", help="the local demo org process")
    demo_cmd.add_argument("action", choices=["start", "status", "stop"])
    _add_data_commands(sub)
    return parser


def _connect(args: argparse.Namespace) -> int:
    actor = _actor()
    if args.jwt:
        if not args.client_id or not args.key_file:
            raise ConsoleError("--jwt needs --client-id and --key-file.",
                               fix="Pass the connected app's consumer key and the private key file.", cause="usage")
        info = engine.connect_jwt(args.env, client_id=args.client_id, key_file=args.key_file, username=args.username,
                                  my_domain=args.my_domain, name=args.name, actor=actor)
    elif args.env == "demo":
        info = engine.connect_password_demo(args.username, name=args.name, actor=actor)
    else:
        raise ConsoleError(f"A {args.env} org is connected from the command line with the JWT bearer flow.",
                           fix="Add --jwt --client-id ID --key-file PATH, or connect in the console (browser sign-in).",
                           cause="usage")
    if args.json:
        print(json.dumps(asdict(info), indent=2))
        return 0
    print(f"Connected {info.name!r}: {info.org_name} ({info.org_id}) [{info.environment.badge}] as "
          f"{info.user_name} <{info.username}>, profile {info.profile or '(not readable by this user)'}")
    for note in (info.environment_mismatch, info.integration_user_hint):
        if note:
            print(f"  note: {note}")
    return 0


def _connections(args: argparse.Namespace) -> int:
    rows = []
    for listed in engine.connections():
        # An unreadable record is checked even with --no-check: reading the store calls no org.
        cached = args.no_check and listed.readable
        health = engine.last_health(listed.name) if cached else engine.check_health(listed.name)
        info = engine.connection(listed.name) or listed  # a check may have moved it (demo org restarted)
        rows.append({"connection": asdict(info), "health": asdict(health) if health else None})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No connections. Connect one with: python -m core connect --env demo --username integration@demo.test")
        return 0
    for row in rows:
        info, health = row["connection"], row["health"]
        status = health["status"] if health else "unknown"
        where = (f"{info['org_name']} ({info['instance_url']}) as {info['username']}" if info["readable"]
                 else "(stored record unreadable)")
        print(f"{info['name']:<16} {info['environment']['badge']:<10} {status:<16} {where}")
        if health and health["status"] != "connected":
            print(f"{'':<16} cause: {health['cause']} — {health['message']}\n{'':<16} fix: {health['fix']}")
    return 0


def _health(args: argparse.Namespace) -> int:
    health = engine.check_health(args.name)
    if args.json:
        print(json.dumps(asdict(health), indent=2))
    else:
        print(f"{args.name}: {health.status}")
        if health.status != "connected":
            print(f"  cause: {health.cause} — {health.message}\n  fix: {health.fix}")
    return 0 if health.status == "connected" else 1


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a ConsoleError prints its message and fix to stderr and exits 1."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "connect":
            return _connect(args)
        if args.command == "connections":
            return _connections(args)
        if args.command == "health":
            return _health(args)
        if args.command in _DATA_COMMANDS:
            return _DATA_COMMANDS[args.command](args)
        if args.command == "disconnect":
            if engine.disconnect(args.name, actor=_actor(), force=args.force):
                print(f"Disconnected {args.name!r}: the token was revoked at Salesforce and removed here.")
            else:
                print(f"Forgot {args.name!r} here without revoking it; revoke it in Salesforce: "
                      "Setup → Connected Apps OAuth Usage.")
            return 0
        return _demo(args)
    except ConsoleError as exc:
        if getattr(args, "json", False):
            print(json.dumps(as_dict(exc), indent=2), file=sys.stderr)
        else:
            print(f"error: {exc.message}\nfix: {exc.fix}", file=sys.stderr)
        return 1



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
    shown = []

    def progress(done: int, total: int) -> None:
        shown.append(done)
        print(f"\r{args.object}: {done:,} of {total:,} records", end="", file=sys.stderr, flush=True)

    snap = engine.snapshot(args.connection, args.object, actor=_actor() if args.refresh else None,
                           refresh=args.refresh, progress=progress)
    if shown:
        print(file=sys.stderr)
    failed = snap.failure is not None and snap.failure.at >= started
    if args.json:
        print(json.dumps(_snapshot_summary(snap), indent=2))
    elif snap.available:
        print(f"{args.object} snapshot of {args.connection!r}: {snap.records:,} records from "
              f"{engine.describe_age(snap.age())} ago ({snap.kind} pull over {snap.method}, {snap.api_calls} API calls); "
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
        print(f"{len(plan.fields)} entries, {sum(f.level == 'error' for f in findings)} error(s), "
              f"{sum(f.level == 'warning' for f in findings)} warning(s)")
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


if __name__ == "__main__":
    sys.exit(main())
