"""The console listens on this machine only unless exposing it is asked for: `make run` and a bare `streamlit run`."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.browser import _free_port

ROOT = Path(__file__).resolve().parents[2]


def _make_run(**variables: str) -> list[str]:
    """The streamlit command `make run` would start (make -n: printed, not run)."""
    printed = subprocess.run(["make", "-n", "run", *(f"{k}={v}" for k, v in variables.items())], cwd=ROOT,
                             capture_output=True, text=True, timeout=60, check=True).stdout
    line = next(line for line in printed.splitlines() if " streamlit run " in line)
    return shlex.split(line)


def _listening(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at `port`, from /proc/net/tcp and tcp6 (hex, as the kernel says)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_given_make_run_when_no_host_is_set_then_localhost_and_exposing_it_takes_host() -> None:
    command = _make_run()
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    exposed = _make_run(HOST="0.0.0.0")
    assert exposed[exposed.index("--server.address") + 1] == "0.0.0.0"


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket table (Linux)")
def test_given_streamlit_run_without_an_address_when_it_serves_then_it_listens_on_loopback_only(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")} | {
        "CONSOLE_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    with open(tmp_path / "streamlit.log", "wb") as log:  # from the repository root: .streamlit/config.toml applies
        process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                    "--server.headless", "true", "--server.fileWatcherType", "none"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    session = requests.Session()
    session.trust_env = False
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "streamlit.log").read_text()
            time.sleep(0.2)
        assert session.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=10).status_code == 200
        assert _listening(port) == {"0100007F"}  # 127.0.0.1 only: not 0.0.0.0, not :: (every interface)
    finally:
        process.terminate()
        process.wait(30)
