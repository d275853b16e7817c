"""SOQL value functions: toLabel() (picklist labels) and FORMAT() (en_US formatting, as the org's default locale)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

LABELLED = frozenset({"picklist", "multipicklist", "combobox"})
_INTS = frozenset({"int", "long"})


def to_label(describe: dict) -> Callable[[Any], Any] | None:
    """value -> its picklist label (multi-select values label by label); None when the field has no labels."""
    if str(describe.get("type", "")).lower() not in LABELLED:
        return None
    labels = {p["value"]: p.get("label") or p["value"] for p in describe.get("picklistValues") or []}
    if describe.get("type") == "multipicklist":
        return lambda v: None if v is None else ";".join(labels.get(x, x) for x in str(v).split(";"))
    return lambda v: None if v is None else labels.get(v, v)


def _number(value: float, scale: int) -> str:
    return f"{value:,.{scale}f}"


def _date(text: str) -> str:
    year, month, day = text[:10].split("-")
    return f"{int(month)}/{int(day)}/{int(year)}"


def _time(text: str) -> str:
    hour, minute = int(text[:2]), text[3:5]
    return f"{hour % 12 or 12}:{minute} {'AM' if hour < 12 else 'PM'}"


def formatter(field_type: str, scale: int | None = None) -> Callable[[Any], Any]:
    """value -> the text FORMAT() answers for a field type in the en_US locale (UTC), e.g. $44,000.00, 4/10/2025, 3:31 PM.

    Types FORMAT does not localise (text, picklists, booleans, Ids) come back unchanged.
    """
    kind = field_type.lower()
    digits = 0 if scale is None else int(scale)

    def fmt(value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if kind in _INTS:
            return _number(float(value), 0)
        if kind == "currency":
            text = _number(abs(float(value)), digits if scale is not None else 2)
            return f"-${text}" if float(value) < 0 else f"${text}"
        if kind == "percent":
            return _number(float(value), digits) + "%"
        if kind == "double":
            return _number(float(value), digits)
        if kind == "date":
            return _date(str(value))
        if kind == "datetime":
            return f"{_date(str(value))}, {_time(str(value)[11:16])}"
        if kind == "time":
            return _time(str(value))
        return value

    return fmt
