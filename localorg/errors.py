"""ApiError: a Salesforce REST error (status, errorCode, message, fields) raised by the Org facade."""
from __future__ import annotations


class ApiError(Exception):
    """An error Salesforce would answer with; `body()` is its REST JSON shape."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields or [])

    def body(self) -> list[dict]:
        """Return the REST error body: a JSON array with one {message, errorCode, fields} entry."""
        return [{"message": self.message, "errorCode": self.error_code, "fields": self.fields}]


def not_found() -> ApiError:
    """The 404 Salesforce answers for an unknown type or an absent/invisible record."""
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def no_such_column(field: str, sobject: str) -> ApiError:
    """The INVALID_FIELD Salesforce answers when a write names an unknown (or hidden) field."""
    return ApiError(400, "INVALID_FIELD", f"No such column '{field}' on sobject of type {sobject}", [])


def insufficient_access() -> ApiError:
    """The error for a write the user's object permissions or sharing do not allow."""
    return ApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", [])
