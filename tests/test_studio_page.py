"""The studio's page in a real headless Chromium: drawn pixels, dragged limits, palette, hover, Save.

The page colours the composite itself; these tests compare its pixels with
the same look-up done in numpy on the same planes (exactly), and with the
server's own render at those limits (all but a few pixels at a cell edge, by
one cell), and check that Save writes what ``falsecolor render`` of the saved
recipe writes, byte for byte. They need Chromium (``apt-get install chromium``)
and Playwright (the extra ``test``); without them they are skipped.
"""

from __future__ import annotations

import base64
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the studio's extra is not installed")
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from falsecolor import Recipe, pipeline  # noqa: E402
from falsecolor.cli import main  # noqa: E402
from falsecolor.cli._options import cli_spelling  # noqa: E402
from falsecolor.normalise import AxisLimits  # noqa: E402
from falsecolor.palette import get_palette  # noqa: E402
from falsecolor.studio._planes import page_rgba  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
#: Flags for a headless Chromium on a machine without a network or a GPU.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZE = 256


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium here: apt-get install chromium (the CI script does)")
    with playwright_api.sync_playwright() as driver:
        try:
            launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        except playwright_api.Error as err:  # a Chromium that will not start here
            pytest.skip(f"Chromium does not start: {str(err).splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studio")
    recipe = Recipe(demo=SIZE, base=folder)
    studio = pipeline.studio_for(recipe, speller=cli_spelling, save={"files": [str(folder / "studio.png")]})
    studio.start()
    assert studio.session.wait_ready(60)
    yield studio
    studio.stop()


@pytest.fixture
def page(browser, server):
    # bypass_csp: Playwright's waits evaluate strings, which the page's own policy forbids
    context = browser.new_context(viewport={"width": 1300, "height": 860}, bypass_csp=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda err: errors.append(str(err)))
    opened.goto(server.url)
    opened.wait_for_function("window.studio && window.studio.fullRenders > 0", timeout=60000)
    yield opened
    context.close()
    assert not errors, errors


def _drawn(page) -> np.ndarray:
    data = base64.b64decode(page.evaluate("window.studio.pixels()"))
    return np.frombuffer(data, dtype=np.uint8).reshape(SIZE, SIZE, 4)


def _axes(limits: dict) -> tuple[AxisLimits, AxisLimits]:
    return tuple(  # type: ignore[return-value]
        AxisLimits(limits[a]["low"], limits[a]["high"], "given", stretch=limits[a]["stretch"])
        for a in ("t", "tau")
    )


def _settled(page, renders: int) -> None:
    page.wait_for_function(f"window.studio.fullRenders > {renders}", timeout=30000)


def test_the_page_draws_what_the_palette_predicts(page, server):
    session = server.session
    t_axis, tau_axis = _axes(page.evaluate("window.studio.limits"))
    predicted = page_rgba(session.planes, session.palette(), t_axis, tau_axis)
    assert np.array_equal(_drawn(page), predicted)
    # ... and the server's own render at those limits, from unquantised values: a pixel may sit
    # on the other side of a cell edge, one cell away
    server_rgba = session.composite.rgba[::-1]
    same = np.all(_drawn(page) == server_rgba, axis=-1)
    assert same.mean() > 0.99
    assert np.abs(_drawn(page).astype(int) - server_rgba).max() <= 4


