"""One website or email -> its registrable domain (punycode), or a sentence saying why not; one at a time or many."""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import idna
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from publicsuffixlist import PublicSuffixList

from core.enrich import domain_columns
from core.enrich.domain_columns import SuffixRules

# The bundled list only (publicsuffixlist reads its own .dat file; nothing is fetched at run time).
# accept_unknown=False: a name under no known suffix ("acme", "intranet.local") is invalid, not guessed.
_PSL = PublicSuffixList(accept_unknown=False)

_FREE_MAIL_FAMILIES = ("yahoo", "hotmail", "outlook", "live", "gmx", "yandex")
_FREE_MAIL_TLDS = (
    "com", "co.uk", "fr", "de", "it", "es", "nl", "be", "at", "ch", "ca", "com.au", "co.jp", "co.in",
    "com.br", "com.mx", "com.ar", "ie", "se", "dk", "no", "fi", "pl", "ru", "net", "co.nz", "in",
)
FREE_MAIL: frozenset[str] = frozenset(
    {f"{family}.{tld}" for family in _FREE_MAIL_FAMILIES for tld in _FREE_MAIL_TLDS}
    | {
        "gmail.com", "googlemail.com", "ymail.com", "rocketmail.com", "msn.com", "windowslive.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "aim.com", "aol.co.uk", "web.de", "t-online.de",
        "freenet.de", "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tuta.io",
        "fastmail.com", "hey.com", "mail.com", "email.com", "zoho.com", "zohomail.com", "yandex.com",
        "ya.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "qq.com", "163.com", "126.com",
        "yeah.net", "sina.com", "sohu.com", "naver.com", "hanmail.net", "daum.net", "rediffmail.com",
        "orange.fr", "free.fr", "laposte.net", "sfr.fr", "wanadoo.fr", "libero.it", "virgilio.it",
        "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl", "btinternet.com", "sky.com",
        "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net",
        "charter.net", "earthlink.net", "juno.com", "gmx.net", "gmx.com", "bigpond.com", "shaw.ca",
        "rogers.com", "sympatico.ca", "uol.com.br", "bol.com.br", "terra.com.br",
    }
)

_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://|mailto:|https?:)", re.IGNORECASE)
_EMAIL = re.compile(r"^[^\s@<>()\[\]\\,;:\"]+@[^@\s]+$")
_IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$|^\[[0-9a-f:.]+\]$|^[0-9a-f]*:[0-9a-f:]*:[0-9a-f:]*$", re.IGNORECASE)
_LDH_HOST = re.compile(r"^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)$")
_BLANK_WORDS = frozenset({"n/a", "na", "none", "null", "-", "--", "unknown", "[[unknown]]", "tbd", "."})

def is_free_mail(domain: str | None) -> bool:
    """Whether a registrable domain belongs to a free-mail provider (listed, or a yahoo.* / hotmail.* style family)."""
    if not domain:
        return False
    if domain in FREE_MAIL:
        return True
    family, _, suffix = domain.partition(".")
    return family in _FREE_MAIL_FAMILIES and _PSL.publicsuffix(domain) == suffix


def _host_of(text: str) -> str:
    """Strip scheme, user-info, path, query, fragment, port and trailing dots from a website-ish string."""
    host = _SCHEME.sub("", text, count=1)
    host = host.lstrip("/")
    host = re.split(r"[/?#\\]", host, maxsplit=1)[0].strip()
    if re.search(r"[\s,;]", host):
        return host  # refused by the caller: not a single host name
    host = host.rsplit("@", 1)[-1]
    if host.startswith("["):  # bracketed IPv6 literal, port and all
        return host.split("]", 1)[0] + "]"
    host = re.sub(r":\d*$", "", host)
    return host.strip().rstrip(".").replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".")


def _ascii_host(host: str) -> tuple[str | None, str | None]:
    """A host name in lower-case ASCII: plain names checked by one regex, others by IDNA 2008 / UTS 46."""
    lowered = host.lower()
    if host.isascii() and _LDH_HOST.match(lowered) and "xn--" not in lowered:
        return lowered, None
    try:  # internationalised, punycode or odd: the full rules (slow, so only here)
        return idna.encode(host, uts46=True).decode("ascii").lower(), None
    except (idna.IDNAError, UnicodeError) as error:
        return None, f"{host!r} is not a valid domain name ({error})"


