"""Salesforce environments: Production, Sandbox, a My Domain URL, or the local demo org, and their login hosts."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from urllib.parse import urlsplit

import idna

from core.errors import BadInput

PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"
KINDS = ("production", "sandbox", "custom", "demo")

# My Domain login hosts (help: "My Domain URL Formats", "Partitioned Domains"). Order matters:
# the more specific suffix first, so "x.sandbox.my.salesforce.com" is read as a sandbox.
_MY_DOMAIN_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".sandbox.my.salesforce.com", "sandbox"),
    (".develop.my.salesforce.com", "developer"),
    (".scratch.my.salesforce.com", "scratch"),
    (".demo.my.salesforce.com", "demo"),
    (".trailblaze.my.salesforce.com", "developer"),
    (".my.salesforce.com", "my_domain"),
    (".sandbox.my.salesforce.mil", "sandbox"),
    (".my.salesforce.mil", "my_domain"),
)
_GENERIC_LOGIN_HOSTS = {"login.salesforce.com": "production", "test.salesforce.com": "sandbox"}
# Families whose login host knows only production-type orgs (Developer Edition orgs are production-type).
_PRODUCTION_FAMILIES = ("production", "my_domain", "developer")


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
    sandboxish = family in ("sandbox", "legacy_sandbox")
    badge = "SANDBOX" if sandboxish or family == "scratch" else "PRODUCTION"
    expects: bool | None = True if sandboxish else (False if family in ("my_domain", "developer") else None)
    return Environment("custom", origin, f"My Domain ({host})", badge, expects)


def normalize_my_domain(url: str) -> tuple[str, str]:
    """Validate a My Domain URL and return (https origin, family).

    family is one of my_domain, sandbox, legacy_sandbox (acme--uat.my.salesforce.com), developer,
    scratch, demo, production / sandbox (the generic login hosts). A bare host gets https:// added.
    Raises BadInput with a concrete fix: http URLs, Lightning (lightning.force.com) or Setup URLs,
    Experience Cloud sites and any non-Salesforce host are refused.
    """
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() != "https":
        raise BadInput(
            f"{url.strip()} does not use https.",
            fix="Salesforce only signs in over https: use https://<your domain>.my.salesforce.com.",
            cause="my_domain_not_https",
        )
    if parts.username or parts.password or parts.port not in (None, 443):
        raise BadInput(
            f"{url.strip()} is not a plain My Domain URL.",
            fix="Enter just the domain, for example https://acme.my.salesforce.com.",
            cause="my_domain_invalid",
        )
    raw_host = (parts.hostname or "").rstrip(".")
    try:
        host = idna.encode(raw_host, uts46=True).decode("ascii").lower() if raw_host else ""
    except idna.IDNAError:
        host = ""
    if not host:
        raise BadInput(
            f"{url.strip()} is not a valid URL.",
            fix="Enter your org's My Domain URL, for example https://acme.my.salesforce.com.",
            cause="my_domain_invalid",
        )
    if host.endswith(".lightning.force.com") or host.endswith(".my.salesforce-setup.com"):
        stem = host.split(".lightning.force.com")[0].split(".my.salesforce-setup.com")[0]
        suggestion = f"https://{stem}.my.salesforce.com"
        raise BadInput(
            f"{host} is the Lightning app address, not the sign-in host.",
            fix=f"Use your My Domain URL ({suggestion}); Setup → My Domain shows it.",
            cause="my_domain_lightning",
        )
    if host in _GENERIC_LOGIN_HOSTS:
        return f"https://{host}", _GENERIC_LOGIN_HOSTS[host]
    for suffix, family in _MY_DOMAIN_SUFFIXES:
        if host.endswith(suffix) and len(host) > len(suffix):
            stem = host[: -len(suffix)]
            if family == "my_domain" and "--" in stem:
                family = "legacy_sandbox"
            return f"https://{host}", family
    raise BadInput(
        f"{host} is not a Salesforce sign-in host.",
        fix="Use your org's My Domain URL ending in .my.salesforce.com "
        "(for a sandbox: <domain>--<sandbox>.sandbox.my.salesforce.com).",
        cause="my_domain_not_salesforce",
    )


def is_production_login_host(url: str | None) -> bool:
    """Whether `url` is a production login host: login.salesforce.com or a production / Developer Edition My Domain.

    Such a host does not know sandbox users or tokens (sandboxes sign in at test.salesforce.com or
    <domain>--<sandbox>.sandbox.my.salesforce.com). A sandbox host, loopback or any non-Salesforce
    host is not one. Case, a trailing path and an omitted https:// do not matter.
    """
    if not url:
        return False
    try:
        _, family = normalize_my_domain(url)
    except BadInput:
        return False
    return family in _PRODUCTION_FAMILIES


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
    sandboxish = family in ("sandbox", "legacy_sandbox")
    warnings: list[str] = []
    if kind == "production" and sandboxish:
        warnings.append(f"{host} looks like a sandbox domain, but you chose Production. Choose Sandbox "
                        "if this is a sandbox, so the environment badge and checks match.")
    if kind == "production" and family == "scratch":
        warnings.append(f"{host} is a scratch org domain, but you chose Production.")
    if kind == "sandbox" and family in ("my_domain", "developer", "production"):
        warnings.append(f"{host} looks like a production or Developer Edition domain, but you chose Sandbox.")
    if kind == "custom" and family in ("production", "sandbox"):
        label = "Production" if family == "production" else "Sandbox"
        warnings.append(f"{host} is the generic login host, not a My Domain. Choose {label} instead, "
                        "or enter your org's My Domain URL.")
    return warnings
