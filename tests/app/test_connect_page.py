"""AppTest: every state of the connect page, driven through real state (core.engine + the demo org over HTTPS)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from core import engine
from core.connect.environments import environment
from core.connect.tokens import TokenStore
from tests.fixtures.app import sign_in_over_http
from tests.fixtures.connections import connect_through
from ui import settings

CONNECT = "pages/connect.py"
OPERATOR = engine.Actor("test operator", "operator")
CALLBACK = "http://localhost:8501/connect"


def _texts(at: Any) -> str:
    """Every piece of text the page drew (markdown, alerts, captions, titles), joined for assertions."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error", "code"):
        parts += [str(element.value) for element in getattr(at, kind)]
    return "\n".join(parts)


def _button(at: Any, label: str) -> Any:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0]


def _web_connect(username: str = "integration@demo.test", name: str | None = None) -> engine.ConnectionInfo:
    """Connect the demo org through the browser flow (authorize, login, consent, code exchange)."""
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, name=name, actor=OPERATOR)
    back = sign_in_over_http(url, username)
    return engine.complete_login(back["code"], back["state"], actor=OPERATOR)


def test_given_no_connected_app_when_production_chosen_then_not_configured_says_what_to_put_in_secrets(
        console: Any) -> None:
    at = console(CONNECT, query={"env": "production"})
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "Not configured" in text
    assert "[salesforce]" in text and "client_id" in text and "http://localhost:8501/connect" in text
    assert _button(at, "Connect").disabled


def test_given_no_connected_app_when_demo_chosen_then_connect_is_enabled(console: Any) -> None:
    at = console(CONNECT, query={"env": "demo"})
    at.run()
    assert "Not configured" not in _texts(at)
    assert not _button(at, "Connect").disabled


def test_given_connected_app_in_secrets_when_production_connect_clicked_then_connecting_to_login_salesforce(
        console: Any) -> None:
    at = console(CONNECT, query={"env": "production"},
                 secrets={"salesforce": {"client_id": "3MVGtest", "callback_url": "http://localhost:8501/connect"}})
    at.run()
    assert "Not configured" not in _texts(at)
    _button(at, "Connect").click().run()
    assert not at.exception
    assert "Connecting to Production" in _texts(at)
    link = "\n".join(str(h.proto.body) for h in at.html)
    assert "https://login.salesforce.com/services/oauth2/authorize?" in link
    assert "code_challenge_method=S256" in link and "client_id=3MVGtest" in link


def test_given_my_domain_when_invalid_or_sandbox_looking_then_error_or_warning(console: Any) -> None:
    at = console(CONNECT, query={"env": "custom"})
    at.run()
    at.text_input[0].input("http://acme.my.salesforce.com").run()
    assert "does not use https" in _texts(at)
    assert _button(at, "Connect").disabled
    at.radio[0].set_value("production").run()
    at.text_input[0].input("https://acme--uat.sandbox.my.salesforce.com").run()
    assert "looks like a sandbox domain" in _texts(at)
    assert at.query_params["env"] == "production"


def test_given_demo_org_when_connect_clicked_then_connecting_state_links_to_the_demo_login(
        console: Any, demo_org: Any) -> None:
    at = console(CONNECT, query={"env": "demo"})
    at.run()
    _button(at, "Connect").click().run()
    assert not at.exception
    assert "Connecting to Demo org" in _texts(at)
    link = "\n".join(str(h.proto.body) for h in at.html)
    assert f"{demo_org.login_url}/services/oauth2/authorize?" in link
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A8501%2Fconnect" in link
    _button(at, "Cancel sign-in").click().run()
    assert "Connecting to" not in _texts(at)
    assert _button(at, "Connect")


def test_given_a_callback_with_code_and_state_when_the_page_runs_then_connected_and_code_removed_from_url(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    # Begun as the console user the page acts for (a callback finished by someone else is refused).
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=settings.actor())
    back = sign_in_over_http(url, "integration@demo.test")
    at = console(CONNECT, query={"code": back["code"], "state": back["state"]})
    at.run()
    assert not at.exception
    assert "code" not in at.query_params and "state" not in at.query_params
    assert at.query_params["connection"] == "demo"
    text = _texts(at)
    assert "Signed in to" in text
    assert demo_org.org.name in text and "integration@demo.test" in text and demo_org.org.org_id in text
    assert "DEMO" in text and "Connected" in text
    record = TokenStore(console_data_dir).load("demo")
    assert record is not None and record.refresh_token
    assert record.access_token not in text and record.refresh_token not in text


def test_given_a_used_callback_when_replayed_then_refused_with_a_clear_message(
        console: Any, demo_org: Any) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=settings.actor())
    back = sign_in_over_http(url, "integration@demo.test")
    first = console(CONNECT, query={"code": back["code"], "state": back["state"]})
    first.run()
    assert "Signed in to" in _texts(first)
    replay = console(CONNECT, query={"code": back["code"], "state": back["state"]})
    replay.run()
    assert not replay.exception
    assert "Sign-in refused" in _texts(replay)
    assert "expired or was already used" in _texts(replay)
    assert "code" not in replay.query_params


