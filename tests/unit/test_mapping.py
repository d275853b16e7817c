"""Field mapping: transforms, defaults, JSON round trip and the error for each malformed file."""
from __future__ import annotations

import pandas as pd
import pytest

from core.enrich.mapping import FieldMap, Mapping, MappingError, apply, default_mapping
from core.fields import FieldSpec

SPECS = {
    "Industry": FieldSpec(name="Industry", type="picklist", length=40, picklist_values=("Technology", "Banking", "Other")),
    "Rating__c": FieldSpec(name="Rating__c", type="picklist", length=255, restricted_picklist=True,
                           picklist_values=("Technology",)),
    "Tech_Tags__c": FieldSpec(name="Tech_Tags__c", type="string", length=20),
    "NumberOfEmployees": FieldSpec(name="NumberOfEmployees", type="int", precision=8, scale=0),
    "AnnualRevenue": FieldSpec(name="AnnualRevenue", type="currency", precision=18, scale=0),
    "Description": FieldSpec(name="Description", type="string", length=10),
}
IDS = pd.Index(["001A", "001B", "001C"], name="Id")


def _apply(*maps: FieldMap, **columns: list) -> tuple[pd.DataFrame, list]:
    enrichment = pd.DataFrame({k.replace("__", "."): pd.Series(v, index=IDS, dtype=object) for k, v in columns.items()})
    return apply(Mapping("Account", maps), enrichment, SPECS)


def test_given_long_text_when_truncated_then_cut_to_length_with_ellipsis() -> None:
    out, notes = _apply(FieldMap("description", "Description", "truncate"), description=["short", "x" * 30, None])
    assert out["Description"].tolist()[:2] == ["short", "xxxxxxxxx…"] and pd.isna(out["Description"].iloc[2])
    assert notes[0].records == 1 and "cut to fit" in notes[0].message


def test_given_tags_when_joined_then_whole_tags_kept_and_warning() -> None:
    out, notes = _apply(FieldMap("tech", "Tech_Tags__c", "join"),
                        tech=[["react", "stripe"], ["salesforce", "hubspot", "segment"], None])
    assert out["Tech_Tags__c"].tolist()[:2] == ["react; stripe", "salesforce; hubspot"]
    assert [n.level for n in notes] == ["warning"] and notes[0].records == 1


def test_given_industry_values_when_mapped_to_picklist_then_case_and_synonyms_resolved() -> None:
    out, notes = _apply(FieldMap("category.industry", "Industry", "picklist"),
                        category__industry=["technology", "Internet Software & Services", "Basket Weaving"])
    assert out["Industry"].tolist() == ["Technology", "Technology", "Basket Weaving"]
    assert "'Basket Weaving'" in notes[0].message


def test_given_unmapped_value_on_restricted_picklist_when_mapped_then_left_for_the_guard_with_warning() -> None:
    out, notes = _apply(FieldMap("category.industry", "Rating__c", "picklist"), category__industry=["Techno", None, None])
    assert out["Rating__c"].iloc[0] == "Techno" and notes[0].level == "warning" and "closest: 'Technology'" in notes[0].message


def test_given_ranges_and_amounts_when_parsed_then_numbers() -> None:
    out, _ = _apply(FieldMap("metrics.employeesRange", "NumberOfEmployees", "int"),
                    FieldMap("metrics.estimatedAnnualRevenue", "AnnualRevenue", "number", {"range": "high"}),
                    metrics__employeesRange=["51-250", "1K-5K", "1,200"],
                    metrics__estimatedAnnualRevenue=["$10M-$50M", "$1B+", None])
    assert out["NumberOfEmployees"].tolist() == [51, 1000, 1200]
    assert out["AnnualRevenue"].tolist()[:2] == [50_000_000, 1_000_000_000]


def test_given_fallback_when_primary_missing_then_fallback_used() -> None:
    out, _ = _apply(FieldMap("category.subIndustry", "Industry", "picklist", {"fallback": ["category.industry"]}),
                    category__subIndustry=[None, "Commercial Banking", " "], category__industry=["Other", "Other", "Other"])
    assert out["Industry"].tolist() == ["Other", "Banking", "Other"]


@pytest.mark.parametrize("sobject", ["Account", "Lead", "Contact"])
def test_given_default_mapping_when_exported_then_round_trips(sobject: str) -> None:
    mapping = default_mapping(sobject)
    assert Mapping.from_json(mapping.to_json()) == mapping
    assert len(mapping.field_names()) == len(mapping.fields)


def test_given_defaults_then_industry_employees_and_placeholder_only_names_present() -> None:
    account, lead = default_mapping("Account"), default_mapping("Lead")
    assert {"Industry", "NumberOfEmployees", "AnnualRevenue", "Phone", "Website", "Description", "BillingCity",
            "Name"} <= set(account.field_names())
    assert {"Company", "Title", "LastName"} <= set(lead.field_names())
    with pytest.raises(ValueError):
        default_mapping("Opportunity")


@pytest.mark.parametrize(("text", "where"), [
    ("", "empty"),
    ("{not json", "not valid JSON (line 1"),
    ("[1, 2]", "JSON list, not an object"),
    ('{"sobject": "Account", "feilds": []}', "unknown key(s) 'feilds'"),
    ('{"version": 9, "sobject": "Account", "fields": []}', "version: format version 9"),
    ('{"sobject": "Acc ount", "fields": []}', "sobject:"),
    ('{"sobject": "Account"}', "fields: missing or not a list"),
    ('{"sobject": "Account", "placeholders": "x", "fields": []}', "placeholders:"),
    ('{"sobject": "Account", "fields": ["Industry"]}', "fields[0]: is a str"),
    ('{"sobject": "Account", "fields": [{"field": "Industry"}]}', '"attribute" is missing'),
    ('{"sobject": "Account", "fields": [{"attribute": "a", "field": "Annual Revenue"}]}', "not a field API name"),
    ('{"sobject": "Account", "fields": [{"attribute": "a", "field": "B", "transform": "shout"}]}', "unknown transform"),
    ('{"sobject": "Account", "fields": [{"attribute": "a", "field": "B", "options": []}]}', '"options" is not an object'),
    ('{"sobject": "Account", "fields": [{"attribute": "a", "field": "B", "options": {"length": 0}}]}', "options.length"),
    ('{"sobject": "Account", "fields": [{"attribute": "a", "field": "B", "options": {"colour": 1}}]}', "unknown option"),
])
def test_given_malformed_file_when_imported_then_error_names_place_and_fix(text: str, where: str) -> None:
    with pytest.raises(MappingError) as caught:
        Mapping.from_json(text)
    assert where in caught.value.message and caught.value.fix
