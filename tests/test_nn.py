"""autograd_lite.nn: networks of Values, their costs, save/load, optimisers and training.

Truths, none of them nn's own code:
- the closed-form BP1-BP4 of `autograd_lite.closed_form` (eqs. 20-23, and
  eqs. 4, 8-9 for batches), which shares no code with the engine;
- central finite differences of the loss (tests/helpers.py);
- PyTorch float64 optimisers fed the same gradients;
- micrograd 0.1.0 itself, run on micrograd's demo (bit-for-bit where its
  nondeterministic gradient summation order allows);
- update formulas written out by hand (eqs. 6-7, Adam as published).

Equation numbers are those of docs/backprop.md (Nielsen's
notation). "to 1e-12" means |a - b| <= 1e-12 * max(1, |ref|) (helpers.close).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import pickle
import random
import zlib
from pathlib import Path

import micrograd.engine
import micrograd.nn
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, closed_form, nn
from autograd_lite.closed_form import backprop, backprop_batch, compare
from autograd_lite.engine import collector_paused

from .helpers import central_differences, close

TOL = 1e-12
ACTS = ["linear", "relu", "tanh", "sigmoid"]
COST_NAMES = ["quadratic", "cross_entropy", "softmax_cross_entropy", "hinge"]
KINK = 1e-6  # relu and hinge are not differentiable at 0: keep |z| and the margin away from it


# ---------------------------------------------------------------------------
# Building random cases


def forced_output(cost: str, output_activation: str) -> str:
    """The output activation each cost assumes (nn.COSTS[...].needs), else the one asked for."""
    return {"cross_entropy": "sigmoid", "softmax_cross_entropy": "linear"}.get(cost, output_activation)


def random_target(rng: random.Random, cost: str, nout: int) -> list[float]:
    if cost == "quadratic":
        return [rng.uniform(-1, 1) for _ in range(nout)]
    if cost == "cross_entropy":  # y_j in [0, 1], the ends included
        return [rng.choice([0.0, 1.0, rng.random()]) for _ in range(nout)]
    if cost == "softmax_cross_entropy":  # one-hot, or a probability vector
        if rng.random() < 0.5:
            hot = rng.randrange(nout)
            return [1.0 if j == hot else 0.0 for j in range(nout)]
        p = [rng.random() + 0.01 for _ in range(nout)]
        return [pj / sum(p) for pj in p]
    return [rng.choice([-1.0, 1.0])]  # hinge: one output, y = ±1


def kinked(bp: closed_form.Backprop, activations: list[str], y: list[float], cost: str) -> bool:
    """Is a relu's z or the hinge's margin within KINK of its kink?"""
    for zl, act in zip(bp.z, activations):
        if act == "relu" and any(abs(z) < KINK for z in zl):
            return True
    return cost == "hinge" and abs(1.0 - y[0] * bp.a[-1][0]) < KINK


def randomise(model: nn.MLP, rng: random.Random) -> None:
    """Random weights and (unlike a fresh model) non-zero biases."""
    for layer in model.layers:
        for neuron in layer.neurons:
            for w in neuron.w:
                w.data = rng.uniform(-1.5, 1.5)
            neuron.b.data = rng.uniform(-1.0, 1.0)


def make_case(cost, nin, widths, hidden_act, output_act, seed, *, live=False):
    """A model with random weights, a sample x and a target y, kinks avoided by resampling.

    live=True also resamples until the error reaches the first layer (delta^2 != 0),
    so the comparison is not between zeros; for hinge it picks y with a violated margin.
    """
    rng = random.Random(seed)
    model = nn.MLP(nin, widths, hidden_act, output_act, seed=seed)
    for _ in range(500):
        randomise(model, rng)
        x = [rng.uniform(-2, 2) for _ in range(nin)]
        y = random_target(rng, cost, widths[-1])
        weights, biases = model.weights_and_biases()
        if live and cost == "hinge":
            a = backprop(weights, biases, x, [1.0], model.activations, "quadratic").a[-1][0]
            y = [-1.0 if a > 0 else 1.0]
        bp = backprop(weights, biases, x, y, model.activations, cost)
        if kinked(bp, model.activations, y, cost):
            continue
        if live and all(d == 0 for d in bp.delta[0]):
            continue
        return model, x, y
    raise AssertionError("could not draw a case away from the kinks")  # pragma: no cover


def check_against_bp(model: nn.MLP, x, y, cost: str) -> None:
    """Read delta (eq. 14), dC/db (eq. 22) and dC/dw (eq. 23) off the graph and compare with BP1-BP4.

    With the note's indexing, w^l_jk is model.layers[l-2].neurons[j].w[k]; here `l` is the
    weight-layer index used by closed_form (0 = the note's layer 2).
    """
    weights, biases = model.weights_and_biases()
    bp = backprop(weights, biases, x, y, activation=model.activations, cost=cost)
    model.zero_grad()
    c_x = model.sample_cost(x, y, cost)
    c_x.backward()
    assert close(c_x.data, bp.cost, TOL), (c_x.data, bp.cost)
    for l, layer in enumerate(model.layers):
        assert len(layer.z) == len(layer.a) == len(layer.neurons)
        for j, (neuron, z, a) in enumerate(zip(layer.neurons, layer.z, layer.a)):
            where = f"layer {l} neuron {j}"
            assert close(z.data, bp.z[l][j], TOL), where  # eq. (2)
            assert close(a.data, bp.a[l][j], TOL), where  # eq. (3)
            # eq. (14): delta^l_j = dC_x/dz^l_j is z.grad; BP1 (eq. 20) / BP2 (eq. 21) on the other side
            assert close(z.grad, bp.delta[l][j], TOL), (where, z.grad, bp.delta[l][j])
            # BP3, eq. (22)
            assert close(neuron.b.grad, bp.grad_b[l][j], TOL), (where, neuron.b.grad, bp.grad_b[l][j])
            # BP4, eq. (23)
            for k, w in enumerate(neuron.w):
                assert close(w.grad, bp.grad_w[l][j][k], TOL), (where, k, w.grad, bp.grad_w[l][j][k])


# ---------------------------------------------------------------------------
# Autodiff == BP1-BP4 (eqs. 14, 20-23), per sample


def deterministic_cases():
    """Every (hidden, output) activation pair each cost allows, with width-1 hidden layers."""
    cases = []
    for cost in COST_NAMES:
        outputs = ACTS if cost in ("quadratic", "hinge") else [forced_output(cost, "")]
        for hidden, output in itertools.product(ACTS, outputs):
            nout = 1 if cost == "hinge" else 3
            cases.append(pytest.param(cost, hidden, output, [4, 1, 3, nout], id=f"{cost}-{hidden}-{output}"))
    return cases


@pytest.mark.parametrize(("cost", "hidden", "output", "widths"), deterministic_cases())
def test_autodiff_equals_bp1_bp4_every_activation_and_cost(cost, hidden, output, widths):
    """compare().agree(1e-12) and our own reading of .grad both equal BP1-BP4 (eqs. 20-23)."""
    seed = zlib.crc32(f"{cost}-{hidden}-{output}".encode())  # fixed per case, unlike hash()
    model, x, y = make_case(cost, 3, widths, hidden, output, seed, live=True)
    report = compare(model, x, y, cost)
    assert report.agree(TOL), str(report)
    check_against_bp(model, x, y, cost)


@st.composite
def cases(draw):
    cost = draw(st.sampled_from(COST_NAMES))
    nin = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 4), max_size=3))
    nout = 1 if cost == "hinge" else draw(st.integers(1, 4))
    hidden_act = draw(st.sampled_from(ACTS))
    output_act = forced_output(cost, draw(st.sampled_from(ACTS)))
    seed = draw(st.integers(0, 2**32 - 1))
    return (*make_case(cost, nin, [*hidden, nout], hidden_act, output_act, seed), cost)


@given(case=cases())
def test_autodiff_equals_bp1_bp4_random_networks(case):
    """Random sizes (hidden width 1 included), activations, weights, inputs, targets: eqs. (20)-(23)."""
    model, x, y, cost = case
    assert compare(model, x, y, cost).agree(TOL)
    check_against_bp(model, x, y, cost)


@pytest.mark.parametrize("order", list(itertools.permutations(ACTS)), ids="-".join)
def test_every_layer_its_own_activation(order):
    """Layers built with Layer(..., activation=...) and mixed freely still give BP1-BP4 (eqs. 20-23)."""
    rng = random.Random("-".join(order))
    model = nn.MLP(2, [3, 2, 3, 2], seed=1)
    sizes = [2, 3, 2, 3, 2]
    model.layers = [nn.Layer(sizes[i], sizes[i + 1], activation=act, rng=rng) for i, act in enumerate(order)]
    assert model.activations == list(order)
    for _ in range(100):
        randomise(model, rng)
        x, y = [rng.uniform(-2, 2) for _ in range(2)], [rng.uniform(-1, 1) for _ in range(2)]
        weights, biases = model.weights_and_biases()
        if not kinked(backprop(weights, biases, x, y, model.activations), model.activations, y, "quadratic"):
            break
    assert compare(model, x, y).agree(TOL)
    check_against_bp(model, x, y, "quadratic")


def test_agree_is_not_vacuous():
    """A perturbation of 1e-9 in one delta makes agree(1e-12) false, so the tests above can fail."""
    model, x, y = make_case("quadratic", 2, [3, 2], "tanh", "sigmoid", seed=4, live=True)
    report = compare(model, x, y)
    assert report.agree(TOL)
    report.layers[0].delta_autodiff[0] += 1e-9
    assert not report.agree(TOL)
    assert report.max_abs_diff >= 1e-9


def test_str_of_compare_is_a_readable_table():
    """One header per layer naming BP1 (eq. 20) or BP2 (eq. 21), BP3/BP4 (eqs. 22-23), the largest diff."""
    model, x, y = make_case("quadratic", 2, [3, 1, 2], "tanh", "sigmoid", seed=9, live=True)
    report = compare(model, x, y)
    text = str(report)
    lines = text.splitlines()
    assert "quadratic" in lines[0]
    headers = [ln for ln in lines if ln.startswith("layer l = ")]
    assert len(headers) == len(model.layers)
    for l, header in enumerate(headers):
        assert f"l = {l + 2}" in header, header  # the note numbers layers from 1 (the input)
        assert f"model.layers[{l}]" in header
        assert model.activations[l] in header
    delta_heads = [ln for ln in lines if "delta: z.grad" in ln]
    assert len(delta_heads) == len(model.layers)
    assert all("BP2 (eq. 21)" in ln for ln in delta_heads[:-1])
    assert "BP1 (eq. 20)" in delta_heads[-1]
    bp34 = [ln for ln in lines if "BP3 (eq. 22)" in ln and "BP4 (eq. 23)" in ln]
    assert len(bp34) == len(model.layers)
    assert f"largest |diff| {report.max_abs_diff:.1e}" in lines[-1]
    # one row per neuron: j, autodiff delta, closed-form delta
    for layer in model.layers:
        for z in layer.z:
            assert f"{z.grad:.15e}" in text


# ---------------------------------------------------------------------------
# loss: eq. (4) plus L2; its gradient is eqs. (8)-(9) plus 2·l2·p


def batch(rng, cost, nin, nout, n):
    xs = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    ys = [random_target(rng, cost, nout) for _ in range(n)]
    return xs, ys


@pytest.mark.parametrize("l2", [0.0, 1e-3, 0.25])
@pytest.mark.parametrize("cost", COST_NAMES)
def test_loss_gradient_is_mean_of_bp_plus_l2(cost, l2):
    """C = (1/n) Σ_x C_x (eq. 4) + l2 Σ p²; ∂C/∂p = (1/n) Σ_x ∂C_x/∂p (eqs. 8-9) + 2 l2 p, to 1e-12."""
    rng = random.Random(f"{cost}{l2}")
    nout = 1 if cost == "hinge" else 3
    model = nn.MLP(3, [4, nout], "tanh", forced_output(cost, "tanh"), seed=3)
    randomise(model, rng)
    xs, ys = batch(rng, cost, 3, nout, 6)
    total = nn.loss(model, xs, ys, cost, l2)
    model.zero_grad()
    total.backward()
    weights, biases = model.weights_and_biases()
    bb = backprop_batch(weights, biases, xs, ys, model.activations, cost)
    squares = sum(p.data**2 for p in model.parameters())
    assert close(total.data, bb.cost + l2 * squares, TOL)
    checked = 0
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            b = neuron.b
            assert close(b.grad, bb.grad_b[l][j] + 2 * l2 * b.data, TOL), (l, j)
            for k, w in enumerate(neuron.w):
                assert close(w.grad, bb.grad_w[l][j][k] + 2 * l2 * w.data, TOL), (l, j, k)
                checked += 1
    assert checked == 3 * 4 + 4 * nout


def test_loss_gradient_against_central_differences():
    """The whole gradient of (eq. 4) + L2, against central differences on every parameter."""
    rng = random.Random(11)
    model = nn.MLP(2, [3, 2], "tanh", "sigmoid", seed=11)
    randomise(model, rng)
    xs, ys = batch(rng, "cross_entropy", 2, 2, 4)
    params = model.parameters()

    def f(*values):
        for p, v in zip(params, values):
            p.data = v
        return nn.loss(model, xs, ys, "cross_entropy", 0.05).data

    start = [p.data for p in params]
    numeric = central_differences(f, start)
    f(*start)
    model.zero_grad()
    nn.loss(model, xs, ys, "cross_entropy", 0.05).backward()
    for i, (p, g) in enumerate(zip(params, numeric)):
        assert close(p.grad, g, 1e-7), (i, p.grad, g)


def test_loss_rejects_mismatched_or_empty_batches():
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="targets"):
        nn.loss(model, [[1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(ValueError):
        nn.loss(model, [], [])


# ---------------------------------------------------------------------------
# micrograd parity


def micrograd_demo_loss(model, xs, ys, value, alpha):
    """micrograd's demo.ipynb loss: mean of max(0, 1 - y·score) + alpha Σ p², with Value inputs."""
    with collector_paused():  # micrograd's nodes hold closures: reference cycles the collector chases
        return _micrograd_demo_loss(model, xs, ys, value, alpha)


def _micrograd_demo_loss(model, xs, ys, value, alpha):
    inputs = [[value(v) for v in x] for x in xs]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + alpha * sum(p * p for p in model.parameters())


def moons_like(rng, n):
    xs = [[rng.uniform(-2, 2), rng.uniform(-1.5, 1.5)] for _ in range(n)]
    ys = [1.0 if x[1] > math.sin(x[0]) else -1.0 for x in xs]
    return xs, ys


@pytest.fixture
def global_random_restored():
    state = random.getstate()
    yield
    random.setstate(state)


@pytest.mark.usefixtures("global_random_restored")
@pytest.mark.parametrize("s", [0, 1337])
def test_micrograd_parity_on_its_demo(s):
    """Same seed: bit-identical parameters (same order), outputs and hinge+L2 loss; gradients to 1e-12."""
    random.seed(s)
    mg = micrograd.nn.MLP(2, [16, 16, 1])
    random.seed(s)
    al = nn.MLP(2, [16, 16, 1])

    # the same parameters in the same order: each neuron's weights then bias; neurons; layers
    assert len(al.parameters()) == len(mg.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    for lm, la in zip(mg.layers, al.layers, strict=True):
        for nm, na in zip(lm.neurons, la.neurons, strict=True):
            assert [w.data for w in na.w] == [w.data for w in nm.w]
            assert na.b.data == nm.b.data == 0
    assert [p.data for p in al.parameters()] == [float(p.data) for p in mg.parameters()]
    assert [la.activation for la in al.layers] == ["relu", "relu", "linear"]
    assert [n.nonlin for la in al.layers for n in la.neurons[:1]] == [
        n.nonlin for lm in mg.layers for n in lm.neurons[:1]
    ]

    xs, ys = moons_like(random.Random(s), 20)
    with collector_paused():
        assert [al(x).data for x in xs] == [mg(x).data for x in xs]

    # The loss is bit-identical; the gradients agree to rounding only: a parameter's .grad is a sum
    # over many paths, and micrograd adds them in the order of its set-based topological sort, which
    # changes from run to run (its last bits do), so no fixed order could match it bit for bit.
    mg_loss = micrograd_demo_loss(mg, xs, ys, micrograd.engine.Value, 1e-4)
    al_loss = nn.loss(al, xs, ys, "hinge", l2=1e-4)
    assert al_loss.data == mg_loss.data
    for _ in range(2):  # a couple of the demo's SGD steps, in lockstep
        assert close(al_loss.data, mg_loss.data, TOL)
        mg.zero_grad()
        mg_loss.backward()
        al.zero_grad()
        al_loss.backward()
        assert any(p.grad != 0 for p in al.parameters())
        for p, q in zip(al.parameters(), mg.parameters()):
            assert close(p.grad, q.grad, TOL), (p.grad, q.grad)
        for p in mg.parameters():
            p.data -= 0.1 * p.grad
        nn.SGD(al.parameters(), lr=0.1).step()
        for p, q in zip(al.parameters(), mg.parameters()):
            assert close(p.data, q.data, TOL)
        mg_loss = micrograd_demo_loss(mg, xs, ys, micrograd.engine.Value, 1e-4)
        al_loss = nn.loss(al, xs, ys, "hinge", l2=1e-4)
    with collector_paused():
        mg_accuracy = sum((y > 0) == (mg(x).data > 0) for x, y in zip(xs, ys)) / len(xs)
    assert nn.accuracy(al, xs, ys) == mg_accuracy


@pytest.mark.usefixtures("global_random_restored")
def test_micrograd_neuron_and_layer_signatures():
    """Neuron(nin, nonlin=...), Layer(nin, nout, nonlin=...): micrograd's signatures, weights and reprs."""
    random.seed(5)
    mg_neuron, mg_layer = micrograd.nn.Neuron(3, nonlin=False), micrograd.nn.Layer(3, 2, nonlin=True)
    random.seed(5)
    neuron, layer = nn.Neuron(3, nonlin=False), nn.Layer(3, 2, nonlin=True)
    assert [w.data for w in neuron.w] == [w.data for w in mg_neuron.w]
    assert [p.data for p in layer.parameters()] == [p.data for p in mg_layer.parameters()]
    assert repr(neuron) == repr(mg_neuron) == "LinearNeuron(3)"
    assert [repr(n) for n in layer.neurons] == [repr(n) for n in mg_layer.neurons] == ["ReLUNeuron(3)"] * 2
    assert neuron.nonlin is False and layer.neurons[0].nonlin is True
    x = [0.5, -1.5, 2.0]
    assert neuron(x).data == mg_neuron(x).data
    assert [a.data for a in layer(x)] == [a.data for a in mg_layer(x)]
    # eq. (2) written out: z = Σ_k w_k x_k + b
    assert close(neuron(x).data, sum(w.data * xk for w, xk in zip(neuron.w, x)) + neuron.b.data, TOL)
    assert neuron.parameters() == [*neuron.w, neuron.b]


def test_call_conventions_attributes_and_reprs():
    """model(x) is a Value for one output and a list otherwise; .w .b .neurons .layers exist."""
    one, many = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 2], seed=0)
    assert isinstance(one([1.0, 2.0]), Value)
    out = many([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(o, Value) for o in out)
    assert isinstance(nn.Layer(2, 1)([1.0, 2.0]), Value)
    assert isinstance(nn.Layer(2, 3)([1.0, 2.0]), list)
    assert isinstance(one.forward([1.0, 2.0]), list)  # forward is always a list
    neuron = one.layers[0].neurons[0]
    assert len(neuron.w) == 2 and isinstance(neuron.b, Value) and len(one.layers[0].neurons) == 3
    assert len(one.layers) == 2
    assert one.parameters() == [p for layer in one.layers for n in layer.neurons for p in [*n.w, n.b]]

    model = nn.MLP(3, [4, 2], "tanh", "sigmoid", seed=0)
    text = repr(model)
    for part in ("3", "[4, 2]", "tanh", "sigmoid", str(3 * 4 + 4 + 4 * 2 + 2)):
        assert part in text, (part, text)
    assert "3" in repr(model.layers[0]) and "4" in repr(model.layers[0]) and "tanh" in repr(model.layers[0])
    assert repr(model.layers[1].neurons[0]) == "SigmoidNeuron(4)"
    assert repr(model.layers[0].neurons[0]) == "TanhNeuron(3)"


def test_hidden_layers_of_width_one():
    """Width-1 hidden layers work here (micrograd's Layer returns a bare Value and the next layer fails)."""
    random.seed(0)
    with pytest.raises(TypeError):
        micrograd.nn.MLP(2, [1, 1])([1.0, 2.0])
    model, x, y = make_case("quadratic", 2, [1, 1, 1, 2], "tanh", "linear", seed=2, live=True)
    assert len(model(x)) == 2
    assert compare(model, x, y).agree(TOL)
    check_against_bp(model, x, y, "quadratic")


# ---------------------------------------------------------------------------
# seed, init, and names


def test_seed_is_reproducible_and_leaves_global_random_alone():
    state = random.getstate()
    a = nn.MLP(3, [4, 2], seed=7)
    b = nn.MLP(3, [4, 2], seed=7, init="he")
    c = nn.MLP(3, [4, 2], seed=7, init="xavier")
    assert random.getstate() == state
    def data(model):
        return [p.data for p in model.parameters()]

    assert data(a) == data(nn.MLP(3, [4, 2], seed=7))
    assert data(b) == data(nn.MLP(3, [4, 2], seed=7, init="he"))
    assert data(c) != data(a)
    assert data(nn.MLP(3, [4, 2], seed=8)) != data(a)
    assert data(nn.MLP(3, [4, 2], seed=0)) == data(nn.MLP(3, [4, 2], seed=0))  # 0 is a seed, not "none"


def weights_of(layer):
    return [w.data for n in layer.neurons for w in n.w]


def moments(ws):
    mean = sum(ws) / len(ws)
    return mean, math.sqrt(sum((w - mean) ** 2 for w in ws) / len(ws))


def test_init_scales():
    """uniform: U(-1, 1); xavier: U(±sqrt(6/(nin+nout))) per layer; he: N(0, 2/nin) per layer; b = 0."""
    uniform = nn.MLP(50, [40], seed=1)
    ws = weights_of(uniform.layers[0])
    assert all(-1 <= w <= 1 for w in ws) and max(map(abs, ws)) > 0.95
    assert abs(moments(ws)[1] - 1 / math.sqrt(3)) < 0.05 / math.sqrt(3)

    xavier = nn.MLP(200, [100, 10], seed=1, init="xavier")
    for layer, (nin, nout) in zip(xavier.layers, [(200, 100), (100, 10)]):
        bound = math.sqrt(6 / (nin + nout))
        ws = weights_of(layer)
        assert all(abs(w) <= bound for w in ws)
        assert max(map(abs, ws)) > 0.95 * bound
        mean, std = moments(ws)
        assert abs(mean) < 0.1 * bound
        assert abs(std - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3)  # variance of U(-c, c) is c²/3

    he = nn.MLP(200, [100, 10], seed=1, init="he")
    for layer, nin in zip(he.layers, [200, 100]):
        ws = weights_of(layer)
        mean, std = moments(ws)
        assert abs(mean) < 0.1 * math.sqrt(2 / nin)
        assert abs(std - math.sqrt(2 / nin)) < 0.1 * math.sqrt(2 / nin)
        assert max(map(abs, ws)) > 2.5 * math.sqrt(2 / nin)  # a Gaussian's tail, unlike a uniform
    for model in (uniform, xavier, he):
        assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


@pytest.mark.parametrize(
    ("make", "choices"),
    [
        (lambda: nn.MLP(2, [3], activation="softplus"), list(nn.ACTIVATIONS)),
        (lambda: nn.MLP(2, [3], output_activation="softmax"), list(nn.ACTIVATIONS)),
        (lambda: nn.Neuron(2, activation="gelu"), list(nn.ACTIVATIONS)),
        (lambda: nn.Layer(2, 2, activation="gelu"), list(nn.ACTIVATIONS)),
        (lambda: nn.MLP(2, [3], init="glorot"), ["uniform", "xavier", "he"]),
        (lambda: nn.MLP(2, [1], seed=0).sample_cost([1.0, 2.0], 1.0, "mse"), COST_NAMES),
        (lambda: nn.loss(nn.MLP(2, [1], seed=0), [[1.0, 2.0]], [1.0], "mse"), COST_NAMES),
        (lambda: nn.train(nn.MLP(2, [1], seed=0), [[1.0, 2.0]], [1.0], cost="mse"), COST_NAMES),
    ],
    ids=["activation", "output_activation", "neuron", "layer", "init", "sample_cost", "loss", "train"],
)
def test_unknown_names_raise_value_error_listing_choices(make, choices):
    with pytest.raises(ValueError) as info:
        make()
    for name in choices:
        assert name in str(info.value), (name, str(info.value))
    assert set(COST_NAMES) == set(nn.COSTS) and set(ACTS) == set(nn.ACTIVATIONS)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: nn.MLP(0, [1]), "positive"),
        (lambda: nn.MLP(2, []), "positive"),
        (lambda: nn.MLP(2, [3, 0]), "positive"),
        (lambda: nn.MLP(2, [1], seed=0)([1.0, 2.0, 3.0]), "expects 2 inputs"),
        (lambda: nn.MLP(2, [2], seed=0).sample_cost([1.0, 2.0], [1.0]), "target"),
        (lambda: nn.MLP(2, [2], seed=0).sample_cost([1.0, 2.0], [1.0, 0.0], "cross_entropy"), "sigmoid"),
        (lambda: nn.MLP(2, [2], "relu", "sigmoid", seed=0).sample_cost([1.0, 2.0], [1.0, 0.0],
                                                                        "softmax_cross_entropy"), "linear"),
        (lambda: nn.MLP(2, [2], seed=0).sample_cost([1.0, 2.0], [1.0, -1.0], "hinge"), "needs 1 output"),
    ],
)
def test_bad_sizes_and_mismatched_costs_raise_value_error(make, fragment):
    with pytest.raises(ValueError, match=fragment):
        make()


