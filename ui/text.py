"""Text from outside (org, user and profile names, Salesforce messages, URL parameters) made inert for st.markdown.

Every value that did not come from the console's own code meets st.markdown, st.caption, st.info,
st.error, st.success, st.subheader and widget labels only through `plain()`: it renders exactly as the
value reads, with no link, image, HTML, formatting, emoji, colour directive or formula.
"""
from __future__ import annotations

import re

import pandas as pd

# CommonMark lets any ASCII punctuation be backslash-escaped; escaping all of it leaves nothing to interpret
# (links, images, HTML, emphasis, lists, headings, tables, entities, and Streamlit's :colour[...], :emoji:, $math$).
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# What an escape cannot stop: URLs with a scheme and e-mail addresses are autolinked from plain text (mailto:
# links for usernames); they and host names (two dots or more, or a pattern such as
# <domain>--<sandbox>.sandbox.my.salesforce.com) are shown as code instead.
_CODE_TOKENS = re.compile(
    r"(?i)\b[a-z][a-z0-9+.-]*://[^\s<>]*[^\s<>.,;:!?'\")\]]"
    r"|\bwww\.[^\s<>]*[^\s<>.,;:!?'\")\]]"
    r"|[a-z0-9._%+-]*[a-z0-9_%+-]@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
    r"|(?<![\w@.<>-])[a-z0-9<>_-]+(?:\.[a-z0-9<>_-]+){2,}(?![\w@<>-])")
_NEWLINES = re.compile(r"\r\n?|\n")


def _escaped(text: str) -> str:
    """Backslash before every ASCII punctuation character; line breaks kept as line breaks."""
    return _NEWLINES.sub("  \n", _PUNCTUATION.sub(r"\\\1", text))


def code(value: object) -> str:
    """`value` as an inline code span, whatever backticks it holds (for hosts, URLs, ids and patterns)."""
    text = _NEWLINES.sub(" ", str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(value: object) -> str:
    """Markdown that renders as exactly `value`: punctuation escaped; URLs, e-mail addresses and hosts as code.

    None renders as an empty string. Use it for every outside value inside the console's own markdown,
    e.g. st.markdown(f"**Org:** {plain(info.org_name)}").
    """
    if value is None:
        return ""
    text = str(value)
    parts: list[str] = []
    position = 0
    for match in _CODE_TOKENS.finditer(text):
        parts.append(_escaped(text[position:match.start()]))
        parts.append(code(match.group()))
        position = match.end()
    parts.append(_escaped(text[position:]))
    return "".join(parts)


def blanks_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame for a table: missing values of its text columns shown as empty cells, not as "None" (a blank
    field reads as blank; numbers and dates keep their own empty rendering)."""
    texts = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "") for c in texts}) if texts else frame


def count(n: int, noun: str, plural: str | None = None) -> str:
    """"1 warning", "0 warnings", "4,237 cells": the number with thousands separators and the noun agreeing with it
    (`plural` where adding an "s" is wrong: count(n, "entry", "entries")). Console words only: pass no outside text."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
