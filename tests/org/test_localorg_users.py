"""localorg at the HTTP level: each demo user sees and writes what its profile allows; a SOQL sample via /query."""
from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from tests.fixtures.localorg import make_sf_client


def test_given_integration_user_when_querying_leads_then_sharing_hides_some_but_all_fields_editable(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    visible = sf.query("SELECT COUNT() FROM Lead")["totalSize"]
    assert 0 < visible < 5000
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert fields["Industry"]["updateable"] and fields["NumberOfEmployees"]["updateable"]
    assert sf.Lead.describe()["updateable"] is True


def test_given_auditor_when_describing_and_writing_then_read_only_everywhere(localorg: Any) -> None:
    sf = make_sf_client(localorg, "auditor@demo.test")
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 5000
    describe = sf.Lead.describe()
    assert describe["updateable"] is False and not any(f["updateable"] for f in describe["fields"])
    lead_id = sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Lead.update(lead_id, {"Title": "Auditor was here"})
    assert err.value.content[0]["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_given_restricted_user_when_writing_industry_then_invalid_field_for_insert_update(localorg: Any) -> None:
    sf = make_sf_client(localorg, "restricted@demo.test")
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert fields["Industry"]["updateable"] is False and fields["NumberOfEmployees"]["updateable"] is False
    assert fields["Website"]["updateable"] is True
    lead_id = sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Lead.update(lead_id, {"Industry": "Banking"})
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert err.value.content[0]["fields"] == ["Industry"]


def test_given_noapi_user_when_token_then_identity_works_but_data_refused(localorg: Any) -> None:
    sf = make_sf_client(localorg, "noapi@demo.test")
    assert sf.oauth2("userinfo")["preferred_username"] == "noapi@demo.test"
    with pytest.raises(SalesforceRefusedRequest) as err:
        sf.Lead.describe()
    assert err.value.content[0]["errorCode"] == "API_DISABLED_FOR_ORG"


def test_given_setup_objects_when_queried_then_view_setup_decides(localorg: Any) -> None:
    admin_like = make_sf_client(localorg, "integration@demo.test")
    perms = admin_like.query("SELECT PermissionsApiEnabled FROM UserPermissionAccess")["records"]
    assert perms and perms[0]["PermissionsApiEnabled"] is True
    auditor = make_sf_client(localorg, "auditor@demo.test")
    with pytest.raises(SalesforceMalformedRequest):
        auditor.query("SELECT Id, SobjectType FROM ObjectPermissions")


def test_given_is_sandbox_when_asked_then_organization_answers(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    assert sf.is_sandbox() is False


def test_given_org_made_a_sandbox_when_asked_then_organization_says_so(fresh_localorg: Any) -> None:
    row = fresh_localorg.set_organization(IsSandbox=True, InstanceName="CS42")
    assert (row["IsSandbox"], row["InstanceName"]) == (True, "CS42")
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    assert sf.is_sandbox() is True
    org = sf.query("SELECT IsSandbox, InstanceName FROM Organization")["records"][0]
    assert (org["IsSandbox"], org["InstanceName"]) == (True, "CS42")
    with pytest.raises(KeyError):
        fresh_localorg.set_organization(IsProduction=True)


@pytest.fixture(scope="module")
def all_leads(localorg: Any) -> tuple[Any, list[dict]]:
    """Every Lead the auditor sees, pulled once through query_all (the reference for the sample below)."""
    sf = make_sf_client(localorg, "auditor@demo.test")
    fields = "Id, Company, Industry, NumberOfEmployees, Email, Status, CreatedDate"
    return sf, sf.query_all(f"SELECT {fields} FROM Lead")["records"]


SAMPLE = [
    ("Industry = null", lambda r: r["Industry"] is None),
    ("Industry != null", lambda r: r["Industry"] is not None),
    ("Industry IN ('Banking', 'Energy')", lambda r: r["Industry"] in ("Banking", "Energy")),
    ("Industry NOT IN ('Banking', 'Energy')", lambda r: r["Industry"] not in ("Banking", "Energy")),   # SOQL: nulls match NOT IN
    ("NumberOfEmployees > 1000", lambda r: r["NumberOfEmployees"] is not None and r["NumberOfEmployees"] > 1000),
    ("NumberOfEmployees <= 50 OR NumberOfEmployees = null",
     lambda r: r["NumberOfEmployees"] is None or r["NumberOfEmployees"] <= 50),
    ("Company LIKE 'A%'", lambda r: (r["Company"] or "").lower().startswith("a")),
    ("NOT (Company LIKE '%Inc%')", lambda r: "inc" not in (r["Company"] or "").lower()),
    ("Email LIKE '%@gmail.com' AND Industry = null",
     lambda r: (r["Email"] or "").lower().endswith("@gmail.com") and r["Industry"] is None),
    ("CreatedDate < 2025-06-01T00:00:00Z", lambda r: r["CreatedDate"] < "2025-06-01T00:00:00.000+0000"),
]


@pytest.mark.parametrize("where, keep", SAMPLE, ids=[w for w, _ in SAMPLE])
def test_given_soql_filter_when_queried_over_http_then_count_matches_python_filter(all_leads: Any, where: Any, keep: Any) -> None:
    sf, leads = all_leads
    assert sf.query(f"SELECT COUNT() FROM Lead WHERE {where}")["totalSize"] == sum(1 for r in leads if keep(r))


def test_given_order_limit_offset_when_queried_then_same_as_sorting_in_python(all_leads: Any) -> None:
    sf, leads = all_leads
    got = sf.query("SELECT Id, NumberOfEmployees FROM Lead WHERE NumberOfEmployees != null "
                   "ORDER BY NumberOfEmployees DESC, Id ASC LIMIT 5 OFFSET 3")["records"]
    ranked = sorted((r for r in leads if r["NumberOfEmployees"] is not None),
                    key=lambda r: (-r["NumberOfEmployees"], r["Id"]))
    assert [r["Id"] for r in got] == [r["Id"] for r in ranked[3:8]]


@pytest.mark.parametrize("soql", [
    "SELECT Id FROM Lead GROUP BY Industry",
    "SELECT Id, (SELECT Id FROM Contacts GROUP BY Id) FROM Account",
    "SELECT Id FROM Lead WHERE Company INCLUDES ('x')",
    "SELECT Industry, COUNT(Id) FROM Lead GROUP BY ROLLUP(Industry)",
])
def test_given_unsupported_soql_when_queried_then_refused_not_ignored(localorg: Any, soql: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query(soql)
    assert err.value.content[0]["errorCode"] in ("MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE")
