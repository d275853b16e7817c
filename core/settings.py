"""Where the console keeps its state on disk, and the HTTP defaults every Salesforce call shares."""
from __future__ import annotations

import os
from pathlib import Path

from core.errors import ConsoleError

API_VERSION = "62.0"
"""REST API version the console speaks (Winter '25; served by every current org and by localorg)."""

HTTP_TIMEOUT: tuple[float, float] = (10.0, 120.0)
"""(connect, read) seconds for every request to an org; simple-salesforce sets none by itself."""

OAUTH_STATE_TTL = 600
"""Seconds a begun sign-in (state + PKCE verifier) stays usable: 10 minutes, single use."""

DEFAULT_DATA_DIR = ".console-data"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory (created if missing): `explicit`, else $CONSOLE_DATA_DIR, else .console-data/.

    Every piece of state (token store, diskcache, log, demo org) lives under it, so one
    variable moves a whole console instance, which is what the tests and the CLI rely on.
    """
    raw = explicit if explicit is not None else os.environ.get("CONSOLE_DATA_DIR") or DEFAULT_DATA_DIR
    path = Path(raw).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConsoleError(f"The data directory {path} cannot be created ({exc.strerror or exc}).",
                           fix="Create it writable by the user running the console, or point CONSOLE_DATA_DIR at a "
                           "writable directory.", cause="data_dir_unwritable") from None
    return path


def tokens_path(base: Path) -> Path:
    """The encrypted token store (SQLite, one row per connection name)."""
    return base / "tokens.sqlite3"


def secret_key_path(base: Path) -> Path:
    """The Fernet key file created with mode 0600 when CONSOLE_SECRET_KEY is not set."""
    return base / "secret.key"


def cache_dir(base: Path) -> Path:
    """The shared diskcache directory (OAuth state, health, snapshots)."""
    return base / "cache"


def demo_dir(base: Path) -> Path:
    """The demo org's own data directory (its SQLite, CA, address.json, log)."""
    return base / "demo-org"


def http_options(ca_file: str | None) -> dict[str, object]:
    """Session settings for an org: pin the demo org's CA and ignore REQUESTS_CA_BUNDLE for it.

    requests lets REQUESTS_CA_BUNDLE override `session.verify` unless `trust_env` is off, and
    this machine exports it; a real org keeps the environment's trust store and proxies.
    """
    if ca_file:
        return {"verify": ca_file, "trust_env": False}
    return {"verify": True, "trust_env": True}
