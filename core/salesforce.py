"""OrgClient: the one gateway to a Salesforce org and the only importer of simple_salesforce.

Direct-session mode only (`Salesforce(session_id=..., instance_url=..., session=...)`), so
simple-salesforce never re-logs-in by itself (its retry drops caller headers and never stops).
On 401 INVALID_SESSION_ID the client asks its TokenSource for a refreshed token once, rebuilds
the Salesforce object and repeats the same call with the same arguments and headers.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode

import requests
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError
from simple_salesforce.util import call_salesforce

from core import errors, settings

T = TypeVar("T")
_SOBJECT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
_RECORD_ID = re.compile(r"^(?:[A-Za-z0-9]{15}|[A-Za-z0-9]{18}|@\{[A-Za-z0-9_]+\.[A-Za-z0-9_.\[\]]+\})$")
RETRIEVE_LIMIT = 2000  # records per sObject Collections retrieve (POST form)


class TokenSource(Protocol):
    """Where an OrgClient gets its access token, and how it gets a fresh one after a 401."""

    def current(self) -> tuple[str, str]:
        """(access token, instance URL) to use now."""
        ...

    def refresh(self, stale_access_token: str) -> tuple[str, str]:
        """A newer (access token, instance URL) than `stale_access_token`; refreshes at most once
        across concurrent callers. Raises a ConsoleError (Reconnect, ...) when it cannot."""
        ...


class StaticTokens:
    """A TokenSource that cannot refresh (a just-issued token during connect, or tests)."""

    def __init__(self, access_token: str, instance_url: str) -> None:
        self._token = (access_token, instance_url)

    def current(self) -> tuple[str, str]:
        """The token given at construction."""
        return self._token

    def refresh(self, stale_access_token: str) -> tuple[str, str]:
        """Always fails: there is nothing to refresh with."""
        raise errors.Reconnect("The access token expired and this connection cannot refresh it.",
                               fix="Open Connect and sign in again.", cause="session_expired")


class _OrgSession(requests.Session):
    """requests.Session with the console's default timeout and Sforce-Limit-Info capture."""

    def __init__(self, ca_file: str | None) -> None:
        super().__init__()
        for key, value in settings.http_options(ca_file).items():
            setattr(self, key, value)
        self.api_usage: tuple[int, int] | None = None
        self.sent = 0  # HTTP requests sent to the org (a diagnosis reports how many calls it took)
        self.last_answer = threading.local()  # per thread: the Retry-After of the last response (writer backoff)
        self.hooks["response"].append(self._record_usage)

    def request(  # type: ignore[override]
            self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """Send with the default timeout unless the caller gave one."""
        kwargs.setdefault("timeout", settings.HTTP_TIMEOUT)
        self.sent += 1
        return super().request(method, url, *args, **kwargs)

    def _record_usage(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_answer.retry_after = _retry_after(response.headers.get("Retry-After"))
        match = _LIMIT_INFO.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.api_usage = (int(match.group(1)), int(match.group(2)))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (an HTTP date or garbage counts as absent)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _query_headers(batch_size: int | None) -> dict[str, str]:
    """Sforce-Query-Options for a page size, or no header."""
    return {"Sforce-Query-Options": f"batchSize={int(batch_size)}"} if batch_size else {}


def _sobject(name: str) -> str:
    """Refuse anything that is not an sObject API name before it reaches a URL path."""
    if not _SOBJECT.match(name):
        raise errors.BadInput(f"{name!r} is not an sObject name.", fix="Use an API name such as Lead.",
                              cause="bad_sobject")
    return name


class OrgClient:
    """Calls one org as one user; every failure leaves as a ConsoleError from errors.classify."""

    def __init__(self, tokens: TokenSource, *, ca_file: str | None = None, version: str = settings.API_VERSION,
                 org_is_sandbox: bool | None = None) -> None:
        self.tokens = tokens
        self.version = version
        self.org_is_sandbox = org_is_sandbox
        self.session = _OrgSession(ca_file)
        self._lock = threading.Lock()
        self._access_token, self._instance_url = tokens.current()
        self._sf = self._build()
        self.refreshes = 0

    def _build(self) -> Salesforce:
        return Salesforce(session_id=self._access_token, instance_url=self._instance_url, session=self.session,
                          version=self.version)

    @property
    def instance_url(self) -> str:
        """The org's instance URL in use (it may change after a refresh)."""
        return self._instance_url

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """(used, max) daily API requests from the last Sforce-Limit-Info header seen, if any."""
        return self.session.api_usage

    def _translate(self, exc: BaseException) -> errors.ConsoleError:
        error = errors.classify(exc, org_is_sandbox=self.org_is_sandbox)
        if isinstance(error, errors.RetryLater) and not isinstance(exc, requests.exceptions.RequestException):
            error.retry_after = getattr(self.session.last_answer, "retry_after", None)
        return error

    def call(self, action: Callable[[Salesforce], T]) -> T:
        """Run `action(sf)`; on 401 refresh once and run the very same action again.

        The action is a closure over its own arguments and headers, so the retry repeats the
        original request exactly (If-Unmodified-Since, Sforce-Auto-Assign included).
        """
        with self._lock:
            sf, used_token = self._sf, self._access_token
        try:
            return action(sf)
        except (SalesforceError, SalesforceAuthenticationFailed, requests.exceptions.RequestException) as exc:
            error = self._translate(exc)
            if not isinstance(error, errors.RefreshAndRetry):
                raise error from None
        with self._lock:
            if self._access_token == used_token:
                self._access_token, self._instance_url = self.tokens.refresh(used_token)
                self._sf = self._build()
                self.refreshes += 1
            sf = self._sf
        try:
            return action(sf)
        except (SalesforceError, SalesforceAuthenticationFailed, requests.exceptions.RequestException) as exc:
            error = self._translate(exc)
            if isinstance(error, errors.RefreshAndRetry):
                raise errors.Reconnect("Salesforce rejected a freshly refreshed session.",
                                       fix="Open Connect and sign in again; if it repeats, check the session "
                                       "security settings (Lock sessions to the IP address) of the org.",
                                       cause="session_rejected", status=401) from None
            raise error from None

    def identity(self) -> dict[str, Any]:
        """The signed-in user from /services/oauth2/userinfo (works even without API Enabled)."""
        return self.call(lambda sf: sf.oauth2("userinfo")) or {}

    def organization(self) -> dict[str, Any]:
        """Id, Name, IsSandbox, OrganizationType, InstanceName of the org."""
        soql = "SELECT Id, Name, IsSandbox, OrganizationType, InstanceName FROM Organization LIMIT 1"
        records = self.call(lambda sf: sf.query(soql)).get("records") or []
        if not records:
            raise errors.ConsoleError("The org returned no Organization record.", fix="Retry; report it if it repeats.",
                                      cause="no_organization")
        return {k: v for k, v in records[0].items() if k != "attributes"}

    def user_profile(self, user_id: str) -> dict[str, Any] | None:
        """{"Name", "Username", "ProfileName", "IsActive"} of a user, or None if the user is not readable."""
        soql = format_soql("SELECT Id, Name, Username, IsActive, Profile.Name FROM User WHERE Id = {}", user_id)
        records = self.call(lambda sf: sf.query(soql)).get("records") or []
        if not records:
            return None
        row = records[0]
        profile = row.get("Profile") or {}
        return {"Name": row.get("Name"), "Username": row.get("Username"), "IsActive": row.get("IsActive"),
                "ProfileName": profile.get("Name") if isinstance(profile, dict) else None}

    def limits(self) -> dict[str, Any]:
        """GET /limits (needs View Setup and Configuration)."""
        return self.call(lambda sf: sf.limits())

    def query(self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None) -> dict[str, Any]:
        """One page of a SOQL query: {"totalSize", "done", "records", "nextRecordsUrl"?}.

        `batch_size` (200..2000) is sent as Sforce-Query-Options: batchSize=N.
        """
        headers = _query_headers(batch_size)
        return self.call(lambda sf: sf.query(soql, include_deleted=include_deleted, headers=headers))

    def query_pages(self, soql: str, *, include_deleted: bool = False,
                    batch_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page of a query, lazily; each page fetch refreshes on 401 like any call."""
        headers = _query_headers(batch_size)
        page = self.query(soql, include_deleted=include_deleted, batch_size=batch_size)
        while True:
            yield page.get("records") or []
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self.call(lambda sf, url=next_url: sf.query_more(url, identifier_is_url=True, headers=headers))

    def describe(self, sobject: str) -> dict[str, Any]:
        """The user-aware describe of an sObject (FLS-hidden fields are absent)."""
        name = _sobject(sobject)
        return self.call(lambda sf: sf.restful(f"sobjects/{name}/describe"))

    def update_record(self, sobject: str, record_id: str, values: dict[str, Any],
                      headers: dict[str, str] | None = None) -> int:
        """PATCH one record (sObject Rows), with conditional headers such as If-Unmodified-Since."""
        name = _sobject(sobject)
        sent = dict(headers or {})
        return self.call(lambda sf: getattr(sf, name).update(record_id, values, headers=sent))

    def update_records(self, sobject: str, records: list[dict[str, Any]], headers: dict[str, str] | None = None,
                       *, all_or_none: bool = False) -> list[dict[str, Any]]:
        """Update up to 200 records in one sObject Collections call; one result per record, in order."""
        name = _sobject(sobject)
        if len(records) > 200:
            raise errors.BadInput("At most 200 records per call.", fix="Split the batch.", cause="batch_too_large")
        body = {"allOrNone": all_or_none, "records": [{"attributes": {"type": name}, **r} for r in records]}
        sent = dict(headers or {})
        return self.call(lambda sf: sf.restful("composite/sobjects", method="PATCH", json=body, headers=sent)) or []

    # -- permission diagnostics (issue 11): several reads in one call through /composite ----------------------

    @property
    def requests_sent(self) -> int:
        """How many HTTP requests this client has sent to the org so far (refresh grants not included)."""
        return self.session.sent

    def _data_path(self, rest: str) -> str:
        return f"/services/data/v{self.version}/{rest}"

    def sub_describe(self, ref: str, sobject: str) -> dict[str, Any]:
        """A /composite subrequest: the user-aware describe of `sobject`."""
        return {"method": "GET", "referenceId": ref, "url": self._data_path(f"sobjects/{_sobject(sobject)}/describe")}

    def sub_query(self, ref: str, template: str, *args: Any) -> dict[str, Any]:
        """A /composite subrequest: one page of SOQL built with format_soql(template, *args)."""
        soql = format_soql(template, *args) if args else template
        return {"method": "GET", "referenceId": ref, "url": self._data_path("query/?q=" + quote(soql, safe=""))}

    def sub_record(self, ref: str, sobject: str, record_id: str, fields: list[str]) -> dict[str, Any]:
        """A /composite subrequest: some fields of one record; `record_id` may be a reference like @{me.ProfileId}."""
        if not _RECORD_ID.match(record_id):
            raise errors.BadInput(f"{record_id!r} is not a record Id.", fix="Pass an 18-character Id.", cause="bad_id")
        query = urlencode({"fields": ",".join(fields)})
        return {"method": "GET", "referenceId": ref,
                "url": self._data_path(f"sobjects/{_sobject(sobject)}/{record_id}?{query}")}

    def composite(self, subrequests: list[dict[str, Any]]) -> dict[str, tuple[int, Any]]:
        """Run up to 25 subrequests (at most 5 of them queries) in ONE API call: POST /composite, allOrNone
        false, so one refused subrequest (say, a setup object the user may not read) leaves the others.

        Returns {referenceId: (httpStatusCode, body)}; a failure of the call itself (API disabled, limit
        reached, ...) raises its ConsoleError.
        """
        if not 0 < len(subrequests) <= 25:
            raise errors.BadInput("A composite call takes 1 to 25 subrequests.", fix="Split the batch.",
                                  cause="batch_too_large")
        body = {"allOrNone": False, "compositeRequest": subrequests}
        answer = self.call(lambda sf: sf.restful("composite", method="POST", json=body)) or {}
        return {str(item.get("referenceId")): (int(item.get("httpStatusCode") or 0), item.get("body"))
                for item in answer.get("compositeResponse") or []}

    def record_counts(self, sobjects: list[str]) -> dict[str, int]:
        """Records per object from /limits/recordCount (the org's approximate totals, whatever the sharing;
        needs View Setup and Configuration)."""
        names = ",".join(_sobject(name) for name in sobjects)
        answer = self.call(lambda sf: sf.restful("limits/recordCount", params={"sObjects": names})) or {}
        return {str(row["name"]): int(row["count"]) for row in answer.get("sObjects") or [] if "name" in row}
    # --- the guarded writer (issue 13): the fresh read before a write --------------------------------------
    def retrieve_records(self, sobject: str, ids: list[str], fields: list[str]) -> list[dict[str, Any] | None]:
        """Up to 2,000 records of one type by Id, in the order of `ids`, with `fields` (None where a record is
        deleted or not visible): one sObject Collections retrieve, `POST composite/sobjects/{sobject}`, so
        thousands of ids never reach a URL. An unknown or unreadable field fails the whole call (400)."""
        name = _sobject(sobject)
        if len(ids) > RETRIEVE_LIMIT:
            raise errors.BadInput(f"At most {RETRIEVE_LIMIT:,} records per retrieve.", fix="Split the ids.",
                                  cause="batch_too_large")
        if not ids:
            return []
        body = {"ids": list(ids), "fields": list(fields)}
        return self.call(lambda sf: sf.restful(f"composite/sobjects/{name}", method="POST", json=body)) or []

    # --- strict writes in batches: a conditional PATCH as a /composite subrequest (25 to a call) ----------------
    def sub_update(self, ref: str, sobject: str, record_id: str, values: dict[str, Any],
                   headers: dict[str, str]) -> dict[str, Any]:
        """A /composite subrequest: PATCH one record (sObject Rows) with its own request headers, such as
        If-Unmodified-Since and Sforce-Auto-Assign (Composite passes a subrequest's `httpHeaders` to the
        resource; a failed precondition answers that subrequest 412)."""
        if not _RECORD_ID.match(record_id):
            raise errors.BadInput(f"{record_id!r} is not a record Id.", fix="Pass an 18-character Id.", cause="bad_id")
        return {"method": "PATCH", "referenceId": ref, "url": self._data_path(f"sobjects/{_sobject(sobject)}/{record_id}"),
                "body": dict(values), "httpHeaders": dict(headers)}
    # -- Snapshot reads (issue 12): COUNT, getDeleted and Bulk API 2.0 query jobs -------------------------------

    def count(self, soql: str, *, include_deleted: bool = False) -> int:
        """The totalSize of a `SELECT COUNT() FROM …` query (one call, no records); queryAll with include_deleted."""
        return int(self.query(soql, include_deleted=include_deleted).get("totalSize") or 0)

    def deleted(self, sobject: str, start: datetime, end: datetime) -> dict[str, Any]:
        """getDeleted: {"deletedRecords": [{"id", "deletedDate"}], "latestDateCovered", …} for a window
        of at most 15 days back (UTC datetimes)."""
        name = _sobject(sobject)
        return self.call(lambda sf: getattr(sf, name).deleted(start.astimezone(UTC),
                                                               end.astimezone(UTC)))

    def bulk_query_create(self, soql: str, *, include_deleted: bool = False) -> dict[str, Any]:
        """Create a Bulk API 2.0 query job (POST jobs/query, CSV, comma, LF; queryAll with include_deleted);
        returns the job's JSON."""
        body = json.dumps({"operation": "queryAll" if include_deleted else "query", "query": soql,
                           "columnDelimiter": "COMMA", "lineEnding": "LF"})
        return self.call(lambda sf: call_salesforce(url=sf.bulk2_url + "query", method="POST", session=sf.session,
                                                    headers=dict(sf.headers), data=body).json())

    def bulk_query_job(self, job_id: str) -> dict[str, Any]:
        """A Bulk 2.0 query job's state (GET jobs/query/{id}): state, numberRecordsProcessed, errorMessage."""
        job = _job_id(job_id)
        return self.call(lambda sf: call_salesforce(url=f"{sf.bulk2_url}query/{job}", method="GET",
                                                    session=sf.session, headers=dict(sf.headers)).json())

    def bulk_query_results(self, job_id: str, locator: str | None, max_records: int) -> tuple[bytes, str | None]:
        """One CSV page of a completed query job and the locator of the next page (None after the last).

        The page comes back as bytes (UTF-8 CSV with a header row), so the caller parses it straight
        into Arrow without a Python string copy.
        """
        job = _job_id(job_id)
        params: dict[str, Any] = {"maxRecords": int(max_records)}
        if locator:
            params["locator"] = locator
        headers = {"Accept": "text/csv; charset=UTF-8"}
        response = self.call(lambda sf: call_salesforce(url=f"{sf.bulk2_url}query/{job}/results", method="GET",
                                                        session=sf.session, headers={**sf.headers, **headers},
                                                        params=params))
        following = response.headers.get("Sforce-Locator") or ""
        return response.content, (None if following in ("", "null") else following)


_JOB_ID = re.compile(r"^750[A-Za-z0-9]{12,15}$")


def _job_id(job_id: str) -> str:
    """Refuse anything that is not a Bulk job id before it reaches a URL path."""
    if not _JOB_ID.match(job_id or ""):
        raise errors.BadInput(f"{job_id!r} is not a Bulk API job id.", fix="Retry the pull.", cause="bad_job_id")
    return job_id
