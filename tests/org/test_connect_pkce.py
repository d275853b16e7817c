"""The web-server flow with PKCE against localorg, driven over HTTP like a browser: begin, log in,
consent, callback, exchange; then replayed, tampered and declined callbacks."""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from core import engine
from core.connect.tokens import TokenStore
from core.errors import ConsoleError, Reconnect

CALLBACK = "http://localhost:8501/connect"
OPERATOR = engine.Actor("olivia", "operator")
_HIDDEN = re.compile(r"<input type=hidden name=['\"]?([^'\" >]+)['\"]? value=['\"]([^'\"]*)['\"]>")


def adopt_as_demo(base: Path, handle: Any) -> None:
    """Record a running localorg as this data dir's demo org (pid = this process, so core reuses it)."""
    directory = base / "demo-org"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "address.json").write_text(json.dumps({
        "instance_url": handle.instance_url, "login_url": handle.login_url, "ca_file": handle.ca_file,
        "client_id": handle.client_id, "pid": os.getpid()}))


def browser(authorize_url: str, username: str, *, decision: str = "allow") -> dict[str, str]:
    """Play the browser: open the authorize URL, submit the login form, answer the consent page,
    and return the query parameters of the redirect back to the callback."""
    web = requests.Session()
    web.trust_env = False
    page = web.get(authorize_url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text[:300]
    login_form = page.text.split("id=login>", 1)[1].split("</form>", 1)[0]
    form = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(login_form)}
    form.update(username=username, password="demo-password")
    action = authorize_url.split("?", 1)[0]
    consent = web.post(action, data=form, allow_redirects=False, timeout=10)
    assert consent.status_code == 200 and "ticket" in consent.text, consent.text[:300]
    ticket = dict(_HIDDEN.findall(consent.text))["ticket"]
    back = web.post(action, data={"step": "consent", "ticket": html.unescape(ticket), "decision": decision},
                    allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text[:300]
    location = back.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def sign_in(base: Path, username: str = "integration@demo.test", name: str | None = None) -> engine.ConnectionInfo:
    """The whole web flow through the engine, as the connect page runs it."""
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, name=name, actor=OPERATOR, base=base)
    got = browser(url, username)
    return engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base)


@pytest.fixture()
def base(tmp_path: Path, localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh console data dir whose demo org is the test's localorg."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, localorg)
    return tmp_path


def test_given_demo_org_when_signing_in_with_pkce_then_connection_shows_org_user_and_profile(
        base: Path, localorg: Any) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [localorg.client_id]
    got = browser(url, "integration@demo.test")
    assert set(got) == {"code", "state"} and got["state"] == query["state"][0]

    info = engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base)

    assert (info.name, info.environment.badge, info.instance_url) == ("demo", "DEMO", localorg.instance_url)
    assert info.username == "integration@demo.test"
    assert (info.org_id, info.org_name) == (localorg.org.org_id, localorg.org.name)
    assert info.profile and info.user_name
    assert info.integration_user_hint is None  # an integration user needs no advice
    assert engine.connection("demo", base=base) == info
    record = TokenStore(base).load("demo")
    assert record is not None and record.refresh_token and record.token_url == localorg.instance_url
    assert engine.check_health("demo", base=base).status == "connected"


def test_given_person_user_when_signed_in_then_integration_user_hint(base: Path) -> None:
    info = sign_in(base, "auditor@demo.test", name="auditor")
    assert info.name == "auditor"
    assert info.integration_user_hint and "integration user" in info.integration_user_hint


def test_given_used_callback_when_replayed_then_refused_with_start_again(base: Path) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base)
    got = browser(url, "integration@demo.test")
    engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base)
    with pytest.raises(Reconnect) as caught:
        engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base)
    assert caught.value.message == "This sign-in link has expired or was already used."
    assert caught.value.fix == "Start again from Connect."


def test_given_tampered_state_when_completing_then_refused_and_real_state_still_single_use(base: Path) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base)
    got = browser(url, "integration@demo.test")
    with pytest.raises(Reconnect) as caught:
        engine.complete_login(got["code"], got["state"] + "x", actor=OPERATOR, base=base)
    assert caught.value.cause == "state_invalid"
    assert engine.connections(base=base) == []


def test_given_sign_in_begun_by_one_operator_when_another_completes_it_then_refused_and_code_unused(
        base: Path, localorg: Any) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base)
    got = browser(url, "integration@demo.test")
    localorg.reset_counters()
    with pytest.raises(Reconnect) as caught:
        engine.complete_login(got["code"], got["state"], actor=engine.Actor("mallory", "operator"), base=base)
    assert caught.value.cause == "state_other_actor" and "another console user" in caught.value.message
    assert not any(key.endswith("/services/oauth2/token") for key in localorg.counters())  # never exchanged
    assert engine.connections(base=base) == []
    with pytest.raises(Reconnect):  # and the state is spent for everyone
        engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base)


def test_given_forged_code_when_completing_then_reconnect_with_salesforce_reason(base: Path) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base)
    state = parse_qs(urlsplit(url).query)["state"][0]
    with pytest.raises(Reconnect) as caught:
        engine.complete_login("forged-code", state, actor=OPERATOR, base=base)
    assert caught.value.cause == "code_expired" and "invalid authorization code" in caught.value.message


def test_given_user_denies_consent_when_callback_errors_then_access_denied_with_fix(base: Path) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base)
    got = browser(url, "integration@demo.test", decision="deny")
    assert got["error"] == "access_denied"
    error = engine.complete_login_error(got["error"], got.get("error_description", ""), got["state"], base=base)
    assert error.cause == "access_denied" and "Allow" in error.fix
    with pytest.raises(Reconnect):  # the state was consumed by the error callback
        engine.complete_login("any", got["state"], actor=OPERATOR, base=base)


def test_given_viewer_when_beginning_login_then_not_allowed(base: Path) -> None:
    with pytest.raises(ConsoleError) as caught:
        engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=engine.Actor("vic", "viewer"), base=base)
    assert caught.value.cause == "not_operator"


def test_given_connected_when_store_and_cache_read_raw_then_no_token_in_clear(base: Path) -> None:
    sign_in(base)
    record = TokenStore(base).load("demo")
    assert record is not None
    for path in base.rglob("*"):
        if path.is_file() and "demo-org" not in path.parts:
            data = path.read_bytes()
            assert record.access_token.encode() not in data, path
            assert record.refresh_token is not None and record.refresh_token.encode() not in data, path


def test_given_begun_sign_in_when_cache_read_raw_then_verifier_sealed_and_matches_challenge(base: Path) -> None:
    import base64
    import hashlib

    from core import cache

    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    sealed = cache.cache(base).get(("oauth-state", query["state"]))
    pending = TokenStore(base).unseal(sealed)
    assert pending is not None
    verifier = pending["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == query["code_challenge"]
    for path in (base / "cache").rglob("*"):
        if path.is_file():
            assert verifier.encode() not in path.read_bytes(), path
