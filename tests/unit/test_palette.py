"""Every code core can hand a page has a label, a colour and a meaning in ui/palette.py (else the raw code shows)."""
from __future__ import annotations

from core import engine
from ui import palette


def test_given_every_provenance_status_core_can_return_when_labelled_then_each_has_its_own_term() -> None:
    assert set(palette.PROVENANCE) == set(engine.PROVENANCE_STATUSES)
    assert len({term.label for term in palette.PROVENANCE.values()}) == len(palette.PROVENANCE)
    assert palette.label(palette.PROVENANCE, "undone") == "Undone"


def test_given_a_table_with_missing_text_when_prepared_then_blank_cells_and_numbers_untouched() -> None:
    import pandas as pd

    from ui.text import blanks_empty

    frame = pd.DataFrame({"current": pd.array(["Acme", None], dtype="string"), "note": ["x", None],
                          "n": pd.array([1, None], dtype="Int64")})
    shown = blanks_empty(frame)
    assert shown["current"].tolist() == ["Acme", ""] and shown["note"].tolist() == ["x", ""]
    assert shown["n"].isna().tolist() == [False, True] and frame["note"].isna().any()  # the input is not changed
