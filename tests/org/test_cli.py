"""`python -m core` end to end in subprocesses: the demo org started as its own `python -m localorg serve`
process on first use and reused, connect / connections / disconnect, errors with a fix and exit 1, and a
damaged token record or key file explained instead of a traceback."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from core.connect import demo
from tests.fixtures.tokens import damage_record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A console data dir for the CLI; whatever demo org the CLI starts in it is stopped afterwards."""
    try:
        yield tmp_path
    finally:
        demo.stop_demo_org(tmp_path)


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m core ARGS` with CONSOLE_DATA_DIR pointing at the test's directory (and `env` added)."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"} | (env or {})
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


@pytest.fixture()
def demo_dir(fresh_localorg: Any, tmp_path: Path) -> Path:
    """A console data dir whose running demo org is this test's fresh localorg (stopped by its own fixture)."""
    base = tmp_path / "console-data"
    path = demo.address_path(base)
    path.parent.mkdir(parents=True)
    address = demo.DemoAddress(fresh_localorg.instance_url, fresh_localorg.login_url, fresh_localorg.ca_file,
                               fresh_localorg.client_id, os.getpid())
    path.write_text(json.dumps(asdict(address)))
    return base


def test_given_a_damaged_record_when_cli_lists_checks_and_disconnects_then_needs_reconnect_with_cause_and_fix(
        demo_dir: Path) -> None:
    for user, name in (("integration@demo.test", "demo"), ("auditor@demo.test", "audit")):
        assert cli(demo_dir, "connect", "--env", "demo", "--username", user, "--name", name).returncode == 0
    damage_record(demo_dir, "audit")

    listed = cli(demo_dir, "connections", "--json", "--no-check")
    assert listed.returncode == 1, listed.stderr  # a connection needs reconnecting: a scheduler can tell
    rows = {r["connection"]["name"]: r for r in json.loads(listed.stdout)}
    assert rows["audit"]["connection"]["readable"] is False
    assert rows["audit"]["health"]["status"] == "needs_reconnect"
    assert rows["audit"]["health"]["cause"] == "tokens_unreadable"
    assert "cannot be decrypted" in rows["audit"]["health"]["message"]
    assert "CONSOLE_SECRET_KEY" in rows["audit"]["health"]["fix"]
    text = cli(demo_dir, "connections")
    assert text.returncode == 1 and "Traceback" not in text.stderr
    assert "cause: tokens_unreadable" in text.stdout and "(stored record unreadable)" in text.stdout
    checked = {r["connection"]["name"]: r["health"]["status"] for r in json.loads(cli(demo_dir, "connections",
                                                                                         "--json").stdout)}
    assert checked == {"audit": "needs_reconnect", "demo": "connected"}

    health = cli(demo_dir, "health", "audit")
    assert health.returncode == 1
    assert "audit: needs_reconnect" in health.stdout and "fix: Restore CONSOLE_SECRET_KEY" in health.stdout

    kept = cli(demo_dir, "disconnect", "audit")
    assert kept.returncode == 1 and "force" in kept.stderr and "Traceback" not in kept.stderr
    forced = cli(demo_dir, "disconnect", "audit", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "without revoking" in forced.stdout
    after = json.loads(cli(demo_dir, "connections", "--json").stdout)
    assert [(r["connection"]["name"], r["health"]["status"]) for r in after] == [("demo", "connected")]


def test_given_a_replaced_key_file_when_cli_reconnects_under_the_same_name_then_the_record_is_replaced(
        demo_dir: Path) -> None:
    assert cli(demo_dir, "connect", "--env", "demo", "--username", "integration@demo.test").returncode == 0
    key_file = demo_dir / "secret.key"
    key_file.write_bytes(Fernet.generate_key())

    [broken] = json.loads(cli(demo_dir, "connections", "--json").stdout)
    assert (broken["connection"]["name"], broken["health"]["status"]) == ("demo", "needs_reconnect")

    again = cli(demo_dir, "connect", "--env", "demo", "--username", "integration@demo.test", "--replace")
    assert again.returncode == 0, again.stderr
    [fixed] = json.loads(cli(demo_dir, "connections", "--json").stdout)
    assert fixed["connection"]["readable"] is True and fixed["health"]["status"] == "connected"


@pytest.mark.parametrize(("content", "mode", "says"), [
    (None, 0o644, "chmod 600"),
    (b"not a key", 0o600, "Restore the key file"),
])
def test_given_a_bad_key_file_when_cli_lists_then_message_fix_and_exit_1_without_traceback(
        tmp_path: Path, content: bytes | None, mode: int, says: str) -> None:
    key_file = tmp_path / "secret.key"
    original = content if content is not None else Fernet.generate_key()
    key_file.write_bytes(original)
    key_file.chmod(mode)
    listed = cli(tmp_path, "connections")
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert listed.stderr.startswith("error: The key file") and says in listed.stderr
    assert key_file.read_bytes() == original  # the key is never replaced behind the operator's back


def test_given_demo_org_database_damaged_when_cli_lists_then_degraded_with_log_and_fix_and_file_kept(
        data_dir: Path) -> None:
    assert cli(data_dir, "connect", "--env", "demo", "--username", "integration@demo.test").returncode == 0
    assert demo.stop_demo_org(data_dir)
    database = data_dir / "demo-org" / "org.sqlite3"
    assert database.exists()
    damaged = b"this is not a database" * 200
    database.write_bytes(damaged)

    listed = cli(data_dir, "connections")

    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stdout + listed.stderr
    assert "degraded" in listed.stdout
    assert "The demo org stopped during start-up (exit code 2)" in listed.stdout
    assert "cannot be read" in listed.stdout and "move that directory aside" in listed.stdout
    assert f"move {data_dir / 'demo-org'} aside" in listed.stdout
    assert database.read_bytes() == damaged


def test_given_console_role_viewer_when_cli_connects_or_disconnects_then_refused_exit_77_and_nothing_changes(
        data_dir: Path) -> None:
    assert cli(data_dir, "connect", "--env", "demo", "--username", "integration@demo.test").returncode == 0
    viewer = {"CONSOLE_ROLE": "viewer"}

    connect = cli(data_dir, "connect", "--env", "demo", "--username", "auditor@demo.test", "--name", "audit", env=viewer)
    assert connect.returncode == 77, connect.stdout + connect.stderr
    assert "is a viewer (CONSOLE_ROLE is 'viewer'); only operators can connect orgs." in connect.stderr
    assert "fix: " in connect.stderr and "Traceback" not in connect.stderr
    disconnect = cli(data_dir, "disconnect", "demo", env=viewer)
    assert disconnect.returncode == 77 and "only operators can disconnect orgs" in disconnect.stderr
    as_json = cli(data_dir, "connect", "--env", "demo", "--username", "auditor@demo.test", "--json", env=viewer)
    assert as_json.returncode == 77 and json.loads(as_json.stderr)["cause"] == "not_operator"

    # Reading is for everyone; the connection is still there and still works.
    listed = cli(data_dir, "connections", "--json", env=viewer)
    assert listed.returncode == 0, listed.stderr
    assert [(r["connection"]["name"], r["health"]["status"]) for r in json.loads(listed.stdout)] == [
        ("demo", "connected")]
    # An operator list the login user is not on refuses too; on it, the same command works.
    user = {"USER": "cron-job"}
    listed_out = cli(data_dir, "disconnect", "demo", env=user | {"CONSOLE_OPERATORS": "ops@example.com"})
    assert listed_out.returncode == 77 and "cron-job is a viewer (not listed in CONSOLE_OPERATORS)" in listed_out.stderr
    listed_in = cli(data_dir, "disconnect", "demo", env=user | {"CONSOLE_OPERATORS": "ops@example.com,cron-job"})
    assert listed_in.returncode == 0, listed_in.stderr


def test_given_no_data_dir_when_the_cli_connects_then_the_directory_is_0700_and_nothing_in_it_is_open_to_others(
        tmp_path: Path) -> None:
    state = tmp_path / "state"  # created by the console, under the usual umask 022
    try:
        connected = cli(state, "connect", "--env", "demo", "--username", "integration@demo.test")
        assert connected.returncode == 0, connected.stderr
        assert cli(state, "connections").returncode == 0
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        paths = [state, *state.rglob("*")]
        assert {"cache", "tokens.sqlite3", "secret.key", "demo-org"} <= {p.name for p in paths}
        assert any(p.parent.name == "cache" for p in paths)  # the diskcache's own files too
        open_to_others = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
                          for p in paths if stat.S_IMODE(p.stat().st_mode) & 0o077}
        assert open_to_others == {}
    finally:
        demo.stop_demo_org(state)


def test_given_a_data_dir_open_to_others_when_the_cli_uses_it_then_it_is_closed_to_0700(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    assert cli(state, "connections").returncode == 0
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
def test_given_a_connection_when_another_user_connects_without_a_name_then_it_is_kept_and_a_taken_name_is_refused(
        demo_dir: Path) -> None:
    assert cli(demo_dir, "connect", "--env", "demo", "--username", "integration@demo.test").returncode == 0
    second = cli(demo_dir, "connect", "--env", "demo", "--username", "auditor@demo.test")
    assert second.returncode == 0 and "Connected 'demo-auditor'" in second.stdout
    taken = cli(demo_dir, "connect", "--env", "demo", "--username", "restricted@demo.test", "--name", "demo")
    assert taken.returncode == 1 and "already exists (Demo Org as integration@demo.test)" in taken.stderr
    assert "--replace" in taken.stderr
    replaced = cli(demo_dir, "connect", "--env", "demo", "--username", "restricted@demo.test", "--name", "demo",
                   "--replace")
    assert replaced.returncode == 0 and "its token was revoked at Salesforce" in replaced.stdout
    rows = {r["connection"]["name"]: r["connection"]["username"]
            for r in json.loads(cli(demo_dir, "connections", "--json").stdout)}
    assert rows == {"demo": "restricted@demo.test", "demo-auditor": "auditor@demo.test"}


def test_given_cli_signals_when_asked_then_commands_name_the_fix_exit_codes_tell_and_json_is_offered(
        demo_dir: Path, fresh_localorg: Any) -> None:
    missing = cli(demo_dir, "health", "nope")
    assert missing.returncode == 1 and "There is no connection named 'nope'" in missing.stderr
    assert "python -m core connections" in missing.stderr and "Connect page" not in missing.stderr
    assert cli(demo_dir, "connect", "--env", "demo", "--username", "auditor@demo.test", "--name", "a").returncode == 0
    unchecked = cli(demo_dir, "connections", "--no-check")
    assert unchecked.returncode == 0 and "not checked (--no-check" in unchecked.stdout
    fresh_localorg.set_user_active("auditor@demo.test", False)
    failing = cli(demo_dir, "connections")
    assert failing.returncode == 1 and "needs_reconnect" in failing.stdout
    remembered = cli(demo_dir, "connections", "--no-check", "--json")
    assert remembered.returncode == 1  # the last check saw it needing a reconnect
    gone = cli(demo_dir, "disconnect", "a", "--json")
    assert gone.returncode == 0, gone.stderr
    said = json.loads(gone.stdout)
    assert {k: said[k] for k in ("connection", "disconnected", "revoked", "snapshots_deleted", "log_kept")} == {
        "connection": "a", "disconnected": True, "revoked": True, "snapshots_deleted": [], "log_kept": True}
    assert said["message"] == ("Disconnected 'a': the token was revoked at Salesforce and removed here. It had no "
                               "snapshot records on this machine. The enrichment log (its runs and every write) is "
                               "kept: it is the audit trail.")


def _as_a_user_without_write_access(args: list[str], data_dir: Path,
                                    key: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user who may read the data directory but not write it (nobody when we are root).

    `key`: the store's key, given as CONSOLE_SECRET_KEY (the key file stays private to its owner)."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"}
    if key:
        env["CONSOLE_SECRET_KEY"] = key
    env["CONSOLE_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-m", "core", *args]
    if os.geteuid() == 0:  # root writes anywhere: drop to nobody instead of relying on the mode bits
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run([*drop, sys.executable, "-c", "import core"], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=60)
        if probe.returncode != 0:  # e.g. a checkout inside a 0700 folder: nobody cannot even start Python here
            pytest.skip(f"nobody cannot run this checkout's Python here: {probe.stderr.strip()[:200]}")
        command = [*drop, *command]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("existing", [False, True])
def test_given_a_read_only_data_dir_when_cli_lists_then_it_reads_or_says_why_without_traceback(
        existing: bool) -> None:
    import shutil
    import tempfile

    parent = Path(tempfile.mkdtemp(prefix="console-ro-"))  # not under pytest's 0700 tmp: nobody must reach it
    try:
        data = parent / "data"
        data.mkdir()
        if existing:
            assert cli(data, "connections").returncode == 0  # a store made while it was writable
        key_file = data / "secret.key"
        key = key_file.read_text().strip() if key_file.exists() else None
        for path in (parent, data, *data.rglob("*")):
            path.chmod(0o555 if path.is_dir() else 0o400 if path == key_file else 0o444)
        listed = _as_a_user_without_write_access(["connections"], data, key)
        assert "Traceback" not in listed.stderr, listed.stderr
        if existing:  # a complete store still reads from a read-only directory
            assert listed.returncode == 0 and "No connections." in listed.stdout, listed.stderr
            return
        assert listed.returncode == 1
        assert listed.stderr.startswith("error: The token store") and "cannot be used" in listed.stderr
        assert f"fix: Make the data directory {data} writable" in listed.stderr
    finally:
        for path in (parent, *parent.rglob("*")):
            path.chmod(0o700)
        shutil.rmtree(parent)
