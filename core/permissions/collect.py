"""Ask the org everything a diagnosis needs in few calls (userinfo, two /composite batches, /limits, record counts).

The answers are kept as a plain, JSON-able payload (see model.ok / error / skipped) that the pure checks
read, that the cache stores, and that tests record. A full diagnosis of the five objects is at most five
API calls: userinfo; /composite with the five describes, the Organization, User and Profile rows,
UserPermissionAccess, the permission set assignments and three record counts; /composite with the object
and field permissions of those permission sets and two more counts; /limits; /limits/recordCount.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from core.permissions.model import OBJECTS, PAYLOAD_VERSION, error, ok, skipped, value

if TYPE_CHECKING:
    from core.errors import ConsoleError
    from core.salesforce import OrgClient

_DESCRIBE_KEYS = ("name", "label", "labelPlural", "queryable", "retrieveable", "updateable", "createable", "custom")
_FIELD_KEYS = ("name", "label", "type", "updateable", "createable", "permissionable", "calculated", "nillable",
               "custom")
_UPA = ("SELECT PermissionsApiEnabled, PermissionsViewSetup, PermissionsModifyAllData, PermissionsViewAllData "
        "FROM UserPermissionAccess")
_PSA = ("SELECT PermissionSetId, PermissionSet.Name, PermissionSet.Label, PermissionSet.IsOwnedByProfile, "
        "PermissionSet.Profile.Name, PermissionSet.PermissionsApiEnabled, PermissionSet.PermissionsViewSetup, "
        "PermissionSet.PermissionsModifyAllData, PermissionSet.PermissionsViewAllData "
        "FROM PermissionSetAssignment WHERE AssigneeId = {}")
_OBJECT_PERMS = ("SELECT ParentId, SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, "
                 "PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords FROM ObjectPermissions "
                 "WHERE ParentId IN {} AND SobjectType IN {}")
_FIELD_PERMS = ("SELECT ParentId, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions "
                "WHERE ParentId IN {} AND Field IN {}")
_FIELDS_IN_ORG = "SELECT Field FROM FieldPermissions WHERE Field IN {} AND PermissionsRead = true LIMIT 2000"
_FIRST_COUNTS = OBJECTS[:3]
_API_DISABLED = ("api_disabled", "api_disabled_for_user")
_SAID = re.compile(r"\(Salesforce said: (.*)\)")


def trim_describe(describe: dict[str, Any], keep: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The part of a describe the checks read: the object's access flags and, for the fields in `keep` (all
    when None), each field's name, type and flags. A field the user cannot see is absent, as in describe."""
    wanted = None if keep is None else {name.lower() for name in keep}
    out = {k: describe.get(k) for k in _DESCRIBE_KEYS}
    out["fields"] = [{k: f.get(k) for k in _FIELD_KEYS} for f in describe.get("fields") or []
                     if wanted is None or str(f.get("name")).lower() in wanted]
    return out


def _answer(status: int, body: Any, shape: Any = None) -> dict[str, Any]:
    """A composite subresponse as a payload answer (the refusal keeps Salesforce's code and message)."""
    if 200 <= status < 300:
        return ok(shape(body) if shape else body)
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    return error(status, str(first.get("errorCode") or ""), str(first.get("message") or ""))


def _records(body: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "attributes"} for r in (body or {}).get("records") or []]


def _row(body: Any) -> dict[str, Any] | None:
    rows = _records(body)
    return rows[0] if rows else None


def _record(body: Any) -> dict[str, Any]:
    return {k: v for k, v in (body or {}).items() if k != "attributes"}


def _cause(exc: BaseException) -> str | None:
    """The cause of a ConsoleError the client raised (read by attribute: this room imports no HTTP stack)."""
    return getattr(exc, "cause", None)


def _refusal(exc: ConsoleError) -> dict[str, Any]:
    """A failed call as a payload answer, keeping Salesforce's own words where the error quotes them."""
    said = _SAID.search(exc.message)
    return error(exc.status, exc.code or exc.cause, said.group(1) if said else exc.message)


