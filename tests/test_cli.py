"""`autograd-lite graph`: formats, values and gradients, and hostile input (one line, exit 2)."""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import cli

from .helpers import broken_dot, central_differences, close

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot binary is not installed")


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograd_lite", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=60)


def test_dot_text_on_stdout_shows_values_and_gradients(capsys):
    assert cli.main(["graph", "tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88", "--edge-labels"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("digraph")
    (dx,) = central_differences(lambda x: math.tanh(x * -3 + 6.88), [2.0])
    shown = float(re.search(r"\{ x \| data 2\.0000 \| grad (\S+) \}", text).group(1))
    assert close(shown, dx, 1e-4)
    assert 'label="tanh"' in text and "∂" in text


@needs_dot
@pytest.mark.parametrize("suffix, magic", [("svg", b"<svg"), ("png", b"\x89PNG"), ("pdf", b"%PDF"),
                                           ("dot", b"digraph")])
def test_output_extension_decides_the_format(tmp_path, suffix, magic):
    out = tmp_path / f"neuron.{suffix}"
    result = run_cli("graph", "tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88", "-o", str(out), "--rankdir", "TB")
    assert result.returncode == 0, result.stderr
    assert magic in out.read_bytes()[:400]


@needs_dot
def test_html_writes_the_step_by_step_page(tmp_path):
    pytest.importorskip("autograd_lite.backprop_page")
    out = tmp_path / "steps.html"
    assert cli.main(["graph", "x*x + y", "--at", "x=3,y=1", "-o", str(out)]) == 0
    assert "<svg" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_rankdir_reaches_the_html_page(tmp_path, rankdir, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # the frames as DOT text, read back below
    out = tmp_path / "steps.html"
    assert cli.main(["graph", "x*y", "--at", "x=1,y=2", "--rankdir", rankdir, "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    dots = [html.unescape(d) for d in re.findall(r'<pre class="al-dot">(.*?)</pre>', page, re.S)]
    assert len(dots) == 2 and all(f'rankdir="{rankdir}";' in dot for dot in dots)  # start and one step


def without_dot(tmp_path) -> dict[str, str]:
    """The environment with a PATH holding no `dot` (this interpreter is started by its full path)."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


@pytest.mark.parametrize("suffix", ["svg", "png", "pdf"])
def test_a_picture_file_without_dot_is_one_line_naming_the_two_ways_out(tmp_path, suffix):
    out = tmp_path / f"neuron.{suffix}"
    result = subprocess.run([sys.executable, "-m", "autograd_lite", "graph", "tanh(x*w + b)", "--at",
                             "x=2,w=-3,b=6.88", "-o", str(out)], capture_output=True, text=True,
                            env=without_dot(tmp_path), timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"autograd-lite graph: writing a .{suffix} file needs Graphviz's dot program")
    for way_out in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                    "Windows installer", f"-o {out.with_suffix('.html')}"):
        assert way_out in lines[0], way_out
    assert "save_html" not in lines[0]  # the command line's way out, not Python's
    assert not out.exists()


@pytest.mark.parametrize("suffix", ["svg", "html"])
def test_a_dot_that_fails_is_one_line_for_a_picture_and_the_browser_for_html(tmp_path, suffix):
    out = tmp_path / f"neuron.{suffix}"
    result = subprocess.run([sys.executable, "-m", "autograd_lite", "graph", "x*y", "--at", "x=1,y=2",
                             "-o", str(out)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PATH": broken_dot(tmp_path / "bin")})
    lines = result.stderr.splitlines()
    if suffix == "svg":
        assert result.returncode == 2 and len(lines) == 1 and not out.exists(), result.stderr
        assert lines[0].startswith("autograd-lite graph: writing a .svg file needs Graphviz's dot program, "
                                   "which failed here (exit status 1: dot: broken install (simulated))")
        assert f"-o {out.with_suffix('.html')}" in lines[0]
    else:  # the page draws its frames in the browser, after one warning line naming dot's error
        assert result.returncode == 0 and lines == [
            "autograd-lite graph: warning: Graphviz's dot failed (exit status 1: dot: broken install "
            "(simulated)): drawing in the browser instead", f"wrote {out}"], result.stderr
        markup = re.sub(r"<script>.*?</script>", "", out.read_text(encoding="utf-8"), flags=re.S)
        assert markup.count('<pre class="al-dot">') == 2 and "<svg" not in markup  # start + one step


def test_html_without_dot_writes_the_page_drawn_in_the_browser(tmp_path):
    out = tmp_path / "steps.html"
    result = subprocess.run([sys.executable, "-m", "autograd_lite", "graph", "x*x + y", "--at", "x=3,y=1",
                             "-o", str(out)], capture_output=True, text=True, env=without_dot(tmp_path),
                            timeout=60)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.S)  # the page without its scripts
    assert markup.count('<pre class="al-dot">') == 3 and "Viz.js 3.31.0" in text  # start + two steps


HOSTILE = [
    ("__import__('os').system('touch pwned')", "x=1"),
    ("x.__class__", "x=1"),
    ("open('f')", ""),
    ("(lambda: 1)()", ""),
    ("x[0]", "x=1"),
    ("exp(x, x)", "x=1"),
    ("y + 1", "x=1"),
    ("(" * 5000 + "x" + ")" * 5000, "x=1"),
    ("x" + "+x" * 2000, "x=1"),
    ("exp(1000) * x", "x=1"),
    ("log(x)", "x=-1"),
    ("1/x", "x=0"),
    ("x", "x=1,x=2"),
    ("x", "x=__import__('os')"),
    ("x", "x"),
    ("1e999 * x", "x=1"),
    ("", ""),
]


@pytest.mark.parametrize("expression, at", HOSTILE)
def test_hostile_and_malformed_input_is_one_line_and_exit_2(tmp_path, expression, at):
    result = run_cli("graph", expression, "--at", at, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-lite graph: "), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "pwned").exists()


def test_unknown_output_format_is_refused_before_anything_is_written(tmp_path, capsys):
    assert cli.main(["graph", "x", "--at", "x=1", "-o", str(tmp_path / "graph.exe")]) == 2
    assert "-o takes a file ending in .svg, .png, .pdf, .dot, .html" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@given(st.text(max_size=60), st.text(max_size=20))
def test_any_text_gives_a_drawing_or_one_line_error(expression, at):
    import contextlib
    import io

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = cli.main(["graph", expression, "--at", at])
        except SystemExit as exit_:  # argparse: e.g. an expression that looks like an option
            code = exit_.code
    assert code in (0, 2)
    if code == 2:
        assert err.getvalue().count("\n") == 1 and out.getvalue() == ""
    else:
        assert out.getvalue().startswith("digraph")
