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
from core.errors import BadInput, ConsoleError, as_dict


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
        if args.command == "disconnect":
            return _disconnect(args)
        return _demo(args)
    except ConsoleError as exc:
        if getattr(args, "json", False):
            print(json.dumps(as_dict(exc), indent=2), file=sys.stderr)
        else:
            print(f"error: {exc.message}\nfix: {exc.fix}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
