"""The schedule's automatic-apply switch for one connection and object, on the Preview page beside Apply.

What it does is said plainly next to it, with who switched it last and when; operators switch it (core refuses
anyone else and records every switch), viewers see it disabled with the reason.
"""
from __future__ import annotations

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import frame
from ui.text import plain

ERROR_KEY = "auto_apply_error"


def _when(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ") + " UTC"


def _switch(name: str, sobject: str, actor: engine.Actor, key: str) -> None:
    """on_change: switch it in core; a refusal or error is kept to be shown on this run."""
    try:
        engine.set_auto_apply(name, sobject, bool(st.session_state[key]), actor=actor)
    except ConsoleError as error:
        st.session_state[ERROR_KEY] = error


def state_line(state: engine.AutoApply) -> str:
    """"On since … UTC, switched on by …" / "Off — switched off by … at …" / "Off: nobody has switched it on"."""
    if state.by is None:
        return "Off: nobody has switched it on for this object."
    when, who = _when(state.at), plain(state.by)
    return f"**On** since {when}, switched on by {who}." if state.on else f"Off — switched off by {who} on {when}."


def block(name: str, sobject: str, actor: engine.Actor, org_label: str) -> None:
    """The switch, what it does, who switched it, and when the schedule last ran for this connection and object."""
    state = engine.auto_apply(name, sobject)
    with st.container(border=True):
        st.markdown("**Automatic apply by the schedule**")
        st.caption(f"Every 4 hours the scheduled sync previews the {sobject} records that are new, whose Website or "
                   "Email changed, or that the console last enriched more than 30 days ago. **On**, it writes their "
                   "fill cells without a person approving each preview; **off**, it only previews and logs a dry run. "
                   "Either way only blank fields are ever filled — a value already there is never overwritten — and "
                   "every write is in Logs.")
        operator = actor.role == "operator"
        key = f"auto_apply:{name}:{sobject}:{state.at or ''}"  # a new widget whenever someone switches it
        st.toggle(f"Let the schedule write {sobject} fills to {org_label} automatically", value=state.on, key=key,
                  disabled=not operator, on_change=_switch, args=(name, sobject, actor, key),
                  help=None if operator else "Only operators can switch automatic apply.")
        st.caption(state_line(state))
        if not operator:
            st.caption(":material/lock: Only operators can switch automatic apply; you can see whether it is on.")
        error = st.session_state.pop(ERROR_KEY, None)
        if error is not None:
            frame.show_error(error)
        if state.last_round:
            st.caption(f"The schedule last handled {sobject} on this connection on {_when(state.last_round)}.")
        else:
            st.caption(f"No scheduled round has handled {sobject} on this connection yet: the schedule runs where "
                       "`python -m core schedule` runs (or its cron line, in the README).")
