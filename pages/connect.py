"""Connect: choose an environment, sign in with OAuth (PKCE), and see whether the link is healthy and why not."""
from __future__ import annotations

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import badges, connection_view, frame, settings, signin
from ui.environment_form import environment_form
from ui.text import plain

DISCONNECTED_KEY = "connect_disconnected"

frame.ensure_router()
st.title("Connect")
st.caption("Connect which org, and is the link healthy?")
if signin.take_callback():
    st.rerun()
signin.show_outcome()
said = st.session_state.pop(DISCONNECTED_KEY, None)
if said:
    st.success(plain(said), icon=":material/link_off:")
    st.caption("No connection is selected now: pick one in the sidebar, or connect another org below.")

actor = settings.actor()
info = engine.connection(frame.current_name()) if frame.current_name() else None

if info is not None:
    st.subheader(plain(info.name))
    badges.environment_badge(info.environment.badge)
    status = connection_view.health(info)
    connection_view.health_block(status)
    if info.readable:
        connection_view.details(info)
    else:
        st.caption(f"To reconnect, connect below with the name **{plain(info.name)}** and confirm the replacement: "
                   "the new sign-in replaces the record.")
    buttons = st.container(horizontal=True)
    if status.status == "needs_reconnect" and info.readable:
        if buttons.button("Reconnect", type="primary", disabled=actor.role != "operator"):
            try:
                signin.restart(info)
            except ConsoleError as error:
                frame.show_error(error)
            else:
                st.rerun()
    elif status.status == "degraded":
        if buttons.button("Retry", type="primary"):
            connection_view.forget()
            st.rerun()
    if buttons.button("Disconnect", disabled=actor.role != "operator",
                      help="Revokes the token at Salesforce and deletes it and the org's snapshot records from this console; "
                      "the enrichment log is kept."):
        st.session_state["confirm_disconnect"] = info.name
    if st.session_state.get("confirm_disconnect") == info.name:
        st.warning(f"Disconnect **{plain(info.name)}**? The token is revoked at Salesforce and deleted here, and "
                   "the org's records kept on this machine (the snapshots) are deleted; the enrichment log stays. "
                   "You can connect again at any time." if info.readable else
                   f"Delete **{plain(info.name)}**? Its tokens cannot be read, so they cannot be revoked from here: "
                   "revoke them in Salesforce (Setup → Connected Apps OAuth Usage).")
        confirm = st.container(horizontal=True)
        if confirm.button("Yes, disconnect", type="primary"):
            st.session_state.pop("confirm_disconnect", None)
            try:
                done = engine.disconnect(info.name, actor=actor, force=not info.readable)
            except ConsoleError as error:
                frame.show_error(error)
            else:
                st.session_state[DISCONNECTED_KEY] = (
                    f"Disconnected {info.name}; its token was revoked at Salesforce and deleted here." if done.revoked
                    else f"Deleted {info.name} here; its tokens could not be read, so revoke them in Salesforce "
                    "(Setup → Connected Apps OAuth Usage).") + " " + done.summary()
                connection_view.forget()
                frame.unselect()
                st.rerun()
        if confirm.button("Cancel"):
            st.session_state.pop("confirm_disconnect", None)
            st.rerun()
    st.divider()

begun = signin.pending()
if begun is not None:
    signin.show_pending(begun)
    if st.button("Cancel sign-in"):
        signin.cancel()
        st.rerun()
else:
    environment_form(actor, first=not engine.connections())