# ---------------------------------------------------------------------------
# save / load


def tricky_model():
    model = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=0)
    specials = [0.1 + 0.2, 1e-300, -0.0, 5e-324, 1.7976931348623157e308, -1 / 3, math.pi, 2.0**-1074 * 3]
    for p, v in zip(model.parameters(), specials):
        p.data = v
    return model


def test_save_load_round_trip_is_exact(tmp_path):
    """Every float comes back bit for bit (repr round-trips), -0.0's sign included."""
    source = tricky_model()
    path = tmp_path / "model.json"
    source.save(path)
    target = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=99)
    target.load(str(path))  # str paths work as well as Path
    for p, q in zip(source.parameters(), target.parameters(), strict=True):
        assert q.data.hex() == p.data.hex()
        assert type(q.data) is float
    assert math.copysign(1.0, target.parameters()[2].data) == -1.0
    assert target.parameters()[0].data == 0.1 + 0.2 != 0.3
    x = [0.3, -0.7]
    assert target(x).data == source(x).data


def write_document(path: Path, **changes):
    """A file written by save(), then with some top-level keys changed (None deletes)."""
    tricky_model().save(path)
    document = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            del document[key]
        else:
            document[key] = value
    path.write_text(json.dumps(document))


def good_parameters():
    return [p.data for p in tricky_model().parameters()]


