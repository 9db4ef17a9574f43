"""Small 2-D data sets, generated from a seed: TensorFlow Playground's six, in pure Python.

`make(name, points=200, noise=0.0, test_fraction=0.5, seed=0)` returns a `DataSet`:
the points (x1, x2) in the square [-6, 6]² (noise may push a point past
it: such a point is clipped onto the square's edge, the domain the heat maps
cover), their labels, and the split into training and test points. The
classification sets label a point +1 or -1 ("circles", "xor", "gaussians",
"spiral", "moons"); "plane" is regression, its label (x1 + x2) / 12 (plus
noise) in about [-1, 1]. `noise` is between 0 and 0.5, as the playground's
0-50 %. Every random number comes from one
`random.Random(seed)`, so the same arguments give the same points, bit for
bit, on every CPython.

`FEATURES` maps the input features a network may be fed ("x1", "x2", "x1^2",
"x2^2", "x1*x2", "sin(x1)", "sin(x2)") to their functions; `featurize(point,
names)` is one sample's input vector. Used by `autograd_lite.playground` and by
the scripts it writes.

Standard library only (no scikit-learn, no NumPy); imports nothing of the package.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["CLASSIFICATION", "DATASETS", "FEATURES", "RADIUS", "REGRESSION", "DataSet", "featurize", "make"]

RADIUS = 6.0  # points lie in [-RADIUS, RADIUS]²: the square the heat maps cover
Point = tuple[float, float]


def _circles(n: int, noise: float, rng: random.Random) -> list[tuple[Point, float]]:
    """Half the points in a disc of radius 2.5 (+1), half in a ring 3.5..5 around it (-1)."""
    radius = 5.0
    found = []
    for i in range(n):
        inside = i < n // 2
        r = rng.uniform(0.0, 0.5 * radius) if inside else rng.uniform(0.7 * radius, radius)
        angle = rng.uniform(0.0, 2.0 * math.pi)
        x1, x2 = r * math.sin(angle), r * math.cos(angle)
        n1, n2 = rng.uniform(-radius, radius) * noise, rng.uniform(-radius, radius) * noise
        # the label of the noisy point's place, as the playground labels it
        label = 1.0 if math.hypot(x1 + n1, x2 + n2) < 0.5 * radius else -1.0
        found.append(((x1 + n1, x2 + n2), label))
    return found


def _xor(n: int, noise: float, rng: random.Random) -> list[tuple[Point, float]]:
    """Uniform points kept 0.3 away from the axes; the label is the sign of x1·x2."""
    padding = 0.3
    found = []
    for _ in range(n):
        x1, x2 = rng.uniform(-5.0, 5.0), rng.uniform(-5.0, 5.0)
        x1 += padding if x1 > 0 else -padding
        x2 += padding if x2 > 0 else -padding
        n1, n2 = rng.uniform(-5.0, 5.0) * noise, rng.uniform(-5.0, 5.0) * noise
        label = 1.0 if (x1 + n1) * (x2 + n2) >= 0 else -1.0
        found.append(((x1, x2), label))
    return found


def _gaussians(n: int, noise: float, rng: random.Random) -> list[tuple[Point, float]]:
    """Two Gaussian blobs at (2, 2) (+1) and (-2, -2) (-1); noise widens them (sd 0.7 .. 2)."""
    sd = 0.7 + 2.6 * noise
    found = []
    for i in range(n):
        label = 1.0 if i < n // 2 else -1.0
        found.append(((rng.gauss(2.0 * label, sd), rng.gauss(2.0 * label, sd)), label))
    return found


def _spiral(n: int, noise: float, rng: random.Random) -> list[tuple[Point, float]]:
    """Two interleaved spirals of 1.75 turns, radius 0 to 5, one per label."""
    half = n // 2
    found = []
    for label, turn in ((1.0, 0.0), (-1.0, math.pi)):
        count = half if label > 0 else n - half
        for i in range(count):
            r = 5.0 * i / count
            t = 1.75 * i / count * 2.0 * math.pi + turn
            x1 = r * math.sin(t) + rng.uniform(-1.0, 1.0) * noise
            x2 = r * math.cos(t) + rng.uniform(-1.0, 1.0) * noise
            found.append(((x1, x2), label))
    return found


def _moons(n: int, noise: float, rng: random.Random) -> list[tuple[Point, float]]:
    """scikit-learn's two moons (half circles), centred and scaled by 3; Gaussian noise of
    standard deviation 3·noise (the scale of make_moons' own noise)."""
    half = n // 2
    found = []
    for i in range(n):
        upper = i < half
        count = half if upper else n - half
        t = math.pi * (i if upper else i - half) / max(1, count - 1)
        if upper:
            x1, x2, label = math.cos(t), math.sin(t), 1.0
        else:
            x1, x2, label = 1.0 - math.cos(t), 0.5 - math.sin(t), -1.0
        x1 = 3.0 * (x1 - 0.5) + rng.gauss(0.0, 3.0 * noise)
        x2 = 3.0 * (x2 - 0.25) + rng.gauss(0.0, 3.0 * noise)
        found.append(((x1, x2), label))
    return found


def _plane(n: int, noise: float, rng: random.Random) -> list[tuple[Point, float]]:
    """Uniform points; the label (x1 + x2) / 12 of the noisy point: a tilted plane in [-1, 1]."""
    found = []
    for _ in range(n):
        x1, x2 = rng.uniform(-RADIUS, RADIUS), rng.uniform(-RADIUS, RADIUS)
        n1, n2 = rng.uniform(-RADIUS, RADIUS) * noise, rng.uniform(-RADIUS, RADIUS) * noise
        found.append(((x1, x2), (x1 + n1 + x2 + n2) / (2.0 * RADIUS)))
    return found


CLASSIFICATION = ("circles", "xor", "gaussians", "spiral", "moons")
REGRESSION = ("plane",)
DATASETS: dict[str, Callable[[int, float, random.Random], list[tuple[Point, float]]]] = {
    "circles": _circles, "xor": _xor, "gaussians": _gaussians, "spiral": _spiral, "moons": _moons,
    "plane": _plane,
}

FEATURES: dict[str, Callable[[float, float], float]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: math.sin(x1),
    "sin(x2)": lambda x1, x2: math.sin(x2),
}


def featurize(point: Sequence[float], names: Sequence[str]) -> list[float]:
    """The input vector of one point: each named feature of (x1, x2), in the order given."""
    x1, x2 = point
    try:
        return [FEATURES[name](x1, x2) for name in names]
    except KeyError as error:
        raise ValueError(f"featurize: unknown feature {error.args[0]!r}; choose from "
                         f"{', '.join(FEATURES)}") from None


@dataclass(frozen=True)
class DataSet:
    """Points, labels and the split: `train` and `test` are lists of indices into `points`."""

    name: str
    points: list[Point]
    labels: list[float]
    train: list[int]
    test: list[int]

    @property
    def regression(self) -> bool:
        return self.name in REGRESSION

    def inputs(self, which: str, features: Sequence[str]) -> list[list[float]]:
        """The feature vectors of the "train" or "test" points."""
        return [featurize(self.points[i], features) for i in self._indices(which)]

    def targets(self, which: str) -> list[float]:
        """The labels of the "train" or "test" points."""
        return [self.labels[i] for i in self._indices(which)]

    def _indices(self, which: str) -> list[int]:
        if which not in ("train", "test"):
            raise ValueError(f"DataSet: which must be 'train' or 'test', got {which!r}")
        return self.train if which == "train" else self.test


def _clipped(point: Point) -> Point:
    """The point moved onto the square [-RADIUS, RADIUS]² if noise pushed it out (labels stay:
    outside the square, every set's label depends only on which side or blob a point is on)."""
    x1, x2 = point
    return (min(RADIUS, max(-RADIUS, x1)), min(RADIUS, max(-RADIUS, x2)))


def make(name: str, points: int = 200, noise: float = 0.0, test_fraction: float = 0.5,
         seed: int = 0) -> DataSet:
    """The data set `name`, `points` points with `noise` in [0, 0.5], a `test_fraction` of
    them (in [0, 0.9]) held out for testing; all drawn from `random.Random(seed)`. Every
    point lies in [-RADIUS, RADIUS]²."""
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"datasets.make: unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    if type(points) is not int or not 4 <= points <= 10_000:
        raise ValueError(f"datasets.make: points must be a whole number from 4 to 10000, got {points!r}")
    for option, value, high in (("noise", noise, 0.5), ("test_fraction", test_fraction, 0.9)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= high:
            raise ValueError(f"datasets.make: {option} must be a number from 0 to {high}, got {value!r}")
    if type(seed) is not int:
        raise ValueError(f"datasets.make: seed must be an int, got {seed!r}")
    rng = random.Random(seed)
    found = [(_clipped(point), label) for point, label in DATASETS[name](points, float(noise), rng)]
    order = list(range(points))
    rng.shuffle(order)  # the split: a random test_fraction of the points, at least one to train on
    n_test = min(points - 1, round(points * test_fraction))
    return DataSet(name, [p for p, _ in found], [label for _, label in found],
                   sorted(order[n_test:]), sorted(order[:n_test]))
