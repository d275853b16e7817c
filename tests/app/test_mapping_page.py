"""AppTest: the Mapping page (object in the URL, linter beside each row, five real records, save, history, restore,
import, the source with Try it and a bad file) and the Overview's snapshot block (age, refresh, a failed refresh)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from core import engine
from tests.app.test_connect_page import _button, _texts

OPERATOR = engine.Actor("test operator")
HOSTILE = "[x](http://127.0.0.1:9/a) ![y](http://127.0.0.1:9/b) <b>z</b> **w**"


@pytest.fixture
def connected(demo_org: Any) -> Any:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    return demo_org


def _editor(at: Any) -> Any:
    assert len(at.data_editor) == 1, [d.key for d in at.dataframe]
    return at.data_editor[0]


def _frames(at: Any) -> list[Any]:
    return list(at.dataframe)


def test_given_object_in_the_url_when_mapping_opens_then_that_object_its_checks_the_data_age_and_a_sample_show(
        console: Any, connected: Any) -> None:
    at = console("pages/mapping.py", query={"object": "Lead"})
    at.run()
    assert not at.exception
    assert at.radio[0].value == "Lead" and at.query_params["object"] == "Lead"
    text = _texts(at)
    assert "Lead records from" in text and "refresh in" in text
    editor = _editor(at)
    table = editor.value
    assert list(table.columns) == ["attribute", "field", "transform", "options", "check"]
    assert "Industry" in set(table["field"]) and table["check"].str.contains("warning").any()
    sample = next(d.value for d in _frames(at) if "verdict" in d.value.columns)
    assert sample["record"].nunique() == 5 and set(sample["field"]) <= set(table["field"])
    at.radio[0].set_value("Contact").run()
    assert at.query_params["object"] == "Contact" and "Contact records from" in _texts(at)


def test_given_an_unknown_object_in_the_url_when_mapping_opens_then_it_says_so_and_shows_no_other_object(
        console: Any, connected: Any) -> None:
    at = console("pages/mapping.py", query={"object": HOSTILE})
    at.run()
    assert not at.exception
    said = "\n".join(e.value for e in at.error)
    assert "There is no mapping for" in said and "\\[x\\]\\(`http://127.0.0.1:9/a`" in said and "](http" not in said  # the URL text stays text
    assert not at.radio


def test_given_an_operator_when_a_row_is_edited_and_saved_then_history_shows_it_and_restore_brings_the_old_one_back(
        console: Any, connected: Any) -> None:
    at = console("pages/mapping.py", query={"object": "Account"})
    at.run()
    key = str(_editor(at).key)
    at.session_state[key] = {"edited_rows": {0: {"field": "Nope__c"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    table = _editor(at).value
    assert table.loc[0, "field"] == "Nope__c" and table.loc[0, "check"].startswith("error: Nope__c is not on Account")
    assert "Unsaved changes" in _texts(at)
    _button(at, "Save mapping").click().run()
    history = engine.mapping_history("demo", "Account")
    assert [v.version for v in history] == [1] and history[0].saved_by and "Nope__c" in history[0].body
    assert any("Nope__c" in change for change in history[0].changes)
    _button(at, "Start from the defaults").click().run()
    _button(at, "Save mapping").click().run()
    assert [v.version for v in engine.mapping_history("demo", "Account")] == [2, 1]
    at.selectbox(key="mapping-version:demo:Account").set_value(1).run()
    _button(at, "Restore version 1").click().run()
    assert not at.exception
    assert engine.mapping("demo", "Account")[1].version == 3 and "Nope__c" in engine.mapping("demo", "Account")[1].body
    assert "restored version 1" in str(next(d.value for d in _frames(at) if "what changed" in d.value.columns)["note"][0])


def test_given_malformed_mapping_json_when_imported_then_a_clear_error_and_nothing_changes(
        console: Any, connected: Any) -> None:
    at = console("pages/mapping.py", query={"object": "Lead"})
    at.run()
    before = _editor(at).value
    at.file_uploader(key="mapping-import:demo:Lead").set_value(("lead.json", b'{"sobject": "Lead", "fields": [', "application/json"))
    at.run()
    _button(at, "Load it into the editor").click().run()
    assert not at.exception
    said = "\n".join(e.value for e in at.error)
    assert "The mapping cannot be read" in said and "not valid JSON" in said
    assert "Nothing was changed." in _texts(at)
    after = _editor(at).value
    assert after.equals(before) and engine.mapping_history("demo", "Lead") == []


def test_given_a_good_mapping_file_when_imported_then_it_becomes_the_draft_until_saved(
        console: Any, connected: Any) -> None:
    doc = {"sobject": "Lead", "fields": [{"attribute": "phone", "field": "Phone"}]}
    at = console("pages/mapping.py", query={"object": "Lead"})
    at.run()
    at.file_uploader(key="mapping-import:demo:Lead").set_value(("lead.json", json.dumps(doc).encode(), "application/json"))
    at.run()
    _button(at, "Load it into the editor").click().run()
    table = _editor(at).value
    assert list(table["field"]) == ["Phone"] and "Unsaved changes" in _texts(at)
    assert engine.mapping_history("demo", "Lead") == []


def test_given_a_viewer_when_mapping_opens_then_everything_reads_and_every_action_is_disabled(
        console: Any, connected: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at = console("pages/mapping.py", query={"object": "Lead"})
    at.run()
    assert not at.exception
    assert _button(at, "Save mapping").disabled and _button(at, "Refresh Lead now").disabled
    assert _button(at, "Start from the defaults").disabled
    assert "Only operators can change the enrichment source." in _texts(at)
    assert next(d for d in _frames(at) if "check" in d.value.columns).value["field"].notna().all()


def test_given_a_data_file_with_bad_rows_when_chosen_then_its_row_errors_show_and_the_source_is_unchanged(
        console: Any, connected: Any) -> None:
    at = console("pages/mapping.py", query={"object": "Account"})
    at.run()
    at.radio(key="source-kind:demo").set_value("file").run()
    bad = b"domain,metrics.employees\nacme.com,250\n,12\nnot a domain,3\nacme.com,many\n"
    at.file_uploader(key="file:demo").set_value((HOSTILE + ".csv", bad, "text/csv")).run()
    _button(at, "Use this file").click().run()
    assert not at.exception
    problems = next(d.value for d in _frames(at) if list(d.value.columns) == ["row", "problem"])
    assert list(problems["row"]) == [2, 3, 4, 5, 5]
    assert "cannot be used" in "\n".join(e.value for e in at.error)
    assert engine.enrichment_source("demo").kind == "demo"


def test_given_a_good_file_when_chosen_then_it_is_the_source_its_name_is_text_and_try_it_finds_a_row(
        console: Any, connected: Any) -> None:
    at = console("pages/mapping.py", query={"object": "Account"})
    at.run()
    at.radio(key="source-kind:demo").set_value("file").run()
    good = b"domain,name,metrics.employees\nacme.com,Acme Inc,250\nglobex.com,Globex,12\n"
    at.file_uploader(key="file:demo").set_value((HOSTILE + ".csv", good, "text/csv")).run()
    _button(at, "Use this file").click().run()
    assert not at.exception
    chosen = engine.enrichment_source("demo")
    assert chosen.kind == "file" and chosen.file_rows == 2 and chosen.updated_by
    shown = next(m.value for m in at.markdown if "Enrichment source:" in m.value)
    assert "\\[x\\]\\(`http://127.0.0.1:9/a`" in shown and "](http" not in shown
    box = next(t for t in at.text_input if t.label.startswith("Try it"))
    box.set_value("https://www.acme.com/about")
    _button(at, "Look up").click().run()
    found = next(d.value for d in _frames(at) if list(d.value.columns) == ["key", "attribute", "value"])
    assert dict(zip(found["attribute"], found["value"], strict=True))["name"] == "Acme Inc"


def test_given_snapshots_when_overview_opens_then_each_object_shows_age_records_next_refresh_and_the_source(
        console: Any, connected: Any) -> None:
    engine.snapshot("demo", "Lead")
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    table = next(d.value for d in _frames(at) if "next refresh" in d.value.columns)
    lead = table.set_index("object").loc["Lead"]
    assert lead["records"] == f'{engine.snapshot_status("demo", "Lead").records:,}' and lead["state"] == "ok"
    assert lead["next refresh"].startswith("in 3 h") or lead["next refresh"].startswith("in 4 h")
    assert table.set_index("object").loc["Account", ["records", "age", "state"]].tolist() == [
        "—", "—", "not pulled yet"]  # a dash, like the other columns, never "None"
    assert "Demo data" in _texts(at)


def test_given_a_refresh_that_fails_half_way_when_asked_on_the_overview_then_it_says_why_and_the_next_one_succeeds(
        console: Any, connected: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SNAPSHOT_FULL_HOURS", "0")
    good = engine.snapshot("demo", "Lead")
    connected.faults.add(method="GET", path=r"/query/.", status=503, error_code="SERVER_UNAVAILABLE",
                         message="Service temporarily unavailable (injected fault)")
    at = console("pages/overview.py")
    at.run()
    _button(at, "Refresh Lead now").click().run()
    assert not at.exception
    warned = "\n".join(w.value for w in at.warning)
    assert "The last refresh of Lead failed" in warned and "temporarily unavailable" in warned
    assert "The records shown are from the previous snapshot" in warned
    lead = next(d.value for d in _frames(at) if "next refresh" in d.value.columns).set_index("object").loc["Lead"]
    assert lead["records"] == f"{good.records:,}" and lead["state"] == "last refresh failed (see below)"
    _button(at, "Refresh Lead now").click().run()
    assert "The last refresh of Lead failed" not in "\n".join(w.value for w in at.warning)
    assert engine.snapshot_status("demo", "Lead").pulls == good.pulls + 1
