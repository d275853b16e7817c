"""Environment badge and health pill: text plus colour and icon, so they read without colour too."""
from __future__ import annotations

from typing import Any

import streamlit as st

# badge text -> (colour, icon). Text always carries the meaning; colour and icon only repeat it.
ENVIRONMENT_STYLE: dict[str, tuple[str, str]] = {
    "PRODUCTION": ("red", ":material/warning:"),
    "SANDBOX": ("orange", ":material/science:"),
    "DEMO": ("blue", ":material/toys:"),
}

HEALTH_STYLE: dict[str, tuple[str, str, str]] = {
    "connected": ("Connected", "green", ":material/check_circle:"),
    "needs_reconnect": ("Needs reconnect", "red", ":material/link_off:"),
    "degraded": ("Degraded", "orange", ":material/error:"),
}


def environment_badge(badge: str, container: Any = st) -> None:
    """Draw PRODUCTION (red), SANDBOX (orange) or DEMO (blue) as a labelled badge."""
    colour, icon = ENVIRONMENT_STYLE.get(badge, ("gray", ":material/help:"))
    container.badge(badge, icon=icon, color=colour)


def health_badge(status: str, container: Any = st) -> None:
    """Draw Connected / Needs reconnect / Degraded as a labelled badge."""
    label, colour, icon = HEALTH_STYLE.get(status, (status, "gray", ":material/help:"))
    container.badge(label, icon=icon, color=colour)


def health_label(status: str) -> str:
    """The words for a health status, as every page and the CLI say them."""
    return HEALTH_STYLE.get(status, (status,))[0]
