"""How DOT text becomes a picture: the one place that decides.

DOT text (from `viz.to_dot` / `viz.render_dot_text`) is the one drawing format.
A picture of it is made in one of two ways:

- Graphviz's `dot` program, when it is on the PATH (`dot_available()`, asked
  again at every use, so installing Graphviz mid-session is seen): static SVG,
  which survives nbconvert, GitHub's notebook view and a page without scripts.
- Otherwise in the browser, by Graphviz compiled to WebAssembly: the npm
  package @viz-js/viz 3.31.0, vendored unchanged as page/viz-global.js (notices
  in page/VIZ-JS-NOTICE.txt), driven by page/graphs.js. A standalone page inlines
  it once (`drawings_page`, `browser_scripts`); a notebook shows an anywidget
  widget (`notebook_bundle`, through `autograd_lite.widgets`), which loads it
  once per kernel.

Wherever the DOT text goes into HTML it is escaped (`dot_block`): a label
holding `</script>` or `<img onerror=...>` stays text. Files that need `dot`
(.svg, .png, .pdf) raise `GraphvizNotFoundError` with one line naming the two
ways out (`missing_dot`).

Imports only the standard library here; `autograd_lite.widgets` (anywidget) lazily,
for notebook displays only. viz, backprop_page and notebook import this module.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import subprocess
from importlib import resources
from typing import Any

__all__ = ["GraphvizNotFoundError", "asset", "dot_available", "dot_block", "drawings_page", "missing_dot",
           "notebook_bundle", "run_dot"]

VIZ_JS = "viz-global.js"  # @viz-js/viz 3.31.0, dist/viz-global.js

HINT = ("Drawn in the browser by Graphviz compiled to WebAssembly (Graphviz's dot is not installed here). "
        "Where scripts do not run (an untrusted notebook, an export) this is its DOT text: trust the "
        "notebook, or render the text with Graphviz.")


class GraphvizNotFoundError(RuntimeError):
    """Writing a picture file (.svg, .png, .pdf) needs Graphviz's `dot` program, which is not
    installed. (Notebook displays and .html files need no `dot`.)"""


def dot_available() -> bool:
    """True when Graphviz's `dot` program is on the PATH (checked at each call)."""
    return shutil.which("dot") is not None


def missing_dot(what: str = "this picture") -> str:
    """The one-line message for a picture that needs `dot`: the two ways out."""
    return (f"writing {what} needs Graphviz's dot program, which is not on the PATH: install Graphviz "
            "(apt-get install graphviz, brew install graphviz, conda install graphviz, or the Windows "
            "installer from graphviz.org), or write .html instead (autograd_lite.viz.save_html(drawing, "
            "'graph.html'); on the command line -o graph.html), which draws in the browser with no "
            "Graphviz; the DOT text is autograd_lite.viz.to_dot(root)")


def run_dot(dot_text: str, fmt: str = "svg") -> bytes:
    """`dot -T<fmt>` on dot_text: the output bytes. GraphvizNotFoundError without `dot`."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFoundError(missing_dot(f"a .{fmt} file"))
    done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz's dot failed ({done.returncode}): "
                           f"{done.stderr.decode('utf-8', 'replace').strip()[:500]}")
    return done.stdout


def asset(name: str) -> str:
    """A file of autograd_lite/page/ (package data), as text."""
    if name == VIZ_JS:
        return _viz_js()
    return resources.files(__package__).joinpath("page", name).read_text(encoding="utf-8")


@functools.cache
def _viz_js() -> str:  # 1.3 MB: read once per process
    return resources.files(__package__).joinpath("page", VIZ_JS).read_text(encoding="utf-8")


def inline_svg(svg: str, prefix: str) -> str:
    """Graphviz's SVG made fit to sit inside HTML: no XML prolog, doctype or comments
    before <svg>, and ids made unique with `prefix`."""
    start = svg.find("<svg")
    if start < 0:
        raise RuntimeError("Graphviz returned no <svg> element")
    svg = svg[start:]
    # Text cannot hold a raw '<', so `<tag id="` only matches real attributes.
    return re.sub(r'<([A-Za-z][\w:-]*) id="', rf'<\1 id="{prefix}', svg).strip()


def dot_block(dot_text: str, hint: bool = True) -> str:
    """DOT text as HTML: a one-line hint and the escaped text in <pre class="al-dot">, which
    graphs.js replaces by the picture where scripts run (and which shows as text elsewhere)."""
    note = f'<p class="al-dot-hint">{html.escape(HINT)}</p>' if hint else ""
    return f'{note}<pre class="al-dot">{html.escape(dot_text)}</pre>'


def browser_scripts(start: str = "") -> str:
    """The renderer and graphs.js as inline <script>s (no network), then `start` (JavaScript)."""
    return (f"<script>{asset(VIZ_JS)}</script>\n"
            f"<script>{asset('graphs.js')}\n{start}</script>\n")


def drawings_page(pictures: list[tuple[str, str]], title: str) -> str:
    """One self-contained HTML page showing each (caption, DOT text): static SVG from `dot`
    when it is installed, else drawn in the browser (the renderer inlined once)."""
    static = dot_available()
    sections = []
    for index, (caption, dot_text) in enumerate(pictures):
        if static:
            picture = inline_svg(run_dot(dot_text, "svg").decode("utf-8"), f"p{index}-")
        else:
            picture = dot_block(dot_text)
        heading = f"<h2>{html.escape(caption)}</h2>\n" if caption else ""
        sections.append(f'<section class="al-graph">\n{heading}<div class="al-tools" hidden></div>\n'
                        f'<div class="al-view">{picture}</div>\n</section>')
    start = ("document.querySelectorAll('.al-graph').forEach(function (box) {\n"
             "  var view = autogradLiteGraphs.viewer(box);\n"
             "  autogradLiteGraphs.renderAll(box, null, view.refresh);\n"
             "});")
    scripts = (browser_scripts(start) if not static
               else f"<script>{asset('graphs.js')}\n{start}</script>\n")
    head = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>\n"
            'body { margin: 1.5rem; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }\n'
            "h1 { font-size: 1.4rem; margin: 0 0 .5rem; } h2 { font-size: 1.1rem; }\n"
            f"{asset('graphs.css')}</style>\n</head>\n")
    return (head + f"<body>\n<h1>{html.escape(title)}</h1>\n" + "\n".join(sections) + "\n" + scripts
            + "</body>\n</html>\n")


def notebook_bundle(dot_text: str, text: str) -> dict[str, Any]:
    """What a notebook shows for a drawing when `dot` is missing: a widget drawing it in the
    browser, with the DOT text and a hint as text/html beside it (what an untrusted notebook,
    nbconvert or GitHub shows); only that HTML where ipywidgets or anywidget are missing."""
    fallback = f'<div class="al-dot-fallback">{dot_block(dot_text)}</div>'
    try:
        from .widgets import graph

        widget = graph(dot_text)
    except ImportError:  # no ipywidgets or anywidget: the text, never a traceback
        return {"text/plain": text, "text/html": fallback}
    return widget.bundle(text)
