"""AppTest: the object chosen on one page is the one the next page opens on, when its link does not name one
(the sidebar's links carry no object): Lead on Mapping opens Preview on Lead, and back."""
from __future__ import annotations

from typing import Any

from core import engine

OPERATOR = engine.Actor("test operator")


def test_given_lead_chosen_on_mapping_when_preview_opens_from_the_sidebar_then_it_shows_lead(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/mapping.py")
    at.run(timeout=60)
    at.radio(key="mapping_object").set_value("Lead").run(timeout=60)
    assert at.query_params["object"] == "Lead"
    at.query_params.clear()  # what a sidebar link carries
    at.switch_page("pages/preview.py").run(timeout=120)
    assert not at.exception
    assert at.query_params["object"] == "Lead"
    at.segmented_control(key="preview_object").set_value("Contact").run(timeout=120)
    at.query_params.clear()
    at.switch_page("pages/mapping.py").run(timeout=60)
    assert at.radio(key="mapping_object").value == "Contact"


def test_given_a_link_naming_an_object_when_opened_then_the_link_wins_over_the_last_choice(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/mapping.py", query={"object": "Contact"})
    at.run(timeout=60)
    at.query_params["object"] = "Account"
    at.switch_page("pages/preview.py").run(timeout=120)
    assert at.query_params.get("object") in (None, "Account")  # Account is the default, so the URL may omit it
    assert at.segmented_control(key="preview_object").value == "Account"


def test_given_preview_filters_when_the_user_goes_to_logs_and_back_by_the_sidebar_then_they_are_restored(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/preview.py", query={"object": "Account", "verdict": "fill", "q": "Acme"})
    at.run(timeout=120)
    assert at.multiselect[0].value == ["fill"]
    at.multiselect[0].set_value(["keep"]).run(timeout=120)  # changed on the page: what is kept is the latest
    at.query_params.clear()
    at.switch_page("pages/connect.py").run(timeout=60)
    at.query_params.clear()  # the sidebar's link names no filter
    at.switch_page("pages/preview.py").run(timeout=120)
    assert not at.exception
    assert at.multiselect[0].value == ["keep"] and at.text_input(key="url_q").value == "Acme"
    assert at.query_params["verdict"] == "keep"
    at.multiselect[0].set_value([]).run(timeout=120)  # cleared on the page stays cleared on the next rerun
    at.run(timeout=120)
    assert at.multiselect[0].value == [] and "verdict" not in at.query_params
