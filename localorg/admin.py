"""The loopback-only admin path /__localorg__/…: faults, counters, edits as another user, token TTL, users, limits."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from urllib.parse import urlsplit

from localorg.app import App
from localorg.faults import Faults
from localorg.httpcore import Request, Response, RestError

_FAULT_KEYS = set(inspect.signature(Faults.add).parameters) - {"self"}
_LOOPBACK_NAMES = ("localhost", "::1")


def _body(req: Request) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise RestError(400, "JSON_PARSER_ERROR", "a JSON object is required")
    return body


def _invalid(message: str) -> RestError:
    return RestError(400, "INVALID_FIELD", message)


def _string(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise _invalid(f"{key} must be a non-empty string")
    return value


def _user(app: App, username: str) -> object:
    user = app.org.user_by_username(username or "")
    if user is None:
        raise RestError(404, "NOT_FOUND", f"no user {username!r}")
    return user


def faults(app: App, req: Request) -> Response:
    """GET lists armed faults, POST arms one (Faults.add keyword arguments as JSON), DELETE disarms all."""
    if req.method == "POST":
        body = _body(req)
        unknown = set(body) - _FAULT_KEYS
        if unknown:
            raise _invalid(f"unknown fault keys: {sorted(unknown)}")
        try:
            return Response.json(app.faults.add(**body).as_dict(), status=201)
        except ValueError as exc:
            raise _invalid(str(exc)) from None
    if req.method == "DELETE":
        app.faults.clear()
        return Response.empty(204)
    return Response.json(app.faults.list())


def counters(app: App, req: Request) -> Response:
    """GET per-endpoint call counts; DELETE resets them."""
    if req.method == "DELETE":
        app.reset_counters()
        return Response.empty(204)
    return Response.json(app.counters())


def edit(app: App, req: Request) -> Response:
    """POST {username, sobject, id, values}: update a record as that user (a person filling a field)."""
    body = _body(req)
    user = _user(app, _string(body, "username"))
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise _invalid("values must be a JSON object of field names to values")
    app.org.as_user(user.id).update(_string(body, "sobject"), _string(body, "id"), values)  # type: ignore[attr-defined]
    return Response.empty(204)


def token_ttl(app: App, req: Request) -> Response:
    """POST {seconds}: access-token lifetime, a number from 0 to 86,400; GET shows it."""
    if req.method == "POST":
        try:
            app.store.set_access_token_ttl(_body(req).get("seconds"))
        except ValueError as exc:
            raise _invalid(str(exc)) from None
    return Response.json({"seconds": app.store.access_token_ttl})


def user_active(app: App, req: Request) -> Response:
    """POST {username, active}: (de)activate a user (active is true or false); deactivation revokes their tokens."""
    body = _body(req)
    user = _user(app, _string(body, "username"))
    active = body.get("active")
    if not isinstance(active, bool):
        raise _invalid(f"active must be true or false, not {active!r}")
    app.org.set_user_active(user.id, active)  # type: ignore[attr-defined]
    if not active:
        app.store.revoke_user(user.id)  # type: ignore[attr-defined]
    return Response.empty(204)


def limits(app: App, req: Request) -> Response:
    """GET {used, max}; POST {used} sets today's spent API requests (an integer >= 0)."""
    if req.method == "POST":
        try:
            app.store.set_api_usage(_body(req).get("used"))
        except ValueError as exc:
            raise _invalid(str(exc)) from None
    return Response.json({"used": app.store.api_used, "max": app.store.api_limit})


def ready(app: App, req: Request) -> Response:
    """GET: the same JSON `python -m localorg serve` printed (used to find a running demo org)."""
    return Response.json(app.state["ready_line"]() if "ready_line" in app.state else {"instance_url": app.instance_url})


def permission_sets(app: App, req: Request) -> Response:
    """POST {name, xml, assign_to}: deploy a permission set file and assign it (Handle.grant_permission_set)."""
    from localorg.permset_deploy import DeployError, deploy

    body = _body(req)
    try:
        ps_id = deploy(app.org, str(body.get("name") or ""), str(body.get("xml") or ""),
                       assign_to=body.get("assign_to"))
    except DeployError as exc:
        raise RestError(400, "DEPLOY_FAILED", str(exc)) from None
    return Response.json({"id": ps_id}, status=201)
def _is_loopback_name(host: str) -> bool:
    try:
        name = urlsplit(f"//{host}").hostname or ""
    except ValueError:   # e.g. an unbalanced "[" in the Host header
        return False
    return name in _LOOPBACK_NAMES or name.startswith("127.")


def guarded(handler: Callable[[App, Request], Response]) -> Callable[[App, Request], Response]:
    """Refuse what a web page could send from the operator's browser (the path is loopback-only, so a browser on
    this machine is the one way in): a foreign Origin (cross-site request), a Host that is not a loopback name
    (DNS rebinding), and a POST whose body is not application/json (the content types a form or a no-preflight
    fetch can send)."""

    def check(app: App, req: Request) -> Response:
        """403 for a cross-origin or rebound request, 415 for a non-JSON POST; else the handler's answer."""
        origin = req.headers.get("Origin")
        if origin is not None and origin.rstrip("/") not in (app.login_url, app.instance_url):
            raise RestError(403, "FORBIDDEN", "the admin path refuses cross-origin requests")
        host = req.headers.get("Host")
        if host is not None and not _is_loopback_name(host):
            raise RestError(403, "FORBIDDEN", "the admin path answers only to a loopback Host (127.0.0.1, localhost)")
        media = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if req.method == "POST" and media != "application/json":
            raise RestError(415, "UNSUPPORTED_MEDIA_TYPE", "the admin path takes a JSON body (Content-Type: application/json)")
        return handler(app, req)

    check.__name__, check.__doc__ = handler.__name__, handler.__doc__
    return check


def register(app: App) -> None:
    """Add the admin routes, each behind the cross-origin and content-type guard."""
    r = app.admin_router
    f, c, t, lim = guarded(faults), guarded(counters), guarded(token_ttl), guarded(limits)
    r.add("/__localorg__/faults", r"/__localorg__/faults/?", {"GET": f, "POST": f, "DELETE": f})
    r.add("/__localorg__/counters", r"/__localorg__/counters/?", {"GET": c, "DELETE": c})
    r.add("/__localorg__/edit", r"/__localorg__/edit/?", {"POST": guarded(edit)})
    r.add("/__localorg__/token-ttl", r"/__localorg__/token-ttl/?", {"GET": t, "POST": t})
    r.add("/__localorg__/users/active", r"/__localorg__/users/active/?", {"POST": guarded(user_active)})
    r.add("/__localorg__/limits", r"/__localorg__/limits/?", {"GET": lim, "POST": lim})
    r.add("/__localorg__/ready", r"/__localorg__/ready/?", {"GET": guarded(ready)})
    r.add("/__localorg__/permission-sets", r"/__localorg__/permission-sets/?", {"POST": guarded(permission_sets)})
