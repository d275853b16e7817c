"""Shared pytest fixtures: each tier's fixtures live in tests/fixtures/ and are re-exported here."""
from __future__ import annotations

import importlib
import pkgutil

import tests.fixtures as _fixtures

# Every module in tests/fixtures/ contributes fixtures (localorg, data dir, app, browser).
for _info in pkgutil.iter_modules(_fixtures.__path__):
    _module = importlib.import_module(f"tests.fixtures.{_info.name}")
    globals().update({k: v for k, v in vars(_module).items() if not k.startswith("_")})
