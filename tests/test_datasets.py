"""autograd_lite.datasets: the playground's data sets, checked against their geometry.

Truths: each set's defining shape written out here (a disc and a ring, the
sign of x1·x2, the moons' circles, the plane's formula), not datasets' code.
"""

from __future__ import annotations

import math

import pytest

from autograd_lite import datasets

NAMES = list(datasets.DATASETS)


@pytest.mark.parametrize("name", NAMES)
def test_seeded_split_and_labels(name):
    data = datasets.make(name, points=120, noise=0.2, test_fraction=0.25, seed=3)
    again = datasets.make(name, points=120, noise=0.2, test_fraction=0.25, seed=3)
    other = datasets.make(name, points=120, noise=0.2, test_fraction=0.25, seed=4)
    assert data == again and data.points != other.points
    assert len(data.points) == len(data.labels) == 120
    assert sorted(data.train + data.test) == list(range(120)) and len(data.test) == 30
    if name in datasets.CLASSIFICATION:
        assert set(data.labels) == {-1.0, 1.0}
        assert not data.regression
    else:
        assert data.regression and all(-1.5 <= y <= 1.5 for y in data.labels)
    assert data.inputs("test", ["x1", "x2"]) == [list(data.points[i]) for i in data.test]
    assert data.targets("train") == [data.labels[i] for i in data.train]


@pytest.mark.parametrize("name", NAMES)
def test_without_noise_the_points_lie_in_the_square(name):
    data = datasets.make(name, points=300, noise=0.0, seed=1)
    assert all(abs(x1) <= datasets.RADIUS and abs(x2) <= datasets.RADIUS for x1, x2 in data.points)


@pytest.mark.parametrize("name", NAMES)
def test_with_the_most_noise_the_points_still_lie_in_the_square(name):
    data = datasets.make(name, points=400, noise=0.5, seed=1)
    assert all(abs(x1) <= datasets.RADIUS and abs(x2) <= datasets.RADIUS for x1, x2 in data.points)
    assert len(set(data.points)) > 390  # clipped onto the edge, not piled up in a corner


def test_the_shapes_without_noise():
    circles = datasets.make("circles", points=200, seed=2)
    for (x1, x2), y in zip(circles.points, circles.labels):
        r = math.hypot(x1, x2)
        assert (r <= 2.5 and y == 1.0) or (3.5 <= r <= 5.0 + 1e-12 and y == -1.0)
    xor = datasets.make("xor", points=200, seed=2)
    for (x1, x2), y in zip(xor.points, xor.labels):
        assert min(abs(x1), abs(x2)) >= 0.3 and y == (1.0 if x1 * x2 > 0 else -1.0)
    moons = datasets.make("moons", points=200, seed=2)
    for (x1, x2), y in zip(moons.points, moons.labels):
        u, v = x1 / 3 + 0.5, x2 / 3 + 0.25  # back to scikit-learn's coordinates
        centre = (0.0, 0.0) if y > 0 else (1.0, 0.5)
        assert math.isclose(math.hypot(u - centre[0], v - centre[1]), 1.0, abs_tol=1e-12)
        assert (v >= -1e-12) if y > 0 else (v <= 0.5 + 1e-12)
    plane = datasets.make("plane", points=100, seed=2)
    for (x1, x2), y in zip(plane.points, plane.labels):
        assert math.isclose(y, (x1 + x2) / 12, abs_tol=1e-15)
    blobs = datasets.make("gaussians", points=400, seed=2)
    for label in (1.0, -1.0):
        mine = [p for p, y in zip(blobs.points, blobs.labels) if y == label]
        assert all(abs(sum(c) / len(mine) - 2 * label) < 0.3 for c in zip(*mine))
    spiral = datasets.make("spiral", points=200, seed=2)
    radii = [math.hypot(*p) for p, y in zip(spiral.points, spiral.labels) if y > 0]
    assert radii == sorted(radii) and radii[-1] < 5.0  # each arm winds outwards


def test_noise_moves_the_points():
    for name in NAMES:
        clean = datasets.make(name, points=50, seed=5)
        noisy = datasets.make(name, points=50, noise=0.5, seed=5)
        assert clean.points != noisy.points or clean.labels != noisy.labels, name


def test_features():
    point = (1.5, -2.0)
    expected = [1.5, -2.0, 2.25, 4.0, -3.0, math.sin(1.5), math.sin(-2.0)]
    assert datasets.featurize(point, list(datasets.FEATURES)) == expected
    assert datasets.featurize(point, ["x1*x2", "x1"]) == [-3.0, 1.5]
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        datasets.featurize(point, ["x3"])


@pytest.mark.parametrize(("arguments", "named"), [
    ({"name": "blobs"}, "unknown data set 'blobs'"),
    ({"name": "xor", "points": 2}, "points"),
    ({"name": "xor", "noise": -0.1}, "noise"),
    ({"name": "xor", "noise": 0.9}, "noise"),
    ({"name": "xor", "test_fraction": 1.0}, "test_fraction"),
    ({"name": "xor", "seed": 1.5}, "seed"),
])
def test_bad_arguments_are_value_errors_naming_them(arguments, named):
    with pytest.raises(ValueError, match=named):
        datasets.make(**arguments)
    with pytest.raises(ValueError, match="which"):
        datasets.make("xor").inputs("validation", ["x1"])
