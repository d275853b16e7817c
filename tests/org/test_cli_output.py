"""How `python -m core` prints, in subprocesses against localorg: a reader that stops early (`| head`) ends the
command quietly, `diagnose` lists what needs attention (`--all`: every check), progress on stderr suits a terminal
and a log alike, counts carry thousands separators and the right noun, and dry runs are listed as dry runs."""
from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from core import engine
from tests.fixtures.writer import WRITER
from tests.org.test_sync_cli import _a_manual_run, _new_leads

ROOT = Path(__file__).resolve().parents[2]
_ROLE_ENV = ("CONSOLE_SECRET_KEY", "CONSOLE_ROLE", "CONSOLE_OPERATORS")


def cli(base: Path, *args: str, stdout: int | IO[Any] = subprocess.PIPE,
        stderr: int | IO[Any] = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """`python -m core ARGS` on the test's data dir (single-user mode: the CLI operates), output where asked."""
    env = {k: v for k, v in os.environ.items() if k not in _ROLE_ENV} | {"CONSOLE_DATA_DIR": str(base)}
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
                          text=True, timeout=300)


def into_closed_pipe(base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdout a pipe whose reader has already gone (what `| head` leaves once it has its lines):
    every write fails with EPIPE, whatever the size of the output."""
    read, write = os.pipe()
    os.close(read)
    try:
        return cli(base, *args, stdout=write)
    finally:
        os.close(write)


def on_a_terminal(base: Path, *args: str) -> tuple[int, str]:
    """Run the CLI with stderr a pseudo-terminal; its exit code and what the terminal received."""
    master, slave = pty.openpty()
    try:
        done = cli(base, *args, stderr=slave)
    finally:
        os.close(slave)
    received = b""
    try:
        while chunk := os.read(master, 65536):
            received += chunk
    except OSError:  # EIO: the last writer closed the terminal
        pass
    finally:
        os.close(master)
    return done.returncode, received.decode()


def test_given_a_reader_that_stopped_early_when_a_command_prints_then_it_exits_141_without_a_traceback(
        tmp_path: Path) -> None:
    listed = into_closed_pipe(tmp_path, "connections")
    status = into_closed_pipe(tmp_path, "demo", "status")  # exit 1 of its own ("not running"): the pipe's code wins

    for done in (listed, status):
        assert (done.returncode, done.stderr) == (141, "")
    assert cli(tmp_path, "connections").returncode == 0  # the same command with a reader is unchanged


def test_given_the_integration_user_when_diagnosed_then_only_the_warning_is_listed_and_all_lists_every_check(
        writer_org: tuple[Path, Any]) -> None:
    base, _ = writer_org
    report = json.loads(cli(base, "diagnose", "--json").stdout)
    counts = report["counts"]
    assert (counts["fail"], counts["warn"]) == (0, 1) and counts["pass"] > 50
    assert len(report["findings"]) == counts["pass"] + counts["warn"]  # JSON: every check, passes too

    short = cli(base, "diagnose", "demo")  # the connection named as `health NAME` names it

    assert short.returncode == 0, short.stderr
    lines = short.stdout.splitlines()
    assert f"Result: {counts['pass']} passed, 1 warning (0 not checked), 0 failed" in lines
    assert "PASS" not in short.stdout and len(lines) < 12
    assert [line for line in lines if line.startswith("  WARN  ")] == [
        "  WARN  Lead records visible — " + next(f["evidence"] for f in report["findings"] if f["status"] == "warn")]
    assert "        fix: To sync every record, give integration@demo.test View All on Lead" in short.stdout
    assert lines[-1] == f"{counts['pass']} passed checks not listed: --all lists every check."
    full = cli(base, "diagnose", "--all")
    marks = [line.split()[0] for line in full.stdout.splitlines() if line.startswith("  ") and not line.startswith("   ")]
    assert full.returncode == 0 and marks.count("PASS") == counts["pass"] and marks.count("WARN") == 1
    assert "not listed" not in full.stdout

    cut_short = into_closed_pipe(base, "diagnose", "--all")

    assert (cut_short.returncode, cut_short.stderr) == (141, "")


def test_given_stderr_not_a_terminal_when_a_snapshot_is_pulled_then_each_progress_line_ends_in_a_newline(
        writer_org: tuple[Path, Any]) -> None:
    base, _ = writer_org

    logged = cli(base, "snapshot", "--connection", "demo", "--object", "Lead", "--refresh")

    assert logged.returncode == 0, logged.stderr
    assert "\r" not in logged.stderr and logged.stderr.endswith("\n")
    lines = logged.stderr.splitlines()
    total = engine.snapshot("demo", "Lead", base=base).records
    assert total > 4000 and lines[-1] == f"Lead: {total:,} of {total:,} records"
    assert lines == sorted(set(lines), key=lines.index)  # no line twice
    assert all(re.fullmatch(rf"Lead: [\d,]+ of {total:,} records", line) for line in lines)
    code, shown = on_a_terminal(base, "snapshot", "--connection", "demo", "--object", "Lead", "--refresh")
    assert code == 0 and shown.startswith("\rLead: ") and shown.endswith("\n")  # a terminal: one line redrawn


def test_given_dry_runs_and_a_one_cell_run_when_listed_then_dry_runs_say_so_and_counts_read_right(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    _a_manual_run(base)  # one cell written
    _new_leads(base, org, 1)
    engine.snapshot("demo", "Lead", actor=WRITER, refresh=True, base=base)  # a dry run reads the shared snapshot

    new = cli(base, "sync", "--connection", "demo", "--object", "Lead", "--trigger", "new")
    backfill = cli(base, "sync", "--connection", "demo", "--object", "Lead", "--trigger", "backfill")
    listed = cli(base, "runs")

    assert new.returncode == 0, new.stderr
    assert "demo/Lead new: 1 record in scope" in new.stdout
    assert "cost: 1 record to write, 1 write call + 1 fresh-read call = 2 API calls" in new.stdout
    fill = json.loads(cli(base, "runs", "--json").stdout)[0]["options"]["verdicts"]["fill"]
    assert backfill.returncode == 0 and fill > 999 and f"fill {fill:,}" in backfill.stdout
    dry_backfill, dry_new, manual = listed.stdout.splitlines()
    assert "  dry run     demo/Lead  backfill by " in dry_backfill
    assert re.search(rf"  would write {fill:,} cells to [\d,]+ records \([\d,]+ API calls\); nothing written$",
                     dry_backfill)
    assert re.search(r"  would write \d cells? to 1 record \(2 API calls\); nothing written$", dry_new)
    assert "  done        demo/Lead  manual by olivia" in manual and "1 cell, " in manual and "written 1" in manual
    assert not re.search(r"(?<![\d,])0 cells", listed.stdout) and "cells would be filled" not in listed.stdout
