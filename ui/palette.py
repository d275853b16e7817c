"""One vocabulary and one set of colours for verdicts, outcomes and match results on every page and chart."""
from __future__ import annotations

# code -> (short human label, colour, what it means). The code itself is shown in tooltips and exports.
VERDICTS: dict[str, tuple[str, str, str]] = {
    "fill": ("Fill", "#2e7d32", "blank now: the enrichment value would be written"),
    "keep": ("Keep", "#1565c0", "holds a value: never overwritten"),
    "same": ("Same", "#78909c", "already holds this value"),
    "no_data": ("No data", "#bdbdbd", "the source has no value for it"),
    "invalid": ("Invalid", "#ef6c00", "the value does not fit the field"),
    "no_access": ("No access", "#c62828", "the connected user cannot edit the field"),
}
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "written": ("Written", "#2e7d32", "written into a blank field"),
    "skipped_nonblank": ("Skipped: filled since", "#1565c0", "someone filled it after the preview; left alone"),
    "skipped_invalid": ("Skipped: invalid", "#ef6c00", "the value does not fit the field"),
    "skipped_no_access": ("Skipped: no access", "#c62828", "the user cannot edit the field"),
    "failed": ("Failed", "#6a1b9a", "Salesforce refused it; its code and message are kept"),
    "pending": ("Pending", "#9e9e9e", "sent or about to be; settled by Resume"),
}
MATCHES: dict[str, tuple[str, str, str]] = {
    "matched": ("Matched", "#2e7d32", "the source had data for the record's key"),
    "no_data": ("No data", "#bdbdbd", "a key, but the source knows nothing for it"),
    "free_mail": ("Free mail", "#ef6c00", "the email is at a free-mail domain, not a company"),
    "invalid_key": ("Invalid key", "#c62828", "the Website or Email is not a usable key"),
    "no_key": ("No key", "#757575", "neither Website nor Email is filled"),
}

# provenance of a field's current value (issue 14): did the console write what the field holds now?
PROVENANCE: dict[str, tuple[str, str, str]] = {
    "console": ("Written by the console", "#2e7d32", "the field holds the value the console wrote"),
    "changed": ("Changed since", "#1565c0", "the console wrote a value; someone has changed it since"),
    "cleared": ("Cleared since", "#ef6c00", "the console wrote a value; the field is blank now"),
    "not_console": ("Not by the console", "#78909c", "the console never wrote this field of this record"),
    "not_read": ("Not readable", "#bdbdbd", "the field could not be read now"),
}


def label(table: dict[str, tuple[str, str, str]], code: str) -> str:
    """The short label of a code (the code itself when unknown)."""
    return table.get(code, (code,))[0]


def scale(table: dict[str, tuple[str, str, str]]) -> tuple[list[str], list[str]]:
    """(domain, range) for an altair colour scale over the codes, in the table's order."""
    return list(table), [colour for _, colour, _ in table.values()]
