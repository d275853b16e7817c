"""Demo source: the same profile for the same domain in every process, realistic shape, some domains unknown."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd

from core.enrich.providers import DemoProvider, Provider
from core.enrich.providers.demo import OFF_PICKLIST_INDUSTRIES, SALESFORCE_INDUSTRIES

DOMAINS = [f"company{i}.com" for i in range(2000)]


def test_given_same_domains_when_looked_up_twice_in_any_order_then_identical_profiles() -> None:
    provider = DemoProvider()
    first = provider.lookup(DOMAINS)
    second = provider.lookup(list(reversed(DOMAINS)))
    pd.testing.assert_frame_equal(first, second.loc[first.index])


def test_given_another_process_when_looked_up_then_same_profile() -> None:
    code = (
        "from core.enrich.providers import DemoProvider\n"
        "row = DemoProvider().lookup(['company7.com', 'company8.com']).iloc[0]\n"
        "print(row['category.industry'], row['metrics.employees'], row['phone'], sep='|')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    row = DemoProvider().lookup(["company7.com", "company8.com"]).iloc[0]
    assert out.strip() == f"{row['category.industry']}|{row['metrics.employees']}|{row['phone']}"


def test_given_many_domains_then_about_ten_percent_unknown_and_absent() -> None:
    frame = DemoProvider().lookup(DOMAINS)
    assert frame.index.is_unique and set(frame.index) <= set(DOMAINS)
    assert 0.07 <= 1 - len(frame) / len(DOMAINS) <= 0.13


def test_given_profiles_then_contract_columns_and_dtypes() -> None:
    frame = DemoProvider().lookup(DOMAINS)
    assert isinstance(DemoProvider(), Provider) and frame.index.name == "key"
    for path in ("name", "domain", "category.industry", "category.subIndustry", "metrics.employeesRange",
                 "metrics.estimatedAnnualRevenue", "geo.streetAddress", "geo.city", "geo.state", "geo.postalCode",
                 "geo.country", "phone", "description"):
        assert isinstance(frame[path].dtype, pd.StringDtype), path
    for path in ("metrics.employees", "metrics.annualRevenue", "foundedYear"):
        assert str(frame[path].dtype) == "Int64", path
    tech = frame["tech"].dropna()
    assert frame["tech"].dtype == object and len(tech) > 0
    assert all(isinstance(tags, list) and tags and all(isinstance(t, str) for t in tags) for tags in tech)
    assert frame["foundedYear"].between(1900, 2025).all()
    assert (frame["metrics.employees"].dropna() > 0).all()


def test_given_profiles_then_values_exercise_the_mapping_linter() -> None:
    frame = DemoProvider().lookup(DOMAINS)
    industries = frame["category.industry"].dropna()
    assert industries.isin(SALESFORCE_INDUSTRIES).mean() > 0.7, "mostly on Salesforce's standard picklist"
    assert industries.isin(OFF_PICKLIST_INDUSTRIES).any()
    assert industries.str.len().gt(40).any(), "some longer than Industry's 40 characters"
    descriptions = frame["description"].dropna().str.len()
    assert descriptions.gt(255).any() and descriptions.le(255).any()
    assert frame["metrics.annualRevenue"].isna().any() and frame["metrics.annualRevenue"].notna().any()
    assert frame["phone"].isna().any(), "some attributes missing, so previews show no_data"
    assert frame["geo.country"].nunique() > 3


def test_given_domain_then_name_derived_from_it() -> None:
    frame = DemoProvider(unknown_share=0).lookup(["acme-robotics.co.uk"])
    assert frame.loc["acme-robotics.co.uk", "name"] == "Acme Robotics"
    assert frame.loc["acme-robotics.co.uk", "domain"] == "acme-robotics.co.uk"


def test_given_emails_when_looked_up_then_person_titles_keyed_by_email() -> None:
    emails = [f"person{i}@acme.com" for i in range(200)] + ["jane.doe@acme.com"]
    frame = DemoProvider(unknown_share=0).lookup(emails)
    assert set(frame.index) == set(emails)
    assert frame["person.employment.title"].notna().all() and frame["person.employment.title"].nunique() > 3
    assert frame.loc["jane.doe@acme.com", "person.name.fullName"] == "Jane Doe"


def test_given_no_keys_or_blanks_when_looked_up_then_empty_frame() -> None:
    assert DemoProvider().lookup([]).empty
    assert DemoProvider().lookup(["", None]).empty  # type: ignore[list-item]
