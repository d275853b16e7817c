"""Provenance: for each field of one record, whether the value it holds now is the one the console wrote.

Pure over plain data: the record's current values (as read, or the preview's display text) and the
console's last write per field (core.logs.queries.record_writes). Values are compared as the console
renders them (250.0 reads "250", booleans true/false), numbers by value, and blanks (null, empty, white
space, placeholders) alike.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from core.sync.guard import DEFAULT_PLACEHOLDERS
from core.sync.guard_values import text, to_arrow

STATUSES: dict[str, str] = {
    "console": "holds the value the console wrote",
    "changed": "the console wrote a value; the field holds another one now",
    "cleared": "the console wrote a value; the field is blank now",
    "undone": "the console wrote a value, then an undo run cleared it",
    "not_console": "the console never wrote this field of this record",
    "not_read": "the field could not be read now",
}
COLUMNS: tuple[str, ...] = ("field", "current", "status", "written", "time", "run_id", "source", "actor", "trigger",
                            "last_outcome", "last_attempt")


def _display(values: Sequence[Any]) -> list[str | None]:
    """Values as the console shows them (the preview's and the log's rendering)."""
    return text(to_arrow(pd.Series(list(values), dtype=object))).to_pylist() if len(values) else []


def _blank(value: Any, placeholders: Sequence[str]) -> bool:
    """None, NaN (a null read back from the log), empty, white space or a placeholder."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    said = str(value).strip()
    return not said or said.lower() in {p.lower() for p in placeholders}


def _number(value: str) -> float | None:
    try:
        return float(value.strip())
    except ValueError:
        return None


def same(current: str | None, written: str | None, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> bool:
    """Whether a current value (display text) is the written one: equal text, equal numbers, or both blank."""
    if _blank(current, placeholders) or _blank(written, placeholders):
        return _blank(current, placeholders) and _blank(written, placeholders)
    current, written = str(current), str(written)
    if current.strip() == written.strip():
        return True
    a, b = _number(current), _number(written)
    return a is not None and b is not None and a == b


def judge(current: Mapping[str, Any], writes: pd.DataFrame, *, fields: Sequence[str] = (),
          placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> pd.DataFrame:
    """One row per field (those of `fields`, then those read, then those in the log): its current value, the
    status (STATUSES) and, where the console wrote it, the value, time, run, source, actor and trigger.

    current: field -> value now (a field absent here was not read). writes: record_writes' frame.
    """
    by_field = writes.set_index("field") if len(writes) else pd.DataFrame(columns=list(COLUMNS[3:])).rename_axis("field")
    names = list(dict.fromkeys([*fields, *current, *by_field.index.astype(str)]))
    shown = dict(zip(list(current), _display(list(current.values())), strict=True))
    rows = []
    for name in names:
        log = by_field.loc[name] if name in by_field.index else None
        wrote = log is not None and isinstance(log.get("time"), str)
        now = shown.get(name)
        if name not in current:
            status = "not_read"
        elif not wrote:
            status = "not_console"
        elif log.get("trigger") == "undo":  # type: ignore[union-attr]  # the console's last write cleared it
            status = "undone" if _blank(now, placeholders) else "changed"
        elif same(now, log["after"], placeholders):  # type: ignore[index]
            status = "console"
        else:
            status = "cleared" if _blank(now, placeholders) else "changed"
        facts = {k: (log.get(k) if log is not None else None) for k in ("time", "run_id", "source", "actor", "trigger",
                                                                         "last_outcome", "last_attempt")}
        rows.append({"field": name, "current": now, "status": status,
                     "written": log["after"] if wrote and not _blank(log["after"], ()) else None,  # type: ignore[index]
                     **facts})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype(object).where(frame.notna(), None)
