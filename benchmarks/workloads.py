"""One engine, one workload, in this process; prints one JSON object on stdout.

    python benchmarks/workloads.py --engine autograd_lite --workload w1 --repeats 10
    python benchmarks/workloads.py --engine micrograd --workload w2 --size 1000
    python benchmarks/workloads.py --engine autograd_lite --workload w3
    python benchmarks/workloads.py --engine autograd_lite --workload w1 --profile
    python benchmarks/workloads.py --engine autograd_lite --workload w5 --size 200 --repeats 1

`run.py` calls this script once per (engine, workload, round), so every engine
runs in a fresh interpreter of its own. The engines get the same numbers: the
moons data and the MLP weights come from seeded generators, and the code of
each workload is shared, written once against the engine's `Value` class.

The cyclic garbage collector is left as users have it (on).

Workloads:
  w1         one SGD step of micrograd's moons demo: MLP(2, [16, 16, 1]), 100 points,
             hinge loss + 1e-4 L2, backward, update; time per step.
  w1_helper  (autograd_lite) the same step by nn.train(epochs=1, batch_size=100) and
             by train's step (nn.loss, backward, SGD.step, collector paused).
  w1_tape    (autograd_lite) the same step replayed by a Tape recorded once.
  w2         a chain x = x * 1.0001 + 0.5 of --size links: build + backward.
  w3         tracemalloc bytes per op and per Value object of two graphs (the chain
             of --size links, and the graph of one w1 step), after build and after backward.
  w4         the balanced (pairwise) sum of relu(a_i * b_i + c_i) over --size triples:
             build + backward.
  w5         (autograd_lite) one epoch on the first --size samples of sklearn's digits,
             MLP(64, [32, 10]) sigmoid, batches of 10: eager against a Tape of one batch.
  w6         one microgpt training step: the gpt demo's model (demos/_gpt_model.py: token and
             position embeddings, RMSNorm, 4-head causal attention over a KV cache, an MLP
             block, residuals; width 16) on one name of --size positions: build, backward.
             lean (benchmarks/lean_engine.py, microgpt's design) runs microgpt's code (softmax
             from exp / sum / division); autograd_lite runs the demo's code (its softmax ops,
             scopes), microgpt's code unchanged, and the tape of the demo's --fast graph.
             Also the bytes a step's graph holds after build, per node (micrograd has no exp
             or log).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import io
import json
import math
import pstats
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

ENGINES = ("autograd_lite", "micrograd", "torch", "lean")
WORKLOADS = ("w1", "w1_helper", "w1_tape", "w2", "w3", "w4", "w5", "w6")
DEFAULT_SIZES = {"w2": 50_000, "w3": 50_000, "w4": 100_000, "w5": 500, "w6": 9}
SEED = 1337  # micrograd's demo notebook seeds with 1337 too
N_POINTS = 100
LAYERS = (16, 16, 1)
ALPHA = 1e-4  # the L2 weight of the demo


# ---------------------------------------------------------------------------
# Engines: a Value constructor plus the three lines of a training loop that
# differ for torch tensors (zero the grads, SGD update, read a float).

@dataclass(frozen=True)
class Engine:
    """What a workload needs of an autodiff engine."""

    name: str
    version: str
    Value: Callable[[float], Any]  # the engine's class, named as users know it
    zero_grad: Callable[[Sequence[Any]], None]
    sgd: Callable[[Sequence[Any], float], None]
    item: Callable[[Any], float]
    grad: Callable[[Any], float]


def _zero_grad(params: Sequence[Any]) -> None:
    for p in params:
        p.grad = 0.0


def _sgd(params: Sequence[Any], learning_rate: float) -> None:
    for p in params:
        p.data -= learning_rate * p.grad


def load_engine(name: str) -> Engine:
    """Import one engine (only this one: each engine runs in its own process)."""
    if name == "autograd_lite":
        import autograd_lite

        return Engine(name, autograd_lite.__version__, autograd_lite.Value,
                      _zero_grad, _sgd, lambda v: v.data, lambda v: v.grad)
    if name == "micrograd":
        from micrograd.engine import Value

        return Engine(name, metadata.version("micrograd"), Value,
                      _zero_grad, _sgd, lambda v: v.data, lambda v: v.grad)
    if name == "torch":
        return _torch_engine()
    if name == "lean":
        try:
            from benchmarks.lean_engine import LeanValue
        except ImportError:  # run as a script: benchmarks/ is on sys.path
            from lean_engine import LeanValue  # type: ignore[no-redef]

        return Engine(name, "microgpt's design", LeanValue, _zero_grad, _sgd,
                      lambda v: v.data, lambda v: v.grad)
    raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")


def _torch_engine() -> Engine:
    import torch

    def value(x: float) -> Any:
        """A 0-d float64 tensor that requires grad: torch's scalar Value."""
        return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)

    def zero_grad(params: Sequence[Any]) -> None:
        for p in params:
            p.grad = None

    def sgd(params: Sequence[Any], learning_rate: float) -> None:
        with torch.no_grad():
            for p in params:
                p.sub_(learning_rate * p.grad)

    return Engine("torch", torch.__version__, value, zero_grad, sgd,
                  lambda v: v.item(), lambda v: v.grad.item())


