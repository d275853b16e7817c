"""HTTP JSON source against a real local HTTP server: 200, 202, 404, 429, 5xx, caching, rate limit, secrecy."""
from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import diskcache
import pandas as pd
import pytest

from core.enrich.providers import HttpProvider, Provider, ProviderHttpError
from core.enrich.providers.base import flatten
from core.enrich.providers.ratelimit import TokenBucket

SECRET = "sk_live_7fQ2-very-secret-key"

ACME = {
    "name": "Acme",
    "domain": "acme.com",
    "category": {"industry": "Internet Software & Services", "subIndustry": "Application Software"},
    "metrics": {"employees": 250, "employeesRange": "251-1K", "annualRevenue": None},
    "geo": {"city": "Austin", "state": "Texas", "country": "United States"},
    "tech": ["salesforce", "stripe"],
    "foundedYear": 2009,
}


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class EnrichmentServer:
    """A tiny Clearbit-shaped API on 127.0.0.1 that counts the requests for each domain."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.auth_headers: list[str] = []
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                domain = query.get("domain", [""])[0]
                server.hits[domain] += 1
                server.paths.append(self.path)
                server.auth_headers.append(self.headers.get("Authorization", ""))
                status, body, headers = server.answer(domain, self.headers.get("Authorization", ""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v2/companies/find?domain={{domain}}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, domain: str, auth: str) -> tuple[int, object, dict[str, str]]:
        if auth != f"Bearer {SECRET}":
            return 401, {"error": {"type": "auth", "message": "Invalid API key"}}, {}
        n = self.hits[domain]
        if domain == "acme.com":
            return 200, ACME, {}
        if re.fullmatch(r"co\d+\.com", domain):  # co1.com, co2.com ... for the rate limit
            return 200, {"name": domain.split(".")[0].title(), "domain": domain}, {}
        if domain == "queued.com":
            return (202, {"status": "queued"}, {}) if n <= 2 else (200, {"name": "Queued Inc", "domain": domain}, {})
        if domain == "forever-queued.com":
            return 202, {"status": "queued"}, {}
        if domain == "missing.com":
            return 404, {"error": {"type": "unknown_record"}}, {}
        if domain == "busy.com":
            return (429, {"error": "rate limit"}, {"Retry-After": "7"}) if n == 1 else (200, {"name": "Busy"}, {})
        if domain == "flaky.com":
            return (503, None, {}) if n == 1 else (200, {"name": "Flaky"}, {})
        if domain == "combined.com":
            return 200, {"company": {"name": "Combined", "metrics": {"employees": 12}},
                         "person": {"employment": {"title": "CTO"}}}, {}
        if domain == "html.com":
            return 200, ["not", "an", "object"], {}
        if domain == "down.com":
            return 503, None, {}
        return 404, None, {}


@pytest.fixture
def server() -> Iterator[EnrichmentServer]:
    srv = EnrichmentServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[diskcache.Cache]:
    with diskcache.Cache(str(tmp_path / "cache")) as c:
        yield c


def _provider(server: EnrichmentServer, cache: diskcache.Cache | None, clock: FakeClock, **kw: object) -> HttpProvider:
    return HttpProvider(SECRET, url_template=server.url, cache=cache, clock=clock.clock, sleep=clock.sleep, **kw)  # type: ignore[arg-type]


def test_given_200_when_looked_up_then_nested_json_flattened_and_typed(server: EnrichmentServer, cache: diskcache.Cache) -> None:
    provider = _provider(server, cache, FakeClock())
    assert isinstance(provider, Provider)
    frame = provider.lookup(["acme.com", "acme.com"])
    assert list(frame.index) == ["acme.com"] and server.hits["acme.com"] == 1
    row = frame.loc["acme.com"]
    assert row["category.industry"] == "Internet Software & Services"
    assert row["geo.city"] == "Austin" and row["metrics.employeesRange"] == "251-1K"
    assert row["metrics.employees"] == 250 and str(frame["metrics.employees"].dtype) == "Int64"
    assert row["tech"] == ["salesforce", "stripe"]
    assert pd.isna(row["metrics.annualRevenue"])
    assert isinstance(frame["name"].dtype, pd.StringDtype)
    assert server.auth_headers == [f"Bearer {SECRET}"]
    assert SECRET not in "".join(server.paths), "the key travels in a header, never in the URL"


def test_given_cached_answers_when_looked_up_again_then_server_not_asked(
    server: EnrichmentServer, cache: diskcache.Cache
) -> None:
    clock = FakeClock()
    first = _provider(server, cache, clock).fetch(["acme.com", "missing.com"])
    assert first.requests == 2 and first.cache_hits == 0 and first.not_found == ["missing.com"]
    again = _provider(server, cache, clock).fetch(["acme.com", "missing.com"])  # a new provider, same cache
    assert again.requests == 0 and again.cache_hits == 2
    assert server.hits == Counter({"acme.com": 1, "missing.com": 1})
    assert again.frame.loc["acme.com", "name"] == "Acme" and "missing.com" not in again.frame.index


def test_given_answers_cached_then_found_kept_30_days_and_404_7_days(server: EnrichmentServer, cache: diskcache.Cache) -> None:
    provider = _provider(server, cache, FakeClock())
    provider.lookup(["acme.com", "missing.com"])
    _, found_expiry = cache.get(provider.cache_key("acme.com"), expire_time=True)
    _, missing_expiry = cache.get(provider.cache_key("missing.com"), expire_time=True)
    now = time.time()
    assert 29.9 * 86400 < found_expiry - now <= 30 * 86400
    assert 6.9 * 86400 < missing_expiry - now <= 7 * 86400


def test_given_404_when_looked_up_then_no_data_not_an_error(server: EnrichmentServer) -> None:
    frame = _provider(server, None, FakeClock()).lookup(["missing.com"])
    assert frame.empty and frame.attrs["not_found"] == ["missing.com"]


def test_given_202_then_200_when_looked_up_then_retried_later_and_found(server: EnrichmentServer, cache: diskcache.Cache) -> None:
    clock = FakeClock()
    outcome = _provider(server, cache, clock, queued_delay=5.0).fetch(["queued.com", "acme.com"])
    assert outcome.frame.loc["queued.com", "name"] == "Queued Inc"
    assert outcome.queued == [] and server.hits["queued.com"] == 3 and server.hits["acme.com"] == 1
    assert [s for s in clock.sleeps if s >= 5] == [5.0, 10.0], "queued keys wait, with backoff, between rounds"


def test_given_always_202_when_looked_up_then_reported_queued_not_data_and_not_cached(
    server: EnrichmentServer, cache: diskcache.Cache
) -> None:
    provider = _provider(server, cache, FakeClock(), queued_retries=2)
    frame = provider.lookup(["forever-queued.com"])
    assert frame.empty and frame.attrs["queued"] == ["forever-queued.com"]
    assert server.hits["forever-queued.com"] == 3, "one try plus two bounded retries"
    assert provider.cache_key("forever-queued.com") not in cache
    provider.lookup(["forever-queued.com"])
    assert server.hits["forever-queued.com"] == 6, "a queued answer is asked again next time"


def test_given_429_with_retry_after_when_looked_up_then_waits_that_long_and_retries(server: EnrichmentServer) -> None:
    clock = FakeClock()
    frame = _provider(server, None, clock).lookup(["busy.com"])
    assert frame.loc["busy.com", "name"] == "Busy"
    assert 7.0 in clock.sleeps and server.hits["busy.com"] == 2


def test_given_one_503_when_looked_up_then_retried(server: EnrichmentServer) -> None:
    frame = _provider(server, None, FakeClock()).lookup(["flaky.com"])
    assert frame.loc["flaky.com", "name"] == "Flaky" and server.hits["flaky.com"] == 2


def test_given_persistent_503_when_looked_up_then_clear_error_after_bounded_retries_and_no_key(
    server: EnrichmentServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    with pytest.raises(ProviderHttpError) as caught:
        _provider(server, None, clock, server_retries=3).lookup(["down.com"])
    error = caught.value
    assert "answered 503 for down.com 4 times" in error.message and error.fix
    assert server.hits["down.com"] == 4 and clock.sleeps[-3:] == [1.0, 2.0, 4.0]
    assert SECRET not in str(error) and SECRET not in repr(error) and SECRET not in error.fix
    assert caplog.records and all(SECRET not in r.getMessage() for r in caplog.records)


def test_given_wrong_key_when_looked_up_then_refused_error_without_the_key(server: EnrichmentServer) -> None:
    wrong = "sk_wrong_key_123456"
    provider = HttpProvider(wrong, url_template=server.url, sleep=FakeClock().sleep)
    with pytest.raises(ProviderHttpError) as caught:
        provider.lookup(["acme.com"])
    assert "refused the API key (401)" in caught.value.message
    assert wrong not in str(caught.value) and wrong not in repr(provider)


def test_given_unreachable_host_when_looked_up_then_error_after_retries_without_key() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    clock = FakeClock()
    provider = HttpProvider(SECRET, url_template=f"http://127.0.0.1:{port}/find?domain={{domain}}",
                            clock=clock.clock, sleep=clock.sleep, server_retries=2, timeout=2)
    with pytest.raises(ProviderHttpError) as caught:
        provider.lookup(["acme.com"])
    assert "Could not reach 127.0.0.1" in caught.value.message and SECRET not in str(caught.value)
    assert clock.sleeps == [1.0, 2.0]


def test_given_cache_then_no_key_or_secret_in_cache_keys_or_values(server: EnrichmentServer, cache: diskcache.Cache) -> None:
    _provider(server, cache, FakeClock()).lookup(["acme.com", "missing.com"])
    keys = list(cache.iterkeys())
    assert len(keys) == 2
    assert all(SECRET not in str(k) and SECRET not in str(cache[k]) for k in keys)


def test_given_60_per_minute_when_five_lookups_then_one_per_second_on_the_injected_clock(server: EnrichmentServer) -> None:
    clock = FakeClock()
    provider = _provider(server, None, clock, rate_per_minute=60)
    frame = provider.lookup([f"co{i}.com" for i in range(5)])
    assert len(frame) == 5
    assert clock.sleeps == pytest.approx([1.0, 1.0, 1.0, 1.0])
    assert clock.now - 1000.0 == pytest.approx(4.0)


def test_given_default_limit_when_1200_acquisitions_then_about_two_minutes() -> None:
    clock = FakeClock()
    bucket = TokenBucket(600, clock=clock.clock, sleep=clock.sleep)
    for _ in range(1200):
        bucket.acquire()
    assert (1200 - 10) / 10 - 0.01 <= clock.now - 1000.0 <= 1200 / 10, "600 per minute, a 10-token burst"


def test_given_key_placeholder_in_template_then_refused() -> None:
    with pytest.raises(ValueError, match="header"):
        HttpProvider(SECRET, url_template="https://api.example.com/find?domain={domain}&key={api_key}")


def test_given_nested_json_when_flattened_then_attribute_paths() -> None:
    assert flatten({"geo": {"city": "X", "lat": 1.5}, "tech": ["a"], "name": "N"}) == {
        "geo.city": "X", "geo.lat": 1.5, "tech": ["a"], "name": "N",
    }


def test_given_combined_answer_when_looked_up_then_company_at_root_and_person_under_prefix(
    server: EnrichmentServer,
) -> None:
    provider = HttpProvider(SECRET, url_template=server.url.replace("{domain}", "{key}"), kind="combined",
                            sleep=FakeClock().sleep)
    row = provider.lookup(["combined.com"]).loc["combined.com"]
    assert row["name"] == "Combined" and row["metrics.employees"] == 12
    assert row["person.employment.title"] == "CTO"


def test_given_200_that_is_not_a_json_object_when_looked_up_then_clear_error(server: EnrichmentServer) -> None:
    with pytest.raises(ProviderHttpError, match="not a JSON object"):
        _provider(server, None, FakeClock()).lookup(["html.com"])


def test_given_cache_directory_path_when_looked_up_twice_then_second_from_disk(server: EnrichmentServer, tmp_path: Path) -> None:
    clock = FakeClock()
    _provider(server, tmp_path / "enrich-cache", clock).lookup(["acme.com"])  # type: ignore[arg-type]
    again = _provider(server, tmp_path / "enrich-cache", clock).fetch(["acme.com"])  # type: ignore[arg-type]
    assert again.cache_hits == 1 and server.hits["acme.com"] == 1
