"""Record -> lookup key: a website or email reduced to its registrable domain, or a reason why not."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.enrich.domains import (
    FREE_MAIL,
    free_mail_many,
    is_free_mail,
    normalise,
    normalise_domain,
    normalise_email,
    normalise_many,
)

__all__ = ["FREE_MAIL", "PROBLEMS", "STRING", "distinct", "email_keys", "emails_coded", "is_free_mail", "match_keys", "matched",
           "normalise_domain", "normalise_email", "normalise_many"]

STRING = pd.StringDtype("pyarrow")

PROBLEMS = ("free_mail", "invalid_email", "invalid_website", "no_key")
_SOURCES = {"Account": ("website",), "Contact": ("email",), "Lead": ("email", "website")}
_FIELDS = {"website": "Website", "email": "Email"}


def _column(records: pd.DataFrame, field: str) -> pd.Series:
    """The field's values as strings (all <NA> when the field was not pulled)."""
    if field in records.columns:
        return records[field].astype(STRING)
    return pd.Series(pd.NA, index=records.index, dtype=STRING)


def distinct(values: pd.Series) -> tuple[pa.Array, pa.Array]:
    """(codes, distinct values) of a text column, hashed once in Arrow: each value's position among the distinct
    ones, in first-seen order (<NA> gets the position just past the last)."""
    arrow = pa.array(values.array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    encoded = arrow.cast(pa.large_string()).dictionary_encode()
    uniques = encoded.dictionary
    return pc.fill_null(encoded.indices, len(uniques)), uniques


def _text(value: str | None) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _series(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(values, dtype=STRING), index=index, copy=False)


def _resolve(values: pd.Series, source: str) -> tuple[pd.DataFrame, pa.Array, pa.Array]:
    """Normalise a column by its distinct values once, decide key, its source, problem and detail there, then
    take them per record. Returns (that frame, each record's code, the key per code)."""
    codes, uniques = distinct(values)
    _, domain, text = normalise(uniques, source)
    field = _FIELDS[source]
    free = free_mail_many(domain)
    blank = pc.fill_null(pc.equal(text, "blank"), False)
    invalid = pc.and_(pc.is_null(domain), pc.invert(blank))
    null = _text(None)
    key = pc.if_else(free, null, domain)
    problem = pc.if_else(blank, _text("no_key"), pc.if_else(free, _text("free_mail"),
                                                            pc.if_else(invalid, _text(f"invalid_{source}"), null)))
    detail = pc.if_else(blank, _text(f"{field} is blank"), pc.if_else(
        free, pc.binary_join_element_wise(domain, _text(" is a free-mail domain: not used for company data"), _text("")),
        pc.if_else(invalid, pc.binary_join_element_wise(_text(f"{field}: "), text, _text("")), null)))
    # The last position stands for <NA>: no key, and the field is blank.
    source_of = pc.if_else(pc.is_valid(key), _text(source), null)
    columns = {name: pa.concat_arrays([c.cast(pa.large_string()), pa.array([last], pa.large_string())])
               for name, c, last in (("key", key, None), ("key_source", source_of, None),
                                     ("problem", problem, "no_key"), ("detail", detail, f"{field} is blank"))}
    frame = pd.DataFrame({name: _series(column.take(codes), values.index) for name, column in columns.items()})
    return frame, codes, columns["key"]


def key_fields(sobject: str) -> tuple[str, ...]:
    """The Salesforce fields match_keys reads for an object, in the order it tries them (the sync must read them)."""
    return tuple(_FIELDS[source] for source in _SOURCES.get(sobject, ()))


def match_keys(records: pd.DataFrame, sobject: str) -> pd.DataFrame:
    """Derive each record's lookup key: Account by Website, Contact by Email domain, Lead by Email then Website.

    Returns a frame on records.index with "key" (registrable domain or <NA>), "key_source"
    ("website" | "email" | <NA>), "problem" (<NA> when keyed; else "free_mail", "invalid_email",
    "invalid_website" or "no_key") and "detail" (a sentence for the preview page). A Lead whose email is
    free-mail, invalid or blank falls back to its Website; when neither gives a key, the email's problem
    is reported (the website's when the email is blank), with both reasons in the detail.
    """
    return matched(records, sobject)[0]


def matched(records: pd.DataFrame, sobject: str) -> tuple[pd.DataFrame, pa.Array, pa.Array]:
    """match_keys, plus the distinct keys (in the order records first use them) and each record's position
    among them (<NA>: one past the last), for one lookup per key without hashing every record's key again."""
    if sobject not in _SOURCES:
        raise ValueError(f"no matching rule for {sobject!r}; expected one of {sorted(_SOURCES)}")
    primary, *fallbacks = _SOURCES[sobject]
    out, codes, keys = _resolve(_column(records, _FIELDS[primary]), primary)
    if not fallbacks:  # each distinct value's key, numbered: distinct values come in first-use order
        numbered = keys.dictionary_encode()
        return out, pc.fill_null(numbered.indices, len(numbered.dictionary)).take(codes), numbered.dictionary
    for source in fallbacks:
        other = _resolve(_column(records, _FIELDS[source]), source)[0]
        open_ = out["key"].isna()
        take = open_ & other["key"].notna()
        out["key"] = out["key"].mask(take, other["key"])
        out["key_source"] = out["key_source"].mask(take, source)
        # The primary field's problem stands, unless it was merely blank.
        was_blank = out["problem"].eq("no_key").fillna(False)
        out["problem"] = out["problem"].mask(open_ & ~take & was_blank, other["problem"])
        out["problem"] = out["problem"].mask(take, pd.NA)
        out["detail"] = out["detail"].mask(open_ & ~take, out["detail"] + "; " + other["detail"])
        out["detail"] = out["detail"].mask(take, out["detail"] + f"; matched by {_FIELDS[source]}")
    return (out, *distinct(out["key"]))


def email_keys(records: pd.DataFrame) -> pd.Series:
    """Each record's normalised email address (<NA> when blank or invalid): the key for person data."""
    return emails_coded(records)[0]


def emails_coded(records: pd.DataFrame) -> tuple[pd.Series, pa.Array, pa.Array]:
    """email_keys, plus the distinct addresses and each record's position among them (<NA>: one past the last)."""
    codes, uniques = distinct(_column(records, "Email"))
    address = pa.concat_arrays([normalise(uniques, "email")[0], pa.nulls(1, pa.large_string())])
    numbered = address.dictionary_encode()
    per_record = _series(address.take(codes), records.index).rename("email")
    return per_record, pc.fill_null(numbered.indices, len(numbered.dictionary)).take(codes), numbered.dictionary
