"""The blank-only write guard: the one authority on whether a cell may be written, and why not."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.fields import FieldSpec
from core.sync.guard_cells import Cells, take_sorted
from core.sync.guard_values import is_numeric, numbers, text, to_arrow, to_bool, trimmed

DEFAULT_PLACEHOLDERS: tuple[str, ...] = ("[[unknown]]",)
VERDICTS: tuple[str, ...] = ("fill", "keep", "same", "no_data", "invalid", "no_access")
FILL, KEEP, SAME, NO_DATA, INVALID, NO_ACCESS = range(len(VERDICTS))
VALUE, BLANK, PLACEHOLDER = range(3)  # the kinds of a current value, as the precedence sees them

_EMAIL_RE = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"
_INT_LIMIT_DIGITS = 9  # an int field without digits in its describe still holds a 32-bit integer

REASON_NO_DATA = "no enrichment value"
REASON_SAME = "already holds this value"
REASON_KEEP = "holds a value; never overwritten"
REASON_KEEP_CHECKBOX = "checkbox: false is a value, so it is never blank; never overwritten"
REASON_NO_ACCESS = "not updateable by the connected user (field-level security or a read-only field)"
REASON_FILL_BLANK = "blank; fills with the enrichment value"
REASON_FILL_PLACEHOLDER = "holds a placeholder, which counts as blank; fills with the enrichment value"


class _Reasons:
    """Interned reason strings → small integer codes, so a million cells share a few categories."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, reason: str) -> int:
        """The code of a reason, adding it on first use."""
        if reason not in self._index:
            self._index[reason] = len(self.labels)
            self.labels.append(reason)
        return self._index[reason]


