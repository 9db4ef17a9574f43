"""autograd_lite.playground, driven from Python (no widgets, so these run on every interpreter).

Truths: the closed-form BP1-BP4 (`closed_form.backprop`, no engine code) for
the δ and ∂C/∂w shown; eager autodiff (`model.sample_cost(...).backward()`,
`nn.loss`) for what the playground computes its own way (the taped training,
the generated float evaluator); central finite differences; a fresh CPython
running the generated script; a PNG decoder written here.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

import pytest

from autograd_lite import closed_form, datasets, nn, playground_svg
from autograd_lite.engine import topological_order
from autograd_lite.playground import DEFAULTS, Playground

from .helpers import central_differences, close

SVG = "{http://www.w3.org/2000/svg}"


def parameters(model: nn.MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def test_xor_with_two_small_tanh_layers_learns():
    pg = Playground(dataset="xor", hidden=[4, 4], activation="tanh", learning_rate=0.1, seed=0)
    start = pg.loss[0]
    while pg.loss[0] >= 0.1 and pg.steps < 1000:
        pg.step(25)
    assert pg.loss[0] < 0.1 < start, (pg.steps, pg.loss)
    assert pg.epoch == pg.steps // 10  # 100 training points in batches of 10
    assert pg.history[0] == (0, start, pg.history[0][2]) and pg.history[-1] == (pg.steps, *pg.loss)


def test_reset_restores_the_initial_weights_bit_for_bit():
    pg = Playground(dataset="spiral", hidden=[3, 5], activation="relu", seed=4)
    initial, loss = parameters(pg.model), pg.loss
    pg.step(37)
    assert parameters(pg.model) != initial and pg.epoch == 3
    pg.reset()
    assert parameters(pg.model) == initial and pg.loss == loss
    assert (pg.steps, pg.epoch, pg.history, pg.code) == (0, 0, [(0, *loss)], Playground(**pg.options).code)
    pg.step(37)
    again = Playground(dataset="spiral", hidden=[3, 5], activation="relu", seed=4)
    again.step(37)
    assert parameters(pg.model) == parameters(again.model)


CHANGED = {
    "dataset": "moons", "points": 64, "noise": 0.35, "test_fraction": 0.2, "batch_size": 7,
    "features": ["x1", "x2^2", "sin(x1)"], "hidden": [], "activation": "sigmoid", "learning_rate": 0.3,
    "regularization": "l1", "regularization_rate": 0.003, "seed": 11,
}


@pytest.mark.parametrize("option", list(DEFAULTS))
def test_every_option_round_trips(option):
    assert set(CHANGED) == set(DEFAULTS)
    pg = Playground(**{option: CHANGED[option]})
    assert pg.options == {**DEFAULTS, option: CHANGED[option]}
    assert CHANGED[option] != DEFAULTS[option]
    later = Playground()
    later.set(**{option: CHANGED[option]})
    assert later.options == pg.options
    assert Playground(**pg.options).options == pg.options


def test_all_options_at_once_and_the_hidden_extremes():
    pg = Playground(**CHANGED)
    assert pg.options == CHANGED and len(pg.model.layers) == 1 and pg.model.nin == 3
    six = Playground(hidden=[8] * 6, features=list(datasets.FEATURES))
    assert [len(layer.neurons) for layer in six.model.layers] == [8] * 6 + [1]
    assert len(topological_order(six.sample_graph())) == 1254  # the count for this network
    assert len(topological_order(Playground().sample_graph())) == 302


@pytest.mark.parametrize(("option", "value", "named"), [
    ("dataset", "blobs", "unknown data set 'blobs'"),
    ("hidden", [4, 9], "9"),
    ("hidden", [2] * 7, "7 layers"),
    ("hidden", [0], "hidden"),
    ("hidden", "4", "hidden"),
    ("learning_rate", -0.1, "learning_rate"),
    ("learning_rate", 0.0, "learning_rate"),
    ("learning_rate", math.inf, "learning_rate"),
    ("regularization_rate", -1.0, "regularization_rate"),
    ("noise", 0.8, "noise"),
    ("test_fraction", 1.0, "test_fraction"),
    ("batch_size", 0, "batch_size"),
    ("points", 3, "points"),
    ("features", ["x1", "x3"], "unknown feature 'x3'"),
    ("features", [], "features"),
    ("features", ["x1", "x1"], "twice"),
    ("activation", "softmax", "unknown activation 'softmax'"),
    ("regularization", "l3", "unknown regularization 'l3'"),
    ("seed", "0", "seed"),
    ("colour", "red", "unknown option 'colour'"),
])
def test_bad_options_are_value_errors_naming_them(option, value, named):
    with pytest.raises(ValueError, match=named):
        Playground(**{option: value})
    pg = Playground()
    with pytest.raises(ValueError, match=named):
        pg.set(**{option: value})
    assert pg.options == DEFAULTS  # a refused change changes nothing


@pytest.mark.parametrize(("activation", "dataset"), [("tanh", "circles"), ("relu", "xor"),
                                                     ("sigmoid", "moons"), ("linear", "plane")])
def test_deltas_are_bp1_bp2_and_the_edges_bp4(activation, dataset):
    pg = Playground(dataset=dataset, activation=activation, hidden=[5, 3], seed=2,
                    features=["x1", "x2", "sin(x1)"], learning_rate=0.05)
    pg.step(13)
    alive = 0  # samples whose error reaches the first layer: the comparison is not of zeros
    for sample in (None, 0, 17):
        pg.sample = sample
        i = pg.current_sample
        x, y = pg.data.inputs("train", pg.features)[i], pg.data.targets("train")[i]
        weights, biases = pg.model.weights_and_biases()
        closed = closed_form.backprop(weights, biases, x, [y], pg.model.activations, "quadratic")
        deltas = pg.deltas
        assert [len(layer) for layer in deltas] == [5, 3, 1]
        for mine, theirs in zip(deltas, closed.delta, strict=True):
            assert all(close(d, c, 1e-12) for d, c in zip(mine, theirs, strict=True)), (mine, theirs)
        alive += any(d != 0 for d in deltas[0])
        # the ∂C/∂w shown are autodiff's, bit for bit, and BP4's to 1e-12
        pg.model.zero_grad()
        pg.model.sample_cost(x, y).backward()
        shown = pg.weight_gradients
        for l, layer in enumerate(pg.model.layers):
            for j, neuron in enumerate(layer.neurons):
                assert shown[l][j] == [w.grad for w in neuron.w]
                assert all(close(g, c, 1e-12) for g, c in zip(shown[l][j], closed.grad_w[l][j], strict=True))
        assert pg.check <= 1e-12
    assert pg.current_sample == 17 and alive >= 1


def test_the_shown_gradients_against_central_differences():
    pg = Playground(dataset="gaussians", hidden=[3], seed=6)
    pg.step(5)
    i = pg.current_sample
    x, y = pg.data.inputs("train", pg.features)[i], pg.data.targets("train")[i]
    weights = [w for layer in pg.model.layers for n in layer.neurons for w in n.w]

    def cost(*values):
        for w, v in zip(weights, values):
            w.data = v
        return pg.model.sample_cost(x, y).data

    start = [w.data for w in weights]
    numeric = central_differences(cost, start)
    cost(*start)
    shown = [g for layer in pg.weight_gradients for row in layer for g in row]
    assert all(close(s, n, 1e-7) for s, n in zip(shown, numeric, strict=True))


@pytest.mark.parametrize("index", [100, -1, 2.0, True])
def test_the_sample_must_be_a_training_index(index):
    pg = Playground()  # 200 points, half held out: indices 0 to 99
    with pytest.raises(ValueError, match="sample"):
        pg.sample = index
    assert pg.sample is None


def test_losses_are_nn_loss_bit_for_bit_and_training_is_eager_training():
    pg = Playground(dataset="moons", hidden=[6, 4], activation="tanh", batch_size=8, seed=3,
                    regularization="l2", regularization_rate=0.01)
    pg.step(20)
    pg.set(learning_rate=0.1, regularization="l1", regularization_rate=0.002)
    pg.step(9)
    for which, value in zip(("train", "test"), pg.loss):
        xs, ys = pg.data.inputs(which, pg.features), pg.data.targets(which)
        assert value == nn.loss(pg.model, xs, ys).data
    # the same steps built eagerly, no tape
    data = datasets.make("moons", seed=3)
    model = nn.MLP(2, [6, 4, 1], "tanh", "tanh", seed=3, init="xavier")
    trainer = nn.Trainer(model, data.inputs("train", ["x1", "x2"]), data.targets("train"), batch_size=8,
                         lr=0.03, l2=0.01, seed=3)
    trainer.run(20)
    trainer.optimizer.lr, trainer.l1, trainer.l2 = 0.1, 0.002, 0.0
    trainer.run(9)
    assert parameters(model) == parameters(pg.model)
    assert math.isnan(Playground(test_fraction=0.0).loss[1])  # no test points


def test_the_copied_script_reproduces_the_weights_bit_for_bit(tmp_path):
    pg = Playground(dataset="circles", features=["x1", "x2", "x1^2"], hidden=[4, 2], activation="relu",
                    noise=0.1, batch_size=6, seed=8)
    pg.step(15)
    pg.set(learning_rate=0.1)
    pg.step(10)
    pg.set(regularization="l2", regularization_rate=0.001)
    pg.step(5)
    pg.set(regularization="l1")
    pg.step(3)
    assert len(pg.segments) == 4
    code = pg.code
    assert "from autograd_lite import datasets, nn" in code and "_" + "TapedBatches" not in code
    script = tmp_path / "copied.py"
    script.write_text(code + "import json\nprint(json.dumps([p.data for p in model.parameters()]))\n",
                      encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("33 steps, epoch")
    assert json.loads(lines[-1]) == parameters(pg.model)  # JSON keeps floats exactly (repr)


def test_learning_rate_and_regularisation_keep_the_network_other_options_restart():
    pg = Playground()
    pg.step(4)
    trained = parameters(pg.model)
    pg.set(learning_rate=1.0, regularization="l2", regularization_rate=0.1)
    assert (pg.steps, parameters(pg.model)) == (4, trained)
    pg.step(1)
    assert pg.trainer.optimizer.lr == 1.0 and pg.trainer.l2 == 0.1
    pg.set(hidden=[2])
    assert pg.steps == 0 and len(pg.model.layers) == 2


# ---------------------------------------------------------------------------
# The drawing


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and the colour of every pixel of a palette PNG (colour type 3, no filter)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        checksum = data[position + 8 + length:position + 12 + length]
        assert zlib.crc32(kind + body) == int.from_bytes(checksum, "big")
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height = int.from_bytes(chunks[b"IHDR"][:4], "big"), int.from_bytes(chunks[b"IHDR"][4:8], "big")
    assert chunks[b"IHDR"][8:10] == bytes([8, 3])
    palette = [tuple(chunks[b"PLTE"][i:i + 3]) for i in range(0, len(chunks[b"PLTE"]), 3)]
    raw = zlib.decompress(chunks[b"IDAT"])
    pixels = []
    for row in range(height):
        line = raw[row * (width + 1):(row + 1) * (width + 1)]
        assert line[0] == 0
        pixels += [palette[i] for i in line[1:]]
    return width, height, pixels


def test_regularisation_at_rate_zero_is_no_new_stretch_of_the_script():
    pg = Playground(hidden=[3])
    pg.step(3)
    pg.set(regularization="l2")  # rate 0: trains as before
    pg.step(3)
    pg.set(regularization_rate=0.01)
    pg.step(2)
    assert pg.code.count("trainer.run(") == 2 and "trainer.run(6)" in pg.code
    assert "trainer.l1, trainer.l2 = 0.0, 0.01" in pg.code


def test_features_read_back_in_the_playground_order_as_the_docstring_says():
    pg = Playground(features=["x2", "x1"])
    assert pg.options["features"] == ["x1", "x2"] == pg.features
    assert '["x1", "x2"]' in Playground.options.__doc__


def test_heat_map_png_decodes_to_the_colours():
    png = playground_svg.heat_map_png([-1.0, 0.0, 1.0, 7.0, -0.5, math.nan], 3, 2)
    width, height, pixels = decode_png(png)
    assert (width, height) == (3, 2)
    orange, blue = (245, 147, 34), (8, 119, 189)
    assert pixels[0] == orange and pixels[2] == pixels[3] == blue  # 7 is clipped to 1
    assert all(c > 250 for c in pixels[1]) and all(c > 250 for c in pixels[5])  # 0 and nan: white
    assert pixels[4][2] < 150 < pixels[4][0]  # -0.5: a lighter orange


def images(svg: str, group: str) -> list[tuple[int, int, list]]:
    import base64

    root = ET.fromstring(svg)
    found = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == group:
            for image in g.iter(f"{SVG}image"):
                found.append(decode_png(base64.b64decode(image.get("href").split(",", 1)[1])))
    return found


def test_the_svg_draws_every_neuron_edge_and_map():
    pg = Playground(hidden=[3, 2], features=["x1", "x2", "sin(x1)"])
    pg.step(3)
    svg = pg.svg
    root = ET.fromstring(svg)  # well-formed
    groups = [g.get("class") for g in root.iter(f"{SVG}g")]
    assert groups.count("al-neuron") == 3 + 2 + 1 and groups.count("al-feature") == 3
    assert groups.count("al-edge") == 3 * 3 + 3 * 2 + 2 * 1
    for width, height, _ in images(svg, "al-neuron") + images(svg, "al-feature"):
        assert width >= 20 and height >= 20
    ((width, height, pixels),) = images(svg, "al-output")
    assert width >= 50 and height >= 50 and len(set(pixels)) > 10
    texts = {t.get("class"): [] for t in root.iter(f"{SVG}text")}
    for t in root.iter(f"{SVG}text"):
        texts[t.get("class")].append("".join(t.itertext()))
    shown = [float(s.split()[1]) for s in texts["al-delta"]]
    every = [d for layer in pg.deltas for d in layer]
    assert all(close(s, d, 1e-2) for s, d in zip(shown, every, strict=True))
    assert len(texts["al-grad"]) == 17 and "BP4, without regularisation" in svg
    titles = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}title"))
    assert repr(pg.deltas[0][0]) in titles and repr(pg.weight_gradients[1][0][2]) in titles
    assert f"training loss {pg.loss[0]:.4f}" in svg and "epoch 0, step 3" in svg
    before = images(svg, "al-output")
    pg.step(20)
    assert pg.svg != svg and images(pg.svg, "al-output") != before


@pytest.mark.parametrize("hidden", [[8, 8], [2, 8, 1], []])
def test_the_gradient_labels_never_overlap_and_the_titles_hold_the_full_values(hidden):
    pg = Playground(hidden=hidden, features=list(datasets.FEATURES))  # 7 then 8 edges into a neuron
    pg.step(2)
    root = ET.fromstring(pg.svg)
    legend = next(float(t.get("y")) for t in root.iter(f"{SVG}text") if (t.text or "").startswith("edges:"))
    columns: dict[str, list[float]] = {}
    for edge in (g for g in root.iter(f"{SVG}g") if g.get("class") == "al-edge"):
        label = edge.find(f"{SVG}text")
        size = float(label.get("font-size"))
        assert size >= 9
        columns.setdefault(label.get("x"), []).append(float(label.get("y")))
        assert float(label.get("y")) - size > legend  # below the legend line
    for ys in columns.values():
        ys.sort()
        assert all(b - a >= size for a, b in itertools.pairwise(ys))  # a label's height apart: no overlap
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "al-edge"]
    titles = ["".join(g.find(f"{SVG}title").itertext()) for g in edges]
    flat = [g for layer in pg.weight_gradients for row in layer for g in row]
    assert all(repr(g) in t for g, t in zip(flat, titles, strict=True))


@pytest.mark.parametrize("dataset", ["circles", "gaussians", "moons"])
def test_every_point_is_drawn_on_the_output_even_with_the_most_noise(dataset):
    pg = Playground(dataset=dataset, noise=0.5)
    output = next(g for g in ET.fromstring(pg.svg).iter(f"{SVG}g") if g.get("class") == "al-output")
    image = output.find(f"{SVG}image")
    left, top, size = (float(image.get(key)) for key in ("x", "y", "width"))
    dots = [c for c in output.iter(f"{SVG}circle") if c.get("class") != "al-sample"]
    assert len(dots) == len(pg.data.points) == 200
    for c in dots:
        assert left <= float(c.get("cx")) <= left + size and top <= float(c.get("cy")) <= top + size


def test_every_point_says_what_it_is_and_which_sample_to_pick():
    pg = Playground(dataset="moons", noise=0.1)
    pg.sample = 17
    output = next(g for g in ET.fromstring(pg.svg).iter(f"{SVG}g") if g.get("class") == "al-output")
    titles = ["".join(c.find(f"{SVG}title").itertext()) for c in output.iter(f"{SVG}circle")
              if c.get("class") != "al-sample"]
    assert len(titles) == len(pg.data.points)
    for i, title in enumerate(titles):
        (x1, x2), label = pg.data.points[i], pg.data.labels[i]
        assert f"x = ({x1:.3f}, {x2:.3f}), y = {label:g}" in title
        if i in pg.data.test:
            assert title.startswith("test point")
        else:
            assert f"sample {pg.data.train.index(i)}:" in title
    ring = next(c for c in output.iter(f"{SVG}circle") if c.get("class") == "al-sample")
    (x1, x2) = pg.data.points[pg.data.train[17]]
    assert "sample 17:" in "".join(ring.itertext()) and f"({x1:.3f}, {x2:.3f})" in "".join(ring.itertext())


@pytest.mark.skipif(shutil.which("dot") is None, reason="the step player draws with Graphviz's dot")
def test_backprop_this_sample_opens_the_player_on_its_graph():
    pg = Playground(hidden=[], features=["x1"])  # z = b + w x, tanh, cost: a small graph
    pg.step(2)
    player = pg.backprop_player()
    nodes = topological_order(pg.sample_graph())
    assert len(player.frames) == sum(node._rule is not None for node in nodes) + 1
    assert 'class="al-player"' in player._repr_html_()


def test_a_diverging_network_still_draws():
    # a linear network fed x1*x2 (up to 36) at this rate blows up within a few steps
    pg = Playground(dataset="plane", activation="linear", features=["x1", "x2", "x1*x2"], hidden=[5, 3],
                    learning_rate=0.05)
    pg.step(40)
    assert math.isnan(pg.loss[0]) and math.isnan(pg.check)
    assert "training loss nan" in pg.svg
    ET.fromstring(pg.svg)


DIVERGING = {"activation": "sigmoid", "dataset": "plane", "learning_rate": 10, "batch_size": 1,
             "hidden": [8, 8, 8], "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2"]}


def test_a_network_whose_cost_overflows_still_draws():
    # finite weights, but (y - a)² past the float range: the closed form's OverflowError is "diverged"
    pg = Playground(**DIVERGING)
    pg.step(200)
    assert math.isnan(pg.check) and len(pg.deltas) == 4
    assert "training diverged" in pg.svg
    ET.fromstring(pg.svg)


# ---------------------------------------------------------------------------
# The widget, without a browser (tests/test_playground_browser.py has one)


def test_the_playground_itself_needs_no_widgets():
    code = ("import sys; from autograd_lite.playground import Playground; pg = Playground(); pg.step(2); "
            "pg.svg; pg.code; assert 'ipywidgets' not in sys.modules and 'IPython' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def widget_test(function):
    """Needs ipywidgets (the notebook extra), so `slow`: the other interpreters skip it."""
    return pytest.mark.slow(pytest.mark.needs("ipywidgets")(function))


@widget_test
def test_the_notebook_module_lists_the_playground():
    from autograd_lite import notebook
    from autograd_lite.playground import playground

    assert "playground" in notebook.__all__ and notebook.playground is playground


@widget_test
def test_the_widget_drives_like_the_playground():
    from autograd_lite.notebook import playground

    pg = playground(dataset="xor", hidden=[4, 4], learning_rate=0.1)
    assert type(pg).__module__ == "autograd_lite.playground_widget"  # its own module, not nested
    buttons = (pg.play_button, pg.pause_button, pg.step_button, pg.reset_button)
    words = {b.description: b.tooltip for b in buttons}
    assert list(words) == ["play", "pause", "step", "reset"] and all(w in words[w] for w in words)
    picture = pg._picture.value
    pg.step_button.click()
    assert pg.steps == 1 and pg._picture.value != picture
    assert pg.svg.partition(">")[2] in pg._picture.value  # the drawing, its <svg> tag fitted to the cell
    assert f"training loss {pg.loss[0]:.4f}" in pg._losses.value and "epoch 0" in pg._counter.value
    # play: each tick of the front end's timer is a frame; a tick after pause does nothing
    pg._speed.value = 5
    pg.frame_gap = 0.0  # ticks here come faster than a browser's timer sends them: none dropped
    pg.play_button.click()
    assert pg.playing and pg.step_button.disabled
    pg._play.value += 1
    pg._play.value += 1
    assert pg.steps == 11
    pg.pause_button.click()
    pg._play.value += 1
    assert pg.steps == 11 and not pg.playing and not pg.step_button.disabled
    # the same training as the Playground alone
    alone = Playground(dataset="xor", hidden=[4, 4], learning_rate=0.1)
    alone.step(11)
    assert parameters(alone.model) == parameters(pg.model)
    pg.reset_button.click()
    assert pg.steps == 0 and parameters(pg.model) == parameters(Playground(**pg.options).model)


@widget_test
def test_the_widget_controls_change_the_options():
    from autograd_lite.notebook import playground

    pg = playground()
    neurons = pg._picture.value.count('class="al-neuron"')
    pg.add_layer_button.click()
    assert pg.options["hidden"] == [8, 8, 8] and pg._picture.value.count('class="al-neuron"') == neurons + 8
    pg.remove_layer_button.click()
    pg.remove_layer_button.click()
    assert pg.options["hidden"] == [8]
    minus = pg._layers.children[0].children[1].children[1]
    minus.click()
    assert pg.options["hidden"] == [7]
    pg.step(3)
    pg._rate.value = 0.3  # the learning rate: no restart
    assert pg.options["learning_rate"] == 0.3 and pg.steps == 3
    pg._dataset.value = "spiral"  # a new data set: step 0
    assert pg.options["dataset"] == "spiral" and pg.steps == 0
    pg._features["sin(x1)"].value = True
    assert pg.options["features"] == ["x1", "x2", "sin(x1)"] and pg.model.nin == 3
    pg.set(features=["x1"])
    assert [name for name, t in pg._features.items() if t.value] == ["x1"]
    pg._features["x1"].value = False  # no feature left: refused, said, and the toggle back on
    assert "features" in pg._message.value and pg._features["x1"].value and pg.options["features"] == ["x1"]
    pg.code_button.value = True
    assert pg._code.value == pg.code and pg._code.layout.display != "none"
    pg._follow.value = False
    pg._sample.value = 4
    assert pg.playground.current_sample == 4
    pg.sample = 6
    assert (pg._sample.value, pg._follow.value, pg.playground.current_sample) == (6, False, 6)
    pg.sample = None
    assert pg._follow.value and pg.playground.sample is None
    pg._sample.value = 9  # typing the index a point's title gives picks it
    assert (pg._follow.value, pg.playground.current_sample) == (False, 9)


@widget_test
def test_the_widget_keeps_working_after_training_diverges():
    from autograd_lite.notebook import playground

    pg = playground(**DIVERGING)
    pg._guarded(pg.step, 200)
    assert pg._message.value == "" and "training diverged" in pg._picture.value
    pg._check.value = False  # the observers redraw without a traceback into the kernel's log
    pg._follow.value = False
    pg._sample.value = 3
    assert pg.playground.current_sample == 3 and pg._message.value == ""


@widget_test
@pytest.mark.parametrize("start_over", ["reset", "dataset", "reset button"])
def test_the_sample_controls_follow_a_reset_or_a_restart(start_over):
    from autograd_lite.notebook import playground

    pg = playground()
    pg.step(2)
    pg._follow.value = False
    pg._sample.value = 3
    assert pg.playground.sample == 3
    actions = {"reset": pg.reset, "dataset": lambda: pg.set(dataset="xor"),
               "reset button": pg.reset_button.click}
    actions[start_over]()
    assert pg.playground.sample is None  # the Playground forgot the sample: so do the controls
    assert (pg._follow.value, pg._sample.value) == (True, 0)
    pg.step(1)
    assert pg.playground.current_sample == pg.playground.trainer.last_batch[-1]


@widget_test
def test_the_widget_keeps_a_big_seed():
    from autograd_lite.notebook import playground

    pg = playground(seed=2**40)
    assert str(2**40) in str(pg._seed.value)
    pg._noise.value = 0.1  # touching another control keeps the seed and its data
    assert pg.options["seed"] == 2**40 and pg.playground.data == Playground(seed=2**40, noise=0.1).data
    pg._seed.value = str(-(2**70))
    assert pg.options["seed"] == -(2**70)
    pg._seed.value = "seven"  # refused and said; the box shows the seed in force
    assert "seed" in pg._message.value and pg.options["seed"] == -(2**70) and pg._seed.value == str(-(2**70))


@widget_test
def test_the_widget_regularisation_control():
    from autograd_lite.notebook import playground

    pg = playground()
    assert pg._regularization.value == "none"  # shown as a choice, not as an empty box
    pg._regularization.value = "l2"
    pg._regularization_rate.value = 0.01
    assert pg.options["regularization"] == "l2" and pg.options["regularization_rate"] == 0.01
    pg._regularization.value = "none"
    assert pg.options["regularization"] is None
    pg.set(regularization="l1", learning_rate=0.05)
    assert pg._regularization.value == "l1" and pg._rate.value == 0.05


def test_a_graph_too_big_for_the_player_is_drawn_by_its_layer_scopes():
    from autograd_lite import viz

    pg = Playground(hidden=[8] * 6, features=list(datasets.FEATURES))
    with pytest.raises(ValueError, match=r"1,?254"):
        pg.backprop_player()  # show_backprop's own refusal, before anything is drawn
    dot = viz.to_dot(pg.sample_graph(), collapse=1)
    for scope in [f"layer{l}" for l in range(2, 9)] + ["cost"]:
        assert scope in dot
    assert type(pg.scope_drawing()).__name__ == "Digraph"


@widget_test
@pytest.mark.skipif(shutil.which("dot") is None, reason="the step player draws with Graphviz's dot")
def test_the_backprop_button_shows_the_player_or_the_scopes():
    from autograd_lite.notebook import playground

    pg = playground(hidden=[], features=["x1"])
    pg.backprop_button.click()
    shown = [out for out in pg._player.outputs if out["output_type"] == "display_data"]
    assert len(shown) == 1 and 'class="al-player"' in shown[0]["data"]["text/html"]
    pg.set(hidden=[8] * 6, features=list(datasets.FEATURES))
    pg.backprop_button.click()
    text = "".join(out.get("text", "") for out in pg._player.outputs)
    assert "1254 Values" in text and "layer scopes" in text
    (drawing,) = [out for out in pg._player.outputs if out["output_type"] == "display_data"]
    assert "layer7" in drawing["data"]["image/svg+xml"]


def test_the_default_network_is_too_big_for_the_player_and_a_smaller_one_is_offered():
    pg = Playground()
    assert pg.graph_size() == len(topological_order(pg.sample_graph())) == 302
    with pytest.raises(ValueError, match="302"):
        pg.backprop_player()  # refused before anything is drawn, not 50 s of dot
    smaller = pg.smaller_network()
    assert smaller == [4, 4] and Playground(hidden=smaller).graph_size() == 106
    wide = Playground(features=list(datasets.FEATURES))  # 7 inputs: [4, 4] is 166 Values, [8] 214
    assert wide.smaller_network() == [4, 4] and wide.smaller_network(150) == [4]
    assert Playground(**{**wide.options, "hidden": [8]}).graph_size() > 150


@widget_test
@pytest.mark.skipif(shutil.which("dot") is None, reason="the scope drawing is dot's SVG here")
def test_the_backprop_button_on_the_default_network_draws_the_scopes_quickly():
    from autograd_lite.notebook import playground

    pg = playground()
    pg.backprop_button.click()
    text = "".join(out.get("text", "") for out in pg._player.outputs)
    assert "302 Values" in text and "layer scopes" in text
    assert "hidden=[4, 4]" in text and "106 Values" in text
    (drawing,) = [out for out in pg._player.outputs if out["output_type"] == "display_data"]
    assert "layer3" in drawing["data"]["image/svg+xml"]
    assert len(json.dumps(pg._player.outputs)) < 100_000  # not the ~100 MB player
