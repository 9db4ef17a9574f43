"""Nielsen's networks: `MLP.from_nielsen`, `model.to_nielsen`, and the model's own cost.

The truth here is `NielsenNetwork`, written in this file in the conventions of
Nielsen's network.py / network2.py (sigmoid layers, column vectors,
`backprop(x, y) -> (nabla_b, nabla_w)`, `update_mini_batch` by eqs. 8-9 with
λ = 0, `save`/`load` of the JSON) but sharing no code with the package.
Equation numbers are those of docs/backprop.md.
"""

from __future__ import annotations

import json
import math
import pickle
import random
from itertools import pairwise
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")

from autograd_lite import nn  # noqa: E402
from autograd_lite.closed_form import compare  # noqa: E402

from .helpers import close  # noqa: E402

TOL = 1e-12


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class QuadraticCost:
    @staticmethod
    def fn(a, y):
        return 0.5 * float(np.sum((a - y) ** 2))         # eq. (5)

    @staticmethod
    def delta(z, a, y):
        return (a - y) * sigmoid(z) * (1 - sigmoid(z))    # BP1, eq. (24)


class CrossEntropyCost:
    @staticmethod
    def fn(a, y):
        return float(np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        return a - y                                      # BP1 for this cost: σ' cancels


class NielsenNetwork:
    """network2.Network's conventions: weights[l] (n_l, n_{l-1}), biases[l] (n_l, 1), columns."""

    def __init__(self, sizes, cost=CrossEntropyCost, seed=0):
        rng = np.random.default_rng(seed)
        self.sizes, self.cost = list(sizes), cost
        self.biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
        self.weights = [rng.standard_normal((n, m)) / np.sqrt(m) for m, n in pairwise(sizes)]

    def feedforward(self, a):
        for w, b in zip(self.weights, self.biases):
            a = sigmoid(w @ a + b)                        # eq. (3)
        return a

    def backprop(self, x, y):
        activation, activations, zs = x, [x], []
        for w, b in zip(self.weights, self.biases):
            z = w @ activation + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        delta = self.cost.delta(zs[-1], activations[-1], y)
        nabla_b[-1], nabla_w[-1] = delta, delta @ activations[-2].T      # eqs. (26)-(27)
        for l in range(2, len(self.sizes)):
            sp = sigmoid(zs[-l]) * (1 - sigmoid(zs[-l]))
            delta = (self.weights[-l + 1].T @ delta) * sp                  # eq. (25)
            nabla_b[-l], nabla_w[-l] = delta, delta @ activations[-l - 1].T
        return nabla_b, nabla_w

    def update_mini_batch(self, batch, eta):
        """One step of eqs. (8)-(9) with λ = 0."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in batch:
            db, dw = self.backprop(x, y)
            nabla_b = [nb + d for nb, d in zip(nabla_b, db)]
            nabla_w = [nw + d for nw, d in zip(nabla_w, dw)]
        self.weights = [w - (eta / len(batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def save(self, filename):
        data = {"sizes": self.sizes, "weights": [w.tolist() for w in self.weights],
                "biases": [b.tolist() for b in self.biases], "cost": self.cost.__name__}
        Path(filename).write_text(json.dumps(data))

    @staticmethod
    def load(filename):
        data = json.loads(Path(filename).read_text())
        net = NielsenNetwork(data["sizes"], {"QuadraticCost": QuadraticCost,
                                             "CrossEntropyCost": CrossEntropyCost}[data["cost"]])
        net.weights = [np.array(w) for w in data["weights"]]
        net.biases = [np.array(b) for b in data["biases"]]
        return net


class PlainNetwork:
    """network.py's Network: sizes, weights, biases, and no cost attribute (quadratic)."""

    def __init__(self, other):
        self.sizes, self.weights, self.biases = other.sizes, other.weights, other.biases
        self.num_layers = len(other.sizes)


COSTS = {"quadratic": QuadraticCost, "cross_entropy": CrossEntropyCost}


def samples(sizes, count, seed):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-2, 2, (sizes[0], 1)), rng.uniform(0, 1, (sizes[-1], 1))) for _ in range(count)]


def flat(column):
    return column.ravel().tolist()


def sources(net, tmp_path):
    path = tmp_path / "net.json"
    net.save(path)
    return {"file": path, "str path": str(path), "dict": json.loads(path.read_text()), "object": net}


