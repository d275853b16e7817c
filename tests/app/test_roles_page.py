"""AppTest: the page passes only who is acting; core's role settings decide what the browser may do."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.errors import NotAllowed
from ui import settings

CONNECT = "pages/connect.py"


def _disabled(at: Any, label: str) -> bool:
    return next(b for b in at.button if b.label == label).disabled


def test_given_secrets_name_the_operators_when_a_browser_not_signed_in_opens_connect_then_it_views_only(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("integration@demo.test", actor=engine.Actor("setup script"))
    secrets = console_data_dir.parent / ".streamlit" / "secrets.toml"  # the AppTest's working directory
    secrets.parent.mkdir(exist_ok=True)
    secrets.write_text('[console]\nrole = "operator"\noperators = ["ops@example.com"]\n')
    at = console(CONNECT)
    at.run()
    assert not at.exception
    assert _disabled(at, "Connect") and _disabled(at, "Disconnect")
    assert any("Role: **viewer**" in str(c.value) for c in at.caption)
    with pytest.raises(NotAllowed) as caught:  # what the page would pass, refused by core itself
        engine.disconnect("demo", actor=settings.actor())
    assert "console user is a viewer (not signed in, and operators in [console] in" in caught.value.message
    assert [c.name for c in engine.connections()] == ["demo"]
