"""Pulling a snapshot: COUNT first, then REST query pages or Bulk API 2.0 result pages; full or incremental."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.compute as pc

from core import errors
from core.salesforce import format_soql  # the gateway's SOQL quoting (only core.salesforce imports simple_salesforce)
from core.sync.snapshot_files import (
    SnapshotWriter,
    batch_from_records,
    batches,
    copy_without,
    id_set,
    parse_stamp,
    schema_for,
    table_from_csv,
)

if TYPE_CHECKING:
    from core.salesforce import OrgClient

Progress = Callable[[int, int], None]
DELETED_WINDOW = timedelta(days=15)
# A Bulk job the user may not run: fall back to REST paging (Professional Edition, a permission missing).
BULK_UNAVAILABLE_CODES = frozenset({"FEATURENOTENABLED", "FUNCTIONALITY_NOT_ENABLED", "API_DISABLED_FOR_ORG",
                                    "INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY", "NOT_FOUND",
                                    "INVALIDJOB", "API_CURRENTLY_DISABLED"})


@dataclass(frozen=True)
class PullOptions:
    """How to pull: the REST/Bulk threshold, page sizes, the incremental overlap and the Bulk poll schedule."""

    bulk_threshold: int = 10_000
    rest_batch: int | None = None          # Sforce-Query-Options batchSize (200..2000); None = 2,000
    bulk_page: int = 50_000                # maxRecords per Bulk result page
    overlap: timedelta = timedelta(minutes=5)
    bulk_first_poll: float = 0.5           # seconds before the first job poll, doubling up to bulk_max_poll
    bulk_max_poll: float = 10.0
    bulk_timeout: float = 2 * 3600.0


@dataclass
class PullResult:
    """What one pull produced and cost."""

    kind: str                              # "full" | "incremental"
    method: str                            # "REST" | "Bulk"
    records: int
    api_calls: int
    started: datetime
    watermark: datetime | None             # newest SystemModstamp in the snapshot
    deleted_covered: datetime | None       # getDeleted has been asked up to here
    changed: int = 0
    deleted: int = 0
    notes: list[str] = field(default_factory=list)


class _Counter:
    """API calls made by this pull, and the progress line (records so far of the count)."""

    def __init__(self, progress: Progress | None) -> None:
        self.calls = 0
        self.done = 0
        self.total = 0
        self._progress = progress

    def advance(self, rows: int) -> None:
        self.done += rows
        if self._progress is not None:
            self._progress(self.done, max(self.total, self.done))


def _select(sobject: str, fields: Mapping[str, str]) -> str:
    """SELECT list FROM sobject; names were checked against the describe by the caller and are API names."""
    return f"SELECT {', '.join(fields)} FROM {sobject}"


def _rest(client: OrgClient, soql: str, writer: SnapshotWriter, counter: _Counter, options: PullOptions,
          deleted: bool) -> None:
    """Every REST query page (queryAll when `deleted`), each written as one record batch the moment it arrives."""
    for page in client.query_pages(soql, include_deleted=deleted, batch_size=options.rest_batch):
        counter.calls += 1
        writer.write(batch_from_records(page, writer.schema))
        counter.advance(len(page))


def _bulk_unavailable(error: errors.ConsoleError) -> bool:
    """Whether a failed job creation means "Bulk API 2.0 is not for this user or org" (REST will do)."""
    return (error.code or "").upper() in BULK_UNAVAILABLE_CODES or error.status in (403, 404)


def _bulk(client: OrgClient, soql: str, writer: SnapshotWriter, counter: _Counter, options: PullOptions,
          sleep: Callable[[float], None], deleted: bool) -> None:
    """Create a query job, poll until it completes, then write each CSV result page as it arrives."""
    job = client.bulk_query_create(soql, include_deleted=deleted)
    counter.calls += 1
    delay, waited = options.bulk_first_poll, 0.0
    while True:
        sleep(delay)
        waited += delay
        info = client.bulk_query_job(str(job["id"]))
        counter.calls += 1
        counter.advance(0)  # a long job keeps the caller's lock alive while it waits
        state = info.get("state")
        if state == "JobComplete":
            break
        if state in ("Failed", "Aborted"):
            raise errors.RetryLater(f"The Bulk API query job {state.lower()}: {info.get('errorMessage') or 'no reason given'}.",
                                    fix="Refresh again later; if it repeats, check Setup → Bulk Data Load Jobs.",
                                    retry_safe=True, cause="bulk_job_failed")
        if waited > options.bulk_timeout:
            raise errors.RetryLater("The Bulk API query job did not finish in time.", fix="Refresh again later.",
                                    retry_safe=True, cause="bulk_job_timeout")
        delay = min(delay * 2, options.bulk_max_poll)
    locator: str | None = None
    while True:
        data, locator = client.bulk_query_results(str(job["id"]), locator, options.bulk_page)
        counter.calls += 1
        table = table_from_csv(data, writer.schema)
        del data
        writer.write(table)
        counter.advance(table.num_rows)
        if locator is None:
            return


def _fetch(client: OrgClient, soql: str, total: int, writer: SnapshotWriter, counter: _Counter,
           options: PullOptions, sleep: Callable[[float], None], notes: list[str], deleted: bool = False) -> str:
    """Pull `soql` over Bulk 2.0 above the threshold (REST when Bulk is unavailable), else REST; returns the method.

    With `deleted` the query is a queryAll: records in the recycle bin come back too, with IsDeleted true."""
    if total > options.bulk_threshold:
        try:
            _bulk(client, soql, writer, counter, options, sleep, deleted)
            return "Bulk"
        except errors.ConsoleError as error:
            if counter.done or not _bulk_unavailable(error):
                raise
            counter.calls += 1  # the refused job creation
            notes.append(f"Bulk API 2.0 is not available to this user ({error.code or error.status}: "
                         f"{error.message}); read over REST instead.")
    _rest(client, soql, writer, counter, options, deleted)
    return "REST"


def full(client: OrgClient, sobject: str, fields: Mapping[str, str], out: Path, options: PullOptions, *,
         progress: Progress | None = None, sleep: Callable[[float], None] = time.sleep) -> PullResult:
    """Pull every record the user can see into `out`: COUNT, then REST pages or Bulk result pages."""
    counter = _Counter(progress)
    started = datetime.now(UTC)
    counter.total = client.count(f"SELECT COUNT() FROM {sobject}")
    counter.calls += 1
    writer = SnapshotWriter(out, schema_for(fields))
    notes: list[str] = []
    try:
        method = _fetch(client, _select(sobject, fields), counter.total, writer, counter, options, sleep, notes)
        writer.commit()
    except BaseException:
        writer.discard()
        raise
    return PullResult("full", method, writer.rows, counter.calls, started, writer.newest, started, notes=notes)


def incremental(client: OrgClient, sobject: str, fields: Mapping[str, str], previous: Path, out: Path,
                watermark: datetime, deleted_since: datetime, options: PullOptions, *,
                progress: Progress | None = None, sleep: Callable[[float], None] = time.sleep) -> PullResult:
    """Refresh `previous` into `out`: records with SystemModstamp after the watermark (minus the overlap)
    replace their old rows; records deleted since are dropped, seen either in that queryAll (IsDeleted, in the
    recycle bin) or by getDeleted (whose window ends at the last whole minute, so the next pull covers the rest).

    Calls: COUNT of the changed records, their pages (none when nothing changed), one getDeleted.
    """
    counter = _Counter(progress)
    started = datetime.now(UTC)
    since = watermark - options.overlap
    where = format_soql(" WHERE SystemModstamp > {}", since)
    counter.total = client.count(f"SELECT COUNT() FROM {sobject}{where}", include_deleted=True)
    counter.calls += 1
    schema = schema_for(fields)
    read = dict(fields) if "IsDeleted" in fields else {**fields, "IsDeleted": "boolean"}
    delta = SnapshotWriter(out.with_name(out.name + ".delta"), schema_for(read), keep_ids=True)
    merged = SnapshotWriter(out, schema)
    notes: list[str] = []
    try:
        method = "REST"
        if counter.total:
            method = _fetch(client, _select(sobject, read) + where, counter.total, delta, counter, options, sleep,
                            notes, deleted=True)
        delta_path = delta.commit()
        start = max(deleted_since - options.overlap, started - DELETED_WINDOW + timedelta(minutes=1))
        gone = client.deleted(sobject, start, started)
        counter.calls += 1
        recycled = [b.column("Id").filter(pc.fill_null(b.column("IsDeleted"), False)) for b in batches(delta_path)]
        deleted_ids = id_set([[str(r.get("id")) for r in gone.get("deletedRecords") or [] if r.get("id")], *recycled])
        covered = parse_stamp(gone.get("latestDateCovered")) or started
        copy_without(previous, id_set([*delta.ids, deleted_ids]), schema, merged)
        copy_without(delta_path, deleted_ids, schema, merged)
        merged.commit()
    except BaseException:
        merged.discard()
        raise
    finally:
        delta.discard()
        out.with_name(out.name + ".delta").unlink(missing_ok=True)
    newest = max((s for s in (watermark, delta.newest) if s is not None), default=None)
    return PullResult("incremental", method, merged.rows, counter.calls, started, newest, covered,
                      changed=delta.rows - sum(len(r) for r in recycled), deleted=len(pc.unique(deleted_ids)),
                      notes=notes)

