"""Salesforce sign-in host shapes: which family a URL belongs to (production, sandbox, Developer Edition, …).

Shared vocabulary below the rooms: core.connect.environments builds environments from it, and the error
classifier (core.error_rules) uses it to recognise a sandbox token sent to a production login host.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import idna

from core.errors import BadInput

# Salesforce sign-in host shapes (help: "My Domain URL Formats", "Partitioned Domains"; Government Cloud Plus
# serves the same shapes under salesforce.mil). Order matters: the more specific suffix first.
# suffix -> family; SANDBOX_FAMILIES / PRODUCTION_FAMILIES say what Organization.IsSandbox to expect.
_MY_DOMAIN_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".sandbox.my.salesforce.com", "sandbox"),        # acme--uat.sandbox.my.salesforce.com
    (".develop.my.salesforce.com", "developer"),      # acme-dev-ed.develop.my.salesforce.com (Developer Edition)
    (".scratch.my.salesforce.com", "scratch"),        # acme-1234.scratch.my.salesforce.com (scratch org)
    (".demo.my.salesforce.com", "demo"),              # demo orgs
    (".trailblaze.my.salesforce.com", "playground"),  # Trailhead Playgrounds
    (".free.my.salesforce.com", "free"),              # free orgs
    (".patch.my.salesforce.com", "patch"),            # partner patch orgs
    (".my.salesforce.com", "my_domain"),              # acme.my.salesforce.com (acme--uat...: a legacy sandbox)
    (".sandbox.my.salesforce.mil", "sandbox"),        # Government Cloud Plus sandboxes
    (".my.salesforce.mil", "my_domain"),              # Government Cloud Plus
)
_GENERIC_LOGIN_HOSTS = {"login.salesforce.com": "login", "test.salesforce.com": "test"}
# Pages of an org that are not its sign-in host: the My Domain URL is suggested instead.
_APP_HOST_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".lightning.force.com", ".my.salesforce.com"), (".my.salesforce-setup.com", ".my.salesforce.com"),
    (".lightning.force.mil", ".my.salesforce.mil"), (".lightning.crmforce.mil", ".my.salesforce.mil"),
    (".my.salesforce-setup.mil", ".my.salesforce.mil"),
)
_SITE_SUFFIXES = (".my.site.com", ".force.com", ".my.site.mil")
SANDBOX_FAMILIES = ("sandbox", "legacy_sandbox", "test")
PRODUCTION_FAMILIES = ("login", "my_domain", "developer", "demo", "playground", "free")


def normalize_my_domain(url: str) -> tuple[str, str]:
    """Validate a My Domain URL and return (https origin, family).

    family is one of my_domain, sandbox, legacy_sandbox (acme--uat.my.salesforce.com), developer,
    scratch, demo, playground, free, patch, or login / test (the generic login hosts). A bare host gets
    https:// added. Raises BadInput with a concrete fix: http URLs, Lightning (lightning.force.com) or
    Setup URLs, Experience Cloud sites, a port that is not a number and any non-Salesforce host are refused.
    """
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        parts.hostname  # noqa: B018 - raises ValueError for a bracketed host that is not an IPv6 address
    except ValueError:
        raise BadInput(f"{url.strip()} is not a valid URL.",
                       fix="Enter your org's My Domain URL, for example https://acme.my.salesforce.com.",
                       cause="my_domain_invalid") from None
    if parts.scheme.lower() != "https":
        raise BadInput(
            f"{url.strip()} does not use https.",
            fix="Salesforce only signs in over https: use https://<your domain>.my.salesforce.com.",
            cause="my_domain_not_https",
        )
    try:
        port = parts.port
    except ValueError:  # "https:acme.my.salesforce.com" reads as host "https", port "acme.my..."
        port = -1
    if parts.username or parts.password or port not in (None, 443):
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
    for suffix, login_suffix in _APP_HOST_SUFFIXES:
        if host.endswith(suffix) and len(host) > len(suffix):
            suggestion = f"https://{host[: -len(suffix)]}{login_suffix}"
            raise BadInput(
                f"{host} is the Lightning or Setup address of the org, not its sign-in host.",
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
    if any(host.endswith(suffix) for suffix in _SITE_SUFFIXES):
        raise BadInput(
            f"{host} is an Experience Cloud site or Salesforce Sites address, not the org's sign-in host.",
            fix="Use the org's My Domain URL ending in .my.salesforce.com (Setup → My Domain shows it).",
            cause="my_domain_site",
        )
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
    return family in PRODUCTION_FAMILIES
