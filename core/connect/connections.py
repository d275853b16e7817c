"""Named connections: the stored tokens behind an OrgClient (with single-flight refresh) and the
ConnectionInfo the pages show, built from userinfo + Organization + the user's profile."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diskcache import Lock

from core import cache as shared_cache
from core import errors
from core.connect import oauth
from core.connect.demo import DEMO_PASSWORD
from core.connect.environments import Environment
from core.connect.tokens import TokenRecord, TokenStore
from core.salesforce import OrgClient

_INTEGRATION_WORDS = ("integration", "api", "sync", "svc", "service", "bot", "etl", "automation", "system")
_INTEGRATION_PROFILES = ("api only", "integration")
_process_locks: dict[str, threading.Lock] = {}
_process_guard = threading.Lock()


@dataclass(frozen=True)
class ConnectionInfo:
    """What a page shows about one connection; no tokens in here."""

    name: str
    environment: Environment
    instance_url: str
    org_id: str
    org_name: str
    is_sandbox: bool
    organization_type: str
    user_id: str
    username: str
    user_name: str
    profile: str | None
    connected_at: str
    environment_mismatch: str | None
    integration_user_hint: str | None
    readable: bool = True


UNREADABLE_ENVIRONMENT = Environment("unknown", "", "Unknown (stored record unreadable)", "UNKNOWN", None)


@dataclass(frozen=True)
class Actor:
    """Who is acting: operators connect, disconnect and write; viewers only read."""

    name: str
    role: str


def require_operator(actor: Actor, action: str) -> None:
    """Refuse a state-changing action (connect, disconnect, write) to anyone but an operator."""
    if actor.role != "operator":
        raise errors.NotAllowed(f"{actor.name} is a {actor.role}; only operators can {action}.",
                                fix="Ask an operator, or sign in to the console as one.", cause="not_operator")


@dataclass(frozen=True)
class ConnectedApp:
    """The connected app (External Client App) the console signs in through."""

    client_id: str
    client_secret: str | None
    callback_url: str

    def __repr__(self) -> str:  # never print the secret
        return f"ConnectedApp(client_id={self.client_id!r}, callback_url={self.callback_url!r})"


@dataclass(frozen=True)
class Health:
    """The state of a connection now: connected, needs_reconnect (cause + fix) or degraded (transient)."""

    status: str
    cause: str | None
    fix: str | None
    retry_safe: bool
    checked_at: str
    message: str | None = None


@dataclass(frozen=True)
class ApiUsage:
    """Daily API requests used of the org's allowance, from /limits or the Sforce-Limit-Info header."""

    used: int
    max: int
    source: str


