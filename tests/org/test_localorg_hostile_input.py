"""Issue 9.11, one row per finding: hostile or malformed input gets Salesforce's answer from localorg (its JSON error
list and code, Jetty's page for requests the REST layer never sees, a Bulk job that ends Failed with its
errorMessage, or the admin path's refusal), never a Python error, a dropped connection or a hang."""
from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fixtures.localorg import localorg_session, password_token

V = "/services/data/v62.0"
JETTY_414 = "<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>"


@dataclass
class Answer:
    """What came back: HTTP status (0 = no answer), body text, and for Bulk rows the job as the next poll shows it."""

    status: int
    body: str
    job: dict | None = None


def _rest(org: Any, method: str, path: str, **kwargs: Any) -> Answer:
    token = password_token(org, "admin@demo.test")["access_token"]
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    resp = localorg_session(org).request(method, f"{org.instance_url}{path}", headers=headers, timeout=20, **kwargs)
    return Answer(resp.status_code, resp.text)


def _json_body(org: Any, method: str, path: str, body: str) -> Answer:
    return _rest(org, method, path, data=body.encode(), headers={"Content-Type": "application/json"})


def _query(soql: str) -> Callable[[Any], Answer]:
    return lambda org: _rest(org, "GET", f"{V}/query", params={"q": soql})


def _next_page(org: Any, offset: str) -> Answer:
    """Ask for the next page of a real 5,000-Lead cursor at the given offset."""
    first = _query("SELECT Id FROM Lead")(org)
    locator = first.body.split('"nextRecordsUrl":"', 1)[1].split('"', 1)[0].rsplit("-", 1)[0]
    return _rest(org, "GET", f"{locator}-{offset}")


def _raw(request: bytes) -> Callable[[Any], Answer]:
    """Send bytes as they are over TLS; read until the org closes (status 0 when it closed without answering)."""

    def send(org: Any) -> Answer:
        url = urlsplit(org.instance_url)
        context = ssl.create_default_context(cafile=org.ca_file)
        data = b""
        with socket.create_connection((url.hostname, url.port), timeout=10) as sock, \
                context.wrap_socket(sock, server_hostname=url.hostname) as tls:
            tls.sendall(request)
            try:
                while chunk := tls.recv(65536):
                    data += chunk
            except (OSError, ssl.SSLError):   # a timeout (the old -1 hang) or a reset
                pass
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else 0
        return Answer(status, body.decode("latin-1"))

    return send


def _ingest(sobject: str, csv_bytes: bytes) -> Callable[[Any], Answer]:
    """Create an insert job, upload the bytes, mark UploadComplete; the answer carries the job as polled next."""

    def run(org: Any) -> Answer:
        token = password_token(org, "admin@demo.test")["access_token"]
        session, auth = localorg_session(org), {"Authorization": f"Bearer {token}"}
        base = f"{org.instance_url}{V}/jobs/ingest"
        job = session.post(base, headers=auth, timeout=20, json={"object": sobject, "operation": "insert"}).json()
        upload = session.put(f"{base}/{job['id']}/batches", data=csv_bytes, timeout=20,
                             headers={**auth, "Content-Type": "text/csv"})
        if upload.status_code != 201:
            return Answer(upload.status_code, upload.text)
        done = session.patch(f"{base}/{job['id']}", headers=auth, json={"state": "UploadComplete"}, timeout=20)
        polled = session.get(f"{base}/{job['id']}", headers=auth, timeout=20).json()
        failed = session.get(f"{base}/{job['id']}/failedResults", headers=auth, timeout=20).text
        return Answer(done.status_code, failed, polled)

    return run


def _admin(method: str, path: str, *, body: str | None = None, headers: dict | None = None) -> Callable[[Any], Answer]:
    def call(org: Any) -> Answer:
        resp = localorg_session(org).request(method, f"{org.login_url}/__localorg__/{path}", timeout=20,
                                             data=body.encode() if body is not None else None, headers=headers or {})
        return Answer(resp.status_code, resp.text)

    return call


JSON = {"Content-Type": "application/json"}


