"""Drawings without Graphviz's `dot`, in a real browser (headless Debian Chromium).

1. Standalone pages written with no `dot` on the PATH (`backprop_html`, `save_html`):
   every picture is drawn by the page (Graphviz in WebAssembly, inlined), nodes keep
   their places from frame to frame, labels holding `</script>` or `<img onerror>`
   stay text, node text is at least 10 px at first display and the zoom tools work.
2. A JupyterLab started by the test whose server and kernel have a PATH without
   `dot` (a folder of symlinks to every other program): a notebook with draw_dot,
   show_backprop, explore and explore_network cells runs, each output is an <svg>
   holding its node labels, an explore slider redraws, text is readable, a reload
   with the same kernel draws again, nothing is fetched from off 127.0.0.1, and the
   saved notebook is small.
3. The same notebook with `dot`: the static SVG of today.
4. Twelve graphs drawn without `dot`, executed by nbclient with the widget state
   stored in the notebook (the most a saved notebook holds): under 3 MB, the
   renderer stored once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value, render
from autograd_lite.backprop_page import backprop_html, render_player
from autograd_lite.nn import MLP
from autograd_lite.render import HINT
from autograd_lite.viz import draw_dot, draw_network, save_html, to_dot

from .helpers import micrograd_neuron
from .jupyter_session import (
    NOTEBOOK_EXTRA,
    chromium,
    jupyter_env,
    jupyterlab,
    open_and_run_all,
    path_without,
    requests,
    severe,
)

pytestmark = [pytest.mark.slow]
browser_test = pytest.mark.needs(browser=True)
jupyter_test = pytest.mark.needs(*NOTEBOOK_EXTRA, browser=True)
try:  # a missing selenium is reported by the needs mark, when a test runs: collecting needs none
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    pass

EVIL = ("</script><script>window.pwned = 1</script>", '<img src=x onerror="window.pwned = 2">')
MIN_TEXT_PX = 10


def evil_graph() -> Value:
    x, y = Value(2.0, label=EVIL[0]), Value(3.0, label=EVIL[1])
    out = x * y
    out.label = "out"
    return out


def seed_network() -> tuple[MLP, list[float], list[float]]:
    """The seed's 2-2-2 network (Mazur's worked example), as demos/seed_network.py builds it."""
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    weights = {2: [[0.15, 0.20], [0.25, 0.30]], 3: [[0.40, 0.45], [0.50, 0.55]]}
    biases = {2: [0.35, 0.35], 3: [0.60, 0.60]}
    for l_note in (2, 3):
        for j, neuron in enumerate(model.layers[l_note - 2].neurons):
            neuron.b.data = biases[l_note][j]
            for k, w in enumerate(neuron.w):
                w.data = weights[l_note][j][k]
    return model, [0.05, 0.10], [0.01, 0.99]


# In the page: each picture's node texts, its smallest text height on screen (font size
# times the screen scale, as the issue measures it) and each node's place.
PICTURES = """
var root = arguments[0] || document;
return Array.from(root.querySelectorAll(arguments[1] || 'svg')).map(function (svg) {
  var texts = Array.from(svg.querySelectorAll('text'));
  var heights = texts.filter(function (t) { return t.getClientRects().length > 0; }).map(function (t) {
    return parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a; });
  var places = {};
  svg.querySelectorAll('g.node').forEach(function (g) {
    var shape = g.querySelector('polygon, ellipse');
    places[g.querySelector('title').textContent] = shape.getAttribute('points') ||
      (shape.getAttribute('cx') + ',' + shape.getAttribute('cy'));
  });
  return {texts: texts.map(function (t) { return t.textContent; }),
          smallest: heights.length ? Math.min.apply(null, heights) : null, places: places,
          width: svg.getBoundingClientRect().width};
});"""


def pictures(driver: Any, root: Any = None, selector: str = "svg") -> list[dict]:
    return driver.execute_script(PICTURES, root, selector)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))


def wait_drawn(driver: Any, count: int, timeout: float = 60) -> None:
    """Until the page shows `count` <svg> pictures and no DOT text waits to be drawn."""
    WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(
        "return document.querySelectorAll('svg').length === arguments[0] && "
        "document.querySelectorAll('pre.al-dot').length === 0;", count))


# ---------------------------------------------------------------------------
# 1. Standalone pages without dot


@browser_test
def test_backprop_page_without_dot_draws_every_frame_in_place(browser: Any, tmp_path: Path,
                                                               no_dot: None) -> None:
    o, values = micrograd_neuron()
    page = backprop_html(o, tmp_path / "steps.html")
    browser.get(page.as_uri())
    wait_drawn(browser, 6)
    frames = browser.find_elements(By.CSS_SELECTOR, ".frame")
    assert len(frames) == 6
    drawn = [pictures(browser, frame)[0] for frame in frames]
    for name in values:
        assert all(name in picture["texts"] for picture in drawn), name
    assert "grad ?" in drawn[0]["texts"] and "grad ?" not in drawn[-1]["texts"]
    # Nodes keep their places: the widths measured in the browser make every frame's layout one.
    first = drawn[0]["places"]
    assert len(first) >= 10  # the neuron's 7 values and 5 operations
    for picture in drawn[1:]:
        assert picture["places"] == first
    assert severe(browser) == [] and requests(browser) == []


@browser_test
def test_labels_stay_text_in_pages_drawn_without_dot(browser: Any, tmp_path: Path, no_dot: None) -> None:
    for page in (save_html(draw_dot(evil_graph()), tmp_path / "one.html"),
                 backprop_html(evil_graph(), tmp_path / "steps.html")):
        browser.get(page.as_uri())
        WebDriverWait(browser, 60, poll_frequency=0.2).until(lambda d: d.execute_script(
            "return document.querySelectorAll('pre.al-dot').length === 0 && "
            "document.querySelectorAll('svg').length > 0;"))
        assert browser.execute_script("return window.pwned === undefined")  # no label ran as script
        assert browser.find_elements(By.CSS_SELECTOR, ".al-view img") == []
        texts = [t for picture in pictures(browser) for t in picture["texts"]]
        assert EVIL[0] in texts and EVIL[1] in texts  # drawn as written
        assert severe(browser) == [] and requests(browser) == []


@browser_test
def test_a_page_is_readable_at_first_display_and_zooms(browser: Any, tmp_path: Path, no_dot: None) -> None:
    model, x, y = seed_network()
    page = save_html([draw_dot(micrograd_neuron()[0], edge_labels=True), draw_network(model, x, y)],
                     tmp_path / "two.html")
    browser.get(page.as_uri())
    wait_drawn(browser, 2)
    boxes = browser.find_elements(By.CSS_SELECTOR, ".al-graph")
    for box in boxes:
        (picture,) = pictures(browser, box)
        assert picture["smallest"] >= MIN_TEXT_PX, picture["smallest"]
        view = box.find_element(By.CSS_SELECTOR, ".al-view")
        fit = box.find_element(By.CSS_SELECTOR, ".al-fit")
        wider = browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth + 1", view)
        # A graph wider than its box scrolls, and fitting it would make its text too small: fit is off.
        assert not (wider and fit.is_selected())
        before = picture["width"]
        box.find_element(By.CSS_SELECTOR, ".al-zoom-out").click()
        assert pictures(browser, box)[0]["width"] == pytest.approx(before / 1.25, rel=0.01)
        box.find_element(By.CSS_SELECTOR, ".al-zoom-in").click()
        box.find_element(By.CSS_SELECTOR, ".al-zoom-in").click()
        assert pictures(browser, box)[0]["width"] == pytest.approx(before * 1.25, rel=0.01)
        fit.click()  # fit to width: the picture no wider than its box
        assert fit.is_selected()
        assert pictures(browser, box)[0]["width"] <= view.rect["width"] + 1
        box.find_element(By.CSS_SELECTOR, ".al-zoom-reset").click()  # back to natural size
        assert pictures(browser, box)[0]["width"] == pytest.approx(before, rel=0.01)
        # ctrl+wheel zooms (and the page does not scroll), a plain wheel does not.
        wheel = ("return arguments[0].dispatchEvent(new WheelEvent('wheel', {deltaY: -100, "
                 "ctrlKey: arguments[1], clientX: 50, clientY: 50, bubbles: true, cancelable: true}));")
        assert not browser.execute_script(wheel, view, True)  # default prevented
        assert pictures(browser, box)[0]["width"] == pytest.approx(before * 1.1, rel=0.01)
        browser.execute_script(wheel, view, False)
        assert pictures(browser, box)[0]["width"] == pytest.approx(before * 1.1, rel=0.01)
    # Dragging pans a graph wider than its box.
    view = boxes[0].find_element(By.CSS_SELECTOR, ".al-view")
    assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", view)
    start = browser.execute_script("return arguments[0].scrollLeft", view)
    ActionChains(browser).move_to_element(view).click_and_hold().move_by_offset(-300, 0).release().perform()
    assert browser.execute_script("return arguments[0].scrollLeft", view) >= start + 250
    assert severe(browser) == []


@browser_test
def test_pictures_drawn_by_separate_copies_of_graphs_js_never_share_an_id(browser: Any, tmp_path: Path,
                                                                          no_dot: None) -> None:
    # Two players on one page, each with its own copy of graphs.js, as two notebook outputs (or two
    # widget classes) have: the ids given to the pictures drawn in the browser must still be unique.
    players = [render_player(micrograd_neuron()[0]), render_player(evil_graph())]
    assert all(player.pictures is None for player in players)  # drawn in the browser
    page = tmp_path / "two-players.html"
    page.write_text('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>two</title></head><body>\n'
                    f"<script>{render.asset(render.VIZ_JS)}</script>\n"
                    + players[0].fragment("a-") + players[1].fragment("b-") + "</body></html>\n",
                    encoding="utf-8")
    browser.get(page.as_uri())
    wait_drawn(browser, 6 + 2)  # the neuron's start and 5 steps, x*y's start and 1 step
    ids = browser.execute_script("return Array.from(document.querySelectorAll('svg [id]'), function (e) "
                                 "{ return e.id; });")
    assert len(ids) > 8 and len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)[:6]
    assert severe(browser) == [] and requests(browser) == []


# Live listeners on window, counted by wrapping add/removeEventListener before any of our code runs.
COUNT_WINDOW_LISTENERS = """<script>
window.__live = new Set();
var add = window.addEventListener, remove = window.removeEventListener;
window.addEventListener = function (name, f, o) {
  window.__live.add(name + ':' + (f.__id = f.__id || Math.random())); return add.call(window, name, f, o); };
