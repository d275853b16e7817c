"""The disconnection classifier: OAuth and REST error payloads and network failures -> cause, fix, retry, health."""
from __future__ import annotations

import pytest
import requests

from core.errors import (
    BadInput,
    ConsoleError,
    FixPermission,
    Reconnect,
    RefreshAndRetry,
    RetryLater,
    StopForToday,
    classify,
)


@pytest.mark.parametrize(("description", "cause", "fix_word"), [
    ("expired access/refresh token", "refresh_token_expired", "sign in again"),
    ("inactive user", "user_inactive", "reactivate"),
    ("user hasn't approved this consumer", "app_not_approved", "pre-authorized"),
    ("ip restricted", "ip_restricted", "Login IP Ranges"),
    ("IP restricted or invalid login hours", "ip_restricted", "Login Hours"),
    ("authentication failure", "authentication_failure", "username"),
    ("invalid authorization code", "code_expired", "Start again"),
    ("invalid code verifier", "code_expired", "Start again"),
    ("invalid assertion", "jwt_rejected", "certificate"),
    ("audience is invalid", "jwt_rejected", "audience"),
])
def test_given_invalid_grant_when_classified_then_reconnect_with_cause_and_fix(description: str, cause: str,
                                                                               fix_word: str) -> None:
    error = classify({"error": "invalid_grant", "error_description": description}, status=400)
    assert isinstance(error, Reconnect)
    assert (error.cause, error.retry_safe, error.health) == (cause, False, "needs_reconnect")
    assert fix_word.lower() in (error.fix + error.message).lower()
    assert description.lower() in error.message.lower()  # Salesforce's own words are kept


def test_given_approval_error_code_when_classified_then_app_not_approved() -> None:
    error = classify({"error": "OAUTH_APPROVAL_ERROR_GENERIC", "error_description": "An unexpected error occurred."})
    assert (type(error), error.cause) == (Reconnect, "app_not_approved")


def test_given_login_service_timeout_when_classified_then_retry_later_and_degraded() -> None:
    error = classify({"error": "invalid_grant",
                      "error_description": "security policies took too long to evaluate"})
    assert isinstance(error, RetryLater)
    assert (error.cause, error.retry_safe, error.health) == ("login_timeout", True, "degraded")


EXPIRED = {"error": "invalid_grant", "error_description": "expired access/refresh token"}


@pytest.mark.parametrize("host", ["https://login.salesforce.com", "https://LOGIN.salesforce.com/",
                                  "https://acme.my.salesforce.com", "https://acme.develop.my.salesforce.com"])
def test_given_sandbox_token_at_a_production_login_host_when_classified_then_sandbox_cause(host: str) -> None:
    error = classify(EXPIRED, status=400, host=host, org_is_sandbox=True)
    assert (type(error), error.cause, error.health) == (Reconnect, "sandbox_token_at_production", "needs_reconnect")
    assert "test.salesforce.com" in error.fix and ".sandbox.my.salesforce.com" in error.fix
    assert host in error.message and "expired access/refresh token" in error.message


@pytest.mark.parametrize("host", ["https://test.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com",
                                  "https://acme--uat.my.salesforce.com", "https://127.0.0.1:8443", None])
def test_given_sandbox_token_at_a_sandbox_or_unknown_host_when_classified_then_plain_expiry(host: str | None) -> None:
    assert classify(EXPIRED, status=400, host=host, org_is_sandbox=True).cause == "refresh_token_expired"


@pytest.mark.parametrize("org_is_sandbox", [False, None])
def test_given_production_or_unknown_org_at_login_salesforce_when_classified_then_plain_expiry(
        org_is_sandbox: bool | None) -> None:
    error = classify(EXPIRED, status=400, host="https://login.salesforce.com", org_is_sandbox=org_is_sandbox)
    assert error.cause == "refresh_token_expired"


def test_given_sandbox_at_production_host_when_the_error_is_not_invalid_grant_then_its_own_cause() -> None:
    error = classify({"error": "invalid_client_id", "error_description": "client identifier invalid"}, status=400,
                     host="https://login.salesforce.com", org_is_sandbox=True)
    assert error.cause == "app_misconfigured"


