"""The HTTP/1.1 listeners: raw HTTP to a Request and back in one send, TLS in the worker thread, and Salesforce's
front-end answers (Jetty's "Bad Message" page) for requests that never reach the REST layer."""
from __future__ import annotations

import html
import re
import socket
import ssl
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from localorg.app import App
from localorg.httpcore import Headers, Request

_REASONS = {200: "OK", 201: "Created", 204: "No Content", 302: "Found", 304: "Not Modified", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 412: "Precondition Failed", 415: "Unsupported Media Type", 420: "Enhance Your Calm",
            429: "Too Many Requests", 500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            413: "Payload Too Large", 414: "URI Too Long", 431: "Request Header Fields Too Large",
            501: "Not Implemented", 505: "HTTP Version Not Supported"}
_BAD_MESSAGE = {413: "Payload Too Large", 414: "URI Too Long", 431: "Request Header Fields Too Large"}
MAX_HEAD_BYTES = 16_384              # request line + headers, as Salesforce (help article 000386264)
MAX_BODY_BYTES = 150 * 1024 * 1024   # Bulk API 2.0's largest upload
_DIGITS = re.compile(r"[0-9]{1,19}")


class Handler(BaseHTTPRequestHandler):
    """Turns raw HTTP into Request, asks the App, writes the Response in one send."""

    protocol_version = "HTTP/1.1"
    server_version = "localorg"
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request logging (tokens must never reach a log line anyway)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer a request that never reached the org as Salesforce's Jetty front end does, then close.

        Its body is Jetty's page, `<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>` (the text clients
        report from real orgs, e.g. simple-salesforce #271), not a JSON error list: the REST layer never saw
        the request. Replaces the stdlib's Python-branded HTML page."""
        reason = _BAD_MESSAGE.get(code) or message or "Bad Message"
        body = f"<h1>Bad Message {code}</h1><pre>reason: {html.escape(reason)}</pre>".encode("latin-1", "replace")
        head = [f"HTTP/1.1 {code} {_REASONS.get(code, 'Bad Message')}", f"Date: {formatdate(usegmt=True)}",
                "Content-Type: text/html;charset=iso-8859-1", f"Content-Length: {len(body)}", "Connection: close"]
        self.close_connection = True
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (b"" if self.command == "HEAD" else body))
            self._linger()
        except (OSError, ValueError):
            pass

    def _linger(self) -> None:
        """Read and drop what the client still sends (up to 1 MB, until 0.5 s of quiet) before closing: closing
        over unread bytes resets the connection, and a reset can destroy the answer before the client reads it."""
        self.connection.settimeout(0.5)
        left = 1 << 20
        while left > 0:
            chunk = self.rfile.read1(65536)
            if not chunk:
                return
            left -= len(chunk)

    def parse_request(self) -> bool:
        """The stdlib's parsing plus Salesforce's size limits: a request line over 16,384 bytes is 414, request
        line and headers together over 16,384 bytes are 431 (help article 000386264)."""
        if len(self.raw_requestline) > MAX_HEAD_BYTES:
            self.command, self.request_version = "", "HTTP/1.1"
            self.send_error(414)
            return False
        if not super().parse_request():
            return False
        size = len(self.raw_requestline) + sum(len(k) + len(v) + 4 for k, v in self.headers.items())
        if size > MAX_HEAD_BYTES:
            self.send_error(431)
            return False
        return True

    def _body(self) -> bytes | None:
        """The request body by Content-Length; None (after a 400 / 413) when the header is not a sane length."""
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return b""
        if len({v.strip() for v in values}) != 1 or not _DIGITS.fullmatch(values[0].strip()):
            self.send_error(400, "Invalid Content-Length Value")
            return None
        length = int(values[0].strip())
        if length > MAX_BODY_BYTES:
            self.send_error(413)
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        server: Server = self.server  # type: ignore[assignment]
        body = self._body()
        if body is None:
            return
        path, _, query = self.path.partition("?")
        req = Request(method=self.command, path=path, query_string=query,
                      headers=Headers(list(self.headers.items())), body=body,
                      client_ip=self.client_address[0], secure=server.secure, base_url=server.base_url)
        resp = server.app.dispatch(req)
        if resp.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        head = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Status')}",
                f"Date: {formatdate(usegmt=True)}"]
        head += [f"{k}: {v}" for k, v in resp.headers.items()]
        head.append(f"Content-Length: {len(resp.body)}")
        if self.close_connection:
            head.append("Connection: close")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            payload += resp.body
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _serve


class Server(ThreadingHTTPServer):
    """A threading server; with TLS the handshake runs in the worker thread, not the accept loop."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], app: App, context: ssl.SSLContext | None) -> None:
        super().__init__(addr, Handler)
        self.app = app
        self.context = context
        self.secure = context is not None
        self.base_url = ""

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Wrap the accepted socket in TLS (if any) and hand it to the handler."""
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.context is not None:
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects are routine; stay quiet."""