def with_parameter(i, value):
    params = good_parameters()
    params[i] = value
    return params


CORRUPT_DOCUMENTS = {  # name: (changes to a good document, words the message must contain)
    "no format": ({"format": None}, ["format"]),
    "wrong format": ({"format": "torch.nn.Module"}, ["format"]),
    "wrong version": ({"version": 2}, ["version", "2"]),
    "no version": ({"version": None}, ["version"]),
    "wrong nin": ({"nin": 3}, ["nin", "3", "2"]),
    "wrong nouts": ({"nouts": [4, 1]}, ["nouts", "[4, 1]", "[3, 1]"]),
    "wrong activations": ({"activations": ["relu", "sigmoid"]}, ["activations", "relu"]),
    "too few parameters": ({"parameters": good_parameters()[:-1]}, ["expected 13 parameters", "12"]),
    "too many parameters": ({"parameters": [*good_parameters(), 1.0]}, ["expected 13 parameters", "14"]),
    "parameters not a list": ({"parameters": {"w": 1.0}}, ["expected 13 parameters", "dict"]),
    "string parameter": ({"parameters": with_parameter(4, "0.5")}, ["parameter 4", "'0.5'", "not a number"]),
    "null parameter": ({"parameters": with_parameter(0, None)}, ["parameter 0", "None", "not a number"]),
    "list parameter": ({"parameters": with_parameter(12, [1.0])}, ["parameter 12", "[1.0]", "not a number"]),
    "bool parameter": ({"parameters": with_parameter(3, True)}, ["parameter 3", "True", "not a number"]),
}


