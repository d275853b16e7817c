"""sObject get-updated / get-deleted (`sobjects/{T}/updated|deleted/?start=&end=`), driven by SystemModstamp."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from localorg.api.rest import DATA, TYPE
from localorg.app import App, Ctx, rest
from localorg.httpcore import Response, RestError, not_found

UPDATED_WINDOW = timedelta(days=30)
DELETED_WINDOW = timedelta(days=15)


def _instant(value: str | None, name: str) -> datetime:
    if not value:
        raise RestError(400, "MISSING_ARGUMENT", f"{name} is required")
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise RestError(400, "INVALID_REPLICATION_DATE", f"Invalid {name}: {value}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sf(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _stamp(row: dict) -> datetime | None:
    value = row.get("SystemModstamp")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z") if value else None


def _window(ctx: Ctx, sobject: str, span: timedelta) -> tuple[str, datetime, datetime]:
    name = ctx.view.catalog().object_name(sobject)
    if name is None:
        raise not_found()
    start = _instant(ctx.req.param("start"), "start")
    end = _instant(ctx.req.param("end"), "end").replace(second=0, microsecond=0)
    now = ctx.app.org.clock()
    if end < start:
        raise RestError(400, "INVALID_REPLICATION_DATE", "end date cannot be before start date")
    if start < now - span:
        raise RestError(400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {span.days} days ago")
    return name, start, min(end, now)


@rest
def updated(ctx: Ctx, sobject: str) -> Response:
    """GET sobjects/{T}/updated/?start=&end=: ids whose SystemModstamp falls in the window (≤ 30 days back)."""
    name, start, end = _window(ctx, sobject, UPDATED_WINDOW)
    ids = [r["Id"] for r in ctx.view.catalog().rows(name)
           if not r.get("IsDeleted") and (s := _stamp(r)) is not None and start <= s <= end]
    return Response.json({"ids": ids, "latestDateCovered": _sf(end)})


@rest
def deleted(ctx: Ctx, sobject: str) -> Response:
    """GET sobjects/{T}/deleted/?start=&end=: records deleted in the window (≤ 15 days back)."""
    name, start, end = _window(ctx, sobject, DELETED_WINDOW)
    gone = [{"id": r["Id"], "deletedDate": r["SystemModstamp"]} for r in ctx.view.catalog().rows(name, True)
            if r.get("IsDeleted") and (s := _stamp(r)) is not None and start <= s <= end]
    return Response.json({"deletedRecords": gone, "earliestDateAvailable": _sf(ctx.app.org.clock() - DELETED_WINDOW),
                          "latestDateCovered": _sf(end)})


def register(app: App) -> None:
    """Add the replication routes ('updated'/'deleted' never match the 15/18-character id pattern)."""
    app.router.add("/services/data/vXX.X/sobjects/{T}/updated", DATA + r"/sobjects/" + TYPE + r"/updated/?",
                   {"GET": updated})
    app.router.add("/services/data/vXX.X/sobjects/{T}/deleted", DATA + r"/sobjects/" + TYPE + r"/deleted/?",
                   {"GET": deleted})
