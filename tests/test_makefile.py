"""The two commands on a fresh machine: `make run` serves on the port asked for, and pip is
upgraded once, when the venv is made, not on every run (which would need the network)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*args) -> str:
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def test_make_run_serves_on_the_port_asked_for():
    assert "--port 5000" in _dry_run("run")
    assert "--port 8123" in _dry_run("run", "PORT=8123")
    assert "127.0.0.1:8123" in _dry_run("run", "PORT=8123")


def test_pip_is_upgraded_only_when_the_venv_is_made():
    recipe = _dry_run("-B", ".venv/.installed").replace("\\\n", " ")
    commands = [line for line in recipe.splitlines() if "--upgrade pip" in line]
    # One command: the upgrade runs only in the branch that makes the venv.
    assert len(commands) == 1
    assert commands[0].startswith("test -x .venv/bin/python || {")
    assert commands[0].index("-m venv") < commands[0].index("--upgrade pip")
