"""Provenance against localorg: for one record, which fields hold the value the console wrote (run, time, source,
actor), which were changed or cleared since by a person, and which the console never wrote."""
from __future__ import annotations

import pytest

from core import engine
from core.errors import BadInput
from tests.fixtures.logs import MadeLog


def _by_field(frame: object) -> dict[str, dict[str, object]]:
    return frame.set_index("field").to_dict("index")  # type: ignore[attr-defined]


def test_given_a_written_field_when_provenance_is_read_from_the_org_then_the_console_wrote_it(
        logged_org: MadeLog) -> None:
    m = logged_org
    lead = m.written[0]

    fields = _by_field(engine.provenance("demo", "Lead", lead, base=m.base))

    title = fields["Title"]
    assert title["status"] == "console" and title["current"] == title["written"]
    assert (title["run_id"], title["source"], title["actor"], title["trigger"]) == (m.title_run.id, "demo", "olivia",
                                                                                    "manual")
    assert str(title["time"]).startswith(m.title_run.started[:10])
    assert fields["Industry"]["status"] == "not_console" and fields["Industry"]["run_id"] is None


def test_given_people_change_and_clear_written_values_when_provenance_is_read_then_it_says_so(
        logged_org: MadeLog) -> None:
    m = logged_org
    changed, cleared = m.written[1], m.written[2]
    m.handle.edit_as("admin@demo.test", "Lead", changed, {"Title": "VP Sales"})
    m.handle.edit_as("admin@demo.test", "Lead", cleared, {"Title": None})

    now_changed = _by_field(engine.provenance("demo", "Lead", changed, base=m.base))["Title"]
    now_cleared = _by_field(engine.provenance("demo", "Lead", cleared, base=m.base))["Title"]

    assert (now_changed["status"], now_changed["current"]) == ("changed", "VP Sales")
    assert now_changed["written"].startswith("Enriched") and now_changed["run_id"] == m.title_run.id
    assert (now_cleared["status"], now_cleared["current"]) == ("cleared", None)


def test_given_a_skipped_or_failed_cell_when_provenance_is_read_then_not_the_console_with_the_last_attempt(
        logged_org: MadeLog) -> None:
    m = logged_org
    person = _by_field(engine.provenance("demo", "Lead", m.person, base=m.base))["Title"]
    refused = _by_field(engine.provenance("demo", "Lead", m.refused[0], base=m.base))["Title"]

    assert (person["status"], person["current"], person["last_outcome"]) == ("not_console", m.person_value,
                                                                              "skipped_nonblank")
    assert (refused["status"], refused["current"], refused["last_outcome"]) == ("not_console", None, "failed")


def test_given_current_values_from_a_preview_when_provenance_is_asked_then_no_read_and_spaces_do_not_count(
        logged_org: MadeLog) -> None:
    m = logged_org
    lead = m.written[0]
    written = _by_field(engine.provenance("demo", "Lead", lead, base=m.base))["Title"]["written"]
    calls = m.handle.api_usage()[0]

    fields = _by_field(engine.provenance("demo", "Lead", lead, current={"Title": f"  {written} ", "Industry": None},
                                         base=m.base))

    assert m.handle.api_usage()[0] == calls
    assert fields["Title"]["status"] == "console" and fields["Industry"]["status"] == "not_console"
    assert list(fields) == ["Title", "Industry"]


def test_given_a_bad_or_missing_record_id_when_provenance_is_asked_then_a_clear_error(logged_org: MadeLog) -> None:
    m = logged_org
    with pytest.raises(BadInput, match="not a Salesforce record Id"):
        engine.provenance("demo", "Lead", "<b>x</b>", base=m.base)
    with pytest.raises(BadInput, match="was not found"):
        engine.provenance("demo", "Lead", "00Q000000000000AAA", base=m.base)
