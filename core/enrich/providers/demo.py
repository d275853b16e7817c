"""Demo enrichment source: deterministic, realistic company profiles for any domain and titles for any email."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.enrich.providers.base import STRING, unique_keys

# Salesforce's standard Account/Lead Industry picklist values...
SALESFORCE_INDUSTRIES: tuple[str, ...] = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
    "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental",
    "Finance", "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance", "Machinery",
    "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
    "Telecommunications", "Transportation", "Utilities", "Other",
)
# ...plus Clearbit-style values that are not on it, two of them longer than Industry's 40 characters.
OFF_PICKLIST_INDUSTRIES: tuple[str, ...] = (
    "Internet Software & Services",
    "Professional Services",
    "Computer Hardware & Semiconductors & Electronic Equipment",
    "Renewable Energy, Clean Technology & Environmental Services",
)
_INDUSTRIES = SALESFORCE_INDUSTRIES + OFF_PICKLIST_INDUSTRIES
_SUB_INDUSTRIES = (
    "Application Software", "IT Services", "Commercial Banking", "Specialty Retail", "Packaged Foods",
    "Health Care Services", "Electrical Equipment", "Trucking", "Advertising", "Biotechnology",
)
_RANGES = (  # (employeesRange, low, high)
    ("1-10", 1, 10), ("11-50", 11, 50), ("51-250", 51, 250), ("251-1K", 251, 1000),
    ("1K-5K", 1001, 5000), ("5K-10K", 5001, 10000), ("10K-50K", 10001, 50000), ("100K+", 100001, 250000),
)
_REVENUE_BANDS = ("$0-$1M", "$1M-$10M", "$10M-$50M", "$50M-$100M", "$100M-$250M", "$250M-$500M", "$500M-$1B", "$1B-$10B")
_PLACES = (  # (city, state, country, postal code prefix, phone prefix)
    ("San Francisco", "California", "United States", "941", "+1 415-555-"),
    ("Austin", "Texas", "United States", "787", "+1 512-555-"),
    ("New York", "New York", "United States", "100", "+1 212-555-"),
    ("Chicago", "Illinois", "United States", "606", "+1 312-555-"),
    ("Toronto", "Ontario", "Canada", "M5V", "+1 416-555-"),
    ("London", "England", "United Kingdom", "EC1A", "+44 20 7946 "),
    ("Manchester", "England", "United Kingdom", "M1", "+44 161 496 "),
    ("Berlin", "Berlin", "Germany", "101", "+49 30 9010 "),
    ("München", "Bayern", "Germany", "803", "+49 89 2000 "),
    ("Paris", "Île-de-France", "France", "750", "+33 1 70 36 "),
    ("Sydney", "New South Wales", "Australia", "20", "+61 2 5550 "),
    ("Bengaluru", "Karnataka", "India", "560", "+91 80 5555 "),
)
_STREETS = ("Market Street", "Main Street", "High Street", "Innovation Way", "Harbour Road", "Hauptstraße")
_TECH = (
    "salesforce", "hubspot", "google_analytics", "segment", "stripe", "zendesk", "intercom", "marketo",
    "aws_route_53", "cloudflare", "shopify", "wordpress", "slack", "jira", "react", "hotjar",
)
_DESCRIPTION_TAIL = (
    " Founded by practitioners, the team works with customers across several industries and regions.",
    " It sells through a direct sales team and a network of partners, and supports customers around the clock"
    " from offices on three continents. Its platform integrates with the tools revenue teams already use,"
    " and its services group helps customers migrate data, train staff and measure results after go-live.",
)
_TITLES = (
    ("Chief Executive Officer", "ceo", "executive"), ("VP of Sales", "sales", "executive"),
    ("Head of Revenue Operations", "operations", "director"), ("Marketing Manager", "marketing", "manager"),
    ("Senior Software Engineer", "engineering", "senior"), ("Account Executive", "sales", "employee"),
    ("Director of Finance", "finance", "director"), ("Customer Success Manager", "customer_service", "manager"),
    ("Salesforce Administrator", "operations", "employee"), ("Chief Technology Officer", "engineering", "executive"),
)
UNKNOWN_SHARE = 0.10


def _seeds(keys: Sequence[str]) -> np.ndarray:
    """A stable 64-bit seed per key (blake2b, so the same key gives the same profile in every process)."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest(), "little") for k in keys],
        dtype=np.uint64,
    )