def _skip_all(payload: dict[str, Any], why: str) -> None:
    for key in ("organization", "user", "profile", "user_permissions", "assignments", "object_permissions",
                "field_permissions", "fields_in_org", "totals", "limits"):
        payload.setdefault(key, skipped(why))
    payload.setdefault("describe", {})
    payload.setdefault("visible", {})
    for sobject in OBJECTS:
        payload["describe"].setdefault(sobject, skipped(why))
        payload["visible"].setdefault(sobject, skipped(why))


def collect(client: OrgClient, *, user_id: str, org_id: str, fields: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Ask the org, as the connected user, everything the checks need; returns the payload.

    `fields` names the mapped and matching fields per object. A refused sign-in because the user is
    inactive, or a refused API (API Enabled missing), ends the collection early with that answer kept;
    any other failure of a call itself (network, expired sign-in, daily limit) raises its ConsoleError.
    """
    started = client.requests_sent
    payload: dict[str, Any] = {"version": PAYLOAD_VERSION, "user_id": user_id, "org_id": org_id,
                               "fields_asked": {k: list(v) for k, v in fields.items()}, "session": None}
    try:
        identity = client.identity()
    except Exception as exc:  # a ConsoleError: only an inactive user's refused sign-in is an answer
        if _cause(exc) != "user_inactive":
            raise
        payload["session"] = {"cause": "user_inactive", "message": getattr(exc, "message", str(exc)),
                              "fix": getattr(exc, "fix", "")}
        payload.update(identity=skipped("the sign-in was refused"), api=skipped("the sign-in was refused"))
        _skip_all(payload, "the sign-in was refused")
        return _done(payload, client, started)
    payload["identity"] = ok({k: identity.get(k) for k in ("user_id", "organization_id", "preferred_username",
                                                            "name", "active", "user_type")})
    try:
        first = client.composite(_first_batch(client, user_id, org_id))
    except Exception as exc:  # a ConsoleError: only API Enabled missing is an answer
        if _cause(exc) not in _API_DISABLED:
            raise
        payload["api"] = _refusal(exc)  # type: ignore[arg-type]
        _skip_all(payload, "the API is refused to this user")
        return _done(payload, client, started)
    payload["api"] = ok(True)
    _read_first(payload, first)
    _second(client, payload, fields)
    if (value(payload["user_permissions"]) or {}).get("PermissionsViewSetup"):
        payload["limits"] = _optional(lambda: _trim_limits(client.limits()))
        payload["totals"] = _optional(lambda: client.record_counts(list(OBJECTS)))
    else:
        why = "needs View Setup and Configuration"
        payload.update(limits=skipped(why), totals=skipped(why))
    return _done(payload, client, started)


def _optional(read: Any) -> dict[str, Any]:
    """One more call whose refusal is an answer (a ConsoleError with a cause), not the end of the diagnosis."""
    try:
        return ok(read())
    except Exception as exc:
        if _cause(exc) is None:
            raise
        return _refusal(exc)  # type: ignore[arg-type]


def _done(payload: dict[str, Any], client: OrgClient, started: int) -> dict[str, Any]:
    payload["api_usage"] = list(client.api_usage) if client.api_usage else None
    payload["calls"] = client.requests_sent - started
    return payload


def _first_batch(client: OrgClient, user_id: str, org_id: str) -> list[dict[str, Any]]:
    """Describes, who and where, system permissions, assignments and three counts: 13 subrequests, 5 queries."""
    batch = [client.sub_describe(f"d_{name}", name) for name in OBJECTS]
    batch += [client.sub_record("org", "Organization", org_id, ["Id", "Name", "IsSandbox", "OrganizationType",
                                                                "InstanceName"]),
              client.sub_record("me", "User", user_id, ["Id", "Username", "Name", "IsActive", "UserType",
                                                        "ProfileId"]),
              client.sub_record("profile", "Profile", "@{me.ProfileId}", ["Id", "Name"]),
              client.sub_query("upa", _UPA),
              client.sub_query("psa", _PSA, user_id)]
    batch += [client.sub_query(f"n_{name}", f"SELECT COUNT() FROM {name}") for name in _FIRST_COUNTS]
    return batch


def _read_first(payload: dict[str, Any], answers: dict[str, tuple[int, Any]]) -> None:
    missing = (0, [{"errorCode": "NO_ANSWER", "message": "no subresponse"}])
    asked = payload["fields_asked"]
    payload["describe"] = {name: _answer(*answers.get(f"d_{name}", missing),
                                         lambda d, n=name: trim_describe(d, tuple(asked.get(n, ()))))
                           for name in OBJECTS}
    payload["organization"] = _answer(*answers.get("org", missing), _record)
    payload["user"] = _answer(*answers.get("me", missing), _record)
    payload["profile"] = _answer(*answers.get("profile", missing), _record)
    payload["user_permissions"] = _answer(*answers.get("upa", missing), _row)
    payload["assignments"] = _answer(*answers.get("psa", missing), _records)
    payload["visible"] = {name: _answer(*answers.get(f"n_{name}", missing), lambda b: int(b.get("totalSize") or 0))
                          for name in _FIRST_COUNTS}


def _second(client: OrgClient, payload: dict[str, Any], fields: dict[str, tuple[str, ...]]) -> None:
    """Object and field permissions of the user's permission sets (View Setup), which mapped fields exist, two counts."""
    batch = [client.sub_query(f"n_{name}", f"SELECT COUNT() FROM {name}") for name in OBJECTS[len(_FIRST_COUNTS):]]
    set_ids = [row["PermissionSetId"] for row in value(payload["assignments"]) or []]
    wanted = [f"{obj}.{name}" for obj, names in fields.items() for name in names]
    absent = [q for q in wanted if _absent(payload, q)]
    why = "needs View Setup and Configuration" if not set_ids else ""
    if set_ids:
        batch.append(client.sub_query("op", _OBJECT_PERMS, set_ids, list(OBJECTS)))
        if wanted:
            batch.append(client.sub_query("fp", _FIELD_PERMS, set_ids, wanted))
        if absent:
            batch.append(client.sub_query("fx", _FIELDS_IN_ORG, absent))
    answers = client.composite(batch)
    missing = (0, [{"errorCode": "NO_ANSWER", "message": "no subresponse"}])
    for name in OBJECTS[len(_FIRST_COUNTS):]:
        payload["visible"][name] = _answer(*answers.get(f"n_{name}", missing), lambda b: int(b.get("totalSize") or 0))
    payload["object_permissions"] = (_answer(*answers.get("op", missing), _records) if set_ids else skipped(why))
    payload["field_permissions"] = (_answer(*answers.get("fp", missing), _records) if set_ids and wanted
                                    else skipped(why or "no fields to check"))
    payload["fields_in_org"] = (_answer(*answers.get("fx", missing), _fields_seen)
                                if set_ids and absent else skipped(why or "every field is visible"))


def _fields_seen(body: Any) -> dict[str, Any]:
    """The fields some profile or permission set grants Read on (so they exist), and whether that list is whole."""
    return {"fields": sorted({r["Field"] for r in _records(body)}), "complete": bool((body or {}).get("done", True))}


def _absent(payload: dict[str, Any], qualified: str) -> bool:
    """Whether a readable object's describe lacks the field (hidden by field-level security, or not in the org)."""
    sobject, _, name = qualified.partition(".")
    described = value(payload["describe"].get(sobject))
    return described is not None and name not in {f["name"] for f in described["fields"]}


def _trim_limits(limits: dict[str, Any]) -> dict[str, Any]:
    return {k: limits[k] for k in ("DailyApiRequests", "DailyBulkV2QueryJobs", "DailyBulkApiBatches") if k in limits}


def value_of(payload: dict[str, Any], key: str) -> Any:
    """The value of one top-level answer of a payload (None when refused, skipped or absent)."""
    return value(payload.get(key))
