"""SOQL conformance table: each query either returns exactly these Lead numbers (in order) or fails with this error code."""
from __future__ import annotations

import pytest

from localorg.soql import SoqlError, execute, parse
from tests.unit.test_soql_catalog import NOW, MemoryCatalog

ALL = list(range(1, 13))
W = "SELECT Id FROM Lead WHERE "

ACCEPTED: list[tuple[str, list[int]]] = [
    ("SELECT Id FROM Lead", ALL),
    ("select id from lead where company = 'acme'", [1, 5]),
    ("SeLeCt Id FrOm LEAD wHeRe COMPANY = 'Acme'", [1, 5]),
    (W + "Company != 'Acme'", [2, 3, 4, 6, 7, 8, 9, 10, 11, 12]),
    (W + "Company <> 'Acme'", [2, 3, 4, 6, 7, 8, 9, 10, 11, 12]),
    (W + "Industry = 'TECHNOLOGY'", [1, 4, 9, 12]),
    (W + "Industry = null", [2, 6, 10]),
    (W + "Industry != NULL", [1, 3, 4, 5, 7, 8, 9, 11, 12]),
    (W + "Industry IN ('Retail', 'Healthcare')", [3, 5, 7, 8, 11]),
    (W + "Industry NOT IN ('Retail', 'Healthcare')", [1, 2, 4, 6, 9, 10, 12]),
    (W + "Industry IN ('Retail', null)", [2, 3, 6, 7, 10, 11]),
    (W + "Company IN ('acme corp', 'STARK')", [9, 12]),
    (W + "NumberOfEmployees > 50", [3, 5, 8, 9, 11]),
    (W + "NumberOfEmployees >= 50", [1, 3, 5, 8, 9, 11]),
    (W + "NumberOfEmployees < 5", [6]),
    (W + "NumberOfEmployees <= 5", [2, 6]),
    (W + "NumberOfEmployees = 0", [6]),
    (W + "NumberOfEmployees NOT IN (0, 5, 50)", [3, 4, 5, 7, 8, 9, 10, 11, 12]),
    (W + "AnnualRevenue < 0", [8]),
    (W + "AnnualRevenue = -3.5", [8]),
    (W + "AnnualRevenue > 99.98 AND AnnualRevenue < 100", [9]),
    (W + "AnnualRevenue >= 1000000", [1, 11]),
    (W + "IsConverted = true", [3, 9]),
    (W + "IsConverted = FALSE AND Industry = 'Retail'", [7, 11]),
    (W + "IsConverted = null AND Industry = 'Retail'", [7, 11]),
    (W + "IsConverted != null", [3, 9]),
    (W + "Company LIKE 'Acme%'", [1, 5, 9]),
    (W + "Company LIKE 'acme'", [1, 5]),
    (W + "Company LIKE '%\\%%'", [3]),
    (W + "Company LIKE '100%'", [3]),
    (W + "Company LIKE '%\\_%'", [4]),
    (W + "LastName LIKE 'K_m'", [7]),
    (W + "Company LIKE '%co'", [7]),
    (W + "Email LIKE '%@ACME.COM'", [1, 5]),
    (W + "LastName = 'O\\'Neil'", [4]),
    (W + "Company = 'Back\\\\slash Co'", [7]),
    (W + "LastName = 'müller'", [11]),
    (W + "Email = 'nguyen@umbrella.com'", [8]),
    (W + "NOT (Industry = 'Retail' OR Industry = 'Healthcare')", [1, 2, 4, 6, 9, 10, 12]),
    (W + "NOT Industry = 'Retail'", [1, 2, 4, 5, 6, 8, 9, 10, 12]),
    (W + "(Industry = 'Retail' OR Industry = 'Healthcare') AND NumberOfEmployees > 100", [3, 5, 11]),
    (W + "Industry = 'Retail' OR (Industry = 'Healthcare' AND NumberOfEmployees > 100)", [3, 5, 7, 11]),
    (W + "((Company = 'Acme'))", [1, 5]),
    (W + "CreatedDate > 2024-06-10T10:00:00Z", [1, 2]),
    (W + "CreatedDate >= 2024-06-10T10:00:00+00:00", [1, 2, 9]),
    (W + "CreatedDate = 2024-01-31T10:00:00-05:00", [5]),
    (W + "CreatedDate = 2024-01-31T16:00:00.000+01:00", [5]),
    (W + "CreatedDate = TODAY", [1]),
    (W + "CreatedDate = YESTERDAY", [2]),
    (W + "CreatedDate = LAST_N_DAYS:7", [1, 2, 3, 9]),
    (W + "CreatedDate < LAST_N_DAYS:7", [4, 5, 6, 7, 8, 10, 11, 12]),
    (W + "CreatedDate > TODAY", []),
    (W + "CreatedDate < today", [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    (W + "LastActivityDate = 2024-06-14", [1]),
    (W + "LastActivityDate > 2024-03-02", [1, 2, 9, 11]),
    (W + "LastActivityDate = YESTERDAY", [1]),
    (W + "LastActivityDate = LAST_N_DAYS:14", [1, 2, 9]),
    (W + "LastActivityDate = null", [3, 4, 6, 8, 10, 12]),
    (W + "Id = '00Q000000000003AAA'", [3]),
    (W + "Id = '00Q000000000003'", [3]),
    (W + "Id IN ('00Q000000000003AAA', '00Q000000000005AAA')", [3, 5]),
    (W + "OwnerId = '005000000000001AAA'", [1, 3, 5, 8, 11]),
    (W + "Owner.Name = 'Bob Stone'", [2, 4, 7, 9, 12]),
    (W + "Owner.Name = null", [6, 10]),
    (W + "ConvertedAccount.Website LIKE 'acme%'", [3]),
    (W + "ConvertedAccount.Owner.Name = 'Ada Lovelace'", [3]),
    ("SELECT Lead.Id FROM Lead WHERE Lead.Company = 'Stark'", [12]),
    ("SELECT Id\nFROM Lead\n\tWHERE Company = 'Hooli'\n", [11]),
    ("SELECT Id FROM Lead ORDER BY NumberOfEmployees", [4, 10, 6, 2, 7, 12, 1, 9, 8, 3, 5, 11]),
    ("SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC", [11, 5, 3, 8, 9, 1, 12, 7, 2, 6, 4, 10]),
    ("SELECT Id FROM Lead ORDER BY NumberOfEmployees ASC NULLS LAST", [6, 2, 7, 12, 1, 9, 8, 3, 5, 11, 4, 10]),
    ("SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC NULLS FIRST", [4, 10, 11, 5, 3, 8, 9, 1, 12, 7, 2, 6]),
    ("SELECT Id FROM Lead ORDER BY Industry, LastName DESC", [10, 6, 2, 8, 5, 11, 7, 3, 1, 9, 4, 12]),
    ("SELECT Id FROM Lead ORDER BY Owner.Name, LastName", [6, 10, 3, 5, 11, 8, 1, 12, 2, 7, 4, 9]),
    ("SELECT Id FROM Lead ORDER BY Company LIMIT 3", [10, 3, 1]),
    ("SELECT Id FROM Lead ORDER BY Company LIMIT 3 OFFSET 2", [1, 5, 9]),
    ("SELECT Id FROM Lead ORDER BY CreatedDate DESC LIMIT 2", [1, 2]),
    ("SELECT Id FROM Lead WHERE Company = 'Acme' OFFSET 1", [5]),
    ("SELECT Id FROM Lead OFFSET 20", []),
    ("SELECT Id FROM Lead OFFSET 2000", []),
    ("SELECT Id FROM Lead LIMIT 0", []),
    (W + "OwnerId IN (SELECT Id FROM User WHERE IsActive = false)", [2, 4, 7, 9, 12]),
    (W + "OwnerId NOT IN (SELECT Id FROM User WHERE IsActive = false)", [1, 3, 5, 6, 8, 10, 11]),
    ("SELECT Id FROM Lead WITH SECURITY_ENFORCED", ALL),
    (W + "CreatedDate = LAST_WEEK", [3, 4]),
]

REFUSED: list[tuple[str, str]] = [
    ("SELECT Id FROM Lead GROUP BY Industry", "MALFORMED_QUERY"),
    ("SELECT COUNT(), Id FROM Lead", "MALFORMED_QUERY"),
    ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "INVALID_TYPE"),
    ("SELECT Id FROM Lead LIMIT 5 garbage", "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead; DELETE", "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead l", "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead FOR UPDATE", "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead USING SCOPE mine", "MALFORMED_QUERY"),
    ("SELECT TYPEOF Owner WHEN User THEN Name END FROM Lead", "MALFORMED_QUERY"),
    (W + "Company = 'a' AND Email = 'b' OR Industry = 'c'", "MALFORMED_QUERY"),
    (W + "Company INCLUDES ('a')", "MALFORMED_QUERY"),
    (W + "Company IN ()", "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
    ("SELECT FROM Lead", "MALFORMED_QUERY"),
    ("", "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead ORDER BY", "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead LIMIT -1", "MALFORMED_QUERY"),
    (W + "Company = 'unterminated", "MALFORMED_QUERY"),
    (W + "Company = 'bad \\q escape'", "MALFORMED_QUERY"),
    (W + "Company = Acme", "MALFORMED_QUERY"),
    (W + "CreatedDate = LAST_N_DAYS:99999999999", "MALFORMED_QUERY"),
    (W + "CreatedDate > 2024-01-01T00:00:00", "MALFORMED_QUERY"),
    (W + "CreatedDate > 2024-01-01", "MALFORMED_QUERY"),
    (W + "LastActivityDate > 2024-01-01T00:00:00Z", "MALFORMED_QUERY"),
    (W + "LastActivityDate = 2024-02-30", "MALFORMED_QUERY"),
    (W + "CreatedDate > 2024-01-01T25:00:00Z", "MALFORMED_QUERY"),
    (W + "CreatedDate > 0001-01-01T00:00:00+01:00", "MALFORMED_QUERY"),
    (W + "CreatedDate > '2024-01-01T00:00:00Z'", "MALFORMED_QUERY"),
    (W + "NumberOfEmployees > '5'", "MALFORMED_QUERY"),
    (W + "Company = 5", "MALFORMED_QUERY"),
    (W + "IsConverted = 'true'", "MALFORMED_QUERY"),
    (W + "NumberOfEmployees LIKE '5%'", "MALFORMED_QUERY"),
    ("SELECT Id, id FROM Lead", "MALFORMED_QUERY"),
    ("SELECT Foo FROM Lead", "INVALID_FIELD"),
    ("SELECT Secret__c FROM Lead", "INVALID_FIELD"),
    (W + "Secret__c = 'x'", "INVALID_FIELD"),
    ("SELECT Id FROM Lead ORDER BY Secret__c", "INVALID_FIELD"),
    ("SELECT Owner.Foo FROM Lead", "INVALID_FIELD"),
    ("SELECT Manager.Name FROM Lead", "INVALID_FIELD"),
    ("SELECT OwnerId.Name FROM Lead", "INVALID_FIELD"),
    ("SELECT Owner FROM Lead", "INVALID_FIELD"),
    (W + "Description = 'x'", "INVALID_FIELD"),
    ("SELECT Id FROM Lead ORDER BY Description", "INVALID_FIELD"),
    ("SELECT Id FROM Foo", "INVALID_TYPE"),
    ("SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
    ("SELECT Id FROM Contact", "INVALID_TYPE"),
]


def lead_numbers(soql: str) -> list[int]:
    """Run a query over the in-memory catalog and return the lead numbers in result order."""
    result = execute(parse(soql), MemoryCatalog(), version="60.0", now=NOW)
    assert result.total_size == len(result.records)
    return [int(record["attributes"]["url"][-5:-3]) for record in result.records]


@pytest.mark.parametrize(("soql", "expected"), ACCEPTED)
def test_given_supported_soql_when_executed_then_exactly_these_leads_in_order(soql: str, expected: list[int]) -> None:
    assert lead_numbers(soql) == expected


@pytest.mark.parametrize(("soql", "error_code"), REFUSED)
def test_given_unsupported_or_invalid_soql_when_run_then_refused_with_salesforce_code(soql: str, error_code: str) -> None:
    with pytest.raises(SoqlError) as caught:
        execute(parse(soql), MemoryCatalog(), version="60.0", now=NOW)
    assert caught.value.error_code == error_code
    assert caught.value.message


def test_given_the_table_when_counted_then_it_holds_at_least_sixty_cases() -> None:
    assert len(ACCEPTED) + len(REFUSED) >= 60
