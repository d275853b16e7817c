"""The encrypted token store: one Fernet-encrypted JSON record per named connection, in SQLite."""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from core import settings
from core.error_rules import (
    KEY_ENV_INVALID,
    KEY_FILE_OPEN,
    KEY_FILE_UNREADABLE,
    KEY_INVALID,
    RECORD_UNREADABLE,
    STORE_DAMAGED,
    STORE_UNUSABLE,
)
from core.errors import Reconnect


@dataclass(frozen=True)
class TokenRecord:
    """Everything needed to call one org as one user, and what we learnt about them at connect time.

    `token_url` is the host that issued the tokens (refreshes and revokes go there); `ca_file`
    is set only for the demo org. `auth` is "web", "jwt" or "password".
    """

    name: str
    environment: dict[str, Any]
    token_url: str
    instance_url: str
    org_id: str
    user_id: str
    username: str
    access_token: str
    refresh_token: str | None
    issued_at: str
    client_id: str
    client_secret: str | None = None
    auth: str = "web"
    key_file: str | None = None
    ca_file: str | None = None
    org_name: str = ""
    is_sandbox: bool = False
    organization_type: str = ""
    user_name: str = ""
    profile: str | None = None
    connected_at: str = ""
    environment_mismatch: str | None = None
    integration_user_hint: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    needs_reconnect: dict[str, Any] | None = None
    """Set when a refresh was refused for good (invalid_grant...): the error's kind, cause, message and fix.
    Every thread and process then answers with it and asks for no token until a new sign-in replaces the record."""

    def with_tokens(self, access_token: str, refresh_token: str | None, issued_at: str,
                    instance_url: str | None = None) -> TokenRecord:
        """A copy after a refresh: new access token, a rotated refresh token kept if one came back."""
        return replace(self, access_token=access_token, refresh_token=refresh_token or self.refresh_token,
                       issued_at=issued_at, instance_url=instance_url or self.instance_url)

    def __repr__(self) -> str:  # never print tokens
        return f"TokenRecord(name={self.name!r}, instance_url={self.instance_url!r}, username={self.username!r})"


def _record_from(data: dict[str, Any]) -> TokenRecord:
    """Rebuild a record from stored JSON, ignoring keys a newer version may have added."""
    known = {f.name for f in fields(TokenRecord)}
    return TokenRecord(**{k: v for k, v in data.items() if k in known})


def _key_from_env(value: str, key_file: Path) -> bytes:
    """CONSOLE_SECRET_KEY as a Fernet key: 32 bytes in base64 (url-safe or standard alphabet), nothing else.

    A passphrase is refused rather than stretched: a key made by Fernet.generate_key() has all its
    256 bits, while `a` through any KDF would still be one guess away.
    """
    text = value.strip()
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/").encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise KEY_ENV_INVALID.error(path=key_file)
    return base64.urlsafe_b64encode(raw)


def _key_from_file(path: Path) -> bytes:
    """Read the key file, creating it (mode 0600) on first use.

    The key is written to a private temporary file and hard-linked into place, so a second
    process racing to create it either wins the link or reads the complete winner's key.
    A key file others can open, or one that cannot be read, is refused with a fix.
    """
    try:
        if not path.exists():
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as exc:  # no key yet and no way to make one: the data directory is not writable
                raise STORE_UNUSABLE.error(path=path, directory=path.parent, detail=exc.strerror or exc) from None
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KEY_FILE_OPEN.error(path=path, mode=f"{mode:o}")
        return path.read_bytes().strip()
    except OSError as exc:
        raise KEY_FILE_UNREADABLE.error(path=path, detail=exc.strerror or type(exc).__name__) from None


