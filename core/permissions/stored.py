"""One diagnosis per connection for every viewer: the collected payload in the shared cache, tagged with the
connection (disconnect evicts it), run under a lock so simultaneous viewers cause one diagnosis."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diskcache import Lock

from core import cache as shared_cache

MAX_AGE_SECONDS = 4 * 3600      # an older result is run again when someone opens it (as the snapshots are)
LOCK_SECONDS = 300


def _key(name: str) -> tuple[str, str]:
    return ("permissions", name)


def last(name: str, base: Path) -> dict[str, Any] | None:
    """The last diagnosis of a connection: {"ran_at": epoch seconds, "payload": ...}, or None."""
    return shared_cache.cache(base).get(_key(name))


def get_or_run(name: str, base: Path, run: Callable[[], dict[str, Any]], *, force: bool = False,
               usable: Callable[[dict[str, Any]], bool] = lambda entry: True,
               now: Callable[[], float] = time.time) -> tuple[dict[str, Any], bool]:
    """The cached diagnosis when it is fresh and usable, else run it (once for all concurrent callers).

    Returns (entry, ran). `force` runs it now unless another caller finished a run after this one
    asked; a failing run raises and leaves the previous entry in place.
    """
    cache = shared_cache.cache(base)
    tag = shared_cache.connection_tag(name)
    requested = now()

    def fresh(entry: dict[str, Any] | None) -> bool:
        return bool(entry) and usable(entry) and now() - entry["ran_at"] < MAX_AGE_SECONDS  # type: ignore[index]

    entry = cache.get(_key(name))
    if not force and fresh(entry):
        return entry, False
    with Lock(cache, ("permissions-lock", name), expire=LOCK_SECONDS, tag=tag):
        entry = cache.get(_key(name))
        if entry and entry["ran_at"] >= requested and usable(entry):
            return entry, False            # someone ran it while this caller waited
        if not force and fresh(entry):
            return entry, False
        payload = run()
        entry = {"ran_at": now(), "payload": payload}
        cache.set(_key(name), entry, tag=tag)
        return entry, True