def _blank_parts(cells: Cells, spec: FieldSpec, placeholders: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(empty, placeholder) masks: null / empty / white space only, and a configured placeholder.

    A checkbox is never blank: false is a value, and so is a missing boolean (Salesforce has none).
    """
    if spec.type == "boolean":
        none = np.zeros(len(cells), dtype=bool)
        return none, none
    return cells.empty, cells.placeholder(tuple(placeholders))


def is_blank(values: pd.Series, spec: FieldSpec, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> pd.Series:
    """Which cells are blank: null, NaN, pd.NA, empty, white space only, or a placeholder (case-insensitive).

    Checkboxes are never blank and the number 0 is a value. Vectorised over the whole column.
    """
    empty, holder = _blank_parts(Cells.of(values), spec, placeholders)
    return pd.Series(empty | holder, index=values.index, dtype=bool, name=values.name)


def blank_cells(cells: Cells, spec: FieldSpec, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> np.ndarray:
    """is_blank for Cells, judged once per distinct value (Cells.encoded, as the diff judges them) and looked up
    for each cell."""
    empty, holder = _blank_parts(cells.encoded[1], spec, placeholders)
    return _per_cell(empty | holder, cells)


def _fit_codes(cells: Cells, spec: FieldSpec, reasons: _Reasons) -> np.ndarray:
    """Reason code per cell; the code of the empty reason "" where the value fits."""
    n = len(cells)
    ok = reasons.code("")
    codes = np.full(n, ok, dtype=np.int16)

    def fail(mask: np.ndarray, reason: str) -> None:
        nonlocal codes
        hit = mask & (codes == ok)
        if hit.any():
            codes = np.where(hit, reasons.code(reason), codes).astype(np.int16)

    fail(cells.empty, "no value")
    kind = spec.type
    if kind == "boolean":
        fail(np.ones(n, dtype=bool), "checkbox: never written, because it is never blank")
    elif spec.is_text or spec.is_picklist:
        if spec.length:
            fail(cells.longer_than(spec.length), f"longer than {spec.length} characters")
        if kind == "email":
            fail(~to_bool(pc.match_substring_regex(cells.core, _EMAIL_RE)), "not a valid email address")
        if kind == "picklist" and spec.restricted_picklist:
            allowed = pa.array(spec.picklist_values, type=pa.large_string())
            fail(~to_bool(pc.is_in(cells.text, value_set=allowed)), "not an active value of this restricted picklist")
        if kind == "multipicklist" and spec.restricted_picklist:
            fail(_bad_multi(cells.core, spec.picklist_values), "holds a value that is not active in this restricted picklist")
    elif kind in ("int", "long"):
        num = cells.numbers
        fail(~np.isfinite(num), "not a number")
        with np.errstate(invalid="ignore"):
            fail(np.floor(num) != num, "not a whole number")
            digits = spec.precision or (18 if kind == "long" else _INT_LIMIT_DIGITS)
            fail(np.abs(num) >= 10.0**digits, f"more than {digits} digits")
    elif spec.is_number:
        num = cells.numbers
        fail(~np.isfinite(num), "not a number")
        if spec.precision:
            whole = spec.precision - (spec.scale or 0)
            with np.errstate(invalid="ignore"):
                fail(np.abs(np.round(num, spec.scale or 0)) >= 10.0**whole,
                     f"more than {whole} digits before the decimal point")
    elif kind in ("date", "datetime"):
        core = pd.Series(cells.core.to_numpy(zero_copy_only=False), dtype=object)
        parsed = pd.to_datetime(core, errors="coerce", format="ISO8601", utc=True)
        fail(parsed.isna().to_numpy(), f"not a valid {kind}")
    else:
        fail(np.ones(n, dtype=bool), f"a {kind} field is not written by enrichment")
    return codes


def _bad_multi(txt: pa.Array, allowed: Sequence[str]) -> np.ndarray:
    """Cells of a multi-select value ("a;b") holding any item that is not an active picklist value."""
    parts = pc.split_pattern(pc.fill_null(txt, ""), ";")
    items = pc.utf8_trim(pc.list_flatten(parts), " ")
    parents = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    bad_item = ~to_bool(pc.is_in(items, value_set=pa.array(list(allowed), type=pa.large_string())))
    return np.bincount(parents[bad_item], minlength=len(txt)) > 0


def fits(values: pd.Series, spec: FieldSpec) -> tuple[pd.Series, pd.Series]:
    """Whether each value fits the field (type, length, restricted picklist, digits), and why not.

    Returns (ok, reason): reason is "" where ok. A blank value does not fit ("no value"); a checkbox
    never fits, because the blank-only rule never writes one.
    """
    reasons = _Reasons()
    codes = _fit_codes(Cells.of(values), spec, reasons)
    reason = pd.Series(np.asarray(reasons.labels, dtype=object)[codes], index=values.index, dtype="str")
    return pd.Series(codes == reasons.code(""), index=values.index, dtype=bool), reason


def _per_cell(per_value: np.ndarray, cells: Cells) -> np.ndarray:
    """A fact about each distinct value of cells, looked up for each cell (as is where each cell is its own
    value)."""
    codes, values = cells.encoded
    return per_value if values is cells else per_value[codes]


def _text_keys(cur: Cells, prop: Cells) -> tuple[np.ndarray, np.ndarray]:
    """Per value of each side, an id that is equal on both sides exactly when the texts are equal
    ignoring case and surrounding white space (-1 and -2 for no text, so those never match)."""
    c_key = pc.utf8_lower(trimmed(cur.text))
    p_key = pc.utf8_lower(trimmed(prop.text))
    c_ids = pc.fill_null(pc.index_in(c_key, value_set=c_key, skip_nulls=True), -1)
    p_ids = pc.fill_null(pc.index_in(p_key, value_set=c_key, skip_nulls=True), -2)
    return (np.asarray(c_ids.to_numpy(zero_copy_only=False), dtype=np.int32),
            np.asarray(p_ids.to_numpy(zero_copy_only=False), dtype=np.int32))


def _same(cur: Cells, prop: Cells, spec: FieldSpec, c_value: np.ndarray, p_data: np.ndarray) -> np.ndarray:
    """Per cell: equal after normalising — the same number, or the same text ignoring case and surrounding
    white space. Where both sides are dictionary-encoded each distinct value is normalised once and cells
    compare ids; otherwise cells compare whole, and only the candidates (a current value, a proposed
    value: c_value and p_data, per distinct value) that are not exactly equal are normalised."""
    c_codes, c_values = cur.encoded
    p_codes, p_values = prop.encoded
    same = np.zeros(len(c_codes), dtype=bool)
    if spec.is_number:
        same = c_values.numbers[c_codes] == p_values.numbers[p_codes]
        if is_numeric(c_values.arr) and is_numeric(p_values.arr):
            return same  # numbers that print alike are equal numbers: the text adds nothing
    if c_values is not cur and p_values is not prop:
        c_ids, p_ids = _text_keys(c_values, p_values)
        return same | (c_ids[c_codes] == p_ids[p_codes])
    candidates = _per_cell(c_value, cur) & _per_cell(p_data, prop) & ~same
    exact = candidates & to_bool(pc.equal(cur.text, prop.text))
    same = same | exact
    rest = np.flatnonzero(candidates & ~exact)
    if len(rest):
        same[rest] = to_bool(pc.equal(pc.utf8_lower(trimmed(take_sorted(cur.text, rest))),
                                      pc.utf8_lower(trimmed(take_sorted(prop.text, rest)))))
    return same


def _decide(kind: np.ndarray, state: np.ndarray, same: np.ndarray, fit_kinds: np.ndarray, spec: FieldSpec,
            reasons: _Reasons) -> tuple[np.ndarray, np.ndarray]:
    """(verdict, reason code) for each combination of a current value's kind (VALUE, BLANK, PLACEHOLDER),
    a proposed value's state (0 no data, else 1 + its index in fit_kinds) and whether they are the same.

    Precedence: no_data (proposed blank) → same → keep (current not blank) → no_access → invalid → fill.
    A current value that is not blank can only ever reach same or keep.
    """
    has_data = state > 0
    c_blank = kind != VALUE
    same = same & has_data & ~c_blank
    keep = has_data & ~same & ~c_blank
    open_ = has_data & c_blank
    verdict = np.full(len(kind), NO_DATA, dtype=np.int8)
    reason = np.full(len(kind), reasons.code(REASON_NO_DATA), dtype=np.int16)
    verdict[same], reason[same] = SAME, reasons.code(REASON_SAME)
    verdict[keep] = KEEP
    reason[keep] = reasons.code(REASON_KEEP_CHECKBOX if spec.type == "boolean" else REASON_KEEP)
    if not spec.updateable:
        verdict[open_], reason[open_] = NO_ACCESS, reasons.code(REASON_NO_ACCESS)
        return verdict, reason
    fit = fit_kinds[np.clip(state - 1, 0, None)] if len(fit_kinds) else np.zeros(len(kind), dtype=np.int16)
    fits_ = fit == reasons.code("")
    fill_reason = np.where(kind == PLACEHOLDER, reasons.code(REASON_FILL_PLACEHOLDER), reasons.code(REASON_FILL_BLANK))
    verdict[open_] = np.where(fits_, FILL, INVALID)[open_]
    reason[open_] = np.where(fits_, fill_reason, fit)[open_]
    return verdict, reason


def verdict_codes(current: pa.Array | Cells, proposed: pa.Array | Cells, spec: FieldSpec,
                  placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The guard on Arrow arrays: (verdict codes into VERDICTS, reason codes, reason labels); see judge."""
    return judge(current, proposed, spec, placeholders)[:3]


def judge(current: pa.Array | Cells, proposed: pa.Array | Cells, spec: FieldSpec,
          placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """The guard on Arrow arrays: (verdict codes into VERDICTS, reason codes, reason labels, held), held being
    the cells whose current value is not blank (the address rule, core.sync.guard_address, needs it).

    Each distinct current value is judged once (blank, placeholder or a value), and each distinct
    proposed value once (blank, and whether and why it does not fit); in a column whose values mostly
    differ every cell counts as a value of its own (Cells.encoded). The precedence (see _decide) is
    then applied once per combination of those answers and "same", and every cell looks its verdict
    up: a million cells cost a few array look-ups. diff.compute calls this with Cells it also renders
    for display; everything else uses verdicts().
    """
    cur, prop = Cells.of(current), Cells.of(proposed)
    n = len(cur)
    if len(prop) != n:
        raise ValueError(f"current has {n} cells, proposed {len(prop)}")
    reasons = _Reasons()
    c_values, p_values = cur.encoded[1], prop.encoded[1]
    c_empty, c_holder = _blank_parts(c_values, spec, placeholders)
    kind = np.where(c_holder, PLACEHOLDER, np.where(c_empty, BLANK, VALUE))
    p_empty, p_holder = _blank_parts(p_values, spec, placeholders)
    fit = _fit_codes(p_values, spec, reasons).astype(np.intp) if spec.updateable else np.zeros(len(p_values), np.intp)
    occurs = np.bincount(fit, minlength=1) > 0  # fit codes are small: number the ones that occur
    fit_kinds = np.flatnonzero(occurs)
    state = np.where(p_empty | p_holder, 0, np.cumsum(occurs)[fit])
    grid = np.indices((3, 1 + len(fit_kinds), 2)).reshape(3, -1)  # every (kind, state, same)
    table_v, table_r = _decide(grid[0], grid[1], grid[2].astype(bool), fit_kinds, spec, reasons)
    width = 2 * (1 + len(fit_kinds))
    cell = _per_cell(kind * width, cur)  # intp throughout: numpy indexes fastest with those
    cell += _per_cell(2 * state, prop)
    cell += _same(cur, prop, spec, kind == VALUE, state > 0)
    used = np.flatnonzero(np.bincount(cell, minlength=len(table_r)))  # name only the reasons that occur
    labels_used = np.unique(table_r[used])
    renumber = np.zeros(len(reasons.labels), dtype=np.int16)
    renumber[labels_used] = np.arange(len(labels_used), dtype=np.int16)
    held = _per_cell(kind == VALUE, cur)
    return table_v[cell], renumber[table_r][cell], [reasons.labels[i] for i in labels_used], held


def verdicts(current: pd.Series, proposed: pd.Series, spec: FieldSpec,
             placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> pd.DataFrame:
    """Verdict and reason for every cell of one field: current (as read) against proposed (enrichment).

    Proposed is aligned to current's index. Returns a frame on current's index with categorical columns
    ``verdict`` (categories = VERDICTS, in that order) and ``reason``.
    """
    if not current.index.equals(proposed.index):
        proposed = proposed.reindex(current.index)
    vcodes, rcodes, labels = verdict_codes(Cells.of(current), Cells.of(proposed), spec, placeholders)
    return pd.DataFrame(
        {"verdict": pd.Categorical.from_codes(vcodes, categories=pd.Index(VERDICTS, dtype="str")),
         "reason": pd.Categorical.from_codes(rcodes, categories=pd.Index(labels, dtype="str"))},
        index=current.index,
    )


def may_write(current: object, proposed: object, spec: FieldSpec,
              placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> tuple[bool, str, str]:
    """One cell, for the writer on a fresh re-read: (ok, verdict, reason). ok only when the verdict is fill.

    It runs the vectorised rules on a one-cell column, so it cannot drift from the preview's verdicts.
    """
    frame = verdicts(pd.Series([current], dtype=object), pd.Series([proposed], dtype=object), spec, placeholders)
    verdict, reason = str(frame["verdict"].iloc[0]), str(frame["reason"].iloc[0])
    return verdict == "fill", verdict, reason


def still_as_written(current: pd.Series, written: pd.Series, spec: FieldSpec) -> pd.Series:
    """The undo's rule, the guard turned round: which cells still hold exactly the value a run wrote.

    Only those may be set back to blank, so an undo takes back the console's own value and nothing a
    person typed since. Exactly means the same text character for character (case and white space
    count: "Acme" retyped as "ACME" is a person's value now), or, in a number field, the same number
    (Salesforce answers 250 for the "250" written) and in a date or date/time field the same moment. A
    blank never matches: nothing of the run's is left to take back. `written` is aligned to current's index.
    """
    if not current.index.equals(written.index):
        written = written.reindex(current.index)
    now, wrote = to_arrow(current), to_arrow(written)
    same = to_bool(pc.equal(text(now), text(wrote)))
    if spec.is_number:
        with np.errstate(invalid="ignore"):
            same |= numbers(now) == numbers(wrote)  # NaN (no number) never equals
    elif spec.type in ("date", "datetime"):
        parse = {"errors": "coerce", "format": "ISO8601", "utc": True}
        moments = [pd.to_datetime(pd.Series(s.to_numpy(dtype=object), dtype=object).astype("string"), **parse)
                   for s in (current, written)]
        same |= (moments[0] == moments[1]).fillna(False).to_numpy(dtype=bool)
    same &= ~is_blank(current, spec, ()).to_numpy()
    return pd.Series(same, index=current.index, dtype=bool, name=current.name)
