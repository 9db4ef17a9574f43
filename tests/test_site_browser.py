"""The static site in headless Chromium: built once per session (`autograd-lite site -o DIR`),
served by `python -m http.server` on 127.0.0.1 (random port), opened with DNS to anything
but 127.0.0.1 blocked; the performance log lists every request, and none may leave 127.0.0.1.

The playground: its default code draws the graph with the gradients CPython computes; Run
redraws; a syntax error shows its traceback and keeps the drawing; a share link reopens the
code without running it; Stop ends `while True: pass`; the player steps by button and arrow
keys; the check_engine example's report (CPython's) blames the `-` op. JupyterLite: a served
notebook runs all its cells without an error output; an ipywidgets slider goes through the
kernel; the drawing notebooks (neuron, build_your_own, playground) run and neuron's explore
slider redraws the gradient."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value
from autograd_lite.site import build, runner

from .jupyter_session import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS, unavailable

pytestmark = [pytest.mark.slow, pytest.mark.needs("jupytext", browser=True)]

BLOCK_DNS = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
NEURON = next(e["code"] for e in build.examples() if e["name"] == "neuron")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module by the command a user runs."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        unavailable("building the site needs node and npm")
    for module in ("jupyterlite_core", "jupyterlite_pyodide_kernel"):
        if importlib.util.find_spec(module) is None:
            unavailable(f"building the site needs {module}, from the site extra: pip install -e '.[site]'")
    out = tmp_path_factory.mktemp("site") / "site"
    result = subprocess.run([sys.executable, "-m", "autograd_lite", "site", "-o", str(out)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return out


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """`python -m http.server` serving site on 127.0.0.1 and a free port; its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "http.server", "-b", "127.0.0.1", "-d", str(site), str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    with serve(site) as base:
        yield base


@contextmanager
def browser(folder: Path) -> Iterator[Any]:
    """Headless Chromium, DNS blocked but for 127.0.0.1, with the performance (network) log on."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, BLOCK_DNS, f"--user-data-dir={folder / 'chromium'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(60)
        yield driver
        assert_only_local(driver)
    finally:
        driver.quit()


def assert_only_local(driver: Any) -> None:
    """Every request the pages made (performance log) went to 127.0.0.1."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls, "the performance log recorded no request"
    far = [u for u in urls if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss")
           and urllib.parse.urlsplit(u).hostname != "127.0.0.1"]
    assert not far, far


def wait(driver: Any, script: str, timeout: float = 60) -> Any:
    """Poll a JavaScript expression until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return {script};")
        if value:
            return value
        if time.monotonic() > deadline:
            status = driver.execute_script("return document.getElementById('status') && "
                                           "document.getElementById('status').textContent;")
            raise AssertionError(f"timed out waiting for {script} (status: {status})")
        time.sleep(0.2)


def table(driver: Any) -> dict[str, str]:
    return driver.execute_script("var rows = {}; document.querySelectorAll('#grads tbody tr').forEach("
                                 "function (r) { rows[r.dataset.name] = r.dataset.grad; }); return rows;")


def run_code(driver: Any, code: str) -> None:
    """Type-free: set the editor's text, then press Run, and wait for the answer."""
    driver.execute_script("document.getElementById('code').value = arguments[0];"
                          "document.body.dataset.state = 'submitted';", code)
    driver.find_element("id", "run").click()
    wait(driver, "document.body.dataset.state === 'done'")


