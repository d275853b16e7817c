"""The one diskcache per data directory that every core module shares (OAuth state, health, snapshots)."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import diskcache

from core import settings
from core.errors import ConsoleError

_caches: dict[Path, diskcache.Cache] = {}
_guard = threading.Lock()


def cache(base: Path | None = None) -> diskcache.Cache:
    """Return this process's Cache for the data directory (<data dir>/cache), opening it once.

    diskcache is thread- and process-safe over one directory, so a single handle per process
    is enough; eviction is off because lock and state keys must not be culled.
    """
    directory = settings.cache_dir(base if base is not None else settings.data_dir())
    with _guard:
        handle = _caches.get(directory)
        if handle is None:
            handle = _open(directory)
            _caches[directory] = handle
        return handle


def _open(directory: Path) -> diskcache.Cache:
    """Open the diskcache, explaining a damaged or unwritable one (message and fix) instead of a traceback."""
    try:
        return diskcache.Cache(str(directory), eviction_policy="none")
    except (sqlite3.OperationalError, OSError) as exc:
        raise ConsoleError(f"The console's cache {directory} cannot be opened ({exc}).",
                           fix=f"Make the data directory {directory.parent} writable by the user running the console "
                           "(or point CONSOLE_DATA_DIR at a writable directory), check free disk space, and retry.",
                           cause="data_dir_unwritable") from None
    except sqlite3.DatabaseError as exc:  # cache.db overwritten or torn
        raise ConsoleError(f"The console's cache {directory} is damaged ({exc}).",
                           fix=f"Move {directory} aside (or delete it) and reload: it holds only sign-ins in progress, "
                           "remembered health and locks, which the console rebuilds; connections and tokens are not "
                           "in it.", cause="cache_damaged") from None


def connection_tag(name: str) -> str:
    """The tag every cache entry about one connection carries, so disconnect can evict them all."""
    return f"connection:{name}"


def evict_connection(name: str, base: Path | None = None) -> int:
    """Drop every cache entry tagged for the connection; returns how many were removed."""
    return cache(base).evict(connection_tag(name))
