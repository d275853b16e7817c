"""Demo enrichment source: deterministic, realistic company profiles for any domain and titles for any email."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.enrich.providers.base import STRING, key_array, unique_key_array

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


def _seeds(keys: Sequence[str] | pa.Array) -> np.ndarray:
    """A stable 64-bit seed per key (blake2b, so the same key gives the same profile in every process).

    Hashed from the UTF-8 bytes Arrow holds (no str built and encoded per key).
    """
    digest = partial(hashlib.blake2b, digest_size=8)
    raw = key_array(keys).cast(pa.large_binary()).to_pylist()
    return np.frombuffer(b"".join([digest(k).digest() for k in raw]), dtype="<u8").astype(np.uint64)


def _draw(seeds: np.ndarray, salt: int, n: int) -> np.ndarray:
    """An independent integer in [0, n) per seed for one attribute (splitmix64 on seed ^ salt)."""
    with np.errstate(over="ignore"):  # in place: one array per draw, not one per step
        z = seeds ^ np.uint64((salt * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
        z %= np.uint64(n)
    return z.view(np.int64)


def _pick(options: Sequence[object], index: np.ndarray) -> np.ndarray:
    return np.asarray(options, dtype=object)[index]


def _take(options: Sequence[str], index: np.ndarray) -> pa.Array:
    """options[index] as an Arrow text column (no Python string per row)."""
    return pa.array(options, pa.large_string()).take(pa.array(index))


def _number_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.large_string())


def _join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate text columns and literals element-wise."""
    return pc.binary_join_element_wise(*[pa.scalar(p, pa.large_string()) if isinstance(p, str) else p
                                         for p in parts], pa.scalar("", pa.large_string()))


def _company_name(domains: pa.Array) -> pa.Array:
    """'acme-robotics.co.uk' -> 'Acme Robotics' (the first label, words capitalised as str.title does)."""
    first = pc.replace_substring_regex(pc.replace_substring_regex(domains, r"(?s)\..*$", ""), "[-_]+", " ")
    names = pc.utf8_title(first)  # str.title's rule for ASCII; other text is titled by Python itself below
    odd = np.flatnonzero(~np.asarray(pc.string_is_ascii(first).to_numpy(zero_copy_only=False), dtype=bool))
    if len(odd):
        titled = pa.array([t.title() for t in first.take(pa.array(odd)).to_pylist()], pa.large_string())
        names = pc.replace_with_mask(names, pa.array(np.isin(np.arange(len(first)), odd)), titled)
    return names


_TECH_BYTES = [[[t for bit, t in enumerate(_TECH[shift:shift + 8]) if byte >> bit & 1] for byte in range(256)]
               for shift in (0, 8)]


