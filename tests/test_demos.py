"""Every demo runs, in its quick mode, through the CLI as a user would start it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograd_lite import cli


@pytest.mark.parametrize("name", cli.demo_names())
def test_demo_runs_in_quick_mode(name, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite.cli", "demo", name, "--quick"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
