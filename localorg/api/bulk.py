"""Bulk API 2.0 jobs: the Job model and helpers shared with ingest, and the query-job endpoints (CSV pages)."""
from __future__ import annotations

import base64
import csv
import io
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localorg import soql
from localorg.api.rest import DATA, run_query
from localorg.app import App, Ctx, rest
from localorg.httpcore import Response, RestError

_ALNUM = string.ascii_letters + string.digits
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
CSV_TYPE = "text/csv; charset=UTF-8"
JOB_ID = r"(?P<job_id>750\w{12,15})"


@dataclass
class Job:
    """One Bulk 2.0 job and its data (kept in memory; jobs do not survive a restart)."""

    id: str
    kind: str                      # "query" | "ingest"
    operation: str
    sobject: str
    user_id: str
    version: str
    created: str
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "Open"
    external_id: str | None = None
    query: str | None = None
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)        # query results / uploaded rows
    uploads: list[bytes] = field(default_factory=list)
    error_message: str | None = None                            # why a Failed job failed
    ok: list[tuple[str, bool, list[str]]] = field(default_factory=list)
    failed: list[tuple[str, str, list[str]]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def info(self) -> dict:
        """The job resource JSON."""
        out: dict[str, Any] = {
            "id": self.id, "operation": self.operation, "object": self.sobject, "createdById": self.user_id,
            "createdDate": self.created, "systemModstamp": self.created, "state": self.state,
            "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(self.version),
            "lineEnding": self.line_ending, "columnDelimiter": self.delimiter}
        if self.kind == "query":
            out.update({"jobType": "V2Query", "numberRecordsProcessed": len(self.rows), "retries": 0,
                        "totalProcessingTime": 0, "isPkChunkingSupported": True})
        else:
            out.update({"jobType": "V2Ingest", "contentUrl": f"services/data/v{self.version}/jobs/ingest/{self.id}/batches",
                        "numberRecordsProcessed": len(self.ok) + len(self.failed), "numberRecordsFailed": len(self.failed),
                        "retries": 0, "totalProcessingTime": 0, "apiActiveProcessingTime": 0,
                        "apexProcessingTime": 0})
            if self.external_id:
                out["externalIdFieldName"] = self.external_id
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out


def jobs_of(app: App) -> dict[str, Job]:
    """Every Bulk job of the org, by id."""
    return app.state.setdefault("bulk_jobs", {})


def job_body(ctx: Ctx) -> dict:
    """A job request's JSON body, which must be an object (a list or a scalar is JSON_PARSER_ERROR)."""
    body = ctx.req.json()
    if body is None:
        return {}
    if not isinstance(body, dict):
        kind = "array" if isinstance(body, list) else "string" if isinstance(body, str) else "value"
        raise RestError(400, "JSON_PARSER_ERROR", f"The request body must be a JSON object, not a JSON {kind}")
    return body


def new_job_id() -> str:
    """A fresh 18-character job id with the 750 prefix."""
    return "750" + "".join(secrets.choice(_ALNUM) for _ in range(15))


def job_for(ctx: Ctx, job_id: str, kind: str) -> Job:
    """The caller's job of this kind, or 404 NOT_FOUND."""
    job = jobs_of(ctx.app).get(job_id)
    if job is None or job.kind != kind or job.user_id != ctx.user.id:
        raise RestError(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def csv_text(header: list[str], rows: list[list[str]], delimiter: str, line_ending: str, quote_all: bool = True) -> str:
    """Header and rows as CSV in the job's delimiter and line ending (all values quoted, as Bulk 2.0 does)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=DELIMITERS[delimiter], lineterminator=ENDINGS[line_ending],
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _walk(record: Any, parts: tuple[str, ...]) -> tuple[Any, list[str]]:
    """The value at a dotted path (case-insensitive keys) and the canonical key names met on the way."""
    names: list[str] = []
    value = record
    for part in parts:
        if not isinstance(value, dict):
            return None, []
        key = next((k for k in value if k.lower() == part.lower()), None)
        if key is None:
            return None, []
        names.append(key)
        value = value[key]
    return value, names


def _flatten(parsed: Any, records: list[dict]) -> tuple[list[str], list[list[str]]]:
    """CSV header (canonical dotted names) and rows for the SELECT list; a null parent gives empty cells."""
    paths = [tuple(p.parts) for p in parsed.fields]
    keys: list[tuple[str, ...]] = list(paths)
    for i, path in enumerate(paths):
        for rec in records:
            _, names = _walk(rec, path)
            if len(names) == len(path):
                keys[i] = tuple(names)
                break
    header = [".".join(k) for k in keys]

    def cell(rec: dict, key: tuple[str, ...]) -> str:
        """One CSV cell following a relationship path."""
        value: Any = rec.get(key[0])
        for part in key[1:]:
            value = value.get(part) if isinstance(value, dict) else None
        return _cell(value)

    simple = all(len(k) == 1 for k in keys)
    if simple:
        names = [k[0] for k in keys]
        rows = [[_cell(rec.get(n)) for n in names] for rec in records]
    else:
        rows = [[cell(rec, k) for k in keys] for rec in records]
    return header, rows


def add_job_routes(app: App, kind: str, create: Callable[[Ctx], Response],
                   patch: Callable[[Ctx, Job, Any], Response]) -> None:
    """The routes query and ingest jobs share: POST jobs/{kind} (`create`) / GET (the caller's jobs of this kind),
    and GET / PATCH / DELETE jobs/{kind}/{id} (`patch` is given the state asked for; DELETE forgets the job)."""

    @rest
    def jobs(ctx: Ctx) -> Response:
        if ctx.req.method == "POST":
            return create(ctx)
        found = [j.info() for j in jobs_of(ctx.app).values() if j.kind == kind and j.user_id == ctx.user.id]
        return Response.json({"done": True, "records": found, "nextRecordsUrl": None})

    @rest
    def one_job(ctx: Ctx, job_id: str) -> Response:
        job = job_for(ctx, job_id, kind)
        if ctx.req.method == "DELETE":
            del jobs_of(ctx.app)[job.id]
            return Response.empty(204)
        if ctx.req.method == "PATCH":
            return patch(ctx, job, job_body(ctx).get("state"))
        return Response.json(job.info())

    app.router.add(f"/services/data/vXX.X/jobs/{kind}", DATA + rf"/jobs/{kind}/?", {"POST": jobs, "GET": jobs})
    app.router.add(f"/services/data/vXX.X/jobs/{kind}/{{id}}", DATA + rf"/jobs/{kind}/" + JOB_ID + r"/?",
                   {"GET": one_job, "PATCH": one_job, "DELETE": one_job})


# -- query jobs -----------------------------------------------------------------------------
def _create_query(ctx: Ctx) -> Response:
    body = job_body(ctx)
    operation = body.get("operation", "query")
    if operation not in ("query", "queryAll"):
        raise RestError(400, "INVALIDJOB", f"Invalid operation: {operation}")
    delimiter, ending = body.get("columnDelimiter", "COMMA"), body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS or ending not in ENDINGS:
        raise RestError(400, "INVALIDJOB", "Invalid columnDelimiter or lineEnding")
    text = body.get("query") or ""
    result = run_query(ctx, text, operation == "queryAll")
    parsed = soql.parse(text)
    if parsed.count:
        raise RestError(400, "INVALIDJOB", "COUNT() is not supported by Bulk API 2.0 query jobs")   # wording unverified
    if not parsed.plain:  # Bulk 2.0 refuses GROUP BY, aggregates, subqueries and SELECT functions
        raise RestError(400, "INVALIDJOB", "Bulk API 2.0 query jobs select plain fields only: no GROUP BY, aggregate "
                        "functions, FIELDS(), toLabel(), FORMAT() or child relationship subqueries")   # wording unverified
    header, rows = _flatten(parsed, result.records)
    job = Job(new_job_id(), "query", operation, parsed.sobject, ctx.user.id, ctx.version, ctx.app.org.now_text(),
              delimiter, ending, state="UploadComplete", query=text, header=header, rows=rows)
    with ctx.app.state_lock:
        jobs_of(ctx.app)[job.id] = job
        ctx.app.state["bulk_query_jobs_today"] = ctx.app.state.get("bulk_query_jobs_today", 0) + 1
    info = job.info()
    job.state = "JobComplete"   # the work is already done; the next poll sees it complete
    return Response.json(info)


def _patch_query(ctx: Ctx, job: Job, state: Any) -> Response:
    """PATCH jobs/query/{id}: only an abort, and only of a job not yet complete."""
    if state != "Aborted":
        raise RestError(400, "INVALIDJOBSTATE", f"Invalid job state transition to {state}")
    if job.state == "JobComplete":
        raise RestError(400, "INVALIDJOBSTATE", "Job is already complete")
    job.state = "Aborted"
    return Response.json(job.info())


def _encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str) -> int:
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        raise RestError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


@rest
def query_results(ctx: Ctx, job_id: str) -> Response:
    """GET jobs/query/{id}/results?maxRecords=N&locator=L: one CSV page, Sforce-Locator "null" at the end."""
    job = job_for(ctx, job_id, "query")
    if job.state != "JobComplete":
        raise RestError(400, "INVALIDJOBSTATE", f"Job is not complete: {job.state}")
    locator = ctx.req.param("locator")
    offset = _decode_locator(locator) if locator else 0
    try:
        size = int(ctx.req.param("maxRecords") or len(job.rows) or 1)
    except ValueError:
        raise RestError(400, "INVALIDPARAMETER", "maxRecords must be a positive integer") from None
    size = max(1, size)
    page = job.rows[offset:offset + size]
    end = offset + len(page)
    text = csv_text(job.header, page, job.delimiter, job.line_ending)
    headers = {"Sforce-Locator": _encode_locator(end) if end < len(job.rows) else "null",
               "Sforce-NumberOfRecords": str(len(page))}
    return Response.text(text, content_type=CSV_TYPE, headers=headers)


def register(app: App) -> None:
    """Add the Bulk API 2.0 query-job routes."""
    add_job_routes(app, "query", _create_query, _patch_query)  # create runs the query at once
    app.router.add("/services/data/vXX.X/jobs/query/{id}/results", DATA + r"/jobs/query/" + JOB_ID + r"/results/?",
                   {"GET": query_results})
