"""autograd_lite.notebook without a browser: the inline player's HTML and the explore widgets.

Truths: the frame count from the graph's own structure (one frame per node with
an operation, plus the start), gradients by hand (tanh' = 1 - tanh^2) and by a
fresh `backward()`, δ by the closed-form BP1/BP2 of `closed_form`. The player
in a real browser is tested in test_notebook_browser.py.
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.backprop_page import backprop_html
from autograd_lite.closed_form import backprop
from autograd_lite.engine import topological_order
from autograd_lite.nn import MLP
from autograd_lite.notebook import explore, explore_network, show_backprop
from autograd_lite.render import HINT, GraphvizFailedWarning

from .helpers import broken_dot, micrograd_neuron
from .jupyter_session import NOTEBOOK_EXTRA

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def widget_test(function):
    """A test of the explore widgets: it needs ipywidgets, from the notebook extra (checked when it
    runs: a failure on CI), so it is `slow`: the other interpreters, without that extra, skip it."""
    return pytest.mark.slow(pytest.mark.needs("ipywidgets", "anywidget")(function))


RECORD = re.compile(r'label="\{ ([^|]+?) \| data (\S+) \| grad (\S+) \}"')


def records(dot: str) -> dict[str, tuple[str, str]]:
    """{label: (data, grad)} of every Value record in DOT text."""
    return {name: (data, grad) for name, data, grad in RECORD.findall(dot)}


def ids(html_text: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html_text)


def without_scripts(html_text: str) -> str:
    """What an untrusted notebook shows: the output with its <script> elements removed."""
    return re.sub(r"<script>.*?</script>", "", html_text, flags=re.S)


# ---------------------------------------------------------------------------
# show_backprop


@needs_dot
def test_one_frame_per_operation_plus_the_start_and_no_grad_written() -> None:
    o, _ = micrograd_neuron()
    x = Value(0.5, label="x")
    root = o * x + x.exp()  # x used twice: one frame per op node, not per edge
    for node in topological_order(root):
        node.grad = 7.0  # a sentinel: the player must not write .grad
    ops = sum(1 for node in topological_order(root) if node._prev)
    player = show_backprop(root)
    page = player._repr_html_()
    assert len(player.frames) == ops + 1
    assert len(re.findall(r'<section class="frame', page)) == ops + 1
    assert all(node.grad == 7.0 for node in topological_order(root))


@needs_dot
def test_the_inline_player_needs_no_network() -> None:
    o, _ = micrograd_neuron()
    page = show_backprop(o)._repr_html_()
    for fetch in (r"\bsrc\s*=", r"\bhref\s*=", r"url\(", r"@import", r"\bfetch\(", "XMLHttpRequest", "<link"):
        assert not re.search(fetch, page), fetch
    assert "<svg" in page and "autogradLitePlayer(" in page


@needs_dot
def test_two_players_and_two_displays_never_share_an_id() -> None:
    o, _ = micrograd_neuron()
    first = show_backprop(o)
    both = first._repr_html_() + first._repr_html_() + show_backprop(o * 2)._repr_html_()
    all_ids = ids(both)
    assert len(all_ids) > 30
    assert len(all_ids) == len(set(all_ids)), "an id appears twice in one notebook page"
    # Each script starts the player it was emitted with, by that player's own id.
    started = re.findall(r'document\.getElementById\("([^"]+)"\)', both)
    assert len(started) == 3 and len(set(started)) == 3 and set(started) <= set(all_ids)


@needs_dot
def test_without_its_scripts_every_frame_is_shown() -> None:
    o, _ = micrograd_neuron()
    player = show_backprop(o)
    stripped = without_scripts(player._repr_html_())
    assert "<script" not in stripped
    sections = re.findall(r"<section [^>]*>", stripped)
    assert len(sections) == len(player.frames) == 6
    # Nothing hides a frame by itself: hiding needs the class the script adds.
    assert not any("hidden" in s or "display" in s for s in sections)
    assert ".al-player.al-js .frame { display: none" in stripped
    assert re.search(r'<div class="controls"[^>]* hidden>', stripped)  # dead buttons hidden too
    for k in range(6):
        assert f'data-frame="{k}"' in stripped


@needs_dot
def test_save_writes_what_backprop_html_writes(tmp_path: Path) -> None:
    o, _ = micrograd_neuron()
    saved = show_backprop(o).save(tmp_path / "a.html", title="neuron")
    direct = backprop_html(o, tmp_path / "b.html", title="neuron")
    assert saved == tmp_path / "a.html"
    assert saved.read_bytes() == direct.read_bytes()


@widget_test
def test_without_dot_the_player_is_a_widget_drawing_in_the_browser(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    o, _ = micrograd_neuron()
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    player = show_backprop(o)
    bundle = player._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    fallback = bundle["text/html"]  # what an untrusted notebook or an export shows: every frame's DOT text
    assert "<script" not in fallback
    assert fallback.count('<pre class="al-dot">') == len(player.frames) == 6
    assert HINT in fallback
    from autograd_lite import widgets

    assert len(widgets.renderer().source) > 500_000  # the renderer: one model of its own, not the player
    assert len(fallback) < 200_000


def test_without_dot_or_widgets_the_player_shows_its_dot_text(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    o, _ = micrograd_neuron()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "anywidget", None)
    from autograd_lite import widgets

    monkeypatch.setattr(widgets, "_classes", widgets._classes.__wrapped__)  # uncached: import fails
    bundle = show_backprop(o)._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/html"].count('<pre class="al-dot">') == 6


def test_a_failing_dot_leaves_the_player_to_the_browser(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    o, _ = micrograd_neuron()
    monkeypatch.setenv("PATH", broken_dot(tmp_path / "bin"))  # installed, but failing
    monkeypatch.setitem(sys.modules, "anywidget", None)
    from autograd_lite import widgets

    monkeypatch.setattr(widgets, "_classes", widgets._classes.__wrapped__)
    with pytest.warns(GraphvizFailedWarning, match=r"dot failed \(exit status 1: dot: broken install"):
        player = show_backprop(o)
    bundle = player._repr_mimebundle_()
    assert bundle["text/html"].count('<pre class="al-dot">') == 6 and "<svg" not in bundle["text/html"]


def test_bad_input_to_show_backprop_names_show_backprop() -> None:
    o, _ = micrograd_neuron()
    with pytest.raises(TypeError, match=r"^show_backprop: expected a Value, got float"):
        show_backprop(3.0)
    with pytest.raises(ValueError, match=r"^show_backprop: the graph has 10 values, more than max_nodes=4"):
        show_backprop(o, max_nodes=4)


# ---------------------------------------------------------------------------
# explore


def neuron(x, w, b):
    return (x * w + b).tanh()


@widget_test
def test_moving_a_slider_redraws_with_new_data_and_grads() -> None:
    for f in (neuron, "tanh(x*w + b)"):
        widget = explore(f, x=2.0, w=-3.0, b=0.5)
        assert set(widget.sliders) == {"x", "w", "b"} and widget.error is None
        before = widget.dot
        widget.sliders["w"].value = 0.25
        assert widget.dot != before and widget.error is None
        shown = records(widget.dot)
        t = math.tanh(2.0 * 0.25 + 0.5)  # tanh(1): the gradients are far from 0 here
        by_hand = {"x": (2.0, 0.25 * (1 - t * t)), "w": (0.25, 2.0 * (1 - t * t)), "b": (0.5, 1 - t * t)}
        fresh = {name: Value(v, label=name) for name, v in (("x", 2.0), ("w", 0.25), ("b", 0.5))}
        root = neuron(fresh["x"], fresh["w"], fresh["b"])
        root.backward()
        for name, (data, grad) in by_hand.items():
            assert shown[name] == (f"{data:.4f}", f"{grad:.4f}"), name
            assert shown[name][1] == f"{fresh[name].grad:.4f}"
        assert f"data {t:.4f} | grad 1.0000 }}" in widget.dot  # the output, seeded with 1


@widget_test
def test_a_failing_value_is_shown_and_the_last_good_drawing_kept() -> None:
    widget = explore(lambda x, y: (x * y).log(), x=2.0, y=1.0)
    good = widget.dot
    widget.sliders["x"].value = -1.0
    assert widget.error is not None and "log" in widget.error and "\n" not in widget.error
    assert "undefined for x &lt;= 0" in widget._message.value and "Traceback" not in widget._message.value
    assert widget.dot == good
    widget.sliders["x"].value = 3.0
    assert widget.error is None and widget._message.value == ""
    assert records(widget.dot)["x"] == ("3.0000", "0.3333")  # d log(xy)/dx = 1/x


@widget_test
def test_any_error_of_f_is_shown_in_one_line_and_the_last_good_drawing_kept() -> None:
    def f(x):
        if x.data < 0:
            raise RuntimeError("no negative x here\nsecond line")
        return x * 2.0 if x.data < 10 else "not a Value"

    widget = explore(f, x=1.0, ranges={"x": (-5.0, 15.0)})
    good = widget.dot
    for value, message in ((-4.0, "RuntimeError: no negative x here"),
                           (12.0, "TypeError: explore: f must return a Value, got str")):
        widget.sliders["x"].value = value
        assert widget.error == message and html.escape(message) in widget._message.value
        assert widget.dot == good  # the last good drawing stays
    widget.sliders["x"].value = 3.0
    assert widget.error is None and records(widget.dot)["x"] == ("3.0000", "2.0000")  # d(2x)/dx = 2


@widget_test
@pytest.mark.filterwarnings("ignore::autograd_lite.render.GraphvizFailedWarning")  # after the first
@pytest.mark.parametrize("with_dot", [True, False, "failing"])
def test_the_explore_picture_is_dot_s_svg_or_drawn_in_the_browser(with_dot: bool | str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if with_dot is True and shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    if not with_dot:
        monkeypatch.setenv("PATH", str(tmp_path))
    if with_dot == "failing":  # installed but failing: drawn in the browser after one warning
        monkeypatch.setenv("PATH", broken_dot(tmp_path / "bin"))
        with pytest.warns(GraphvizFailedWarning, match="broken install"):
            widget = explore("tanh(x*w + b)", x=2.0, w=-3.0, b=0.5)
        assert widget.error is None
        with_dot = False
    else:
        widget = explore("tanh(x*w + b)", x=2.0, w=-3.0, b=0.5)
    picture = widget._picture
    assert picture.dot == widget.dot and "al-explore-graph" in picture._dom_classes
    if with_dot:  # static SVG from dot; the browser's renderer is not needed
        assert picture.svg.startswith("<svg") and picture._renderer == ""
    else:  # the DOT text, drawn in the browser by the kernel's one renderer model
        from autograd_lite import widgets

        assert picture.svg == "" and picture._renderer == widgets.renderer().model_id
    widget.sliders["w"].value = 0.25
    assert picture.dot == widget.dot and "data 0.2500" in picture.dot
    # Displayed: the widget view, and beside it its DOT text (escaped) for where no widget runs.
    data, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    pre = re.search(r'<pre class="al-dot">(.*?)</pre>', data["text/html"], re.S).group(1)
    assert html.unescape(pre) == widget.dot


@widget_test
def test_ranges_default_and_given() -> None:
    widget = explore(neuron, x=2.0, w=-3.0, b=0.0, ranges={"b": (-1.0, 4.0)})
    x, w, b = (widget.sliders[n] for n in "xwb")
    assert (x.min, x.max) == (-3.0, 7.0)       # r = max(5, 2|2|) = 5
    assert (w.min, w.max) == (-9.0, 3.0)       # r = max(5, 2|-3|) = 6
    assert (b.min, b.max) == (-1.0, 4.0)
    assert x.value == 2.0 and w.value == -3.0 and b.value == 0.0
    # Each start value lies on its slider's grid min + k·step, so a browser snapping to it keeps it.
    for slider in (x, w, b):
        k = (slider.value - slider.min) / slider.step
        assert abs(k - round(k)) < 1e-9 and 100 <= (slider.max - slider.min) / slider.step <= 1001
    odd = explore("x", x=6.8813735870195432).sliders["x"]
    k = (odd.value - odd.min) / odd.step
    assert abs(k - round(k)) < 1e-9


@widget_test
@pytest.mark.parametrize("call, message", [
    (lambda: explore(neuron, x=1.0, w=2.0), "no start value for b"),
    (lambda: explore(neuron, x=1.0, w=2.0, b=0.0, c=1.0), "unknown name c"),
    (lambda: explore("x*w", x=1.0), "no start value for w"),
    (lambda: explore("x*w", x=1.0, w=1.0, ranges={"z": (0, 1)}), "unknown name z"),
    (lambda: explore(neuron, x="1", w=2.0, b=0.0), r"the value of x must be a number, got '1' \(str\)"),
    (lambda: explore(42, x=1.0), "function of Values or an expression string"),
])
def test_names_and_values_are_checked_at_the_call(call, message) -> None:
    with pytest.raises(TypeError, match=message):
        call()


@widget_test
def test_a_range_not_holding_the_start_value_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"ranges\['x'\]"):
        explore("x*x", x=5.0, ranges={"x": (0.0, 1.0)})


# ---------------------------------------------------------------------------
# explore_network


@widget_test
def test_explore_network_redraws_delta_as_bp1_bp2_say() -> None:
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=3)
    weight = model.layers[1].neurons[0].w[1]
    widget = explore_network(model, [0.05, 0.10], [0.01, 0.99], weight=(1, 0, 1))
    assert list(widget.sliders) == ["x_0", "x_1", "w^3_01"]
    grads_before = [p.grad for p in model.parameters()]
    widget.sliders["x_0"].value = 1.5
    widget.sliders["w^3_01"].value = 2.0
    assert weight.data == 2.0  # the weight slider sets the model's weight
    weights, biases = model.weights_and_biases()
    truth = backprop(weights, biases, [1.5, 0.10], [0.01, 0.99], activation=model.activations,
                     cost="quadratic")
    for index, layer in enumerate(truth.delta):
        for j, delta in enumerate(layer):
            assert f"δ^{index + 2}_{j} = {delta:.4f}" in widget.dot
    assert [p.grad for p in model.parameters()] == grads_before  # the pure walk: no .grad written
    with pytest.raises(ValueError, match="weight must be"):
        explore_network(model, [0.05, 0.10], [0.01, 0.99], weight=(5, 0, 0))
    with pytest.raises(ValueError, match="takes 2 inputs"):
        explore_network(model, [0.05], [0.01, 0.99])


def test_importing_the_package_or_the_notebook_module_loads_no_jupyter() -> None:
    code = ("import sys, autograd_lite, autograd_lite.notebook, autograd_lite.demos._common\n"
            "jupyter = ('IPython', 'ipywidgets', 'ipykernel', 'jupytext')\n"
            "print(sorted(m for m in jupyter if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@widget_test
def test_explore_network_uses_the_models_own_cost_as_draw_network_does() -> None:
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=3, cost="cross_entropy")
    x, y = [0.05, 0.10], [0.01, 0.99]
    widget = explore_network(model, x, y)
    assert "C_x (cross_entropy)" in widget.dot
    weights, biases = model.weights_and_biases()
    truth = backprop(weights, biases, x, y, activation=model.activations, cost="cross_entropy")
    for j, delta in enumerate(truth.delta[-1]):  # BP1 for cross-entropy: δ = a - y
        assert f"δ^3_{j} = {delta:.4f}" in widget.dot


@widget_test
@pytest.mark.parametrize("kwargs, error, message", [
    ({"y": [0.5]}, ValueError, "1 values"),
    ({"y": [0.5, 0.5], "cost": "nonsense"}, ValueError, "unknown cost 'nonsense'"),
    ({"y": ["a", "b"]}, TypeError, r"y\[0\] must be a number, got 'a' \(str\)"),
    ({"y": [0.5, 0.5], "weight": (0.7, 0, 0)}, ValueError, r"weight must be .* got \(0\.7, 0, 0\)"),
    ({"y": [0.5, 0.5], "weight": (True, 0, 0)}, ValueError, r"weight must be .* got \(True, 0, 0\)"),
])
def test_explore_network_checks_its_arguments_at_the_call(kwargs, error, message) -> None:
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=3)
    with pytest.raises(error, match=f"explore_network: .*{message}"):
        explore_network(model, [0.05, 0.10], **kwargs)


def _pytest_under_ci(blocked: tuple[str, ...], *args: str) -> subprocess.CompletedProcess:
    """pytest in a fresh interpreter with CI=true, where importing any of `blocked` fails, as in
    a venv without the notebook extra (the other interpreters of .ci/other_pythons)."""
    code = ("import sys, pytest\n"
            f"sys.modules.update(dict.fromkeys({blocked!r}))\n"  # None: `import ...` now fails
            f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', *{args!r}]))")
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "CI": "true"}, timeout=300)


@pytest.mark.parametrize("module, blocked", [("test_notebook", "ipywidgets"), ("test_notebooks", "nbclient")])
def test_on_ci_a_missing_notebook_extra_fails_instead_of_skipping(module: str, blocked: str) -> None:
    result = _pytest_under_ci((blocked,), f"tests/{module}.py", "-m", "slow", "-x")
    assert result.returncode == 1, result.stdout[-2000:]  # 1: tests failed (not 5: none collected)
    assert f"needs {blocked}" in result.stdout and "CI must run" in result.stdout, result.stdout[-2000:]


def test_without_the_extras_the_other_interpreters_collect_and_deselect_them() -> None:
    # .ci/other_pythons: CI=true, only .[test,demos] installed, `pytest -m "not slow"`
    modules = ("tests/test_notebook.py", "tests/test_notebooks.py", "tests/test_notebook_browser.py")
    result = _pytest_under_ci((*NOTEBOOK_EXTRA, "selenium"), *modules, "-m", "not slow", "--collect-only")
    assert result.returncode == 0, result.stdout[-2000:]
    assert re.search(r"\(\d+ deselected\)", result.stdout) and not re.search(r"\d+ errors?", result.stdout), \
        result.stdout[-2000:]
    # (-k: not these tests themselves, which would run pytest again)
    result = _pytest_under_ci((*NOTEBOOK_EXTRA, "selenium"), "tests/test_notebook.py", "-m", "not slow",
                              "-k", "not extra")
    assert result.returncode == 0, result.stdout[-2000:]  # the show_backprop tests run without the extra
    assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]
