"""OAuth 2.0 with Salesforce through authlib: authorize URL with PKCE (S256), code exchange, refresh,
revoke, the JWT bearer grant and the demo org's password grant. Every failure leaves as a ConsoleError."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import jwt
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from core import errors, settings

SCOPE = "api refresh_token id"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
T = TypeVar("T")


def token_endpoint(base_url: str) -> str:
    """The token endpoint on a login host or instance URL."""
    return base_url.rstrip("/") + "/services/oauth2/token"


def new_state() -> str:
    """A fresh unguessable `state` (CSRF protection and the key of the server-side sign-in record)."""
    return generate_token(40)


def new_code_verifier() -> str:
    """A fresh PKCE code verifier (RFC 7636: 43..128 unreserved characters)."""
    return generate_token(64)


def _session(client_id: str, client_secret: str | None, ca_file: str | None, **kwargs: Any) -> OAuth2Session:
    """An authlib session with the console's TLS and timeout settings (secret sent in the form body)."""
    return OAuth2Session(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method="client_secret_post" if client_secret else "none",
        revocation_endpoint_auth_method="client_secret_post" if client_secret else "none",
        default_timeout=settings.HTTP_TIMEOUT,
        **settings.http_options(ca_file),
        **kwargs,
    )


def _call(host: str, client: OAuth2Session, action: Callable[[OAuth2Session], T],
          org_is_sandbox: bool | None = None) -> T:
    """Run a token-endpoint call on `client` (closed afterwards) and translate failures via errors.classify."""
    try:
        with client:
            return action(client)
    except (OAuthError, requests.exceptions.RequestException) as exc:
        raise errors.classify(exc, host=host, org_is_sandbox=org_is_sandbox) from None
    except ValueError as exc:  # a non-JSON token response (a proxy page, an HTML error)
        raise errors.ConsoleError(f"The sign-in host {host} did not answer like Salesforce ({exc}).",
                                  fix="Check the login URL / My Domain.", cause="not_salesforce") from None


def _checked(token: dict[str, Any], host: str) -> dict[str, Any]:
    """A token response must carry access_token and instance_url."""
    if not token.get("access_token") or not token.get("instance_url"):
        raise errors.ConsoleError(f"The sign-in host {host} returned no access token.",
                                  fix="Check the login URL / My Domain and the connected app.", cause="not_salesforce")
    return dict(token)


def authorize_url(login_url: str, *, client_id: str, redirect_uri: str, state: str, code_verifier: str,
                  scope: str = SCOPE, prompt: str | None = None, login_hint: str | None = None) -> str:
    """The Salesforce authorize URL for the web-server flow with PKCE S256 and `state`.

    The verifier itself never leaves the server; only its SHA-256 challenge is in the URL.
    """
    client = OAuth2Session(client_id=client_id, redirect_uri=redirect_uri, scope=scope, code_challenge_method="S256")
    extra = {k: v for k, v in (("prompt", prompt), ("login_hint", login_hint)) if v}
    url, _ = client.create_authorization_url(login_url.rstrip("/") + "/services/oauth2/authorize",
                                             state=state, code_verifier=code_verifier, **extra)
    return url


def exchange_code(token_url: str, *, client_id: str, client_secret: str | None, code: str, redirect_uri: str,
                  code_verifier: str, ca_file: str | None = None) -> dict[str, Any]:
    """Exchange an authorization code (with its PKCE verifier) for tokens at `token_url`'s host."""
    client = _session(client_id, client_secret, ca_file, redirect_uri=redirect_uri)
    endpoint = token_endpoint(token_url)
    token = _call(token_url, client, lambda c: c.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                                         code_verifier=code_verifier, redirect_uri=redirect_uri))
    return _checked(token, token_url)


def refresh(token_url: str, *, client_id: str, client_secret: str | None, refresh_token: str,
            ca_file: str | None = None, org_is_sandbox: bool | None = None) -> dict[str, Any]:
    """A new access token from the refresh token, at the host that issued it.

    Salesforce usually omits refresh_token in the answer (the old one stays valid); with refresh
    token rotation it returns a new one, which the caller must persist.
    """
    client = _session(client_id, client_secret, ca_file)
    endpoint = token_endpoint(token_url)
    token = _call(token_url, client, lambda c: c.refresh_token(endpoint, refresh_token=refresh_token), org_is_sandbox)
    token = _checked(token, token_url)
    if token.get("refresh_token") == refresh_token:
        token["refresh_token"] = None  # authlib copies the old one in; keep only a genuinely rotated token
    return token


def revoke(token_url: str, *, token: str, client_id: str, client_secret: str | None = None,
           ca_file: str | None = None) -> bool:
    """Revoke a refresh token (and its access tokens) or an access token at Salesforce.

    Returns True when revoked, False when Salesforce says the token was already invalid
    (400 invalid_token / unsupported_token_type); other failures raise a ConsoleError.
    """
    client = _session(client_id, client_secret, ca_file)
    url = token_url.rstrip("/") + "/services/oauth2/revoke"
    response = _call(token_url, client, lambda c: c.revoke_token(url, token=token))
    if response.status_code == 200:
        return True
    try:
        body = response.json()
    except ValueError:
        body = {"error": f"http_{response.status_code}", "error_description": response.text[:200]}
    if response.status_code == 400 and isinstance(body, dict) and body.get("error") in ("invalid_token",
                                                                                         "unsupported_token_type"):
        return False
    raise errors.classify(body if isinstance(body, dict) else {"error": str(body)}, status=response.status_code,
                          host=token_url)


def password_grant(token_url: str, *, client_id: str, username: str, password: str,
                   ca_file: str | None = None) -> dict[str, Any]:
    """The username-password grant; the console uses it only for the local demo org (CLI connect)."""
    client = _session(client_id, None, ca_file)
    endpoint = token_endpoint(token_url)
    token = _call(token_url, client, lambda c: c.fetch_token(endpoint, grant_type="password", username=username,
                                                         password=password, scope=SCOPE))
    return _checked(token, token_url)


def jwt_assertion(*, client_id: str, username: str, audience: str, private_key_pem: bytes,
                  lifetime: int = 180) -> str:
    """The RS256 assertion of the JWT bearer flow: iss = client id, sub = username, aud = login host."""
    now = int(time.time())
    claims = {"iss": client_id, "sub": username, "aud": audience.rstrip("/"), "exp": now + lifetime, "iat": now}
    try:
        return jwt.encode(claims, private_key_pem, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise errors.BadInput("The key file is not a valid RSA private key (PEM).",
                              fix="Use the private key whose certificate is uploaded to the connected app "
                              "(openssl genrsa / the key behind server.crt).", cause="jwt_key_invalid") from exc


def jwt_bearer(token_url: str, *, client_id: str, username: str, private_key_pem: bytes, audience: str | None = None,
               ca_file: str | None = None) -> dict[str, Any]:
    """Connect a pre-authorized user headlessly: POST the signed assertion to the token endpoint.

    `audience` defaults to the login host (https://login.salesforce.com, https://test.salesforce.com
    or the My Domain URL). No refresh token comes back; a new assertion replaces a refresh.
    """
    assertion = jwt_assertion(client_id=client_id, username=username, audience=audience or token_url,
                              private_key_pem=private_key_pem)
    client = _session(client_id, None, ca_file)
    endpoint = token_endpoint(token_url)
    token = _call(token_url, client, lambda c: c.fetch_token(endpoint, grant_type=JWT_GRANT, assertion=assertion,
                                                         auth=lambda r: r))
    return _checked(token, token_url)
