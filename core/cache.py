"""The one diskcache per data directory that every core module shares (OAuth state, health, snapshots)."""
from __future__ import annotations

import threading
from pathlib import Path

import diskcache

from core import settings

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
            handle = diskcache.Cache(str(directory), eviction_policy="none")
            _caches[directory] = handle
        return handle


def connection_tag(name: str) -> str:
    """The tag every cache entry about one connection carries, so disconnect can evict them all."""
    return f"connection:{name}"


def evict_connection(name: str, base: Path | None = None) -> int:
    """Drop every cache entry tagged for the connection; returns how many were removed."""
    return cache(base).evict(connection_tag(name))
