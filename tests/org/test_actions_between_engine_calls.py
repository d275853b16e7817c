"""Who did what, for engine functions that call other engine actions: the refresh inside `after_write`, the refresh
and the write inside an applied `sync`, the sync inside a scheduled round. Pins what the action log says, whichever
engine module each function lives in."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from core import engine
from tests.fixtures.writer import WRITER


def _logged(base: Path) -> list[tuple[str, str | None, str]]:
    seen = engine.actions(base=base, limit=1000).iloc[::-1]
    return [(a, t if isinstance(t, str) else None, o) for a, t, o in seen[["action", "target", "outcome"]].itertuples(
        index=False)]


def test_given_an_operator_when_after_write_runs_then_its_snapshot_refresh_is_recorded_too(
        writer_org: tuple[Path, Any]) -> None:
    base, _org = writer_org
    engine.snapshot("demo", "Lead", actor=WRITER, base=base)  # not a refresh: not an action

    engine.after_write("demo", "Lead", actor=WRITER, base=base)

    assert _logged(base) == [("connect", "demo", "done"), ("refresh", "demo/Lead", "done"),
                             ("refresh after a write", "demo/Lead", "done")]


def test_given_an_operator_when_sync_applies_and_a_round_runs_then_syncs_and_refreshes_are_recorded_not_the_writes(
        writer_org: tuple[Path, Any]) -> None:
    base, _org = writer_org
    engine.sync("demo", "Lead", trigger="new", actor=WRITER, base=base)  # a dry run: not an action
    engine.sync("demo", "Account", trigger="backfill", apply=True, actor=WRITER, base=base)
    engine.set_auto_apply("demo", "Contact", True, actor=WRITER, base=base)

    engine.schedule_round(actor=WRITER, only_object="Contact", base=base)

    written = [r for r in engine.runs(base=base) if not r.dry_run and r.counts.get("written")]
    assert written, "the applied sync and the round wrote something (their apply calls are part of the sync)"
    assert _logged(base) == [
        ("connect", "demo", "done"),
        ("refresh", "demo/Account", "done"), ("sync", "demo/Account", "done"),
        ("switch automatic apply", "demo/Contact", "done"),
        ("refresh", "demo/Contact", "done"), ("sync", "demo/Contact", "done"), ("run the schedule", None, "done"),
    ]
