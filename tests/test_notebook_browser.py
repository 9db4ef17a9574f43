"""The notebook front ends in a real browser (headless Debian Chromium under selenium).

1. Inline players in a plain page: two on one page step independently; with
   their scripts stripped (an untrusted notebook) every frame is shown.
2. `jupyter nbconvert --execute --to html` on the neuron notebook: the player in
   the exported page steps (next button, slider) with no console error.
3. A JupyterLab server (127.0.0.1, random port and token, stopped even on
   failure): the neuron notebook opened, every cell run from the Run menu, the
   player inside the output stepped, an `explore` slider moved with the keyboard
   and the drawn gradients seen to change.

Skipped, saying why, where Chromium, selenium, dot or the notebook extra is
missing, except on CI (CI=true), which installs them: there that is a failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import micrograd_neuron
from .jupyter_session import (
    NOTEBOOK_EXTRA,
    chromium,
    convert,
    frames_shown,
    jupyter_env,
    jupyterlab,
    open_and_run_all,
    requests,
    severe,
)

pytestmark = [pytest.mark.slow, pytest.mark.needs(*NOTEBOOK_EXTRA, browser=True)]
try:  # a missing selenium is reported by the needs mark, when a test runs: collecting needs none
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    pass

from autograd_lite.notebook import show_backprop  # noqa: E402 - after the optional imports


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


def shown_frames(player: Any) -> list[int]:
    """The frames of one player that are laid out."""
    return frames_shown(player.parent, player)


def set_slider(player: Any, value: int) -> None:
    player.parent.execute_script(
        "var s = arguments[0].querySelector('.slider'); s.value = String(arguments[1]);"
        "s.dispatchEvent(new Event('input', {bubbles: true}));", player, value)


def wait_for_players(driver: Any, count: int, timeout: float = 20) -> list[Any]:
    WebDriverWait(driver, timeout, poll_frequency=0.2).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".al-player.al-js")) >= count)
    return driver.find_elements(By.CSS_SELECTOR, ".al-player.al-js")


def test_two_inline_players_on_one_page_step_independently(browser: Any, tmp_path: Path) -> None:
    o, _ = micrograd_neuron()
    page = tmp_path / "two.html"
    page.write_text("<!DOCTYPE html><meta charset='utf-8'><title>two</title>"
                    + show_backprop(o)._repr_html_() + show_backprop(o * o)._repr_html_(), encoding="utf-8")
    browser.get(page.as_uri())
    first, second = wait_for_players(browser, 2)
    assert shown_frames(first) == [0] and shown_frames(second) == [0]
    first.find_element(By.CSS_SELECTOR, ".next").click()
    first.find_element(By.CSS_SELECTOR, ".next").click()
    assert shown_frames(first) == [2] and shown_frames(second) == [0]
    set_slider(second, 6)  # o*o: the neuron's 5 steps and one more
    assert shown_frames(second) == [6] and shown_frames(first) == [2]
    assert "step 6 of 6" in second.find_element(By.CSS_SELECTOR, ".position").text
    assert second.find_element(By.CSS_SELECTOR, ".next").get_attribute("disabled") is not None
    # The arrow keys move the player that has the focus, and only that one.
    first.find_element(By.CSS_SELECTOR, ".prev").click()
    first.send_keys(Keys.ARROW_LEFT)
    assert shown_frames(first) == [0] and shown_frames(second) == [6]
    assert severe(browser) == []
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_without_scripts_every_frame_is_shown(browser: Any, tmp_path: Path) -> None:
    o, _ = micrograd_neuron()
    fragment = re.sub(r"<script>.*?</script>", "", show_backprop(o)._repr_html_(), flags=re.S)
    page = tmp_path / "untrusted.html"
    page.write_text("<!DOCTYPE html><meta charset='utf-8'><title>untrusted</title>" + fragment,
                    encoding="utf-8")
    browser.get(page.as_uri())
    player = browser.find_element(By.CSS_SELECTOR, ".al-player")
    assert shown_frames(player) == [0, 1, 2, 3, 4, 5]
    assert [h.is_displayed() for h in player.find_elements(By.CSS_SELECTOR, ".frame h2")] == [True] * 6
    assert not player.find_element(By.CSS_SELECTOR, ".controls").is_displayed()  # no dead buttons


def test_nbconvert_html_of_the_neuron_notebook_steps(browser: Any, tmp_path: Path) -> None:
    env = jupyter_env(tmp_path)
    notebook = convert("neuron", tmp_path)
    # The default (lab) template, its CDN scripts (require.js, MathJax, the widget manager)
    # pointed at empty data: URLs, so that the page fetches nothing from the network.
    empty = "data:text/javascript,//"
    offline = [f"--HTMLExporter.{name}={empty}" for name in ("require_js_url", "mathjax_url",
                                                             "widget_renderer_url", "jquery_url")]
    result = subprocess.run(
        [sys.executable, "-m", "nbconvert", "--execute", "--to", "html", *offline, str(notebook)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    html = tmp_path / "neuron.html"
    assert "autodiff = chain rule by hand = finite differences" in html.read_text(encoding="utf-8")
    browser.get(html.as_uri())
    (player,) = wait_for_players(browser, 1)
    frames = len(player.find_elements(By.CSS_SELECTOR, ".frame"))
    assert frames == 6  # the neuron's 5 operations (two *, two +, tanh) and the start
    assert shown_frames(player) == [0]
    player.find_element(By.CSS_SELECTOR, ".next").click()
    assert shown_frames(player) == [1]
    assert player.find_element(By.CSS_SELECTOR, ".frame.current .caption").text.startswith("step 1 of 5")
    set_slider(player, 5)
    assert shown_frames(player) == [5]
    assert "Every gradient is now final" in player.find_element(By.CSS_SELECTOR, ".frame.current").text
    assert severe(browser) == []
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


# ---------------------------------------------------------------------------
# JupyterLab


def explore_gradients(driver: Any) -> list[str]:
    """The gradient lines drawn in the explore widget's graph."""
    return driver.execute_script(
        "var g = document.querySelector('.al-explore-graph svg'); if (!g) { return []; }"
        "return Array.from(g.querySelectorAll('text')).map(function (t) { return t.textContent; })"
        ".filter(function (t) { return t.indexOf('grad ') === 0; });")


