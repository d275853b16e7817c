"""Provenance's pure judgement: a current value against the console's last write, as the console renders values."""
from __future__ import annotations

import pandas as pd

from core.sync.provenance import judge, same


def _writes(*rows: tuple[str, str | None, str]) -> pd.DataFrame:
    return pd.DataFrame([{"field": f, "after": after, "time": "2026-11-01T10:00:00+00:00", "run_id": run,
                          "source": "demo", "actor": "olivia", "trigger": "manual", "last_outcome": "written",
                          "last_attempt": "2026-11-01T10:00:00+00:00"} for f, after, run in rows])


def test_given_values_as_salesforce_sends_them_when_compared_with_the_written_text_then_by_value() -> None:
    assert same("250", "250") and same("250", "250.0") and same(" Acme ", "Acme")
    assert not same("251", "250") and not same("acme", "Acme")
    assert same(None, "") and same("[[unknown]]", None) and not same(None, "Acme")


def test_given_a_record_when_judged_then_each_field_gets_its_status() -> None:
    writes = _writes(("NumberOfEmployees", "250", "r1"), ("Industry", "Retail", "r1"), ("Title", "CTO", "r2"))
    current = {"NumberOfEmployees": 250.0, "Industry": "Banking", "Title": "  ", "Phone": "555", "Flag": False}

    got = judge(current, writes, fields=["Website"]).set_index("field")

    assert got["status"].to_dict() == {"Website": "not_read", "NumberOfEmployees": "console", "Industry": "changed",
                                       "Title": "cleared", "Phone": "not_console", "Flag": "not_console"}
    assert got.loc["NumberOfEmployees", "current"] == "250" and got.loc["Flag", "current"] == "false"
    assert got.loc["Industry", "written"] == "Retail" and got.loc["Title", "run_id"] == "r2"
    assert got.loc["Phone", "run_id"] is None and got.loc["Website", "current"] is None


def test_given_an_empty_log_when_judged_then_nothing_is_the_consoles() -> None:
    empty = pd.DataFrame(columns=["field", "after", "time", "run_id", "source", "actor", "trigger", "last_outcome",
                                  "last_attempt"])
    got = judge({"Industry": "Retail"}, empty)
    assert got[["field", "status"]].values.tolist() == [["Industry", "not_console"]]


def test_given_an_undo_cleared_a_written_field_when_judged_then_undone_and_nothing_crashes() -> None:
    writes = _writes(("Industry", None, "u1"), ("Title", None, "u1")).assign(trigger="undo")
    writes.loc[:, "after"] = float("nan")  # as SQLite's null comes back through pandas
    got = judge({"Industry": None, "Title": "CEO"}, writes).set_index("field")
    assert got["status"].to_dict() == {"Industry": "undone", "Title": "changed"}
    assert got.loc["Industry", "written"] is None and got.loc["Industry", "run_id"] == "u1"
    assert same(float("nan"), None) and not same(float("nan"), "Acme")
