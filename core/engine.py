"""The facade that pages, the CLI and notebooks call: connect, list, check, measure and disconnect orgs.

Every function finds the data directory through settings.data_dir() (CONSOLE_DATA_DIR) unless a
`base` is given. Actions that change state take an Actor and refuse anyone but an operator.
"""
from __future__ import annotations

import threading
from pathlib import Path

from core import cache as shared_cache
from core import errors, settings
from core.connect import demo, oauth
from core.connect.connections import (
    Actor,
    ApiUsage,
    ConnectedApp,
    ConnectionInfo,
    Health,
    client_for,
    info_from,
    now_iso,
    require_operator,
    unreadable_info,
)
from core.connect.environments import Environment, environment, my_domain_warnings
from core.connect.login import (
    begin_login,
    complete_login,
    complete_login_error,
    connect_jwt,
    connect_password_demo,
    connected_app_from_env,
)
from core.connect.tokens import TokenRecord, TokenStore
from core.errors import ConsoleError, Reconnect
from core.salesforce import OrgClient

__all__ = [
    "Actor", "ApiUsage", "ConnectedApp", "ConnectionInfo", "ConsoleError", "Environment", "Health",
    "api_usage", "begin_login", "check_health", "complete_login", "complete_login_error", "connect_jwt",
    "connect_password_demo", "connected_app_from_env", "connection", "connections", "disconnect",
    "environment", "last_health", "my_domain_warnings", "open_client",
]

_clients: dict[tuple[Path, str], tuple[tuple[str, ...], OrgClient]] = {}
_clients_guard = threading.Lock()


def _info(store: TokenStore, name: str) -> ConnectionInfo | None:
    try:
        record = store.load(name)
    except Reconnect:  # cannot be decrypted: listed as unreadable (check_health says why), kept until replaced
        return unreadable_info(name)
    return info_from(record) if record else None


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
        raise Reconnect(f"There is no connection named {name!r}.", fix="Connect it from Connect.",
                        cause="not_connected")
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
    shared_cache.cache(root).set(("health", name), health, tag=shared_cache.connection_tag(name))
    return health


def last_health(name: str, *, base: Path | None = None) -> Health | None:
    """The result of the last check_health for `name`, without calling the org."""
    return shared_cache.cache(settings.data_dir(base)).get(("health", name))


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


def disconnect(name: str, *, actor: Actor, force: bool = False, base: Path | None = None) -> bool:
    """Revoke the connection's token at Salesforce, delete it from the store and evict its cache.

    If the token cannot be revoked (Salesforce unreachable, or the stored record cannot be
    decrypted) the record is kept unless `force`; an already-invalid token counts as revoked.
    Returns whether the token was revoked.
    """
    require_operator(actor, "disconnect orgs")
    root = settings.data_dir(base)
    store = TokenStore(root)
    try:
        record = store.load(name)
        if record is not None:
            oauth.revoke(record.token_url, token=record.refresh_token or record.access_token,
                         client_id=record.client_id, client_secret=record.client_secret, ca_file=record.ca_file)
    except ConsoleError as exc:
        revoked = False
        if not force:
            raise type(exc)(f"Could not revoke the sign-in at Salesforce: {exc.message}",
                            fix=exc.fix + " Or disconnect with force to forget it locally (then revoke it in "
                            "Salesforce: Setup → Connected Apps OAuth Usage).", retry_safe=exc.retry_safe,
                            cause=exc.cause, health=exc.health) from None
    else:
        if record is None:
            raise errors.BadInput(f"There is no connection named {name!r}.", fix="See the list of connections.",
                                  cause="not_connected")
        revoked = True
    store.delete(name)
    _forget_client(root, name)
    shared_cache.evict_connection(name, root)
    return revoked


# ---- Snapshot, enrichment source and mapping (issue 12) ------------------------------------------------------------
# The shared 4-hour snapshot of Account / Lead / Contact records per connection, the enrichment source chosen per
# connection, and the mapping with its history. Refresh, source changes and mapping saves are operator actions.
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

