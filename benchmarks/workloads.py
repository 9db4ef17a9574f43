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
  w6         a GPT-sized training step shaped like microgpt's (token and position
             embeddings, RMSNorm, one block of 4-head causal attention with a softmax
             written from exp / sum / division, an MLP block, cross-entropy from log) over
             --size positions: build, backward. Engines: autograd_lite and `lean`, the
             closure-free reference design of benchmarks/lean_engine.py (micrograd has
             no exp or log).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
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
            stack.extend((p, False) for p in node._prev if p not in visited)
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
    new = [n for n in _topological_order(root) if id(n) not in before]
    ops = sum(1 for n in new if n._prev)
    return {"ops": ops, "values": len(new), "bytes_build": after_build,
            "bytes_backward": after_backward}


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
# W6: a GPT-sized training step, microgpt's shape, on any engine with exp and log.

GPT_VOCAB, GPT_EMBED, GPT_HEADS, GPT_BLOCK = 27, 16, 4, 16


def gpt_parameters(Value: Callable[[float], Any], rng: random.Random) -> dict[str, list[list[Any]]]:  # noqa: N803
    """microgpt's parameter shapes (one layer), weights from a seeded Gaussian, std 0.08."""
    def matrix(rows: int, cols: int) -> list[list[Any]]:
        return [[Value(rng.gauss(0.0, 0.08)) for _ in range(cols)] for _ in range(rows)]

    e = GPT_EMBED
    return {"wte": matrix(GPT_VOCAB, e), "wpe": matrix(GPT_BLOCK, e), "wq": matrix(e, e),
            "wk": matrix(e, e), "wv": matrix(e, e), "wo": matrix(e, e), "fc1": matrix(4 * e, e),
            "fc2": matrix(e, 4 * e), "lm_head": matrix(GPT_VOCAB, e)}


def _linear(x: list[Any], w: list[list[Any]]) -> list[Any]:
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def _rmsnorm(x: list[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def _softmax(logits: list[Any]) -> list[Any]:
    top = max(v.data for v in logits)  # a constant shift: exp never overflows
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def gpt_loss(params: dict[str, list[list[Any]]], tokens: list[int]) -> Any:
    """Mean cross-entropy of predicting tokens[t + 1] from tokens[: t + 1], one position at a
    time with a cache of keys and values, as microgpt's training step does."""
    keys: list[list[Any]] = []
    values: list[list[Any]] = []
    head = GPT_EMBED // GPT_HEADS
    losses = []
    for pos, (token, target) in enumerate(itertools.pairwise(tokens)):
        x = _rmsnorm([t + p for t, p in zip(params["wte"][token], params["wpe"][pos])])
        residual, x = x, _rmsnorm(x)
        q, k, v = _linear(x, params["wq"]), _linear(x, params["wk"]), _linear(x, params["wv"])
        keys.append(k)
        values.append(v)
        attended: list[Any] = []
        for h in range(0, GPT_EMBED, head):
            scores = [sum(q[h + j] * key[h + j] for j in range(head)) / head ** 0.5 for key in keys]
            weights = _softmax(scores)
            attended += [sum(w * value[h + j] for w, value in zip(weights, values)) for j in range(head)]
        x = [a + r for a, r in zip(_linear(attended, params["wo"]), residual)]
        residual, x = x, _rmsnorm(x)
        hidden = [u.relu() for u in _linear(x, params["fc1"])]
        x = [a + r for a, r in zip(_linear(hidden, params["fc2"]), residual)]
        probs = _softmax(_linear(x, params["lm_head"]))
        losses.append(-probs[target].log())
    return sum(losses) * (1.0 / len(losses))


def _count_nodes(root: Any) -> int:
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        for child in (node._children if hasattr(node, "_children") else node._prev):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def run_w6(engine: Engine, positions: int, repeats: int) -> dict:
    """Time the build (forward) and the backward of one GPT-sized step, `repeats` times."""
    if engine.name not in ("autograd_lite", "lean"):
        return {"error": "n/a: needs exp and log", "samples": []}
    params = gpt_parameters(engine.Value, random.Random(SEED))
    flat = [p for rows in params.values() for row in rows for p in row]
    rng = random.Random(SEED + 1)
    tokens = [0] + [rng.randrange(1, GPT_VOCAB) for _ in range(min(positions, GPT_BLOCK) - 1)] + [0]
    build, backward, losses = [], [], []
    for _ in range(repeats + 1):  # the first step warms up, untimed
        engine.zero_grad(flat)
        start = time.perf_counter()
        loss = gpt_loss(params, tokens)
        middle = time.perf_counter()
        loss.backward()
        end = time.perf_counter()
        build.append(middle - start)
        backward.append(end - middle)
        losses.append(engine.item(loss))
    grads = [engine.grad(p) for p in flat]
    return {"samples": [b + w for b, w in zip(build[1:], backward[1:])], "build": build[1:],
            "backward": backward[1:], "loss": losses[-1], "grad_sum": math.fsum(grads),
            "grad_abs_sum": math.fsum(abs(g) for g in grads), "parameters": len(flat),
            "positions": len(tokens) - 1, "nodes": _count_nodes(loss)}


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
    args = parser.parse_args(argv)

    engine = load_engine(args.engine)
    if args.profile:
        print(profile_w1(engine))
        return
    size = args.size if args.size is not None else DEFAULT_SIZES.get(args.workload)
    if args.workload == "w1":
        result = run_w1(engine, args.repeats)
    elif args.workload == "w1_helper":
        result = run_w1_helper(engine, args.repeats)
    elif args.workload == "w1_tape":
        result = run_w1_tape(engine, args.repeats)
    elif args.workload == "w2":
        result = run_w2(engine, size, args.repeats)
    elif args.workload == "w3":
        result = run_w3(engine, size)
    elif args.workload == "w4":
        result = run_w4(engine, size, args.repeats)
    elif args.workload == "w6":
        result = run_w6(engine, size, args.repeats)
    else:
        result = run_w5(engine, size, args.repeats)
    result = {"engine": engine.name, "version": engine.version, "workload": args.workload,
              "size": size, "gc_enabled": gc.isenabled(), **result}
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
