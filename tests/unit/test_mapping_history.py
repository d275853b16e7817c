"""Mapping versions in the console's SQLite database (who, when, what changed, restore) and the editable table."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core import engine
from core.enrich import mapping_table
from core.enrich.mapping import MappingError, default_mapping
from core.errors import BadInput, NotAllowed
from core.logs import mappings as saved

OPERATOR = engine.Actor("ops@example.com")
VIEWER = engine.Actor("viewer@example.com")  # a viewer where CONSOLE_OPERATORS names others


def test_given_saves_when_listed_then_each_change_is_a_version_with_who_when_and_what_changed(tmp_path: Path) -> None:
    plan = default_mapping("Account")
    first = engine.save_mapping("demo", "Account", plan, actor=OPERATOR, base=tmp_path)
    again = engine.save_mapping("demo", "Account", plan, actor=OPERATOR, base=tmp_path)
    assert first.version == again.version == 1  # the same content is not saved twice
    doc = json.loads(plan.to_json())
    doc["fields"] = [f for f in doc["fields"] if f["field"] != "Phone"] + [{"attribute": "tags", "field": "Description",
                                                                          "transform": "join"}]
    doc["fields"][0]["transform"] = "text"
    second = engine.save_mapping("demo", "Account", engine.parse_mapping(json.dumps(doc)), actor=OPERATOR,
                                 note="no phones", base=tmp_path)
    assert second.version == 2 and second.saved_by == "ops@example.com" and second.note == "no phones"
    assert any(c.startswith("removed Phone") for c in second.changes)
    assert any(c.startswith("changed Name") and "(text)" in c for c in second.changes)
    history = engine.mapping_history("demo", "Account", base=tmp_path)
    assert [v.version for v in history] == [2, 1]
    assert engine.mapping("demo", "Account", base=tmp_path)[0].field_names() == \
        engine.parse_mapping(json.dumps(doc)).field_names()


def test_given_an_earlier_version_when_restored_then_it_is_current_again_as_a_new_version(tmp_path: Path) -> None:
    plan = default_mapping("Lead")
    engine.save_mapping("demo", "Lead", plan, actor=OPERATOR, base=tmp_path)
    smaller = engine.parse_mapping(json.dumps({**json.loads(plan.to_json()), "fields": [
        {"attribute": "phone", "field": "Phone"}]}))
    engine.save_mapping("demo", "Lead", smaller, actor=OPERATOR, base=tmp_path)
    restored = engine.restore_mapping("demo", "Lead", 1, actor=OPERATOR, base=tmp_path)
    assert restored.version == 3 and restored.restored_from == 1 and restored.note == "restored version 1"
    assert engine.mapping("demo", "Lead", base=tmp_path)[0] == plan
    assert [v.version for v in engine.mapping_history("demo", "Lead", base=tmp_path)] == [3, 2, 1]


def test_given_a_viewer_when_saving_or_restoring_in_core_then_refused_and_nothing_is_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_OPERATORS", "test operator,ops@example.com")
    engine.save_mapping("demo", "Contact", default_mapping("Contact"), actor=OPERATOR, base=tmp_path)
    with pytest.raises(NotAllowed):
        engine.save_mapping("demo", "Contact", engine.parse_mapping(json.dumps(
            {"sobject": "Contact", "fields": []})), actor=VIEWER, base=tmp_path)
    with pytest.raises(NotAllowed):
        engine.restore_mapping("demo", "Contact", 1, actor=VIEWER, base=tmp_path)
    assert [v.version for v in engine.mapping_history("demo", "Contact", base=tmp_path)] == [1]


@pytest.mark.parametrize("text, said", [
    ("{not json", "not valid JSON"),
    ('{"sobject": "Lead", "fields": [{"attribute": "phone"}]}', '"field" is missing'),
    ('{"sobject": "Account", "fields": []}', "is for Account, not Lead"),
    ("", "empty"),
])
def test_given_malformed_mapping_json_when_parsed_then_a_clear_error_and_fix(text: str, said: str) -> None:
    with pytest.raises(BadInput) as caught:
        engine.parse_mapping(text, "Lead")
    assert said in caught.value.message and caught.value.fix


def test_given_a_table_when_read_back_then_the_mapping_is_the_same_and_a_bad_row_is_named() -> None:
    plan = default_mapping("Lead")
    table = mapping_table.rows(plan)
    assert mapping_table.from_rows("Lead", table, plan.placeholders) == plan
    table.loc[len(table)] = ["", "", "", ""]  # the editor's empty new row is ignored
    assert mapping_table.from_rows("Lead", table, plan.placeholders) == plan
    table.loc[2, "options"] = "{length: 4"
    with pytest.raises(MappingError, match=r"row 3: options are not valid JSON"):
        mapping_table.from_rows("Lead", table, plan.placeholders)
    table.loc[2, "options"] = ""
    table.loc[4, "transform"] = "shout"
    with pytest.raises(MappingError, match=r"row 5: unknown transform 'shout'"):
        mapping_table.from_rows("Lead", table, plan.placeholders)


def test_given_two_bodies_when_compared_then_key_order_does_not_matter_but_content_does() -> None:
    a = json.dumps({"sobject": "Lead", "fields": [{"attribute": "phone", "field": "Phone"}]})
    b = json.dumps({"fields": [{"field": "Phone", "attribute": "phone"}], "sobject": "Lead"}, indent=4)
    c = json.dumps({"sobject": "Lead", "fields": [{"attribute": "phone", "field": "MobilePhone"}]})
    assert saved.digest(a) == saved.digest(b) != saved.digest(c)
    assert saved.changes(a, c) == ["added MobilePhone ← phone", "removed Phone (was phone)"]


def test_given_findings_when_shown_per_row_then_each_row_gets_its_own_words() -> None:
    plan = engine.parse_mapping(json.dumps({"sobject": "Account", "fields": [
        {"attribute": "phone", "field": "Phone"}, {"attribute": "name", "field": "Nope__c"}]}))
    describe = {"name": "Account", "fields": [{"name": "Phone", "type": "phone", "length": 40, "updateable": True}]}
    checks = engine.mapping_checks(plan, describe)
    assert list(checks.columns) == ["attribute", "field", "transform", "options", "check"]
    assert checks.loc[0, "check"] == "ok"
    assert checks.loc[1, "check"].startswith("error: Nope__c is not on Account")
    assert isinstance(checks, pd.DataFrame)