def now_iso() -> str:
    """UTC now, ISO 8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def info_from(record: TokenRecord) -> ConnectionInfo:
    """The page-facing view of a stored record."""
    return ConnectionInfo(
        name=record.name, environment=Environment.from_dict(record.environment), instance_url=record.instance_url,
        org_id=record.org_id, org_name=record.org_name, is_sandbox=record.is_sandbox,
        organization_type=record.organization_type, user_id=record.user_id, username=record.username,
        user_name=record.user_name, profile=record.profile, connected_at=record.connected_at,
        environment_mismatch=record.environment_mismatch, integration_user_hint=record.integration_user_hint)


def unreadable_info(name: str) -> ConnectionInfo:
    """A stored record that cannot be decrypted, listed by name so it can be reconnected or removed, never lost."""
    return ConnectionInfo(name=name, environment=UNREADABLE_ENVIRONMENT, instance_url="", org_id="", org_name="",
                          is_sandbox=False, organization_type="", user_id="", username="", user_name="", profile=None,
                          connected_at="", environment_mismatch=None, integration_user_hint=None, readable=False)


def environment_mismatch(env: Environment, is_sandbox: bool) -> str | None:
    """The warning when Organization.IsSandbox contradicts the chosen environment, else None."""
    if env.expects_sandbox is None or env.expects_sandbox == is_sandbox:
        return None
    chosen = env.label
    actual = "a sandbox" if is_sandbox else "a production org"
    return (f"You chose {chosen} but this org is {actual} (Organization.IsSandbox = {str(is_sandbox).lower()}). "
            "Check that you signed in to the intended org; the badge follows the org.")


def integration_user_hint(username: str, user_name: str, profile: str | None) -> str | None:
    """A recommendation to use a dedicated integration user when the connected user looks like a person."""
    text = f"{username} {user_name}".lower()
    if any(word in text for word in _INTEGRATION_WORDS):
        return None
    if profile and any(p in profile.lower() for p in _INTEGRATION_PROFILES):
        return None
    who = user_name or username
    return (f"You connected as {who}, which looks like a person's account. For syncs, connect as a dedicated "
            "integration user (Salesforce Integration license, 'Minimum Access - API Only Integrations' profile "
            "plus a permission set with only the access the sync needs), so writes are attributed to the "
            "integration and keep working when people change roles or leave.")


def _process_lock(name: str) -> threading.Lock:
    with _process_guard:
        return _process_locks.setdefault(name, threading.Lock())


class StoredTokens:
    """A TokenSource over the token store: refreshes at the issuing host, once for all concurrent callers.

    Threads of this process serialise on a per-name lock, processes on a diskcache lock; whoever
    gets it second re-reads the store and finds the token already refreshed.
    """

    def __init__(self, store: TokenStore, name: str, base: Path) -> None:
        self.store = store
        self.name = name
        self.base = base

    def _record(self) -> TokenRecord:
        record = self.store.load(self.name)
        if record is None:
            raise errors.Reconnect(f"There is no connection named {self.name!r}.", fix="Connect it from Connect.",
                                   cause="not_connected", health="needs_reconnect")
        return record

    def current(self) -> tuple[str, str]:
        """The stored access token and instance URL."""
        record = self._record()
        return record.access_token, record.instance_url

    def refresh(self, stale_access_token: str) -> tuple[str, str]:
        """Refresh unless someone already replaced `stale_access_token`; persist the result atomically."""
        with _process_lock(self.name), Lock(shared_cache.cache(self.base), ("refresh-lock", self.name), expire=120):
            record = self._record()
            if record.access_token != stale_access_token:
                return record.access_token, record.instance_url
            token = fresh_token(record)
            updated = self.store.update_tokens(self.name, token["access_token"], token.get("refresh_token"),
                                               str(token.get("issued_at") or ""), token.get("instance_url"))
            return updated.access_token, updated.instance_url


def fresh_token(record: TokenRecord) -> dict[str, Any]:
    """A new token for a record: the refresh grant at the issuing host, or a new JWT assertion."""
    if record.refresh_token:
        return oauth.refresh(record.token_url, client_id=record.client_id, client_secret=record.client_secret,
                             refresh_token=record.refresh_token, ca_file=record.ca_file,
                             org_is_sandbox=record.is_sandbox)
    if record.auth == "jwt" and record.key_file:
        try:
            key = Path(record.key_file).read_bytes()
        except OSError as exc:
            raise errors.Reconnect(f"The key file {record.key_file} cannot be read ({exc.strerror}).",
                                   fix="Restore the key file or connect again with --key-file.",
                                   cause="jwt_key_missing") from None
        return oauth.jwt_bearer(record.token_url, client_id=record.client_id, username=record.username,
                                private_key_pem=key, audience=record.extra.get("audience"), ca_file=record.ca_file)
    env = record.environment.get("kind")
    if record.auth == "password" and env == "demo":
        # The demo org's users share a published password and its password grant issues no refresh token.
        return oauth.password_grant(record.token_url, client_id=record.client_id, username=record.username,
                                    password=DEMO_PASSWORD, ca_file=record.ca_file)
    raise errors.Reconnect("The session expired and this connection has no refresh token.",
                           fix="Open Connect and sign in again (the connected app needs the refresh_token scope).",
                           cause="no_refresh_token")


def client_for(record: TokenRecord, store: TokenStore, base: Path) -> OrgClient:
    """An OrgClient for a stored connection, refreshing through the store."""
    return OrgClient(StoredTokens(store, record.name, base), ca_file=record.ca_file, org_is_sandbox=record.is_sandbox)


def build_record(*, name: str, env: Environment, token: dict[str, Any], token_url: str, client_id: str,
                 client_secret: str | None, auth: str, ca_file: str | None, client: OrgClient,
                 key_file: str | None = None, extra: dict[str, Any] | None = None) -> TokenRecord:
    """Read who and where (userinfo, Organization, profile) with a fresh token and make the record to store.

    When Organization.IsSandbox contradicts the chosen environment the record keeps the choice, the
    mismatch warning and the badge of the org as found (Environment.as_found)."""
    identity = client.identity()
    user_id = str(identity.get("user_id") or identity.get("sub", "").rsplit("/", 1)[-1])
    org_id = str(identity.get("organization_id") or "")
    org = client.organization()
    try:
        profile_row = client.user_profile(user_id) if user_id else None
    except errors.ConsoleError:
        profile_row = None  # reading User needs access the user may lack; the connection still works
    username = str(identity.get("preferred_username") or identity.get("username") or "")
    user_name = str(identity.get("name") or (profile_row or {}).get("Name") or "")
    profile = (profile_row or {}).get("ProfileName")
    is_sandbox = bool(org.get("IsSandbox"))
    return TokenRecord(
        name=name, environment=env.as_found(is_sandbox).to_dict(), token_url=token_url.rstrip("/"),
        instance_url=str(token.get("instance_url") or client.instance_url), org_id=str(org.get("Id") or org_id),
        user_id=user_id, username=username, access_token=str(token["access_token"]),
        refresh_token=token.get("refresh_token"), issued_at=str(token.get("issued_at") or ""), client_id=client_id,
        client_secret=client_secret, auth=auth, key_file=key_file, ca_file=ca_file,
        org_name=str(org.get("Name") or ""), is_sandbox=is_sandbox,
        organization_type=str(org.get("OrganizationType") or ""), user_name=user_name, profile=profile,
        connected_at=now_iso(), environment_mismatch=environment_mismatch(env, is_sandbox),
        integration_user_hint=integration_user_hint(username, user_name, profile), extra=dict(extra or {}))
