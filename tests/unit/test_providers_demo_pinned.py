"""Demo source built column-wise: the exact profiles the per-row code gave, pinned, and each row's lists its own."""
from __future__ import annotations

import pandas as pd

from core.enrich.providers import DemoProvider
from core.enrich.providers.demo import company_profiles

# As the per-row demo source (before the columns were built with Arrow) gave them for these keys.
PINNED = {
    "company7.com": {
        "name": "Company7", "domain": "company7.com", "category.industry": "Environmental",
        "category.subIndustry": "IT Services", "metrics.employees": 869, "metrics.employeesRange": "251-1K",
        "metrics.estimatedAnnualRevenue": "$100M-$250M", "metrics.annualRevenue": 209584551,
        "geo.streetAddress": "350 Innovation Way", "geo.city": "Berlin", "geo.state": "Berlin",
        "geo.postalCode": "10187", "geo.country": "Germany", "phone": "+49 30 9010 6144",
        "description": "Company7 builds environmental products for mid-market companies. Founded by practitioners, "
                       "the team works with customers across several industries and regions.",
        "foundedYear": 2013, "tech": ["salesforce", "hubspot", "segment", "stripe", "zendesk", "aws_route_53", "cloudflare"],
    },
    "acme-robotics.co.uk": {
        "name": "Acme Robotics", "domain": "acme-robotics.co.uk", "category.industry": "Machinery",
        "category.subIndustry": "Trucking", "metrics.employees": 174134, "metrics.employeesRange": "100K+",
        "metrics.estimatedAnnualRevenue": "$1B-$10B", "metrics.annualRevenue": None,
        "geo.streetAddress": "870 Harbour Road", "geo.city": "Paris", "geo.state": "Île-de-France",
        "geo.postalCode": "75087", "geo.country": "France", "phone": "+33 1 70 36 8756", "description": None,
        "foundedYear": 1947, "tech": ["hubspot", "google_analytics", "segment"],
    },
    "xn--mnchen-3ya.de": {
        "name": "Xn Mnchen 3Ya", "domain": "xn--mnchen-3ya.de", "category.industry": "Apparel",
        "category.subIndustry": "Health Care Services", "metrics.employees": 41398, "metrics.employeesRange": "10K-50K",
        "metrics.estimatedAnnualRevenue": "$1B-$10B", "metrics.annualRevenue": None,
        "geo.streetAddress": "189 Harbour Road", "geo.city": "Chicago", "geo.state": "Illinois",
        "geo.postalCode": "60642", "geo.country": "United States", "phone": None,
        "description": "Xn Mnchen 3Ya builds apparel products for enterprises.", "foundedYear": 1925,
        "tech": ["salesforce"],
    },
}
PERSON = {"person.name.fullName": "Jane Doe", "person.name.givenName": "Jane", "person.name.familyName": "Doe",
          "person.employment.title": "Chief Executive Officer", "person.employment.role": "ceo",
          "person.employment.seniority": "executive", "person.employment.domain": "acme.com"}


def _row(frame: pd.DataFrame, key: str, columns) -> dict:
    return {c: (None if not isinstance(v, list) and pd.isna(v) else v) for c, v in frame.loc[key, list(columns)].items()}


def test_given_pinned_keys_when_looked_up_then_the_same_profiles_as_the_per_row_code() -> None:
    frame = DemoProvider(unknown_share=0).lookup([*PINNED, "jane.doe@acme.com"])
    for key, profile in PINNED.items():
        assert _row(frame, key, profile) == profile, key
    assert _row(frame, "jane.doe@acme.com", PERSON) == PERSON


def test_given_the_default_share_then_the_same_keys_are_unknown_as_before() -> None:
    keys = [f"company{i}.com" for i in range(40)]
    assert [i for i, ok in enumerate(DemoProvider().known(keys)) if not ok] == [1, 14, 31]
    assert list(DemoProvider().lookup(keys).index) == [k for i, k in enumerate(keys) if i not in (1, 14, 31)]


def test_given_non_ascii_names_when_profiled_then_titled_as_python_does() -> None:
    frame = company_profiles(["straße-ǆemo.de", "ΣΑΣ.gr", "acme.de"])
    assert frame["name"].tolist() == ["Straße ǅemo", "Σας", "Acme"]  # Arrow's own title gives Ǆemo and Σασ
