"""AppTest: the Connect faults a new user met (issue 8) and the sign-in hardening (issue 9), each through real state."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from core import engine
from core.connect.tokens import TokenStore
from tests.app.test_connect_page import CONNECT, OPERATOR, _button, _texts, _web_connect
from tests.fixtures.app import APP_SCRIPT, shown, sign_in_over_http


def _authorize_url(at: Any) -> str:
    """The authorize URL of the sign-in the page began (its Continue link)."""
    link = "\n".join(str(h.proto.body) for h in at.html)
    found = re.search(r'href="([^"]+/services/oauth2/authorize\?[^"]+)"', link)
    assert found, link
    return found.group(1).replace("&amp;", "&")


def _name_box(at: Any) -> Any:
    return next(t for t in at.text_input if t.label.startswith("Connection name"))


def _begin(at: Any, name: str | None = None) -> str:
    """Begin a demo sign-in on the page (as the page's browser session) and return where it sends the browser."""
    if name is not None:
        _name_box(at).input(name).run()
    _button(at, "Connect").click().run()
    assert not at.exception and "Connecting to Demo org" in _texts(at)
    return _authorize_url(at)


def _come_back(at: Any, params: dict[str, str]) -> None:
    """The browser returns to the console's connect page with the callback's parameters."""
    for key, value in params.items():
        at.query_params[key] = value
    at.run()


def _sign_in_on_page(at: Any, username: str, name: str | None = None) -> None:
    _come_back(at, sign_in_over_http(_begin(at, name), username))


def test_given_one_connection_when_a_second_user_signs_in_on_the_page_then_no_exception_and_the_sidebar_follows(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console(CONNECT)
    at.run()
    _sign_in_on_page(at, "auditor@demo.test", name="auditor")
    assert not at.exception, at.exception
    assert at.selectbox[0].value == "auditor" and at.query_params["connection"] == "auditor"
    text = _texts(at)
    assert "Signed in to" in text and "Aaron Auditor" in text and "saved as auditor" in text
    assert "Demo Org · auditor@demo.test" in text
    assert sorted(i.name for i in engine.connections()) == ["auditor", "demo"]


def test_given_a_dropped_connection_when_reconnected_on_the_page_then_no_exception_and_it_is_replaced_and_connected(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    _web_connect("auditor@demo.test", name="audit")
    old = TokenStore(console_data_dir).load("audit")
    session = requests.Session()
    session.trust_env = False
    assert session.post(f"{demo_org.login_url}/services/oauth2/revoke", data={"token": old.refresh_token},
                        timeout=30).status_code == 200
    at = console(CONNECT, query={"connection": "audit"})
    at.run()
    assert "Needs reconnect" in _texts(at)
    _button(at, "Reconnect").click().run()
    _come_back(at, sign_in_over_http(_authorize_url(at), "auditor@demo.test"))
    assert not at.exception, at.exception
    assert at.selectbox[0].value == "audit" and "saved as audit" in _texts(at)
    assert "Connected" in _texts(at) and "Needs reconnect" not in _texts(at)
    assert TokenStore(console_data_dir).load("audit").refresh_token != old.refresh_token


def test_given_a_connection_when_another_user_signs_in_without_a_name_then_both_are_kept_under_distinct_names(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console(CONNECT)
    at.run()
    _sign_in_on_page(at, "auditor@demo.test")
    assert not at.exception
    users = {i.name: i.username for i in engine.connections()}
    assert users == {"demo": "integration@demo.test", "demo-auditor": "auditor@demo.test"}
    assert at.selectbox[0].value == "demo-auditor"


def test_given_a_taken_name_when_typed_then_the_page_says_whose_it_is_and_asks_before_replacing(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", name="prod", actor=OPERATOR)
    at = console(CONNECT)
    at.run()
    _name_box(at).input("prod").run()
    assert "A connection named prod already exists (Demo Org as integration@demo.test)" in _texts(at)
    assert _button(at, "Connect").disabled
    at.checkbox[0].check().run()
    assert not _button(at, "Connect").disabled
    _come_back(at, sign_in_over_http(_authorize_url(_click(at, "Connect")), "auditor@demo.test"))
    assert not at.exception
    assert {i.name: i.username for i in engine.connections()} == {"prod": "auditor@demo.test"}
    assert "Replaced the earlier sign-in of 'prod' (integration@demo.test); its token was revoked" in _texts(at)


def _click(at: Any, label: str) -> Any:
    _button(at, label).click().run()
    return at


def test_given_the_read_only_auditor_when_connect_opens_then_its_profile_is_shown_not_unknown(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    engine.connect_password_demo("restricted@demo.test", name="restricted", actor=OPERATOR)
    at = console(CONNECT, query={"connection": "audit"})
    at.run()
    assert "**Profile:** Read Only" in _texts(at)
    at.selectbox[0].set_value("restricted").run()
    assert "**Profile:** Restricted User" in _texts(at)
    overview = console("pages/overview.py")
    overview.run()
    assert "· Read Only ·" in _texts(overview) and "· Restricted User ·" in _texts(overview)


def test_given_a_non_salesforce_host_when_typed_then_the_sandbox_pattern_in_the_fix_is_code(console: Any) -> None:
    at = console(CONNECT, query={"env": "custom", "domain": "https://example.com"})
    at.run()
    assert "`<domain>--<sandbox>.sandbox.my.salesforce.com`" in at.error[0].value


def test_given_an_integration_user_when_connect_opens_then_no_advice_to_use_an_integration_user(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console(CONNECT)
    at.run()
    assert "dedicated integration user" not in _texts(at)


def test_given_two_connections_when_one_is_disconnected_then_the_page_says_so_and_offers_no_other_disconnect_button(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    at = console(CONNECT, query={"connection": "audit"})
    at.run()
    _click(at, "Disconnect")
    _click(at, "Yes, disconnect")
    assert not at.exception
    assert "Disconnected audit; its token was revoked at Salesforce and deleted here." in _texts(at)
    assert "Disconnect" not in [b.label for b in at.button]
    assert at.selectbox[0].value is None and "connection" not in at.query_params
    assert [i.name for i in engine.connections()] == ["demo"]
    at.selectbox[0].set_value("demo").run()
    assert at.query_params["connection"] == "demo" and "Disconnect" in [b.label for b in at.button]


def test_given_a_link_to_a_connection_that_does_not_exist_when_opened_then_it_says_so_and_chooses_no_other(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/overview.py", query={"connection": "nope"})
    at.run()
    assert not at.exception
    assert "The link names the connection `nope`, which does not exist in this console" in at.warning[0].value
    assert at.selectbox[0].value is None and at.query_params["connection"] == "nope"
    assert "demo (current)" not in [s.value for s in at.subheader]


def test_given_a_link_to_a_page_that_does_not_exist_when_opened_then_the_overview_says_so() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=30)
    at.context["url"] = "http://localhost:8501/nosuchpage"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert "There is no page `/nosuchpage` in this console" in at.warning[0].value


def _inactive_sign_in(authorize_url: str) -> dict[str, str]:
    """Log in as the inactive demo user on the demo org's page; return the callback's parameters."""
    session = requests.Session()
    session.trust_env = False
    page = session.get(authorize_url, timeout=30)
    assert "inactive@demo.test" in page.text  # listed among the demo users
    form = dict(re.findall(r"<input type=hidden name='([^']*)' value='([^']*)'>", page.text.split("id=login>")[1]))
    form.update(username="inactive@demo.test", password="demo-password")
    back = session.post(urlsplit(authorize_url)._replace(query="").geturl(), data=form, allow_redirects=False,
                        timeout=30)
    assert back.status_code == 302, back.text[:300]
    return {k: v[-1] for k, v in parse_qs(urlsplit(back.headers["Location"]).query).items()}


def test_given_an_inactive_user_when_signing_in_then_the_console_explains_it_with_the_fix(
        console: Any, demo_org: Any) -> None:
    at = console(CONNECT)
    at.run()
    back = _inactive_sign_in(_begin(at))
    assert back["error"] == "inactive_user"
    _come_back(at, back)
    text = _texts(at)
    assert "Sign-in refused" in text and "is inactive" in text and "reactivate the user" in text
    assert "error" not in at.query_params and engine.connections() == []


def test_given_a_callback_begun_in_another_browser_session_when_opened_then_refused_and_its_sign_in_left_alone(
        console: Any, demo_org: Any) -> None:
    begun = console(CONNECT)
    begun.run()
    back = sign_in_over_http(_begin(begun), "integration@demo.test")
    elsewhere = console(CONNECT, query=back)
    elsewhere.run()
    assert "started in another browser" in _texts(elsewhere) and engine.connections() == []
    forged = console(CONNECT, query={"error": "access_denied", "error_description": "[x](http://127.0.0.1:9/a)",
                                     "state": back["state"]})
    forged.run()
    assert "does not belong to a sign-in begun in this browser" in _texts(forged)
    assert "127.0.0.1:9" not in _texts(forged)
    _come_back(begun, back)  # the browser that began it still finishes it
    assert "Signed in to" in _texts(begun) and [i.name for i in engine.connections()] == ["demo"]


def test_given_a_configured_callback_url_when_connect_clicked_then_the_authorize_request_uses_it(
        console_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SF_CLIENT_ID", "3MVGtest")
    monkeypatch.setenv("SF_CALLBACK_URL", "https://console.example.com/connect")
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=30)
    at.context["url"] = "http://127.0.0.1:8621/connect"
    at.run()
    at.switch_page(CONNECT)
    at.query_params["env"] = "production"
    at.run()
    _click(at, "Connect")
    query = parse_qs(urlsplit(_authorize_url(at)).query)
    assert query["redirect_uri"] == ["https://console.example.com/connect"]


@pytest.mark.parametrize("domain", ["https:acme.my.salesforce.com", "https://acme.my.salesforce.com:abc"])
def test_given_a_link_with_a_malformed_my_domain_when_connect_opens_then_message_and_fix_not_a_traceback(
        console: Any, domain: str) -> None:
    at = console(CONNECT, query={"env": "custom", "domain": domain})
    at.run()
    assert not at.exception
    assert "is not a plain My Domain URL" in shown(at.error[0].value)
    assert _button(at, "Connect").disabled


def test_given_a_damaged_cache_when_a_page_opens_then_message_and_fix_not_a_traceback(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    from core import cache

    cache.cache(console_data_dir).close()
    cache._caches.clear()  # a fresh process: the damage is met when the cache is opened
    (console_data_dir / "cache" / "cache.db").write_bytes(b"not a database" * 200)
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "is damaged (file is not a database)" in text and "Move" in text and "aside" in text
    assert "Traceback" not in text