class TokenStore:
    """Encrypted records keyed by connection name; writes are single SQLite transactions (atomic)."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base if base is not None else settings.data_dir()
        self.path = settings.tokens_path(self.base)
        key_file = settings.secret_key_path(self.base)
        secret = os.environ.get("CONSOLE_SECRET_KEY")
        key = _key_from_env(secret, key_file) if secret else _key_from_file(key_file)
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise KEY_INVALID.error(path=key_file, detail=str(exc).rstrip(".")) from None
        # Names the key without revealing it: what the cache remembers about a connection is kept per key.
        self.key_fingerprint = hmac.new(base64.urlsafe_b64decode(key), b"console cache", "sha256").hexdigest()[:16]
        with self._db() as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS connection (name TEXT PRIMARY KEY, record BLOB NOT NULL, "
                       "updated_at REAL NOT NULL)")
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection to the store file; a file SQLite cannot read is explained (STORE_DAMAGED), never changed,
        and one it cannot open or write (a read-only data directory, a full disk) too (STORE_UNUSABLE)."""
        try:
            db = sqlite3.connect(self.path, timeout=30)
        except sqlite3.OperationalError as exc:
            raise STORE_UNUSABLE.error(path=self.path, directory=self.base, detail=exc) from None
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            yield db
        except sqlite3.OperationalError as exc:  # read-only, no space, no access, locked: not damage
            raise STORE_UNUSABLE.error(path=self.path, directory=self.base, detail=exc) from None
        except sqlite3.DatabaseError as exc:
            raise STORE_DAMAGED.error(path=self.path, detail=exc) from None
        finally:
            db.close()

    def _decrypt(self, name: str, blob: bytes) -> TokenRecord:
        """The record in `blob`; RECORD_UNREADABLE (a Reconnect) when another key made it or it is damaged."""
        try:
            return _record_from(json.loads(self._fernet.decrypt(blob)))
        except (InvalidToken, ValueError, TypeError, AttributeError):  # another key, or a damaged record
            raise RECORD_UNREADABLE.error(name=name, key_file=settings.secret_key_path(self.base)) from None

    def save(self, record: TokenRecord) -> None:
        """Insert or replace the record for `record.name` in one transaction."""
        blob = self._fernet.encrypt(json.dumps(asdict(record)).encode("utf-8"))
        with self._db() as db, db:
            db.execute("INSERT INTO connection VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                       "record = excluded.record, updated_at = excluded.updated_at", (record.name, blob, time.time()))

    def load(self, name: str) -> TokenRecord | None:
        """The record for `name`, or None."""
        with self._db() as db:
            row = db.execute("SELECT record FROM connection WHERE name = ?", (name,)).fetchone()
        return self._decrypt(name, row[0]) if row else None

    def names(self) -> list[str]:
        """Connection names in alphabetical order (no decryption needed)."""
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT name FROM connection ORDER BY name")]

    def update(self, name: str, *, if_access_token: str | None = None, **changes: Any) -> TokenRecord:
        """Atomically change fields of the stored record (BEGIN IMMEDIATE: no interleaving across processes).

        With `if_access_token`, change nothing unless the record still holds that access token, and
        return the stored record as it is: a refresh begun before a new sign-in must not touch the new one.
        """
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT record FROM connection WHERE name = ?", (name,)).fetchone()
                if row is None:
                    raise Reconnect(f"The connection {name!r} was disconnected.", fix="Connect it again.",
                                    cause="not_connected")
                record = self._decrypt(name, row[0])
                if if_access_token is not None and record.access_token != if_access_token:
                    db.execute("ROLLBACK")
                    return record
                if "access_token" in changes:  # a refresh: keep the refresh token unless a rotated one came
                    record = record.with_tokens(changes.pop("access_token"), changes.pop("refresh_token", None),
                                                changes.pop("issued_at", record.issued_at),
                                                changes.pop("instance_url", None))
                record = replace(record, **changes)
                blob = self._fernet.encrypt(json.dumps(asdict(record)).encode("utf-8"))
                db.execute("UPDATE connection SET record = ?, updated_at = ? WHERE name = ?", (blob, time.time(), name))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return record

    def update_tokens(self, name: str, access_token: str, refresh_token: str | None, issued_at: str,
                      instance_url: str | None = None, *, if_access_token: str | None = None) -> TokenRecord:
        """Save the result of a refresh atomically; a rotated refresh token replaces the old one."""
        return self.update(name, access_token=access_token, refresh_token=refresh_token, issued_at=issued_at,
                           instance_url=instance_url, if_access_token=if_access_token)

    def delete(self, name: str) -> bool:
        """Remove the record; True if there was one."""
        with self._db() as db, db:
            return db.execute("DELETE FROM connection WHERE name = ?", (name,)).rowcount > 0

    def swap(self, record: TokenRecord) -> tuple[bool, TokenRecord | None]:
        """Save `record` and return what it replaced, in one transaction: (there was one, it if readable).

        The caller revokes the replaced tokens, so a sign-in that replaces a connection never leaves
        the old refresh token alive and stored nowhere.
        """
        blob = self._fernet.encrypt(json.dumps(asdict(record)).encode("utf-8"))
        return self._displace(record.name, "INSERT INTO connection VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                             "record = excluded.record, updated_at = excluded.updated_at",
                             (record.name, blob, time.time()))

    def take(self, name: str) -> tuple[bool, TokenRecord | None]:
        """Delete the record and return it, in one transaction: (there was one, it if readable).

        Disconnect revokes what it took, so a sign-in saved meanwhile under the same name stays stored
        (and listed) instead of being deleted unrevoked.
        """
        return self._displace(name, "DELETE FROM connection WHERE name = ?", (name,))

    def _displace(self, name: str, statement: str, params: tuple[object, ...]) -> tuple[bool, TokenRecord | None]:
        """Read the record of `name` and run `statement` (which replaces or deletes it) in one transaction:
        (there was one, it if readable)."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT record FROM connection WHERE name = ?", (name,)).fetchone()
                db.execute(statement, params)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        if row is None:
            return False, None
        try:
            return True, self._decrypt(name, row[0])
        except Reconnect:  # made with another key: its tokens cannot be read, so they cannot be revoked
            return True, None

    def restore(self, record: TokenRecord) -> bool:
        """Put back a record that take() removed, unless a new one was saved under its name since; True if put back."""
        blob = self._fernet.encrypt(json.dumps(asdict(record)).encode("utf-8"))
        with self._db() as db, db:
            return db.execute("INSERT OR IGNORE INTO connection VALUES (?, ?, ?)",
                              (record.name, blob, time.time())).rowcount > 0

    def seal(self, data: dict[str, Any]) -> bytes:
        """Encrypt a small JSON-able dict with the store's key (the pending sign-in kept in the cache)."""
        return self._fernet.encrypt(json.dumps(data).encode("utf-8"))

    def unseal(self, blob: bytes) -> dict[str, Any] | None:
        """Decrypt what seal() made; None if it was made with another key or tampered with."""
        try:
            return json.loads(self._fernet.decrypt(blob))
        except (InvalidToken, ValueError, TypeError):
            return None

    def raw_bytes(self) -> bytes:
        """The store file's bytes (tests assert no token appears in clear)."""
        return self.path.read_bytes()