def _tech(masks: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each row's first `count` technologies of its bit mask, as a list (None when empty)."""
    kept = np.zeros_like(masks)
    seen = np.zeros_like(masks)
    for bit in range(len(_TECH)):
        has = (masks >> bit) & 1
        kept |= (has & (seen < counts)) << bit
        seen += has
    distinct, inverse = np.unique(kept, return_inverse=True)
    low, high = _TECH_BYTES
    lists = np.empty(len(distinct), dtype=object)
    lists[:] = [low[m & 255] + high[m >> 8] or None for m in distinct.tolist()]
    return lists[inverse]


def _strings(values: pa.Array, idx: pd.Index, missing: np.ndarray | None = None) -> pd.Series:
    """A text column of the profile frame, blank where `missing`."""
    if missing is not None:
        values = pc.if_else(pa.array(missing), pa.scalar(None, values.type), values)
    return pd.Series(pd.array(values, dtype=STRING), index=idx, copy=False)


def _ints(values: np.ndarray, idx: pd.Index, missing: np.ndarray | None = None) -> pd.Series:
    """A whole-number column of the profile frame (Int64), blank where `missing`."""
    blank = np.zeros(len(values), dtype=bool) if missing is None else missing
    return pd.Series(pd.arrays.IntegerArray(values.astype(np.int64), blank), index=idx, copy=False)


def company_profiles(domains: Sequence[str] | pa.Array, seeds: np.ndarray | None = None) -> pd.DataFrame:
    """Profiles for every given domain (no unknowns): column-wise draws from each domain's seed."""
    keys = key_array(domains)
    s = _seeds(keys) if seeds is None else seeds
    idx = pd.Index(pd.array(keys, dtype=STRING), name="key")
    ranges = _draw(s, 3, len(_RANGES))
    low = np.array([r[1] for r in _RANGES])[ranges]
    high = np.array([r[2] for r in _RANGES])[ranges]
    employees = low + _draw(s, 4, 1 << 30) % (high - low + 1)
    band = np.minimum(ranges + _draw(s, 5, 2), len(_REVENUE_BANDS) - 1)
    revenue = employees.astype(np.int64) * (80_000 + _draw(s, 6, 220_000))
    public = _draw(s, 7, 4) == 0
    place = _draw(s, 8, len(_PLACES))
    names = _company_name(keys)
    industry = _draw(s, 1, len(_INDUSTRIES))
    phone_tail = pc.utf8_lpad(_number_text(_draw(s, 9, 10_000)), 4, "0")
    description = _join(names, " builds ", _take([i.lower() for i in _INDUSTRIES], industry), " products for ",
                        _take(("small businesses", "mid-market companies", "enterprises"), _draw(s, 11, 3)), ".",
                        _take(_DESCRIPTION_TAIL + ("",), _draw(s, 10, 3)))
    tech = _tech(_draw(s, 12, 1 << len(_TECH)), _draw(s, 17, 9))
    street = _join(_number_text(1 + _draw(s, 13, 899)), " ", _take(_STREETS, _draw(s, 14, len(_STREETS))))
    place_part = [_take([p[i] for p in _PLACES], place) for i in range(5)]  # city, state, country, postal, phone

    def gap(salt: int, share_missing: int) -> np.ndarray:
        """About 1/share_missing of a column left blank, so 'no_data' shows up in previews."""
        return _draw(s, salt, share_missing) == 0

    return pd.DataFrame(
        {
            "name": _strings(names, idx),
            "domain": _strings(keys, idx),
            "category.industry": _strings(_take(_INDUSTRIES, industry), idx, gap(20, 12)),
            "category.subIndustry": _strings(_take(_SUB_INDUSTRIES, _draw(s, 2, len(_SUB_INDUSTRIES))), idx),
            "metrics.employees": _ints(employees, idx, gap(21, 10)),
            "metrics.employeesRange": _strings(_take([r[0] for r in _RANGES], ranges), idx),
            "metrics.estimatedAnnualRevenue": _strings(_take(_REVENUE_BANDS, band), idx),
            "metrics.annualRevenue": _ints(revenue, idx, ~public),
            "geo.streetAddress": _strings(street, idx, gap(22, 6)),
            "geo.city": _strings(place_part[0], idx),
            "geo.state": _strings(place_part[1], idx),
            "geo.postalCode": _strings(_join(place_part[3], _number_text(_draw(s, 15, 90) + 10)), idx, gap(23, 8)),
            "geo.country": _strings(place_part[2], idx),
            "phone": _strings(_join(place_part[4], phone_tail), idx, gap(24, 7)),
            "description": _strings(description, idx, gap(25, 10)),
            "foundedYear": _ints(1900 + _draw(s, 16, 123), idx),
            "tech": pd.Series(tech, index=idx, dtype=object),
        },
        index=idx,
    )


def person_profiles(emails: Sequence[str] | pa.Array, seeds: np.ndarray | None = None) -> pd.DataFrame:
    """Person attributes for every given email: name from the local part, a title from the seed."""
    keys = key_array(emails)
    s = _seeds(keys) if seeds is None else seeds
    idx = pd.Index(pd.array(keys, dtype=STRING), name="key")
    title = _draw(s, 30, len(_TITLES))
    titles = np.asarray(_TITLES, dtype=object)
    keys = pd.Series(idx, index=idx, dtype=STRING)
    local = keys.str.split("@").str[0].str.split("+").str[0]
    full_name = local.str.replace(r"[._\-]+", " ", regex=True).str.replace(r"\d+", "", regex=True).str.strip().str.title()
    full_name = full_name.mask(full_name.eq("")).astype(STRING)
    parts = full_name.str.split(" ", n=1)
    return pd.DataFrame(
        {
            "person.name.fullName": full_name,
            "person.name.givenName": parts.str[0].astype(STRING),
            "person.name.familyName": parts.str[1].astype(STRING),
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
        return self._known(_seeds(keys))

    def _known(self, seeds: np.ndarray) -> np.ndarray:
        return _draw(seeds, 99, 10_000) >= int(self.unknown_share * 10_000)

    def lookup(self, keys: Sequence[str]) -> pd.DataFrame:
        """Company profiles for domain keys and person profiles for email keys ("@"); unknown keys absent."""
        wanted = unique_key_array(keys)
        seeds = _seeds(wanted)
        known = self._known(seeds)
        person = np.asarray(pc.match_substring(wanted, "@").to_numpy(zero_copy_only=False), dtype=bool)
        parts = [make(wanted.filter(pa.array(rows)), seeds[rows])
                 for make, rows in ((company_profiles, known & ~person), (person_profiles, known & person))]
        parts = [f for f in parts if len(f)]
        if not parts:
            return company_profiles([]).iloc[0:0]
        frame = pd.concat(parts) if len(parts) > 1 else parts[0]
        frame.index.name = "key"
        return frame
