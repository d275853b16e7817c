"""AppTest: after a disconnect leaves nothing chosen, the pages that need a connection say to pick one of those
still connected, not that no org is connected (which sent users to connect again)."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from tests.app.test_connect_faults import _click
from tests.app.test_connect_page import _texts

OPERATOR = engine.Actor("test operator")


@pytest.mark.parametrize("page", ["pages/preview.py", "pages/mapping.py", "pages/permissions.py"])
def test_given_one_of_two_disconnected_when_another_page_opens_then_it_asks_to_pick_the_other(
        console: Any, demo_org: Any, page: str) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    at = console("pages/connect.py", query={"connection": "audit"})
    at.run()
    _click(at, "Disconnect")
    _click(at, "Yes, disconnect")
    at.switch_page(page).run()
    assert not at.exception
    text = _texts(at)
    assert "No connection is chosen (1 connected): pick one under **Connection** in the sidebar" in text
    assert "No org is connected yet" not in text


def test_given_nothing_connected_when_preview_opens_then_it_says_so_and_links_to_connect(console: Any) -> None:
    at = console("pages/preview.py")
    at.run()
    assert not at.exception
    assert "No org is connected yet: connect one to preview what a sync would write." in _texts(at)
