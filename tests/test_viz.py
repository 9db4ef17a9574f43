"""Drawings: DOT structure, labels, determinism, rendering through `dot`, the missing-`dot`
path, and the network picture's δ labels against the closed form (BP1/BP2, eqs. 20-21)."""

from __future__ import annotations

import ast
import base64
import gzip
import html
import math
import pickle
import re
import shutil
import sys
from pathlib import Path

import pytest

from autograd_lite import Value, render
from autograd_lite.closed_form import backprop
from autograd_lite.nn import MLP
from autograd_lite.render import GraphvizFailedWarning
from autograd_lite.viz import (
    GraphvizFailedError,
    GraphvizNotFoundError,
    dot_available,
    draw_dot,
    draw_network,
    graph_description,
    save_html,
    to_dot,
)

from .helpers import broken_dot, central_differences, close, imports_of, is_standard_library

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot binary is not installed")


def neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    out = (x * w + b).tanh()
    out.label = "out"
    return (x, w, b), out


def dot_nodes(text: str) -> list[str]:
    return re.findall(r"^\s+(\w+) \[", text, flags=re.M)


def dot_edges(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s+(\w+) -> (\w+)", text, flags=re.M)


def test_one_record_per_value_one_node_per_op_one_edge_per_slot():
    a, b = Value(3.0), Value(1.0)
    y = a * a + b
    text = to_dot(y, legend=False)
    nodes = dot_nodes(text)
    assert sorted(n for n in nodes if not n.endswith("_op")) == ["v0", "v1", "v2", "v3"]
    assert len([n for n in nodes if n.endswith("_op")]) == 2
    edges = dot_edges(text)
    mul_op = "v1_op"  # topological ids: a = v0, a*a = v1, b = v2, y = v3
    assert re.search(r'v1_op \[.*label="\*"', text)
    assert edges.count(("v0", mul_op)) == 2  # a*a: two slots, two edges
    assert len(edges) == 2 + 2 + 2  # op->value, a->*, a->*, (a*a)->+, b->+


def test_records_show_label_data_and_grad_to_four_decimals():
    (x, _, _), out = neuron()
    out.backward()
    text = to_dot(out)
    assert f"{{ x | data 2.0000 | grad {x.grad:.4f} }}" in text
    assert f"{{ out | data {out.data:.4f} | grad 1.0000 }}" in text
    assert 'label="tanh"' in text and "legend" in text


def test_drawing_is_deterministic_and_writes_nothing():
    texts = []
    for _ in range(2):
        _, out = neuron()
        texts.append(to_dot(out, edge_labels=True))
        assert out.grad == 0.0
    assert texts[0] == texts[1]


def test_edge_labels_are_the_local_derivatives():
    x = Value(0.3, label="x")
    y = x.tanh()
    label = re.search(r'label="∂ ([-\d.]+)"', to_dot(y, edge_labels=True)).group(1)
    (numeric,) = central_differences(math.tanh, [0.3])
    assert label == f"{numeric:.4f}"


def test_constant_operands_are_drawn_inside_the_picture():
    y = Value(1.0) * 1.0001 + 0.5
    text = to_dot(y, legend=False)
    assert 'label="1.0001"' in text and 'label="0.5"' in text
    assert text.count('style="dashed,filled"') == 2


def test_node_limit_is_a_clear_error():
    x = Value(0.0)
    for _ in range(20):
        x = x + 1.0
    with pytest.raises(ValueError, match="21 values, more than max_nodes=10"):
        to_dot(x, max_nodes=10)


@needs_dot
def test_svg_renders_through_dot():
    _, out = neuron()
    svg = draw_dot(out, edge_labels=True).pipe(format="svg", encoding="utf-8")
    assert "<svg" in svg and "tanh" in svg
    assert svg.count('class="node"') == len(dot_nodes(to_dot(out, edge_labels=True)))


def test_missing_dot_names_the_two_ways_out_in_one_line_and_dot_text_still_works(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    assert not dot_available()
    _, out = neuron()
    with pytest.raises(GraphvizNotFoundError) as raised:
        draw_dot(out).pipe(format="svg")
    message = str(raised.value)
    assert "\n" not in message and "writing a .svg file" in message
    for way_out in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                    "Windows installer", "graphviz.org", "save_html", ".html"):
        assert way_out in message, way_out
    with pytest.raises(GraphvizNotFoundError, match=r"writing a \.svg file"):
        draw_dot(out).render(tmp_path / "graph")
    with pytest.raises(GraphvizNotFoundError, match=r"writing a \.png file"):
        draw_network(MLP(2, [2], seed=1), [0.1, 0.2], [1.0, 0.0]).pipe(format="png")
    assert to_dot(out).startswith("digraph")


def test_a_dot_that_fails_is_one_line_for_files_and_the_browser_for_displays_and_pages(monkeypatch,
                                                                                      tmp_path):
    monkeypatch.setenv("PATH", broken_dot(tmp_path / "bin"))
    monkeypatch.setitem(sys.modules, "anywidget", None)  # the display's text/html, without a widget
    monkeypatch.setattr(widgets_module(), "_classes", _uncached_classes())
    assert dot_available()  # installed: whether it works is known only by running it
    _, out = neuron()
    reason = "exit status 1: dot: broken install (simulated)"
    for write in (lambda: draw_dot(out).pipe(format="svg"), lambda: draw_dot(out).render(tmp_path / "g"),
                  lambda: render.run_dot(to_dot(out), "svg")):
        with pytest.raises(GraphvizFailedError) as raised:
            write()
        assert isinstance(raised.value, GraphvizNotFoundError)  # one `except` for "no working dot"
        assert raised.value.reason == reason and "\n" not in str(raised.value)
        assert str(pickle.loads(pickle.dumps(raised.value))) == str(raised.value)  # e.g. from a worker
        assert str(raised.value).startswith(f"writing a .svg file needs Graphviz's dot program, which failed "
                                            f"here ({reason}): repair or reinstall Graphviz")
    said = f"Graphviz's dot failed ({reason}): drawing in the browser instead"
    with pytest.warns(GraphvizFailedWarning, match=re.escape(said)):
        bundle = draw_dot(out)._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and '<pre class="al-dot">' in bundle["text/html"]
    with pytest.warns(GraphvizFailedWarning, match=re.escape(said)):
        text = save_html(draw_dot(out), tmp_path / "page.html").read_text(encoding="utf-8")
    assert '<pre class="al-dot">' in text and text.count("Viz.js 3.31.0") == 1


def test_a_dot_that_does_not_finish_is_a_failure_too(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", broken_dot(tmp_path / "bin", "exec sleep 30"))
    monkeypatch.setattr(render, "DOT_TIMEOUT", 0.5)
    _, out = neuron()
    with pytest.raises(GraphvizFailedError, match=r"which failed here \(no answer in 0\.5 s\)"):
        render.run_dot(to_dot(out), "svg")
    with pytest.warns(GraphvizFailedWarning, match=r"no answer in 0\.5 s"):
        assert render.static_svgs([to_dot(out)]) is None


def test_the_hint_is_one_short_line_that_claims_no_drawing():
    # It shows exactly where nothing was drawn (an untrusted notebook, an export): it must not say
    # "drawn in the browser", nor that dot is missing (it may be installed but failing).
    assert "\n" not in render.HINT and len(render.HINT) <= 120
    assert "DOT text" in render.HINT and "Drawn" not in render.HINT and "not installed" not in render.HINT
    hint = f'<p class="al-dot-hint">{html.escape(render.HINT)}</p>'
    assert render.dot_block("digraph { a }").startswith(hint)


def test_render_imports_only_the_standard_library():
    # render is the one place that decides how DOT text becomes a picture: widgets (anywidget) build
    # on it, never the other way round (no import cycle, not even a lazy one).
    tree = ast.parse(Path(render.__file__).read_text(encoding="utf-8"))
    imported = [("." * level) + name for _, level, name in imports_of(tree)]
    assert imported and all(is_standard_library(name) for name in imported), imported  # ".x" is not


@needs_dot
def test_a_label_is_drawn_as_written_even_when_it_looks_like_an_entity():
    # Graphviz reads entities in labels: "&amp;" written as is would be drawn "&", "&#65;" as "A".
    x = Value(2.0, label="a &amp; b & c &lt;")
    out = x * 3.0
    out.label = "&#65;"
    for source in (to_dot(out, clusters={x: "c &amp; d"}), draw_dot(out, clusters={x: "c &amp; d"}).source):
        svg = render.run_dot(source, "svg").decode("utf-8")
        drawn = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
        assert {"a &amp; b & c &lt;", "&#65;", "c &amp; d"} <= set(drawn) and "A" not in drawn, drawn


def evil_graph() -> Value:
    """Labels that would be markup or script if they were not kept as text."""
    x = Value(2.0, label="</script><script>window.pwned = 1</script>")
    y = Value(3.0, label="<img src=x onerror=\"window.pwned = 2\">")
    out = x * y
    out.label = "out & <b>bold</b>"
    return out


@needs_dot
def test_notebook_display_with_dot_is_the_static_svg():
    _, out = neuron()
    bundle = draw_dot(out)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]


@pytest.mark.slow
@pytest.mark.needs("anywidget", "ipywidgets")
def test_notebook_display_without_dot_carries_the_dot_text_and_a_hint(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    drawing = draw_dot(evil_graph())
    bundle = drawing._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
    fallback = bundle["text/html"]
    assert render.HINT in fallback and '<pre class="al-dot">' in fallback
    # The DOT text, escaped: reading the <pre> back gives exactly the drawing's source.
    pre = re.search(r'<pre class="al-dot">(.*?)</pre>', fallback, re.S).group(1)
    assert html.unescape(pre) == drawing.source
    assert "<script" not in fallback and "<img" not in fallback and "<b>" not in fallback
    from autograd_lite import widgets

    shown = widgets.renderer()
    unpacked = gzip.decompress(base64.b64decode(shown.source)).decode("utf-8")
    assert unpacked == render.asset("viz-global.js") and unpacked.startswith("/*!\nViz.js 3.31.0")
    assert len(shown.source) < 800_000  # packed: JSON text of the raw bundle would be 3.3 MB
    again = draw_dot(evil_graph())._repr_mimebundle_()
    assert widgets.renderer() is shown  # one renderer per kernel, however many graphs
    assert again["application/vnd.jupyter.widget-view+json"]["model_id"] != \
        bundle["application/vnd.jupyter.widget-view+json"]["model_id"]


def test_without_anywidget_the_display_is_the_dot_text_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "anywidget", None)  # `import anywidget` now fails
    monkeypatch.setattr(widgets_module(), "_classes", _uncached_classes())
    drawing = draw_dot(evil_graph())
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    # The text/plain says what it is, its sizes counted from the DOT text itself.
    nodes = len([n for n in dot_nodes(drawing.source) if n not in ("graph", "node", "edge")])  # not attrs
    edges = len(dot_edges(drawing.source))
    assert nodes >= 4 and edges >= 3  # at least x, y, out, the * node and their edges
    assert bundle["text/plain"] == repr(drawing) == (
        f"<autograd_lite drawing: {nodes} nodes, {edges} edges; DOT text in .source, "
        "save_html(drawing, path) writes it>")
    assert '<pre class="al-dot">' in bundle["text/html"]


def widgets_module():
    from autograd_lite import widgets

    return widgets


def _uncached_classes():
    return widgets_module()._classes.__wrapped__  # the cache would hide the failing import


@pytest.mark.parametrize("with_dot", [True, False])
def test_save_html_writes_one_self_contained_page(with_dot, monkeypatch, tmp_path):
    if with_dot and not dot_available():
        pytest.skip("Graphviz's dot is not installed")
    if not with_dot:
        monkeypatch.setenv("PATH", str(tmp_path))
    _, out = neuron()
    model = MLP(2, [2, 2], seed=3)
    drawings = [draw_dot(out), draw_network(model, [0.05, 0.1], [0.01, 0.99]), evil_graph()]
    for item in (*drawings, drawings):
        path = save_html(item, tmp_path / "page.html", title="a <title>")
        assert path == tmp_path / "page.html"
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>") and "<title>a &lt;title&gt;</title>" in text
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
        assert "<link" not in text.lower() and "@import" not in text
        pictures = len(item) if isinstance(item, list) else 1
        body = text.split("<script")[0]  # the page before its scripts
        if with_dot:
            assert body.count("<svg") == pictures and '<pre class="al-dot">' not in body
            assert "Viz.js" not in text and len(text) < 300_000
        else:
            assert body.count('<pre class="al-dot">') == pictures and "<svg" not in body
            assert text.count("Viz.js 3.31.0") == 1  # the renderer, inlined once
    evil = save_html(evil_graph(), tmp_path / "evil.html").read_text(encoding="utf-8")
    assert "<img" not in evil and "<b>" not in evil
    assert evil.count("</script>") == evil.count("<script")  # no label closes or opens a script
    if not with_dot:  # the label is in the page as escaped DOT text (the browser test draws it)
        pre = re.search(r'<pre class="al-dot">(.*?)</pre>', evil, re.S).group(1)
        assert html.unescape(pre) == to_dot(evil_graph())


def test_save_html_takes_dot_text_a_drawing_and_a_value_and_refuses_others(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    _, out = neuron()
    for item in (to_dot(out), graph_description(out), out):
        text = save_html(item, tmp_path / "p.html").read_text(encoding="utf-8")
        pre = re.search(r'<pre class="al-dot">(.*?)</pre>', text, re.S).group(1)
        assert html.unescape(pre) == to_dot(out)
    with pytest.raises(TypeError, match="save_html: expected a drawing"):
        save_html(3.0, tmp_path / "p.html")
    with pytest.raises(ValueError, match="save_html: a str must be DOT text"):
        save_html("not dot", tmp_path / "p.html")
    # In a list, the error says which item; a player is saved alone, never inside a list.
    with pytest.raises(TypeError, match=r"save_html: expected a drawing .*\(item 2 of 2\), got float"):
        save_html([out, 3.0], tmp_path / "p.html")
    from autograd_lite.backprop_page import render_player

    player = render_player(out)
    page = save_html(player, tmp_path / "player.html").read_text(encoding="utf-8")
    assert page.count('<section class="frame') == len(player.frames)
    with pytest.raises(TypeError, match=r"a backprop player is a page of its own \(item 1 of 2\)"):
        save_html([player, out], tmp_path / "p.html")
    # It writes HTML: a path for a picture file is refused, and nothing is written there.
    for name in ("p.svg", "p.png", "p"):
        with pytest.raises(ValueError, match=r"save_html: writes an HTML page, so the path must end in"):
            save_html(out, tmp_path / name)
        assert not (tmp_path / name).exists()
    assert save_html(out, tmp_path / "P.HTM").exists()


def test_network_picture_labels_z_with_delta_equal_to_the_closed_form():
    model = MLP(2, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=4)
    x, y = [0.9, -1.7], [1.0, 0.0]
    before = [p.grad for p in model.parameters()]
    text = str(draw_network(model, x, y).source)
    assert [p.grad for p in model.parameters()] == before  # the pure walk: nothing written
    weights, biases = model.weights_and_biases()
    reference = backprop(weights, biases, x, y, activation=model.activations)
    for index, layer_delta in enumerate(reference.delta):
        l_note = index + 2
        which = "BP1" if index == 1 else "BP2"
        for j, delta in enumerate(layer_delta):
            found = re.search(re.escape(f"δ^{l_note}_{j} = ") + rf"(\S+) \({which}: ([^)\s]+)\)", text)
            assert found, (l_note, j)
            assert found.group(1) == found.group(2) == f"{delta:.4f}"
            assert close(float(found.group(1)), delta, 1e-4)
    for name in ("w^2_01", "b^3_1", "z^3_0", "a^2_2", "x_1 = a^1_1", "C_x (quadratic)"):
        assert name in text
    assert "layer 2 (sigmoid)" in text and "layer 3 (sigmoid)" in text and "cost" in text


def test_demos_write_svg_with_dot_and_html_without(monkeypatch, tmp_path):
    from autograd_lite.demos._common import save_drawing

    _, out = neuron()
    if dot_available():
        path, why = save_drawing(draw_dot(out), tmp_path / "neuron.svg")
        assert path == tmp_path / "neuron.svg" and why == "" and b"<svg" in path.read_bytes()[:400]
    monkeypatch.setenv("PATH", str(tmp_path))
    path, why = save_drawing(draw_dot(out), tmp_path / "plain.svg")
    assert path == tmp_path / "plain.html" and not (tmp_path / "plain.svg").exists()
    assert "dot is not installed" in why and "\n" not in why
    assert '<pre class="al-dot">' in path.read_text(encoding="utf-8")
    monkeypatch.setenv("PATH", broken_dot(tmp_path / "bin"))  # installed, but failing
    path, why = save_drawing(draw_dot(out), tmp_path / "broken.svg")
    assert path == tmp_path / "broken.html" and not (tmp_path / "broken.svg").exists()
    assert why == (" (Graphviz's dot failed (exit status 1: dot: broken install (simulated)): an HTML page "
                   "that draws it in the browser)")
