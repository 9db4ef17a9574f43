"""The playground's picture as SVG text, and its heat maps as small PNG images, in pure Python.

`playground_svg(picture)` draws a `Picture` (plain numbers, made by
`autograd_lite.playground`): the input features, each neuron as a box holding
its heat map and its δ (BP1/BP2), the edges coloured by the weight's sign
(blue +, orange -), their width by its size, ∂C/∂w (BP4, without the
regularisation term) written beside each, the output's heat map with the
points, and the loss curve. Hovering a neuron or an edge shows its values
(SVG <title>). Heat maps are PNG data URIs written with zlib and struct (a
palette image: one byte per cell), smaller and faster to send than one <rect>
per cell.

Standard library only; imports nothing of the package.
"""

from __future__ import annotations

import base64
import functools
import html
import math
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Picture", "colour", "heat_map_png", "playground_svg"]

NEGATIVE = (245, 147, 34)   # orange: -1 (a negative weight, a label of -1)
POSITIVE = (8, 119, 189)    # blue: +1
WHITE = (255, 255, 255)
BOX = 40                    # a neuron's box, px
ROW = 62                    # vertical distance between neurons
COLUMN = 150                # horizontal distance between layers
OUTPUT = 260                # the output's heat map, px
TOP = 58                    # room for the titles above the boxes
LEFT = 62                   # room for the features' names, left of their boxes
BP4_LABEL = "∂C/∂w (BP4, without regularisation)"
GRAD_FONT = 9               # the ∂C/∂w labels, px: one per incoming edge, stacked left of the box
GRAD_PITCH = 10             # their vertical spacing: more than the font, so they never overlap


@dataclass
class Picture:
    """What is drawn, as plain numbers (lists indexed as closed_form's: weights[l][j][k])."""

    features: list[str]
    feature_maps: list[list[float]]      # per feature, GRID x GRID values in [-1, 1]
    sizes: list[int]                     # inputs, hidden layers, 1
    weights: list[list[list[float]]]
    biases: list[list[float]]
    neuron_maps: list[list[float]]       # per neuron (hidden then output), GRID x GRID activations
    grid: int
    neuron_grid: int
    deltas: list[list[float]]
    weight_gradients: list[list[list[float]]]
    points: list[tuple[Sequence[float], float, bool]]   # ((x1, x2), label, is a test point)
    sample: int                          # index into points of the sample δ is shown for
    history: list[tuple[int, float, float]]
    loss: tuple[float, float]
    steps: int
    epoch: int
    difference: float                    # largest |autodiff - BP1-BP4|


def colour(v: float) -> tuple[int, int, int]:
    """-1 orange, 0 white, +1 blue (clipped; nan white)."""
    if math.isnan(v):
        return WHITE
    v = max(-1.0, min(1.0, v))
    end = POSITIVE if v > 0 else NEGATIVE
    t = abs(v)
    return (round(255 + (end[0] - 255) * t), round(255 + (end[1] - 255) * t), round(255 + (end[2] - 255) * t))


_PALETTE = b"".join(bytes(colour(i / 127.5 - 1.0)) for i in range(256))


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def heat_map_png(values: Sequence[float], width: int, height: int) -> bytes:
    """A PNG of width x height cells (values row by row from the top, -1..1 from orange to blue):
    a palette image, colour type 3, one byte per cell."""
    indices = bytearray()
    for row in range(height):
        indices.append(0)  # filter: none
        for v in values[row * width:(row + 1) * width]:
            if math.isnan(v):
                indices.append(128)
            elif v >= 1.0:
                indices.append(255)
            elif v <= -1.0:
                indices.append(0)
            else:
                indices.append(int((v + 1.0) * 127.5 + 0.5))
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", _PALETTE)
            + _chunk(b"IDAT", zlib.compress(bytes(indices), 1)) + _chunk(b"IEND", b""))


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _neuron_map(values: list[float], grid: int, size: int) -> list[float]:
    """A neuron's map: every other cell of the output's grid when that makes `size`."""
    return _every_other(values, grid) if size * 2 == grid else values