@pytest.mark.parametrize("name", list(CORRUPT_DOCUMENTS))
def test_load_rejects_corrupt_documents_and_changes_nothing(tmp_path, name):
    changes, words = CORRUPT_DOCUMENTS[name]
    path = tmp_path / "bad.json"
    write_document(path, **changes)
    model = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=5)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError) as info:
        model.load(path)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert str(path) in str(info.value)
    assert [p.data for p in model.parameters()] == before  # nothing half-loaded


def test_load_rejects_other_shapes(tmp_path):
    path = tmp_path / "m.json"
    nn.MLP(2, [3, 1], seed=0).save(path)
    for other, word in [(nn.MLP(3, [3, 1]), "nin"), (nn.MLP(2, [3, 2]), "nouts"),
                        (nn.MLP(2, [3, 1], "tanh"), "activations")]:
        with pytest.raises(ValueError, match=word):
            other.load(path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("hello, world", ["not a readable JSON"]),
        ('{"format": "autograd_lite.MLP", "version": 1, "nin": 2, "parame', ["not a readable JSON"]),
        ("", ["not a readable JSON"]),
        ("[1, 2, 3]", ["format"]),
        ("null", ["format"]),
        ('"autograd_lite.MLP"', ["format"]),
    ],
    ids=["not-json", "truncated", "empty", "list", "null", "string"],
)
def test_load_rejects_non_documents(tmp_path, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        nn.MLP(2, [3, 1]).load(path)
    for word in words:
        assert word in str(info.value)


def test_truncated_save_file_is_rejected(tmp_path):
    path = tmp_path / "m.json"
    tricky_model().save(path)
    text = path.read_text()
    for cut in (1, len(text) // 2, len(text) - 1):
        path.write_text(text[:cut])
        with pytest.raises(ValueError, match="not a readable JSON"):
            nn.MLP(2, [3, 1], "tanh", "sigmoid").load(path)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_load_rejects_non_finite_constants(tmp_path, constant):
    path = tmp_path / "m.json"
    tricky_model().save(path)
    params = ", ".join([constant, *map(repr, good_parameters()[1:])])
    document = json.loads(path.read_text())
    document["parameters"] = []
    text = json.dumps(document).replace('"parameters": []', f'"parameters": [{params}]')
    path.write_text(text)
    model = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=5)
    with pytest.raises(ValueError, match=constant.lstrip("-")):
        model.load(path)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_load_rejects_overflowing_float_literal(tmp_path):
    path = tmp_path / "m.json"
    tricky_model().save(path)
    text = path.read_text().replace("[0.30000000000000004,", "[1e400,")
    assert "1e400" in text
    path.write_text(text)
    model = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=5)
    with pytest.raises(ValueError):
        model.load(path)


