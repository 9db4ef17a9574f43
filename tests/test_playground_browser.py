"""The playground widget in a real JupyterLab, driven by headless Chromium (selenium).

The playground demo, converted by the CLI, opened in a JupyterLab started here
(127.0.0.1, random port and token, stopped even on failure), every cell run from
the Run menu; then, as a student would: press play, and the loss text and the
output's heat map change; press pause, and they stop changing; add a hidden
layer, and the network is redrawn with eight more neurons. Nothing may be
fetched from anywhere but the local server.

Skipped, saying why, where Chromium, selenium or the notebook extra is missing,
except on CI (CI=true), which installs them: there that is a failure.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from .jupyter_session import (
    NOTEBOOK_EXTRA,
    chromium,
    convert,
    jupyter_env,
    jupyterlab,
    open_and_run_all,
    requests,
)

pytestmark = [pytest.mark.slow, pytest.mark.needs(*NOTEBOOK_EXTRA, browser=True)]
try:  # a missing selenium is reported by the needs mark, when a test runs: collecting needs none
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    pass

STATE = """
var w = document.querySelector('.al-playground-widget'); if (!w) { return null; }
var loss = w.querySelector('.al-pg-loss'), out = w.querySelector('.al-playground .al-output image');
return {loss: loss ? loss.textContent : '', map: out ? out.getAttribute('href') : '',
        counter: (w.querySelector('.al-pg-epoch') || {}).textContent || '',
        neurons: w.querySelectorAll('.al-playground .al-neuron').length};
"""


def state(driver: Any) -> dict | None:
    return driver.execute_script(STATE)


def click(driver: Any, name: str) -> None:
    """Click the widget's button that says `name` (its text), checking its title says it too."""
    found = driver.find_element(By.CSS_SELECTOR, f".al-playground-widget .al-pg-{name.replace(' ', '-')}")
    assert found.text.strip() == name and name in (found.get_attribute("title") or "")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", found)
    found.click()


def test_play_pause_and_add_a_layer_in_jupyterlab(tmp_path: Path) -> None:
    env = jupyter_env(tmp_path)
    convert("playground", tmp_path)
    with jupyterlab(tmp_path, env) as lab, chromium(tmp_path, height=1600) as driver:
        try:
            open_and_run_all(driver, lab, "playground.ipynb")
            wait = WebDriverWait(driver, 120, poll_frequency=0.5)
            wait.until(lambda d: (state(d) or {}).get("map"))
            start = state(driver)
            assert start["neurons"] == 8 + 8 + 1 and "step 0" in start["counter"]

            click(driver, "play")
            WebDriverWait(driver, 120, poll_frequency=0.2).until(
                lambda d: state(d)["loss"] != start["loss"] and state(d)["map"] != start["map"],
                message="play did not change the loss text and the heat map")
            click(driver, "pause")
            # Frames already on their way (ticks sent before the pause reached the kernel, redraws
            # sent before it reached the browser) may still show, more of them on a busy machine:
            # wait until a second passes without change, then it must stay so.
            paused = state(driver)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                time.sleep(1.0)
                now = state(driver)
                if now == paused:
                    break
                paused = now
            time.sleep(2.0)
            assert state(driver) == paused, f"the playground kept training after pause: {paused['counter']}"
            assert "step 0" not in paused["counter"]

            click(driver, "add layer")
            # the network redrawn with a third layer of 8, and started over (a new network)
            wait.until(lambda d: state(d)["neurons"] == 8 + 8 + 8 + 1 and "step 0" in state(d)["counter"],
                       message=f"adding a layer did not redraw the network: {state(driver)}")

            errors = driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='error']")
            assert errors == []
            fetched = requests(driver)
            assert fetched and [url for url in fetched if not url.startswith(lab.base)] == []
        finally:
            driver.save_screenshot(str(tmp_path / "jupyterlab.png"))  # stays in the temporary folder
