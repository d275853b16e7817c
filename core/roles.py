"""Who may act: core resolves an identity's role (operator or viewer) from the console's own settings."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import errors

ROLES = ("operator", "viewer")
ANONYMOUS = "console user"


@dataclass(frozen=True)
class Role:
    """A resolved role and, in words, the setting that decided it (for the refusal message)."""

    role: str
    reason: str


@dataclass(frozen=True)
class Actor:
    """Who is acting: an identity (a signed-in email, the CLI's login name) or None for a browser not signed in.

    It holds no role a caller could claim: `role` is resolved from the console's settings whenever
    it is asked, and `require_operator` resolves it again on every state-changing action.
    """

    identity: str | None = None

    @property
    def name(self) -> str:
        """The identity, or "console user" for a browser that is not signed in."""
        return self.identity or ANONYMOUS

    @property
    def role(self) -> str:
        """"operator" or "viewer", from the settings now (see resolve)."""
        return resolve(self.identity).role


def secrets_files() -> list[Path]:
    """Where Streamlit reads secrets.toml by default, in its order (a later file wins): ~/.streamlit, then ./.streamlit."""
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def _secrets_console() -> tuple[dict[str, Any], str]:
    """The [console] table of the last secrets.toml that has one, and that file's path ("" when none)."""
    return _secrets_table("console")


def sign_in_source() -> str:
    """The secrets.toml whose [auth] table sets up sign-in (st.login, OIDC), or "" when none does.

    With sign-in set up, identities come from it, so a browser not signed in never operates."""
    try:
        table, source = _secrets_table("auth")
    except errors.ConsoleError:
        return ""
    return source if table else ""


def _secrets_table(name: str) -> tuple[dict[str, Any], str]:
    """The [name] table of the last secrets.toml that has one, and that file's path ("" when none)."""
    table: dict[str, Any] = {}
    source = ""
    for path in secrets_files():
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise errors.ConsoleError(f"{path} cannot be read ({exc}).", fix="Fix or remove the file.",
                                      cause="secrets_unreadable") from None
        if isinstance(data.get(name), dict):
            table, source = data[name], str(path)
    return table, source


def _listed(value: Any) -> list[str] | None:
    """An operator list from a comma-separated string or a TOML array, lower-cased; None when not set."""
    if value in (None, "", []):
        return None
    items = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, list) else [value]
    names = [str(item).strip().lower() for item in items if str(item).strip()]
    return names or None


def _gates() -> list[tuple[str, str, Any]]:
    """Every role setting that is set, as (kind, where, value): kind "role" or "operators"."""
    console, source = _secrets_console()
    where = f"[console] in {source}"
    signing_in = sign_in_source()
    found = [("signed_in", f"[auth] in {signing_in}", True if signing_in else None),
             ("role", "CONSOLE_ROLE", os.environ.get("CONSOLE_ROLE", "").strip() or None),
             ("operators", "CONSOLE_OPERATORS", _listed(os.environ.get("CONSOLE_OPERATORS"))),
             ("role", f"role in {where}", str(console.get("role") or "").strip() or None),
             ("operators", f"operators in {where}", _listed(console.get("operators")))]
    return [gate for gate in found if gate[2] is not None]


def resolve(identity: str | None) -> Role:
    """The role of `identity` (None: not signed in) from CONSOLE_ROLE, CONSOLE_OPERATORS and [console] in secrets.toml.

    Each setting that is set can only take the operator role away: a role setting must say
    "operator", an operator list must name the identity (case-insensitive), and with sign-in set up
    ([auth] in secrets.toml) an identity is needed at all. With none set, everyone is an operator (a
    console on one's own machine: single-user mode). A setting that cannot be read makes a viewer.
    """
    try:
        gates = _gates()
    except errors.ConsoleError as exc:
        return Role("viewer", exc.message)
    who = (identity or "").strip().lower()
    for kind, where, value in gates:
        if kind == "signed_in" and not who:
            return Role("viewer", f"not signed in, and {where} sets up sign-in")
        if kind == "role" and str(value).lower() != "operator":
            said = str(value).lower()
            reason = f"{where} is {said!r}" + ("" if said in ROLES else ", which is neither 'operator' nor 'viewer'")
            return Role("viewer", reason)
        if kind == "operators" and who not in value:
            return Role("viewer", f"not signed in, and {where} names the operators" if not who
                        else f"not listed in {where}")
    return Role("operator", "; ".join(where for _, where, _ in gates) or "no role settings: everyone operates")


def require_operator(actor: Actor, action: str) -> None:
    """Refuse a state-changing action (connect, disconnect, write) to anyone the settings do not make an operator."""
    decided = resolve(actor.identity)
    if decided.role != "operator":
        raise errors.NotAllowed(
            f"{actor.name} is a viewer ({decided.reason}); only operators can {action}.",
            fix="Ask an operator, or have the console's settings make you one: CONSOLE_OPERATORS / CONSOLE_ROLE in "
                "the environment or [console] operators / role in .streamlit/secrets.toml (README: Roles).",
            cause="not_operator")
