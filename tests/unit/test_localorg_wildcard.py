"""localorg's wildcard matcher (SOQL LIKE, fault paths): Salesforce's LIKE semantics, linear on hostile patterns,
and fault paths limited to a subset of regex syntax that cannot backtrack."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localorg.faults import Faults
from localorg.wildcard import Wildcard

LIKE_CASES: list[tuple[str, str, bool]] = [
    ("Acme%", "acme corp", True),            # case-insensitive, as Salesforce
    ("acme", "ACME", True),
    ("acme", "acme corp", False),            # the whole value, not a substring
    ("%corp", "Acme Corp", True),
    ("%corp", "Corporate", False),
    ("K_m", "Kim", True),
    ("K_m", "Km", False),
    ("_", "\n", True),                       # _ is any one character, a newline too
    ("%", "", True),
    ("", "", True),
    ("", "x", False),
    ("%%", "anything", True),
    ("a%a", "a", False),                     # the first and last segments may not overlap
    ("a%a", "aa", True),
    ("%a%b%", "xbxa", False),                # segments keep their order
    ("%a%b%", "xaxb", True),
    ("_%_", "a", False),
    ("_%_", "ab", True),
    ("100\\%", "100%", True),                # \% is a literal percent sign
    ("100\\%", "1000", False),
    ("%\\_%", "Under_Score", True),          # \_ is a literal underscore
    ("%\\_%", "Underscore", False),
    ("back\\\\slash", "back\\slash", True),
    ("%.*%", "a.*b", True),                  # regex syntax means nothing in LIKE
    ("%.*%", "ab", False),
    ("(a+)+", "(a+)+", True),
    ("(a+)+", "aaaa", False),
    ("%müller%", "Herr MÜLLER", True),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), LIKE_CASES)
def test_given_a_like_pattern_when_matched_then_salesforce_semantics(pattern: str, value: str, expected: bool) -> None:
    assert Wildcard.like(pattern).match(value) is expected


@pytest.mark.parametrize("size", [60, 5_000])
def test_given_the_pattern_that_froze_localorg_when_matched_against_a_long_run_then_it_answers(size: int) -> None:
    # A backtracking regex takes minutes on 60 characters; the segment matcher makes one pass per segment.
    hostile = Wildcard.like("%a" * 14 + "%b")
    assert hostile.match("a" * size) is False
    assert hostile.match("a" * size + "b") is True
    assert Wildcard.like("%a%a%a%a%a%a%a%a%a%a%a%a%a%a%").match("a" * size) is True


SOQL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}   # as in SOQL string literals


def _naive_like(pattern: str) -> re.Pattern[str]:
    """The reference: LIKE as a plain backtracking regex (right answers, slow on hostile input)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(SOQL_ESCAPES.get(pattern[i + 1], pattern[i + 1])))
            i += 2
            continue
        out.append({"%": ".*", "_": "."}.get(pattern[i], re.escape(pattern[i])))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aAbn%_\\", max_size=8), st.text(alphabet="aAbn%_\\\n\b", max_size=12))
def test_given_any_short_pattern_and_value_when_matched_then_as_the_backtracking_regex(pattern: str, value: str) -> None:
    assert Wildcard.like(pattern).match(value) is (_naive_like(pattern).fullmatch(value) is not None)


PATH_CASES: list[tuple[str, str, bool]] = [
    ("/limits", "/services/data/v62.0/limits/", True),       # searched anywhere in the path, as re.search did
    ("/services/data/$", "/services/data/", True),
    ("/services/data/$", "/services/data/v62.0/", False),
    ("^/services/oauth2/", "/services/oauth2/token", True),
    ("^/oauth2/", "/services/oauth2/token", False),
    ("/services/data/.*/query", "/services/data/v62.0/query/", True),
    ("/services/data/.*/query", "/services/data/v62.0/sobjects/Lead", False),
    ("/sobjects/Lead/", "/services/data/v62.0/sobjects/Lead/00Q000000000001AAA", True),
    ("/sobjects/lead/", "/services/data/v62.0/sobjects/Lead/x", False),   # case-sensitive, as a regex is
    ("v6..0", "/services/data/v62.0/", True),
    (r"v62\.0", "/services/data/v62x0/", False),
    (".*", "/anything", True),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), PATH_CASES)
def test_given_a_fault_path_when_matched_then_it_reads_as_the_regex_would(pattern: str, path: str, expected: bool) -> None:
    assert Wildcard.path(pattern).match(path) is expected


@pytest.mark.parametrize("pattern", ["(a+)+$", "[a-z]+", "a|b", r"\d+", "a+", "a?", "a{2,}", "x^y", "(?i)lead"])
def test_given_regex_syntax_outside_the_subset_when_a_fault_is_armed_then_it_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="fault path"):
        Faults().add(method="GET", path=pattern)


@pytest.mark.parametrize(("field", "value"), [
    ("status", "500"), ("status", 99), ("status", True), ("delay", float("nan")), ("delay", 61), ("delay", -1),
    ("fraction", 1.5), ("fraction", float("inf")), ("times", -1), ("times", 1.5), ("retry_after", float("nan")),
    ("drop", "yes"), ("method", "GET /x"), ("message", 5),
])
def test_given_an_out_of_range_value_when_a_fault_is_armed_then_it_is_refused(field: str, value: object) -> None:
    faults = Faults()
    with pytest.raises(ValueError, match=field):
        faults.add(**{"method": "GET", "path": "/limits", field: value})
    assert faults.list() == []
