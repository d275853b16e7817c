"""The per-connection, per-object apply lock, held across processes: one writer at a time per org object.

An advisory `flock` on a file under the data directory: the operating system drops it when its process
ends, however it ends (SIGKILL included), so a crashed apply never leaves a stale lock behind and the
run can be resumed at once. The holder's name and run are written into the file for the refusal message.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core import errors, settings

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def lock_path(base: Path | None, connection: str, sobject: str) -> Path:
    """The lock file of one connection and object."""
    directory = settings.data_dir(base) / "locks"
    directory.mkdir(mode=0o700, exist_ok=True)
    name = f"apply-{_UNSAFE.sub('_', connection)}-{_UNSAFE.sub('_', sobject)}.lock"
    return directory / name


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return "another apply"
    return f"run {info.get('run') or '(starting)'} by {info.get('actor') or 'someone'} (since {info.get('since')})"


@contextmanager
def run_lock(base: Path | None, connection: str, sobject: str, *, actor: str, wait: float = 0.0,
             run: str | None = None) -> Iterator[Callable[[str], None]]:
    """Hold the apply lock of (connection, object) for the block, waiting up to `wait` seconds for it.

    Yields a function that names the run holding the lock (for the message others get). Raises RetryLater,
    naming the holder, when another process or session is applying to the same object.
    """
    fd = os.open(lock_path(base, connection, sobject), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise errors.RetryLater(
                        f"Another apply is writing {sobject} on {connection!r}: {_holder(fd)}.",
                        fix="Wait for it to finish, then apply again: the cells it filled are skipped, never "
                        "written twice.", retry_safe=True, cause="apply_running", health="connected") from None
                time.sleep(0.05)
        since = time.strftime("%Y-%m-%d %H:%M:%S")

        def note(run_id: str | None) -> None:
            """Write who holds the lock, for run_id."""
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"actor": actor, "run": run_id, "pid": os.getpid(), "since": since}).encode(), 0)

        note(run)
        try:
            yield note
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
