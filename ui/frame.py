"""The frame around every page: the connection picker and environment badge in the sidebar, mirrored in the URL."""
from __future__ import annotations

import runpy
from typing import Any

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import badges, settings
from ui.text import code, plain

CONNECTION_KEY = "connection"


def ensure_router() -> None:
    """Run the page through app.py when Streamlit ran this page file directly (call first in every page).

    Streamlit 1.67 treats a directory named pages/ beside the entry point as a legacy multipage
    app (PagesManager.uses_pages_directory) until some run calls st.navigation. So the first
    request of a fresh server for /connect — the OAuth callback after a restart — would run
    pages/connect.py alone, without app.py's frame, and AppTest resets the flag before every
    run. Here the flag is turned off and app.py runs in place (st.navigation then runs this page
    inside the frame); the direct run stops. No rerun, so a clicked button's event is kept.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    ctx = get_script_run_ctx()
    if ctx is not None:
        runpy.run_path(str(ctx.pages_manager.main_script_path), run_name="__main__")
    st.stop()


NEXT_KEY = "_next_connection"        # a choice made after the sidebar was drawn (a sign-in), applied on the next run
UNCHOSEN_KEY = "_no_connection"      # set after a disconnect: nothing is current until the operator picks one
MISSING_PAGE_KEY = "_missing_page"   # the path of a link to a page this console does not have


def _remember_choice() -> None:
    """Mirror the picked connection into the URL so a copied link reopens it."""
    chosen = st.session_state.get(CONNECTION_KEY)
    if chosen:
        st.query_params[CONNECTION_KEY] = chosen
        st.session_state.pop(UNCHOSEN_KEY, None)


def select(name: str) -> None:
    """Make `name` the current connection from the next run on (after a sign-in).

    The picker's own state cannot change once it is drawn in this run, so the choice waits in
    NEXT_KEY for the sidebar of the next run; the URL names it at once.
    """
    st.session_state[NEXT_KEY] = name
    st.session_state.pop(UNCHOSEN_KEY, None)
    st.query_params[CONNECTION_KEY] = name


def unselect() -> None:
    """Make no connection current from the next run on (after a disconnect), until the operator picks one.

    So the page never shows another connection's Disconnect button where the last one was clicked.
    """
    st.session_state[UNCHOSEN_KEY] = True
    st.session_state.pop(NEXT_KEY, None)
    if CONNECTION_KEY in st.query_params:
        del st.query_params[CONNECTION_KEY]


def note_missing_page(path: str) -> None:
    """Remember that the browser asked for a page that does not exist, for the page shown instead to say so."""
    st.session_state[MISSING_PAGE_KEY] = path


def current_name() -> str | None:
    """The connection the sidebar picked for this run, or None when there is none."""
    return st.session_state.get(CONNECTION_KEY) or None


def require_connection(purpose: str) -> str:
    """The sidebar's connection, or stop the page saying what is missing: no org connected at all (a link to
    Connect), or connections that exist but none chosen (after a disconnect) — pick one in the sidebar."""
    name = current_name()
    if name:
        return name
    count = len(engine.connections())
    if count:
        st.info(f"No connection is chosen ({count} connected): pick one under **Connection** in the sidebar to "
                f"{purpose}.", icon=":material/arrow_back:")
    else:
        st.info(f"No org is connected yet: connect one to {purpose}.", icon=":material/link:")
        st.page_link("pages/connect.py", label="Connect an org", icon=":material/link:")
    st.stop()
    raise AssertionError("st.stop() ends the run")  # pragma: no cover


def _label(info: engine.ConnectionInfo) -> str:
    """The picker's text (an option is plain text, never markdown): the name and org, or that it needs reconnecting."""
    if not info.readable:
        return f"{info.name} — needs reconnect"
    return f"{info.name} — {info.org_name}" if info.org_name else info.name


def _choose(infos: dict[str, engine.ConnectionInfo]) -> str | None:
    """Decide this run's connection before the picker is drawn, and say so when a link names a missing one.

    A connection named in the URL wins (a shared link); one that does not exist here is named in a
    warning and nothing else is chosen in its place. Then a choice waiting from the last run (a
    sign-in), then the session's choice, then none after a disconnect, else the first connection.
    """
    state = st.session_state
    if NEXT_KEY in state:
        waiting = state.pop(NEXT_KEY)
        if waiting in infos:
            state[CONNECTION_KEY] = waiting
    from_url = st.query_params.get(CONNECTION_KEY)
    if from_url is not None and from_url not in infos:
        st.warning(f"The link names the connection {code(from_url)}, which does not exist in this console; "
                   "nothing was changed. Pick a connection in the sidebar or connect it on Connect.",
                   icon=":material/link_off:")
        state[CONNECTION_KEY] = None  # set, not deleted: the browser's picker must show no choice either
        return None
    if from_url in infos:
        state[CONNECTION_KEY] = from_url
        state.pop(UNCHOSEN_KEY, None)
    if state.get(CONNECTION_KEY) not in infos:
        state[CONNECTION_KEY] = sorted(infos)[0] if infos and not state.get(UNCHOSEN_KEY) else None
    chosen = state.get(CONNECTION_KEY)
    if chosen:
        st.query_params[CONNECTION_KEY] = chosen
    elif CONNECTION_KEY in st.query_params:
        del st.query_params[CONNECTION_KEY]
    return chosen


