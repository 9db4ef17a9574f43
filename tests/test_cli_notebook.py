"""`autograd-lite demo NAME --notebook`: the demos as .ipynb files, written by jupytext."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite import cli, demos


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograd_lite.cli", "demo", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def script_cells(name: str) -> list[str]:
    """The kinds of cell in the demo's percent script, in order ('code' or 'markdown')."""
    text = (Path(demos.__path__[0]) / f"{name}.py").read_text(encoding="utf-8")
    return ["markdown" if "[markdown]" in line else "code" for line in text.splitlines()
            if re.match(r"# %%( |$)", line)]


def test_without_the_extra_it_says_which_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "jupytext", None)  # `import jupytext` now fails
    assert cli.main(["demo", "neuron", "--notebook", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "autograd_lite[notebook]" in err
    assert not list(tmp_path.iterdir())


def test_a_demo_becomes_a_notebook_with_its_cells_intact(tmp_path: Path) -> None:
    pytest.importorskip("jupytext")
    result = run("seed_network", "--notebook", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "seed_network.ipynb"
    assert result.stdout.strip() == "seed_network.ipynb" and path.is_file()  # default: the current folder
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert [cell["cell_type"] for cell in notebook["cells"]] == script_cells("seed_network")
    markdown = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert "Index mapping" in markdown and not markdown.lstrip().startswith("#  ")
    code = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "compare(model, x, y)" in code and "# %%" not in code
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_an_existing_notebook_is_kept_unless_forced(tmp_path: Path) -> None:
    pytest.importorskip("jupytext")
    path = tmp_path / "neuron.ipynb"
    path.write_text("mine", encoding="utf-8")
    result = run("neuron", "--notebook", "-o", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "--force" in result.stderr and result.stderr.count("\n") == 1
    assert path.read_text(encoding="utf-8") == "mine"
    result = run("neuron", "--notebook", "-o", str(tmp_path), "--force", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_all_writes_every_demo(tmp_path: Path) -> None:
    pytest.importorskip("jupytext")
    out = tmp_path / "new" / "folder"
    result = run("--notebook", "--all", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    assert written == [out / f"{name}.ipynb" for name in cli.demo_names()]
    for path in written:
        assert [c["cell_type"] for c in json.loads(path.read_text(encoding="utf-8"))["cells"]] \
            == script_cells(path.stem)


@pytest.mark.parametrize("args", [["--notebook"], ["neuron", "--notebook", "--all"], ["nope", "--notebook"]])
def test_bad_notebook_requests_are_one_line_errors(args: list[str], tmp_path: Path) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert not list(tmp_path.iterdir())
