"""REST data API: versions, resources, describe, sObject rows, query/queryAll paging and limits."""
from __future__ import annotations

import re
import secrets
import string
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from localorg import soql
from localorg.app import API_VERSIONS, App, Ctx, rest
from localorg.httpcore import Request, Response, RestError, not_found

DATA = r"/services/data/v(?P<version>\d+\.\d)"
ID = r"(?P<record_id>[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)"
TYPE = r"(?P<sobject>[A-Za-z][A-Za-z0-9_]*)"
DEFAULT_BATCH, MIN_BATCH, MAX_BATCH = 2000, 200, 2000
CURSOR_IDLE = 15 * 60.0
MAX_CURSORS = 500
_ALNUM = string.ascii_letters + string.digits


def release_label(version: str) -> str:
    """Salesforce's release name for an API version: 50.0 -> "Winter '21", 66.0 -> "Spring '26"."""
    n = int(float(version)) - 50
    return f"{('Winter', 'Spring', 'Summer')[n % 3]} '{21 + n // 3}"


def versions(app: App, req: Request) -> Response:
    """GET /services/data/: every API version this org serves (no authentication, as on Salesforce)."""
    return Response.json([{"label": release_label(v), "url": f"/services/data/v{v}", "version": v}
                          for v in API_VERSIONS])


@rest
def resources(ctx: Ctx) -> Response:
    """GET /services/data/vXX.X/: the resources available at this version."""
    base = f"/services/data/v{ctx.version}"
    payload = {n: f"{base}/{n}" for n in ("sobjects", "query", "queryAll", "composite", "limits")}
    payload["jobs"] = {"query": f"{base}/jobs/query", "ingest": f"{base}/jobs/ingest"}
    payload["identity"] = f"{ctx.app.login_url}/id/{ctx.app.org.org_id}/{ctx.user.id}"
    return Response.json(payload)


# -- describe -------------------------------------------------------------------------------
@rest
def describe_global(ctx: Ctx) -> Response:
    """GET sobjects: describe global for the calling user."""
    return Response.json(ctx.view.describe_global(version=ctx.version))


def _global_entry(ctx: Ctx, sobject: str) -> dict:
    for entry in ctx.view.describe_global(version=ctx.version).get("sobjects", []):
        if entry.get("name", "").lower() == sobject.lower():
            return entry
    raise not_found()


@rest
def sobject_root(ctx: Ctx, sobject: str) -> Response:
    """GET sobjects/{T}: basic metadata; POST sobjects/{T}: create a record (201 with the new id)."""
    if ctx.req.method == "POST":
        values = _record_body(ctx.req)
        new_id = ctx.view.create(_global_entry(ctx, sobject)["name"], values, auto_assign=auto_assign(ctx.req.headers))
        return Response.json({"id": new_id, "success": True, "errors": []}, status=201)
    return Response.json({"objectDescribe": _global_entry(ctx, sobject), "recentItems": []})


@rest
def describe(ctx: Ctx, sobject: str) -> Response:
    """GET sobjects/{T}/describe: full describe with field-level security applied."""
    return Response.json(ctx.view.describe(sobject, version=ctx.version))


# -- sObject rows ---------------------------------------------------------------------------
def _record_body(req: Request) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise RestError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return {k: v for k, v in body.items() if k != "attributes"}


