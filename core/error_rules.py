"""The classifier's tables: which OAuth / REST / network failure means what, and what the operator does."""
from __future__ import annotations

from dataclasses import dataclass

from core.connect.environments import is_production_login_host
from core.errors import (
    BadInput,
    ConsoleError,
    Failure,
    FixPermission,
    Reconnect,
    RefreshAndRetry,
    RetryLater,
    StopForToday,
)


@dataclass(frozen=True)
class Rule:
    """One row of the classifier: a match and what it means for the operator."""

    kind: type[ConsoleError]
    cause: str
    message: str
    fix: str
    retry_safe: bool
    codes: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    health: str | None = None

    def matches(self, failure: Failure) -> bool:
        """True when code, description text and status all fit (an empty criterion matches anything)."""
        code = failure.code.lower()
        text = failure.description.lower()
        if self.codes and code not in self.codes:
            return False
        if self.text and not any(t in text for t in self.text):
            return False
        if self.statuses and failure.status not in self.statuses:
            return False
        return True

    def error(self, **values: object) -> ConsoleError:
        """This row as an error, its message and fix filled in with `values` (for failures found locally)."""
        return self.kind(self.message.format(**values), fix=self.fix.format(**values), retry_safe=self.retry_safe,
                         cause=self.cause, health=self.health)


_RECONNECT_FIX = "Open Connect, choose the same environment and sign in again."

