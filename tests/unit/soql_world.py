"""Shared data for the SOQL tests beyond Leads (no tests here): Accounts with addresses, Contacts, Opportunities.

Dates are set around NOW (Saturday 2024-06-15, UTC): with Sunday-first weeks THIS_WEEK is 06-09..06-15,
LAST_WEEK 06-02..06-08, the calendar quarter Apr..Jun. Describe dicts come from localorg's own builder,
so flags (groupable, filterable, aggregatable) are the ones the org serves.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from localorg.data.schema import field_dict

NOW = datetime(2024, 6, 15, 12, 0, 0, tzinfo=UTC)
ADA, BOB = "005000000000001AAA", "005000000000002AAA"


def acc(n: int) -> str:
    """Account Id n."""
    return f"0010000000000{n:02d}AAA"


def con(n: int) -> str:
    """Contact Id n."""
    return f"0030000000000{n:02d}AAA"


def opp(n: int) -> str:
    """Opportunity Id n."""
    return f"0060000000000{n:02d}AAA"


def _f(obj: str, name: str, ftype: str, **kw: object) -> dict:
    extra = {k: kw.pop(k) for k in ("compoundFieldName",) if k in kw}
    return {**field_dict(obj, name, ftype, **kw), **extra}  # type: ignore[arg-type]


TYPES = ["Prospect", "Customer - Direct", "Other"]
_ADDRESS = [("BillingStreet", "textarea", 255), ("BillingCity", "string", 40), ("BillingState", "string", 80),
            ("BillingPostalCode", "string", 20), ("BillingCountry", "string", 80)]

FIELDS: dict[str, list[dict]] = {
    "Account": [
        _f("Account", "Id", "id", length=18), _f("Account", "Name", "string", length=255, name_field=True),
        _f("Account", "Type", "picklist", length=255, picklist=TYPES),
        _f("Account", "Industry", "picklist", length=40, picklist=["Technology", "Retail", "Energy"]),
        _f("Account", "AnnualRevenue", "currency", precision=18, scale=0),
        _f("Account", "NumberOfEmployees", "int", digits=8),
        *[_f("Account", n, t, length=ln, compoundFieldName="BillingAddress") for n, t, ln in _ADDRESS],
        _f("Account", "BillingLatitude", "double", precision=18, scale=15, compoundFieldName="BillingAddress"),
        _f("Account", "BillingLongitude", "double", precision=18, scale=15, compoundFieldName="BillingAddress"),
        _f("Account", "BillingAddress", "address", createable=False, updateable=False),
        _f("Account", "Description", "textarea", length=32000),
        _f("Account", "OwnerId", "reference", length=18, reference_to=["User"], relationship_name="Owner"),
        _f("Account", "CreatedDate", "datetime"),
        _f("Account", "Tier__c", "picklist", length=255, picklist=["Gold", "Silver"], custom=True),
        _f("Account", "Location__Latitude__s", "double", precision=18, scale=15, custom=True,
           compoundFieldName="Location__c"),
        _f("Account", "Location__Longitude__s", "double", precision=18, scale=15, custom=True,
           compoundFieldName="Location__c"),
        _f("Account", "Location__c", "location", custom=True, createable=False, updateable=False),
    ],
    "Contact": [
        _f("Contact", "Id", "id", length=18), _f("Contact", "LastName", "string", length=80),
        _f("Contact", "Email", "email", length=80),
        _f("Contact", "AccountId", "reference", length=18, reference_to=["Account"], relationship_name="Account"),
    ],
    "Opportunity": [
        _f("Opportunity", "Id", "id", length=18), _f("Opportunity", "Name", "string", length=120),
        _f("Opportunity", "StageName", "picklist", length=255,
           picklist=["Prospecting", "Negotiation/Review", "Closed Won", "Closed Lost"]),
        _f("Opportunity", "Amount", "currency", precision=18, scale=2),
        _f("Opportunity", "Probability", "percent", precision=3, scale=0),
        _f("Opportunity", "CloseDate", "date"),
        _f("Opportunity", "IsWon", "boolean"),
        _f("Opportunity", "AccountId", "reference", length=18, reference_to=["Account"], relationship_name="Account"),
        _f("Opportunity", "OwnerId", "reference", length=18, reference_to=["User"], relationship_name="Owner"),
    ],
    "User": [_f("User", "Id", "id", length=18), _f("User", "Name", "string", length=121)],
}
for _p in FIELDS["Account"][2]["picklistValues"]:
    _p["label"] = {"Customer - Direct": "Direct customer"}.get(_p["value"], _p["value"])


def _account(n: int, name: str, industry: str | None, revenue: float | None, employees: int | None, owner: str,
             type_: str | None = None, city: str | None = None, country: str | None = None,
             lat: float | None = None, tier: str | None = None) -> dict:
    return {"Id": acc(n), "Name": name, "Type": type_, "Industry": industry, "AnnualRevenue": revenue,
            "NumberOfEmployees": employees, "BillingStreet": None, "BillingCity": city, "BillingState": None,
            "BillingPostalCode": None, "BillingCountry": country, "BillingLatitude": lat,
            "BillingLongitude": None if lat is None else -97.5, "Description": f"account {n}", "OwnerId": owner,
            "CreatedDate": f"2024-01-0{n}T10:00:00.000+0000", "Tier__c": tier,
            "Location__Latitude__s": lat, "Location__Longitude__s": None if lat is None else -97.5, "IsDeleted": False}


ACCOUNTS = [
    _account(1, "Acme", "Technology", 1000000.0, 50, ADA, "Customer - Direct", "Austin", "USA", 30.25, "Gold"),
    _account(2, "Globex", "Technology", 250000.0, 20, BOB, "Prospect"),
    _account(3, "Initech", "Retail", None, 300, ADA, "Customer - Direct", "Berlin", "Germany"),
    _account(4, "Umbrella", None, 75000.0, 5, BOB),
]
CONTACTS = [
    {"Id": con(1), "LastName": "Smith", "Email": "smith@acme.com", "AccountId": acc(1), "IsDeleted": False},
    {"Id": con(2), "LastName": "Jones", "Email": "jones@acme.com", "AccountId": acc(1), "IsDeleted": False},
    {"Id": con(3), "LastName": "Brown", "Email": None, "AccountId": acc(1), "IsDeleted": False},
    {"Id": con(4), "LastName": "Lee", "Email": "lee@globex.com", "AccountId": acc(2), "IsDeleted": False},
    {"Id": con(5), "LastName": "Kim", "Email": "kim@example.org", "AccountId": None, "IsDeleted": False},
    {"Id": con(6), "LastName": "Gone", "Email": "gone@initech.com", "AccountId": acc(3), "IsDeleted": True},
]


def _opp(n: int, account: int | None, name: str, stage: str, amount: float | None, close: str, owner: str) -> dict:
    return {"Id": opp(n), "AccountId": acc(account) if account else None, "Name": name, "StageName": stage,
            "Amount": amount, "Probability": 100.0 if stage == "Closed Won" else 10.0, "CloseDate": close,
            "IsWon": stage == "Closed Won", "OwnerId": owner, "IsDeleted": False}


OPPORTUNITIES = [
    _opp(1, 1, "Acme Renewal", "Closed Won", 5000.0, "2024-06-15", ADA),           # today
    _opp(2, 1, "Acme Expansion", "Prospecting", 12000.0, "2024-06-10", ADA),       # this week
    _opp(3, 1, "Acme Pilot", "Closed Lost", 3000.0, "2024-06-05", BOB),            # last week
    _opp(4, 2, "Globex Deal", "Negotiation/Review", 20000.0, "2024-05-20", BOB),   # last month
    _opp(5, 2, "Globex Upsell", "Prospecting", None, "2024-07-02", BOB),           # next month / quarter
    _opp(6, 3, "Initech Services", "Closed Won", 8000.0, "2024-03-31", ADA),       # last quarter
    _opp(7, 3, "Initech Legacy", "Closed Lost", 1000.0, "2023-11-15", ADA),        # last year
    _opp(8, None, "Orphan", "Prospecting", 500.0, "2025-01-10", BOB),              # next year
    _opp(9, 4, "Umbrella Trial", "Prospecting", 700.0, "2024-06-16", BOB),         # tomorrow, next week
    _opp(10, 4, "Umbrella Old", "Closed Won", 2500.0, "2024-06-14", ADA),          # yesterday
]
USERS = [{"Id": ADA, "Name": "Ada Lovelace", "IsDeleted": False}, {"Id": BOB, "Name": "Bob Stone", "IsDeleted": False}]
CHILDREN = {"Account": [{"relationshipName": "Contacts", "childSObject": "Contact", "field": "AccountId"},
                        {"relationshipName": "Opportunities", "childSObject": "Opportunity", "field": "AccountId"}],
            "User": [{"relationshipName": "Opportunities", "childSObject": "Opportunity", "field": "OwnerId"}]}


class WorldCatalog:
    """Catalog over the lists above (every row visible; deleted ones only on request)."""

    tables = {"Account": ACCOUNTS, "Contact": CONTACTS, "Opportunity": OPPORTUNITIES, "User": USERS}

    def object_name(self, name: str) -> str | None:
        return {k.lower(): k for k in FIELDS}.get(name.lower())

    def fields(self, sobject: str) -> list[dict]:
        return FIELDS[sobject]

    def rows(self, sobject: str, include_deleted: bool = False) -> Iterable[dict]:
        return [r for r in self.tables[sobject] if include_deleted or not r["IsDeleted"]]

    def row(self, sobject: str, record_id: str) -> dict | None:
        return next((r for r in self.tables.get(sobject, []) if r["Id"] == record_id and not r["IsDeleted"]), None)

    def child_relationships(self, sobject: str) -> list[dict]:
        return CHILDREN.get(sobject, [])
