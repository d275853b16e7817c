"""The vocabulary of a diagnosis: use cases, findings, the grants a fix needs, the context and the payload answers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OBJECTS: tuple[str, ...] = ("Lead", "Contact", "Account", "Opportunity", "User")
USE_CASES: dict[str, str] = {"enrichment": "Enrichment (read and edit)", "audit": "Audit (read only)"}
EDIT_OBJECTS: dict[str, tuple[str, ...]] = {"enrichment": ("Lead", "Contact", "Account"), "audit": ()}
STATUSES: tuple[str, ...] = ("pass", "warn", "fail")
GROUPS: tuple[str, ...] = ("Access", "Objects", "Fields", "Records", "Org and limits")
PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class Grant:
    """What a permission set must add for one failure: Read/Edit on an object or a field, or a system permission."""

    kind: str            # "object" | "field" | "user"
    name: str            # "Lead", "Lead.Industry", "ApiEnabled"
    read: bool = False
    edit: bool = False


@dataclass(frozen=True)
class Finding:
    """One check's result: pass / warn / fail, what was seen (evidence) and what to change (fix).

    `checked` is False when the check could not be made (the evidence says why); such a finding is a
    warning. `grants` lists what the generated permission set adds for a failure.
    """

    check: str
    title: str
    group: str
    status: str
    evidence: str
    fix: str = ""
    object: str | None = None
    field: str | None = None
    checked: bool = True
    grants: tuple[Grant, ...] = ()

    @property
    def where(self) -> str:
        """Object.Field, the object, or "" for checks about the user or the org."""
        if self.object and self.field:
            return f"{self.object}.{self.field}"
        return self.object or ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a finding (grants as plain dicts)."""
        return {"check": self.check, "title": self.title, "group": self.group, "status": self.status,
                "object": self.object, "field": self.field, "checked": self.checked, "evidence": self.evidence,
                "fix": self.fix, "grants": [vars(g) for g in self.grants]}


@dataclass(frozen=True)
class Context:
    """What the checks need besides the org's answers: who, which use case, which fields, which environment."""

    connection: str
    username: str
    use_case: str
    mapped: dict[str, tuple[str, ...]]     # object -> mapped fields (read, and edit for enrichment)
    matched: dict[str, tuple[str, ...]]    # object -> fields matching reads (read)
    environment_label: str = ""
    expects_sandbox: bool | None = None
    person_hint: str | None = None         # why the user looks like a person, or None for an integration user

    def fields_of(self, sobject: str) -> tuple[str, ...]:
        """The mapped and matching fields of an object, each once, mapped first."""
        return tuple(dict.fromkeys((*self.mapped.get(sobject, ()), *self.matched.get(sobject, ()))))


# -- payload answers ----------------------------------------------------------------------------------------
# A payload holds each answer as {"ok": value}, {"error": {"status", "code", "message"}} or {"skipped": why}.

def ok(value: Any) -> dict[str, Any]:
    """An answer the org gave."""
    return {"ok": value}


def error(status: int | None, code: str, message: str) -> dict[str, Any]:
    """An answer the org refused, with its status, error code and message."""
    return {"error": {"status": status, "code": code, "message": message}}


def skipped(why: str) -> dict[str, Any]:
    """A question not asked, and why (API disabled, no View Setup, ...)."""
    return {"skipped": why}


def value(answer: dict[str, Any] | None) -> Any:
    """The value of an answer, or None when it was refused, skipped or absent."""
    return answer.get("ok") if isinstance(answer, dict) else None


def refused(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    """The refusal {status, code, message} of an answer, or None."""
    return answer.get("error") if isinstance(answer, dict) else None


def why_not(answer: dict[str, Any] | None) -> str:
    """Why an answer has no value, in words (the refusal or the reason it was skipped)."""
    if not isinstance(answer, dict):
        return "not asked"
    if "skipped" in answer:
        return str(answer["skipped"])
    problem = answer.get("error")
    if problem:
        said = str(problem.get("message") or "").strip().rstrip(".")
        return f"Salesforce answered {problem.get('code') or problem.get('status')}: {said}".strip().rstrip(":")
    return "no answer"
