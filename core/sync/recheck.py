"""The writer's pure seam: planned cells × the fresh read → what may be sent now, and the final outcome of the rest.

Nothing here calls Salesforce or the log. The guard (core.sync.guard) decides every cell on the values just
read; this module only maps its verdicts to log outcomes and builds the request body. A cell is sent
only when the guard says `fill` on the fresh read, so a value someone typed after the preview is never
overwritten; a field the fresh read did not return is never treated as blank.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.fields import FieldSpec
from core.sync import guard
from core.sync import guard_address as address
from core.sync.guard_values import text, to_arrow

SEND_COLUMNS: tuple[str, ...] = ("cell", "record_id", "field", "proposed", "before")
FINAL_COLUMNS: tuple[str, ...] = ("cell", "record_id", "field", "proposed", "before", "outcome", "error_code", "message")
OUTCOME_OF_VERDICT = {"keep": "skipped_nonblank", "same": "skipped_nonblank", "invalid": "skipped_invalid",
                      "no_access": "skipped_no_access", "no_data": "skipped_invalid"}
GONE_CODE = "NOT_FOUND"
GONE_MESSAGE = "The record was deleted or merged, or the connected user can no longer see it; nothing written."
UNREAD_MESSAGE = "The field was not in the fresh read (no longer readable by the connected user); nothing written."
SETTLED_MESSAGE = "The record holds the value sent: written (settled by reading the record)."


@dataclass(frozen=True)
class Decision:
    """What the fresh read allows: `send` (cells to write now) and `final` (cells settled without a write)."""

    send: pd.DataFrame
    final: pd.DataFrame


def fresh_frame(records: Sequence[dict[str, Any] | None], fields: Sequence[str]) -> pd.DataFrame:
    """The records of a Collections retrieve (None for one not found) as a frame on Id, one object column per
    field read, values exactly as Salesforce sent them."""
    found = [r for r in records if r]
    ids = pd.Index([str(r.get("Id") or r.get("id")) for r in found], name="Id", dtype=object)
    columns = {f: pd.Series([r.get(f) for r in found], index=ids, dtype=object) for f in fields if f != "Id"}
    return pd.DataFrame(columns, index=ids)


def _display(values: pd.Series) -> list[str | None]:
    """Values as the log shows them (the preview's rendering: 250.0 → "250", booleans true/false)."""
    return text(to_arrow(values)).to_pylist() if len(values) else []


def _final(cells: pd.DataFrame, before: list[str | None] | None, outcome: Any, code: Any, message: Any) -> pd.DataFrame:
    frame = cells.loc[:, ["cell", "record_id", "field", "proposed"]].copy()
    frame["before"] = pd.Series(before if before is not None else [None] * len(cells), index=cells.index, dtype=object)
    frame["outcome"], frame["error_code"], frame["message"] = outcome, code, message
    return frame


Judged = tuple[list[pd.DataFrame], list[pd.DataFrame]]  # (cells to send, cells settled) of one field
Judge = Callable[[pd.DataFrame, pd.Series, FieldSpec, Sequence[str]], Judged]


def _decide(cells: pd.DataFrame, fresh: pd.DataFrame, specs: dict[str, FieldSpec], placeholders: Sequence[str],
            judge: Judge, send_columns: Sequence[str]) -> Decision:
    """What both passes share: a record missing from fresh → failed NOT_FOUND; a field not read or not described
    → skipped_no_access; every other field's cells judged by `judge` on the values just read (`current`)."""
    sends: list[pd.DataFrame] = []
    finals: list[pd.DataFrame] = []
    present = cells["record_id"].isin(fresh.index).to_numpy()
    if (~present).any():
        finals.append(_final(cells[~present], None, "failed", GONE_CODE, GONE_MESSAGE))
    for name, group in cells[present].groupby("field", sort=False):
        spec = specs.get(str(name))
        if spec is None or name not in fresh.columns:
            finals.append(_final(group, None, "skipped_no_access", None, UNREAD_MESSAGE))
            continue
        current = pd.Series(fresh[name].reindex(group["record_id"]).to_numpy(dtype=object), index=group.index,
                            dtype=object)
        send, final = judge(group, current, spec, placeholders)
        sends += send
        finals += final
    send = pd.concat(sends) if sends else pd.DataFrame(columns=list(send_columns))
    final = pd.concat(finals) if finals else pd.DataFrame(columns=list(FINAL_COLUMNS))
    return Decision(send.reset_index(drop=True), final.reset_index(drop=True))


def decide(cells: pd.DataFrame, fresh: pd.DataFrame, specs: dict[str, FieldSpec],
           placeholders: Sequence[str] = guard.DEFAULT_PLACEHOLDERS) -> Decision:
    """Judge planned cells on the fresh read.

    cells: `cell`, `record_id`, `field`, `proposed` (text) and `maybe_sent` (a write of this cell may already
    have reached Salesforce: a resumed or retried cell). fresh: `fresh_frame` of the records just read.
    A record missing from fresh → failed NOT_FOUND; a field not read or not described → skipped_no_access;
    otherwise the guard's verdict: fill → send; same → written when maybe_sent (our earlier write landed),
    else skipped_nonblank; keep → skipped_nonblank; invalid / no_data → skipped_invalid; no_access →
    skipped_no_access. The reason the guard gives is the message. Then the address rule (core.sync.guard_address)
    on the same read: a cell it would send whose address now holds a value the enrichment does not confirm
    (someone typed a City since the preview) → skipped_nonblank, the message naming that part and value.
    """
    decision = _decide(cells, fresh, specs, placeholders, _judge_fill, SEND_COLUMNS)
    if decision.send.empty:
        return decision
    holds = address.write_holds(cells, fresh, specs, placeholders)
    held = decision.send["cell"].map(dict(zip(cells["cell"], holds, strict=True)))
    mask = held.notna().to_numpy()
    if not mask.any():
        return decision
    send = decision.send[mask]
    moved = _final(send, send["before"].tolist(), "skipped_nonblank", None, held[mask].tolist())
    return Decision(decision.send[~mask].reset_index(drop=True),
                    pd.concat([decision.final, moved]).reset_index(drop=True))


def _judge_fill(group: pd.DataFrame, current: pd.Series, spec: FieldSpec, placeholders: Sequence[str]) -> Judged:
    """One field's planned cells on the values just read (see decide)."""
    sends: list[pd.DataFrame] = []
    finals: list[pd.DataFrame] = []
    proposed = pd.Series(group["proposed"].to_numpy(dtype=object), index=group.index, dtype=object)
    judged = guard.verdicts(current, proposed, spec, placeholders)
    verdict = judged["verdict"].astype(str).to_numpy()
    reason = judged["reason"].astype(str).to_numpy()
    before = _display(current)
    fill = verdict == "fill"
    settled = (verdict == "same") & group["maybe_sent"].to_numpy(dtype=bool)
    skipped = ~fill & ~settled
    if fill.any():
        send = group.loc[fill, ["cell", "record_id", "field", "proposed"]].copy()
        send["before"] = pd.Series([b for b, f in zip(before, fill, strict=True) if f], index=send.index, dtype=object)
        sends.append(send)
    if settled.any():
        finals.append(_final(group[settled], [b for b, s in zip(before, settled, strict=True) if s], "written", None,
                             SETTLED_MESSAGE))
    if skipped.any():
        outcome = [OUTCOME_OF_VERDICT[v] for v in verdict[skipped]]
        finals.append(_final(group[skipped], [b for b, s in zip(before, skipped, strict=True) if s], outcome, None,
                             list(reason[skipped])))
    return sends, finals


# -- the undo: the same seam turned round (a cell is cleared only where it still holds the run's value) ----------
UNDO_COLUMNS: tuple[str, ...] = (*SEND_COLUMNS, "expected")
UNDO_CLEARED_MESSAGE = "The field is blank: the undo's clear landed (settled by reading the record)."
UNDO_BLANK_MESSAGE = "Blank already: cleared since the run wrote it; nothing to take back."
UNDO_NO_ACCESS_MESSAGE = "The field is not updateable by the connected user now; left as it is."


def _changed(current: str | None, written: Any) -> str:
    def short(value: Any) -> str:
        value = str(value)
        return repr(value if len(value) <= 80 else value[:77] + "...")
    return f"Changed since the run wrote {short(written)}: holds {short(current)} now; left alone."


def decide_undo(cells: pd.DataFrame, fresh: pd.DataFrame, specs: dict[str, FieldSpec],
                placeholders: Sequence[str] = guard.DEFAULT_PLACEHOLDERS) -> Decision:
    """Judge an undo's cells on the fresh read: which may be set back to blank now, and how the rest end.

    cells: `cell`, `record_id`, `field`, `expected` (the value the undone run wrote) and `maybe_sent`.
    The field still holds exactly the value written (guard.still_as_written) → send a blank (proposed None);
    blank now → written when maybe_sent (our clear landed), else skipped_nonblank (cleared since); another
    value → skipped_nonblank, naming both values; record gone → failed NOT_FOUND; field not read, not
    described or not updateable → skipped_no_access. `send` carries `expected` on, for a retry's re-judging.
    """
    decision = _decide(cells, fresh, specs, placeholders, _judge_undo, UNDO_COLUMNS)
    decision.final["proposed"] = None  # an undo proposes a blank: the log's `after` is empty
    return decision


def _judge_undo(group: pd.DataFrame, current: pd.Series, spec: FieldSpec, placeholders: Sequence[str]) -> Judged:
    """One field's undo cells on the values just read (see decide_undo)."""
    before = pd.Series(_display(current), index=group.index, dtype=object)
    if not spec.updateable:
        return [], [_final(group, before.tolist(), "skipped_no_access", None, UNDO_NO_ACCESS_MESSAGE)]
    sends: list[pd.DataFrame] = []
    finals: list[pd.DataFrame] = []
    ours = guard.still_as_written(current, group["expected"], spec).to_numpy()
    blank = guard.is_blank(current, spec, placeholders).to_numpy()
    maybe_sent = group["maybe_sent"].to_numpy(dtype=bool)
    if ours.any():
        send = group.loc[ours, ["cell", "record_id", "field", "expected"]].assign(proposed=None)
        send["before"] = before[ours]
        sends.append(send.loc[:, list(UNDO_COLUMNS)])
    settled, cleared = blank & maybe_sent, blank & ~maybe_sent
    if settled.any():
        finals.append(_final(group[settled], before[settled].tolist(), "written", None, UNDO_CLEARED_MESSAGE))
    if cleared.any():
        finals.append(_final(group[cleared], before[cleared].tolist(), "skipped_nonblank", None, UNDO_BLANK_MESSAGE))
    other = ~ours & ~blank
    if other.any():
        messages = [_changed(b, w) for b, w in zip(before[other], group.loc[other, "expected"], strict=True)]
        finals.append(_final(group[other], before[other].tolist(), "skipped_nonblank", None, messages))
    return sends, finals


def json_value(proposed: str, spec: FieldSpec | None) -> Any:
    """The proposed text as the JSON value Salesforce expects: integers for int and long fields, numbers for
    the other numeric types, the text itself otherwise (the guard has already checked that it fits)."""
    if spec is not None and spec.is_number:
        number = float(proposed.strip())
        return int(number) if spec.type in ("int", "long") or number.is_integer() and spec.scale == 0 else number
    return proposed


def payload(send: pd.DataFrame, specs: dict[str, FieldSpec]) -> list[dict[str, Any]]:
    """One record per Id (first appearance order) with every field to write in it: the sObject Collections body.
    A proposed None (an undo) is sent as null, which sets the field back to blank."""
    records: dict[str, dict[str, Any]] = {}
    for record_id, name, proposed in zip(send["record_id"], send["field"], send["proposed"], strict=True):
        value = None if proposed is None else json_value(str(proposed), specs.get(str(name)))  # None: an undo's blank
        records.setdefault(str(record_id), {"id": str(record_id)})[str(name)] = value
    return list(records.values())
