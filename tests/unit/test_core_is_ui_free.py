"""core/ stays plain Python: no streamlit, no localorg, and one gateway to simple_salesforce."""
from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_given_core_modules_when_parsed_then_none_imports_streamlit_or_localorg() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert files, "core/ has no modules"
    offenders = {str(p.relative_to(CORE)): sorted(_imports(p) & {"streamlit", "localorg"}) for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_given_core_modules_when_parsed_then_only_salesforce_py_imports_simple_salesforce() -> None:
    importers = {str(p.relative_to(CORE)) for p in CORE.rglob("*.py") if "simple_salesforce" in _imports(p)}
    assert importers <= {"salesforce.py"}


def test_given_core_modules_when_parsed_then_no_dynamic_import_of_forbidden_packages() -> None:
    for path in CORE.rglob("*.py"):
        text = path.read_text()
        for name in ("streamlit", "localorg"):
            assert f"import_module(\"{name}" not in text and f"import_module('{name}" not in text, path
