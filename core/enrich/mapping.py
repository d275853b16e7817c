"""Field mapping: enrichment attribute path → Salesforce field per object, its JSON form, defaults and apply()."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from core.enrich.transforms import (
    STRING,
    TRANSFORMS,
    Note,
    _amounts,
    is_list_column,
    join_to_fit,
    picklist_map,
    resolve,
    suggest,
    truncate_text,
)
from core.fields import FieldSpec
from core.sync.guard import DEFAULT_PLACEHOLDERS, is_blank
from core.sync.guard_values import text, to_arrow

DEFAULTS_DIR = Path(__file__).with_name("defaults")
SUPPORTED_OBJECTS: tuple[str, ...] = ("Account", "Lead", "Contact")
FORMAT_VERSION = 1
OPTION_KEYS: dict[str, str] = {
    "fallback": "a list of attribute paths tried in order when the attribute has no value",
    "length": "a whole number: cut or join to at most this many characters (never more than the field holds)",
    "separator": 'the text between joined list items (default "; ", ";" for multi-select picklists)',
    "overflow": '"drop" (default: keep the leading list items that fit) or "keep" (leave the full text)',
    "synonyms": "an object mapping source values to picklist values, on top of the built-in table",
    "range": '"low" (default), "high" or "mid": which number to take from a range such as "51-250"',
}
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TEXT_SPEC = FieldSpec(name="(attribute)", type="textarea")


class MappingError(ValueError):
    """A mapping file that cannot be read: what is wrong, and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message} — {fix}")
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class FieldMap:
    """One attribute path feeding one Salesforce field, with an optional transform and its options."""

    attribute: str
    field: str
    transform: str | None = None
    options: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this entry (transform and options only when set)."""
        out: dict[str, Any] = {"attribute": self.attribute, "field": self.field}
        if self.transform is not None:
            out["transform"] = self.transform
        if self.options:
            out["options"] = dict(self.options)
        return out


@dataclass(frozen=True)
class Mapping:
    """The mapping of one sObject: which attribute fills which field, and which values count as placeholders."""

    sobject: str
    fields: tuple[FieldMap, ...]
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS

    def field_names(self) -> tuple[str, ...]:
        """The mapped Salesforce fields in mapping order, each once (the columns to read before a diff)."""
        return tuple(dict.fromkeys(f.field for f in self.fields))

    def to_json(self) -> str:
        """Export as indented JSON that from_json reads back unchanged."""
        doc = {"version": FORMAT_VERSION, "sobject": self.sobject, "placeholders": list(self.placeholders),
               "fields": [f.to_dict() for f in self.fields]}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text_: str) -> Mapping:
        """Import a mapping; every malformed file raises MappingError naming the place and the fix."""
        return _parse(text_)


def _fail(where: str, message: str, fix: str) -> MappingError:
    return MappingError(f"{where}: {message}" if where else message, fix)


def _parse(raw: str) -> Mapping:
    """Parse and validate mapping JSON (see Mapping.from_json)."""
    example = 'e.g. {"sobject": "Account", "fields": [{"attribute": "category.industry", "field": "Industry"}]}'
    if not raw or not raw.strip():
        raise _fail("", "the file is empty", f"export a mapping from the Mapping page, or write one: {example}")
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _fail("", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                    "fix the JSON syntax at that place (a missing comma or quote is the usual cause)") from None
    if not isinstance(doc, dict):
        raise _fail("", f"the file holds a JSON {type(doc).__name__}, not an object",
                    f"the top level must be an object: {example}")
    unknown = sorted(set(doc) - {"version", "sobject", "placeholders", "fields"})
    if unknown:
        raise _fail("", f"unknown key(s) {', '.join(map(repr, unknown))}",
                    'use only "version", "sobject", "placeholders" and "fields"')
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise _fail("version", f"format version {version!r} is not supported",
                    f"this console reads version {FORMAT_VERSION}; export the mapping again from this console")
    sobject = doc.get("sobject")
    if not isinstance(sobject, str) or not _API_NAME.match(sobject):
        raise _fail("sobject", f"{sobject!r} is not an sObject API name",
                    'set "sobject" to the object\'s API name, such as "Account", "Lead" or "Contact"')
    placeholders = doc.get("placeholders", list(DEFAULT_PLACEHOLDERS))
    if not isinstance(placeholders, list) or not all(isinstance(p, str) and p.strip() for p in placeholders):
        raise _fail("placeholders", "must be a list of non-empty strings",
                    'for example ["[[unknown]]"]; use [] for no placeholders')
    entries = doc.get("fields")
    if not isinstance(entries, list):
        raise _fail("fields", "missing or not a list" if entries is None else f"is a {type(entries).__name__}, not a list",
                    'give "fields" as a list of {"attribute": ..., "field": ...} objects')
    maps = tuple(_parse_entry(i, e) for i, e in enumerate(entries))
    return Mapping(sobject=sobject, fields=maps, placeholders=tuple(placeholders))


def _parse_entry(i: int, entry: object) -> FieldMap:
    """One entry of "fields", validated."""
    where = f"fields[{i}]"
    if not isinstance(entry, dict):
        raise _fail(where, f"is a {type(entry).__name__}, not an object",
                    'each entry is an object such as {"attribute": "phone", "field": "Phone"}')
    unknown = sorted(set(entry) - {"attribute", "field", "transform", "options"})
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(map(repr, unknown))}",
                    'use only "attribute", "field", "transform" and "options"')
    for key in ("attribute", "field"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _fail(where, f'"{key}" is missing or not a non-empty string',
                        f'set "{key}" (attribute: an enrichment path such as "metrics.employees"; '
                        'field: a Salesforce field API name such as "NumberOfEmployees")')
    if not _API_NAME.match(entry["field"]):
        raise _fail(where, f"{entry['field']!r} is not a field API name",
                    "use the API name (NumberOfEmployees, Tech_Tags__c), not the label")
    transform = entry.get("transform")
    if transform is not None and transform not in TRANSFORMS:
        raise _fail(where, f"unknown transform {transform!r}", f"use one of {', '.join(TRANSFORMS)}, or leave it out")
    options = entry.get("options", {})
    if not isinstance(options, dict):
        raise _fail(where, '"options" is not an object', 'give options as an object, e.g. {"length": 40}')
    for key, value in options.items():
        problem = _option_problem(key, value)
        if problem:
            raise _fail(f"{where}.options.{key}", problem,
                        f"{key}: {OPTION_KEYS[key]}" if key in OPTION_KEYS else
                        f"known options: {', '.join(OPTION_KEYS)}")
    return FieldMap(attribute=entry["attribute"].strip(), field=entry["field"], transform=transform, options=dict(options))


def _option_problem(key: str, value: object) -> str | None:
    """Why an option value is unusable, or None when it is fine."""
    if key not in OPTION_KEYS:
        return "unknown option"
    if key == "fallback" and not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
        return "must be a list of attribute paths"
    if key == "length" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return f"{value!r} is not a whole number of at least 1"
    if key == "separator" and not isinstance(value, str):
        return "must be a string"
    if key == "overflow" and value not in ("drop", "keep"):
        return f"{value!r} is neither \"drop\" nor \"keep\""
    if key == "synonyms" and not (isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                                   for k, v in value.items())):
        return "must map strings to strings"
    if key == "range" and value not in ("low", "high", "mid"):
        return f"{value!r} is not one of \"low\", \"high\", \"mid\""
    return None


def default_mapping(sobject: str) -> Mapping:
    """The default mapping for Account, Lead or Contact (core/defaults/<sobject>.json).

    Name, Company and LastName are mapped too: Salesforce requires them, so under the blank-only rule
    they are only ever filled when they hold a placeholder such as [[unknown]].
    """
    if sobject not in SUPPORTED_OBJECTS:
        raise ValueError(f"no default mapping for {sobject!r}; defaults exist for {', '.join(SUPPORTED_OBJECTS)}")
    return Mapping.from_json((DEFAULTS_DIR / f"{sobject}.json").read_text(encoding="utf-8"))


def _source_column(enrichment: pd.DataFrame, fmap: FieldMap, placeholders: tuple[str, ...]) -> pd.Series | None:
    """The attribute's column, gaps filled from options["fallback"] paths in order; None when none exists."""
    column: pd.Series | None = None
    for path in [fmap.attribute, *fmap.options.get("fallback", [])]:
        if path not in enrichment.columns:
            continue
        values = enrichment[path]
        if column is None:
            column = values
        else:
            gaps = is_blank(column, _TEXT_SPEC, placeholders)
            column = column.astype(object).where(~gaps, values.astype(object))
    return column


