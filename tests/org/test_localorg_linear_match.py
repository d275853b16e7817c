"""Issue 9.1: a LIKE pattern or a fault path can no longer freeze localorg (no backtracking regex on caller input)."""
from __future__ import annotations

import threading
from typing import Any

from tests.fixtures.localorg import localorg_session, make_sf_client

HOSTILE_LIKE = "SELECT Id FROM Account WHERE Name LIKE '" + "%a" * 14 + "%b'"


def test_given_an_account_named_a_times_60_when_the_backtracking_like_runs_then_it_answers_and_others_are_served(
        fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "admin@demo.test")
    record_id = sf.Account.create({"Name": "a" * 60})["id"]
    other_client = make_sf_client(fresh_localorg, "admin@demo.test")
    answer: dict[str, Any] = {}
    sent = threading.Event()

    def hostile_query() -> None:
        sent.set()
        answer["result"] = other_client.query(HOSTILE_LIKE)

    thread = threading.Thread(target=hostile_query, daemon=True)
    thread.start()
    assert sent.wait(timeout=30)
    # Meanwhile the org keeps serving: with the backtracking regex this waited out its timeout (the query held
    # the interpreter for minutes and every other request, unauthenticated ones included, hung behind it).
    versions = localorg_session(fresh_localorg).get(f"{fresh_localorg.instance_url}/services/data/", timeout=5)
    assert versions.status_code == 200
    thread.join(timeout=10)   # an upper bound for a loaded machine, not a measurement
    assert not thread.is_alive() and answer["result"]["totalSize"] == 0
    found = sf.query("SELECT Id FROM Account WHERE Name LIKE '" + "%a" * 14 + "%'")["records"]
    assert [r["Id"] for r in found] == [record_id]


def test_given_a_regex_that_backtracks_when_armed_on_the_admin_path_then_it_is_refused_and_nothing_hangs(
        fresh_localorg: Any) -> None:
    session = localorg_session(fresh_localorg)
    admin = f"{fresh_localorg.login_url}/__localorg__/faults"
    refused = session.post(admin, json={"method": "GET", "path": "(a+)+$", "status": 503}, timeout=10)
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INVALID_FIELD" and "'.*'" in refused.json()[0]["message"]
    assert fresh_localorg.faults.list() == []
    probe = session.get(f"{fresh_localorg.instance_url}/{'a' * 40}!", timeout=10)
    assert probe.status_code == 404
    # The safe subset still arms faults as the regexes tests already use read.
    armed = session.post(admin, json={"method": "GET", "path": "/services/data/$", "status": 503}, timeout=10)
    assert armed.status_code == 201
    assert session.get(f"{fresh_localorg.instance_url}/services/data/", timeout=10).status_code == 503
    assert session.get(f"{fresh_localorg.instance_url}/services/data/", timeout=10).status_code == 200
