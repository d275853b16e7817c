"""What import-linter cannot see: pages/ (scripts, not a package) and imports made by name at run time."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_given_pages_when_parsed_then_they_reach_core_only_through_engine_and_errors() -> None:
    pages = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
    allowed = ("core.engine", "core.errors.")
    offenders = {p.name: sorted(i for i in _imports(p) if i.startswith("core.") and not i.startswith(allowed))
                 for p in pages}
    assert {k: v for k, v in offenders.items() if v} == {}
    talkers = {p.name for p in pages if _imports(p) & {"simple_salesforce", "sqlite3", "diskcache", "requests"}}
    assert talkers == set()


def test_given_core_modules_when_parsed_then_no_dynamic_import_of_forbidden_packages() -> None:
    for path in (ROOT / "core").rglob("*.py"):
        text = path.read_text()
        for name in ("streamlit", "localorg"):
            assert f"import_module(\"{name}" not in text and f"import_module('{name}" not in text, path