@dataclass
class Row:
    """One finding: what is sent, and Salesforce's answer to it."""

    finding: str
    send: Callable[[Any], Answer]
    status: int
    code: str | None = None          # errorCode of a JSON error list
    text: str | None = None          # in the body
    job: tuple[str, str] | None = None  # (state, part of errorMessage) of a Bulk job
    then: Callable[[Any], None] | None = None


def _ttl_unchanged(org: Any) -> None:
    assert localorg_session(org).get(f"{org.login_url}/__localorg__/token-ttl", timeout=20).json() == {"seconds": 7200.0}


def _no_faults(org: Any) -> None:
    assert org.faults.list() == []


def _no_account_named(name: str) -> Callable[[Any], None]:
    def check(org: Any) -> None:
        found = _query(f"SELECT Id FROM Account WHERE Name LIKE '{name}%'")(org)
        assert found.status == 200 and '"totalSize":0' in found.body, found.body[:300]
    return check


ROWS = [
    Row("NOT NOT … ×2000 (recursion)", _query("SELECT Id FROM Lead WHERE " + "NOT " * 2000 + "Company = 'x'"),
        400, code="MALFORMED_QUERY"),
    Row("deeply nested JSON", lambda org: _json_body(org, "POST", f"{V}/sobjects/Account", "[" * 50_000 + "]" * 50_000),
        400, code="JSON_PARSER_ERROR"),
    Row("NaN in a JSON body",
        lambda org: _json_body(org, "POST", f"{V}/sobjects/Account", '{"Name": "NaN row", "AnnualRevenue": NaN}'),
        400, code="JSON_PARSER_ERROR", then=_no_account_named("NaN row")),
    Row("a 5,000-digit number in SOQL", _query("SELECT Id FROM Lead WHERE AnnualRevenue > " + "9" * 5000),
        400, code="MALFORMED_QUERY"),
    Row("a 5,000-digit offset in a query locator", lambda org: _next_page(org, "9" * 5000),
        400, code="INVALID_QUERY_LOCATOR"),
    Row("a 5,000-digit batchSize in Sforce-Query-Options",
        lambda org: _rest(org, "GET", f"{V}/query", params={"q": "SELECT Id FROM Account LIMIT 1"},
                          headers={"Sforce-Query-Options": "batchSize=" + "9" * 5000}),
        200, text='"totalSize":1'),
    Row("SOQL past Salesforce's 16,384-byte URI", _query("SELECT Id FROM Lead WHERE Company = '" + "x" * 20_000 + "'"),
        414, text=JETTY_414),
    Row("SOQL over 64 KB in the URL (was the stdlib's HTML page)",
        _query("SELECT Id FROM Lead WHERE Company = '" + "x" * 70_000 + "'"), 414, text=JETTY_414),
    Row("Content-Length: abc (connection was closed unanswered)",
        _raw(b"POST /services/oauth2/token HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\nab"),
        400, text="reason: Invalid Content-Length Value"),
    Row("Content-Length: -1 (hung 60 s)",
        _raw(b"POST /services/oauth2/token HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\nab"),
        400, text="reason: Invalid Content-Length Value"),
    Row("invalid UTF-8 in a Bulk CSV", _ingest("Account", b"Name\nBad \xff\xfe bytes\n"),
        200, job=("Failed", "not valid UTF-8")),
    Row("a JSON array as a Bulk ingest job body",
        lambda org: _json_body(org, "POST", f"{V}/jobs/ingest", '[{"object": "Account", "operation": "insert"}]'),
        400, code="JSON_PARSER_ERROR"),
    Row("a JSON array as a Bulk query job body",
        lambda org: _json_body(org, "POST", f"{V}/jobs/query", '["SELECT Id FROM Account"]'),
        400, code="JSON_PARSER_ERROR"),
    Row("a 200,000-character cell in a Bulk ingest (was UploadComplete forever)",
        _ingest("Account", b"Name,Description\nLong cell," + b"d" * 200_000 + b"\n"),
        200, job=("Failed", "more than 32,000 characters"), then=_no_account_named("Long cell")),
    Row("a 5,000-digit number in a Bulk ingest (was UploadComplete forever)",
        _ingest("Account", b"Name,NumberOfEmployees\nHuge number," + b"9" * 5000 + b"\n"),
        200, text="NUMBER_OUTSIDE_VALID_RANGE", job=("JobComplete", ""), then=_no_account_named("Huge number")),
    Row("an unclosed quote in a CSV (silently merged rows)",
        _ingest("Account", b'Name,Phone\n"Unclosed,1\nMerged,2\n'),
        200, job=("Failed", "quoted value is not closed"), then=_no_account_named("Unclosed")),
    Row("admin path: text/plain from another origin",
        _admin("POST", "token-ttl", body='{"seconds": 1}', headers={"Content-Type": "text/plain",
                                                                   "Origin": "http://evil.example"}),
        403, code="FORBIDDEN", then=_ttl_unchanged),
    Row("admin path: text/plain (a form or a no-preflight fetch)",
        _admin("POST", "token-ttl", body='{"seconds": 1}', headers={"Content-Type": "text/plain"}),
        415, code="UNSUPPORTED_MEDIA_TYPE", then=_ttl_unchanged),
    Row("admin path: JSON from another origin",
        _admin("POST", "faults", body='{"path": ".*", "status": 503}', headers={**JSON, "Origin": "http://evil.example"}),
        403, code="FORBIDDEN", then=_no_faults),
    Row("admin path: a rebound Host name (DNS rebinding)",
        _admin("GET", "counters", headers={"Host": "evil.example"}), 403, code="FORBIDDEN"),
    Row('admin path: {"seconds": "nan"} (tokens never expired)',
        _admin("POST", "token-ttl", body='{"seconds": "nan"}', headers=JSON), 400, code="INVALID_FIELD",
        then=_ttl_unchanged),
    Row("admin path: a negative lifetime",
        _admin("POST", "token-ttl", body='{"seconds": -5}', headers=JSON), 400, code="INVALID_FIELD",
        then=_ttl_unchanged),
    Row("admin path: a negative API usage", _admin("POST", "limits", body='{"used": -1}', headers=JSON),
        400, code="INVALID_FIELD"),
    Row('admin path: {"active": "false"} (a string read as true)',
        _admin("POST", "users/active", body='{"username": "maria.garcia@demo.test", "active": "false"}', headers=JSON),
        400, code="INVALID_FIELD"),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.finding for row in ROWS])
