"""Request, response, error and routing primitives shared by every localorg endpoint."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


class RestError(Exception):
    """An error answered in Salesforce's REST shape: a JSON list of {message, errorCode[, fields]}."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def body(self) -> list[dict]:
        """The Salesforce error list for this error."""
        item: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            item["fields"] = list(self.fields)
        return [item]


def error_body(exc: BaseException) -> list[dict]:
    """Salesforce's error list for a RestError or the data layer's ApiError (duck-typed on .body())."""
    return exc.body()  # type: ignore[attr-defined]


def is_api_error(exc: BaseException) -> bool:
    """True for errors that carry an HTTP status and a Salesforce errorCode (ours or the Org's)."""
    return hasattr(exc, "status") and hasattr(exc, "error_code") and hasattr(exc, "body")


class Headers:
    """Case-insensitive request header lookup."""

    def __init__(self, items: list[tuple[str, str]] | dict[str, str] | None = None) -> None:
        self._d: dict[str, str] = {}
        for k, v in (items.items() if isinstance(items, dict) else (items or [])):
            self._d[k.lower()] = v

    def get(self, name: str, default: str | None = None) -> str | None:
        """The header value, or default when absent."""
        return self._d.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._d


@dataclass
class Request:
    """One HTTP request as the endpoint handlers see it."""

    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    secure: bool = True
    base_url: str = ""
    internal: bool = False   # a composite subrequest: no API accounting, no faults

    @property
    def query(self) -> dict[str, list[str]]:
        """Parsed query-string parameters ('+' decoded as space, as Salesforce does)."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """The body parsed as application/x-www-form-urlencoded (first value per key)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def json(self) -> Any:
        """The body parsed as JSON; a malformed body is Salesforce's 400 JSON_PARSER_ERROR."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise RestError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None


@dataclass
class Response:
    """One HTTP response: status, body bytes and headers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False   # close the connection without answering (fault injection)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        """A JSON response (UTF-8, compact)."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, check_circular=False).encode("utf-8")
        h = {"Content-Type": "application/json;charset=UTF-8"}
        h.update(headers or {})
        return cls(status, body, h)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8",
             headers: dict[str, str] | None = None) -> Response:
        """A text/HTML/CSV response."""
        h = {"Content-Type": content_type}
        h.update(headers or {})
        return cls(status, text.encode("utf-8"), h)

    @classmethod
    def empty(cls, status: int = 204, headers: dict[str, str] | None = None) -> Response:
        """A bodiless response (204 No Content, 302 redirect)."""
        return cls(status, b"", dict(headers or {}))

    @classmethod
    def error(cls, exc: BaseException) -> Response:
        """Salesforce's JSON error list for an ApiError/RestError."""
        headers = dict(getattr(exc, "headers", None) or {})
        return cls.json(error_body(exc), status=int(exc.status), headers=headers)  # type: ignore[attr-defined]


Handler = Callable[..., Response]


@dataclass
class Route:
    """A path pattern, its template name (for counters) and the handler per HTTP method."""

    template: str
    regex: re.Pattern[str]
    methods: dict[str, Handler]


class Router:
    """Ordered regex routes; a path match with the wrong method is 405 METHOD_NOT_ALLOWED."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, template: str, pattern: str, methods: dict[str, Handler]) -> None:
        """Register a full-match path regex (named groups become handler kwargs)."""
        self.routes.append(Route(template, re.compile(pattern), methods))

    def match(self, method: str, path: str) -> tuple[Route, Handler, dict[str, str]] | None:
        """The route, handler and path parameters; raises 405 when only the method is wrong."""
        for route in self.routes:
            m = route.regex.fullmatch(path)
            if m is None:
                continue
            handler = route.methods.get(method)
            if handler is None and method == "HEAD":
                handler = route.methods.get("GET")
            if handler is None:
                allowed = ", ".join(sorted(route.methods))
                raise RestError(405, "METHOD_NOT_ALLOWED",
                                f"HTTP Method '{method}' not allowed. Allowed are {allowed}",
                                headers={"Allow": allowed})
            return route, handler, m.groupdict()
        return None


def not_found() -> RestError:
    """Salesforce's 404 for an unknown resource."""
    return RestError(404, "NOT_FOUND", "The requested resource does not exist")
