"""localorg writes: Salesforce validation codes, system fields, If-Unmodified-Since, transactions, soft delete."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from localorg.data.org import ApiError, Org, UserView


class Clock:
    """A settable clock so tests decide what 'now' is."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def org(tmp_path: Path, clock: Clock) -> Org:
    org = Org(tmp_path / "org.db", clock=clock)
    org.seed("empty")
    return org


@pytest.fixture
def integration(org: Org) -> UserView:
    return org.as_user(org.user_by_username("integration@demo.test").id)  # type: ignore[union-attr]


def _lead(view: UserView, **extra: object) -> str:
    return view.create("Lead", {"LastName": "Lovelace", "Company": "Analytical Engines", **extra})


@pytest.mark.parametrize(("values", "code", "fields", "message"), [
    ({"Company": "x" * 256}, "STRING_TOO_LONG", ["Company"], "Company: data value too large: " + "x" * 256 + " (max length=255)"),
    ({"Industry": "x" * 41}, "STRING_TOO_LONG", ["Industry"], None),
    ({"Rating": "Lukewarm"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Rating"],
     "Rating: bad value for restricted picklist field: Lukewarm"),
    ({"Status": "Foo"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Status"], None),
    ({"NumberOfEmployees": "many"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["NumberOfEmployees"], None),
    ({"AnnualRevenue": True}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["AnnualRevenue"], None),
    ({"DoNotCall": "maybe"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["DoNotCall"], None),
    ({"NumberOfEmployees": 123456789}, "NUMBER_OUTSIDE_VALID_RANGE", ["NumberOfEmployees"], None),
    ({"LastName": None}, "REQUIRED_FIELD_MISSING", ["LastName"], "Required fields are missing: [LastName]"),
    ({"Company": ""}, "REQUIRED_FIELD_MISSING", ["Company"], None),
    ({"CreatedDate": "2020-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["CreatedDate"], None),
    ({"Name": "Full Name"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"], None),
    ({"Foo": 1}, "INVALID_FIELD", [], "No such column 'Foo' on sobject of type Lead"),
    ({"Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", ["Email"], None),
    ({"OwnerId": "001000000000001"}, "FIELD_INTEGRITY_EXCEPTION", ["OwnerId"], None),
    ({"OwnerId": "005000000000001"}, "INVALID_CROSS_REFERENCE_KEY", ["OwnerId"], None),
    ({"OwnerId": "nonsense"}, "MALFORMED_ID", ["OwnerId"], None),
])
def test_given_bad_value_when_lead_updated_then_salesforce_error_and_record_unchanged(
        integration: UserView, values: dict, code: str, fields: list[str], message: str | None) -> None:
    lead = _lead(integration)
    before = integration.get("Lead", lead)
    with pytest.raises(ApiError) as err:
        integration.update("Lead", lead, values)
    assert (err.value.status, err.value.error_code, err.value.fields) == (400, code, fields)
    if message:
        assert err.value.message == message
    assert err.value.body() == [{"message": err.value.message, "errorCode": code, "fields": fields}]
    assert integration.get("Lead", lead) == before


@pytest.mark.parametrize(("sobject", "values", "missing"), [
    ("Lead", {"FirstName": "Ada"}, ["LastName", "Company"]),
    ("Contact", {"FirstName": "Ada"}, ["LastName"]),
    ("Account", {"Website": "x.com"}, ["Name"]),
    ("Opportunity", {"Amount": 10}, ["Name", "StageName", "CloseDate"]),
])
def test_given_required_fields_absent_when_created_then_required_field_missing(
        integration: UserView, sobject: str, values: dict, missing: list[str]) -> None:
    with pytest.raises(ApiError) as err:
        integration.create(sobject, values)
    assert err.value.error_code == "REQUIRED_FIELD_MISSING"
    assert sorted(err.value.fields) == sorted(missing)


def test_given_valid_values_when_created_then_coerced_defaults_and_system_fields(integration: UserView) -> None:
    lead = _lead(integration, FirstName="Ada", NumberOfEmployees="12", AnnualRevenue=1500.4,
                 Industry="Not In The Standard List", Website="", DoNotCall="true")
    rec = integration.get("Lead", lead)
    uid = integration.user.id
    assert lead.startswith("00Q") and len(lead) == 18
    assert (rec["Name"], rec["NumberOfEmployees"], rec["AnnualRevenue"], rec["Website"], rec["DoNotCall"]) == (
        "Ada Lovelace", 12, 1500.0, None, True)
    assert rec["Industry"] == "Not In The Standard List"  # Industry is not a restricted picklist, as in Salesforce
    assert (rec["Status"], rec["OwnerId"], rec["IsDeleted"]) == ("Open - Not Contacted", uid, False)
    assert rec["CreatedDate"] == rec["LastModifiedDate"] == rec["SystemModstamp"] == "2026-03-02T09:30:00.000+0000"
    assert rec["CreatedById"] == rec["LastModifiedById"] == uid


def test_given_edit_by_another_user_when_read_then_modstamp_and_modifier_bumped(org: Org, integration: UserView,
                                                                                  clock: Clock) -> None:
    lead = _lead(integration)
    clock.now += timedelta(minutes=5, microseconds=123)
    admin = org.as_user(org.user_by_username("admin@demo.test").id)  # type: ignore[union-attr]
    admin.update("Lead", lead, {"Industry": "Energy"})
    rec = integration.get("Lead", lead)
    assert (rec["Industry"], rec["LastModifiedById"]) == ("Energy", admin.user.id)
    assert rec["LastModifiedDate"] == rec["SystemModstamp"] == "2026-03-02T09:35:00.000+0000"
    assert rec["CreatedDate"] == "2026-03-02T09:30:00.000+0000"


def test_given_record_changed_after_preview_when_if_unmodified_since_then_412(integration: UserView,
                                                                                clock: Clock) -> None:
    lead = _lead(integration)
    preview_time = clock.now
    clock.now += timedelta(seconds=30)
    integration.update("Lead", lead, {"Title": "Countess"})
    with pytest.raises(ApiError) as err:
        integration.update("Lead", lead, {"Industry": "Energy"}, if_unmodified_since=preview_time)
    assert (err.value.status, err.value.error_code) == (412, "PRECONDITION_FAILED")
    assert integration.get("Lead", lead)["Industry"] is None
    integration.update("Lead", lead, {"Industry": "Energy"}, if_unmodified_since=clock.now.replace(tzinfo=None))
    assert integration.get("Lead", lead)["Industry"] == "Energy"


def test_given_same_second_when_if_unmodified_since_then_not_412(integration: UserView, clock: Clock) -> None:
    lead = _lead(integration)
    clock.now += timedelta(milliseconds=900)  # still the same second: Salesforce compares at second precision
    integration.update("Lead", lead, {"Phone": "1"}, if_unmodified_since=datetime(2026, 3, 2, 9, 30, 0, 500000))


def test_given_failure_inside_transaction_when_rolled_back_then_no_write_survives(org: Org, integration: UserView) -> None:
    kept = _lead(integration)
    before = len(list(integration.catalog().rows("Lead")))
    with pytest.raises(ApiError):
        with org.transaction():
            _lead(integration, LastName="Babbage")
            integration.update("Lead", kept, {"Industry": "Energy"})
            integration.update("Lead", kept, {"Rating": "Nope"})
    rows = list(integration.catalog().rows("Lead"))
    assert len(rows) == before
    assert integration.get("Lead", kept)["Industry"] is None


def test_given_nested_savepoint_failure_when_outer_commits_then_only_inner_rolled_back(org: Org,
                                                                                       integration: UserView) -> None:
    with org.transaction():
        first = _lead(integration, LastName="First")
        with pytest.raises(RuntimeError):
            with org.transaction():
                _lead(integration, LastName="Second")
                raise RuntimeError("undo the inner block")
    names = sorted(r["LastName"] for r in integration.catalog().rows("Lead"))
    assert names == ["First"] and integration.get("Lead", first)["LastName"] == "First"


def test_given_deleted_record_when_read_then_404_but_query_all_rows_keep_it(integration: UserView) -> None:
    lead = _lead(integration)
    integration.delete("Lead", lead)
    with pytest.raises(ApiError) as err:
        integration.get("Lead", lead)
    assert err.value.status == 404
    assert [r["Id"] for r in integration.catalog().rows("Lead")] == []
    assert [(r["Id"], r["IsDeleted"]) for r in integration.catalog().rows("Lead", include_deleted=True)] == [(lead, True)]
    with pytest.raises(ApiError) as err:
        integration.update("Lead", lead, {"Phone": "1"})
    assert (err.value.status, err.value.error_code) == (404, "ENTITY_IS_DELETED")


def test_given_validation_rule_when_predicate_true_then_field_custom_validation_exception(org: Org,
                                                                                          integration: UserView) -> None:
    org.add_validation_rule("Lead", "Website", "Website must not be a free-mail domain",
                            lambda r: (r.get("Website") or "").endswith("gmail.com"))
    lead = _lead(integration, Website="acme.com")
    with pytest.raises(ApiError) as err:
        integration.update("Lead", lead, {"Website": "gmail.com"})
    assert err.value.body() == [{"message": "Website must not be a free-mail domain",
                                 "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "fields": ["Website"]}]


def test_given_15_char_id_when_reading_then_same_record(integration: UserView) -> None:
    lead = _lead(integration)
    assert integration.get("Lead", lead[:15])["Id"] == lead
    with pytest.raises(ApiError) as err:
        integration.get("Lead", "00Q000000000000")
    assert (err.value.status, err.value.error_code) == (404, "NOT_FOUND")


def test_given_many_threads_when_creating_then_every_record_stored_with_unique_ids(integration: UserView) -> None:
    made: list[str] = []

    def work() -> None:
        for _ in range(25):
            made.append(_lead(integration))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 150
    assert {r["Id"] for r in integration.catalog().rows("Lead")} == set(made)


def test_given_org_reopened_when_read_then_records_persist(tmp_path: Path, clock: Clock) -> None:
    org = Org(tmp_path / "org.db", clock=clock)
    org.seed("empty")
    view = org.as_user(org.user_by_username("integration@demo.test").id)  # type: ignore[union-attr]
    lead = _lead(view)
    org.close()
    again = Org(tmp_path / "org.db", clock=clock)
    again.seed("empty")  # a seeded database is left alone
    view = again.as_user(again.user_by_username("integration@demo.test").id)  # type: ignore[union-attr]
    assert [r["Id"] for r in view.catalog().rows("Lead")] == [lead]
    assert len(again.users()) == 21


def test_given_assignment_rule_when_auto_assign_on_then_owner_changes_else_kept(org: Org, integration: UserView) -> None:
    queue_owner = org.user_by_username("maria.garcia@demo.test").id  # type: ignore[union-attr]
    org.set_assignment_rule("Lead", queue_owner)
    lead = _lead(integration)
    integration.update("Lead", lead, {"Phone": "1"})
    assert integration.get("Lead", lead)["OwnerId"] == integration.user.id
    integration.update("Lead", lead, {"Phone": "2"}, auto_assign=True)
    assert integration.get("Lead", lead)["OwnerId"] == queue_owner


def test_given_industry_made_restricted_when_unknown_value_written_then_refused(org: Org, integration: UserView) -> None:
    lead = _lead(integration, Industry="Space Mining")
    org.set_picklist_restricted("Lead", "Industry", True)
    assert {f["name"]: f for f in integration.describe("Lead")["fields"]}["Industry"]["restrictedPicklist"] is True
    with pytest.raises(ApiError) as err:
        integration.update("Lead", lead, {"Industry": "Asteroid Farming"})
    assert err.value.message == "Industry: bad value for restricted picklist field: Asteroid Farming"
    integration.update("Lead", lead, {"Industry": "Energy"})


def test_given_50000_leads_when_catalog_rows_read_then_well_under_a_second(org: Org, integration: UserView) -> None:
    import time

    org.insert_system("Lead", [{"LastName": f"L{i}", "Company": f"Co {i}", "OwnerId": integration.user.id,
                                "Website": f"https://co{i}.example.com/"} for i in range(50_000)])
    org.warm()
    catalog = org.as_user(integration.user.id).catalog()
    started = time.perf_counter()
    rows = list(catalog.rows("Lead"))
    elapsed = time.perf_counter() - started
    assert len(rows) == 50_000 and rows[-1]["Company"] == "Co 49999"
    assert elapsed < 1.0, f"{elapsed:.2f}s for 50,000 rows"
