"""OrgClient against localorg: paged queries (refreshing mid-way), describe, sObject Collections updates."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.connect import oauth
from core.connect.tokens import TokenStore
from core.errors import BadInput
from tests.org.test_connect_pkce import adopt_as_demo, sign_in


@pytest.fixture()
def client(tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An OrgClient of a web-flow connection to a private org (these tests write and expire tokens)."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, fresh_localorg)
    sign_in(tmp_path)
    return engine.open_client("demo", base=tmp_path)


def test_given_more_rows_than_a_page_when_paged_then_every_row_once_in_pages_of_the_batch_size(client: Any) -> None:
    total = client.query("SELECT COUNT() FROM Account")["totalSize"]
    pages = list(client.query_pages("SELECT Id FROM Account", batch_size=200))
    assert [len(p) for p in pages[:-1]] == [200] * (len(pages) - 1) and 0 < len(pages[-1]) <= 200
    ids = [r["Id"] for page in pages for r in page]
    assert len(ids) == len(set(ids)) == total > 200


def test_given_token_expires_between_pages_when_paging_then_refreshed_once_and_rows_complete(
        client: Any, tmp_path: Path) -> None:
    total = client.query("SELECT COUNT() FROM Account")["totalSize"]
    pages = client.query_pages("SELECT Id FROM Account", batch_size=500)
    seen = [r["Id"] for r in next(pages)]
    # The session ends between pages. It is revoked rather than timed out: a short session timeout would
    # also cut the refreshed token short on a slow machine (a second refresh), and waiting is no test of it.
    record = TokenStore(tmp_path).load("demo")
    assert record is not None and record.access_token == client.tokens.current()[0]
    assert oauth.revoke(record.token_url, token=record.access_token, client_id=record.client_id,
                        ca_file=record.ca_file)
    for page in pages:
        seen += [r["Id"] for r in page]
    assert len(set(seen)) == len(seen) == total
    assert client.refreshes == 1


def test_given_sobject_when_described_then_user_aware_fields(client: Any) -> None:
    described = client.describe("Lead")
    names = {f["name"] for f in described["fields"]}
    assert described["name"] == "Lead" and {"Id", "Industry", "Email"} <= names


def test_given_path_like_sobject_when_described_then_refused_before_any_call(client: Any, fresh_localorg: Any) -> None:
    fresh_localorg.reset_counters()
    with pytest.raises(BadInput):
        client.describe("Lead/../../limits")
    assert fresh_localorg.counters() == {}


def test_given_two_leads_one_missing_when_collections_update_then_one_result_each(client: Any) -> None:
    lead = client.query("SELECT Id FROM Lead WHERE Industry = null LIMIT 1")["records"][0]["Id"]
    missing = lead[:-3] + "ZZZ"
    results = client.update_records("Lead", [{"Id": lead, "Industry": "Banking"}, {"Id": missing, "Industry": "Banking"}],
                                    headers={"Sforce-Auto-Assign": "FALSE"})
    assert [r["success"] for r in results] == [True, False]
    assert results[1]["errors"] and results[1]["errors"][0]["statusCode"]
    assert client.query(f"SELECT Industry FROM Lead WHERE Id = '{lead}'")["records"][0]["Industry"] == "Banking"


def test_given_more_than_200_records_when_collections_update_then_bad_input(client: Any) -> None:
    with pytest.raises(BadInput):
        client.update_records("Lead", [{"Id": "00Q000000000000AAA"}] * 201)
