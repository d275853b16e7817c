"""The "connect an org" form: environment choice, My Domain with its validation and warnings, and the Connect button."""
from __future__ import annotations

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import settings, signin
from ui.text import code, plain

KINDS = ("demo", "production", "sandbox", "custom")
LABELS = {
    "demo": "Demo org (built in, no Salesforce account needed)",
    "production": "Production (login.salesforce.com)",
    "sandbox": "Sandbox (test.salesforce.com)",
    "custom": "My Domain",
}
ENV_KEY = "connect_env"
DOMAIN_KEY = "connect_domain"

SECRETS_HELP = """[salesforce]
client_id = "<the connected app's Consumer Key>"
# client_secret = "<only for a confidential connected app>"
callback_url = "{callback}"
"""


def _mirror_env() -> None:
    """Keep the chosen environment in the URL (?env=...), so a copied link opens the same form."""
    st.query_params["env"] = st.session_state[ENV_KEY]


def _mirror_domain() -> None:
    """Keep the typed My Domain in the URL (?domain=...), or drop it when cleared."""
    value = st.session_state.get(DOMAIN_KEY, "").strip()
    if value:
        st.query_params["domain"] = value
    elif "domain" in st.query_params:
        del st.query_params["domain"]


def environment_form(actor: engine.Actor, *, first: bool) -> None:
    """Draw the form and begin the sign-in on Connect; viewers see it disabled (core refuses them too)."""
    st.subheader("Connect an org" if first else "Connect another org")
    from_url = st.query_params.get("env")
    if from_url in KINDS:
        st.session_state[ENV_KEY] = from_url
    elif ENV_KEY not in st.session_state:
        st.session_state[ENV_KEY] = "demo"
    st.query_params["env"] = st.session_state[ENV_KEY]
    kind = st.radio("Environment", KINDS, format_func=LABELS.__getitem__, key=ENV_KEY, on_change=_mirror_env)

    my_domain = ""
    problems: list[str] = []
    if kind != "demo":
        if "domain" in st.query_params and DOMAIN_KEY not in st.session_state:
            st.session_state[DOMAIN_KEY] = st.query_params["domain"]
        my_domain = st.text_input(
            "My Domain URL" + ("" if kind == "custom" else " (optional)"),
            placeholder="https://acme.my.salesforce.com",
            help="Setup → My Domain shows it. Needed when your org blocks login.salesforce.com / test.salesforce.com.",
            key=DOMAIN_KEY, on_change=_mirror_domain,
        ).strip()
        if my_domain or kind == "custom":
            try:
                engine.environment(kind, my_domain or None)
            except ConsoleError as error:
                problems.append(error.message)
                st.error(f"{plain(error.message)} {plain(error.fix)}", icon=":material/error:")
            for warning in engine.my_domain_warnings(kind, my_domain) if my_domain else []:
                st.warning(plain(warning), icon=":material/warning:")
    name = st.text_input("Connection name (optional)", placeholder=f"{kind} (or {kind}-<user> when taken)",
                         help="Without a name the sign-in is saved as the environment's name, or the environment and "
                         "the user's name when another user holds it; it never replaces another connection.").strip()
    replace = False
    if name:
        try:
            engine.check_connection_name(name)
        except ConsoleError as error:
            problems.append(error.message)
            st.error(f"{plain(error.message)} {plain(error.fix)}", icon=":material/error:")
        else:
            replace = _ask_replace(name, problems)

    configured = kind == "demo" or settings.connected_app() is not None
    if not configured:
        st.warning(
            "**Not configured.** Signing in to a real org needs a Salesforce connected app. Put its settings in "
            "`.streamlit/secrets.toml` (or set SF_CLIENT_ID, SF_CLIENT_SECRET, SF_CALLBACK_URL) and restart "
            "the console. The README explains how to create the connected app. The Demo org always works.",
            icon=":material/settings:",
        )
        st.code(SECRETS_HELP.format(callback=settings.console_callback_url()), language="toml")
    if actor.role != "operator":
        st.caption("Viewers can look at connections; only operators connect or disconnect.")
    if st.button("Connect", type="primary", disabled=bool(problems) or not configured or actor.role != "operator"):
        try:
            signin.start(kind, my_domain=my_domain or None, name=name or None, replace=replace)
        except ConsoleError as error:
            st.error(f"{plain(error.message)} {plain(error.fix)}", icon=":material/error:")
        else:
            st.rerun()


def _ask_replace(name: str, problems: list[str]) -> bool:
    """When `name` is taken, say whose it is and ask before a sign-in replaces it; True once confirmed."""
    held = engine.connection(name)
    if held is None:
        return False
    whose = f" ({plain(held.org_name)} as {plain(held.username)})" if held.readable else ""
    st.warning(f"A connection named {code(name)} already exists{whose}. Signing in under this name replaces it, "
               "and its token is revoked at Salesforce.", icon=":material/swap_horiz:")
    if st.checkbox(f"Replace {plain(name)}", key=f"replace_{name}"):
        return True
    problems.append("name taken")
    return False
