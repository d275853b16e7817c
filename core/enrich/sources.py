"""A connection's enrichment source: demo data, the operator's file, or an HTTP JSON API — settings, provider, Try it.

Plain functions over a stored SourceRow (core.logs.sources); the engine reads and writes the row and
seals the API key with the token store's key, so nothing here touches the database or a secret at rest.
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import diskcache
import pandas as pd

from core import errors
from core.enrich.matching import normalise_domain, normalise_email
from core.enrich.providers import DemoProvider, FileProvider, HttpProvider, Provider, ProviderError, ProviderFileError
from core.enrich.providers.http import DEFAULT_URL_TEMPLATE
from core.logs.sources import SourceRow

KINDS: dict[str, str] = {"demo": "Demo data", "file": "Your file (CSV or Parquet)", "http": "HTTP JSON API"}
AUTH_SCHEMES = ("bearer", "basic", "header:X-Api-Key")
DATA_KINDS = ("company", "person", "combined")
_providers: dict[tuple[Any, ...], Provider] = {}
_guard = threading.Lock()


class SourceFileError(errors.BadInput):
    """An uploaded enrichment file that cannot be used: the message, the fix, and one row per bad row."""

    def __init__(self, message: str, *, fix: str, problems: pd.DataFrame) -> None:
        super().__init__(message, fix=fix, cause="source_file_invalid")
        self.problems = problems


@dataclass(frozen=True)
class SourceSettings:
    """What a page or the CLI shows about a connection's source; the API key only as a hint (last 4 characters)."""

    connection: str
    kind: str
    label: str
    file_name: str | None = None
    file_rows: int | None = None
    key_kind: str | None = None
    url_template: str | None = None
    rate_per_minute: float | None = None
    auth: str | None = None
    data_kind: str | None = None
    key_hint: str | None = None
    updated_by: str | None = None
    updated_at: str | None = None


def settings_of(connection: str, row: SourceRow | None) -> SourceSettings:
    """The page-facing settings of a stored source (the demo source when nothing is stored)."""
    if row is None or row.kind == "demo":
        return SourceSettings(connection, "demo", "Demo data (built in, deterministic)",
                              updated_by=row.updated_by if row else None, updated_at=row.updated_at if row else None)
    s = row.settings
    if row.kind == "file":
        label = f"File {s.get('name')} ({int(s.get('rows') or 0):,} rows keyed by {s.get('key_kind')})"
        return SourceSettings(connection, "file", label, file_name=s.get("name"), file_rows=s.get("rows"),
                              key_kind=s.get("key_kind"), updated_by=row.updated_by, updated_at=row.updated_at)
    host = re.sub(r"^https?://([^/]+).*$", r"\1", str(s.get("url_template") or ""))
    return SourceSettings(connection, "http", f"HTTP API {host} (≤ {float(s.get('rate_per_minute') or 0):g}/min)",
                          url_template=s.get("url_template"), rate_per_minute=s.get("rate_per_minute"),
                          auth=s.get("auth"), data_kind=s.get("kind"), key_hint=row.key_hint,
                          updated_by=row.updated_by, updated_at=row.updated_at)


def key_hint(api_key: str) -> str:
    """How the key is shown once saved: its last four characters only."""
    return "••••" + api_key[-4:] if len(api_key) > 8 else "••••"


def problems_table(error: ProviderFileError, limit: int = 1000) -> pd.DataFrame:
    """The file's row errors as a table: row number and what is wrong with it (the first `limit` rows)."""
    rows = error.details[:limit]
    return pd.DataFrame({"row": pd.array([r for r, _ in rows], dtype="Int64"),
                         "problem": pd.array([p for _, p in rows], dtype="string")})


def check_file(data: bytes, filename: str) -> FileProvider:
    """Read and check an uploaded file; a file that cannot be used raises SourceFileError with its row errors."""
    try:
        return FileProvider(data, filename)
    except ProviderFileError as error:
        raise SourceFileError(f"{filename} cannot be used: {error.message}", fix=error.fix,
                              problems=problems_table(error)) from None