def test_load_rejects_huge_integer(tmp_path):
    path = tmp_path / "m.json"
    write_document(path, parameters=with_parameter(0, 10**400))
    with pytest.raises(ValueError):
        nn.MLP(2, [3, 1], "tanh", "sigmoid").load(path)


class _Touch:
    """Unpickling this creates a file: the proof that a loader executed the payload."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("kind", ["python", "pickle-0", "pickle-5"])
def test_load_executes_nothing(tmp_path, kind):
    """Python source or a pickle payload just fails to parse as JSON; the payload never runs."""
    marker = tmp_path / "pwned"
    path = tmp_path / "model.json"
    if kind == "python":
        path.write_text(f"__import__('pathlib').Path({str(marker)!r}).touch()\n")
    else:
        path.write_bytes(pickle.dumps(_Touch(marker), protocol=int(kind[-1])))
        pickle.loads(path.read_bytes())  # the payload does work when unpickled...
        assert marker.exists()
        marker.unlink()
    with pytest.raises(ValueError, match="not a readable JSON"):
        nn.MLP(2, [3, 1]).load(path)
    assert not marker.exists()  # ...but load does not unpickle or exec


def test_load_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="not a readable JSON"):
        nn.MLP(2, [1]).load(tmp_path / "nowhere.json")


# ---------------------------------------------------------------------------
# Optimisers: eqs. (6)-(7) for SGD; momentum and Adam as published


def fresh_gradients(model, xs, ys):
    model.zero_grad()
    nn.loss(model, xs, ys, "quadratic").backward()


def picked(model):
    """A couple of parameters: a first-layer weight and the output bias."""
    return [model.layers[0].neurons[1].w[0], model.layers[-1].neurons[0].b]


@pytest.fixture
def problem():
    rng = random.Random(21)
    model = nn.MLP(2, [3, 1], "tanh", "linear", seed=21)
    randomise(model, rng)
    xs, ys = batch(rng, "quadratic", 2, 1, 5)
    return model, xs, ys


def test_sgd_step_is_eqs_6_7(problem):
    """w → w − η ∂C/∂w (eq. 6), b → b − η ∂C/∂b (eq. 7)."""
    model, xs, ys = problem
    opt = nn.SGD(model.parameters(), lr=0.3)
    fresh_gradients(model, xs, ys)
    before = [(p.data, p.grad) for p in picked(model)]
    assert all(g != 0 for _, g in before)
    opt.step()
    for p, (data, grad) in zip(picked(model), before):
        assert close(p.data, data - 0.3 * grad, 1e-15)
        assert p.grad == grad  # step leaves .grad alone
    opt.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_sgd_momentum_by_hand_and_against_torch(problem):
    """v → μv + ∂C/∂p, p → p − ηv, three steps, by hand on two parameters and by torch.optim.SGD on all."""
    torch = pytest.importorskip("torch")
    model, xs, ys = problem
    params = model.parameters()
    twins = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in params]
    opt = nn.SGD(params, lr=0.2, momentum=0.9)
    reference = torch.optim.SGD(twins, lr=0.2, momentum=0.9)
    velocity = [0.0, 0.0]
    for _ in range(3):
        fresh_gradients(model, xs, ys)
        expected = []
        for i, p in enumerate(picked(model)):
            velocity[i] = 0.9 * velocity[i] + p.grad
            expected.append(p.data - 0.2 * velocity[i])
        for p, t in zip(params, twins):
            t.grad = torch.tensor(p.grad, dtype=torch.float64)
        opt.step()
        reference.step()
        for p, e in zip(picked(model), expected):
            assert close(p.data, e, TOL)
        for p, t in zip(params, twins):
            assert close(p.data, t.item(), TOL)


def test_adam_by_hand_and_against_torch(problem):
    """Kingma & Ba (2015), Algorithm 1, three steps: by hand on two parameters, by torch.optim.Adam on all."""
    torch = pytest.importorskip("torch")
    model, xs, ys = problem
    params = model.parameters()
    twins = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in params]
    lr, b1, b2, eps = 0.05, 0.8, 0.99, 1e-6
    opt = nn.Adam(params, lr=lr, betas=(b1, b2), eps=eps)
    reference = torch.optim.Adam(twins, lr=lr, betas=(b1, b2), eps=eps)
    m, v = [0.0, 0.0], [0.0, 0.0]
    for t in range(1, 4):
        fresh_gradients(model, xs, ys)
        expected = []
        for i, p in enumerate(picked(model)):
            g = p.grad
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat, v_hat = m[i] / (1 - b1**t), v[i] / (1 - b2**t)
            expected.append(p.data - lr * m_hat / (math.sqrt(v_hat) + eps))
        for p, twin in zip(params, twins):
            twin.grad = torch.tensor(p.grad, dtype=torch.float64)
        opt.step()
        reference.step()
        for p, e in zip(picked(model), expected):
            assert close(p.data, e, TOL)
        for p, twin in zip(params, twins):
            assert close(p.data, twin.item(), TOL)


# ---------------------------------------------------------------------------
# train, accuracy, deepcopy


def separable(rng, n):
    xs, ys = [], []
    while len(xs) < n:
        x = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
        s = x[0] - 0.5 * x[1] + 0.1
        if abs(s) > 0.15:  # a margin around the separating line
            xs.append(x)
            ys.append(1.0 if s > 0 else -1.0)
    return xs, ys


def test_train_reduces_the_loss_and_records_history():
    rng = random.Random(8)
    xs, ys = separable(rng, 40)
    vxs, vys = separable(rng, 20)
    model = nn.MLP(2, [6, 1], seed=8)
    before = nn.loss(model, xs, ys, "hinge").data
    history = nn.train(model, xs, ys, cost="hinge", epochs=12, batch_size=8, lr=0.1, seed=1,
                       validation=(vxs, vys))
    after = nn.loss(model, xs, ys, "hinge").data
    assert [r["epoch"] for r in history] == list(range(1, 13))
    assert all({"epoch", "loss", "accuracy", "validation_accuracy"} <= set(r) for r in history)
    assert after < 0.5 * before
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["accuracy"] == nn.accuracy(model, xs, ys) >= 0.9
    assert history[-1]["validation_accuracy"] == nn.accuracy(model, vxs, vys) >= 0.85
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in history)

    plain = nn.train(nn.MLP(2, [6, 1], seed=8), xs, ys, cost="hinge", epochs=2, batch_size=8, lr=0.1, seed=1)
    assert "validation_accuracy" not in plain[0]
    # seeded: the same run as the first two epochs above
    assert plain == [{k: r[k] for k in ("epoch", "loss", "accuracy")} for r in history[:2]]


@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_one_full_batch_epoch_is_eqs_8_9(l2):
    """batch_size = n, SGD: one step p → p − (η/n) Σ_x ∂C_x/∂p (eqs. 8-9), plus the L2 term's 2·l2·p."""
    rng = random.Random(13)
    model = nn.MLP(3, [4, 2], "sigmoid", "sigmoid", seed=13)
    randomise(model, rng)
    xs, ys = batch(rng, "quadratic", 3, 2, 7)
    weights, biases = model.weights_and_biases()
    bb = backprop_batch(weights, biases, xs, ys, model.activations, "quadratic")
    before = [p.data for p in model.parameters()]
    history = nn.train(model, xs, ys, cost="quadratic", epochs=1, batch_size=len(xs), lr=0.5, l2=l2)
    assert close(history[0]["loss"], bb.cost + l2 * sum(p * p for p in before), TOL)
    grads = [g for lw, lb in zip(bb.grad_w, bb.grad_b) for row, gb in zip(lw, lb) for g in [*row, gb]]
    for p, p0, g in zip(model.parameters(), before, grads, strict=True):
        assert close(p.data, p0 - 0.5 * (g + 2 * l2 * p0), TOL)


