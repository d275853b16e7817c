"""Enrichment sources: demo data, the operator's first-party file, and a JSON HTTP API, behind one protocol."""
from __future__ import annotations

from core.enrich.providers.base import Provider, ProviderError
from core.enrich.providers.demo import DemoProvider
from core.enrich.providers.file import FileProvider, ProviderFileError
from core.enrich.providers.http import HttpProvider, ProviderHttpError

__all__ = [
    "DemoProvider",
    "FileProvider",
    "HttpProvider",
    "Provider",
    "ProviderError",
    "ProviderFileError",
    "ProviderHttpError",
]
