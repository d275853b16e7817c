"""The mapping as an editable table (attribute, field, transform, options) and the linter's findings per row."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from core.enrich.mapping import Mapping, MappingError
from core.enrich.mapping_lint import Finding

COLUMNS: tuple[str, ...] = ("attribute", "field", "transform", "options")


def rows(plan: Mapping) -> pd.DataFrame:
    """One row per mapping entry; options as compact JSON text ("" when there are none)."""
    data = {
        "attribute": [f.attribute for f in plan.fields],
        "field": [f.field for f in plan.fields],
        "transform": [f.transform or "" for f in plan.fields],
        "options": [json.dumps(f.options, ensure_ascii=False, sort_keys=True) if f.options else "" for f in plan.fields],
    }
    return pd.DataFrame(data, dtype="string")


def _text(value: Any) -> str:
    """A cell as stripped text ("" for None / NaN / <NA>)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def from_rows(sobject: str, table: pd.DataFrame, placeholders: Sequence[str]) -> Mapping:
    """Read an edited table back into a Mapping, validated exactly as an imported JSON file is.

    Rows with neither attribute nor field are ignored (the editor's empty new row). A problem raises
    MappingError naming the table row (1-based) and the fix.
    """
    entries: list[dict[str, Any]] = []
    for number, (_, row) in enumerate(table.iterrows(), start=1):
        attribute, field, transform, options = (_text(row.get(c)) for c in COLUMNS)
        if not attribute and not field and not options:
            continue
        entry: dict[str, Any] = {"attribute": attribute, "field": field}
        if transform:
            entry["transform"] = transform
        if options:
            try:
                entry["options"] = json.loads(options)
            except json.JSONDecodeError as exc:
                raise MappingError(f"row {number}: options are not valid JSON ({exc.msg} at column {exc.colno})",
                                   'write options as a JSON object, e.g. {"length": 40}') from None
        entries.append(entry)
    doc = {"version": 1, "sobject": sobject, "placeholders": list(placeholders), "fields": entries}
    try:
        return Mapping.from_json(json.dumps(doc))
    except MappingError as exc:
        raise MappingError(_row_numbers(exc.message), exc.fix) from None


def _row_numbers(message: str) -> str:
    """'fields[2]: …' as 'row 3: …' (the table counts from 1)."""
    if message.startswith("fields["):
        index, _, rest = message[len("fields["):].partition("]")
        if index.isdigit():
            return f"row {int(index) + 1}{rest}"
    return message


def findings_per_row(plan: Mapping, findings: Sequence[Finding]) -> list[str]:
    """For each mapping entry, its findings as one line ("error: …; warning: …"), "ok" when there are none."""
    out = []
    for fmap in plan.fields:
        mine = [f for f in findings if f.field == fmap.field and f.attribute in (fmap.attribute, "")]
        out.append("; ".join(f"{f.level}: {f.message}" for f in mine) or "ok")
    return out


def with_findings(plan: Mapping, findings: Sequence[Finding]) -> pd.DataFrame:
    """The table plus a 'check' column: the linter's words beside each row."""
    table = rows(plan)
    table["check"] = pd.array(findings_per_row(plan, findings), dtype="string")
    return table