@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("kind", ["file", "str path", "dict", "object"])
def test_outputs_and_per_sample_gradients_equal_nielsens(cost, kind, tmp_path):
    net = NielsenNetwork([3, 4, 2], COSTS[cost], seed=1)
    model = nn.MLP.from_nielsen(sources(net, tmp_path)[kind])
    assert model.cost == cost and model.activations == ["sigmoid", "sigmoid"]
    for x, y in samples(net.sizes, 3, seed=2):
        model.zero_grad()
        c_x = model.sample_cost(flat(x), flat(y))  # cost=None: the model's cost
        assert close(c_x.data, net.cost.fn(net.feedforward(x), y), TOL)
        assert all(close(o.data, e, TOL) for o, e in zip(model.layers[-1].a, flat(net.feedforward(x))))
        c_x.backward()
        nabla_b, nabla_w = net.backprop(x, y)
        for layer, nb, nw in zip(model.layers, nabla_b, nabla_w):
            for j, neuron in enumerate(layer.neurons):
                assert close(neuron.b.grad, nb[j, 0], TOL)
                assert all(close(w.grad, nw[j, k], TOL) for k, w in enumerate(neuron.w))


def test_network_py_object_without_a_cost_is_quadratic():
    net = NielsenNetwork([2, 3, 1], QuadraticCost, seed=3)
    model = nn.MLP.from_nielsen(PlainNetwork(net))
    assert model.cost == "quadratic"
    x = np.array([[0.3], [-0.7]])
    assert close(model(flat(x)).data, net.feedforward(x)[0, 0], TOL)


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_one_mini_batch_step_equals_nielsens_train_and_autodiff(cost, tmp_path):
    net = NielsenNetwork([3, 5, 2], COSTS[cost], seed=4)
    batch = samples(net.sizes, 6, seed=5)
    xs, ys = [flat(x) for x, _ in batch], [flat(y) for _, y in batch]
    eta = 0.7
    by_train = nn.MLP.from_nielsen(net)
    by_hand = nn.MLP.from_nielsen(net)
    net.update_mini_batch(batch, eta)
    # train: one epoch, the whole batch as one mini-batch, cost from the model
    nn.train(by_train, xs, ys, epochs=1, batch_size=len(xs), lr=eta)
    # autodiff by hand: C = (1/m) Σ_x C_x (eq. 4), backward, eqs. (8)-(9)
    by_hand.zero_grad()
    nn.loss(by_hand, xs, ys).backward()
    for p in by_hand.parameters():
        p.data -= eta * p.grad
    expected = nn.MLP.from_nielsen(net).parameters()
    for model in (by_train, by_hand):
        assert all(close(p.data, e.data, TOL) for p, e in zip(model.parameters(), expected))


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_to_nielsen_writes_network2s_format(cost, tmp_path):
    model = nn.MLP(3, [4, 2], "sigmoid", "sigmoid", seed=6, cost=cost)
    path = tmp_path / "ours.json"
    model.to_nielsen(path)
    document = json.loads(path.read_text())
    assert document["sizes"] == [3, 4, 2]
    assert document["cost"] == {"quadratic": "QuadraticCost", "cross_entropy": "CrossEntropyCost"}[cost]
    assert [np.array(b).shape for b in document["biases"]] == [(4, 1), (2, 1)]
    net = NielsenNetwork.load(path)
    x = np.array([[0.1], [-0.4], [0.9]])
    assert all(close(o.data, e, TOL) for o, e in zip(model(flat(x)), flat(net.feedforward(x))))
    again = nn.MLP.from_nielsen(path)
    assert again.cost == cost
    assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]  # exact


def test_to_nielsen_of_a_model_without_a_cost_writes_the_quadratic(tmp_path):
    model = nn.MLP(2, [1], "sigmoid", "sigmoid", seed=0)
    assert model.cost is None
    model.to_nielsen(tmp_path / "q.json")
    assert json.loads((tmp_path / "q.json").read_text())["cost"] == "QuadraticCost"


@pytest.mark.parametrize("model, words", [
    (nn.MLP(2, [3, 1], "relu", "sigmoid", seed=0), ["sigmoid", "layers[0]", "'relu'"]),
    (nn.MLP(2, [3, 1], "sigmoid", "linear", seed=0), ["layers[1]", "'linear'"]),
    (nn.MLP(2, [1], "sigmoid", "sigmoid", seed=0, cost="hinge"), ["QuadraticCost", "'hinge'"]),
])
def test_to_nielsen_refuses_what_nielsens_code_cannot_represent(model, words, tmp_path):
    with pytest.raises(ValueError, match="to_nielsen") as error:
        model.to_nielsen(tmp_path / "x.json")
    assert all(w in str(error.value) for w in words), str(error.value)
    assert not (tmp_path / "x.json").exists()


def good_document():
    return {"sizes": [2, 3, 1], "weights": [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [[0.7, 0.8, 0.9]]],
            "biases": [[[0.1], [0.2], [0.3]], [[0.4]]], "cost": "CrossEntropyCost"}


