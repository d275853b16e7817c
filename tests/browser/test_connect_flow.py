"""Chromium: the demo org's OAuth round trip through the console, shared links, secrets kept out of URL/HTML/log."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from core import engine
from core.connect.tokens import TokenStore

pytestmark = pytest.mark.browser
OPERATOR = engine.Actor("test operator", "operator")
TIMEOUT = 30_000


def _wait_text(page: Any, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=TIMEOUT)


def _shot(page: Any, directory: Path, name: str) -> None:
    page.wait_for_timeout(400)  # let Streamlit finish painting
    page.screenshot(path=str(directory / name), full_page=True)


def test_given_the_demo_org_when_an_operator_connects_in_chromium_then_org_user_and_badge_show_and_tokens_stay_secret(
        console_server: Any, browser: Any, demo_org: Any, screenshot_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    html_seen: list[str] = []

    # A fresh server's first request is the connect page (as an OAuth callback after a restart would be).
    page.goto(f"{console_server.url}/connect?env=production", timeout=TIMEOUT)
    _wait_text(page, "Not configured")
    _shot(page, screenshot_dir, "connect-1-not-configured.png")

    page.get_by_text("Demo org (built in", exact=False).click()
    _wait_text(page, "Connect an org")
    # The console sends the browser on by itself; that first hop is cancelled (ERR_ABORTED keeps the page) so the
    # connecting state can be photographed, then the operator's "Continue" link is used.
    redirected: list[str] = []

    def hold(route: Any) -> None:
        redirected.append(route.request.url)
        route.abort("aborted")

    page.route("**/services/oauth2/authorize?**", hold)
    page.get_by_role("button", name="Connect", exact=True).click()
    _wait_text(page, "Connecting to Demo org")
    page.get_by_role("button", name="Cancel sign-in").wait_for(timeout=TIMEOUT)
    for _ in range(100):
        if redirected:
            break
        page.wait_for_timeout(100)
    assert redirected and redirected[0].startswith(demo_org.login_url), "the console redirects to the sign-in page"
    _shot(page, screenshot_dir, "connect-2-connecting.png")
    html_seen.append(page.content())
    page.unroute("**/services/oauth2/authorize?**")
    page.get_by_text("Continue to the sign-in page").click()
    page.locator("button[data-username='integration@demo.test']").wait_for(timeout=TIMEOUT)
    assert page.url.startswith(demo_org.login_url + "/services/oauth2/authorize")
    page.locator("button[data-username='integration@demo.test']").click()
    page.locator("#oaapprove").click()
    _wait_text(page, "Signed in to")
    page.wait_for_url(lambda url: "code=" not in url and "state=" not in url, timeout=TIMEOUT)
    _wait_text(page, "Ivy Integration")
    _wait_text(page, demo_org.org.org_id)  # the details render after the "Signed in" line
    body = page.locator("body").inner_text()
    assert demo_org.org.name in body and "integration@demo.test" in body and demo_org.org.org_id in body
    assert "DEMO" in body and "Connected" in body
    _shot(page, screenshot_dir, "connect-3-connected.png")
    html_seen.append(page.content())
    callback = next(url for url in visited if "code=" in url)
    assert urlsplit(callback).path == "/connect"

    page.reload()
    _wait_text(page, "Ivy Integration")
    assert "Connected" in page.locator("body").inner_text()
    html_seen.append(page.content())

    shared = browser.new_context(viewport={"width": 1280, "height": 900})
    colleague = shared.new_page()
    colleague.goto(f"{console_server.url}/overview?connection=demo", timeout=TIMEOUT)
    _wait_text(colleague, "API requests in the last 24 h")
    seen = colleague.locator("body").inner_text()
    assert "Overview" in seen and demo_org.org.name in seen and "integration@demo.test" in seen and "DEMO" in seen
    assert "connection=demo" in colleague.url and urlsplit(colleague.url).path == "/overview"
    assert "Page not found" not in seen
    root = shared.new_page()
    root.goto(f"{console_server.url}/?connection=demo", timeout=TIMEOUT)
    root.wait_for_url(lambda url: urlsplit(url).path == "/overview" and "connection=demo" in url, timeout=TIMEOUT)
    _wait_text(root, "API requests in the last 24 h")
    _shot(colleague, screenshot_dir, "overview-connected.png")
    html_seen.append(colleague.content())

    # Replayed and tampered callbacks are refused with a clear message.
    page.goto(callback, timeout=TIMEOUT)
    _wait_text(page, "Sign-in refused")
    assert "expired or was already used" in page.locator("body").inner_text()
    page.wait_for_url(lambda url: "code=" not in url, timeout=TIMEOUT)
    _shot(page, screenshot_dir, "connect-4-replayed-callback-refused.png")
    query = parse_qs(urlsplit(callback).query)
    tampered = f"{console_server.url}/connect?code={query['code'][0]}&state={query['state'][0][:-3]}abc"
    page.goto(tampered, timeout=TIMEOUT)
    _wait_text(page, "Sign-in refused")
    assert "expired or was already used" in page.locator("body").inner_text()
    html_seen.append(page.content())

    record = TokenStore(console_server.data_dir).load("demo")
    assert record is not None and record.access_token and record.refresh_token
    visited += [page.url, colleague.url]
    for secret in (record.access_token, record.refresh_token):
        assert all(secret not in url for url in visited)
        assert all(secret not in html for html in html_seen)
        assert secret not in console_server.log_text()
    context.close()
    shared.close()


def test_given_dropped_and_flaky_connections_when_connect_opens_in_chromium_then_needs_reconnect_and_degraded_show(
        console_server: Any, browser: Any, demo_org: Any, screenshot_dir: Path) -> None:
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    demo_org.set_user_active("auditor@demo.test", False)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{console_server.url}/connect?connection=audit", timeout=TIMEOUT)
    _wait_text(page, "Needs reconnect.")
    assert "inactive" in page.locator("body").inner_text()
    page.get_by_role("button", name="Reconnect").wait_for(timeout=TIMEOUT)
    _shot(page, screenshot_dir, "connect-5-needs-reconnect.png")

    engine.connect_password_demo("integration@demo.test", name="flaky", actor=OPERATOR)
    demo_org.faults.add(method="GET", path=r".*", status=503, error_code="SERVER_UNAVAILABLE",
                        message="Service temporarily unavailable", times=1000)
    page.goto(f"{console_server.url}/connect?connection=flaky", timeout=TIMEOUT)
    _wait_text(page, "Degraded.")
    _shot(page, screenshot_dir, "connect-6-degraded.png")
    demo_org.faults.clear()
    page.get_by_role("button", name="Retry").click()
    _wait_text(page, "Ivy Integration")  # shown in the degraded view too: wait for the warning itself to go
    page.get_by_text("Degraded.", exact=False).first.wait_for(state="detached", timeout=TIMEOUT)
    assert "Degraded." not in page.locator("body").inner_text()
    page.close()
