"""localorg OAuth over HTTP: authorize pages + PKCE, the token grants, revoke, identity, token expiry."""
from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
import trustme
from cryptography.hazmat.primitives import serialization
from simple_salesforce.exceptions import SalesforceExpiredSession

from tests.fixtures.localorg import localorg_session, make_sf_client, password_token

CALLBACK = "http://127.0.0.1:8765/connect"
_HIDDEN = re.compile(r"<input type=hidden name='([^']+)' value='([^']*)'>")


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(handle: Any, challenge: str | None, *, username: str = "integration@demo.test",
              decision: str = "allow", redirect_uri: str = CALLBACK, scope: str | None = None) -> requests.Response:
    """Drive the authorize pages like a browser on the plain-HTTP port; returns the final (302) response."""
    web = requests.Session()
    web.trust_env = False
    params = {"response_type": "code", "client_id": handle.client_id, "redirect_uri": redirect_uri, "state": "st-1"}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    if scope:
        params["scope"] = scope
    page = web.get(f"{handle.login_url}/services/oauth2/authorize?{urlencode(params)}", allow_redirects=False)
    if page.status_code != 200:
        return page
    login = page.text.split("id=login>", 1)[1].split("</form>", 1)[0]
    form = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(login)}
    form.update(username=username, password="demo-password")
    consent = web.post(f"{handle.login_url}/services/oauth2/authorize", data=form, allow_redirects=False)
    assert consent.status_code == 200 and "Allow" in consent.text, consent.text[:400]
    ticket = html.unescape(dict(_HIDDEN.findall(consent.text))["ticket"])
    return web.post(f"{handle.login_url}/services/oauth2/authorize",
                    data={"step": "consent", "ticket": ticket, "decision": decision}, allow_redirects=False)


def callback_params(resp: requests.Response) -> dict[str, str]:
    """The query parameters of the redirect to the callback."""
    assert resp.status_code == 302, resp.text[:300]
    location = resp.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def token_call(handle: Any, **form: str) -> requests.Response:
    """POST the token endpoint on the plain-HTTP login URL."""
    web = requests.Session()
    web.trust_env = False
    return web.post(f"{handle.login_url}/services/oauth2/token", data={"client_id": handle.client_id, **form})


def exchange(handle: Any, code: str, verifier: str, redirect_uri: str = CALLBACK) -> requests.Response:
    """The authorization_code grant with PKCE."""
    return token_call(handle, grant_type="authorization_code", code=code, code_verifier=verifier,
                      redirect_uri=redirect_uri)


def test_given_pkce_login_when_code_exchanged_then_salesforce_shaped_tokens_work_with_simple_salesforce(localorg: Any) -> None:
    verifier, challenge = pkce_pair()
    got = callback_params(authorize(localorg, challenge))
    assert got["state"] == "st-1"
    resp = exchange(localorg, got["code"], verifier)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"access_token", "refresh_token", "signature", "scope", "instance_url", "id",
                         "token_type", "issued_at"}
    assert body["token_type"] == "Bearer" and body["instance_url"] == localorg.instance_url
    assert body["issued_at"].isdigit() and body["id"].startswith(f"{localorg.login_url}/id/00D")
    from simple_salesforce import Salesforce
    sf = Salesforce(session_id=body["access_token"], instance_url=body["instance_url"],
                    session=localorg_session(localorg), version="62.0")
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] > 0


def test_given_wrong_verifier_when_exchanged_then_invalid_grant(localorg: Any) -> None:
    _, challenge = pkce_pair()
    got = callback_params(authorize(localorg, challenge))
    resp = exchange(localorg, got["code"], "not-the-verifier-" + "x" * 40)
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_given_used_code_when_exchanged_again_then_invalid_authorization_code(localorg: Any) -> None:
    verifier, challenge = pkce_pair()
    got = callback_params(authorize(localorg, challenge))
    assert exchange(localorg, got["code"], verifier).status_code == 200
    again = exchange(localorg, got["code"], verifier)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "invalid authorization code"}


def test_given_code_when_redirect_uri_differs_then_redirect_uri_mismatch(localorg: Any) -> None:
    verifier, challenge = pkce_pair()
    got = callback_params(authorize(localorg, challenge))
    resp = exchange(localorg, got["code"], verifier, redirect_uri="http://127.0.0.1:9999/connect")
    assert resp.json()["error"] == "redirect_uri_mismatch"


def test_given_user_denies_when_consenting_then_access_denied_on_redirect(localorg: Any) -> None:
    _, challenge = pkce_pair()
    got = callback_params(authorize(localorg, challenge, decision="deny"))
    assert got["error"] == "access_denied" and got["state"] == "st-1" and "code" not in got


def test_given_public_app_without_code_challenge_when_authorizing_then_error_redirect(localorg: Any) -> None:
    resp = authorize(localorg, None)
    got = callback_params(resp)
    assert got["error"] == "invalid_request"


