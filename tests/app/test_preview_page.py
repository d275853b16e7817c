"""AppTest of the Preview page: numbers that agree with the engine, filters and the record read from the URL."""
from __future__ import annotations

from typing import Any

from core import engine
from tests.app.test_connect_page import _texts

OPERATOR = engine.Actor("test operator")


def _open(console: Any, **query: str) -> Any:
    engine.forget_previews()
    at = console("pages/preview.py", query={"connection": "demo", **query})
    at.run(timeout=60)
    assert not at.exception, at.exception
    return at


def _metric(at: Any, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_given_the_demo_org_when_the_preview_opens_on_leads_then_headline_numbers_match_the_engine(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = _open(console, object="Lead")
    expected = engine.preview("demo", "Lead").preview
    assert _metric(at, "Records") == f"{len(expected.records):,}"
    assert _metric(at, "Cells to fill") == f"{expected.verdict_counts()['fill']:,}"
    assert _metric(at, "Values kept") == f"{expected.verdict_counts()['keep']:,}"
    assert at.query_params["object"] == "Lead"
    table = at.dataframe[0].value
    assert 0 < len(table) <= 200  # one page, never the whole preview


def test_given_filters_in_the_url_when_the_preview_opens_then_only_matching_cells_show(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = _open(console, object="Account", verdict="fill", field="Industry")
    table = at.dataframe[0].value
    assert len(table) > 0
    assert set(table["verdict"]) == {"Fill"} and set(table["field"]) == {"Industry"}
    blank_or_placeholder = table["current"].fillna("").str.strip().isin(["", "[[unknown]]"])
    assert blank_or_placeholder.all()  # only blanks (and the placeholder, which counts as blank) are filled
    assert at.multiselect[0].value == ["fill"] and at.multiselect[1].value == ["Industry"]


def test_given_a_linked_record_when_the_preview_opens_then_its_fields_show_and_an_unknown_one_says_so(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    result = engine.preview("demo", "Account").preview
    record_id = str(result.records.index[0])
    at = _open(console, object="Account", record=record_id)
    cells = at.dataframe[-1].value
    assert len(cells) == len(result.fields) and set(cells["field"]) == set(result.fields)
    missing = _open(console, object="Account", record="001000000000000AAA")
    assert "not in this preview" in _texts(missing)


def test_given_an_unknown_object_or_verdict_in_a_link_when_opened_then_the_page_says_so(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = _open(console, object="Opportunity", verdict="fill,overwrite")
    text = _texts(at)
    assert "object = Opportunity" in text and "verdict = overwrite" in text
    assert at.multiselect[0].value == ["fill"]


def _confirm(at: Any) -> Any:
    return next(c for c in at.checkbox if c.label.startswith("Write "))


def test_given_a_ticked_confirmation_when_the_cells_change_then_it_asks_again_for_the_new_set(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = _open(console, object="Account", verdict="fill")
    _confirm(at).check().run(timeout=60)
    assert _confirm(at).value and not next(b for b in at.button if b.label == "Apply").disabled
    at.radio(key="preview_scope").set_value("Only the cells the filters show").run(timeout=60)
    at.multiselect[1].set_value(["Industry"]).run(timeout=60)  # fewer cells than the box confirmed
    assert not at.exception
    assert not _confirm(at).value, _confirm(at).label
    assert next(b for b in at.button if b.label == "Apply").disabled


def test_given_filtered_fill_cells_when_an_operator_applies_them_then_only_those_are_written_and_logged(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = _open(console, object="Account", verdict="fill", field="Industry")
    at.radio(key="preview_scope").set_value("Only the cells the filters show").run(timeout=60)
    expected = engine.approved_cells(engine.preview("demo", "Account").preview, fields=("Industry",))
    _confirm(at).check().run(timeout=60)
    apply = next(b for b in at.button if b.label == "Apply")
    apply.click().run(timeout=120)
    assert not at.exception, at.exception
    assert any("done" in s.value for s in at.success), [s.value for s in at.success]
    # the page was drawn again for what is left: nothing of those cells to write, the box not ticked, Apply off
    assert _confirm(at).label.startswith("Write 0 cells") and not _confirm(at).value
    assert next(b for b in at.button if b.label == "Apply").disabled
    run = engine.runs(connection="demo")[0]
    rows = engine.log_rows(run_id=run.id)
    final = rows[rows["outcome"] != "pending"]
    assert set(final["field"]) == {"Industry"} and len(final) == len(expected)
    assert set(final["outcome"]) == {"written"}
    written = dict(zip(final["record_id"], final["after"], strict=True))
    assert written == dict(zip(expected["Id"], expected["proposed"], strict=True))


def test_given_a_viewer_when_the_preview_opens_then_write_buttons_are_disabled_with_the_reason(
        console: Any, demo_org: Any, monkeypatch: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at = _open(console, object="Account")
    assert "Only operators can write to Salesforce" in _texts(at)
    assert all(b.disabled for b in at.button if b.label in ("Apply", "Test on one record"))


def test_given_the_demo_org_when_a_record_opens_then_no_dead_salesforce_button_and_the_page_says_why(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    record = str(engine.preview("demo", "Account").preview.records.index[0])
    at = _open(console, object="Account", record=record)
    assert not at.exception
    text = _texts(at)
    assert "the built-in demo org has no record pages" in text
    assert "Open in Salesforce" not in [b.proto.label for b in at.get("link_button")]
