"""AppTest: org, user and profile names, Salesforce's messages and URL parameters holding markdown, HTML and script
are rendered as text on every page — no link, image, HTML or formatting comes from them."""
from __future__ import annotations

import html
import re
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.app.test_connect_faults import _begin, _come_back
from tests.app.test_pages import PAGES
from tests.fixtures.app import shown
from tests.fixtures.hostile import HOSTILE, HOSTILE_DOMAIN, make_hostile

_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["strikethrough", "table"])
_MARKDOWN_KINDS = ("title", "subheader", "header", "markdown", "caption", "info", "success", "warning", "error")


def _sources(at: Any) -> list[str]:
    """Every string the page handed to Streamlit as markdown, and the labels of its widgets and links."""
    found = [str(e.value) for kind in _MARKDOWN_KINDS for e in getattr(at, kind)]
    found += [str(w.label) for w in (*at.selectbox, *at.button, *at.checkbox, *at.text_input, *at.radio)]
    found += [str(link.proto.label) for link in at.get("page_link")]
    found += [str(p.proto.text) for p in at.get("progress")]
    return found


def assert_inert(at: Any) -> str:
    """Assert that nothing the page rendered turns the hostile value into a link, image, HTML or formatting.

    Returns everything shown, as a reader sees it, so the caller can check the value is there as text.
    """
    assert not at.exception, at.exception
    for source in _sources(at):
        rendered = _RENDERER.render(source)
        outside_code = re.sub(r"<code>.*?</code>", "", rendered, flags=re.S)
        assert "127.0.0.1:9" not in outside_code, source          # a URL outside code could be autolinked
        assert not re.search(r"<(a|img|b|script)\b", rendered), source
        assert "<strong>w</strong>" not in rendered, source
    shown_text = "\n".join(html.unescape(re.sub(r"<[^>]+>", "", _RENDERER.render(s))) for s in _sources(at))
    return shown_text + "\n" + "\n".join(o for s in at.selectbox for o in s.options)


@pytest.fixture
def hostile(demo_org: Any, other_localorg: Any) -> None:
    make_hostile(demo_org, other_localorg)


@pytest.mark.parametrize("page", PAGES)
def test_given_hostile_names_and_messages_when_each_page_renders_then_they_are_text_and_nothing_is_active(
        console: Any, hostile: None, page: str) -> None:
    at = console(page, query={"connection": "hostile"})
    at.run()
    text = assert_inert(at)
    assert HOSTILE in text  # shown as itself (the org name in the sidebar at least)


def test_given_hostile_values_when_the_overview_and_connect_show_both_connections_then_each_value_is_text(
        console: Any, hostile: None) -> None:
    overview = console("pages/overview.py", query={"connection": "hostile"})
    overview.run()
    text = assert_inert(overview)
    assert text.count(HOSTILE) >= 3  # org, user and profile of 'hostile'; Salesforce's words for 'flaky'
    assert f"Salesforce said: {HOSTILE}" in text
    connect = console("pages/connect.py", query={"connection": "flaky"})
    connect.run()
    assert f"Salesforce said: {HOSTILE}" in assert_inert(connect)
    connect.selectbox[0].set_value("hostile").run()
    text = assert_inert(connect)
    assert f"Org: {HOSTILE}" in text and f"User: {HOSTILE}" in text and f"Profile: {HOSTILE}" in text


def test_given_hostile_url_parameters_when_connect_opens_then_they_are_text(console: Any, demo_org: Any) -> None:
    at = console("pages/connect.py", query={"env": "custom", "domain": HOSTILE_DOMAIN, "connection": HOSTILE})
    at.run()
    text = assert_inert(at)
    assert HOSTILE in text and "does not exist in this console" in text
    at = console("pages/connect.py")
    at.run()
    state = re.search(r"state=([^&]+)", _begin(at)).group(1)
    _come_back(at, {"error": "access_denied", "error_description": HOSTILE, "state": state})
    text = assert_inert(at)
    assert "Sign-in refused" in text and HOSTILE in shown(text)
