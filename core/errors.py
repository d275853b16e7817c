"""Errors named for what the caller does next, and the disconnection classifier that produces them.

Every failure that reaches a page or the CLI is a ConsoleError carrying the message, the fix the
operator applies, whether retrying is safe, a stable `cause` and the connection health it implies.
`classify` turns OAuth errors, Salesforce REST error payloads and network exceptions into one,
from the tables in core/error_rules.py (first matching row wins).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from core.error_rules import Rule


class ConsoleError(Exception):
    """A failure explained for an operator: what happened, what to do, and whether a retry may help."""

    health = "degraded"

    def __init__(self, message: str, *, fix: str = "", retry_safe: bool = False, cause: str = "error",
                 health: str | None = None, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.retry_safe = retry_safe
        self.cause = cause
        self.status = status
        self.code = code
        if health is not None:
            self.health = health

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message


class RetryLater(ConsoleError):
    """Transient: the org or the network is busy (503, UNABLE_TO_LOCK_ROW, timeouts)."""

    health = "degraded"


class RefreshAndRetry(ConsoleError):
    """Internal: the access token expired (401 INVALID_SESSION_ID); refresh once and retry."""

    health = "connected"


class StopForToday(ConsoleError):
    """The org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED); never retried."""

    health = "degraded"


class Reconnect(ConsoleError):
    """The saved sign-in no longer works (invalid_grant, revoked, inactive user, not approved)."""

    health = "needs_reconnect"


class FixPermission(ConsoleError):
    """Signed in, but the user lacks a permission (API Enabled, object or field access)."""

    health = "needs_reconnect"


class BadInput(ConsoleError):
    """The request itself is wrong (a bad URL, a malformed query, a value that does not fit)."""

    health = "connected"


class NotAllowed(ConsoleError):
    """The actor's role does not allow this action (viewers cannot connect, disconnect or write)."""

    health = "connected"


@dataclass(frozen=True)
class Failure:
    """The neutral shape classify works on: where it came from, HTTP status, code and text."""

    source: str           # "oauth" | "rest" | "network"
    status: int | None
    code: str             # OAuth `error`, REST `errorCode`, or the exception class name
    description: str      # OAuth `error_description`, REST `message`, or the exception text
    host: str | None = None


def _rest_payload(content: Any) -> tuple[str, str]:
    """errorCode and message from a REST body: a list of dicts, a dict, or text."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return str(first.get("errorCode") or first.get("statusCode") or ""), str(first.get("message") or "")
    if isinstance(content, dict):
        if "error" in content:
            return str(content.get("error") or ""), str(content.get("error_description") or "")
        return str(content.get("errorCode") or ""), str(content.get("message") or "")
    return "", str(content or "")


def failure_from(error: BaseException | dict[str, Any], *, status: int | None = None,
                 host: str | None = None) -> Failure:
    """Read any error we meet (authlib OAuthError, simple-salesforce SalesforceError, requests
    exceptions, or a raw OAuth / REST payload dict) into a neutral Failure. Duck-typed, so this
    module needs neither authlib nor simple_salesforce."""
    if isinstance(error, dict):
        if "error" in error:
            return Failure("oauth", status, str(error.get("error") or ""),
                           str(error.get("error_description") or ""), host)
        code, text = _rest_payload(error)
        return Failure("rest", status, code, text, host)
    response = getattr(error, "response", None)
    if isinstance(error, requests.exceptions.HTTPError) and response is not None:
        try:
            body: Any = response.json()
        except ValueError:
            body = {"errorCode": "", "message": response.text[:300]}
        if isinstance(body, dict) and "error" in body:
            return Failure("oauth", response.status_code, str(body.get("error") or ""),
                           str(body.get("error_description") or ""), host)
        code, text = _rest_payload(body)
        return Failure("rest", response.status_code, code, text, host)
    if isinstance(error, requests.exceptions.RequestException):
        kind = type(error).__name__
        if isinstance(error, requests.exceptions.SSLError):
            kind = "SSLError"
        elif isinstance(error, requests.exceptions.ReadTimeout):
            kind = "ReadTimeout"
        return Failure("network", None, kind, str(error), host)
    oauth_code = getattr(error, "error", None)
    if isinstance(oauth_code, str) and oauth_code:
        return Failure("oauth", status, oauth_code, str(getattr(error, "description", "") or ""), host)
    if hasattr(error, "status") and hasattr(error, "content"):
        code, text = _rest_payload(error.content)
        return Failure("rest", getattr(error, "status", status), code, text, host)
    if type(error).__name__ == "SalesforceAuthenticationFailed" and hasattr(error, "code"):
        return Failure("oauth", status, str(error.code), str(getattr(error, "message", "")), host)
    return Failure("rest", status, type(error).__name__, str(error), host)


def _build(rule: Rule, failure: Failure, detail: str | None) -> ConsoleError:
    """Instantiate a rule's error, appending Salesforce's own words so nothing is hidden."""
    message = rule.message
    said = (failure.description or failure.code).strip()
    if said and said.lower() not in message.lower():
        message = f"{message} (Salesforce said: {said[:300]})"
    if detail:
        message = f"{message} {detail}"
    return rule.kind(message, fix=rule.fix, retry_safe=rule.retry_safe, cause=rule.cause,
                     health=rule.health, status=failure.status, code=failure.code or None)


def classify(error: BaseException | dict[str, Any], *, status: int | None = None, host: str | None = None,
             org_is_sandbox: bool | None = None) -> ConsoleError:
    """The disconnection classifier: map an OAuth error, a REST error or a network failure to a
    ConsoleError with cause, message, fix, retry_safe and the health it implies.

    `host` is the token host the request went to and `org_is_sandbox` the org's Organization.IsSandbox
    (None when not known yet); together they recognise a sandbox token sent to a production login host.
    """
    if isinstance(error, ConsoleError):
        return error
    from core.error_rules import (  # imports our classes
        FORBIDDEN,
        NETWORK_RULES,
        OAUTH_RULES,
        REST_RULES,
        SANDBOX_AT_PRODUCTION,
        UNEXPECTED,
        sandbox_at_production,
    )

    failure = failure_from(error, status=status, host=host)
    if sandbox_at_production(failure, org_is_sandbox):
        return _build(SANDBOX_AT_PRODUCTION, failure, f"(Token host: {failure.host}.)")
    tables = {"oauth": OAUTH_RULES, "rest": REST_RULES, "network": NETWORK_RULES}[failure.source]
    for rule in tables:
        if rule.matches(failure):
            return _build(rule, failure, None)
    if failure.source == "rest" and failure.status == 403:
        return _build(FORBIDDEN, failure, None)
    return _build(UNEXPECTED, failure, None)


def as_dict(error: ConsoleError) -> dict[str, Any]:
    """The JSON shape the CLI prints for an error."""
    return {"error": type(error).__name__, "cause": error.cause, "message": error.message, "fix": error.fix,
            "retry_safe": error.retry_safe, "health": error.health}

