"""core/permissions stays pure: importing any of its modules loads no HTTP stack and no Salesforce gateway."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOM = ROOT / "core" / "permissions"
# core.errors (the shared error vocabulary) is allowed: it loads requests only when it reads an error.
FORBIDDEN = ("requests", "simple_salesforce", "core.salesforce", "streamlit")


def test_given_each_permissions_module_when_imported_alone_then_no_http_stack_or_gateway_is_loaded() -> None:
    modules = sorted(f"core.permissions.{p.stem}" for p in ROOM.glob("*.py") if p.stem != "__init__")
    assert "core.permissions.collect" in modules and "core.permissions.report" in modules
    script = ("import importlib, sys\n"
              f"for name in {modules!r}:\n"
              "    importlib.import_module(name)\n"
              f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"
