"""Running a Bulk API 2.0 ingest job: CSV rows keyed by header -> creates/updates/deletes, per-row results."""
from __future__ import annotations

import csv
import io
from typing import Any

from localorg.httpcore import RestError, is_api_error

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
    from localorg.bulk import DELIMITERS
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
        for name, cell in zip(header, row):
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
