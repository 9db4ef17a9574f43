"""The step-by-step backprop page, read as text (no browser: see test_browser.py).

Frame counting under test: frame 0 seeds root's gradient, then one frame per
backward step, and a step is a non-leaf node of `topological_order(root)`
(the walk processes each exactly once), so frames = 1 + non-leaf nodes.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from autograd_lite import Value, gradients, topological_order
from autograd_lite import backprop_page as page_module
from autograd_lite import viz as viz_module
from autograd_lite.backprop_page import backprop_frames, backprop_html
from autograd_lite.render import GraphvizFailedWarning

from .helpers import broken_dot, micrograd_neuron

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b), d o / d x1 = -1.5."""
    return micrograd_neuron()


def shared() -> tuple[Value, dict[str, Value]]:
    """A value used three times (twice by one op) and a constant operand."""
    a, c = Value(3.0, label="a"), Value(-2.0, label="c")
    s = a * a
    s.label = "s"
    t = (s + a) * c - 0.5
    t.label = "t"
    return t, {"a": a, "c": c, "s": s, "t": t}


def steps_of(root: Value) -> int:
    """Backward steps counted independently of the page: the non-leaf nodes."""
    return sum(1 for node in topological_order(root) if node._prev)


def frames_of(text: str) -> list[str]:
    return re.findall(r'<section class="frame[^"]*".*?</section>', text, re.S)


