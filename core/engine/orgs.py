"""Stored connections and their orgs: list, open a client, check health, measure API usage, disconnect."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from core import cache as shared_cache
from core import errors, settings
from core.connect import demo, oauth
from core.connect.connections import (
    NOT_CONNECTED_FIX,
    ApiUsage,
    ConnectionInfo,
    Health,
    client_for,
    info_from,
    now_iso,
    unreadable_info,
)
from core.connect.tokens import TokenRecord, TokenStore
from core.errors import ConsoleError, Reconnect
from core.logs import sync_state as _sync_state
from core.roles import Actor, require_operator
from core.salesforce import OrgClient
from core.sync import snapshot as snapshots

_clients: dict[tuple[Path, str], tuple[tuple[str, ...], OrgClient]] = {}
_clients_guard = threading.Lock()


def _info(store: TokenStore, name: str) -> ConnectionInfo | None:
    try:
        record = store.load(name)
    except Reconnect:  # cannot be decrypted: listed as unreadable (check_health says why), kept until replaced
        return unreadable_info(name)
    return info_from(record) if record else None


def _require_actor(actor: Actor | None, action: str) -> None:
    """An action that changes something needs someone who may act: no actor at all is refused, like a viewer."""
    if actor is None:
        raise errors.NotAllowed(f"Only an operator can {action}, and no one was named as acting.",
                                fix="Pass the acting operator (actor=engine.Actor(identity)).", cause="no_actor")
    require_operator(actor, action)


def connections(*, base: Path | None = None) -> list[ConnectionInfo]:
    """Every stored connection (no network call), including records that cannot be decrypted."""
    store = TokenStore(settings.data_dir(base))
    return [info for info in (_info(store, name) for name in store.names()) if info is not None]


def connection(name: str, *, base: Path | None = None) -> ConnectionInfo | None:
    """One stored connection by name (readable or not), or None."""
    return _info(TokenStore(settings.data_dir(base)), name)


def open_client(name: str, *, base: Path | None = None) -> OrgClient:
    """The OrgClient of a stored connection (snapshot, permissions and apply use it too).

    One client, hence one requests.Session, per connection and process, rebuilt when the
    connection is re-made; its refreshes go through the store, so other processes see them.
    """
    root = settings.data_dir(base)
    store = TokenStore(root)
    record = store.load(name)
    if record is None:
        raise Reconnect(f"There is no connection named {name!r}.", fix=NOT_CONNECTED_FIX, cause="not_connected")
    if record.environment.get("kind") == "demo":
        record = _follow_demo_org(root, store, record)
    identity = (record.connected_at, record.org_id, record.user_id, record.instance_url)
    with _clients_guard:
        cached = _clients.get((root, name))
        if cached is not None and cached[0] == identity:
            return cached[1]
        client = client_for(record, store, root)
        _clients[(root, name)] = (identity, client)
        return client


def _follow_demo_org(root: Path, store: TokenStore, record: TokenRecord) -> TokenRecord:
    """Make sure the demo org runs and point a demo connection at its current address.

    The demo org keeps its data and tokens across restarts but listens on new ports each time,
    so a connection made before a restart follows it instead of reading as unreachable.
    """
    address = demo.ensure_demo_org(root)
    if (record.instance_url, record.token_url, record.ca_file) == (address.instance_url, address.instance_url,
                                                                   address.ca_file):
        return record
    env = dict(record.environment, login_url=address.login_url)
    return store.update(record.name, instance_url=address.instance_url, token_url=address.instance_url,
                        ca_file=address.ca_file, environment=env)


def _forget_client(root: Path, name: str) -> None:
    with _clients_guard:
        _clients.pop((root, name), None)


def _health_from(error: ConsoleError) -> Health:
    return Health(status=error.health if error.health in ("needs_reconnect", "degraded") else "degraded",
                  cause=error.cause, fix=error.fix, retry_safe=error.retry_safe, checked_at=now_iso(),
                  message=error.message)


def check_health(name: str, *, base: Path | None = None) -> Health:
    """Call the org now (userinfo + the Organization query, refreshing if needed) and classify any failure.

    The result is also kept in the cache (tagged with the connection) for last_health().
    """
    root = settings.data_dir(base)
    try:
        client = open_client(name, base=root)
        client.identity()
        client.organization()
        health = Health("connected", None, None, True, now_iso())
    except ConsoleError as exc:
        health = _health_from(exc)
    else:
        _remember_usage(root, name, client)
    shared_cache.cache(root).set(_health_key(root, name), health, tag=shared_cache.connection_tag(name))
    return health


def _health_key(root: Path, name: str) -> tuple[str, str, str]:
    """The cache key of a connection's last health, per secret key: a check made under another key is not reused."""
    return "health", name, TokenStore(root).key_fingerprint


def last_health(name: str, *, base: Path | None = None) -> Health | None:
    """The result of the last check_health for `name` under the current secret key, without calling the org."""
    root = settings.data_dir(base)
    return shared_cache.cache(root).get(_health_key(root, name))


