"""The undo's rule (guard.still_as_written) and its seam (recheck.decide_undo): clear only exactly what a run wrote."""
from __future__ import annotations

import pandas as pd

from core.fields import FieldSpec
from core.sync import guard, recheck

TITLE = FieldSpec(name="Title", type="string", length=128)
EMPLOYEES = FieldSpec(name="NumberOfEmployees", type="int", precision=8, scale=0)
REVENUE = FieldSpec(name="AnnualRevenue", type="currency", precision=18, scale=2)
SINCE = FieldSpec(name="Since__c", type="datetime")
LOCKED = FieldSpec(name="Title", type="string", length=128, updateable=False)


def _still(current: list[object], written: list[object], spec: FieldSpec) -> list[bool]:
    return guard.still_as_written(pd.Series(current, dtype=object), pd.Series(written, dtype=object), spec).tolist()


def test_given_text_changed_in_case_or_spaces_when_judged_then_not_the_runs_value_any_more() -> None:
    assert _still(["Enriched", "ENRICHED", "Enriched ", "Other", None, "", "[[unknown]]"],
                  ["Enriched"] * 7, TITLE) == [True, False, False, False, False, False, False]


def test_given_numbers_as_salesforce_answers_them_when_judged_then_the_same_number_matches() -> None:
    assert _still([250, 250.0, 251, "250", None], ["250"] * 5, EMPLOYEES) == [True, True, False, True, False]
    assert _still([1200000.5, 1200000], ["1200000.50", "1200000.5"], REVENUE) == [True, False]


def test_given_a_datetime_in_salesforces_format_when_judged_then_the_same_moment_matches() -> None:
    assert _still(["2026-01-05T10:00:00.000+0000", "2026-01-05T11:00:00.000+0000"],
                  ["2026-01-05T10:00:00Z", "2026-01-05T10:00:00Z"], SINCE) == [True, False]


def _cells(expected: list[str], maybe_sent: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({"cell": range(len(expected)), "record_id": [f"00Q{i}" for i in range(len(expected))],
                         "field": "Title", "proposed": "", "expected": expected, "maybe_sent": maybe_sent})


def _fresh(values: list[object]) -> pd.DataFrame:
    return recheck.fresh_frame([{"Id": f"00Q{i}", "Title": v} for i, v in enumerate(values)], ["Id", "Title"])


def test_given_the_fresh_read_when_an_undo_decides_then_ours_sent_blank_and_the_rest_settled_with_reasons() -> None:
    cells = _cells(["A", "B", "C", "D", "E"], [False, False, True, False, False])
    fresh = _fresh(["A", "b", None, None])  # 00Q4 gone

    decision = recheck.decide_undo(cells, fresh, {"Title": TITLE})

    assert decision.send[["record_id", "proposed", "before", "expected"]].values.tolist() == [["00Q0", None, "A", "A"]]
    assert recheck.payload(decision.send, {"Title": TITLE}) == [{"id": "00Q0", "Title": None}]
    final = decision.final.set_index("record_id")
    assert final.loc[["00Q1", "00Q2", "00Q3", "00Q4"], "outcome"].tolist() == [
        "skipped_nonblank", "written", "skipped_nonblank", "failed"]
    assert final.loc["00Q1", "message"] == "Changed since the run wrote 'B': holds 'b' now; left alone."
    assert final.loc["00Q2", "message"] == recheck.UNDO_CLEARED_MESSAGE  # a resumed clear that had landed
    assert final.loc["00Q3", "message"] == recheck.UNDO_BLANK_MESSAGE
    assert final["proposed"].isna().all()


def test_given_the_field_is_no_longer_updateable_when_an_undo_decides_then_nothing_sent() -> None:
    decision = recheck.decide_undo(_cells(["A"], [False]), _fresh(["A"]), {"Title": LOCKED})
    assert decision.send.empty and decision.final["outcome"].tolist() == ["skipped_no_access"]
