"""sObject rows by external id: `sobjects/{T}/{field}/{value}` GET, PATCH (upsert) and DELETE, Id included."""
from __future__ import annotations

from urllib.parse import unquote

from localorg.api.rest import DATA, TYPE, _record_body, auto_assign, update_record
from localorg.app import App, Ctx, rest
from localorg.data import ids
from localorg.httpcore import Response, RestError, not_found

CREATED_FLAG_SINCE = 46.0  # from API 46.0 an update by upsert answers 200 with a body; before, 204


def _field(ctx: Ctx, sobject: str, field: str) -> tuple[str, dict]:
    """The canonical object and the external id field (Id or externalId), else 404 as Salesforce words it."""
    obj = ctx.view.readable_object(sobject)
    if obj is None:
        raise not_found()
    described = obj.field(field)
    usable = described is not None and (described["name"] == "Id" or described.get("externalId"))
    if not usable or not ctx.view.access.field_readable(obj, described):
        raise RestError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}")
    return obj.name, described  # type: ignore[return-value]


def _matches(ctx: Ctx, sobject: str, described: dict, value: str) -> list[str]:
    """Ids of the visible records whose field holds the value (case-insensitive, Ids by their 15 characters)."""
    name = described["name"]
    if name == "Id":
        rid = ids.normalize(value)
        row = ctx.view.catalog().row(sobject, rid) if rid else None
        return [row["Id"]] if row is not None else []
    wanted = value.casefold()
    return [row["Id"] for row in ctx.view.catalog().rows(sobject)
            if row.get(name) is not None and str(row[name]).casefold() == wanted]


def _choices(ctx: Ctx, sobject: str, found: list[str]) -> Response:
    """300 Multiple Choices: the URLs of the records that share the external id."""
    return Response.json([f"/services/data/v{ctx.version}/sobjects/{sobject}/{rid}" for rid in found], status=300)


@rest
def by_external_id(ctx: Ctx, sobject: str, field: str, value: str) -> Response:
    """GET the record, PATCH upsert it (201 created / 200 updated, 204 before API 46.0), DELETE it, by external id."""
    name, described = _field(ctx, sobject, field)
    value = unquote(value)
    found = _matches(ctx, name, described, value)
    if len(found) > 1:
        return _choices(ctx, name, found)
    method = ctx.req.method
    if method == "GET":
        if not found:
            raise not_found()
        return Response.json(ctx.view.get(name, found[0], version=ctx.version))
    if method == "DELETE":
        if not found:
            raise not_found()
        ctx.view.delete(name, found[0])
        return Response.empty(204)
    body = {k: v for k, v in _record_body(ctx.req).items() if k.lower() != described["name"].lower()}
    if not found:
        if described["name"] == "Id":
            raise not_found()
        new_id = ctx.view.create(name, {**body, described["name"]: value}, auto_assign=auto_assign(ctx.req.headers))
        return Response.json({"id": new_id, "success": True, "errors": [], "created": True}, status=201)
    update_record(ctx, name, found[0], body, ctx.req.headers)
    if float(ctx.version) < CREATED_FLAG_SINCE:
        return Response.empty(204)
    return Response.json({"id": found[0], "success": True, "errors": [], "created": False})


def register(app: App) -> None:
    """Add the external-id rows route (three path segments: never the record or describe routes)."""
    app.router.add("/services/data/vXX.X/sobjects/{T}/{field}/{value}",
                   DATA + r"/sobjects/" + TYPE + r"/(?P<field>[A-Za-z][A-Za-z0-9_]*)/(?P<value>[^/]+)/?",
                   {"GET": by_external_id, "PATCH": by_external_id, "DELETE": by_external_id})
