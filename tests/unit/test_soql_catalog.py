"""Shared data for the SOQL tests (no tests here): an in-memory Catalog of a dozen Leads, two Accounts, three Users."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

NOW = datetime(2024, 6, 15, 12, 0, 0, tzinfo=UTC)


def lead_id(n: int) -> str:
    """18-character Lead Id for lead number n."""
    return f"00Q0000000000{n:02d}AAA"


USER_ADA, USER_BOB, USER_HIDDEN = "005000000000001AAA", "005000000000002AAA", "005000000000003AAA"
ACCOUNT_ACME, ACCOUNT_GLOBEX = "001000000000001AAA", "001000000000002AAA"


def _dt(text: str) -> str:
    return f"{text}.000+0000"


def _lead(n: int, last: str, company: str | None, email: str | None, industry: str | None, employees: int | None,
          revenue: float | None, converted: bool, created: str, activity: str | None, owner: str | None,
          account: str | None = None, deleted: bool = False) -> dict:
    return {
        "Id": lead_id(n), "LastName": last, "Company": company, "Email": email, "Industry": industry,
        "NumberOfEmployees": employees, "AnnualRevenue": revenue, "IsConverted": converted,
        "CreatedDate": _dt(created), "SystemModstamp": _dt(created), "LastActivityDate": activity,
        "OwnerId": owner, "ConvertedAccountId": account, "Description": f"lead {n}", "Secret__c": "hidden",
        "IsDeleted": deleted,
    }


LEADS = [
    _lead(1, "Smith", "Acme", "smith@acme.com", "Technology", 50, 1000000.0, False, "2024-06-15T09:00:00", "2024-06-14", USER_ADA),
    _lead(2, "Jones", "Globex", "jones@globex.com", None, 5, None, False, "2024-06-14T23:59:59", "2024-06-01", USER_BOB),
    _lead(3, "Brown", "100% Pure", "brown@pure.com", "Retail", 200, 50.5, True, "2024-06-08T00:00:00", None, USER_ADA, ACCOUNT_ACME),
    _lead(4, "O'Neil", "Under_Score Ltd", None, "Technology", None, 0.0, False, "2024-06-07T23:59:59", None, USER_BOB),
    _lead(5, "Garcia", "Acme", "garcia@acme.com", "Healthcare", 1000, 2500.0, False, "2024-01-31T15:00:00", "2024-01-31", USER_ADA),
    _lead(6, "Lee", "Initech", "lee@initech.com", None, 0, None, False, "2023-12-31T23:00:00", None, USER_HIDDEN),
    _lead(7, "Kim", "Back\\slash Co", "kim@backslash.co", "Retail", 12, 12.0, False, "2024-03-01T08:30:00", "2024-03-02", USER_BOB),
    _lead(8, "Nguyen", "Umbrella", "NGUYEN@UMBRELLA.COM", "Healthcare", 75, -3.5, False, "2024-05-20T00:00:00", None, USER_ADA),
    _lead(9, "Patel", "Acme Corp", "patel@acmecorp.com", "technology", 51, 99.99, True, "2024-06-10T10:00:00", "2024-06-10", USER_BOB, ACCOUNT_GLOBEX),
    _lead(10, "Rossi", None, "rossi@example.org", None, None, None, False, "2024-02-29T12:00:00", None, None),
    _lead(11, "Müller", "Hooli", "mueller@hooli.de", "Retail", 3000, 1e6, False, "2024-04-01T00:00:00", "2024-04-01", USER_ADA),
    _lead(12, "Ahmed", "Stark", "ahmed@stark.com", "Technology", 40, 10.0, False, "2024-06-01T00:00:00", None, USER_BOB),
    _lead(13, "Gone", "Deleted Inc", "gone@deleted.com", None, 1, None, False, "2024-06-01T00:00:00", None, USER_BOB, deleted=True),
]

ACCOUNTS = [
    {"Id": ACCOUNT_ACME, "Name": "Acme", "Website": "acme.com", "OwnerId": USER_ADA, "IsDeleted": False},
    {"Id": ACCOUNT_GLOBEX, "Name": "Globex", "Website": None, "OwnerId": USER_HIDDEN, "IsDeleted": False},
]
USERS = [
    {"Id": USER_ADA, "Name": "Ada Lovelace", "Email": "ada@demo.test", "IsActive": True, "IsDeleted": False},
    {"Id": USER_BOB, "Name": "Bob Stone", "Email": "bob@demo.test", "IsActive": False, "IsDeleted": False},
    {"Id": USER_HIDDEN, "Name": "Hidden", "Email": "h@demo.test", "IsActive": True, "IsDeleted": False},
]


def _f(name: str, type_: str, **extra: object) -> dict:
    return {"name": name, "type": type_, "relationshipName": None, "referenceTo": [], **extra}


FIELDS = {
    "Lead": [
        _f("Id", "id"), _f("LastName", "string"), _f("Company", "string"), _f("Email", "email"),
        _f("Industry", "picklist"), _f("NumberOfEmployees", "int"), _f("AnnualRevenue", "currency"),
        _f("IsConverted", "boolean"), _f("CreatedDate", "datetime"), _f("SystemModstamp", "datetime"),
        _f("LastActivityDate", "date"), _f("IsDeleted", "boolean"),
        _f("OwnerId", "reference", relationshipName="Owner", referenceTo=["Group", "User"]),
        _f("ConvertedAccountId", "reference", relationshipName="ConvertedAccount", referenceTo=["Account"]),
        _f("Description", "textarea", filterable=False, sortable=False),
    ],  # Secret__c is in the rows but not readable: absent from fields()
    "Account": [
        _f("Id", "id"), _f("Name", "string"), _f("Website", "url"),
        _f("OwnerId", "reference", relationshipName="Owner", referenceTo=["User"]),
    ],
    "User": [_f("Id", "id"), _f("Name", "string"), _f("Email", "email"), _f("IsActive", "boolean")],
}


class MemoryCatalog:
    """Catalog over the lists above; USER_HIDDEN is invisible through row() (sharing), Group is not queryable."""

    def __init__(self) -> None:
        self.tables = {"Lead": LEADS, "Account": ACCOUNTS, "User": USERS}

    def object_name(self, name: str) -> str | None:
        return {k.lower(): k for k in FIELDS}.get(name.lower())

    def fields(self, sobject: str) -> list[dict]:
        return FIELDS[sobject]

    def rows(self, sobject: str, include_deleted: bool = False) -> Iterable[dict]:
        return (r for r in self.tables[sobject] if include_deleted or not r["IsDeleted"])

    def row(self, sobject: str, record_id: str) -> dict | None:
        if record_id == USER_HIDDEN or sobject not in self.tables:
            return None
        return next((r for r in self.tables[sobject] if r["Id"] == record_id and not r["IsDeleted"]), None)