def test_train_with_adam_reduces_the_loss():
    xs, ys = separable(random.Random(4), 30)
    model = nn.MLP(2, [5, 1], "tanh", "sigmoid", seed=4)
    targets = [(y + 1) / 2 for y in ys]
    before = nn.loss(model, xs, targets, "cross_entropy").data
    history = nn.train(model, xs, targets, cost="cross_entropy", epochs=10, batch_size=10,
                       optimizer=nn.Adam(model.parameters(), lr=0.05))
    assert nn.loss(model, xs, targets, "cross_entropy").data < 0.7 * before
    assert history[-1]["accuracy"] >= 0.9


def test_accuracy_on_signs_and_one_hot():
    """One output: sign against y = ±1 (threshold 0.5 for a sigmoid output and 0/1 targets);
    several: argmax against the argmax of the one-hot y."""
    rng = random.Random(6)
    signs = nn.MLP(1, [1], seed=0)
    signs.layers[0].neurons[0].w[0].data, signs.layers[0].neurons[0].b.data = 1.0, 0.0  # output = x
    xs = [[rng.uniform(-1, 1)] for _ in range(50)]
    ys = [rng.choice([-1.0, 1.0]) for _ in range(50)]
    assert nn.accuracy(signs, xs, ys) == sum((x[0] > 0) == (y > 0) for x, y in zip(xs, ys)) / 50
    assert nn.accuracy(signs, xs, [[y] for y in ys]) == nn.accuracy(signs, xs, ys)
    assert nn.accuracy(signs, xs, [1.0 if x[0] > 0 else -1.0 for x in xs]) == 1.0

    prob = nn.MLP(1, [1], "relu", "sigmoid", seed=0)
    prob.layers[0].neurons[0].w[0].data, prob.layers[0].neurons[0].b.data = 1.0, 0.0  # output = σ(x)
    zero_one = [(y + 1) / 2 for y in ys]
    assert nn.accuracy(prob, xs, zero_one) == nn.accuracy(signs, xs, ys)

    identity = nn.MLP(3, [3], seed=0)  # output = x
    for j, neuron in enumerate(identity.layers[0].neurons):
        for k, w in enumerate(neuron.w):
            w.data = 1.0 if j == k else 0.0
    xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(60)]
    ys = [[1.0 if j == k else 0.0 for j in range(3)] for k in (rng.randrange(3) for _ in range(60))]
    expected = sum(x.index(max(x)) == y.index(1.0) for x, y in zip(xs, ys)) / 60
    assert 0 < expected < 1
    assert nn.accuracy(identity, xs, ys) == expected


