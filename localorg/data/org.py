"""The Org facade the server calls: users, passwords, validation rules, transactions and per-user views."""
from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from localorg.data import ids
from localorg.data.org_admin import SecurityAdmin
from localorg.data.schema import Schema
from localorg.data.security import Access, compute_access, missing_field_permissions
from localorg.data.seed_security import user_roles
from localorg.data.store import Store
from localorg.data.validate import defaults, derive, format_datetime
from localorg.errors import ApiError

__all__ = ["ApiError", "Org", "User", "UserView"]

_PBKDF2_ROUNDS = 20_000


@dataclass
class User:
    """A user of the org as the server needs it (login, identity, token decisions)."""

    id: str
    username: str
    name: str
    first_name: str
    last_name: str
    email: str
    profile_name: str
    active: bool
    api_enabled: bool
    view_setup: bool
    role: str = ""


def hash_password(password: str, salt: bytes | None = None) -> list:
    """Return [salt_hex, hash_hex, rounds] for a password (PBKDF2-SHA256, random salt)."""
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _PBKDF2_ROUNDS)
    return [salt.hex(), digest.hex(), _PBKDF2_ROUNDS]


class Org(SecurityAdmin):
    """One local Salesforce org in a SQLite file: schema, records, users, security, validation rules."""

    def __init__(self, db_path: Path, *, schema_dir: Path | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.schema = Schema(schema_dir)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.store = Store(Path(db_path), self.schema)
        self._rules: dict[str, list[tuple[str, str, Callable[[dict], bool]]]] = {}
        self._access: dict[str, tuple[int, Access]] = {}
        self._security_version = 0
        self._lock = threading.RLock()
        if self.store.count("Organization"):
            self._grant_new_fields()

    # -- the Organization row ---------------------------------------------------------------------

    def organization(self) -> dict:
        """Return the Organization record (Id, Name, IsSandbox, OrganizationType, InstanceName, ...)."""
        rows = self.store.rows("Organization")
        if not rows:
            raise RuntimeError("the org is not seeded yet: call Org.seed('demo') or Org.seed('empty')")
        return rows[0]

    @property
    def org_id(self) -> str:
        """The 18-character Organization Id (00D...)."""
        return self.organization()["Id"]

    @property
    def name(self) -> str:
        """The organization's name."""
        return self.organization()["Name"]

    @property
    def is_sandbox(self) -> bool:
        """Whether the org says it is a sandbox (Organization.IsSandbox)."""
        return bool(self.organization()["IsSandbox"])

    @property
    def organization_type(self) -> str:
        """Organization.OrganizationType, e.g. 'Enterprise Edition'."""
        return self.organization()["OrganizationType"]

    def update_organization(self, values: dict) -> None:
        """Change Organization fields directly (e.g. {'IsSandbox': True, 'InstanceName': 'CS42'}) for tests."""
        org = self.organization()
        canon = {self.schema.get("Organization").field(k)["name"]: v for k, v in values.items()}  # type: ignore[union-attr]
        now = format_datetime(self.clock())
        self.store.update("Organization", org["Id"], {**canon, "LastModifiedDate": now, "SystemModstamp": now})

    def now_text(self) -> str:
        """The org clock's current time in Salesforce's datetime format (second precision)."""
        return format_datetime(self.clock().replace(microsecond=0))

    # -- seeding ----------------------------------------------------------------------------------

    def seed(self, kind: str) -> None:
        """Seed an empty database with "demo" data or only the users and org row ("empty"); idempotent."""
        if kind not in ("demo", "empty"):
            raise ValueError(f"unknown seed {kind!r}: use 'demo' or 'empty'")
        from localorg.data.seed import seed_org

        with self.store.transaction():
            if not self.store.count("Organization"):
                seed_org(self, kind)
                self._grant_new_fields()
        self.security_changed()
        self.warm()

    def warm(self) -> None:
        """Load the data objects' rows into the store's cache so the first query is as fast as the rest."""
        for obj in self.schema.objects.values():
            if not obj.virtual and not obj.setup:
                self.store.rows(obj.name)

    def _grant_new_fields(self) -> None:
        new = missing_field_permissions(self.store, self.schema)
        if new:
            self.insert_system("FieldPermissions", new)
            self.security_changed()

    def insert_system(self, sobject: str, records: list[dict], *, by: str | None = None) -> list[str]:
        """Insert records with system fields filled, bypassing validation and security (seed, setup)."""
        obj = self.schema.get(sobject)
        assert obj is not None and obj.key_prefix
        new_ids = self.store.new_ids(obj.key_prefix, len(records))
        now = self.now_text()
        system = {"IsDeleted": False, "CreatedDate": now, "LastModifiedDate": now, "SystemModstamp": now,
                  "CreatedById": by, "LastModifiedById": by}
        rows = []
        for rid, rec in zip(new_ids, records, strict=True):
            row = defaults(obj)
            row.update({k: v for k, v in system.items() if obj.field(k)})
            row.update(rec)
            derive(obj, row)
            row["Id"] = rec.get("Id") or rid
            rows.append(row)
        self.store.insert_many(obj.name, rows)
        if obj.setup or obj.name == "User":
            self.security_changed()
        return [r["Id"] for r in rows]

    # -- users ------------------------------------------------------------------------------------

    def users(self) -> list[User]:
        """Return every user, active or not, in creation order."""
        profiles = {p["Id"]: p["Name"] for p in self.store.rows("Profile")}
        return [self._user(r, profiles) for r in self.store.rows("User")]

    def _user(self, row: dict, profiles: dict[str, str] | None = None) -> User:
        if profiles is None:
            prof = self.store.get("Profile", row["ProfileId"]) if row.get("ProfileId") else None
            profile_name = prof["Name"] if prof else ""
        else:
            profile_name = profiles.get(row.get("ProfileId") or "", "")
        access = self.access(row["Id"])
        return User(id=row["Id"], username=row["Username"], name=row.get("Name") or "",
                    first_name=row.get("FirstName") or "", last_name=row.get("LastName") or "",
                    email=row.get("Email") or "", profile_name=profile_name, active=bool(row.get("IsActive")),
                    api_enabled=access.api_enabled, view_setup=access.view_setup,
                    role=user_roles().get(row["Username"], "user"))

    def user_by_username(self, username: str) -> User | None:
        """Return the user with this username (case-insensitive), or None."""
        rows = self.store.rows("User", where="lower(Username) = ?", params=(username.lower(),))
        return self._user(rows[0]) if rows else None

    def user_by_id(self, user_id: str) -> User | None:
        """Return the user with this 15- or 18-character Id, or None."""
        rid = ids.normalize(user_id)
        row = self.store.get("User", rid) if rid else None
        return self._user(row) if row else None

    def set_password(self, user_id: str, password: str) -> None:
        """Store a salted hash of a user's password (never the password itself)."""
        self.set_password_hashes({user_id: hash_password(password)})

    def set_password_hashes(self, entries: dict[str, list]) -> None:
        """Store precomputed [salt_hex, hash_hex, rounds] entries by user Id (the seed hashes once)."""
        table = dict(self.store.meta_get("passwords", {}))  # type: ignore[arg-type]
        table.update(entries)
        self.store.meta_set("passwords", table)

    def check_password(self, username: str, password: str) -> User | None:
        """Return the user when the password matches, else None.

        An inactive user whose password matches is returned too (with active=False), so the
        server can answer "inactive user" rather than "authentication failure".
        """
        user = self.user_by_username(username)
        if user is None:
            return None
        entry = dict(self.store.meta_get("passwords", {})).get(user.id)  # type: ignore[arg-type]
        if not entry:
            return None
        salt, expected, rounds = entry
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), rounds)
        return user if hmac.compare_digest(digest.hex(), expected) else None

    def set_user_active(self, user_id: str, active: bool) -> None:
        """Activate or deactivate a user (the server revokes a deactivated user's tokens)."""
        rid = ids.normalize(user_id)
        if not rid or self.store.get("User", rid) is None:
            raise KeyError(user_id)
        now = self.now_text()
        self.store.update("User", rid, {"IsActive": active, "LastModifiedDate": now, "SystemModstamp": now})
        self.security_changed()

    # -- security administration ------------------------------------------------------------------

    def security_changed(self) -> None:
        """Forget cached effective permissions (after any change to users or setup objects)."""
        with self._lock:
            self._security_version += 1
            self._access.clear()

    def access(self, user_id: str) -> Access:
        """Return the user's effective permissions (cached until security changes)."""
        with self._lock:
            cached = self._access.get(user_id)
            if cached and cached[0] == self._security_version:
                return cached[1]
            version = self._security_version
        computed = compute_access(self.store, self.schema, user_id)
        with self._lock:
            self._access[user_id] = (version, computed)
        return computed

    # -- rules, transactions, views ---------------------------------------------------------------

    def add_validation_rule(self, sobject: str, field: str, message: str,
                            predicate: Callable[[dict], bool]) -> None:
        """Add a validation rule: predicate(new record) True means error FIELD_CUSTOM_VALIDATION_EXCEPTION."""
        obj = self.schema.get(sobject)
        if obj is None:
            raise KeyError(sobject)
        with self._lock:
            self._rules.setdefault(obj.name, []).append((field, message, predicate))

    def clear_validation_rules(self) -> None:
        """Remove every validation rule."""
        with self._lock:
            self._rules.clear()

    def validation_rules(self, sobject: str) -> list[tuple[str, str, Callable[[dict], bool]]]:
        """Return the validation rules of an object, in the order they were added."""
        with self._lock:
            return list(self._rules.get(sobject, []))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run writes atomically (an exception inside rolls all of them back), e.g. for allOrNone."""
        with self.store.transaction():
            yield

    def as_user(self, user_id: str) -> UserView:
        """Return the view of the org as one user sees it (KeyError for an unknown user)."""
        from localorg.data.userview import UserView

        user = self.user_by_id(user_id)
        if user is None:
            raise KeyError(user_id)
        return UserView(self, user, self.access(user.id))

    def close(self) -> None:
        """Close the database."""
        self.store.close()


from localorg.data.userview import UserView  # noqa: E402  (re-exported: the contract names org.UserView)
