"""The loopback-only admin path /__localorg__/…: faults, counters, edits as another user, token TTL, users, limits."""
from __future__ import annotations

import inspect

from localorg.app import App
from localorg.faults import Faults
from localorg.httpcore import Request, Response, RestError

_FAULT_KEYS = set(inspect.signature(Faults.add).parameters) - {"self"}


def _body(req: Request) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise RestError(400, "JSON_PARSER_ERROR", "a JSON object is required")
    return body


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
            raise RestError(400, "INVALID_FIELD", f"unknown fault keys: {sorted(unknown)}")
        return Response.json(app.faults.add(**body).as_dict(), status=201)
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
    user = _user(app, body.get("username"))
    app.org.as_user(user.id).update(body["sobject"], body["id"], body.get("values") or {})  # type: ignore[attr-defined]
    return Response.empty(204)


def token_ttl(app: App, req: Request) -> Response:
    """POST {seconds}: access-token lifetime; GET shows it."""
    if req.method == "POST":
        app.store.set_access_token_ttl(float(_body(req)["seconds"]))
    return Response.json({"seconds": app.store.access_token_ttl})


def user_active(app: App, req: Request) -> Response:
    """POST {username, active}: (de)activate a user; deactivation revokes their tokens."""
    body = _body(req)
    user = _user(app, body.get("username"))
    active = bool(body.get("active"))
    app.org.set_user_active(user.id, active)  # type: ignore[attr-defined]
    if not active:
        app.store.revoke_user(user.id)  # type: ignore[attr-defined]
    return Response.empty(204)


def limits(app: App, req: Request) -> Response:
    """GET {used, max}; POST {used} sets today's spent API requests."""
    if req.method == "POST":
        app.store.set_api_usage(int(_body(req)["used"]))
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


def register(app: App) -> None:
    """Add the admin routes."""
    r = app.admin_router
    r.add("/__localorg__/faults", r"/__localorg__/faults/?", {"GET": faults, "POST": faults, "DELETE": faults})
    r.add("/__localorg__/counters", r"/__localorg__/counters/?", {"GET": counters, "DELETE": counters})
    r.add("/__localorg__/edit", r"/__localorg__/edit/?", {"POST": edit})
    r.add("/__localorg__/token-ttl", r"/__localorg__/token-ttl/?", {"GET": token_ttl, "POST": token_ttl})
    r.add("/__localorg__/users/active", r"/__localorg__/users/active/?", {"POST": user_active})
    r.add("/__localorg__/limits", r"/__localorg__/limits/?", {"GET": limits, "POST": limits})
    r.add("/__localorg__/ready", r"/__localorg__/ready/?", {"GET": ready})
    r.add("/__localorg__/permission-sets", r"/__localorg__/permission-sets/?", {"POST": permission_sets})
