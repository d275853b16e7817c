"""The embeddable `start()` (HTTPS and plain-HTTP listeners on threads, a local CA) and the `Handle` tests and the console hold."""
from __future__ import annotations

import ssl
import tempfile
import threading
from pathlib import Path

import trustme

from localorg.app import API_VERSIONS, DEMO_CLIENT_ID, LOOPBACK_CALLBACKS, App
from localorg.auth.tokens import MAX_TTL, TokenStore
from localorg.httpcore import check_number
from localorg.listener import Server


class Handle:
    """A running localorg: its URLs, CA file, Org and the knobs tests turn."""

    def __init__(self, app: App, servers: list[Server], threads: list[threading.Thread], *,
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

    def hold_row_locks(self, record_ids: list[str], times: int = 1) -> None:
        """Another transaction holds these records: their next `times` updates each fail with UNABLE_TO_LOCK_ROW."""
        self.org.hold_row_locks(record_ids, times)

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

    def grant_permission_set(self, name: str, xml_text: str, *, assign_to: str | None = None) -> str:
        """Deploy a Metadata API permission set file (`name`.permissionset-meta.xml) and assign it to a user,
        as an admin would with `sf project deploy start` and Assign; returns the permission set's Id.

        A file the Metadata API would refuse (unknown object or field, Edit without Read, a required field)
        raises localorg.permset_deploy.DeployError and changes nothing."""
        from localorg.permset_deploy import deploy

        return deploy(self.org, name, xml_text, assign_to=assign_to)

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
    from localorg.api import bulk, bulk_ingest, composite, replication, rest, tree, upsert
    from localorg.auth import oauth, oidc
    from localorg.data.org import Org

    check_number("access_token_ttl", access_token_ttl, 0, MAX_TTL)   # before anything is created

    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="localorg-")
        data_dir = Path(tmp.name)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    org = Org(data_dir / "org.sqlite3", schema_dir=schema_dir)
    org.seed(seed)
    ctx, ca_file = _tls_context(host, data_dir)
    https = Server((host, port), None, ctx)  # type: ignore[arg-type]
    plain = Server((host, http_port), None, None)  # type: ignore[arg-type]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    instance_url = f"https://{shown}:{https.server_address[1]}"
    login_url = f"http://{shown}:{plain.server_address[1]}"
    store = TokenStore(data_dir / "oauth.sqlite3", org.org_id, access_token_ttl=access_token_ttl, api_limit=api_limit)
    store.register_app(DEMO_CLIENT_ID, "localorg demo console", LOOPBACK_CALLBACKS, public=True)
    app = App(org, store, instance_url=instance_url, login_url=login_url)
    for module in (oauth, rest, composite, bulk, bulk_ingest, replication, tree, upsert, admin):
        module.register(app)
    oidc.register(app, data_dir)  # OpenID Connect: discovery, /id/keys, the ID-token signing key
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
