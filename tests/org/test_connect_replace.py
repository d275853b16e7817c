"""A sign-in that replaces a connection, against localorg: the replaced token is revoked (or the operator is told why
not), names never collide silently, and connect → reconnect → disconnect leaves no token the org still accepts."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from core import engine
from core.connect import oauth
from core.connect.names import NameTaken
from core.connect.tokens import TokenRecord, TokenStore
from core.errors import Reconnect
from tests.org.test_connect_pkce import CALLBACK, OPERATOR, adopt_as_demo, browser


@pytest.fixture()
def base(tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir whose demo org is this test's own localorg (faults armed here touch no other test)."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, fresh_localorg)
    return tmp_path


def _web_sign_in(base: Path, username: str, *, name: str | None = None, replace: bool = False) -> engine.ConnectionInfo:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, name=name, replace=replace, actor=OPERATOR,
                             base=base, binding="b" * 43)
    got = browser(url, username)
    return engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base, binding="b" * 43)


def _accepted(handle: Any, record: TokenRecord) -> list[str]:
    """Which of the record's tokens localorg still honours: the access token on userinfo, the refresh token."""
    web = requests.Session()
    web.trust_env, web.verify = False, handle.ca_file
    alive = []
    info = web.get(f"{handle.instance_url}/services/oauth2/userinfo", timeout=30,
                   headers={"Authorization": f"Bearer {record.access_token}"})
    if info.status_code == 200:
        alive.append("access")
    if record.refresh_token:
        try:
            oauth.refresh(record.token_url, client_id=record.client_id, client_secret=None,
                          refresh_token=record.refresh_token, ca_file=record.ca_file)
            alive.append("refresh")
        except Reconnect:
            pass
    return alive


def test_given_connect_reconnect_and_disconnect_when_done_then_localorg_accepts_none_of_the_tokens_ever_stored(
        base: Path, fresh_localorg: Any) -> None:
    seen: list[TokenRecord] = []
    store = TokenStore(base)
    _web_sign_in(base, "auditor@demo.test", name="x")
    seen.append(store.load("x"))
    fresh_localorg.set_access_token_ttl(0)          # the next call refreshes: a second access token from R1
    engine.check_health("x", base=base)
    fresh_localorg.set_access_token_ttl(3600)
    seen.append(store.load("x"))
    info = _web_sign_in(base, "auditor@demo.test", name="x", replace=True)   # reconnect
    assert info.notice == ("Replaced the earlier sign-in of 'x' (auditor@demo.test); its token was revoked at "
                           "Salesforce.")
    seen.append(store.load("x"))
    assert _accepted(fresh_localorg, seen[-1]) == ["access", "refresh"]
    assert all(_accepted(fresh_localorg, record) == [] for record in seen[:2])  # the replaced sign-in is dead

    assert engine.disconnect("x", actor=OPERATOR, base=base).revoked is True

    assert engine.connections(base=base) == []
    assert [(_accepted(fresh_localorg, record)) for record in seen] == [[], [], []]


def test_given_the_revoke_fails_when_a_sign_in_replaces_a_connection_then_the_operator_is_told_to_revoke_it(
        base: Path, fresh_localorg: Any) -> None:
    _web_sign_in(base, "auditor@demo.test", name="x")
    old = TokenStore(base).load("x")
    fresh_localorg.faults.add(method="POST", path=r"/services/oauth2/revoke", status=503, times=1)
    info = _web_sign_in(base, "integration@demo.test", name="x", replace=True)
    assert info.notice and "its token could not be revoked" in info.notice
    assert "Setup → Connected Apps OAuth Usage" in info.notice
    assert _accepted(fresh_localorg, old) == ["access", "refresh"]  # true: it is still alive, as the notice says


def test_given_a_taken_name_when_signing_in_without_replace_then_refused_before_salesforce_and_nothing_changes(
        base: Path, fresh_localorg: Any) -> None:
    _web_sign_in(base, "integration@demo.test", name="x")
    with pytest.raises(NameTaken) as caught:
        engine.begin_login("demo", app=None, callback_url=CALLBACK, name="x", actor=OPERATOR, base=base)
    assert "already exists (Demo Org as integration@demo.test)" in caught.value.message
    assert "--replace" in caught.value.fix
    with pytest.raises(NameTaken):
        engine.connect_password_demo("auditor@demo.test", name="x", actor=OPERATOR, base=base)
    assert TokenStore(base).load("x").username == "integration@demo.test"


def test_given_default_names_when_three_users_sign_in_then_each_keeps_a_connection_and_a_repeat_replaces_its_own(
        base: Path, fresh_localorg: Any) -> None:
    names = [engine.connect_password_demo(user, actor=OPERATOR, base=base).name
             for user in ("integration@demo.test", "auditor@demo.test", "restricted@demo.test")]
    assert names == ["demo", "demo-auditor", "demo-restricted"]
    again = engine.connect_password_demo("auditor@demo.test", actor=OPERATOR, base=base)
    assert again.name == "demo-auditor" and again.notice and "revoked at Salesforce" in again.notice
    assert [i.name for i in engine.connections(base=base)] == names


@pytest.mark.parametrize("name", ["has space", "x/y", "[x](http://127.0.0.1:9/a)", "-x", "a" * 41])
def test_given_an_invalid_connection_name_when_connecting_then_bad_input_with_a_fix(base: Path, name: str) -> None:
    with pytest.raises(engine.ConsoleError) as caught:
        engine.begin_login("demo", app=None, callback_url=CALLBACK, name=name, actor=OPERATOR, base=base)
    assert caught.value.cause == "bad_connection_name" and "letters, digits" in caught.value.fix


def test_given_a_sign_in_begun_with_one_binding_when_finished_with_another_then_refused_and_left_for_its_browser(
        base: Path, fresh_localorg: Any) -> None:
    url = engine.begin_login("demo", app=None, callback_url=CALLBACK, actor=OPERATOR, base=base, binding="A" * 43)
    got = browser(url, "integration@demo.test")
    with pytest.raises(Reconnect) as caught:
        engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base, binding="B" * 43)
    assert caught.value.cause == "state_other_browser"
    ignored = engine.complete_login_error("access_denied", "x", got["state"], base=base, binding="B" * 43)
    assert ignored.cause == "state_other_browser"
    info = engine.complete_login(got["code"], got["state"], actor=OPERATOR, base=base, binding="A" * 43)
    assert info.name == "demo"


def test_given_a_disconnect_waiting_on_salesforce_when_a_sign_in_saves_the_same_name_then_the_new_one_is_kept(
        base: Path, fresh_localorg: Any) -> None:
    engine.connect_password_demo("auditor@demo.test", name="x", actor=OPERATOR, base=base)
    old = TokenStore(base).load("x")
    fresh_localorg.reset_counters()
    fresh_localorg.faults.add(method="POST", path=r"/services/oauth2/revoke", status=None, delay=3.0, times=1)
    done: list[engine.Disconnected] = []
    worker = threading.Thread(target=lambda: done.append(engine.disconnect("x", actor=OPERATOR, base=base)))
    worker.start()
    while not any("revoke" in key for key in fresh_localorg.counters()):  # the revoke has reached Salesforce
        assert worker.is_alive()
        time.sleep(0.02)
    engine.connect_password_demo("integration@demo.test", name="x", replace=True, actor=OPERATOR, base=base)
    worker.join(timeout=120)
    assert [d.revoked for d in done] == [True]
    kept = TokenStore(base).load("x")
    assert kept is not None and kept.username == "integration@demo.test"
    assert _accepted(fresh_localorg, kept) == ["access"] and _accepted(fresh_localorg, old) == []
