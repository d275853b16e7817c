"""AppTest: single-user mode said on every page; with [auth] a Sign in / Sign out control in the sidebar, the signed-in
email and role shown, and the Connect page's actions enabled only for a listed operator."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core import engine
from tests.app.test_connect_page import _texts

PAGES = ("pages/overview.py", "pages/connect.py", "pages/permissions.py", "pages/preview.py", "pages/mapping.py",
         "pages/logs.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a-cookie-secret-for-tests-only",
        "client_id": "console-sign-in", "client_secret": "s3cret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def _sign_in_set_up(console_data_dir: Path, operators: list[str]) -> dict[str, Any]:
    """[auth] and the operator list in the working directory's secrets.toml (core reads it) and for AppTest."""
    secrets = console_data_dir.parent / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir(exist_ok=True)
    lines = ["[auth]", *(f'{k} = "{v}"' for k, v in AUTH.items()), "[console]", f"operators = {operators!r}"]
    secrets.write_text("\n".join(lines).replace("'", '"') + "\n")
    return {"auth": AUTH, "console": {"operators": operators}}


def _buttons(at: Any, label: str) -> list[Any]:
    return [b for b in at.button if b.label == label]


@pytest.mark.parametrize("page", PAGES)
def test_given_no_sign_in_set_up_when_any_page_opens_then_it_says_anyone_here_can_act(
        console: Any, page: str) -> None:
    at = console(page)
    at.run()
    assert not at.exception, at.exception
    assert "Single-user mode: no sign-in is set up, so anyone who can open this console can act on Salesforce" in (
        _texts(at).replace("**", ""))
    assert not _buttons(at, "Sign in") and not _buttons(at, "Sign out")


def test_given_no_sign_in_and_everyone_a_viewer_when_a_page_opens_then_it_says_read_only_instead(
        console: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at = console("pages/overview.py")
    at.run()
    text = _texts(at).replace("**", "")
    assert "Read only: no sign-in is set up" in text and "Single-user mode" not in text


def test_given_sign_in_set_up_when_nobody_is_signed_in_then_sign_in_offered_and_connect_disabled(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("integration@demo.test", actor=engine.Actor("setup"))
    secrets = _sign_in_set_up(console_data_dir, ["ops@example.com"])
    at = console("pages/connect.py", secrets=secrets)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    text = _texts(at)
    assert "Not signed in: you can read everything; sign in to act." in text and "Single-user mode" not in text
    assert _buttons(at, "Sign in") and not _buttons(at, "Sign out")
    assert all(b.disabled for b in at.button if b.label in ("Connect", "Disconnect"))


@pytest.mark.parametrize("email, role", [("ops@example.com", "operator"), ("vera@example.com", "viewer")])
def test_given_a_signed_in_user_when_connect_opens_then_email_and_role_shown_and_actions_follow_the_role(
        console: Any, demo_org: Any, console_data_dir: Path, email: str, role: str) -> None:
    engine.connect_password_demo("integration@demo.test", actor=engine.Actor("setup"))
    secrets = _sign_in_set_up(console_data_dir, ["ops@example.com"])
    at = console("pages/connect.py", secrets=secrets)
    at.user = {"is_logged_in": True, "email": email, "name": "Someone"}
    at.run()
    assert not at.exception, at.exception
    assert f"Signed in as {email} · {role}" in _texts(at)
    assert _buttons(at, "Sign out") and not _buttons(at, "Sign in")
    disabled = {b.label: b.disabled for b in at.button if b.label in ("Connect", "Disconnect")}
    assert disabled == {"Connect": role == "viewer", "Disconnect": role == "viewer"}

