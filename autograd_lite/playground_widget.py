"""The playground's widget: a `Playground` inside ipywidgets, its options as controls.

`PlaygroundWidget(pg)` (made by `playground.playground(**options)`) shows the
controls (data, noise, features, layers, activation, rates, seed, the sample),
play / pause / step / reset, and the drawing, redrawn after every frame; it
drives like the `Playground` it holds. Play is an `ipywidgets.Play` timer in the
front end, never a thread (Pyodide has none).

Imports ipywidgets at import time: only `playground.playground()` imports this
module, so the rest of the package never needs ipywidgets. Imports playground
and datasets; the engine for counting a graph's Values.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence
from typing import Any

try:
    import ipywidgets as widgets
except ImportError:
    raise ImportError("playground needs ipywidgets, from the notebook extra: pip install "
                      "'autograd_lite[notebook]' (Playground(...) itself needs nothing)") from None

from . import datasets
from .engine import topological_order
from .playground import ACTIVATIONS, MAX_LAYERS, MAX_NEURONS, PLAYER_NODES, Playground

__all__ = ["LEARNING_RATES", "PLAY_INTERVAL_MS", "REGULARIZATION_RATES", "PlaygroundWidget"]

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PLAY_INTERVAL_MS = 50  # the timer's tick while playing: a frame (steps, then a redraw) per tick


def _choices(values: Sequence[float], current: float) -> list[tuple[str, float]]:
    return [(f"{v:g}", v) for v in sorted({*values, current})]


def button(text: str, tip: str, icon: str = "") -> Any:
    width = f"{2.2 + 0.62 * len(text) + (1.4 if icon else 0):.1f}em"  # room for the whole word
    made = widgets.Button(description=text, tooltip=tip, icon=icon, layout=widgets.Layout(width=width))
    made.add_class(f"al-pg-{text.replace(' ', '-')}")
    return made

class PlaygroundWidget(widgets.VBox):
    """A `Playground` inside widgets: the options as controls, play / pause / step / reset,
    the drawing redrawn after every frame. Drives like the Playground it holds
    (`.step(n)`, `.reset()`, `.set(...)`, `.loss`, `.epoch`, `.model`, `.deltas`,
    `.svg`, `.options`, `.code`; `.playground` is the object itself). Play is an
    `ipywidgets.Play` timer in the browser: each tick comes to the kernel as a
    message, between which a pause click is seen (no thread, no blocking loop)."""

    # A tick that comes sooner than this after the last frame ended is dropped: it waited in
    # the queue while that frame was drawn (a tick sent on time comes later than this), so a
    # kernel slower than the timer never builds a backlog of ticks, which would delay a pause.
    frame_gap = 0.005

    def __init__(self, pg: Playground) -> None:
        self.playground = pg
        self._syncing = False
        self._frame_ended = 0.0
        o = pg.options
        # -- the run controls
        self._play = widgets.Play(value=0, min=0, max=10**9, step=1, interval=PLAY_INTERVAL_MS,
                                  show_repeat=False, layout=widgets.Layout(display="none"))
        self._play.observe(self._tick, names="value")
        self._play.observe(self._playing_changed, names="playing")
        self.play_button = button("play", "play: train and redraw, frame after frame", "play")
        self.pause_button = button("pause", "pause", "pause")
        self.step_button = button("step", "step: one batch step of gradient descent", "step-forward")
        self.reset_button = button("reset", "reset: the initial weights, step 0", "undo")
        self.play_button.on_click(lambda _: self.play())
        self.pause_button.on_click(lambda _: self.pause())
        self.step_button.on_click(lambda _: self._guarded(self.step, 1))
        self.reset_button.on_click(lambda _: self._guarded(self.reset))
        self._speed = widgets.IntSlider(value=1, min=1, max=50, description="steps/frame",
                                        layout=widgets.Layout(width="18rem"))
        self._counter = widgets.HTML(layout=widgets.Layout(margin="0 1rem", width="12em"))
        self._counter.add_class("al-pg-epoch")
        self._losses = widgets.HTML()
        self._losses.add_class("al-pg-loss")
        # -- the options
        short = {"style": {"description_width": "initial"}}
        self._dataset = widgets.Dropdown(options=list(datasets.DATASETS), value=o["dataset"],
                                         description="data", **short)
        self._noise = widgets.FloatSlider(value=o["noise"], min=0.0, max=0.5, step=0.05,
                                          description="noise", **short)
        self._test_fraction = widgets.FloatSlider(value=o["test_fraction"], min=0.0, max=0.9, step=0.1,
                                                  description="test fraction", **short)
        self._batch = widgets.IntSlider(value=o["batch_size"], min=1, max=max(30, o["batch_size"]),
                                        description="batch size", **short)
        self._features = {name: widgets.ToggleButton(value=name in o["features"], description=name,
                                                     tooltip=f"feed the feature {name}",
                                                     layout=widgets.Layout(width="auto"))
                          for name in datasets.FEATURES}
        self._activation = widgets.Dropdown(options=list(ACTIVATIONS), value=o["activation"],
                                            description="activation", **short)
        self._rate = widgets.Dropdown(options=_choices(LEARNING_RATES, o["learning_rate"]),
                                      value=o["learning_rate"], description="learning rate", **short)
        # "none", not None: a Dropdown whose value is None shows no selection at all
        self._regularization = widgets.Dropdown(options=[("none", "none"), ("L1", "l1"), ("L2", "l2")],
                                                value=o["regularization"] or "none",
                                                description="regularization", **short)
        self._regularization_rate = widgets.Dropdown(
            options=_choices(REGULARIZATION_RATES, o["regularization_rate"]),
            value=o["regularization_rate"], description="rate", **short)
        # text, not a number box: the Playground takes any int, and a number box would clamp or
        # round a big seed (JavaScript's numbers), silently training on other data
        self._seed = widgets.Text(value=str(o["seed"]), description="seed", continuous_update=False,
                                  layout=widgets.Layout(width="14rem"), **short)
        for control in (self._dataset, self._noise, self._test_fraction, self._batch, self._activation,
                        self._rate, self._regularization, self._regularization_rate, self._seed,
                        *self._features.values()):
            control.observe(self._option_changed, names="value")
        # -- the layers
        self.add_layer_button = button("add layer", "add layer: one more hidden layer, last", "plus")
        self.remove_layer_button = button("remove layer", "remove layer: the last hidden layer", "minus")
        self.add_layer_button.on_click(lambda _: self._change_layers(+1))
        self.remove_layer_button.on_click(lambda _: self._change_layers(-1))
        self._layers = widgets.HBox()
        # -- what backprop shows
        self._check = widgets.Checkbox(value=True, description="check autodiff against BP1–BP4",
                                       indent=False)
        self._follow = widgets.Checkbox(value=True, description="δ for the last sample trained on",
                                        indent=False)
        # a box to type the index a point's hover title gives; typing one stops following
        self._sample = widgets.BoundedIntText(value=0, min=0, max=max(0, len(pg.data.train) - 1),
                                              description="sample", layout=widgets.Layout(width="10rem"),
                                              **short)
        # every observer goes through _guarded: an error is said in the widget, not in the log
        self._check.observe(lambda _: self._guarded(self.redraw), names="value")
        self._follow.observe(lambda change: self._guarded(self._sample_changed, change), names="value")
        self._sample.observe(lambda change: self._guarded(self._sample_changed, change), names="value")
        self.backprop_button = button("backprop this sample",
                                      "open the step-by-step player on this sample's graph", "list-ol")
        self.backprop_button.on_click(lambda _: self._open_player())
        self.code_button = widgets.ToggleButton(value=False, description="copy this code",
                                                tooltip="the Python that reproduces this training",
                                                icon="code")
        self.code_button.observe(lambda _: self._guarded(self.redraw), names="value")
        self._code = widgets.Textarea(layout=widgets.Layout(width="100%", height="16rem", display="none"))
        self._message = widgets.HTML()
        self._picture = widgets.HTML()
        self._picture.add_class("al-playground")
        self._player = widgets.Output()
        super().__init__(children=[
            widgets.HBox([self.play_button, self.pause_button, self.step_button, self.reset_button,
                          self._speed, self._counter, self._play]),
            self._losses,
            widgets.HBox([self._dataset, self._noise, self._test_fraction, self._batch]),
            widgets.HBox([widgets.Label("features"), *self._features.values()]),
            widgets.HBox([self._activation, self._rate, self._regularization, self._regularization_rate,
                          self._seed]),
            widgets.HBox([widgets.Label("hidden layers"), self.add_layer_button, self.remove_layer_button,
                          self._layers]),
            widgets.HBox([self._check, self._follow, self._sample]),
            self._message, self._picture,
            widgets.HBox([self.backprop_button, self.code_button]), self._code, self._player,
        ])
        self.add_class("al-playground-widget")
        self._build_layer_controls()
        self.redraw()

    # -- driving it, as the Playground ----------------------------------------
    def step(self, n: int = 1) -> None:
        self.playground.step(n)
        self.redraw()

    def reset(self) -> None:
        self.playground.reset()  # which also forgets the chosen sample: the controls follow
        self._sync_controls()
        self.redraw()

    def set(self, **changes: Any) -> None:
        self.playground.set(**changes)
        self._sync_controls()
        self.redraw()

    def play(self) -> None:
        self._play.playing = True

    def pause(self) -> None:
        self._play.playing = False

    @property
    def playing(self) -> bool:
        return bool(self._play.playing)

    @property
    def sample(self) -> int | None:
        return self.playground.sample

    @sample.setter
    def sample(self, index: int | None) -> None:
        self._follow.value = index is None  # the controls follow, and the picture is redrawn
        if index is not None:
            self._sample.value = index
        self.playground.sample = index
        self.redraw()

    def backprop_player(self, max_nodes: int = PLAYER_NODES) -> Any:
        return self.playground.backprop_player(max_nodes)

    def scope_drawing(self) -> Any:
        return self.playground.scope_drawing()

    options = property(lambda self: self.playground.options)
    loss = property(lambda self: self.playground.loss)
    epoch = property(lambda self: self.playground.epoch)
    steps = property(lambda self: self.playground.steps)
    model = property(lambda self: self.playground.model)
    deltas = property(lambda self: self.playground.deltas)
    weight_gradients = property(lambda self: self.playground.weight_gradients)
    check = property(lambda self: self.playground.check)
    svg = property(lambda self: self.playground.svg)
    code = property(lambda self: self.playground.code)

    # -- the front end's events -----------------------------------------------
    def _guarded(self, action: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Run a click's action; an error (a bad option, training that overflows) is shown in
        the widget, and stops play, instead of vanishing into the kernel's log."""
        try:
            action(*args, **kwargs)
        except (ArithmeticError, ValueError) as error:
            self.pause()
            self._message.value = (f'<pre class="al-pg-error" style="color:#b00020">'
                                   f"{type(error).__name__}: {_html(str(error))}</pre>")
        else:
            self._message.value = ""

    def _tick(self, change: Any) -> None:
        # a tick that arrives after a pause click, or too soon after the last frame, is dropped
        if self._play.playing and time.perf_counter() - self._frame_ended >= self.frame_gap:
            self._guarded(self.step, self._speed.value)
            self._frame_ended = time.perf_counter()

    def _playing_changed(self, change: Any) -> None:
        for control in (self.play_button, self.step_button):
            control.disabled = bool(change["new"])

    def _option_changed(self, change: Any) -> None:
        if self._syncing:
            return
        features = [name for name, toggle in self._features.items() if toggle.value]
        regularization = None if self._regularization.value == "none" else self._regularization.value
        self._guarded(self.set, dataset=self._dataset.value, noise=self._noise.value,
                      test_fraction=self._test_fraction.value, batch_size=self._batch.value,
                      features=features, activation=self._activation.value,
                      learning_rate=self._rate.value, regularization=regularization,
                      regularization_rate=self._regularization_rate.value, seed=self._seed_value())
        if self._message.value:  # refused (no feature left, say): show the options in force
            self._sync_controls()

    def _seed_value(self) -> Any:
        """The seed box's int, or its text as typed (then refused by check_options, and said)."""
        text = self._seed.value.strip()
        try:
            return int(text)
        except ValueError:
            return text

    def _change_layers(self, by: int, layer: int | None = None) -> None:
        hidden = self.playground.options["hidden"]
        if layer is None:
            hidden = [*hidden, hidden[-1] if hidden else 4] if by > 0 else hidden[:-1]
        else:
            hidden[layer] += by
        self._guarded(self.set, hidden=hidden)
        self._build_layer_controls()

    def _build_layer_controls(self) -> None:
        hidden = self.playground.options["hidden"]
        columns = []
        for index, size in enumerate(hidden):
            more = button("+", f"add a neuron to hidden layer {index + 1}")
            fewer = button("−", f"remove a neuron from hidden layer {index + 1}")
            more.disabled, fewer.disabled = size >= MAX_NEURONS, size <= 1
            more.on_click(lambda _, i=index: self._change_layers(+1, i))
            fewer.on_click(lambda _, i=index: self._change_layers(-1, i))
            columns.append(widgets.VBox([widgets.Label(f"layer {index + 1}: {size}"),
                                         widgets.HBox([more, fewer])]))
        self._layers.children = columns
        self.add_layer_button.disabled = len(hidden) >= MAX_LAYERS
        self.remove_layer_button.disabled = not hidden

    def _sample_changed(self, change: Any) -> None:
        if self._syncing:
            return
        if change["owner"] is self._sample and self._follow.value:
            self._syncing = True  # a sample typed in: stop following the last one trained on
            try:
                self._follow.value = False
            finally:
                self._syncing = False
        self.playground.sample = None if self._follow.value else self._sample.value
        self.redraw()

    def _sync_controls(self) -> None:
        """The controls showing the options in force (after a reset, a refused change, set())."""
        o = self.playground.options
        self._syncing = True
        try:
            self._rate.options = _choices(LEARNING_RATES, o["learning_rate"])
            self._regularization_rate.options = _choices(REGULARIZATION_RATES, o["regularization_rate"])
            self._batch.max = max(self._batch.max, o["batch_size"])
            for control, key in ((self._dataset, "dataset"), (self._noise, "noise"),
                                 (self._test_fraction, "test_fraction"), (self._batch, "batch_size"),
                                 (self._activation, "activation"), (self._rate, "learning_rate"),
                                 (self._regularization_rate, "regularization_rate")):
                control.value = o[key]
            self._seed.value = str(o["seed"])
            self._regularization.value = o["regularization"] or "none"
            for name, toggle in self._features.items():
                toggle.value = name in o["features"]
            # the sample: None after a reset or a restart, so δ follows the last one trained on
            sample = self.playground.sample
            self._sample.max = max(0, len(self.playground.data.train) - 1)
            self._sample.value = 0 if sample is None else sample
            self._follow.value = sample is None
        finally:
            self._syncing = False
        self._build_layer_controls()

    def _open_player(self) -> None:
        """The player (or the drawing by scopes) in the output below the buttons. Written with
        append_stdout / append_display_data, which need no `with output:` capture. Only graphs
        within the player's limit are stepped through: a bigger one would block the kernel
        for seconds to a minute and write tens of MB (see PLAYER_NODES)."""
        pg = self.playground
        nodes = topological_order(pg.sample_graph())
        frames = sum(node._rule is not None for node in nodes) + 1
        small = len(nodes) <= PLAYER_NODES
        self._player.outputs = ()
        if small:
            self._player.append_stdout(f"the backward pass of this sample's graph: {len(nodes)} Values, "
                                       f"{frames} frames\n")
        else:
            smaller = pg.smaller_network()
            advice = ("" if smaller is None else
                      f" To step through a sample's backward pass, make the network smaller: "
                      f"hidden={smaller} (with these features its graph has "
                      f"{Playground(**{**pg.options, 'hidden': smaller}).graph_size()} Values).")
            self._player.append_stdout(
                f"this sample's graph has {len(nodes)} Values ({frames} frames), more than the step "
                f"player's {PLAYER_NODES}: drawn by its layer scopes instead.{advice}\n")
        try:
            shown = pg.backprop_player() if small else pg.scope_drawing()
            self._player.append_display_data(shown)
        except Exception as error:  # no dot, say: written in the output, not lost in a callback
            self._player.append_stdout(f"{type(error).__name__}: {error}\n")

    # -- the picture -------------------------------------------------------
    def redraw(self) -> None:
        pg = self.playground
        train, test = pg.loss
        self._counter.value = f"<b>epoch {pg.epoch}</b> · step {pg.steps}"
        tested = f"{test:.4f}" if pg.data.test else "none (no test points)"
        self._losses.value = (f'<span class="al-pg-losses">training loss {train:.4f} · '
                              f"test loss {tested}</span>")
        svg = pg.svg
        if not self._check.value:  # the check's line left out of the picture
            svg = svg.replace('class="al-check"', 'class="al-check" display="none"', 1)
        # fitted to the cell's width (the viewBox keeps the proportions), as the other widgets are
        svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
        self._picture.value = f'<div class="al-pg-picture">{svg}</div>'
        self._code.layout.display = "" if self.code_button.value else "none"
        if self.code_button.value:
            self._code.value = pg.code


def _html(text: str) -> str:
    return html.escape(text, quote=False)
