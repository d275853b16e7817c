"""Undo a run: clear what it wrote, only where the field still holds exactly that value."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core import errors, settings
from core.engine.orgs import open_client
from core.engine.writes import Run, WriteOptions, WriteProgress
from core.errors import ConsoleError
from core.fields import FieldSpec
from core.fields import field_specs as _field_specs
from core.logs import runs as _runlog
from core.logs import undo_log as _undo_log
from core.roles import Actor, require_operator
from core.salesforce import OrgClient
from core.sync import undo as _undo

# --- undo a run (issue 14): clear what a run wrote, only where the field still holds exactly that value ------------

UndoPreview = _undo.UndoPreview


def undoable_runs(connection: str, sobject: str, *, limit: int = 20, base: Path | None = None) -> list[Run]:
    """The latest finished runs of a connection and object that wrote something and were not undone yet, newest
    first: what an Undo can be offered for. No org is called."""
    root = settings.data_dir(base)
    found = _runlog.list_runs(root, connection=connection, sobject=sobject, state="done", limit=limit * 2)
    return [r for r in found if r.trigger != "undo" and r.counts.get("written") and not _undo_log.undoes(root, r.id)
            ][:limit]


def _undo_client(run_id: str, root: Path) -> tuple[Run, OrgClient, dict[str, FieldSpec]]:
    found = _undo.undoable(root, run_id)
    client = open_client(found.connection, base=root)
    return found, client, _field_specs(client.describe(found.object))


def undo_preview(run_id: str, *, base: Path | None = None) -> UndoPreview:
    """What undoing a run would do now: per cell it wrote, the value written, the value the record holds now
    (one fresh read per 2,000 records) and the action — `clear` where it still holds exactly that value,
    `skipped_nonblank` where someone changed it since. Nothing is written; viewers may look too."""
    root = settings.data_dir(base)
    _found, client, specs = _undo_client(run_id, root)
    return _undo.preview(client, run_id, specs, base=root)


def undo(run_id: str, *, actor: Actor, options: WriteOptions | None = None,
         progress: Callable[[WriteProgress], None] | None = None, base: Path | None = None) -> Run:
    """Undo a finished run: a new run (trigger `undo`) that sets each value the run wrote back to blank where the
    field still holds exactly that value on a fresh read, leaves a value changed since alone (`skipped_nonblank`,
    both values in its message), and logs every cell. Operators only; `resume` continues an interrupted undo."""
    require_operator(actor, "undo a run")
    root = settings.data_dir(base)
    _found, client, specs = _undo_client(run_id, root)
    return _undo.start(client, run_id, specs, actor=actor, base=root, options=options, progress=progress)
# --- end of the undo block ----------------------------------------------------------------------------------------


# --- a run's undo state, for the Logs page (logs-undo) ---
def undo_refusal(run_id: str, *, base: Path | None = None) -> ConsoleError | None:
    """Why a run cannot be undone (unknown, an undo itself, not finished, undone already — with the fix), or None
    when it can; a run that wrote nothing has nothing to undo. No org is called."""
    root = settings.data_dir(base)
    try:
        found = _undo.undoable(root, run_id)
    except ConsoleError as exc:
        return exc
    if not found.counts.get("written"):
        return errors.BadInput(f"Run {found.id} wrote no value, so there is nothing to undo.",
                               fix="Its log rows say why each cell was not written.", cause="nothing_written")
    return None


def undone_by(run_id: str, *, base: Path | None = None) -> list[Run]:
    """The undo runs that take back `run_id`, oldest first (empty when it was never undone)."""
    return _undo_log.undoes(settings.data_dir(base), run_id)
