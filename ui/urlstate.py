"""Page state mirrored in the URL (st.query_params), so a copied link opens the same view for a colleague.

Read the URL first, then the widget default; write back on every run. A value in a link that does not
exist here is said so (as text), never silently replaced by something else.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui.text import plain


def _unknown(param: str, values: Sequence[str]) -> None:
    st.warning(f"The link asks for {param} = {plain(', '.join(values))}, which does not exist here; it is not applied.",
               icon=":material/link_off:")


def choice(param: str, options: Sequence[str], default: str) -> str:
    """The URL's value of `param` when it is one of `options`, else `default` (saying so when the URL named another)."""
    value = st.query_params.get(param)
    if value is None:
        return default
    if value in options:
        return value
    _unknown(param, [value])
    return default


LAST_OBJECT_KEY = "last_object"


def last_object(options: Sequence[str], default: str) -> str:
    """The object last chosen on any page of this session (Mapping's Lead opens Preview on Lead), else `default`."""
    value = st.session_state.get(LAST_OBJECT_KEY)
    return value if value in options else default


def remember_object(sobject: str) -> None:
    st.session_state[LAST_OBJECT_KEY] = sobject


def restore(page: str, params: Sequence[str], arrived: bool) -> None:
    """Coming back to `page` by a link that names none of its filters (the sidebar's), put back the filters it had
    when it was left in this session, so a person who looked at Logs returns to the same Preview. A link that names
    any of them wins; a rerun on the page never restores (clearing every filter stays cleared)."""
    kept = st.session_state.get(f"kept_filters:{page}")
    if arrived and kept and not any(p in st.query_params for p in params):
        for param, value in kept.items():
            st.query_params[param] = value


def keep(page: str, params: Sequence[str]) -> None:
    """Remember the page's filters as the URL holds them now (call after the widgets wrote them back)."""
    st.session_state[f"kept_filters:{page}"] = {p: st.query_params[p] for p in params if p in st.query_params}


def write(param: str, value: str, default: str) -> None:
    """Put `value` in the URL, or take `param` out when it is the default."""
    if value and value != default:
        if st.query_params.get(param) != value:
            st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]


def multiselect(container: Any, label: str, param: str, options: Sequence[str],
                format_func: Callable[[str], str] | None = None) -> list[str]:
    """A multiselect whose choice lives in the URL as a comma-separated list."""
    key = f"url_{param}"
    if key not in st.session_state:
        asked = [v for v in (st.query_params.get(param) or "").split(",") if v]
        missing = [v for v in asked if v not in options]
        if missing:
            _unknown(param, missing)
        st.session_state[key] = [v for v in asked if v in options]
    chosen = container.multiselect(label, list(options), key=key, format_func=format_func or str)
    write(param, ",".join(chosen), "")
    return chosen


def text(label: str, param: str, container: Any = st) -> str:
    """A text input whose value lives in the URL."""
    key = f"url_{param}"
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(param, "")
    value = container.text_input(label, key=key)
    write(param, value.strip(), "")
    return value.strip()


def number(param: str, default: int, highest: int) -> int:
    """A whole number from the URL, kept within 1..highest."""
    try:
        value = int(st.query_params.get(param, default))
    except ValueError:
        return default
    return min(max(value, 1), highest)
