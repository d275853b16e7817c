"""OAuth 2.0 endpoints: token (authorization_code+PKCE, refresh_token, password, JWT bearer), revoke, identity."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from localorg.app import App, now_ms
from localorg.auth import oidc
from localorg.auth import pages as oauth_pages
from localorg.auth.identity import id_payload, userinfo_payload
from localorg.httpcore import Request, Response

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_SCOPE = "api id refresh_token"


class OAuthError(Exception):
    """A token-endpoint failure: {"error": ..., "error_description": ...}."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status

    def response(self) -> Response:
        """The JSON answer Salesforce gives."""
        return Response.json({"error": self.error, "error_description": self.description}, status=self.status,
                             headers={"Cache-Control": "no-store"})


def _client(app: App, req: Request, form: dict[str, str]) -> Any:
    """The connected app named by client_id (form or HTTP Basic), its secret checked when it has one."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    auth = req.headers.get("Authorization") or ""
    if auth.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
    connected = app.store.app(client_id)
    if connected is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not connected.public and not connected.check_secret(secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    return connected


def _signing_key(app: App) -> bytes:
    key = app.state.get("signing_key")
    if key is None:
        with app.state_lock:
            stored = app.store._setting("signing_key", "")
            if not stored:
                stored = base64.b64encode(secrets.token_bytes(32)).decode()
                app.store._set("signing_key", stored)
            key = app.state["signing_key"] = stored.encode()
    return key


def _granted(app: App, req: Request, user: Any, client_id: str, scope: str, *, refresh_token: str | None = None,
             parent_refresh: str | None = None, nonce: str | None = None) -> Response:
    """The token response; with `openid` in the scope it carries an RS256 id_token (the nonce of the authorize
    request in it, when there was one), as Salesforce's does."""
    access, _ = app.store.issue_access_token(user.id, client_id, scope, refresh_token or parent_refresh)
    issued = now_ms()
    ident = f"{app.instance_url}/id/{app.org.org_id}/{user.id}"
    signature = base64.b64encode(hmac.new(_signing_key(app), (ident + issued).encode(), hashlib.sha256).digest()).decode()
    body: dict[str, Any] = {"access_token": access}
    if refresh_token:
        body["refresh_token"] = refresh_token
    body.update({"signature": signature, "scope": scope})
    if "openid" in scope.split():
        body["id_token"] = oidc.id_token(app, req, user, client_id=client_id, scope=scope, access_token=access,
                                         nonce=nonce)
    body.update({"instance_url": app.instance_url, "id": ident, "token_type": "Bearer", "issued_at": issued})
    return Response.json(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _active_user(app: App, user_id: str) -> Any:
    user = app.org.user_by_id(user_id)
    if user is None or not user.active:
        raise OAuthError("invalid_grant", "inactive user")
    return user


def _authorization_code(app: App, req: Request, form: dict[str, str]) -> Response:
    connected = _client(app, req, form)
    grant = app.store.consume_code(form.get("code", ""))
    if grant is None or grant.used or grant.client_id != connected.client_id:
        raise OAuthError("invalid_grant", "invalid authorization code")
    if grant.expires < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")
    if form.get("redirect_uri") != grant.redirect_uri:
        raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
    if grant.challenge:
        verifier = form.get("code_verifier") or ""
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not hmac.compare_digest(digest, grant.challenge):
            raise OAuthError("invalid_grant", "invalid code verifier")
    user = _active_user(app, grant.user_id)
    scopes = grant.scope.split()
    refresh = None
    if "refresh_token" in scopes or "offline_access" in scopes or "full" in scopes:
        refresh = app.store.issue_refresh_token(user.id, connected.client_id, grant.scope)
    return _granted(app, req, user, connected.client_id, grant.scope, refresh_token=refresh, nonce=grant.nonce)


def _refresh(app: App, req: Request, form: dict[str, str]) -> Response:
    connected = _client(app, req, form)
    token = form.get("refresh_token", "")
    found = app.store.refresh_grant(token)
    if found is None or found[1] != connected.client_id:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    user = _active_user(app, found[0])      # a deactivated user's (revoked) token says "inactive user"
    if found[3]:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    if connected.rotation:
        new_refresh = app.store.issue_refresh_token(user.id, connected.client_id, found[2])
        app.store.retire_refresh_token(token)
        return _granted(app, req, user, connected.client_id, found[2], refresh_token=new_refresh)
    return _granted(app, req, user, connected.client_id, found[2], parent_refresh=token)


def _password(app: App, req: Request, form: dict[str, str]) -> Response:
    connected = _client(app, req, form)
    username = form.get("username", "")
    known = app.org.user_by_username(username)
    user = app.org.check_password(username, form.get("password", ""))
    if user is None:
        if known is not None and not known.active:
            raise OAuthError("invalid_grant", "inactive user")
        raise OAuthError("invalid_grant", "authentication failure")
    if not user.active:
        raise OAuthError("invalid_grant", "inactive user")
    return _granted(app, req, user, connected.client_id, form.get("scope") or "api id")


def _public_key(pem: str) -> Any:
    data = pem.encode()
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def _jwt_bearer(app: App, req: Request, form: dict[str, str]) -> Response:
    assertion = form.get("assertion", "")
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    connected = app.store.app(claims.get("iss"))
    if connected is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not connected.jwt_cert:
        raise OAuthError("invalid_grant", "invalid assertion")
    audiences = [app.login_url, app.instance_url, "https://login.salesforce.com", "https://test.salesforce.com"]
    try:
        claims = jwt.decode(assertion, _public_key(connected.jwt_cert), algorithms=["RS256"], audience=audiences,
                            options={"require": ["iss", "sub", "aud", "exp"]}, leeway=5)
    except jwt.InvalidAudienceError:
        raise OAuthError("invalid_grant", "audience is invalid") from None
    except jwt.ExpiredSignatureError:
        raise OAuthError("invalid_grant", "expired assertion") from None   # not Salesforce-verified wording
    except (jwt.PyJWTError, ValueError):
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if float(claims["exp"]) - time.time() > 180 + 5:
        raise OAuthError("invalid_grant", "invalid assertion")
    user = app.org.user_by_username(str(claims.get("sub", "")))
    if user is None:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    if not user.active:
        raise OAuthError("invalid_grant", "inactive user")
    return _granted(app, req, user, connected.client_id, form.get("scope") or "api id")


_GRANTS = {"authorization_code": _authorization_code, "refresh_token": _refresh, "password": _password,
           JWT_GRANT: _jwt_bearer}


def token(app: App, req: Request) -> Response:
    """POST /services/oauth2/token (form-encoded), answering on both the HTTPS and the plain port."""
    form = req.form()
    grant = _GRANTS.get(form.get("grant_type", ""))
    try:
        if grant is None:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        return grant(app, req, form)
    except OAuthError as exc:
        return exc.response()


def revoke(app: App, req: Request) -> Response:
    """POST (or GET) /services/oauth2/revoke token=<access or refresh token>: 200, or 400 invalid_token."""
    value = req.form().get("token") if req.method == "POST" else req.param("token")
    if not value or not app.store.revoke(value):
        return OAuthError("invalid_token", "invalid token").response()
    return Response.empty(200)


def _identity_session(app: App, req: Request) -> tuple[Any, Response | None]:
    if app.bearer(req) is None:
        return None, Response.text("Missing_OAuth_Token", status=401)
    found = app.session_user(req)
    if found is None:
        return None, Response.text("Bad_OAuth_Token", status=403)
    return found[1], None


def userinfo(app: App, req: Request) -> Response:
    """GET|POST /services/oauth2/userinfo: the OpenID-style identity of the token's user."""
    user, problem = _identity_session(app, req)
    if problem is not None:
        return problem
    return Response.json(userinfo_payload(app, user, req.param("version")))


def identity(app: App, req: Request, org_id: str, user_id: str) -> Response:
    """GET /id/{orgId}/{userId}: the identity URL a token response points at (token's own user only)."""
    user, problem = _identity_session(app, req)
    if problem is not None:
        return problem
    if org_id[:15] != app.org.org_id[:15] or user_id[:15] != user.id[:15]:
        return Response.text("Bad_Id", status=403)
    return Response.json(id_payload(app, user, req.param("version")))


def register(app: App) -> None:
    """Add the OAuth routes (they answer on both listeners)."""
    r = app.router
    r.add("/services/oauth2/authorize", r"/services/oauth2/authorize/?",
          {"GET": oauth_pages.authorize_get, "POST": oauth_pages.authorize_post})
    r.add("/services/oauth2/token", r"/services/oauth2/token/?", {"POST": token})
    r.add("/services/oauth2/revoke", r"/services/oauth2/revoke/?", {"POST": revoke, "GET": revoke})
    r.add("/services/oauth2/userinfo", r"/services/oauth2/userinfo/?", {"GET": userinfo, "POST": userinfo})
    r.add("/id/{org}/{user}", r"/id/(?P<org_id>00D\w{12,15})/(?P<user_id>005\w{12,15})/?", {"GET": identity})
