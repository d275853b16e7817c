"""`python -m core` end to end in subprocesses: the demo org started as its own `python -m localorg serve`
process on first use and reused, connect / connections / disconnect, errors with a fix and exit 1."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from core import demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A console data dir for the CLI; whatever demo org the CLI starts in it is stopped afterwards."""
    try:
        yield tmp_path
    finally:
        demo.stop_demo_org(tmp_path)


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m core ARGS` with CONSOLE_DATA_DIR pointing at the test's directory."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"}
    env["CONSOLE_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_given_fresh_data_dir_when_cli_connects_lists_and_disconnects_then_round_trip(data_dir: Path) -> None:
    connected = cli(data_dir, "connect", "--env", "demo", "--username", "integration@demo.test")
    assert connected.returncode == 0, connected.stderr
    assert "Connected 'demo'" in connected.stdout and "[DEMO]" in connected.stdout
    address = demo.read_address(data_dir)
    assert address is not None and demo.is_running(address)
    assert address.pid != os.getpid()  # its own process, not this one

    second = cli(data_dir, "connect", "--env", "demo", "--username", "auditor@demo.test", "--name", "audit")
    assert second.returncode == 0, second.stderr
    assert demo.read_address(data_dir) == address  # the running org was reused

    listed = cli(data_dir, "connections", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["connection"]["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"audit", "demo"}
    assert rows["demo"]["health"]["status"] == "connected"
    assert rows["demo"]["connection"]["username"] == "integration@demo.test"
    assert rows["audit"]["connection"]["environment"]["badge"] == "DEMO"
    assert "access_token" not in listed.stdout and "refresh_token" not in listed.stdout

    gone = cli(data_dir, "disconnect", "demo")
    assert gone.returncode == 0, gone.stderr
    after = json.loads(cli(data_dir, "connections", "--json", "--no-check").stdout)
    assert [r["connection"]["name"] for r in after] == ["audit"]


def test_given_inactive_user_when_cli_connects_then_message_fix_and_exit_1(data_dir: Path) -> None:
    failed = cli(data_dir, "connect", "--env", "demo", "--username", "inactive@demo.test")
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: ") and "\nfix: " in failed.stderr and "reactivate" in failed.stderr


def test_given_real_org_without_jwt_when_cli_connects_then_usage_fix_and_exit_1(data_dir: Path) -> None:
    failed = cli(data_dir, "connect", "--env", "production", "--username", "x@acme.test")
    assert failed.returncode == 1 and "--jwt" in failed.stderr
    assert demo.read_address(data_dir) is None  # nothing was started for a real org


def test_given_demo_org_started_when_stopped_then_process_gone(data_dir: Path) -> None:
    started = cli(data_dir, "demo", "start")
    assert started.returncode == 0, started.stderr
    address = demo.read_address(data_dir)
    assert address is not None
    assert cli(data_dir, "demo", "stop").returncode == 0
    assert not demo.is_running(address) and demo.read_address(data_dir) is None


def test_given_two_sessions_starting_the_demo_org_at_once_then_one_process_serves_both(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"}
    env["CONSOLE_DATA_DIR"] = str(data_dir)
    runs = [subprocess.Popen([sys.executable, "-m", "core", "demo", "start"], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    pids = {out.rsplit("pid ", 1)[1].strip(" )\n") for out, _ in outputs}
    address = demo.read_address(data_dir)
    assert address is not None and pids == {str(address.pid)}


def test_given_demo_connection_when_demo_org_restarted_then_it_follows_and_stays_connected(data_dir: Path) -> None:
    assert cli(data_dir, "connect", "--env", "demo", "--username", "integration@demo.test").returncode == 0
    before = demo.read_address(data_dir)
    assert before is not None and demo.stop_demo_org(data_dir)

    listed = cli(data_dir, "connections", "--json")

    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    after = demo.read_address(data_dir)
    assert after is not None and after.pid != before.pid  # started again on first use
    assert row["health"]["status"] == "connected"
    assert row["connection"]["instance_url"] == after.instance_url
