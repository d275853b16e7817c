"""SOQL conformance beyond plain selects: aggregates, subqueries, semi-/anti-joins, date literals, compound fields,
FIELDS(), toLabel(), FORMAT() and WITH — each query answers exactly these records (attributes aside) or is
refused with Salesforce's error code. Shapes with attributes are pinned in test_soql_shapes.py."""
from __future__ import annotations

from typing import Any

import pytest

from localorg.soql import SoqlError, execute, parse
from tests.unit.soql_world import NOW, WorldCatalog, acc, con

AUSTIN = {"city": "Austin", "country": "USA", "countryCode": None, "geocodeAccuracy": None, "latitude": 30.25,
          "longitude": -97.5, "postalCode": None, "state": None, "stateCode": None, "street": None}
OPP = "SELECT Id FROM Opportunity WHERE "

# (WHERE clause on Opportunity, fiscal year start month, the opportunity numbers answered in Id order)
DATE_LITERALS: list[tuple[str, int, list[int]]] = [
    ("CloseDate = TODAY", 1, [1]),
    ("CloseDate = YESTERDAY", 1, [10]),
    ("CloseDate = TOMORROW", 1, [9]),
    ("CloseDate = THIS_WEEK", 1, [1, 2, 10]),
    ("CloseDate = LAST_WEEK", 1, [3]),
    ("CloseDate = NEXT_WEEK", 1, [9]),
    ("CloseDate = THIS_MONTH", 1, [1, 2, 3, 9, 10]),
    ("CloseDate = LAST_MONTH", 1, [4]),
    ("CloseDate = NEXT_MONTH", 1, [5]),
    ("CloseDate = LAST_90_DAYS", 1, [1, 2, 3, 4, 6, 10]),
    ("CloseDate = NEXT_90_DAYS", 1, [5, 9]),
    ("CloseDate = LAST_N_DAYS:10", 1, [1, 2, 3, 10]),
    ("CloseDate = NEXT_N_DAYS:1", 1, [9]),
    ("CloseDate = N_DAYS_AGO:10", 1, [3]),
    ("CloseDate = LAST_N_WEEKS:2", 1, [3]),
    ("CloseDate = NEXT_N_WEEKS:3", 1, [5, 9]),
    ("CloseDate = N_WEEKS_AGO:1", 1, [3]),
    ("CloseDate = LAST_N_MONTHS:2", 1, [4]),
    ("CloseDate = NEXT_N_MONTHS:7", 1, [5, 8]),
    ("CloseDate = N_MONTHS_AGO:7", 1, [7]),
    ("CloseDate = THIS_QUARTER", 1, [1, 2, 3, 4, 9, 10]),
    ("CloseDate = LAST_QUARTER", 1, [6]),
    ("CloseDate = NEXT_QUARTER", 1, [5]),
    ("CloseDate = LAST_N_QUARTERS:3", 1, [6, 7]),
    ("CloseDate = NEXT_N_QUARTERS:2", 1, [5]),
    ("CloseDate = N_QUARTERS_AGO:2", 1, [7]),
    ("CloseDate = THIS_YEAR", 1, [1, 2, 3, 4, 5, 6, 9, 10]),
    ("CloseDate = LAST_YEAR", 1, [7]),
    ("CloseDate = NEXT_YEAR", 1, [8]),
    ("CloseDate = LAST_N_YEARS:1", 1, [7]),
    ("CloseDate = NEXT_N_YEARS:1", 1, [8]),
    ("CloseDate = N_YEARS_AGO:1", 1, [7]),
    ("CloseDate = THIS_FISCAL_QUARTER", 1, [1, 2, 3, 4, 9, 10]),
    ("CloseDate = THIS_FISCAL_YEAR", 1, [1, 2, 3, 4, 5, 6, 9, 10]),
    ("CloseDate = THIS_FISCAL_QUARTER", 2, [1, 2, 3, 4, 5, 9, 10]),
    ("CloseDate = LAST_FISCAL_QUARTER", 2, [6]),
    ("CloseDate = NEXT_FISCAL_QUARTER", 2, []),
    ("CloseDate = NEXT_N_FISCAL_QUARTERS:2", 2, [8]),
    ("CloseDate = LAST_N_FISCAL_QUARTERS:1", 2, [6]),
    ("CloseDate = N_FISCAL_QUARTERS_AGO:2", 2, [7]),
    ("CloseDate = THIS_FISCAL_YEAR", 2, [1, 2, 3, 4, 5, 6, 8, 9, 10]),
    ("CloseDate = LAST_FISCAL_YEAR", 2, [7]),
    ("CloseDate = NEXT_FISCAL_YEAR", 2, []),
    ("CloseDate = NEXT_N_FISCAL_YEARS:1", 2, []),
    ("CloseDate = LAST_N_FISCAL_YEARS:2", 2, [7]),
    ("CloseDate = N_FISCAL_YEARS_AGO:1", 2, [7]),
    ("CloseDate > THIS_MONTH", 1, [5, 8]),
    ("CloseDate < LAST_WEEK", 1, [4, 6, 7]),
    ("CloseDate >= NEXT_WEEK", 1, [5, 8, 9]),
    ("CloseDate <= YESTERDAY", 1, [2, 3, 4, 6, 7, 10]),
    ("CloseDate != THIS_YEAR", 1, [7, 8]),
    ("CloseDate IN (LAST_MONTH, NEXT_MONTH)", 1, [4, 5]),
]

