"""Property: whatever the preview saw and whatever changed before the write, nothing is sent into a field that is
not blank in the fresh read, and every cell that may still be filled is sent; plus the seam's edges."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import BadInput
from core.fields import FieldSpec
from core.sync import diff, guard, recheck
from core.sync.writer import plan_cells

SPECS = {
    "Industry": FieldSpec(name="Industry", type="picklist", length=40, restricted_picklist=True,
                          picklist_values=("Technology", "Banking")),
    "Title": FieldSpec(name="Title", type="string", length=12),
    "NumberOfEmployees": FieldSpec(name="NumberOfEmployees", type="int", precision=4, scale=0),
    "AnnualRevenue": FieldSpec(name="AnnualRevenue", type="currency", precision=18, scale=2),
    "Is_Customer__c": FieldSpec(name="Is_Customer__c", type="boolean"),
    "Phone": FieldSpec(name="Phone", type="phone", length=40, updateable=False),
}
CELLS = st.one_of(
    st.none(), st.just(""), st.sampled_from([" ", "\t", "\u00a0", "\u200b "]),
    st.sampled_from(["[[unknown]]", " [[UNKNOWN]]"]), st.just(0), st.just(False), st.just(True),
    st.sampled_from(["Technology", "technology", "Banking", "Retail"]), st.text(max_size=14),
    st.integers(-20_000, 20_000), st.floats(allow_nan=False, allow_infinity=False, width=32),
)


@st.composite
def preview_then_change(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, list[dict | None]]:
    """(plan cells, the cells' preview values, the fresh read): the preview's frames, its fill cells, and each
    record as read at write time — unchanged, changed in any field to anything, or gone."""
    n = draw(st.integers(1, 6))
    ids = pd.Index([f"00Q{i:015d}" for i in range(n)], name="Id")
    current = pd.DataFrame({f: pd.Series(draw(st.lists(CELLS, min_size=n, max_size=n)), index=ids, dtype=object)
                            for f in SPECS})
    proposed = pd.DataFrame({f: pd.Series(draw(st.lists(CELLS, min_size=n, max_size=n)), index=ids, dtype=object)
                             for f in SPECS})
    cells = diff.compute(current, proposed, SPECS)
    fills = cells[cells["verdict"] == "fill"].reset_index(drop=True)
    fresh: list[dict | None] = []
    for rid in ids:
        if draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()):
            fresh.append(None)  # deleted, merged or hidden since the preview
            continue
        record = {"attributes": {"type": "Lead"}, "Id": rid}
        for f in SPECS:
            record[f] = current.at[rid, f] if draw(st.booleans()) else draw(CELLS)
        fresh.append(record)
    plan = pd.DataFrame({"cell": range(len(fills)), "record_id": fills["Id"].astype(str), "field": fills["field"].astype(str),
                         "proposed": fills["proposed"].astype(str),
                         "maybe_sent": draw(st.lists(st.booleans(), min_size=len(fills), max_size=len(fills)))})
    return plan, fills, fresh


@settings(max_examples=80, deadline=None)
@given(preview_then_change())
def test_given_any_preview_and_any_change_before_the_write_when_decided_then_only_fresh_blanks_are_sent(
        case: tuple[pd.DataFrame, pd.DataFrame, list[dict | None]]) -> None:
    plan, _fills, records = case
    fresh = recheck.fresh_frame(records, ["Id", *SPECS])

    decision = recheck.decide(plan, fresh, SPECS)
    body = recheck.payload(decision.send, SPECS)

    for record in body:
        for name, value in record.items():
            if name == "id":
                continue
            now = fresh.at[record["id"], name]
            assert guard.is_blank(pd.Series([now], dtype=object), SPECS[name]).iloc[0], (record["id"], name, now)
            assert SPECS[name].updateable and SPECS[name].type != "boolean"
            assert guard.fits(pd.Series([str(value)], dtype=object), SPECS[name])[0].iloc[0]
    sent, settled = list(decision.send["cell"]), list(decision.final["cell"])
    assert sorted(sent + settled) == list(plan["cell"])  # every cell decided exactly once
    for cell in plan.itertuples():
        if cell.record_id not in fresh.index:
            assert cell.cell in settled
            continue
        ok, verdict, _ = guard.may_write(fresh.at[cell.record_id, cell.field], cell.proposed, SPECS[cell.field])
        assert (cell.cell in sent) == ok  # whatever may still be filled is sent
        if verdict == "same" and cell.maybe_sent:
            assert decision.final.set_index("cell").at[cell.cell, "outcome"] == "written"


def test_given_a_field_missing_from_the_fresh_read_when_decided_then_never_sent() -> None:
    plan = pd.DataFrame({"cell": [0, 1], "record_id": ["00Q1", "00Q1"], "field": ["Title", "Industry"],
                         "proposed": ["CTO", "Banking"], "maybe_sent": [False, False]})
    fresh = recheck.fresh_frame([{"Id": "00Q1", "Title": None}], ["Id", "Title"])  # Industry not read

    decision = recheck.decide(plan, fresh, SPECS)

    assert decision.send["field"].tolist() == ["Title"]
    assert decision.final[["field", "outcome"]].values.tolist() == [["Industry", "skipped_no_access"]]


def test_given_numbers_as_text_when_building_the_body_then_json_numbers_for_numeric_fields() -> None:
    send = pd.DataFrame({"cell": [0, 1, 2], "record_id": ["00Q1", "00Q1", "00Q2"],
                         "field": ["NumberOfEmployees", "AnnualRevenue", "Title"], "proposed": ["250", "1500000.5", "042"],
                         "before": [None, None, None]})
    assert recheck.payload(send, SPECS) == [{"id": "00Q1", "NumberOfEmployees": 250, "AnnualRevenue": 1500000.5},
                                            {"id": "00Q2", "Title": "042"}]


def test_given_diff_rows_when_planned_then_one_row_per_cell_with_name_source_and_key() -> None:
    rows = pd.DataFrame({"Id": ["00Q1", "00Q2"], "field": ["Title", "Title"], "proposed": ["CTO", "CFO"],
                         "verdict": ["fill", "fill"], "name": ["Ann", "Bob"], "key": ["a.com", np.nan]})
    plan = plan_cells(rows, source="demo")
    assert plan.values.tolist() == [["00Q1", "Title", "CTO", "Ann", "demo", "a.com"],
                                    ["00Q2", "Title", "CFO", "Bob", "demo", None]]


@pytest.mark.parametrize("rows", [
    pd.DataFrame({"Id": ["00Q1"], "field": ["Title"], "proposed": ["CTO"], "verdict": ["keep"]}),
    pd.DataFrame({"Id": ["00Q1", "00Q1"], "field": ["Title", "Title"], "proposed": ["CTO", "CFO"]}),
    pd.DataFrame({"Id": ["00Q1"], "field": ["Title"], "proposed": [None]}),
    pd.DataFrame({"Id": [], "field": [], "proposed": []}),
    pd.DataFrame({"Id": ["00Q1"], "proposed": ["CTO"]}),
], ids=["not-a-fill", "cell-twice", "no-value", "nothing", "no-field-column"])
def test_given_a_bad_plan_when_planned_then_bad_input_with_a_fix(rows: pd.DataFrame) -> None:
    with pytest.raises(BadInput) as refused:
        plan_cells(rows)
    assert refused.value.fix