def changed(path, value):
    document = good_document()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize("document, words", [
    (changed(["cost"], "LogCost"), ["unknown cost", "LogCost"]),
    (changed(["cost"], None), ["unknown cost"]),
    (changed(["sizes"], [2]), ["sizes"]),
    (changed(["sizes"], [2, 0, 1]), ["sizes"]),
    (changed(["sizes"], [2, 3, 1.5]), ["sizes"]),
    (changed(["weights"], [[[0.1, 0.2]]]), ["weights", "2 layers", "found 1"]),
    (changed(["weights", 0], [[0.1, 0.2], [0.3, 0.4]]), ["weights[0]", "(3, 2)", "2 rows"]),
    (changed(["weights", 1, 0], [0.7, 0.8]), ["weights[1]", "(1, 3)", "row 0", "2 entries"]),
    (changed(["biases", 0], [0.1, 0.2, 0.3]), ["biases[0]", "(3, 1)", "row 0"]),
    (changed(["biases", 1], [[0.4, 0.5]]), ["biases[1]", "(1, 1)", "2 entries"]),
    (changed(["weights", 0, 1, 1], "0.4"), ["weights[0][1][1]", "not a number"]),
    (changed(["biases", 0, 2, 0], True), ["biases[0][2][0]", "not a number"]),
    (changed(["weights", 1, 0, 2], math.nan), ["weights[1][0][2]", "not a finite number"]),
    (changed(["weights", 1, 0, 2], math.inf), ["not a finite number"]),
])
def test_malformed_documents_are_clear_errors(document, words, tmp_path):
    with pytest.raises(ValueError) as error:
        nn.MLP.from_nielsen(document)
    assert all(w in str(error.value) for w in words), str(error.value)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))  # json writes NaN, which the reader must refuse too
    with pytest.raises(ValueError, match="from_nielsen"):
        nn.MLP.from_nielsen(path)


def test_the_fixture_document_is_valid():
    model = nn.MLP.from_nielsen(good_document())
    assert model.cost == "cross_entropy" and model.nouts == [3, 1]


class Boom:
    def __reduce__(self):
        return (Path.touch, (Path("executed.txt"),))