from core.enrich import mapping as mappings  # noqa: E402
from core.enrich import (
    mapping_table,  # noqa: E402
    matching,  # noqa: E402
)
from core.enrich import sources as enrich_sources  # noqa: E402
from core.enrich.mapping import Mapping, MappingError  # noqa: E402
from core.enrich.mapping_lint import Finding  # noqa: E402
from core.enrich.providers import Provider  # noqa: E402
from core.enrich.sources import SourceFileError, SourceSettings  # noqa: E402
from core.fields import field_specs  # noqa: E402
from core.logs import mappings as saved_mappings  # noqa: E402
from core.logs import sources as saved_sources  # noqa: E402
from core.logs.mappings import MappingVersion  # noqa: E402
from core.sync import diff
from core.sync import snapshot as snapshots  # noqa: E402
from core.sync.snapshot import Policy, Snapshot  # noqa: E402

__all__ += [
    "Finding", "Mapping", "MappingVersion", "Policy", "Snapshot", "SourceFileError", "SourceSettings", "SNAPSHOT_OBJECTS",
    "default_mapping", "describe", "describe_age", "enrichment_source", "lint_mapping", "mapping", "mapping_checks",
    "mapping_from_rows", "mapping_history", "mapping_rows", "mapping_sample", "parse_mapping", "restore_mapping",
    "save_mapping", "schema_describe", "snapshot", "snapshot_frame", "snapshot_status", "snapshot_table",
    "snapshot_version", "source_provider", "try_source", "use_demo_source", "use_file_source", "use_http_source",
]

SNAPSHOT_OBJECTS: tuple[str, ...] = mappings.SUPPORTED_OBJECTS
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "Account": ("Id", "Name", "Website", "OwnerId", "CreatedDate", "SystemModstamp"),
    "Lead": ("Id", "Name", "Company", "Email", "Website", "OwnerId", "CreatedDate", "SystemModstamp"),
    "Contact": ("Id", "Name", "Email", "AccountId", "OwnerId", "CreatedDate", "SystemModstamp"),
}
"""Read with every snapshot besides the mapped fields: Id, what matching reads, the record's name, owner and dates."""
describe_age = snapshots.describe_age


def _object(sobject: str) -> str:
    if sobject not in SNAPSHOT_OBJECTS:
        raise errors.BadInput(f"{sobject!r} is not an object the console enriches.",
                              fix=f"Use one of {', '.join(SNAPSHOT_OBJECTS)}.", cause="bad_object")
    return sobject


def describe(name: str, sobject: str, *, refresh: bool = False, base: Path | None = None) -> dict:
    """The connected user's describe of an object, cached for a day (the full-pull period) or until `refresh`,
    so an incremental refresh never spends a call on it."""
    root = settings.data_dir(base)
    store, key = shared_cache.cache(root), ("describe", name, _object(sobject))
    kept = store.get(key)
    if kept is not None and not refresh and time.time() - kept[0] < Policy.from_env().full_every:
        return kept[1]
    payload = open_client(name, base=root).describe(sobject)
    store.set(key, (time.time(), payload), tag=shared_cache.connection_tag(name))
    return payload


def _wanted(name: str, sobject: str, root: Path) -> tuple[str, ...]:
    """Key fields, then the fields of the current mapping, each once."""
    return tuple(dict.fromkeys([*KEY_FIELDS[sobject], *mapping(name, sobject, base=root)[0].field_names()]))


def snapshot(name: str, sobject: str, *, actor: Actor | None = None, refresh: bool = False,
             progress: Callable[[int, int], None] | None = None, base: Path | None = None) -> Snapshot:
    """The shared snapshot of `sobject` for a connection: pulled when older than 4 hours (whoever asks, once for
    all processes), or now when an operator asks to `refresh`. A failed pull leaves the previous records in
    place and is described on the result (`failure`: why, the fix, the next try)."""
    if refresh:
        require_operator(actor or Actor("anonymous", "viewer"), "refresh snapshots")
    root = settings.data_dir(base)
    wanted = _wanted(name, _object(sobject), root)

    def visible() -> dict[str, str]:
        last = snapshots.status(root, name, sobject)
        stale = refresh or (last is not None and last.failure is not None and last.failure.cause == "bad_query")
        types = {f["name"]: str(f.get("type") or "string") for f in describe(name, sobject, refresh=stale,
                                                                                 base=root).get("fields") or []}
        return {field: types[field] for field in wanted if field in types}

    return snapshots.get(root, name, sobject, wanted, lambda: open_client(name, base=root), visible,
                         policy=Policy.from_env(), force=refresh, progress=progress)


