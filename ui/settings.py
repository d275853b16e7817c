"""Console settings read from .streamlit/secrets.toml or the environment: the connected app and who is acting."""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from core import engine

DEMO_CALLBACK_PATH = "/connect"


def secret(section: str, key: str) -> Any:
    """Return st.secrets[section][key], or None when there is no secrets file, section or key.

    st.secrets raises (StreamlitSecretNotFoundError) when no secrets.toml exists at all, which
    is the normal case for the demo; a missing setting is never an error here.
    """
    try:
        table = st.secrets.get(section)
    except Exception:  # noqa: BLE001 - no secrets.toml: nothing configured
        return None
    if table is None or not hasattr(table, "get"):
        return None
    value = table.get(key)
    return value if value not in ("", None) else None


def configured_callback_url() -> str | None:
    """The callback URL set for the connected app ([salesforce] callback_url, else SF_CALLBACK_URL), or None."""
    value = secret("salesforce", "callback_url") or os.environ.get("SF_CALLBACK_URL", "").strip()
    return str(value) if value else None


def connected_app() -> engine.ConnectedApp | None:
    """The Salesforce connected app for real orgs: [salesforce] in secrets.toml, else SF_CLIENT_ID/... env.

    Its callback URL is the configured one (behind a proxy the browser's address is not the one
    registered on the app), else this console's connect page as the browser sees it. None means
    "not configured": the Connect page then says what to put in secrets.toml (the demo org needs
    no connected app).
    """
    client_id = secret("salesforce", "client_id")
    from_env = None if client_id else engine.connected_app_from_env()
    if not client_id and from_env is None:
        return None
    callback = configured_callback_url() or console_callback_url()
    if from_env is not None:
        return engine.ConnectedApp(client_id=from_env.client_id, client_secret=from_env.client_secret,
                                   callback_url=callback)
    return engine.ConnectedApp(client_id=str(client_id), client_secret=secret("salesforce", "client_secret"),
                               callback_url=callback)


def console_origin() -> str:
    """The console's own origin as the browser sees it (scheme://host:port), from st.context.url.

    Falls back to http://localhost:<server.port> when no browser URL is known (AppTest, CLI).
    """
    url = None
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no script context
        url = None
    if url:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    port = st.get_option("server.port") or 8501
    return f"http://localhost:{port}"


def console_callback_url() -> str:
    """Where Salesforce sends the browser back: the console's connect page (url_path "connect")."""
    return console_origin() + DEMO_CALLBACK_PATH


def sign_in() -> tuple[bool, str | None]:
    """Whether sign-in is set up ([auth] in secrets.toml, for st.login) and the provider to pass st.login.

    The provider is None for the default one ([auth] holds client_id itself), else the first [auth.NAME] table
    holding a client_id (e.g. [auth.salesforce]). Without [auth] the console runs in single-user mode.
    """
    try:
        table = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets.toml: nothing configured
        return False, None
    if not table or not hasattr(table, "get"):
        return False, None
    if table.get("client_id"):
        return True, None
    for key in table:
        value = table.get(key)
        if hasattr(value, "get") and value.get("client_id"):
            return True, str(key)
    return True, None  # incomplete: st.login says what is missing


def signed_in_email() -> str | None:
    """The email of the user signed in with st.login, or None."""
    return _signed_in_email()


def _signed_in_email() -> str | None:
    """The email of a user signed in with st.login, if the console is set up for it."""
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or "") or None
    except Exception:  # noqa: BLE001 - auth not configured
        return None
    return None


def actor() -> engine.Actor:
    """Who is acting: the signed-in email (st.login), or nobody in particular.

    Only the identity is passed: core decides its role from the console's settings
    (CONSOLE_OPERATORS, CONSOLE_ROLE, [console] in secrets.toml) and refuses write actions to viewers.
    """
    return engine.Actor(_signed_in_email())
