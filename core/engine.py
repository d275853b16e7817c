"""The facade that pages, the CLI and notebooks call: connect, list, check, measure and disconnect orgs.

Every function finds the data directory through settings.data_dir() (CONSOLE_DATA_DIR) unless a
`base` is given. Actions that change state take an Actor and refuse anyone but an operator.
"""
from __future__ import annotations

import functools as _functools
import json
import logging as _logging
import sqlite3 as _sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from core import cache as shared_cache
from core import errors, settings
from core import preview as preview_
from core.connect import demo, oauth
from core.connect.connections import (
    NOT_CONNECTED_FIX,
    ApiUsage,
    ConnectedApp,
    ConnectionInfo,
    Health,
    client_for,
    info_from,
    now_iso,
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
from core.connect.names import check as check_connection_name
from core.connect.tokens import TokenRecord, TokenStore
from core.enrich import mapping as mappings
from core.enrich import mapping_table, matching
from core.enrich import sources as enrich_sources
from core.enrich.mapping import Mapping, MappingError
from core.enrich.mapping_lint import Finding
from core.enrich.providers import Provider
from core.enrich.sources import SourceFileError, SourceSettings
from core.errors import ConsoleError, Reconnect
from core.errors import NotAllowed as _NotAllowed
from core.fields import FieldSpec, field_specs
from core.fields import field_specs as _field_specs
from core.logs import actions as _actions
from core.logs import charts as _logcharts
from core.logs import export as _log_export
from core.logs import mappings as saved_mappings
from core.logs import queries as _logq
from core.logs import runs as _runlog
from core.logs import sources as saved_sources
from core.logs import sync_state as _sync_state
from core.logs import undo_log as _undo_log
from core.logs.mappings import MappingVersion
from core.permissions import collect as _perm_collect
from core.permissions import permset as _perm_set
from core.permissions import report as _perm_report
from core.permissions import stored as _perm_stored
from core.permissions.model import USE_CASES
from core.permissions.model import Context as _PermContext
from core.permissions.report import Report
from core.roles import Actor, require_operator
from core.roles import resolve as _resolve_role
from core.salesforce import OrgClient
from core.sync import diff
from core.sync import provenance as _provenance
from core.sync import snapshot as snapshots
from core.sync import triggers as _triggers
from core.sync import undo as _undo
from core.sync import writer as _writer
from core.sync.snapshot import Policy, Snapshot

__all__ = [
    "Actor", "ApiUsage", "ConnectedApp", "ConnectionInfo", "ConsoleError", "Environment", "Health",
    "api_usage", "begin_login", "check_connection_name", "check_health", "complete_login", "complete_login_error", "connect_jwt",
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


def disconnect(name: str, *, actor: Actor, force: bool = False, base: Path | None = None) -> bool:
    """Revoke the connection's token at Salesforce, delete it from the store and evict its cache.

    If the token cannot be revoked (Salesforce unreachable, or the stored record cannot be
    decrypted) the record is kept unless `force`; an already-invalid token counts as revoked.
    The record is taken out and revoked in that order, so a sign-in saved under the same name
    meanwhile is kept, never deleted unrevoked. Returns whether the token was revoked.
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
    return revoked


# --- Preview (issue 13): the cells a sync would write, shared by every viewer of the same data --------------------

PREVIEW_OBJECTS: tuple[str, ...] = ("Account", "Lead", "Contact")
_previews: dict[tuple, preview_.Preview] = {}
_previews_guard = threading.Lock()


@dataclass(frozen=True)
class PreviewView:
    """A preview with what a page says about it: the data's age, where records live, and the source used."""

    preview: preview_.Preview
    fetched_at: datetime
    instance_url: str
    source: str
    mapping: Mapping


def preview(name: str, sobject: str, *, base: Path | None = None) -> PreviewView:
    """What a sync of `sobject` would do for connection `name`: every (record, field) cell with its verdict.

    Nothing is written. The records come from the shared snapshot (pulled when older than 4 hours), the
    mapping is the connection's saved one (else the defaults) and the source the connection's own. One preview
    per snapshot version, mapping and source is kept in this process, so every viewer shares it.
    """
    if sobject not in PREVIEW_OBJECTS:
        raise errors.BadInput(f"There is no preview for {sobject!r}.",
                              fix=f"Choose one of {', '.join(PREVIEW_OBJECTS)}.", cause="unknown_object")
    root = settings.data_dir(base)
    snap = snapshot(name, sobject, base=root)
    if snap.fetched_at is None:
        failure = snap.failure
        raise errors.RetryLater(f"The {sobject} records of {name!r} could not be read yet"
                                + (f": {failure.message}" if failure else "."),
                                fix=failure.fix if failure else "Try again in a minute.", cause="no_snapshot")
    plan, _ = mapping(name, sobject, base=root)
    source = enrichment_source(name, base=root)
    key = (root, name, sobject, snapshot_version(snap, base=root), repr(source))
    with _previews_guard:
        cached = _previews.get(key)
    if cached is not None:
        return cached
    specs = field_specs(describe(name, sobject, base=root))
    current = snapshot_frame(snap, base=root)
    for missing in (f for f in plan.field_names() if f not in current.columns):
        current[missing] = pd.Series(pd.NA, index=current.index, dtype="string")  # not readable: no_access
    provider = source_provider(name, base=root)
    view = PreviewView(preview_.build(current, sobject, plan, provider, specs),
                       datetime.fromtimestamp(snap.fetched_at, UTC), open_client(name, base=root).instance_url,
                       source.label, plan)
    with _previews_guard:
        _previews.clear() if len(_previews) > 8 else None
        _previews[key] = view
    return view


def forget_previews(name: str | None = None) -> None:
    """Drop this process's kept previews (of one connection, or all): the next preview reads again."""
    with _previews_guard:
        for key in [k for k in _previews if name is None or k[1] == name]:
            del _previews[key]

def after_write(name: str, sobject: str, *, actor: Actor, base: Path | None = None) -> None:
    """After an apply, resume or undo: pull the records that changed (an incremental refresh of the snapshot) and
    drop kept previews, so the next preview shows what Salesforce holds now rather than the 4-hour-old records."""
    _require_actor(actor, "refresh the records after a write")
    forget_previews(name)
    snapshot(name, sobject, actor=actor, refresh=True, base=base)


PreviewFilters = preview_.Filters


def select_cells(result: preview_.Preview, filters: preview_.Filters) -> Any:
    """Positions of the cells that pass the filters (see core.preview.select)."""
    return preview_.select(result, filters)


def cells_page(result: preview_.Preview, positions: Any, offset: int, limit: int) -> pd.DataFrame:
    """One page of selected cells as a table (see core.preview.page)."""
    return preview_.page(result, positions, offset, limit)


def preview_record(result: preview_.Preview, record_id: str) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """One record's facts (name, owner, key, match) and every mapped field's cell, or None when it is not here."""
    if record_id not in result.records.index:
        return None
    facts = result.records.loc[record_id]
    return ({"Id": record_id, **{k: (None if pd.isna(v) else str(v)) for k, v in facts.items()}},
            preview_.record(result, record_id))


def preview_owners(result: preview_.Preview) -> list[str]:
    """The record owners present in a preview, for the owner filter."""
    return list(preview_.unique_owners(result))


def fill_rates(result: preview_.Preview) -> pd.DataFrame:
    """Per field: share of records with a value now and after the sync."""
    return preview_.fill_rates(result)


def records_to_write(result: preview_.Preview) -> int:
    """How many records have at least one cell to fill (what a write would touch)."""
    cells = result.cells
    return int(cells.loc[cells["verdict"] == "fill", "Id"].nunique())


def age_text(moment: datetime, now: datetime | None = None) -> str:
    """'2 h 10 min ago'-style age of a moment, for the line that says how old the data on a page is."""
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 60:
        return "just now" if seconds < 5 else f"{seconds} s ago"
    minutes, hours = seconds // 60, seconds // 3600
    if hours == 0:
        return f"{minutes} min ago"
    if hours < 48:
        return f"{hours} h {minutes % 60} min ago"
    return f"{hours // 24} days ago"


# -- permission diagnostics (issue 11): can this user do what the use case needs ---------------------------------

__all__ += ["USE_CASES", "Report", "diagnose", "diagnosis_fields", "last_diagnosis", "permission_set_file",
            "report_json", "report_markdown"]


def diagnosis_fields(name: str, *, base: Path | None = None) -> tuple[dict[str, tuple[str, ...]],
                                                                     dict[str, tuple[str, ...]]]:
    """(mapped fields, matching fields) per object that the diagnosis checks for a connection.

    The mapping is the connection's saved one when it exists, else the object's default mapping.
    """
    from core.enrich import mapping as rules
    from core.enrich import matching  # pandas-heavy: imported when a diagnosis needs them

    mapped = {obj: connection_mapping(name, obj, base=base)[0].field_names() for obj in rules.SUPPORTED_OBJECTS}
    matched = {obj: matching.key_fields(obj) for obj in rules.SUPPORTED_OBJECTS}
    return mapped, matched


def _diagnosis_context(info: ConnectionInfo, use_case: str, payload: dict, base: Path | None) -> _PermContext:
    from core.connect.connections import integration_user_hint

    mapped, matched = diagnosis_fields(info.name, base=base)
    profile = (_perm_collect.value_of(payload, "profile") or {}).get("Name") or info.profile
    user = _perm_collect.value_of(payload, "user") or {}
    hint = integration_user_hint(info.username, str(user.get("Name") or info.user_name), profile)
    return _PermContext(connection=info.name, username=info.username, use_case=use_case, mapped=mapped,
                        matched=matched, environment_label=info.environment.label,
                        expects_sandbox=info.environment.expects_sandbox, person_hint=hint)


def _use_case(use_case: str) -> str:
    if use_case not in USE_CASES:
        raise errors.BadInput(f"Unknown use case {use_case!r}.", fix=f"Use one of: {', '.join(USE_CASES)}.",
                              cause="bad_use_case")
    return use_case


def _report_from(info: ConnectionInfo, use_case: str, entry: dict, base: Path | None) -> Report:
    from datetime import UTC, datetime

    checked_at = datetime.fromtimestamp(entry["ran_at"], UTC).replace(microsecond=0).isoformat()
    context = _diagnosis_context(info, use_case, entry["payload"], base)
    return _perm_report.diagnose(entry["payload"], context, checked_at=checked_at)


def diagnose(name: str, *, use_case: str = "enrichment", force: bool = False, actor: Actor | None = None,
             base: Path | None = None) -> Report:
    """The permission diagnosis of a connection for a use case (enrichment: read and edit; audit: read only).

    One diagnosis serves every viewer and both use cases: its answers are cached per connection (tagged,
    so disconnect evicts them) for up to 4 hours; `force` ("Check again", operators only) runs it now.
    A full diagnosis is at most five API calls. Raises a ConsoleError when it cannot run at all.
    """
    use_case = _use_case(use_case)
    if force:
        _require_actor(actor, "run the permission check again")
    root = settings.data_dir(base)
    info = connection(name, base=root)
    if info is None or not info.readable:
        raise Reconnect(f"There is no usable connection named {name!r}.", fix="Connect it from Connect.",
                        cause="not_connected")
    mapped, matched = diagnosis_fields(name, base=root)
    wanted = {obj: tuple(dict.fromkeys((*mapped.get(obj, ()), *matched.get(obj, ())))) for obj in {*mapped, *matched}}

    def usable(entry: dict) -> bool:
        asked = entry["payload"].get("fields_asked") or {}
        return all(set(names) <= set(asked.get(obj, ())) for obj, names in wanted.items())

    def run() -> dict:
        client = open_client(name, base=root)
        return _perm_collect.collect(client, user_id=info.user_id, org_id=info.org_id, fields=wanted)

    entry, _ran = _perm_stored.get_or_run(name, root, run, force=force, usable=usable)
    return _report_from(info, use_case, entry, root)


def last_diagnosis(name: str, *, use_case: str = "enrichment", base: Path | None = None) -> Report | None:
    """The last diagnosis of a connection for a use case, without calling the org (None if it never ran)."""
    root = settings.data_dir(base)
    entry = _perm_stored.last(name, root)
    info = connection(name, base=root)
    if entry is None or info is None or not info.readable:
        return None
    return _report_from(info, _use_case(use_case), entry, root)


def permission_set_file(report: Report) -> tuple[str, str] | None:
    """(file name, Metadata API XML) of the permission set granting exactly what the report found missing."""
    return _perm_set.permission_set(report)


def report_markdown(report: Report) -> str:
    """The report as Markdown (for a ticket to the Salesforce admin)."""
    return _perm_report.to_markdown(report)


def report_json(report: Report) -> str:
    """The report as JSON."""
    return _perm_report.to_json(report)
# --- the guarded writer and the enrichment log (issue 13) --------------------------------------------------



Run = _runlog.Run
WriteOptions = _writer.Options
WriteProgress = _writer.Progress


def apply(connection: str, sobject: str, cells: pd.DataFrame, *, actor: Actor,
          specs: dict[str, FieldSpec] | None = None, trigger: str = "manual", source: str | None = None,
          strict: bool = False, options: WriteOptions | None = None,
          progress: Callable[[WriteProgress], None] | None = None, base: Path | None = None) -> Run:
    """Write approved fill cells (the preview's diff rows: Id, field, proposed) into the fields of `sobject` that
    are still blank in a fresh read, logging every cell; operators only. Returns the run (`done`, or
    `interrupted` with a message; `resume` continues it). `specs` default to a describe made now; `strict`
    makes each record's PATCH conditional on the fresh read, 25 per Composite call. RetryLater when another apply holds the object.
    """
    require_operator(actor, "write to Salesforce")
    root = settings.data_dir(base)
    info = _info(TokenStore(root), connection)
    if info is None:
        raise Reconnect(f"There is no connection named {connection!r}.", fix="Connect it from Connect.",
                        cause="not_connected")
    client = open_client(connection, base=root)
    specs = specs if specs is not None else _field_specs(client.describe(sobject))
    chosen = options or WriteOptions()
    if strict and not chosen.strict:
        chosen = WriteOptions(**{**asdict(chosen), "strict": True})
    target = _writer.Target(connection, sobject, info.org_id or None, info.environment.kind)
    return _writer.apply(client, cells, specs, target=target, actor=actor, trigger=trigger, source=source, base=root,
                         options=chosen, progress=progress)


def resume(run_id: str, *, actor: Actor, options: WriteOptions | None = None,
           progress: Callable[[WriteProgress], None] | None = None, base: Path | None = None) -> Run:
    """Settle an interrupted (or crashed) run: pending cells by reading their records, the rest through the
    guard on a fresh read, so nothing is written twice and every cell ends with one final log row."""
    require_operator(actor, "write to Salesforce")
    root = settings.data_dir(base)
    found = _runlog.get_run(root, run_id)
    if found is None:
        raise errors.BadInput(f"There is no run {run_id!r}.", fix="List the runs with: python -m core runs",
                              cause="no_such_run")
    client = open_client(found.connection, base=root)
    specs = _field_specs(client.describe(found.object))
    return _writer.resume(client, run_id, specs, actor=actor, base=root, options=options, progress=progress)


def runs(*, connection: str | None = None, sobject: str | None = None, state: str | None = None, limit: int = 100,
         base: Path | None = None) -> list[Run]:
    """Runs, newest first (filter by connection, object, state); no org is called. A run whose process died
    mid-apply is reported (and recorded) as interrupted, so it can be resumed."""
    root = settings.data_dir(base)
    found = [_writer.reconcile(root, r) for r in _runlog.list_runs(root, connection=connection, sobject=sobject,
                                                                     limit=limit)]
    return [r for r in found if state is None or r.state == state]


def run(run_id: str, *, base: Path | None = None) -> Run | None:
    """One run with its counts, or None (a run whose process died is reported as interrupted)."""
    root = settings.data_dir(base)
    found = _runlog.get_run(root, run_id)
    return _writer.reconcile(root, found) if found is not None else None


def log_rows(*, base: Path | None = None, **filters: Any) -> pd.DataFrame:
    """Enrichment log rows, newest first: filters run_id, sobject, field, outcome, record_id, since, until,
    limit, offset (see core.logs.runs.rows)."""
    return _runlog.rows(settings.data_dir(base), **filters)
# --- end of the guarded writer block ---------------------------------------------------------------------


# --- approving a preview and writing it (issue 13) ---------------------------------------------------------------

def approved_cells(result: preview_.Preview, *, fields: tuple[str, ...] = (), positions: Any = None) -> pd.DataFrame:
    """The fill cells an operator approves: all of them, or those of `fields`, or those among `positions` (the
    filtered table). Columns Id, field, proposed, name, key — what engine.apply takes."""
    cells = result.cells
    n = max(len(result.records), 1)
    mask = (cells["verdict"] == "fill").to_numpy().copy()
    if fields:
        mask &= cells["field"].isin(fields).to_numpy()
    if positions is not None:
        chosen = np.zeros(len(cells), dtype=bool)
        chosen[positions] = True
        mask &= chosen
    where = np.flatnonzero(mask)
    facts = result.records.iloc[where % n]
    return pd.DataFrame({"Id": cells["Id"].to_numpy()[where], "field": cells["field"].astype(str).to_numpy()[where],
                         "proposed": cells["proposed"].to_numpy()[where], "name": facts["name"].to_numpy(),
                         "key": facts["key"].to_numpy()})


def write_cost(cells: pd.DataFrame) -> tuple[int, int, int]:
    """(records, write calls, fresh-read calls) an apply of these cells costs: ⌈R/200⌉ writes + ⌈R/2,000⌉ reads."""
    records = int(cells["Id"].nunique()) if len(cells) else 0
    return records, -(-records // _writer_batch()), -(-records // _writer_read())


def _writer_batch() -> int:
    return WriteOptions().batch_size


def _writer_read() -> int:
    return WriteOptions().read_size
def _not_revoked(exc: ConsoleError) -> ConsoleError:
    """The error for a disconnect that could not revoke: the record is kept; force forgets it anyway."""
    return type(exc)(f"Could not revoke the sign-in at Salesforce: {exc.message}",
                     fix=exc.fix + " Or disconnect with force to forget it locally (then revoke it in "
                     "Salesforce: Setup → Connected Apps OAuth Usage).", retry_safe=exc.retry_safe,
                     cause=exc.cause, health=exc.health)
# ---- Snapshot, enrichment source and mapping (issue 12) ------------------------------------------------------------
# The shared 4-hour snapshot of Account / Lead / Contact records per connection, the enrichment source chosen per
# connection, and the mapping with its history. Refresh, source changes and mapping saves are operator actions.



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
        _require_actor(actor, "refresh snapshots")
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


connection_mapping = mapping


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


# --- sync triggers and the schedule (issue 13, item 5) -------------------------------------------------------------
# `sync` restricts the preview to one trigger's records (core.sync.triggers) and either reports what it would do (a
# dry run, recorded as a dry-run run) or applies the fill cells; `schedule_round` runs the due syncs of every
# connection and object, writing only where the operator switched automatic apply on.

SYNC_TRIGGERS: tuple[str, ...] = _triggers.TRIGGERS
SYNC_EVERY = 4 * 3600
"""Seconds between two scheduled rounds of one connection and object."""
_CLOCK_MARGIN = timedelta(minutes=5)
"""`new` counts from a little before the last run: a record re-selected is harmless (the guard skips filled cells),
one missed to clock skew would never be enriched."""


@dataclass(frozen=True)
class SyncResult:
    """One sync: the records the trigger covers, their cells' verdicts, what a write costs, and the run (if any)."""

    connection: str
    sobject: str
    trigger: str
    dry_run: bool
    records: int
    verdicts: dict[str, int]
    cost: dict[str, int]
    snapshot_at: str
    run: Run | None = None


@dataclass(frozen=True)
class ScheduleItem:
    """What a scheduled round did for one connection and object: applied, previewed, not_due, refused or failed."""

    connection: str
    sobject: str
    action: str
    auto_apply: bool
    result: SyncResult | None = None
    error: dict[str, Any] | None = None


_apply_cells = apply  # `sync` takes an `apply` flag


def _sync_history(root: Path, name: str, sobject: str) -> _triggers.History:
    since = _sync_state.since(root, name, sobject)
    moment = datetime.fromisoformat(since) - _CLOCK_MARGIN if since else None
    return _triggers.History(since=moment, keys=_sync_state.recorded_keys(root, name, sobject),
                             last_written=_sync_state.last_written(root, name, sobject))


def sync(name: str, sobject: str, *, trigger: str = "new", apply: bool = False, strict: bool = False,
         actor: Actor | None = None, options: WriteOptions | None = None, base: Path | None = None) -> SyncResult:
    """Sync the records of one trigger (new, changed, backfill, refresh, or scheduled = new+changed+refresh).

    Without `apply`: a dry run over the shared snapshot — the verdict counts and the write's cost, recorded as a
    dry-run run; nothing is written. With `apply` (operators): the snapshot is refreshed first, then the fill cells
    are written through engine.apply with `trigger`, and a finished run records the keys the next `changed` compares.
    """
    if trigger not in _triggers.ALL_TRIGGERS:
        raise errors.BadInput(f"There is no trigger {trigger!r}.", fix=f"Use one of {', '.join(_triggers.ALL_TRIGGERS)}.",
                              cause="bad_trigger")
    _object(sobject)
    if apply:
        _require_actor(actor, "write to Salesforce")
    root = settings.data_dir(base)
    snap = snapshot(name, sobject, actor=actor, refresh=apply, base=root)
    view = preview(name, sobject, base=root)
    frame = snapshot_frame(snap, columns=[c for c in ("CreatedDate", *_triggers.KEY_COLUMNS)
                                          if c in dict(snap.fields)], base=root)
    scope = _triggers.select(trigger, frame, _sync_history(root, name, sobject), datetime.now(UTC))
    cells = view.preview.cells
    positions = np.flatnonzero(cells["Id"].isin(scope).to_numpy())
    counted = cells["verdict"].iloc[positions].astype(str).value_counts()
    verdicts = {str(v): int(counted.get(v, 0)) for v in diff.VERDICTS}
    approved = approved_cells(view.preview, positions=positions)
    records, writes, reads = write_cost(approved)
    cost = {"records": records, "write_calls": writes, "read_calls": reads, "api_calls": writes + reads}
    as_of = view.fetched_at.isoformat()
    result = SyncResult(name, sobject, trigger, not apply, len(scope), verdicts, cost, as_of)
    if not apply:
        return replace(result, run=_record_dry_run(root, name, sobject, trigger, actor, result))
    run = None
    if len(approved):
        run = _apply_cells(name, sobject, approved, actor=actor, trigger=trigger, source=view.source,
                                 strict=strict, options=options, base=root)
    if run is None or run.state == "done":
        _sync_state.record_sync(root, connection=name, sobject=sobject, trigger=trigger, as_of=as_of,
                                run_id=run.id if run else None, keys=_triggers.key_values(frame))
    return replace(result, run=run)


def _record_dry_run(root: Path, name: str, sobject: str, trigger: str, actor: Actor | None, result: SyncResult) -> Run:
    info = connection(name, base=root)
    run = _runlog.create_run(root, connection=name, org_id=info.org_id if info else None,
                             environment=info.environment.kind if info else None, sobject=sobject, trigger=trigger,
                             actor=(actor or Actor()).name, dry_run=True,
                             plan=pd.DataFrame(columns=list(_runlog.PLAN_COLUMNS)),
                             options={"records": result.records, "verdicts": result.verdicts, "cost": result.cost,
                                      "snapshot_at": result.snapshot_at})
    return _runlog.update_run(root, run.id, state="done", finished=True,
                              message=f"dry run: {result.verdicts.get('fill', 0)} cells would be filled")


def set_auto_apply(name: str, sobject: str, on: bool, *, actor: Actor, base: Path | None = None) -> None:
    """Switch the schedule's automatic apply on or off for one connection and object (operators); it is due now."""
    _require_actor(actor, "change automatic apply")
    root = settings.data_dir(base)
    if connection(name, base=root) is None:
        raise errors.BadInput(f"There is no connection named {name!r}.", fix="List them with: python -m core connections",
                              cause="not_connected")
    _sync_state.set_auto_apply(root, name, _object(sobject), on, by=actor.name)


def auto_apply_settings(*, base: Path | None = None) -> dict[tuple[str, str], bool]:
    """(connection, object) -> automatic apply on, for every target whose switch was ever set."""
    return {k: v[0] for k, v in _sync_state.schedule_rows(settings.data_dir(base)).items()}


def schedule_round(*, actor: Actor | None = None, only_connection: str | None = None, only_object: str | None = None,
                   base: Path | None = None) -> list[ScheduleItem]:
    """One scheduled round: every readable connection and object due (its last round 4 hours ago or more, or
    never) is synced with the `scheduled` trigger — applied where automatic apply is on, otherwise a dry run
    over a snapshot that is pulled when stale. One target's failure is reported and the others still run."""
    _require_actor(actor, "run the schedule")
    root = settings.data_dir(base)
    rows = _sync_state.schedule_rows(root)
    items = []
    for info in connections(base=root):
        if not info.readable or only_connection not in (None, info.name):
            continue
        for sobject in (only_object,) if only_object else PREVIEW_OBJECTS:
            auto, last = rows.get((info.name, sobject), (False, None))
            started = _runlog.now_iso()
            if last and (datetime.fromisoformat(started) - datetime.fromisoformat(last)).total_seconds() < SYNC_EVERY:
                items.append(ScheduleItem(info.name, sobject, "not_due", auto))
                continue
            try:
                done = sync(info.name, sobject, trigger=_triggers.SCHEDULED, apply=auto, actor=actor, base=root)
                items.append(ScheduleItem(info.name, sobject, "applied" if auto else "previewed", auto, done))
            except ConsoleError as exc:
                action = "refused" if isinstance(exc, errors.NotAllowed) else "failed"
                items.append(ScheduleItem(info.name, sobject, action, auto, error=errors.as_dict(exc)))
            _sync_state.mark_round(root, info.name, sobject, started)
    return items


def next_round_in(*, base: Path | None = None) -> float:
    """Seconds until the next target is due (0 when one already is), for the schedule's loop."""
    rows = _sync_state.schedule_rows(settings.data_dir(base))
    now = datetime.now(UTC)
    waits = [SYNC_EVERY - (now - datetime.fromisoformat(last)).total_seconds() for _, last in rows.values() if last]
    return max(0.0, min(waits)) if waits else float(SYNC_EVERY)
# --- end of sync triggers and the schedule ------------------------------------------------------------------------


# --- undo a run (issue 14): clear what a run wrote, only where the field still holds exactly that value ------------

UndoPreview = _undo.UndoPreview
__all__ += ["UndoPreview", "undo", "undo_preview", "undoable_runs"]


def undoable_runs(connection: str, sobject: str, *, limit: int = 20, base: Path | None = None) -> list[Run]:
    """The latest finished runs of a connection and object that wrote something and were not undone yet, newest
    first: what an Undo can be offered for. No org is called."""
    root = settings.data_dir(base)
    found = _runlog.list_runs(root, connection=connection, sobject=sobject, state="done", limit=limit * 2)
    return [r for r in found if r.trigger != "undo" and r.counts.get("written") and not _undo_log.undoes(root, r.id)
            ][:limit]


def _undo_client(run_id: str, root: Path) -> tuple[Run, OrgClient, dict[str, FieldSpec]]:
    found = _undo.undoable(root, run_id)
    client = open_client(found.connection, base=root)
    return found, client, _field_specs(client.describe(found.object))


def undo_preview(run_id: str, *, base: Path | None = None) -> UndoPreview:
    """What undoing a run would do now: per cell it wrote, the value written, the value the record holds now
    (one fresh read per 2,000 records) and the action — `clear` where it still holds exactly that value,
    `skipped_nonblank` where someone changed it since. Nothing is written; viewers may look too."""
    root = settings.data_dir(base)
    _found, client, specs = _undo_client(run_id, root)
    return _undo.preview(client, run_id, specs, base=root)


def undo(run_id: str, *, actor: Actor, options: WriteOptions | None = None,
         progress: Callable[[WriteProgress], None] | None = None, base: Path | None = None) -> Run:
    """Undo a finished run: a new run (trigger `undo`) that sets each value the run wrote back to blank where the
    field still holds exactly that value on a fresh read, leaves a value changed since alone (`skipped_nonblank`,
    both values in its message), and logs every cell. Operators only; `resume` continues an interrupted undo."""
    require_operator(actor, "undo a run")
    root = settings.data_dir(base)
    _found, client, specs = _undo_client(run_id, root)
    return _undo.start(client, run_id, specs, actor=actor, base=root, options=options, progress=progress)
# --- end of the undo block ----------------------------------------------------------------------------------------


# --- who did what (issue 14): every state-changing action is refused to viewers in core and recorded with its actor ---


__all__ += ["ACTIONS", "actions"]
_actions_log = _logging.getLogger(__name__)


def _recorded(action: str, target: Callable[[tuple, dict, Any], str | None],
              only_if: Callable[[dict], bool] = lambda kwargs: True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap an engine action so each call is recorded (done, refused or failed) with its actor and role."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @_functools.wraps(fn)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            if not only_if(kwargs):
                return fn(*args, **kwargs)
            actor = kwargs.get("actor") or Actor(None)
            outcome, detail, result = "done", None, None
            try:
                result = fn(*args, **kwargs)
                if isinstance(result, Run):
                    detail = f"run {result.id}: {result.state}"
                return result
            except _NotAllowed as exc:
                outcome, detail = "refused", exc.message
                raise
            except Exception as exc:
                outcome = "failed"
                detail = exc.message if isinstance(exc, ConsoleError) else f"{type(exc).__name__}: {exc}"
                raise
            finally:
                try:
                    _actions.record(settings.data_dir(kwargs.get("base")), actor=actor.name,
                                    role=_resolve_role(actor.identity).role, action=action,
                                    target=target(args, kwargs, result), outcome=outcome, detail=detail)
                except (_sqlite3.Error, OSError):  # the action stands; the record's loss is logged, never hidden
                    _actions_log.exception("could not record the %s action of %s", action, actor.name)
        return recorded
    return wrap


def _acted_on_first(args: tuple, kwargs: dict, result: Any) -> str | None:
    return str(args[0]) if args else None


def _acted_on_connection(args: tuple, kwargs: dict, result: Any) -> str | None:
    return getattr(result, "name", None) or kwargs.get("name") or (str(args[0]) if args else None)


def _acted_on_object(args: tuple, kwargs: dict, result: Any) -> str | None:
    return f"{args[0]}/{args[1]}" if len(args) > 1 else None


# Every engine function that changes state, with how its record names it and what it acted on. Each one refuses
# a viewer in core (require_operator); a new action (and its test in tests/unit/test_who_may_act.py) belongs here.
# Functions another room has not brought to this tree yet are skipped, so the table can name them ahead of time.
_ACTION_TABLE: tuple[tuple[str, str, Callable[[tuple, dict, Any], str | None], Callable[[dict], bool]], ...] = (
    ("begin_login", "begin sign-in", _acted_on_connection, lambda kwargs: True),
    ("complete_login", "connect", _acted_on_connection, lambda kwargs: True),
    ("connect_password_demo", "connect", _acted_on_connection, lambda kwargs: True),
    ("connect_jwt", "connect", _acted_on_connection, lambda kwargs: True),
    ("disconnect", "disconnect", _acted_on_first, lambda kwargs: True),
    ("diagnose", "check permissions again", _acted_on_first, lambda kwargs: bool(kwargs.get("force"))),
    ("snapshot", "refresh", _acted_on_object, lambda kwargs: bool(kwargs.get("refresh"))),
    ("use_demo_source", "change source", _acted_on_first, lambda kwargs: True),
    ("use_file_source", "change source", _acted_on_first, lambda kwargs: True),
    ("use_http_source", "change source", _acted_on_first, lambda kwargs: True),
    ("save_mapping", "save mapping", _acted_on_object, lambda kwargs: True),
    ("restore_mapping", "restore mapping", _acted_on_object, lambda kwargs: True),
    ("apply", "apply", _acted_on_object, lambda kwargs: True),
    ("resume", "resume", _acted_on_first, lambda kwargs: True),
    ("undo", "undo", _acted_on_first, lambda kwargs: True),
    ("after_write", "refresh after a write", _acted_on_object, lambda kwargs: True),
    ("sync", "sync", _acted_on_object, lambda kwargs: bool(kwargs.get("apply"))),
    ("set_auto_apply", "switch automatic apply", _acted_on_object, lambda kwargs: True),
    ("schedule_round", "run the schedule", lambda args, kwargs, result: kwargs.get("only_connection"),
     lambda kwargs: True),
)
ACTIONS: tuple[str, ...] = tuple(name for name, *_ in _ACTION_TABLE if name in globals())
"""The state-changing engine functions in this tree: each refuses a viewer in core and is recorded with its actor."""


def _record_actions(names: dict[str, Any]) -> None:
    """Replace each action of the table found in `names` (this module's globals) by its recorded version."""
    for name, label, target, only_if in _ACTION_TABLE:
        if name in names:
            names[name] = _recorded(label, target, only_if)(names[name])


_record_actions(globals())


def actions(*, actor: str | None = None, action: str | None = None, limit: int = 100,
            base: Path | None = None) -> pd.DataFrame:
    """The latest recorded actions, newest first: time, actor, role, action, target, outcome, detail."""
    return _actions.recent(settings.data_dir(base), actor=actor, action=action, limit=limit)
# --- end of who did what --------------------------------------------------------------------------------------------


# --- the logs page, provenance and audits (issue 14: items 1, 3 and 5) ------------------------------------------

LogFilter = _logq.Filter
LOG_OUTCOMES: tuple[str, ...] = _runlog.OUTCOMES
LOG_EXPORT_FORMATS: tuple[str, ...] = _log_export.FORMATS
PROVENANCE_STATUSES: dict[str, str] = _provenance.STATUSES
log_day = _logq.day
log_until_day = _logq.until_day


def log_count(filters: LogFilter, *, base: Path | None = None) -> int:
    """How many enrichment log rows pass the filters (counted in SQLite)."""
    return _logq.count(settings.data_dir(base), filters)


def _instance_urls(root: Path) -> dict[str, str]:
    """The instance URL of each stored connection (no network call), to link rows to their records."""
    return {info.name: info.instance_url for info in connections(base=root) if info.instance_url}


def log_page(filters: LogFilter, *, offset: int = 0, limit: int = 200, base: Path | None = None) -> pd.DataFrame:
    """One page of the filtered log rows, newest first (filtered and paged in SQLite), with each row's connection,
    environment and `link` to its record in Salesforce ({instance_url}/{record_id}; None when the connection that
    wrote it is gone)."""
    root = settings.data_dir(base)
    rows = _logq.page(root, filters, offset=offset, limit=limit)
    urls = _instance_urls(root) if len(rows) else {}
    hosts = rows["connection"].map(lambda name: urls.get(name) if isinstance(name, str) else None)
    rows["link"] = [f"{h.rstrip('/')}/{r}" if h else None for h, r in zip(hosts, rows["record_id"], strict=True)]
    return rows


def log_facets(*, base: Path | None = None) -> dict[str, list[str]]:
    """The values the log's filters can take: connections, environments, objects, triggers, actors, fields."""
    return _logq.facets(settings.data_dir(base))


def log_version(*, base: Path | None = None) -> int:
    """A number that grows with the log (its newest row id): a cache key for charts and exports."""
    return _logq.version(settings.data_dir(base))


def log_runs(filters: LogFilter, *, limit: int = 50, base: Path | None = None) -> list[Run]:
    """The runs behind the filtered rows, newest first (trigger, actor, counts, API calls, state); a run whose
    process died is reported as interrupted."""
    root = settings.data_dir(base)
    return [_writer.reconcile(root, r) for r in _logq.runs(root, filters, limit=limit)]


def log_per_day(filters: LogFilter, *, base: Path | None = None) -> pd.DataFrame:
    """Settled rows per UTC day and outcome: day, outcome, rows."""
    return _logcharts.per_day(settings.data_dir(base), filters)


def log_fill_rates(filters: LogFilter, *, base: Path | None = None) -> pd.DataFrame:
    """Per UTC day and field: settled cells, written cells and the fill rate (written / settled)."""
    return _logcharts.fill_rates(settings.data_dir(base), filters)


def log_charts(filters: LogFilter, *, top: int = 10, base: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                      pd.DataFrame]:
    """(per day and outcome, fill rates per day and field, failure codes) for the filters, from one pass over the
    settled rows and one over those not written."""
    root = settings.data_dir(base)
    parts = _logcharts.breakdown(root, filters)
    return (_logcharts.per_day(root, filters, parts), _logcharts.fill_rates(root, filters, parts),
            _logcharts.failures(root, filters, top=top))


def log_failures(filters: LogFilter, *, top: int = 10, base: Path | None = None) -> pd.DataFrame:
    """The most frequent reasons cells were not written: code, outcome, rows, most frequent message."""
    return _logcharts.failures(settings.data_dir(base), filters, top=top)


def export_log(filters: LogFilter, fmt: str, out: Any = None, *, base: Path | None = None) -> Any:
    """The filtered rows as csv, parquet or json, streamed from SQLite in chunks: written to the binary stream
    `out` (returns the row count), or returned as bytes when `out` is None."""
    if fmt not in _log_export.FORMATS:
        raise errors.BadInput(f"Unknown export format {fmt!r}.", fix=f"Use one of: {', '.join(_log_export.FORMATS)}.",
                              cause="bad_format")
    root = settings.data_dir(base)
    if out is None:
        return _log_export.to_bytes(root, filters, fmt)
    return _log_export.write(root, filters, fmt, out)


def _read_current(root: Path, connection: str, sobject: str, record_id: str, logged: list[str]) -> dict[str, Any]:
    """The record's mapped and logged fields as Salesforce holds them now (a describe and one retrieve)."""
    from core.enrich.mapping import SUPPORTED_OBJECTS

    client = open_client(connection, base=root)
    readable = _field_specs(client.describe(sobject))
    mapped = list(default_mapping(sobject).field_names()) if sobject in SUPPORTED_OBJECTS else []
    wanted = [f for f in dict.fromkeys([*mapped, *logged]) if f in readable and f != "Id"]
    [record] = client.retrieve_records(sobject, [record_id], wanted or ["Id"])
    if record is None:
        raise errors.BadInput(f"The {sobject} record {record_id} was not found: deleted, merged, or not visible to "
                              "this connection's user.", fix="Check the record Id, or look it up in Salesforce.",
                              cause="no_such_record")
    return {f: record.get(f) for f in wanted}


def provenance(connection: str, sobject: str, record_id: str, *, current: dict[str, Any] | None = None,
               base: Path | None = None) -> pd.DataFrame:
    """For each field of one record: its value now and whether the console wrote it (status: console, changed,
    cleared, not_console, not_read — PROVENANCE_STATUSES), with the run, time, source, actor and trigger of the
    console's last write. `current` (field -> value, e.g. the preview's current values) skips the read;
    without it the record is read from Salesforce now (a describe and one retrieve)."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?", record_id or ""):
        raise errors.BadInput(f"{record_id!r} is not a Salesforce record Id.", fix="Use the 15- or 18-character Id.",
                              cause="bad_id")
    root = settings.data_dir(base)
    info = _info(TokenStore(root), connection)
    org_id = info.org_id if info is not None and info.org_id else None
    writes = _logq.record_writes(root, sobject=sobject, record_id=record_id, connection=connection, org_id=org_id)
    if current is None:
        if info is None:
            raise Reconnect(f"There is no connection named {connection!r}.", fix="Connect it from Connect.",
                            cause="not_connected")
        current = _read_current(root, connection, sobject, record_id, [str(f) for f in writes["field"]])
    return _provenance.judge(current, writes, fields=list(current))
# --- end of the logs page, provenance and audits block ------------------------------------------------------------

