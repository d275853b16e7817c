"""The README's Python example runs as written against a demo org and prints the guard's totals."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.localorg import make_sf_client

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_block(heading: str) -> str:
    section = README.read_text().split(heading, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block under {heading!r}"
    return match.group(1)


def test_given_readme_audit_example_when_run_against_demo_org_then_it_prints_lint_and_per_field_totals(
        demo_org: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = _python_block("## From Python: notebooks and ad-hoc audits")
    exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("verdict"))
    assert header.split()[:3] == ["verdict", "fill", "keep"]
    rows = {line.split()[0]: [int(n) for n in line.split()[1:]] for line in out.splitlines()
            if line.split() and line.split()[0] in ("Industry", "NumberOfEmployees", "Name")}
    assert rows["Industry"][0] > 0 and rows["NumberOfEmployees"][0] > 0   # blanks get filled
    assert rows["Name"][0] == 0                                            # a real name is never replaced
    accounts = make_sf_client(demo_org, "integration@demo.test").query("SELECT COUNT() FROM Account")["totalSize"]
    assert rows["Industry"][-1] == accounts > 0                            # every visible Account judged
