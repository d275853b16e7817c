"""The browser side of OAuth: /services/oauth2/authorize login and consent pages (web-server flow + PKCE)."""
from __future__ import annotations

import html
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from localorg.auth.tokens import ConnectedApp
from localorg.httpcore import Request, Response

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
CARRIED = ("response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge",
           "code_challenge_method", "prompt", "login_hint", "display", "nonce")
TICKET_LIFETIME = 600.0
DEMO_PASSWORD = "demo-password"

_STYLE = """body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:10px 0 4px}input[type=text],input[type=password]{width:100%;padding:8px;box-sizing:border-box}
button{padding:8px 16px;margin:8px 8px 0 0;cursor:pointer}.users button{display:block;width:100%;text-align:left;margin:4px 0}
.err{color:#b00020;background:#fde7ea;padding:8px;border-radius:4px}.small{color:#555;font-size:.85rem}"""


def callback_allowed(app: ConnectedApp, redirect_uri: str) -> bool:
    """Exact match, or (RFC 8252 §7.3) a loopback http URL on any port whose path is a registered loopback path."""
    if redirect_uri in app.callbacks:
        return True
    try:
        got = urlsplit(redirect_uri)
        got_host = got.hostname
    except ValueError:
        return False
    if got.scheme != "http" or got_host not in LOOPBACK_HOSTS:
        return False
    for registered in app.callbacks:
        reg = urlsplit(registered)
        if reg.scheme == "http" and reg.hostname in LOOPBACK_HOSTS and (reg.path or "/") == (got.path or "/"):
            return True
    return False


def _page(title: str, body: str, status: int = 200) -> Response:
    doc = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
           f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{_STYLE}</style></head>"
           f"<body><main>{body}</main></body></html>")
    return Response.text(doc, status=status, content_type="text/html; charset=utf-8",
                         headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def _error_page(error: str, description: str) -> Response:
    """An error shown in the browser (never redirected: the client or callback is not trusted)."""
    return _page("Error", f"<h1>Authorization error</h1><p class=err id=error><b>error={html.escape(error)}</b><br>"
                          f"error_description={html.escape(description)}</p>", status=400)


def _redirect(redirect_uri: str, params: dict[str, str]) -> Response:
    sep = "&" if "?" in redirect_uri else "?"
    return Response.empty(302, {"Location": redirect_uri + sep + urlencode(params), "Cache-Control": "no-store"})


def _hidden(params: dict[str, str]) -> str:
    return "".join(f"<input type=hidden name='{html.escape(k)}' value='{html.escape(v)}'>"
                   for k, v in params.items() if k in CARRIED and v is not None)


def _validate(app: Any, params: dict[str, str]) -> tuple[ConnectedApp | None, Response | None]:
    """Check client_id and redirect_uri (error page), then response_type and PKCE (error redirect)."""
    connected = app.store.app(params.get("client_id"))
    if connected is None:
        return None, _error_page("invalid_client_id", "client identifier invalid")
    redirect_uri = params.get("redirect_uri") or ""
    if not redirect_uri or not callback_allowed(connected, redirect_uri):
        return None, _error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
    state = {"state": params["state"]} if params.get("state") else {}
    if params.get("response_type") != "code":
        return None, _redirect(redirect_uri, {"error": "unsupported_response_type",
                                              "error_description": "response type not supported", **state})
    if connected.public and not params.get("code_challenge"):
        return None, _redirect(redirect_uri, {"error": "invalid_request",
                                              "error_description": "missing required code challenge", **state})
    if params.get("code_challenge") and params.get("code_challenge_method", "S256") != "S256":
        return None, _redirect(redirect_uri, {"error": "invalid_request",
                                              "error_description": "unsupported code challenge method", **state})
    return connected, None


def _login_page(app: Any, params: dict[str, str], error: str | None = None, username: str = "") -> Response:
    demo = [u for u in app.org.users() if u.username.endswith("@demo.test")]
    buttons = "".join(
        f"<form method=post action='/services/oauth2/authorize'>{_hidden(params)}"
        f"<input type=hidden name='step' value='login'><input type=hidden name='username' value='{html.escape(u.username)}'>"
        f"<input type=hidden name='quick' value='1'>"
        f"<button type=submit data-username='{html.escape(u.username)}'>{html.escape(u.name)} "
        f"<span class=small>{html.escape(u.username)} · {html.escape(u.profile_name)}"
        f"{'' if u.active else ' · inactive'}</span></button></form>"
        for u in demo[:30])
    err = f"<p class=err id=error>{html.escape(error)}</p>" if error else ""
    body = (f"<h1>Log in to {html.escape(app.org.name)}</h1>{err}"
            f"<form method=post action='/services/oauth2/authorize' id=login>{_hidden(params)}"
            f"<input type=hidden name='step' value='login'>"
            f"<label for=username>Username</label><input type=text id=username name=username autocomplete=username value='{html.escape(username)}'>"
            f"<label for=password>Password</label><input type=password id=password name=password autocomplete=current-password>"
            f"<button type=submit id=Login>Log In</button></form>"
            f"<h2 style='font-size:1rem'>Demo users</h2><p class=small>Local demo org: every demo user's password is "
            f"<code>demo-password</code>. Click one to log in as that user.</p><div class=users>{buttons}</div>")
    return _page("Login | localorg", body)


def _consent_page(app: Any, connected: ConnectedApp, user: Any, ticket: str, scope: str) -> Response:
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in (scope or "api id refresh_token").split())
    body = (f"<h1>Allow access?</h1><p><b>{html.escape(connected.name)}</b> is asking to access "
            f"{html.escape(app.org.name)} as <b>{html.escape(user.username)}</b>:</p><ul>{scopes}</ul>"
            f"<form method=post action='/services/oauth2/authorize'><input type=hidden name='step' value='consent'>"
            f"<input type=hidden name='ticket' value='{html.escape(ticket)}'>"
            f"<button type=submit name=decision value=allow id=oaapprove>Allow</button>"
            f"<button type=submit name=decision value=deny id=oadeny>Deny</button></form>")
    return _page("Allow Access? | localorg", body)


