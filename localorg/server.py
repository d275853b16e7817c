"""HTTPS and HTTP listeners, the embeddable `start()` and the `Handle` tests and the console hold."""
from __future__ import annotations

import socket
import ssl
import tempfile
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme

from localorg.app import API_VERSIONS, DEMO_CLIENT_ID, LOOPBACK_CALLBACKS, App
from localorg.auth.tokens import TokenStore
from localorg.httpcore import Headers, Request

_REASONS = {200: "OK", 201: "Created", 204: "No Content", 302: "Found", 304: "Not Modified", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 412: "Precondition Failed", 415: "Unsupported Media Type", 420: "Enhance Your Calm",
            429: "Too Many Requests", 500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class _Handler(BaseHTTPRequestHandler):
    """Turns raw HTTP into Request, asks the App, writes the Response in one send."""

    protocol_version = "HTTP/1.1"
    server_version = "localorg"
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request logging (tokens must never reach a log line anyway)."""

    def _serve(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
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


class _Server(ThreadingHTTPServer):
    """A threading server; with TLS the handshake runs in the worker thread, not the accept loop."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], app: App, context: ssl.SSLContext | None) -> None:
        super().__init__(addr, _Handler)
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


class Handle:
    """A running localorg: its URLs, CA file, Org and the knobs tests turn."""

    def __init__(self, app: App, servers: list[_Server], threads: list[threading.Thread], *,
                 data_dir: Path, ca_file: str, tmp: tempfile.TemporaryDirectory | None) -> None:
        self._app = app
        self._servers = servers
        self._threads = threads
        self._tmp = tmp
        self.data_dir = data_dir
        self.instance_url: str = app.instance_url
        self.login_url: str = app.login_url
        self.ca_file: str = ca_file
        self.client_id: str = app.client_id
        self.api_versions: list[str] = list(API_VERSIONS)
        self.org = app.org
        self.faults = app.faults

    def counters(self) -> dict[str, int]:
        """Calls per "METHOD /path-template" since start (or the last reset_counters())."""
        return self._app.counters()

    def reset_counters(self) -> None:
        """Zero the per-endpoint counters."""
        self._app.reset_counters()

    def edit_as(self, username: str, sobject: str, record_id: str, values: dict) -> None:
        """Update a record as another user: a person filling a field between a preview and a write."""
        user = self.org.user_by_username(username)
        if user is None:
            raise KeyError(f"no user {username!r}")
        self.org.as_user(user.id).update(sobject, record_id, values)

    def set_access_token_ttl(self, seconds: float) -> None:
        """Session lifetime of access tokens (already issued ones included)."""
        self._app.store.set_access_token_ttl(seconds)

    def register_jwt_certificate(self, pem: str, client_id: str | None = None) -> None:
        """Register the certificate (or public key) that verifies JWT bearer assertions (demo app by default)."""
        self._app.store.set_jwt_certificate(client_id or self.client_id, pem)

    def set_refresh_token_rotation(self, on: bool, client_id: str | None = None) -> None:
        """When on, each refresh returns a new refresh token and retires the old one (demo app by default)."""
        self._app.store.set_rotation(client_id or self.client_id, on)

    def register_connected_app(self, client_id: str, callbacks: list[str], *, secret: str | None = None,
                               name: str | None = None) -> None:
        """Register another connected app: with a secret it is confidential (secret required, PKCE optional)."""
        self._app.store.register_app(client_id, name or client_id, callbacks, public=secret is None, secret=secret)

    def set_assignment_rule(self, sobject: str, owner_username: str | None) -> None:
        """An active assignment rule: records written without `Sforce-Auto-Assign: FALSE` go to this owner (None: no rule)."""
        owner = self.org.user_by_username(owner_username) if owner_username else None
        if owner_username and owner is None:
            raise KeyError(f"no user {owner_username!r}")
        self.org.set_assignment_rule(sobject, owner.id if owner else None)

    def set_organization(self, **fields: object) -> dict:
        """Change fields of the Organization row, e.g. IsSandbox=True, InstanceName="CS42"; returns the new row.

        The org then answers as that kind of org (`SELECT IsSandbox FROM Organization`, simple-salesforce's
        is_sandbox()); unknown field names raise KeyError."""
        obj = self.org.schema.get("Organization")
        unknown = [name for name in fields if obj is None or obj.field(name) is None]
        if unknown:
            raise KeyError(f"Organization has no field {unknown[0]!r}")
        self.org.update_organization(dict(fields))
        return self.org.organization()

    def set_user_active(self, username: str, active: bool) -> None:
        """Activate or deactivate a user; deactivation revokes every token of theirs."""
        user = self.org.user_by_username(username)
        if user is None:
            raise KeyError(f"no user {username!r}")
        self.org.set_user_active(user.id, active)
        if not active:
            self._app.store.revoke_user(user.id)

    def api_usage(self) -> tuple[int, int]:
        """(used, max) daily API requests."""
        return self._app.store.api_used, self._app.store.api_limit

    def set_api_usage(self, used: int) -> None:
        """Set today's spent API requests (used >= max makes every data call 403 REQUEST_LIMIT_EXCEEDED)."""
        self._app.store.set_api_usage(used)

    def ready_line(self) -> dict:
        """The JSON object `python -m localorg serve` prints once it listens."""
        return {"instance_url": self.instance_url, "login_url": self.login_url, "ca_file": self.ca_file,
                "api_versions": self.api_versions, "client_id": self.client_id,
                "users": [{"username": u.username, "role": u.profile_name} for u in self.org.users()]}

    def stop(self) -> None:
        """Stop listening, close the databases, remove a temporary data dir."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._app.store.close()
        close = getattr(self.org, "close", None)
        if callable(close):
            close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tls_context(host: str, data_dir: Path) -> tuple[ssl.SSLContext, str]:
    """A server TLS context whose certificate (127.0.0.1, localhost[, host]) comes from the data dir's local CA.

    The CA is made on first start and kept (ca.pem, ca-key.pem with mode 0600) so clients that
    trust ca.pem keep trusting a restarted org; the leaf certificate is issued afresh each start."""
    ca_path, key_path = data_dir / "ca.pem", data_dir / "ca-key.pem"
    if ca_path.exists() and key_path.exists():
        ca = trustme.CA.from_pem(ca_path.read_bytes(), key_path.read_bytes())
    else:
        ca = trustme.CA(organization_name="localorg")
        key_path.touch(mode=0o600)
        key_path.write_bytes(ca.private_key_pem.bytes())
        ca.cert_pem.write_to_path(str(ca_path))
    names = ["127.0.0.1", "localhost"] + ([host] if host not in ("127.0.0.1", "localhost", "0.0.0.0", "") else [])
    cert = ca.issue_cert(*names)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx, str(ca_path)


def start(data_dir: Path | None = None, *, seed: str = "demo", host: str = "127.0.0.1", port: int = 0,
          http_port: int = 0, schema_dir: Path | None = None, access_token_ttl: float = 7200.0,
          api_limit: int = 15000) -> Handle:
    """Open (or create and seed) the org in data_dir and serve it over HTTPS and plain HTTP on threads.

    data_dir None uses a temporary directory removed at stop(). Port 0 picks a free port. The TLS
    certificate is issued at start by a fresh local CA whose PEM is written to <data_dir>/ca.pem."""
    from localorg import admin
    from localorg.api import bulk, bulk_ingest, composite, replication, rest
    from localorg.auth import oauth
    from localorg.data.org import Org

    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="localorg-")
        data_dir = Path(tmp.name)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    org = Org(data_dir / "org.sqlite3", schema_dir=schema_dir)
    org.seed(seed)
    ctx, ca_file = _tls_context(host, data_dir)
    https = _Server((host, port), None, ctx)  # type: ignore[arg-type]
    plain = _Server((host, http_port), None, None)  # type: ignore[arg-type]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    instance_url = f"https://{shown}:{https.server_address[1]}"
    login_url = f"http://{shown}:{plain.server_address[1]}"
    store = TokenStore(data_dir / "oauth.sqlite3", org.org_id, access_token_ttl=access_token_ttl, api_limit=api_limit)
    store.register_app(DEMO_CLIENT_ID, "localorg demo console", LOOPBACK_CALLBACKS, public=True)
    app = App(org, store, instance_url=instance_url, login_url=login_url)
    for module in (oauth, rest, composite, bulk, bulk_ingest, replication, admin):
        module.register(app)
    https.app = plain.app = app
    https.base_url, plain.base_url = instance_url, login_url
    threads = []
    for server in (https, plain):
        t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                             name=f"localorg-{'https' if server.secure else 'http'}")
        t.start()
        threads.append(t)
    handle = Handle(app, [https, plain], threads, data_dir=data_dir, ca_file=ca_file, tmp=tmp)
    app.state["ready_line"] = handle.ready_line
    return handle
