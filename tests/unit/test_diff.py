"""The preview diff: one row per (record, field) with the guard's verdict, and totals."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.fields import FieldSpec
from core.sync import diff

SPECS = {
    "Industry": FieldSpec(name="Industry", type="picklist", length=40),
    "NumberOfEmployees": FieldSpec(name="NumberOfEmployees", type="int", precision=8, scale=0),
    "Phone": FieldSpec(name="Phone", type="phone", length=40, updateable=False),
}


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = pd.Index(["001A", "001B", "001C"], name="Id")
    current = pd.DataFrame({"Industry": [None, "Banking", "  "], "NumberOfEmployees": [0, np.nan, np.nan],
                            "Phone": [None, None, "1"]}, index=ids)
    proposed = pd.DataFrame({"Industry": ["Technology", "Technology", None], "NumberOfEmployees": [5, 5, 1e10],
                             "Phone": ["2", "2", "1"]}, index=ids)
    return current, proposed


def test_given_frames_when_diffed_then_one_row_per_cell_with_verdicts() -> None:
    out = diff.compute(*_frames(), SPECS)
    assert list(out.columns) == ["Id", "field", "current", "proposed", "verdict", "reason"]
    got = {(r.Id, r.field): r.verdict for r in out.itertuples()}
    assert got == {
        ("001A", "Industry"): "fill", ("001B", "Industry"): "keep", ("001C", "Industry"): "no_data",
        ("001A", "NumberOfEmployees"): "keep", ("001B", "NumberOfEmployees"): "fill",
        ("001C", "NumberOfEmployees"): "invalid",
        ("001A", "Phone"): "no_access", ("001B", "Phone"): "no_access", ("001C", "Phone"): "same",
    }
    row = out[(out.Id == "001C") & (out.field == "NumberOfEmployees")].iloc[0]
    assert row.reason == "more than 8 digits" and row.proposed == "10000000000"


def test_given_numbers_when_diffed_then_display_text_drops_point_zero() -> None:
    out = diff.compute(*_frames(), SPECS)
    nums = out[out.field == "NumberOfEmployees"]
    assert nums.current.tolist()[0] == "0" and nums.proposed.tolist()[:2] == ["5", "5"]


def test_given_diff_when_totalled_then_counts_by_field_and_verdict() -> None:
    table = diff.totals(diff.compute(*_frames(), SPECS))
    assert list(table.columns) == ["fill", "keep", "same", "no_data", "invalid", "no_access", "total"]
    assert table.loc["Industry"].tolist() == [1, 1, 0, 1, 0, 0, 3]
    assert table.loc["Phone", "no_access"] == 2 and table["total"].sum() == 9


def test_given_unread_field_when_diffed_then_refuses_rather_than_guess_blank() -> None:
    current, proposed = _frames()
    with pytest.raises(ValueError, match="read every mapped field"):
        diff.compute(current.drop(columns="Phone"), proposed, SPECS)


def test_given_record_without_enrichment_when_diffed_then_no_data() -> None:
    current, proposed = _frames()
    out = diff.compute(current, proposed.iloc[:1], SPECS)
    assert set(out[out.Id == "001B"].verdict) == {"no_data"}


def test_given_field_missing_from_describe_when_diffed_then_no_access() -> None:
    current, proposed = _frames()
    specs = {k: v for k, v in SPECS.items() if k != "Industry"}
    out = diff.compute(current, proposed, specs)
    assert set(out[out.field == "Industry"].verdict) <= {"no_access", "no_data", "keep"}
    assert "fill" not in set(out[out.field == "Industry"].verdict)


def test_given_rows_without_field_or_verdict_when_totalled_then_they_are_not_counted() -> None:
    frame = pd.DataFrame({
        "field": pd.Categorical(["A", "A", None, "B", "B"], categories=["A", "B"]),
        "verdict": pd.Categorical(["fill", None, "fill", "keep", "keep"], categories=list(diff.VERDICTS)),
    })
    table = diff.totals(frame)
    assert table.loc["A"].tolist() == [1, 0, 0, 0, 0, 0, 1]
    assert table.loc["B", "keep"] == 2 and table["total"].sum() == 3


def test_given_more_rows_than_a_chunk_when_totalled_then_every_chunk_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diff, "_TOTALS_CHUNK", 2)
    table = diff.totals(diff.compute(*_frames(), SPECS))
    assert table.loc["Industry"].tolist() == [1, 1, 0, 1, 0, 0, 3] and table["total"].sum() == 9


@pytest.mark.parametrize("ids", [["001B", "001A", "001B"], ["001A", "001B", "001B"], ["001A", None, None]])
def test_given_duplicate_ids_in_any_order_when_diffed_then_refuses(ids: list[str | None]) -> None:
    frame = pd.DataFrame({"Industry": ["Banking", None, "Retail"]}, index=pd.Index(ids, name="Id"))
    with pytest.raises(ValueError, match="duplicate record Ids"):
        diff.compute(frame, frame.iloc[:1], SPECS)


@pytest.mark.parametrize("ids", [["001C", "001A", "001B"], ["001A", "001B", "001C"]])
def test_given_unique_ids_in_any_order_when_diffed_then_one_row_per_record(ids: list[str]) -> None:
    frame = pd.DataFrame({"Industry": ["Banking", None, "Retail"]}, index=pd.Index(ids, name="Id"))
    out = diff.compute(frame, frame, SPECS)
    assert out.Id.tolist() == ids and out.verdict.tolist() == ["same", "no_data", "same"]
