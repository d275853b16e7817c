"""Connection health and the disconnection classifier against localorg: inactive user, revoked token,
API-disabled user, daily limit, outage and dropped connections, each with its cause and fix."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.connect import oauth
from core.connect.environments import environment
from core.connect.tokens import TokenStore
from core.errors import FixPermission, Reconnect
from tests.fixtures.connections import connect_through
from tests.org.test_connect_pkce import OPERATOR, adopt_as_demo, sign_in


@pytest.fixture()
def base(tmp_path: Path, localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir whose demo org is the shared localorg (these tests change no org-wide knob)."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, localorg)
    return tmp_path


@pytest.fixture()
def fresh_base(tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir on a private org, for tests that turn org-wide knobs."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, fresh_localorg)
    return tmp_path


def test_given_inactive_user_when_connecting_then_reconnect_user_inactive_with_fix(base: Path) -> None:
    with pytest.raises(Reconnect) as caught:
        engine.connect_password_demo("inactive@demo.test", actor=OPERATOR, base=base)
    assert caught.value.cause == "user_inactive"
    assert "reactivate" in caught.value.fix
    assert engine.connections(base=base) == []


def test_given_refresh_token_revoked_in_salesforce_when_health_checked_then_needs_reconnect(base: Path) -> None:
    sign_in(base)
    record = TokenStore(base).load("demo")
    assert record is not None and record.refresh_token
    # An admin revokes the console's access (Setup → Connected Apps OAuth Usage → Revoke).
    assert oauth.revoke(record.token_url, token=record.refresh_token, client_id=record.client_id,
                        ca_file=record.ca_file) is True

    health = engine.check_health("demo", base=base)

    assert (health.status, health.cause, health.retry_safe) == ("needs_reconnect", "refresh_token_expired", False)
    assert health.fix and "sign in again" in health.fix
    assert engine.last_health("demo", base=base) == health


def test_given_user_without_api_enabled_when_connecting_then_fix_permission_api_disabled(base: Path) -> None:
    with pytest.raises(FixPermission) as caught:
        engine.connect_password_demo("noapi@demo.test", name="noapi", actor=OPERATOR, base=base)
    assert caught.value.cause == "api_disabled"
    assert "API Enabled" in caught.value.fix
    assert caught.value.health == "needs_reconnect"
    assert engine.connection("noapi", base=base) is None


def test_given_healthy_connection_when_checked_then_connected_and_usage_from_limits(base: Path, localorg: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR, base=base)
    assert engine.check_health("demo", base=base).status == "connected"
    usage = engine.api_usage("demo", base=base)
    used, limit = localorg.api_usage()
    assert usage is not None and usage.source == "limits" and usage.max == limit
    assert 0 < usage.used <= used


def test_given_daily_limit_spent_when_checked_then_degraded_stop_for_today(fresh_base: Path, fresh_localorg: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR, base=fresh_base)
    _, limit = fresh_localorg.api_usage()
    fresh_localorg.set_api_usage(limit)

    health = engine.check_health("demo", base=fresh_base)
    usage = engine.api_usage("demo", base=fresh_base)

    assert (health.status, health.cause, health.retry_safe) == ("degraded", "api_limit_reached", False)
    assert "tomorrow" in (health.fix or "")
    # /limits itself is refused, so the figure comes from the Sforce-Limit-Info header of that answer.
    assert usage == engine.ApiUsage(limit, limit, "header")


def test_given_org_answers_503_when_checked_then_degraded_and_retry_safe(base: Path, localorg: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR, base=base)
    localorg.faults.add(method="GET", path=r"/services/data/.*/query", status=503, times=1)
    try:
        health = engine.check_health("demo", base=base)
    finally:
        localorg.faults.clear()
    assert (health.status, health.cause, health.retry_safe) == ("degraded", "server_unavailable", True)


def test_given_connection_dropped_when_checked_then_degraded_network(base: Path, localorg: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR, base=base)
    localorg.faults.add(method="GET", path=r"/services/oauth2/userinfo", status=None, drop=True, times=1)
    try:
        health = engine.check_health("demo", base=base)
    finally:
        localorg.faults.clear()
    assert (health.status, health.cause, health.retry_safe) == ("degraded", "network", True)
    assert engine.check_health("demo", base=base).status == "connected"


def test_given_chosen_environment_when_org_differs_then_mismatch_text(base: Path, localorg: Any) -> None:
    from core.connect.connections import environment_mismatch
    from core.connect.environments import environment

    text = environment_mismatch(environment("sandbox"), is_sandbox=False)
    assert text and "Sandbox" in text and "production" in text
    assert environment_mismatch(environment("production"), is_sandbox=False) is None
    info = engine.connect_password_demo("integration@demo.test", actor=OPERATOR, base=base)
    assert info.environment_mismatch is None  # the demo environment expects nothing
    assert info.is_sandbox is bool(localorg.org.is_sandbox)


def test_given_production_chosen_when_the_org_says_is_sandbox_then_mismatch_shown_and_badge_follows_the_org(
        tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    fresh_localorg.set_organization(IsSandbox=True)

    info = connect_through(fresh_localorg, environment("production"), name="prod", base=tmp_path)

    assert info.is_sandbox is True
    assert info.environment_mismatch and "You chose Production but this org is a sandbox" in info.environment_mismatch
    assert "IsSandbox = true" in info.environment_mismatch
    assert (info.environment.kind, info.environment.label, info.environment.badge) == ("production", "Production",
                                                                                       "SANDBOX")
    assert engine.connection("prod", base=tmp_path) == info  # kept with the record, shown on every page
    assert engine.check_health("prod", base=tmp_path).status == "connected"  # a warning, not a failure


def test_given_sandbox_chosen_when_the_org_is_production_then_mismatch_shown_and_badge_says_production(
        tmp_path: Path, localorg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    assert localorg.org.is_sandbox is False

    info = connect_through(localorg, environment("sandbox"), name="uat", base=tmp_path)

    assert info.is_sandbox is False
    assert info.environment_mismatch and "You chose Sandbox but this org is a production org" in info.environment_mismatch
    assert "IsSandbox = false" in info.environment_mismatch
    assert (info.environment.kind, info.environment.badge) == ("sandbox", "PRODUCTION")
    assert engine.connection("uat", base=tmp_path) == info


def test_given_web_connected_user_deactivated_when_health_checked_then_needs_reconnect_user_inactive(
        fresh_base: Path, fresh_localorg: Any) -> None:
    sign_in(fresh_base)
    fresh_localorg.set_user_active("integration@demo.test", False)

    health = engine.check_health("demo", base=fresh_base)

    assert (health.status, health.cause) == ("needs_reconnect", "user_inactive")
