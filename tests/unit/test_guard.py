"""The blank-only guard: what counts as blank, what fits a field, and the verdict precedence."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.fields import FieldSpec, field_specs
from core.sync import guard
from core.sync.guard_cells import Cells
from core.sync.guard_values import is_numeric, numbers, text, to_arrow, trimmed

TEXT = FieldSpec(name="Industry", type="picklist", length=40, picklist_values=("Technology", "Banking"))
RESTRICTED = FieldSpec(name="Rating__c", type="picklist", length=255, restricted_picklist=True,
                       picklist_values=("Hot", "Warm", "Cold"))
INT = FieldSpec(name="NumberOfEmployees", type="int", precision=8, scale=0)
MONEY = FieldSpec(name="AnnualRevenue", type="currency", precision=18, scale=2)
CHECKBOX = FieldSpec(name="Is_Customer__c", type="boolean")
EMAIL = FieldSpec(name="Email", type="email", length=80)


def test_given_nulls_whitespace_and_placeholders_when_checked_then_blank() -> None:
    values = pd.Series([None, np.nan, pd.NA, "", "   ", "\t\n", "\u00a0", "\u200b", "[[unknown]]", " [[UNKNOWN]] "],
                       dtype=object)
    assert guard.is_blank(values, TEXT).tolist() == [True] * len(values)


def test_given_real_values_zero_and_false_when_checked_then_not_blank() -> None:
    values = pd.Series(["Acme", "0", 0, 0.0, False, "[[unknown]] inc", "none"], dtype=object)
    assert guard.is_blank(values, TEXT).tolist() == [False] * len(values)


def test_given_custom_placeholders_when_checked_then_only_those_count() -> None:
    values = pd.Series(["n/a", "N/A", "[[unknown]]"])
    assert guard.is_blank(values, TEXT, placeholders=("n/a",)).tolist() == [True, True, False]


def test_given_a_checkbox_when_checked_then_never_blank_even_when_missing() -> None:
    assert guard.is_blank(pd.Series([False, True, None], dtype=object), CHECKBOX).tolist() == [False, False, False]


def test_given_numeric_column_when_checked_then_nan_blank_and_zero_a_value() -> None:
    assert guard.is_blank(pd.Series([0.0, np.nan, 3.5]), INT).tolist() == [False, True, False]


@pytest.mark.parametrize(("spec", "value", "ok", "reason"), [
    (TEXT, "A" * 40, True, ""),
    (TEXT, "A" * 41, False, "longer than 40 characters"),
    (TEXT, "Ü" * 40, True, ""),
    (RESTRICTED, "Warm", True, ""),
    (RESTRICTED, "warm", False, "not an active value of this restricted picklist"),
    (INT, 12, True, ""),
    (INT, "12", True, ""),
    (INT, 12.5, False, "not a whole number"),
    (INT, 100_000_000, False, "more than 8 digits"),
    (INT, "lots", False, "not a number"),
    (INT, True, False, "not a number"),
    (MONEY, 1234.56, True, ""),
    (MONEY, 1e17, False, "more than 16 digits before the decimal point"),
    (CHECKBOX, True, False, "checkbox: never written, because it is never blank"),
    (EMAIL, "ann@acme.com", True, ""),
    (EMAIL, "ann@acme", False, "not a valid email address"),
    (FieldSpec(name="Close", type="date"), "2024-02-29", True, ""),
    (FieldSpec(name="Close", type="date"), "29/02/2024", False, "not a valid date"),
    (FieldSpec(name="OwnerId", type="reference"), "005000000000001", False,
     "a reference field is not written by enrichment"),
    (TEXT, None, False, "no value"),
])
def test_given_value_when_fitted_then_ok_and_reason(spec: FieldSpec, value: object, ok: bool, reason: str) -> None:
    fits, why = guard.fits(pd.Series([value], dtype=object), spec)
    assert (bool(fits.iloc[0]), why.iloc[0]) == (ok, reason)


@pytest.mark.parametrize(("current", "proposed", "spec", "verdict"), [
    (None, None, TEXT, "no_data"),
    ("Banking", "[[unknown]]", TEXT, "no_data"),
    ("technology ", "Technology", TEXT, "same"),
    (250.0, 250, INT, "same"),
    ("Banking", "Technology", TEXT, "keep"),
    (0, 250, INT, "keep"),
    (False, True, CHECKBOX, "keep"),
    (None, "Technology", FieldSpec(name="Industry", type="picklist", length=40, updateable=False), "no_access"),
    ("  ", "A" * 41, TEXT, "invalid"),
    (None, "Technology", TEXT, "fill"),
    ("[[unknown]]", "Technology", TEXT, "fill"),
    (np.nan, 250, INT, "fill"),
])
def test_given_cell_when_judged_then_verdict(current: object, proposed: object, spec: FieldSpec, verdict: str) -> None:
    ok, got, reason = guard.may_write(current, proposed, spec)
    assert got == verdict and ok == (verdict == "fill") and reason


def test_given_columns_when_judged_then_vectorised_matches_scalar() -> None:
    current = pd.Series([None, "Banking", "[[unknown]]", " "], index=["a", "b", "c", "d"])
    proposed = pd.Series(["Technology", "Technology", "Banking", None], index=["a", "b", "c", "d"])
    frame = guard.verdicts(current, proposed, TEXT)
    assert frame["verdict"].tolist() == ["fill", "keep", "fill", "no_data"]
    assert [guard.may_write(c, p, TEXT)[1] for c, p in zip(current, proposed, strict=True)] == frame["verdict"].tolist()


def test_given_describe_when_read_then_fieldspecs_keep_active_values_and_int_digits() -> None:
    describe = {"fields": [
        {"name": "NumberOfEmployees", "type": "int", "digits": 8, "precision": 0, "scale": 0, "updateable": True,
         "label": "Employees"},
        {"name": "Industry", "type": "picklist", "length": 40, "updateable": False, "restrictedPicklist": True,
         "picklistValues": [{"value": "Banking", "active": True}, {"value": "Old", "active": False}]},
    ]}
    specs = field_specs(describe)
    assert specs["NumberOfEmployees"].precision == 8 and specs["NumberOfEmployees"].scale == 0
    assert specs["Industry"].picklist_values == ("Banking",) and not specs["Industry"].updateable


def _one(value: object) -> pd.Series:
    return pd.Series([value], dtype=object)


def _same_by_hand(current: object, proposed: object, spec: FieldSpec) -> bool:
    """The "same" rule written out for one cell: equal numbers, or equal text ignoring case and surrounding space."""
    c_arr, p_arr = to_arrow(_one(current)), to_arrow(_one(proposed))
    if spec.is_number and numbers(c_arr)[0] == numbers(p_arr)[0]:
        return True
    if spec.is_number and is_numeric(c_arr) and is_numeric(p_arr):
        return False
    c_key, p_key = (pc.utf8_lower(trimmed(text(a)))[0].as_py() for a in (c_arr, p_arr))
    return c_key is not None and c_key == p_key


def _verdict_by_hand(current: object, proposed: object, spec: FieldSpec) -> str:
    """The precedence written out for one cell from is_blank and fits, without verdict_codes."""
    if guard.is_blank(_one(proposed), spec).iloc[0]:
        return "no_data"
    if not guard.is_blank(_one(current), spec).iloc[0]:
        return "same" if _same_by_hand(current, proposed, spec) else "keep"
    if not spec.updateable:
        return "no_access"
    return "fill" if guard.fits(_one(proposed), spec)[0].iloc[0] else "invalid"


POOL = st.sampled_from([None, np.nan, "", "  ", "[[unknown]]", " [[Unknown]] ", "Technology", "technology ",
                        "Banking", "A" * 41, "12", " 12 ", "12.5", 12, 12.0, 0, 100_000, False, True, "ann@acme.com"])
SPECS_BY_HAND = [TEXT, RESTRICTED, INT, MONEY, CHECKBOX, EMAIL,
                 FieldSpec(name="Industry", type="picklist", length=40, updateable=False)]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(POOL, POOL), min_size=1, max_size=12), st.sampled_from(SPECS_BY_HAND),
       st.integers(1, 3), st.booleans(), st.booleans(), st.booleans())
def test_given_columns_with_repeated_values_when_judged_then_each_cell_as_by_hand(
        pairs: list[tuple[object, object]], spec: FieldSpec, repeat: int, chunked: bool,
        cur_per_cell: bool, prop_per_cell: bool) -> None:
    """Verdicts are looked up per distinct value, or judged per cell when a side's values mostly differ;
    either way, and whatever the repeats, each cell gets the verdict its own values give when the rules
    are applied to that cell alone."""
    pairs = pairs * repeat  # repeated values are dictionary-encoded; mostly distinct ones are not
    current = pd.Series([c for c, _ in pairs], dtype=object)
    proposed = pd.Series([p for _, p in pairs], dtype=object)
    cur, prop = to_arrow(current), to_arrow(proposed)
    if chunked and len(pairs) > 1:  # split each column in two chunks, as Parquet and Arrow-backed pandas do
        half = len(pairs) // 2
        cur, prop = (pa.chunked_array([a.slice(0, half), a.slice(half)]) for a in (cur, prop))
    vcodes, rcodes, labels = guard.verdict_codes(Cells(cur, distinct=cur_per_cell), Cells(prop, distinct=prop_per_cell), spec)
    got = [guard.VERDICTS[v] for v in vcodes]
    assert got == [_verdict_by_hand(c, p, spec) for c, p in pairs]
    assert sorted(set(rcodes.tolist())) == list(range(len(labels)))  # only reasons that occur are named
