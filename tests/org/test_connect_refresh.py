"""Transparent refresh after access-token expiry: once, at the issuing host, with the original headers,
the rotated refresh token saved; and a sandbox's refresh going to its own host, never to production's."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.connect import oauth
from core.connect.environments import PRODUCTION_LOGIN, environment
from core.connect.tokens import TokenStore
from core.errors import ConsoleError, Reconnect, classify
from tests.fixtures.connections import connect_through
from tests.fixtures.localorg import localorg_session
from tests.org.test_connect_pkce import adopt_as_demo, sign_in

TOKEN = "POST /services/oauth2/token"
PATCH_ROW = "PATCH /services/data/vXX.X/sobjects/{T}/{id}"
TTL = 1.5


@pytest.fixture()
def base(tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir connected (web flow) to the test's localorg as the integration user."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, fresh_localorg)
    sign_in(tmp_path)
    return tmp_path


def _expire_access_tokens(handle: Any) -> None:
    """Shorten the org's session timeout so every access token issued so far is dead."""
    handle.set_access_token_ttl(TTL)
    time.sleep(TTL + 0.2)


def test_given_expired_token_when_conditional_patch_then_refreshed_once_and_412_kept(base: Path, fresh_localorg: Any) -> None:
    client = engine.open_client("demo", base=base)
    lead_id = client.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    before = TokenStore(base).load("demo")
    _expire_access_tokens(fresh_localorg)
    fresh_localorg.reset_counters()

    with pytest.raises(ConsoleError) as caught:
        client.update_record("Lead", lead_id, {"Industry": "Banking"},
                             headers={"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT",
                                      "Sforce-Auto-Assign": "FALSE"})

    # 412 after the refresh proves the retry carried If-Unmodified-Since (without it the PATCH succeeds).
    assert caught.value.cause == "changed_since_read" and caught.value.status == 412
    counts = fresh_localorg.counters()
    assert (counts.get(TOKEN), counts.get(PATCH_ROW)) == (1, 2)
    assert client.refreshes == 1
    after = TokenStore(base).load("demo")
    assert after is not None and before is not None
    assert after.access_token != before.access_token and after.refresh_token == before.refresh_token
    lead = client.query(f"SELECT Industry FROM Lead WHERE Id = '{lead_id}'")["records"][0]
    assert lead["Industry"] != "Banking"


def test_given_expired_token_when_eight_threads_call_then_one_refresh(base: Path, fresh_localorg: Any) -> None:
    clients = [engine.open_client("demo", base=base) for _ in range(8)]
    _expire_access_tokens(fresh_localorg)
    fresh_localorg.reset_counters()
    results: list[object] = []

    def work(client: Any) -> None:
        try:
            results.append(client.organization()["Id"])
        except ConsoleError as exc:  # recorded, so the assertion below shows it
            results.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [fresh_localorg.org.org_id] * 8
    assert fresh_localorg.counters().get(TOKEN) == 1


def test_given_rotation_on_when_refreshed_then_new_refresh_token_saved_and_old_one_dead(base: Path,
                                                                                       fresh_localorg: Any) -> None:
    fresh_localorg.set_refresh_token_rotation(True)
    first = TokenStore(base).load("demo")
    assert first is not None and first.refresh_token
    client = engine.open_client("demo", base=base)
    _expire_access_tokens(fresh_localorg)
    client.organization()
    second = TokenStore(base).load("demo")
    assert second is not None and second.refresh_token not in (None, first.refresh_token)
    with pytest.raises(Reconnect) as caught:
        oauth.refresh(first.token_url, client_id=first.client_id, client_secret=None,
                      refresh_token=first.refresh_token, ca_file=first.ca_file)
    assert caught.value.cause == "refresh_token_expired"
    _expire_access_tokens(fresh_localorg)  # the saved rotated token keeps working
    assert engine.check_health("demo", base=base).status == "connected"


def test_given_sandbox_connection_when_refreshed_then_its_own_host_is_used(tmp_path: Path, fresh_localorg: Any,
                                                                          other_localorg: Any,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    sandbox, production = fresh_localorg, other_localorg  # two orgs, two hosts
    sandbox.set_organization(IsSandbox=True, InstanceName="CS42")
    info = connect_through(sandbox, environment("sandbox"), name="uat", base=tmp_path)
    assert (info.environment.badge, info.is_sandbox, info.environment_mismatch) == ("SANDBOX", True, None)
    record = TokenStore(tmp_path).load("uat")
    assert record is not None and record.refresh_token and record.token_url == sandbox.instance_url

    # After the access token expires, the console refreshes at the sandbox's token endpoint only.
    sandbox.reset_counters()
    production.reset_counters()
    _expire_access_tokens(sandbox)
    assert engine.check_health("uat", base=tmp_path).status == "connected"
    assert sandbox.counters().get(TOKEN) == 1 and production.counters().get(TOKEN) is None
    refreshed = TokenStore(tmp_path).load("uat")
    assert refreshed is not None and refreshed.access_token != record.access_token

    # The same refresh token presented at the production org is refused there ...
    raw = localorg_session(production).post(f"{production.instance_url}/services/oauth2/token", timeout=10, data={
        "grant_type": "refresh_token", "client_id": record.client_id, "refresh_token": record.refresh_token})
    assert raw.status_code == 400 and raw.json()["error"] == "invalid_grant"
    with pytest.raises(Reconnect) as caught:
        oauth.refresh(production.instance_url, client_id=record.client_id, client_secret=None,
                      refresh_token=record.refresh_token, ca_file=production.ca_file, org_is_sandbox=True)
    # ... in the words of an expired token, so a loopback host reads as one (it is no production login host);
    assert (caught.value.cause, caught.value.code) == ("refresh_token_expired", "invalid_grant")
    assert "sign in again" in caught.value.fix
    # at login.salesforce.com the same answer names the mix-up and the fix.
    at_login = classify(raw.json(), status=raw.status_code, host=PRODUCTION_LOGIN, org_is_sandbox=record.is_sandbox)
    assert (type(at_login), at_login.cause) == (Reconnect, "sandbox_token_at_production")
    assert "test.salesforce.com" in at_login.fix

    # The refusals elsewhere leave the sandbox connection healthy: the next expiry refreshes at the sandbox again.
    _expire_access_tokens(sandbox)
    assert engine.check_health("uat", base=tmp_path).status == "connected"
    assert sandbox.counters().get(TOKEN) == 2 and production.counters().get(TOKEN) == 2
    assert engine.connection("uat", base=tmp_path).environment.badge == "SANDBOX"
