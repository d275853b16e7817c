"""What the org can count for us without a snapshot: how many records hold a value in each mapped field (one
aggregate query per object) and the org's record totals (/limits/recordCount, one call for every object)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from core import errors
from core.salesforce import OrgClient


@dataclass(frozen=True)
class FillCounts:
    """One `SELECT COUNT(Id), COUNT(F1), … FROM X` answer: records visible to the connected user, and per field the
    records holding a value (Salesforce stores an empty text as null, so COUNT(field) counts exactly the filled ones).

    Fields the user cannot read, or that Salesforce cannot aggregate (long text areas), are listed in `skipped`."""

    sobject: str
    visible: int
    filled: dict[str, int]
    skipped: dict[str, str] = field(default_factory=dict)
    counted_at: float = 0.0

    def frame(self) -> pd.DataFrame:
        """Per field: filled, blank and the share filled (0 where no record is visible), in mapping order."""
        filled = pd.Series(self.filled, dtype="int64")
        share = filled / self.visible if self.visible else filled * 0.0
        return pd.DataFrame({"field": filled.index.astype(str), "filled": filled.to_numpy(),
                             "blank": self.visible - filled.to_numpy(), "fill rate": share.to_numpy()})


QUERIES_PER_CALL = 5
"""Queries Salesforce runs in one /composite call: the aggregate query and up to 4 `COUNT() … WHERE field != null`."""


def countable(describe_payload: dict, fields: tuple[str, ...]) -> tuple[list[str], list[str], dict[str, str]]:
    """The mapped fields one aggregate query can count, those only a `WHERE field != null` count can (text areas
    of up to 255 characters such as Street: filterable, not aggregatable), and why each other one is left out."""
    known = {f["name"]: f for f in describe_payload.get("fields") or []}
    aggregated: list[str] = []
    filtered: list[str] = []
    skipped: dict[str, str] = {}
    for name in dict.fromkeys(fields):
        meta = known.get(name)
        if meta is None:
            skipped[name] = "not visible to the connected user (or not in this org)"
        elif meta.get("aggregatable") is not False:
            aggregated.append(name)
        elif meta.get("filterable") and len(filtered) < QUERIES_PER_CALL - 1:
            filtered.append(name)
        elif meta.get("filterable"):
            skipped[name] = "left out to keep the count to one API call (a text area counted only by a filter)"
        else:
            skipped[name] = f"a {meta.get('type', 'long text')} field, which Salesforce can neither count nor filter"
    return aggregated, filtered, skipped


def fill_query(sobject: str, fields: list[str]) -> str:
    """`SELECT COUNT(Id), COUNT(Industry), … FROM Lead`: one AggregateResult row, columns expr0, expr1, …"""
    return f"SELECT {', '.join(f'COUNT({name})' for name in ['Id', *fields])} FROM {sobject}"


def count_fills(client: OrgClient, sobject: str, describe_payload: dict, fields: tuple[str, ...]) -> FillCounts:
    """Count every mapped field in one API call: the aggregate query alone, or — when some fields can only be
    counted by a filter — the aggregate query and one `SELECT COUNT() … WHERE field != null` each, in one
    /composite request. A failing subrequest fails the whole count with Salesforce's message."""
    aggregated, filtered, skipped = countable(describe_payload, fields)
    if filtered:
        subrequests = [client.sub_query("fill", fill_query(sobject, aggregated)),
                       *(client.sub_query(f"n{i}", f"SELECT COUNT() FROM {sobject} WHERE {name} != null")
                         for i, name in enumerate(filtered))]
        answers = client.composite(subrequests)
        for status, body in answers.values():
            if status != 200:
                said = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
                raise errors.classify(said, status=status)
        row = (answers["fill"][1].get("records") or [{}])[0]
        by_filter = {name: int(answers[f"n{i}"][1].get("totalSize") or 0) for i, name in enumerate(filtered)}
    else:
        row = (client.query(fill_query(sobject, aggregated)).get("records") or [{}])[0]
        by_filter = {}
    by_aggregate = {name: int(row.get(f"expr{i}") or 0) for i, name in enumerate(aggregated, start=1)}
    filled = {name: (by_aggregate | by_filter)[name] for name in dict.fromkeys(fields) if name not in skipped}
    return FillCounts(sobject, int(row.get("expr0") or 0), filled, skipped, time.time())


def record_totals(client: OrgClient, sobjects: tuple[str, ...]) -> dict[str, int]:
    """The org's records per object from /limits/recordCount (all records, whatever the sharing; needs View Setup
    and Configuration). An object the org reports no figure for is 0: recordCount leaves out empty objects."""
    counts = client.record_counts(list(sobjects))
    return {sobject: counts.get(sobject, 0) for sobject in sobjects}
