"""SOQL at its limits: hostile nesting, long chains, huge numbers and long statements get MALFORMED_QUERY (never a
Python error), and legitimate long OR chains still answer."""
from __future__ import annotations

import pytest

from localorg.soql import SoqlError, execute, parse
from tests.unit.test_soql_catalog import NOW, MemoryCatalog

W = "SELECT Id FROM Lead WHERE "


def _alternating(levels: int) -> str:
    """AND inside OR inside AND … `levels` deep, each level parenthesised; for an even count it selects the
    Acme leads with an email."""
    condition = "Email != null"
    for level in range(levels):
        condition = f"Company = 'Acme' AND ({condition})" if level % 2 else f"LastName = 'x' OR ({condition})"
    return condition


def run(soql: str) -> list[str]:
    """Ids of the leads a query returns over the in-memory catalog."""
    result = execute(parse(soql), MemoryCatalog(), version="60.0", now=NOW)
    return [record["Id"] for record in result.records]


@pytest.mark.parametrize(("soql", "says"), [
    (W + "NOT " * 2000 + "Company = 'Acme'", "nests"),
    (W + _alternating(150), "nests"),
    (W + "AnnualRevenue > " + "9" * 5000, "Invalid number"),
    (W + "AnnualRevenue > -" + "9" * 400, "Invalid number"),
    ("SELECT Id FROM Lead LIMIT " + "9" * 5000, "Invalid integer"),
    ("SELECT Id FROM Lead LIMIT 2147483648", "Invalid integer"),
    ("SELECT Id FROM Lead OFFSET " + "1" * 30, "Invalid integer"),
    (W + "CreatedDate = LAST_N_DAYS:" + "7" * 5000, "Invalid integer"),
    (W + "Company = '" + "x" * 100_000 + "'", "longer than 100000"),
])
def test_given_hostile_soql_when_parsed_then_malformed_query_not_a_python_error(soql: str, says: str) -> None:
    with pytest.raises(SoqlError) as caught:
        run(soql)
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert says in caught.value.message and len(caught.value.message) < 300


def test_given_nesting_at_the_limit_when_run_then_it_answers() -> None:
    assert run(W + "NOT " * 100 + "Company = 'Acme'") == run(W + "Company = 'Acme'") != []
    assert run(W + _alternating(100)) == run(W + "Company = 'Acme' AND Email != null") != []
    with pytest.raises(SoqlError):
        run(W + "NOT " * 101 + "Company = 'Acme'")


def test_given_thousands_of_ors_when_run_then_the_matching_leads_come_back() -> None:
    # A WHERE of 3,000 ORs is legitimate SOQL (ids pasted from a spreadsheet); it must neither recurse past
    # Python's limit nor drop a term.
    names = [f"Nobody{i}" for i in range(3000)] + ["Smith", "Kim"]
    soql = W + " OR ".join(f"LastName = '{n}'" for n in names)
    assert len(run(soql)) == 2
    and_chain = W + " AND ".join(["LastName != 'Nobody'"] * 3000 + ["LastName = 'Smith'"])
    assert len(run(and_chain)) == 1


def test_given_large_but_finite_numbers_when_compared_then_they_answer() -> None:
    assert run(W + "AnnualRevenue > 1" + "0" * 300) == []
    assert len(run(W + "AnnualRevenue < 1" + "0" * 300 + ".5")) == len(run(W + "AnnualRevenue != null"))
    assert run(W + "NumberOfEmployees = 00000000000000000000000050") == run(W + "NumberOfEmployees = 50")


def test_given_like_with_several_wildcards_when_queried_then_segments_match_in_order() -> None:
    assert run(W + "Email LIKE '%ACME%.com'") == run(W + "Email IN ('smith@acme.com', 'garcia@acme.com', "
                                                     "'patel@acmecorp.com')") != []
    assert run(W + "Email LIKE '%.com%acme'") == []