def _transform(values: pd.Series, fmap: FieldMap, spec: FieldSpec | None, notes: list[Note],
               weights: np.ndarray | None = None) -> pd.Series:
    """Run one mapping entry's transform over a whole column (see apply)."""
    kind = resolve(fmap.transform, spec)
    opts = fmap.options
    limits = [x for x in (opts.get("length"), spec.length if spec else None) if x]
    limit = min(limits) if limits else None

    def note(level: str, count: int, message: str) -> None:
        notes.append(Note(level, fmap.field, fmap.attribute, message, int(count)))

    def records(mask: np.ndarray) -> int:
        """How many records the rows in mask stand for."""
        return int(mask.sum() if weights is None else weights[mask].sum())

    def each(picked: np.ndarray, mask: np.ndarray, dtype: str | None = None) -> pd.Series:
        """The values of the rows in mask, once per record they stand for (rows in the order records use them)."""
        return pd.Series(picked if weights is None else np.repeat(picked, weights[mask]), dtype=dtype)

    listed = is_list_column(values) or kind == "join"
    if listed:
        sep = opts.get("separator", ";" if spec is not None and spec.type == "multipicklist" else "; ")
        cap = None if kind == "none" or opts.get("overflow") == "keep" else limit
        joined, lost = join_to_fit(values, sep, cap, weights)
        if lost:
            note("warning", lost, f"{lost} record(s) have more {fmap.attribute} values than fit in {limit} characters; "
                                  "kept the leading ones")
        arr = joined
    else:
        arr = to_arrow(values)
    if kind in ("int", "number"):
        nums = _amounts(arr, opts.get("range", "low"))
        present = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
        bad = present & ~np.isfinite(nums)
        if kind == "int":
            out = pd.Series(pd.array(np.round(nums), dtype="Float64"), index=values.index).astype("Int64")
        else:
            out = pd.Series(pd.array(nums, dtype="Float64"), index=values.index)
        if bad.any():
            note("warning", records(bad), f"{records(bad)} {fmap.attribute} value(s) are not numbers "
                                          f"({suggest(each(values.astype(object).to_numpy()[bad], bad, object), ())}); left as they are, so they are skipped as invalid")
            out = out.astype(object).where(~bad, pd.Series(text(arr).to_numpy(zero_copy_only=False), index=values.index))
        return out
    if kind == "none" and not listed:
        return values.copy()
    txt = text(arr)
    if kind == "picklist" and spec is not None and spec.picklist_values:
        txt, unmatched = picklist_map(txt, spec, opts.get("synonyms", {}))
        if unmatched.any():
            odd = each(txt.to_numpy(zero_copy_only=False)[unmatched], unmatched)
            fate = ("skipped as invalid (restricted picklist)" if spec.restricted_picklist
                    else "written as they are (the picklist is not restricted)")
            note("warning" if spec.restricted_picklist else "info", records(unmatched),
                 f"{records(unmatched)} value(s) match no active {spec.name} value: {suggest(odd, spec.picklist_values)}; "
                 f"{fate}. Add options.synonyms or the values to the picklist.")
    if kind in ("truncate", "picklist", "text") and limit and not (kind == "picklist" and spec and spec.restricted_picklist):
        over = np.asarray(pc.fill_null(pc.greater(pc.utf8_length(txt), limit), False).to_numpy(zero_copy_only=False))
        if over.any() and kind != "text":
            txt = truncate_text(txt, limit)
            note("info", records(over), f"{records(over)} value(s) longer than {limit} characters cut to fit, ending in …")
    return pd.Series(pd.array(txt, dtype=STRING), index=values.index)


