"""A begun browser sign-in, kept server-side (encrypted, 10 minutes, single use) and bound to the browser that began it.

The browser carries only `state` to Salesforce and back. The record behind it also holds a digest of the
browser's binding (a random value the console keeps in a cookie of the browser that began the sign-in),
so a callback URL captured from one browser cannot finish the sign-in in another, and a forged
`?error=...&state=...` link cannot cancel someone else's sign-in.
"""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from core import cache as shared_cache
from core import settings
from core.connect import oauth
from core.connect.tokens import TokenStore
from core.errors import Reconnect

_STATE_KEY = "oauth-state"


def expired() -> Reconnect:
    """The error for an unknown, expired or already used sign-in link."""
    return Reconnect("This sign-in link has expired or was already used.", fix="Start again from Connect.",
                     cause="state_invalid")


def _digest(binding: str | None) -> str | None:
    return hashlib.sha256(binding.encode("utf-8")).hexdigest() if binding else None


def _belongs(pending: dict[str, Any], binding: str | None) -> bool:
    """Whether `binding` is the one the sign-in was begun with (a sign-in begun without one has none to match)."""
    expected = pending.get("binding")
    return expected is None or hmac.compare_digest(str(expected), _digest(binding) or "")


def keep(root: Path, pending: dict[str, Any], *, binding: str | None) -> str:
    """Store a begun sign-in under a fresh state for OAUTH_STATE_TTL seconds and return the state."""
    state = oauth.new_state()
    sealed = TokenStore(root).seal({**pending, "binding": _digest(binding)})
    shared_cache.cache(root).set((_STATE_KEY, state), sealed, expire=settings.OAUTH_STATE_TTL)
    return state


def _read(root: Path, state: str) -> dict[str, Any] | None:
    sealed = shared_cache.cache(root).get((_STATE_KEY, state)) if state else None
    return TokenStore(root).unseal(sealed) if isinstance(sealed, bytes) else None


def claim(root: Path, state: str, *, binding: str | None, actor: str) -> dict[str, Any]:
    """Take the begun sign-in for `state`, once; it stays untouched when the caller is not the one who began it.

    Raises Reconnect: expired or already used (state_invalid), begun in another browser
    (state_other_browser), or by another console user (state_other_actor).
    """
    pending = _read(root, state)
    if pending is None:
        raise expired()
    if not _belongs(pending, binding):
        raise Reconnect("This sign-in was started in another browser, so it cannot be finished here.",
                        fix="Start the sign-in from Connect in this browser (with cookies allowed for the console).",
                        cause="state_other_browser")
    if pending.get("actor") != actor:
        raise Reconnect("This sign-in was started by another console user, so it cannot be finished here.",
                        fix="Start the sign-in yourself from Connect.", cause="state_other_actor")
    cache = shared_cache.cache(root)
    with cache.transact():  # single use even when two callbacks race
        if cache.get((_STATE_KEY, state)) is None:
            raise expired()
        cache.delete((_STATE_KEY, state))
    return pending


def drop(root: Path, state: str | None, *, binding: str | None) -> bool:
    """Forget the begun sign-in for `state` if this browser began it; True if it did (an ?error= callback)."""
    pending = _read(root, state or "")
    if pending is None or not _belongs(pending, binding):
        return False
    shared_cache.cache(root).delete((_STATE_KEY, state))
    return True
