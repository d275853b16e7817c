"""Strict mode of the guarded writer: each record's PATCH is conditional on the fresh read, 25 to an API call.

sObject Collections takes no conditional headers, so strict mode writes through Composite
(`POST composite`, allOrNone=false): up to 25 sObject Rows PATCH subrequests per call, each carrying its own
`httpHeaders` — `If-Unmodified-Since` from that record's LastModifiedDate in the fresh read, and
`Sforce-Auto-Assign: FALSE` (a subrequest's headers are the ones its resource sees). Each subrequest is
answered on its own: 2xx written; 412 the record changed after the read, skipped; any other error failed
with Salesforce's code and message (UNABLE_TO_LOCK_ROW retried, as in the Collections path). A whole call
that fails leaves every record of the batch not yet answered as maybe sent: a transient failure is retried
from a fresh read, anything else stops the pass with their `pending` rows for resume to settle.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from core import errors

if TYPE_CHECKING:
    from core.salesforce import OrgClient

STRICT_BATCH = 25  # subrequests per Composite call (Salesforce's maximum)
CHANGED_MESSAGE = "The record changed after the fresh read (If-Unmodified-Since answered 412); nothing written."
NO_STAMP = ("NO_LAST_MODIFIED_DATE", "Strict mode needs the record's LastModifiedDate.")
LOCKED = "UNABLE_TO_LOCK_ROW"
Outcome = tuple[str, str | None, str | None, bool]  # (outcome, error code, message, maybe_sent)


@dataclass
class Sent:
    """What a strict write did: an outcome per record Id it settled or will retry; `stopped`, the error that
    must stop the pass (records after it stay unsent); `transient`, the last whole-call failure worth a retry."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    stopped: errors.ConsoleError | None = None
    transient: errors.RetryLater | None = None


def since(fresh: pd.DataFrame, record_id: str) -> str | None:
    """The If-Unmodified-Since value (an HTTP date, UTC) for a record of the fresh read, or None."""
    stamp = fresh.at[record_id, "LastModifiedDate"] if "LastModifiedDate" in fresh.columns else None
    if stamp is None or (not isinstance(stamp, str) and pd.isna(stamp)) or not str(stamp):
        return None
    return format_datetime(pd.Timestamp(str(stamp)).tz_convert("UTC").to_pydatetime(), usegmt=True)


def write(client: OrgClient, sobject: str, body: list[dict[str, Any]], fresh: pd.DataFrame, *,
          headers: dict[str, str], call: Callable[[Callable[[], Any]], Any], stop: threading.Event) -> Sent:
    """Send `body` (records with "id" and the values to write) as conditional PATCHes, STRICT_BATCH to a
    Composite call made through `call` (which counts it); stops between calls once `stop` is set."""
    sent = Sent()
    ready: list[tuple[str, dict[str, Any]]] = []
    for record in body:
        stamp = since(fresh, record["id"])
        if stamp is None:
            sent.outcomes[record["id"]] = ("failed", *NO_STAMP, False)
            continue
        values = {k: v for k, v in record.items() if k != "id"}
        ready.append((record["id"], client.sub_update(f"r{len(ready) % STRICT_BATCH}", sobject, record["id"], values,
                                                      {**headers, "If-Unmodified-Since": stamp})))
    for first in range(0, len(ready), STRICT_BATCH):
        if stop.is_set():
            break
        chunk = ready[first:first + STRICT_BATCH]
        subrequests = [sub for _, sub in chunk]
        try:
            answers: dict[str, tuple[int, Any]] = call(lambda subs=subrequests: client.composite(subs))
        except errors.ConsoleError as exc:
            # the call may have landed (a dropped answer): every record not yet answered is maybe sent
            kind = "retry" if isinstance(exc, errors.RetryLater) else "unsent"
            for record_id, _ in ready[first:]:
                sent.outcomes[record_id] = (kind, exc.code, exc.message, True)
            if isinstance(exc, errors.RetryLater):
                sent.transient = exc
            else:
                sent.stopped = exc
            break
        for record_id, sub in chunk:
            outcome, stopping = answer(answers.get(sub["referenceId"]))
            sent.outcomes[record_id] = outcome
            sent.stopped = sent.stopped or stopping
        if sent.stopped is not None:
            break
    return sent


def answer(result: tuple[int, Any] | None) -> tuple[Outcome, errors.ConsoleError | None]:
    """One subrequest's (httpStatusCode, body) as an outcome, and the error that must stop the pass, if any."""
    if result is None:
        return ("retry", None, "Salesforce returned no result for this record.", True), None
    status, body = result
    if 200 <= status < 300:
        return ("written", None, None, True), None
    if status == 412:
        return ("skipped_nonblank", None, CHANGED_MESSAGE, False), None
    code, message = salesforce_error(body)
    kind = errors.classify({"errorCode": code, "message": message}, status=status)
    if isinstance(kind, (errors.StopForToday, errors.Reconnect)):  # not this record's fault: stop, leave it pending
        return ("unsent", code, message, False), kind
    if code == LOCKED or isinstance(kind, errors.RetryLater):
        return ("retry", code, message, False), None  # refused, so certainly not written: tried again
    return ("failed", code, message, False), None


def salesforce_error(errors_list: Any) -> tuple[str, str]:
    """(code, message) of the first error of a list such as a subrequest's body or a Collections result's
    `errors` (`errorCode` or `statusCode`; the fields it names appended to the message)."""
    first = errors_list[0] if isinstance(errors_list, list) and errors_list and isinstance(errors_list[0], dict) else {}
    code = str(first.get("errorCode") or first.get("statusCode") or "UNKNOWN")
    message = str(first.get("message") or "")
    if first.get("fields"):
        message = f"{message} (fields: {', '.join(map(str, first['fields']))})"
    return code, message