def snapshot_status(name: str, sobject: str, *, base: Path | None = None) -> Snapshot | None:
    """The snapshot as last recorded (age, records, next refresh, last failure) without calling the org."""
    return snapshots.status(settings.data_dir(base), name, _object(sobject))


def snapshot_table(snap: Snapshot, *, columns: list[str] | None = None, base: Path | None = None) -> pa.Table:
    """A snapshot's records as an Arrow table (memory-mapped)."""
    return snapshots.table(settings.data_dir(base), snap, columns)


def snapshot_frame(snap: Snapshot, *, columns: list[str] | None = None, base: Path | None = None) -> pd.DataFrame:
    """A snapshot's records as pandas indexed by Id."""
    return snapshots.frame(settings.data_dir(base), snap, columns)


def snapshot_version(snap: Snapshot, *, base: Path | None = None) -> str:
    """What a preview is cached on: the snapshot's fetch time and fields, and the current mapping's hash."""
    plan, _ = mapping(snap.connection, snap.sobject, base=base)
    return f"{snap.version}:{saved_mappings.digest(plan.to_json())[:12]}"


def enrichment_source(name: str, *, base: Path | None = None) -> SourceSettings:
    """The connection's enrichment source (the demo source until one is chosen); the API key only as a hint."""
    return enrich_sources.settings_of(name, saved_sources.get(name, base=settings.data_dir(base)))


def use_demo_source(name: str, *, actor: Actor, base: Path | None = None) -> SourceSettings:
    """Enrich this connection's records from the built-in demo data."""
    require_operator(actor, "change the enrichment source")
    row = saved_sources.put(saved_sources.SourceRow(name, "demo", updated_by=actor.name), base=settings.data_dir(base))
    return enrich_sources.settings_of(name, row)


def use_file_source(name: str, data: bytes, filename: str, *, actor: Actor, base: Path | None = None) -> SourceSettings:
    """Enrich from the operator's CSV or Parquet file, checked first (SourceFileError with its row errors, and
    nothing changed, when it cannot be used) and kept in the data directory."""
    require_operator(actor, "change the enrichment source")
    root = settings.data_dir(base)
    checked = enrich_sources.check_file(data, filename)
    path = enrich_sources.store_file(root, name, data, filename)
    row = saved_sources.SourceRow(name, "file", {"path": str(path.relative_to(root)), "name": filename,
                                                 "rows": len(checked.frame), "key_kind": checked.key_kind},
                                  updated_by=actor.name)
    return enrich_sources.settings_of(name, saved_sources.put(row, base=root))


def use_http_source(name: str, *, url_template: str, api_key: str | None, rate_per_minute: float = 600,
                    auth: str = "bearer", kind: str = "company", actor: Actor, base: Path | None = None) -> SourceSettings:
    """Enrich from an HTTP JSON API. The key is sealed with the token store's key and never shown again in full;
    an empty `api_key` keeps the saved one."""
    require_operator(actor, "change the enrichment source")
    root = settings.data_dir(base)
    enrich_sources.check_http(url_template, rate_per_minute, auth, kind)
    old = saved_sources.get(name, base=root)
    if api_key:
        secret, hint = TokenStore(root).seal({"api_key": api_key}), enrich_sources.key_hint(api_key)
    elif old is not None and old.kind == "http" and old.secret:
        secret, hint = old.secret, old.key_hint
    else:
        raise errors.BadInput("An HTTP source needs an API key.", fix="Paste the vendor's API key.", cause="source_key")
    row = saved_sources.SourceRow(name, "http", {"url_template": url_template, "rate_per_minute": float(rate_per_minute),
                                                 "auth": auth, "kind": kind}, secret, hint, actor.name)
    return enrich_sources.settings_of(name, saved_sources.put(row, base=root))


