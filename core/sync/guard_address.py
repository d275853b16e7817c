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

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.fields import FieldSpec
from core.sync import guard
from core.sync.guard import FILL, SAME
from core.sync.guard_cells import take_sorted
from core.sync.guard_values import AnyArray, text, to_arrow

PARTS: tuple[str, ...] = ("City", "State", "StateCode", "PostalCode", "Country", "CountryCode", "Street")
"""The judged parts, in the order a reason names them: the one a person recognises first."""
FOLLOWERS: tuple[str, ...] = ("Latitude", "Longitude", "GeocodeAccuracy")
_SUFFIXES = sorted(PARTS + FOLLOWERS, key=len, reverse=True)  # StateCode is tried before State
_STANDARD = re.compile(r"^(Billing|Shipping|Mailing|Other|)(" + "|".join(_SUFFIXES) + r")$")
REASON_HEAD, REASON_TAIL = "address holds", ": filled whole or not at all"
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


def reasons(field: str, values: AnyArray) -> list[str]:
    """The reason a held-back cell gives, for each value the part `field` holds: the value in quotes, its runs
    of white space as one space, cut to 40 characters. Vectorised: a street per record costs no Python loop."""
    flat = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.cast(values, pa.large_string()), r"\s+", " "))
    def lit(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())
    long = pc.greater(pc.utf8_length(flat), _VALUE_CHARS)
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(flat, 0, _VALUE_CHARS - 1), lit("…"), lit(""))
    quoted = pc.binary_join_element_wise(lit(f"{REASON_HEAD} {field} '"), pc.if_else(long, cut, flat), lit(f"'{REASON_TAIL}"),
                                         lit(""))
    return quoted.to_pylist()


def reason(field: str, value: str) -> str:
    """The reason a held-back cell gives: the part that holds a value the enrichment does not confirm."""
    return reasons(field, pa.array([str(value)]))[0]


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
        labels += reasons(part, encoded.dictionary)
    return {m: (rows, code[rows]) for m, rows in held_back.items()}, labels


def members_of(fields: Sequence[str], specs: Mapping[str, FieldSpec]) -> dict[str, Group]:
    """Each field of an address group → its group."""
    return {m: g for g in groups(fields, specs) for m in g.members}


# -- at write time: the same rule on the fresh read (core.sync.recheck) -------------------------------------------

def _contexts(cells: pd.DataFrame) -> dict[str, dict[str, str | None]]:
    """Each distinct `context` of the planned cells, parsed once (a JSON object: part → the enrichment's value)."""
    if "context" not in cells.columns:
        return {}
    found = {}
    for raw in cells["context"].dropna().unique():
        try:
            parsed = json.loads(str(raw))
        except ValueError:
            continue
        if isinstance(parsed, dict):
            found[str(raw)] = {str(k): None if v is None else str(v) for k, v in parsed.items()}
    return found


def context_fields(cells: pd.DataFrame) -> list[str]:
    """The address parts the planned cells' contexts name: the fresh read must read them too, though they are
    not being written, or a value typed into one since the preview could not hold its address back."""
    return list(dict.fromkeys(part for parsed in _contexts(cells).values() for part in parsed))


def write_holds(cells: pd.DataFrame, fresh: pd.DataFrame, specs: Mapping[str, FieldSpec],
                placeholders: Sequence[str]) -> pd.Series:
    """Per planned cell (cells: `record_id`, `field`, `proposed`, optional `context`): the reason the address
    rule holds it back on the fresh read, or None.

    The enrichment's value of each judged part is the cell's own proposed value where the part is planned, else
    the one its context carries (the preview's proposed value for every mapped part of the address). A part
    that holds a value now and is not `same` as that value — or has no such value — holds back every planned
    member of its address in that record. Without a context (a plan made by hand, a run from before) only the
    planned parts are judged. A part the fresh read did not return, or a record it did not find, is not judged
    here (the cells themselves end skipped_no_access or failed).
    """
    out = pd.Series(None, index=cells.index, dtype=object)
    parsed = _contexts(cells)
    fields = cells["field"].astype(str)
    member_of = members_of([*dict.fromkeys(fields), *context_fields(cells)], specs)
    if not member_of:
        return out
    parts = {m for m, g in member_of.items() if m in g.parts}
    rows = [cells.loc[fields.isin(parts).to_numpy(), ["record_id", "field", "proposed"]].astype(object)]
    if parsed:
        ctx = cells.loc[cells["context"].isin(list(parsed)), ["record_id", "context"]].drop_duplicates()
        rows += [pd.DataFrame([(rid, part, value) for rid, raw in zip(ctx["record_id"], ctx["context"], strict=True)
                               for part, value in parsed[str(raw)].items() if part in parts],
                              columns=["record_id", "field", "proposed"], dtype=object)]
    ref = pd.concat(rows, ignore_index=True).drop_duplicates(["record_id", "field"], keep="first")
    ref = ref[ref["record_id"].isin(fresh.index)]
    stops: dict[tuple[str, str], tuple[int, str, str]] = {}
    for part, want in ref.groupby("field", sort=False):
        spec = specs.get(str(part))
        if spec is None or part not in fresh.columns:
            continue
        now = pd.Series(fresh[part].reindex(want["record_id"]).to_numpy(dtype=object), dtype=object)
        enriched = pd.Series(want["proposed"].to_numpy(dtype=object), dtype=object)
        verdict = guard.verdicts(now, enriched, spec, placeholders)["verdict"].astype(str).to_numpy()
        bad = ~guard.is_blank(now, spec, placeholders).to_numpy() & (verdict != "same")
        group, rank = member_of[str(part)].name, PARTS.index(component(str(part)) or "")
        shown = text(to_arrow(now[bad])).to_pylist() if bad.any() else []
        for rid, value in zip(want["record_id"].to_numpy()[bad], shown, strict=True):
            key = (str(rid), group)
            if key not in stops or rank < stops[key][0]:
                stops[key] = (rank, str(part), str(value))
    if stops:
        keys = zip(cells["record_id"].astype(str), (member_of[f].name if f in member_of else "" for f in fields),
                   strict=True)
        out[:] = [reason(*stops[k][1:]) if k in stops else None for k in keys]
    return out