@pytest.mark.parametrize("params, error", [
    ({"client_id": "nope", "redirect_uri": CALLBACK}, "invalid_client_id"),
    ({"redirect_uri": "https://evil.example/connect"}, "redirect_uri_mismatch"),
    ({"redirect_uri": "http://127.0.0.1:8765/elsewhere"}, "redirect_uri_mismatch"),
])
def test_given_bad_client_or_callback_when_authorizing_then_error_page_not_redirect(localorg: Any, params: Any, error: Any) -> None:
    query = {"response_type": "code", "client_id": localorg.client_id, "code_challenge": "x" * 43, **params}
    web = requests.Session()
    web.trust_env = False
    resp = web.get(f"{localorg.login_url}/services/oauth2/authorize?{urlencode(query)}", allow_redirects=False)
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert f"error={error}" in resp.text


def test_given_loopback_callback_on_any_port_when_authorizing_then_accepted(localorg: Any) -> None:
    _, challenge = pkce_pair()
    resp = authorize(localorg, challenge, redirect_uri="http://localhost:50123/connect")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("http://localhost:50123/connect?code=")


def test_given_wrong_password_when_logging_in_then_login_page_shows_error(localorg: Any) -> None:
    web = requests.Session()
    web.trust_env = False
    _, challenge = pkce_pair()
    form = {"step": "login", "response_type": "code", "client_id": localorg.client_id, "redirect_uri": CALLBACK,
            "code_challenge": challenge, "username": "integration@demo.test", "password": "wrong"}
    resp = web.post(f"{localorg.login_url}/services/oauth2/authorize", data=form, allow_redirects=False)
    assert resp.status_code == 200 and "check your username and password" in resp.text and "ticket" not in resp.text