def test_given_hostile_input_when_sent_to_localorg_then_salesforce_answers_it(row: Row, fresh_localorg: Any) -> None:
    answer = row.send(fresh_localorg)
    assert answer.status == row.status, answer.body[:300]
    assert "Traceback" not in answer.body and "Error response" not in answer.body
    if row.code is not None:
        assert answer.body.startswith("[") and f'"errorCode":"{row.code}"' in answer.body, answer.body[:300]
    if row.text is not None:
        assert row.text in answer.body, answer.body[:300]
    if row.job is not None:
        assert answer.job is not None
        state, message = row.job
        assert answer.job["state"] == state and message in answer.job.get("errorMessage", ""), answer.job
    if row.then is not None:
        row.then(fresh_localorg)


@pytest.mark.parametrize(("request_bytes", "status", "reason"), [
    (b"GET /services/data/ HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"p" * 17_000 + b"\r\n\r\n",
     431, "Request Header Fields Too Large"),
    (b"PUT /services/data/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200000000\r\n\r\n", 413, "Payload Too Large"),
    (b"GET /services/data/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
     400, "Invalid Content-Length Value"),
], ids=["head over 16,384 bytes", "body over 150 MB", "two Content-Lengths"])
def test_given_a_request_past_the_front_ends_limits_when_sent_then_jetty_answers_and_closes(
        request_bytes: bytes, status: int, reason: str, localorg: Any) -> None:
    answer = _raw(request_bytes)(localorg)
    assert (answer.status, answer.body) == (status, f"<h1>Bad Message {status}</h1><pre>reason: {reason}</pre>")
