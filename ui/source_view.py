"""The enrichment source of a connection on the Mapping page: what is in use, Try it, and changing it (operators)."""
from __future__ import annotations

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui.text import plain

KINDS = {"demo": "Demo data", "file": "Your file (CSV or Parquet)", "http": "HTTP JSON API"}


def _error(error: ConsoleError) -> None:
    st.error(plain(error.message), icon=":material/error:")
    if error.fix:
        st.markdown(f"**Fix:** {plain(error.fix)}")


def try_box(name: str) -> None:
    """Look one domain, website or email up in the source and show the attributes that came back."""
    with st.form(key=f"try:{name}", border=False):
        value = st.text_input("Try it: a domain, website or email", placeholder="acme.com or jane@acme.com")
        asked = st.form_submit_button("Look up", icon=":material/search:")
    if not asked or not value.strip():
        return
    try:
        found = engine.try_source(name, value)
    except ConsoleError as error:
        _error(error)
        return
    if found.empty:
        st.info("The source has no data for that key.", icon=":material/search_off:")
    else:
        st.dataframe(found, hide_index=True, width="stretch")


def _choose(name: str, actor: engine.Actor, current: engine.SourceSettings) -> None:
    """The operator's form to switch source; nothing changes unless the new source checks out."""
    kind = st.radio("Source", list(KINDS), format_func=KINDS.get, index=list(KINDS).index(current.kind),
                    horizontal=True, key=f"source-kind:{name}")
    try:
        if kind == "demo":
            if st.button("Use the demo data", key=f"use-demo:{name}", type="primary"):
                engine.use_demo_source(name, actor=actor)
                st.rerun()
        elif kind == "file":
            st.caption("One row per company (a `domain` column) or person (an `email` column); other columns are "
                       "attribute paths such as `category.industry` or `metrics.employees`.")
            upload = st.file_uploader("Enrichment file", type=["csv", "parquet", "tsv", "txt"], key=f"file:{name}")
            if upload is not None and st.button("Use this file", key=f"use-file:{name}", type="primary"):
                engine.use_file_source(name, upload.getvalue(), upload.name, actor=actor)
                st.rerun()
        else:
            with st.form(key=f"http:{name}"):
                url = st.text_input("URL template", value=current.url_template or
                                    "https://company.clearbit.com/v2/companies/find?domain={domain}")
                key = st.text_input("API key", type="password",
                                    placeholder=f"saved: {current.key_hint}" if current.key_hint else "the vendor's key",
                                    help="Stored encrypted like the Salesforce tokens; shown again only as its last "
                                    "four characters. Leave empty to keep the saved key.")
                rate = st.number_input("Requests per minute", min_value=1.0, value=float(current.rate_per_minute or 600))
                if st.form_submit_button("Use this API", type="primary"):
                    engine.use_http_source(name, url_template=url, api_key=key or None, rate_per_minute=rate,
                                           actor=actor)
                    st.rerun()
    except engine.SourceFileError as error:
        _error(error)
        st.caption("Rows that need fixing (the source in use has not changed):")
        st.dataframe(error.problems, hide_index=True, width="stretch")
    except ConsoleError as error:
        _error(error)


def section(name: str, actor: engine.Actor) -> engine.SourceSettings:
    """The source block: the source in use, Try it, and (operators) a way to change it."""
    current = engine.enrichment_source(name)
    st.markdown(f"**Enrichment source:** {plain(current.label)}"
                + (f" · key {plain(current.key_hint)}" if current.key_hint else "")
                + (f" · set by {plain(current.updated_by)} at {plain(current.updated_at)}" if current.updated_by else ""))
    try_box(name)
    with st.expander("Change the enrichment source", icon=":material/swap_horiz:"):
        if actor.role != "operator":
            st.info("Only operators can change the enrichment source.", icon=":material/lock:")
        else:
            _choose(name, actor, current)
    return current
