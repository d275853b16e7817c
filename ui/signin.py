"""The browser sign-in around core.engine: start it, send the browser to Salesforce, and take the callback back."""
from __future__ import annotations

import html
import json
import re
import secrets
import time
from dataclasses import dataclass

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import connection_view, frame, settings
from ui.text import plain

CALLBACK_KEYS = ("code", "state", "error", "error_description", "error_uri")
PENDING_KEY = "pending_login"
OUTCOME_KEY = "connect_outcome"
BINDING_COOKIE = "console_signin"
BINDING_KEY = "_signin_binding"
_BINDING_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass(frozen=True)
class Pending:
    """A begun sign-in in this browser session: where the browser goes next and when it started."""

    url: str
    label: str
    started: float
    redirect: bool


def browser_binding() -> str:
    """This browser's sign-in binding: the console's cookie when the browser sent one, else one for this session.

    A sign-in is begun with it and can only be finished with it (core.connect.pending): the page that
    begins a sign-in stores it in the cookie, and the callback, a new page load, sends it back.
    """
    sent = st.context.cookies.get(BINDING_COOKIE)
    if isinstance(sent, str) and _BINDING_SHAPE.match(sent):  # AppTest has no real client: no cookies
        return sent
    if BINDING_KEY not in st.session_state:
        st.session_state[BINDING_KEY] = secrets.token_urlsafe(32)
    return str(st.session_state[BINDING_KEY])


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
    binding = browser_binding()
    if got["error"]:
        outcome: object = engine.complete_login_error(got["error"], got["error_description"] or "", got["state"],
                                                      binding=binding)
    else:
        try:
            info = engine.complete_login(got["code"] or "", got["state"] or "", actor=settings.actor(),
                                         binding=binding)
        except ConsoleError as error:
            outcome = error
        else:
            frame.select(info.name)
            connection_view.forget()
            outcome = info
    st.session_state[OUTCOME_KEY] = outcome
    return True


def show_outcome() -> None:
    """Say how the last callback ended: signed in (and what it replaced), or refused with the reason and the fix."""
    outcome = st.session_state.pop(OUTCOME_KEY, None)
    if isinstance(outcome, ConsoleError):
        st.error(f"**Sign-in refused.** {plain(outcome.message)}", icon=":material/block:")
        if outcome.fix:
            st.markdown(f"**What to do:** {plain(outcome.fix)}")
    elif outcome is not None:
        st.success(f"Signed in to **{plain(outcome.org_name)}** as **{plain(outcome.user_name)}** "
                   f"({plain(outcome.username)}), saved as {plain(outcome.name)}.", icon=":material/check_circle:")
        if outcome.notice:
            st.info(plain(outcome.notice), icon=":material/swap_horiz:")


def start(kind: str, *, my_domain: str | None, name: str | None, replace: bool = False) -> None:
    """Begin a sign-in (state and PKCE verifier are kept server-side by core) and remember where to go.

    Real orgs come back to the configured callback URL (SF_CALLBACK_URL / secrets), or to this
    console's address as the browser sees it; the demo org always to the browser's address.
    """
    app = None if kind == "demo" else settings.connected_app()
    callback = app.callback_url if app is not None else settings.console_callback_url()
    url = engine.begin_login(kind, app=app, my_domain=my_domain or None, name=name or None, replace=replace,
                             callback_url=callback, actor=settings.actor(), binding=browser_binding())
    label = {"production": "Production", "sandbox": "Sandbox", "custom": "My Domain", "demo": "Demo org"}[kind]
    st.session_state[PENDING_KEY] = Pending(url=url, label=label, started=time.time(), redirect=True)


def restart(info: engine.ConnectionInfo) -> None:
    """Begin a new sign-in for an existing connection: same environment, same login host, same name (replaced)."""
    env = info.environment
    generic = env.login_url in ("https://login.salesforce.com", "https://test.salesforce.com")
    my_domain = None if env.kind == "demo" or generic else env.login_url
    start(env.kind, my_domain=my_domain, name=info.name, replace=True)


def pending() -> Pending | None:
    """The sign-in this session began and has not finished, if any."""
    return st.session_state.get(PENDING_KEY)


def cancel() -> None:
    """Forget the begun sign-in (its state expires server-side by itself)."""
    st.session_state.pop(PENDING_KEY, None)


def show_pending(begun: Pending) -> None:
    """The connecting state: where the browser is going, a same-tab link, and a redirect on the first showing.

    The page also stores this browser's binding in a cookie, so the callback (a new page load) finishes
    the sign-in here and nowhere else.
    """
    minutes = max(0, int((time.time() - begun.started) // 60))
    st.info(f"**Connecting to {begun.label}.** Continue on the org's sign-in page; you come back here "
            f"when you have signed in and allowed access. Started {minutes} min ago; the link works for 10 minutes.",
            icon=":material/hourglass_top:")
    href = html.escape(begun.url, quote=True)
    cookie = (f"document.cookie = {_js_string(BINDING_COOKIE + '=' + browser_binding())} + "
              "'; path=/; max-age=86400; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '');")
    redirect = ""
    if begun.redirect:
        st.session_state[PENDING_KEY] = Pending(begun.url, begun.label, begun.started, redirect=False)
        redirect = f"setTimeout(function() {{ window.location.assign({_js_string(begun.url)}); }}, 1200);"
    st.html(
        f'<a href="{href}" target="_self" data-testid="continue-sign-in" '
        'style="display:inline-block;padding:0.45rem 0.9rem;border-radius:0.5rem;background:#0b5cab;'
        'color:#fff;text-decoration:none;font-weight:600">Continue to the sign-in page →</a>'
        f"<script>{cookie}{redirect}</script>",
        unsafe_allow_javascript=True,
    )


def _js_string(text: str) -> str:
    """A JavaScript string literal for `text` that cannot close the script element."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e")
