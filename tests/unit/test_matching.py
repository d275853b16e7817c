"""Matching: real-world website and email shapes -> registrable domain key, or a named problem."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.enrich import matching
from core.enrich.matching import FREE_MAIL, email_keys, match_keys, normalise_domain, normalise_email

NA = None

# (object, Website, Email, expected key, expected key_source, expected problem)
CASES = [
    # Accounts: Website shapes
    ("Account", "acme.com", NA, "acme.com", "website", NA),
    ("Account", "https://www.acme.com", NA, "acme.com", "website", NA),
    ("Account", "HTTP://WWW.ACME.COM/", NA, "acme.com", "website", NA),
    ("Account", "  www.acme.com  ", NA, "acme.com", "website", NA),
    ("Account", "https://acme.com/about-us?utm_source=x#team", NA, "acme.com", "website", NA),
    ("Account", "acme.com:8443", NA, "acme.com", "website", NA),
    ("Account", "https://admin:secret@acme.com:8080/login", NA, "acme.com", "website", NA),
    ("Account", "acme.com.", NA, "acme.com", "website", NA),
    ("Account", "//acme.com/path", NA, "acme.com", "website", NA),
    ("Account", "blog.shop.acme.com", NA, "acme.com", "website", NA),
    ("Account", "www2.acme.com", NA, "acme.com", "website", NA),
    ("Account", "https://www.acme.co.uk/en-gb/", NA, "acme.co.uk", "website", NA),
    ("Account", "shop.acme.com.au", NA, "acme.com.au", "website", NA),
    ("Account", "https://acme.co.jp", NA, "acme.co.jp", "website", NA),
    ("Account", "acme-tools.de", NA, "acme-tools.de", "website", NA),
    ("Account", "https://münchen.de", NA, "xn--mnchen-3ya.de", "website", NA),
    ("Account", "www.BÜCHER.de", NA, "xn--bcher-kva.de", "website", NA),
    ("Account", "xn--mnchen-3ya.de", NA, "xn--mnchen-3ya.de", "website", NA),
    ("Account", "例え。テスト.jp", NA, "xn--zckzah.jp", "website", NA),
    ("Account", "acme.github.io", NA, "acme.github.io", "website", NA),
    ("Account", "https://docs.acme.github.io/x", NA, "acme.github.io", "website", NA),
    ("Account", "http://acme.com\\index.html", NA, "acme.com", "website", NA),
    ("Account", "ftp://files.acme.org", NA, "acme.org", "website", NA),
    ("Account", "info@acme.com", NA, "acme.com", "website", NA),
    ("Account", "acme.com:8080/go?to=http://other.com", NA, "acme.com", "website", NA),
    ("Account", "http:acme.com", NA, "acme.com", "website", NA),
    ("Account", "github.io", NA, NA, NA, "invalid_website"),
    ("Account", "co.uk", NA, NA, NA, "invalid_website"),
    ("Account", "localhost", NA, NA, NA, "invalid_website"),
    ("Account", "acme", NA, NA, NA, "invalid_website"),
    ("Account", "192.168.1.10", NA, NA, NA, "invalid_website"),
    ("Account", "http://[2001:db8::1]:8080/", NA, NA, NA, "invalid_website"),
    ("Account", "acme .com", NA, NA, NA, "invalid_website"),
    ("Account", "acme.com, acme.de", NA, NA, NA, "invalid_website"),
    ("Account", "acme..com", NA, NA, NA, "invalid_website"),
    ("Account", "my_company.com", NA, NA, NA, "invalid_website"),
    ("Account", "-acme.com", NA, NA, NA, "invalid_website"),
    ("Account", "intranet.local", NA, NA, NA, "invalid_website"),
    ("Account", "http://", NA, NA, NA, "invalid_website"),
    ("Account", "gmail.com", NA, NA, NA, "free_mail"),
    ("Account", NA, NA, NA, NA, "no_key"),
    ("Account", "", NA, NA, NA, "no_key"),
    ("Account", "   ", NA, NA, NA, "no_key"),
    ("Account", "N/A", NA, NA, NA, "no_key"),
    ("Account", "[[unknown]]", NA, NA, NA, "no_key"),
    # Contacts: Email shapes
    ("Contact", NA, "jane@acme.com", "acme.com", "email", NA),
    ("Contact", NA, "  Jane.Doe@ACME.COM ", "acme.com", "email", NA),
    ("Contact", NA, "jane+crm@eu.mail.acme.co.uk", "acme.co.uk", "email", NA),
    ("Contact", NA, "Jane Doe <jane@acme.com>", "acme.com", "email", NA),
    ("Contact", NA, "mailto:jane@acme.com", "acme.com", "email", NA),
    ("Contact", NA, "o'brien@acme.ie", "acme.ie", "email", NA),
    ("Contact", NA, "jürgen@münchen.de", "xn--mnchen-3ya.de", "email", NA),
    ("Contact", NA, "jane@acme.com.", "acme.com", "email", NA),
    ("Contact", "acme.com", "jane@gmail.com", NA, NA, "free_mail"),
    ("Contact", NA, "jane@googlemail.com", NA, NA, "free_mail"),
    ("Contact", NA, "jane@yahoo.co.uk", NA, NA, "free_mail"),
    ("Contact", NA, "jane@hotmail.fr", NA, NA, "free_mail"),
    ("Contact", NA, "jane@gmx.de", NA, NA, "free_mail"),
    ("Contact", NA, "jane@proton.me", NA, NA, "free_mail"),
    ("Contact", NA, "jane@qq.com", NA, NA, "free_mail"),
    ("Contact", NA, "jane.acme.com", NA, NA, "invalid_email"),
    ("Contact", NA, "jane@@acme.com", NA, NA, "invalid_email"),
    ("Contact", NA, "jane@acme", NA, NA, "invalid_email"),
    ("Contact", NA, "jane doe@acme.com", NA, NA, "invalid_email"),
    ("Contact", NA, "jane@acme.com; joe@acme.com", NA, NA, "invalid_email"),
    ("Contact", NA, "@acme.com", NA, NA, "invalid_email"),
    ("Contact", NA, "jane@", NA, NA, "invalid_email"),
    ("Contact", NA, "jane@10.0.0.1", NA, NA, "invalid_email"),
    ("Contact", NA, NA, NA, NA, "no_key"),
    # Leads: Email domain first, then Website
    ("Lead", "other.com", "jane@acme.com", "acme.com", "email", NA),
    ("Lead", "https://www.acme.com", "jane@gmail.com", "acme.com", "website", NA),
    ("Lead", "acme.com", "not-an-email", "acme.com", "website", NA),
    ("Lead", "acme.com", NA, "acme.com", "website", NA),
    ("Lead", NA, "jane@gmail.com", NA, NA, "free_mail"),
    ("Lead", "not a site", "jane@gmail.com", NA, NA, "free_mail"),
    ("Lead", "localhost", NA, NA, NA, "invalid_website"),
    ("Lead", "hotmail.com", NA, NA, NA, "free_mail"),
    ("Lead", NA, "jane@", NA, NA, "invalid_email"),
    ("Lead", NA, NA, NA, NA, "no_key"),
]


def _frame(website: str | None, email: str | None) -> pd.DataFrame:
    return pd.DataFrame({"Website": [website], "Email": [email]}, index=["001"], dtype="string")


@pytest.mark.parametrize(("sobject", "website", "email", "key", "source", "problem"), CASES)
def test_given_real_world_shape_when_matched_then_key_or_problem(
    sobject: str, website: str | None, email: str | None, key: str | None, source: str | None, problem: str | None
) -> None:
    row = match_keys(_frame(website, email), sobject).loc["001"]
    assert (None if pd.isna(row["key"]) else row["key"]) == key
    assert (None if pd.isna(row["key_source"]) else row["key_source"]) == source
    assert (None if pd.isna(row["problem"]) else row["problem"]) == problem
    if problem is not None:
        assert isinstance(row["detail"], str) and row["detail"], "every problem carries a human detail"


def test_given_the_table_has_enough_shapes_then_at_least_40() -> None:
    assert len(CASES) >= 40


def test_given_all_shapes_in_one_frame_when_matched_then_same_as_one_by_one() -> None:
    for sobject in ("Account", "Contact", "Lead"):
        rows = [c for c in CASES if c[0] == sobject]
        frame = pd.DataFrame(
            {"Website": [c[1] for c in rows], "Email": [c[2] for c in rows]}, index=range(len(rows)), dtype="string"
        )
        out = match_keys(frame, sobject)
        expected = pd.Series([c[3] for c in rows], index=frame.index, dtype="string", name="key")
        pd.testing.assert_series_equal(out["key"], expected)
        assert list(out["problem"].astype(object).where(out["problem"].notna(), None)) == [c[5] for c in rows]


def test_given_free_mail_email_when_matched_then_detail_says_not_used_for_company_data() -> None:
    out = match_keys(_frame(None, "jane@gmail.com"), "Contact")
    assert out.loc["001", "detail"] == "gmail.com is a free-mail domain: not used for company data"


def test_given_lead_matched_by_website_after_free_mail_then_detail_says_why() -> None:
    out = match_keys(_frame("acme.com", "jane@gmail.com"), "Lead")
    assert "free-mail" in out.loc["001", "detail"] and "matched by Website" in out.loc["001", "detail"]


def test_given_output_then_index_columns_and_dtypes_follow_the_contract() -> None:
    records = pd.DataFrame({"Website": ["acme.com", None]}, index=pd.Index(["001A", "001B"], name="Id"))
    out = match_keys(records, "Account")
    assert list(out.columns) == ["key", "key_source", "problem", "detail"]
    assert out.index.equals(records.index)
    assert all(isinstance(dtype, pd.StringDtype) for dtype in out.dtypes)
    assert out["key"].isna().tolist() == [False, True]


def test_given_missing_field_when_matched_then_no_key_not_a_crash() -> None:
    out = match_keys(pd.DataFrame({"Name": ["Acme"]}), "Account")
    assert out["problem"].tolist() == ["no_key"]


def test_given_unknown_object_when_matched_then_value_error() -> None:
    with pytest.raises(ValueError, match="Opportunity"):
        match_keys(pd.DataFrame({"Website": ["acme.com"]}), "Opportunity")


def test_given_100k_records_of_few_values_when_matched_then_only_unique_odd_values_take_the_scalar_path() -> None:
    normalise_domain.cache_clear()
    websites = pd.Series(["https://a-one.com", "b-two.co.uk", "nonsense", "ftp:/x y", None] * 20_000, dtype="string")
    out = match_keys(pd.DataFrame({"Website": websites}), "Account")
    info = normalise_domain.cache_info()
    assert info.misses == 2 and info.hits == 0, "plain hosts vectorised; each odd value normalised once"
    assert out["key"].value_counts().to_dict() == {"a-one.com": 20_000, "b-two.co.uk": 20_000}
    assert out["problem"].value_counts().to_dict() == {"invalid_website": 40_000, "no_key": 20_000}


@pytest.mark.parametrize("kind", ["website", "email"])
def test_given_every_table_value_when_normalised_in_bulk_then_same_as_scalar(kind: str) -> None:
    values = sorted({c[1] if kind == "website" else c[2] for c in CASES} - {None})
    scalar = normalise_domain if kind == "website" else normalise_email
    assert matching.normalise_many(values, kind) == [scalar(v) for v in values]


def test_given_scalar_helpers_then_they_agree_with_the_table() -> None:
    assert normalise_domain("https://www.Acme.co.uk:443/x") == ("acme.co.uk", None)
    domain, problem = normalise_domain("co.uk")
    assert domain is None and "public suffix" in problem
    assert normalise_email("Jane <Jane@Mail.Acme.com>") == ("jane@mail.acme.com", "acme.com", None)
    assert normalise_email("nope")[2] is not None


def test_given_free_mail_set_then_common_providers_and_families_covered() -> None:
    for domain in ("gmail.com", "googlemail.com", "outlook.com", "hotmail.co.uk", "live.com", "icloud.com",
                   "me.com", "aol.com", "gmx.net", "web.de", "proton.me", "protonmail.com", "yandex.ru",
                   "mail.ru", "qq.com", "163.com", "zoho.com", "yahoo.com"):
        assert domain in FREE_MAIL, domain
    assert matching.is_free_mail("yahoo.com.tw") and not matching.is_free_mail("yahoo-partners.com")


def test_given_contacts_then_email_keys_are_normalised_addresses() -> None:
    records = pd.DataFrame({"Email": [" Jane@ACME.com ", "broken", None]})
    assert email_keys(records).tolist() == ["jane@acme.com", pd.NA, pd.NA]


def test_given_network_blocked_when_matching_then_public_suffix_list_works_offline() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n    raise OSError('network used')\n"
        "socket.socket = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
        "from core.enrich.matching import normalise_domain\n"
        "assert normalise_domain('shop.acme.co.uk') == ('acme.co.uk', None)\n"
        "assert normalise_domain('x.acme.github.io') == ('acme.github.io', None)\n"
        "print('offline ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "offline ok" in result.stdout


_URLISH = st.text(alphabet="abcxyz019-._:/?#@ \u00fc\u3002", min_size=0, max_size=30)
_HOSTISH = st.lists(st.sampled_from(["www", "acme", "co", "uk", "com", "github", "io", "x-y", "gmail", "b\u00fccher"]),
                    min_size=1, max_size=4).map(".".join)


@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from(["", "https://", "http://user:pw@", "//", "mailto:", "jane@"]), host=_HOSTISH,
       tail=st.sampled_from(["", "/", ":8080", "/a?b=c", ".", " ", "#x"]), noise=_URLISH)
def test_given_any_urlish_text_when_normalised_in_bulk_then_same_as_scalar(prefix: str, host: str, tail: str, noise: str) -> None:
    values = [prefix + host + tail, noise, prefix + noise + tail]
    assert matching.normalise_many(values, "website") == [normalise_domain(v) for v in values]
    assert matching.normalise_many(values, "email") == [normalise_email(v) for v in values]
