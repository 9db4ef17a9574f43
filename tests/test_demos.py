"""Every demo runs, in its quick mode, through the CLI as a user would start it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from autograd_lite import cli

LONG = {"digits", "moons"}  # ~10 s each (scikit-learn, matplotlib): marked slow
WITH_FAST = LONG | {"gpt"}  # run eager and --fast below, which checks all the quick run does


def run_demo(name, tmp_path, *flags):
    temporary = tmp_path / "tmp"   # the demo's temporary files go here, and must not stay
    temporary.mkdir(exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite.cli", "demo", name, "--quick", *flags],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    assert not list(temporary.iterdir()), "the demo left temporary files behind"
    return result


@pytest.mark.parametrize("name", [n for n in cli.demo_names() if n not in WITH_FAST])
def test_demo_runs_in_quick_mode(name, tmp_path):
    result = run_demo(name, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def without_times(stdout):
    """A demo's output without what depends on the clock: runtime lines, and the seconds
    column that ends each epoch row of the digits table."""
    epoch_row = re.compile(r"\s+\d+\s+\d+\.\d+\s.*%\s+\d+\.\d+$")
    return [ln.rsplit(None, 1)[0] if epoch_row.match(ln) else ln
            for ln in stdout.splitlines() if not ln.startswith("runtime")]


def eager_and_fast(name, tmp_path):
    """The demo run eagerly and with --fast (both must succeed), and the eager run's lines,
    clock aside, that the fast run does not print."""
    eager, fast = run_demo(name, tmp_path), run_demo(name, tmp_path, "--fast")
    assert eager.returncode == 0 and fast.returncode == 0, eager.stderr + fast.stderr
    fast_lines = set(without_times(fast.stdout))
    return eager, fast, [ln for ln in without_times(eager.stdout) if ln not in fast_lines]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LONG))
def test_fast_demo_computes_what_the_eager_one_does(name, tmp_path):
    # --fast replays tapes (training, and evaluation by Tape.forward): the same printed numbers;
    # it only adds lines about the tape
    eager, _, missing = eager_and_fast(name, tmp_path)
    assert not missing and len(eager.stdout.splitlines()) > 5


def test_gpt_fast_trains_as_the_eager_run_does(tmp_path):
    # --fast replays one tape per name length, with the tokens as one-hot leaves: the same
    # printed losses and samples as the eager run's index lookups, and the demo asserts that
    # on a sample of names the tape's loss and gradients are the eager graph's to the bit
    eager, fast, missing = eager_and_fast("gpt", tmp_path)
    assert not missing and sum(ln.startswith("step") for ln in eager.stdout.splitlines()) >= 3
    assert "bit-identical to the eager one-hot graph" in fast.stdout
    assert "sampled names:" in fast.stdout and "x faster" in fast.stdout


def test_build_your_own_imports_only_the_standard_library_and_autograd_lites_public_names():
    # Its notebook is served in the browser (Pyodide: no NumPy, no matplotlib) and is where a
    # student starts: nothing private (no `_common`, no `_module`) and no optional library.
    import ast
    from pathlib import Path

    from autograd_lite import demos

    from .helpers import imports_of, is_standard_library

    source = (Path(demos.__path__[0]) / "build_your_own.py").read_text(encoding="utf-8")
    for _, level, module in imports_of(ast.parse(source)):
        assert level == 0, "a relative import"
        assert is_standard_library(module) or module == "autograd_lite", module
        assert not any(part.startswith("_") for part in module.split(".")), module
    assert "in_kernel" not in source