# (query, the records without their attributes; an int is the totalSize of a COUNT() query)
ACCEPTED: list[tuple[str, Any]] = [
    ("SELECT COUNT(Id) FROM Opportunity", [{"expr0": 10}]),
    ("SELECT COUNT(Id) n, COUNT(Amount), SUM(Amount), AVG(Probability), MIN(CloseDate), MAX(Amount) FROM Opportunity",
     [{"n": 10, "expr0": 9, "expr1": 52700.0, "expr2": 37.0, "expr3": "2023-11-15", "expr4": 20000.0}]),
    ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName",
     [{"StageName": "Closed Lost", "expr0": 2}, {"StageName": "Closed Won", "expr0": 3},
      {"StageName": "Negotiation/Review", "expr0": 1}, {"StageName": "Prospecting", "expr0": 4}]),
    ("SELECT StageName stage, SUM(Amount) total FROM Opportunity GROUP BY StageName HAVING SUM(Amount) > 10000 "
     "ORDER BY SUM(Amount) DESC",
     [{"stage": "Negotiation/Review", "total": 20000.0}, {"stage": "Closed Won", "total": 15500.0},
      {"stage": "Prospecting", "total": 13200.0}]),
    ("SELECT COUNT_DISTINCT(AccountId) FROM Opportunity", [{"expr0": 4}]),
    ("SELECT AccountId, COUNT(Id) FROM Opportunity WHERE AccountId != null GROUP BY AccountId HAVING COUNT(Id) = 3",
     [{"AccountId": acc(1), "expr0": 3}]),
    ("SELECT Account.Name, MAX(CloseDate) FROM Opportunity GROUP BY Account.Name ORDER BY Account.Name NULLS LAST",
     [{"Name": "Acme", "expr0": "2024-06-15"}, {"Name": "Globex", "expr0": "2024-07-02"},
      {"Name": "Initech", "expr0": "2024-03-31"}, {"Name": "Umbrella", "expr0": "2024-06-16"},
      {"Name": None, "expr0": "2025-01-10"}]),
    ("SELECT Industry FROM Account GROUP BY Industry", [{"Industry": None}, {"Industry": "Retail"}, {"Industry": "Technology"}]),
    ("SELECT COUNT() FROM Opportunity GROUP BY StageName", 4),
    ("SELECT COUNT(Id), MAX(Amount) FROM Opportunity WHERE Name = 'Nope'", [{"expr0": 0, "expr1": None}]),
    ("SELECT StageName, COUNT(Id) FROM Opportunity WHERE Name = 'Nope' GROUP BY StageName", []),
    ("SELECT IsWon, COUNT(Id) FROM Opportunity GROUP BY IsWon", [{"IsWon": False, "expr0": 7}, {"IsWon": True, "expr0": 3}]),
    ("SELECT toLabel(Type) t, COUNT(Id) FROM Account GROUP BY Type",
     [{"t": None, "expr0": 1}, {"t": "Direct customer", "expr0": 2}, {"t": "Prospect", "expr0": 1}]),
    ("SELECT FORMAT(SUM(Amount)) total, FORMAT(COUNT(Id)) FROM Opportunity", [{"total": "$52,700.00", "expr0": "10"}]),
    ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName ORDER BY COUNT(Id) DESC LIMIT 2",
     [{"StageName": "Prospecting", "expr0": 4}, {"StageName": "Closed Won", "expr0": 3}]),
    ("SELECT StageName FROM Opportunity GROUP BY StageName HAVING StageName LIKE 'Closed%'",
     [{"StageName": "Closed Lost"}, {"StageName": "Closed Won"}]),
    ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName "
     "HAVING StageName IN ('Prospecting', 'Closed Won') AND COUNT(Id) >= 3",
     [{"StageName": "Closed Won", "expr0": 3}, {"StageName": "Prospecting", "expr0": 4}]),
    ("SELECT StageName FROM Opportunity GROUP BY StageName LIMIT 1 OFFSET 1", [{"StageName": "Closed Won"}]),
    ("SELECT MIN(LastName), MAX(LastName) FROM Contact", [{"expr0": "Brown", "expr1": "Smith"}]),
    ("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name",
     [{"Name": "Acme", "Contacts": {"totalSize": 3, "done": True, "records": [
         {"LastName": "Brown"}, {"LastName": "Jones"}, {"LastName": "Smith"}]}},
      {"Name": "Globex", "Contacts": {"totalSize": 1, "done": True, "records": [{"LastName": "Lee"}]}},
      {"Name": "Initech", "Contacts": None}, {"Name": "Umbrella", "Contacts": None}]),
    ("SELECT Name, (SELECT Name, Amount FROM Opportunities WHERE Amount > 2000 ORDER BY Amount DESC LIMIT 1) "
     "FROM Account WHERE Name IN ('Acme', 'Umbrella') ORDER BY Name",
     [{"Name": "Acme", "Opportunities": {"totalSize": 1, "done": True, "records": [{"Name": "Acme Expansion", "Amount": 12000.0}]}},
      {"Name": "Umbrella", "Opportunities": {"totalSize": 1, "done": True, "records": [{"Name": "Umbrella Old", "Amount": 2500.0}]}}]),
    ("SELECT Name, (SELECT Id FROM Contacts), (SELECT Id FROM Opportunities WHERE IsWon = true) FROM Account WHERE Name = 'Globex'",
     [{"Name": "Globex", "Contacts": {"totalSize": 1, "done": True, "records": [{"Id": con(4)}]}, "Opportunities": None}]),
    ("SELECT Name, (SELECT Name FROM Opportunities WHERE CloseDate = THIS_WEEK ORDER BY Name) FROM User ORDER BY Name",
     [{"Name": "Ada Lovelace", "Opportunities": {"totalSize": 3, "done": True, "records": [
         {"Name": "Acme Expansion"}, {"Name": "Acme Renewal"}, {"Name": "Umbrella Old"}]}},
      {"Name": "Bob Stone", "Opportunities": None}]),
    ("SELECT Name, (SELECT LastName, Account.Name FROM Contacts WHERE Email != null ORDER BY LastName) FROM Account WHERE Name = 'Acme'",
     [{"Name": "Acme", "Contacts": {"totalSize": 2, "done": True, "records": [
         {"LastName": "Jones", "Account": {"Name": "Acme"}}, {"LastName": "Smith", "Account": {"Name": "Acme"}}]}}]),
    ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won') ORDER BY Name",
     [{"Name": "Acme"}, {"Name": "Initech"}, {"Name": "Umbrella"}]),
    ("SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact) ORDER BY Name", [{"Name": "Initech"}, {"Name": "Umbrella"}]),
    ("SELECT LastName FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Industry = 'Technology') ORDER BY LastName",
     [{"LastName": "Brown"}, {"LastName": "Jones"}, {"LastName": "Lee"}, {"LastName": "Smith"}]),
    ("SELECT LastName FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account WHERE Industry = 'Technology')",
     [{"LastName": "Kim"}]),
    ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Id IN (SELECT AccountId FROM Opportunity "
     "WHERE Amount > 10000) AND Industry = 'Technology' ORDER BY Name", [{"Name": "Acme"}, {"Name": "Globex"}]),
    ("SELECT Name FROM Opportunity WHERE AccountId IN (SELECT AccountId FROM Contact WHERE Email LIKE '%globex%') ORDER BY Name",
     [{"Name": "Globex Deal"}, {"Name": "Globex Upsell"}]),
    ("SELECT Name FROM Account WHERE OwnerId IN (SELECT Id FROM User WHERE Name = 'Bob Stone') ORDER BY Name",
     [{"Name": "Globex"}, {"Name": "Umbrella"}]),
    ("SELECT Name, BillingAddress FROM Account WHERE Name IN ('Acme', 'Globex') ORDER BY Name",
     [{"Name": "Acme", "BillingAddress": AUSTIN}, {"Name": "Globex", "BillingAddress": None}]),
    ("SELECT Location__c FROM Account WHERE Name = 'Acme'", [{"Location__c": {"latitude": 30.25, "longitude": -97.5}}]),
    ("SELECT LastName, Account.BillingAddress FROM Contact WHERE LastName IN ('Lee', 'Smith') ORDER BY LastName",
     [{"LastName": "Lee", "Account": {"BillingAddress": None}}, {"LastName": "Smith", "Account": {"BillingAddress": AUSTIN}}]),
    ("SELECT FIELDS(CUSTOM) FROM Account WHERE Name = 'Acme' LIMIT 1",
     [{"Tier__c": "Gold", "Location__Latitude__s": 30.25, "Location__Longitude__s": -97.5,
       "Location__c": {"latitude": 30.25, "longitude": -97.5}}]),
    ("SELECT FIELDS(STANDARD) FROM User ORDER BY Name", [{"Id": "005000000000001AAA", "Name": "Ada Lovelace"},
                                                          {"Id": "005000000000002AAA", "Name": "Bob Stone"}]),
    ("SELECT Id, FIELDS(ALL) FROM Contact WHERE LastName = 'Kim' LIMIT 200",
     [{"Id": con(5), "LastName": "Kim", "Email": "kim@example.org", "AccountId": None}]),
    ("SELECT Name, (SELECT FIELDS(ALL) FROM Contacts LIMIT 1) FROM Account WHERE Name = 'Globex'",
     [{"Name": "Globex", "Contacts": {"totalSize": 1, "done": True, "records": [
         {"Id": con(4), "LastName": "Lee", "Email": "lee@globex.com", "AccountId": acc(2)}]}}]),
    ("SELECT Name, toLabel(Type) FROM Account ORDER BY Name",
     [{"Name": "Acme", "Type": "Direct customer"}, {"Name": "Globex", "Type": "Prospect"},
      {"Name": "Initech", "Type": "Direct customer"}, {"Name": "Umbrella", "Type": None}]),
    ("SELECT Type, toLabel(Type) typeLabel FROM Account WHERE Name = 'Acme'",
     [{"Type": "Customer - Direct", "typeLabel": "Direct customer"}]),
    ("SELECT FORMAT(Amount), FORMAT(CloseDate) closes, FORMAT(Probability) FROM Opportunity WHERE Name = 'Acme Renewal'",
     [{"Amount": "$5,000.00", "closes": "6/15/2024", "Probability": "100%"}]),
    ("SELECT FORMAT(CreatedDate), FORMAT(NumberOfEmployees) FROM Account WHERE Name = 'Globex'",
     [{"CreatedDate": "1/2/2024, 10:00 AM", "NumberOfEmployees": "20"}]),
    ("SELECT Name FROM Account WHERE Industry = 'Retail' WITH SECURITY_ENFORCED", [{"Name": "Initech"}]),
    ("SELECT Name FROM Account WITH USER_MODE ORDER BY Name LIMIT 1", [{"Name": "Acme"}]),
    ("SELECT COUNT(Id) FROM Account WITH SECURITY_ENFORCED", [{"expr0": 4}]),
    ("SELECT Name FROM Account WHERE CreatedDate = N_MONTHS_AGO:5 AND CreatedDate < THIS_QUARTER ORDER BY Name LIMIT 2",
     [{"Name": "Acme"}, {"Name": "Globex"}]),
]

