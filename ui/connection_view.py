"""Rendering of one connection: who and where (org, user, environment) and its health with cause and fix."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import streamlit as st

from core import engine
from ui import badges
from ui.text import code, plain

HEALTH_TTL_SECONDS = 30


@st.cache_data(ttl=HEALTH_TTL_SECONDS, show_spinner="Checking the connection…")
def _health(data_dir: str, name: str, connected_at: str) -> engine.Health:
    """engine.check_health, cached briefly per data dir, connection and sign-in (it calls the org)."""
    return engine.check_health(name)


@st.cache_data(ttl=HEALTH_TTL_SECONDS, show_spinner=False)
def _usage(data_dir: str, name: str, connected_at: str) -> engine.ApiUsage | None:
    """engine.api_usage, cached like the health check."""
    return engine.api_usage(name)


def health(info: engine.ConnectionInfo) -> engine.Health:
    """The connection's health (cached for HEALTH_TTL_SECONDS; `forget` clears it)."""
    return _health(os.environ.get("CONSOLE_DATA_DIR", ""), info.name, info.connected_at)


def usage(info: engine.ConnectionInfo) -> engine.ApiUsage | None:
    """The org's API usage today, or None when neither /limits nor a recent response header told us."""
    return _usage(os.environ.get("CONSOLE_DATA_DIR", ""), info.name, info.connected_at)


def forget() -> None:
    """Drop cached health and usage, after a retry, a sign-in or a disconnect."""
    _health.clear()
    _usage.clear()


def details(info: engine.ConnectionInfo) -> None:
    """Org, user and environment of a connection, the environment mismatch and the integration-user advice."""
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Org:** {plain(info.org_name)}  \n**Org id:** {code(info.org_id)}  \n"
                    f"**Organization type:** {plain(info.organization_type)}  \n"
                    f"**IsSandbox:** {'yes' if info.is_sandbox else 'no'}  \n**Instance:** {code(info.instance_url)}")
    with right:
        profile = plain(info.profile) if info.profile else "not readable by this user"
        st.markdown(f"**User:** {plain(info.user_name)}  \n**Username:** {plain(info.username)}  \n"
                    f"**Profile:** {profile}  \n**Environment:** {plain(info.environment.label)}  \n"
                    f"**Connected:** {plain(info.connected_at)}")
    if info.environment_mismatch:
        st.warning(plain(info.environment_mismatch), icon=":material/warning:")
    if info.integration_user_hint:
        st.info(plain(info.integration_user_hint), icon=":material/badge:")


def _why(status: engine.Health) -> str:
    """The cause in words (Health.message), falling back to the cause code."""
    return getattr(status, "message", None) or (status.cause or "").replace("_", " ")


def health_block(status: engine.Health) -> None:
    """Connected / Needs reconnect / Degraded with the cause and the fix, as the connect and overview pages show it.

    The cause carries Salesforce's own words, so it is rendered as text, never as markdown."""
    badges.health_badge(status.status)
    if status.status == "needs_reconnect":
        st.error(f"**Needs reconnect.** {plain(_why(status))}", icon=":material/link_off:")
        if status.fix:
            st.markdown(f"**Fix:** {plain(status.fix)}")
    elif status.status == "degraded":
        st.warning(f"**Degraded.** {plain(_why(status))}", icon=":material/error:")
        if status.fix:
            st.markdown(f"**Fix:** {plain(status.fix)}")
    st.caption(f"Checked {checked(status.checked_at)}.")


def checked(iso: str | None) -> str:
    """"2 min ago (02:27 UTC)" for an ISO time the console recorded; the text as it is when it is not one."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return plain(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ago = max(0.0, (datetime.now(UTC) - moment).total_seconds())
    return f"{engine.describe_age(ago)} ago ({moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