@functools.lru_cache(maxsize=16)
def _feature_uri(values: tuple[float, ...], grid: int, size: int) -> str:
    return _data_uri(heat_map_png(_neuron_map(list(values), grid, size), size, size))


def _every_other(values: list[float], n: int) -> list[float]:
    """The cells of even row and column of an n x n map: an (n/2) x (n/2) map."""
    return [values[r * n + c] for r in range(0, n, 2) for c in range(0, n, 2)]


def _short(v: float) -> str:
    """A number in at most ~8 characters, for a label (the full value is in the <title>)."""
    return f"{v:.3g}" if v == 0 or 1e-3 <= abs(v) < 1e4 else f"{v:.2e}"


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _title(text: str) -> str:
    return f"<title>{html.escape(text, quote=False)}</title>"


def _label_spread(sizes: list[int]) -> float:
    """The height of the tallest stack of ∂C/∂w labels beside a box (one per incoming edge)."""
    return (max(sizes[:-1]) - 1) * GRAD_PITCH + GRAD_FONT


def _row_and_top(sizes: list[int]) -> tuple[float, float]:
    """The distance between neurons and the top of the first box: room for the label stacks,
    so that those of neighbouring neurons, and the legend above, never overlap them."""
    spread = _label_spread(sizes)
    return max(ROW, spread + 6), TOP + max(0.0, spread / 2 - BOX / 2)


def _neuron_positions(sizes: list[int]) -> list[list[tuple[float, float]]]:
    """The top-left corner of each box, layer by layer (inputs first), centred vertically."""
    tallest = max(sizes)
    row, top = _row_and_top(sizes)
    found = []
    for l, n in enumerate(sizes):
        offset = (tallest - n) * row / 2
        found.append([(LEFT + l * COLUMN, top + offset + j * row) for j in range(n)])
    return found


def playground_svg(p: Picture) -> str:
    """The whole picture as one <svg> element (no ids, so it can be shown many times on a page)."""
    positions = _neuron_positions(p.sizes)
    n_layers = len(p.sizes)
    network_width = LEFT + (n_layers - 1) * COLUMN + BOX + 40
    row, top = _row_and_top(p.sizes)
    network_height = top + (max(p.sizes) - 1) * row + max(BOX + 14, BOX / 2 + _label_spread(p.sizes) / 2) + 10
    left = network_width + 20
    width = left + OUTPUT + 30
    height = max(network_height, TOP + OUTPUT + 150)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="al-playground-svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    # Titles of the columns.
    for l in range(n_layers):
        x = positions[l][0][0] + BOX / 2
        name = "features" if l == 0 else ("output" if l == n_layers - 1 else f"hidden {l}")
        sub = "x = a^1" if l == 0 else f"l = {l + 1}, δ = ∂C/∂z"
        out.append(f'<text x="{x}" y="18" text-anchor="middle" font-weight="bold">{name}</text>'
                   f'<text x="{x}" y="32" text-anchor="middle" fill="#666" font-size="9">{sub}</text>')
    out.append(f'<text x="20" y="{TOP - 12}" fill="#666" font-size="9">edges: w (blue +, orange −, '
               f'width |w|); labels: {BP4_LABEL} for the sample ringed on the right</text>')
    out += _edges(p, positions)
    out += _boxes(p, positions)
    out += _output(p, left)
    out += _loss_curve(p, left, TOP + OUTPUT + 26)
    out.append("</svg>")
    return "".join(out)


