"""How live the playground is under CPython: training steps per second and redraws per second.

    python -m benchmarks.playground            # ~30 s: the default network, and the biggest one
    python -m benchmarks.playground --seconds 1

The default network is the issue's: 2 inputs (x1, x2), two hidden layers of 8,
tanh, batch 10, on "circles". A *redraw* is what one frame of play costs the
kernel: `pg.step(1)`, then producing `pg.svg` (all heat maps, δ, ∂C/∂w, the
check against BP1-BP4, the loss curve) and the widget's update (the
`ipywidgets.HTML` value set; with no kernel attached its message is not sent,
so the JSON encoding of that message is timed as a separate row). Rows:

- steps/s by the tape (what the playground does) and eagerly (the graph built
  and walked each step, `nn.Trainer(tape=False)`), for comparison;
- redraws/s, and the split of one redraw into its parts;
- the heat maps as PNG data URIs (what the playground draws) against one SVG
  <rect> per cell, the alternative: time to write them and bytes sent.

Prints markdown. Timings are medians of repeated runs; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from autograd_lite import nn
from autograd_lite import playground_svg as draw
from autograd_lite.datasets import FEATURES
from autograd_lite.playground import GRID, NEURON_GRID, Playground


def rate(action: Callable[[], object], seconds: float, rounds: int = 5) -> float:
    """The median over `rounds` of how many times per second `action` runs in `seconds / rounds`."""
    found = []
    for _ in range(rounds):
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds / rounds:
            action()
            count += 1
        found.append(count / elapsed)
    return statistics.median(found)


def per_call(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rect_heat_map(values: list[float], n: int, size: float) -> str:
    """The alternative to a PNG: one <rect> per cell."""
    cell = size / n
    return "".join(f'<rect x="{c * cell:.1f}" y="{r * cell:.1f}" width="{cell:.2f}" height="{cell:.2f}" '
                   'fill="#{:02x}{:02x}{:02x}"/>'.format(*draw.colour(values[r * n + c]))
                   for r in range(n) for c in range(n))


def measure(options: dict, seconds: float) -> dict[str, float]:
    pg = Playground(**options)
    found: dict[str, float] = {}
    found["steps/s (tape)"] = rate(lambda: pg.step(1), seconds)
    eager = Playground(**options)
    o = eager.options  # the same training as the playground's, without the tape
    eager.trainer = nn.Trainer(eager.model, eager._train_x, eager._train_y, cost="quadratic",
                               batch_size=o["batch_size"], lr=o["learning_rate"], seed=o["seed"], tape=False)
    eager.trainer.l1, eager.trainer.l2 = pg.trainer.l1, pg.trainer.l2
    found["steps/s (eager)"] = rate(eager.trainer.step, seconds)

    def redraw_without_widget() -> None:
        pg.step(1)
        pg.svg  # noqa: B018 - the drawing is computed when read

    found["redraws/s: step + svg"] = rate(redraw_without_widget, seconds)
    try:
        from autograd_lite.playground_widget import PlaygroundWidget

        widget = PlaygroundWidget(Playground(**options))
    except ImportError:
        widget = None
    if widget is not None:
        found["redraws/s: step + svg + widget update"] = rate(lambda: widget.step(1), seconds)

        def with_message() -> None:
            widget.step(1)
            json.dumps({"method": "update", "state": {"value": widget._picture.value}})

        found["redraws/s: + the update's JSON message"] = rate(with_message, seconds)
    # the split of one redraw
    found["ms: pg.step(1)"] = 1e3 * per_call(lambda: pg.step(1), 50)

    def parts() -> dict[str, float]:
        pg.step(1)  # computes the losses for the curve: forgotten, to time them below
        pg._changed()
        split = {}
        started = time.perf_counter()
        pg.loss  # noqa: B018
        split["ms: training and test loss"] = time.perf_counter() - started
        started = time.perf_counter()
        pg._grids()
        split["ms: every neuron over the 50 x 50 grid"] = time.perf_counter() - started
        started = time.perf_counter()
        pg._backprop()
        split["ms: δ by autodiff on one sample, BP1-BP4 check"] = time.perf_counter() - started
        started = time.perf_counter()
        pg.svg  # noqa: B018
        split["ms: heat map PNGs and the SVG text"] = time.perf_counter() - started
        return split

    runs = [parts() for _ in range(30)]
    for key in runs[0]:
        found[key] = 1e3 * statistics.median(run[key] for run in runs)
    found["kB: the SVG (one update)"] = len(pg.svg) / 1e3
    # PNG against rects, for the heat maps of one drawing
    grid = pg._grids()
    maps = [[row[k] for row in grid] for k in range(len(grid[0]))]
    small = [draw._every_other(m, GRID) for m in maps[:-1]]

    def pngs() -> int:
        return sum(len(draw._data_uri(draw.heat_map_png(m, NEURON_GRID, NEURON_GRID))) for m in small) + \
            len(draw._data_uri(draw.heat_map_png(maps[-1], GRID, GRID)))

    def rects() -> int:
        neurons = sum(len(rect_heat_map(m, NEURON_GRID, 40)) for m in small)
        return neurons + len(rect_heat_map(maps[-1], GRID, 260))

    found["ms: heat maps as PNG data URIs"] = 1e3 * per_call(pngs, 20)
    found["kB: heat maps as PNG data URIs"] = pngs() / 1e3
    found["ms: heat maps as SVG rects"] = 1e3 * per_call(rects, 5)
    found["kB: heat maps as SVG rects"] = rects() / 1e3
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent on each rate (default 5)")
    args = parser.parse_args()
    networks = {
        "default: 2 inputs, [8, 8], tanh, batch 10": {},
        "biggest: 7 inputs, 6 x 8, tanh, batch 10": {"features": list(FEATURES), "hidden": [8] * 6},
    }
    results = {}
    for name, options in networks.items():
        print(f"measuring {name} ...", file=sys.stderr)
        results[name] = measure(options, args.seconds)
    print(f"Playground speed, CPython {platform.python_version()} on {platform.machine()} "
          f"({time.strftime('%Y-%m-%d')})\n")
    names = list(results)
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for key in results[names[0]]:
        cells = [results[name].get(key) for name in names]
        print(f"| {key} | " + " | ".join("" if c is None else f"{c:,.1f}" if c >= 10 else f"{c:.2f}"
                                          for c in cells) + " |")


if __name__ == "__main__":
    main()
