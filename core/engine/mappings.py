"""The objects the console enriches and each connection's mapping of them, with its history."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from core import errors, settings
from core.enrich import mapping as mappings
from core.enrich import mapping_table
from core.enrich.mapping import Mapping, MappingError
from core.enrich.mapping_lint import Finding
from core.logs import mappings as saved_mappings
from core.logs.mappings import MappingVersion
from core.roles import Actor, require_operator

# ---- Snapshot, enrichment source and mapping (issue 12): the objects and the mapping with its history ------------

SNAPSHOT_OBJECTS: tuple[str, ...] = mappings.SUPPORTED_OBJECTS


def _object(sobject: str) -> str:
    if sobject not in SNAPSHOT_OBJECTS:
        raise errors.BadInput(f"{sobject!r} is not an object the console enriches.",
                              fix=f"Use one of {', '.join(SNAPSHOT_OBJECTS)}.", cause="bad_object")
    return sobject


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