# ---------------------------------------------------------------------------
# W1: micrograd's moons demo.

def moons(n_samples: int = N_POINTS, seed: int = SEED) -> tuple[list[list[float]], list[float], str]:
    """(points, labels, source): two interleaved half circles, labels -1/+1, as Python floats.

    scikit-learn's make_moons(noise=0.1) when it is importable, else the same
    construction with a seeded `random.Random` (then the points differ from
    sklearn's, but every engine still gets the same ones).
    """
    try:
        from sklearn.datasets import make_moons
    except ImportError:
        rng = random.Random(seed)
        n_out = n_samples // 2
        n_in = n_samples - n_out
        xs = [[math.cos(math.pi * i / (n_out - 1)), math.sin(math.pi * i / (n_out - 1))]
              for i in range(n_out)]
        xs += [[1 - math.cos(math.pi * i / (n_in - 1)), 0.5 - math.sin(math.pi * i / (n_in - 1))]
               for i in range(n_in)]
        points = [[a + rng.gauss(0.0, 0.1), b + rng.gauss(0.0, 0.1)] for a, b in xs]
        labels = [-1.0] * n_out + [1.0] * n_in
        return points, labels, f"built-in moons (random.Random({seed}), noise 0.1)"
    xy, classes = make_moons(n_samples=n_samples, noise=0.1, random_state=seed)
    points = [[float(a), float(b)] for a, b in xy]
    labels = [float(2 * label - 1) for label in classes]
    return points, labels, f"sklearn make_moons(n_samples={n_samples}, noise=0.1, random_state={seed})"


class MLP:
    """micrograd's nn.MLP(nin, nouts) for any engine: ReLU hidden layers, a linear output.

    Weights are uniform(-1, 1) from `rng` in micrograd's order, biases 0, so
    two engines given equally seeded generators start from the same numbers.
    """

    def __init__(self, Value: Callable[[float], Any], nin: int, nouts: Sequence[int],  # noqa: N803
                 rng: random.Random) -> None:
        sizes = [nin, *nouts]
        self.layers: list[tuple[list[tuple[list[Any], Any]], bool]] = []
        for i in range(len(nouts)):
            neurons = [([Value(rng.uniform(-1, 1)) for _ in range(sizes[i])], Value(0.0))
                       for _ in range(sizes[i + 1])]
            self.layers.append((neurons, i != len(nouts) - 1))

    def __call__(self, x: list[Any]) -> Any:
        for neurons, nonlin in self.layers:
            out = []
            for w, b in neurons:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                out.append(act.relu() if nonlin else act)
            x = out
        return x[0]

    def parameters(self) -> list[Any]:
        return [p for neurons, _ in self.layers for w, b in neurons for p in (*w, b)]


def moons_loss(model: MLP, Value: Callable[[float], Any],  # noqa: N803
               points: list[list[float]], labels: list[float]) -> Any:
    """The demo's loss(): max-margin (hinge) loss averaged, plus L2 regularisation."""
    inputs = [list(map(Value, xrow)) for xrow in points]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def train_step(engine: Engine, model: MLP, params: list[Any], points: list[list[float]],
               labels: list[float], k: int) -> float:
    """Step k of the demo's loop: forward, zero_grad, backward, SGD. Returns the loss."""
    total_loss = moons_loss(model, engine.Value, points, labels)
    engine.zero_grad(params)
    total_loss.backward()
    engine.sgd(params, learning_rate(k))
    return engine.item(total_loss)


def learning_rate(k: int) -> float:
    """The demo's schedule: step k of 100 uses 1.0 - 0.9 k / 100."""
    return 1.0 - 0.9 * k / 100


