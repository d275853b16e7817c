"""Environments: login hosts, badges, My Domain validation and the mismatch warnings."""
from __future__ import annotations

import pytest

from core.connect.environments import environment, is_production_login_host, my_domain_warnings, normalize_my_domain
from core.errors import BadInput


def test_given_production_when_built_then_login_host_and_badge() -> None:
    env = environment("production")
    assert (env.login_url, env.badge, env.expects_sandbox) == ("https://login.salesforce.com", "PRODUCTION", False)


def test_given_sandbox_when_built_then_test_host_and_sandbox_badge() -> None:
    env = environment("sandbox")
    assert (env.login_url, env.badge, env.expects_sandbox) == ("https://test.salesforce.com", "SANDBOX", True)


def test_given_demo_with_login_url_when_built_then_demo_badge_and_no_expectation() -> None:
    env = environment("demo", login_url="http://127.0.0.1:5555/")
    assert (env.login_url, env.badge, env.expects_sandbox, env.label) == (
        "http://127.0.0.1:5555", "DEMO", None, "Demo org")


@pytest.mark.parametrize(("url", "origin", "badge", "expects"), [
    ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com", "PRODUCTION", False),
    ("acme.my.salesforce.com/", "https://acme.my.salesforce.com", "PRODUCTION", False),
    ("https://ACME--uat.sandbox.my.salesforce.com/home", "https://acme--uat.sandbox.my.salesforce.com", "SANDBOX", True),
    ("https://acme--uat.my.salesforce.com", "https://acme--uat.my.salesforce.com", "SANDBOX", True),
    ("https://dev-ed.develop.my.salesforce.com", "https://dev-ed.develop.my.salesforce.com", "PRODUCTION", False),
    ("https://x.scratch.my.salesforce.com", "https://x.scratch.my.salesforce.com", "SANDBOX", None),
])
def test_given_my_domain_when_custom_then_origin_badge_and_expectation(url: str, origin: str, badge: str,
                                                                      expects: bool | None) -> None:
    env = environment("custom", url)
    assert (env.login_url, env.badge, env.expects_sandbox) == (origin, badge, expects)
    assert env.label == f"My Domain ({origin.removeprefix('https://')})"


@pytest.mark.parametrize(("url", "cause"), [
    ("http://acme.my.salesforce.com", "my_domain_not_https"),
    ("https://acme.lightning.force.com", "my_domain_lightning"),
    ("https://example.com", "my_domain_not_salesforce"),
    ("https://my.salesforce.com", "my_domain_not_salesforce"),
    ("https://acme.my.salesforce.com.evil.com", "my_domain_not_salesforce"),
    ("https://acme.my.salesforce.com:8443", "my_domain_invalid"),
    ("https://user:pw@acme.my.salesforce.com", "my_domain_invalid"),
    ("https://", "my_domain_invalid"),
])
def test_given_bad_my_domain_when_validated_then_bad_input_with_fix(url: str, cause: str) -> None:
    with pytest.raises(BadInput) as caught:
        environment("custom", url)
    assert caught.value.cause == cause
    assert caught.value.fix


def test_given_lightning_url_when_validated_then_fix_names_the_my_domain_url() -> None:
    with pytest.raises(BadInput) as caught:
        normalize_my_domain("https://acme--uat.sandbox.lightning.force.com/lightning/page/home")
    assert "https://acme--uat.sandbox.my.salesforce.com" in caught.value.fix


def test_given_custom_without_domain_when_built_then_bad_input() -> None:
    with pytest.raises(BadInput):
        environment("custom")


def test_given_unknown_kind_when_built_then_bad_input() -> None:
    with pytest.raises(BadInput):
        environment("staging")


def test_given_production_with_my_domain_when_built_then_login_url_is_the_domain() -> None:
    env = environment("production", "acme.my.salesforce.com")
    assert (env.login_url, env.badge, env.label) == ("https://acme.my.salesforce.com", "PRODUCTION",
                                                     "Production (acme.my.salesforce.com)")


def test_given_sandbox_domain_chosen_as_production_when_checked_then_warning() -> None:
    warnings = my_domain_warnings("production", "https://acme--uat.sandbox.my.salesforce.com")
    assert len(warnings) == 1 and "sandbox" in warnings[0]


def test_given_production_domain_chosen_as_sandbox_when_checked_then_warning() -> None:
    assert my_domain_warnings("sandbox", "https://acme.my.salesforce.com")


def test_given_matching_domain_when_checked_then_no_warning() -> None:
    assert my_domain_warnings("sandbox", "https://acme--uat.sandbox.my.salesforce.com") == []
    assert my_domain_warnings("production", "https://acme.my.salesforce.com") == []


def test_given_generic_login_host_as_custom_when_checked_then_warning_points_to_the_kind() -> None:
    assert "Choose Sandbox" in my_domain_warnings("custom", "https://test.salesforce.com")[0]


def test_given_environment_when_round_tripped_through_dict_then_equal() -> None:
    from core.connect.environments import Environment
    env = environment("custom", "acme--uat.sandbox.my.salesforce.com")
    assert Environment.from_dict(env.to_dict()) == env


@pytest.mark.parametrize(("url", "production"), [
    ("https://login.salesforce.com", True), ("LOGIN.salesforce.com/services/oauth2/token", True),
    ("https://acme.my.salesforce.com", True), ("https://acme.develop.my.salesforce.com", True),
    ("https://test.salesforce.com", False), ("https://acme--uat.sandbox.my.salesforce.com", False),
    ("https://acme--uat.my.salesforce.com", False), ("https://acme.scratch.my.salesforce.com", False),
    ("https://127.0.0.1:8443", False), ("http://login.salesforce.com", False), ("", False), (None, False),
])
def test_given_a_token_host_when_asked_if_production_login_then_only_production_families(url: str | None,
                                                                                       production: bool) -> None:
    assert is_production_login_host(url) is production


def test_given_the_org_found_when_it_contradicts_the_choice_then_only_the_badge_follows_the_org() -> None:
    production, sandbox = environment("production"), environment("sandbox")
    assert production.as_found(False) is production and sandbox.as_found(True) is sandbox
    found = production.as_found(True)
    assert (found.kind, found.label, found.login_url, found.expects_sandbox, found.badge) == (
        "production", "Production", "https://login.salesforce.com", False, "SANDBOX")
    assert sandbox.as_found(False).badge == "PRODUCTION"
    scratch = environment("custom", "https://acme.scratch.my.salesforce.com")  # expects nothing: badge as chosen
    assert scratch.as_found(False) is scratch and scratch.as_found(True) is scratch
