"""The guarded writer end to end against localorg: a person's value kept, per-record failures, Lead owners,
the daily limit and resume, transient failures retried from a fresh read, strict mode, roles and the run lock."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.errors import NotAllowed, RetryLater
from core.logs import runs as runlog
from core.sync.runlock import run_lock
from tests.fixtures.writer import WRITER, SaveLog, blank_leads, fill_cells, values

SMALL = engine.WriteOptions(batch_size=5, read_size=10, parallel=1, backoff=0.01)
PATCH = "PATCH /services/data/vXX.X/composite/sobjects"
RETRIEVE = "POST /services/data/vXX.X/composite/sobjects/{T}"


def test_given_a_person_fills_a_field_after_the_preview_when_applied_then_skipped_nonblank_and_their_value_intact(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 6)
    cells = fill_cells(leads, "Title")  # the preview saw six blanks
    person = leads[2]["Id"]
    org.edit_as("admin@demo.test", "Lead", person, {"Title": "Head of Procurement"})
    saves = SaveLog(org, ["Title"])

    run = engine.apply("demo", "Lead", cells, actor=WRITER, base=base)

    assert run.state == "done" and run.counts["written"] == 5 and run.counts["skipped_nonblank"] == 1
    assert values(org, [person], "Title") == {person: "Head of Procurement"}
    assert saves.count(person) == 0
    others = [lead["Id"] for lead in leads if lead["Id"] != person]
    assert values(org, others, "Title") == dict(zip(others, cells.set_index("Id").loc[others, "proposed"], strict=True))
    kept = engine.log_rows(base=base, run_id=run.id, outcome="skipped_nonblank")
    assert kept[["record_id", "field", "before", "after"]].values.tolist() == [
        [person, "Title", "Head of Procurement", "Enriched 2"]]
    assert "never overwritten" in kept["message"].iloc[0]
    written = engine.log_rows(base=base, run_id=run.id, outcome="written")
    assert set(written["record_id"]) == set(others) and written["source"].eq("demo").all()
    assert written["before"].isna().all() and written["actor"].eq("olivia").all()


def test_given_validation_rule_rejects_some_records_when_applied_then_failed_with_code_and_the_rest_written(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    org.org.add_validation_rule("Lead", "Title", "Interns are not leads.",
                                lambda record: str(record.get("Title") or "").startswith("Intern"))
    leads = blank_leads(org, "Title", 6)
    cells = fill_cells(leads, "Title")
    cells.loc[[1, 4], "proposed"] = ["Intern 1", "Intern 4"]

    run = engine.apply("demo", "Lead", cells, actor=WRITER, base=base)

    assert run.state == "done" and run.counts["failed"] == 2 and run.counts["written"] == 4
    failed = engine.log_rows(base=base, run_id=run.id, outcome="failed").sort_values("record_id")
    assert failed["record_id"].tolist() == sorted([leads[1]["Id"], leads[4]["Id"]])
    assert failed["error_code"].eq("FIELD_CUSTOM_VALIDATION_EXCEPTION").all()
    assert failed["message"].str.contains("Interns are not leads.").all()
    stored = values(org, [lead["Id"] for lead in leads], "Title")
    assert [stored[lead["Id"]] for lead in leads] == [None if i in (1, 4) else f"Enriched {i}" for i in range(6)]


def test_given_an_active_lead_assignment_rule_when_applied_then_lead_owners_unchanged(
        writer_org: tuple[Path, Any], sf_client: Any) -> None:
    base, org = writer_org
    org.set_assignment_rule("Lead", "auditor@demo.test")
    leads = blank_leads(org, "Title", 5)
    ids = [lead["Id"] for lead in leads]
    owners = values(org, ids, "OwnerId")

    run = engine.apply("demo", "Lead", fill_cells(leads[:4], "Title"), actor=WRITER, base=base)

    assert run.counts["written"] == 4
    assert values(org, ids[:4], "OwnerId") == {i: owners[i] for i in ids[:4]}
    # the rule is live: the same update without Sforce-Auto-Assign: FALSE hands the Lead to its owner
    sf_client(org, "integration@demo.test").Lead.update(ids[4], {"Title": "Buyer"})
    assert values(org, [ids[4]], "OwnerId")[ids[4]] == org.org.user_by_username("auditor@demo.test").id != owners[ids[4]]


def test_given_request_limit_exceeded_mid_run_when_applied_then_interrupted_and_resume_completes_once(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 30)
    ids = [lead["Id"] for lead in leads]
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", status=None, times=2)  # the first two pass
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", status=403, error_code="REQUEST_LIMIT_EXCEEDED",
                   message="TotalRequests Limit exceeded.", times=1)

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL)

    assert run.state == "interrupted" and "daily API request limit" in (run.message or "")
    assert (run.counts["written"], run.counts["pending"], run.counts["not_started"]) == (10, 5, 15)
    assert org.counters()[PATCH] == 3  # stopped at the refusal: never retried
    assert sum(v is not None for v in values(org, ids, "Title").values()) == 10

    resumed = engine.resume(run.id, actor=WRITER, base=base, options=SMALL)

    assert resumed.id == run.id and resumed.state == "done" and resumed.message is None
    assert resumed.counts["written"] == 30 and resumed.counts["pending"] == resumed.counts["not_started"] == 0
    assert values(org, ids, "Title") == {i: f"Enriched {n}" for n, i in enumerate(ids)}
    assert [saves.count(i) for i in ids] == [1] * 30
    assert runlog.cells_not_settled_once(base, run.id) == []


@pytest.mark.parametrize("fault", [
    {"status": 503, "error_code": "SERVER_UNAVAILABLE", "retry_after": 0.3},
    {"status": 500, "error_code": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record"},
    {"drop": True},
], ids=["503-retry-after", "unable-to-lock-row", "dropped-connection"])
def test_given_a_transient_failure_on_a_write_when_applied_then_retried_from_a_fresh_read_and_written_once(
        writer_org: tuple[Path, Any], fault: dict[str, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 10)
    ids = [lead["Id"] for lead in leads]
    saves = SaveLog(org, ["Title"])
    org.faults.add(method="PATCH", path=r"/composite/sobjects$", times=1, **fault)
    org.reset_counters()
    started = time.monotonic()

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL)

    assert run.state == "done" and run.counts["written"] == 10
    assert [saves.count(i) for i in ids] == [1] * 10
    counted = org.counters()
    assert (counted[PATCH], counted[RETRIEVE]) == (3, 2)  # 2 batches + 1 retry; 1 read + 1 re-read
    assert run.api_calls == 5
    if fault.get("retry_after"):
        assert time.monotonic() - started >= 0.3  # waited as long as Salesforce asked


def test_given_strict_mode_and_a_record_changed_after_the_fresh_read_when_applied_then_412_skipped_nonblank(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 3)
    ids = [lead["Id"] for lead in leads]
    # The batch's Composite call is slowed down; meanwhile a person edits the second record (after the read).
    slow = org.faults.add(method="POST", path=r"/composite$", status=None, delay=1.0, times=1)

    def edit_when_slowed() -> None:
        deadline = time.monotonic() + 60
        while slow.fired == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        org.edit_as("admin@demo.test", "Lead", ids[1], {"Description": "called them today"})

    editor = threading.Thread(target=edit_when_slowed)
    editor.start()
    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, strict=True,
                       options=SMALL)
    editor.join()

    assert run.state == "done" and run.options == {"strict": True}
    assert (run.counts["written"], run.counts["skipped_nonblank"]) == (2, 1)
    skipped = engine.log_rows(base=base, run_id=run.id, outcome="skipped_nonblank")
    assert skipped["record_id"].tolist() == [ids[1]] and "412" in skipped["message"].iloc[0]
    assert values(org, ids, "Title") == {ids[0]: "Enriched 0", ids[1]: None, ids[2]: "Enriched 2"}
    counted = org.counters()  # the three conditional PATCHes went as one Composite call
    assert counted["POST /services/data/vXX.X/composite"] == 1 and PATCH not in counted
    assert "PATCH /services/data/vXX.X/sobjects/{T}/{id}" not in counted and run.api_calls == 2


def test_given_a_viewer_when_applying_or_resuming_then_refused_before_any_call_and_no_run(
        writer_org: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    base, org = writer_org
    monkeypatch.setenv("CONSOLE_OPERATORS", "olivia")
    viewer = engine.Actor("vera")
    cells = fill_cells(blank_leads(org, "Title", 2), "Title")
    org.reset_counters()
    with pytest.raises(NotAllowed):
        engine.apply("demo", "Lead", cells, actor=viewer, base=base)
    with pytest.raises(NotAllowed):
        engine.resume("20261129-000000-abcdef", actor=viewer, base=base)
    assert org.counters() == {} and engine.runs(base=base) == []


def test_given_another_apply_holds_the_object_when_applying_then_refused_naming_it_and_nothing_written(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 2)
    with run_lock(base, "demo", "Lead", actor="oscar", run="20261129-101010-aaaaaa"):
        with pytest.raises(RetryLater) as refused:
            engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base)
    assert "oscar" in refused.value.message and "20261129-101010-aaaaaa" in refused.value.message
    assert refused.value.cause == "apply_running" and engine.runs(base=base) == []
    assert values(org, [lead["Id"] for lead in leads], "Title") == {lead["Id"]: None for lead in leads}


def test_given_a_record_deleted_after_the_preview_when_applied_then_failed_not_found_and_progress_reaches_all(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 12)
    admin = org.org.as_user(org.org.user_by_username("admin@demo.test").id)
    admin.delete("Lead", leads[7]["Id"])
    seen: list[engine.WriteProgress] = []

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL,
                       progress=seen.append)

    assert (run.counts["written"], run.counts["failed"]) == (11, 1)
    gone = engine.log_rows(base=base, run_id=run.id, outcome="failed")
    assert gone[["record_id", "error_code"]].values.tolist() == [[leads[7]["Id"], "NOT_FOUND"]]
    assert [p.settled for p in seen] == [0, 5, 10, 12] and seen[-1].planned == 12
    assert seen[-1].counts == {"written": 11, "failed": 1} and {p.run_id for p in seen} == {run.id}


def test_given_a_run_in_progress_when_listed_from_elsewhere_then_still_running(writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 10)
    seen: list[list[str]] = []

    def look(progress: engine.WriteProgress) -> None:
        seen.append([r.state for r in engine.runs(base=base)])  # while the apply holds its lock

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL,
                       progress=look)

    assert run.state == "done" and seen and all(states == ["running"] for states in seen)


@pytest.mark.parametrize("times, outcome", [(1, "written"), (99, "failed")], ids=["released", "held-throughout"])
def test_given_records_locked_by_another_transaction_when_applied_then_retried_alone_and_failed_only_if_still_locked(
        writer_org: tuple[Path, Any], times: int, outcome: str) -> None:
    base, org = writer_org
    leads = blank_leads(org, "Title", 10)
    ids = [lead["Id"] for lead in leads]
    org.hold_row_locks([ids[1], ids[7]], times=times)
    org.reset_counters()

    run = engine.apply("demo", "Lead", fill_cells(leads, "Title"), actor=WRITER, base=base, options=SMALL)

    assert run.state == "done"
    rows = engine.log_rows(base=base, run_id=run.id)
    finals = rows[rows["outcome"] != "pending"].set_index("record_id")
    assert finals.loc[[ids[1], ids[7]], "outcome"].tolist() == [outcome, outcome]
    assert finals.drop(index=[ids[1], ids[7]])["outcome"].eq("written").all()
    counted = org.counters()
    if outcome == "written":  # one re-read and one write more per locked batch
        assert (counted[PATCH], counted[RETRIEVE]) == (4, 3)
        assert values(org, ids, "Title") == {i: f"Enriched {n}" for n, i in enumerate(ids)}
    else:
        assert counted[PATCH] == 2 * SMALL.attempts and finals.loc[ids[1], "error_code"] == "UNABLE_TO_LOCK_ROW"
        assert values(org, [ids[1], ids[7]], "Title") == {ids[1]: None, ids[7]: None}
