"""Property tests: whatever text arrives, parse() answers a Query or a SoqlError, never another exception."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from localorg.soql import Query, SoqlError, parse

_PIECES = ["SELECT", "Id", "Name", ",", "COUNT()", "FROM", "Lead", "WHERE", "=", "!=", "<", ">=", "LIKE", "IN", "NOT",
           "AND", "OR", "(", ")", "'a\\'b'", "'%\\_'", "null", "true", "-1.5", "2024-01-31", "2024-01-31T10:00:00Z",
           "TODAY", "LAST_N_DAYS:3", "ORDER BY", "ASC", "DESC", "NULLS FIRST", "LIMIT", "OFFSET", "5", "GROUP BY", "'\\"]


def _outcome(text: str) -> object:
    try:
        return parse(text)
    except SoqlError as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_given_arbitrary_text_when_parsed_then_query_or_soql_error(text: str) -> None:
    outcome = _outcome(text)
    assert isinstance(outcome, (Query, SoqlError))
    if isinstance(outcome, SoqlError):
        assert outcome.error_code == "MALFORMED_QUERY" and outcome.message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_given_shuffled_soql_tokens_when_parsed_then_query_or_malformed(pieces: list[str]) -> None:
    outcome = _outcome(" ".join(pieces))
    assert isinstance(outcome, Query) or outcome.error_code == "MALFORMED_QUERY"
