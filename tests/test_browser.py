"""The backprop page in a real browser: headless Chromium driven by selenium.

Opens the page from a file:// URL and checks that its JavaScript runs without
console errors and that the slider, previous/next buttons, arrow keys and
play/pause move between frames. Needs Debian's `chromium` and
`chromium-driver` (/usr/bin/chromium, /usr/bin/chromedriver) and the
`selenium` package; selenium is pointed at both binaries, so it downloads
nothing. Skipped, saying why, where any of them is missing, except on CI
(CI=true), where a missing browser is a failure: CI installs it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import backprop_page as page_module
from autograd_lite.backprop_page import backprop_html

from .helpers import micrograd_neuron
from .jupyter_session import chromium, frames_shown, severe

# the other interpreters of .ci/other_pythons skip the browser; `needs` checks it when a test runs
pytestmark = [pytest.mark.slow, pytest.mark.needs(browser=True)]

try:  # a missing selenium is reported by the needs mark, when a test runs: collecting needs none
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    pass


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium")) as browser:
        yield browser


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A neuron's page (micrograd's example): 5 backward steps, so 6 frames."""
    o, _ = micrograd_neuron()
    path = backprop_html(o, tmp_path_factory.mktemp("page") / "backprop.html", title="neuron <o>")
    return path, 6


def shown(browser: Any) -> int:
    frames = frames_shown(browser)
    assert len(frames) == 1, f"exactly one frame should be visible, got {frames}"
    return frames[0]


def caption(browser: Any) -> str:
    return browser.find_element(By.CSS_SELECTOR, ".frame.current .caption").text


def open_page(browser: Any, path: Path) -> None:
    browser.get(path.as_uri())
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        "return document.querySelector('.al-player.al-js') !== null"))


def test_page_loads_without_console_errors(driver: Any, page: tuple[Path, int]) -> None:
    path, count = page
    open_page(driver, path)
    assert driver.title == "neuron <o>"
    assert severe(driver) == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0  # no fetches
    assert len(driver.find_elements(By.CSS_SELECTOR, ".frame")) == count
    assert shown(driver) == 0
    displayed = [f.is_displayed() for f in driver.find_elements(By.CSS_SELECTOR, ".frame")]
    assert displayed == [True] + [False] * (count - 1)  # selenium's own idea of visible agrees
    assert caption(driver).startswith("start:")
    assert "o.grad = do/do = 1" in caption(driver)
    assert driver.find_element(By.ID, "prev").get_attribute("disabled") is not None
    svg = driver.find_element(By.CSS_SELECTOR, ".frame.current svg")
    assert svg.size["width"] > 100 and svg.size["height"] > 20  # the picture is really laid out


def test_slider_buttons_and_keys_move_between_frames(driver: Any, page: tuple[Path, int]) -> None:
    path, count = page
    open_page(driver, path)
    slider = driver.find_element(By.ID, "slider")
    assert slider.get_attribute("max") == str(count - 1)

    # The slider, set as a script would and announced with an 'input' event.
    driver.execute_script(
        "arguments[0].value = '3'; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", slider)
    assert shown(driver) == 3
    assert caption(driver).startswith("step 3 of 5:")
    assert "step 3 of 5" in driver.find_element(By.ID, "position").text

    # The slider with the keyboard, as a person would.
    slider.send_keys(Keys.ARROW_RIGHT)
    assert shown(driver) == 4 and caption(driver).startswith("step 4 of 5:")

    driver.find_element(By.ID, "prev").click()
    assert shown(driver) == 3
    driver.find_element(By.ID, "next").click()
    driver.find_element(By.ID, "next").click()
    assert shown(driver) == 5
    assert driver.find_element(By.ID, "next").get_attribute("disabled") is not None
    assert "Every gradient is now final" in driver.find_element(By.CSS_SELECTOR, ".frame.current").text

    # Arrow keys anywhere on the page (the focus off the slider).
    driver.find_element(By.TAG_NAME, "h1").click()
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_LEFT)
    assert shown(driver) == 4
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    assert shown(driver) == 2
    body.send_keys(Keys.ARROW_RIGHT)
    assert shown(driver) == 3
    assert slider.get_attribute("value") == "3"  # the slider follows the other controls
    assert severe(driver) == []


def test_play_advances_and_pause_stops(driver: Any, page: tuple[Path, int]) -> None:
    path, _ = page
    open_page(driver, path)
    play = driver.find_element(By.ID, "play")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    WebDriverWait(driver, 10, poll_frequency=0.1).until(lambda b: shown(b) >= 1)
    play.click()  # pause
    assert play.get_attribute("aria-pressed") == "false"
    paused_at = shown(driver)
    assert paused_at >= 1
    time.sleep(1.5)  # longer than one play interval
    assert shown(driver) == paused_at
    assert severe(driver) == []


def test_readable_at_first_display_with_fit_to_width_a_toggle_and_zoom(driver: Any,
                                                                     page: tuple[Path, int]) -> None:
    path, _ = page
    open_page(driver, path)
    frames = driver.find_element(By.ID, "frames")
    fit = driver.find_element(By.CSS_SELECTOR, ".al-fit")

    def picture() -> dict:
        return driver.execute_script(
            "var svg = document.querySelector('.frame.current svg');"
            "var sizes = Array.from(svg.querySelectorAll('text')).map(function (t) {"
            "  return parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a; });"
            "return {width: svg.getBoundingClientRect().width, text: Math.min.apply(null, sizes)};")

    # The neuron at a readable size is wider than the window: it scrolls, and fitting it would
    # shrink its text below 10 px, so "fit to width" starts off (it used to start on).
    first = picture()
    assert first["text"] >= 10 and not fit.is_selected()
    assert first["width"] > frames.rect["width"]
    # Step 1 processes the output, at the far right: the picture scrolls it into sight.
    driver.find_element(By.ID, "next").click()
    assert driver.execute_script(
        "var box = document.querySelector('.frame.current .al-view').getBoundingClientRect();"
        "var node = document.querySelector('.frame.current [fill=\"" + page_module.CURRENT + "\"]')"
        ".getBoundingClientRect();"
        "return node.left >= box.left && node.right <= box.right;")
    driver.find_element(By.ID, "prev").click()
    fit.click()
    fitted = picture()
    assert fit.is_selected() and fitted["width"] <= frames.rect["width"] + 1 and fitted["text"] < 10
    driver.find_element(By.ID, "next").click()  # one scale for every frame
    assert picture()["width"] == pytest.approx(fitted["width"], rel=0.02)
    fit.click()
    assert picture()["width"] == pytest.approx(first["width"], rel=0.02)
    driver.find_element(By.CSS_SELECTOR, ".al-zoom-in").click()
    assert picture()["width"] == pytest.approx(first["width"] * 1.25, rel=0.02)
    driver.find_element(By.CSS_SELECTOR, ".al-zoom-reset").click()
    assert picture()["width"] == pytest.approx(first["width"], rel=0.02)
    assert severe(driver) == []


def test_screenshot_stays_in_tmp(driver: Any, page: tuple[Path, int], tmp_path: Path) -> None:
    path, _ = page
    open_page(driver, path)
    driver.find_element(By.ID, "next").click()
    shot = tmp_path / "step1.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 1000
