"""The preview pipeline over frames: match results, verdicts against the guard, filters and pages."""
from __future__ import annotations

import numpy as np
import pandas as pd

from core import preview
from core.enrich.mapping import FieldMap, Mapping, default_mapping
from core.enrich.providers.demo import DemoProvider
from core.fields import FieldSpec

SPECS = {
    "Industry": FieldSpec(name="Industry", type="string", length=40),
    "Phone": FieldSpec(name="Phone", type="phone", length=40),
    "Description": FieldSpec(name="Description", type="textarea", length=32000),
    "Website": FieldSpec(name="Website", type="url", length=255),
}
MAPPING = Mapping("Account", (FieldMap("category.industry", "Industry"), FieldMap("phone", "Phone"),
                              FieldMap("description", "Description")))


class KnownDomains:
    """A provider that knows exactly the given domains (so each match result is chosen by the test)."""

    def __init__(self, known: dict[str, dict]) -> None:
        self.known = known
        self.asked: list[list[str]] = []

    def lookup(self, keys):
        self.asked.append(list(keys))
        rows = {k: v for k, v in self.known.items() if k in set(keys)}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "key"
        return frame


def _accounts() -> pd.DataFrame:
    return pd.DataFrame({
        "Name": ["Acme", "Globex", "Mail user", "Broken", "No site"],
        "Website": ["https://www.acme.com/about", "globex.io", "gmail.com", "not a url", None],
        "Industry": [None, "Banking", None, None, None],
        "Phone": ["  ", None, None, None, None],
        "Description": [None, None, None, None, None],
        "OwnerId": ["005A", "005B", "005A", "005B", "005A"],
    }, index=pd.Index(["001A", "001B", "001C", "001D", "001E"], name="Id"))


def _provider() -> KnownDomains:
    return KnownDomains({"acme.com": {"category.industry": "Software", "phone": "+1 555 0100", "description": "x"},
                         "example.org": {"category.industry": "Other"}})


def test_given_records_of_every_key_kind_when_previewed_then_each_match_result_is_named() -> None:
    result = preview.build(_accounts(), "Account", MAPPING, _provider(), SPECS)
    assert result.records["match"].astype(str).tolist() == ["matched", "no_data", "free_mail", "invalid_key", "no_key"]
    assert result.match_counts() == {"matched": 1, "no_data": 1, "free_mail": 1, "invalid_key": 1, "no_key": 1}


def test_given_a_blank_and_a_filled_field_when_previewed_then_only_blanks_fill_and_values_are_kept() -> None:
    result = preview.build(_accounts(), "Account", MAPPING, _provider(), SPECS)
    acme = preview.record(result, "001A").set_index("field")
    assert acme.loc["Industry", "verdict"] == "fill" and acme.loc["Industry", "proposed"] == "Software"
    assert acme.loc["Phone", "verdict"] == "fill"  # white space only counts as blank
    globex = preview.record(result, "001B").set_index("field")
    assert globex.loc["Industry", "verdict"] == "no_data" and globex.loc["Industry", "current"] == "Banking"
    assert result.verdict_counts()["fill"] == 3


def test_given_one_lookup_when_previewed_then_the_provider_is_asked_once_for_unique_keys() -> None:
    provider = _provider()
    frame = pd.concat([_accounts(), _accounts().set_axis([f"{i}x" for i in _accounts().index])])
    frame.index.name = "Id"
    preview.build(frame, "Account", MAPPING, provider, SPECS)
    assert len(provider.asked) == 1 and sorted(provider.asked[0]) == ["acme.com", "globex.io"]


def test_given_filters_when_selected_then_cells_match_every_filter_and_pages_carry_record_facts() -> None:
    result = preview.build(_accounts(), "Account", MAPPING, _provider(), SPECS)
    positions = preview.select(result, preview.Filters(verdicts=("fill",), owners=("005A",)))
    table = preview.page(result, positions, 0, 10)
    assert set(table["verdict"]) == {"fill"} and set(table["owner"]) == {"005A"}
    assert set(table["name"]) == {"Acme"} and len(table) == 3
    searched = preview.page(result, preview.select(result, preview.Filters(search="GLOB")), 0, 10)
    assert set(searched["Id"]) == {"001B"} and len(searched) == 3
    none = preview.select(result, preview.Filters(matches=("matched",), fields=("Description",), verdicts=("keep",)))
    assert len(none) == 0


def test_given_a_page_window_when_paged_then_only_that_window_is_built() -> None:
    result = preview.build(_accounts(), "Account", MAPPING, _provider(), SPECS)
    everything = preview.select(result, preview.Filters())
    assert len(everything) == 15
    second = preview.page(result, everything, 5, 5)
    assert len(second) == 5 and second["field"].tolist() == ["Phone"] * 5
    assert second["Id"].tolist() == list(_accounts().index)


def test_given_fills_when_fill_rates_taken_then_after_adds_the_fills_to_what_is_there() -> None:
    result = preview.build(_accounts(), "Account", MAPPING, _provider(), SPECS)
    rates = preview.fill_rates(result).set_index("field")
    assert rates.loc["Industry", "before"] == 0.2 and rates.loc["Industry", "after"] == 0.4
    assert rates.loc["Phone", "before"] == 0.0  # "  " is blank for the guard


def test_given_demo_leads_when_previewed_then_person_fields_come_from_the_email_and_company_from_the_domain() -> None:
    leads = pd.DataFrame({
        "Company": [None], "FirstName": [None], "LastName": ["?"], "Title": [None],
        "Email": ["jane.doe@acme-robotics.com"], "Website": [None], "Industry": [None],
    }, index=pd.Index(["00QA"], name="Id"))
    plan = default_mapping("Lead")
    specs = {f.field: FieldSpec(name=f.field, type="string", length=255) for f in plan.fields}
    columns = [f.field for f in plan.fields]
    for column in columns:
        if column not in leads.columns:
            leads[column] = pd.Series([None], index=leads.index, dtype=object)
    result = preview.build(leads, "Lead", plan, DemoProvider(unknown_share=0.0), specs)
    cells = preview.record(result, "00QA").set_index("field")
    assert cells.loc["FirstName", "verdict"] == "fill" and cells.loc["Company", "verdict"] == "fill"
    assert cells.loc["LastName", "verdict"] in ("keep", "same")
    assert np.all(result.records["match"].astype(str) == "matched")
