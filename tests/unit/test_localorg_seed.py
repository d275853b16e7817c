"""localorg.data.seed: a deterministic demo org with believable data and 30-60% gaps in the enrichable fields."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from localorg.data.org import Org
from localorg.data.seed import COUNTS, FREE_MAIL, PLACEHOLDER
from localorg.data.seed_security import PRIVATE_OWNERS

NOW = datetime(2026, 4, 1, 12, 0, 0, tzinfo=UTC)
ENRICHABLE = {
    "Lead": ("Industry", "NumberOfEmployees", "AnnualRevenue", "Phone", "Description", "Title", "Website",
             "Street", "City", "State", "PostalCode", "Country"),
    "Account": ("Industry", "NumberOfEmployees", "AnnualRevenue", "Phone", "Description", "Website",
                "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Org:
    org = Org(tmp_path_factory.mktemp("seed") / "org.db", clock=lambda: NOW)
    org.seed("demo")
    return org


def test_given_two_seeds_with_same_clock_when_compared_then_identical_rows(demo: Org, tmp_path: Path) -> None:
    other = Org(tmp_path / "other.db", clock=lambda: NOW)
    started = time.perf_counter()
    other.seed("demo")
    elapsed = time.perf_counter() - started
    for sobject in ("Lead", "Account", "Contact", "Opportunity", "User"):
        assert other.store.rows(sobject)[:50] == demo.store.rows(sobject)[:50]
    assert other.store.rows("Lead")[-1] == demo.store.rows("Lead")[-1]
    assert elapsed < 10  # 12,500 records plus users: a few seconds at most


def test_given_demo_seed_when_counted_then_expected_volumes(demo: Org) -> None:
    for sobject, count in COUNTS.items():
        assert len(demo.store.rows(sobject)) == count
    assert len(demo.users()) == 21


@pytest.mark.parametrize("sobject", sorted(ENRICHABLE))
def test_given_demo_seed_when_blanks_measured_then_each_enrichable_field_30_to_60_percent(demo: Org, sobject: str) -> None:
    rows = demo.store.rows(sobject)
    ratios = {f: sum(r[f] is None for r in rows) / len(rows) for f in ENRICHABLE[sobject]}
    assert all(0.30 <= v <= 0.60 for v in ratios.values()), ratios


def test_given_demo_leads_when_inspected_then_free_mail_placeholders_and_varied_websites(demo: Org) -> None:
    leads = demo.store.rows("Lead")
    domains = [r["Email"].split("@")[1] for r in leads if r["Email"]]
    assert 0.03 < sum(d in FREE_MAIL for d in domains) / len(leads) < 0.15
    assert sum(r["Company"] == PLACEHOLDER for r in leads) > 20
    assert sum(r["Industry"] == PLACEHOLDER for r in leads) > 20
    sites = [r["Website"] for r in leads if r["Website"]] + [r["Website"] for r in demo.store.rows("Account") if r["Website"]]
    assert any(s.startswith("https://www.") and s.endswith("/") for s in sites)
    assert any("://" not in s and not s.startswith("www.") for s in sites)
    assert any(s.startswith("HTTP://") and s[7:].split("/")[0].isupper() for s in sites)
    assert any(":8080" in s for s in sites)
    assert any(not s.isascii() for s in sites)  # IDN domains such as münchen-bau.de
    tlds = {s.split("/")[2 if "://" in s else 0].split(":")[0].rsplit(".", 1)[-1].lower() for s in sites}
    assert {"com", "io", "de", "uk"} <= tlds


def test_given_demo_leads_when_owners_inspected_then_some_invisible_to_integration(demo: Org) -> None:
    private = {demo.user_by_username(u).id for u in PRIVATE_OWNERS}  # type: ignore[union-attr]
    owned = [r for r in demo.store.rows("Lead") if r["OwnerId"] in private]
    assert 200 < len(owned) < 1500


def test_given_demo_records_when_validated_against_describe_then_every_value_fits(demo: Org) -> None:
    for sobject in ("Lead", "Account", "Contact", "Opportunity"):
        obj = demo.schema.get(sobject)
        for f in obj.stored_fields():  # type: ignore[union-attr]
            values = [r[f["name"]] for r in demo.store.rows(sobject) if r[f["name"]] is not None]
            if f["type"] in ("string", "textarea", "url", "email", "phone", "picklist"):
                assert all(len(v) <= f["length"] for v in values), f["name"]
            if f.get("restrictedPicklist"):
                allowed = {p["value"] for p in f["picklistValues"]}
                assert set(values) <= allowed, f["name"]
            if not f["nillable"] and f["type"] != "boolean":
                assert len(values) == len(demo.store.rows(sobject)), f["name"]


def test_given_empty_seed_when_counted_then_only_users_and_org_row(tmp_path: Path) -> None:
    org = Org(tmp_path / "org.db", clock=lambda: NOW)
    org.seed("empty")
    org.seed("demo")  # already seeded: left alone
    assert len(org.users()) == 21 and org.store.rows("Lead") == [] and len(org.store.rows("Organization")) == 1
    with pytest.raises(ValueError):
        org.seed("full")
