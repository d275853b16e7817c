"""localorg operations: API budget exhaustion, fault injection, counters, the admin path and the serve command."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest

from tests.fixtures.localorg import localorg_session, make_sf_client

ROOT = Path(__file__).resolve().parents[2]


def test_given_budget_spent_when_calling_then_403_request_limit_exceeded_until_reset(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    used, limit = fresh_localorg.api_usage()
    fresh_localorg.set_api_usage(limit - 1)
    assert sf.limits()["DailyApiRequests"]["Remaining"] == 0
    with pytest.raises(SalesforceRefusedRequest) as err:
        sf.query("SELECT Id FROM Lead LIMIT 1")
    assert err.value.content == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    fresh_localorg.set_api_usage(used)
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["totalSize"] == 1


def test_given_fault_armed_twice_when_patching_then_two_503s_with_retry_after_then_success(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    lead_id = sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    fresh_localorg.faults.add(method="PATCH", path=r"/sobjects/Lead/", status=503, error_code="SERVER_UNAVAILABLE",
                              message="try later", retry_after=7, times=2)
    session = localorg_session(fresh_localorg)
    url = f"{fresh_localorg.instance_url}/services/data/v62.0/sobjects/Lead/{lead_id}"
    auth = {"Authorization": f"Bearer {sf.session_id}"}
    first = session.patch(url, json={"Title": "After faults"}, headers=auth)
    assert first.status_code == 503 and first.headers["Retry-After"] == "7"
    assert first.json() == [{"message": "try later", "errorCode": "SERVER_UNAVAILABLE"}]
    with pytest.raises(SalesforceGeneralError) as err:
        sf.Lead.update(lead_id, {"Title": "After faults"})
    assert err.value.status == 503
    assert sf.Lead.update(lead_id, {"Title": "After faults"}) == 204
    assert sf.Lead.get(lead_id)["Title"] == "After faults"
    assert fresh_localorg.faults.list()[0]["fired"] == 2


def test_given_drop_fault_when_requesting_then_connection_error(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    fresh_localorg.faults.add(method="GET", path=r"/limits", drop=True, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.limits()
    assert sf.limits()["DailyApiRequests"]["Max"] == 15000


def test_given_fraction_fault_when_many_calls_then_about_that_share_fails(fresh_localorg: Any) -> None:
    fresh_localorg.faults.add(method="GET", path=r"/services/data/$", status=500, error_code="UNKNOWN_EXCEPTION",
                              times=None, fraction=0.5)
    session = localorg_session(fresh_localorg)
    codes = [session.get(f"{fresh_localorg.instance_url}/services/data/").status_code for _ in range(60)]
    assert 15 <= codes.count(500) <= 45 and codes.count(200) == 60 - codes.count(500)
    fresh_localorg.faults.clear()
    assert session.get(f"{fresh_localorg.instance_url}/services/data/").status_code == 200


def test_given_delay_only_fault_when_calling_then_answer_is_slow_but_correct(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    fresh_localorg.faults.add(method="GET", path=r"/limits", status=None, delay=0.4)
    started = time.monotonic()
    assert sf.limits()["DailyApiRequests"]["Max"] == 15000
    assert time.monotonic() - started >= 0.4


def test_given_admin_path_when_used_over_http_then_it_mirrors_the_handle(fresh_localorg: Any) -> None:
    session = localorg_session(fresh_localorg)
    admin = f"{fresh_localorg.login_url}/__localorg__"
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    lead_id = sf.query("SELECT Id FROM Lead WHERE Industry = null LIMIT 1")["records"][0]["Id"]
    assert session.post(f"{admin}/faults", json={"method": "GET", "path": "/limits", "status": 420,
                                                 "error_code": "REQUEST_LIMIT_EXCEEDED"}).status_code == 201
    with pytest.raises(SalesforceGeneralError) as err:
        sf.limits()
    assert err.value.status == 420
    assert session.post(f"{admin}/edit", json={"username": "admin@demo.test", "sobject": "Lead", "id": lead_id,
                                               "values": {"Industry": "Energy"}}).status_code == 204
    assert sf.Lead.get(lead_id)["Industry"] == "Energy"
    counts = session.get(f"{admin}/counters").json()
    assert counts["GET /services/data/vXX.X/sobjects/{T}/{id}"] >= 1
    assert session.post(f"{admin}/limits", json={"used": 10}).json() == {"used": 10, "max": 15000}
    assert session.post(f"{admin}/token-ttl", json={"seconds": 60}).json() == {"seconds": 60.0}
    assert session.delete(f"{admin}/faults").status_code == 204 and fresh_localorg.faults.list() == []


def test_given_edit_as_when_reading_then_change_attributed_to_that_user(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    lead_id = sf.query("SELECT Id FROM Lead WHERE Website = null LIMIT 1")["records"][0]["Id"]
    fresh_localorg.edit_as("admin@demo.test", "Lead", lead_id, {"Website": "filled-by-a-person.example"})
    got = sf.query(f"SELECT Website, LastModifiedById FROM Lead WHERE Id = '{lead_id}'")["records"][0]
    assert got["Website"] == "filled-by-a-person.example"
    assert got["LastModifiedById"] == fresh_localorg.org.user_by_username("admin@demo.test").id


def test_given_serve_command_when_started_then_one_json_ready_line_and_sigterm_stops(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "localorg", "serve", "--data", str(tmp_path / "org"),
                             "--seed", "empty"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env)
    try:
        line = proc.stdout.readline()
        ready = json.loads(line)
        assert set(ready) == {"instance_url", "login_url", "ca_file", "api_versions", "client_id", "users"}
        assert ready["instance_url"].startswith("https://127.0.0.1:") and ready["api_versions"][-1] == "66.0"
        session = requests.Session()
        session.trust_env = False
        session.verify = ready["ca_file"]
        assert session.get(f"{ready['instance_url']}/services/data/").status_code == 200
        assert session.get(f"{ready['login_url']}/__localorg__/ready").json()["instance_url"] == ready["instance_url"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_given_restart_on_same_data_dir_when_reusing_token_then_session_and_ca_survive(tmp_path: Path) -> None:
    from localorg import start

    first = start(tmp_path / "org", seed="empty")
    try:
        sf = make_sf_client(first, "integration@demo.test")
        token, ca_pem = sf.session_id, Path(first.ca_file).read_text()
        assert sf.query("SELECT COUNT() FROM User")["totalSize"] > 0
    finally:
        first.stop()
    second = start(tmp_path / "org", seed="empty")
    try:
        assert Path(second.ca_file).read_text() == ca_pem
        from simple_salesforce import Salesforce
        again = Salesforce(session_id=token, instance_url=second.instance_url,
                           session=localorg_session(second), version="62.0")
        assert again.query("SELECT COUNT() FROM User")["totalSize"] > 0
    finally:
        second.stop()


def test_given_a_nan_token_lifetime_when_serve_starts_then_it_refuses_with_a_message(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "localorg", "serve", "--data", str(tmp_path / "org"),
                           "--access-token-ttl", "nan"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("localorg: access_token_ttl must be a finite number") and "Traceback" not in done.stderr
    assert not (tmp_path / "org" / "org.sqlite3").exists()
