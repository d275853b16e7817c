"""The shared 4-hour snapshot of a connection's records, the describe it reads by, and mapping samples."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from core import cache as shared_cache
from core import errors, settings
from core.engine.mappings import _object, mapping
from core.engine.orgs import _require_actor, open_client
from core.engine.sources import source_provider
from core.enrich import mapping as mappings
from core.enrich import matching
from core.enrich.mapping import Mapping
from core.enrich.providers import Provider
from core.fields import field_specs
from core.logs import mappings as saved_mappings
from core.roles import Actor
from core.sync import diff
from core.sync import snapshot as snapshots
from core.sync.snapshot import Policy, Snapshot

# ---- Snapshot, enrichment source and mapping (issue 12) ------------------------------------------------------------
# The shared 4-hour snapshot of Account / Lead / Contact records per connection, the enrichment source chosen per
# connection, and the mapping with its history. Refresh, source changes and mapping saves are operator actions.


KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "Account": ("Id", "Name", "Website", "OwnerId", "CreatedDate", "SystemModstamp"),
    "Lead": ("Id", "Name", "Company", "Email", "Website", "OwnerId", "CreatedDate", "SystemModstamp"),
    "Contact": ("Id", "Name", "Email", "AccountId", "OwnerId", "CreatedDate", "SystemModstamp"),
}
"""Read with every snapshot besides the mapped fields: Id, what matching reads, the record's name, owner and dates."""
describe_age = snapshots.describe_age


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