REFUSED: list[tuple[str, str]] = [
    ("SELECT Id, COUNT(Id) FROM Opportunity", "MALFORMED_QUERY"),
    ("SELECT StageName, Name FROM Opportunity GROUP BY StageName", "MALFORMED_QUERY"),
    ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY ROLLUP(StageName)", "MALFORMED_QUERY"),
    ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY CUBE(StageName)", "MALFORMED_QUERY"),
    ("SELECT SUM(Name) FROM Opportunity", "INVALID_FIELD"),
    ("SELECT AVG(CloseDate) FROM Opportunity", "INVALID_FIELD"),
    ("SELECT MAX(IsWon) FROM Opportunity", "INVALID_FIELD"),
    ("SELECT COUNT(Description) FROM Account", "INVALID_FIELD"),
    ("SELECT Amount, COUNT(Id) FROM Opportunity GROUP BY Amount", "INVALID_FIELD"),
    ("SELECT MAX(Amount) FROM Opportunity LIMIT 1", "MALFORMED_QUERY"),
    ("SELECT COUNT(Id) c, SUM(Amount) c FROM Opportunity", "MALFORMED_QUERY"),
    ("SELECT Name n FROM Account", "MALFORMED_QUERY"),
    ("SELECT COUNT(), Name FROM Account", "MALFORMED_QUERY"),
    ("SELECT SUM() FROM Opportunity", "MALFORMED_QUERY"),
    ("SELECT StageName FROM Opportunity HAVING COUNT(Id) > 1", "MALFORMED_QUERY"),
    ("SELECT Name FROM Opportunity WHERE COUNT(Id) > 1", "MALFORMED_QUERY"),
    ("SELECT StageName FROM Opportunity GROUP BY StageName HAVING Name = 'x'", "MALFORMED_QUERY"),
    ("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 'x'", "MALFORMED_QUERY"),
    ("SELECT Name FROM Opportunity ORDER BY COUNT(Id)", "MALFORMED_QUERY"),
    ("SELECT StageName FROM Opportunity GROUP BY StageName ORDER BY Name", "MALFORMED_QUERY"),
    ("SELECT Name, (SELECT Id FROM Nope) FROM Account", "INVALID_TYPE"),
    ("SELECT Name, (SELECT Foo FROM Contacts) FROM Account", "INVALID_FIELD"),
    ("SELECT Name, (SELECT COUNT(Id) FROM Contacts) FROM Account", "MALFORMED_QUERY"),
    ("SELECT Name, (SELECT Id, (SELECT Id FROM Opportunities) FROM Contacts) FROM Account", "MALFORMED_QUERY"),
    ("SELECT Name, (SELECT Id FROM Contacts OFFSET 1) FROM Account", "MALFORMED_QUERY"),
    ("SELECT Name, COUNT(Id), (SELECT Id FROM Contacts) FROM Account GROUP BY Name", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE NOT Id IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE AccountId IN (SELECT Id FROM Account))",
     "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE Id IN (SELECT LastName FROM Contact)", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE Name IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE Id IN (SELECT Id FROM Contact)", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact ORDER BY LastName)", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Nope)", "INVALID_TYPE"),
    ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Id IN (SELECT AccountId FROM "
     "Opportunity) AND Id NOT IN (SELECT AccountId FROM Contact WHERE Email = null)", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WHERE BillingAddress = null", "INVALID_FIELD"),
    ("SELECT Name FROM Account ORDER BY BillingAddress", "INVALID_FIELD"),
    ("SELECT BillingAddress, COUNT(Id) FROM Account GROUP BY BillingAddress", "INVALID_FIELD"),
    ("SELECT FIELDS(ALL) FROM Account", "MALFORMED_QUERY"),
    ("SELECT FIELDS(CUSTOM) FROM Account LIMIT 201", "MALFORMED_QUERY"),
    ("SELECT Name, (SELECT FIELDS(ALL) FROM Contacts) FROM Account", "MALFORMED_QUERY"),
    ("SELECT FIELDS(STANDARD) FROM Account GROUP BY Name", "MALFORMED_QUERY"),
    ("SELECT FIELDS(EVERYTHING) FROM Account", "MALFORMED_QUERY"),
    ("SELECT toLabel(Name) FROM Account", "INVALID_FIELD"),
    ("SELECT Type, toLabel(Type) FROM Account", "MALFORMED_QUERY"),
    ("SELECT FORMAT(Foo) FROM Account", "INVALID_FIELD"),
    ("SELECT Name FROM Account WITH SYSTEM_MODE", "MALFORMED_QUERY"),
    ("SELECT Name FROM Account WITH DATA CATEGORY Geography__c AT usa__c", "MALFORMED_QUERY"),
    (OPP + "CloseDate = LAST_N_WEEKS", "MALFORMED_QUERY"),
    (OPP + "CloseDate = NEXT_N_YEARS:99999999", "MALFORMED_QUERY"),
    (OPP + "CloseDate = THIS_DECADE", "MALFORMED_QUERY"),
    (OPP + "Amount = THIS_YEAR", "MALFORMED_QUERY"),
    (OPP + "CloseDate = 'THIS_YEAR'", "MALFORMED_QUERY"),
    ("SELECT CALENDAR_YEAR(CloseDate), COUNT(Id) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate)", "MALFORMED_QUERY"),
]