def test_deepcopy_is_independent():
    model = nn.MLP(3, [4, 2], "tanh", "sigmoid", seed=2)
    x = [0.1, -0.4, 0.9]
    model(x)  # leave a graph in layer.z / layer.a
    twin = copy.deepcopy(model)
    assert [o.data for o in twin(x)] == [o.data for o in model(x)]
    assert twin.activations == model.activations
    assert not set(map(id, twin.parameters())) & set(map(id, model.parameters()))
    twin.layers[0].neurons[0].w[0].data += 1.0
    assert [o.data for o in twin(x)] != [o.data for o in model(x)]
    original = nn.MLP(3, [4, 2], "tanh", "sigmoid", seed=2)
    assert [p.data for p in model.parameters()] == [p.data for p in original.parameters()]
    model.zero_grad()
    nn.loss(model, [x], [[0.0, 1.0]]).backward()
    assert all(p.grad == 0 for p in twin.parameters())


# ---------------------------------------------------------------------------
# Problems found by these tests, now fixed


def test_softmax_cross_entropy_all_zero_target():
    model, x, _ = make_case("softmax_cross_entropy", 2, [3, 3], "tanh", "linear", seed=1)
    assert compare(model, x, [0.0, 0.0, 0.0], "softmax_cross_entropy").agree(TOL)


@pytest.mark.parametrize(("cost", "needs", "wrong"), [("cross_entropy", "sigmoid", "linear"),
                                                      ("softmax_cross_entropy", "linear", "sigmoid")])
