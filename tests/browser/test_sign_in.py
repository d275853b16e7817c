"""Chromium: the console with [auth] pointing at a localorg's OpenID metadata; people sign in through st.login with
Salesforce (localorg) as the identity provider. A viewer (not in the operator list) finds every action on Connect,
Preview and a run's Logs disabled, and core refuses the action anyway; an operator finds them enabled; signing out ends it."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.errors import NotAllowed
from tests.fixtures.browser import ConsoleServer, no_error_shown, serve_console, settled
from tests.fixtures.writer import blank_leads, fill_cells, values

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
CLIENT_ID, CLIENT_SECRET = "enrichment-console-sign-in", secrets.token_urlsafe(24)
OPERATOR, VIEWER = "admin@demo.test", "auditor@demo.test"


@pytest.fixture
def signed_console(demo_org: Any, console_data_dir: Path, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ConsoleServer, Any]]:
    """The console server with [auth] (st.login against the demo org's OpenID metadata over its HTTP login URL) and
    one operator, a connection "demo" and a finished run of three Leads; this process reads the same settings."""
    demo_org.register_connected_app(CLIENT_ID, ["http://localhost/oauth2callback"], secret=CLIENT_SECRET,
                                    name="Enrichment Console sign-in")
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{demo_org.login_url}/.well-known/openid-configuration"\n'
        "[console]\n"
        f'operators = ["{OPERATOR}"]\n')
    monkeypatch.setenv("HOME", str(home))  # core in this test process decides roles from the same secrets.toml
    engine.connect_password_demo("integration@demo.test", actor=engine.Actor(OPERATOR))
    engine.apply("demo", "Lead", fill_cells(blank_leads(demo_org, "Title", 3), "Title"), actor=engine.Actor(OPERATOR))
    yield from ((server, demo_org) for server in serve_console(console_data_dir, tmp_path / "streamlit.log",
                                                               {"HOME": str(home)}))


def _shot(page: Any, name: str) -> None:
    settled(page)
    shots = Path("/tmp/shots")
    if shots.is_dir():
        page.screenshot(path=str(shots / f"sign-in-{name}.png"), full_page=True)


def _sign_in(page: Any, base_url: str, username: str) -> None:
    """Sign in from the sidebar: Streamlit's st.login → the org's login page → Allow → back, signed in."""
    page.goto(f"{base_url}/overview", timeout=TIMEOUT)
    page.get_by_role("button", name="Sign in").click(timeout=TIMEOUT)
    page.locator(f"button[data-username='{username}']").click(timeout=TIMEOUT)
    page.locator("#oaapprove").click(timeout=TIMEOUT)
    page.get_by_text(f"Signed in as {username}").wait_for(timeout=TIMEOUT)
    settled(page)


def _disabled(page: Any, role: str, name: str) -> bool:
    control = page.get_by_role(role, name=name, exact=True).first
    control.wait_for(timeout=TIMEOUT)
    return bool(control.is_disabled())


def _checkbox_disabled(page: Any, starts: str) -> bool:
    box = page.locator('[data-testid="stCheckbox"]').filter(has_text=starts).first.locator("input")
    return bool(box.is_disabled())


def _actions_state(page: Any, base_url: str, name: str) -> dict[str, bool]:
    """Which actions are disabled on Connect, Preview and a run's Logs (the undo judged first, as anyone may)."""
    page.goto(f"{base_url}/connect?connection=demo", timeout=TIMEOUT)
    state = {"Disconnect": _disabled(page, "button", "Disconnect"), "Connect": _disabled(page, "button", "Connect")}
    no_error_shown(page)
    _shot(page, f"{name}-connect")
    page.goto(f"{base_url}/preview?connection=demo&object=Lead", timeout=TIMEOUT)
    state["Test on one record"] = _disabled(page, "button", "Test on one record")
    state["Apply"] = _disabled(page, "button", "Apply")
    state["confirm write"] = _checkbox_disabled(page, "Write ")
    state["automatic apply"] = _checkbox_disabled(page, "Let the schedule write")
    no_error_shown(page)
    _shot(page, f"{name}-preview")
    run = engine.undoable_runs("demo", "Lead")[0]
    page.goto(f"{base_url}/logs?connection=demo&run={run.id}", timeout=TIMEOUT)
    page.get_by_role("button", name="Show what an undo would do").click(timeout=TIMEOUT)
    page.get_by_text("Cells to set back to blank").wait_for(timeout=TIMEOUT)
    settled(page)
    state["confirm undo"] = _checkbox_disabled(page, "back to blank in")
    state["Undo"] = _disabled(page, "button", "Undo")
    no_error_shown(page)
    _shot(page, f"{name}-logs-undo")
    return state


def test_given_auth_with_the_org_as_identity_provider_when_a_viewer_and_an_operator_sign_in_then_only_the_operator_acts(
        signed_console: tuple[ConsoleServer, Any], browser: Any) -> None:
    server, org = signed_console
    viewer_context = browser.new_context()
    page = viewer_context.new_page()
    page.goto(f"{server.url}/overview", timeout=TIMEOUT)
    page.get_by_text("Not signed in: you can read everything; sign in to act.").wait_for(timeout=TIMEOUT)
    assert "Single-user mode" not in page.locator("body").inner_text()

    _sign_in(page, server.url, VIEWER)
    assert "viewer" in page.locator('[data-testid="stSidebar"]').inner_text()
    _shot(page, "viewer-signed-in")
    assert _actions_state(page, server.url, "viewer") == {
        "Disconnect": True, "Connect": True, "Test on one record": True, "Apply": True, "confirm write": True,
        "automatic apply": True, "confirm undo": True, "Undo": True}
    viewer_context.close()

    run = engine.runs(connection="demo")[0]
    cells = fill_cells(blank_leads(org, "Title", 1), "Title")
    with pytest.raises(NotAllowed):  # the buttons are only the surface: core refuses the viewer itself
        engine.apply("demo", "Lead", cells, actor=engine.Actor(VIEWER))
    with pytest.raises(NotAllowed):
        engine.undo(run.id, actor=engine.Actor(VIEWER))
    refused = engine.actions(actor=VIEWER)
    assert refused["outcome"].tolist() == ["refused", "refused"] and set(refused["action"]) == {"apply", "undo"}
    assert values(org, [cells["Id"].iloc[0]], "Title") == {cells["Id"].iloc[0]: None}

    operator_context = browser.new_context()
    page = operator_context.new_page()
    _sign_in(page, server.url, OPERATOR)
    assert "operator" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert _actions_state(page, server.url, "operator") == {
        "Disconnect": False, "Connect": False, "Test on one record": False, "Apply": True, "confirm write": False,
        "automatic apply": False, "confirm undo": False, "Undo": True}  # Apply and Undo wait for their confirmation box

    page.get_by_role("button", name="Sign out").click(timeout=TIMEOUT)
    page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT)
    no_error_shown(page)
    operator_context.close()
    log = server.log_text()
    assert CLIENT_SECRET not in log and "Traceback" not in log, log[-3000:]

