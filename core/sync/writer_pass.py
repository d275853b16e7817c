"""One pass of the guarded writer over a run's open cells: fresh read → guard → pending rows → write → outcomes.

Records go in read chunks of up to 2,000 (one sObject Collections retrieve each) and write batches of up
to 200 (one `PATCH composite/sobjects`, allOrNone=false, Sforce-Auto-Assign: FALSE). A chunk's batches
are sent together right after its read, so each write follows its fresh read by one round trip. Every
cell about to be sent has a committed `pending` row first; every outcome is appended as it is known.
Transient failures retry the batch from a fresh read (a dropped request may have landed, so what now
holds our value is settled as written, never sent twice); REQUEST_LIMIT_EXCEEDED and any other failure
of a whole call stop the pass, leaving `pending` rows for resume to settle. Strict mode sends the same
batches as conditional PATCHes, 25 to a Composite call (writer_strict).
"""
from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from core import errors
from core.fields import FieldSpec
from core.logs import runs as runlog
from core.sync import guard_address as address
from core.sync import recheck, writer_strict
from core.sync.guard import DEFAULT_PLACEHOLDERS

if TYPE_CHECKING:
    from core.salesforce import OrgClient

HEADERS = {"Sforce-Auto-Assign": "FALSE"}  # no assignment rule may move a record the console fills
LOCKED = writer_strict.LOCKED


@dataclass(frozen=True)
class Options:
    """How a run writes. The defaults are Salesforce's limits; tests shrink them to see several batches."""

    batch_size: int = 200          # records per write call (sObject Collections maximum)
    read_size: int = 2000          # records per fresh read (Collections retrieve maximum)
    parallel: int = 10             # write batches in flight after one read (a read chunk's worth)
    strict: bool = False           # conditional PATCHes (If-Unmodified-Since), 25 per Composite call
    attempts: int = 5              # tries of a batch on transient failures
    backoff: float = 1.0           # first wait in seconds, doubled per retry; a longer Retry-After wins
    max_wait: float = 120.0        # longest single wait
    lock_wait: float = 0.0         # seconds to wait for another apply on the same object
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 200 or not self.batch_size <= self.read_size <= 2000:
            raise errors.BadInput("Batches hold 1-200 records and fresh reads up to 2,000 (at least one batch).",
                                  fix="Use the defaults.", cause="bad_options")


@dataclass(frozen=True)
class Progress:
    """Where a pass stands: cells it works on, how many are settled, and their outcomes so far."""

    run_id: str
    planned: int
    settled: int
    counts: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0