# OAuth token / authorize errors: key on `error`, then on `error_description` (help: "OAuth 2.0
# Authorization Errors"). Descriptions vary by flow, so matches are substrings, case-insensitive.
OAUTH_RULES: tuple[Rule, ...] = (
    Rule(Reconnect, "refresh_token_expired", "The saved sign-in has expired or was revoked in Salesforce.",
         _RECONNECT_FIX + " If it keeps expiring, ask your Salesforce admin to set the connected app's "
         "refresh token policy to 'Refresh token is valid until revoked'.",
         False, codes=("invalid_grant",), text=("expired access/refresh token", "token has been revoked",
                                               "refresh token", "expired token")),
    Rule(Reconnect, "user_inactive", "The Salesforce user of this connection is inactive.",
         "Ask a Salesforce admin to reactivate the user (Setup → Users → Edit → Active), or connect as an "
         "active integration user.", False, codes=("invalid_grant",), text=("inactive user",)),
    Rule(Reconnect, "org_inactive", "The Salesforce org is inactive.",
         "Check with your Salesforce admin that the org (or sandbox) still exists and is active.", False,
         codes=("invalid_grant",), text=("inactive organization", "inactive org")),
    Rule(Reconnect, "app_not_approved", "The connected app is not approved for this user.",
         "A Salesforce admin must install the connected app and pre-authorize the user: Setup → Connected "
         "Apps → Manage Connected Apps → the app → Edit Policies → 'Admin approved users are pre-authorized', "
         "then add the user's profile or a permission set. For the browser sign-in, click Allow.",
         False, codes=("invalid_grant", "oauth_approval_error_generic", "invalid_app_access"),
         text=("hasn't approved", "has not approved", "not approved", "oauth_approval_error_generic",
               "not installed", "approval")),
    Rule(Reconnect, "app_not_approved", "The connected app is not approved or installed in this org.",
         "A Salesforce admin must install the connected app (Setup → Connected Apps OAuth Usage → Install) "
         "and allow this user's profile or permission set.", False,
         codes=("oauth_approval_error_generic", "invalid_app_access")),
    Rule(Reconnect, "ip_restricted", "Salesforce refused the sign-in from this network or at this hour.",
         "Ask your Salesforce admin to add this server's IP address to the user's profile Login IP Ranges "
         "(or set the connected app's IP Relaxation to 'Relax IP restrictions'), and to check the "
         "profile's Login Hours.", False, text=("ip restricted", "invalid login hours", "login hours")),
    Rule(RetryLater, "login_timeout", "Salesforce's login service took too long to answer.",
         "Wait a minute and try again; if it persists, check status.salesforce.com for your instance.",
         True, text=("timed out", "timeout", "taking too long", "took too long")),
    Rule(Reconnect, "authentication_failure", "Salesforce did not accept the sign-in.",
         "Check the username and the environment (Production, Sandbox or My Domain). For the JWT flow, "
         "check that the certificate uploaded to the connected app matches the key file and that the "
         "user is pre-authorized.", False, codes=("invalid_grant",), text=("authentication failure",)),
    Rule(Reconnect, "jwt_rejected", "Salesforce rejected the JWT assertion.",
         "Check that the certificate uploaded to the connected app ('Use digital signatures') matches the key "
         "file, that the audience is the login host you connect to (login, test or My Domain), and that this "
         "machine's clock is right.", False, codes=("invalid_grant",),
         text=("invalid assertion", "audience", "assertion")),
    Rule(Reconnect, "code_expired", "The sign-in took too long or its link was used twice.",
         "Start again from Connect and finish the Salesforce sign-in within a few minutes.", False,
         codes=("invalid_grant",), text=("authorization code", "invalid code", "code_verifier", "verifier")),
    Rule(Reconnect, "access_denied", "The sign-in was declined on the Salesforce page.",
         "Start again from Connect and click Allow on the Salesforce consent page.", False,
         codes=("access_denied",)),
    Rule(BadInput, "app_misconfigured", "Salesforce does not recognise the connected app's credentials.",
         "Check that SF_CLIENT_ID (and SF_CLIENT_SECRET for a confidential app) are the connected app's "
         "Consumer Key and Secret, in .streamlit/secrets.toml or the environment.", False,
         codes=("invalid_client_id", "invalid_client"), health="needs_reconnect"),
    Rule(BadInput, "callback_mismatch", "The callback URL is not registered on the connected app.",
         "Add the console's callback URL (for example http://localhost:8501/connect) to the connected "
         "app's Callback URL, exactly, and set SF_CALLBACK_URL to the same value.", False,
         codes=("redirect_uri_mismatch",), health="needs_reconnect"),
    Rule(RetryLater, "login_rate_limited", "Salesforce is limiting sign-in attempts for this user.",
         "Wait a few minutes before trying again.", True, codes=("rate_limit_exceeded",)),
    Rule(BadInput, "grant_not_enabled", "The connected app does not allow this sign-in flow.",
         "Enable the flow on the connected app (for JWT: 'Use digital signatures' with the certificate; "
         "for the browser flow: the callback URL and the 'api refresh_token' scopes).", False,
         codes=("unsupported_grant_type", "invalid_scope", "unsupported_response_type"),
         health="needs_reconnect"),
    Rule(Reconnect, "authentication_failure", "Salesforce did not accept the sign-in.",
         "Check the environment and the user, then sign in again from Connect.", False,
         codes=("invalid_grant", "invalid_request")),
)

# Checked before OAUTH_RULES: production answers a sandbox's token with the same words as an expired one
# ("expired access/refresh token"), so only the host and what we know of the org tell them apart.
SANDBOX_AT_PRODUCTION = Rule(
    Reconnect, "sandbox_token_at_production",
    "This sandbox's sign-in was sent to a production login host, which does not know sandbox tokens.",
    "Reconnect choosing Sandbox (test.salesforce.com) or the sandbox's My Domain URL "
    "(<domain>--<sandbox>.sandbox.my.salesforce.com).", False, codes=("invalid_grant",))


def sandbox_at_production(failure: Failure, org_is_sandbox: bool | None) -> bool:
    """True for invalid_grant from a production login host (login.salesforce.com, a production or Developer
    Edition My Domain) about a token of an org that says IsSandbox = true.

    The org's IsSandbox decides, not the environment chosen on Connect: a connection made as Sandbox that
    landed in a production org holds a production token, and its invalid_grant is a real expiry.
    """
    return (org_is_sandbox is True and failure.source == "oauth" and SANDBOX_AT_PRODUCTION.matches(failure)
            and is_production_login_host(failure.host))


