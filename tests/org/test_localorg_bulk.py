"""localorg Bulk API 2.0 through simple-salesforce's bulk2: query pages, update round trip, #N/A, failures."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.fixtures.localorg import localorg_session, make_sf_client


def rows(pages: list[str]) -> list[dict]:
    """CSV pages (each with its header) as dicts."""
    out: list[dict] = []
    for page in pages:
        out.extend(csv.DictReader(io.StringIO(page)))
    return out


def test_given_leads_when_bulk2_query_with_small_pages_then_all_rows_arrive_in_csv_pages(localorg: Any) -> None:
    sf = make_sf_client(localorg, "auditor@demo.test")
    pages = list(sf.bulk2.Lead.query("SELECT Id, Company, Owner.Name FROM Lead", max_records=2000, wait=0))
    assert len(pages) == 3
    got = rows(pages)
    assert len(got) == 5000 and len({r["Id"] for r in got}) == 5000
    assert list(got[0]) == ["Id", "Company", "Owner.Name"] and got[0]["Owner.Name"]
    assert pages[0].startswith('"Id","Company","Owner.Name"\n')


def test_given_locator_when_results_paged_by_hand_then_headers_follow_bulk2_protocol(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    session = localorg_session(localorg)
    auth = {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "application/json"}
    base = f"{localorg.instance_url}/services/data/v62.0/jobs/query"
    job = session.post(base, headers=auth, json={"operation": "query", "query": "SELECT Id FROM Account"}).json()
    assert job["state"] in ("UploadComplete", "InProgress", "JobComplete") and job["id"].startswith("750")
    assert session.get(f"{base}/{job['id']}", headers=auth).json()["state"] == "JobComplete"
    first = session.get(f"{base}/{job['id']}/results", headers=auth, params={"maxRecords": 300})
    assert first.headers["Sforce-NumberOfRecords"] == "300" and first.headers["Sforce-Locator"] != "null"
    total = 300
    locator = first.headers["Sforce-Locator"]
    while locator != "null":
        page = session.get(f"{base}/{job['id']}/results", headers=auth, params={"maxRecords": 5000, "locator": locator})
        total += int(page.headers["Sforce-NumberOfRecords"])
        locator = page.headers["Sforce-Locator"]
    assert total == sf.query("SELECT COUNT() FROM Account")["totalSize"]


def test_given_bulk2_update_when_cells_blank_or_na_then_blank_keeps_and_na_nulls(fresh_localorg: Any, tmp_path: Path) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    leads = sf.query("SELECT Id, Title, Phone, Industry FROM Lead WHERE Title != null AND Phone != null LIMIT 3")["records"]
    a, b, c = (r["Id"] for r in leads)
    data = f"Id,Industry,Title,Phone\n{a},Banking,,\n{b},,#N/A,\n{c},Energy,{'x' * 300},\n"
    path = tmp_path / "update.csv"
    path.write_text(data)
    outcome = sf.bulk2.Lead.update(csv_file=str(path), wait=0)
    assert outcome[0]["numberRecordsProcessed"] == 3 and outcome[0]["numberRecordsFailed"] == 1
    got_a, got_b, got_c = (sf.Lead.get(i) for i in (a, b, c))
    assert got_a["Industry"] == "Banking" and got_a["Title"] == leads[0]["Title"] and got_a["Phone"] == leads[0]["Phone"]
    assert got_b["Title"] is None and got_b["Phone"] == leads[1]["Phone"]
    assert got_c["Industry"] == leads[2]["Industry"] and got_c["Title"] == leads[2]["Title"]   # failed row: untouched
    job_id = outcome[0]["job_id"]
    ok = rows([sf.bulk2.Lead.get_successful_records(job_id)])
    failed = rows([sf.bulk2.Lead.get_failed_records(job_id)])
    assert {r["sf__Id"] for r in ok} == {a, b} and all(r["sf__Created"] == "false" for r in ok)
    assert failed[0]["sf__Id"] == c and failed[0]["sf__Error"].startswith("STRING_TOO_LONG:")


def test_given_records_list_when_bulk2_insert_then_created_ids_reported(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    outcome = sf.bulk2.Account.insert(records=[{"Name": "Bulk One"}, {"Name": "Bulk Two"}], wait=0)
    assert outcome[0]["numberRecordsProcessed"] == 2 and outcome[0]["numberRecordsFailed"] == 0
    ok = rows([sf.bulk2.Account.get_successful_records(outcome[0]["job_id"])])
    assert [r["sf__Created"] for r in ok] == ["true", "true"] and all(r["sf__Id"].startswith("001") for r in ok)
    assert sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Bulk %'")["totalSize"] == 2
