"""Enrichment over a JSON HTTP API (Clearbit-compatible by default): rate-limited, retried, cached 30 days."""
from __future__ import annotations

import email.utils
import hashlib
import logging
import string
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import diskcache
import pandas as pd
import requests

from core.enrich.providers.base import ProviderError, attributes_from_json, frame_from_attributes, unique_keys
from core.enrich.providers.ratelimit import TokenBucket

log = logging.getLogger(__name__)

DEFAULT_URL_TEMPLATE = "https://company.clearbit.com/v2/companies/find?domain={domain}"
DAY = 24 * 3600
FOUND_TTL = 30 * DAY
NOT_FOUND_TTL = 7 * DAY
_PLACEHOLDERS = {"domain", "email", "key"}


class ProviderHttpError(ProviderError):
    """The enrichment API could not be used (refused key, repeated server errors, unreachable host).

    Answers already received are cached, so running the lookup again resumes where it stopped.
    """


@dataclass
class HttpLookup:
    """One lookup's outcome: the attribute frame plus the keys that got no data, and why."""

    frame: pd.DataFrame
    queued: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)
    cache_hits: int = 0
    requests: int = 0


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class HttpProvider:
    """A JSON enrichment API looked up one key at a time, within a rate limit, with answers cached.

    202 (queued) is retried in later rounds and reported as queued if it never resolves; 404 means no
    data (cached for a shorter time); 429 waits for Retry-After; 5xx and network errors are retried
    with backoff, then raised as ProviderHttpError. The API key travels only in a header: never in a
    URL, an error message, a log line or a cache key.
    """

    def __init__(
        self,
        api_key: str,
        *,
        url_template: str = DEFAULT_URL_TEMPLATE,
        cache: diskcache.Cache | str | Path | None = None,
        name: str = "http",
        kind: str = "company",
        auth: str = "bearer",
        rate_per_minute: float = 600,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        queued_retries: int = 3,
        queued_delay: float = 5.0,
        server_retries: int = 3,
        server_backoff: float = 1.0,
        rate_limit_retries: int = 5,
        max_retry_after: float = 300.0,
        timeout: float = 15.0,
        found_ttl: float = FOUND_TTL,
        not_found_ttl: float = NOT_FOUND_TTL,
        session: requests.Session | None = None,
    ) -> None:
        """cache: a diskcache.Cache or its directory (None: no caching).

        auth: "bearer" (Authorization: Bearer KEY), "basic" (KEY as user name) or "header:X-Api-Key".
        clock/sleep drive the rate limit and the waits; tests inject a fake pair."""
        fields = {f for _, f, _, _ in string.Formatter().parse(url_template) if f is not None}
        if not url_template.startswith(("https://", "http://")) or not fields or not fields <= _PLACEHOLDERS:
            raise ValueError(
                "url_template must be an http(s) URL with one of {domain}, {email} or {key} and no other "
                "placeholder (the API key goes in a header, never in the URL)"
            )
        if kind not in ("company", "person", "combined"):
            raise ValueError("kind must be 'company', 'person' or 'combined'")
        if not (auth in ("bearer", "basic") or auth.startswith("header:")):
            raise ValueError("auth must be 'bearer', 'basic' or 'header:<Header-Name>'")
        self.name = name
        self.url_template = url_template
        self.kind = kind
        self.host = urlsplit(url_template).netloc
        self._api_key = api_key
        self._auth = auth
        self.cache = diskcache.Cache(str(cache)) if isinstance(cache, (str, Path)) else cache
        self.bucket = TokenBucket(rate_per_minute, burst, clock=clock, sleep=sleep)
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.queued_retries = queued_retries
        self.queued_delay = queued_delay
        self.server_retries = server_retries
        self.server_backoff = server_backoff
        self.rate_limit_retries = rate_limit_retries
        self.max_retry_after = max_retry_after
        self.timeout = timeout
        self.found_ttl = found_ttl
        self.not_found_ttl = not_found_ttl
        self.session = session or requests.Session()
        self._namespace = hashlib.sha256(f"{url_template}\n{kind}".encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"HttpProvider(name={self.name!r}, host={self.host!r}, kind={self.kind!r})"

    def cache_key(self, key: str) -> str:
        """The diskcache key for one lookup: the template's hash and the match key (no secret in it)."""
        return f"enrich:{self._namespace}:{key}"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "enrichment-console"}
        if self._auth == "bearer":
            headers["Authorization"] = f"Bearer {self._api_key}"
        elif self._auth.startswith("header:"):
            headers[self._auth.split(":", 1)[1]] = self._api_key
        return headers

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _get(self, key: str) -> requests.Response:
        """One rate-limited GET; network failures become ProviderHttpError without the request details."""
        url = self.url_template.format(**{p: quote(key, safe="@") for p in _PLACEHOLDERS})
        self.bucket.acquire()
        auth = (self._api_key, "") if self._auth == "basic" else None
        try:
            return self.session.get(url, headers=self._headers(), auth=auth, timeout=self.timeout)
        except requests.RequestException as error:
            raise ProviderHttpError(
                self._scrub(f"Could not reach {self.host} for {key}: {type(error).__name__}."),
                "Check the network and the URL template, then run the lookup again.",
            ) from None

    def _ask(self, key: str, outcome: HttpLookup) -> tuple[str, Any]:
        """Ask the API about one key until it gives an answer: ("found", json) | ("queued"|"not_found"|"rejected", status)."""
        server_failures = 0
        rate_limited = 0
        while True:
            try:
                response = self._get(key)
            except ProviderHttpError:
                server_failures += 1
                if server_failures > self.server_retries:
                    raise
                self.sleep(self.server_backoff * 2 ** (server_failures - 1))
                continue
            outcome.requests += 1
            status = response.status_code
            log.info("enrichment lookup %s %s -> %s", self.host, key, status)
            if status == 200:
                try:
                    payload = response.json()
                except ValueError:
                    payload = None
                if not isinstance(payload, Mapping):
                    raise ProviderHttpError(
                        f"{self.host} answered 200 for {key} with a body that is not a JSON object.",
                        "Check that the URL template points at the JSON API.",
                    )
                return "found", payload
            if status == 202:
                return "queued", status
            if status == 404:
                return "not_found", status
            if status in (400, 422):
                return "rejected", status
            if status in (401, 403):
                raise ProviderHttpError(
                    f"{self.host} refused the API key ({status}).",
                    "Check the enrichment API key in the settings (it may be wrong, expired or lack access).",
                )
            if status == 429:
                rate_limited += 1
                wait = _retry_after(response.headers.get("Retry-After"), self.wall_clock())
                wait = self.server_backoff * 2 ** (rate_limited - 1) if wait is None else wait
                if rate_limited > self.rate_limit_retries or wait > self.max_retry_after:
                    raise ProviderHttpError(
                        f"{self.host} kept rate-limiting the lookups (429; asked to wait {wait:.0f} s).",
                        "Lower the rate limit in the settings or run the lookup again later.",
                    )
                self.sleep(wait)
                continue
            if status >= 500:
                server_failures += 1
                if server_failures > self.server_retries:
                    raise ProviderHttpError(
                        f"{self.host} answered {status} for {key} {server_failures} times.",
                        "The enrichment service is having trouble; run the lookup again later "
                        "(answers already received are cached).",
                    )
                self.sleep(self.server_backoff * 2 ** (server_failures - 1))
                continue
            raise ProviderHttpError(
                f"{self.host} answered an unexpected {status} for {key}.", "Check the URL template and the API's docs."
            )

    def fetch(self, keys: Sequence[str]) -> HttpLookup:
        """Look up every unique key: cache first, then the API; returns data plus queued/not-found keys."""
        outcome = HttpLookup(frame=frame_from_attributes({}))
        found: dict[str, dict[str, Any]] = {}
        pending: list[str] = []
        for key in unique_keys(keys):
            cached = self.cache.get(self.cache_key(key)) if self.cache is not None else None
            if cached is None:
                pending.append(key)
                continue
            outcome.cache_hits += 1
            if cached["status"] == 200:
                found[key] = attributes_from_json(cached["data"], self.kind)
            else:
                outcome.not_found.append(key)
        for round_ in range(self.queued_retries + 1):
            if round_:
                self.sleep(self.queued_delay * 2 ** (round_ - 1))
            queued: list[str] = []
            for key in pending:
                verdict, answer = self._ask(key, outcome)
                if verdict == "found":
                    found[key] = attributes_from_json(answer, self.kind)
                    self._store(key, {"status": 200, "data": answer}, self.found_ttl)
                elif verdict == "queued":
                    queued.append(key)
                elif verdict == "not_found":
                    outcome.not_found.append(key)
                    self._store(key, {"status": 404}, self.not_found_ttl)
                else:
                    outcome.rejected[key] = int(answer)
                    self._store(key, {"status": int(answer)}, self.not_found_ttl)
            pending = queued
            if not pending:
                break
        outcome.queued = pending
        outcome.frame = frame_from_attributes(found)
        return outcome

    def _store(self, key: str, entry: dict[str, Any], ttl: float) -> None:
        if self.cache is not None:
            self.cache.set(self.cache_key(key), entry, expire=ttl)

    def lookup(self, keys: Sequence[str]) -> pd.DataFrame:
        """Attributes for the keys the API knows; frame.attrs carries "queued" and "not_found" key lists."""
        outcome = self.fetch(keys)
        frame = outcome.frame
        frame.attrs["queued"] = outcome.queued
        frame.attrs["not_found"] = outcome.not_found + list(outcome.rejected)
        return frame