def run_w1(engine: Engine, repeats: int) -> dict:
    """Time `repeats` consecutive training steps after one untimed warm-up step."""
    points, labels, source = moons()
    model = MLP(engine.Value, 2, LAYERS, random.Random(SEED))
    params = model.parameters()
    losses = [train_step(engine, model, params, points, labels, 0)]
    samples, build, backward = [], [], []
    for k in range(1, repeats + 1):  # train_step's lines, timed in two parts
        start = time.perf_counter()
        total_loss = moons_loss(model, engine.Value, points, labels)
        middle = time.perf_counter()
        engine.zero_grad(params)
        total_loss.backward()
        engine.sgd(params, learning_rate(k))
        samples.append(time.perf_counter() - start)
        build.append(middle - start)
        backward.append(samples[-1] - build[-1])
        losses.append(engine.item(total_loss))
    return {"samples": samples, "build": build, "backward": backward, "losses": losses, "data": source,
            "parameters": len(params)}


def profile_w1(engine: Engine, top: int = 15) -> str:
    """cProfile of one training step (after a warm-up step): the top functions by tottime."""
    points, labels, _ = moons()
    model = MLP(engine.Value, 2, LAYERS, random.Random(SEED))
    params = model.parameters()
    train_step(engine, model, params, points, labels, 0)
    profiler = cProfile.Profile()
    profiler.runcall(train_step, engine, model, params, points, labels, 1)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ---------------------------------------------------------------------------
# W1 through autograd_lite's own tools: the training helper, and the tape.

def _compare(mine: Sequence[float], reference: Sequence[float]) -> dict:
    """Whether two float sequences are bit-identical, else their max relative difference."""
    diffs = [0.0 if a == b else abs(a - b) / max(abs(a), abs(b)) for a, b in zip(mine, reference)]
    return {"identical": len(mine) == len(reference) and all(a == b for a, b in zip(mine, reference)),
            "max_relative_difference": max(diffs, default=0.0), "compared": len(diffs)}


def _plain_trajectory(engine: Engine, steps: int) -> tuple[list[float], list[float]]:
    """(losses, gradients) of `steps` steps of W1's plain loop, untimed: the reference.

    The gradients are every parameter's, step after step (SGD leaves .grad as it is).
    """
    points, labels, _ = moons()
    model = MLP(engine.Value, 2, LAYERS, random.Random(SEED))
    params = model.parameters()
    losses, grads = [], []
    for k in range(steps):
        losses.append(train_step(engine, model, params, points, labels, k))
        grads += [engine.grad(p) for p in params]
    return losses, grads


def run_w1_helper(engine: Engine, repeats: int) -> dict:
    """W1's step done by the library's helpers, two ways, alternating step by step:

    - `nn.train(model, X, y, cost="hinge", l2=1e-4, epochs=1, batch_size=100, lr=lr_k)`,
      one call per step (it shuffles the 100 points into its one batch, and
      ends each epoch with an accuracy pass over them, so a call does more
      than a step);
    - train's step itself: `nn.loss(...)`, zero_grad, backward and
      `SGD.step()` inside `collector_paused()`, points in W1's order.

    Models are `nn.MLP(2, [16, 16, 1], seed=1337)` (the same initial weights as
    W1's, checked); the points stay floats (W1 maps them to leaf Values).
    """
    if engine.name != "autograd_lite":
        return {"error": "n/a: autograd_lite's nn module", "samples": []}
    from autograd_lite import nn
    from autograd_lite.engine import collector_paused

    points, labels, source = moons()
    by_train = nn.MLP(2, list(LAYERS), seed=SEED)
    by_step = nn.MLP(2, list(LAYERS), seed=SEED)
    w1_model = MLP(engine.Value, 2, LAYERS, random.Random(SEED))
    same_start = [p.data for p in by_step.parameters()] == [p.data for p in w1_model.parameters()]
    optimizer = nn.SGD(by_step.parameters(), lr=learning_rate(0))

    def train_call(k: int) -> float:
        history = nn.train(by_train, points, labels, cost="hinge", l2=ALPHA, epochs=1,
                           batch_size=N_POINTS, lr=learning_rate(k))
        return history[0]["loss"]  # the mean over its one batch: that batch's loss

    def helper_step(k: int) -> float:
        optimizer.lr = learning_rate(k)
        with collector_paused():
            total = nn.loss(by_step, points, labels, cost="hinge", l2=ALPHA)
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
        return total.data

    train_losses, step_losses, train_samples, samples = [], [], [], []
    for k in range(repeats + 1):  # step 0 is the untimed warm-up, as in W1
        for fn, losses, times in ((train_call, train_losses, train_samples),
                                  (helper_step, step_losses, samples)):
            start = time.perf_counter()
            losses.append(fn(k))
            if k:
                times.append(time.perf_counter() - start)
    plain = _plain_trajectory(engine, repeats + 1)[0]
    return {"samples": samples, "train_samples": train_samples, "losses": step_losses,
            "train_losses": train_losses, "data": source, "same_initial_weights": same_start,
            "check_step": _compare(step_losses, plain), "check_train": _compare(train_losses, plain)}


