"""AppTest of the Preview page and the address rule: a blank part held back by its address reads 'Keep' with the
reason naming the part and the value that holds it back, in the table and in the record's drill-down."""
from __future__ import annotations

from typing import Any

from core import engine
from tests.app.test_preview_page import OPERATOR, _open

HELD = "address holds "


def test_given_accounts_with_part_of_an_address_when_kept_cells_are_listed_then_the_reason_names_the_part(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = _open(console, object="Account", verdict="keep", field="BillingState")
    table = at.dataframe[0].value
    held = table[table["reason"].str.startswith(HELD)]
    assert len(held) > 0 and set(held["verdict"]) == {"Keep"}
    assert held["current"].fillna("").str.strip().eq("").all()  # blank, yet kept: its address holds other values
    record_id = str(held["Id"].iloc[0])
    cells = engine.preview("demo", "Account").preview.cells
    mine = cells[cells["Id"] == record_id].set_index(cells.loc[cells["Id"] == record_id, "field"].astype(str))
    named = held["reason"].iloc[0][len(HELD):].split(" ", 1)[0]
    assert held["reason"].iloc[0] == f"{HELD}{named} '{mine.at[named, 'current']}': filled whole or not at all"

    drill = _open(console, object="Account", record=record_id)
    fields = next(d.value for d in drill.dataframe
                  if {"field", "reason"} <= set(d.value.columns) and "Id" not in d.value.columns).set_index("field")
    assert fields.at["BillingState", "reason"] == held["reason"].iloc[0]