def parse_http_date(value: str) -> datetime:
    """Parse 'EEE, dd MMM yyyy HH:mm:ss z' (If-Unmodified-Since); anything else is a 400."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise RestError(400, "INVALID_HEADER_TYPE", f"Invalid If-Unmodified-Since header value: {value}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def auto_assign(headers: Any) -> bool:
    """Sforce-Auto-Assign: assignment rules run unless the header says FALSE (Salesforce's default is TRUE)."""
    return str(headers.get("Sforce-Auto-Assign") or "TRUE").strip().upper() not in ("FALSE", "0")


def update_record(ctx: Ctx, sobject: str, record_id: str, values: dict, headers: Any) -> None:
    """One sObject Rows PATCH, honouring If-Unmodified-Since (412 when the record changed since) and Sforce-Auto-Assign."""
    raw = headers.get("If-Unmodified-Since")
    since = parse_http_date(raw) if raw else None
    ctx.view.update(sobject, record_id, values, if_unmodified_since=since, auto_assign=auto_assign(headers))


@rest
def record(ctx: Ctx, sobject: str, record_id: str) -> Response:
    """GET / PATCH / DELETE sobjects/{T}/{id}."""
    if ctx.req.method == "PATCH":
        update_record(ctx, sobject, record_id, _record_body(ctx.req), ctx.req.headers)
        return Response.empty(204)
    if ctx.req.method == "DELETE":
        ctx.view.delete(sobject, record_id)
        return Response.empty(204)
    fields_param = ctx.req.param("fields")
    fields = [f.strip() for f in fields_param.split(",") if f.strip()] if fields_param else None
    row = ctx.view.get(sobject, record_id, fields, version=ctx.version)
    if "attributes" not in row:
        kind = _global_entry(ctx, sobject)["name"]
        row = {"attributes": {"type": kind, "url": f"/services/data/v{ctx.version}/sobjects/{kind}/{row.get('Id', record_id)}"}, **row}
    return Response.json(row)


# -- query ----------------------------------------------------------------------------------
@dataclass
class Cursor:
    """An executed query's remaining records, kept under a locator for nextRecordsUrl."""

    user_id: str
    records: list[dict]
    total: int
    batch: int
    touched: float


def _batch_size(req: Request) -> int:
    options = req.headers.get("Sforce-Query-Options") or ""
    m = re.search(r"batchSize\s*=\s*(\d+)", options, re.I)
    if not m:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(m.group(1))))


def _cursors(app: App) -> OrderedDict[str, Cursor]:
    return app.state.setdefault("cursors", OrderedDict())


def _page(ctx: Ctx, kind: str, locator: str | None, cursor: Cursor, offset: int) -> Response:
    end = min(offset + cursor.batch, len(cursor.records))
    payload: dict[str, Any] = {"totalSize": cursor.total, "done": end >= len(cursor.records)}
    if not payload["done"]:
        if locator is None:
            locator = "01g" + "".join(secrets.choice(_ALNUM) for _ in range(15))
            with ctx.app.state_lock:
                cursors = _cursors(ctx.app)
                cursors[locator] = cursor
                now = time.time()
                for key in [k for k, c in cursors.items() if now - c.touched > CURSOR_IDLE]:
                    del cursors[key]
                while len(cursors) > MAX_CURSORS:
                    cursors.popitem(last=False)
        payload["nextRecordsUrl"] = f"/services/data/v{ctx.version}/{kind}/{locator}-{end}"
    payload["records"] = cursor.records[offset:end]
    return Response.json(payload)


def run_query(ctx: Ctx, text: str | None, include_deleted: bool) -> soql.QueryResult:
    """Parse and execute SOQL as the calling user (SoqlError -> 400 with its errorCode)."""
    if not text or not text.strip():
        raise RestError(400, "MALFORMED_QUERY", "A query string has to be specified")
    try:
        parsed = soql.parse(text)
        return soql.execute(parsed, ctx.view.catalog(), version=ctx.version, now=ctx.app.org.clock(),
                            include_deleted=include_deleted)
    except soql.SoqlError as exc:
        raise RestError(400, exc.error_code, exc.message) from None


def _query(ctx: Ctx, include_deleted: bool) -> Response:
    result = run_query(ctx, ctx.req.param("q"), include_deleted)
    cursor = Cursor(ctx.user.id, result.records, result.total_size, _batch_size(ctx.req), time.time())
    return _page(ctx, "queryAll" if include_deleted else "query", None, cursor, 0)


