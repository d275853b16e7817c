"""The address rule end to end against localorg: an address is written as a whole or not at all, judged again on the
fresh read — a City typed between the preview and the apply holds back the rest of that address, and only it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from core import engine, preview
from tests.fixtures.writer import WRITER

BILLING = ("BillingStreet", "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry")
HELD = "address holds "


def _stored(org: Any, record_id: str) -> dict[str, Any]:
    row = org.org.store.get("Account", record_id)
    return {f: row[f] for f in BILLING}


def _whole_addresses(result: Any, count: int) -> list[str]:
    """Accounts whose five Billing cells are all to fill (a blank address the source knows)."""
    cells = result.cells[result.cells["field"].isin(BILLING)]
    fills = cells[cells["verdict"] == "fill"].groupby("Id", observed=True).size()
    return [str(i) for i in fills[fills == len(BILLING)].index[:count]]


def test_given_a_city_typed_between_preview_and_apply_when_applied_then_the_rest_of_that_address_is_held_back(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    blank = _whole_addresses(engine.preview("demo", "Account", base=base).preview, 3)
    typed, agreed, untouched = blank
    # `agreed` holds the source's own City before the preview: the preview fills its other four parts, and the
    # approved cells carry the source's City for the write-time check
    result = engine.preview("demo", "Account", base=base).preview
    source_city = str(result.cells[(result.cells["Id"] == agreed) & (result.cells["field"] == "BillingCity")]
                      ["proposed"].iloc[0])
    org.edit_as("admin@demo.test", "Account", agreed, {"BillingCity": source_city.upper()})
    engine.after_write("demo", "Account", actor=WRITER, base=base)  # the snapshot reads the record again
    result = engine.preview("demo", "Account", base=base).preview
    cells = preview.approved_cells(result, positions=None)
    cells = cells[cells["Id"].isin(blank) & cells["field"].isin(BILLING)].reset_index(drop=True)
    assert len(cells) == 5 + 4 + 5 and "BillingCity" not in set(cells.loc[cells["Id"] == agreed, "field"])
    # between the preview and the apply, people type a City into two of the addresses
    org.edit_as("admin@demo.test", "Account", typed, {"BillingCity": "München"})
    org.edit_as("admin@demo.test", "Account", agreed, {"BillingCity": "Toronto"})

    run = engine.apply("demo", "Account", cells, actor=WRITER, base=base)

    assert run.state == "done" and run.counts["written"] == 5 and run.counts["skipped_nonblank"] == 9
    assert _stored(org, typed) == {f: "München" if f == "BillingCity" else None for f in BILLING}
    assert _stored(org, agreed) == {f: "Toronto" if f == "BillingCity" else None for f in BILLING}
    planned = cells[cells["Id"] == untouched].set_index("field")["proposed"]
    assert _stored(org, untouched) == {f: planned[f] for f in BILLING}
    rows = engine.log_rows(base=base, run_id=run.id, outcome="skipped_nonblank")
    message = {(r, f): m for r, f, m in rows[["record_id", "field", "message"]].itertuples(index=False)}
    assert "never overwritten" in message[(typed, "BillingCity")]
    for field in BILLING[2:] + BILLING[:1]:
        assert message[(typed, field)] == "address holds BillingCity 'München': filled whole or not at all"
        assert message[(agreed, field)] == "address holds BillingCity 'Toronto': filled whole or not at all"


def test_given_the_demo_org_when_previewed_then_no_address_fill_sits_beside_a_part_the_source_contradicts(
        writer_org: tuple[Path, Any]) -> None:
    base, _org = writer_org
    cells = engine.preview("demo", "Account", base=base).preview.cells
    billing = cells[cells["field"].isin(BILLING)].astype({"verdict": str, "reason": str})
    held = billing["reason"].str.startswith(HELD)
    # a part holding a value the source does not confirm: keep for its own value, or no_data beside a value
    contradicting = ((billing["verdict"] == "keep") & ~held) | ((billing["verdict"] == "no_data") & billing["current"].notna()
                                                               & (billing["current"].str.strip() != ""))
    filling = billing.loc[billing["verdict"] == "fill", "Id"]
    assert len(filling) and not set(filling) & set(billing.loc[contradicting, "Id"])
    assert held.sum() and billing.loc[held, "verdict"].eq("keep").all()
    assert set(billing.loc[held, "Id"]) <= set(billing.loc[contradicting, "Id"])
