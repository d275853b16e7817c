"""The address rule: the parts of one compound address are filled as a whole, or not at all.

The blank-only guard judges each cell alone, so on its own it would write City, State and Country into the
blank parts of an address whose City already says "München" — an address that exists nowhere. Enrichment
vendors (ZoomInfo, Apollo, Clearbit's "address field sets") treat an address as one group, and so does the
console: a blank part of an address is filled only when every mapped part the record already holds agrees
with the enrichment (the guard's `same`). A blank address gets the whole address; an address that holds a
value the source does not confirm gets nothing, each held-back cell `keep` with a reason naming the part and
the value that stopped it.

Groups come from describe's `compoundFieldName` (Lead `Address`, Account `BillingAddress` and
`ShippingAddress`, Contact `MailingAddress` and `OtherAddress`, custom address fields), or, for a FieldSpec
without one, from the standard names. The parts that are judged are Street, City, State, StateCode,
PostalCode, Country and CountryCode; the geocode fields (Latitude, Longitude, GeocodeAccuracy) describe the
address rather than being part of it, so they are held back with it but never hold it back.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.fields import FieldSpec
from core.sync.guard import FILL, SAME
from core.sync.guard_cells import take_sorted
from core.sync.guard_values import AnyArray

PARTS: tuple[str, ...] = ("City", "State", "StateCode", "PostalCode", "Country", "CountryCode", "Street")
"""The judged parts, in the order a reason names them: the one a person recognises first."""
FOLLOWERS: tuple[str, ...] = ("Latitude", "Longitude", "GeocodeAccuracy")
_SUFFIXES = sorted(PARTS + FOLLOWERS, key=len, reverse=True)  # StateCode is tried before State
_STANDARD = re.compile(r"^(Billing|Shipping|Mailing|Other|)(" + "|".join(_SUFFIXES) + r")$")
REASON = "part of an address that already holds other values ({field} {value})"
_VALUE_CHARS = 40


@dataclass(frozen=True)
class Group:
    """One compound address as mapped: its judged parts (in PARTS order) and its geocode followers."""

    name: str
    parts: tuple[str, ...]
    followers: tuple[str, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        """Every field the rule may hold back: the parts, then the followers."""
        return self.parts + self.followers


def component(name: str) -> str | None:
    """Which address component a field name is (City, StateCode, Latitude…), or None. Custom address
    components end in `__s` (Addr__City__s)."""
    base = name[:-3] if name.endswith("__s") else name
    return next((s for s in _SUFFIXES if base.endswith(s)), None)


def group_name(name: str, spec: FieldSpec | None) -> str | None:
    """The compound address a field belongs to: describe's compoundFieldName, else the standard name pattern
    (BillingCity → BillingAddress, City → Address); None for a field outside any address."""
    if spec is not None and spec.compound:
        return spec.compound if component(name) is not None else None  # FirstName's compound is Name
    match = _STANDARD.match(name)
    return f"{match.group(1)}Address" if match else None


def groups(fields: Iterable[str], specs: Mapping[str, FieldSpec]) -> list[Group]:
    """The address groups among `fields` (each field once, in PARTS order within a group); a group with no
    judged part (a geolocation field's latitude and longitude) is not an address and is left out."""
    found: dict[str, list[str]] = {}
    for name in dict.fromkeys(fields):
        compound = group_name(name, specs.get(name))
        if compound is not None:
            found.setdefault(compound, []).append(name)
    out = []
    for compound, names in found.items():
        parts = sorted((n for n in names if component(n) in PARTS), key=lambda n: PARTS.index(component(n) or ""))
        followers = tuple(n for n in names if component(n) in FOLLOWERS)
        if parts:
            out.append(Group(compound, tuple(parts), followers))
    return out


def short(value: str) -> str:
    """A held value as a reason quotes it: white space runs as one space, at most 40 characters."""
    flat = " ".join(str(value).split())
    return repr(flat if len(flat) <= _VALUE_CHARS else flat[:_VALUE_CHARS - 1] + "…")


def reason(field: str, value: str) -> str:
    """The reason a held-back cell gives: the part that holds a value the enrichment does not confirm."""
    return REASON.format(field=field, value=short(value))


def hold_back(group: Group, index: Mapping[str, int], verdict: np.ndarray, n: int, held: Mapping[str, np.ndarray],
              text: Mapping[str, AnyArray]) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]]:
    """The rule on the diff's arrays, for one group: which `fill` cells it holds back, and why.

    verdict: the diff's verdict codes, field-major (field i's n records at i*n…); held: per part, the records
    whose current value is not blank; text: per part, the current values as text. A record is blocked when a
    mapped part holds a value whose verdict is not `same` (the enrichment differs from it, or has none).
    Returns ({member: (record positions held back, their codes into labels)}, labels), one label per distinct
    (part named, value): the first disagreeing part in PARTS order names the reason.
    """
    blocked = np.zeros(n, dtype=bool)
    named = np.full(n, -1, dtype=np.int8)
    parts = [p for p in group.parts if p in index]
    for j in range(len(parts) - 1, -1, -1):  # backwards: the part named first is written last
        i = index[parts[j]]
        disagrees = held[parts[j]] & (verdict[i * n:(i + 1) * n] != SAME)
        blocked |= disagrees
        named[disagrees] = j
    if not blocked.any():
        return {}, []
    held_back = {m: np.flatnonzero(blocked & (verdict[index[m] * n:(index[m] + 1) * n] == FILL))
                 for m in group.members if m in index}
    held_back = {m: rows for m, rows in held_back.items() if len(rows)}
    rows_held = np.zeros(n, dtype=bool)
    for rows in held_back.values():
        rows_held[rows] = True
    code = np.zeros(n, dtype=np.int32)
    labels: list[str] = []
    for j, part in enumerate(parts):
        rows = np.flatnonzero(rows_held & (named == j))
        if not len(rows):
            continue
        encoded = pc.dictionary_encode(take_sorted(text[part], rows))
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        code[rows] = len(labels) + np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int32)
        labels += [reason(part, v) for v in encoded.dictionary.to_pylist()]
    return {m: (rows, code[rows]) for m, rows in held_back.items()}, labels


def members_of(fields: Sequence[str], specs: Mapping[str, FieldSpec]) -> dict[str, Group]:
    """Each field of an address group → its group."""
    return {m: g for g in groups(fields, specs) for m in g.members}
