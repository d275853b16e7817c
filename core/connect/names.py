"""Connection names: which are valid, the default a sign-in gets, and when a new sign-in may replace a connection."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core.errors import BadInput, Reconnect

if TYPE_CHECKING:
    from core.connect.tokens import TokenRecord, TokenStore

_VALID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


class NameTaken(BadInput):
    """A new sign-in under a name another connection holds, without leave to replace it."""


def check(name: str) -> str:
    """`name` if it is a valid connection name (letters, digits, . _ -; at most 40), else BadInput with a fix."""
    if not _VALID.match(name or ""):
        raise BadInput(f"{name!r} is not a valid connection name.",
                       fix="Use up to 40 letters, digits, dots, dashes or underscores, starting with a letter or "
                       "digit (for example prod-integration).", cause="bad_connection_name")
    return name


def taken(name: str, holder: TokenRecord | None) -> NameTaken:
    """The error for a sign-in that would silently replace the connection `name` (held by `holder`, if readable)."""
    who = f" ({holder.org_name} as {holder.username})" if holder is not None else ""
    return NameTaken(f"A connection named {name!r} already exists{who}.",
                     fix="Choose another name, or confirm that the new sign-in replaces it (on the Connect page, "
                     "tick the replace box; in the CLI, add --replace): its token is then revoked at Salesforce.",
                     cause="name_taken")


def _holder(store: TokenStore, name: str) -> tuple[bool, TokenRecord | None]:
    """(a record is stored under `name`, the record if it can be read)."""
    try:
        record = store.load(name)
    except Reconnect:
        return True, None
    return record is not None, record


def ensure_free(store: TokenStore, name: str, *, replace: bool) -> None:
    """Refuse (NameTaken) a sign-in under an existing name unless the operator agreed to replace it."""
    exists, holder = _holder(store, check(name))
    if exists and not replace:
        raise taken(name, holder)


def default_name(store: TokenStore, kind: str, *, org_id: str, user_id: str, username: str) -> str:
    """A name for a sign-in that was given none, which never takes another user's connection.

    The environment's name ("demo", "production") while it is free or held by this same user of this
    same org (signing in again replaces one's own connection); otherwise the environment plus the
    username's local part ("demo-auditor"), then "-2", "-3", ...
    """
    local = _UNSAFE.sub("-", username.split("@", 1)[0].lower()).strip("-._")[:24] or "user"
    candidates = [kind, f"{kind}-{local}"]
    candidates += [f"{kind}-{local}-{n}" for n in range(2, 100)]
    for candidate in candidates:
        exists, holder = _holder(store, candidate)
        if not exists or (holder is not None and (holder.org_id, holder.user_id) == (org_id, user_id)):
            return candidate
    raise BadInput("No free default name is left for this sign-in.", fix="Give the connection a name.",
                   cause="bad_connection_name")
