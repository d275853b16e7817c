"""FieldSpec: the facts about one Salesforce field that the guard, the mapping and the linter need."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEXT_TYPES = frozenset({"string", "textarea", "url", "phone", "email", "encryptedstring", "combobox"})
PICKLIST_TYPES = frozenset({"picklist", "multipicklist"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent", "long"})
DATE_TYPES = frozenset({"date", "datetime"})


@dataclass(frozen=True)
class FieldSpec:
    """One field of a describe payload, reduced to what decides whether a value may be written.

    For ``int`` fields Salesforce reports the allowed size as ``digits`` (``precision`` is 0); we keep it
    in ``precision`` so every numeric type answers "how many digits" from the same attribute.
    """

    name: str
    type: str
    length: int | None = None
    updateable: bool = True
    nillable: bool = True
    restricted_picklist: bool = False
    picklist_values: tuple[str, ...] = ()
    precision: int | None = None
    scale: int | None = None
    label: str = ""
    compound: str | None = None  # describe's compoundFieldName: the address (or name) this field is a part of

    @classmethod
    def from_describe(cls, field: dict[str, Any]) -> FieldSpec:
        """Build a FieldSpec from one entry of a describe payload's ``fields`` list.

        Only active picklist values are kept: an inactive value is rejected by a restricted picklist,
        so it must not count as a place a value could go.
        """
        ftype = str(field.get("type") or "string")
        length = field.get("length") or None
        precision = field.get("precision") or None
        if ftype in ("int", "long"):
            precision = field.get("digits") or precision
        if ftype in ("int", "long"):
            scale: int | None = 0
        else:
            scale = int(field["scale"]) if field.get("scale") is not None else None
        values = tuple(
            str(p["value"]) for p in field.get("picklistValues") or () if p.get("active", True) and p.get("value") is not None
        )
        return cls(
            name=str(field["name"]),
            type=ftype,
            length=int(length) if length else None,
            updateable=bool(field.get("updateable", False)),
            nillable=bool(field.get("nillable", True)),
            restricted_picklist=bool(field.get("restrictedPicklist", False)),
            picklist_values=values,
            precision=int(precision) if precision else None,
            scale=scale,
            label=str(field.get("label") or field["name"]),
            compound=str(field["compoundFieldName"]) if field.get("compoundFieldName") else None,
        )

    @property
    def is_text(self) -> bool:
        """True for free-text types whose only limit is length (string, textarea, url, phone, email)."""
        return self.type in TEXT_TYPES

    @property
    def is_number(self) -> bool:
        """True for int, double, currency and percent fields."""
        return self.type in NUMBER_TYPES

    @property
    def is_picklist(self) -> bool:
        """True for picklist and multi-select picklist fields."""
        return self.type in PICKLIST_TYPES


def field_specs(describe: dict[str, Any]) -> dict[str, FieldSpec]:
    """Map field name → FieldSpec for every field of an sObject describe payload.

    Fields hidden by field-level security are absent from a describe, so they are absent here too: a
    mapped field missing from this dict is not visible to the connected user.
    """
    return {spec.name: spec for spec in (FieldSpec.from_describe(f) for f in describe.get("fields") or ())}
