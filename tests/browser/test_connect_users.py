"""Chromium: three users sign in one after another in one browser session, one reconnects, one disconnects —
no exception on any page, the sidebar follows each step, and a callback URL works only in the browser that began it."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import requests

from core.connect.tokens import TokenStore
from tests.fixtures.browser import no_error_shown, settled

pytestmark = pytest.mark.browser
TIMEOUT = 60_000


def _wait_text(page: Any, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=TIMEOUT)


def _sidebar_choice(page: Any) -> str:
    """What the sidebar's connection picker shows: the chosen option, or its placeholder when none is chosen."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input')
    return box.input_value() or box.get_attribute("placeholder") or ""


def _shot(page: Any, directory: Path, name: str) -> None:
    settled(page)
    page.screenshot(path=str(directory / name), full_page=True)
    shots = Path("/tmp/shots")
    if shots.is_dir():
        shutil.copy(directory / name, shots / f"connect-{name}")


def _start_sign_in(page: Any, base_url: str, name: str | None) -> None:
    """On Connect: choose the demo org, type the name (if any) and click Connect; the console sends the browser on."""
    page.goto(f"{base_url}/connect?env=demo", timeout=TIMEOUT)
    page.get_by_role("button", name="Connect", exact=True).wait_for(timeout=TIMEOUT)
    settled(page)
    if name:
        box = page.get_by_role("textbox", name="Connection name (optional)")
        box.fill(name)
        box.press("Enter")
        settled(page)
    page.get_by_role("button", name="Connect", exact=True).click()


def _allow(page: Any, username: str) -> None:
    """On the demo org's pages: pick the user, then Allow."""
    page.locator(f"button[data-username='{username}']").click(timeout=TIMEOUT)
    page.locator("#oaapprove").click(timeout=TIMEOUT)


def _signed_in(page: Any, name: str, user: str) -> None:
    """Back on Connect: the outcome, the details of the new connection, and the sidebar on it."""
    _wait_text(page, f"saved as {name}")
    _wait_text(page, user)
    page.wait_for_url(lambda url: "code=" not in url and f"connection={name}" in url, timeout=TIMEOUT)
    settled(page)
    assert _sidebar_choice(page).startswith(f"{name} — Demo Org"), _sidebar_choice(page)
    no_error_shown(page)


def test_given_one_browser_when_three_users_sign_in_then_one_reconnects_and_one_disconnects_then_every_page_follows(
        console_server: Any, browser: Any, demo_org: Any, screenshot_dir: Path) -> None:
    base = console_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    _start_sign_in(page, base, None)
    _allow(page, "integration@demo.test")
    _signed_in(page, "demo", "Ivy Integration")

    _start_sign_in(page, base, "auditor")
    _allow(page, "auditor@demo.test")
    _signed_in(page, "auditor", "Aaron Auditor")
    _wait_text(page, "Read Only")  # the auditor's profile, not "unknown"
    _shot(page, screenshot_dir, "users-1-connect-after-second-sign-in.png")
    page.get_by_role("link", name="Overview").click()
    _wait_text(page, "auditor (current)")
    _wait_text(page, "Ivy Integration")
    settled(page)
    assert _sidebar_choice(page).startswith("auditor — Demo Org")
    no_error_shown(page)
    _shot(page, screenshot_dir, "users-2-overview-after-second-sign-in.png")

    # The third sign-in's callback, captured on its way back, does not finish in another browser.
    captured: list[str] = []

    def capture(route: Any) -> None:
        """Let the demo org answer; keep its redirect back to the console instead of following it."""
        answer = route.fetch(max_redirects=0)
        location = answer.headers.get("location", "")
        if answer.status == 302 and "code=" in location:
            captured.append(location)
            route.fulfill(status=200, content_type="text/html", body="<p id=held>callback held</p>")
        else:
            route.fulfill(response=answer)

    page.route("**/services/oauth2/authorize", capture)
    _start_sign_in(page, base, None)
    _allow(page, "restricted@demo.test")
    page.locator("#held").wait_for(timeout=TIMEOUT)
    assert captured and captured[0].startswith(f"{base}/connect?")
    elsewhere = browser.new_context(viewport={"width": 1280, "height": 900})
    stranger = elsewhere.new_page()
    stranger.goto(captured[0], timeout=TIMEOUT)
    _wait_text(stranger, "started in another browser")
    no_error_shown(stranger)
    elsewhere.close()
    page.unroute("**/services/oauth2/authorize")
    page.goto(captured[0], timeout=TIMEOUT)
    _signed_in(page, "demo-restricted", "Rex Restricted")

    # Reconnect the auditor after its refresh token was revoked in Salesforce.
    record = TokenStore(console_server.data_dir).load("auditor")
    web = requests.Session()
    web.trust_env = False
    assert web.post(f"{demo_org.login_url}/services/oauth2/revoke", data={"token": record.refresh_token},
                    timeout=30).status_code == 200
    page.goto(f"{base}/connect?connection=auditor", timeout=TIMEOUT)
    _wait_text(page, "Needs reconnect.")
    page.get_by_role("button", name="Reconnect").click(timeout=TIMEOUT)
    _allow(page, "auditor@demo.test")
    _signed_in(page, "auditor", "Aaron Auditor")
    _wait_text(page, "Replaced the earlier sign-in of 'auditor'")
    page.get_by_text("Needs reconnect.").wait_for(state="detached", timeout=TIMEOUT)

    # Disconnect the restricted user: the page says what happened and offers no other Disconnect button.
    page.goto(f"{base}/connect?connection=demo-restricted", timeout=TIMEOUT)
    _wait_text(page, "Rex Restricted")
    page.get_by_role("button", name="Disconnect", exact=True).click(timeout=TIMEOUT)
    page.get_by_role("button", name="Yes, disconnect").click(timeout=TIMEOUT)
    _wait_text(page, "Disconnected demo-restricted; its token was revoked at Salesforce")
    settled(page)
    assert page.get_by_role("button", name="Disconnect", exact=True).count() == 0
    assert "Choose a connection" in _sidebar_choice(page) and "connection=" not in page.url
    no_error_shown(page)
    _shot(page, screenshot_dir, "users-3-connect-after-disconnect.png")
    page.get_by_role("link", name="Overview").click()
    _wait_text(page, "Aaron Auditor")
    _wait_text(page, "Ivy Integration")
    settled(page)
    body = page.locator("body").inner_text()
    assert "demo-restricted" not in body and "(current)" not in body
    no_error_shown(page)
    _shot(page, screenshot_dir, "users-4-overview-after-disconnect.png")
    assert sorted(TokenStore(console_server.data_dir).names()) == ["auditor", "demo"]
    context.close()
