"""Signing in: the web-server flow with PKCE, the demo org's password grant and the JWT bearer flow.

Each way ends in _store_connection: read the org with the new token, save the encrypted record,
or revoke the token and explain why the org cannot be used yet.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core import cache as shared_cache
from core import errors, settings
from core.connect import demo, oauth
from core.connect.connections import Actor, ConnectedApp, ConnectionInfo, build_record, info_from, require_operator
from core.connect.environments import PRODUCTION_LOGIN, SANDBOX_LOGIN, Environment, environment
from core.connect.tokens import TokenStore
from core.errors import ConsoleError, Reconnect
from core.salesforce import OrgClient, StaticTokens

_STATE_KEY = "oauth-state"
_EXPIRED_LINK = ("This sign-in link has expired or was already used.", "Start again from Connect.")


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
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
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
    already used. Start again from Connect.") without touching Salesforce; so does a callback
    finished by another console user than the one who began it (the code is never exchanged).
    """
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
    sealed = shared_cache.cache(root).pop((_STATE_KEY, state)) if state else None
    pending = TokenStore(root).unseal(sealed) if isinstance(sealed, bytes) else None
    if not pending or not code:
        raise Reconnect(_EXPIRED_LINK[0], fix=_EXPIRED_LINK[1], cause="state_invalid")
    if pending.get("actor") != actor.name:
        raise Reconnect("This sign-in was started by another console user, so it cannot be finished here.",
                        fix="Start the sign-in yourself from Connect.", cause="state_other_actor")
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
        shared_cache.cache(settings.data_dir(base)).pop((_STATE_KEY, state))
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
    TokenStore(root).save(record)  # open_client sees the new connected_at and builds a new client
    shared_cache.evict_connection(name, root)
    return info_from(record)


def connect_password_demo(username: str, *, name: str | None = None, actor: Actor, password: str | None = None,
                          base: Path | None = None) -> ConnectionInfo:
    """Connect a demo org user with the password grant (CLI and tests); starts the demo org if needed."""
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
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
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
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