def source_provider(name: str, *, base: Path | None = None) -> Provider:
    """The enrichment source of a connection as a Provider (lookup(keys) -> attributes by key)."""
    root = settings.data_dir(base)
    row = saved_sources.get(name, base=root)
    key = None
    if row is not None and row.kind == "http" and row.secret:
        key = (TokenStore(root).unseal(row.secret) or {}).get("api_key")
        if not key:
            raise Reconnect("The saved API key of the enrichment source cannot be decrypted (another secret key?).",
                            fix="Enter the API key again on the Mapping page.", cause="source_key_unreadable")
    return enrich_sources.provider(row, api_key=key, root=root, cache=shared_cache.cache(root))


def try_source(name: str, value: str, *, base: Path | None = None) -> pd.DataFrame:
    """Look one domain, website or email up in the connection's source: key, attribute, value of what came back."""
    return enrich_sources.try_lookup(source_provider(name, base=base), value)


def default_mapping(sobject: str) -> Mapping:
    """The mapping to start from for Account, Lead or Contact."""
    return mappings.default_mapping(_object(sobject))


def mapping(name: str, sobject: str, *, base: Path | None = None) -> tuple[Mapping, MappingVersion | None]:
    """The connection's current mapping of an object and its saved version (None: the defaults, never saved)."""
    saved = saved_mappings.latest(name, _object(sobject), base=settings.data_dir(base))
    return (Mapping.from_json(saved.body), saved) if saved else (default_mapping(sobject), None)


def parse_mapping(text: str, sobject: str | None = None) -> Mapping:
    """Read mapping JSON (an import); anything malformed, or for another object, raises BadInput with the fix."""
    try:
        plan = Mapping.from_json(text)
    except MappingError as exc:
        raise errors.BadInput(f"The mapping cannot be read: {exc.message}.", fix=exc.fix, cause="bad_mapping") from None
    if sobject is not None and plan.sobject != sobject:
        raise errors.BadInput(f"This mapping is for {plan.sobject}, not {sobject}.",
                              fix=f"Import it for {plan.sobject}, or change its \"sobject\".", cause="bad_mapping")
    return plan


def mapping_rows(plan: Mapping) -> pd.DataFrame:
    """The mapping as an editable table: attribute, field, transform, options (JSON text)."""
    return mapping_table.rows(plan)


def mapping_from_rows(sobject: str, rows: pd.DataFrame, placeholders: tuple[str, ...] | None = None) -> Mapping:
    """An edited table back as a Mapping; a bad row raises BadInput naming the row and the fix."""
    try:
        return mapping_table.from_rows(_object(sobject), rows,
                                       placeholders if placeholders is not None else default_mapping(sobject).placeholders)
    except MappingError as exc:
        raise errors.BadInput(f"The mapping cannot be used: {exc.message}.", fix=exc.fix, cause="bad_mapping") from None


def lint_mapping(plan: Mapping, describe_payload: dict) -> list[Finding]:
    """The linter's findings for a mapping against a describe (the org's, or one loaded from a schema directory)."""
    return mappings.lint(plan, describe_payload)


def mapping_checks(plan: Mapping, describe_payload: dict) -> pd.DataFrame:
    """The mapping table with the linter's findings beside each row ('check')."""
    return mapping_table.with_findings(plan, lint_mapping(plan, describe_payload))


def schema_describe(schema_dir: Path, sobject: str) -> dict:
    """A describe payload from a directory of describe JSON exports (`sf sobject describe --json`, plain or wrapped)."""
    path = Path(schema_dir) / f"{sobject}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise errors.BadInput(f"{path} cannot be read as a describe export ({exc}).",
                              fix=f"Export it with: sf sobject describe --sobject {sobject} --json > {path}",
                              cause="bad_schema") from None
    data = data["result"] if isinstance(data, dict) and isinstance(data.get("result"), dict) else data
    if not isinstance(data, dict) or "fields" not in data:
        raise errors.BadInput(f"{path} is not an sObject describe (no 'fields').",
                              fix=f"Export it with: sf sobject describe --sobject {sobject} --json", cause="bad_schema")
    return data


