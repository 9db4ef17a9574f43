"""The static site's Python side, without a browser: the wheel made from the installed files,
the Pyodide lock rewrite, the playground's runner under CPython, `autograd_lite.show`, the
clean demo notebooks, and the `site` command's one-line errors."""

from __future__ import annotations

import ast
import base64
import csv
import hashlib
import html
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import autograd_lite
from autograd_lite import Value, cli, show
from autograd_lite.site import build, runner, wheels
from autograd_lite.site.build import NOTEBOOKS

from .jupyter_session import convert

SITE = Path(build.__file__).parent


def neuron_code() -> str:
    return next(e["code"] for e in build.examples() if e["name"] == "neuron")


def cpython_grads(code: str) -> dict[str, float]:
    """The .grad of every labelled Value bound at the top level, after running code under CPython."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(code, "<test>", "exec"), namespace)
    return {v.label: v.grad for v in namespace.values() if isinstance(v, Value) and v.label}


# --- autograd_lite's own wheel ------------------------------------------------------------------

def test_the_wheel_made_from_installed_files_imports_alone_and_its_record_is_true(tmp_path: Path) -> None:
    path = wheels.own_wheel(tmp_path)
    assert path.name == f"autograd_lite-{autograd_lite.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        dist_info = f"autograd_lite-{autograd_lite.__version__}.dist-info"
        rows = list(csv.reader(io.StringIO(archive.read(f"{dist_info}/RECORD").decode())))
        for name, digest, size in rows:
            if name.endswith("RECORD"):
                continue
            data = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}" and int(size) == len(data), name
        assert {name for name, _, _ in rows} == set(names)
    assert "autograd_lite/page/player.js" in names and "autograd_lite/site/runner.py" in names
    assert "autograd_lite/demos/neuron.py" in names and not any("__pycache__" in n for n in names)
    assert not any(n.startswith("autograd_lite/site/static/") for n in names)  # the builder's pages stay out
    # Only the wheel on the path (-I: no site-packages, no checkout): the package imports and runs.
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "import autograd_lite as ag, autograd_lite.site.runner as r\n"
            "assert ag.__file__.startswith(sys.argv[1]), ag.__file__\n"
            "a = ag.Value(2.0) * ag.Value(3.0, label='w'); a.backward()\n"
            "result = r.run('from autograd_lite import Value\\nq = Value(3.0) * 4')\n"
            "print(result['value']['table'][0]['data'])")
    result = subprocess.run([sys.executable, "-I", "-c", code, str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "12.0"


def test_the_wheel_metadata_is_the_installed_distributions_and_scratch_files_stay_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from email.parser import Parser
    from importlib import metadata

    # A checkout's package folder with the package's files and some scratch beside them.
    fake = tmp_path / "autograd_lite"
    for name in ("__init__.py", "py.typed", "page/player.js", "page/VIZ-JS-NOTICE.txt", "site/runner.py",
                 "site/static/index.html", "notes.txt", "page/old.js.orig", "page/draft.ipynb",
                 "__pycache__/x.cpython-312.pyc"):
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text("x", encoding="utf-8")
    assert sorted(name for name, _ in wheels._package_files(fake, None)) == [
        "autograd_lite/__init__.py", "autograd_lite/page/VIZ-JS-NOTICE.txt", "autograd_lite/page/player.js",
        "autograd_lite/py.typed", "autograd_lite/site/runner.py"]
    path = wheels.own_wheel(tmp_path / "wheel")
    dist = metadata.distribution("autograd_lite")
    with zipfile.ZipFile(path) as archive:
        meta = Parser().parsestr(archive.read(
            f"autograd_lite-{dist.version}.dist-info/METADATA").decode())
    assert meta["Version"] == dist.version and meta["Requires-Python"] == dist.metadata["Requires-Python"]
    assert meta["Summary"] == dist.metadata["Summary"]
    assert meta.get_all("Requires-Dist") == [r for r in dist.requires if "extra ==" not in r]
    # Another distribution version than the imported package's: refused, not shipped wrong.
    monkeypatch.setattr(autograd_lite, "__version__", "0.0.0-other")
    with pytest.raises(wheels.WheelError, match="reinstall"):
        wheels.own_wheel(tmp_path / "other")


def test_the_shipped_lock_names_only_shipped_files_and_pip_asks_for_pyodides_python(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = {"info": {"python": "3.14.2"}, "packages": {
        "a": {"name": "a", "file_name": "a-1-py3-none-any.whl", "depends": []},
        "numpy": {"name": "numpy", "file_name": "numpy-2-cp314-cp314-pyodide.whl", "depends": []}}}
    shipped = wheels.only_shipped(lock, [tmp_path / "a-1-py3-none-any.whl"])
    assert list(shipped["packages"]) == ["a"] and shipped["info"] == lock["info"]
    commands = []

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        commands.append(command)
        return subprocess.CompletedProcess(command, 1, "", "no such version")

    monkeypatch.setattr(wheels.subprocess, "run", fake_run)
    with pytest.raises(wheels.WheelError):
        wheels.download(["a==1"], tmp_path, "3.13.1")
    assert commands[0][commands[0].index("--python-version") + 1] == "3.13"


def _wheel(folder: Path, name: str, version: str, requires: list[str]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "")
        archive.writestr(f"{name}-{version}.dist-info/METADATA", meta)
    return path


def test_the_lock_rewrite_describes_the_shipped_files(tmp_path: Path) -> None:
    lock = {"info": {"python": "3.14"}, "packages": {
        "kept": {"name": "kept", "version": "1.0", "file_name": "kept-1.0-py3-none-any.whl",
                 "sha256": "0" * 64, "depends": ["other"], "imports": ["kept"], "install_dir": "site",
                 "package_type": "package", "unvendored_tests": True},
        "other": {"name": "other", "version": "2.0", "file_name": "other.whl", "sha256": "1" * 64,
                  "depends": [], "imports": ["other"], "install_dir": "site", "package_type": "package"}}}
    kept = _wheel(tmp_path, "kept", "1.0", ["whatever>1"])
    new = _wheel(tmp_path, "new_pkg", "0.3", ["Kept>=1", "absent", "other; extra == 'x'"])
    rewritten = wheels.rewrite_lock(lock, [kept, new])
    entry = rewritten["packages"]["kept"]
    assert entry["sha256"] == hashlib.sha256(kept.read_bytes()).hexdigest()
    assert entry["sha256"] != lock["packages"]["kept"]["sha256"]
    assert entry["file_name"] == kept.name and entry["depends"] == ["other"]  # Pyodide's own choice kept
    assert entry["unvendored_tests"] is False
    added = rewritten["packages"]["new-pkg"]
    assert added["depends"] == ["kept"] and added["imports"] == ["new_pkg"] and added["version"] == "0.3"
    assert added["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()
    assert rewritten["packages"]["other"] == lock["packages"]["other"]  # untouched
    assert lock["packages"]["kept"]["sha256"] == "0" * 64  # the input is not modified
    assert wheels.closure(rewritten, ["new_pkg"]) == ["new-pkg", "kept", "other"]
    with pytest.raises(wheels.WheelError, match="absent"):
        wheels.closure(lock, ["absent"])


def test_the_pins_are_exact(tmp_path: Path) -> None:
    pins = wheels.read_pins(SITE / "pins.txt")
    assert pins and all(re.fullmatch(r"[\w.-]+==[\w.]+", p) for p in pins)
    assert any(p.startswith("graphviz==") for p in pins)  # a dependency of the package
    npm = json.loads((SITE / "npm" / "package.json").read_text(encoding="utf-8"))
    # Graphviz in WebAssembly has one source, the renderer's vendored copy: npm fetches Pyodide only.
    assert npm["dependencies"] == {"pyodide": build.PYODIDE_VERSION}
    lock = json.loads((SITE / "npm" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/pyodide"]["version"] == build.PYODIDE_VERSION
    assert lock["packages"][""]["dependencies"] == npm["dependencies"]
    assert not any("viz" in name for name in lock["packages"])
    bad = tmp_path / "pins.txt"
    bad.write_text((SITE / "pins.txt").read_text(encoding="utf-8") + "numpy>=2\n", encoding="utf-8")
    with pytest.raises(wheels.WheelError, match="not an exact pin"):
        wheels.read_pins(bad)


def test_the_page_ships_the_renderers_own_viz_global_and_its_notice(tmp_path: Path) -> None:
    build.viz_renderer(tmp_path)
    page = Path(autograd_lite.__file__).parent / "page"
    assert (tmp_path / "viz-global.js").read_bytes() == (page / "viz-global.js").read_bytes()
    assert (tmp_path / "VIZ-JS-NOTICE.txt").read_bytes() == (page / "VIZ-JS-NOTICE.txt").read_bytes()


# --- the playground's runner, under CPython -----------------------------------------------------

def test_the_runner_shows_the_last_value_with_the_gradients_cpython_computes() -> None:
    code = neuron_code()
    result = runner.run(code)
    assert result["ok"] and result["error"] is None
    assert result["output"].startswith("0.70710678118654")
    value = result["value"]
    assert value["name"] == "a" and value["nodes"] == 10
    table = {row["name"]: float(row["grad"]) for row in value["table"]}
    expected = cpython_grads(code)
    assert set(expected) <= set(table)
    for label, grad in expected.items():
        assert table[label] == grad, label
    assert 'label="{ x1 | data 2.0000 | grad -1.5000 }"' in value["dot"]
    # The player as show_backprop has it without `dot`: each frame's DOT text for graphs.js to
    # draw, and the measuring graph that gives every distinct record one width in all frames.
    player = value["player"]
    assert player.count('<section class="frame') == 6 and "step 5 of 5" in player
    frames = [html.unescape(f) for f in re.findall(r'<pre class="al-dot">(.*?)</pre>', player, re.S)]
    assert len(frames) == 6 and all(f.startswith("digraph") for f in frames)
    measure = json.loads(html.unescape(re.search(r'data-measure="([^"]*)"', player).group(1)))
    assert measure["dot"].startswith("digraph") and measure["dot"].count("[") == len(measure["owners"])
    assert {node for ids in measure["owners"] for node in ids} == {f"v{i}" for i in range(10)}
    assert value["explain"].startswith("Backward from a (10 values)")


def test_the_runner_prefers_the_value_passed_to_show_and_reports_errors() -> None:
    result = runner.run("from autograd_lite import Value, show\nu = Value(2.0, label='u')\n"
                        "loss = u * u\nshow(loss)\nlater = Value(5.0)\n")
    assert result["value"]["name"] == "loss"
    assert [row["grad"] for row in result["value"]["table"]] == ["1.0", "4.0"]
    syntax = runner.run("x = (1\n")
    assert not syntax["ok"] and "SyntaxError" in syntax["error"]
    assert 'File "<playground>", line 1' in syntax["error"]
    runtime = runner.run("def f():\n    return 1 / 0\n\ny = f()\n")
    assert "ZeroDivisionError" in runtime["error"] and "line 2, in f" in runtime["error"]
    assert "runner.py" not in runtime["error"]  # the reader's frames only
    for raised in ("KeyboardInterrupt", "SystemExit(3)", "GeneratorExit"):
        stopped = runner.run(f"print('before')\nraise {raised}\n")
        assert not stopped["ok"] and raised.split("(")[0] in stopped["error"]
        assert stopped["output"] == "before\n"
    nothing = runner.run("print('hi')")
    assert nothing["ok"] and nothing["value"] is None and nothing["output"] == "hi\n"


def test_a_run_is_kept_alive_until_the_next_one_then_its_graphs_are_cut_apart() -> None:
    # Freeing a deep graph at once overflows Pyodide's stack (a fatal error): the runner keeps
    # the run's objects until the next run, which cuts every graph into lone Values first.
    deep = ("import builtins\nfrom autograd_lite import Value\n"
            "xs = [Value(float(i)) for i in range(10_000)]\n"
            "loss = sum(x * x for x in xs)\nloss.backward(create_graph=True)\n"
            "class Box:\n    pass\nbox = Box()\nbox.inner = {'k': [loss]}\n"
            "class Watch:\n    def __del__(self):\n        __import__('builtins').freed_watch = True\n"
            "watch = Watch()\n"
            "builtins.deep_root, builtins.deep_leaf = loss, xs[7]\n")
    import builtins
    try:
        result = runner.run(deep)
        assert result["ok"] and result["value"]["nodes"] == 30_000
        table = {row["name"]: row["grad"] for row in result["value"]["table"]}
        assert table["loss"] == "1.0" and {str(2.0 * i) for i in range(10_000)} <= set(table.values())
        assert not hasattr(builtins, "freed_watch")  # still alive after the run
        root = builtins.deep_root
        assert root._a is not None and isinstance(builtins.deep_leaf.grad, Value)
        assert runner.run("x = 1")["ok"]
        assert builtins.freed_watch  # dropped by the next run
        assert root._a is None and root._rule is None and root.data == sum(i * i for i in range(10_000))
        assert builtins.deep_leaf.grad == 0.0
    finally:
        for name in ("freed_watch", "deep_root", "deep_leaf"):
            if hasattr(builtins, name):
                delattr(builtins, name)


def test_the_readers_code_does_not_inherit_the_runners_future_imports() -> None:
    # runner.py has `from __future__ import annotations`; the reader's code must not.
    result = runner.run("def f(x: int): pass\nprint(f.__annotations__['x'] is int)\n"
                        "from dataclasses import dataclass, KW_ONLY\n@dataclass\nclass P:\n"
                        "    a: int\n    _: KW_ONLY\n    b: int = 0\nprint(P(1, b=2))\n")
    assert result["ok"], result["error"]
    assert result["output"] == "True\nP(a=1, b=2)\n"


def test_bound_names_follow_the_order_of_binding() -> None:
    tree = ast.parse("a = 1\nb, (c, *d) = 2, (3, 4)\nfor e in []: f = 1\nwith x as g: h = 2\nk += 1\n")
    assert runner.bound_names(tree) == ["a", "b", "c", "d", "e", "f", "g", "h", "k"]
    nested = ast.parse("try:\n    t = 1\nexcept E:\n    x = 2\nmatch 1:\n    case [p, *r]: m = 3\n"
                       "    case {'k': 1, **rest}: pass\n    case _: n = 4\nif (q := 5): pass\n"
                       "while (w := 0): pass\ndef f(local=1):\n    inner = 2\nclass C:\n    attr = 3\n"
                       "y = [z := i for i in range(2)]\nv = (u := 1) * 2\n")
    assert runner.bound_names(nested) == ["t", "x", "p", "r", "m", "rest", "n", "q", "w", "f", "C",
                                          "z", "y", "u", "v"]
    for code, name in [("match 1:\n    case _: m = Value(1.0) * 3\n", "m"),
                       ("if (q := Value(3.0) * 2): pass\n", "q"),
                       ("try:\n    1 / 0\nexcept ZeroDivisionError:\n    e = Value(2.0) * 2\n", "e")]:
        result = runner.run("from autograd_lite import Value\n" + code)
        assert result["ok"] and result["value"]["name"] == name, (code, result["error"])


@pytest.mark.parametrize("example", build.examples(), ids=lambda e: e["name"])
def test_every_example_of_the_page_runs_under_cpython(example: dict) -> None:
    result = runner.run(example["code"])
    assert result["ok"], result["error"]
    if example["name"] != "check_engine":
        assert result["value"] is not None and "al-dot" in result["value"].get("player", "")


def test_show_is_harmless_in_a_script_and_refuses_a_non_value() -> None:
    result = subprocess.run([sys.executable, "-c", "import autograd_lite as ag\nv = ag.Value(2.0) * 3\n"
                             "print(ag.show(v))"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == "None\n" and result.stderr == ""
    with pytest.raises(TypeError, match="show: expected a Value, got float"):
        show(1.5)


def test_show_in_a_kernel_draws_what_the_playground_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    # ∂v/∂node on every node, whether or not backward() ran, and no .grad written.
    from autograd_lite import notebook, shown

    shown_objects: list = []
    monkeypatch.setattr(shown, "_in_kernel", lambda: True)
    monkeypatch.setattr(notebook, "display", shown_objects.append)
    u = Value(2.0, label="u")
    v = u * u
    v.label = "v"
    show(v)
    assert u.grad == 0.0 and v.grad == 0.0
    source = shown_objects[0].source if hasattr(shown_objects[0], "source") else str(shown_objects[0])
    assert "{ u | data 2.0000 | grad 4.0000 }" in source and "{ v | data 4.0000 | grad 1.0000 }" in source
    page = runner.run("from autograd_lite import Value\nu = Value(2.0, label='u')\nv = u * u\n")
    assert 'label="{ u | data 2.0000 | grad 4.0000 }"' in page["value"]["dot"]


# --- the notebooks the site serves --------------------------------------------------------------

PRIVATE = re.compile(r"_common|in_kernel|import autograd_lite\._|from autograd_lite\._|"
                     r"autograd_lite\.demos\._|from autograd_lite\.\w+ import _")


@pytest.mark.slow  # needs the notebook extra, which the other interpreters' venvs do not install
@pytest.mark.needs("jupytext")
@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if n in cli.demo_names()])
def test_the_served_notebooks_read_as_teaching_material(name: str, tmp_path: Path) -> None:
    notebook = json.loads(convert(name, tmp_path).read_text(encoding="utf-8"))
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    offenders = [line for cell in code for line in cell.splitlines() if PRIVATE.search(line)]
    assert not offenders, offenders
    lines = [line.strip() for cell in code for line in cell.splitlines()]
    guards = [line for line in lines if "sys.argv" in line or "AUTOGRAD_LITE_" in line]
    assert not guards, guards  # test-mode switches read `quick_mode()`, not argv and the environment
    assert not any(line.startswith("if ") and "kernel" in line for line in lines)
    # The notebook-only cells are live code in the notebook, and comments in the script.
    active = [cell for cell in notebook["cells"] if cell["metadata"].get("active") == "ipynb"]
    for cell in active:
        assert not "".join(cell["source"]).lstrip().startswith("#"), cell["source"]


# --- the command's errors -----------------------------------------------------------------------

def test_bad_output_folders_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep", encoding="utf-8")
    for target, words in [(a_file, "is a file"), (busy, "other files"), (tmp_path / "no" / "such", "parent")]:
        assert cli.main(["site", "-o", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("autograd-lite site: ") and words in err, err
    assert (busy / "mine.txt").read_text(encoding="utf-8") == "keep"


def test_the_site_never_replaces_the_current_folder_or_the_package(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / build.MARKER).write_text("built\n", encoding="utf-8")
    (site / "index.html").write_text("old site", encoding="utf-8")
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    package = Path(autograd_lite.__file__).parent
    cases = [(site, ".", "current folder"), (site / "sub", "..", "current folder"),
             (site / "sub", str(tmp_path), "current folder"),
             (tmp_path, str(package), "own folder"), (tmp_path, str(package / "site" / "out"), "own folder"),
             (tmp_path, str(package.parent), "own folder"),
             (tmp_path, "a_file/sub", "is a file, not a folder")]
    for cwd, target, words in cases:
        monkeypatch.chdir(cwd)
        assert cli.main(["site", "-o", target]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, (target, err)
    assert (site / "index.html").read_text(encoding="utf-8") == "old site"
    assert not (package / "site" / "out").exists()


def test_an_unwritable_parent_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "check_tools", lambda lite=True: None)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(build.tempfile, "TemporaryDirectory", refuse)
    assert cli.main(["site", "-o", str(tmp_path / "site")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write in" in err and "Permission denied" in err, err


def test_ci_installs_what_the_site_build_needs_on_a_bare_machine() -> None:
    # The browser tests build the site (npm ci); CI must not skip them for want of node/npm.
    script = (SITE.parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    block = re.search(r"if ! command -v node .*? \|\| ! command -v npm .*?fi\n", script, re.S)
    assert block and "apt-get install -y nodejs npm" in block.group(0)
    assert script.index(block.group(0)) < script.index("python -m pytest")


@pytest.mark.parametrize("tool", ["node", "npm"])
def test_missing_node_or_npm_is_a_one_line_error(tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture) -> None:
    import shutil

    real = shutil.which
    monkeypatch.setattr(build.shutil, "which", lambda name: None if name == tool else real(name))
    assert cli.main(["site", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tool} not found" in err and "node and npm" in err
    assert not (tmp_path / "out").exists()


def test_python_dash_m_offers_the_site_command() -> None:
    result = subprocess.run([sys.executable, "-m", "autograd_lite", "site", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "-o DIR" in result.stdout and "node and npm" in result.stdout


def test_a_kernel_expecting_another_pyodide_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    constants = pytest.importorskip("jupyterlite_pyodide_kernel.constants")
    pytest.importorskip("jupyterlite_core")
    pytest.importorskip("jupytext")
    assert constants.PYODIDE_VERSION == build.PYODIDE_VERSION  # the pins agree today
    monkeypatch.setattr(build.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(constants, "PYODIDE_VERSION", "0.1.2")
    assert cli.main(["site", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expects Pyodide 0.1.2" in err and build.PYODIDE_VERSION in err


def test_a_wheel_pypi_does_not_have_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(wheels.WheelError, match="pip download of 1 wheels failed") as caught:
        wheels.download(["graphviz==0.0.0.999"], tmp_path, "3.14.2")
    assert "\n" not in str(caught.value)
