"""localorg.data.ids: Salesforce's 15 -> 18 character case-safe Id checksum and key prefixes."""
from __future__ import annotations

import pytest

from localorg.data import ids


@pytest.mark.parametrize(("id15", "id18"), [
    ("0015000000Gv7qJ", "0015000000Gv7qJAAR"),   # published example: G and J upper in the last chunk
    ("001A0000006Vm9r", "001A0000006Vm9rIAC"),   # published example: A in chunk 1, V in chunk 3
    ("001000000000001", "001000000000001AAA"),   # no upper-case letters at all
    ("ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"),   # every position upper-case -> 31 -> '5'
])
def test_given_15_char_id_when_converted_then_documented_suffix(id15: str, id18: str) -> None:
    assert ids.to18(id15) == id18


def test_given_18_char_id_in_wrong_case_when_normalized_then_case_restored_from_suffix() -> None:
    assert ids.normalize("0015000000GV7QJAAR") == "0015000000Gv7qJAAR"
    assert ids.normalize("0015000000gv7qjaar") == "0015000000Gv7qJAAR"


@pytest.mark.parametrize("bad", ["", "001", "0015000000Gv7qJAA", "0015000000Gv7qJ!!!", "0015000000Gv7q-", None, 42])
def test_given_malformed_id_when_normalized_then_none(bad: object) -> None:
    assert ids.normalize(bad) is None


def test_given_counter_when_made_then_unique_prefixed_18_char_ids_that_round_trip() -> None:
    made = [ids.make("00Q", n) for n in range(1, 2001)]
    assert len(set(made)) == 2000
    assert all(len(i) == 18 and i.startswith("00Q") for i in made)
    assert all(ids.to18(i[:15]) == i for i in made)
    assert any(c.isupper() for i in made for c in i[5:15])  # mixed case, so the checksum matters


def test_given_standard_objects_when_prefixes_read_then_real_key_prefixes() -> None:
    assert {k: ids.KEY_PREFIXES[k] for k in ("Lead", "Contact", "Account", "Opportunity", "User", "Organization")} == {
        "Lead": "00Q", "Contact": "003", "Account": "001", "Opportunity": "006", "User": "005", "Organization": "00D"}