@rest
def query(ctx: Ctx) -> Response:
    """GET query/?q=SOQL: the first page (2,000 records by default)."""
    return _query(ctx, False)


@rest
def query_all(ctx: Ctx) -> Response:
    """GET queryAll/?q=SOQL: like query, deleted records included."""
    return _query(ctx, True)


def _more(ctx: Ctx, kind: str, locator: str, offset: str) -> Response:
    with ctx.app.state_lock:
        cursor = _cursors(ctx.app).get(locator)
        if cursor is not None:
            cursor.touched = time.time()
    if cursor is None or cursor.user_id != ctx.user.id or int(offset) > len(cursor.records):
        raise RestError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(ctx, kind, locator, cursor, int(offset))


@rest
def query_more(ctx: Ctx, locator: str, offset: str) -> Response:
    """GET query/{locator}-{offset}: the next page of an executed query."""
    return _more(ctx, "query", locator, offset)


@rest
def query_all_more(ctx: Ctx, locator: str, offset: str) -> Response:
    """GET queryAll/{locator}-{offset}."""
    return _more(ctx, "queryAll", locator, offset)


# -- limits ---------------------------------------------------------------------------------
@rest
def limits(ctx: Ctx) -> Response:
    """GET limits/: org limits; needs View Setup and Configuration."""
    if not getattr(ctx.user, "view_setup", False):
        raise RestError(403, "INSUFFICIENT_ACCESS",
                        "You don't have the View Setup and Configuration permission needed to view org limits.")
    store = ctx.app.store
    bulk_jobs = ctx.app.state.get("bulk_query_jobs_today", 0)
    payload = {
        "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
        "ConcurrentSyncReportRuns": {"Max": 20, "Remaining": 20},
        "DailyApiRequests": {"Max": store.api_limit, "Remaining": max(0, store.api_limit - store.api_used)},
        "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": max(0, 10000 - bulk_jobs)},
        "DataStorageMB": {"Max": 1024, "Remaining": 1000},
        "FileStorageMB": {"Max": 1024, "Remaining": 1024},
        "HourlyODataCallout": {"Max": 10000, "Remaining": 10000},
        "SingleEmail": {"Max": 5000, "Remaining": 5000},
    }
    return Response.json(payload)


def register(app: App) -> None:
    """Add the REST data routes."""
    r = app.router
    r.add("/services/data", r"/services/data/?", {"GET": versions})
    r.add("/services/data/vXX.X", DATA + r"/?", {"GET": resources})
    r.add("/services/data/vXX.X/sobjects", DATA + r"/sobjects/?", {"GET": describe_global})
    r.add("/services/data/vXX.X/sobjects/{T}/describe", DATA + r"/sobjects/" + TYPE + r"/describe/?", {"GET": describe})
    r.add("/services/data/vXX.X/sobjects/{T}", DATA + r"/sobjects/" + TYPE + r"/?",
          {"GET": sobject_root, "POST": sobject_root})
    r.add("/services/data/vXX.X/sobjects/{T}/{id}", DATA + r"/sobjects/" + TYPE + "/" + ID + r"/?",
          {"GET": record, "PATCH": record, "DELETE": record})
    r.add("/services/data/vXX.X/query", DATA + r"/query/?", {"GET": query})
    r.add("/services/data/vXX.X/queryAll", DATA + r"/queryAll/?", {"GET": query_all})
    r.add("/services/data/vXX.X/query/{locator}", DATA + r"/query/(?P<locator>01g\w+)-(?P<offset>\d+)/?",
          {"GET": query_more})
    r.add("/services/data/vXX.X/queryAll/{locator}", DATA + r"/queryAll/(?P<locator>01g\w+)-(?P<offset>\d+)/?",
          {"GET": query_all_more})
    r.add("/services/data/vXX.X/limits", DATA + r"/limits/?", {"GET": limits})
