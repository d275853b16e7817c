"""OpenID Connect, as Salesforce serves it: the discovery document, the JWKS at /id/keys, and RS256 ID tokens.

Salesforce is an OpenID provider: `{login host}/.well-known/openid-configuration` names the issuer (the host
asked: login.salesforce.com, test.salesforce.com or a My Domain), its OAuth endpoints and `jwks_uri`
(`/id/keys`), and a token response for a scope with `openid` carries an `id_token` signed RS256 whose claims
are iss, sub (the identity URL), aud (the client id), exp, iat, at_hash, the nonce of the authorize request,
and the user's claims for the scopes granted (email, profile, address, phone). Here each listener is its own
issuer (the HTTPS instance URL, or the plain-HTTP login URL the browser pages use), so a client that reads the
metadata from one of them gets tokens it can verify against it. The signing key is an RSA key made on the
org's first start and kept in its data dir (`oidc-key.pem`, mode 0600), so a restarted org keeps its keys.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from localorg.auth.identity import userinfo_payload
from localorg.httpcore import Request, Response

KEY_FILE = "oidc-key.pem"
ID_TOKEN_LIFETIME = 300  # seconds
SCOPES = ["api", "id", "refresh_token", "offline_access", "full", "web", "openid", "profile", "email", "address",
          "phone"]
SCOPE_CLAIMS = {
    "email": ("email", "email_verified"),
    "profile": ("name", "preferred_username", "nickname", "given_name", "family_name", "zoneinfo", "locale",
                "picture", "profile", "updated_at"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
}


def load_key(data_dir: Path) -> rsa.RSAPrivateKey:
    """The org's ID-token signing key: read from the data dir, or made now (RSA 2048) and kept there, mode 0600."""
    path = Path(data_dir) / KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.touch(mode=0o600)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The key's public half as a JWK, its kid the RFC 7638 thumbprint (so it changes only with the key)."""
    numbers = key.public_key().public_numbers()
    e = _b64(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big"))
    n = _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big"))
    thumb = _b64(hashlib.sha256(json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":")).encode()).digest())
    return {"kty": "RSA", "n": n, "e": e, "alg": "RS256", "use": "sig", "kid": thumb[:16]}


def issuer(app: Any, req: Request) -> str:
    """The issuer a request speaks to: the listener it came in on (HTTPS instance URL, or the plain login URL)."""
    return app.instance_url if req.secure else app.login_url


def configuration(app: Any, req: Request) -> Response:
    """GET /.well-known/openid-configuration: what Salesforce's discovery document says, for what localorg serves."""
    base = issuer(app, req)
    claims = sorted({"sub", "user_id", "organization_id", "urls", "active", "user_type", "language", "utcOffset",
                     "is_app_installed", *(c for names in SCOPE_CLAIMS.values() for c in names)})
    return Response.json({
        "issuer": base,
        "authorization_endpoint": f"{base}/services/oauth2/authorize",
        "token_endpoint": f"{base}/services/oauth2/token",
        "revocation_endpoint": f"{base}/services/oauth2/revoke",
        "userinfo_endpoint": f"{base}/services/oauth2/userinfo",
        "jwks_uri": f"{base}/id/keys",
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "display_values_supported": ["page", "popup", "touch"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": claims,
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token", "password",
                                  "urn:ietf:params:oauth:grant-type:jwt-bearer"],
    }, headers={"Cache-Control": "public, max-age=300"})


def keys(app: Any, req: Request) -> Response:
    """GET /id/keys: the JWKS that verifies this org's ID tokens."""
    return Response.json({"keys": [public_jwk(app.state["oidc_key"])]}, headers={"Cache-Control": "public, max-age=300"})


def id_token(app: Any, req: Request, user: Any, *, client_id: str, scope: str, access_token: str,
             nonce: str | None) -> str:
    """An RS256 ID token for `user`, issued to `client_id` by the listener `req` came in on."""
    now = int(time.time())
    info = userinfo_payload(app, user)
    granted = set(scope.split())
    claims: dict[str, Any] = {
        "iss": issuer(app, req), "sub": info["sub"], "aud": client_id,  # sub: the identity URL, as userinfo says
        "iat": now, "exp": now + ID_TOKEN_LIFETIME,
        "at_hash": _b64(hashlib.sha256(access_token.encode()).digest()[:16]),
    }
    if nonce:
        claims["nonce"] = nonce
    for name, wanted in SCOPE_CLAIMS.items():
        if name in granted:
            claims.update({c: info[c] for c in wanted if info.get(c) is not None})
    key = app.state["oidc_key"]
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})


def register(app: Any, data_dir: Path) -> None:
    """Load (or make) the signing key and add the discovery and JWKS routes (both listeners)."""
    app.state["oidc_key"] = load_key(data_dir)
    r = app.router
    r.add("/.well-known/openid-configuration", r"/\.well-known/openid-configuration/?", {"GET": configuration})
    r.add("/id/keys", r"/id/keys/?", {"GET": keys})