# REST errors: key on errorCode (body [{"message","errorCode","fields"}]), then on HTTP status.
REST_RULES: tuple[Rule, ...] = (
    Rule(RefreshAndRetry, "session_expired", "The access token expired.",
         "The console refreshes it and retries once by itself.", True, codes=("invalid_session_id",)),
    Rule(RefreshAndRetry, "session_expired", "The access token expired.",
         "The console refreshes it and retries once by itself.", True, text=("bad_oauth_token", "missing_oauth_token"),
         statuses=(401, 403)),
    Rule(RetryLater, "concurrent_limit", "Too many long-running requests are open in the org right now.",
         "Wait a few minutes and retry.", True, codes=("request_limit_exceeded",), text=("concurrent",)),
    Rule(StopForToday, "api_limit_reached", "The org's daily API request limit is used up.",
         "Stop for today: the limit is a rolling 24-hour window, so resume tomorrow (the run continues "
         "where it stopped). To raise it, your Salesforce admin can buy more API calls.", False,
         codes=("request_limit_exceeded",)),
    Rule(FixPermission, "api_disabled", "The REST API is not available to this user or org.",
         "Give the user the 'API Enabled' permission (profile or permission set), or connect as an "
         "integration user who has it; the org's edition must include API access (Enterprise, Unlimited, "
         "Developer or Performance).", False, codes=("api_disabled_for_org",)),
    Rule(FixPermission, "api_disabled_for_user", "The REST API is disabled for this user.",
         "Give the user the 'API Enabled' permission (profile or permission set), or connect as an "
         "integration user who has it.", False, codes=("api_disabled_for_user",)),
    Rule(Reconnect, "user_inactive", "The Salesforce user of this connection is inactive.",
         "Ask a Salesforce admin to reactivate the user, or connect as an active integration user.", False,
         codes=("inactive_owner_or_user", "user_inactive")),
    Rule(RetryLater, "record_locked", "Salesforce could not lock a record; another process was writing it.",
         "Retry in a minute; nothing was changed by the failed request.", True, codes=("unable_to_lock_row",)),
    Rule(RetryLater, "server_unavailable", "Salesforce is temporarily unavailable.",
         "Retry in a few minutes; check status.salesforce.com if it persists.", True,
         codes=("server_unavailable",)),
    Rule(FixPermission, "field_not_writable", "The user cannot edit this field.",
         "Give the connected user edit access to the field (field-level security, profile or permission "
         "set), or remove it from the mapping.", False, codes=("invalid_field_for_insert_update",),
         health="connected"),
    Rule(FixPermission, "insufficient_access", "The user lacks access to this object, record or setting.",
         "Give the connected user the needed object permission or sharing access (or 'View Setup and "
         "Configuration' for org limits), or connect as the integration user.", False,
         codes=("insufficient_access_or_readonly", "insufficient_access",
                "insufficient_access_on_cross_reference_entity"),
         health="connected"),
    Rule(BadInput, "bad_query", "Salesforce rejected the query.",
         "Check the object and field names against the org (the mapping linter lists what exists).", False,
         codes=("malformed_query", "invalid_field", "invalid_type", "invalid_query_filter_operator")),
    Rule(BadInput, "not_found", "Salesforce has no such record or resource.",
         "The record may have been deleted or merged; refresh the data.", False,
         codes=("not_found", "entity_is_deleted", "invalid_cross_reference_key")),
    Rule(ConsoleError, "changed_since_read", "The record changed in Salesforce after it was read.",
         "Nothing was written; refresh and preview again.", False, codes=("precondition_failed",),
         health="connected"),
    Rule(ConsoleError, "changed_since_read", "The record changed in Salesforce after it was read.",
         "Nothing was written; refresh and preview again.", False, statuses=(412,), health="connected"),
    Rule(BadInput, "invalid_value", "Salesforce rejected a value.",
         "Fix the value or the mapping; the message names the field.", False,
         codes=("string_too_long", "invalid_or_null_for_restricted_picklist", "field_custom_validation_exception",
                "invalid_type_on_field_in_record", "required_field_missing", "field_integrity_exception",
                "invalid_email_address", "json_parser_error", "malformed_id", "invalid_id_field")),
    Rule(BadInput, "api_version", "This API version is not available in the org.",
         "Use a supported API version.", False, statuses=(410,)),
    Rule(RefreshAndRetry, "session_expired", "The access token expired.",
         "The console refreshes it and retries once by itself.", True, statuses=(401,)),
    Rule(RetryLater, "server_unavailable", "Salesforce is temporarily unavailable.",
         "Retry in a few minutes; check status.salesforce.com if it persists.", True,
         statuses=(502, 503, 504)),
    Rule(ConsoleError, "server_error", "Salesforce reported an internal error.",
         "Retry later; if it repeats, note the time and contact Salesforce support with the message.",
         False, statuses=(500,), health="degraded"),
)

