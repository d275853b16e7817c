"""Permission diagnostics: can this connection's user do what the use case needs."""
from __future__ import annotations

from pathlib import Path

from core import errors, settings
from core.connect.connections import ConnectionInfo
from core.engine.mappings import connection_mapping
from core.engine.orgs import _require_actor, connection, open_client
from core.errors import Reconnect
from core.permissions import collect as _perm_collect
from core.permissions import permset as _perm_set
from core.permissions import report as _perm_report
from core.permissions import stored as _perm_stored
from core.permissions.model import USE_CASES
from core.permissions.model import Context as _PermContext
from core.permissions.report import Report
from core.roles import Actor

# -- permission diagnostics (issue 11): can this user do what the use case needs ---------------------------------


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