@pytest.mark.parametrize("content", [
    pickle.dumps(Boom()),
    b"__import__('pathlib').Path('executed.txt').touch()",
    b"[1, 2",
    b"",
    b"[]",
])
def test_unreadable_files_execute_nothing(content, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "net.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="from_nielsen"):
        nn.MLP.from_nielsen(path)
    assert not (tmp_path / "executed.txt").exists()


@pytest.mark.parametrize("brackets", ["[", "{\"a\": "])
def test_deeply_nested_json_is_a_value_error_naming_the_file(brackets, tmp_path):
    # json's decoder recurses once per level: 100,000 levels exhaust the stack (a RecursionError)
    path = tmp_path / "deep.json"
    path.write_text(brackets * 100_000)
    for read, name in ((nn.MLP.from_nielsen, "from_nielsen"), (nn.MLP(2, [1]).load, "load")):
        with pytest.raises(ValueError, match=rf"MLP\.{name}\('.*deep\.json'\): .*nested too deeply"):
            read(path)


def test_a_missing_file_and_a_wrong_source_type():
    with pytest.raises(ValueError, match="not a readable JSON file"):
        nn.MLP.from_nielsen("no such file.json")
    with pytest.raises(TypeError, match="from_nielsen takes"):
        nn.MLP.from_nielsen(42)


def test_from_nielsen_leaves_the_global_random_alone():
    random.seed(11)
    expected = random.random()
    random.seed(11)
    nn.MLP.from_nielsen(good_document())
    assert random.random() == expected


# --- the model's own cost: `cost=None` everywhere means it ---------------------


def cross_entropy_model():
    model = nn.MLP.from_nielsen(good_document())
    xs, ys = [[0.5, -1.0], [2.0, 0.3]], [[1.0], [0.2]]
    return model, xs, ys


def test_cost_none_means_the_models_cost():
    model, xs, ys = cross_entropy_model()
    assert nn.loss(model, xs, ys).data == nn.loss(model, xs, ys, "cross_entropy").data
    assert nn.loss(model, xs, ys).data != nn.loss(model, xs, ys, "quadratic").data
    report = compare(model, xs[0], ys[0], matrix=True)
    assert report.cost_name == "cross_entropy" and report.agree(TOL)
    model.cost = None
    assert nn.loss(model, xs, ys).data == nn.loss(model, xs, ys, "quadratic").data
    assert compare(model, xs[0], ys[0]).cost_name == "quadratic"


def test_train_uses_the_models_cost():
    (a, xs, ys), (b, _, _) = cross_entropy_model(), cross_entropy_model()
    nn.train(a, xs, ys, epochs=2, batch_size=1, lr=0.5)
    nn.train(b, xs, ys, epochs=2, batch_size=1, lr=0.5, cost="cross_entropy")
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_draw_network_uses_the_models_cost():
    from autograd_lite.viz import network_description, render_dot_text

    model, xs, ys = cross_entropy_model()
    dot = render_dot_text(network_description(model, xs[0], ys[0]))
    assert "C_x (cross_entropy)" in dot
    assert dot == render_dot_text(network_description(model, xs[0], ys[0], cost="cross_entropy"))


def test_an_unknown_or_unfitting_cost_on_the_model_is_refused():
    with pytest.raises(ValueError, match="unknown cost 'log'"):
        nn.MLP(2, [1], cost="log")
    with pytest.raises(ValueError, match="cross_entropy cost needs output_activation='sigmoid'"):
        nn.MLP(2, [1], cost="cross_entropy")


def test_the_hinge_cost_needs_one_output_wherever_a_cost_is_fitted(tmp_path):
    with pytest.raises(ValueError, match=r"hinge cost needs 1 output neuron\(s\); .* has 2"):
        nn.MLP(2, [3, 2], cost="hinge")
    two = nn.MLP(2, [3, 2], seed=1)
    with pytest.raises(ValueError, match=r"hinge cost needs 1 output neuron"):
        two.sample_cost([0.5, 1.0], [1.0, -1.0], "hinge")
    two.save(tmp_path / "two.json")
    document = json.loads((tmp_path / "two.json").read_text())
    document["cost"] = "hinge"
    (tmp_path / "two.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"two\.json.*hinge cost needs 1 output neuron"):
        two.load(tmp_path / "two.json")
    one = nn.MLP(2, [3, 1], seed=1, cost="hinge")  # one output is fine: max(0, 1 - y a)
    assert one.sample_cost([0.5, 1.0], [1.0]).data == max(0.0, 1.0 - one([0.5, 1.0]).data)


@pytest.mark.parametrize("cost", [["x"], 3, {"quadratic": 1}])
def test_a_cost_that_is_not_a_name_is_a_type_error_naming_mlp(cost):
    with pytest.raises(TypeError, match=r"MLP: cost must be a cost name \(str\) or None, got "
                                        + type(cost).__name__):
        nn.MLP(2, [1], cost=cost)


def test_load_takes_the_saved_cost_none_included_but_an_older_file_keeps_the_models(tmp_path):
    plain = nn.MLP(2, [3, 1], "sigmoid", "sigmoid", seed=1)   # no cost: the file records null
    plain.save(tmp_path / "plain.json")
    assert json.loads((tmp_path / "plain.json").read_text())["cost"] is None
    model, _, _ = cross_entropy_model()
    model.load(tmp_path / "plain.json")
    assert model.cost is None   # the file is the truth
    document = json.loads((tmp_path / "plain.json").read_text())
    del document["cost"]        # as written before costs were saved
    (tmp_path / "old.json").write_text(json.dumps(document))
    model.cost = "cross_entropy"
    model.load(tmp_path / "old.json")
    assert model.cost == "cross_entropy"  # the file says nothing: the model's cost stays
    assert [p.data for p in model.parameters()] == [p.data for p in plain.parameters()]


def test_a_dict_of_numpy_arrays_and_numpy_sizes_are_read():
    net = NielsenNetwork([2, 3, 1], QuadraticCost, seed=8)
    document = {"sizes": np.array(net.sizes), "weights": net.weights, "biases": net.biases,
                "cost": "QuadraticCost"}
    model = nn.MLP.from_nielsen(document)
    x = np.array([[0.2], [0.9]])
    assert close(model(flat(x)).data, net.feedforward(x)[0, 0], TOL)


def test_save_and_load_keep_the_cost(tmp_path):
    model, _, _ = cross_entropy_model()
    model.save(tmp_path / "m.json")
    other = nn.MLP(2, [3, 1], "sigmoid", "sigmoid", seed=1)
    assert other.cost is None
    other.load(tmp_path / "m.json")
    assert other.cost == "cross_entropy"
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]
    document = json.loads((tmp_path / "m.json").read_text())
    document["cost"] = "log"
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="unknown cost 'log'"):
        other.load(tmp_path / "m.json")
    document["cost"] = "softmax_cross_entropy"  # known, but this model's outputs are sigmoids
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"m\.json.*needs output_activation='linear'"):
        other.load(tmp_path / "m.json")
    assert other.cost == "cross_entropy"
