"""Enrichment sources: demo data, the operator's first-party file, and a JSON HTTP API, behind one protocol."""
from __future__ import annotations

from core.providers.base import Provider, ProviderError
from core.providers.demo import DemoProvider
from core.providers.file import FileProvider, ProviderFileError
from core.providers.http import HttpProvider, ProviderHttpError

__all__ = [
    "DemoProvider",
    "FileProvider",
    "HttpProvider",
    "Provider",
    "ProviderError",
    "ProviderFileError",
    "ProviderHttpError",
]
