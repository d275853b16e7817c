"""SQLite-backed OAuth state: connected apps, authorization codes, access and refresh tokens, API usage."""
from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from localorg.httpcore import check_number

_SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
    client_id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT, callbacks TEXT NOT NULL,
    public INTEGER NOT NULL, jwt_cert TEXT, rotation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS codes (
    hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, challenge TEXT,
    user_id TEXT NOT NULL, scope TEXT NOT NULL, expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0, nonce TEXT);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL, scope TEXT NOT NULL,
    issued_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS access_tokens (
    hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL, scope TEXT NOT NULL,
    refresh_hash TEXT, issued_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

MAX_TTL = 86400.0       # access-token lifetime cap: Salesforce's longest session timeout (24 hours)
CODE_LIFETIME = 600.0   # authorization codes live 10 minutes, like Salesforce's


def _h(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class ConnectedApp:
    """A connected app registered in the org: who may ask for tokens and where codes may be sent."""

    client_id: str
    name: str
    callbacks: list[str]
    public: bool
    secret_hash: str | None
    jwt_cert: str | None
    rotation: bool

    def check_secret(self, secret: str | None) -> bool:
        """True when the app needs no secret or the given one matches."""
        if self.secret_hash is None:
            return True
        return secret is not None and secrets.compare_digest(_h(secret), self.secret_hash)


@dataclass
class CodeGrant:
    """What an authorization code was issued for."""

    client_id: str
    redirect_uri: str
    challenge: str | None
    user_id: str
    scope: str
    expires: float
    used: bool
    nonce: str | None = None


@dataclass
class Session:
    """A live access token's owner and scope."""

    user_id: str
    client_id: str
    scope: str
    issued_at: float


class TokenStore:
    """Durable OAuth state in <data_dir>/oauth.sqlite3 so a restarted org keeps its sessions.

    Only SHA-256 hashes of codes and tokens are stored; the secrets themselves exist only in
    the responses handed to clients."""

    def __init__(self, path: Path, org_id: str, *, access_token_ttl: float = 7200.0,
                 api_limit: int = 15000, clock: Callable[[], float] = time.time) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        if "nonce" not in {row[1] for row in self._db.execute("PRAGMA table_info(codes)")}:
            self._db.execute("ALTER TABLE codes ADD COLUMN nonce TEXT")  # a data dir from before OpenID Connect
        self._lock = threading.RLock()
        self._clock = clock
        self.org_id = org_id
        check_number("access_token_ttl", access_token_ttl, 0, MAX_TTL)
        self.access_token_ttl = float(access_token_ttl)
        self.api_limit = int(api_limit)
        self.api_used = int(self._setting("api_used", "0"))
        self._sessions: dict[str, Session | None] = {}

    # -- settings -------------------------------------------------------------------------
    def _setting(self, key: str, default: str) -> str:
        row = self._db.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def _set(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)", (key, value))

    def set_access_token_ttl(self, seconds: float) -> None:
        """Session lifetime for every access token (applies to tokens already issued too; not persisted).

        0 to 86,400 seconds (Salesforce's longest session timeout is 24 hours); anything else, NaN and
        strings included, raises ValueError."""
        check_number("seconds", seconds, 0, MAX_TTL)
        with self._lock:
            self.access_token_ttl = float(seconds)

    # -- API usage ------------------------------------------------------------------------
    def spend_api_call(self) -> tuple[bool, int]:
        """Count one API call; returns (allowed, used). When the budget is spent nothing is counted."""
        with self._lock:
            if self.api_used >= self.api_limit:
                return False, self.api_used
            self.api_used += 1
            self._set("api_used", str(self.api_used))
            return True, self.api_used

    def set_api_usage(self, used: int) -> None:
        """Set how many of today's API calls are spent (tests and demos of limit exhaustion); an int >= 0."""
        check_number("used", used, 0, 2**31 - 1, integer=True)
        with self._lock:
            self.api_used = max(0, int(used))
            self._set("api_used", str(self.api_used))

    # -- connected apps -------------------------------------------------------------------
    def register_app(self, client_id: str, name: str, callbacks: list[str], *, public: bool,
                     secret: str | None = None) -> None:
        """Register (or keep) a connected app; existing apps keep their certificate and settings."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO apps(client_id, name, secret_hash, callbacks, public) VALUES(?,?,?,?,?)",
                (client_id, name, _h(secret) if secret else None, json.dumps(callbacks), int(public)))

    def app(self, client_id: str | None) -> ConnectedApp | None:
        """The connected app with this client id, or None."""
        if not client_id:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT client_id, name, callbacks, public, secret_hash, jwt_cert, rotation FROM apps WHERE client_id=?",
                (client_id,)).fetchone()
        if row is None:
            return None
        return ConnectedApp(row[0], row[1], json.loads(row[2]), bool(row[3]), row[4], row[5], bool(row[6]))

    def set_jwt_certificate(self, client_id: str, pem: str) -> None:
        """Attach the X.509 certificate whose key signs JWT bearer assertions for this app."""
        with self._lock:
            self._db.execute("UPDATE apps SET jwt_cert=? WHERE client_id=?", (pem, client_id))

    def set_rotation(self, client_id: str, on: bool) -> None:
        """Turn refresh-token rotation on or off for this app."""
        with self._lock:
            self._db.execute("UPDATE apps SET rotation=? WHERE client_id=?", (int(on), client_id))

    # -- authorization codes --------------------------------------------------------------
    def issue_code(self, client_id: str, redirect_uri: str, challenge: str | None, user_id: str,
                   scope: str, nonce: str | None = None) -> str:
        """A fresh single-use authorization code, valid for 10 minutes (the OpenID nonce kept for the ID token)."""
        code = "aPrx" + secrets.token_urlsafe(48)
        with self._lock:
            self._db.execute(
                "INSERT INTO codes(hash, client_id, redirect_uri, challenge, user_id, scope, expires, nonce) "
                "VALUES(?,?,?,?,?,?,?,?)",
                (_h(code), client_id, redirect_uri, challenge, user_id, scope, self._clock() + CODE_LIFETIME, nonce))
        return code

    def consume_code(self, code: str) -> CodeGrant | None:
        """Look a code up and mark it used (the caller judges used/expired); None if unknown."""
        with self._lock:
            row = self._db.execute(
                "SELECT client_id, redirect_uri, challenge, user_id, scope, expires, used, nonce FROM codes WHERE hash=?",
                (_h(code),)).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE codes SET used=1 WHERE hash=?", (_h(code),))
        return CodeGrant(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7])

    # -- tokens ---------------------------------------------------------------------------
    def issue_access_token(self, user_id: str, client_id: str, scope: str,
                           refresh_token: str | None = None) -> tuple[str, float]:
        """A new access token (org-prefixed like Salesforce's) and its issue time."""
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(72)}"
        now = self._clock()
        with self._lock:
            self._db.execute(
                "INSERT INTO access_tokens(hash, user_id, client_id, scope, refresh_hash, issued_at) VALUES(?,?,?,?,?,?)",
                (_h(token), user_id, client_id, scope, _h(refresh_token) if refresh_token else None, now))
        return token, now

    def issue_refresh_token(self, user_id: str, client_id: str, scope: str) -> str:
        """A new refresh token, valid until revoked."""
        token = "5Aep861" + secrets.token_urlsafe(60)
        with self._lock:
            self._db.execute(
                "INSERT INTO refresh_tokens(hash, user_id, client_id, scope, issued_at) VALUES(?,?,?,?,?)",
                (_h(token), user_id, client_id, scope, self._clock()))
        return token

    def retire_refresh_token(self, token: str) -> None:
        """Invalidate one refresh token but keep the access tokens it minted (rotation)."""
        with self._lock:
            self._db.execute("UPDATE refresh_tokens SET revoked=1 WHERE hash=?", (_h(token),))

    def refresh_grant(self, token: str) -> tuple[str, str, str, bool] | None:
        """(user_id, client_id, scope, revoked) for a refresh token, or None if unknown."""
        with self._lock:
            row = self._db.execute(
                "SELECT user_id, client_id, scope, revoked FROM refresh_tokens WHERE hash=?", (_h(token),)).fetchone()
        return None if row is None else (row[0], row[1], row[2], bool(row[3]))

    def session(self, token: str) -> Session | None:
        """The live session behind an access token; None when unknown, revoked or expired."""
        key = _h(token)
        with self._lock:
            if key in self._sessions:
                sess = self._sessions[key]
            else:
                row = self._db.execute(
                    "SELECT user_id, client_id, scope, issued_at FROM access_tokens WHERE hash=? AND revoked=0",
                    (key,)).fetchone()
                sess = Session(*row) if row else None
                if len(self._sessions) > 10000:
                    self._sessions.clear()
                self._sessions[key] = sess
        if sess is None or self._clock() - sess.issued_at > self.access_token_ttl:
            return None
        return sess

    def revoke(self, token: str) -> bool:
        """Revoke an access token, or a refresh token and every access token it minted."""
        key = _h(token)
        with self._lock:
            cur = self._db.execute("UPDATE access_tokens SET revoked=1 WHERE hash=? AND revoked=0", (key,))
            hit = cur.rowcount > 0
            cur = self._db.execute("UPDATE refresh_tokens SET revoked=1 WHERE hash=?", (key,))
            if cur.rowcount > 0:
                hit = True
                self._db.execute("UPDATE access_tokens SET revoked=1 WHERE refresh_hash=?", (key,))
            self._sessions.clear()
        return hit

    def revoke_user(self, user_id: str) -> None:
        """Revoke every token of a user (deactivation)."""
        with self._lock:
            self._db.execute("UPDATE access_tokens SET revoked=1 WHERE user_id=?", (user_id,))
            self._db.execute("UPDATE refresh_tokens SET revoked=1 WHERE user_id=?", (user_id,))
            self._sessions.clear()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
