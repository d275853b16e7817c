"""`python -m localorg serve …`: run the org, print one JSON ready line, serve until SIGTERM."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, start the org and block until SIGTERM / SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m localorg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the org over HTTPS (+ plain HTTP for OAuth pages)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="HTTPS port (0 = pick a free one)")
    serve.add_argument("--http-port", type=int, default=0, help="plain-HTTP port for browser OAuth pages")
    serve.add_argument("--data", type=Path, default=None, help="data directory (default: a temporary one)")
    serve.add_argument("--seed", choices=["demo", "empty"], default="demo")
    serve.add_argument("--schema-dir", type=Path, default=None, help="describe JSON exports to load")
    serve.add_argument("--access-token-ttl", type=float, default=7200.0)
    serve.add_argument("--api-limit", type=int, default=15000)
    args = parser.parse_args(argv)

    import sqlite3

    from localorg.data.schema_load import SchemaError
    from localorg.server import start

    try:
        handle = start(args.data, seed=args.seed, host=args.host, port=args.port, http_port=args.http_port,
                       schema_dir=args.schema_dir, access_token_ttl=args.access_token_ttl, api_limit=args.api_limit)
    except sqlite3.DatabaseError as exc:
        sys.stderr.write(f"localorg: the org database in {args.data} cannot be read ({exc}); "
                         "move that directory aside to start from a fresh seed.\n")
        return 2
    except SchemaError as exc:
        sys.stderr.write(f"localorg: --schema-dir {args.schema_dir}: {exc}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"localorg: cannot start ({exc}).\n")
        return 2
    except ValueError as exc:   # e.g. --access-token-ttl outside 0-86,400 seconds
        sys.stderr.write(f"localorg: {exc}.\n")
        return 2
    stopped = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sys.stdout.write(json.dumps(handle.ready_line()) + "\n")
    sys.stdout.flush()
    stopped.wait()
    handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
