"""`autograd-lite check FILE.py[:NAME]`: imports the learner's file (on purpose), prints the
report; exit 0 ok, 1 failing, 2 with one line for a usage error."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

from . import learner_engines


def run_check(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograd_lite", "check", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def write_engine(folder, bug=None, name="Value"):
    """A learner's file: the engines module's source, and one class made from it."""
    source = inspect.getsource(learner_engines)
    path = folder / "my_engine.py"
    path.write_text(f"{source}\n\n{name} = learner_engine({bug!r}, parents=tuple)\n", encoding="utf-8")
    return path


def test_a_correct_engine_exits_0_and_prints_the_table(tmp_path):
    path = write_engine(tmp_path)
    result = run_check(str(path))
    assert result.returncode == 0, result.stderr
    assert "check_engine(Value): OK" in result.stdout and "a - b" in result.stdout


def test_a_wrong_engine_exits_1_and_names_the_op(tmp_path):
    path = write_engine(tmp_path, "sub", name="Scalar")
    result = run_check(f"{path}:Scalar")
    assert result.returncode == 1
    assert "your `__sub__` backward" in result.stdout
    data = json.loads(run_check(f"{path}:Scalar", "--json").stdout)
    assert data["ok"] is False and data["first_failure"] == "a - b"


def test_strict_fails_a_recursive_sort(tmp_path):
    path = tmp_path / "rec.py"
    source = inspect.getsource(learner_engines)
    path.write_text(f"{source}\nValue = learner_engine(parents=tuple, sort='recursive')\n", encoding="utf-8")
    assert run_check(str(path)).returncode == 0
    strict = run_check(str(path), "--strict")
    assert strict.returncode == 1 and "limit" in strict.stdout


@pytest.mark.parametrize("content, target, words", [
    (None, "missing.py", "no such file: 'missing.py'"),
    ("x = 1\n", "f.py", "has no class named 'Value' (its classes: none)"),
    ("class Node: pass\n", "f.py:Scalar", "has no class named 'Scalar' (its classes: Node)"),
    ("Value = 3\n", "f.py", "has an int, not a class,"),
    ("Value = 'x'\n", "f.py", "has a str, not a class,"),
    ("raise ValueError('broken\\nsecond line')\n", "f.py", "f.py raised ValueError: broken on import"),
    ("import sys\nsys.exit(3)\n", "f.py", "f.py raised SystemExit: 3 on import"),
    ("x = 1\n", "f.txt", "not a Python file"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, content, target, words):
    if content is not None:
        (tmp_path / target.split(":")[0]).write_text(content, encoding="utf-8")
    result = run_check(target, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-lite check: "), result.stderr
    assert words in lines[0]


def test_the_help_says_the_file_is_run():
    result = subprocess.run([sys.executable, "-m", "autograd_lite", "check", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert "runs its code" in " ".join(result.stdout.split())


def test_sys_exit_in_the_learners_backward_is_reported_not_an_exit_0(tmp_path):
    # an autograder reads the exit status: sys.exit(0) inside backward() must not pass
    path = write_engine(tmp_path)
    with path.open("a", encoding="utf-8") as file:
        file.write("\nimport sys\nValue.backward = lambda self: sys.exit(0)\n")
    result = run_check(str(path))
    assert result.returncode == 1, result.stderr
    assert "check_engine(Value): NOT OK" in result.stdout and "SystemExit: 0" in result.stdout
