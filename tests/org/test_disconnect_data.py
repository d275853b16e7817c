"""Disconnect forgets the org's records this machine kept: the connection's snapshot files (and the key values its
syncs remembered) are deleted, its automatic apply is switched off, another connection's snapshot is untouched, and
the enrichment log — the audit trail — is kept."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from core import engine
from core.logs import sync_state
from tests.fixtures.writer import WRITER, blank_leads, fill_cells


def _files(base: Path) -> dict[str, list[Path]]:
    """Snapshot files on disk per connection folder (the folder names start with the connection's name)."""
    root = base / "snapshots"
    return {folder.name.rsplit("-", 1)[0]: sorted(p for p in folder.rglob("*") if p.is_file())
            for folder in root.iterdir()} if root.is_dir() else {}


def test_given_two_connections_with_lead_snapshots_when_one_disconnects_then_its_files_go_and_the_log_stays(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=WRITER, base=base)
    mine = engine.snapshot("demo", "Lead", base=base)
    theirs = engine.snapshot("audit", "Lead", base=base)
    assert mine.available and theirs.available
    run = engine.apply("demo", "Lead", fill_cells(blank_leads(org, "Title", 3), "Title"), actor=WRITER, base=base)
    logged = engine.log_rows(run_id=run.id, base=base)
    engine.set_auto_apply("demo", "Lead", True, actor=WRITER, base=base)
    sync_state.record_sync(base, connection="demo", sobject="Lead", trigger="backfill", as_of="2026-01-01T00:00:00Z",
                           run_id=run.id, keys=pd.DataFrame({"Website": ["acme.com"], "Email": [""]}, index=["00Q1"]))
    before = _files(base)
    assert before["demo"] and before["audit"]  # both pulled a Lead file

    done = engine.disconnect("demo", actor=WRITER, base=base)

    after = _files(base)
    assert "demo" not in after and all(not p.exists() for p in before["demo"])
    assert after["audit"] == before["audit"]  # the other connection's snapshot is untouched, and still reads
    assert len(engine.snapshot_frame(engine.snapshot_status("audit", "Lead", base=base), base=base)) == theirs.records
    assert engine.snapshot_status("demo", "Lead", base=base) is None
    assert (done.revoked, done.snapshot_objects, done.snapshot_files, done.auto_apply_off) == (
        True, ("Lead",), len(before["demo"]), ("Lead",))
    assert "Its snapshot records (Lead)" in done.summary() and "enrichment log" in done.summary()
    pd.testing.assert_frame_equal(engine.log_rows(run_id=run.id, base=base), logged)  # the audit trail is kept
    assert engine.run(run.id, base=base) is not None
    assert sync_state.recorded_keys(base, "demo", "Lead") is None  # the Websites and Emails it saw are gone
    assert engine.auto_apply_settings(base=base)[("demo", "Lead")] is False

    engine.connect_password_demo("integration@demo.test", actor=WRITER, base=base)  # the same name again
    assert engine.auto_apply_settings(base=base)[("demo", "Lead")] is False  # writes nothing until switched on
