"""AppTest: counts on the pages agree with their noun ("1 warning", not "1 warnings"), as the CLI's do."""
from __future__ import annotations

import re
from typing import Any

from core import engine
from tests.app.test_connect_page import _texts

OPERATOR = engine.Actor("test operator")


def test_given_one_warning_in_a_group_when_the_permissions_page_opens_then_its_caption_says_1_warning(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", name="integration", actor=OPERATOR)
    at = console("pages/permissions.py", query={"connection": "integration"})
    at.run()
    assert not at.exception, at.exception
    captions = [str(c.value) for c in at.caption]
    assert re.search(r"^0 failed · 1 warning · \d+ passed$", "\n".join(captions), re.M), captions
    assert "1 warnings" not in _texts(at)