def test_the_site_fits_its_size_budget(site: Path) -> None:
    sizes = json.loads((site / "site-sizes.json").read_text(encoding="utf-8"))
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert total <= 60_000_000 and sizes["site"] <= total
    assert build.playground_size(site) == sizes["playground"] <= 20_000_000
    present = [name for name in build.NOTEBOOKS if (site / "lite" / "files" / f"{name}.ipynb").is_file()]
    assert present == list(build.NOTEBOOKS)
    assert (site / "lite" / "extensions" / "anywidget" / "package.json").is_file()  # the drawings' front end
    config = json.loads((site / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    plugins = config["jupyter-config-data"]["litePluginSettings"]
    kernel = plugins["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs" and kernel["disablePyPIFallback"] is True
    assert "autograd_lite" in kernel["loadPyodideOptions"]["packages"]


def test_the_playground_draws_runs_shares_stops_and_steps(served: str, tmp_path: Path) -> None:
    with browser(tmp_path) as driver:
        driver.get(served)
        wait(driver, "document.body.dataset.firstGraphMs", timeout=90)
        wait(driver, "document.body.dataset.state === 'done'")
        # The default code: the neuron, drawn with its labels, gradients as CPython computes them.
        labels = driver.execute_script("return Array.from(document.querySelectorAll('#graph svg text'))"
                                       ".map(function (t) { return t.textContent; });")
        for label in ("x1", "w1", "x2", "w2", "b", "a", "tanh"):
            assert label in labels
        shown = table(driver)
        expected = runner.run(NEURON)["value"]["table"]
        assert set(shown) == {row["name"] for row in expected}
        for row in expected:  # the browser's libm may differ from CPython's in the last bit
            assert float(shown[row["name"]]) == pytest.approx(float(row["grad"]), rel=1e-12, abs=1e-15)
        assert "0.70710678118654" in driver.find_element("id", "output").text

        # Every frame of the player drawn, each node in the same place in every frame.
        shapes = driver.execute_script(
            "return Array.from(document.querySelectorAll('#player .frame')).map(function (f) {"
            "return Array.from(f.querySelectorAll('g.node polygon, g.node ellipse')).map(function (s) {"
            "return s.getAttribute('points') || s.getAttribute('cx') + ',' + s.getAttribute('cy'); })"
            ".join(' '); });")
        assert len(shapes) == 6 and shapes[0] and len(set(shapes)) == 1

        # The player: next button, then the arrow keys on the player (not in the editor).
        position = "document.querySelector('#player .position').textContent"
        assert driver.execute_script(f"return {position};") == "start"
        driver.find_element("css selector", "#player .next").click()
        assert driver.execute_script(f"return {position};") == "step 1 of 5"
        from selenium.webdriver.common.keys import Keys

        driver.find_element("css selector", "#player .al-player").send_keys(Keys.ARROW_RIGHT)
        assert driver.execute_script(f"return {position};") == "step 2 of 5"
        editor = driver.find_element("id", "code")
        editor.click()
        driver.execute_script("arguments[0].setSelectionRange(3, 3);", editor)
        editor.send_keys(Keys.ARROW_RIGHT)
        assert driver.execute_script("return arguments[0].selectionStart;", editor) == 4
        assert driver.execute_script(f"return {position};") == "step 2 of 5"

        # Another expression: redrawn.
        other = "from autograd_lite import Value\np = Value(3.0, label='p')\nq = p * Value(4.0, label='r')\n"
        run_code(driver, other)
        assert table(driver) == {"q": "1.0", "p": "4.0", "r": "3.0"}
        redrawn = driver.execute_script("return Array.from(document.querySelectorAll('#graph svg text'))"
                                        ".map(function (t) { return t.textContent; });")
        assert {"p", "q", "r", "grad 4.0000", "grad 3.0000"} <= set(redrawn) and "x1" not in redrawn
        assert driver.execute_script(f"return {position};") == "start"

        # A syntax error: its traceback, and the last drawing kept.
        run_code(driver, "q = (1 +\n")
        error = driver.find_element("id", "error").text
        assert "SyntaxError" in error and "<playground>" in error
        assert table(driver) == {"q": "1.0", "p": "4.0", "r": "3.0"}
        assert driver.execute_script("return document.querySelectorAll('#graph svg').length;") == 1

        # A share link opens the code and waits for Run.
        shared = "from autograd_lite import Value\nu = Value(-2.0, label='u')\nv = u * u * u\n"
        driver.execute_script("document.getElementById('code').value = arguments[0];", shared)
        driver.find_element("id", "share").click()
        link = driver.execute_script("return window.location.href;")
        assert link.endswith("#code=" + urllib.parse.quote(shared, safe="-_.!~*'()"))
        driver.get("about:blank")
        driver.get(link)
        wait(driver, "document.body.dataset.state === 'ready'", timeout=90)
        time.sleep(1)  # nothing runs by itself
        assert driver.find_element("id", "code").get_attribute("value") == shared
        assert table(driver) == {} and not driver.execute_script("return document.body.dataset.firstGraphMs;")
        driver.find_element("id", "run").click()
        wait(driver, "document.body.dataset.state === 'done'")
        grads = table(driver)
        assert grads["v"] == "1.0" and grads["u"] == "12.0"  # d(u^3)/du = 3u^2

        # A run that never ends, stopped: the page runs the next program.
        driver.execute_script("document.getElementById('code').value = 'while True:\\n    pass\\n';")
        driver.find_element("id", "run").click()
        wait(driver, "document.body.dataset.state === 'running'")
        time.sleep(1)
        assert driver.execute_script("return document.body.dataset.state;") == "running"
        driver.find_element("id", "stop").click()
        wait(driver, "document.body.dataset.state === 'ready'", timeout=90)
        run_code(driver, other)
        assert table(driver) == {"q": "1.0", "p": "4.0", "r": "3.0"}
        severe = [e for e in driver.get_log("browser")
                  if e["level"] == "SEVERE" and "favicon" not in e["message"]]
        assert not severe, severe


DEEP = ("from autograd_lite import Value\nxs = [Value(float(i)) for i in range(10_000)]\n"
        "loss = sum(x * x for x in xs)\nprint('built')\n")
# Freeing a 100,000-deep chain at once, inside the reader's code, overflows Pyodide's stack:
# the interpreter dies (a fatal error, not a Python exception).
CRASH = ("from autograd_lite import Value\ny = Value(1.0)\nfor i in range(100_000):\n    y = y + 1\n"
         "y = None\nprint('never')\n")
SMALL = "from autograd_lite import Value\np = Value(3.0, label='p')\nq = p * Value(4.0, label='r')\n"


def test_deep_graphs_run_and_a_crashed_python_is_restarted(served: str, tmp_path: Path) -> None:
    with browser(tmp_path) as driver:
        driver.get(served)
        wait(driver, "document.body.dataset.state === 'done'", timeout=90)
        # A 10,000-term sum (30,000 Values): its gradients listed, and the next run works.
        run_code(driver, DEEP)
        assert driver.find_element("id", "output").text == "built"
        grads = table(driver)
        assert len(grads) == 30_000 and grads["loss"] == "1.0" and "19998.0" in grads.values()
        run_code(driver, SMALL)
        assert table(driver) == {"q": "1.0", "p": "4.0", "r": "3.0"}
        # Python itself dies: the page says so, keeps the drawing, restarts Python, runs on.
        driver.execute_script("document.getElementById('code').value = arguments[0];", CRASH)
        driver.find_element("id", "run").click()
        wait(driver, "document.body.dataset.state === 'ready'", timeout=90)
        assert "crashed" in driver.find_element("id", "error").text
        assert table(driver) == {"q": "1.0", "p": "4.0", "r": "3.0"}
        run_code(driver, SMALL.replace("4.0", "5.0"))
        assert table(driver) == {"q": "1.0", "p": "5.0", "r": "3.0"}


# 37 products summed: 149 Values, a player of 75 frames, each drawn by Graphviz in the page.
MANY_FRAMES = ("from autograd_lite import Value\n"
               "terms = [Value(0.1 * i) * Value(1.0 + i) for i in range(37)]\ntotal = sum(terms)\n")


def test_the_page_stays_responsive_while_frames_draw_and_run_waits_for_its_answer(
        served: str, tmp_path: Path) -> None:
    with browser(tmp_path) as driver:
        driver.get(served)
        wait(driver, "document.body.dataset.state === 'done'", timeout=90)
        # While Python runs, Run is off (a second click would queue a second run) and Stop on.
        driver.execute_script("document.getElementById('code').value = arguments[0];",
                              "import time\ntime.sleep(1.5)\nprint('slept')\n")
        driver.find_element("id", "run").click()
        assert driver.execute_script("return [document.getElementById('run').disabled,"
                                     "document.getElementById('stop').disabled];") == [True, False]
        driver.find_element("id", "run").click()  # ignored
        driver.execute_script("document.getElementById('code').dispatchEvent(new KeyboardEvent('keydown',"
                              "{key: 'Enter', ctrlKey: true, bubbles: true}));")  # ignored too
        assert "still running" in driver.find_element("id", "status").text
        wait(driver, "document.body.dataset.state === 'done'")
        assert driver.find_element("id", "output").text == "slept"
        time.sleep(2)  # a queued second run would have started by now
        assert driver.execute_script("return document.body.dataset.state;") == "done"
        assert not driver.find_element("id", "run").get_attribute("disabled")
        # Many frames: between two pictures the page runs its own tasks (a timer here sees
        # the player half drawn), so the editor and the buttons answer meanwhile.
        driver.execute_script(
            "window.seenHalfDrawn = 0; window.tick = setInterval(function () {"
            "var player = document.querySelector('#player');"
            "var drawn = player.querySelectorAll('.frame svg').length;"
            "var left = player.querySelectorAll('pre.al-dot').length;"
            "if (drawn > 0 && left > 0) { seenHalfDrawn += 1; }"
            "}, 0);")
        run_code(driver, MANY_FRAMES)
        assert driver.execute_script("return document.querySelectorAll('#player .frame svg').length;") == 75
        assert driver.execute_script("return window.seenHalfDrawn;") > 0
        assert float(table(driver)["total"]) == 1.0


def test_a_garbled_link_says_so_and_a_new_link_asks_before_replacing_edits(
        served: str, tmp_path: Path) -> None:
    with browser(tmp_path) as driver:
        driver.get(served + "#code=%E0%A4%A")
        wait(driver, "document.body.dataset.state === 'ready'", timeout=90)
        assert "could not be read" in driver.find_element("id", "error").text
        assert driver.find_element("id", "code").get_attribute("value") == ""  # nothing loaded, nothing ran
        assert table(driver) == {}
        # A new link replaces code the reader has not touched...
        first = "a = 1\n"
        driver.execute_script("window.location.hash = arguments[0];", "code=" + urllib.parse.quote(first))
        wait(driver, f"document.getElementById('code').value === {json.dumps(first)}")
        # ...but asks before replacing edits: refused, the edits stay; accepted, the link's code.
        driver.execute_script("document.getElementById('code').value = 'my edits';"
                              "window.confirm = function () { return false; };"
                              "window.location.hash = 'code=b%20%3D%202';")
        time.sleep(0.5)
        assert driver.find_element("id", "code").get_attribute("value") == "my edits"
        driver.execute_script("window.confirm = function () { return true; };"
                              "window.location.hash = 'code=c%20%3D%203';")
        wait(driver, "document.getElementById('code').value === 'c = 3'")
        # Without a clipboard (plain http on another host), Share says to copy the link shown.
        driver.execute_script("Object.defineProperty(navigator, 'clipboard', {value: undefined});")
        driver.find_element("id", "share").click()
        assert "copy it" in driver.find_element("id", "status").text
        assert driver.find_element("id", "share-url").get_attribute("value").endswith("#code=c%20%3D%203")


CHECK_ENGINE = next((e for e in build.examples() if e["name"] == "check_engine"), None)


def test_the_check_engine_example_names_the_broken_op(served: str, tmp_path: Path) -> None:
    # Picked from the examples: it runs at once, in the worker, and its report (what CPython
    # prints for the same code) blames the learner's `-` op, the bug the example carries.
    assert CHECK_ENGINE is not None, "the check_engine example needs autograd_lite.check"
    expected = runner.run(CHECK_ENGINE["code"])["output"]
    with browser(tmp_path) as driver:
        driver.get(served)
        wait(driver, "document.body.dataset.state === 'done'", timeout=90)
        driver.execute_script("var p = document.getElementById('examples');"
                              "p.selectedIndex = Array.from(p.options).findIndex(function (o) {"
                              "return o.value === 'check_engine'; });"
                              "document.body.dataset.state = 'submitted';"
                              "p.dispatchEvent(new Event('change'));")
        wait(driver, "document.body.dataset.state === 'done'")
        assert driver.find_element("id", "code").get_attribute("value") == CHECK_ENGINE["code"]
        shown = driver.execute_script("return document.getElementById('output').textContent;")
        assert "NOT OK" in shown and "the `-` op: your `__sub__` backward" in shown
        failed = [line for line in shown.splitlines() if " fail " in line]
        assert failed and all(line.startswith("a - ") for line in failed)
        # The same report as CPython's, but for how the checker numbers unlabelled leaves: the
        # learner's engine keeps children in a set, whose order follows object addresses.
        def same(text: str) -> str:
            return re.sub(r"leaf#\d+", "leaf#", text)

        assert same(shown) == same(expected)
        assert driver.execute_script("return document.getElementById('error').hidden;")


ERRORS = ("\".jp-OutputArea-output[data-mime-type*='error'], "
          ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']\"")


def open_notebook_and_run_all(driver: Any, base: str, name: str) -> None:
    """JupyterLite's lab with the notebook, its kernel idle, then Run > Run All Cells, and every cell run."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}lite/lab/index.html?path={name}.ipynb")
    wait(driver, "document.querySelector('.jp-Notebook') !== null && "
                 "document.body.innerText.indexOf('| Idle') >= 0", timeout=120)
    menu = next(item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
                if item.text.strip() == "Run")
    menu.click()
    run_all = '#jp-mainmenu-run .lm-Menu-item[data-command="runmenu:run-all"]'
    wait(driver, f"document.querySelector('{run_all}')")
    driver.find_element(By.CSS_SELECTOR, run_all).click()
    # Done when every code cell has its execution count, or an error stopped the run.
    wait(driver, "(function () { var p = Array.from("
                 "document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))"
                 ".map(function (e) { return e.textContent; });"
                 "return p.length > 0 && p.every(function (t) { return /\\[\\d+\\]/.test(t); }) || "
                 "document.querySelector(" + ERRORS + ") !== null; })()", timeout=240)


def error_outputs(driver: Any) -> list[str]:
    """The text of every error (or stderr) output in the page."""
    return driver.execute_script("return Array.from(document.querySelectorAll(" + ERRORS + "))"
                                 ".map(function (e) { return e.innerText.slice(0, 800); });")


def test_jupyterlite_runs_a_served_notebook_offline(served: str, tmp_path: Path) -> None:
    # gradient_checking imports autograd_lite with no %pip and draws nothing: it runs today.
    with browser(tmp_path) as driver:
        open_notebook_and_run_all(driver, served, "gradient_checking")
        assert error_outputs(driver) == []
        assert "runtime:" in driver.execute_script("return document.querySelector('.jp-Notebook').innerText;")


WIDGET_CODE = """import anywidget, ipywidgets as widgets, traitlets
from autograd_lite import Value
class Probe(anywidget.AnyWidget):  # the kind of widget the drawings without `dot` are
    _esm = "export default { render({ model, el }) { el.textContent = 'anywidget ' + model.get('n'); } };"
    n = traitlets.Int(7).tag(sync=True)
w = widgets.FloatSlider(value=2.0, min=-5.0, max=5.0, step=0.5, description="w")
grad = widgets.Label()
grad.add_class("al-test-grad")
def update(change=None):
    x = Value(3.0)
    y = (x * w.value).tanh()
    y.backward()
    grad.value = f"dy/dx = {x.grad!r}"
w.observe(update, names="value")
update()
widgets.VBox([w, grad, Probe()])"""


def test_jupyterlite_widgets_go_through_the_kernel(served: str, tmp_path: Path) -> None:
    # JupyterLite's console runs code given in its URL: an ipywidgets slider whose moves
    # recompute a gradient with autograd_lite in the kernel, with no %pip line, and an anywidget.
    def expected(w: float) -> float:  # the same gradient under CPython
        x = Value(3.0)
        (x * w).tanh().backward()
        return x.grad

    def gradient(text: str) -> float:
        assert text.startswith("dy/dx = "), text
        return float(text.removeprefix("dy/dx = "))

    shown = "document.querySelector('.al-test-grad') && document.querySelector('.al-test-grad').textContent"
    with browser(tmp_path) as driver:
        driver.get(f"{served}lite/repl/index.html?kernel=python&code=" + urllib.parse.quote(WIDGET_CODE))
        first = wait(driver, shown, timeout=120)
        assert gradient(first) == pytest.approx(expected(2.0), rel=1e-12)
        wait(driver, "document.body.innerText.indexOf('anywidget 7') >= 0")  # anywidget's front end too
        from selenium.webdriver.common.keys import Keys

        handle = driver.find_element("css selector", ".widget-slider .noUi-handle")
        handle.click()
        handle.send_keys(Keys.ARROW_LEFT)  # w: 2.0 -> 1.5, through the kernel
        moved = wait(driver, f"({shown}) !== {json.dumps(first)} && ({shown})", timeout=60)
        assert gradient(moved) == pytest.approx(expected(1.5), rel=1e-12)
        assert error_outputs(driver) == []


@pytest.mark.parametrize("name", ["neuron", "build_your_own", "playground"])
def test_jupyterlite_runs_the_drawing_notebooks(name: str, served: str, site: Path, tmp_path: Path) -> None:
    # Drawn without `dot` (JupyterLite can start no program): the anywidget widgets of
    # autograd_lite.render/widgets, whose front end is the anywidget extension the site ships.
    assert (site / "lite" / "files" / f"{name}.ipynb").is_file()
    with browser(tmp_path) as driver:
        open_notebook_and_run_all(driver, served, name)
        assert error_outputs(driver) == []
        if name == "neuron":  # an explore slider moved: the drawn gradient changes
            from selenium.webdriver.common.keys import Keys

            def drawn() -> list[str]:
                # The gradients as the picture shows them (not the slider's own readout).
                return driver.execute_script("var w = document.querySelectorAll('.widget-slider');"
                                             "var out = w[w.length - 1].closest('.jp-OutputArea');"
                                             "return out ? Array.from(out.querySelectorAll('svg text'))"
                                             ".map(function (t) { return t.textContent; })"
                                             ".filter(function (t) { return t.startsWith('grad'); }) : [];")

            before = drawn()
            assert before  # the drawing is there, with its gradients
            handle = driver.find_element("css selector", ".widget-slider .noUi-handle")  # x1's
            driver.execute_script("arguments[0].scrollIntoView();", handle)
            handle.click()
            for _ in range(5):
                handle.send_keys(Keys.ARROW_RIGHT)
            deadline = time.monotonic() + 60
            while drawn() == before and time.monotonic() < deadline:
                time.sleep(0.3)
            assert drawn() != before