def apply(mapping: Mapping, enrichment: pd.DataFrame, specs: dict[str, FieldSpec],
          weights: np.ndarray | None = None) -> tuple[pd.DataFrame, list[Note]]:
    """Turn enrichment attributes (one row per record, index = record Id) into proposed field values.

    Returns (proposed, notes): proposed has the enrichment's index and one column per mapped field,
    values transformed to fit (cut to length with "…", lists joined, picklist values matched, numbers
    parsed). Values that still cannot fit are left as they are, so the guard calls them invalid. A loop
    over the mapping's few fields; each transform is vectorised over the column.

    weights: how many records each row stands for, when the rows are the distinct source rows of many records
    in the order the records first use them. Every transform works value by value, so the values are the
    records' own, and the notes count (and rank examples by) records.
    """
    notes: list[Note] = []
    columns: dict[str, pd.Series] = {}
    for fmap in mapping.fields:
        if fmap.field in columns:
            notes.append(Note("warning", fmap.field, fmap.attribute,
                              f"{fmap.field} is already fed by another attribute; this entry is ignored"))
            continue
        spec = specs.get(fmap.field)
        if spec is None:
            notes.append(Note("warning", fmap.field, fmap.attribute,
                              f"{fmap.field} is not in the describe (missing, or hidden by field-level security); "
                              "its values are not transformed and will not be written"))
        source = _source_column(enrichment, fmap, mapping.placeholders)
        if source is None:
            notes.append(Note("info", fmap.field, fmap.attribute, f"the enrichment has no {fmap.attribute} values"))
            columns[fmap.field] = pd.Series(pd.NA, index=enrichment.index, dtype=STRING)
            continue
        columns[fmap.field] = _transform(source, fmap, spec, notes, weights)
    proposed = pd.DataFrame(columns, index=enrichment.index)
    proposed.index.name = enrichment.index.name or "Id"
    return proposed, notes


def lint(mapping: Mapping, describe: dict[str, Any]) -> list[Any]:
    """The mapping linter (core.enrich.mapping_lint.lint), reachable here as the contract names it; returns Findings."""
    from core.enrich.mapping_lint import lint as _lint  # imported late: mapping_lint builds on this module

    return _lint(mapping, describe)
