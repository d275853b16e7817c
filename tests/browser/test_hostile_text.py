"""Chromium: hostile org, user and profile names, Salesforce messages and URL parameters on every page — no link,
image, HTML or formatting comes from them, and no request leaves this machine (nor goes to their loopback port)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.browser.test_connect_users import _shot, _wait_text
from tests.fixtures.browser import no_error_shown, settled
from tests.fixtures.hostile import HOSTILE, HOSTILE_DOMAIN, make_hostile

pytestmark = pytest.mark.browser
TIMEOUT = 60_000


def _assert_inert(page: Any) -> None:
    """Nothing on the page links to, loads from or formats the hostile value; it reads as itself."""
    settled(page)
    assert page.locator('a[href*="127.0.0.1:9"], img[src*="127.0.0.1:9"], [src*="127.0.0.1:9"]').count() == 0
    assert "z" not in page.locator("b").all_inner_texts()
    assert "w" not in page.locator("strong").all_inner_texts()
    assert page.locator("script:not([src])").evaluate_all(
        "nodes => nodes.filter(n => n.closest('[data-testid=stMain], [data-testid=stSidebar]')"
        " && !n.closest('[data-testid=stHtml]')).length") == 0
    no_error_shown(page)


def test_given_hostile_values_when_every_page_opens_in_chromium_then_nothing_is_active_and_no_request_leaves(
        console_server: Any, browser: Any, demo_org: Any, other_localorg: Any, screenshot_dir: Path) -> None:
    make_hostile(demo_org, other_localorg)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    sent: list[str] = []
    context.on("request", lambda request: sent.append(request.url))
    page = context.new_page()
    base = console_server.url

    for path in ("overview", "connect", "permissions", "mapping", "preview", "logs"):
        page.goto(f"{base}/{path}?connection=hostile", timeout=TIMEOUT)
        _wait_text(page, HOSTILE)  # the org name, in the sidebar of every page
        _assert_inert(page)
        if path in ("overview", "connect"):
            _wait_text(page, "Salesforce said" if path == "overview" else "Profile:")
            _assert_inert(page)
            _shot(page, screenshot_dir, f"hostile-{path}.png")
            assert page.locator("body").inner_text().count(HOSTILE) >= 4  # org, user, profile (and the sidebar)

    page.goto(f"{base}/connect?connection=flaky", timeout=TIMEOUT)
    _wait_text(page, f"Salesforce said: {HOSTILE}")
    _assert_inert(page)

    page.goto(f"{base}/connect?env=custom&domain={quote(HOSTILE_DOMAIN)}&connection={quote(HOSTILE)}",
              timeout=TIMEOUT)
    _wait_text(page, "does not exist in this console")
    _wait_text(page, "is not a valid URL")
    _assert_inert(page)

    # An ?error= answer to this browser's own sign-in: Salesforce's description is shown, as text.
    held: list[str] = []
    page.route("**/services/oauth2/authorize?**", lambda route: (held.append(route.request.url), route.abort()))
    page.goto(f"{base}/connect?env=demo", timeout=TIMEOUT)
    page.get_by_role("button", name="Connect", exact=True).click(timeout=TIMEOUT)
    page.get_by_role("button", name="Cancel sign-in").wait_for(timeout=TIMEOUT)
    for _ in range(300):
        if held:
            break
        page.wait_for_timeout(100)
    state = re.search(r"[?&]state=([^&]+)", held[0]).group(1)
    page.unroute("**/services/oauth2/authorize?**")
    page.goto(f"{base}/connect?error=access_denied&error_description={quote(HOSTILE)}&state={state}", timeout=TIMEOUT)
    _wait_text(page, "Sign-in refused")
    _wait_text(page, HOSTILE)
    _assert_inert(page)
    _shot(page, screenshot_dir, "hostile-error-description.png")

    page.goto(f"{base}/nosuchpage", timeout=TIMEOUT)
    _wait_text(page, "There is no page")
    _assert_inert(page)

    console_host = urlsplit(base).netloc
    demo_host = urlsplit(demo_org.login_url).netloc
    strays = [url for url in sent if urlsplit(url).scheme not in ("data", "blob")
              and urlsplit(url).netloc not in (console_host, demo_host)]
    assert strays == [], strays  # no font server, favicon service, metrics or the hostile links' port
    assert not any(":9/" in url for url in sent)
    context.close()