NETWORK_RULES: tuple[Rule, ...] = (
    Rule(ConsoleError, "tls_failed", "The secure connection to the org could not be verified.",
         "Check the machine's certificate store or proxy (REQUESTS_CA_BUNDLE); for the demo org, restart "
         "it so its CA file is current.", False, codes=("sslerror",), health="degraded"),
    Rule(RetryLater, "network_timeout", "The org did not answer in time; the request may have been processed.",
         "Retry later; the console re-reads before any write, so a retry never writes twice.", False,
         codes=("readtimeout",)),
    Rule(RetryLater, "network", "The org could not be reached.",
         "Check the network (or that the demo org is running) and retry.", True),
)

FORBIDDEN = Rule(FixPermission, "forbidden", "Salesforce refused the request.",
                 "Check the connected user's permissions for this action.", False, health="connected")
UNEXPECTED = Rule(ConsoleError, "unexpected", "Salesforce returned an unexpected error.",
                  "Retry once; if it repeats, keep the message for your Salesforce admin.", False)

# The token store and its key fail here, not at Salesforce: tokens.py raises these rows with Rule.error(...).
# A record that cannot be decrypted stays in the store and is listed as a connection that needs reconnecting.
RECORD_UNREADABLE = Rule(
    Reconnect, "tokens_unreadable",
    "The stored tokens of {name!r} cannot be decrypted: the secret key changed or the file is damaged.",
    "Restore CONSOLE_SECRET_KEY or the key file ({key_file}) used when it was connected, or connect again under "
    "the name {name!r} to replace the record. Until then the record is kept.", False)
KEY_FILE_OPEN = Rule(ConsoleError, "key_file_permissions",
                     "The key file {path} is open to other users (mode {mode}).",
                     "Run: chmod 600 {path} (only the console's user may read the key).", False)
KEY_FILE_UNREADABLE = Rule(ConsoleError, "key_file_unreadable", "The key file {path} cannot be read ({detail}).",
                           "Make it a file owned by the console's user with mode 600 (or set CONSOLE_SECRET_KEY).",
                           False)
KEY_INVALID = Rule(ConsoleError, "key_invalid", "The key file {path} does not hold a valid key ({detail}).",
                   "Restore the key file the connections were saved with, or set CONSOLE_SECRET_KEY to that key. "
                   "If it is lost, move the file aside and connect each org again.", False)
STORE_DAMAGED = Rule(ConsoleError, "token_store_damaged", "The token store {path} cannot be read ({detail}).",
                     "Restore it from a backup, or move it aside (keep it) and connect each org again. "
                     "Salesforce data and the run log are not affected.", False)
STORE_RULES: tuple[Rule, ...] = (RECORD_UNREADABLE, KEY_FILE_OPEN, KEY_FILE_UNREADABLE, KEY_INVALID, STORE_DAMAGED)
