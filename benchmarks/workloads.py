"""One engine, one workload, in this process; prints one JSON object on stdout.

    python benchmarks/workloads.py --engine autograd_lite --workload w1 --repeats 10
    python benchmarks/workloads.py --engine micrograd --workload w2 --size 1000
    python benchmarks/workloads.py --engine autograd_lite --workload w3
    python benchmarks/workloads.py --engine autograd_lite --workload w1 --profile

`run.py` calls this script once per (engine, workload, round), so every engine
runs in a fresh interpreter of its own. The engines get the same numbers: the
moons data and the MLP weights come from seeded generators, and the code of
each workload is shared, written once against the engine's `Value` class.

The cyclic garbage collector is left as users have it (on).

Workloads:
  w1  one SGD step of micrograd's moons demo: MLP(2, [16, 16, 1]), 100 points,
      hinge loss + 1e-4 L2, backward, update; time per step.
  w2  a chain x = x * 1.0001 + 0.5 of --size links: build + backward.
  w3  tracemalloc bytes per op and per Value object of two graphs (the chain
      of --size links, and the graph of one w1 step), after build and after backward.
"""

from __future__ import annotations

import argparse
import cProfile
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

ENGINES = ("autograd_lite", "micrograd", "torch")
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
    learning_rate = 1.0 - 0.9 * k / 100
    engine.sgd(params, learning_rate)
    return engine.item(total_loss)


def run_w1(engine: Engine, repeats: int) -> dict:
    """Time `repeats` consecutive training steps after one untimed warm-up step."""
    points, labels, source = moons()
    model = MLP(engine.Value, 2, LAYERS, random.Random(SEED))
    params = model.parameters()
    losses = [train_step(engine, model, params, points, labels, 0)]
    samples = []
    for k in range(1, repeats + 1):
        start = time.perf_counter()
        losses.append(train_step(engine, model, params, points, labels, k))
        samples.append(time.perf_counter() - start)
    return {"samples": samples, "losses": losses, "data": source, "parameters": len(params)}


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

def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run one workload, print its JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--workload", choices=("w1", "w2", "w3"), required=True)
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions (w1, w2)")
    parser.add_argument("--size", type=int, default=50_000, help="chain links (w2, w3)")
    parser.add_argument("--profile", action="store_true",
                        help="w1 only: print a cProfile of one step instead of JSON")
    args = parser.parse_args(argv)

    engine = load_engine(args.engine)
    if args.profile:
        print(profile_w1(engine))
        return
    if args.workload == "w1":
        result = run_w1(engine, args.repeats)
    elif args.workload == "w2":
        result = run_w2(engine, args.size, args.repeats)
    else:
        result = run_w3(engine, args.size)
    result = {"engine": engine.name, "version": engine.version, "workload": args.workload,
              "size": args.size if args.workload != "w1" else None,
              "gc_enabled": gc.isenabled(), **result}
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
