"""AppTest: the Permissions page tells each demo user's story (real diagnosis against the demo org over HTTPS),
keeps the use case in the URL, offers the downloads, and draws the org's text as text."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from core import engine
from core.connect.environments import environment
from core.errors import FixPermission
from tests.app.test_connect_page import _texts
from tests.fixtures.connections import connect_through

PAGE = "pages/permissions.py"
OPERATOR = engine.Actor("test operator")
NS = {"m": "http://soap.sforce.com/2006/04/metadata"}
HOSTILE = "[x](http://127.0.0.1:9/a) ![y](http://127.0.0.1:9/b) <b>z</b> **w**"


def connect(user: str) -> str:
    try:
        engine.connect_password_demo(f"{user}@demo.test", name=user, actor=OPERATOR)
    except FixPermission:
        assert user == "noapi"
    return user


def open_page(console: Any, name: str, **query: str) -> Any:
    at = console(PAGE, query={"connection": name, **query})
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: Any) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def failures(at: Any) -> list[str]:
    """Titles of the failure cards: the bold line after each red Fail badge."""
    return [m.value.strip("*").replace("\\_", "_") for m in at.markdown if m.value.startswith("**")]


def plain(at: Any) -> str:
    return "\n".join(str(t.value) for t in at.text)


def permission_set(at: Any) -> ET.Element:
    (xml,) = [c.value for c in at.code if c.value.startswith("<?xml")]
    return ET.fromstring(xml)


def button(at: Any, label: str) -> Any:
    (found,) = [b for b in at.button if b.label == label]
    return found


def test_given_integration_user_when_page_opens_then_nothing_fails_and_what_will_sync_is_shown(
        console: Any, demo_org: Any) -> None:
    at = open_page(console, connect("integration"))
    assert metrics(at)["Failed"] == "0" and failures(at) == []
    assert at.query_params["use_case"] == "enrichment"
    sync = at.dataframe[0].value.set_index("Object")
    assert sync.loc["Lead", "Access"] == "read and edit"
    assert (sync.loc["Lead", "Mapped fields writable"], sync.loc["Lead", "Records visible"]) == ("15 of 15",
                                                                                               "4,316 of 5,000")
    assert round(sync.loc["Lead", "Share visible"], 4) == 0.8632 and sync.loc["User", "Mapped fields readable"] == "—"
    downloads = {d.proto.label: d.proto.disabled for d in at.get("download_button")}
    assert downloads == {"Report (Markdown)": False, "Report (JSON)": False, "Permission set": True}
    assert "Checked less than a minute ago (5 API calls" in _texts(at)


def test_given_auditor_when_use_case_in_url_is_audit_then_passes_and_switching_to_enrichment_fails_edits(
        console: Any, demo_org: Any) -> None:
    at = open_page(console, connect("auditor"), use_case="audit")
    assert at.radio[0].value == "audit" and metrics(at)["Failed"] == "0"
    at.radio[0].set_value("enrichment").run()
    assert at.query_params["use_case"] == "enrichment"
    assert {"Edit Lead", "Edit Contact", "Edit Account", "Edit Lead.Industry"} <= set(failures(at))
    assert all(title.startswith("Edit ") for title in failures(at))
    shared = open_page(console, "auditor", use_case="enrichment")   # a copied link opens the same report
    assert shared.radio[0].value == "enrichment" and metrics(shared)["Failed"] == metrics(at)["Failed"]


def test_given_noapi_user_when_page_opens_then_api_enabled_fails_with_its_fix_and_the_rest_is_not_checked(
        console: Any, demo_org: Any) -> None:
    at = open_page(console, connect("noapi"))
    assert failures(at) == ["API Enabled"] and metrics(at)["Failed"] == "1"
    text = plain(at)
    assert "API_DISABLED_FOR_ORG" in text and "Fix: Add the system permission API Enabled" in text
    assert "refuses it the API" in text
    assert "stopped at the API" in _texts(at)
    granted = permission_set(at).findall("m:userPermissions", NS)
    assert [p.findtext("m:name", namespaces=NS) for p in granted] == ["ApiEnabled"]


def test_given_restricted_user_when_granted_its_permission_set_and_checked_again_then_green(
        console: Any, demo_org: Any) -> None:
    at = open_page(console, connect("restricted"))
    assert "To fix: Edit Lead.Industry, Edit Lead.NumberOfEmployees" in _texts(at)
    assert sorted(failures(at)) == ["Edit Account.Industry", "Edit Account.NumberOfEmployees", "Edit Lead.Industry",
                                    "Edit Lead.NumberOfEmployees"]
    root = permission_set(at)
    assert {fp.findtext("m:field", namespaces=NS) for fp in root.findall("m:fieldPermissions", NS)} == {
        "Lead.Industry", "Lead.NumberOfEmployees", "Account.Industry", "Account.NumberOfEmployees"}
    (file_name,) = [c.value for c in at.code if c.value.endswith(".permissionset-meta.xml")]
    demo_org.grant_permission_set(file_name.split(".")[0], ET.tostring(root, encoding="unicode"),
                                  assign_to="restricted@demo.test")
    button(at, "Check again").click().run()
    assert not at.exception and failures(at) == [] and metrics(at)["Failed"] == "0"


def test_given_user_deactivated_after_connecting_when_page_opens_then_it_says_why_it_cannot_connect(
        console: Any, demo_org: Any) -> None:
    demo_org.set_user_active("inactive@demo.test", True)
    connect("inactive")
    demo_org.set_user_active("inactive@demo.test", False)
    at = open_page(console, "inactive")
    assert failures(at) == ["User is active"]
    text = plain(at)
    assert "Cannot connect as inactive@demo.test" in text and "reactivate" in text
    assert "stopped at the sign-in" in _texts(at)


def test_given_link_with_unknown_use_case_when_opened_then_it_says_so_and_shows_the_default(
        console: Any, demo_org: Any) -> None:
    at = open_page(console, connect("integration"), use_case="<b>nope</b>")
    assert "does not have, so the default is shown" in _texts(at) and "nope" not in _texts(at)
    assert at.radio[0].value == "enrichment" and at.query_params["use_case"] == "enrichment"


def test_given_viewer_when_page_opens_then_report_shown_and_check_again_disabled(
        console: Any, demo_org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connect("integration")
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at = open_page(console, "integration")
    assert metrics(at)["Failed"] == "0"
    assert button(at, "Check again").disabled


def test_given_org_text_with_markdown_when_page_renders_then_it_stays_text(console: Any, demo_org: Any) -> None:
    demo_org.set_organization(Name=HOSTILE)
    demo_org.org.store.update("PermissionSet", demo_org.org.permission_set_id("Setup_Viewer"), {"Label": HOSTILE})
    demo_org.org.security_changed()
    # Chosen as a Sandbox, the production org fails the environment check: its name is in a failure card.
    connect_through(demo_org, environment("sandbox"), name="sbx")
    at = open_page(console, "sbx")
    assert "Environment matches the org" in failures(at)
    assert f"{HOSTILE} is a production org" in plain(at)             # shown as plain text
    tables = "\n".join(df.value.to_csv() for df in at.dataframe)
    assert f"permission set '{HOSTILE}'" in tables                   # shown in a dataframe cell (text)
    # The page's own body (the sidebar is the frame's) interprets none of it as markdown.
    rendered = [str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader")
                for e in getattr(at.main, kind)]
    assert rendered and not any("127.0.0.1:9" in value for value in rendered)


def test_given_a_diagnosis_when_overview_opens_then_each_connection_shows_its_last_result(
        console: Any, demo_org: Any) -> None:
    connect("restricted")
    connect("integration")
    overview = console("pages/overview.py")
    overview.run()
    assert "Check permissions (not checked yet)" in [link.label for link in overview.get("page_link")]
    engine.diagnose("restricted")
    overview = console("pages/overview.py")
    overview.run()
    assert not overview.exception
    assert ("Permissions — enrichment: 78 passed, 8 warnings, 4 failed · audit: 45 passed, 8 warnings, 0 failed"
            in _texts(overview))