def save_mapping(name: str, sobject: str, plan: Mapping, *, actor: Actor, note: str = "",
                 base: Path | None = None) -> MappingVersion:
    """Save the mapping as the connection's next version (who, when, what changed); an unchanged mapping is not
    saved again. The next snapshot pulls any newly mapped field in full."""
    require_operator(actor, "save mappings")
    if plan.sobject != _object(sobject):
        raise errors.BadInput(f"This mapping is for {plan.sobject}, not {sobject}.", fix="Save it for its own object.",
                              cause="bad_mapping")
    saved, _ = saved_mappings.save(name, sobject, plan.to_json(), saved_by=actor.name, note=note,
                                   baseline=default_mapping(sobject).to_json(), base=settings.data_dir(base))
    return saved


def mapping_history(name: str, sobject: str, *, base: Path | None = None) -> list[MappingVersion]:
    """Every saved version of a connection's mapping of an object, newest first."""
    return saved_mappings.history(name, _object(sobject), base=settings.data_dir(base))


def restore_mapping(name: str, sobject: str, version: int, *, actor: Actor, base: Path | None = None) -> MappingVersion:
    """Make an earlier version current again, saved as a new version that says where it came from."""
    require_operator(actor, "restore mappings")
    root = settings.data_dir(base)
    old = saved_mappings.version(name, _object(sobject), version, base=root)
    if old is None:
        raise errors.BadInput(f"There is no version {version} of the {sobject} mapping.", fix="Pick one from the history.",
                              cause="no_such_version")
    saved, _ = saved_mappings.save(name, sobject, old.body, saved_by=actor.name, note=f"restored version {version}",
                                   restored_from=version, base=root)
    return saved


def _enrichment(records: pd.DataFrame, sobject: str, source: Provider) -> tuple[pd.DataFrame, pd.Series]:
    """Attributes per record (company by domain key; person by email for Leads and Contacts) and each record's key."""
    keys = matching.match_keys(records, sobject)["key"]
    company = source.lookup(keys.dropna().tolist())
    found = company.reindex(keys.astype(object).where(keys.notna(), None).tolist()).set_axis(records.index)
    if sobject in ("Lead", "Contact"):
        emails = matching.email_keys(records)
        person = source.lookup(emails.dropna().tolist())
        person = person[[c for c in person.columns if c.startswith("person.")]]
        found = found.join(person.reindex(emails.astype(object).where(emails.notna(), None).tolist())
                           .set_axis(records.index)[[c for c in person.columns if c not in found.columns]])
    return found, keys


def mapping_sample(name: str, sobject: str, plan: Mapping, *, rows: int = 5, base: Path | None = None) -> pd.DataFrame:
    """What `rows` real records from the snapshot would receive under `plan`: one row per (record, mapped field)
    with the record's name, key, current and proposed value, and the guard's verdict and reason."""
    root = settings.data_dir(base)
    snap = snapshot(name, sobject, base=root)
    if not snap.available:
        why = snap.failure.message if snap.failure else "it has not been pulled yet"
        raise errors.ConsoleError(f"There are no {sobject} records to sample: {why}",
                                  fix=snap.failure.fix if snap.failure else "Refresh the snapshot.", cause="no_snapshot")
    head = snapshots.sample(root, snap, 200)
    enrichment, keys = _enrichment(head, sobject, source_provider(name, base=root))
    known = enrichment.notna().any(axis=1) & keys.notna()
    chosen = head.index[known.to_numpy()][:rows].append(head.index[(keys.notna() & ~known).to_numpy()])[:rows]
    read = [f for f in plan.field_names() if f in head.columns]
    proposed, _ = mappings.apply(plan, enrichment.loc[chosen], field_specs(describe(name, sobject, base=root)))
    cells = diff.compute(head.loc[chosen, read], proposed[read], field_specs(describe(name, sobject, base=root)),
                         plan.placeholders)
    label = "Company" if sobject == "Lead" else "Name"
    names = head.loc[chosen, label] if label in head.columns else pd.Series(chosen, index=chosen)
    cells.insert(0, "record", pd.array(names.reindex(cells["Id"]).to_numpy(), dtype="string"))
    cells.insert(2, "key", pd.array(keys.reindex(cells["Id"]).to_numpy(), dtype="string"))
    order = pd.Series(range(len(chosen)), index=chosen).reindex(cells["Id"]).to_numpy()
    return cells.iloc[order.argsort(kind="stable")].reset_index(drop=True)