window.removeEventListener = function (name, f, o) {
  window.__live.delete(name + ':' + f.__id); return remove.call(window, name, f, o); };
</script>"""


@browser_test
@pytest.mark.skipif(shutil.which("dot") is None, reason="the views here show dot's static SVG")
def test_a_widget_view_that_goes_away_leaves_no_listener_behind(browser: Any, tmp_path: Path) -> None:
    # anywidget calls what render() returns when a view goes away (a cell re-run, a reload): the
    # viewer's listeners on window must go with it, or every re-render adds three more.
    markup = render_player(micrograd_neuron()[0]).markup("p-")
    svg = render.run_dot(to_dot(micrograd_neuron()[0]), "svg").decode("utf-8")
    module = render.asset("graphs.js") + render.asset("player.js") + render.asset("widgets.js")
    page = tmp_path / "views.html"
    page.write_text('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>views</title></head><body>\n'
                    f"{COUNT_WINDOW_LISTENERS}<script>{module}</script></body></html>\n", encoding="utf-8")
    browser.get(page.as_uri())
    live = browser.execute_script("""
        var values = {html: arguments[0], svg: arguments[1], dot: '', _renderer: ''};
        var model = {get: function (k) { return values[k]; }, on: function () {}, off: function () {}};
        var before = window.__live.size, during = [];
        for (var i = 0; i < 5; i++) {
          [playerWidget, graphWidget].forEach(function (widget) {
            var el = document.createElement('div');
            document.body.appendChild(el);
            var cleanup = widget.render({model: model, el: el});
            during.push(window.__live.size);
            cleanup();
            el.remove();
          });
        }
        return {before: before, during: during, after: window.__live.size};""", markup, svg)
    assert live["during"][0] > live["before"]  # a view listens on window (drag, resize) while shown
    assert live["after"] == live["before"], live
    assert severe(browser) == []


# ---------------------------------------------------------------------------
# 2./3. JupyterLab, without and with dot

CELLS = [
    "from autograd_lite import Value\n"
    "from autograd_lite.nn import MLP\n"
    "from autograd_lite.notebook import explore, explore_network, show_backprop\n"
    "from autograd_lite.viz import dot_available, draw_dot\n"
    "print('dot available:', dot_available())\n"
    "x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')\n"
    "w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')\n"
    "b = Value(6.8813735870195432, label='b')\n"
    "n = x1 * w1 + x2 * w2 + b; n.label = 'n'\n"
    "o = n.tanh(); o.label = 'o'\n"
    "o.backward()",
    "draw_dot(o, edge_labels=True)",
    "show_backprop(o)",
    "explore('tanh(x*w + b)', x=2.0, w=-3.0, b=0.5)",
    "model = MLP(2, [2, 2], activation='sigmoid', output_activation='sigmoid', seed=0)\n"
    "weights = {2: [[0.15, 0.20], [0.25, 0.30]], 3: [[0.40, 0.45], [0.50, 0.55]]}\n"
    "biases = {2: [0.35, 0.35], 3: [0.60, 0.60]}\n"
    "for l in (2, 3):\n"
    "    for j, neuron in enumerate(model.layers[l - 2].neurons):\n"
    "        neuron.b.data = biases[l][j]\n"
    "        for k, w in enumerate(neuron.w):\n"
    "            w.data = weights[l][j][k]\n"
    "explore_network(model, [0.05, 0.10], [0.01, 0.99], weight=(1, 0, 0))",
    "evil = Value(2.0, label=" + repr(EVIL[0]) + ") * Value(3.0, label=" + repr(EVIL[1]) + ")\n"
    "draw_dot(evil)",
]


def write_notebook(folder: Path, cells: list[str], name: str = "graphs.ipynb") -> Path:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(notebook, path)
    return path


def outputs_of(driver: Any) -> list[Any]:
    """The output area of each code cell, in order."""
    return driver.find_elements(By.CSS_SELECTOR, ".jp-Cell.jp-CodeCell .jp-OutputArea")


def svg_ready(driver: Any, cell: int) -> bool:
    return driver.execute_script(
        "var o = document.querySelectorAll('.jp-Cell.jp-CodeCell .jp-OutputArea')[arguments[0]];"
        "var s = o && o.querySelector('svg, img'); return !!s && (s.tagName !== 'svg' || "
        "s.querySelectorAll('text').length > 0);", cell)


def explore_texts(driver: Any, cell: int) -> list[str]:
    return driver.execute_script(
        "var o = document.querySelectorAll('.jp-Cell.jp-CodeCell .jp-OutputArea')[arguments[0]];"
        "var g = o && o.querySelector('.al-explore-graph svg'); if (!g) { return []; }"
        "return Array.from(g.querySelectorAll('text')).map(function (t) { return t.textContent; });", cell)


def wait_all_drawn(driver: Any, timeout: float = 180) -> None:
    WebDriverWait(driver, timeout, poll_frequency=0.5).until(
        lambda d: all(svg_ready(d, cell) for cell in range(1, len(CELLS))))


def move_explore_slider(driver: Any, cell: int) -> None:
    output = outputs_of(driver)[cell]
    handle = output.find_element(By.CSS_SELECTOR, ".widget-slider .noUi-handle")
    driver.execute_script("arguments[0].scrollIntoView();", handle)
    handle.click()
    for _ in range(5):
        handle.send_keys(Keys.ARROW_RIGHT)


@jupyter_test
def test_jupyterlab_without_dot_draws_every_output_in_the_browser(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    env = jupyter_env(tmp_path)
    env["PATH"] = path_without(("dot",), tmp_path / "bin")
    assert shutil.which("dot", path=env["PATH"]) is None
    notebook = write_notebook(tmp_path, CELLS)
    # A notebook run elsewhere (nbclient: its outputs unsigned), so JupyterLab opens it untrusted.
    untrusted = execute(write_notebook(tmp_path, CELLS[:3], "untrusted.ipynb"), env, monkeypatch)
    with jupyterlab(tmp_path, env) as lab, chromium(tmp_path, width=1400, height=1000) as driver:
        try:
            open_and_run_all(driver, lab, notebook.name)
            wait_all_drawn(driver)
            outputs = outputs_of(driver)
            assert "dot available: False" in outputs[0].text
            # No output is dot's static SVG: each is an <svg> drawn in the browser, holding the labels.
            assert driver.find_elements(By.CSS_SELECTOR, "[data-mime-type='image/svg+xml']") == []
            for cell, labels in [(1, ["x1", "w1", "b", "n", "o", "tanh"]), (3, ["x", "w", "b", "tanh"]),
                                 (4, ["x_0 = a^1_0", "z^3_0", "C_x (quadratic)"]), (5, list(EVIL))]:
                (picture,) = pictures(driver, outputs[cell], ".al-view svg")
                for label in labels:
                    assert any(label in text for text in picture["texts"]), (cell, label)
            # The player: every frame drawn, one shown.
            player = outputs[2].find_element(By.CSS_SELECTOR, ".al-player")
            WebDriverWait(driver, 60, poll_frequency=0.5).until(lambda d: len(pictures(d, player)) == 6)
            assert driver.execute_script("return window.pwned === undefined")
            # Readable at first display: the neuron's draw_dot and explore_network on the seed network.
            for cell in (1, 4):
                (picture,) = pictures(driver, outputs[cell], ".al-view svg")
                assert picture["smallest"] >= MIN_TEXT_PX, (cell, picture["smallest"])
            # An explore slider moved with the keyboard: the kernel rebuilds, the browser redraws.
            before = explore_texts(driver, 3)
            move_explore_slider(driver, 3)
            WebDriverWait(driver, 60, poll_frequency=0.2).until(
                lambda d: "data 2.0500" in explore_texts(d, 3))
            assert "data 2.0000" in before and explore_texts(driver, 3) != before
            errors = ".jp-OutputArea-output[data-mime-type*='error']"
            assert driver.find_elements(By.CSS_SELECTOR, errors) == []
            fetched = requests(driver)
            assert fetched and [url for url in fetched if not url.startswith(lab.base)] == []

            # Saved as JupyterLab saves by default: small (no renderer inside, no widget state).
            driver.find_element(By.CSS_SELECTOR, ".jp-Notebook").click()
            driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "s")
            WebDriverWait(driver, 30, poll_frequency=0.5).until(
                lambda d: "application/vnd.jupyter.widget-view+json" in notebook.read_text(encoding="utf-8"))
            saved = json.loads(notebook.read_text(encoding="utf-8"))
            html_outputs = ["".join(out["data"].get("text/html", "")) for cell in saved["cells"]
                            for out in cell.get("outputs", []) if "data" in out]
            # Every drawing (draw_dot twice, the player, explore, explore_network) carries its DOT
            # text beside the widget view.
            assert sum('<pre class="al-dot">' in text for text in html_outputs) == 5
            assert notebook.stat().st_size < 3_000_000

            # A reload with the same kernel draws every output again.
            driver.refresh()
            wait_all_drawn(driver)
            (picture,) = pictures(driver, outputs_of(driver)[1], ".al-view svg")
            assert "x1" in picture["texts"]
            assert [url for url in requests(driver) if not url.startswith(lab.base)] == []

            # Untrusted: no widget, no script; each drawing shows its DOT text and the hint.
            driver.get(lab.url(untrusted.name))
            shown = WebDriverWait(driver, 90, poll_frequency=0.5).until(lambda d: d.execute_script(
                "var panel = Array.from(document.querySelectorAll('.jp-NotebookPanel')).filter(function (p) {"
                "  return p.offsetParent !== null && p.querySelectorAll('pre.al-dot').length >= 7; })[0];"
                "if (!panel) { return null; }"
                "return Array.from(panel.querySelectorAll('.jp-Cell.jp-CodeCell .jp-OutputArea')).map("
                "  function (o) { return {text: o.innerText, dots: o.querySelectorAll('pre.al-dot').length,"
                "                         svgs: o.querySelectorAll('svg text').length}; });"))
            assert shown[1]["dots"] == 1 and "digraph" in shown[1]["text"]
            assert HINT in shown[1]["text"]
            assert shown[2]["dots"] == 6  # every frame's DOT text
            assert [output["svgs"] for output in shown] == [0, 0, 0]
        finally:
            driver.save_screenshot(str(tmp_path / "no-dot.png"))  # stays in the temporary folder


@jupyter_test
def test_jupyterlab_with_dot_keeps_the_static_svg(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    env = jupyter_env(tmp_path)
    notebook = write_notebook(tmp_path, CELLS[:2] + CELLS[3:5])
    with jupyterlab(tmp_path, env) as lab, chromium(tmp_path, width=1400, height=1000) as driver:
        open_and_run_all(driver, lab, notebook.name)
        WebDriverWait(driver, 120, poll_frequency=0.5).until(
            lambda d: svg_ready(d, 1) and explore_texts(d, 2) and explore_texts(d, 3))
        outputs = outputs_of(driver)
        assert "dot available: True" in outputs[0].text
        assert outputs[1].find_elements(By.CSS_SELECTOR, "[data-mime-type='image/svg+xml']")
        # explore and explore_network: dot's SVG, with the same tools, readable (explore_network on
        # the seed network used to be squeezed to the cell's width: text about 3 px high).
        for cell, label in [(2, "tanh"), (3, "C_x (quadratic)")]:
            (picture,) = pictures(driver, outputs[cell], ".al-view svg")
            assert picture["smallest"] >= MIN_TEXT_PX, (cell, picture["smallest"])
            assert label in picture["texts"]
            assert picture["texts"] == explore_texts(driver, cell)
        assert [url for url in requests(driver) if not url.startswith(lab.base)] == []


# ---------------------------------------------------------------------------
# 4. The size of a saved notebook


def execute(path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the notebook at path in a kernel with env (nbclient), storing every widget model in it
    as JupyterLab's "save widget state" does: the most a saved notebook holds. Returns path."""
    import nbclient
    import nbformat

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, path)
    return path


@pytest.mark.needs("nbclient", "nbformat", "ipykernel", "anywidget")
def test_twelve_graphs_without_dot_make_a_notebook_under_3_mb(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    env = jupyter_env(tmp_path)
    env["PATH"] = path_without(("dot",), tmp_path / "bin")
    graphs = [f"x = Value({i}.0, label='x{i}')\ndraw_dot((x * x + 1.0).tanh())" for i in range(10)]
    cells = [CELLS[0], *graphs, "show_backprop(o)", "explore('x*w', x=1.0, w=2.0)"]
    path = execute(write_notebook(tmp_path, cells, "twelve.ipynb"), env, monkeypatch)
    notebook = nbformat.read(path, as_version=4)
    text = path.read_text(encoding="utf-8")
    assert "dot available: False" in text
    views = text.count('"application/vnd.jupyter.widget-view+json"')
    assert views >= 12
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    renderers = [model for model in state.values() if "source" in model["state"]]
    assert len(renderers) == 1  # the renderer, once, however many graphs
    size = path.stat().st_size
    assert size < 3_000_000, size
