"""Disconnect: revoke at Salesforce, delete from the store, evict the connection's cache; operators only."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core import cache, engine
from core.connect import oauth
from core.connect.tokens import TokenStore
from core.errors import NotAllowed, Reconnect, RetryLater
from tests.org.test_connect_pkce import OPERATOR, adopt_as_demo, sign_in


@pytest.fixture()
def base(tmp_path: Path, localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir connected through the web flow to the shared localorg."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, localorg)
    sign_in(tmp_path)
    return tmp_path


def test_given_connection_when_disconnected_then_token_revoked_record_deleted_cache_evicted(base: Path,
                                                                                             localorg: Any) -> None:
    record = TokenStore(base).load("demo")
    assert record is not None and record.refresh_token
    engine.check_health("demo", base=base)
    cache.cache(base).set(("snapshot", "demo", "Lead"), {"rows": 1}, tag=cache.connection_tag("demo"))
    assert engine.last_health("demo", base=base) is not None

    engine.disconnect("demo", actor=OPERATOR, base=base)

    assert engine.connection("demo", base=base) is None and engine.connections(base=base) == []
    assert engine.last_health("demo", base=base) is None
    assert cache.cache(base).get(("snapshot", "demo", "Lead")) is None
    with pytest.raises(Reconnect) as caught:  # Salesforce no longer honours the refresh token
        oauth.refresh(record.token_url, client_id=record.client_id, client_secret=None,
                      refresh_token=record.refresh_token, ca_file=record.ca_file)
    assert caught.value.cause == "refresh_token_expired"


def test_given_viewer_when_disconnecting_then_not_allowed_and_connection_kept(base: Path) -> None:
    with pytest.raises(NotAllowed):
        engine.disconnect("demo", actor=engine.Actor("vic", "viewer"), base=base)
    assert engine.connection("demo", base=base) is not None


def test_given_token_already_revoked_when_disconnected_then_forgotten_anyway(base: Path) -> None:
    record = TokenStore(base).load("demo")
    assert record is not None
    oauth.revoke(record.token_url, token=record.refresh_token or "", client_id=record.client_id, ca_file=record.ca_file)
    engine.disconnect("demo", actor=OPERATOR, base=base)
    assert engine.connection("demo", base=base) is None


def test_given_org_unreachable_when_disconnecting_then_kept_unless_forced(base: Path, localorg: Any) -> None:
    localorg.faults.add(method="POST", path=r"/services/oauth2/revoke", status=None, drop=True, times=1)
    try:
        with pytest.raises(RetryLater) as caught:
            engine.disconnect("demo", actor=OPERATOR, base=base)
    finally:
        localorg.faults.clear()
    assert "force" in caught.value.fix
    assert engine.connection("demo", base=base) is not None
    localorg.faults.add(method="POST", path=r"/services/oauth2/revoke", status=None, drop=True, times=1)
    try:
        engine.disconnect("demo", actor=OPERATOR, force=True, base=base)
    finally:
        localorg.faults.clear()
    assert engine.connection("demo", base=base) is None
