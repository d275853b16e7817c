"""Who may act: every state-changing engine action refuses a viewer in core (before any org is called), and every
call — refused or not — is recorded with its actor."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core import engine
from core.errors import NotAllowed
from core.logs import db

VIEWER = engine.Actor("vera@example.com")
CELLS = pd.DataFrame({"Id": ["00Q000000000001AAA"], "field": ["Title"], "proposed": ["CEO"]})
CALLS: dict[str, Callable[[Path], Any]] = {
    "begin_login": lambda base: engine.begin_login("demo", app=None, callback_url="http://localhost/connect",
                                                   actor=VIEWER, base=base),
    "complete_login": lambda base: engine.complete_login("a-code", "a-state", actor=VIEWER, base=base),
    "connect_password_demo": lambda base: engine.connect_password_demo("integration@demo.test", actor=VIEWER,
                                                                       base=base),
    "connect_jwt": lambda base: engine.connect_jwt("demo", client_id="x", key_file=base / "none.key", username="u",
                                                   actor=VIEWER, base=base),
    "disconnect": lambda base: engine.disconnect("demo", actor=VIEWER, base=base),
    "diagnose": lambda base: engine.diagnose("demo", force=True, actor=VIEWER, base=base),
    "apply": lambda base: engine.apply("demo", "Lead", CELLS, actor=VIEWER, base=base),
    "resume": lambda base: engine.resume("20261129-000000-abcdef", actor=VIEWER, base=base),
    "undo": lambda base: engine.undo("20261129-000000-abcdef", actor=VIEWER, base=base),
    # the snapshot, source and mapping actions (issue 12), where this tree has them
    "snapshot": lambda base: engine.snapshot("demo", "Lead", actor=VIEWER, refresh=True, base=base),
    "use_demo_source": lambda base: engine.use_demo_source("demo", actor=VIEWER, base=base),
    "use_file_source": lambda base: engine.use_file_source("demo", b"Website\nacme.com\n", "source.csv", actor=VIEWER,
                                                           base=base),
    "use_http_source": lambda base: engine.use_http_source("demo", url_template="https://api.example.com/{key}",
                                                           api_key="k", actor=VIEWER, base=base),
    "save_mapping": lambda base: engine.save_mapping("demo", "Lead", engine.default_mapping("Lead"), actor=VIEWER,
                                                     base=base),
    "restore_mapping": lambda base: engine.restore_mapping("demo", "Lead", 1, actor=VIEWER, base=base),
    "after_write": lambda base: engine.after_write("demo", "Lead", actor=VIEWER, base=base),
    # triggers and the schedule (issue 13)
    "sync": lambda base: engine.sync("demo", "Lead", trigger="new", apply=True, actor=VIEWER, base=base),
    "set_auto_apply": lambda base: engine.set_auto_apply("demo", "Lead", True, actor=VIEWER, base=base),
    "schedule_round": lambda base: engine.schedule_round(actor=VIEWER, base=base),
}
HERE = sorted(name for name in CALLS if hasattr(engine, name))


@pytest.fixture()
def viewers_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir where only olivia operates (no secrets files read)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CONSOLE_OPERATORS", "olivia")
    return tmp_path / "data"


def _acts(fn: Any) -> bool:
    actor = inspect.signature(fn).parameters.get("actor")
    return actor is not None and "Actor" in str(actor.annotation)


def test_given_the_engine_when_its_functions_are_listed_then_every_one_taking_an_actor_is_a_checked_action() -> None:
    takes_actor = {name for name, fn in vars(engine).items() if inspect.isfunction(fn) and not name.startswith("_")
                   and fn.__module__ != "core.roles" and _acts(fn)}
    assert takes_actor == set(engine.ACTIONS) == set(HERE), (
        "a new engine action must refuse viewers (require_operator), be recorded (engine._recorded) and be tested here")


def test_given_the_engine_modules_when_their_functions_are_listed_then_each_action_they_hold_is_the_recorded_one() -> None:
    modules = [importlib.import_module(f"core.engine.{m.name}") for m in pkgutil.iter_modules(engine.__path__)]
    held = {(module.__name__, name): fn for module in modules for name, fn in vars(module).items()
            if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ != "core.roles" and _acts(fn)}

    assert {"core.engine.previews", "core.engine.schedule"} <= {module for module, _ in held}
    assert {name for _, name in held} <= set(engine.ACTIONS), "an action defined in an engine module is listed"
    unrecorded = sorted(f"{module}.{name}" for (module, name), fn in held.items() if fn is not getattr(engine, name))
    assert unrecorded == [], "a call from one engine module to another's action goes through the recorded version"


@pytest.mark.parametrize("name", HERE)
def test_given_a_viewer_when_any_action_is_called_then_core_refuses_it_and_records_the_refusal(
        viewers_only: Path, name: str) -> None:
    with pytest.raises(NotAllowed) as refused:
        CALLS[name](viewers_only)

    assert refused.value.cause == "not_operator" and "vera@example.com is a viewer" in refused.value.message
    seen = engine.actions(base=viewers_only)
    assert seen[["actor", "role", "outcome"]].values.tolist() == [["vera@example.com", "viewer", "refused"]]
    assert "only operators can" in seen["detail"].iloc[0]
    assert engine.runs(base=viewers_only) == [] and engine.connections(base=viewers_only) == []


def test_given_recorded_actions_when_someone_edits_them_then_the_database_refuses(viewers_only: Path) -> None:
    with pytest.raises(NotAllowed):
        CALLS["disconnect"](viewers_only)
    with closing(db.connect(viewers_only)) as conn:
        for sql in ("UPDATE actions SET actor = 'someone else'", "DELETE FROM actions"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    assert len(engine.actions(base=viewers_only)) == 1