def test_given_refresh_token_when_refreshed_then_new_access_token_and_after_revoke_expired(localorg: Any) -> None:
    verifier, challenge = pkce_pair()
    tokens = exchange(localorg, callback_params(authorize(localorg, challenge))["code"], verifier).json()
    refreshed = token_call(localorg, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200 and "refresh_token" not in refreshed.json()
    new_access = refreshed.json()["access_token"]
    assert new_access != tokens["access_token"]
    web = requests.Session()
    web.trust_env = False
    assert web.post(f"{localorg.login_url}/services/oauth2/revoke", data={"token": tokens["refresh_token"]}).status_code == 200
    again = token_call(localorg, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    # revoking a refresh token revokes the access tokens it minted
    from simple_salesforce import Salesforce
    sf = Salesforce(session_id=new_access, instance_url=localorg.instance_url,
                    session=localorg_session(localorg), version="62.0")
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account LIMIT 1")


def test_given_unknown_token_when_revoking_then_400_invalid_token(localorg: Any) -> None:
    web = requests.Session()
    web.trust_env = False
    resp = web.post(f"{localorg.login_url}/services/oauth2/revoke", data={"token": "nope"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_token"


def test_given_rotation_on_when_refreshed_then_old_refresh_token_is_dead(fresh_localorg: Any) -> None:
    fresh_localorg.set_refresh_token_rotation(True)
    verifier, challenge = pkce_pair()
    tokens = exchange(fresh_localorg, callback_params(authorize(fresh_localorg, challenge))["code"], verifier).json()
    first = token_call(fresh_localorg, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    assert first["refresh_token"] != tokens["refresh_token"]
    stale = token_call(fresh_localorg, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert stale.json()["error_description"] == "expired access/refresh token"
    assert token_call(fresh_localorg, grant_type="refresh_token", refresh_token=first["refresh_token"]).status_code == 200


def test_given_inactive_user_when_password_grant_then_inactive_user(localorg: Any) -> None:
    resp = token_call(localorg, grant_type="password", username="inactive@demo.test", password="demo-password")
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "inactive user"}


def test_given_bad_password_when_password_grant_then_authentication_failure(localorg: Any) -> None:
    resp = token_call(localorg, grant_type="password", username="integration@demo.test", password="nope")
    assert resp.json() == {"error": "invalid_grant", "error_description": "authentication failure"}


def test_given_user_deactivated_when_refreshing_then_inactive_user_and_sessions_dead(fresh_localorg: Any) -> None:
    verifier, challenge = pkce_pair()
    tokens = exchange(fresh_localorg, callback_params(authorize(fresh_localorg, challenge, username="auditor@demo.test"))["code"],
                      verifier).json()
    fresh_localorg.set_user_active("auditor@demo.test", False)
    resp = token_call(fresh_localorg, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "inactive user"}
    data = localorg_session(fresh_localorg).get(f"{fresh_localorg.instance_url}/services/data/v62.0/limits",
                                                headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert data.status_code == 401 and data.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_given_unknown_client_or_grant_when_token_called_then_oauth_errors(localorg: Any) -> None:
    assert token_call(localorg, grant_type="password", client_id="nope", username="x",
                      password="y").json() == {"error": "invalid_client_id", "error_description": "client identifier invalid"}
    assert token_call(localorg, grant_type="client_credentials").json()["error"] == "unsupported_grant_type"


def test_given_short_ttl_when_token_ages_then_401_invalid_session_id(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    assert sf.query("SELECT Id FROM Account LIMIT 1")["totalSize"] == 1
    fresh_localorg.set_access_token_ttl(0.3)
    time.sleep(0.5)
    with pytest.raises(SalesforceExpiredSession) as err:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert err.value.status == 401
    assert err.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_given_registered_certificate_when_jwt_bearer_then_token_and_no_refresh(fresh_localorg: Any) -> None:
    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    cert = ca.issue_cert("localorg-jwt", key_type=trustme.KeyType.RSA)
    fresh_localorg.register_jwt_certificate(cert.cert_chain_pems[0].bytes().decode())
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    now = datetime.now(UTC)
    claims = {"iss": fresh_localorg.client_id, "sub": "integration@demo.test", "aud": fresh_localorg.login_url,
              "exp": int((now + timedelta(minutes=2)).timestamp())}
    good = token_call(fresh_localorg, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
                      assertion=jwt.encode(claims, key, algorithm="RS256"))
    assert good.status_code == 200 and "refresh_token" not in good.json()
    other_key = serialization.load_pem_private_key(ca.issue_cert("x", key_type=trustme.KeyType.RSA).private_key_pem.bytes(), password=None)
    forged = token_call(fresh_localorg, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
                        assertion=jwt.encode(claims, other_key, algorithm="RS256"))
    assert forged.json()["error"] == "invalid_grant"
    wrong_aud = token_call(fresh_localorg, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
                           assertion=jwt.encode({**claims, "aud": "https://elsewhere"}, key, algorithm="RS256"))
    assert wrong_aud.json() == {"error": "invalid_grant", "error_description": "audience is invalid"}


def test_given_token_when_identity_endpoints_called_then_user_shapes_on_both_ports(localorg: Any) -> None:
    tokens = password_token(localorg, "auditor@demo.test")
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    web = requests.Session()
    web.trust_env = False
    info = web.get(f"{localorg.login_url}/services/oauth2/userinfo", headers=auth).json()
    assert info["preferred_username"] == "auditor@demo.test" and info["organization_id"].startswith("00D")
    assert info["urls"]["rest"].endswith("/services/data/v{version}/")
    ident = localorg_session(localorg).get(tokens["id"].replace(localorg.login_url, localorg.instance_url), headers=auth)
    assert ident.status_code == 200 and ident.json()["username"] == "auditor@demo.test"
    assert web.get(f"{localorg.login_url}/services/oauth2/userinfo",
                   headers={"Authorization": "Bearer nope"}).status_code == 403


def test_given_demo_user_button_when_clicked_then_logged_in_without_a_password_in_the_page(localorg: Any) -> None:
    web = requests.Session()
    web.trust_env = False
    _, challenge = pkce_pair()
    query = {"response_type": "code", "client_id": localorg.client_id, "redirect_uri": CALLBACK,
             "code_challenge": challenge, "state": "s"}
    page = web.get(f"{localorg.login_url}/services/oauth2/authorize?{urlencode(query)}")
    assert "auditor@demo.test" in page.text and "value='demo-password'" not in page.text
    button = page.text.split("data-username='auditor@demo.test'", 1)[0].rsplit("<form", 1)[1]
    form = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(button)}
    consent = web.post(f"{localorg.login_url}/services/oauth2/authorize", data=form)
    assert consent.status_code == 200 and "as <b>auditor@demo.test</b>" in consent.text


def test_given_confidential_app_when_exchanging_without_or_with_secret_then_refused_or_granted(fresh_localorg: Any) -> None:
    fresh_localorg.register_connected_app("acme-console", ["https://console.acme.example/connect"], secret="s3cret")
    web = requests.Session()
    web.trust_env = False
    query = {"response_type": "code", "client_id": "acme-console", "redirect_uri": "https://console.acme.example/connect"}
    page = web.get(f"{fresh_localorg.login_url}/services/oauth2/authorize?{urlencode(query)}")
    login = page.text.split("id=login>", 1)[1].split("</form>", 1)[0]
    form = {**{html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(login)},
            "username": "integration@demo.test", "password": "demo-password"}
    consent = web.post(f"{fresh_localorg.login_url}/services/oauth2/authorize", data=form)
    ticket = html.unescape(dict(_HIDDEN.findall(consent.text))["ticket"])
    back = web.post(f"{fresh_localorg.login_url}/services/oauth2/authorize",
                    data={"step": "consent", "ticket": ticket, "decision": "allow"}, allow_redirects=False)
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    base = {"grant_type": "authorization_code", "code": code, "client_id": "acme-console",
            "redirect_uri": "https://console.acme.example/connect"}
    refused = web.post(f"{fresh_localorg.login_url}/services/oauth2/token", data={**base, "client_secret": "wrong"})
    assert refused.json() == {"error": "invalid_client", "error_description": "invalid client credentials"}
    granted = web.post(f"{fresh_localorg.login_url}/services/oauth2/token", data={**base, "client_secret": "s3cret"})
    assert granted.status_code == 200 and granted.json()["refresh_token"]
