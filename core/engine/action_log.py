"""Who did what: every state-changing engine action is recorded with its actor, role and outcome."""
from __future__ import annotations

import functools as _functools
import logging as _logging
import sqlite3 as _sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from core import settings
from core.engine.writes import Run
from core.errors import ConsoleError
from core.errors import NotAllowed as _NotAllowed
from core.logs import actions as _actions
from core.roles import Actor
from core.roles import resolve as _resolve_role

# --- who did what (issue 14): every state-changing action is refused to viewers in core and recorded with its actor ---


_actions_log = _logging.getLogger("core.engine")


def _recorded(action: str, target: Callable[[tuple, dict, Any], str | None],
              only_if: Callable[[dict], bool] = lambda kwargs: True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap an engine action so each call is recorded (done, refused or failed) with its actor and role."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @_functools.wraps(fn)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            if not only_if(kwargs):
                return fn(*args, **kwargs)
            actor = kwargs.get("actor") or Actor(None)
            outcome, detail, result = "done", None, None
            try:
                result = fn(*args, **kwargs)
                if isinstance(result, Run):
                    detail = f"run {result.id}: {result.state}"
                return result
            except _NotAllowed as exc:
                outcome, detail = "refused", exc.message
                raise
            except Exception as exc:
                outcome = "failed"
                detail = exc.message if isinstance(exc, ConsoleError) else f"{type(exc).__name__}: {exc}"
                raise
            finally:
                try:
                    _actions.record(settings.data_dir(kwargs.get("base")), actor=actor.name,
                                    role=_resolve_role(actor.identity).role, action=action,
                                    target=target(args, kwargs, result), outcome=outcome, detail=detail)
                except (_sqlite3.Error, OSError):  # the action stands; the record's loss is logged, never hidden
                    _actions_log.exception("could not record the %s action of %s", action, actor.name)
        return recorded
    return wrap


def _acted_on_first(args: tuple, kwargs: dict, result: Any) -> str | None:
    return str(args[0]) if args else None


def _acted_on_connection(args: tuple, kwargs: dict, result: Any) -> str | None:
    return getattr(result, "name", None) or kwargs.get("name") or (str(args[0]) if args else None)


def _acted_on_object(args: tuple, kwargs: dict, result: Any) -> str | None:
    return f"{args[0]}/{args[1]}" if len(args) > 1 else None


# Every engine function that changes state, with how its record names it and what it acted on. Each one refuses
# a viewer in core (require_operator); a new action (and its test in tests/unit/test_who_may_act.py) belongs here.
# Functions another room has not brought to this tree yet are skipped, so the table can name them ahead of time.
_ACTION_TABLE: tuple[tuple[str, str, Callable[[tuple, dict, Any], str | None], Callable[[dict], bool]], ...] = (
    ("begin_login", "begin sign-in", _acted_on_connection, lambda kwargs: True),
    ("complete_login", "connect", _acted_on_connection, lambda kwargs: True),
    ("connect_password_demo", "connect", _acted_on_connection, lambda kwargs: True),
    ("connect_jwt", "connect", _acted_on_connection, lambda kwargs: True),
    ("disconnect", "disconnect", _acted_on_first, lambda kwargs: True),
    ("diagnose", "check permissions again", _acted_on_first, lambda kwargs: bool(kwargs.get("force"))),
    ("snapshot", "refresh", _acted_on_object, lambda kwargs: bool(kwargs.get("refresh"))),
    ("use_demo_source", "change source", _acted_on_first, lambda kwargs: True),
    ("use_file_source", "change source", _acted_on_first, lambda kwargs: True),
    ("use_http_source", "change source", _acted_on_first, lambda kwargs: True),
    ("save_mapping", "save mapping", _acted_on_object, lambda kwargs: True),
    ("restore_mapping", "restore mapping", _acted_on_object, lambda kwargs: True),
    ("apply", "apply", _acted_on_object, lambda kwargs: True),
    ("resume", "resume", _acted_on_first, lambda kwargs: True),
    ("undo", "undo", _acted_on_first, lambda kwargs: True),
    ("after_write", "refresh after a write", _acted_on_object, lambda kwargs: True),
    ("sync", "sync", _acted_on_object, lambda kwargs: bool(kwargs.get("apply"))),
    ("set_auto_apply", "switch automatic apply", _acted_on_object, lambda kwargs: True),
    ("schedule_round", "run the schedule", lambda args, kwargs, result: kwargs.get("only_connection"),
     lambda kwargs: True),
)


def _record_actions(names: dict[str, Any], modules: Iterable[ModuleType] = ()) -> None:
    """Replace each action of the table found in `names` (the package's namespace, core/engine/__init__.py) by its
    recorded version, and in each of `modules` (the engine's modules) that holds the same function too: calls
    between engine functions (after_write's refresh, sync's snapshot, the round's sync) are recorded as when the
    engine was one module. An action already recorded (the package run again) is left as it is."""
    for name, label, target, only_if in _ACTION_TABLE:
        if name in names and not hasattr(names[name], "recorded_as"):
            original = names[name]
            names[name] = _recorded(label, target, only_if)(original)
            names[name].recorded_as = label
            for module in modules:
                if vars(module).get(name) is original:
                    setattr(module, name, names[name])


def actions(*, actor: str | None = None, action: str | None = None, limit: int = 100,
            base: Path | None = None) -> pd.DataFrame:
    """The latest recorded actions, newest first: time, actor, role, action, target, outcome, detail."""
    return _actions.recent(settings.data_dir(base), actor=actor, action=action, limit=limit)
# --- end of who did what --------------------------------------------------------------------------------------------