def sidebar() -> engine.ConnectionInfo | None:
    """Draw the sidebar (picker, badge, role) and return the current connection.

    The choice is always written back to st.query_params, because navigating between pages clears them.
    A link to a page or a connection that does not exist here is said so above the page.
    """
    missing_page = st.session_state.pop(MISSING_PAGE_KEY, None)
    if missing_page:
        st.warning(f"There is no page {code(missing_page)} in this console; this is the Overview.",
                   icon=":material/link_off:")
    try:
        infos = {info.name: info for info in engine.connections()}
    except ConsoleError as error:  # the token store or its key cannot be read: say so and change nothing
        show_error(error, "The saved connections cannot be read.")
        st.stop()
    chosen = _choose(infos)
    info = infos.get(chosen) if chosen else None
    with st.sidebar:
        if infos:
            st.selectbox("Connection", sorted(infos), key=CONNECTION_KEY, on_change=_remember_choice,
                         format_func=lambda n: _label(infos[n]), placeholder="Choose a connection")
            if info is not None:
                badges.environment_badge(info.environment.badge)
                st.caption(f"{plain(info.org_name)} · {plain(info.username)}" if info.readable
                           else "Needs reconnect: its stored tokens cannot be decrypted.")
        else:
            st.caption("No connection yet.")
            st.page_link("pages/connect.py", label="Connect an org", icon=":material/link:")
        role = settings.actor().role
        st.caption(f"Role: **{role}**" + ("" if role == "operator" else " (read only)"))
        configured, provider = settings.sign_in()
        if configured:
            _sign_in_control(provider, role)
    if not configured:
        _single_user_banner(role)
    return info


def _sign_in_control(provider: str | None, role: str) -> None:
    """Sign in / Sign out in the sidebar ([auth] set up): who is signed in, and their role, from core's settings."""
    email = settings.signed_in_email()
    if email:
        st.caption(f"Signed in as {plain(email)} · {role}")
        if st.button("Sign out", icon=":material/logout:", key="frame_sign_out"):
            st.logout()
    else:
        st.caption("Not signed in: you can read everything; sign in to act.")
        if st.button("Sign in", type="primary", icon=":material/login:", key="frame_sign_in"):
            try:
                st.login(provider) if provider else st.login()
            except Exception as exc:  # noqa: BLE001 - StreamlitAuthError: [auth] is incomplete; say what it says
                st.error(f"Sign-in is not set up completely: {plain(str(exc))}", icon=":material/error:")
                st.caption("Fix: complete [auth] in .streamlit/secrets.toml (README → Security).")


def _single_user_banner(role: str) -> None:
    """Without [auth] nobody signs in: say so on every page, and what it means for who can act."""
    if role == "operator":
        st.info("**Single-user mode:** no sign-in is set up, so anyone who can open this console can act on "
                "Salesforce — connect, write, undo. To let only named people act, set up sign-in ([auth] in "
                "secrets.toml) and list the operators (README → Security).", icon=":material/lock_open:")
    else:
        st.info("**Read only:** no sign-in is set up and this console's settings make everyone a viewer; "
                "operators act from the command line (README → Security).", icon=":material/lock:")


def show_error(error: ConsoleError, headline: str | None = None) -> None:
    """A ConsoleError as the pages show it: what happened (as text, never markdown) and the fix."""
    lead = f"**{headline}** " if headline else ""
    st.error(lead + plain(error.message), icon=":material/error:")
    if error.fix:
        st.markdown(f"**Fix:** {plain(error.fix)}")


PAGE_KEY, ARRIVED_KEY = "frame_page", "frame_arrived"


def arrived() -> bool:
    """Whether this run opened the page from another one (the sidebar, a link), not a rerun on the page itself."""
    return bool(st.session_state.get(ARRIVED_KEY, True))


def run(page: Any) -> None:
    """Run the navigated page; a ConsoleError it lets escape shows as message and fix instead of a traceback."""
    path = getattr(page, "url_path", "")
    st.session_state[ARRIVED_KEY] = st.session_state.get(PAGE_KEY) != path
    st.session_state[PAGE_KEY] = path
    try:
        page.run()
    except ConsoleError as error:
        show_error(error)
