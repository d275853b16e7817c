"""The facade that pages, the CLI and notebooks call: one module per stage, every name handed on from here.

Every function finds the data directory through settings.data_dir() (CONSOLE_DATA_DIR) unless a
`base` is given. Actions that change state take an Actor and refuse anyone but an operator.

Callers write `from core import engine` and `engine.x`, whichever module x lives in: orgs (connections, health,
usage, disconnect), previews, diagnosis (permissions), writes (the guarded writer, approving a preview), mappings,
sources, snapshots, counts (what the org counts itself), schedule (sync triggers), undoing, action_log (who did
what) and audit (the logs page, provenance).
"""
from __future__ import annotations

import sys

from core.connect.connections import ApiUsage, ConnectedApp, ConnectionInfo, Health
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
from core.engine.action_log import _ACTION_TABLE, _record_actions, _recorded, actions
from core.engine.audit import (
    LOG_EXPORT_FORMATS,
    LOG_OUTCOMES,
    LOG_STORED_OUTCOMES,
    PROVENANCE_STATUSES,
    LogFilter,
    export_log,
    log_charts,
    log_count,
    log_day,
    log_facets,
    log_failures,
    log_fill_rates,
    log_page,
    log_per_day,
    log_runs,
    log_until_day,
    log_version,
    provenance,
    run_counts,
)
from core.engine.counts import field_fill, record_totals
from core.engine.diagnosis import (
    diagnose,
    diagnosis_fields,
    last_diagnosis,
    permission_set_file,
    report_json,
    report_markdown,
)
from core.engine.mappings import (
    SNAPSHOT_OBJECTS,
    connection_mapping,
    default_mapping,
    lint_mapping,
    mapping,
    mapping_checks,
    mapping_from_rows,
    mapping_history,
    mapping_rows,
    parse_mapping,
    restore_mapping,
    save_mapping,
    schema_describe,
)
from core.engine.orgs import (
    Disconnected,
    api_usage,
    check_health,
    connection,
    connections,
    disconnect,
    last_health,
    open_client,
)
from core.engine.previews import (
    PREVIEW_OBJECTS,
    PreviewFilters,
    PreviewView,
    after_write,
    age_text,
    cells_page,
    fill_rates,
    forget_previews,
    preview,
    preview_owners,
    preview_record,
    records_to_write,
    select_cells,
)
from core.engine.schedule import (
    SYNC_EVERY,
    SYNC_TRIGGERS,
    AutoApply,
    ScheduleItem,
    SyncResult,
    auto_apply,
    auto_apply_settings,
    next_round_in,
    schedule_round,
    set_auto_apply,
    sync,
)
from core.engine.snapshots import (
    KEY_FIELDS,
    describe,
    describe_age,
    mapping_sample,
    snapshot,
    snapshot_frame,
    snapshot_status,
    snapshot_table,
    snapshot_version,
)
from core.engine.sources import (
    enrichment_source,
    source_provider,
    try_source,
    use_demo_source,
    use_file_source,
    use_http_source,
)
from core.engine.undoing import UndoPreview, undo, undo_preview, undo_refusal, undoable_runs, undone_by
from core.engine.writes import (
    Run,
    WriteOptions,
    WriteProgress,
    apply,
    approval_key,
    approved_cells,
    log_rows,
    resume,
    run,
    runs,
    write_cost,
)
from core.enrich.mapping import Mapping
from core.enrich.mapping_lint import Finding
from core.enrich.sources import SourceFileError, SourceSettings
from core.errors import ConsoleError
from core.fields import field_specs as _field_specs
from core.logs.mappings import MappingVersion
from core.permissions.model import USE_CASES
from core.permissions.report import Report
from core.roles import Actor
from core.sync.org_counts import FillCounts
from core.sync.snapshot import Policy, Snapshot

__all__ = [
    "Actor", "ApiUsage", "ConnectedApp", "ConnectionInfo", "ConsoleError", "Environment", "Health",
    "api_usage", "begin_login", "check_connection_name", "check_health", "complete_login", "complete_login_error", "connect_jwt",
    "connect_password_demo", "connected_app_from_env", "connection", "connections", "disconnect",
    "environment", "last_health", "my_domain_warnings", "open_client",
]
__all__ += ["USE_CASES", "Report", "diagnose", "diagnosis_fields", "last_diagnosis", "permission_set_file",
            "report_json", "report_markdown"]
__all__ += [
    "Finding", "Mapping", "MappingVersion", "Policy", "Snapshot", "SourceFileError", "SourceSettings", "SNAPSHOT_OBJECTS",
    "default_mapping", "describe", "describe_age", "enrichment_source", "lint_mapping", "mapping", "mapping_checks",
    "mapping_from_rows", "mapping_history", "mapping_rows", "mapping_sample", "parse_mapping", "restore_mapping",
    "save_mapping", "schema_describe", "snapshot", "snapshot_frame", "snapshot_status", "snapshot_table",
    "snapshot_version", "source_provider", "try_source", "use_demo_source", "use_file_source", "use_http_source",
]
__all__ += ["FillCounts", "field_fill", "record_totals"]
__all__ += ["UndoPreview", "undo", "undo_preview", "undoable_runs"]
__all__ += ["Disconnected", "AutoApply", "auto_apply", "undo_refusal", "undone_by"]
__all__ += ["ACTIONS", "actions"]

# --- who did what (issue 14): each action of core/engine/action_log.py's table is recorded, here and wherever an
# engine module calls it (after_write's refresh, sync's snapshot, the round's sync), as when the engine was one module.
ACTIONS: tuple[str, ...] = tuple(name for name, *_ in _ACTION_TABLE if name in globals())
"""The state-changing engine functions in this tree: each refuses a viewer in core and is recorded with its actor."""

_record_actions(globals(), [module for name, module in list(sys.modules.items()) if name.startswith(f"{__name__}.")])