class Pass:
    """Write a run's open cells once through; `stopped` holds the error that interrupted it, if any."""

    def __init__(self, client: OrgClient, run: runlog.Run, specs: dict[str, FieldSpec], *, base: Path | None,
                 options: Options, progress: Callable[[Progress], None] | None,
                 decide: Callable[..., recheck.Decision] = recheck.decide) -> None:
        self.client, self.run, self.specs, self.base, self.options = client, run, specs, base, options
        self.decide = decide  # recheck.decide (fill what is blank) or recheck.decide_undo (clear what is ours)
        self.progress = progress
        self.stop = threading.Event()
        self.stopped: errors.ConsoleError | None = None
        self.calls = 0
        self.counts: Counter[str] = Counter()
        self.planned = self.settled = 0
        self._guard = threading.Lock()
        self.meta = pd.DataFrame()
        self.read_fields: list[str] = ["Id"]

    # -- the pass ---------------------------------------------------------------------------------------
    def execute(self, cells: pd.DataFrame) -> None:
        """Work through `cells` (cell, PLAN_COLUMNS, maybe_sent, pending) record chunk by record chunk."""
        self.meta = cells.set_index("cell")[["record_name", "source", "match_key"]]
        written = [f for f in dict.fromkeys(cells["field"]) if f in self.specs]  # others: skipped_no_access
        parts = [f for f in address.context_fields(cells) if f in self.specs and f not in written]  # address rule
        self.read_fields = ["Id", *written, *parts, *(["LastModifiedDate"] if self.options.strict else [])]
        self.planned = len(cells)
        codes, uniques = pd.factorize(cells["record_id"])
        cells = cells.assign(_r=codes).sort_values("_r", kind="stable")
        starts = cells["_r"].searchsorted(range(0, len(uniques) + 1))
        self._report()
        opts = self.options
        for first in range(0, len(uniques), opts.read_size):
            if self.stop.is_set():
                break
            last = min(first + opts.read_size, len(uniques))
            try:
                fresh = self._read(list(uniques[first:last]))
            except errors.ConsoleError as exc:
                self._interrupt(exc)
                break
            batches = [cells.iloc[starts[b]:starts[min(b + opts.batch_size, last)]].drop(columns="_r")
                       for b in range(first, last, opts.batch_size)]
            if opts.parallel <= 1 or len(batches) == 1:
                for batch in batches:
                    self._done(self._batch(batch, fresh))
                continue
            with ThreadPoolExecutor(max_workers=min(opts.parallel, len(batches))) as pool:
                futures = [pool.submit(self._batch, batch, fresh) for batch in batches]
                try:
                    for future in as_completed(futures):
                        self._done(future.result())
                except BaseException:
                    self.stop.set()
                    raise

    def _done(self, settled: Counter[str]) -> None:
        self.counts.update(settled)
        self.settled += sum(settled.values())
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(Progress(self.run.id, self.planned, self.settled, dict(self.counts), self.calls))

    def _interrupt(self, exc: errors.ConsoleError) -> None:
        with self._guard:
            if self.stopped is None:
                self.stopped = exc
        self.stop.set()

    def _call(self, action: Callable[[], Any]) -> Any:
        with self._guard:
            self.calls += 1
        return action()

    def _wait_time(self, attempt: int, retry_after: float | None) -> float:
        backoff = self.options.backoff * (2 ** attempt) * random.uniform(1.0, 1.25)
        return min(max(backoff, retry_after or 0.0), self.options.max_wait)

    # -- Salesforce -------------------------------------------------------------------------------------
    def _read(self, ids: list[str]) -> pd.DataFrame:
        """The fresh read of `ids` (one retrieve), retried with backoff on transient failures."""
        fields = self.read_fields
        for attempt in range(self.options.attempts):
            try:
                records = self._call(lambda: self.client.retrieve_records(self.run.object, ids, fields))
                return recheck.fresh_frame(records, fields)
            except errors.RetryLater as exc:
                if attempt + 1 >= self.options.attempts or self.stop.wait(self._wait_time(attempt, exc.retry_after)):
                    raise
        raise AssertionError("unreachable")

    def _write(self, send: pd.DataFrame, fresh: pd.DataFrame) -> tuple[pd.DataFrame, writer_strict.Sent]:
        """Send the cells; per cell: outcome (written, failed, skipped_nonblank, retry or unsent), code, message,
        maybe_sent. A whole Collections call that fails raises; strict mode reports a stopping error and a
        transient whole-call failure with what was done (writer_strict.Sent)."""
        body = recheck.payload(send, self.specs)
        if self.options.strict:
            sent = writer_strict.write(self.client, self.run.object, body, fresh, headers=HEADERS, call=self._call,
                                       stop=self.stop)
        else:
            sent = writer_strict.Sent()
            results = self._call(lambda: self.client.update_records(self.run.object, body, headers=HEADERS))
            for i, record in enumerate(body):
                result = results[i] if i < len(results) and isinstance(results[i], dict) else None
                sent.outcomes[record["id"]] = _outcome(result)
        outcome = [sent.outcomes.get(r, ("unsent", None, None, False)) for r in send["record_id"]]
        done = send.assign(outcome=[o[0] for o in outcome], error_code=[o[1] for o in outcome],
                           message=[o[2] for o in outcome], maybe_sent=[o[3] for o in outcome])
        return done, sent

    # -- one batch --------------------------------------------------------------------------------------
    def _batch(self, cells: pd.DataFrame, fresh: pd.DataFrame) -> Counter[str]:
        """Settle one batch of up to 200 records; returns the final outcomes it logged."""
        logged: Counter[str] = Counter()
        todo, last_error = cells, None
        for attempt in range(self.options.attempts):
            if self.stop.is_set():
                return logged
            decision = self.decide(todo, fresh, self.specs, self.options.placeholders)
            logged.update(self._log(decision.final))
            carried = ["cell", "pending", *(["context"] if "context" in todo.columns else [])]  # for a retry
            send = decision.send.merge(todo[carried], on="cell", how="left")
            self._log(send[~send["pending"].astype(bool)].assign(outcome="pending", error_code=None, message=None))
            if send.empty:
                return logged
            try:
                done, sent = self._write(send, fresh)
            except errors.RetryLater as exc:
                last_error = exc
                todo = send.assign(maybe_sent=True, pending=True, error_code=exc.code, message=exc.message)
                retry_after = exc.retry_after
            except errors.ConsoleError as exc:
                self._interrupt(exc)
                return logged
            else:
                final = done[done["outcome"].isin(runlog.FINAL)]
                logged.update(self._log(final))
                if sent.stopped is not None:
                    self._interrupt(sent.stopped)
                    return logged
                todo = done[done["outcome"] == "retry"].assign(pending=True)
                if todo.empty:
                    return logged
                last_error = sent.transient or last_error
                retry_after = sent.transient.retry_after if sent.transient is not None else None
            if attempt + 1 >= self.options.attempts:
                break
            if self.stop.wait(self._wait_time(attempt, retry_after)):
                return logged  # another batch stopped the pass: the pending rows wait for resume
            try:
                fresh = self._read(list(dict.fromkeys(todo["record_id"])))
            except errors.ConsoleError as exc:
                self._interrupt(exc)
                return logged
        known = todo[~todo["maybe_sent"].astype(bool)]  # refused per record: certainly not written
        logged.update(self._log(known.assign(outcome="failed")))
        if len(known) < len(todo) and last_error is not None:
            self._interrupt(type(last_error)(f"{last_error.message} (still failing after {self.options.attempts} "
                                             "attempts)", fix=last_error.fix, retry_safe=True, cause=last_error.cause,
                                             status=last_error.status, code=last_error.code))
        return logged

    def _log(self, frame: pd.DataFrame) -> Counter[str]:
        """Append one log row per cell of frame (cell, record_id, field, proposed, before, outcome, code, message)."""
        if frame.empty:
            return Counter()
        meta = self.meta.reindex(frame["cell"])
        run = self.run
        rows = [runlog.LogRow(run.id, int(cell), run.object, str(rid), _text(name), str(fld), _text(before),
                              _text(after), str(outcome), _text(code), _text(message), run.trigger, run.actor,
                              _text(source), _text(key))
                for cell, rid, fld, after, before, outcome, code, message, name, source, key in zip(
                    frame["cell"], frame["record_id"], frame["field"], frame["proposed"], frame["before"],
                    frame["outcome"], frame["error_code"], frame["message"], meta["record_name"], meta["source"],
                    meta["match_key"], strict=True)]
        runlog.append(self.base, rows)
        return Counter(o for o in frame["outcome"] if o != "pending")


def _text(value: Any) -> str | None:
    """A log column value: None for missing (None, NaN, pd.NA), text otherwise."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _outcome(result: dict[str, Any] | None) -> tuple[str, str | None, str | None, bool]:
    """(outcome, code, message, maybe_sent) of one record's Collections result."""
    if result is None:
        return "retry", None, "Salesforce returned no result for this record.", True
    if result.get("success"):
        return "written", None, None, True
    code, message = writer_strict.salesforce_error(result.get("errors"))
    return ("retry" if code == LOCKED else "failed"), code, message, False
