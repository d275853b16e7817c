"""The four sync triggers enrichment vendors document, as a pure selection of record Ids.

No Salesforce call and no database here: the caller passes the snapshot's records (index Id, with
CreatedDate and the key fields Website / Email where the object has them) and what the log says —
when the last run was, the key values recorded at the last run, and when the console last wrote each
record — and gets back the Ids a sync with that trigger covers.

- new:      created since the last run (every record when there was none), with a key present;
- changed:  Website or Email differs from the value recorded at the last run (records never recorded are
            new, not changed);
- backfill: every existing record;
- refresh:  records the console last wrote more than `refresh_days` (30) days ago;
- scheduled (what `python -m core schedule` applies each round): new, changed and refresh together.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

TRIGGERS: tuple[str, ...] = ("new", "changed", "backfill", "refresh")
SCHEDULED = "scheduled"
ALL_TRIGGERS: tuple[str, ...] = (*TRIGGERS, SCHEDULED)
KEY_COLUMNS: tuple[str, ...] = ("Website", "Email")
REFRESH_DAYS = 30


@dataclass(frozen=True)
class History:
    """What the log says about earlier runs of one connection and object.

    since: when the last run that covered new records saw the org (None: never);
    keys: the key values recorded at the last run (index record Id, columns Website / Email), None when none were;
    last_written: per record Id, when the console last wrote one of its fields (UTC ISO text or datetime).
    """

    since: datetime | None = None
    keys: pd.DataFrame | None = None
    last_written: pd.Series | None = None


def _normal(values: pd.Series) -> np.ndarray:
    """Key text compared case- and space-insensitively, "" for blank."""
    text = values.astype("string").str.strip().str.lower().fillna("")
    return text.to_numpy(dtype=object)


def key_values(records: pd.DataFrame) -> pd.DataFrame:
    """The key columns of the records (those the object has), normalised: what a run records for `changed`."""
    present = [c for c in KEY_COLUMNS if c in records.columns]
    return pd.DataFrame({c: _normal(records[c]) for c in present}, index=records.index)


def has_key(records: pd.DataFrame) -> np.ndarray:
    """Per record: a Website or an Email that is not blank."""
    keys = key_values(records)
    if keys.empty and not len(keys.columns):
        return np.zeros(len(records), dtype=bool)
    return (keys != "").any(axis=1).to_numpy(dtype=bool).copy()


def _stamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")


def _utc(moment: datetime) -> pd.Timestamp:
    """A moment as a UTC timestamp (a naive one is taken as UTC)."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")


def new(records: pd.DataFrame, since: datetime | None) -> pd.Index:
    """Records created after `since` (all of them when None) that have a key."""
    keep = has_key(records)
    if since is not None:
        created = _stamps(records["CreatedDate"]) if "CreatedDate" in records.columns else None
        if created is None:
            return records.index[:0]
        keep &= (created > _utc(since)).fillna(False).to_numpy(dtype=bool)
    return records.index[keep]


def changed(records: pd.DataFrame, recorded: pd.DataFrame | None) -> pd.Index:
    """Records whose Website or Email is not what was recorded at the last run (recorded ones only)."""
    if recorded is None or recorded.empty:
        return records.index[:0]
    now = key_values(records)
    known = now.index.isin(recorded.index)
    before = recorded.reindex(now.index[known])
    differs = np.zeros(int(known.sum()), dtype=bool)
    for column in now.columns:
        old = (_normal(before[column]) if column in before.columns
               else np.full(len(before), "", dtype=object))
        differs |= now.loc[known, column].to_numpy(dtype=object) != old
    return now.index[known][differs]


def backfill(records: pd.DataFrame) -> pd.Index:
    """Every record."""
    return records.index


def refresh(records: pd.DataFrame, last_written: pd.Series | None, now: datetime,
            days: int = REFRESH_DAYS) -> pd.Index:
    """Records the console last wrote more than `days` days before `now` (never-written records are not in it)."""
    if last_written is None or last_written.empty:
        return records.index[:0]
    stale = _stamps(last_written) < _utc(now) - timedelta(days=days)
    old = last_written.index[stale.fillna(False).to_numpy(dtype=bool)]
    return records.index[records.index.isin(old)]


def select(trigger: str, records: pd.DataFrame, history: History, now: datetime) -> pd.Index:
    """The record Ids a sync with `trigger` covers, in the records' order."""
    if trigger == "new":
        return new(records, history.since)
    if trigger == "changed":
        return changed(records, history.keys)
    if trigger == "backfill":
        return backfill(records)
    if trigger == "refresh":
        return refresh(records, history.last_written, now)
    if trigger == SCHEDULED:
        chosen = (new(records, history.since).union(changed(records, history.keys), sort=False)
                  .union(refresh(records, history.last_written, now), sort=False))
        return records.index[records.index.isin(chosen)]
    raise ValueError(f"unknown trigger {trigger!r}")
