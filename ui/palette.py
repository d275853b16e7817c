"""One vocabulary and one set of colours for verdicts, outcomes and match results on every page and chart."""
from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    """A code's short human label, its colour and what it means (the code itself is shown in tooltips and exports)."""

    label: str
    colour: str
    meaning: str


# The one set of colours: the same colour says the same kind of thing in every table.
GREEN, BLUE, ORANGE, RED, PURPLE = "#2e7d32", "#1565c0", "#ef6c00", "#c62828", "#6a1b9a"
BLUE_GREY, LIGHT_GREY, GREY, DARK_GREY = "#78909c", "#bdbdbd", "#9e9e9e", "#757575"

VERDICTS: dict[str, Term] = {
    "fill": Term("Fill", GREEN, "blank now: the enrichment value would be written"),
    "keep": Term("Keep", BLUE, "holds a value, or its address holds one the source does not confirm: never overwritten"),
    "same": Term("Same", BLUE_GREY, "already holds this value"),
    "no_data": Term("No data", LIGHT_GREY, "the source has no value for it"),
    "invalid": Term("Invalid", ORANGE, "the value does not fit the field"),
    "no_access": Term("No access", RED, "the connected user cannot edit the field"),
}
OUTCOMES: dict[str, Term] = {
    "written": Term("Written", GREEN, "written into a blank field"),
    # not stored: an undo run's `written` rows (trigger undo) set the field back to blank; the colour of provenance's
    # "Undone", so an undo reads the same on Logs, Overview and the drill-down
    "undone": Term("Cleared by undo", BLUE_GREY, "an undo run set the value a run wrote back to blank"),
    "skipped_nonblank": Term("Skipped: filled since", BLUE, "someone filled it (or its address) after the preview; left alone"),
    "skipped_invalid": Term("Skipped: invalid", ORANGE, "the value does not fit the field"),
    "skipped_no_access": Term("Skipped: no access", RED, "the user cannot edit the field"),
    "failed": Term("Failed", PURPLE, "Salesforce refused it; its code and message are kept"),
    "pending": Term("Pending", GREY, "sent or about to be; settled by Resume"),
}
MATCHES: dict[str, Term] = {
    "matched": Term("Matched", GREEN, "the source had data for the record's key"),
    "no_data": Term("No data", LIGHT_GREY, "a key, but the source knows nothing for it"),
    "free_mail": Term("Free mail", ORANGE, "the email is at a free-mail domain, not a company"),
    "invalid_key": Term("Invalid key", RED, "the Website or Email is not a usable key"),
    "no_key": Term("No key", DARK_GREY, "neither Website nor Email is filled"),
}
# provenance of a field's current value (issue 14): did the console write what the field holds now?
PROVENANCE: dict[str, Term] = {
    "console": Term("Written by the console", GREEN, "the field holds the value the console wrote"),
    "changed": Term("Changed since", BLUE, "the console wrote a value; someone has changed it since"),
    "cleared": Term("Cleared since", ORANGE, "the console wrote a value; the field is blank now"),
    "undone": Term("Undone", BLUE_GREY, "the console wrote a value, then an undo run cleared it"),
    "not_console": Term("Not by the console", BLUE_GREY, "the console never wrote this field of this record"),
    "not_read": Term("Not readable", LIGHT_GREY, "the field could not be read now"),
}


def label(table: dict[str, Term], code: str) -> str:
    """The short label of a code (the code itself when unknown)."""
    term = table.get(code)
    return term.label if term else code


def scale(table: dict[str, Term]) -> tuple[list[str], list[str]]:
    """(domain, range) for an altair colour scale over the codes, in the table's order."""
    return list(table), [term.colour for term in table.values()]


def legend(table: dict[str, Term]) -> str:
    """Every label and what it means, for a column's help text."""
    return "; ".join(f"{term.label}: {term.meaning}" for term in table.values())
