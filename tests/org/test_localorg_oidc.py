"""localorg as an OpenID provider, the way Salesforce is one: discovery, /id/keys, and RS256 ID tokens with the nonce."""
from __future__ import annotations

import base64
import hashlib
import secrets
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests

from tests.fixtures.app import sign_in_over_http
from tests.fixtures.localorg import _start_copy, localorg_session

CLIENT_ID, SECRET = "console-sign-in", "s3cret-for-tests"
CALLBACK = "http://localhost:8599/oauth2callback"


def _web() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def test_given_either_listener_when_discovery_is_read_then_it_names_itself_as_issuer_and_what_st_login_needs(
        fresh_localorg: Any) -> None:
    for base, session in ((fresh_localorg.login_url, _web()), (fresh_localorg.instance_url,
                                                               localorg_session(fresh_localorg))):
        meta = session.get(f"{base}/.well-known/openid-configuration", timeout=10).json()

        assert meta["issuer"] == base and meta["jwks_uri"] == f"{base}/id/keys"
        assert meta["authorization_endpoint"] == f"{base}/services/oauth2/authorize"
        assert meta["token_endpoint"] == f"{base}/services/oauth2/token"
        assert meta["userinfo_endpoint"] == f"{base}/services/oauth2/userinfo"
        assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
        assert meta["code_challenge_methods_supported"] == ["S256"] and "openid" in meta["scopes_supported"]
        keys = session.get(meta["jwks_uri"], timeout=10).json()["keys"]
        assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]


def test_given_a_sign_in_with_openid_and_a_nonce_when_the_code_is_exchanged_then_a_verifiable_id_token(
        fresh_localorg: Any) -> None:
    org = fresh_localorg
    org.register_connected_app(CLIENT_ID, ["http://localhost/oauth2callback"], secret=SECRET, name="Console sign-in")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    nonce = secrets.token_urlsafe(16)
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK, "state": "st-9",
             "scope": "openid email profile", "nonce": nonce, "code_challenge": challenge,
             "code_challenge_method": "S256", "prompt": "select_account"}
    back = sign_in_over_http(f"{org.login_url}/services/oauth2/authorize?{urlencode(query)}", "auditor@demo.test")
    assert back["state"] == "st-9"

    token = _web().post(f"{org.login_url}/services/oauth2/token", auth=(CLIENT_ID, SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": back["code"], "redirect_uri": CALLBACK,
        "code_verifier": verifier}).json()

    keys = jwt.PyJWKSet.from_dict(_web().get(f"{org.login_url}/id/keys", timeout=10).json())
    header = jwt.get_unverified_header(token["id_token"])
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    claims = jwt.decode(token["id_token"], key.key, algorithms=["RS256"], audience=CLIENT_ID, issuer=org.login_url,
                        options={"require": ["iss", "sub", "aud", "exp", "iat", "nonce"]})
    user = org.org.user_by_username("auditor@demo.test")
    assert claims["nonce"] == nonce and claims["exp"] - claims["iat"] == 300
    assert (claims["email"], claims["name"], claims["preferred_username"]) == (user.email, user.name, user.username)
    assert claims["sub"].endswith(f"/id/{org.org.org_id}/{user.id}")
    digest = hashlib.sha256(token["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    forged = jwt.encode({**claims, "email": "ops@example.com"}, "not-the-orgs-key-but-long-enough-for-hs256", algorithm="HS256")
    try:
        jwt.decode(forged, key.key, algorithms=["RS256"], audience=CLIENT_ID)
    except jwt.InvalidTokenError:
        pass
    else:
        raise AssertionError("a token not signed by the org verified")


def test_given_a_scope_without_openid_when_granted_then_no_id_token(fresh_localorg: Any) -> None:
    token = localorg_session(fresh_localorg).post(f"{fresh_localorg.instance_url}/services/oauth2/token", data={
        "grant_type": "password", "client_id": fresh_localorg.client_id, "username": "integration@demo.test",
        "password": "demo-password", "scope": "api id"}, timeout=10).json()
    assert "access_token" in token and "id_token" not in token


def test_given_a_restart_when_keys_are_read_then_the_same_key_kept_private_in_the_data_dir(
        localorg_template: Path, tmp_path: Path) -> None:
    first = _start_copy(localorg_template, tmp_path / "org")
    try:
        kid = _web().get(f"{first.login_url}/id/keys", timeout=10).json()["keys"][0]["kid"]
    finally:
        first.stop()
    again = _start_copy(localorg_template, tmp_path / "org")
    try:
        assert _web().get(f"{again.login_url}/id/keys", timeout=10).json()["keys"][0]["kid"] == kid
    finally:
        again.stop()
    mode = stat.S_IMODE((tmp_path / "org" / "oidc-key.pem").stat().st_mode)
    assert mode == 0o600


def test_given_the_nonce_in_the_authorize_request_when_the_login_form_posts_then_it_is_carried(
        fresh_localorg: Any) -> None:
    org = fresh_localorg
    query = {"response_type": "code", "client_id": org.client_id, "redirect_uri": "http://127.0.0.1:8765/connect",
             "state": "s", "code_challenge": "x" * 43, "code_challenge_method": "S256", "nonce": "n-<b>1</b>"}
    page = _web().get(f"{org.login_url}/services/oauth2/authorize?{urlencode(query)}", timeout=10)
    assert "name='nonce' value='n-&lt;b&gt;1&lt;/b&gt;'" in page.text
    assert parse_qs(urlsplit(page.url).query)["nonce"] == ["n-<b>1</b>"]
