"""The address rule in the diff: an address is filled as a whole, or not at all."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.fields import FieldSpec, field_specs
from core.sync import diff, guard
from core.sync import guard_address as address

PARTS = ("Street", "City", "State", "PostalCode", "Country")


def _specs(*prefixes: str, parts: tuple[str, ...] = PARTS) -> dict[str, FieldSpec]:
    return {f"{p}{part}": FieldSpec(name=f"{p}{part}", type="textarea" if part == "Street" else "string", length=255)
            for p in prefixes for part in parts}


def _diff(current: dict, proposed: dict, specs: dict[str, FieldSpec]) -> pd.DataFrame:
    ids = pd.Index([f"001{i:015d}" for i in range(len(next(iter(current.values()))))], name="Id")
    return diff.compute(pd.DataFrame(current, index=ids, dtype=object), pd.DataFrame(proposed, index=ids, dtype=object),
                        specs)


def _cell(out: pd.DataFrame, record: int, field: str) -> tuple[str, str]:
    row = out[(out["Id"] == f"001{record:015d}") & (out["field"] == field)].iloc[0]
    return str(row["verdict"]), str(row["reason"])


CHICAGO = {"BillingStreet": "233 S Wacker Dr", "BillingCity": "Chicago", "BillingState": "Illinois",
           "BillingPostalCode": "60606", "BillingCountry": "United States"}


def test_given_a_blank_address_when_diffed_then_every_part_fills() -> None:
    out = _diff({f: [None] for f in CHICAGO}, {f: [v] for f, v in CHICAGO.items()}, _specs("Billing"))
    assert out["verdict"].astype(str).tolist() == ["fill"] * 5


def test_given_one_part_held_and_agreeing_when_diffed_then_the_rest_fill() -> None:
    current = {f: [None] for f in CHICAGO} | {"BillingCity": ["  chicago "]}
    out = _diff(current, {f: [v] for f, v in CHICAGO.items()}, _specs("Billing"))
    verdicts = dict(zip(out["field"].astype(str), out["verdict"].astype(str), strict=True))
    assert verdicts == {"BillingStreet": "fill", "BillingCity": "same", "BillingState": "fill",
                        "BillingPostalCode": "fill", "BillingCountry": "fill"}


def test_given_a_held_city_the_source_contradicts_when_diffed_then_no_part_fills_and_the_reason_names_it() -> None:
    current = {f: [None] for f in CHICAGO} | {"BillingCity": ["München"]}
    out = _diff(current, {f: [v] for f, v in CHICAGO.items()}, _specs("Billing"))
    assert _cell(out, 0, "BillingCity") == ("keep", guard.REASON_KEEP)
    for field in ("BillingStreet", "BillingState", "BillingPostalCode", "BillingCountry"):
        assert _cell(out, 0, field) == (
            "keep", "address holds BillingCity 'München': filled whole or not at all")
    assert diff.totals(out)["fill"].sum() == 0


def test_given_a_lead_with_a_state_the_source_lacks_when_diffed_then_city_and_country_are_held_back() -> None:
    # the newcomer's Lead: State "NY" kept, and the source has a Toronto address without a state
    specs = _specs("")
    current = {"Street": [None], "City": [None], "State": ["NY"], "PostalCode": [None], "Country": [None]}
    proposed = {"Street": [None], "City": ["Toronto"], "State": [None], "PostalCode": ["M5V 3L9"], "Country": ["Canada"]}
    out = _diff(current, proposed, specs)
    assert _cell(out, 0, "State") == ("no_data", guard.REASON_NO_DATA)
    for field in ("City", "PostalCode", "Country"):
        assert _cell(out, 0, field) == ("keep", "address holds State 'NY': filled whole or not at all")


def test_given_several_disagreeing_parts_when_diffed_then_the_reason_names_the_city_first() -> None:
    current = {f: [None] for f in CHICAGO} | {"BillingCountry": ["Germany"], "BillingCity": ["München"]}
    out = _diff(current, {f: [v] for f, v in CHICAGO.items()}, _specs("Billing"))
    assert _cell(out, 0, "BillingState")[1].startswith("address holds BillingCity 'München':")


def test_given_billing_and_shipping_when_one_is_held_back_then_the_other_still_fills() -> None:
    specs = _specs("Billing", "Shipping")
    current = {f"{p}{part}": [None] for p in ("Billing", "Shipping") for part in PARTS} | {"BillingCity": ["München"]}
    proposed = {f"{p}{part}": [CHICAGO[f"Billing{part}"]] for p in ("Billing", "Shipping") for part in PARTS}
    out = _diff(current, proposed, specs)
    by = dict(zip(out["field"].astype(str), out["verdict"].astype(str), strict=True))
    assert {f: v for f, v in by.items() if f.startswith("Shipping")} == {f"Shipping{p}": "fill" for p in PARTS}
    assert [v for f, v in by.items() if f.startswith("Billing")].count("fill") == 0


def test_given_records_side_by_side_when_diffed_then_each_record_is_judged_on_its_own_address() -> None:
    current = {f: [None, None] for f in CHICAGO} | {"BillingCity": ["München", None]}
    out = _diff(current, {f: [v, v] for f, v in CHICAGO.items()}, _specs("Billing"))
    assert _cell(out, 0, "BillingState")[0] == "keep" and _cell(out, 1, "BillingState")[0] == "fill"
    assert _cell(out, 1, "BillingCity")[0] == "fill"


def test_given_a_mapping_of_only_some_parts_when_diffed_then_only_the_mapped_parts_are_judged() -> None:
    specs = _specs("Billing", parts=("City", "Country"))
    proposed = {"BillingCity": ["Chicago"] * 2, "BillingCountry": ["United States"] * 2}
    out = _diff({"BillingCity": [None, "München"], "BillingCountry": [None, None]}, proposed, specs)
    assert [_cell(out, 0, f)[0] for f in proposed] == ["fill", "fill"]
    assert _cell(out, 1, "BillingCountry") == (
        "keep", "address holds BillingCity 'München': filled whole or not at all")


def test_given_placeholders_and_white_space_in_an_address_when_diffed_then_they_count_as_blank() -> None:
    current = {f: ["[[unknown]]"] for f in CHICAGO} | {"BillingCity": [" \u00a0"], "BillingStreet": [None]}
    out = _diff(current, {f: [v] for f, v in CHICAGO.items()}, _specs("Billing"))
    assert out["verdict"].astype(str).tolist() == ["fill"] * 5


def test_given_cells_that_cannot_fill_anyway_when_an_address_is_held_back_then_they_keep_their_own_verdict() -> None:
    specs = _specs("Billing") | {"BillingPostalCode": FieldSpec(name="BillingPostalCode", type="string", length=3),
                                 "BillingCountry": FieldSpec(name="BillingCountry", type="string", updateable=False)}
    current = {f: [None] for f in CHICAGO} | {"BillingCity": ["München"]}
    out = _diff(current, {f: [v] for f, v in CHICAGO.items()}, specs)
    assert _cell(out, 0, "BillingPostalCode")[0] == "invalid"
    assert _cell(out, 0, "BillingCountry")[0] == "no_access"


def test_given_a_long_multi_line_street_when_it_holds_an_address_back_then_the_reason_quotes_it_short() -> None:
    street = "Rathausplatz 1\nHinterhaus, 3. Stock, links neben dem Aufzug"
    current = {f: [None] for f in CHICAGO} | {"BillingStreet": [street]}
    out = _diff(current, {f: [v] for f, v in CHICAGO.items()}, _specs("Billing"))
    label = _cell(out, 0, "BillingCity")[1]
    assert label == "address holds BillingStreet 'Rathausplatz 1 Hinterhaus, 3. Stock, li…': filled whole or not at all"


def test_given_a_describe_when_grouped_then_compound_field_names_decide_and_geocodes_follow() -> None:
    def field(name: str, compound: str | None, kind: str = "string") -> dict:
        return {"name": name, "type": kind, "updateable": True, "compoundFieldName": compound}
    specs = field_specs({"fields": [
        field("MailingCity", "MailingAddress"), field("MailingLatitude", "MailingAddress", "double"),
        field("OtherCountry", "OtherAddress"), field("FirstName", "Name"),
        field("Site__City__s", "Site__c"), field("Site__CountryCode__s", "Site__c", "picklist"),
        field("Spot__Latitude__s", "Spot__c", "double"), field("City__c", None)]})
    found = {g.name: (g.parts, g.followers) for g in address.groups(specs, specs)}
    assert found == {"MailingAddress": (("MailingCity",), ("MailingLatitude",)),
                     "OtherAddress": (("OtherCountry",), ()),
                     "Site__c": (("Site__City__s", "Site__CountryCode__s"), ())}


def test_given_fields_without_describe_when_grouped_then_the_standard_names_decide() -> None:
    names = ["Street", "City", "BillingStateCode", "BillingState", "ShippingLongitude", "ShippingCity", "Title"]
    found = {g.name: g.members for g in address.groups(names, {})}
    assert found == {"Address": ("City", "Street"), "BillingAddress": ("BillingState", "BillingStateCode"),
                     "ShippingAddress": ("ShippingCity", "ShippingLongitude")}


def test_given_a_geocode_that_differs_when_diffed_then_it_never_holds_the_address_back_but_follows_it() -> None:
    specs = _specs("Billing", parts=("City", "Country")) | {
        "BillingLatitude": FieldSpec(name="BillingLatitude", type="double", precision=18, scale=15)}
    current = {"BillingCity": [None, "München"], "BillingCountry": [None, None], "BillingLatitude": [48.1, None]}
    proposed = {"BillingCity": ["Chicago"] * 2, "BillingCountry": ["US"] * 2, "BillingLatitude": [41.9, 41.9]}
    out = _diff(current, proposed, specs)
    assert [_cell(out, 0, f)[0] for f in ("BillingCity", "BillingCountry", "BillingLatitude")] == ["fill", "fill", "keep"]
    assert _cell(out, 1, "BillingLatitude")[1].startswith("address holds BillingCity 'München':")


_VALUE = st.sampled_from([None, "", "  ", "[[unknown]]", "Chicago", "chicago", "München", "IL", "60606"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(*[_VALUE] * 6), min_size=1, max_size=8))
def test_given_any_addresses_when_diffed_then_a_fill_only_ever_joins_parts_the_source_confirms(rows: list) -> None:
    names = ["BillingCity", "BillingState", "BillingPostalCode"]
    specs = _specs("Billing", parts=("City", "State", "PostalCode"))
    current = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    proposed = {n: [r[i + 3] for r in rows] for i, n in enumerate(names)}
    out = _diff(current, proposed, specs)
    alone = {n: guard.verdicts(pd.Series(current[n], dtype=object), pd.Series(proposed[n], dtype=object), specs[n])
             for n in names}
    for r in range(len(rows)):
        got = {n: _cell(out, r, n)[0] for n in names}
        single = {n: str(alone[n]["verdict"].iloc[r]) for n in names}
        held = [n for n in names if not guard.is_blank(pd.Series([current[n][r]], dtype=object), specs[n]).iloc[0]]
        confirmed = all(single[n] == "same" for n in held)
        assert got == (single if confirmed else {n: "keep" if v == "fill" else v for n, v in single.items()})
