"""Where the console keeps its state on disk, and the HTTP defaults every Salesforce call shares."""
from __future__ import annotations

import os
import stat
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
    """Return the data directory (created 0700 if missing): `explicit`, else $CONSOLE_DATA_DIR, else .console-data/.

    Every piece of state (token store, diskcache, log, demo org) lives under it, so one
    variable moves a whole console instance, which is what the tests and the CLI rely on. It
    holds tokens and sign-in state, so it is for the console's user alone: a directory open to
    others is closed to 0700, and this process creates its files private (umask 077, see private_files).
    """
    raw = explicit if explicit is not None else os.environ.get("CONSOLE_DATA_DIR") or DEFAULT_DATA_DIR
    path = Path(raw).expanduser().resolve()
    private_files()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConsoleError(f"The data directory {path} cannot be created ({exc.strerror or exc}).",
                           fix="Create it writable by the user running the console, or point CONSOLE_DATA_DIR at a "
                           "writable directory.", cause="data_dir_unwritable") from None
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o700)
    except OSError:  # not ours to change (a shared mount): the store and key file keep their own 0600
        pass
    return path


def private_files() -> None:
    """Make every file and directory this process creates from now on private to its user (umask |= 077).

    The console's processes write only state (tokens, the diskcache, snapshots, the database, the
    demo org it starts, which inherits the umask). os.umask can only be read by setting it, so it
    is set to 077 and then to the old value with 077 added: a file created meanwhile is private too.
    """
    os.umask(os.umask(0o077) | 0o077)


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
