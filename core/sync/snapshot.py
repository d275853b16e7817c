"""The shared snapshot: an object's records per connection, pulled at most once per 4 hours whoever asks.

The snapshot's description (fetch time, how it was pulled, what it cost, the last failure) is a
diskcache entry tagged with the connection; the records are an Arrow IPC file under
<data dir>/snapshots/. A pull runs under a cross-process diskcache lock, so simultaneous viewers in
any number of processes cause one pull: the first takes the lock, the others get the previous snapshot
at once (marked `refreshing`), or wait for the pull when there is none yet. A failed pull keeps the
last good snapshot and records why and when it will be tried again.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import diskcache
import pandas as pd
import pyarrow as pa

from core import cache as shared_cache
from core import errors
from core.sync import snapshot_files as files
from core.sync import snapshot_pull as pull
from core.sync.snapshot_pull import Progress, PullOptions

if TYPE_CHECKING:
    from core.salesforce import OrgClient

HOUR = 3600.0


@dataclass(frozen=True)
class Policy:
    """When to pull: at most every `max_age` seconds, a full pull at least every `full_every`, and how."""

    max_age: float = 4 * HOUR
    full_every: float = 24 * HOUR
    retry_after: float = 15 * 60.0          # first retry after a failure; doubles, at most max_age
    lock_expire: float = 600.0              # a crashed puller's lock frees itself after this (renewed per page)
    wait_timeout: float = 2 * HOUR          # how long a caller with no snapshot at all waits for a running pull
    pull: PullOptions = field(default_factory=PullOptions)

    @classmethod
    def from_env(cls) -> Policy:
        """The default policy, with CONSOLE_SNAPSHOT_HOURS, CONSOLE_SNAPSHOT_FULL_HOURS and
        CONSOLE_SNAPSHOT_BULK_THRESHOLD applied when set."""
        hours = float(os.environ.get("CONSOLE_SNAPSHOT_HOURS") or 4)
        full_hours = float(os.environ.get("CONSOLE_SNAPSHOT_FULL_HOURS") or 24)
        threshold = int(os.environ.get("CONSOLE_SNAPSHOT_BULK_THRESHOLD") or 10_000)
        return cls(max_age=hours * HOUR, full_every=full_hours * HOUR, pull=PullOptions(bulk_threshold=threshold))


@dataclass(frozen=True)
class Failure:
    """The last refresh that failed: why (message, fix, cause), when, and when the next try is due."""

    at: float
    message: str
    fix: str
    cause: str
    retry_at: float
    attempts: int


@dataclass(frozen=True)
class Snapshot:
    """What a snapshot is: records of one object and connection as of `fetched_at`, and how they were got."""

    connection: str
    sobject: str
    fields: tuple[tuple[str, str], ...] = ()     # (field, Salesforce type), in column order
    wanted: tuple[str, ...] = ()                  # the fields asked for (some may be hidden from the user)
    fetched_at: float | None = None               # epoch seconds when the pull began; None: never pulled
    kind: str = ""                                # "full" | "incremental"
    method: str = ""                              # "REST" | "Bulk"
    records: int = 0
    api_calls: int = 0
    duration: float = 0.0
    file: str | None = None
    watermark: str | None = None                  # newest SystemModstamp (ISO) in the records
    deleted_covered: str | None = None            # getDeleted asked up to here (ISO)
    last_full_at: float | None = None
    max_age: float = 4 * HOUR
    pulls: int = 0
    changed: int = 0
    deleted: int = 0
    notes: tuple[str, ...] = ()
    failure: Failure | None = None
    refreshing: bool = False

    @property
    def available(self) -> bool:
        """Whether there are records to read (a pull succeeded once)."""
        return self.fetched_at is not None and self.file is not None

    @property
    def field_names(self) -> tuple[str, ...]:
        """The pulled fields in column order."""
        return tuple(name for name, _ in self.fields)

    @property
    def version(self) -> str:
        """A stable id of this content: fetch time (ms) and the pulled fields; a preview caches on it."""
        digest = hashlib.sha256(repr(self.fields).encode()).hexdigest()[:12]
        return f"{int((self.fetched_at or 0) * 1000)}-{digest}"

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the records were fetched, or None."""
        return None if self.fetched_at is None else max(0.0, (now or time.time()) - self.fetched_at)

    @property
    def next_refresh_at(self) -> float | None:
        """When the next pull is due: the retry time after a failure, else fetch time + max age."""
        if self.failure is not None:
            return self.failure.retry_at
        return None if self.fetched_at is None else self.fetched_at + self.max_age


