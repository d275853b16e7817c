"""AppTest: every page renders, mirrors its state in the URL, and the overview shows each connection's health."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.connect.environments import environment
from core.connect.tokens import TokenStore
from tests.app.test_connect_page import _texts
from tests.fixtures.app import shown
from tests.fixtures.connections import connect_through
from tests.fixtures.tokens import damage_record

OPERATOR = engine.Actor("test operator")
PAGES = ["pages/overview.py", "pages/connect.py", "pages/permissions.py", "pages/mapping.py", "pages/preview.py",
         "pages/logs.py"]


@pytest.mark.parametrize("page", PAGES)
def test_given_no_connection_when_each_page_opens_then_it_renders_without_exceptions(console: Any, page: str) -> None:
    at = console(page)
    at.run()
    assert not at.exception
    assert at.title and at.title[0].value
    assert "No connection yet." in _texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_given_a_connection_when_each_page_opens_then_sidebar_shows_picker_badge_and_url_names_it(
        console: Any, demo_org: Any, page: str) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console(page)
    at.run()
    assert not at.exception
    assert at.selectbox[0].label == "Connection" and at.selectbox[0].value == "demo"
    assert ":blue-badge[:material/toys: DEMO]" in _texts(at)
    assert at.query_params["connection"] == "demo"


def test_given_two_connections_when_url_names_one_then_that_one_is_current_and_picking_updates_url(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    at = console("pages/connect.py", query={"connection": "demo"})
    at.run()
    assert at.selectbox[0].value == "demo"
    assert "integration@demo.test" in _texts(at)
    at.selectbox[0].set_value("audit").run()
    assert at.query_params["connection"] == "audit"
    assert "auditor@demo.test" in _texts(at)
    shared = console("pages/connect.py", query={"connection": "audit"})
    shared.run()
    assert shared.selectbox[0].value == "audit"
    assert "auditor@demo.test" in _texts(shared)


def test_given_connect_form_when_environment_changes_then_url_mirrors_it_and_a_copied_url_reopens_it(
        console: Any) -> None:
    at = console("pages/connect.py")
    at.run()
    assert at.query_params["env"] == "demo"
    at.radio[0].set_value("sandbox").run()
    assert at.query_params["env"] == "sandbox"
    copied = console("pages/connect.py", query={"env": "sandbox"})
    copied.run()
    assert copied.radio[0].value == "sandbox"


def test_given_a_connection_when_overview_opens_then_health_org_user_and_api_usage_are_shown(
        console: Any, demo_org: Any) -> None:
    info = engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "Connected" in text and info.org_name in text and info.username in text and info.org_id in text
    assert at.get("progress"), "API usage progress bar"
    used, limit = demo_org.api_usage()
    progress_text = at.get("progress")[0].proto.text
    assert f"of {limit:,}" in progress_text
    assert "Enrichment source:" in text  # and the snapshot table per object (tests/app/test_mapping_page.py)


def test_given_environments_that_contradict_their_orgs_when_overview_opens_then_each_warns_and_badges_the_org(
        console: Any, fresh_localorg: Any, localorg: Any) -> None:
    fresh_localorg.set_organization(IsSandbox=True)
    prod = connect_through(fresh_localorg, environment("production"), name="prod")  # lands in a sandbox
    uat = connect_through(localorg, environment("sandbox"), name="uat")  # lands in a production org
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    assert sorted(shown(w.value) for w in at.warning) == sorted([prod.environment_mismatch, uat.environment_mismatch])
    assert any("You chose Sandbox but this org is a production org" in shown(w.value) for w in at.warning)
    text = _texts(at)
    assert "· sandbox  \n**User:**" in text and "· not a sandbox  \n**User:**" in text
    assert [h.value for h in at.subheader][:2] == ["prod (current)", "uat"]
    environment_badges = [m.value for m in at.main.markdown if "badge[" in m.value and "check_circle" not in m.value]
    assert environment_badges == [":orange-badge[:material/science: SANDBOX]", ":red-badge[:material/warning: PRODUCTION]"]
    assert text.count("Connected") >= 2


def test_given_a_dropped_connection_when_overview_opens_then_needs_reconnect_with_a_link_to_fix(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    demo_org.set_user_active("auditor@demo.test", False)
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "Needs reconnect" in text and "inactive" in text
    assert any(link.proto.label == "Fix on Connect" for link in at.get("page_link"))


def test_given_a_record_that_cannot_be_decrypted_when_overview_opens_then_listed_as_needs_reconnect_with_cause_and_fix(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    damage_record(console_data_dir, "audit")
    at = console("pages/overview.py", query={"connection": "audit"})
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader][:2] == ["audit (current)", "demo"]
    assert [shown(e.value) for e in at.error] == [
        "**Needs reconnect.** The stored tokens of 'audit' cannot be decrypted: the secret key changed or the file "
        "is damaged."]
    text = _texts(at)
    assert "**Fix:** Restore CONSOLE_SECRET_KEY or the key file" in text and "under the name 'audit'" in text
    assert "Connected" in text  # the readable connection is unaffected
    assert at.selectbox[0].options == ["audit — needs reconnect", f"demo — {demo_org.org.name}"]
    assert "Needs reconnect: its stored tokens cannot be decrypted." in text
    assert TokenStore(console_data_dir).names() == ["audit", "demo"]  # nothing was deleted


def test_given_an_unreadable_record_when_connect_opens_and_disconnect_confirmed_then_deleted_here(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)
    damage_record(console_data_dir, "audit")
    at = console("pages/connect.py")
    at.run()
    assert not at.exception
    assert "connect below with the name **audit**" in _texts(at)
    assert "Reconnect" not in [b.label for b in at.button]  # its environment is unknown: the form reconnects it
    next(b for b in at.button if b.label == "Disconnect").click().run()
    assert "cannot be revoked from here" in _texts(at)
    next(b for b in at.button if b.label == "Yes, disconnect").click().run()
    assert not at.exception and not at.error
    assert TokenStore(console_data_dir).names() == []


def test_given_a_key_file_open_to_others_when_a_page_opens_then_the_message_and_fix_instead_of_a_traceback(
        console: Any, console_data_dir: Path) -> None:
    TokenStore(console_data_dir)
    key_file = console_data_dir / "secret.key"
    key_file.chmod(0o644)
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    assert "**The saved connections cannot be read.** The key file" in shown(at.error[0].value)
    assert f"chmod 600 {key_file}" in _texts(at)


def test_given_the_root_url_when_opened_then_the_overview_runs(console: Any) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.fixtures.app import APP_SCRIPT

    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=30)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Overview"


def test_given_the_pages_and_ui_helpers_when_their_imports_are_read_then_none_reaches_salesforce_sql_or_the_cache(
) -> None:
    import ast
    from pathlib import Path

    from tests.fixtures.app import ROOT

    forbidden = {"simple_salesforce", "sqlite3", "diskcache", "localorg", "requests"}
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    assert len(files) >= 8
    for path in files:
        tree = ast.parse(Path(path).read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"


def test_given_a_my_domain_typed_when_the_url_is_copied_then_it_reopens_with_the_domain_and_its_warning(
        console: Any) -> None:
    at = console("pages/connect.py", query={"env": "production"})
    at.run()
    at.text_input[0].input("https://acme--uat.sandbox.my.salesforce.com").run()
    assert at.query_params["domain"] == "https://acme--uat.sandbox.my.salesforce.com"
    copied = console("pages/connect.py", query=dict(at.query_params))
    copied.run()
    assert copied.text_input[0].value == "https://acme--uat.sandbox.my.salesforce.com"
    assert "looks like a sandbox domain" in _texts(copied)


def test_given_demo_org_cannot_start_when_overview_opens_then_degraded_with_fix_not_an_exception(
        console: Any, demo_org: Any, console_data_dir: Path) -> None:
    import json

    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    address = console_data_dir / "demo-org" / "address.json"
    recorded = json.loads(address.read_text())
    address.write_text(json.dumps(dict(recorded, pid=2**22 + 7)))  # the recorded org is gone ...
    (console_data_dir / "demo-org" / "org.sqlite3").write_bytes(b"not a database" * 100)  # ... and cannot restart
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "Degraded" in text
    assert "The demo org stopped during start-up" in text and "move that directory aside" in text
    assert "Traceback" not in text
