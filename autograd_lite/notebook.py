"""Backprop in a notebook: the step-by-step player inline, and graphs that follow sliders.

- `show_backprop(root)` renders the player of `backprop_page` (one frame per
  backward step, plus the start) when called, and returns an object shown in
  the cell: with Graphviz's `dot`, `_repr_html_()` is that player inline, its
  ids scoped to the instance; without it, an anywidget widget that draws the
  frames in the browser (`widgets.player`), the player's markup with DOT text
  as the text/html beside it. `.save(path)` writes the standalone page exactly
  as `backprop_html` does (the same `backprop_page.Player`).
- `explore(f, **values)` and `explore_network(model, x, y)` return ipywidgets
  widgets: one slider per number; each move rebuilds the graph, runs backward
  and redraws it in a `widgets.Graph` (SVG from `dot` when installed, else drawn
  in the browser; zoom, fit and pan either way). For tests and scripts the
  widget exposes `.sliders`, `.dot` (the DOT text now shown) and `.error` (the
  one-line message now shown, or None).

ipywidgets and IPython are imported lazily, here only (`display` and
`display_png` are how the demos show pictures in a kernel; anywidget in
`widgets`): the rest of the package never imports this module. Imports engine,
render, viz, backprop_page, widgets and expression.
"""

from __future__ import annotations

import functools
import html
import inspect
import itertools
import math
import numbers
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import render, viz
from .backprop_page import Frame, Player, render_player
from .engine import Value
from .playground import playground  # the training playground (widget), re-exported here

__all__ = ["BackpropPlayer", "display", "display_png", "explore", "explore_network", "playground",
           "show_backprop"]

EXTRA_HINT = "pip install 'autograd_lite[notebook]'"

_instances = itertools.count()


def _prefix() -> str:
    """A fresh id prefix: unique within a page, and across sessions (a saved output
    from yesterday and today's first player must not share ids)."""
    return f"al{next(_instances)}-{secrets.token_hex(3)}-"


class BackpropPlayer:
    """The step-by-step backprop player of one graph, already rendered.

    Shown by Jupyter through `_repr_html_` (each display gets its own id prefix,
    so several players, or one shown twice, never interfere) when `dot` drew the
    frames; else through `_repr_mimebundle_`, a widget drawing them in the browser
    (its text/html: the player with DOT text, for where scripts do not run).
    `save(path)` writes the standalone page of `backprop_html`.
    """

    def __init__(self, player: Player) -> None:
        self._player = player

    @property
    def frames(self) -> list[Frame]:
        """The frames: the start, then one per backward step."""
        return self._player.frames

    def _repr_html_(self) -> str:
        if self._player.pictures is None:  # no script: the frames' DOT text, one after another
            return self._player.markup(_prefix())
        return self._player.fragment(_prefix())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        if self._player.pictures is not None:
            return None  # IPython then asks _repr_html_: the player with dot's SVG
        text = f"<backprop player: {len(self.frames)} frames>"
        try:
            from .widgets import player

            widget = player(self._player.markup(_prefix()))
        except ImportError:  # no ipywidgets or anywidget: every frame's DOT text, never a traceback
            return {"text/plain": text, "text/html": self._repr_html_()}
        return widget.bundle(text)

    def save(self, path: str | Path, title: str | None = None) -> Path:
        """Write the self-contained page (as `backprop_html` does) and return its path."""
        return self._player.save(path, title)


def show_backprop(root: Value, *, edge_labels: bool = True, max_nodes: int = 200) -> BackpropPlayer:
    """The backward pass of root as an inline player: slider, previous/next, play, arrow keys.

    Rendered now with `dot` when it is installed; without it the frames are drawn in
    the browser. A graph over `max_nodes` Values is a ValueError. Writes no `.grad`.
    """
    return BackpropPlayer(render_player(root, edge_labels=edge_labels, max_nodes=max_nodes,
                                        who="show_backprop"))


def display(obj: Any) -> None:
    """Show obj (a graph, a player, a widget) in the cell's output, through IPython."""
    from IPython.display import display as ipython_display

    ipython_display(obj)


def display_png(path: str | Path) -> None:
    """Show a PNG file in the cell's output, through IPython."""
    from IPython.display import Image

    display(Image(filename=str(path)))


# ---------------------------------------------------------------------------
# Live graphs: sliders -> rebuild -> backward -> redraw


def _import_widgets() -> Any:
    try:
        import anywidget  # noqa: F401 - the graph below the sliders (autograd_lite.widgets)
        import ipywidgets
    except ImportError:
        raise ImportError(f"explore needs ipywidgets and anywidget, from the notebook extra: "
                          f"{EXTRA_HINT}") from None
    return ipywidgets


