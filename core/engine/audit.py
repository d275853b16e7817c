"""The logs page, provenance and audits: the enrichment log filtered, paged, charted and exported."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from core import errors, settings
from core.connect.tokens import TokenStore
from core.engine.mappings import default_mapping
from core.engine.orgs import _info, connections, open_client
from core.engine.writes import Run
from core.errors import Reconnect
from core.fields import field_specs as _field_specs
from core.logs import charts as _logcharts
from core.logs import export as _log_export
from core.logs import queries as _logq
from core.logs import runs as _runlog
from core.sync import provenance as _provenance
from core.sync import writer as _writer

# --- the logs page, provenance and audits (issue 14: items 1, 3 and 5) ------------------------------------------

LogFilter = _logq.Filter
# the outcomes a person reads and filters by: the stored ones plus `undone` (an undo run's clears, stored as written)
LOG_OUTCOMES: tuple[str, ...] = _logq.SHOWN_OUTCOMES
LOG_STORED_OUTCOMES: tuple[str, ...] = _runlog.OUTCOMES
LOG_EXPORT_FORMATS: tuple[str, ...] = _log_export.FORMATS
PROVENANCE_STATUSES: dict[str, str] = _provenance.STATUSES
log_day = _logq.day
log_until_day = _logq.until_day


def run_counts(run: Run) -> dict[str, int]:
    """A run's outcome counts as a person reads them: an undo run's written cells show as `undone` (cleared)."""
    return _logq.shown_counts(run.trigger, run.counts)


def log_count(filters: LogFilter, *, base: Path | None = None) -> int:
    """How many log rows pass the filters (counted in SQLite): one per cell — its final row, or its pending row when
    it never settled — unless `filters.write_ahead`, which counts the pending row logged before each write too."""
    return _logq.count(settings.data_dir(base), filters)


def _instance_urls(root: Path) -> dict[str, str]:
    """The instance URL of each stored connection (no network call), to link rows to their records."""
    return {info.name: info.instance_url for info in connections(base=root) if info.instance_url}


def log_page(filters: LogFilter, *, offset: int = 0, limit: int = 200, base: Path | None = None) -> pd.DataFrame:
    """One page of the filtered log rows, newest first (filtered and paged in SQLite), with each row's connection,
    environment, `shown` outcome (`undone` for an undo run's clears, else the stored outcome) and `link` to its record
    in Salesforce ({instance_url}/{record_id}; None when the connection that wrote it is gone)."""
    root = settings.data_dir(base)
    rows = _logq.page(root, filters, offset=offset, limit=limit)
    rows["shown"] = _logq.shown_outcomes(rows)
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