def run(soql: str, fiscal_start: int = 1) -> Any:
    """Execute against the world catalog at API 60.0 on Saturday 2024-06-15."""
    return execute(parse(soql), WorldCatalog(), version="60.0", now=NOW, fiscal_start=fiscal_start)


def bare(value: Any) -> Any:
    """Records without their attributes, nested parents and child results included."""
    if isinstance(value, list):
        return [bare(v) for v in value]
    if isinstance(value, dict):
        return {k: bare(v) for k, v in value.items() if k != "attributes"}
    return value


@pytest.mark.parametrize(("where", "fiscal_start", "expected"), DATE_LITERALS)
def test_given_a_date_literal_when_filtering_then_exactly_its_day_range(where: str, fiscal_start: int,
                                                                         expected: list[int]) -> None:
    result = run(OPP + where + " ORDER BY Id", fiscal_start)
    assert [int(r["Id"][-5:-3]) for r in result.records] == expected


@pytest.mark.parametrize(("soql", "expected"), ACCEPTED)
def test_given_supported_soql_when_executed_then_exactly_these_records(soql: str, expected: Any) -> None:
    result = run(soql)
    if isinstance(expected, int):
        assert (result.total_size, result.records) == (expected, [])
        return
    assert bare(result.records) == expected
    assert result.total_size == len(expected)


@pytest.mark.parametrize(("soql", "error_code"), REFUSED)
def test_given_unsupported_or_invalid_soql_when_run_then_refused_with_salesforce_code(soql: str, error_code: str) -> None:
    with pytest.raises(SoqlError) as caught:
        run(soql)
    assert caught.value.error_code == error_code
    assert caught.value.message


def test_given_the_tables_when_counted_then_they_hold_at_least_sixty_cases() -> None:
    assert len(DATE_LITERALS) + len(ACCEPTED) + len(REFUSED) >= 60
