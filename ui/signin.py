"""The browser sign-in around core.engine: start it, send the browser to Salesforce, and take the callback back."""
from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import connection_view, frame, settings

CALLBACK_KEYS = ("code", "state", "error", "error_description", "error_uri")
PENDING_KEY = "pending_login"
OUTCOME_KEY = "connect_outcome"


@dataclass(frozen=True)
class Pending:
    """A begun sign-in in this browser session: where the browser goes next and when it started."""

    url: str
    label: str
    started: float
    redirect: bool


def take_callback() -> bool:
    """Handle ?code&state or ?error on the connect page; return True when there was a callback.

    The code, state and error parameters are removed from the URL at once (a copied URL never
    carries them), the outcome is kept for the next run and the app reruns so the sidebar
    shows the new connection.
    """
    params = st.query_params
    if "code" not in params and "error" not in params:
        return False
    got = {key: params.get(key) for key in CALLBACK_KEYS}
    for key in CALLBACK_KEYS:
        if key in params:
            del params[key]
    st.session_state.pop(PENDING_KEY, None)
    if got["error"]:
        outcome: object = engine.complete_login_error(got["error"], got["error_description"] or "", got["state"])
    else:
        try:
            info = engine.complete_login(got["code"] or "", got["state"] or "", actor=settings.actor())
        except ConsoleError as error:
            outcome = error
        else:
            frame.select(info.name)
            connection_view.forget()
            outcome = info
    st.session_state[OUTCOME_KEY] = outcome
    return True


def show_outcome() -> None:
    """Say how the last callback ended: signed in, or refused with the reason and what to do."""
    outcome = st.session_state.pop(OUTCOME_KEY, None)
    if isinstance(outcome, ConsoleError):
        st.error(f"**Sign-in refused.** {outcome.message}", icon=":material/block:")
        if outcome.fix:
            st.markdown(f"**What to do:** {outcome.fix}")
    elif outcome is not None:
        st.success(f"Signed in to **{outcome.org_name}** as **{outcome.user_name}** ({outcome.username}).",
                   icon=":material/check_circle:")


def start(kind: str, *, my_domain: str | None, name: str | None) -> None:
    """Begin a sign-in (state and PKCE verifier are kept server-side by core) and remember where to go."""
    app = None if kind == "demo" else settings.connected_app()
    url = engine.begin_login(kind, app=app, my_domain=my_domain or None, name=name or None,
                             callback_url=settings.console_callback_url(), actor=settings.actor())
    label = {"production": "Production", "sandbox": "Sandbox", "custom": "My Domain", "demo": "Demo org"}[kind]
    st.session_state[PENDING_KEY] = Pending(url=url, label=label, started=time.time(), redirect=True)


def restart(info: engine.ConnectionInfo) -> None:
    """Begin a new sign-in for an existing connection: same environment, same login host, same name."""
    env = info.environment
    generic = env.login_url in ("https://login.salesforce.com", "https://test.salesforce.com")
    my_domain = None if env.kind == "demo" or generic else env.login_url
    start(env.kind, my_domain=my_domain, name=info.name)


def pending() -> Pending | None:
    """The sign-in this session began and has not finished, if any."""
    return st.session_state.get(PENDING_KEY)


def cancel() -> None:
    """Forget the begun sign-in (its state expires server-side by itself)."""
    st.session_state.pop(PENDING_KEY, None)


def show_pending(begun: Pending) -> None:
    """The connecting state: where the browser is going, a same-tab link, and a redirect on the first showing."""
    minutes = max(0, int((time.time() - begun.started) // 60))
    st.info(f"**Connecting to {begun.label}.** Continue on the org's sign-in page; you come back here "
            f"when you have signed in and allowed access. Started {minutes} min ago; the link works for 10 minutes.",
            icon=":material/hourglass_top:")
    href = html.escape(begun.url, quote=True)
    script = ""
    if begun.redirect:
        st.session_state[PENDING_KEY] = Pending(begun.url, begun.label, begun.started, redirect=False)
        script = f"<script>setTimeout(function() {{ window.location.assign({_js_string(begun.url)}); }}, 1200);</script>"
    st.html(
        f'<a href="{href}" target="_self" data-testid="continue-sign-in" '
        'style="display:inline-block;padding:0.45rem 0.9rem;border-radius:0.5rem;background:#0b5cab;'
        'color:#fff;text-decoration:none;font-weight:600">Continue to the sign-in page →</a>' + script,
        unsafe_allow_javascript=True,
    )


def _js_string(text: str) -> str:
    """A JavaScript string literal for `text` that cannot close the script element."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e")
