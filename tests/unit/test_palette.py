"""Every code core can hand a page has a label, a colour and a meaning in ui/palette.py (else the raw code shows)."""
from __future__ import annotations

from core import engine
from ui import palette


def test_given_every_provenance_status_core_can_return_when_labelled_then_each_has_its_own_term() -> None:
    assert set(palette.PROVENANCE) == set(engine.PROVENANCE_STATUSES)
    assert len({term.label for term in palette.PROVENANCE.values()}) == len(palette.PROVENANCE)
    assert palette.label(palette.PROVENANCE, "undone") == "Undone"