def run_w1_tape(engine: Engine, repeats: int) -> dict:
    """W1's step replayed by a Tape: the step's graph is built once (the MLP's
    parameters and the 100 input Values are its leaves, the inputs never
    change), then each step is zero_grad, `tape.run()`, SGD on `p.data`.
    Recording (build + compile) is reported, not timed.

    Check: the losses and every parameter's gradient at every step must be
    bit-identical to those of W1's eager loop run in this process, and forward()'s
    value to run()'s and to the loss built eagerly from the same parameters.
    """
    if engine.name != "autograd_lite":
        return {"error": "n/a: autograd_lite's Tape", "samples": []}
    from autograd_lite.tape import Tape

    points, labels, source = moons()
    model = MLP(engine.Value, 2, LAYERS, random.Random(SEED))
    params = model.parameters()
    start = time.perf_counter()
    root = moons_loss(model, engine.Value, points, labels)
    middle = time.perf_counter()
    tape = Tape(root)
    record_seconds, compile_seconds = time.perf_counter() - start, time.perf_counter() - middle
    losses, grads, samples = [], [], []
    for k in range(repeats + 1):  # step 0 is the untimed warm-up, as in W1
        start = time.perf_counter()
        engine.zero_grad(params)
        value = tape.run()
        engine.sgd(params, learning_rate(k))
        elapsed = time.perf_counter() - start
        losses.append(value)
        grads += [p.grad for p in params]  # untimed; SGD changed .data only
        if k:
            samples.append(elapsed)
    eager_losses, eager_grads = _plain_trajectory(engine, repeats + 1)
    # forward() alone, on the trained parameters: first call compiles its program (untimed)
    before = [p.grad for p in params]
    forward_values = [tape.forward()]
    forward_samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        forward_values.append(tape.forward())
        forward_samples.append(time.perf_counter() - start)
    untouched = [p.grad for p in params] == before
    eager_value = moons_loss(model, engine.Value, points, labels).data  # the same parameters, eagerly
    engine.zero_grad(params)
    return {"samples": samples, "losses": losses, "data": source, "nodes": tape.nodes,
            "compile_seconds": compile_seconds, "record_seconds": record_seconds,
            "forward_samples": forward_samples,
            "check": {"steps": repeats + 1, "losses": _compare(losses, eager_losses),
                      "gradients": _compare(grads, eager_grads),
                      "forward": _compare(forward_values, [tape.run()] * len(forward_values)),
                      "forward_eager": _compare(forward_values, [eager_value] * len(forward_values)),
                      "forward_leaves_grads": untouched}}


# ---------------------------------------------------------------------------
# W2: a long chain.

def build_chain(Value: Callable[[float], Any], links: int) -> tuple[Any, Any]:  # noqa: N803
    """(leaf, root) of x = x * 1.0001 + 0.5 repeated `links` times: 2 ops per link."""
    leaf = x = Value(1.0)
    for _ in range(links):
        x = x * 1.0001 + 0.5
    return leaf, x


def run_w2(engine: Engine, links: int, repeats: int) -> dict:
    """Time build and backward of the chain; a RecursionError is reported, not raised."""
    build, backward, free = [], [], []
    checks: dict[str, float] = {}
    warmup = 1 if links <= 10_000 else 0
    for i in range(warmup + repeats):
        start = time.perf_counter()
        leaf, root = build_chain(engine.Value, links)
        built = time.perf_counter()
        try:
            root.backward()
        except RecursionError:
            return {"error": "RecursionError", "samples": []}
        done = time.perf_counter()
        checks = {"root": engine.item(root), "leaf_grad": engine.grad(leaf)}
        del leaf, root
        freed = time.perf_counter()
        if i >= warmup:
            build.append(built - start)
            backward.append(done - built)
            free.append(freed - done)
    return {"samples": [b + w for b, w in zip(build, backward)], "build": build,
            "backward": backward, "free": free, **checks,
            "expected_leaf_grad": 1.0001 ** links}


