"""The address rule at write time: the fresh read holds an address back as the preview would have, and the
approved cells carry what the enrichment said for the parts that are not written."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core import preview
from core.fields import FieldSpec
from core.logs import runs as runlog
from core.sync import diff, guard, recheck
from core.sync import guard_address as address
from core.sync.writer import plan_cells

PARTS = ("Street", "City", "State", "PostalCode", "Country")
SPECS = {f"{p}{part}": FieldSpec(name=f"{p}{part}", type="string", length=80)
         for p in ("Billing", "Shipping") for part in PARTS} | {"Phone": FieldSpec(name="Phone", type="phone", length=40)}
CHICAGO = {"BillingCity": "Chicago", "BillingState": "Illinois", "BillingCountry": "United States"}


def _plan(cells: dict[str, str], record: str = "0011", context: dict | None = None, first: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"cell": range(first, first + len(cells)), "record_id": record, "field": list(cells),
                         "proposed": list(cells.values()), "maybe_sent": False,
                         "context": json.dumps(context) if context is not None else None})


def _fresh(*records: dict) -> pd.DataFrame:
    return recheck.fresh_frame(list(records), ["Id", *SPECS])


def _outcomes(decision: recheck.Decision) -> dict[str, tuple[str, str]]:
    sent = {f: ("send", "") for f in decision.send["field"]}
    return sent | {f: (o, m) for f, o, m in decision.final[["field", "outcome", "message"]].itertuples(index=False)}


def test_given_a_city_typed_after_the_preview_when_decided_then_the_rest_of_that_address_is_skipped_naming_it() -> None:
    plan = _plan(CHICAGO, context=CHICAGO)
    fresh = _fresh({"Id": "0011", "BillingCity": "München"})

    got = _outcomes(recheck.decide(plan, fresh, SPECS))

    assert got["BillingCity"] == ("skipped_nonblank", guard.REASON_KEEP)
    assert got["BillingState"] == got["BillingCountry"] == (
        "skipped_nonblank", "address holds BillingCity 'München': filled whole or not at all")


def test_given_a_city_that_agreed_at_the_preview_and_still_does_when_decided_then_the_rest_is_sent() -> None:
    plan = _plan({"BillingState": "Illinois", "BillingCountry": "United States"}, context=CHICAGO)

    got = _outcomes(recheck.decide(plan, _fresh({"Id": "0011", "BillingCity": "chicago"}), SPECS))

    assert got == {"BillingState": ("send", ""), "BillingCountry": ("send", "")}


def test_given_a_city_not_written_that_changed_since_the_preview_when_decided_then_the_rest_is_skipped() -> None:
    plan = _plan({"BillingState": "Illinois", "BillingCountry": "United States"}, context=CHICAGO)

    got = _outcomes(recheck.decide(plan, _fresh({"Id": "0011", "BillingCity": "Toronto"}), SPECS))

    assert got["BillingState"] == got["BillingCountry"] == ("skipped_nonblank", "address holds BillingCity 'Toronto': filled whole or not at all")


def test_given_a_part_the_source_had_no_value_for_when_someone_fills_it_then_the_rest_is_skipped() -> None:
    plan = _plan({"BillingCity": "Toronto", "BillingCountry": "Canada"},
                 context={"BillingCity": "Toronto", "BillingState": None, "BillingCountry": "Canada"})

    got = _outcomes(recheck.decide(plan, _fresh({"Id": "0011", "BillingState": "NY"}), SPECS))

    assert got["BillingCity"] == got["BillingCountry"] == ("skipped_nonblank", "address holds BillingState 'NY': filled whole or not at all")


def test_given_no_context_when_decided_then_only_the_planned_parts_are_judged() -> None:
    plan = _plan({"BillingState": "Illinois"})  # a plan made by hand: the City is nobody's business here
    assert _outcomes(recheck.decide(plan, _fresh({"Id": "0011", "BillingCity": "Toronto"}), SPECS)) == {
        "BillingState": ("send", "")}


def test_given_a_held_back_billing_address_when_decided_then_shipping_other_fields_and_other_records_are_sent() -> None:
    plan = pd.concat([
        _plan(CHICAGO | {"ShippingCity": "Chicago", "Phone": "+1 312 555 0100"}, context=CHICAGO),
        _plan(CHICAGO, record="0012", context=CHICAGO, first=10)], ignore_index=True)
    fresh = _fresh({"Id": "0011", "BillingCountry": "Germany"}, {"Id": "0012"})

    decision = recheck.decide(plan, fresh, SPECS)

    sent = set(zip(decision.send["record_id"], decision.send["field"], strict=True))
    assert sent == {("0011", "ShippingCity"), ("0011", "Phone"), *(("0012", f) for f in CHICAGO)}
    assert sorted(decision.final["cell"].tolist() + decision.send["cell"].tolist()) == sorted(plan["cell"])


def test_given_contexts_when_asking_what_to_read_then_the_parts_not_written_are_named() -> None:
    plan = _plan({"BillingState": "Illinois"}, context={"BillingCity": "Chicago", "BillingState": "Illinois",
                                                        "BillingStreet": None})
    assert address.context_fields(plan) == ["BillingCity", "BillingState", "BillingStreet"]
    assert address.context_fields(plan.drop(columns="context")) == []


def test_given_a_plan_with_contexts_when_stored_then_resume_reads_them_back(tmp_path: Path) -> None:
    cells = pd.DataFrame({"Id": ["0011", "0011", "0012"], "field": ["BillingCity", "Phone", "BillingCity"],
                          "proposed": ["Chicago", "+1", "Oslo"],
                          "context": [json.dumps({"BillingCity": "Chicago"}), None, json.dumps({"BillingCity": "Oslo"})]})
    run = runlog.create_run(tmp_path, connection="demo", org_id=None, environment="demo", sobject="Account",
                            trigger="manual", actor="olivia", dry_run=False, plan=plan_cells(cells), options={})

    back = runlog.open_cells(tmp_path, run.id)

    assert back["context"].tolist() == cells["context"].tolist()


def _preview(current: dict, proposed: dict) -> preview.Preview:
    ids = pd.Index([f"001{i}" for i in range(len(next(iter(current.values()))))], name="Id")
    cur, prop = pd.DataFrame(current, index=ids, dtype=object), pd.DataFrame(proposed, index=ids, dtype=object)
    cells = diff.compute(cur, prop, SPECS)
    records = pd.DataFrame({"name": [f"Acme {i}" for i in range(len(ids))], "key": "acme.com"}, index=ids)
    return preview.Preview("Account", cells, records, diff.totals(cells), pd.Series(dtype="int64"), [],
                           tuple(address.groups(prop.columns, SPECS)))


def test_given_a_preview_when_cells_are_approved_then_address_cells_carry_the_enrichments_address() -> None:
    result = _preview({"BillingCity": ["chicago", None], "BillingState": [None, None], "Phone": [None, None]},
                      {"BillingCity": ["Chicago", "Oslo"], "BillingState": ["Illinois", None], "Phone": ["+1", "+47"]})

    approved = preview.approved_cells(result)

    by = {(i, f): c for i, f, c in approved[["Id", "field", "context"]].itertuples(index=False)}
    assert set(by) == {("0010", "BillingState"), ("0010", "Phone"), ("0011", "BillingCity"), ("0011", "Phone")}
    assert json.loads(by[("0010", "BillingState")]) == {"BillingCity": "Chicago", "BillingState": "Illinois"}
    assert json.loads(by[("0011", "BillingCity")]) == {"BillingCity": "Oslo", "BillingState": None}
    assert by[("0010", "Phone")] is None and by[("0011", "Phone")] is None
    subset = preview.approved_cells(result, fields=("BillingState",))
    assert subset["context"].tolist() == [by[("0010", "BillingState")]]


_VALUE = st.sampled_from([None, "", "[[unknown]]", "Chicago", "chicago", "München", "IL", "Illinois"])
_NAMES = ("BillingCity", "BillingState", "BillingCountry")


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(*[_VALUE] * 9), min_size=1, max_size=5))
def test_given_any_preview_and_any_change_when_decided_then_a_sent_part_joins_only_parts_the_source_confirms(
        rows: list) -> None:
    current = {n: [r[i] for r in rows] for i, n in enumerate(_NAMES)}
    proposed = {n: [r[i + 3] for r in rows] for i, n in enumerate(_NAMES)}
    result = _preview(current, proposed)
    approved = preview.approved_cells(result)
    if approved.empty:
        return  # nothing to fill: nothing to write
    plan = plan_cells(approved).assign(cell=range(len(approved)), maybe_sent=False)
    fresh = _fresh(*({"Id": rid, **{n: r[i + 6] for i, n in enumerate(_NAMES)}} for rid, r in
                     zip(result.records.index, rows, strict=True)))

    decision = recheck.decide(plan, fresh, SPECS)

    for rid in set(decision.send["record_id"]):
        i = int(np.flatnonzero(result.records.index == rid)[0])
        for n in _NAMES:
            now = fresh.at[rid, n]
            if not guard.is_blank(pd.Series([now], dtype=object), SPECS[n]).iloc[0]:
                assert guard.may_write(now, proposed[n][i], SPECS[n])[1] == "same", (rid, n, now)
    assert sorted(decision.send["cell"].tolist() + decision.final["cell"].tolist()) == list(plan["cell"])
