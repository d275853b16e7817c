"""Mapping and judging once per source row, then spreading over the records, equals doing it record by record."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.enrich.mapping import FieldMap, Mapping, apply
from core.fields import FieldSpec
from core.sync import diff
from core.sync.guard import blank_cells, is_blank
from core.sync.guard_cells import Cells
from core.sync.guard_values import to_arrow

SPECS = {
    "Industry": FieldSpec(name="Industry", type="picklist", length=40, restricted_picklist=True,
                          picklist_values=("Technology", "Banking", "Retail")),
    "Sub__c": FieldSpec(name="Sub__c", type="picklist", length=20, picklist_values=("IT Services", "Trucking")),
    "Title": FieldSpec(name="Title", type="string", length=12),
    "Tech__c": FieldSpec(name="Tech__c", type="string", length=14),
    "NumberOfEmployees": FieldSpec(name="NumberOfEmployees", type="int", precision=4, scale=0),
    "Phone": FieldSpec(name="Phone", type="phone", length=40, updateable=False),
}
MAPPING = Mapping("Account", (
    FieldMap("category.industry", "Industry"), FieldMap("category.subIndustry", "Sub__c"),
    FieldMap("title", "Title"), FieldMap("tech", "Tech__c"), FieldMap("metrics.employees", "NumberOfEmployees"),
    FieldMap("phone", "Phone", options={"fallback": ["title"]}),
))
TEXT = st.one_of(st.none(), st.just(""), st.sampled_from([" ", "\u00a0", "[[unknown]]", "Technology", "technology ",
                                                          "Banking", "Software", "IT Services", "Trucking", "Ads"]),
                 st.text(max_size=16), st.text(min_size=13, max_size=30))
NUMBER = st.one_of(st.none(), st.integers(-20_000, 20_000), st.sampled_from(["51-250", "1K-5K", "lots", "12.5"]))
TECH = st.one_of(st.none(), st.lists(st.sampled_from(["stripe", "segment", "react", "a-very-long-tool"]), max_size=4))
CURRENT = st.one_of(st.none(), st.just(""), st.just("[[unknown]]"), st.sampled_from(["Technology", "Banking", "x"]),
                    st.integers(0, 9), st.text(max_size=8))


@st.composite
def source_and_records(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Distinct source rows (the last all blank), the row each record uses (every row used, first uses in
    order), and the records' current values."""
    m = draw(st.integers(1, 6))
    rows = pd.DataFrame({
        "category.industry": pd.Series(draw(st.lists(TEXT, min_size=m, max_size=m)) + [None], dtype=object),
        "category.subIndustry": pd.Series(draw(st.lists(TEXT, min_size=m, max_size=m)) + [None], dtype=object),
        "title": pd.Series(draw(st.lists(TEXT, min_size=m, max_size=m)) + [None], dtype=object),
        "tech": pd.Series(draw(st.lists(TECH, min_size=m, max_size=m)) + [None], dtype=object),
        "metrics.employees": pd.Series(draw(st.lists(NUMBER, min_size=m, max_size=m)) + [None], dtype=object),
    })
    extra = draw(st.lists(st.integers(0, m), max_size=12))
    row = np.array(list(range(m + 1)) + extra, dtype=np.intp)  # each row first used in order, then any
    n = len(row)
    ids = pd.Index([f"001{i:015d}" for i in range(n)], name="Id")
    current = pd.DataFrame({f: pd.Series(draw(st.lists(CURRENT, min_size=n, max_size=n)), index=ids, dtype=object)
                            for f in SPECS})
    return rows, row, current


def _spread(frame: pd.DataFrame, row: np.ndarray, index: pd.Index) -> pd.DataFrame:
    return frame.take(row).set_axis(index)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_and_records())
def test_given_source_rows_when_mapped_once_with_weights_then_values_and_notes_are_the_records_own(
        case: tuple[pd.DataFrame, np.ndarray, pd.DataFrame]) -> None:
    rows, row, current = case
    per_record, notes = apply(MAPPING, _spread(rows, row, current.index), SPECS)
    once, weighted = apply(MAPPING, rows, SPECS, np.bincount(row, minlength=len(rows)))
    pd.testing.assert_frame_equal(_spread(once, row, current.index), per_record, check_names=False)
    assert weighted == notes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_and_records())
def test_given_proposed_spread_from_source_rows_when_diffed_then_same_cells_as_judged_record_by_record(
        case: tuple[pd.DataFrame, np.ndarray, pd.DataFrame]) -> None:
    rows, row, current = case
    once, _ = apply(MAPPING, rows, SPECS)
    proposed = _spread(once, row, current.index)
    spread = {f: Cells.spread(to_arrow(once[f]), row, to_arrow(proposed[f])) for f in proposed.columns}
    expected = diff.compute(current, proposed, SPECS)
    pd.testing.assert_frame_equal(diff.compute(current, proposed, SPECS, proposed_cells=spread), expected)
    pd.testing.assert_frame_equal(diff.compute(current, proposed, SPECS, current_cells={
        f: Cells.of(current[f]) for f in SPECS}, proposed_cells=spread), expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(CURRENT, st.just(np.nan), st.sampled_from([" ", "\u200b", " [[UNKNOWN]] "])), min_size=1,
                max_size=30), st.sampled_from(list(SPECS.values()) + [FieldSpec(name="Ok", type="boolean")]))
def test_given_any_column_when_blanks_judged_per_distinct_value_then_same_as_is_blank(values: list, spec: FieldSpec) -> None:
    column = pd.Series(values, dtype=object)
    assert blank_cells(Cells.of(column), spec).tolist() == is_blank(column, spec).tolist()
