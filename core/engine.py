"""The facade that pages, the CLI and notebooks call: connect, list, check, measure and disconnect orgs.

Every function finds the data directory through settings.data_dir() (CONSOLE_DATA_DIR) unless a
`base` is given. Actions that change state take an Actor and refuse anyone but an operator.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from core import cache as shared_cache
from core import demo, errors, oauth, settings
from core.connections import (Actor, ApiUsage, ConnectedApp, ConnectionInfo, Health, build_record, client_for,
                              info_from, now_iso, unreadable_info)
from core.environments import PRODUCTION_LOGIN, SANDBOX_LOGIN, Environment, environment, my_domain_warnings
from core.errors import ConsoleError, NotAllowed, Reconnect
from core.salesforce import OrgClient, StaticTokens
from core.tokens import TokenRecord, TokenStore

__all__ = [
    "Actor", "ApiUsage", "ConnectedApp", "ConnectionInfo", "ConsoleError", "Environment", "Health",
    "api_usage", "begin_login", "check_health", "complete_login", "complete_login_error", "connect_jwt",
    "connect_password_demo", "connected_app_from_env", "connection", "connections", "disconnect",
    "environment", "last_health", "my_domain_warnings", "open_client",
]

_STATE_KEY = "oauth-state"
_clients: dict[tuple[Path, str], tuple[tuple[str, ...], OrgClient]] = {}
_clients_guard = threading.Lock()
_EXPIRED_LINK = ("This sign-in link has expired or was already used.", "Start again from Connect.")


def _require_operator(actor: Actor, action: str) -> None:
    if actor.role != "operator":
        raise NotAllowed(f"{actor.name} is a {actor.role}; only operators can {action}.",
                         fix="Ask an operator, or sign in to the console as one.", cause="not_operator")


def _base(base: Path | None) -> Path:
    return base if base is not None else settings.data_dir()


def connected_app_from_env() -> ConnectedApp | None:
    """The connected app from SF_CLIENT_ID / SF_CLIENT_SECRET / SF_CALLBACK_URL, or None if unset."""
    client_id = os.environ.get("SF_CLIENT_ID", "").strip()
    if not client_id:
        return None
    return ConnectedApp(client_id, os.environ.get("SF_CLIENT_SECRET") or None,
                        os.environ.get("SF_CALLBACK_URL", "http://localhost:8501/connect").strip())


def _demo_environment(base: Path) -> tuple[Environment, demo.DemoAddress]:
    address = demo.ensure_demo_org(base)
    return environment("demo", login_url=address.login_url), address


def begin_login(kind: str, *, app: ConnectedApp | None, my_domain: str | None = None, name: str | None = None,
                callback_url: str | None = None, actor: Actor, base: Path | None = None) -> str:
    """Start the web-server flow: return the authorize URL (PKCE S256 + state) to send the browser to.

    The state, code verifier, environment, callback and connection name are kept server-side in
    diskcache for 10 minutes and consumed once by complete_login. For kind "demo" the demo org is
    started if needed and its own connected app is used with `callback_url` (or app's).
    """
    _require_operator(actor, "connect orgs")
    root = _base(base)
    if kind == "demo":
        env, address = _demo_environment(root)
        client_id, secret, token_url, ca_file = address.client_id, None, address.instance_url, address.ca_file
        callback = callback_url or (app.callback_url if app else None)
        if not callback:
            raise errors.BadInput("No callback URL for the demo sign-in.",
                                  fix="Pass the console's connect page URL, e.g. http://localhost:8501/connect.",
                                  cause="callback_missing")
    else:
        env = environment(kind, my_domain)
        if app is None:
            raise ConsoleError("No connected app is configured for Salesforce sign-in.",
                               fix="Set SF_CLIENT_ID, SF_CLIENT_SECRET (if the app is confidential) and "
                               "SF_CALLBACK_URL "
                               "in .streamlit/secrets.toml or the environment; the README explains how to create "
                               "the connected app.", cause="not_configured", health="needs_reconnect")
        client_id, secret, token_url, ca_file = app.client_id, app.client_secret, env.login_url, None
        callback = callback_url or app.callback_url
    state, verifier = oauth.new_state(), oauth.new_code_verifier()
    pending = {"kind": kind, "environment": env.to_dict(), "name": name or kind, "callback_url": callback,
               "client_id": client_id, "client_secret": secret, "token_url": token_url, "ca_file": ca_file,
               "code_verifier": verifier, "actor": actor.name}
    # Encrypted like the token store: the verifier and a client secret never sit in the cache in clear.
    shared_cache.cache(root).set((_STATE_KEY, state), TokenStore(root).seal(pending), expire=settings.OAUTH_STATE_TTL)
    return oauth.authorize_url(env.login_url, client_id=client_id, redirect_uri=callback, state=state,
                               code_verifier=verifier)


def complete_login(code: str, state: str, *, actor: Actor, base: Path | None = None) -> ConnectionInfo:
    """Finish the web-server flow on the callback: consume the state, exchange code + verifier,
    read userinfo and the Organization, store the tokens encrypted, and describe the connection.

    An unknown, expired or replayed state raises Reconnect ("This sign-in link has expired or was
    already used. Start again from Connect.") without touching Salesforce.
    """
    _require_operator(actor, "connect orgs")
    root = _base(base)
    sealed = shared_cache.cache(root).pop((_STATE_KEY, state)) if state else None
    pending = TokenStore(root).unseal(sealed) if isinstance(sealed, bytes) else None
    if not pending or not code:
        raise Reconnect(_EXPIRED_LINK[0], fix=_EXPIRED_LINK[1], cause="state_invalid")
    token = oauth.exchange_code(pending["token_url"], client_id=pending["client_id"],
                                client_secret=pending["client_secret"], code=code,
                                redirect_uri=pending["callback_url"], code_verifier=pending["code_verifier"],
                                ca_file=pending["ca_file"])
    return _store_connection(root, name=pending["name"], env=Environment.from_dict(pending["environment"]), token=token,
                             token_url=pending["token_url"], client_id=pending["client_id"],
                             client_secret=pending["client_secret"], auth="web", ca_file=pending["ca_file"])


def complete_login_error(error: str, description: str, state: str | None, *, base: Path | None = None) -> ConsoleError:
    """The ConsoleError for a callback that came back with ?error=... (e.g. access_denied); consumes the state."""
    if state:
        shared_cache.cache(_base(base)).pop((_STATE_KEY, state))
    return errors.classify({"error": error, "error_description": description})


def _store_connection(root: Path, *, name: str, env: Environment, token: dict[str, Any], token_url: str,
                      client_id: str, client_secret: str | None, auth: str, ca_file: str | None,
                      key_file: str | None = None, extra: dict[str, Any] | None = None) -> ConnectionInfo:
    """Read the org with the new token and save the record; on failure revoke the token and explain."""
    client = OrgClient(StaticTokens(token["access_token"], token["instance_url"]), ca_file=ca_file)
    try:
        record = build_record(name=name, env=env, token=token, token_url=token_url, client_id=client_id,
                              client_secret=client_secret, auth=auth, ca_file=ca_file, client=client,
                              key_file=key_file, extra=extra)
    except ConsoleError as exc:
        try:
            oauth.revoke(token_url, token=token.get("refresh_token") or token["access_token"], client_id=client_id,
                         client_secret=client_secret, ca_file=ca_file)
        except ConsoleError:
            pass
        raise type(exc)(f"Signed in, but the org cannot be used yet: {exc.message}", fix=exc.fix,
                        retry_safe=exc.retry_safe, cause=exc.cause, health=exc.health, status=exc.status,
                        code=exc.code) from None
    TokenStore(root).save(record)
    _forget_client(root, name)
    shared_cache.evict_connection(name, root)
    return info_from(record)


def connect_password_demo(username: str, *, name: str | None = None, actor: Actor, password: str | None = None,
                          base: Path | None = None) -> ConnectionInfo:
    """Connect a demo org user with the password grant (CLI and tests); starts the demo org if needed."""
    _require_operator(actor, "connect orgs")
    root = _base(base)
    env, address = _demo_environment(root)
    token = oauth.password_grant(address.instance_url, client_id=address.client_id, username=username,
                                 password=password or demo.DEMO_PASSWORD, ca_file=address.ca_file)
    return _store_connection(root, name=name or "demo", env=env, token=token, token_url=address.instance_url,
                             client_id=address.client_id, client_secret=None, auth="password",
                             ca_file=address.ca_file)


def connect_jwt(kind: str, *, client_id: str, key_file: Path, username: str, my_domain: str | None = None,
                name: str | None = None, actor: Actor, audience: str | None = None,
                base: Path | None = None) -> ConnectionInfo:
    """Connect a pre-authorized integration user headlessly with the JWT bearer flow.

    `audience` defaults to the login host (login / test / My Domain); for the demo org, its login URL.
    """
    _require_operator(actor, "connect orgs")
    root = _base(base)
    try:
        key = Path(key_file).read_bytes()
    except OSError as exc:
        raise errors.BadInput(f"Cannot read the key file {key_file} ({exc.strerror}).",
                              fix="Pass --key-file with the private key of the connected app's certificate.",
                              cause="jwt_key_missing") from None
    if kind == "demo":
        env, address = _demo_environment(root)
        token_url, ca_file, aud = address.instance_url, address.ca_file, audience or address.login_url
    else:
        env = environment(kind, my_domain)
        # Salesforce wants aud = login.salesforce.com or test.salesforce.com even when the token
        # endpoint is a My Domain host (help: "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration").
        default_aud = SANDBOX_LOGIN if env.badge == "SANDBOX" else PRODUCTION_LOGIN
        token_url, ca_file, aud = env.login_url, None, audience or default_aud
    token = oauth.jwt_bearer(token_url, client_id=client_id, username=username, private_key_pem=key, audience=aud,
                             ca_file=ca_file)
    return _store_connection(root, name=name or kind, env=env, token=token, token_url=token_url, client_id=client_id,
                             client_secret=None, auth="jwt", ca_file=ca_file,
                             key_file=str(Path(key_file).resolve()), extra={"audience": aud})


def _info(store: TokenStore, name: str) -> ConnectionInfo | None:
    try:
        record = store.load(name)
    except Reconnect:  # cannot be decrypted: listed as unreadable (check_health says why), kept until replaced
        return unreadable_info(name)
    return info_from(record) if record else None


def connections(*, base: Path | None = None) -> list[ConnectionInfo]:
    """Every stored connection (no network call), including records that cannot be decrypted."""
    store = TokenStore(_base(base))
    return [info for info in (_info(store, name) for name in store.names()) if info is not None]


def connection(name: str, *, base: Path | None = None) -> ConnectionInfo | None:
    """One stored connection by name (readable or not), or None."""
    return _info(TokenStore(_base(base)), name)


def open_client(name: str, *, base: Path | None = None) -> OrgClient:
    """The OrgClient of a stored connection (snapshot, permissions and apply use it too).

    One client, hence one requests.Session, per connection and process, rebuilt when the
    connection is re-made; its refreshes go through the store, so other processes see them.
    """
    root = _base(base)
    store = TokenStore(root)
    record = store.load(name)
    if record is None:
        raise Reconnect(f"There is no connection named {name!r}.", fix="Connect it from Connect.",
                        cause="not_connected")
    if record.environment.get("kind") == "demo":
        record = _follow_demo_org(root, store, record)
    identity = (record.connected_at, record.org_id, record.user_id, record.instance_url)
    with _clients_guard:
        cached = _clients.get((root, name))
        if cached is not None and cached[0] == identity:
            return cached[1]
        client = client_for(record, store, root)
        _clients[(root, name)] = (identity, client)
        return client


def _follow_demo_org(root: Path, store: TokenStore, record: TokenRecord) -> TokenRecord:
    """Make sure the demo org runs and point a demo connection at its current address.

    The demo org keeps its data and tokens across restarts but listens on new ports each time,
    so a connection made before a restart follows it instead of reading as unreachable.
    """
    address = demo.ensure_demo_org(root)
    if (record.instance_url, record.token_url, record.ca_file) == (address.instance_url, address.instance_url,
                                                                   address.ca_file):
        return record
    env = dict(record.environment, login_url=address.login_url)
    return store.update(record.name, instance_url=address.instance_url, token_url=address.instance_url,
                        ca_file=address.ca_file, environment=env)


def _forget_client(root: Path, name: str) -> None:
    with _clients_guard:
        _clients.pop((root, name), None)


def _health_from(error: ConsoleError) -> Health:
    return Health(status=error.health if error.health in ("needs_reconnect", "degraded") else "degraded",
                  cause=error.cause, fix=error.fix, retry_safe=error.retry_safe, checked_at=now_iso(),
                  message=error.message)


def check_health(name: str, *, base: Path | None = None) -> Health:
    """Call the org now (userinfo + the Organization query, refreshing if needed) and classify any failure.

    The result is also kept in the cache (tagged with the connection) for last_health().
    """
    root = _base(base)
    try:
        client = open_client(name, base=root)
        client.identity()
        client.organization()
        health = Health("connected", None, None, True, now_iso())
    except ConsoleError as exc:
        health = _health_from(exc)
    else:
        _remember_usage(root, name, client)
    shared_cache.cache(root).set(("health", name), health, tag=shared_cache.connection_tag(name))
    return health


def last_health(name: str, *, base: Path | None = None) -> Health | None:
    """The result of the last check_health for `name`, without calling the org."""
    return shared_cache.cache(_base(base)).get(("health", name))


def _remember_usage(root: Path, name: str, client: OrgClient) -> None:
    if client.api_usage:
        used, total = client.api_usage
        shared_cache.cache(root).set(("api-usage", name), ApiUsage(used, total, "header"),
                                     tag=shared_cache.connection_tag(name))


def api_usage(name: str, *, base: Path | None = None) -> ApiUsage | None:
    """Daily API usage: from /limits (needs View Setup), else the last Sforce-Limit-Info header seen."""
    root = _base(base)
    client = open_client(name, base=root)
    try:
        daily = client.limits().get("DailyApiRequests") or {}
        total, remaining = int(daily["Max"]), int(daily["Remaining"])
        return ApiUsage(total - remaining, total, "limits")
    except (ConsoleError, KeyError, TypeError, ValueError):
        pass
    if client.api_usage:
        _remember_usage(root, name, client)
        used, total = client.api_usage
        return ApiUsage(used, total, "header")
    return shared_cache.cache(root).get(("api-usage", name))


def disconnect(name: str, *, actor: Actor, force: bool = False, base: Path | None = None) -> bool:
    """Revoke the connection's token at Salesforce, delete it from the store and evict its cache.

    If the token cannot be revoked (Salesforce unreachable, or the stored record cannot be
    decrypted) the record is kept unless `force`; an already-invalid token counts as revoked.
    Returns whether the token was revoked.
    """
    _require_operator(actor, "disconnect orgs")
    root = _base(base)
    store = TokenStore(root)
    try:
        record = store.load(name)
        if record is not None:
            oauth.revoke(record.token_url, token=record.refresh_token or record.access_token,
                         client_id=record.client_id, client_secret=record.client_secret, ca_file=record.ca_file)
    except ConsoleError as exc:
        revoked = False
        if not force:
            raise type(exc)(f"Could not revoke the sign-in at Salesforce: {exc.message}",
                            fix=exc.fix + " Or disconnect with force to forget it locally (then revoke it in "
                            "Salesforce: Setup → Connected Apps OAuth Usage).", retry_safe=exc.retry_safe,
                            cause=exc.cause, health=exc.health) from None
    else:
        if record is None:
            raise errors.BadInput(f"There is no connection named {name!r}.", fix="See the list of connections.",
                                  cause="not_connected")
        revoked = True
    store.delete(name)
    _forget_client(root, name)
    shared_cache.evict_connection(name, root)
    return revoked