def _edges(p: Picture, positions: list[list[tuple[float, float]]]) -> list[str]:
    out = ['<g class="al-edges" fill="none">']
    for l, layer in enumerate(p.weights):
        note = l + 2
        for j, row in enumerate(layer):
            x2, top = positions[l + 1][j]
            centre = top + BOX / 2
            n = len(row)
            for k, w in enumerate(row):
                x1, y1 = positions[l][k]
                x1 += BOX
                y1 += BOX / 2
                # the edges into a neuron arrive side by side along its box, in k's order, and
                # each ∂C/∂w is written just before its edge's end: one small column per neuron
                y2 = centre + (k - (n - 1) / 2) * min(5.0, (BOX - 6) / n)
                g = p.weight_gradients[l][j][k]
                stroke = "#0877bd" if w > 0 else "#f59322"
                thickness = min(8.0, 0.4 + 2.0 * abs(w))
                middle = (x1 + x2) / 2
                title = (f"w^{note}_{j}{k} = {w!r}\n"
                         f"∂C/∂w^{note}_{j}{k} = a^{note - 1}_{k} δ^{note}_{j} = {g!r}\n"
                         f"(BP4, eq. 23, for the ringed sample, without regularisation)")
                curve = f"M{x1:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
                # one title for the group: hovering the edge, its wide twin or its label shows it
                out.append(f'<g class="al-edge">{_title(title)}<path d="{curve}" stroke="{stroke}" '
                           f'stroke-width="{thickness:.2f}" stroke-opacity="0.75"/>'
                           # a wide transparent twin: an edge easy to hover
                           f'<path d="{curve}" stroke="transparent" stroke-width="8"/>')
                # baseline: the label's centre plus a third of the font
                label_y = centre + (k - (n - 1) / 2) * GRAD_PITCH + GRAD_FONT / 3
                out.append(f'<text class="al-grad" x="{x2 - 6}" y="{label_y:.1f}" font-size="{GRAD_FONT}" '
                           f'fill="#222" text-anchor="end" stroke="white" stroke-width="2" '
                           f'stroke-opacity="0.8" paint-order="stroke">{_short(g)}</text></g>')
    out.append("</g>")
    return out


def _boxes(p: Picture, positions: list[list[tuple[float, float]]]) -> list[str]:
    out = ['<g class="al-neurons">']
    size = p.neuron_grid
    for k, name in enumerate(p.features):
        x, y = positions[0][k]
        uri = _feature_uri(tuple(p.feature_maps[k]), p.grid, size)
        out.append(f'<g class="al-feature">'
                   f'<image x="{x}" y="{y}" width="{BOX}" height="{BOX}" href="{uri}"/>'
                   f'<rect x="{x}" y="{y}" width="{BOX}" height="{BOX}" fill="none" stroke="#999"/>'
                   f'<text x="{x - 4}" y="{y + BOX / 2 + 4}" text-anchor="end" font-size="10">'
                   f'{_attr(name)}</text>'
                   f'{_title(f"feature {name} over [-6, 6]²")}</g>')
    index = 0
    for l in range(1, len(p.sizes)):
        note = l + 1
        last = l == len(p.sizes) - 1
        for j in range(p.sizes[l]):
            x, y = positions[l][j]
            values = p.neuron_maps[index]
            index += 1
            uri = _data_uri(heat_map_png(_neuron_map(values, p.grid, size), size, size))
            delta = p.deltas[l - 1][j]
            bias = p.biases[l - 1][j]
            which = "BP1, eq. 20" if last else "BP2, eq. 21"
            title = (f"neuron {j} of layer {note}: b^{note}_{j} = {bias!r}\n"
                     f"δ^{note}_{j} = ∂C/∂z^{note}_{j} = {delta!r} ({which}, for the ringed sample)\n"
                     f"heat map: a^{note}_{j} over [-6, 6]²")
            out.append(f'<g class="al-neuron">'
                       f'<image x="{x}" y="{y}" width="{BOX}" height="{BOX}" href="{uri}"/>'
                       f'<rect x="{x}" y="{y}" width="{BOX}" height="{BOX}" fill="none" stroke="#555"/>'
                       f'<text class="al-delta" x="{x + BOX / 2}" y="{y + BOX + 11}" text-anchor="middle" '
                       f'font-size="9">δ {_short(delta)}</text>{_title(title)}</g>')
    out.append("</g>")
    return out


