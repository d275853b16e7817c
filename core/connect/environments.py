"""Salesforce environments: Production, Sandbox, a My Domain URL, or the local demo org, and their login hosts."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from urllib.parse import urlsplit

from core.errors import BadInput
from core.hosts import (
    _GENERIC_LOGIN_HOSTS,
    PRODUCTION_FAMILIES,
    SANDBOX_FAMILIES,
    normalize_my_domain,
)

PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"
KINDS = ("production", "sandbox", "custom", "demo")


@dataclass(frozen=True)
class Environment:
    """Where to sign in and how to label it: the badge every page shows comes from here."""

    kind: str
    login_url: str
    label: str
    badge: str
    expects_sandbox: bool | None

    def to_dict(self) -> dict[str, object]:
        """Plain dict for the token store."""
        return asdict(self)

    def as_found(self, is_sandbox: bool) -> Environment:
        """This environment with the badge the org warrants when Organization.IsSandbox contradicts the choice.

        Production chosen for a sandbox shows SANDBOX; Sandbox chosen for a production org shows PRODUCTION
        (red), so nobody writes to production under a sandbox badge. Kind, label, login URL and
        expects_sandbox stay as chosen, so the mismatch can still be told."""
        if self.expects_sandbox is None or self.expects_sandbox == is_sandbox:
            return self
        return replace(self, badge="SANDBOX" if is_sandbox else "PRODUCTION")

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Environment:
        """Rebuild from the token store's dict."""
        return cls(
            kind=str(data["kind"]),
            login_url=str(data["login_url"]),
            label=str(data["label"]),
            badge=str(data["badge"]),
            expects_sandbox=data.get("expects_sandbox"),  # type: ignore[arg-type]
        )


def environment(kind: str, my_domain: str | None = None, *, login_url: str | None = None) -> Environment:
    """Build the Environment for a choice on the Connect page or the CLI.

    production / sandbox use login.salesforce.com / test.salesforce.com, or a My Domain URL when
    one is given (orgs may block the generic hosts); custom requires the My Domain URL; demo uses
    the local demo org's `login_url` (pass it once the org runs; empty until then).
    Raises BadInput with a fix for an unknown kind or an invalid My Domain.
    """
    if kind == "demo":
        return Environment("demo", (login_url or "").rstrip("/"), "Demo org", "DEMO", None)
    if kind not in KINDS:
        raise BadInput(
            f"Unknown environment {kind!r}.",
            fix="Choose one of: production, sandbox, custom (My Domain), demo.",
            cause="unknown_environment",
        )
    if kind == "custom" and not my_domain:
        raise BadInput(
            "A My Domain URL is needed for a custom environment.",
            fix="Enter your org's My Domain URL, for example https://acme.my.salesforce.com "
            "(Setup → My Domain shows it).",
            cause="my_domain_missing",
        )
    if not my_domain:
        if kind == "production":
            return Environment("production", PRODUCTION_LOGIN, "Production", "PRODUCTION", False)
        return Environment("sandbox", SANDBOX_LOGIN, "Sandbox", "SANDBOX", True)
    origin, family = normalize_my_domain(my_domain)
    host = urlsplit(origin).hostname or ""
    if kind == "production":
        return Environment("production", origin, f"Production ({host})", "PRODUCTION", False)
    if kind == "sandbox":
        return Environment("sandbox", origin, f"Sandbox ({host})", "SANDBOX", True)
    sandboxish = family in SANDBOX_FAMILIES
    badge = "SANDBOX" if sandboxish or family == "scratch" else "PRODUCTION"
    expects: bool | None = True if sandboxish else (False if family in PRODUCTION_FAMILIES else None)
    return Environment("custom", origin, f"My Domain ({host})", badge, expects)


def my_domain_warnings(kind: str, my_domain: str) -> list[str]:
    """Warnings for a valid My Domain that does not fit the chosen kind (shown, not blocking).

    A sandbox-looking domain chosen as Production, a production domain chosen as Sandbox, or a
    generic login host typed into My Domain.
    """
    try:
        origin, family = normalize_my_domain(my_domain)
    except BadInput:
        return []
    host = urlsplit(origin).hostname
    sandboxish = family in SANDBOX_FAMILIES
    warnings: list[str] = []
    if kind == "production" and sandboxish:
        warnings.append(f"{host} looks like a sandbox domain, but you chose Production. Choose Sandbox "
                        "if this is a sandbox, so the environment badge and checks match.")
    if kind == "production" and family == "scratch":
        warnings.append(f"{host} is a scratch org domain, but you chose Production.")
    if kind == "sandbox" and family in PRODUCTION_FAMILIES:
        warnings.append(f"{host} looks like a production or Developer Edition domain, but you chose Sandbox.")
    if kind == "custom" and family in _GENERIC_LOGIN_HOSTS.values():
        label = "Production" if family == "login" else "Sandbox"
        warnings.append(f"{host} is the generic login host, not a My Domain. Choose {label} instead, "
                        "or enter your org's My Domain URL.")
    return warnings