def _draw(seeds: np.ndarray, salt: int, n: int) -> np.ndarray:
    """An independent integer in [0, n) per seed for one attribute (splitmix64 on seed ^ salt)."""
    with np.errstate(over="ignore"):
        z = seeds ^ np.uint64((salt * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(n)).astype(np.int64)


def _pick(options: Sequence[object], index: np.ndarray) -> np.ndarray:
    return np.asarray(options, dtype=object)[index]


def _company_name(domains: pd.Series) -> pd.Series:
    """'acme-robotics.co.uk' -> 'Acme Robotics' (the first label, words capitalised)."""
    first = domains.str.split(".").str[0].str.replace(r"[-_]+", " ", regex=True)
    return first.str.title().astype(STRING)


def company_profiles(domains: Sequence[str]) -> pd.DataFrame:
    """Profiles for every given domain (no unknowns): vectorised draws from each domain's seed."""
    idx = pd.Index(list(domains), dtype=STRING, name="key")
    s = _seeds(list(idx))
    n = len(idx)
    ranges = _draw(s, 3, len(_RANGES))
    low = np.array([r[1] for r in _RANGES])[ranges]
    high = np.array([r[2] for r in _RANGES])[ranges]
    employees = low + _draw(s, 4, 1 << 30) % (high - low + 1)
    band = np.minimum(ranges + _draw(s, 5, 2), len(_REVENUE_BANDS) - 1)
    revenue = employees.astype(np.int64) * (80_000 + _draw(s, 6, 220_000))
    public = _draw(s, 7, 4) == 0
    place = _draw(s, 8, len(_PLACES))
    places = np.asarray(_PLACES, dtype=object)
    names = _company_name(pd.Series(idx, index=idx))
    industry = _pick(_INDUSTRIES, _draw(s, 1, len(_INDUSTRIES)))
    phone_tail = pd.Series(_draw(s, 9, 10_000), index=idx).astype(str).str.zfill(4)
    tail = _pick(_DESCRIPTION_TAIL + ("",), _draw(s, 10, 3))
    description = (names + " builds " + pd.Series(industry, index=idx).str.lower() + " products for "
                   + pd.Series(_pick(("small businesses", "mid-market companies", "enterprises"), _draw(s, 11, 3)),
                               index=idx) + "." + pd.Series(tail, index=idx))
    tech_masks = _draw(s, 12, 1 << len(_TECH))
    tech_counts = (_draw(s, 17, 9)).tolist()
    tech = [[t for bit, t in enumerate(_TECH) if m >> bit & 1][:c] or None
            for m, c in zip(tech_masks.tolist(), tech_counts, strict=True)]
    street_no = pd.Series(1 + _draw(s, 13, 899), index=idx).astype(str)

    def maybe(values: pd.Series, salt: int, share_missing: int) -> pd.Series:
        """Blank out about 1/share_missing of a column, so 'no_data' shows up in previews."""
        return values.mask(_draw(s, salt, share_missing) == 0)

    frame = pd.DataFrame(
        {
            "name": names,
            "domain": pd.Series(idx, index=idx, dtype=STRING),
            "category.industry": maybe(pd.Series(industry, index=idx, dtype=STRING), 20, 12),
            "category.subIndustry": pd.Series(_pick(_SUB_INDUSTRIES, _draw(s, 2, len(_SUB_INDUSTRIES))), index=idx, dtype=STRING),
            "metrics.employees": maybe(pd.Series(employees, index=idx, dtype="Int64"), 21, 10),
            "metrics.employeesRange": pd.Series(_pick([r[0] for r in _RANGES], ranges), index=idx, dtype=STRING),
            "metrics.estimatedAnnualRevenue": pd.Series(_pick(_REVENUE_BANDS, band), index=idx, dtype=STRING),
            "metrics.annualRevenue": pd.Series(revenue, index=idx, dtype="Int64").where(public),
            "geo.streetAddress": maybe(street_no + " " + pd.Series(_pick(_STREETS, _draw(s, 14, len(_STREETS))), index=idx), 22, 6).astype(STRING),
            "geo.city": pd.Series(places[place, 0], index=idx, dtype=STRING),
            "geo.state": pd.Series(places[place, 1], index=idx, dtype=STRING),
            "geo.postalCode": maybe(pd.Series(places[place, 3], index=idx) + pd.Series(_draw(s, 15, 90) + 10, index=idx).astype(str), 23, 8).astype(STRING),
            "geo.country": pd.Series(places[place, 2], index=idx, dtype=STRING),
            "phone": maybe(pd.Series(places[place, 4], index=idx) + phone_tail, 24, 7).astype(STRING),
            "description": maybe(description, 25, 10).astype(STRING),
            "foundedYear": pd.Series(1900 + _draw(s, 16, 123), index=idx, dtype="Int64"),
            "tech": pd.Series(tech, index=idx, dtype=object),
        },
        index=idx,
    )
    return frame if n else frame.iloc[0:0]


def person_profiles(emails: Sequence[str]) -> pd.DataFrame:
    """Person attributes for every given email: name from the local part, a title from the seed."""
    idx = pd.Index(list(emails), dtype=STRING, name="key")
    s = _seeds(list(idx))
    title = _draw(s, 30, len(_TITLES))
    titles = np.asarray(_TITLES, dtype=object)
    keys = pd.Series(idx, index=idx, dtype=STRING)
    local = keys.str.split("@").str[0].str.split("+").str[0]
    full_name = local.str.replace(r"[._\-]+", " ", regex=True).str.replace(r"\d+", "", regex=True).str.strip().str.title()
    return pd.DataFrame(
        {
            "person.name.fullName": full_name.mask(full_name.eq("")).astype(STRING),
            "person.employment.title": pd.Series(titles[title, 0], index=idx, dtype=STRING),
            "person.employment.role": pd.Series(titles[title, 1], index=idx, dtype=STRING),
            "person.employment.seniority": pd.Series(titles[title, 2], index=idx, dtype=STRING),
            "person.employment.domain": keys.str.split("@").str[-1].astype(STRING),
        },
        index=idx,
    )


class DemoProvider:
    """Deterministic demo data: about 90% of domains and emails are known, each always with the same profile."""

    name = "demo"

    def __init__(self, unknown_share: float = UNKNOWN_SHARE) -> None:
        """unknown_share: the fraction of keys (chosen by hash, so stable) this source has no data for."""
        self.unknown_share = unknown_share

    def known(self, keys: Sequence[str]) -> np.ndarray:
        """Which keys this source knows (a stable hash draw, not a random one)."""
        return _draw(_seeds(list(keys)), 99, 10_000) >= int(self.unknown_share * 10_000)

    def lookup(self, keys: Sequence[str]) -> pd.DataFrame:
        """Company profiles for domain keys and person profiles for email keys ("@"); unknown keys absent."""
        wanted = unique_keys(keys)
        found = [k for k, ok in zip(wanted, self.known(wanted), strict=True) if ok]
        domains = [k for k in found if "@" not in k]
        emails = [k for k in found if "@" in k]
        parts = [f for f in (company_profiles(domains), person_profiles(emails)) if len(f)]
        if not parts:
            return company_profiles([]).iloc[0:0]
        frame = pd.concat(parts) if len(parts) > 1 else parts[0]
        frame.index.name = "key"
        return frame
