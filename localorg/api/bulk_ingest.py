"""Bulk API 2.0 ingest jobs: create, CSV upload, UploadComplete runs rows keyed by header, result CSVs."""
from __future__ import annotations

import csv
import io
from typing import Any

from localorg.api.bulk import (
    CSV_TYPE,
    DELIMITERS,
    ENDINGS,
    JOB_ID,
    Job,
    csv_text,
    job_for,
    jobs_of,
    list_jobs,
    new_job_id,
)
from localorg.api.rest import DATA
from localorg.app import App, Ctx, rest
from localorg.httpcore import Response, RestError, is_api_error

INGEST_OPS = ("insert", "update", "upsert", "delete", "hardDelete")

NUMBER_INT = {"int"}
NUMBER_FLOAT = {"double", "currency", "percent"}


def _convert(kind: str | None, raw: str) -> Any:
    """A CSV cell as the JSON-ready value the Org expects; unconvertible text is passed on for the Org to refuse."""
    try:
        if kind == "boolean":
            low = raw.strip().lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            return raw
        if kind in NUMBER_INT:
            return int(raw)
        if kind in NUMBER_FLOAT:
            return float(raw)
    except ValueError:
        return raw
    return raw


def _sf_error(exc: BaseException) -> str:
    item = exc.body()[0]  # type: ignore[attr-defined]
    return f"{item['errorCode']}:{item['message']}:{','.join(item.get('fields') or [])} --"


def _parse(job: Any) -> tuple[list[str], list[list[str]]]:
    header: list[str] = []
    rows: list[list[str]] = []
    for text in job.uploads:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[job.delimiter])
        lines = [r for r in reader if r]
        if not lines:
            continue
        if not header:
            header = [h.strip() for h in lines[0]]
        elif [h.strip() for h in lines[0]] != header:
            raise RestError(400, "INVALIDBATCH", "All uploads of a job must have the same header")
        rows.extend(lines[1:])
    return header, rows


def _find_by(ctx: Any, sobject: str, field: str, value: str) -> str | None:
    for row in ctx.view.catalog().rows(sobject):
        key = next((k for k in row if k.lower() == field.lower()), None)
        if key is not None and row[key] is not None and str(row[key]) == value:
            return row["Id"]
    return None


def process(ctx: Any, job: Any) -> None:
    """Apply every uploaded row as job.operation for the job's user; fills job.ok / job.failed, then JobComplete."""
    try:
        header, rows = _parse(job)
    except RestError as exc:
        job.state = "Failed"
        job.header = []
        raise exc
    job.header = header
    describe = ctx.view.describe(job.sobject, version=ctx.version)
    types = {f["name"].lower(): (f["name"], f["type"]) for f in describe.get("fields", [])}
    id_col = next((i for i, h in enumerate(header) if h.lower() == "id"), None)
    for row in rows:
        row = row + [""] * (len(header) - len(row))
        rid = row[id_col].strip() if id_col is not None else ""
        values: dict[str, Any] = {}
        for name, cell in zip(header, row, strict=False):
            if name.lower() == "id" or cell == "":
                continue                                   # an empty cell leaves the field unchanged
            canon, kind = types.get(name.lower(), (name, None))
            values[canon] = None if cell == "#N/A" else _convert(kind, cell)
        try:
            created = False
            if job.operation == "insert":
                rid = ctx.view.create(job.sobject, values)
                created = True
            elif job.operation in ("delete", "hardDelete"):
                if not rid:
                    raise RestError(400, "MISSING_ARGUMENT", "Id not specified in a delete call", ["Id"])
                ctx.view.delete(job.sobject, rid)
            else:
                if job.operation == "upsert" and (job.external_id or "Id").lower() != "id":
                    key = next((h for h in header if h.lower() == job.external_id.lower()), None)
                    found = _find_by(ctx, job.sobject, job.external_id, row[header.index(key)]) if key else None
                    rid = found or ""
                if not rid and job.operation == "upsert":
                    rid = ctx.view.create(job.sobject, values)
                    created = True
                elif not rid:
                    raise RestError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
                else:
                    ctx.view.update(job.sobject, rid, values)
            job.ok.append((rid, created, row))
        except Exception as exc:
            if not is_api_error(exc):
                raise
            job.failed.append((rid, _sf_error(exc), row))
    job.state = "JobComplete"


