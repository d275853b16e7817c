"""Write validation as Salesforce does it: types, lengths, restricted picklists, required fields, ranges."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

from localorg.data import ids
from localorg.data.schema import NUMBER_TYPES, STRING_TYPES, SObjectType
from localorg.errors import ApiError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SF_DATETIME = "%Y-%m-%dT%H:%M:%S.000+0000"


def format_datetime(moment: datetime) -> str:
    """Format a datetime as Salesforce REST does: UTC, millisecond zeros, '+0000'."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(SF_DATETIME)


def parse_datetime(text: str) -> datetime:
    """Parse a Salesforce/ISO datetime ('Z', '+0000' or '+00:00'; fraction optional) to aware UTC."""
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    t = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", t)
    moment = datetime.fromisoformat(t)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _bad_type(f: dict, value: object) -> ApiError:
    return ApiError(400, "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{f['label']}: value not of required type: {value}", [f["name"]])


def _out_of_range(f: dict, value: object) -> ApiError:
    return ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                    f"{f['label']}: value outside of valid range on numeric field: {value}", [f["name"]])


def coerce(f: dict, value: object) -> object:
    """Convert one incoming JSON value to the stored representation of field `f`, or raise ApiError.

    An empty string is null, as in Salesforce. Numbers given as strings are accepted, as the REST
    API accepts them.
    """
    ftype = f["type"]
    if value == "" or value is None:
        return False if ftype == "boolean" else None
    if ftype == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _bad_type(f, value)
    if ftype == "int":
        if isinstance(value, bool):
            raise _bad_type(f, value)
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _bad_type(f, value) from None
        if number != int(number):
            raise _bad_type(f, value)
        if abs(int(number)) >= 10 ** (f.get("digits") or 9):
            raise _out_of_range(f, value)
        return int(number)
    if ftype in NUMBER_TYPES:
        if isinstance(value, bool):
            raise _bad_type(f, value)
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _bad_type(f, value) from None
        precision, scale = f.get("precision") or 18, f.get("scale") or 0
        number = round(number, scale)
        if abs(number) >= 10 ** (precision - scale):
            raise _out_of_range(f, value)
        return float(number)
    if ftype == "date":
        if isinstance(value, str) and _DATE.match(value):
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        if isinstance(value, str):
            try:
                return parse_datetime(value).date().isoformat()
            except ValueError:
                pass
        raise _bad_type(f, value)
    if ftype == "datetime":
        if isinstance(value, str):
            try:
                return format_datetime(parse_datetime(value))
            except ValueError:
                pass
        raise _bad_type(f, value)
    if ftype in ("reference", "id"):
        rid = ids.normalize(value)
        if rid is None:
            raise ApiError(400, "MALFORMED_ID", f"{f['label']}: id value of incorrect type: {value}", [f["name"]])
        return rid
    if ftype in STRING_TYPES or ftype == "time":
        if isinstance(value, bool) or isinstance(value, (list, dict)):
            raise _bad_type(f, value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)
    return value


def check_value(f: dict, value: object) -> None:
    """Check a coerced value against length, restricted picklist and email rules (ApiError if not)."""
    if value is None or not isinstance(value, str):
        return
    ftype = f["type"]
    if ftype in STRING_TYPES and ftype not in ("id", "reference") and f.get("length") and len(value) > f["length"]:
        raise ApiError(400, "STRING_TOO_LONG",
                       f"{f['label']}: data value too large: {value} (max length={f['length']})", [f["name"]])
    if ftype in ("picklist", "multipicklist") and f.get("restrictedPicklist"):
        allowed = {p["value"] for p in f.get("picklistValues", []) if p.get("active", True)}
        chosen = value.split(";") if ftype == "multipicklist" else [value]
        for v in chosen:
            if v not in allowed:
                raise ApiError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                               f"{f['label']}: bad value for restricted picklist field: {v}", [f["name"]])
    if ftype == "email" and not _EMAIL.match(value):
        raise ApiError(400, "INVALID_EMAIL_ADDRESS", f"{f['label']}: invalid email address: {value}", [f["name"]])


def defaults(obj: SObjectType) -> dict:
    """Return the values a new record starts with: booleans false, default picklist values."""
    out: dict = {}
    for f in obj.stored_fields():
        if f["type"] == "boolean":
            out[f["name"]] = False
        elif f["type"] in ("picklist", "multipicklist"):
            for p in f.get("picklistValues", []):
                if p.get("defaultValue"):
                    out[f["name"]] = p["value"]
    return out


def missing_required(obj: SObjectType, record: dict, touched: set[str] | None) -> list[str]:
    """Return the required fields blank in `record` (only those in `touched` when updating)."""
    out = []
    for f in obj.stored_fields():
        if f["nillable"] or not f["createable"] or f["type"] == "boolean":
            continue
        if f.get("defaultedOnCreate") and touched is None:
            continue
        if touched is not None and f["name"] not in touched:
            continue
        if record.get(f["name"]) in (None, ""):
            out.append(f["name"])
    return out


def derive(obj: SObjectType, record: dict) -> None:
    """Recompute the fields the org derives from others (full Name, Opportunity IsClosed/IsWon)."""
    if obj.name in ("Lead", "Contact", "User") and obj.field("Name") and obj.field("LastName"):
        record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p) or None
    if obj.name == "Opportunity" and obj.field("IsClosed"):
        stage = record.get("StageName") or ""
        record["IsClosed"] = stage.startswith("Closed")
        record["IsWon"] = stage == "Closed Won"
