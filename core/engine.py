"""The facade that pages, the CLI and notebooks call: connect, list, check, measure and disconnect orgs.

Every function finds the data directory through settings.data_dir() (CONSOLE_DATA_DIR) unless a
`base` is given. Actions that change state take an Actor and refuse anyone but an operator.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
from core.enrich.mapping import Mapping, default_mapping
from core.enrich.providers.demo import DemoProvider
from core.errors import ConsoleError, Reconnect
from core.fields import FieldSpec, field_specs
from core.fields import field_specs as _field_specs
from core.logs import runs as _runlog
from core.permissions import collect as _perm_collect
from core.permissions import permset as _perm_set
from core.permissions import report as _perm_report
from core.permissions import stored as _perm_stored
from core.permissions.model import USE_CASES
from core.permissions.model import Context as _PermContext
from core.permissions.report import Report
from core.roles import Actor, require_operator
from core.salesforce import OrgClient
from core.sync import writer as _writer

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
_KEY_FIELDS = ("Website", "Email", "Name", "Company", "LastName", "OwnerId")
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


def _preview_records(client: OrgClient, sobject: str, fields: list[str]) -> tuple[pd.DataFrame, datetime]:
    """The records a preview judges: Id, the mapped fields, the key and name fields and OwnerId, as readable."""
    readable = set(field_specs(client.describe(sobject)))
    columns = list(dict.fromkeys(["Id", *(f for f in [*fields, *_KEY_FIELDS] if f in readable)]))
    rows = [row for page in client.query_pages(f"SELECT {', '.join(columns)} FROM {sobject}") for row in page]
    frame = pd.DataFrame(rows, columns=["attributes", *columns]).drop(columns="attributes").set_index("Id")
    return frame, datetime.now(UTC)


def preview(name: str, sobject: str, *, base: Path | None = None) -> PreviewView:
    """What a sync of `sobject` would do for connection `name`: every (record, field) cell with its verdict.

    Nothing is written. The mapping is the default for the object and the source the demo source; one
    preview per connection, object and data version is kept in this process, so viewers share it.
    """
    if sobject not in PREVIEW_OBJECTS:
        raise errors.BadInput(f"There is no preview for {sobject!r}.",
                              fix=f"Choose one of {', '.join(PREVIEW_OBJECTS)}.", cause="unknown_object")
    root = settings.data_dir(base)
    client = open_client(name, base=root)
    plan = default_mapping(sobject)
    specs = field_specs(client.describe(sobject))
    provider = DemoProvider()
    key = (root, name, sobject, plan.to_json(), provider.name)
    with _previews_guard:
        cached = _previews.get(key)
    if cached is not None:
        return cached
    current, fetched_at = _preview_records(client, sobject, list(plan.field_names()))
    for missing in (f for f in plan.field_names() if f not in current.columns):
        current[missing] = pd.Series(pd.NA, index=current.index, dtype="string")  # unreadable: no_access
    view = PreviewView(preview_.build(current, sobject, plan, provider, specs), fetched_at, client.instance_url,
                       provider.name, plan)
    with _previews_guard:
        _previews[key] = view
    return view


def forget_previews(name: str | None = None) -> None:
    """Drop this process's kept previews (of one connection, or all): the next preview reads again."""
    with _previews_guard:
        for key in [k for k in _previews if name is None or k[1] == name]:
            del _previews[key]


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

    The mapping is the connection's saved one when it exists, else mapping.default_mapping. Saved mappings
    arrive with core/logs; until then this is the one place to point at them.
    """
    from core.enrich import mapping, matching  # pandas-heavy: imported when a diagnosis needs them

    mapped = {obj: mapping.default_mapping(obj).field_names() for obj in mapping.SUPPORTED_OBJECTS}
    matched = {obj: matching.key_fields(obj) for obj in mapping.SUPPORTED_OBJECTS}
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
        require_operator(actor or Actor(None), "run the permission check again")
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
    sends one conditional PATCH per record (small runs). RetryLater when another apply holds the object.
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


# --- the logs page, provenance and audits (issue 14: items 1, 3 and 5) ------------------------------------------
from core.logs import charts as _logcharts  # noqa: E402
from core.logs import export as _log_export  # noqa: E402
from core.logs import queries as _logq  # noqa: E402
from core.sync import provenance as _provenance  # noqa: E402

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