# ---------------------------------------------------------------------------
# W3: memory per node.

def _topological_order(root: Any) -> list[Any]:
    """Nodes parents-first, root last, without recursion (as micrograd's build_topo orders them)."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in _parents(node) if p not in visited)
    return order


def _measure(build: Callable[[], Any], existing: Iterable[Any], backward: Callable[[Any], None]) -> dict:
    """tracemalloc bytes held by the graph `build()` returns, after build and after backward.

    `existing` are nodes made before tracing (the model's parameters): they
    are neither traced nor counted.
    """
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    root = build()
    gc.collect()
    after_build = tracemalloc.get_traced_memory()[0] - base
    backward(root)
    gc.collect()
    after_backward = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    before = {id(p) for p in existing}
    order = _topological_order(root)
    new = [n for n in order if id(n) not in before]
    ops = sum(1 for n in new if _parents(n))
    return {"ops": ops, "values": len(new), "bytes_build": after_build,
            "bytes_backward": after_backward, "graph_nodes": len(order)}


def _parents(node: Any) -> tuple:
    """A node's parents: `_prev` (micrograd, autograd_lite), `_children` (the lean engine)."""
    return node._children if hasattr(node, "_children") else node._prev


def _backward(root: Any) -> bool:
    """root.backward(); if micrograd's recursive sort overflows, its own steps run iteratively.

    The fallback sets root.grad = 1 and calls every node's `_backward` closure in
    reverse topological order, exactly micrograd's backward minus the recursion,
    so the memory it leaves behind (a float grad per node) is micrograd's.
    (Raising the recursion limit instead would make tracemalloc quadratic: it
    walks the whole stack on every allocation.) Returns True if it fell back.
    """
    try:
        root.backward()
        return False
    except RecursionError:
        order = _topological_order(root)
        root.grad = 1
        for node in reversed(order):
            node._backward()
        return True


def run_w3(engine: Engine, links: int) -> dict:
    """Bytes of the chain of `links` links and of one moons-step graph (forward + loss)."""
    if engine.name == "torch":
        return {"error": "n/a: torch allocates in C++, out of tracemalloc's sight"}
    fell_back = []
    chain = _measure(lambda: build_chain(engine.Value, links)[1], (),
                     lambda root: fell_back.append(_backward(root)))
    points, labels, source = moons()
    model = MLP(engine.Value, 2, LAYERS, random.Random(SEED))
    params = model.parameters()
    step = _measure(lambda: moons_loss(model, engine.Value, points, labels), params,
                    lambda root: root.backward())
    return {"chain": {"links": links, "iterative_backward": fell_back[0], **chain},
            "moons_step": {"data": source, **step}}


# ---------------------------------------------------------------------------
# W4: a wide, shallow graph.

def balanced_sum(terms: list[Any]) -> Any:
    """Sum pairwise, level by level (depth log2 n), not left to right (depth n)."""
    while len(terms) > 1:
        paired = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def build_triples(Value: Callable[[float], Any], numbers: list[float]) -> tuple[list[Any], Any]:  # noqa: N803
    """(the a_i leaves, root) of the balanced sum of relu(a_i * b_i + c_i); numbers holds a, b, c."""
    n = len(numbers) // 3
    a = [Value(x) for x in numbers[:n]]
    b = [Value(x) for x in numbers[n:2 * n]]
    c = [Value(x) for x in numbers[2 * n:]]
    return a, balanced_sum([(ai * bi + ci).relu() for ai, bi, ci in zip(a, b, c)])


def run_w4(engine: Engine, triples: int, repeats: int) -> dict:
    """Time build (leaves included) and backward of the balanced sum over `triples` triples."""
    rng = random.Random(SEED)
    numbers = [rng.uniform(-1.0, 1.0) for _ in range(3 * triples)]
    build, backward = [], []
    checks: dict[str, Any] = {}
    for _ in range(repeats):
        start = time.perf_counter()
        a, root = build_triples(engine.Value, numbers)
        built = time.perf_counter()
        root.backward()
        done = time.perf_counter()
        build.append(built - start)
        backward.append(done - built)
        checks = {"root": engine.item(root), "a_grad_sum": math.fsum(engine.grad(ai) for ai in a)}
        if engine.name != "torch":  # count what the engine made (torch's nodes are C++ objects)
            order = _topological_order(root)
            checks["values"] = len(order)
            checks["ops"] = sum(1 for node in order if node._prev)
            del order
        del a, root
    depth = math.ceil(math.log2(triples)) + 3 if triples > 1 else 3
    return {"samples": [b + w for b, w in zip(build, backward)], "build": build, "backward": backward,
            "triples": triples, "depth": depth, **checks}


# ---------------------------------------------------------------------------
# W5: one epoch of mini-batch SGD on scikit-learn's digits, eager vs tape.

DIGITS_BATCH = 10
DIGITS_LR = 3.0


def digits(n_samples: int) -> tuple[list[list[float]], list[list[float]], str]:
    """(inputs / 16, one-hot targets, source) of the first n_samples of load_digits()."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    xs = [[float(v) / 16.0 for v in row] for row in bunch.data[:n_samples]]
    ys = [[1.0 if j == int(t) else 0.0 for j in range(10)] for t in bunch.target[:n_samples]]
    return xs, ys, f"sklearn load_digits(), first {len(xs)} of {len(bunch.data)} samples, inputs / 16"


def run_w5(engine: Engine, n_samples: int, repeats: int) -> dict:
    """One epoch of MLP(64, [32, 10]) sigmoid/sigmoid, quadratic cost, batches of 10 in
    order (no shuffle), SGD lr 3.0: eager (train's per-batch step: nn.loss, zero_grad,
    backward, SGD.step inside collector_paused) against a Tape of one batch's graph whose
    input and target leaves get each batch's numbers by `.data =` before `run()`.
    A last short batch, if any, is done eagerly by both. Each repeat restarts both models
    from the same initial weights; after each epoch their parameters must be bit-identical.
    """
    if engine.name != "autograd_lite":
        return {"error": "n/a: autograd_lite only (micrograd has no sigmoid)", "samples": []}
    try:
        xs, ys, source = digits(n_samples)
    except ImportError:
        return {"error": "n/a: scikit-learn is not importable", "samples": []}
    from autograd_lite import Value, nn
    from autograd_lite.engine import collector_paused
    from autograd_lite.tape import Tape

    def make_model() -> Any:
        return nn.MLP(64, [32, 10], activation="sigmoid", output_activation="sigmoid", seed=0)

    def eager_step(model: Any, optimizer: Any, bx: Sequence[Any], by: Sequence[Any]) -> float:
        with collector_paused():
            total = nn.loss(model, bx, by, cost="quadratic")
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
        return total.data

    eager, taped = make_model(), make_model()
    initial = [p.data for p in eager.parameters()]
    eager_opt = nn.SGD(eager.parameters(), lr=DIGITS_LR)
    taped_opt = nn.SGD(taped.parameters(), lr=DIGITS_LR)
    full = len(xs) - len(xs) % DIGITS_BATCH

    # Record: one batch's graph with leaves for the inputs and the targets (nn.loss
    # would bake the targets in as constants); the same arithmetic as nn.loss's.
    start = time.perf_counter()
    x_leaves = [[Value(v) for v in x] for x in xs[:DIGITS_BATCH]]
    y_leaves = [[Value(v) for v in y] for y in ys[:DIGITS_BATCH]]
    quadratic = nn.COSTS["quadratic"].per_sample
    with collector_paused():
        batch_loss = sum(quadratic(taped.forward(x), y, taped.layers[-1])
                         for x, y in zip(x_leaves, y_leaves)) * (1.0 / DIGITS_BATCH)
    tape = Tape(batch_loss)
    record_seconds = time.perf_counter() - start

    def eager_epoch() -> list[float]:
        return [eager_step(eager, eager_opt, xs[s:s + DIGITS_BATCH], ys[s:s + DIGITS_BATCH])
                for s in range(0, len(xs), DIGITS_BATCH)]

    def taped_epoch() -> list[float]:
        losses = []
        for s in range(0, full, DIGITS_BATCH):
            for leaves, rows in ((x_leaves, xs[s:s + DIGITS_BATCH]), (y_leaves, ys[s:s + DIGITS_BATCH])):
                for leaf_row, row in zip(leaves, rows):
                    for leaf, v in zip(leaf_row, row):
                        leaf.data = v
            taped_opt.zero_grad()
            losses.append(tape.run())
            taped_opt.step()
        if full < len(xs):
            losses.append(eager_step(taped, taped_opt, xs[full:], ys[full:]))
        return losses

    eager_samples, samples, params_checks, loss_checks = [], [], [], []
    for i in range(repeats):
        for p, v in zip(eager.parameters(), initial):
            p.data = v
        for p, v in zip(taped.parameters(), initial):
            p.data = v
        timings = {}
        for name, epoch in (("eager", eager_epoch), ("tape", taped_epoch))[:: 1 if i % 2 == 0 else -1]:
            start = time.perf_counter()
            losses = epoch()
            timings[name] = (time.perf_counter() - start, losses)
        eager_samples.append(timings["eager"][0])
        samples.append(timings["tape"][0])
        loss_checks.append(_compare(timings["tape"][1], timings["eager"][1]))
        params_checks.append(_compare([p.data for p in taped.parameters()],
                                      [p.data for p in eager.parameters()]))
    return {"samples": samples, "eager_samples": eager_samples, "data": source,
            "samples_used": len(xs), "batches": -(-len(xs) // DIGITS_BATCH),
            "short_batch": len(xs) - full, "parameters": len(initial), "nodes": tape.nodes,
            "compile_seconds": tape.compile_seconds, "record_seconds": record_seconds,
            "check_parameters": {"identical": all(c["identical"] for c in params_checks),
                                 "max_relative_difference": max(c["max_relative_difference"]
                                                                for c in params_checks)},
            "check_losses": {"identical": all(c["identical"] for c in loss_checks),
                             "max_relative_difference": max(c["max_relative_difference"]
                                                            for c in loss_checks)}}


# ---------------------------------------------------------------------------
# W6: one microgpt training step: the gpt demo's model, on every engine with exp and log.

def gpt_model() -> Any:
    """The gpt demo's model module, demos/_gpt_model.py, loaded from its file: it imports
    nothing of autograd_lite, so the lean engine's process does not import the package."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "demos" / "_gpt_model.py"
    spec = importlib.util.spec_from_file_location("_gpt_model", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["_gpt_model"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def gpt_document(model: Any, positions: int) -> tuple[str, list[int], list[int]]:
    """(name, tokens, targets): the first name of the demo's shuffled list whose tokens
    (begin token, letters) fill `positions` positions, and the next tokens."""
    words = model.load_names(seed=42)
    vocabulary = model.Vocabulary(words)
    name = next((w for w in words if len(w) + 1 == positions), None)
    if name is None:
        raise ValueError(f"w6: no name of {positions - 1} letters; choose --size from 3 to 12")
    tokens, targets = model.pairs(vocabulary.encode(name))
    return name, tokens, targets


def _gpt_loop(steps: int, build: Callable[[], Any], backward: Callable[[Any], float],
              flat: list[Any]) -> dict:
    """Time `steps` steps of a training loop written as microgpt's is, after an untimed
    warm-up step: zero the grads, `loss = build()`, backward. As there, the previous step's
    graph is still alive (named by `loss`) while the next one is built, so the cyclic
    garbage collector's full passes, which every engine's forward pass triggers, walk it."""
    timings: dict[str, list[float]] = {"build": [], "backward": []}
    loss = None
    for i in range(steps + 1):
        for p in flat:
            p.grad = 0.0
        start = time.perf_counter()
        loss = build()
        middle = time.perf_counter()
        value = backward(loss)
        end = time.perf_counter()
        if i:
            timings["build"].append(middle - start)
            timings["backward"].append(end - middle)
    grads = [p.grad for p in flat]
    return {"samples": [b + w for b, w in zip(timings["build"], timings["backward"])], **timings,
            "loss": value, "grad_sum": math.fsum(grads), "grad_abs_sum": math.fsum(abs(g) for g in grads)}


def _eager_backward(loss: Any) -> float:
    loss.backward()
    return float(loss.data)


def run_w6(engine: Engine, positions: int, repeats: int) -> dict:
    """One microgpt training step (forward, backward) of the gpt demo's model on one name,
    weights from random.Random(SEED), `repeats` steps of a loop per variant, one variant
    after the other. lean: microgpt's code (softmax written out, index lookups).
    autograd_lite: the demo's code (its softmax ops and scopes, index lookups), microgpt's
    code unchanged, and the tape of the demo's --fast graph (one-hot leaves), recorded once
    (last: a tape keeps its graph alive). Each eager loop runs twice, the second time with
    the cyclic garbage collector disabled (`paused_*`: the engine's own work). Then the bytes
    each eager graph holds after build (per node the step made: its parameters are not counted)."""
    if engine.name not in ("autograd_lite", "lean"):
        return {"error": "n/a: needs exp and log", "samples": []}
    model = gpt_model()
    config = model.Config()
    params = model.parameters(engine.Value, config, random.Random(SEED))
    flat = model.flat(params)
    name, tokens, targets = gpt_document(model, positions)
    kits = {"microgpt_code": model.PORTABLE}
    if engine.name == "autograd_lite":
        kits = {"own_ops": model.autograd_lite_kit(), **kits}
    variants: dict[str, dict] = {}
    for key, kit in kits.items():
        build = functools.partial(model.loss, params, config, kit, tokens, targets)
        variants[key] = _gpt_loop(repeats, build, _eager_backward, flat)
        gc.disable()  # the same loop again without the collector's passes: the engine's own work
        try:
            paused = _gpt_loop(repeats, build, _eager_backward, flat)
        finally:
            gc.enable()
        variants[key].update({f"paused_{k}": paused[k] for k in ("samples", "build", "backward")})
        memory = _measure(build, flat, _eager_backward)
        variants[key].update(nodes=memory["graph_nodes"], made=memory["values"], bytes=memory["bytes_build"],
                             bytes_backward=memory["bytes_backward"],
                             bytes_per_node=memory["bytes_build"] / memory["values"])
    if engine.name == "autograd_lite":
        from autograd_lite.tape import Tape

        xs = [[engine.Value(0.0) for _ in range(config.vocab)] for _ in tokens]
        ys = [[engine.Value(0.0) for _ in range(config.vocab)] for _ in tokens]
        start = time.perf_counter()
        tape = Tape(model.loss(params, config, kits["own_ops"], xs, ys))
        record_seconds = time.perf_counter() - start

        def replay(_: None) -> float:
            model.set_one_hot(xs, tokens)  # what each step of the demo's --fast does
            model.set_one_hot(ys, targets)
            return tape.run()

        variants["tape"] = _gpt_loop(repeats, lambda: None, replay, flat)
        variants["tape"].update(nodes=tape.nodes, record_seconds=record_seconds)
    main_variant = "own_ops" if engine.name == "autograd_lite" else "microgpt_code"
    return {"document": name, "positions": len(tokens), "parameters": len(flat), "variants": variants,
            **variants[main_variant]}


# ---------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run one workload, print its JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--workload", choices=WORKLOADS, required=True)
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions (not w3)")
    parser.add_argument("--size", type=int,
                        help="chain links (w2, w3; default 50,000), triples (w4; default 100,000), "
                             "digits samples (w5; default 500)")
    parser.add_argument("--profile", action="store_true",
                        help="w1 only: print a cProfile of one step instead of JSON")
    parser.add_argument("--scope", metavar="NAME",
                        help="autograd_lite only: run the workload inside autograd_lite.scope(NAME) "
                             "(what tagging nodes with a scope costs)")
    args = parser.parse_args(argv)

    engine = load_engine(args.engine)
    if args.profile:
        print(profile_w1(engine))
        return
    size = args.size if args.size is not None else DEFAULT_SIZES.get(args.workload)
    with contextlib.ExitStack() as stack:
        if args.scope is not None:
            if engine.name != "autograd_lite":
                parser.error("--scope: only autograd_lite has scopes")
            import autograd_lite

            stack.enter_context(autograd_lite.scope(args.scope))
        result = _run(args.workload, engine, size, args.repeats)
    result = {"engine": engine.name, "version": engine.version, "workload": args.workload,
              "size": size, "gc_enabled": gc.isenabled(), **({"scope": args.scope} if args.scope else {}),
              **result}
    json.dump(result, sys.stdout)
    print()


def _run(workload: str, engine: Engine, size: int | None, repeats: int) -> dict:
    """The result of one workload (main's dispatch)."""
    runs = {
        "w1": lambda: run_w1(engine, repeats), "w1_helper": lambda: run_w1_helper(engine, repeats),
        "w1_tape": lambda: run_w1_tape(engine, repeats), "w2": lambda: run_w2(engine, size, repeats),
        "w3": lambda: run_w3(engine, size), "w4": lambda: run_w4(engine, size, repeats),
        "w5": lambda: run_w5(engine, size, repeats), "w6": lambda: run_w6(engine, size, repeats),
    }
    return runs[workload]()


if __name__ == "__main__":
    main()
