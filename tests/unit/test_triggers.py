"""The four sync triggers as a pure selection over small snapshot frames."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from core.sync import triggers
from core.sync.triggers import History

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _leads() -> pd.DataFrame:
    return pd.DataFrame({
        "CreatedDate": ["2026-01-01T00:00:00.000+0000", "2026-02-28T10:00:00.000+0000",
                        "2026-02-28T11:00:00.000+0000", "2026-02-28T11:30:00.000+0000"],
        "Website": ["acme.com", "globex.com", None, "  "],
        "Email": [None, None, "ann@initech.com", None],
    }, index=pd.Index(["00Q1", "00Q2", "00Q3", "00Q4"], name="Id")).astype("string")


def test_given_a_last_run_when_new_is_selected_then_only_records_created_after_it_with_a_key() -> None:
    since = datetime(2026, 2, 28, 10, 30, tzinfo=UTC)
    chosen = triggers.select("new", _leads(), History(since=since), NOW)
    assert list(chosen) == ["00Q3"]  # 00Q2 is older than the run, 00Q4 has no key (blank Website, no Email)


def test_given_no_run_ever_when_new_is_selected_then_every_record_with_a_key() -> None:
    assert list(triggers.select("new", _leads(), History(), NOW)) == ["00Q1", "00Q2", "00Q3"]


def test_given_recorded_keys_when_changed_is_selected_then_only_records_whose_key_differs() -> None:
    recorded = pd.DataFrame({"Website": ["ACME.com ", "old.com", ""], "Email": ["", "", "ann@initech.com"]},
                            index=["00Q1", "00Q2", "00Q3"])
    chosen = triggers.select("changed", _leads(), History(keys=recorded), NOW)
    assert list(chosen) == ["00Q2"]  # case and spaces are not a change; 00Q4 was never recorded: new, not changed


def test_given_an_email_changed_when_changed_is_selected_then_it_is_in() -> None:
    recorded = pd.DataFrame({"Website": [""], "Email": ["bob@initech.com"]}, index=["00Q3"])
    assert list(triggers.select("changed", _leads(), History(keys=recorded), NOW)) == ["00Q3"]


def test_given_nothing_recorded_when_changed_is_selected_then_none() -> None:
    assert triggers.select("changed", _leads(), History(), NOW).empty


def test_given_any_history_when_backfill_is_selected_then_every_record() -> None:
    history = History(since=NOW, keys=pd.DataFrame({"Website": ["acme.com"]}, index=["00Q1"]))
    assert list(triggers.select("backfill", _leads(), history, NOW)) == ["00Q1", "00Q2", "00Q3", "00Q4"]


def test_given_write_times_when_refresh_is_selected_then_only_records_written_more_than_30_days_ago() -> None:
    written = pd.Series({"00Q1": (NOW - timedelta(days=31)).isoformat(), "00Q2": (NOW - timedelta(days=29)).isoformat(),
                         "00Q9": (NOW - timedelta(days=90)).isoformat()})
    chosen = triggers.select("refresh", _leads(), History(last_written=written), NOW)
    assert list(chosen) == ["00Q1"]  # 00Q9 is no longer in the snapshot; 00Q3/00Q4 were never written


def test_given_all_three_when_scheduled_is_selected_then_their_union_in_record_order() -> None:
    history = History(since=datetime(2026, 2, 28, 10, 30, tzinfo=UTC),
                      keys=pd.DataFrame({"Website": ["old.com"], "Email": [""]}, index=["00Q2"]),
                      last_written=pd.Series({"00Q1": (NOW - timedelta(days=40)).isoformat()}))
    assert list(triggers.select("scheduled", _leads(), history, NOW)) == ["00Q1", "00Q2", "00Q3"]


def test_given_an_unknown_trigger_when_selected_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown trigger"):
        triggers.select("weekly", _leads(), History(), NOW)
