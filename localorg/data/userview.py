"""UserView: the org as one user sees it — describe, records and writes with CRUD, FLS and sharing applied."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from localorg.data import ids
from localorg.data.catalog import UserCatalog
from localorg.data.schema import UNSTORED_TYPES, SObjectType, global_entry, urls
from localorg.data.security import Access
from localorg.data.validate import check_value, coerce, defaults, derive, missing_required, parse_datetime
from localorg.errors import ApiError, insufficient_access, no_such_column, not_found

if TYPE_CHECKING:
    from localorg.data.org import Org, User

DEFAULT_VERSION = "66.0"
_FLS_MESSAGE = ("Unable to create/update fields: {}. Please check the security settings of this field and "
                "verify that it is read/write for your profile or permission set.")


class UserView:
    """Every call enforces the user's profile + permission sets, field-level security and sharing."""

    def __init__(self, org: Org, user: User, access: Access) -> None:
        self.org = org
        self.user = user
        self.access = access

    def require_api(self) -> None:
        """Raise 403 API_DISABLED_FOR_ORG when the user lacks API Enabled."""
        if not self.access.api_enabled:
            raise ApiError(403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization.")

    # -- metadata ---------------------------------------------------------------------------------

    def readable_object(self, sobject: str) -> SObjectType | None:
        """Return the object type when the user can read it, else None."""
        obj = self.org.schema.get(sobject)
        return obj if obj is not None and obj.queryable and self.access.can(obj, "read") else None

    def _object(self, sobject: str) -> SObjectType:
        obj = self.readable_object(sobject)
        if obj is None:
            raise not_found()
        return obj

    def describe_global(self, version: str = DEFAULT_VERSION) -> dict:
        """Return describe-global: the objects the user can read with their access flags."""
        entries = []
        for obj in sorted(self.org.schema.objects.values(), key=lambda o: o.name):
            if self.readable_object(obj.name) is None:
                continue
            entries.append(global_entry(obj, queryable=True, createable=self._can(obj, "create"),
                                        updateable=self._can(obj, "edit"), deletable=self._can(obj, "delete"),
                                        version=version))
        return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries}

    def _can(self, obj: SObjectType, op: str) -> bool:
        flag = {"create": obj.createable, "edit": obj.updateable, "delete": obj.deletable}.get(op, True)
        return flag and self.access.can(obj, op)

    def readable_fields(self, obj: SObjectType) -> list[dict]:
        """Return the describe dicts of the fields the user can read (FLS applied, flags per user)."""
        can_create, can_edit = self._can(obj, "create"), self._can(obj, "edit")
        out = []
        for f in obj.fields:
            if not self.access.field_readable(obj, f):
                continue
            editable = self.access.field_editable(obj, f)
            d = dict(f)
            d["createable"] = bool(f["createable"] and editable and can_create)
            d["updateable"] = bool(f["updateable"] and editable and can_edit)
            out.append(d)
        return out

    def describe(self, sobject: str, version: str = DEFAULT_VERSION) -> dict:
        """Return the object's describe for this user: unreadable fields absent, updateable per FLS."""
        obj = self._object(sobject)
        entry = global_entry(obj, queryable=True, createable=self._can(obj, "create"),
                             updateable=self._can(obj, "edit"), deletable=self._can(obj, "delete"),
                             version=version)
        children = [c for c in self.org.schema.child_relationships(obj.name)
                    if self.readable_object(c["childSObject"]) is not None]
        entry.update({
            "actionOverrides": [], "childRelationships": children, "compactLayoutable": not obj.setup,
            "defaultImplementation": None, "extendedBy": None, "extendsInterfaces": None,
            "fields": self.readable_fields(obj), "implementedBy": None, "implementsInterfaces": None,
            "listviewable": None, "lookupLayoutable": None, "namedLayoutInfos": [],
            "networkScopeFieldName": None, "recordTypeInfos": [], "searchLayoutable": not obj.setup,
            "sobjectDescribeOption": "FULL", "supportedScopes": [{"label": "All", "name": "everything"}],
            "urls": urls(obj.name, version),
        })
        return dict(sorted(entry.items()))

    def catalog(self) -> UserCatalog:
        """Return the SOQL Catalog of this user (objects, readable fields, visible rows)."""
        return UserCatalog(self)

    # -- records ----------------------------------------------------------------------------------

    def _record(self, obj: SObjectType, record_id: str, *, reading: bool = False) -> dict:
        """Return a live record visible to the user.

        404 NOT_FOUND when absent or invisible; a deleted record is NOT_FOUND to a read and
        ENTITY_IS_DELETED to a write, as Salesforce answers.
        """
        rid = ids.normalize(record_id)
        rec = self.org.store.get(obj.name, rid) if rid and not obj.virtual else None
        if rec is None or not self.access.can_see(obj, rec):
            raise not_found()
        if rec.get("IsDeleted"):
            if reading:
                raise not_found()
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return rec

    def get(self, sobject: str, record_id: str, fields: list[str] | None = None,
            version: str = DEFAULT_VERSION) -> dict:
        """Return one record with its `attributes`, only readable fields (or the ones asked for)."""
        obj = self._object(sobject)
        rec = self._record(obj, record_id, reading=True)
        if fields:
            chosen = []
            for name in fields:
                f = obj.field(name.strip())
                if f is None or not self.access.field_readable(obj, f):
                    raise no_such_column(name, obj.name)
                chosen.append(f)
        else:
            chosen = [f for f in obj.fields if self.access.field_readable(obj, f)]
        out: dict = {"attributes": {"type": obj.name,
                                    "url": f"/services/data/v{version}/sobjects/{obj.name}/{rec['Id']}"}}
        for f in chosen:
            out[f["name"]] = rec.get(f["name"])
        return out

    def create(self, sobject: str, values: dict, *, auto_assign: bool = False) -> str:
        """Create a record as this user; returns its 18-character Id (ApiError on any refusal).

        auto_assign=True plays Sforce-Auto-Assign: TRUE: an assignment rule set with
        Org.set_assignment_rule then picks the owner.
        """
        obj = self._object(sobject)
        if not self._can(obj, "create"):
            raise insufficient_access()
        return self._save(obj, values, None, auto_assign=auto_assign)

    def update(self, sobject: str, record_id: str, values: dict, *,
               if_unmodified_since: datetime | None = None, auto_assign: bool = False) -> None:
        """Update a record as this user: 412 when it changed after if_unmodified_since (second precision).

        auto_assign=True plays Sforce-Auto-Assign: TRUE (Salesforce's default on Lead updates): an
        assignment rule set with Org.set_assignment_rule re-assigns the owner.
        """
        obj = self._object(sobject)
        with self.org.transaction():
            rec = self._record(obj, record_id)
            if if_unmodified_since is not None and rec.get("LastModifiedDate"):
                since = if_unmodified_since
                since = since.replace(tzinfo=UTC) if since.tzinfo is None else since
                if parse_datetime(rec["LastModifiedDate"]) > since.replace(microsecond=0):
                    raise ApiError(412, "PRECONDITION_FAILED",
                                   "The requested resource has been modified since the If-Unmodified-Since date.")
            if not self._can(obj, "edit") or not self.access.can_edit_record(obj, rec):
                raise insufficient_access()
            self._save(obj, values, rec, auto_assign=auto_assign)

    def delete(self, sobject: str, record_id: str) -> None:
        """Soft-delete a record as this user (IsDeleted = true; queryAll still returns it)."""
        obj = self._object(sobject)
        with self.org.transaction():
            rec = self._record(obj, record_id)
            if not self._can(obj, "delete") or not self.access.can_edit_record(obj, rec):
                raise insufficient_access()
            now = self.org.now_text()
            self.org.store.update(obj.name, rec["Id"], {"IsDeleted": True, "LastModifiedDate": now,
                                                        "SystemModstamp": now, "LastModifiedById": self.user.id})

    def _writable(self, obj: SObjectType, values: dict, existing: dict | None) -> dict[str, tuple[dict, object]]:
        """Map incoming keys to {canonical name: (field, raw value)}; refuse unknown and non-editable fields."""
        out: dict[str, tuple[dict, object]] = {}
        for key, value in values.items():
            if key == "attributes":
                continue
            f = obj.field(key)
            if f is not None and f["name"] == "Id" and existing and ids.normalize(value) == existing["Id"]:
                continue
            hidden = f is None or not self.access.field_readable(obj, f)
            if hidden or f["type"] in UNSTORED_TYPES and not f["createable"]:  # type: ignore[index]
                raise no_such_column(key, obj.name)
            out[f["name"]] = (f, value)  # type: ignore[index]
        refused = [name for name, (f, _v) in out.items()
                   if not (f["updateable"] if existing else f["createable"]) or not self.access.field_editable(obj, f)]
        if refused:
            raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE", _FLS_MESSAGE.format(", ".join(refused)), refused)
        return out

    def _save(self, obj: SObjectType, values: dict, existing: dict | None, *, auto_assign: bool = False) -> str:
        """Validate and write one record, in the order Salesforce checks: columns, FLS, types, required, values, rules."""
        given = self._writable(obj, values, existing)
        coerced = {name: coerce(f, raw) for name, (f, raw) in given.items()}
        record = dict(existing) if existing else defaults(obj)
        if existing is None and obj.field("OwnerId"):
            record["OwnerId"] = self.user.id
        record.update(coerced)
        missing = missing_required(obj, record, None if existing is None else set(coerced))
        if missing:
            raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                           missing)
        for name, value in coerced.items():
            f = given[name][0]
            check_value(f, value)
            if value is not None and f["type"] == "reference":
                self._check_reference(f, str(value))
        derive(obj, record)
        rule_owner = self.org.assignment_owner(obj.name) if auto_assign else None
        if rule_owner and obj.field("OwnerId"):
            record["OwnerId"] = rule_owner
        for field_name, message, predicate in self.org.validation_rules(obj.name):
            if predicate(dict(record)):
                raise ApiError(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", message, [field_name] if field_name else [])
        now = self.org.now_text()
        stamps = {"LastModifiedDate": now, "SystemModstamp": now, "LastModifiedById": self.user.id}
        if existing is None:
            stamps.update({"CreatedDate": now, "CreatedById": self.user.id, "IsDeleted": False})
        record.update({k: v for k, v in stamps.items() if obj.field(k)})
        with self.org.transaction():
            if existing is None:
                record["Id"] = self.org.store.new_ids(obj.key_prefix or "a00")[0]
                self.org.store.insert_many(obj.name, [record])
            else:
                changed = {k: v for k, v in record.items() if existing.get(k) != v}
                self.org.store.update(obj.name, record["Id"], changed)
        return record["Id"]

    def _check_reference(self, f: dict, value: str) -> None:
        """Refuse a lookup to the wrong object type or to a record that does not exist."""
        targets = [self.org.schema.get(t) for t in f.get("referenceTo", [])]
        target = next((t for t in targets if t is not None and t.key_prefix == value[:3]), None)
        if target is None:
            if not any(t is not None and not t.virtual for t in targets):
                return
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", f"{f['label']}: id value of incorrect type: {value}",
                           [f["name"]])
        if target.virtual or self.org.store.get(target.name, value, include_deleted=False) is None:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f["name"]])
