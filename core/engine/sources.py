"""The enrichment source chosen per connection: the demo data, a file or an HTTP API."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from core import cache as shared_cache
from core import errors, settings
from core.connect.tokens import TokenStore
from core.enrich import sources as enrich_sources
from core.enrich.providers import Provider
from core.enrich.sources import SourceSettings
from core.errors import Reconnect
from core.logs import sources as saved_sources
from core.roles import Actor, require_operator

# ---- Snapshot, enrichment source and mapping (issue 12): the enrichment source chosen per connection ------------

def enrichment_source(name: str, *, base: Path | None = None) -> SourceSettings:
    """The connection's enrichment source (the demo source until one is chosen); the API key only as a hint."""
    return enrich_sources.settings_of(name, saved_sources.get(name, base=settings.data_dir(base)))


def use_demo_source(name: str, *, actor: Actor, base: Path | None = None) -> SourceSettings:
    """Enrich this connection's records from the built-in demo data."""
    require_operator(actor, "change the enrichment source")
    row = saved_sources.put(saved_sources.SourceRow(name, "demo", updated_by=actor.name), base=settings.data_dir(base))
    return enrich_sources.settings_of(name, row)


def use_file_source(name: str, data: bytes, filename: str, *, actor: Actor, base: Path | None = None) -> SourceSettings:
    """Enrich from the operator's CSV or Parquet file, checked first (SourceFileError with its row errors, and
    nothing changed, when it cannot be used) and kept in the data directory."""
    require_operator(actor, "change the enrichment source")
    root = settings.data_dir(base)
    checked = enrich_sources.check_file(data, filename)
    path = enrich_sources.store_file(root, name, data, filename)
    row = saved_sources.SourceRow(name, "file", {"path": str(path.relative_to(root)), "name": filename,
                                                 "rows": len(checked.frame), "key_kind": checked.key_kind},
                                  updated_by=actor.name)
    return enrich_sources.settings_of(name, saved_sources.put(row, base=root))


def use_http_source(name: str, *, url_template: str, api_key: str | None, rate_per_minute: float = 600,
                    auth: str = "bearer", kind: str = "company", actor: Actor, base: Path | None = None) -> SourceSettings:
    """Enrich from an HTTP JSON API. The key is sealed with the token store's key and never shown again in full;
    an empty `api_key` keeps the saved one."""
    require_operator(actor, "change the enrichment source")
    root = settings.data_dir(base)
    enrich_sources.check_http(url_template, rate_per_minute, auth, kind)
    old = saved_sources.get(name, base=root)
    if api_key:
        secret, hint = TokenStore(root).seal({"api_key": api_key}), enrich_sources.key_hint(api_key)
    elif old is not None and old.kind == "http" and old.secret:
        secret, hint = old.secret, old.key_hint
    else:
        raise errors.BadInput("An HTTP source needs an API key.", fix="Paste the vendor's API key.", cause="source_key")
    row = saved_sources.SourceRow(name, "http", {"url_template": url_template, "rate_per_minute": float(rate_per_minute),
                                                 "auth": auth, "kind": kind}, secret, hint, actor.name)
    return enrich_sources.settings_of(name, saved_sources.put(row, base=root))


def source_provider(name: str, *, base: Path | None = None) -> Provider:
    """The enrichment source of a connection as a Provider (lookup(keys) -> attributes by key)."""
    root = settings.data_dir(base)
    row = saved_sources.get(name, base=root)
    key = None
    if row is not None and row.kind == "http" and row.secret:
        key = (TokenStore(root).unseal(row.secret) or {}).get("api_key")
        if not key:
            raise Reconnect("The saved API key of the enrichment source cannot be decrypted (another secret key?).",
                            fix="Enter the API key again on the Mapping page.", cause="source_key_unreadable")
    return enrich_sources.provider(row, api_key=key, root=root, cache=shared_cache.cache(root))


def try_source(name: str, value: str, *, base: Path | None = None) -> pd.DataFrame:
    """Look one domain, website or email up in the connection's source: key, attribute, value of what came back."""
    return enrich_sources.try_lookup(source_provider(name, base=base), value)
