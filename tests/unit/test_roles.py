"""Roles are core's to decide: an identity's role comes from CONSOLE_ROLE, CONSOLE_OPERATORS and [console] in
secrets.toml, never from what a caller claims; each setting can only take the operator role away."""
from __future__ import annotations

from pathlib import Path

import pytest

from core import engine, roles
from core.errors import NotAllowed


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory and home without secrets.toml files (core reads both, as Streamlit does)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def _secrets(project: Path, text: str) -> Path:
    path = project / ".streamlit" / "secrets.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_given_no_role_settings_when_resolved_then_everyone_operates(project: Path) -> None:
    assert roles.resolve(None).role == roles.resolve("ops@example.com").role == "operator"
    roles.require_operator(engine.Actor(None), "connect orgs")


def test_given_an_actor_when_built_with_a_role_then_refused_because_the_role_is_not_the_callers_to_give() -> None:
    with pytest.raises(TypeError):
        engine.Actor("mallory", "operator")  # type: ignore[call-arg]


def test_given_console_role_viewer_when_anyone_acts_then_not_allowed_with_the_setting_named(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    assert engine.Actor("olivia").role == "viewer"
    with pytest.raises(NotAllowed) as caught:
        roles.require_operator(engine.Actor("olivia"), "connect orgs")
    assert caught.value.cause == "not_operator" and caught.value.health == "connected"
    assert caught.value.message == "olivia is a viewer (CONSOLE_ROLE is 'viewer'); only operators can connect orgs."
    assert "CONSOLE_ROLE" in caught.value.fix


def test_given_an_operator_list_when_resolved_then_listed_identities_operate_and_others_and_anonymous_view(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_OPERATORS", "Ops@Example.com, deploy")
    assert roles.resolve("ops@example.com").role == roles.resolve("deploy").role == "operator"
    assert roles.resolve("someone@example.com") == roles.Role("viewer", "not listed in CONSOLE_OPERATORS")
    assert roles.resolve(None).role == "viewer" and "not signed in" in roles.resolve(None).reason


def test_given_secrets_toml_operators_when_resolved_then_the_list_applies(project: Path) -> None:
    path = _secrets(project, '[console]\noperators = ["ops@example.com"]\n')
    assert roles.resolve("ops@example.com").role == "operator"
    assert roles.resolve("other@example.com").reason == f"not listed in operators in [console] in {path}"


def test_given_secrets_say_operator_when_console_role_is_viewer_then_viewer(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _secrets(project, '[console]\nrole = "operator"\n')  # as secrets.toml.example has it
    assert roles.resolve("olivia").role == "operator"
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    assert roles.resolve("olivia").role == "viewer"


def test_given_secrets_role_viewer_when_console_role_is_operator_then_still_viewer(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _secrets(project, '[console]\nrole = "viewer"\n')
    monkeypatch.setenv("CONSOLE_ROLE", "operator")
    assert roles.resolve("olivia").role == "viewer"


def test_given_an_unknown_role_or_an_unreadable_secrets_file_when_resolved_then_viewer_with_the_reason(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_ROLE", "admin")
    assert roles.resolve("olivia") == roles.Role(
        "viewer", "CONSOLE_ROLE is 'admin', which is neither 'operator' nor 'viewer'")
    monkeypatch.delenv("CONSOLE_ROLE")
    path = _secrets(project, "[console\nrole = ")
    decided = roles.resolve("olivia")
    assert decided.role == "viewer" and str(path) in decided.reason


def test_given_sign_in_set_up_in_secrets_when_resolved_then_nobody_operates_without_signing_in(project: Path) -> None:
    path = _secrets(project, '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\nclient_id = "x"\n')
    assert roles.sign_in_source() == str(path)
    assert roles.resolve(None) == roles.Role("viewer", f"not signed in, and [auth] in {path} sets up sign-in")
    assert roles.resolve("anyone@example.com").role == "operator"  # no operator list: every signed-in user
    _secrets(project, '[auth]\nclient_id = "x"\n[console]\noperators = ["ops@example.com"]\n')
    assert roles.resolve("ops@example.com").role == "operator"
    assert roles.resolve("someone@example.com").role == roles.resolve(None).role == "viewer"


def test_given_no_auth_table_when_asked_then_single_user_mode(project: Path) -> None:
    _secrets(project, '[console]\nrole = "operator"\n')
    assert roles.sign_in_source() == "" and roles.resolve(None).role == "operator"