def _remember_usage(root: Path, name: str, client: OrgClient) -> None:
    if client.api_usage:
        used, total = client.api_usage
        shared_cache.cache(root).set(("api-usage", name), ApiUsage(used, total, "header"),
                                     tag=shared_cache.connection_tag(name))


def api_usage(name: str, *, base: Path | None = None) -> ApiUsage | None:
    """Daily API usage: from /limits (needs View Setup), else the last Sforce-Limit-Info header seen.

    Never raises for an org that cannot be reached: the last usage seen (or None) is returned and
    the health check is what explains the failure.
    """
    root = settings.data_dir(base)
    remembered = shared_cache.cache(root).get(("api-usage", name))
    try:
        client = open_client(name, base=root)
    except ConsoleError:
        return remembered
    try:
        daily = client.limits().get("DailyApiRequests") or {}
        total, remaining = int(daily["Max"]), int(daily["Remaining"])
        return ApiUsage(total - remaining, total, "limits")
    except (ConsoleError, KeyError, TypeError, ValueError):
        pass
    if client.api_usage:
        _remember_usage(root, name, client)
        used, total = client.api_usage
        return ApiUsage(used, total, "header")
    return remembered


@dataclass(frozen=True)
class Disconnected:
    """What a disconnect did: whether the token was revoked at Salesforce, which objects' snapshot files were
    deleted from this machine (how many files and bytes, or why some could not be), and which objects' automatic
    apply was switched off. The enrichment log (runs, log rows, actions) is kept: it is the audit trail."""

    name: str
    revoked: bool
    snapshot_objects: tuple[str, ...] = ()
    snapshot_files: int = 0
    snapshot_bytes: int = 0
    snapshot_error: str | None = None
    auto_apply_off: tuple[str, ...] = ()

    def summary(self) -> str:
        """What happened to the data this machine held, in a sentence or two (for the CLI and the Connect page)."""
        if self.snapshot_objects:
            kept = f" ({self.snapshot_files:,} files, {self.snapshot_bytes / 1e6:,.1f} MB)"
            said = f"Its snapshot records ({', '.join(self.snapshot_objects)}){kept} were deleted from this machine."
        else:
            said = "It had no snapshot records on this machine."
        if self.snapshot_error:
            said += f" Some snapshot files could not be deleted ({self.snapshot_error}); delete them by hand."
        if self.auto_apply_off:
            said += f" Automatic apply was switched off for {', '.join(self.auto_apply_off)}."
        return said + " The enrichment log (its runs and every write) is kept: it is the audit trail."



def disconnect(name: str, *, actor: Actor, force: bool = False, base: Path | None = None) -> Disconnected:
    """Revoke the connection's token at Salesforce, delete it from the store, evict its cache and delete its
    snapshot files (the org's records copied to this machine) and the key values its syncs remembered.

    If the token cannot be revoked (Salesforce unreachable, or the stored record cannot be
    decrypted) the record is kept unless `force`; an already-invalid token counts as revoked.
    The record is taken out and revoked in that order, so a sign-in saved under the same name
    meanwhile is kept, never deleted unrevoked. Automatic apply is switched off for every object, so a
    later sign-in under the same name writes nothing until an operator switches it on. The enrichment log
    is kept. Returns what was done (`revoked`: whether the token was revoked).
    """
    require_operator(actor, "disconnect orgs")
    root = settings.data_dir(base)
    store = TokenStore(root)
    try:
        current = store.load(name)
    except ConsoleError as exc:  # the record cannot be decrypted: nothing to revoke with
        if not force:
            raise _not_revoked(exc) from None
        current = None
        store.delete(name)
    else:
        if current is None:
            raise errors.BadInput(f"There is no connection named {name!r}.", fix="See the list of connections.",
                                  cause="not_connected")
    revoked = False
    if current is not None:
        existed, record = store.take(name)
        if not existed:
            raise errors.BadInput(f"The connection {name!r} was disconnected meanwhile.",
                                  fix="See the list of connections.", cause="not_connected")
        if record is not None:
            try:
                oauth.revoke(record.token_url, token=record.refresh_token or record.access_token,
                             client_id=record.client_id, client_secret=record.client_secret, ca_file=record.ca_file)
            except ConsoleError as exc:
                if not force:
                    store.restore(record)
                    raise _not_revoked(exc) from None
            else:
                revoked = True
    _forget_client(root, name)
    shared_cache.evict_connection(name, root)
    from core.engine.previews import forget_previews  # previews imports this module

    forget_previews(name)
    removed = snapshots.remove_connection(root, name)
    switched_off = _sync_state.forget_connection(root, name, by=actor.name)
    return Disconnected(name, revoked, removed.objects, removed.files, removed.size, removed.error, switched_off)


def _not_revoked(exc: ConsoleError) -> ConsoleError:
    """The error for a disconnect that could not revoke: the record is kept; force forgets it anyway."""
    return type(exc)(f"Could not revoke the sign-in at Salesforce: {exc.message}",
                     fix=exc.fix + " Or disconnect with force to forget it locally (then revoke it in "
                     "Salesforce: Setup → Connected Apps OAuth Usage).", retry_safe=exc.retry_safe,
                     cause=exc.cause, health=exc.health)