def authorize_get(app: Any, req: Request) -> Response:
    """GET /services/oauth2/authorize: validate the request, show the login page."""
    params = {k: v[0] for k, v in req.query.items()}
    _, problem = _validate(app, params)
    if problem is not None:
        return problem
    return _login_page(app, {k: v for k, v in params.items() if k in CARRIED},
                       username=params.get("login_hint", ""))


def authorize_post(app: Any, req: Request) -> Response:
    """POST /services/oauth2/authorize: the login form (step=login) or the consent buttons (step=consent)."""
    form = req.form()
    tickets: dict[str, tuple[str, dict[str, str], float]] = app.state.setdefault("consent_tickets", {})
    if form.get("step") == "consent":
        with app.state_lock:
            entry = tickets.pop(form.get("ticket", ""), None)
        if entry is None or entry[2] < time.time():
            return _error_page("invalid_request", "the login session expired; start again")
        user_id, params, _ = entry
        connected, problem = _validate(app, params)
        if problem is not None:
            return problem
        state = {"state": params["state"]} if params.get("state") else {}
        if form.get("decision") != "allow":
            return _redirect(params["redirect_uri"], {"error": "access_denied",
                                                      "error_description": "end-user denied authorization", **state})
        scope = params.get("scope") or "api id refresh_token"
        code = app.store.issue_code(connected.client_id, params["redirect_uri"], params.get("code_challenge"),
                                    user_id, scope, nonce=params.get("nonce"))
        return _redirect(params["redirect_uri"], {"code": code, **state})
    params = {k: v for k, v in form.items() if k in CARRIED}
    connected, problem = _validate(app, params)
    if problem is not None:
        return problem
    username = form.get("username", "").strip()
    # A demo-user button posts quick=1 instead of a password: it logs in only while that user's
    # password is still the published demo one, so no credential is ever written into the page.
    password = DEMO_PASSWORD if form.get("quick") == "1" and not form.get("password") else form.get("password", "")
    user = app.org.check_password(username, password)
    if user is None:
        return _login_page(app, params, "Please check your username and password. If you still can't log in, "
                                        "contact your Salesforce administrator.", username)
    if not user.active:
        # Salesforce sends authorization errors to the callback URL (help: "OAuth 2.0 Authorization Errors"),
        # so the app can explain them: inactive_user for a deactivated user with the right password.
        state = {"state": params["state"]} if params.get("state") else {}
        return _redirect(params["redirect_uri"], {"error": "inactive_user",
                                                  "error_description": "user is inactive", **state})
    ticket = secrets.token_urlsafe(24)
    with app.state_lock:
        now = time.time()
        for key in [k for k, v in tickets.items() if v[2] < now]:
            del tickets[key]
        tickets[ticket] = (user.id, params, now + TICKET_LIFETIME)
    return _consent_page(app, connected, user, ticket, params.get("scope", ""))
