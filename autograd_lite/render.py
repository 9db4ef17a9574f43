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
  widget (`autograd_lite.widgets`, which imports this module), which loads it
  once per kernel.

Wherever the DOT text goes into HTML it is escaped (`dot_block`): a label
holding `</script>` or `<img onerror=...>` stays text. Files that need `dot`
(.svg, .png, .pdf) raise `GraphvizNotFoundError` with one line naming the two
ways out (`missing_dot`); a `dot` that is installed but fails or does not finish
raises its subclass `GraphvizFailedError`, naming dot's error. Notebook displays
and HTML files never need a working `dot`: where it fails they are drawn in the
browser after one `GraphvizFailedWarning` (`static_svgs`).

Imports only the standard library. viz, backprop_page, widgets and notebook import this module.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import subprocess
import warnings
from importlib import resources
from typing import Any

__all__ = ["GraphvizFailedError", "GraphvizFailedWarning", "GraphvizNotFoundError", "asset", "dot_available",
           "dot_block", "dot_message", "drawings_page", "missing_dot", "run_dot",
           "static_svgs"]

VIZ_JS = "viz-global.js"  # @viz-js/viz 3.31.0, dist/viz-global.js

# Shown only where the picture is not (yet) drawn: an untrusted notebook, an export, a page whose
# scripts do not run. So it says what the text is and how to get the picture, in one short line.
HINT = "The graph as DOT text: drawn where scripts run (a trusted notebook), or render it with Graphviz."


DOT_TIMEOUT = 300.0  # seconds one `dot` run may take (a bigger graph is better drawn in the browser)

PYTHON_HTML_WAY = "viz.save_html(drawing, 'graph.html')"


class GraphvizNotFoundError(RuntimeError):
    """Writing a picture file (.svg, .png, .pdf) needs Graphviz's `dot` program, which is not
    installed. (Notebook displays and .html files need no `dot`.) `what` names the file kind,
    `reason` is None here (see `GraphvizFailedError`)."""

    def __init__(self, what: str = "this picture", reason: str | None = None,
                 html_way: str = PYTHON_HTML_WAY) -> None:
        super().__init__(what, reason, html_way)  # args as given: a copy (pickle) is made the same way
        self.what, self.reason = what, reason

    def __str__(self) -> str:
        return dot_message(*self.args)


class GraphvizFailedError(GraphvizNotFoundError):
    """Graphviz's `dot` is installed but failed or did not finish; `reason` is its error. A
    subclass of GraphvizNotFoundError, so that one `except` catches "no working `dot`"."""


class GraphvizFailedWarning(UserWarning):
    """`dot` failed on a notebook display or an HTML file, which is drawn in the browser instead."""


def dot_available() -> bool:
    """True when Graphviz's `dot` program is on the PATH (checked at each call; whether it
    works is known only by running it: `GraphvizFailedError`)."""
    return shutil.which("dot") is not None


def dot_message(what: str, reason: str | None = None, html_way: str = PYTHON_HTML_WAY) -> str:
    """The one-line message for a picture that needs a working `dot`: the two ways out.
    `reason` is dot's error when it is installed but failed; `html_way` how to write .html."""
    if reason is None:
        problem = "which is not installed"
        fix = ("install Graphviz (apt-get install graphviz, brew install graphviz, conda install graphviz, "
               "or the Windows installer from graphviz.org)")
    else:
        problem, fix = f"which failed here ({reason})", "repair or reinstall Graphviz"
    return (f"writing {what} needs Graphviz's dot program, {problem}: {fix}, "
            f"or write .html instead ({html_way})")


def missing_dot(what: str = "this picture") -> str:
    """The one-line message for a picture that needs `dot` when it is missing."""
    return dot_message(what)


def _first_line(text: bytes | str | None) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0][:160] if lines else "no message"


def failure_reason(returncode: int, stderr: bytes | str | None) -> str:
    """dot's failure in a few words: its exit status and the first line it wrote to stderr."""
    return f"exit status {returncode}: {_first_line(stderr)}"


def run_dot(dot_text: str, fmt: str = "svg") -> bytes:
    """`dot -T<fmt>` on dot_text: the output bytes. GraphvizNotFoundError without `dot`,
    GraphvizFailedError when it fails or takes more than DOT_TIMEOUT seconds."""
    what = f"a .{fmt} file"
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFoundError(what)
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizFailedError(what, f"no answer in {DOT_TIMEOUT:g} s") from None
    except OSError as error:  # on the PATH but cannot be started (not executable, wrong machine)
        raise GraphvizFailedError(what, f"cannot start {program}: {error.strerror or error}") from None
    if done.returncode != 0:
        raise GraphvizFailedError(what, failure_reason(done.returncode, done.stderr))
    return done.stdout


_warned: dict[Any, Any] = {}  # the registry of `browser_instead`'s warnings: each text once


def browser_instead(error: GraphvizFailedError) -> None:
    """Say, once per distinct error, that `dot` failed and the browser draws instead: one line
    (a GraphvizFailedWarning, which warning filters can silence or turn into an error)."""
    warnings.warn_explicit(f"Graphviz's dot failed ({error.reason}): drawing in the browser instead",
                           GraphvizFailedWarning, filename="dot", lineno=0, module="autograd_lite.render",
                           registry=_warned)


def static_svgs(dot_texts: list[str]) -> list[str] | None:
    """dot's SVG of each DOT text, or None where the browser must draw them: `dot` is missing,
    or it failed (then one GraphvizFailedWarning names dot's error)."""
    if not dot_available():
        return None
    try:
        return [run_dot(text, "svg").decode("utf-8") for text in dot_texts]
    except GraphvizFailedError as error:
        browser_instead(error)
        return None


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
    when it is installed and works, else drawn in the browser (the renderer inlined once)."""
    svgs = static_svgs([dot_text for _, dot_text in pictures])
    static = svgs is not None
    sections = []
    for index, (caption, dot_text) in enumerate(pictures):
        picture = inline_svg(svgs[index], f"p{index}-") if svgs is not None else dot_block(dot_text)
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
