"""Strict mode's reading of one Composite subrequest answer: the outcome it logs and whether the pass stops."""
from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from core import errors
from core.sync.writer_strict import CHANGED_MESSAGE, answer, since


@pytest.mark.parametrize("result, expected", [
    ((204, None), ("written", None, None, True)),
    ((412, [{"errorCode": "PRECONDITION_FAILED", "message": "modified"}]), ("skipped_nonblank", None, CHANGED_MESSAGE, False)),
    ((400, [{"errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Interns are not leads.", "fields": ["Title"]}]),
     ("failed", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Interns are not leads. (fields: Title)", False)),
    ((404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
     ("failed", "NOT_FOUND", "The requested resource does not exist", False)),
    ((400, [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access"}]),
     ("retry", "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access", False)),
    (None, ("retry", None, "Salesforce returned no result for this record.", True)),
], ids=["written", "412", "validation", "not-found", "locked", "no-answer"])
def test_given_a_subrequest_answer_when_read_then_the_per_record_outcome_and_no_stop(
        result: tuple[int, Any] | None, expected: tuple[Any, ...]) -> None:
    assert answer(result) == (expected, None)


def test_given_a_subrequest_refused_for_the_daily_limit_when_read_then_left_pending_and_the_pass_stops() -> None:
    outcome, stop = answer((403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]))
    assert outcome[0] == "unsent" and isinstance(stop, errors.StopForToday)


def test_given_a_fresh_read_when_dated_then_an_http_date_in_gmt_or_none_without_a_stamp() -> None:
    fresh = pd.DataFrame({"LastModifiedDate": ["2026-11-29T21:07:19.000+0100", None]}, index=["00Qa", "00Qb"],
                         dtype=object)
    assert since(fresh, "00Qa") == "Sun, 29 Nov 2026 20:07:19 GMT"
    assert since(fresh, "00Qb") is None
