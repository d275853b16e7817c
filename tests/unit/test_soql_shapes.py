"""SOQL result shapes as Salesforce answers them: AggregateResult attributes, nested child results, compound objects,
column metadata, and the date ranges behind the literals."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from localorg.soql import execute, parse
from localorg.soql.ast import Literal, SoqlError
from localorg.soql.columns import column_metadata
from localorg.soql.dates import day_range
from tests.unit.soql_world import NOW, WorldCatalog, acc, con


def run(soql: str) -> list[dict]:
    return execute(parse(soql), WorldCatalog(), version="62.0", now=NOW).records


def test_given_group_by_when_executed_then_aggregate_result_attributes_and_select_order() -> None:
    records = run("SELECT COUNT(Id) n, StageName, MAX(Amount) FROM Opportunity GROUP BY StageName LIMIT 1")
    assert records == [{"attributes": {"type": "AggregateResult"}, "n": 2, "StageName": "Closed Lost", "expr0": 3000.0}]
    assert list(records[0]) == ["attributes", "n", "StageName", "expr0"]


def test_given_child_subquery_when_executed_then_nested_query_result_with_child_attributes() -> None:
    (record,) = run("SELECT Id, (SELECT Id, Email FROM Contacts WHERE LastName = 'Lee') FROM Account WHERE Name = 'Globex'")
    assert record == {
        "attributes": {"type": "Account", "url": f"/services/data/v62.0/sobjects/Account/{acc(2)}"},
        "Id": acc(2),
        "Contacts": {"totalSize": 1, "done": True, "records": [{
            "attributes": {"type": "Contact", "url": f"/services/data/v62.0/sobjects/Contact/{con(4)}"},
            "Id": con(4), "Email": "lee@globex.com"}]},
    }
    assert list(record["Contacts"]) == ["totalSize", "done", "records"]


def test_given_address_when_selected_then_every_component_key_in_salesforce_order() -> None:
    (record,) = run("SELECT BillingAddress FROM Account WHERE Name = 'Initech'")
    assert list(record["BillingAddress"]) == ["city", "country", "countryCode", "geocodeAccuracy", "latitude",
                                              "longitude", "postalCode", "state", "stateCode", "street"]
    assert (record["BillingAddress"]["city"], record["BillingAddress"]["latitude"]) == ("Berlin", None)


def test_given_parent_and_child_columns_when_described_then_join_columns_nest_them() -> None:
    meta = column_metadata(parse("SELECT Id, Owner.Name, (SELECT LastName FROM Contacts) FROM Account"), WorldCatalog(),
                           now=NOW)
    assert (meta["entityName"], meta["groupBy"], meta["idSelected"]) == ("Account", False, True)
    names = [(c["columnName"], c["aggregate"], [j["columnName"] for j in c["joinColumns"]]) for c in meta["columnMetadata"]]
    assert names == [("Id", False, []), ("Owner", False, ["Name"]), ("Contacts", True, ["LastName"])]
    assert meta["columnMetadata"][1]["joinColumns"][0]["displayName"] == "Owner.Name"


def test_given_aggregate_columns_when_described_then_expr_names_and_types() -> None:
    meta = column_metadata(parse("SELECT StageName, COUNT(Id), SUM(Amount) total FROM Opportunity GROUP BY StageName"),
                           WorldCatalog(), now=NOW)
    assert meta["groupBy"] is True and meta["idSelected"] is False
    assert [(c["columnName"], c["displayName"], c["apexType"], c["aggregate"]) for c in meta["columnMetadata"]] == [
        ("StageName", "StageName", "String", False), ("expr0", "COUNT(Id)", "Integer", True),
        ("total", "total", "Decimal", True)]


def test_given_bad_column_when_described_then_same_error_as_running_it() -> None:
    with pytest.raises(SoqlError) as caught:
        column_metadata(parse("SELECT Id, COUNT(Id) FROM Opportunity"), WorldCatalog(), now=NOW)
    assert caught.value.error_code == "MALFORMED_QUERY"


@pytest.mark.parametrize(("literal", "today", "fiscal", "expected"), [
    (("THIS_WEEK", 0), date(2024, 6, 9), 1, (date(2024, 6, 9), date(2024, 6, 16))),     # a Sunday starts its week
    (("LAST_N_MONTHS", 12), date(2024, 1, 31), 1, (date(2023, 1, 1), date(2024, 1, 1))),
    (("NEXT_N_QUARTERS", 1), date(2024, 12, 31), 1, (date(2025, 1, 1), date(2025, 4, 1))),
    (("THIS_FISCAL_YEAR", 0), date(2024, 3, 1), 4, (date(2023, 4, 1), date(2024, 4, 1))),
    (("THIS_FISCAL_QUARTER", 0), date(2024, 1, 15), 11, (date(2023, 11, 1), date(2024, 2, 1))),
    (("LAST_90_DAYS", 0), date(2024, 3, 1), 1, (date(2023, 12, 2), date(2024, 3, 2))),
    (("N_DAYS_AGO", 0), date(2024, 3, 1), 1, (date(2024, 3, 1), date(2024, 3, 2))),
])
def test_given_a_date_literal_when_ranged_then_calendar_edges(literal: tuple, today: date, fiscal: int,
                                                              expected: tuple) -> None:
    now = datetime(today.year, today.month, today.day, 23, 59, tzinfo=UTC)
    assert day_range(Literal("relative", literal, literal[0]), now, fiscal) == expected