@lru_cache(maxsize=200_000)
def normalise_domain(value: str | None) -> tuple[str | None, str | None]:
    """Reduce a website, URL, bare host or email to its registrable domain in ASCII (punycode).

    Returns (domain, None) on success or (None, problem) where problem is a human sentence saying why
    the value cannot be used. Nothing is guessed: a value with spaces, no public suffix, an IP address
    or several candidates is refused. Free mail is NOT refused here (gmail.com is a valid domain);
    that policy belongs to match_keys.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None, "blank"
    text = str(value).strip()
    if not text or text.lower() in _BLANK_WORDS:
        return None, "blank"
    host = _host_of(text)
    if not host:
        return None, f"{text!r} has no host name"
    if _IP.match(host):
        return None, f"{host!r} is an IP address, not a company domain"
    if re.search(r"[\s,;]", host):
        return None, f"{text!r} is not a single host name"
    ascii_host, problem = _ascii_host(host)
    if ascii_host is None:
        return None, problem
    if "." not in ascii_host:
        return None, f"{host!r} has no top-level domain"
    registrable = _PSL.privatesuffix(ascii_host)
    if registrable is None:
        if _PSL.publicsuffix(ascii_host) == ascii_host and _PSL.is_public(ascii_host):
            return None, f"{ascii_host!r} is a public suffix, not a company domain"
        return None, f"{ascii_host!r} is not under a known top-level domain"
    return registrable, None


@lru_cache(maxsize=200_000)
def normalise_email(value: str | None) -> tuple[str | None, str | None, str | None]:
    """Normalise an email address: (lower-cased address, its registrable domain, problem sentence or None).

    Accepts "mailto:" and "Name <addr>" forms and surrounding white space; refuses several addresses,
    a missing or doubled "@", and a domain that normalise_domain refuses.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None, None, "blank"
    text = str(value).strip()
    if not text or text.lower() in _BLANK_WORDS:
        return None, None, "blank"
    bracketed = re.fullmatch(r"[^<>]*<([^<>]+)>\s*", text)
    address = bracketed.group(1).strip() if bracketed else text
    if address.lower().startswith("mailto:"):
        address = address[7:].split("?", 1)[0].strip()
    address = address.rstrip(".")
    if not _EMAIL.match(address) or address.startswith(".") or ".." in address.split("@")[0]:
        return None, None, f"{text!r} is not a valid email address"
    local, _, host = address.partition("@")
    if re.search(r"[/?#:\s]", host):
        return None, None, f"{text!r} is not a valid email address"
    domain, problem = normalise_domain(host)
    if domain is None:
        return None, None, f"{text!r} is not a valid email address: {problem}"
    ascii_host = _ascii_host(host.rstrip("."))[0]
    return f"{local.lower()}@{ascii_host}", domain, None


_RULES = SuffixRules(_PSL)
_FREE_MAIL_SET = pa.array(sorted(FREE_MAIL), pa.large_string())
_FAMILY_SET = pa.array(_FREE_MAIL_FAMILIES, pa.large_string())


def normalise(values: pa.Array, kind: str) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(address, domain, problem) per value, as normalise_email (kind "email") or normalise_domain would give them.

    Plain values (an ASCII website or address, see core.enrich.domain_columns) are cut with whole-column string kernels
    and their registrable domain found by set look-ups; the others, and plain hosts the list gives no
    registrable domain (a public suffix, an unknown top-level domain, an IP address), take the per-value
    function, so every result is exactly the per-value one. For websites the address is null.
    """
    n = len(values)
    if kind == "email":
        address, host, plain = domain_columns.plain_emails(values)
    else:
        host, plain = domain_columns.plain_websites(values, _BLANK_WORDS)
        address = pa.nulls(n, pa.large_string())
    fast = np.flatnonzero(plain)
    found = _RULES.registrable(host.take(pa.array(fast)))
    ok = plain.copy()
    ok[fast] = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    domain = pc.replace_with_mask(pa.nulls(n, pa.large_string()), pa.array(plain), found)
    address = pc.if_else(pa.array(ok), address, pa.nulls(n, pa.large_string()))
    problem = pa.nulls(n, pa.large_string())
    odd = ~ok
    if odd.any():
        scalar = normalise_email if kind == "email" else normalise_domain
        results = [scalar(v) for v in values.filter(pa.array(odd)).to_pylist()]
        if kind != "email":
            results = [(None, *r) for r in results]
        mask = pa.array(odd)
        address, domain, problem = (pc.replace_with_mask(column, mask, pa.array(part, pa.large_string()))
                                    for column, part in zip((address, domain, problem), zip(*results, strict=True),
                                                            strict=True))
    return address, domain, problem


def normalise_many(values: Sequence[str] | pd.Index, kind: str) -> list[tuple[str | None, ...]]:
    """normalise_domain (kind "website") or normalise_email (kind "email") over many values, vectorised.

    The same tuples the per-value functions give, in order (see normalise for how).
    """
    address, domain, problem = normalise(pa.array(list(values), pa.large_string()), kind)
    if kind == "email":
        return list(zip(address.to_pylist(), domain.to_pylist(), problem.to_pylist(), strict=True))
    return list(zip(domain.to_pylist(), problem.to_pylist(), strict=True))


def free_mail_many(domain: pa.Array) -> pa.Array:
    """is_free_mail per domain: listed ones by one set look-up, yahoo.*-style families checked one by one."""
    free = domain_columns.mask(pc.is_in(domain, _FREE_MAIL_SET))
    family = pc.replace_substring_regex(domain, r"(?s)\..*$", "")
    maybe = np.flatnonzero(domain_columns.mask(pc.is_in(family, _FAMILY_SET)) & ~free)
    free[maybe] = [is_free_mail(d) for d in domain.take(pa.array(maybe)).to_pylist()]
    return pa.array(free)