def store_file(root: Path, connection: str, data: bytes, filename: str) -> Path:
    """Keep the uploaded bytes under <data dir>/sources/ (named by their hash); the connection's older uploads go."""
    folder = root / "sources" / (re.sub(r"[^A-Za-z0-9_.-]", "_", connection)[:40] + "-"
                                 + hashlib.sha256(connection.encode()).hexdigest()[:8])
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(filename).suffix.lower() if Path(filename).suffix.lower() in (".csv", ".parquet", ".pq", ".tsv",
                                                                                ".txt") else ".csv"
    path = folder / (hashlib.sha256(data).hexdigest()[:20] + suffix)
    path.write_bytes(data)
    for old in folder.iterdir():
        if old != path:
            old.unlink(missing_ok=True)
    return path


def check_http(url_template: str, rate_per_minute: float, auth: str, kind: str) -> None:
    """Refuse an unusable URL template, rate, auth scheme or data kind before anything is saved."""
    if not rate_per_minute or rate_per_minute <= 0:
        raise errors.BadInput("The rate limit must be a positive number of requests per minute.",
                              fix="Enter the vendor's limit, e.g. 600 for Clearbit.", cause="source_rate")
    try:
        HttpProvider("check", url_template=url_template, auth=auth, kind=kind, rate_per_minute=rate_per_minute)
    except ValueError as error:
        raise errors.BadInput(f"The HTTP source settings are not usable: {error}.",
                              fix=f"For example {DEFAULT_URL_TEMPLATE}", cause="source_http") from None


def provider(row: SourceRow | None, *, api_key: str | None, root: Path, cache: diskcache.Cache) -> Provider:
    """The Provider for a stored source, built once per process and settings (a file is read once)."""
    if row is None or row.kind == "demo":
        return DemoProvider()
    if row.kind == "file":
        path = root / str(row.settings["path"])
        ident: tuple[Any, ...] = ("file", str(path))
    else:
        ident = ("http", row.connection, repr(sorted(row.settings.items())), hashlib.sha256((api_key or "").encode()).hexdigest())
    with _guard:
        found = _providers.get(ident)
        if found is None:
            if row.kind == "file":
                try:
                    found = FileProvider(path, row.settings.get("name"))
                except ProviderFileError as error:
                    raise errors.BadInput(f"The stored enrichment file cannot be read: {error.message}",
                                          fix="Upload the file again on the Mapping page.",
                                          cause="source_file_invalid") from None
            else:
                s = row.settings
                found = HttpProvider(api_key or "", url_template=s["url_template"], cache=cache, name="http",
                                     kind=s.get("kind", "company"), auth=s.get("auth", "bearer"),
                                     rate_per_minute=float(s.get("rate_per_minute") or 600))
            _providers[ident] = found
    return found


def lookup_keys(value: str) -> list[str]:
    """The keys a Try it box looks up for what was typed: an email and its company domain, or a domain."""
    text = (value or "").strip()
    if "@" in text:
        address, domain, problem = normalise_email(text)
        if address is None:
            raise errors.BadInput(f"{text!r} is not a usable email address ({problem}).",
                                  fix="Type an address such as jane@acme.com, or a domain.", cause="try_key")
        return [address] + ([domain] if domain else [])
    domain, problem = normalise_domain(text)
    if domain is None:
        raise errors.BadInput(f"{text!r} is not a usable domain ({problem}).",
                              fix="Type a domain such as acme.com, a website, or an email address.", cause="try_key")
    return [domain]


def try_lookup(source: Provider, value: str) -> pd.DataFrame:
    """Look up one domain or email: a table of key, attribute and value (text) for what came back."""
    keys = lookup_keys(value)
    try:
        found = source.lookup(keys)
    except ProviderError as error:
        raise errors.RetryLater(f"The enrichment source could not answer: {error.message}", fix=error.fix,
                                retry_safe=True, cause="source_failed") from None
    long = found.astype(object).where(found.notna(), None).reset_index().melt(id_vars="key", var_name="attribute")
    long = long[long["value"].notna()]
    long["value"] = long["value"].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
    return long.astype({"key": "string", "attribute": "string", "value": "string"}).reset_index(drop=True)
