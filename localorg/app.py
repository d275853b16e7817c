"""The request dispatcher: faults, counters, routing, bearer authentication and API accounting."""
from __future__ import annotations

import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localorg.auth.tokens import Session, TokenStore
from localorg.faults import Faults
from localorg.httpcore import Request, Response, RestError, Router, is_api_error, not_found

API_VERSIONS = [f"{v}.0" for v in range(50, 67)]
DEMO_CLIENT_ID = "localorg-demo-console"
LOOPBACK_CALLBACKS = ["http://localhost/connect", "http://127.0.0.1/connect"]
INVALID_SESSION = (401, "INVALID_SESSION_ID", "Session expired or invalid")


@dataclass
class Ctx:
    """An authenticated REST call: who is calling, through which view, at which API version."""

    app: App
    req: Request
    user: Any
    view: Any
    version: str
    session: Session


RestHandler = Callable[..., Response]


class App:
    """Everything one running org answers with; listeners call dispatch() per request."""

    def __init__(self, org: Any, store: TokenStore, *, instance_url: str, login_url: str) -> None:
        self.org = org
        self.store = store
        self.instance_url = instance_url
        self.login_url = login_url
        self.client_id = DEMO_CLIENT_ID
        self.faults = Faults()
        self.router = Router()
        self.admin_router = Router()
        self._counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self.state: dict[str, Any] = {}   # per-feature in-memory state (query cursors, bulk jobs, consent tickets)
        self.state_lock = threading.RLock()

    # -- accounting ----------------------------------------------------------------------
    def counters(self) -> dict[str, int]:
        """Calls per "METHOD /path-template" since start."""
        with self._count_lock:
            return dict(self._counts)

    def reset_counters(self) -> None:
        """Forget every call count (a benchmark or test measuring one phase)."""
        with self._count_lock:
            self._counts.clear()

    def _count(self, key: str) -> None:
        with self._count_lock:
            self._counts[key] += 1

    def limit_header(self) -> dict[str, str]:
        """The Sforce-Limit-Info header every REST response carries."""
        return {"Sforce-Limit-Info": f"api-usage={self.store.api_used}/{self.store.api_limit}"}

    # -- dispatch ------------------------------------------------------------------------
    def dispatch(self, req: Request) -> Response:
        """Answer one request; never raises. Order: count the call, fire an armed fault, route, handle."""
        try:
            if req.path.startswith("/__localorg__/"):
                if not _is_loopback(req.client_ip):
                    return Response.error(RestError(403, "FORBIDDEN", "admin path is loopback only"))
                return self._handle(self.admin_router, req, count=False)
            return self._handle(self.router, req, count=not req.internal)
        except Exception as exc:  # noqa: BLE001 - the server must answer, whatever broke
            if is_api_error(exc):
                return Response.error(exc)
            traceback.print_exc(file=sys.stderr)
            return Response.error(RestError(500, "UNKNOWN_EXCEPTION", f"An unexpected error occurred: {type(exc).__name__}"))

    def _handle(self, router: Router, req: Request, *, count: bool) -> Response:
        try:
            found, problem = router.match(req.method, req.path), None
        except RestError as exc:
            found, problem = None, exc
        if count:
            label = found[0].template if found else ("(method not allowed)" if problem else "(not found)")
            self._count(f"{req.method} {label}")
            fault = self.faults.take(req.method, req.path)
            if fault is not None:
                answer = fault.apply()
                if answer is not None:
                    return answer
        if problem is not None:
            raise problem
        if found is None:
            raise not_found()
        route, handler, params = found
        return handler(self, req, **params)

    # -- authentication ------------------------------------------------------------------
    def bearer(self, req: Request) -> str | None:
        """The access token from 'Authorization: Bearer|OAuth <token>'."""
        auth = req.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and token.strip():
            return token.strip()
        return None

    def session_user(self, req: Request) -> tuple[Session, Any] | None:
        """The live session and its (active) user, or None. An inactive user's tokens are revoked here."""
        token = self.bearer(req)
        if token is None:
            return None
        session = self.store.session(token)
        if session is None:
            return None
        user = self.org.user_by_id(session.user_id)
        if user is None or not user.active:
            self.store.revoke_user(session.user_id)
            return None
        return session, user

    def rest_context(self, req: Request, version: str) -> Ctx:
        """Authenticate a data call and spend one API request: 401 / 403 / 404 in Salesforce's shape."""
        if version not in API_VERSIONS or not (req.secure or req.internal):
            raise not_found()   # the data API answers on the HTTPS listener only
        found = self.session_user(req)
        if found is None:
            raise RestError(*INVALID_SESSION)
        session, user = found
        view = self.org.as_user(user.id)
        view.require_api()
        if not req.internal:
            allowed, _ = self.store.spend_api_call()
            if not allowed:
                raise RestError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.",
                                headers=self.limit_header())
        return Ctx(self, req, user, view, version, session)


def rest(handler: RestHandler) -> Callable[..., Response]:
    """Wrap a REST handler (ctx, **params): authentication, accounting, Sforce-Limit-Info on every answer."""

    def wrapped(app: App, req: Request, version: str, **params: str) -> Response:
        """Authenticate, run the handler, stamp Sforce-Limit-Info."""
        try:
            resp = handler(app.rest_context(req, version), **params)
        except Exception as exc:
            if not is_api_error(exc):
                raise
            resp = Response.error(exc)
        if resp.status != 401:         # every answer to an authenticated caller reports usage
            resp.headers.update(app.limit_header())
        return resp

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _is_loopback(ip: str) -> bool:
    return ip.startswith("127.") or ip in ("::1", "localhost")


def now_ms() -> str:
    """Milliseconds since the epoch as a string (OAuth issued_at)."""
    return str(int(time.time() * 1000))