def test_given_access_denied_on_callback_when_classified_then_click_allow() -> None:
    error = classify({"error": "access_denied", "error_description": "end-user denied authorization"})
    assert error.cause == "access_denied" and "Allow" in error.fix


@pytest.mark.parametrize(("status", "body", "kind", "cause", "retry", "health"), [
    (401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], RefreshAndRetry,
     "session_expired", True, "connected"),
    (403, "Bad_OAuth_Token", RefreshAndRetry, "session_expired", True, "connected"),
    (403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}], StopForToday,
     "api_limit_reached", False, "degraded"),
    (403, [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}], RetryLater,
     "concurrent_limit", True, "degraded"),
    (403, [{"message": "The REST API is not enabled for this Organization.", "errorCode": "API_DISABLED_FOR_ORG"}],
     FixPermission, "api_disabled", False, "needs_reconnect"),
    (403, [{"message": "API is disabled for this User", "errorCode": "API_DISABLED_FOR_USER"}], FixPermission,
     "api_disabled_for_user", False, "needs_reconnect"),
    (400, [{"message": "unable to obtain exclusive access to this record", "errorCode": "UNABLE_TO_LOCK_ROW",
            "fields": []}], RetryLater, "record_locked", True, "degraded"),
    (503, [{"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}], RetryLater, "server_unavailable",
     True, "degraded"),
    (503, "<html>maintenance</html>", RetryLater, "server_unavailable", True, "degraded"),
    (400, [{"message": "unexpected token", "errorCode": "MALFORMED_QUERY"}], BadInput, "bad_query", False, "connected"),
    (412, [{"message": "The requested resource has been modified", "errorCode": "PRECONDITION_FAILED"}], ConsoleError,
     "changed_since_read", False, "connected"),
])
def test_given_rest_error_when_classified_then_kind_cause_retry_and_health(status: int, body: object, kind: type,
                                                                           cause: str, retry: bool, health: str) -> None:
    class SalesforceLikeError(Exception):  # the duck shape of simple-salesforce's SalesforceError
        def __init__(self) -> None:
            super().__init__("x")
            self.status, self.content = status, body

    error = classify(SalesforceLikeError())
    assert type(error) is kind
    assert (error.cause, error.retry_safe, error.health) == (cause, retry, health)
    assert error.fix


def test_given_connection_refused_when_classified_then_network_degraded_retryable() -> None:
    try:
        requests.get("http://127.0.0.1:9/", timeout=2)
    except requests.exceptions.RequestException as exc:
        error = classify(exc)
    assert isinstance(error, RetryLater)
    assert (error.cause, error.retry_safe, error.health) == ("network", True, "degraded")


def test_given_read_timeout_when_classified_then_not_retry_safe() -> None:
    error = classify(requests.exceptions.ReadTimeout("read timed out"))
    assert (error.cause, error.retry_safe) == ("network_timeout", False)


def test_given_console_error_when_classified_then_returned_unchanged() -> None:
    original = BadInput("x", fix="y", cause="z")
    assert classify(original) is original


def test_given_unknown_payload_when_classified_then_unexpected_with_text_kept() -> None:
    error = classify({"errorCode": "SOMETHING_NEW", "message": "brand new failure"}, status=400)
    assert error.cause == "unexpected" and "brand new failure" in error.message


def test_given_classifier_tables_when_read_then_every_row_has_cause_fix_and_a_known_health() -> None:
    from core.error_rules import NETWORK_RULES, OAUTH_RULES, REST_RULES, STORE_RULES

    for rule in (*OAUTH_RULES, *REST_RULES, *NETWORK_RULES, *STORE_RULES):
        built = rule.kind("m", fix=rule.fix, retry_safe=rule.retry_safe, cause=rule.cause, health=rule.health)
        assert rule.cause and rule.fix.endswith((".", ")")), rule
        assert built.health in ("connected", "needs_reconnect", "degraded"), rule
        assert not (rule.kind is StopForToday and rule.retry_safe), rule  # the daily limit is never retried