def _output(p: Picture, left: float) -> list[str]:
    values = p.neuron_maps[-1]
    uri = _data_uri(heat_map_png(values, p.grid, p.grid))
    train = p.loss[0]
    out = [f'<text x="{left}" y="18" font-weight="bold">output over [-6, 6]² ({p.grid} × {p.grid})</text>',
           f'<text class="al-losses" x="{left}" y="32" font-size="10">epoch {p.epoch}, step {p.steps}: '
           f'training loss {train:.4f}, test loss {_test_loss(p)}</text>',
           f'<text class="al-check" x="{left}" y="45" font-size="9" fill="#666">autodiff vs BP1–BP4: '
           f'{_difference(p.difference)}</text>',
           f'<g class="al-output"><image x="{left}" y="{TOP}" width="{OUTPUT}" height="{OUTPUT}" '
           f'href="{uri}" preserveAspectRatio="none"/>',
           f'<rect x="{left}" y="{TOP}" width="{OUTPUT}" height="{OUTPUT}" fill="none" stroke="#999"/>']
    scale = OUTPUT / 12.0
    ringed = None
    trained = 0  # the training points come in index order: the k-th one is the sample index k
    for i, ((x1, x2), label, test_point) in enumerate(p.points):
        # datasets keeps its points in the square; any other point is drawn on the edge, never left out
        cx = left + (min(6.0, max(-6.0, x1)) + 6.0) * scale
        cy = TOP + (6.0 - min(6.0, max(-6.0, x2))) * scale
        fill = "#{:02x}{:02x}{:02x}".format(*colour(label))
        stroke = "#000" if test_point else "#fff"
        where = f"x = ({x1:.3f}, {x2:.3f}), y = {label:g}"
        if test_point:
            title = f"test point: {where} (not trained on)"
        else:
            title = f"training point, sample {trained}: {where}; its δ: set the sample to {trained}"
            if i == p.sample:
                ringed = (cx, cy, f"the sample δ is shown for, sample {trained}: {where}")
            trained += 1
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{fill}" stroke="{stroke}" '
                   f'stroke-width="0.8">{_title(title)}</circle>')
    if ringed is not None:
        cx, cy, where = ringed
        out.append(f'<circle class="al-sample" cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="none" stroke="#d00" '
                   f'stroke-width="2">{_title(where)}</circle>')
    out.append("</g>")
    return out


def _difference(difference: float) -> str:
    if math.isnan(difference):  # the closed form could not be computed: infinite weights or cost
        return "nothing to compare (training diverged: reset, or lower the learning rate)"
    return f"largest difference {difference:.1e}"


def _test_loss(p: Picture) -> str:
    return f"{p.loss[1]:.4f}" if any(test for _, _, test in p.points) else "none (no test points)"


def _loss_curve(p: Picture, left: float, top: float) -> list[str]:
    height = 90
    history = p.history
    if len(history) > 300:  # at most ~300 points drawn: every k-th, and the last
        k = math.ceil(len(history) / 300)
        history = history[::k] + ([history[-1]] if (len(history) - 1) % k else [])
    finite = [v for _, a, b in history for v in (a, b) if math.isfinite(v)]
    top_value = max(finite, default=1.0) or 1.0
    last_step = max(history[-1][0], 1)
    out = [f'<g class="al-loss-curve"><rect x="{left}" y="{top}" width="{OUTPUT}" height="{height}" '
           f'fill="#fafafa" stroke="#ccc"/>'
           f'<text x="{left}" y="{top + height + 12}" font-size="9" fill="#666">loss against step '
           f'(0 to {history[-1][0]}; top {_short(top_value)}): training black, test grey</text>']
    for column, stroke in ((1, "#000"), (2, "#999")):
        coordinates = [f"{left + OUTPUT * s / last_step:.1f},{top + height * (1 - v / top_value):.1f}"
                       for s, *values in history for v in [values[column - 1]] if math.isfinite(v)]
        if coordinates:
            out.append(f'<polyline fill="none" stroke="{stroke}" stroke-width="1.2" '
                       f'points="{" ".join(coordinates)}"/>')
    out.append("</g>")
    return out

