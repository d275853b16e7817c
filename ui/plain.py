"""Text from outside (org values, Salesforce messages, file names) made inert before it meets Streamlit markdown."""
from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'])")


def plain(text: object) -> str:
    """Backslash-escape every markdown and HTML character, so links, images, emphasis, icons and tags show as typed."""
    return _SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")