def test_jupyterlab_runs_the_neuron_notebook_and_its_widgets_react(tmp_path: Path) -> None:
    env = jupyter_env(tmp_path)
    convert("neuron", tmp_path)
    with jupyterlab(tmp_path, env) as lab, chromium(tmp_path, height=1400) as driver:
        try:
            open_and_run_all(driver, lab, "neuron.ipynb")
            (player,) = wait_for_players(driver, 1, timeout=120)
            WebDriverWait(driver, 60, poll_frequency=0.5).until(explore_gradients)

            # The player inside the cell output steps.
            assert shown_frames(player) == [0]
            driver.execute_script("arguments[0].scrollIntoView();", player)
            player.find_element(By.CSS_SELECTOR, ".next").click()
            player.find_element(By.CSS_SELECTOR, ".next").click()
            assert shown_frames(player) == [2]
            set_slider(player, 5)
            assert shown_frames(player) == [5]

            # The explore slider of x1, moved with the keyboard: the kernel rebuilds, backpropagates
            # and redraws, and the drawn gradients change.
            before = explore_gradients(driver)
            handle = driver.find_element(By.CSS_SELECTOR, ".widget-slider .noUi-handle")
            driver.execute_script("arguments[0].scrollIntoView();", handle)
            handle.click()
            for _ in range(5):  # x1: 2.0 -> 2.05 (range [-3, 7], steps of 0.01)
                handle.send_keys(Keys.ARROW_RIGHT)
            readout = driver.find_element(By.CSS_SELECTOR, ".widget-slider .widget-readout")
            assert readout.text.strip() == "2.0500"
            WebDriverWait(driver, 60, poll_frequency=0.5).until(lambda d: explore_gradients(d) != before)
            after = explore_gradients(driver)
            assert len(after) == len(before) and after != before
            errors = driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='error']")
            assert errors == []
            # JupyterLab, its widgets and our outputs fetched nothing but from the local server.
            fetched = requests(driver)
            assert fetched and [url for url in fetched if not url.startswith(lab.base)] == []
        finally:
            driver.save_screenshot(str(tmp_path / "jupyterlab.png"))  # stays in the temporary folder
    with pytest.raises(OSError):  # the server is gone with the block
        urllib.request.urlopen(f"{lab.base}api/status?token={lab.token}", timeout=5)


def test_the_player_stays_readable_under_a_dark_theme(browser: Any, tmp_path: Path) -> None:
    """VS Code's default theme and JupyterLab's dark one put outputs on a dark background:
    the player's dark text must come with its own light background."""
    o, _ = micrograd_neuron()
    page = tmp_path / "dark.html"
    page.write_text("<!DOCTYPE html><meta charset='utf-8'><title>dark</title>"
                    "<body style='background:#1e1e1e;color:#d4d4d4'>" + show_backprop(o)._repr_html_(),
                    encoding="utf-8")
    browser.get(page.as_uri())
    (player,) = wait_for_players(browser, 1)
    colours = browser.execute_script(
        "var c = arguments[0].querySelector('.frame.current .caption'); var s = getComputedStyle(c);"
        "var e = c;"  # the nearest ancestor that paints a background
        "while (e && getComputedStyle(e).backgroundColor === 'rgba(0, 0, 0, 0)') { e = e.parentElement; }"
        "return [s.color, getComputedStyle(e).backgroundColor];", player)
    text, background = ([int(v) for v in re.findall(r"\d+", colour)[:3]] for colour in colours)
    assert sum(background) > 3 * 200 and sum(text) < 3 * 100, colours  # dark text on a light ground