def _number(who: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise TypeError(f"{who}: the value of {name} must be a number, got {shown} ({type(value).__name__})")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{who}: the value of {name} must be finite, got {number}")
    return number


def _range(who: str, name: str, value: float, given: Any) -> tuple[float, float]:
    """[v - r, v + r] with r = max(5, 2|v|), or the (lo, hi) given for this name."""
    if given is None:
        r = max(5.0, 2.0 * abs(value))
        return value - r, value + r
    try:
        lo, hi = (_number(who, f"the range of {name}", end) for end in given)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{who}: ranges[{name!r}] must be (low, high) numbers, got {given!r}") from None
    if not lo <= value <= hi or lo == hi:
        raise ValueError(f"{who}: ranges[{name!r}] = ({lo}, {hi}) must be a non-empty interval "
                         f"holding the start value {value}")
    return lo, hi


def _step(lo: float, value: float, hi: float) -> float:
    """A slider step with the start value on the grid lo + k·step (about 1000 positions).

    The browser's slider snaps its value to that grid and sends the snapped value
    back: with a round step, b = 6.8814 in [-6.8814, 20.6441] would become 6.9186.
    """
    if value == lo:
        return (hi - lo) / 1000.0
    return (value - lo) / max(1, round(1000.0 * (value - lo) / (hi - lo)))


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


@functools.cache
def _explorer_class() -> type:
    """The widget class, made on first use (ipywidgets is imported only then)."""
    widgets = _import_widgets()

    class Explorer(widgets.VBox):
        """Sliders above a graph that is rebuilt, backpropagated and redrawn on every move.

        `.sliders` maps each name to its FloatSlider; `.dot` is the DOT text of the
        drawing now shown; `.error` is None, or the one-line message now shown
        (the drawing then stays the last good one).
        """

        def __init__(self, sliders: dict[str, Any], draw: Callable[[dict[str, float]], viz.Drawing]) -> None:
            from .widgets import graph

            self._draw = draw
            self._message = widgets.HTML()
            self._picture = graph("", svg=" ")  # " ": no renderer needed until a drawing needs one
            self._picture.add_class("al-explore-graph")
            super().__init__(children=[*sliders.values(), self._message, self._picture])
            self.sliders = sliders
            self.dot: str | None = None
            self.error: str | None = None
            for slider in sliders.values():
                slider.observe(self._redraw, names="value")
            self._redraw()

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            # Beside the widget view: the graph's DOT text at display time, for where no widget
            # runs (an untrusted notebook, nbconvert, GitHub), so it can be rendered again.
            from .widgets import with_html

            note = ('<p class="al-dot-hint">explore: the sliders and the live graph need a running '
                    "kernel; here is the graph's DOT text as first shown.</p>")
            return with_html(super()._repr_mimebundle_(**kwargs),
                             note + render.dot_block(self.dot or "", hint=False))

        def _redraw(self, change: Any = None) -> None:
            values = {name: float(slider.value) for name, slider in self.sliders.items()}
            try:
                drawing = self._draw(values)
                dot = viz.render_dot_text(drawing)
                svgs = render.static_svgs([dot])  # None: no `dot`, or it failed (one warning)
                svg = svgs[0] if svgs is not None else ""
            except Exception as error:  # log(-1), 1/0, f's own error: shown, not raised from a slider
                # (Exception, not BaseException: KeyboardInterrupt and SystemExit still stop the kernel.)
                self.error = _one_line(error)
                self._message.value = (f'<pre class="al-explore-error" style="color:#b00020">'
                                       f"{html.escape(self.error)}</pre>")
                return
            self.error = None
            self._message.value = ""
            self.dot = dot
            # Drawn at a readable size (graphs.js: zoom, fit to width, pan): by `dot` here, or,
            # without it, in the browser from the DOT text (the renderer joins only then).
            with self._picture.hold_sync():
                if not svg and not self._picture._renderer:
                    from .widgets import renderer

                    self._picture._renderer = renderer().model_id
                self._picture.svg = render.inline_svg(svg, _prefix()) if svg else ""
                self._picture.dot = dot

    return Explorer


def _sliders(who: str, starts: Mapping[str, float], ranges: Mapping[str, Any]) -> dict[str, Any]:
    widgets = _import_widgets()
    sliders = {}
    for name, value in starts.items():
        lo, hi = _range(who, name, value, ranges.get(name))
        sliders[name] = widgets.FloatSlider(
            value=value, min=lo, max=hi, step=_step(lo, value, hi), description=name, readout_format=".4f",
            continuous_update=True, layout=widgets.Layout(width="32rem"))
    return sliders


def _arguments(f: Callable[..., Any]) -> list[str]:
    """The names of f's positional parameters (one slider each)."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"explore: cannot read the parameters of {f!r}") from None
    names = []
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY):
            raise TypeError(f"explore: f must take named positional parameters only, got {p}")
        names.append(p.name)
    return names


def explore(f: Callable[..., Value] | str, /, *, ranges: Mapping[str, Any] | None = None,
            **values: float) -> Any:
    """A widget: one FloatSlider per argument of f, and f's graph after backward below them.

    `f` is a function of Values (`lambda x, w, b: (x*w + b).tanh()`) or an
    expression string as `autograd-lite graph` takes it (`"tanh(x*w + b)"`,
    read by the whitelist parser, never eval). Each slider starts at its value
    in `values`; its range is [v - r, v + r] with r = max(5, 2|v|), unless
    `ranges={"w": (lo, hi)}` says otherwise. A missing or unknown name is a
    TypeError here. Moving a slider rebuilds the graph, runs backward and
    redraws; a value where f fails (log of a negative number, any exception f
    raises, a result that is not a Value) shows the message in one line and keeps
    the last good drawing.
    """
    from .expression import parse, variables

    if isinstance(f, str):
        names = variables(f)

        def build(vals: dict[str, float]) -> Value:
            return parse(f, vals)[0]
    elif callable(f):
        names = _arguments(f)

        def build(vals: dict[str, float]) -> Value:
            root = f(*(Value(vals[name], label=name) for name in names))
            if not isinstance(root, Value):
                raise TypeError(f"explore: f must return a Value, got {type(root).__name__}")
            return root
    else:
        raise TypeError(f"explore: f must be a function of Values or an expression string, "
                        f"got {type(f).__name__}")
    missing = [name for name in names if name not in values]
    if missing:
        raise TypeError(f"explore: no start value for {', '.join(missing)} (pass e.g. {missing[0]}=1.0)")
    unknown = [name for name in values if name not in names]
    ranges = dict(ranges or {})
    unknown += [name for name in ranges if name not in names and name not in unknown]
    if unknown:
        takes = ", ".join(names) or "nothing"
        raise TypeError(f"explore: unknown name {', '.join(unknown)}; f takes {takes}")
    starts = {name: _number("explore", name, values[name]) for name in names}

    def draw(vals: dict[str, float]) -> viz.Drawing:
        root = build(vals)
        root.backward()
        return viz.graph_description(root, edge_labels=True, legend=False)

    return _explorer_class()(_sliders("explore", starts, ranges), draw)


def explore_network(model: Any, x: Sequence[float], y: Sequence[float], *, cost: str | None = None,
                    weight: tuple[int, int, int] | None = None) -> Any:
    """A widget: sliders for the inputs x_k (and for one weight), the network of
    `viz.draw_network` below them, δ on every z node, redrawn on every move.

    `weight=(layer, neuron, k)` adds a slider for
    `model.layers[layer].neurons[neuron].w[k]` (w^{layer+2}_{neuron k} in the
    note's numbering); moving it sets that weight of the model. `cost` is a
    name of `nn.COSTS` (default: the model's own cost, else quadratic, as for
    `draw_network`). The drawing uses the pure gradient walk: no `.grad` changes.
    A wrong y, cost or weight is an error here, at the call.
    """
    x = list(x)
    if len(x) != model.nin:
        raise ValueError(f"explore_network: the model takes {model.nin} inputs, got {len(x)}")
    starts = {f"x_{k}": _number("explore_network", f"x[{k}]", xk) for k, xk in enumerate(x)}
    y = [_number("explore_network", f"y[{j}]", yj) for j, yj in enumerate(y)]
    param = None
    if weight is not None:
        try:
            layer, neuron, k = weight
            # Whole numbers only: int(0.7) or True would pick a weight silently.
            if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) and i >= 0
                       for i in (layer, neuron, k)):
                raise IndexError(weight)
            param = model.layers[layer].neurons[neuron].w[k]
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"explore_network: weight must be (layer, neuron, k) indices of the model, "
                             f"as model.layers[layer].neurons[neuron].w[k]; got {weight!r}") from None
        wname = model.note_names()[param]  # the name the drawing gives it
        starts[wname] = param.data

    def draw(vals: dict[str, float]) -> viz.Drawing:
        if param is not None:
            param.data = vals[wname]
        return viz.network_description(model, [vals[f"x_{k}"] for k in range(len(x))], y, cost=cost)

    # y, cost and the model do not move with the sliders: if they cannot be drawn at the start,
    # that is the caller's error, raised here rather than shown as a message in the widget.
    try:
        draw(starts)
    except (ArithmeticError, ValueError) as error:
        raise ValueError(f"explore_network: {_one_line(error).partition(': ')[2]}") from None
    return _explorer_class()(_sliders("explore_network", starts, {}), draw)