def test_dragging_the_key_rectangle_moves_the_limits_and_the_pixels_follow(page, server):
    before = page.evaluate("window.studio.limits")
    first = _drawn(page)
    box = page.locator("#key").bounding_box()
    rectangle = page.evaluate(
        "(() => { const k = document.querySelector('#key').getBoundingClientRect(); return k; })()"
    )
    assert rectangle["width"] > 100
    renders = page.evaluate("window.studio.fullRenders")
    start = (box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(start[0] + 4 * step, start[1] + 2 * step)
    page.mouse.up()
    _settled(page, renders)
    page.wait_for_function("window.studio.state.values.t_limits !== null", timeout=30000)
    after = page.evaluate("window.studio.limits")
    assert after["t"]["source"] == "given" and after["t"]["low"] > before["t"]["low"]
    assert after["tau"]["low"] < before["tau"]["low"]  # dragged down: towards clear
    values = page.evaluate("window.studio.state.values")
    assert values["t_limits"] == [after["t"]["low"], after["t"]["high"]]  # the server holds them
    drawn = _drawn(page)
    assert not np.array_equal(drawn, first)
    t_axis, tau_axis = _axes(after)
    assert np.array_equal(drawn, page_rgba(server.session.planes, server.session.palette(), t_axis, tau_axis))
    timings = page.evaluate("window.studio.timings")
    assert timings and all(t["drawn"] >= t["event"] for t in timings)
    # ... and on the screen, at one screen pixel per data pixel
    page.locator("#zoom-one").click()
    screen = page.evaluate("window.studio.screen()")
    assert screen["scale"] == 1
    shown = np.frombuffer(base64.b64decode(screen["data"]), np.uint8).reshape(
        screen["height"], screen["width"], 4
    )
    x, y = screen["x"], screen["y"]
    assert 0 <= x <= screen["width"] - SIZE and 0 <= y <= screen["height"] - SIZE
    on_disc = drawn[..., 3] == 255  # off the disc the canvas shows the page behind
    assert np.array_equal(shown[y : y + SIZE, x : x + SIZE][on_disc], drawn[on_disc])


def test_switching_the_palette_recolours_the_page(page, server):
    renders = page.evaluate("window.studio.fullRenders")
    page.locator('[data-option="palette"] select').select_option("visir-cvd")
    page.wait_for_function("window.studio.palette.name === 'visir-cvd'", timeout=30000)
    _settled(page, renders)
    t_axis, tau_axis = _axes(page.evaluate("window.studio.limits"))
    assert np.array_equal(
        _drawn(page), page_rgba(server.session.planes, get_palette("visir-cvd"), t_axis, tau_axis)
    )
    page.locator('[data-option="palette"] select').select_option("visir")
    page.wait_for_function("window.studio.palette.name === 'visir'", timeout=30000)


def test_a_refused_value_shows_the_command_lines_message(page, server, capsys):
    field = page.locator('[data-option="clear_percentile"] input')
    page.locator("summary", has_text="calibration and corrections").click()
    field.fill("20")
    field.press("Enter")
    problem = page.locator('[data-option="clear_percentile"] .problem')
    problem.wait_for(state="visible", timeout=30000)
    assert main(["render", "--demo", "--clear-percentile", "20", "-o", "never.png"]) == 2
    assert capsys.readouterr().err.strip() == f"falsecolor: error: {problem.text_content()}"
    assert problem.text_content() == "--clear-percentile 20: must be within 50..100, got 20"
    field.fill("")
    field.press("Enter")
    page.wait_for_function(
        "document.querySelector('[data-option=\"clear_percentile\"] .problem').textContent === ''"
    )


def test_hovering_shows_temperature_opacity_and_where_on_the_planet(page):
    box = page.locator("#image").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#readout').textContent.includes('lat')", timeout=30000)
    text = page.locator("#readout").text_content()
    assert "K" in text and "cloud opacity τ" in text and "° W" in text


def test_a_change_of_corrections_shows_progress_then_new_planes(page, server):
    version = page.evaluate("window.studio.planes.version")
    page.locator("summary", has_text="calibration and corrections").click()
    page.locator('[data-option="limb_correction"] input').fill("auto")
    page.locator('[data-option="limb_correction"] input').press("Enter")
    page.wait_for_function(f"window.studio.planes.version > {version}", timeout=60000)
    assert server.session.recipe.limb_correction == "auto"
    assert page.evaluate("window.studio.state.status.state") == "ready"
    page.locator('[data-option="limb_correction"] input').fill("none")
    page.locator('[data-option="limb_correction"] input').press("Enter")
    page.wait_for_function(f"window.studio.planes.version > {version + 1}", timeout=60000)


def test_save_writes_what_render_of_the_saved_recipe_writes(page, server, tmp_path):
    picture, recipe = tmp_path / "tuned.png", tmp_path / "tuned.toml"
    page.locator("#save-open").click()
    page.locator("#save-files").fill(str(picture))
    page.locator("#save-fits").fill("")
    page.locator("#save-recipe").fill(str(recipe))
    page.locator("#save-go").click()
    page.wait_for_function(
        "document.querySelector('#save-result').textContent.includes('Wrote')", timeout=60000
    )
    result = page.locator("#save-result").text_content()
    assert str(picture) in result and str(recipe) in result
    assert f"falsecolor render {recipe}" in result
    saved = picture.read_bytes()
    picture.unlink()
    assert main(["render", str(recipe), "--quiet"]) == 0  # the recipe names its picture
    assert picture.read_bytes() == saved
    # a second Save asks before replacing
    page.locator("#save-go").click()
    page.locator("#save-replace").wait_for(timeout=30000)
    before = picture.stat().st_mtime_ns
    time.sleep(0.01)
    page.locator("#save-replace").click()
    page.wait_for_function(
        "document.querySelector('#save-result').textContent.includes('Wrote')", timeout=60000
    )
    assert picture.stat().st_mtime_ns != before
    assert Path(recipe).read_text(encoding="utf-8").startswith("version = 1")


@pytest.mark.parametrize("stretch", ["sqrt", "asinh", "log"])
def test_stretched_axes_are_drawn_as_the_palette_draws_them(page, server, stretch):
    for axis in ("t", "tau"):
        renders = page.evaluate("window.studio.fullRenders")
        page.locator(f'[data-option="{axis}_stretch"] select').select_option(stretch)
        page.wait_for_function(f"window.studio.limits.{axis}.stretch === '{stretch}'", timeout=30000)
        _settled(page, renders)
    t_axis, tau_axis = _axes(page.evaluate("window.studio.limits"))
    predicted = page_rgba(server.session.planes, server.session.palette(), t_axis, tau_axis)
    assert np.array_equal(_drawn(page), predicted)  # astropy's float32 steps, done the same way
    for axis in ("t", "tau"):
        page.locator(f'[data-option="{axis}_stretch"] select').select_option("linear")
        page.wait_for_function(f"window.studio.limits.{axis}.stretch === 'linear'", timeout=30000)