def test_a_cost_refuses_the_wrong_output_activation(cost, needs, wrong):
    model = nn.MLP(2, [3], output_activation=wrong, seed=0)
    with pytest.raises(ValueError, match=f"the {cost} cost needs output_activation='{needs}'; "
                                         f"this model's output layer is '{wrong}'"):
        model.sample_cost([0.1, 0.2], [1.0, 0.0, 0.0], cost)


# ---------------------------------------------------------------------------
# L1 regularisation and Trainer (batch steps), for the playground


def _sign(v: float) -> float:
    return (v > 0) - (v < 0)


@pytest.mark.parametrize("l1", [1e-3, 0.2])
def test_l1_gradient_is_mean_of_bp_plus_l1_sign(l1):
    """C = (1/n) Σ_x C_x + l1 Σ |p|: ∂C/∂p = (1/n) Σ_x ∂C_x/∂p (BP3-BP4, eqs. 8-9) + l1 sign(p), to 1e-12."""
    rng = random.Random(f"l1{l1}")
    model = nn.MLP(3, [4, 1], "tanh", "tanh", seed=5)
    randomise(model, rng)
    xs, ys = batch(rng, "quadratic", 3, 1, 6)
    total = nn.loss(model, xs, ys, "quadratic", l1=l1)
    model.zero_grad()
    total.backward()
    weights, biases = model.weights_and_biases()
    bb = backprop_batch(weights, biases, xs, ys, model.activations, "quadratic")
    assert close(total.data, bb.cost + l1 * sum(abs(p.data) for p in model.parameters()), TOL)
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            assert close(neuron.b.grad, bb.grad_b[l][j] + l1 * _sign(neuron.b.data), TOL)
            for k, w in enumerate(neuron.w):
                assert close(w.grad, bb.grad_w[l][j][k] + l1 * _sign(w.data), TOL), (l, j, k)


def test_l1_and_l2_loss_gradient_against_central_differences():
    rng = random.Random(12)
    model = nn.MLP(2, [3, 1], "sigmoid", "linear", seed=12)
    randomise(model, rng)
    xs, ys = batch(rng, "quadratic", 2, 1, 5)
    params = model.parameters()

    def f(*values):
        for p, v in zip(params, values):
            p.data = v
        return nn.loss(model, xs, ys, "quadratic", l2=0.03, l1=0.07).data

    start = [p.data for p in params]
    numeric = central_differences(f, start)
    f(*start)
    model.zero_grad()
    nn.loss(model, xs, ys, "quadratic", l2=0.03, l1=0.07).backward()
    for i, (p, g) in enumerate(zip(params, numeric)):
        assert close(p.grad, g, 1e-7), (i, p.grad, g)


def test_trainer_steps_are_train_epochs_bit_for_bit():
    rng = random.Random(21)
    xs, ys = separable(rng, 23)  # 23 samples, batches of 5: the fifth batch of each epoch has 3
    by_train = nn.MLP(2, [4, 1], "tanh", "tanh", seed=2)
    history = nn.train(by_train, xs, ys, cost="quadratic", epochs=3, batch_size=5, lr=0.2, l1=0.01, seed=9)
    by_steps = nn.MLP(2, [4, 1], "tanh", "tanh", seed=2)
    trainer = nn.Trainer(by_steps, xs, ys, cost="quadratic", batch_size=5, lr=0.2, l1=0.01, seed=9)
    assert trainer.batches_per_epoch == 5
    losses = trainer.run(7) + trainer.run(8)  # stopping inside an epoch changes nothing
    assert [p.data for p in by_steps.parameters()] == [p.data for p in by_train.parameters()]
    assert [sum(losses[i:i + 5]) / 5 for i in (0, 5, 10)] == [r["loss"] for r in history]
    assert (trainer.steps, trainer.epochs) == (15, 3)
    assert len(trainer.last_batch) == 3  # the short last batch of the third epoch


def test_trainer_on_the_tape_is_eager_bit_for_bit_as_the_rates_change():
    rng = random.Random(22)
    xs, ys = separable(rng, 30)
    runs = []
    for tape in (False, True):
        model = nn.MLP(2, [5, 3, 1], "relu", "tanh", seed=4)
        trainer = nn.Trainer(model, xs, ys, batch_size=7, lr=0.1, seed=3, tape=tape)
        losses = trainer.run(6)
        trainer.l1 = 0.02  # a new rate: a new tape is recorded
        trainer.optimizer.lr = 0.3
        losses += trainer.run(6)
        trainer.l1, trainer.l2 = 0.0, 0.05
        losses += trainer.run(6)
        runs.append((losses, [p.data for p in model.parameters()], trainer.last_batch))
    assert runs[0] == runs[1]
    assert runs[0][1] != [p.data for p in nn.MLP(2, [5, 3, 1], "relu", "tanh", seed=4).parameters()]


def test_trainer_keeps_a_bounded_number_of_tapes_and_stays_eager_bit_for_bit():
    rng = random.Random(23)
    xs, ys = separable(rng, 12)
    runs = []
    for tape in (False, True):
        model = nn.MLP(2, [3, 1], "tanh", "tanh", seed=5)
        trainer = nn.Trainer(model, xs, ys, batch_size=5, lr=0.1, seed=2, tape=tape)
        losses = []
        for k in range(30):  # a rate slider moved freely: 30 rates, 2 batch sizes
            trainer.l2 = 0.001 * (k % 15)
            losses += trainer.run(2)
        if tape:
            kept = trainer._taped.tapes
            assert len(kept) == nn._TapedBatches.MAX_TAPES
            assert (5, 0.001 * 14, 0.0) in kept  # the most recent rate is kept
        runs.append((losses, [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("bad", [{"batch_size": 0}, {"batch_size": 2.0}])
def test_trainer_refuses_bad_arguments(bad):
    with pytest.raises(ValueError, match="batch_size"):
        nn.Trainer(nn.MLP(2, [1], seed=0), [[1.0, 2.0]], [1.0], **bad)
    with pytest.raises(ValueError, match="targets"):
        nn.Trainer(nn.MLP(2, [1], seed=0), [], [])
    with pytest.raises(ValueError, match="steps"):
        nn.Trainer(nn.MLP(2, [1], seed=0), [[1.0, 2.0]], [1.0]).run(-1)