def _slug(name: str) -> str:
    """A directory name for a connection: readable, and unique through a short hash."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:40] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]


def directory(base: Path, connection: str, sobject: str) -> Path:
    """Where one connection's snapshot files of an object live."""
    return base / "snapshots" / _slug(connection) / sobject


@dataclass(frozen=True)
class Removed:
    """What `remove_connection` deleted: the objects whose snapshots went, how many files and bytes, and what
    could not be deleted (the path and the OS's reason), so a disconnect can say it."""

    objects: tuple[str, ...] = ()
    files: int = 0
    size: int = 0
    error: str | None = None


def remove_connection(base: Path, connection: str) -> Removed:
    """Delete every snapshot file of one connection (each object's records, finished or half-written) from disk.

    Other connections' folders are not touched (each connection has its own, named with a hash of its name)."""
    folder = base / "snapshots" / _slug(connection)
    if not folder.is_dir():
        return Removed()
    objects = tuple(sorted(p.name for p in folder.iterdir() if p.is_dir()))
    sizes = {p: p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    failures: list[str] = []
    shutil.rmtree(folder, onerror=lambda _fn, path, info: failures.append(f"{path}: {info[1]}"))  # 3.11: onerror
    gone = [p for p in sizes if not p.exists()]
    return Removed(objects, len(gone), sum(sizes[p] for p in gone), "; ".join(failures[:3]) if failures else None)


def path_of(base: Path, snap: Snapshot) -> Path:
    """The records file of a snapshot (raises when it was never pulled)."""
    if not snap.available or snap.file is None:
        raise errors.ConsoleError(f"There is no snapshot of {snap.sobject} for {snap.connection!r} yet.",
                                  fix="Refresh it (Overview or `python -m core snapshot`).", cause="no_snapshot")
    return directory(base, snap.connection, snap.sobject) / snap.file


def _key(connection: str, sobject: str) -> tuple[str, str, str]:
    return ("snapshot", connection, sobject)


def _lock_key(connection: str, sobject: str) -> tuple[str, str, str]:
    return ("snapshot-lock", connection, sobject)


def status(base: Path, connection: str, sobject: str) -> Snapshot | None:
    """The snapshot as last recorded, without pulling (and whether a pull is running now)."""
    cache = shared_cache.cache(base)
    snap = cache.get(_key(connection, sobject))
    if snap is not None and cache.get(_lock_key(connection, sobject)) is not None:
        snap = replace(snap, refreshing=True)
    return snap


def _needs_pull(snap: Snapshot | None, wanted: Sequence[str], now: float, max_age: float) -> bool:
    """Due when never pulled, past its retry time after a failure, a new field is wanted, or too old."""
    if snap is None:
        return True
    if snap.failure is not None:
        return now >= snap.failure.retry_at
    if not snap.available or not set(wanted) <= set(snap.wanted):
        return True
    return now - (snap.fetched_at or 0) >= max_age


def get(base: Path, connection: str, sobject: str, wanted: Sequence[str], client: Callable[[], OrgClient],
        fields: Callable[[], Mapping[str, str]], *, policy: Policy | None = None, force: bool = False,
        progress: Progress | None = None) -> Snapshot:
    """The snapshot of the `wanted` fields of `sobject` for `connection`, pulled first only when due (or `force`).

    `client` and `fields` (the wanted fields the user can read, with their Salesforce types) are called
    only when a pull happens, so a read within max_age makes no API call. A failed pull is recorded on
    the returned snapshot (`failure`); the previous records stay readable.
    """
    policy = policy or Policy.from_env()
    requested = time.time()
    cache = shared_cache.cache(base)
    tag = shared_cache.connection_tag(connection)
    key, lock = _key(connection, sobject), _lock_key(connection, sobject)
    snap = cache.get(key)
    if not force and not _needs_pull(snap, wanted, requested, policy.max_age):
        return snap
    deadline = requested + policy.wait_timeout
    token = secrets.token_hex(8)
    while not cache.add(lock, token, expire=policy.lock_expire, tag=tag):
        snap = cache.get(key)
        if snap is not None and snap.available and not force:
            return replace(snap, refreshing=True)
        if time.time() > deadline:
            raise errors.RetryLater("Another refresh of this snapshot has been running for a long time.",
                                    fix="Try again later.", retry_safe=True, cause="snapshot_busy")
        time.sleep(0.1)
        if cache.get(lock) is None:
            snap = cache.get(key)
            if snap is not None and (snap.fetched_at or 0) >= requested:
                return snap                                     # pulled for us while we waited
            if snap is not None and snap.failure is not None and snap.failure.at >= requested:
                return snap                                     # tried for us while we waited, and failed
    try:
        snap = cache.get(key)
        if not force and not _needs_pull(snap, wanted, time.time(), policy.max_age):
            return snap
        return _refresh(base, cache, key, lock, tag, snap, connection, sobject, tuple(wanted), client, fields, policy,
                        progress)
    finally:
        if cache.get(lock) == token:
            cache.delete(lock)


def _refresh(base: Path, cache: diskcache.Cache, key: tuple[str, str, str], lock: tuple[str, str, str], tag: str,
             snap: Snapshot | None, connection: str, sobject: str, wanted: tuple[str, ...],
             client: Callable[[], OrgClient], resolve: Callable[[], Mapping[str, str]], policy: Policy,
             progress: Progress | None) -> Snapshot:
    """Pull (full or incremental, decided here), publish the new description, keep the old one on failure."""
    folder = directory(base, connection, sobject)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    previous = folder / snap.file if snap is not None and snap.available and snap.file else None
    out = folder / f"{int(now * 1000)}-{secrets.token_hex(4)}.arrow"

    def beat(done: int, total: int) -> None:
        cache.touch(lock, expire=policy.lock_expire)
        if progress is not None:
            progress(done, total)

    began = time.monotonic()
    try:
        org = client()
        fields = dict(resolve())
        full = (previous is None or snap is None or not previous.exists() or snap.watermark is None
                or not set(fields) <= set(snap.field_names) or now - (snap.last_full_at or 0) >= policy.full_every)
        if full:
            result = pull.full(org, sobject, fields, out, policy.pull, progress=beat)
        else:
            result = pull.incremental(org, sobject, fields, previous, out, files.parse_stamp(snap.watermark),
                                      files.parse_stamp(snap.deleted_covered or snap.watermark), policy.pull,
                                      progress=beat)
    except (errors.ConsoleError, OSError, pa.ArrowException) as exc:
        error = exc if isinstance(exc, errors.ConsoleError) else errors.ConsoleError(
            f"The snapshot could not be written ({type(exc).__name__}: {exc}).",
            fix="Check the free space and permissions of the data directory, then refresh.", cause="snapshot_io")
        attempts = (snap.failure.attempts if snap is not None and snap.failure else 0) + 1
        failed_at = time.time()
        retry = failed_at + min(policy.retry_after * 2 ** (attempts - 1), policy.max_age)
        failure = Failure(failed_at, error.message, error.fix, error.cause, retry, attempts)
        failed = replace(snap or Snapshot(connection, sobject, max_age=policy.max_age), failure=failure,
                         max_age=policy.max_age)
        cache.set(key, failed, tag=tag)
        return failed
    started = result.started.timestamp()
    done = Snapshot(
        connection=connection, sobject=sobject, fields=tuple(fields.items()), wanted=wanted, fetched_at=started, kind=result.kind,
        method=result.method, records=result.records, api_calls=result.api_calls,
        duration=time.monotonic() - began, file=out.name,
        watermark=result.watermark.isoformat() if result.watermark else None,
        deleted_covered=result.deleted_covered.isoformat() if result.deleted_covered else None,
        last_full_at=started if full else (snap.last_full_at if snap else started), max_age=policy.max_age,
        pulls=(snap.pulls if snap else 0) + 1, changed=result.changed, deleted=result.deleted,
        notes=tuple(result.notes))
    cache.set(key, done, tag=tag)
    _prune(folder, keep={out.name, previous.name if previous else ""})
    return done


def _prune(folder: Path, keep: set[str]) -> None:
    """Delete older record files; the previous one stays, as a reader may have just looked it up."""
    for path in folder.glob("*.arrow"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def table(base: Path, snap: Snapshot, columns: list[str] | None = None) -> pa.Table:
    """The snapshot's records as an Arrow table (memory-mapped file)."""
    return files.read_table(path_of(base, snap), columns)


def frame(base: Path, snap: Snapshot, columns: list[str] | None = None) -> pd.DataFrame:
    """The snapshot's records as pandas indexed by Id (Arrow-backed text; numbers and checkboxes typed)."""
    wanted = None if columns is None else ["Id", *[c for c in columns if c != "Id"]]
    return files.to_frame(table(base, snap, wanted))


def sample(base: Path, snap: Snapshot, rows: int) -> pd.DataFrame:
    """The first `rows` records (reads only the first batches of the file)."""
    return files.to_frame(files.head(path_of(base, snap), rows))


def describe_age(seconds: float | None) -> str:
    """"2 h 10 min", "4 min", "35 s": a duration as the pages and the CLI say it."""
    if seconds is None:
        return "never"
    seconds = int(max(0.0, seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"
