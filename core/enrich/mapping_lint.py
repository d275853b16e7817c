"""The mapping linter: checks a Mapping against an org's describe payload and says how to fix each finding."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from core.enrich.mapping import FieldMap, Mapping
from core.enrich.transforms import picklist_map, resolve
from core.fields import NUMBER_TYPES, PICKLIST_TYPES, TEXT_TYPES, FieldSpec, field_specs
from core.sync import guard_address as address

LIST_ATTRIBUTES = frozenset({"tech", "tags", "techCategories", "domainAliases", "site.phoneNumbers", "site.emailAddresses"})
TEXT_METRICS = frozenset({"metrics.employeesRange", "metrics.estimatedAnnualRevenue"})
NUMBER_EXTRA = frozenset({"foundedYear", "geo.lat", "geo.lng", "utcOffset"})
# Values an attribute is known to take (from the demo source and Clearbit's catalogue), checked against picklists.
KNOWN_VALUES: dict[str, tuple[str, ...]] = {
    "category.industry": ("Technology", "Banking", "Retail", "Healthcare", "Media", "Consulting", "Insurance",
                          "Internet Software & Services", "Professional Services",
                          "Computer Hardware & Semiconductors & Electronic Equipment",
                          "Renewable Energy, Clean Technology & Environmental Services"),
    "category.subIndustry": ("Application Software", "IT Services", "Commercial Banking", "Specialty Retail",
                             "Packaged Foods", "Health Care Services", "Electrical Equipment", "Trucking",
                             "Advertising", "Biotechnology"),
    "person.employment.seniority": ("executive", "director", "manager", "senior", "employee"),
}
TYPICAL_MAX_LENGTH: dict[str, int] = {"category.industry": 60, "category.subIndustry": 60, "description": 1000,
                                      "person.employment.title": 100, "tech": 600, "geo.streetAddress": 120}


@dataclass(frozen=True)
class Finding:
    """One linter result: level "error" (will not work) or "warning" (works, with a caveat), and the fix."""

    level: str
    field: str
    attribute: str
    message: str
    fix: str


def attribute_kind(path: str) -> str:
    """"number", "list" or "text" for an attribute path."""
    if path in LIST_ATTRIBUTES:
        return "list"
    if (path.startswith("metrics.") and path not in TEXT_METRICS) or path in NUMBER_EXTRA:
        return "number"
    return "text"


def lint(mapping: Mapping, describe: dict[str, Any]) -> list[Finding]:
    """Check every mapping entry against the describe: the field exists (and is visible), is updateable,
    has a compatible type and length, picklist values are reachable, no two attributes feed one field,
    and checkboxes are flagged as never writable under the blank-only rule."""
    specs = field_specs(describe)
    found: list[Finding] = []
    obj = describe.get("name")
    if obj and obj != mapping.sobject:
        found.append(Finding("error", "", "", f"the mapping is for {mapping.sobject}, the describe for {obj}",
                             f"lint the {mapping.sobject} mapping against the {mapping.sobject} describe"))
    counts = Counter(f.field for f in mapping.fields)
    for fmap in mapping.fields:
        def add(level: str, message: str, fix: str, fmap: FieldMap = fmap) -> None:
            found.append(Finding(level, fmap.field, fmap.attribute, message, fix))
        if counts[fmap.field] > 1:
            add("error", f"{fmap.field} is fed by {counts[fmap.field]} attributes",
                "keep one entry per field; use options.fallback for a second source")
        spec = specs.get(fmap.field)
        if spec is None:
            add("error", f"{fmap.field} is not on {mapping.sobject} for this user (missing, or hidden by field-level security)",
                "create the field, grant the integration user read and edit access to it, or remove the entry")
            continue
        if spec.type == "boolean":
            add("warning", f"{fmap.field} is a checkbox: never blank (false is a value), so the blank-only rule never writes it",
                "remove the entry, or map the attribute to a text or picklist field")
            continue
        if not spec.updateable:
            add("error", f"{fmap.field} is not updateable by the connected user",
                "grant edit access in field-level security (profile or permission set), or remove the entry")
        kind, transform = attribute_kind(fmap.attribute), resolve(fmap.transform, spec)
        if spec.type in NUMBER_TYPES:
            if kind != "number" and transform not in ("int", "number"):
                add("error", f"{fmap.attribute} is {kind}, {fmap.field} is a {spec.type} field",
                    'map a number attribute, or set transform "int"/"number" to parse ranges such as "51-250"')
        elif spec.type in TEXT_TYPES or spec.type in PICKLIST_TYPES:
            if kind == "number" and spec.type in PICKLIST_TYPES:
                add("warning", f"a number ({fmap.attribute}) into picklist {fmap.field}", "map a text attribute")
            limit = min(x for x in (spec.length, fmap.options.get("length")) if x) if spec.length else None
            typical = TYPICAL_MAX_LENGTH.get(fmap.attribute)
            if limit and typical and typical > limit:
                cut = transform in ("truncate", "picklist", "join") and not spec.restricted_picklist
                add("warning", f"{fmap.attribute} values can be longer than {fmap.field}'s {limit} characters; "
                    + ("they are cut to fit, ending in …" if cut else "those are skipped as invalid"),
                    "widen the field" if cut else 'set transform "truncate" (or "join" for lists), or widen the field')
            if spec.type in PICKLIST_TYPES and fmap.attribute in KNOWN_VALUES and spec.picklist_values:
                values = pa.array(list(KNOWN_VALUES[fmap.attribute]), type=pa.large_string())
                _, unmatched = picklist_map(values, spec, fmap.options.get("synonyms", {}))
                missing = [v for v, bad in zip(KNOWN_VALUES[fmap.attribute], unmatched, strict=True) if bad]
                if missing:
                    fate = "skipped as invalid" if spec.restricted_picklist else "written as new picklist values"
                    add("warning", f"{len(missing)} known {fmap.attribute} value(s) match no active {fmap.field} value "
                        f"and would be {fate}: {', '.join(missing[:5])}", "add options.synonyms or the values to the picklist")
        else:
            add("error", f"{fmap.field} is a {spec.type} field, which enrichment does not write",
                "map a text, picklist or number field instead")
    found += _partial_addresses(mapping, specs)
    return found


_ADDRESS_PARTS = (("Street",), ("City",), ("State", "StateCode"), ("PostalCode",), ("Country", "CountryCode"))


def _partial_addresses(mapping: Mapping, specs: dict[str, FieldSpec]) -> list[Finding]:
    """A warning per address mapped only in part: the address rule compares only the mapped parts with the
    source, so a value a record holds in an unmapped part cannot stop the others from being filled beside it."""
    mapped = {f.field: f for f in mapping.fields}
    described = address.groups(specs, specs)
    found = []
    for group in address.groups([f for f in mapped if f in specs], specs):
        whole = next((g for g in described if g.name == group.name), group)
        missing = []
        for kinds in _ADDRESS_PARTS:
            fields = [p for p in whole.parts if address.component(p) in kinds]
            if fields and not any(f in mapped for f in fields):
                missing.append(fields[0])
        if missing:
            first = mapped[group.parts[0]]
            found.append(Finding(
                "warning", first.field, first.attribute,
                f"only part of {group.name} is mapped ({', '.join(group.parts)}): an address is filled as a whole or "
                f"not at all, but only mapped parts are compared with the source, so a value a record holds in "
                f"{', '.join(missing)} does not stop the rest being filled beside it",
                f"map {', '.join(missing)} too, if the source has them"))
    return found
