"""localorg's Composite resource carries conditional PATCHes the way the sObject Rows resource answers them:
per-subrequest `httpHeaders` (If-Unmodified-Since, Sforce-Auto-Assign) honoured, the same 412 body, one API call."""
from __future__ import annotations

from typing import Any

import requests

from tests.fixtures.localorg import localorg_session, make_sf_client
from tests.org.test_localorg_rest import http_date

COMPOSITE = "POST /services/data/vXX.X/composite"
ROWS = "PATCH /services/data/vXX.X/sobjects/{T}/{id}"


def _raw_patch(handle: Any, token: str, record_id: str, values: dict[str, Any], headers: dict[str, str]) -> requests.Response:
    """A sObject Rows PATCH without simple-salesforce (which raises instead of showing the 412 body)."""
    return localorg_session(handle).patch(f"{handle.instance_url}/services/data/v62.0/sobjects/Lead/{record_id}",
                                          json=values, headers={"Authorization": f"Bearer {token}", **headers}, timeout=10)


def test_given_a_record_changed_since_read_when_patched_in_a_composite_subrequest_then_412_with_the_rows_body(
        fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    leads = sf.query("SELECT Id, LastModifiedDate FROM Lead WHERE Industry = null ORDER BY Id LIMIT 3")["records"]
    since = {lead["Id"]: http_date(lead["LastModifiedDate"]) for lead in leads}
    changed, other, rows_twin = (lead["Id"] for lead in leads)
    for record_id in (changed, rows_twin):
        fresh_localorg.edit_as("admin@demo.test", "Lead", record_id, {"Title": "Changed meanwhile"})
    fresh_localorg.reset_counters()

    body = {"allOrNone": False, "compositeRequest": [
        {"method": "PATCH", "url": f"/services/data/v62.0/sobjects/Lead/{rid}", "referenceId": ref,
         "body": {"Industry": "Banking"}, "httpHeaders": {"If-Unmodified-Since": since[rid], "Sforce-Auto-Assign": "FALSE"}}
        for ref, rid in (("changed", changed), ("other", other))]}
    answer = {r["referenceId"]: r for r in sf.restful("composite", method="POST", json=body)["compositeResponse"]}
    rows = _raw_patch(fresh_localorg, sf.session_id, rows_twin, {"Industry": "Banking"},
                      {"If-Unmodified-Since": since[rows_twin], "Sforce-Auto-Assign": "FALSE"})

    assert rows.status_code == 412 and answer["changed"]["httpStatusCode"] == 412
    assert answer["changed"]["body"] == rows.json()
    assert rows.json()[0]["errorCode"] == "PRECONDITION_FAILED"
    assert answer["other"]["httpStatusCode"] == 204 and answer["other"]["body"] is None
    assert fresh_localorg.counters() == {COMPOSITE: 1, ROWS: 1}  # the two subrequests spent one call
    assert [sf.Lead.get(rid)["Industry"] for rid in (changed, other, rows_twin)] == [None, "Banking", None]


def test_given_an_assignment_rule_when_subrequests_patch_leads_then_only_the_one_without_the_header_moves(
        fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    admin = make_sf_client(fresh_localorg, "admin@demo.test")
    kept, moved = (sf.Lead.create({"LastName": name, "Company": f"{name} Co"}, headers={"Sforce-Auto-Assign": "FALSE"})["id"]
                   for name in ("Kept", "Moved"))
    me = admin.Lead.get(kept)["OwnerId"]
    fresh_localorg.set_assignment_rule("Lead", "fatima.khan@demo.test")

    body = {"allOrNone": False, "compositeRequest": [
        {"method": "PATCH", "url": f"/services/data/v62.0/sobjects/Lead/{kept}", "referenceId": "kept",
         "body": {"Title": "CTO"}, "httpHeaders": {"Sforce-Auto-Assign": "FALSE"}},
        {"method": "PATCH", "url": f"/services/data/v62.0/sobjects/Lead/{moved}", "referenceId": "moved",
         "body": {"Title": "CFO"}}]}
    answer = sf.restful("composite", method="POST", json=body)["compositeResponse"]

    assert [r["httpStatusCode"] for r in answer] == [204, 204]
    assert admin.Lead.get(kept)["OwnerId"] == me
    assert admin.Lead.get(moved)["OwnerId"] != me  # Salesforce's default TRUE ran the rule
