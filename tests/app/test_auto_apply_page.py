"""AppTest of the schedule's automatic-apply switch on the Preview page: an operator switches it on (core records it,
and the page says who and when), then off; a viewer sees it disabled with the reason, and core refuses them even
when asked directly."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from core.errors import NotAllowed
from tests.app.test_connect_page import _texts

LABEL = "Let the schedule write Lead fills to"


def _preview(console: Any) -> Any:
    engine.forget_previews()
    at = console("pages/preview.py", query={"connection": "demo", "object": "Lead"})
    at.run(timeout=60)
    assert not at.exception, at.exception
    return at


def _switch(at: Any) -> Any:
    return next(t for t in at.toggle if t.label.startswith(LABEL))


def test_given_an_operator_on_the_preview_when_switching_automatic_apply_on_then_core_has_it_and_says_who(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=engine.Actor("test operator"))
    at = _preview(console)
    switch = _switch(at)
    assert switch.value is False and not switch.disabled
    assert "DEMO" in switch.label  # it names the org it would write to
    assert "nobody has switched it on" in _texts(at) and "only blank fields are ever filled" in _texts(at)

    switch.set_value(True).run(timeout=60)

    assert not at.exception, at.exception
    assert engine.auto_apply_settings()[("demo", "Lead")] is True
    assert engine.auto_apply_settings().get(("demo", "Account"), False) is False  # only this object
    state = engine.auto_apply("demo", "Lead")
    assert state.by == "console user" and state.at
    assert _switch(at).value is True
    assert f"On** since {state.at[:16].replace('T', ' ')} UTC, switched on by console user" in _texts(at)
    recorded = engine.actions(action="switch automatic apply")
    assert recorded[["actor", "target", "outcome"]].values.tolist()[0] == ["console user", "demo/Lead", "done"]

    _switch(at).set_value(False).run(timeout=60)
    assert engine.auto_apply_settings()[("demo", "Lead")] is False
    assert "Off — switched off by console user" in _texts(at)


def test_given_a_viewer_on_the_preview_when_the_switch_shows_then_it_is_disabled_and_core_refuses_them(
        console: Any, demo_org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.connect_password_demo("integration@demo.test", actor=engine.Actor("test operator"))
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at = _preview(console)
    switch = _switch(at)
    assert switch.disabled and switch.value is False
    assert "Only operators can switch automatic apply" in _texts(at)

    with pytest.raises(NotAllowed):  # the widget is only the surface: core refuses the page's viewer itself
        engine.set_auto_apply("demo", "Lead", True, actor=engine.Actor("console user"))
    assert engine.auto_apply_settings().get(("demo", "Lead"), False) is False
    assert engine.actions(action="switch automatic apply")["outcome"].tolist() == ["refused"]
