"""Every demo runs, in its quick mode, through the CLI as a user would start it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograd_lite import cli


@pytest.mark.parametrize("name", cli.demo_names())
def test_demo_runs_in_quick_mode(name, tmp_path):
    temp = tmp_path / "temp"  # the demo's temporary folder, which it must leave empty
    temp.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite.cli", "demo", name, "--quick"],
        capture_output=True, text=True, cwd=work, timeout=300,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert not list(temp.iterdir()), f"{name} left temporary files behind"
