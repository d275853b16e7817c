"""Signing in: the web-server flow with PKCE, the demo org's password grant and the JWT bearer flow.

Each way ends in _store_connection: read the org with the new token, save the encrypted record,
or revoke the token and explain why the org cannot be used yet.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from core import cache as shared_cache
from core import errors, settings
from core.connect import demo, names, oauth, pending
from core.connect.connections import (
    ConnectedApp,
    ConnectionInfo,
    build_record,
    info_from,
    integration_user_hint,
    now_iso,
)
from core.connect.environments import PRODUCTION_LOGIN, SANDBOX_LOGIN, Environment, environment
from core.connect.tokens import TokenRecord, TokenStore
from core.errors import ConsoleError, Reconnect
from core.roles import Actor, require_operator
from core.salesforce import OrgClient, StaticTokens


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
                callback_url: str | None = None, actor: Actor, replace: bool = False, binding: str | None = None,
                base: Path | None = None) -> str:
    """Start the web-server flow: return the authorize URL (PKCE S256 + state) to send the browser to.

    The state, code verifier, environment, callback and connection name are kept server-side in
    diskcache for 10 minutes and consumed once by complete_login, which must present the same
    `binding` (the browser's; see core.connect.pending). A `name` another connection holds is
    refused (NameTaken) unless `replace`. For kind "demo" the demo org is started if needed and its
    own connected app is used with `callback_url` (or app's).
    """
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
    if name:
        names.ensure_free(TokenStore(root), name, replace=replace)
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
    verifier = oauth.new_code_verifier()
    state = pending.keep(root, {"kind": kind, "environment": env.to_dict(), "name": name or None, "replace": replace,
                                "callback_url": callback, "client_id": client_id, "client_secret": secret,
                                "token_url": token_url, "ca_file": ca_file, "code_verifier": verifier,
                                "actor": actor.name}, binding=binding)
    return oauth.authorize_url(env.login_url, client_id=client_id, redirect_uri=callback, state=state,
                               code_verifier=verifier)


def complete_login(code: str, state: str, *, actor: Actor, binding: str | None = None,
                   base: Path | None = None) -> ConnectionInfo:
    """Finish the web-server flow on the callback: consume the state, exchange code + verifier,
    read userinfo and the Organization, store the tokens encrypted, and describe the connection.

    An unknown, expired or replayed state raises Reconnect ("This sign-in link has expired or was
    already used. Start again from Connect.") without touching Salesforce; so does a callback from
    another browser than the one that began it, or finished by another console user (the code is
    never exchanged and the begun sign-in is left for its owner).
    """
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
    if not code:
        raise pending.expired()
    begun = pending.claim(root, state or "", binding=binding, actor=actor.name)
    token = oauth.exchange_code(begun["token_url"], client_id=begun["client_id"],
                                client_secret=begun["client_secret"], code=code,
                                redirect_uri=begun["callback_url"], code_verifier=begun["code_verifier"],
                                ca_file=begun["ca_file"])
    return _store_connection(root, name=begun["name"], replace=bool(begun.get("replace")),
                             env=Environment.from_dict(begun["environment"]), token=token,
                             token_url=begun["token_url"], client_id=begun["client_id"],
                             client_secret=begun["client_secret"], auth="web", ca_file=begun["ca_file"])


def complete_login_error(error: str, description: str, state: str | None, *, binding: str | None = None,
                         base: Path | None = None) -> ConsoleError:
    """The ConsoleError for a callback that came back with ?error=... (e.g. access_denied).

    Only an answer to a sign-in this browser began is believed (and ends that sign-in); any other
    ?error= link is refused without repeating its text and leaves every begun sign-in alone.
    """
    if not pending.drop(settings.data_dir(base), state, binding=binding):
        return Reconnect("This sign-in answer does not belong to a sign-in begun in this browser, so it was ignored.",
                         fix="Start the sign-in from Connect in this browser.", cause="state_other_browser")
    return errors.classify({"error": error, "error_description": description})


def _revoke(record: TokenRecord) -> str | None:
    """Revoke a record's refresh token (or access token) at the host that issued it; None, or why it failed."""
    try:
        oauth.revoke(record.token_url, token=record.refresh_token or record.access_token, client_id=record.client_id,
                     client_secret=record.client_secret, ca_file=record.ca_file)
    except ConsoleError as exc:
        return exc.message
    return None


def _replaced_notice(name: str, existed: bool, old: TokenRecord | None) -> str | None:
    """What became of the connection a sign-in replaced: its token revoked, or why not and what to do."""
    if not existed:
        return None
    if old is None:
        return (f"Replaced the earlier record of {name!r}; its tokens could not be read, so they were not revoked: "
                "revoke them in Salesforce (Setup → Connected Apps OAuth Usage).")
    failed = _revoke(old)
    who = f"{name!r} ({old.username})"
    if failed is None:
        return f"Replaced the earlier sign-in of {who}; its token was revoked at Salesforce."
    return (f"Replaced the earlier sign-in of {who}, but its token could not be revoked ({failed}): revoke it in "
            "Salesforce (Setup → Connected Apps OAuth Usage).")


def _store_connection(root: Path, *, name: str | None, env: Environment, token: dict[str, Any], token_url: str,
                      client_id: str, client_secret: str | None, auth: str, ca_file: str | None,
                      replace: bool = False, key_file: str | None = None,
                      extra: dict[str, Any] | None = None) -> ConnectionInfo:
    """Read the org with the new token and save the record; on failure revoke the token and explain.

    Without a `name` the sign-in gets a default one that takes no other user's connection (names.default_name);
    a `name` another connection holds needs `replace`. A replaced connection's token is revoked at
    Salesforce, and the returned info's notice says so (or why not).
    """
    client = OrgClient(StaticTokens(token["access_token"], token["instance_url"]), ca_file=ca_file)
    store = TokenStore(root)
    new_token = token.get("refresh_token") or token["access_token"]
    try:
        record = build_record(name=name or env.kind, env=env, token=token, token_url=token_url, client_id=client_id,
                              client_secret=client_secret, auth=auth, ca_file=ca_file, client=client,
                              key_file=key_file, extra=extra)
        if name and not replace:
            names.ensure_free(store, name, replace=False)
        elif not name and not replace:
            record = dataclasses.replace(record, name=names.default_name(
                store, env.kind, org_id=record.org_id, user_id=record.user_id, username=record.username))
    except ConsoleError as exc:
        kept = _keep_without_api(root, exc, client, name=name, env=env, token=token, token_url=token_url,
                                 client_id=client_id, client_secret=client_secret, auth=auth, ca_file=ca_file,
                                 key_file=key_file, extra=extra)
        if kept is not None:
            raise kept from None
        try:
            oauth.revoke(token_url, token=new_token, client_id=client_id, client_secret=client_secret, ca_file=ca_file)
        except ConsoleError:
            pass
        if isinstance(exc, names.NameTaken):
            raise
        raise type(exc)(f"Signed in, but the org cannot be used yet: {exc.message}", fix=exc.fix,
                        retry_safe=exc.retry_safe, cause=exc.cause, health=exc.health, status=exc.status,
                        code=exc.code) from None
    existed, old = store.swap(record)  # open_client sees the new connected_at and builds a new client
    shared_cache.evict_connection(record.name, root)
    return dataclasses.replace(info_from(record), notice=_replaced_notice(record.name, existed, old))


# -- permission diagnostics (issue 11): a sign-in refused the API is kept, so Permissions can say all that is missing
def _keep_without_api(root: Path, exc: ConsoleError, client: OrgClient, *, name: str, env: Environment,
                      token: dict[str, Any], token_url: str, client_id: str, client_secret: str | None, auth: str,
                      ca_file: str | None, key_file: str | None, extra: dict[str, Any] | None) -> ConsoleError | None:
    """Save a sign-in whose user lacks API Enabled (userinfo works, the data API does not) and return the error
    to raise; None for any other failure. The admin fixes the permission and the same sign-in starts working."""
    if not isinstance(exc, errors.FixPermission) or exc.cause not in ("api_disabled", "api_disabled_for_user"):
        return None
    try:
        identity = client.identity()
    except ConsoleError:
        return None
    user_id = str(identity.get("user_id") or identity.get("sub", "").rsplit("/", 1)[-1])
    username = str(identity.get("preferred_username") or identity.get("username") or "")
    user_name = str(identity.get("name") or "")
    record = TokenRecord(
        name=name, environment=env.to_dict(), token_url=token_url.rstrip("/"),
        instance_url=str(token.get("instance_url") or client.instance_url),
        org_id=str(identity.get("organization_id") or ""), user_id=user_id, username=username,
        access_token=str(token["access_token"]), refresh_token=token.get("refresh_token"),
        issued_at=str(token.get("issued_at") or ""), client_id=client_id, client_secret=client_secret, auth=auth,
        key_file=key_file, ca_file=ca_file, is_sandbox=bool(env.expects_sandbox), user_name=user_name,
        connected_at=now_iso(), integration_user_hint=integration_user_hint(username, user_name, None),
        extra=dict(extra or {}))
    TokenStore(root).save(record)
    shared_cache.evict_connection(name, root)
    return errors.FixPermission(
        f"Signed in as {username} and saved as {name!r}, but the org cannot be used yet: {exc.message}",
        fix=f"{exc.fix} Then open Permissions (or run python -m core diagnose --connection {name}) and check again.",
        cause=exc.cause, status=exc.status, code=exc.code)


def connect_password_demo(username: str, *, name: str | None = None, actor: Actor, password: str | None = None,
                          replace: bool = False, base: Path | None = None) -> ConnectionInfo:
    """Connect a demo org user with the password grant (CLI and tests); starts the demo org if needed.

    Naming as in _store_connection: a default name never takes another user's connection, an existing
    `name` needs `replace` (which, without a name, replaces the environment's: "demo")."""
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
    if name:
        names.check(name)
    env, address = _demo_environment(root)
    token = oauth.password_grant(address.instance_url, client_id=address.client_id, username=username,
                                 password=password or demo.DEMO_PASSWORD, ca_file=address.ca_file)
    return _store_connection(root, name=name, replace=replace, env=env, token=token,
                             token_url=address.instance_url, client_id=address.client_id, client_secret=None,
                             auth="password", ca_file=address.ca_file)


def connect_jwt(kind: str, *, client_id: str, key_file: Path, username: str, my_domain: str | None = None,
                name: str | None = None, actor: Actor, audience: str | None = None, replace: bool = False,
                base: Path | None = None) -> ConnectionInfo:
    """Connect a pre-authorized integration user headlessly with the JWT bearer flow.

    `audience` defaults to the login host (login / test / My Domain); for the demo org, its login URL.
    """
    require_operator(actor, "connect orgs")
    root = settings.data_dir(base)
    if name:
        names.ensure_free(TokenStore(root), name, replace=replace)
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
    return _store_connection(root, name=name, replace=replace, env=env, token=token, token_url=token_url,
                             client_id=client_id, client_secret=None, auth="jwt", ca_file=ca_file,
                             key_file=str(Path(key_file).resolve()), extra={"audience": aud})
