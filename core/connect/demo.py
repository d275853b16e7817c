"""Start or reuse the local demo org (`python -m localorg serve`) as its own process; never imports localorg."""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from core import settings
from core.errors import ConsoleError

DEMO_PASSWORD = "demo-password"
READY_TIMEOUT = 60.0
_REPO_ROOT = Path(__file__).resolve().parent.parent
_children: list[subprocess.Popen[bytes]] = []  # keep handles so Popen.__del__ does not warn


@dataclass(frozen=True)
class DemoAddress:
    """Where the running demo org answers (recorded in <data dir>/demo-org/address.json)."""

    instance_url: str
    login_url: str
    ca_file: str
    client_id: str
    pid: int


def address_path(base: Path) -> Path:
    """<data dir>/demo-org/address.json."""
    return settings.demo_dir(base) / "address.json"


def read_address(base: Path | None = None) -> DemoAddress | None:
    """The recorded address, or None (no file or unreadable); says nothing about liveness."""
    path = address_path(base if base is not None else settings.data_dir())
    try:
        data = json.loads(path.read_text())
        return DemoAddress(str(data["instance_url"]), str(data["login_url"]), str(data["ca_file"]),
                           str(data["client_id"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_running(address: DemoAddress) -> bool:
    """True when the recorded process lives and its login URL answers HTTP."""
    if not _pid_alive(address.pid):
        return False
    with requests.Session() as session:
        session.trust_env = False
        try:
            session.get(address.login_url, timeout=2, allow_redirects=False)
        except requests.exceptions.RequestException:
            return False
    return True


def _spawn(directory: Path) -> DemoAddress:
    """Launch `python -m localorg serve` detached, wait for its JSON ready line in the log file."""
    log_path = directory / "serve.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "localorg", "serve", "--data", str(directory), "--port", "0", "--http-port", "0"],
            cwd=str(_REPO_ROOT), env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    _children.append(process)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    ready = json.loads(line)
                except ValueError:
                    continue
                return DemoAddress(ready["instance_url"], ready["login_url"], ready["ca_file"], ready["client_id"],
                                   process.pid)
        if process.poll() is not None:
            lines = log_path.read_text(errors="replace").strip().splitlines()
            said = f": {lines[-1].strip()}" if lines else ""
            raise ConsoleError(f"The demo org stopped during start-up (exit code {process.returncode}){said}",
                               fix=f"The whole output is in {log_path}. If the demo org's data is damaged, move "
                               f"{directory} aside and try again: a fresh demo org is seeded.",
                               cause="demo_start_failed")
        time.sleep(0.05)
    process.terminate()
    raise ConsoleError("The demo org did not start within a minute.",
                       fix=f"Look at {log_path}, then try again.", cause="demo_start_failed", retry_safe=True)


def ensure_demo_org(base: Path | None = None) -> DemoAddress:
    """Return the running demo org's address, starting it first if needed.

    Under an exclusive file lock so that two console sessions (or the console and the CLI)
    starting together end up with one org.
    """
    root = base if base is not None else settings.data_dir()
    directory = settings.demo_dir(root)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        address = read_address(root)
        if address is not None and is_running(address):
            return address
        address = _spawn(directory)
        tmp = address_path(root).with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(address), indent=2))
        tmp.replace(address_path(root))
        return address


def stop_demo_org(base: Path | None = None, timeout: float = 10.0) -> bool:
    """SIGTERM the recorded demo org process and wait for it; True if one was running."""
    root = base if base is not None else settings.data_dir()
    address = read_address(root)
    if address is None or not _pid_alive(address.pid):
        return False
    os.kill(address.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(address.pid):
        try:
            os.waitpid(address.pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    if _pid_alive(address.pid):
        os.kill(address.pid, signal.SIGKILL)
    address_path(root).unlink(missing_ok=True)
    return True
