"""The commands that the README names are on the venv's PATH (scripts/setup.sh links them;
`pip install .` installs them as console scripts of the package)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from conftest import REPO, needs_engine

VENV_BIN = Path(sys.executable).parent
COMMANDS = ("coinrun-engine", "coinrun-viewer", "coinrun")


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


@needs_engine
@pytest.mark.parametrize("name", COMMANDS)
def test_readme_commands_are_on_the_venv_path(name):
    if name == "coinrun-viewer" and not (REPO / "build" / name).exists() and not shutil.which(name, path=VENV_BIN):
        pytest.skip("coinrun-viewer was not built (no Qt 6)")
    assert shutil.which(name, path=str(VENV_BIN)), f"{name} is not in {VENV_BIN}: run scripts/setup.sh"
    assert f"`{name}" in (REPO / "README.md").read_text(), "the README names it"


@needs_engine
def test_the_commands_run():
    level = run("coinrun-engine", "level", "--game", "maze", "--seed", "1")
    assert level.returncode == 0, level.stderr
    assert json.loads(level.stdout)["seed"] == 1
    info = run("coinrun", "info")
    assert info.returncode == 0, info.stderr
    assert {g["name"] for g in json.loads(info.stdout)["games"]} == {"standard", "platform", "maze"}
    if shutil.which("coinrun-viewer", path=str(VENV_BIN)):
        help_ = run("coinrun-viewer", "--help")
        assert help_.returncode == 0 and "--attach" in help_.stdout


def test_pip_install_declares_the_same_commands():
    section = (REPO / "pyproject.toml").read_text().split("[project.scripts]")[1].split("\n[")[0]
    scripts = dict(re.findall(r'^([\w-]+) = "([\w.:]+)"$', section, re.M))
    assert set(scripts) == set(COMMANDS)
    for target in scripts.values():
        module, func = target.split(":")
        assert callable(getattr(import_module(module), func))
