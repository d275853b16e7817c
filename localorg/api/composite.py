"""Composite resources: sObject Collections (composite/sobjects) and Composite (≤ 25 subrequests with references)."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from localorg.api.rest import DATA, TYPE, auto_assign
from localorg.app import App, Ctx, rest
from localorg.httpcore import Headers, Request, Response, RestError, is_api_error

MAX_COLLECTION = 200
MAX_SUBREQUESTS = 25
ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
               "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
               "fields": []}
HALTED = "The transaction was rolled back since another operation in the same transaction failed."
_REF = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")


class _Rollback(Exception):
    """Raised inside org.transaction() to undo an allOrNone request."""


def _error_item(exc: BaseException) -> dict:
    item = exc.body()[0]  # type: ignore[attr-defined]
    return {"statusCode": item["errorCode"], "message": item["message"], "fields": list(item.get("fields") or [])}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _run_collection(ctx: Ctx, items: list[Any], all_or_none: bool,
                    op: Callable[[Any], str]) -> list[dict]:
    """Apply op to each item (op returns the record id); per-item results, rolled back on allOrNone failure."""
    results: list[dict] = []

    def body() -> bool:
        """Run every item; True when any failed."""
        failed = False
        for item in items:
            try:
                results.append({"id": op(item), "success": True, "errors": []})
            except Exception as exc:
                if not is_api_error(exc):
                    raise
                failed = True
                results.append({"success": False, "errors": [_error_item(exc)]})
        return failed

    if not all_or_none:
        body()
        return results
    try:
        with ctx.app.org.transaction():
            if body():
                raise _Rollback()
    except _Rollback:
        return [r if not r["success"] else {"id": r["id"] if ctx.req.method != "POST" else None,
                                            "success": False, "errors": [dict(ROLLED_BACK)]} for r in results]
    return results


def _records(ctx: Ctx) -> tuple[list[dict], bool]:
    body = ctx.req.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise RestError(400, "JSON_PARSER_ERROR", "The request body must be an object with a records list")
    records = body["records"]
    if len(records) > MAX_COLLECTION:
        raise RestError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
    for rec in records:
        if not isinstance(rec, dict) or not isinstance(rec.get("attributes"), dict) or not rec["attributes"].get("type"):
            raise RestError(400, "INVALID_TYPE", "Must send a concrete entity type.")   # Salesforce's wording not verified
    return records, _truthy(body.get("allOrNone", False))


def _values(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k not in ("attributes", "id", "Id")}


@rest
def collections(ctx: Ctx) -> Response:
    """POST (create) / PATCH (update) / DELETE composite/sobjects."""
    if ctx.req.method == "DELETE":
        ids = [i for i in (ctx.req.param("ids") or "").split(",") if i]
        if len(ids) > MAX_COLLECTION:
            raise RestError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
        kinds = {i: _type_of(ctx, i) for i in ids}

        def delete(rid: str) -> str:
            """Delete one record by id."""
            ctx.view.delete(kinds[rid], rid)
            return rid
        return Response.json(_run_collection(ctx, ids, _truthy(ctx.req.param("allOrNone", "false")), delete))
    records, all_or_none = _records(ctx)
    assign = auto_assign(ctx.req.headers)
    if ctx.req.method == "POST":
        def create(rec: dict) -> str:
            """Create one record (an Id in an insert is refused)."""
            if rec.get("id") or rec.get("Id"):
                raise RestError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
            return ctx.view.create(rec["attributes"]["type"], _values(rec), auto_assign=assign)
        return Response.json(_run_collection(ctx, records, all_or_none, create))

    def update(rec: dict) -> str:
        """Update one record named by its id."""
        rid = rec.get("id") or rec.get("Id")
        if not rid:
            raise RestError(400, "MISSING_ARGUMENT", "Id not specified in an update call", [])
        ctx.view.update(rec["attributes"]["type"], rid, _values(rec), auto_assign=assign)
        return rid
    return Response.json(_run_collection(ctx, records, all_or_none, update))


def _type_of(ctx: Ctx, record_id: str) -> str:
    prefix = record_id[:3]
    for entry in ctx.view.describe_global().get("sobjects", []):
        if entry.get("keyPrefix") == prefix:
            return entry["name"]
    raise RestError(400, "MALFORMED_ID", f"malformed id {record_id}", ["Id"])


@rest
def collection_get(ctx: Ctx, sobject: str) -> Response:
    """GET composite/sobjects/{T}?ids=..&fields=..: records in id order, null for ones not found."""
    ids = [i for i in (ctx.req.param("ids") or "").split(",") if i]
    fields = [f for f in (ctx.req.param("fields") or "").split(",") if f]
    if not ids or not fields:
        raise RestError(400, "MISSING_ARGUMENT", "ids and fields are required")
    out: list[Any] = []
    for rid in ids:
        try:
            out.append(ctx.view.get(sobject, rid, fields))
        except Exception as exc:
            if not is_api_error(exc) or getattr(exc, "status", 0) != 404:
                raise
            out.append(None)
    return Response.json(out)


# -- Composite ------------------------------------------------------------------------------
def _lookup(value: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            value = value[int(part[1:-1])]
        else:
            value = value[part]
    return value


def _substitute(value: Any, done: dict[str, Any]) -> Any:
    if isinstance(value, str):
        def repl(m: re.Match[str]) -> str:
            """The referenced value as text (KeyError names a missing reference)."""
            ref, path = m.group(1), m.group(2)
            if ref not in done or done[ref] is None:
                raise KeyError(f"{ref}.{path}")
            try:
                return str(_lookup(done[ref], path))
            except (KeyError, IndexError, TypeError, ValueError):
                raise KeyError(f"{ref}.{path}") from None
        return _REF.sub(repl, value)
    if isinstance(value, list):
        return [_substitute(v, done) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, done) for k, v in value.items()}
    return value


def _halted(ref: str, message: str = HALTED) -> dict:
    return {"body": [{"errorCode": "PROCESSING_HALTED", "message": message}], "httpHeaders": {},
            "httpStatusCode": 400, "referenceId": ref}


def _subrequest(ctx: Ctx, sub: dict, done: dict[str, Any]) -> dict:
    ref = str(sub.get("referenceId", ""))
    try:
        url = _substitute(str(sub.get("url", "")), done)
        body = _substitute(sub.get("body"), done)
    except KeyError as missing:
        return _halted(ref, f"Invalid reference specified. No value for {missing.args[0]} found in {ref}. "
                            f"Provided referenceId ({ref}) may not exist, or may not be accessible.")
    path, _, query = url.partition("?")
    if not path.startswith("/services/data/"):
        return {"body": [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
                "httpHeaders": {}, "httpStatusCode": 404, "referenceId": ref}
    headers = dict(sub.get("httpHeaders") or {})
    headers["Authorization"] = ctx.req.headers.get("Authorization") or ""
    req = Request(method=str(sub.get("method", "GET")).upper(), path=path, query_string=query,
                  headers=Headers(headers), body=json.dumps(body).encode() if body is not None else b"",
                  client_ip=ctx.req.client_ip, secure=True, base_url=ctx.req.base_url, internal=True)
    resp = ctx.app.dispatch(req)
    parsed = json.loads(resp.body) if resp.body and resp.headers.get("Content-Type", "").startswith("application/json") else None
    out_headers = {}
    if resp.status == 201 and isinstance(parsed, dict) and parsed.get("id"):
        out_headers["Location"] = f"{path.rstrip('/')}/{parsed['id']}"
    return {"body": parsed, "httpHeaders": out_headers, "httpStatusCode": resp.status, "referenceId": ref}


@rest
def composite(ctx: Ctx) -> Response:
    """POST composite: run subrequests in order, resolving @{ref.path}; allOrNone rolls all back on a failure."""
    payload = ctx.req.json()
    subs = payload.get("compositeRequest") if isinstance(payload, dict) else None
    if not isinstance(subs, list) or not subs:
        raise RestError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    if len(subs) > MAX_SUBREQUESTS:
        raise RestError(400, "LIMIT_EXCEEDED", f"Composite request limit exceeded: {len(subs)} subrequests, maximum is 25")
    all_or_none = _truthy(payload.get("allOrNone", False))
    done: dict[str, Any] = {}
    out: list[dict] = []

    def run_all() -> int | None:
        """Run subrequests in order; the index of the first failure when allOrNone stops there."""
        for i, sub in enumerate(subs):
            result = _subrequest(ctx, sub, done)
            out.append(result)
            ok = result["httpStatusCode"] < 400
            done[result["referenceId"]] = result["body"] if ok else None
            if not ok and all_or_none:
                return i
        return None

    if not all_or_none:
        run_all()
        return Response.json({"compositeResponse": out})
    failed_at: list[int] = []
    try:
        with ctx.app.org.transaction():
            idx = run_all()
            if idx is not None:
                failed_at.append(idx)
                raise _Rollback()
    except _Rollback:
        i = failed_at[0]
        halted = [_halted(str(s.get("referenceId", ""))) for s in subs]
        halted[i] = out[i]
        out = halted
    return Response.json({"compositeResponse": out})


def register(app: App) -> None:
    """Add the composite routes."""
    r = app.router
    r.add("/services/data/vXX.X/composite/sobjects", DATA + r"/composite/sobjects/?",
          {"POST": collections, "PATCH": collections, "DELETE": collections})
    r.add("/services/data/vXX.X/composite/sobjects/{T}", DATA + r"/composite/sobjects/" + TYPE + r"/?",
          {"GET": collection_get})
    r.add("/services/data/vXX.X/composite", DATA + r"/composite/?", {"POST": composite})
