"""Bulk API 2.0 ingest jobs: create, CSV upload, UploadComplete runs rows keyed by header, result CSVs."""
from __future__ import annotations

import csv
import io
import sys
import traceback
from typing import Any

from localorg.api.bulk import (
    CSV_TYPE,
    DELIMITERS,
    ENDINGS,
    JOB_ID,
    Job,
    add_job_routes,
    csv_text,
    job_body,
    job_for,
    jobs_of,
    new_job_id,
)
from localorg.api.rest import DATA
from localorg.app import App, Ctx, rest
from localorg.httpcore import Response, RestError, is_api_error

INGEST_OPS = ("insert", "update", "upsert", "delete", "hardDelete")
MAX_FIELD_CHARS, MAX_RECORD_CHARS, MAX_FIELDS = 32_000, 400_000, 5_000   # Bulk API 2.0 ingest limits

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


class JobFailure(Exception):
    """A problem with a job's data as a whole: the job ends Failed with this as its errorMessage."""


def _csv_rows(job: Any, data: bytes, upload: int) -> list[list[str]]:
    """One upload as CSV rows (blank lines skipped), or JobFailure for bytes that are not UTF-8 CSV."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JobFailure(f"InvalidBatch : Failed to read upload {upload}: not valid UTF-8 "
                         f"(byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[job.delimiter], strict=True)
    rows, line = [], 1
    try:
        for row in reader:
            if row:
                rows.append(row)
            line = reader.line_num + 1        # where the next record starts
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            raise JobFailure(_too_long(line)) from None
        if reason == "unexpected end of data":
            reason = "a quoted value is not closed before the end of the data"
        raise JobFailure(f"InvalidBatch : Failed to parse CSV at line {line} of upload {upload}: {reason}") from None
    return rows


def _too_long(line: int) -> str:
    return f"InvalidBatch : Field value at line {line} has more than {MAX_FIELD_CHARS:,} characters"


def _parse(job: Any) -> tuple[list[str], list[list[str]]]:
    """Header and rows of every upload, within Bulk API 2.0's limits, or JobFailure."""
    header: list[str] = []
    rows: list[list[str]] = []
    for number, data in enumerate(job.uploads, start=1):
        lines = _csv_rows(job, data, number)
        if not lines:
            continue
        if not header:
            header = [h.strip() for h in lines[0]]
        elif [h.strip() for h in lines[0]] != header:
            raise JobFailure("InvalidBatch : All uploads of a job must have the same header")
        rows.extend(lines[1:])
    if len(header) > MAX_FIELDS:
        raise JobFailure(f"InvalidBatch : A record has more than {MAX_FIELDS:,} fields")
    for line, row in enumerate(rows, start=2):
        if sum(map(len, row)) > MAX_RECORD_CHARS:
            raise JobFailure(f"InvalidBatch : Record at line {line} has more than {MAX_RECORD_CHARS:,} characters")
        if any(len(cell) > MAX_FIELD_CHARS for cell in row):
            raise JobFailure(_too_long(line))
    return header, rows


def _find_by(ctx: Any, sobject: str, field: str, value: str) -> str | None:
    for row in ctx.view.catalog().rows(sobject):
        key = next((k for k in row if k.lower() == field.lower()), None)
        if key is not None and row[key] is not None and str(row[key]) == value:
            return row["Id"]
    return None


def process(ctx: Any, job: Any) -> None:
    """Run the job; never raises. Data the job cannot take as a whole (not UTF-8, malformed CSV, over Bulk API
    2.0's limits) ends it Failed with Salesforce's `InvalidBatch : …` errorMessage; a row Salesforce refuses
    goes to failedResults; an unexpected error also ends it Failed, so no job stays UploadComplete."""
    try:
        header, rows = _parse(job)
        _apply(ctx, job, header, rows)
    except JobFailure as exc:
        job.state, job.error_message, job.header = "Failed", str(exc), []
        return
    except Exception as exc:  # noqa: BLE001 - a job must reach a final state whatever broke
        traceback.print_exc(file=sys.stderr)
        job.state, job.error_message = "Failed", f"InternalServerError : An unexpected error occurred: {type(exc).__name__}"
        return
    job.state = "JobComplete"


def _apply(ctx: Any, job: Any, header: list[str], rows: list[list[str]]) -> None:
    """Apply every row as job.operation for the job's user, filling job.ok / job.failed."""
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


# -- ingest jobs ----------------------------------------------------------------------------
def _create_ingest(ctx: Ctx) -> Response:
    body = job_body(ctx)
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
def ingest_batches(ctx: Ctx, job_id: str) -> Response:
    """PUT jobs/ingest/{id}/batches: CSV data for an Open job -> 201."""
    job = job_for(ctx, job_id, "ingest")
    if job.state != "Open":
        raise RestError(409, "INVALIDJOBSTATE", f"Job is not open for uploads: {job.state}")
    with job.lock:
        job.uploads.append(ctx.req.body)   # read as UTF-8 CSV when the job runs, as Salesforce does
    return Response.empty(201)


def _patch_ingest(ctx: Ctx, job: Job, state: Any) -> Response:
    """PATCH jobs/ingest/{id}: UploadComplete runs an Open job (the answer is its state before the run); Aborted
    stops one not yet run."""
    if state == "Aborted" and job.state in ("Open", "UploadComplete"):
        job.state = "Aborted"
        return Response.json(job.info())
    if state != "UploadComplete" or job.state != "Open":
        raise RestError(400, "INVALIDJOBSTATE", f"Invalid job state transition from {job.state} to {state}")
    job.state = "UploadComplete"
    info = job.info()
    process(ctx, job)
    return Response.json(info)


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
    add_job_routes(app, "ingest", _create_ingest, _patch_ingest)  # create leaves the job Open for uploads
    r = app.router
    r.add("/services/data/vXX.X/jobs/ingest/{id}/batches", DATA + r"/jobs/ingest/" + JOB_ID + r"/batches/?",
          {"PUT": ingest_batches})
    r.add("/services/data/vXX.X/jobs/ingest/{id}/{results}",
          DATA + r"/jobs/ingest/" + JOB_ID + r"/(?P<kind>successfulResults|failedResults|unprocessedrecords|unprocessedRecords)/?",
          {"GET": ingest_results})
