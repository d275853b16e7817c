"""ui.text.plain: outside text rendered by a CommonMark renderer reads exactly as given, with nothing active."""
from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ui.text import code, plain

HOSTILE = "[x](http://127.0.0.1:9/a) ![y](http://127.0.0.1:9/b) <b>z</b> **w** <script>alert(1)</script>"
_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["strikethrough", "table"])
_ACTIVE = re.compile(r"<(?!/?(p|code|br)\b)[a-z/!]", re.I)


def _render(markdown: str) -> str:
    return _RENDERER.render(markdown)


def _shown(rendered: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", rendered)).split())


@pytest.mark.parametrize("value", [
    HOSTILE, "<domain>--<sandbox>.sandbox.my.salesforce.com", "auditor@demo.test", ":red[hot] :material/home: $x^2$",
    "a_b_c *x* `c` # h", "1. one", "- item", "> quote", "| a | b |\n|---|---|", "Tom & Jerry &amp; &lt;b&gt;",
    "[b][1]\n\n[1]: http://127.0.0.1:9/c", "x ``` y ` z", "https://acme.my.salesforce.com/setup).",
])
def test_given_hostile_text_when_rendered_as_markdown_then_it_reads_as_given_and_nothing_is_active(value: str) -> None:
    rendered = _render("**Org:** " + plain(value))
    assert _shown(rendered) == " ".join(("Org: " + value).split())
    assert not _ACTIVE.search(rendered.replace("<strong>Org:</strong>", "")), rendered
    assert "127.0.0.1:9" not in re.sub(r"<code>.*?</code>", "", rendered, flags=re.S)


def test_given_urls_hosts_and_emails_when_made_plain_then_they_are_code_never_autolinked() -> None:
    assert plain("see https://acme.my.salesforce.com.") == r"see `https://acme.my.salesforce.com`\."
    assert plain("acme--dev.sandbox.my.salesforce.com") == "`acme--dev.sandbox.my.salesforce.com`"
    assert plain("<domain>--<sandbox>.sandbox.my.salesforce.com") == "`<domain>--<sandbox>.sandbox.my.salesforce.com`"
    assert plain("(auditor@demo.test)") == r"\(`auditor@demo.test`\)"
    assert plain(None) == "" and code("a`b") == "``a`b``"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_given_any_printable_text_when_made_plain_then_the_renderer_shows_it_unchanged(value: str) -> None:
    rendered = _render(plain(value))
    assert _shown(rendered) == " ".join(value.split())
    assert not _ACTIVE.search(rendered), rendered