def test_given_a_sign_in_begun_by_another_console_user_when_the_callback_runs_then_refused_and_nothing_stored(
        console: Any, demo_org: Any) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=engine.Actor("someone else", "operator"))
    back = sign_in_over_http(url, "integration@demo.test")
    at = console(CONNECT, query={"code": back["code"], "state": back["state"]})
    at.run()
    assert not at.exception
    assert "Sign-in refused" in _texts(at) and "started by another console user" in _texts(at)
    assert "code" not in at.query_params and engine.connections() == []


def test_given_a_tampered_state_when_the_callback_runs_then_refused_and_nothing_stored(
        console: Any, demo_org: Any) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR)
    back = sign_in_over_http(url, "integration@demo.test")
    at = console(CONNECT, query={"code": back["code"], "state": back["state"][:-2] + "xx"})
    at.run()
    assert "Sign-in refused" in _texts(at) and "expired or was already used" in _texts(at)
    assert engine.connections() == []


def test_given_consent_denied_when_the_callback_runs_then_declined_with_the_fix(
        console: Any, demo_org: Any) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR)
    back = sign_in_over_http(url, "integration@demo.test", decision="deny")
    assert back["error"] == "access_denied"
    at = console(CONNECT, query=back)
    at.run()
    text = _texts(at)
    assert "Sign-in refused" in text and "declined" in text and "Allow" in text
    assert "error" not in at.query_params and "state" not in at.query_params


def test_given_a_connected_integration_user_when_connect_opens_then_org_user_profile_and_badge_are_shown(
        console: Any, demo_org: Any) -> None:
    info = engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console(CONNECT)
    at.run()
    assert not at.exception
    text = _texts(at)
    for shown in (info.org_name, info.org_id, info.username, info.user_name, info.organization_type,
                  "IsSandbox:** no", "Connected"):
        assert shown in text
    assert info.profile and info.profile in text
    assert ":blue-badge[:material/toys: DEMO]" in text
    assert not _button(at, "Disconnect").disabled


def test_given_production_chosen_for_a_sandbox_org_when_connect_opens_then_mismatch_warning_and_sandbox_badge(
        console: Any, fresh_localorg: Any) -> None:
    fresh_localorg.set_organization(IsSandbox=True)
    info = connect_through(fresh_localorg, environment("production"), name="prod")
    at = console(CONNECT, query={"connection": "prod"})
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [info.environment_mismatch]
    assert "You chose Production but this org is a sandbox" in at.warning[0].value
    text = _texts(at)
    assert "IsSandbox:** yes" in text and "**Environment:** Production" in text and "Connected" in text
    assert ":orange-badge[:material/science: SANDBOX]" in text and "PRODUCTION]" not in text


def test_given_a_person_connected_when_connect_opens_then_integration_user_is_recommended(
        console: Any, demo_org: Any) -> None:
    person = next(u for u in demo_org.org.users() if u.active and u.api_enabled and "integration" not in u.username
                  and "auditor" not in u.username and "restricted" not in u.username)
    engine.connect_password_demo(person.username, actor=OPERATOR)
    at = console(CONNECT)
    at.run()
    assert "dedicated integration user" in _texts(at)


def test_given_revoked_refresh_token_and_expired_session_when_connect_opens_then_needs_reconnect_with_fix(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    _web_connect()
    record = TokenStore(console_data_dir).load("demo")
    session = requests.Session()
    session.trust_env = False
    revoked = session.post(f"{demo_org.login_url}/services/oauth2/revoke", data={"token": record.refresh_token},
                           timeout=30)
    assert revoked.status_code == 200
    demo_org.set_access_token_ttl(0)
    at = console(CONNECT)
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "Needs reconnect" in text
    assert "expired or was revoked" in text and "sign in again" in text
    reconnect = _button(at, "Reconnect")
    reconnect.click().run()
    assert "Connecting to Demo org" in _texts(at)


def test_given_the_user_deactivated_when_connect_opens_then_needs_reconnect_names_the_inactive_user(
        console: Any, demo_org: Any) -> None:
    _web_connect("auditor@demo.test")
    demo_org.set_user_active("auditor@demo.test", False)
    at = console(CONNECT)
    at.run()
    text = _texts(at)
    assert "Needs reconnect" in text and "inactive" in text
    assert _button(at, "Reconnect")


def test_given_the_org_answers_503_when_connect_opens_then_degraded_and_retry_recovers(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    demo_org.faults.add(method="GET", path=r".*", status=503, error_code="SERVER_UNAVAILABLE",
                        message="Service temporarily unavailable", times=1000)
    at = console(CONNECT)
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "Degraded" in text and "temporarily unavailable" in text
    demo_org.faults.clear()
    _button(at, "Retry").click().run()
    assert "Degraded" not in _texts(at)
    assert "Connected" in _texts(at)


def test_given_a_connection_when_disconnect_confirmed_then_revoked_and_gone(
        console: Any, demo_org: Any) -> None:
    _web_connect()
    at = console(CONNECT)
    at.run()
    _button(at, "Disconnect").click().run()
    assert "The token is revoked at Salesforce" in _texts(at)
    _button(at, "Yes, disconnect").click().run()
    assert not at.exception
    assert engine.connections() == []
    assert "Connect an org" in _texts(at)
    assert "connection" not in at.query_params


def test_given_a_viewer_when_connect_opens_then_connect_and_disconnect_are_disabled(
        console: Any, demo_org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at = console(CONNECT)
    at.run()
    assert _button(at, "Disconnect").disabled
    assert _button(at, "Connect").disabled
    assert "Role: **viewer**" in _texts(at)