# -- ingest jobs ----------------------------------------------------------------------------
def _create_ingest(ctx: Ctx) -> Response:
    body = ctx.req.json() or {}
    operation = body.get("operation")
    if operation not in INGEST_OPS:
        raise RestError(400, "INVALIDJOB", f"Invalid operation: {operation}")
    if body.get("contentType", "CSV") != "CSV":
        raise RestError(400, "INVALIDJOB", "contentType must be CSV")
    delimiter, ending = body.get("columnDelimiter", "COMMA"), body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS or ending not in ENDINGS:
        raise RestError(400, "INVALIDJOB", "Invalid columnDelimiter or lineEnding")
    entry = next((e for e in ctx.view.describe_global(version=ctx.version).get("sobjects", [])
                  if e.get("name", "").lower() == str(body.get("object", "")).lower()), None)
    if entry is None:
        raise RestError(400, "INVALIDJOB", f"Invalid sobject: {body.get('object')}")   # wording unverified
    if operation == "upsert" and not body.get("externalIdFieldName"):
        raise RestError(400, "INVALIDJOB", "External ID field is required for upsert")
    job = Job(new_job_id(), "ingest", operation, entry["name"], ctx.user.id, ctx.version, ctx.app.org.now_text(),
              delimiter, ending, external_id=body.get("externalIdFieldName"))
    with ctx.app.state_lock:
        jobs_of(ctx.app)[job.id] = job
    return Response.json(job.info())


@rest
def ingest_jobs(ctx: Ctx) -> Response:
    """POST jobs/ingest (create, state Open) / GET jobs/ingest (list)."""
    if ctx.req.method == "POST":
        return _create_ingest(ctx)
    return list_jobs(ctx, "ingest")


@rest
def ingest_batches(ctx: Ctx, job_id: str) -> Response:
    """PUT jobs/ingest/{id}/batches: CSV data for an Open job -> 201."""
    job = job_for(ctx, job_id, "ingest")
    if job.state != "Open":
        raise RestError(409, "INVALIDJOBSTATE", f"Job is not open for uploads: {job.state}")
    with job.lock:
        job.uploads.append(ctx.req.body.decode("utf-8-sig"))
    return Response.empty(201)


@rest
def ingest_job(ctx: Ctx, job_id: str) -> Response:
    """GET / PATCH (UploadComplete runs the job; Aborted) / DELETE jobs/ingest/{id}."""
    job = job_for(ctx, job_id, "ingest")
    if ctx.req.method == "DELETE":
        del jobs_of(ctx.app)[job.id]
        return Response.empty(204)
    if ctx.req.method == "PATCH":
        state = (ctx.req.json() or {}).get("state")
        if state == "Aborted" and job.state in ("Open", "UploadComplete"):
            job.state = "Aborted"
            return Response.json(job.info())
        if state != "UploadComplete" or job.state != "Open":
            raise RestError(400, "INVALIDJOBSTATE", f"Invalid job state transition from {job.state} to {state}")
        job.state = "UploadComplete"
        info = job.info()
        process(ctx, job)
        return Response.json(info)
    return Response.json(job.info())


@rest
def ingest_results(ctx: Ctx, job_id: str, kind: str) -> Response:
    """GET jobs/ingest/{id}/successfulResults | failedResults | unprocessedrecords as CSV."""
    job = job_for(ctx, job_id, "ingest")
    cols = job.header
    if kind == "successfulResults":
        text = csv_text(["sf__Id", "sf__Created"] + cols, [[rid, "true" if created else "false"] + row
                                                       for rid, created, row in job.ok], job.delimiter, job.line_ending)
    elif kind == "failedResults":
        text = csv_text(["sf__Id", "sf__Error"] + cols, [[rid, err] + row for rid, err, row in job.failed],
                    job.delimiter, job.line_ending)
    else:
        rows = job.unprocessed if job.state != "Open" else []
        text = csv_text(cols, rows, job.delimiter, job.line_ending) if cols else ""
    return Response.text(text, content_type=CSV_TYPE)


def register(app: App) -> None:
    """Add the Bulk API 2.0 ingest-job routes."""
    r = app.router
    r.add("/services/data/vXX.X/jobs/ingest", DATA + r"/jobs/ingest/?", {"POST": ingest_jobs, "GET": ingest_jobs})
    r.add("/services/data/vXX.X/jobs/ingest/{id}", DATA + r"/jobs/ingest/" + JOB_ID + r"/?",
          {"GET": ingest_job, "PATCH": ingest_job, "DELETE": ingest_job})
    r.add("/services/data/vXX.X/jobs/ingest/{id}/batches", DATA + r"/jobs/ingest/" + JOB_ID + r"/batches/?",
          {"PUT": ingest_batches})
    r.add("/services/data/vXX.X/jobs/ingest/{id}/{results}",
          DATA + r"/jobs/ingest/" + JOB_ID + r"/(?P<kind>successfulResults|failedResults|unprocessedrecords|unprocessedRecords)/?",
          {"GET": ingest_results})
