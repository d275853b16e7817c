"""The frame around every page: the connection picker and environment badge in the sidebar, mirrored in the URL."""
from __future__ import annotations

import runpy

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import badges, settings

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


def _remember_choice() -> None:
    """Mirror the picked connection into the URL so a copied link reopens it."""
    chosen = st.session_state.get(CONNECTION_KEY)
    if chosen:
        st.query_params[CONNECTION_KEY] = chosen


def select(name: str) -> None:
    """Make `name` the current connection (after a sign-in) before the sidebar is drawn again."""
    st.session_state[CONNECTION_KEY] = name
    st.query_params[CONNECTION_KEY] = name


def current_name() -> str | None:
    """The connection the sidebar picked for this run, or None when there is none."""
    return st.session_state.get(CONNECTION_KEY) or None


def _label(info: engine.ConnectionInfo) -> str:
    """The picker's text for a connection: its name and org, or that it needs reconnecting."""
    if not info.readable:
        return f"{info.name} — needs reconnect"
    return f"{info.name} — {info.org_name}" if info.org_name else info.name


def sidebar() -> engine.ConnectionInfo | None:
    """Draw the sidebar (picker, badge, role) and return the current connection.

    A connection named in the URL wins (a shared link; the picker's callback keeps the URL in
    step), otherwise the session's choice, otherwise the first connection. The choice is always
    written back to st.query_params, because navigating between pages clears them.
    """
    try:
        infos = {info.name: info for info in engine.connections()}
    except ConsoleError as error:  # the token store or its key cannot be read: say so and change nothing
        st.error(f"**The saved connections cannot be read.** {error.message}", icon=":material/error:")
        st.markdown(f"**Fix:** {error.fix}")
        st.stop()
    names = sorted(infos)
    from_url = st.query_params.get(CONNECTION_KEY)
    if from_url in infos:
        st.session_state[CONNECTION_KEY] = from_url
    if st.session_state.get(CONNECTION_KEY) not in infos:
        st.session_state[CONNECTION_KEY] = names[0] if names else None
    chosen = st.session_state.get(CONNECTION_KEY)
    if chosen:
        st.query_params[CONNECTION_KEY] = chosen
    elif CONNECTION_KEY in st.query_params:
        del st.query_params[CONNECTION_KEY]

    with st.sidebar:
        if names:
            st.selectbox("Connection", names, key=CONNECTION_KEY, on_change=_remember_choice,
                         format_func=lambda n: _label(infos[n]))
            info = infos[chosen] if chosen else None
            if info is not None:
                badges.environment_badge(info.environment.badge)
                st.caption(f"{info.org_name} · {info.username}" if info.readable
                           else "Needs reconnect: its stored tokens cannot be decrypted.")
        else:
            info = None
            st.caption("No connection yet.")
            st.page_link("pages/connect.py", label="Connect an org", icon=":material/link:")
        role = settings.actor().role
        st.caption(f"Role: **{role}**" + ("" if role == "operator" else " (read only)"))
    return info
