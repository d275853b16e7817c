"""A fresh clone's first steps: `make run` says what it does and where to open the console; `core` imports
from any directory once the project is installed (as `make venv` does)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_given_make_run_when_its_recipe_is_read_then_it_names_the_url_to_open_on_the_chosen_port() -> None:
    recipe = subprocess.run(["make", "-n", "run", "PORT=8599"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert recipe.returncode == 0, recipe.stderr
    assert "open http://localhost:8599" in recipe.stdout and "--server.port 8599" in recipe.stdout
    assert "Starting the demo org" in recipe.stdout


def test_given_the_project_installed_when_core_is_used_outside_the_repository_then_it_imports_and_runs(
        tmp_path: Path) -> None:
    source = tmp_path / "clone"
    source.mkdir()
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy(ROOT / name, source / name)
    for package in ("core", "localorg", "ui"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                                str(source)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    elsewhere = tmp_path / "notebooks"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "CONSOLE_DATA_DIR": str(tmp_path / "data")}
    used = subprocess.run([sys.executable, "-c", "from core import engine\nfrom core.enrich import mapping\n"
                           "print(mapping.default_mapping('Account').fields[0].field)"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert used.returncode == 0 and used.stdout.strip() == "Name", used.stderr
    cli = subprocess.run([sys.executable, "-m", "core", "connections"], cwd=elsewhere, env=env, capture_output=True,
                         text=True, timeout=120)
    assert cli.returncode == 0 and "No connections." in cli.stdout, cli.stderr


def test_given_the_console_config_when_read_then_users_never_see_tracebacks() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"  # details go to the server log only
