"""Environments: login hosts, badges, My Domain validation and the mismatch warnings."""
from __future__ import annotations

import pytest

from core.connect.environments import environment, my_domain_warnings
from core.errors import BadInput
from core.hosts import is_production_login_host, normalize_my_domain


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


# Every current Salesforce sign-in host shape, as the Connect page's My Domain field meets it: chosen as My Domain
# (custom) it gets the badge of its kind of org and no warning; chosen as the wrong kind it is warned about.
HOST_SHAPES = [
    # url, family badge, Organization.IsSandbox expected, warned when chosen as Production, as Sandbox
    ("https://acme.my.salesforce.com", "PRODUCTION", False, False, True),
    ("https://acme--dev.sandbox.my.salesforce.com", "SANDBOX", True, True, False),
    ("https://acme--uat.my.salesforce.com", "SANDBOX", True, True, False),             # before enhanced domains
    ("https://acme-dev-ed.develop.my.salesforce.com", "PRODUCTION", False, False, True),  # Developer Edition
    ("https://acme-1234.scratch.my.salesforce.com", "SANDBOX", None, True, False),     # scratch org
    ("https://acme.demo.my.salesforce.com", "PRODUCTION", False, False, True),          # demo org
    ("https://acme.trailblaze.my.salesforce.com", "PRODUCTION", False, False, True),    # Trailhead Playground
    ("https://acme.free.my.salesforce.com", "PRODUCTION", False, False, True),          # free org
    ("https://acme.patch.my.salesforce.com", "PRODUCTION", None, False, False),         # partner patch org
    ("https://agency.my.salesforce.mil", "PRODUCTION", False, False, True),             # Government Cloud Plus
    ("https://agency--uat.sandbox.my.salesforce.mil", "SANDBOX", True, True, False),    # its sandbox
]


@pytest.mark.parametrize(("url", "badge", "expects", "warn_production", "warn_sandbox"), HOST_SHAPES)
def test_given_each_salesforce_host_shape_when_chosen_then_badge_expectation_and_warnings_fit_the_org(
        url: str, badge: str, expects: bool | None, warn_production: bool, warn_sandbox: bool) -> None:
    env = environment("custom", url)
    assert (env.login_url, env.badge, env.expects_sandbox) == (url, badge, expects)
    assert my_domain_warnings("custom", url) == []
    assert bool(my_domain_warnings("production", url)) is warn_production
    assert bool(my_domain_warnings("sandbox", url)) is warn_sandbox
    assert environment("production", url).login_url == environment("sandbox", url).login_url == url


@pytest.mark.parametrize(("url", "suggestion"), [
    ("https://acme.lightning.force.com", "https://acme.my.salesforce.com"),
    ("https://acme--dev.sandbox.lightning.force.com", "https://acme--dev.sandbox.my.salesforce.com"),
    ("https://acme-dev-ed.develop.lightning.force.com", "https://acme-dev-ed.develop.my.salesforce.com"),
    ("https://acme.my.salesforce-setup.com", "https://acme.my.salesforce.com"),
    ("https://agency.lightning.force.mil", "https://agency.my.salesforce.mil"),
    ("https://agency.lightning.crmforce.mil", "https://agency.my.salesforce.mil"),
])
def test_given_an_app_or_setup_address_when_validated_then_the_fix_names_its_sign_in_host(url: str,
                                                                                           suggestion: str) -> None:
    with pytest.raises(BadInput) as caught:
        normalize_my_domain(url)
    assert caught.value.cause == "my_domain_lightning" and f"({suggestion})" in caught.value.fix


@pytest.mark.parametrize(("url", "cause"), [
    ("https:acme.my.salesforce.com", "my_domain_invalid"),      # no // : the host reads as a port
    ("https://acme.my.salesforce.com:abc", "my_domain_invalid"),
    ("https://[x](http://127.0.0.1:9/a).my.salesforce.com", "my_domain_invalid"),  # brackets read as an IPv6 host
    ("https://acme.my.site.com", "my_domain_site"),
    ("https://acme.force.com", "my_domain_site"),
])
def test_given_a_malformed_or_site_url_when_validated_then_bad_input_not_a_crash(url: str, cause: str) -> None:
    with pytest.raises(BadInput) as caught:
        environment("custom", url)
    assert caught.value.cause == cause and caught.value.fix


def test_given_a_sandbox_my_domain_as_custom_when_checked_then_no_generic_host_warning() -> None:
    assert my_domain_warnings("custom", "https://acme--dev.sandbox.my.salesforce.com") == []
    assert "Choose Production" in my_domain_warnings("custom", "https://login.salesforce.com")[0]
