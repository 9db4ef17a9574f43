"""The notebook widgets that draw DOT text in the browser (anywidget), where `dot` is missing.

- `Graph` (made by `graph(dot_text, svg="")`): one picture, with graphs.js's
  zoom / fit / pan tools. Its `dot` trait is drawn in the browser by Graphviz
  compiled to WebAssembly; where `svg` is set (made by `dot` in the kernel, as
  `explore` does when Graphviz is installed) that static SVG is shown instead.
  Changing either redraws, which is how `explore` follows its sliders.
- `PlayerWidget` (made by `player(markup)`): backprop_page's player, its
  frames as DOT text (the measuring graph in the markup), drawn in the browser.
- `Renderer`: viz-global.js (1.3 MB) as the trait `source` of ONE widget model
  per kernel (`renderer()`); every other widget carries only its model id. So the
  renderer is sent to the page and stored in a notebook's widget state once,
  whatever the number of graphs, and a page reloaded with the same kernel gets
  it back from the kernel like any widget model. `source` is gzip, base64: as
  JSON text the bundle (its WebAssembly is a string full of control characters)
  would grow to 3.3 MB; so it is 0.7 MB, unpacked by the browser's
  DecompressionStream.

Why anywidget: its JavaScript ships inside the Python package (no extension to
install or build) and it runs in JupyterLab, Notebook 7, VS Code, Colab and
JupyterLite. Every display also carries text/html: the DOT text and a one-line
hint, which is what an untrusted notebook, nbconvert or GitHub shows.

anywidget, ipywidgets and traitlets are imported here only, when a widget is
first made (ImportError otherwise: `bundle` and the callers fall back to the DOT
text), so importing this module needs only the standard library. Imports render;
render never imports this module.
"""

from __future__ import annotations

import base64
import functools
import gzip
from typing import Any

from . import render

__all__ = ["bundle", "graph", "player", "renderer"]


@functools.cache
def _classes() -> tuple[type, type, type]:
    import anywidget
    import traitlets

    module = render.asset("graphs.js") + "\n" + render.asset("player.js") + "\n" + render.asset("widgets.js")

    class Renderer(anywidget.AnyWidget):
        """Graphviz compiled to WebAssembly (viz-global.js, gzip, base64), once per kernel:
        never displayed."""

        _esm = "export default {};\n"
        source = traitlets.Unicode("").tag(sync=True)

    class _Drawn(anywidget.AnyWidget):
        _renderer = traitlets.Unicode("").tag(sync=True)
        fallback = ""  # text/html beside the widget view: the DOT text and a hint

        def bundle(self, text: str) -> dict[str, Any]:
            data, _ = self._repr_mimebundle_()
            return {**data, "text/plain": text}

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            return with_html(super()._repr_mimebundle_(**kwargs), self.fallback)

    class Graph(_Drawn):
        """One graph: `dot` drawn in the browser, or `svg` (from `dot` in the kernel) as it is."""

        _esm = module + "\nexport default graphWidget;\n"
        _css = render.asset("graphs.css")
        dot = traitlets.Unicode("").tag(sync=True)
        svg = traitlets.Unicode("").tag(sync=True)

        @property
        def fallback(self) -> str:  # type: ignore[override]
            return fallback_html(self.dot)

    class PlayerWidget(_Drawn):
        """backprop_page's player (`html`, no scripts), its frames drawn in the browser."""

        _esm = module + "\nexport default playerWidget;\n"
        html = traitlets.Unicode("").tag(sync=True)

        @property
        def fallback(self) -> str:  # type: ignore[override]
            return self.html

    return Renderer, Graph, PlayerWidget


_made: dict[str, Any] = {}  # "renderer": the kernel's one Renderer widget


def renderer() -> Any:
    """The kernel's one Renderer widget (made on first use, again if it was closed)."""
    made = _made.get("renderer")
    if made is None or getattr(made, "comm", None) is None:
        made = _made["renderer"] = _classes()[0](source=packed_renderer())
    return made


@functools.cache
def packed_renderer() -> str:
    """viz-global.js as the Renderer's `source`: gzip (deterministic: no time stamp), base64."""
    packed = gzip.compress(render.asset(render.VIZ_JS).encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def graph(dot_text: str, svg: str = "") -> Any:
    """A Graph widget showing dot_text (or the static `svg`, when given: then no renderer is
    sent, until a drawing without `svg` sets `_renderer`)."""
    return _classes()[1](dot=dot_text, svg=svg, _renderer="" if svg else renderer().model_id)


def player(markup: str) -> Any:
    """A PlayerWidget showing backprop_page's player markup (frames as DOT text)."""
    return _classes()[2](html=markup, _renderer=renderer().model_id)


def with_html(found: Any, text_html: str) -> Any:
    """A widget's `_repr_mimebundle_` answer (data, or (data, metadata), or None) with text/html
    set: what an untrusted notebook, nbconvert or GitHub shows where the widget cannot run."""
    if found is None:
        return None
    data, metadata = found if isinstance(found, tuple) else (found, {})
    return {**data, "text/html": text_html}, metadata


def fallback_html(dot_text: str) -> str:
    """A drawing's DOT text and the hint, as HTML: what shows where no widget or script runs."""
    return f'<div class="al-dot-fallback">{render.dot_block(dot_text)}</div>'


def bundle(dot_text: str, text: str) -> dict[str, Any]:
    """What a notebook shows for a drawing when `dot` cannot draw it: a Graph widget drawing it
    in the browser, with the DOT text and a hint as text/html beside it (what an untrusted
    notebook, nbconvert or GitHub shows); only that HTML where ipywidgets or anywidget are missing."""
    try:
        widget = graph(dot_text)
    except ImportError:  # no ipywidgets or anywidget: the text, never a traceback
        return {"text/plain": text, "text/html": fallback_html(dot_text)}
    return widget.bundle(text)
