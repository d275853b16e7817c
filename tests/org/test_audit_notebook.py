"""notebooks/audit.ipynb executed with nbclient against the demo org: it loads the log and the latest preview through
core.engine and its breakdowns and fill rates agree with the engine's own answers."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core import engine
from tests.fixtures.logs import make_log
from tests.fixtures.writer import WRITER

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "audit.ipynb"


def _outputs(notebook: Any) -> list[dict[str, Any]]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def test_given_runs_on_the_demo_org_when_the_audit_notebook_runs_then_its_numbers_match_the_engine(
        demo_org: Any, console_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    engine.connect_password_demo("integration@demo.test", actor=WRITER)
    made = make_log(None, demo_org)
    monkeypatch.setenv("AUDIT_CONNECTION", "demo")
    monkeypatch.setenv("AUDIT_OBJECT", "Lead")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this checkout's core, whatever is installed
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()

    outputs = _outputs(notebook)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    summary = json.loads(printed.strip().splitlines()[-1])
    assert summary["log_rows"] == engine.log_count(engine.LogFilter(connections=("demo",), write_ahead=True)) == 19
    assert summary["settled"] == 10 and summary["runs"] == 2
    assert summary["written_per_field"] == {"Title": 5, "Description": 2}
    assert summary["failed_per_field"] == {"Title": 2, "Description": 0}
    assert summary["written_per_run"] == {made.title_run.id: 5, made.description_run.id: 2}
    preview = engine.preview("demo", "Lead").preview
    assert summary["preview_records"] == len(preview.records)
    expected = engine.fill_rates(preview).set_index("field")["before"].round(4).to_dict()
    assert summary["fill_rate_now"] == pytest.approx(expected)
    charts = [o for o in outputs if any(k.startswith("application/vnd.vegalite") for k in o.get("data", {}))
              or "vegaEmbed" in str(o.get("data", {}).get("text/html", ""))]
    assert len(charts) == 3  # outcomes per field, outcomes per run, fill rate before / after