def caption_of(frame: str) -> str:
    found = re.search(r'<p class="caption">(.*?)</p>', frame, re.S)
    assert found, frame[:200]
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def svg_texts(frame: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", frame, re.S)]


def write(root: Value, tmp_path: Path, **options: object) -> str:
    path = backprop_html(root, tmp_path / "page.html", **options)
    assert path == tmp_path / "page.html"
    return path.read_text(encoding="utf-8")


@needs_dot
def test_page_is_self_contained(tmp_path: Path) -> None:
    root, _ = neuron()
    text = write(root, tmp_path)
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    assert not re.search(r"<script[^>]*\ssrc", text, re.I)
    assert "<link" not in text.lower()
    assert "@import" not in text and "url(" not in text
    assert text.count("<script") == 1  # the page's own inline player
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text  # svgs are inlined, not documents


@needs_dot
@pytest.mark.parametrize("build", [neuron, shared])
def test_one_frame_per_backward_step_plus_the_seed(build, tmp_path: Path) -> None:
    root, _ = build()
    frames = frames_of(write(root, tmp_path))
    steps = steps_of(root)
    assert len(frames) == 1 + steps
    for k, frame in enumerate(frames):
        assert frame.count("<svg") == 1
        assert f'data-frame="{k}"' in frame
        assert caption_of(frame).startswith("start:" if k == 0 else f"step {k} of {steps}:")
    assert "current" in frames[0].split(">")[0] and all("current" not in f.split(">")[0] for f in frames[1:])


def test_frames_follow_the_walk_in_reverse_topological_order() -> None:
    root, _ = shared()
    frames = backprop_frames(root)
    expected = [node for node in reversed(topological_order(root)) if node._prev]
    assert [f.node for f in frames] == [None, *expected]
    assert [f.index for f in frames] == list(range(len(frames)))


@needs_dot
def test_a_leaf_root_has_only_the_seed_frame(tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    frames = backprop_frames(x)
    assert len(frames) == 1
    assert frames[0].grads == {x: 1.0} == gradients(x)
    assert "x is a leaf: there is nothing to propagate" in frames[0].caption
    assert len(frames_of(write(x, tmp_path))) == 1


@needs_dot
def test_drawing_changes_no_grad(tmp_path: Path) -> None:
    root, _ = shared()
    nodes = topological_order(root)
    for i, node in enumerate(nodes):
        node.grad = 100.0 + i  # anything but the gradients: the page must not read or write them
    before = [node.grad for node in nodes]
    write(root, tmp_path)
    assert [node.grad for node in nodes] == before
    fresh, _ = neuron()
    write(fresh, tmp_path)
    assert all(node.grad == 0.0 for node in topological_order(fresh))


@needs_dot
@pytest.mark.parametrize("build", [neuron, shared])
def test_numbers_agree_with_gradients(build, tmp_path: Path) -> None:
    root, values = build()
    expected = gradients(root)
    frames = frames_of(write(root, tmp_path))
    final = frames[-1]

    # The final frame lists every gradient, and they are gradients(root).
    item = r'<span class="name">(.*?)</span>\.grad = <span class="value">(.*?)</span>'
    listed = {html.unescape(name): value for name, value in re.findall(item, final)}
    assert set(listed) >= set(values)
    for name, node in values.items():
        assert float(listed[name]) == pytest.approx(expected[node], abs=5e-5), name

    # The final picture shows each gradient on its node; nothing is pending any more.
    texts = svg_texts(final)
    for node in values.values():
        assert f"grad {expected[node]:.4f}" in texts
    assert "grad ?" not in texts

    # Each step's caption names a node whose gradient is final by then, with that gradient.
    for frame in frames[1:]:
        name = html.unescape(re.search(r'data-node="(.*?)"', frame).group(1))
        grad = re.search(r"grad (-?[\d.]+)\) passes", caption_of(frame)).group(1)
        if name in values:
            assert float(grad) == pytest.approx(expected[values[name]], abs=5e-5)


@pytest.mark.parametrize("build", [neuron, shared])
def test_frame_gradients_are_the_walk_s(build) -> None:
    root, _ = build()
    expected = gradients(root)
    frames = backprop_frames(root)
    assert frames[0].grads == {root: 1.0}
    assert frames[-1].grads == expected  # the same floats, not only close ones
    for frame in frames[1:]:
        assert frame.grads[frame.node] == expected[frame.node]  # a processed node's grad is final
        assert f"grad {expected[frame.node]:.4f})" in frame.caption
    assert [value for _, value in frames[-1].summary] == [expected[n] for n in topological_order(root)]


def test_neuron_captions_read_as_the_chain_rule() -> None:
    root, _ = neuron()
    frames = backprop_frames(root)
    assert frames[0].caption.startswith("start: the forward pass is done")
    assert "o.grad = do/do = 1" in frames[0].caption
    assert "5 backward steps" in frames[0].caption
    assert frames[1].caption == (
        "step 1 of 5: node `o` (tanh; data 0.7071, grad 1.0000) passes grad × local derivative to its "
        "inputs: ∂o/∂n = 0.5000 → n.grad += 0.5000 × 1.0000 = 0.5000 (now 0.5000)."
    )
    assert "∂v2/∂x1 = -3.0000 → x1.grad += -3.0000 × 0.5000 = -1.5000 (now -1.5000)" in frames[-1].caption


@needs_dot
def test_a_times_a_has_two_operand_edges(tmp_path: Path) -> None:
    a = Value(3.0, label="a")
    root = a * a
    root.label = "sq"
    frames = frames_of(write(root, tmp_path))
    assert len(frames) == 2
    step = frames[1]
    # Graphviz titles each edge "tail->head": both slots of the product come from a (v0).
    assert step.count("<title>v0&#45;&gt;v1_op</title>") == 2
    assert svg_texts(step).count("∂ 3.0000") == 2
    text = caption_of(step)
    assert "∂sq/∂a (operand 1 of 2) = 3.0000 → a.grad += 3.0000 × 1.0000 = 3.0000 (now 3.0000)" in text
    assert "∂sq/∂a (operand 2 of 2) = 3.0000 → a.grad += 3.0000 × 1.0000 = 3.0000 (now 6.0000)" in text
    assert "grad 6.0000" in svg_texts(step)


@needs_dot
def test_pending_partial_and_current_nodes_look_different(tmp_path: Path) -> None:
    root, _ = shared()  # t = (a*a + a) * c - 0.5
    frames = frames_of(write(root, tmp_path))
    start = svg_texts(frames[0])
    assert start.count("grad ?") == len(topological_order(root)) - 1  # all but the seeded root
    assert "grad 1.0000" in start
    # After (a*a + a) passed its gradient on, a has one of its two users done: a gradient so far.
    add_step = next(f for f in frames if "(+;" in caption_of(f))
    texts = svg_texts(add_step)
    assert "so far (1 of 2 uses)" in texts
    assert "processing" in texts
    assert f'fill="{page_module.PARTIAL}"' in add_step and f'fill="{page_module.CURRENT}"' in add_step
    assert f'fill="{page_module.PENDING}"' in frames[0]
    assert f'fill="{page_module.PENDING}"' not in frames[-1]  # nothing greyed once all is done
    # Earlier steps keep their local derivatives, in grey; the current ones are orange.
    assert f'stroke="{page_module.DONE_EDGE}"' in frames[-1]
    assert f'stroke="{page_module.CURRENT_EDGE}"' in frames[-1]


def node_places(frame: str) -> dict[str, str]:
    """Where Graphviz put each node of a frame's picture: its title and first shape's coordinates."""
    shape = (r'class="node">\s*<title>(.*?)</title>\s*<(?:polygon|ellipse)[^>]*?'
             r'(points="[^"]*"|cx="[^"]*" cy="[^"]*")')
    return dict(re.findall(shape, frame))


@needs_dot
@pytest.mark.parametrize("build", [neuron, shared])
def test_nodes_stay_in_place_from_frame_to_frame(build, tmp_path: Path) -> None:
    root, _ = build()
    frames = frames_of(write(root, tmp_path))
    first = node_places(frames[0])
    assert len(first) >= len(topological_order(root))
    for frame in frames[1:]:
        assert node_places(frame) == first


@needs_dot
def test_edge_labels_can_be_left_off(tmp_path: Path) -> None:
    root, _ = neuron()
    text = write(root, tmp_path, edge_labels=False)
    assert "∂ " not in "".join(t for f in frames_of(text) for t in svg_texts(f))
    assert "∂o/∂n = 0.5000" in text  # the captions still say it


@needs_dot
def test_text_is_escaped(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    x = Value(2.0, label=evil)
    y = x * 3.0 + x
    y.label = 'y "&" <b>'
    text = write(y, tmp_path, title=f"page {evil}")
    assert text.count("<script") == 1
    assert "alert(1)</script>" not in text
    assert "<b>" not in text
    assert "<title>page &lt;script&gt;alert(1)&lt;/script&gt;</title>" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    frames = frames_of(text)
    assert evil in svg_texts(frames[-1])  # the picture shows the label as written
    assert f"{evil}.grad += " in caption_of(frames[-1])


@needs_dot
def test_ids_are_unique_across_inlined_svgs(tmp_path: Path) -> None:
    root, _ = shared()
    text = write(root, tmp_path)
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    assert "f0-graph0" in ids and "f1-graph0" in ids


@needs_dot
def test_output_is_deterministic(tmp_path: Path) -> None:
    first = write(neuron()[0], tmp_path)
    assert write(neuron()[0], tmp_path) == first


def test_too_big_a_graph_is_refused_before_rendering(tmp_path: Path, monkeypatch) -> None:
    def no_rendering(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered before checking the size")

    monkeypatch.setattr(page_module.viz, "_digraph", no_rendering)
    x = Value(1.0, label="x")
    root = x
    for _ in range(30):
        root = root * 1.01 + x
    size = len(topological_order(root))
    with pytest.raises(ValueError, match=rf"{size} values, more than max_nodes=20"):
        backprop_html(root, tmp_path / "big.html", max_nodes=20)
    with pytest.raises(ValueError, match="max_nodes=200"):
        x = Value(1.0)
        root = x
        for _ in range(201):
            root = root + 1.0
        backprop_html(root, tmp_path / "big.html")
    assert not (tmp_path / "big.html").exists()


def test_without_dot_the_page_carries_each_frame_as_dot_text_and_the_renderer_once(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # no dot: drawn by the page itself
    root, values = shared()
    text = write(root, tmp_path, title="<b>shared</b>")
    frames = frames_of(text)
    assert len(frames) == 1 + steps_of(root)
    assert "<svg" not in "".join(frames)
    expected = [viz_module.render_dot_text(frame.drawing) for frame in backprop_frames(root)]
    dots = [html.unescape(re.search(r'<pre class="al-dot">(.*?)</pre>', f, re.S).group(1)) for f in frames]
    assert dots == expected  # each frame's DOT text, escaped into the page and read back unchanged
    assert text.count("Viz.js 3.31.0") == 1 and text.count("<script") == 2  # renderer, then player
    # The measuring graph that keeps nodes in place travels with the page: every Value has a record.
    measure = json.loads(html.unescape(re.search(r'data-measure="([^"]*)"', text).group(1)))
    assert measure["dot"].startswith("digraph")
    owned = {node_id for ids in measure["owners"] for node_id in ids}
    assert owned == {f"v{i}" for i in range(len(topological_order(root)))}
    assert "<title>&lt;b&gt;shared&lt;/b&gt;</title>" in text
    for name, node in values.items():  # the captions and the summary need no renderer
        assert f"grad {gradients(root)[node]:.4f}" in dots[-1], name


def test_a_failing_dot_leaves_the_frames_to_the_browser(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", broken_dot(tmp_path / "bin"))  # installed, but failing
    root, _ = shared()
    with pytest.warns(GraphvizFailedWarning, match=r"dot failed \(exit status 1: dot: broken install"):
        text = write(root, tmp_path)
    frames = frames_of(text)
    assert len(frames) == 1 + steps_of(root) and "<svg" not in "".join(frames)
    assert all('<pre class="al-dot">' in frame for frame in frames) and text.count("Viz.js 3.31.0") == 1


@needs_dot
def test_the_page_needs_dot_but_not_the_graphviz_python_package(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` now fails
    monkeypatch.setattr(viz_module, "_digraph_class", viz_module._digraph_class.__wrapped__)  # uncached
    root, _ = shared()
    frames = frames_of(write(root, tmp_path))
    assert len(frames) == 1 + steps_of(root) and all("<svg" in frame for frame in frames)


def test_a_non_value_is_a_type_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="expected a Value"):
        backprop_html(3.0, tmp_path / "page.html")  # type: ignore[arg-type]
