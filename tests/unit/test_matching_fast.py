"""The columnar matching path against the per-value one it replaces: same key, problem and detail for any text."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.enrich import domains, matching
from core.enrich.domain_columns import SuffixRules
from core.enrich.matching import is_free_mail, match_keys, normalise_domain, normalise_email

_PSL = domains._PSL
_RULE_LIST = sorted(_PSL._publicsuffix)

_COMMON = st.sampled_from(["www", "acme", "shop", "blog", "eu", "x-y", "a1", "company7", "Www", "ACME"])
_ODD = st.one_of(
    st.sampled_from(["co", "com", "uk", "jp", "io", "github", "city", "kawasaki", "ck", "gmail", "yahoo", "hotmail",
                     "xn--mnchen-3ya", "-ab", "ab-", "a_b", "1", "192", "m\u00fcnchen", "\u212aa", "\u0130x", "",
                     "a" * 63, "a" * 64]),
    st.text(alphabet="abcxyz019-_", min_size=1, max_size=8))
_LABEL = st.one_of(_COMMON, _COMMON, _ODD)
# Common suffixes, and any rule of the real list (wildcards filled, exceptions as written), so deep, wildcard
# and exception rules all occur.
_SUFFIX = st.one_of(
    st.sampled_from(["com", "co.uk", "de", "com.au", "github.io", "kawasaki.jp", "city.kawasaki.jp", "ck", "www.ck",
                     "s3.amazonaws.com", "blogspot.com", "gmail.com", "yahoo.co.uk", "hotmail.fr", "local", "1.2"]),
    st.sampled_from(_RULE_LIST).flatmap(
        lambda rule: st.sampled_from(["x", "city", "www", "acme"]).map(lambda w: rule.lstrip("!").replace("*", w))))
_HOST = st.tuples(st.lists(_LABEL, min_size=0, max_size=3), _SUFFIX,
                  st.sampled_from(["", "", "", ".", ".."])).map(lambda t: ".".join([*t[0], t[1]]) + t[2])


def _maybe(*options: str) -> st.SearchStrategy[str]:
    """Usually nothing, else one of the options."""
    return st.one_of(st.just(""), st.just(""), st.sampled_from(options))


_SPACE = _maybe(" ", "\t", "\n", "\x0b", "\x1c", "\u3000", "\x85", "\u200b", "\ufeff")
_WEBSITE = st.tuples(
    _SPACE, _maybe("http://", "HTTPS://", "ftp://", "//", "///", "mailto:", "http:", "https:/", "a.b-c+d://"),
    _maybe("user:pw@", "a b@", "u\x0b@", "u\u3000@", "x@y@", "[::1]"), _HOST,
    _maybe(":8080", ":", ":x", ":80:90", ":80."),
    _maybe("/", "/a?b=c#d", "\\x", "?q=1", "#f", "/x y", "/\u00fcber", "/a\nb", ", acme.de"), _SPACE,
).map("".join)
_EMAIL = st.tuples(
    _SPACE, _maybe("mailto:", "Jane <", "MAILTO:"),
    st.one_of(st.sampled_from(["jane", "Jane.Doe", "o'brien", "j..d", ".j", "j.", "a+b", "j\x01", "j\x0b",
                               "j\u00fcrgen", "\u03a3\u0391\u03a3", "j d", "/j", ""]),
              st.text(alphabet="abcXYZ09._+-'!#$%&*/=?^`{|}~", min_size=1, max_size=6)),
    st.sampled_from(["@", "@", "@", "@@", ""]), _HOST, _maybe(">", "?subject=x", ". "), _SPACE,
).map("".join)
_ANY = st.one_of(_WEBSITE, _EMAIL, st.text(max_size=25), st.sampled_from(["N/A", "none", "[[unknown]]", "-", "."]))


def _per_value(value: str | None, source: str) -> tuple[str | None, str | None, str | None]:
    """(key, problem, detail) as the per-value functions decide them: the reference the columns must equal."""
    field = matching._FIELDS[source]
    if value is None:
        return None, "no_key", f"{field} is blank"
    domain, problem = normalise_email(value)[1:] if source == "email" else normalise_domain(value)
    if problem == "blank":
        return None, "no_key", f"{field} is blank"
    if domain is None:
        return None, f"invalid_{source}", f"{field}: {problem}"
    if is_free_mail(domain):
        return None, "free_mail", f"{domain} is a free-mail domain: not used for company data"
    return domain, None, None


def _plain(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in series.tolist()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.one_of(st.none(), _WEBSITE, _ANY), min_size=1, max_size=12))
@example(values=["u\x0b@acme.com", "acme.com\x1c", "\u212aacme.com", "http://\u3000acme.com", "user\u3000x@acme.com"])
def test_given_any_website_text_when_matched_as_a_column_then_same_as_the_per_value_path(values: list) -> None:
    out = match_keys(pd.DataFrame({"Website": pd.Series(values, dtype="string")}), "Account")
    expected = [_per_value(v, "website") for v in values]
    assert list(zip(_plain(out["key"]), _plain(out["problem"]), _plain(out["detail"]), strict=True)) == expected
    present = [v for v in values if v is not None]
    assert matching.normalise_many(present, "website") == [normalise_domain(v) for v in present]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.one_of(st.none(), _EMAIL, _ANY), min_size=1, max_size=12))
@example(values=["ja\x0bne@acme.com", "j\u00fcrgen@acme.com", "\u03a3\u0391\u03a3@acme.gr", "j\x1c@acme.com"])
def test_given_any_email_text_when_matched_as_a_column_then_same_as_the_per_value_path(values: list) -> None:
    records = pd.DataFrame({"Email": pd.Series(values, dtype="string")})
    out = match_keys(records, "Contact")
    expected = [_per_value(v, "email") for v in values]
    assert list(zip(_plain(out["key"]), _plain(out["problem"]), _plain(out["detail"]), strict=True)) == expected
    assert _plain(matching.email_keys(records)) == [None if v is None else normalise_email(v)[0] for v in values]
    present = [v for v in values if v is not None]
    assert matching.normalise_many(present, "email") == [normalise_email(v) for v in present]


@settings(max_examples=300, deadline=None)
@given(hosts=st.lists(_HOST.map(str.lower).filter(lambda h: h and ".." not in h and not h.startswith(".")),
                      min_size=1, max_size=20))
def test_given_any_host_when_registrable_found_by_set_lookups_then_same_as_publicsuffixlist(hosts: list[str]) -> None:
    hosts = [h.rstrip(".") for h in hosts if h.rstrip(".")]
    found = SuffixRules(_PSL).registrable(pa.array(hosts, pa.large_string())).to_pylist()
    assert found == [_PSL.privatesuffix(h) for h in hosts]


def test_given_wildcard_and_exception_rules_when_registrable_found_then_as_the_list_says() -> None:
    hosts = ["a.b.kawasaki.jp", "city.kawasaki.jp", "x.city.kawasaki.jp", "www.ck", "a.www.ck", "a.b.ck", "b.ck",
             "x.y.s3.amazonaws.com", "shop.acme.co.uk", "co.uk", "acme.github.io", "github.io", "uk"]
    found = SuffixRules(_PSL).registrable(pa.array(hosts, pa.large_string())).to_pylist()
    assert found == [_PSL.privatesuffix(h) for h in hosts]
    assert found[:6] == ["a.b.kawasaki.jp", "city.kawasaki.jp", "city.kawasaki.jp", "www.ck", "www.ck", "a.b.ck"]
    sliced = SuffixRules(_PSL).registrable(pa.array(hosts, pa.large_string()).slice(7, 3)).to_pylist()
    assert sliced == found[7:10], "a slice of a larger array reads its own values"


def test_given_many_records_of_plain_websites_when_matched_then_no_value_takes_the_per_value_path() -> None:
    normalise_domain.cache_clear()
    websites = pd.Series([f"https://www.company{i % 5000}.co.uk/about" for i in range(50_000)], dtype="string")
    out = match_keys(pd.DataFrame({"Website": websites}), "Account")
    assert normalise_domain.cache_info().misses == 0, "plain websites are cut and looked up as columns"
    assert out["key"].nunique() == 5000 and out["key"].iloc[7] == "company7.co.uk"
