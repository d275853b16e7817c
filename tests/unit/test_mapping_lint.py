"""The mapping linter against describe payloads built inline: a standard subset and a customised org."""
from __future__ import annotations

from core.enrich.mapping import FieldMap, Mapping, default_mapping
from core.enrich.mapping_lint import lint


def _field(name: str, ftype: str, **extra: object) -> dict:
    return {"name": name, "label": name, "type": ftype, "updateable": True, "nillable": True, **extra}


STANDARD_ACCOUNT = {"name": "Account", "fields": [
    _field("Name", "string", length=255), _field("Website", "url", length=255),
    _field("Industry", "picklist", length=40, picklistValues=[{"value": v, "active": True} for v in (
        "Banking", "Consulting", "Electronics", "Environmental", "Healthcare", "Insurance", "Media", "Retail",
        "Technology", "Transportation", "Food & Beverage", "Biotechnology")]),
    _field("NumberOfEmployees", "int", digits=8), _field("AnnualRevenue", "currency", precision=18, scale=0),
    _field("Phone", "phone", length=40), _field("Description", "textarea", length=32000),
    _field("BillingStreet", "textarea", length=255), _field("BillingCity", "string", length=40),
    _field("BillingState", "string", length=80), _field("BillingPostalCode", "string", length=20),
    _field("BillingCountry", "string", length=80),
]}


def test_given_default_account_mapping_and_standard_describe_when_linted_then_no_errors() -> None:
    findings = lint(default_mapping("Account"), STANDARD_ACCOUNT)
    assert [f for f in findings if f.level == "error"] == []


def test_given_custom_fields_and_missing_standard_fields_when_linted_then_each_problem_named_with_fix() -> None:
    describe = {"name": "Lead", "fields": [
        _field("Company", "string", length=255), _field("Title", "string", length=128),
        _field("Tech_Tags__c", "string", length=80), _field("Employees__c", "string", length=20),
        _field("Is_Customer__c", "boolean"), _field("Phone", "phone", length=40, updateable=False),
        _field("Rating__c", "picklist", length=255, restrictedPicklist=True,
               picklistValues=[{"value": "Banking", "active": True}]),
    ]}
    mapping = Mapping("Lead", (
        FieldMap("tech", "Tech_Tags__c", "none"),
        FieldMap("metrics.employees", "Employees__c"),
        FieldMap("metrics.employees", "NumberOfEmployees"),
        FieldMap("emailProvider", "Is_Customer__c"),
        FieldMap("phone", "Phone"),
        FieldMap("category.industry", "Rating__c"),
        FieldMap("person.employment.title", "Title"),
        FieldMap("name", "Title"),
    ))
    by = {(f.field, f.level): f for f in lint(mapping, describe)}
    assert "hidden by field-level security" in by[("NumberOfEmployees", "error")].message
    assert "checkbox" in by[("Is_Customer__c", "warning")].message
    assert "not updateable" in by[("Phone", "error")].message and "field-level security" in by[("Phone", "error")].fix
    assert "skipped as invalid" in by[("Tech_Tags__c", "warning")].message
    assert "fed by 2 attributes" in by[("Title", "error")].message
    assert "match no active Rating__c value" in by[("Rating__c", "warning")].message
    assert all(f.fix for f in by.values())


def test_given_text_attribute_into_number_field_when_linted_then_type_error() -> None:
    describe = {"name": "Account", "fields": [_field("NumberOfEmployees", "int", digits=8)]}
    findings = lint(Mapping("Account", (FieldMap("description", "NumberOfEmployees", "none"),)), describe)
    assert [f.level for f in findings] == ["error"] and "int field" in findings[0].message


def test_given_mapping_for_other_object_when_linted_then_error() -> None:
    assert lint(Mapping("Lead", ()), STANDARD_ACCOUNT)[0].level == "error"


def _address(prefix: str, *parts: str, compound: str | None = None) -> list[dict]:
    return [_field(f"{prefix}{p}", "string", length=80, compoundFieldName=compound or f"{prefix}Address") for p in parts]


def test_given_an_address_mapped_in_part_when_linted_then_a_warning_names_the_parts_left_out() -> None:
    describe = {"name": "Account", "fields": _address("Billing", "Street", "City", "State", "StateCode", "PostalCode",
                                                      "Country") + _address("Shipping", "City", "State", "Country")}
    mapping = Mapping("Account", (FieldMap("geo.city", "BillingCity"), FieldMap("geo.country", "BillingCountry"),
                                  FieldMap("geo.city", "ShippingCity"), FieldMap("geo.stateCode", "ShippingState"),
                                  FieldMap("geo.country", "ShippingCountry")))

    findings = [f for f in lint(mapping, describe) if "only part of" in f.message]

    assert [(f.level, f.field) for f in findings] == [("warning", "BillingCity")]
    assert "BillingStreet, BillingState, BillingPostalCode does not stop" in findings[0].message
    assert findings[0].fix == "map BillingStreet, BillingState, BillingPostalCode too, if the source has them"


def test_given_a_whole_address_with_a_state_code_when_linted_then_no_address_warning() -> None:
    describe = {"name": "Lead", "fields": _address("", "Street", "City", "State", "StateCode", "PostalCode", "Country",
                                                   "CountryCode", compound="Address")}
    mapping = Mapping("Lead", tuple(FieldMap(f"geo.{a}", f) for a, f in (
        ("streetAddress", "Street"), ("city", "City"), ("stateCode", "StateCode"), ("postalCode", "PostalCode"),
        ("countryCode", "CountryCode"))))
    assert [f for f in lint(mapping, describe) if "only part of" in f.message] == []
