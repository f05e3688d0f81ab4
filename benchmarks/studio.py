"""falsecolor studio: how fast the page follows a dragged limit, and what a new prepare costs.

Usage::

    python benchmarks/studio.py                          # 1024², 2048², 4096² demos: ~3 min
    python benchmarks/studio.py --sizes 2048 --moves 120
    python benchmarks/studio.py --screenshot gallery/studio.png   # the gallery's picture of the page

Each size runs the real command (``falsecolor studio --demo --demo-size N
--no-browser``) and drives its page in Debian's headless Chromium through
Playwright (``apt-get install chromium``; the test extra has Playwright):

- **drag → redraw**: the key's rectangle is dragged by ``--moves`` pointer
  moves; the page records, for each, the time from the event (its
  ``timeStamp``) to the composite redrawn in the canvas (``drawn``) and to the
  next frame (``painted``), and the time of the whole-composite redraw once
  the drag rests;
- **palette switch** and **corrections change** (limb correction on): from
  the control's change to the new picture drawn, the latter through a new
  prepare on the server;
- **page weight**: the page's own files, and the planes and palette it fetches.

Server side, in this process, at each size: the prepare (bands read and
corrected, coloured once, quantised for the page) with and without limb
correction, against the baseline a page without its own look-up would need
for every drag step: ``Prepared.finish`` at the new limits and a PNG of the
composite (zlib level 1), i.e. a server round trip per step without the
network. The figures are printed as Markdown tables; ``--plot`` draws
``benchmarks/studio.png``.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import numpy as np

from falsecolor import Recipe, pipeline
from falsecolor.rendering import prepare_recipe
from falsecolor.studio._app import STATIC_FILES, static_files
from falsecolor.studio._planes import planes_of

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 1440, "height": 900}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def best(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


# -- the server side, in this process ----------------------------------------------------------


def server_side(size: int, repeat: int) -> dict:
    """Prepare times (plain, limb-corrected) and the per-step cost of re-rendering on the server."""
    from PIL import Image

    bands = pipeline.demo_bands(size)
    plain, limb = Recipe(demo=size), Recipe(demo=size, limb_correction="auto")

    def prepared_for(recipe):
        prepared = prepare_recipe(recipe, bands=bands)
        composite = prepared.finish(recipe.absolute(), recipe=recipe)
        return prepared, composite, planes_of(composite)

    out: dict = {"size": size}
    out["prepare"] = best(lambda: prepared_for(plain), repeat)
    out["prepare_limb"] = best(lambda: prepared_for(limb), repeat)
    prepared, composite, planes = prepared_for(plain)
    t_axis, tau_axis = composite.t_limits, composite.tau_limits
    moved = plain.replace(
        t_limits=(t_axis.low + 1.0, t_axis.high + 1.0), tau_limits=(tau_axis.low, tau_axis.high)
    )

    def server_step():
        again = prepared.finish(moved.absolute(), recipe=moved)
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(again.rgba[::-1])).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()

    out["server_step"] = best(server_step, repeat)
    out["server_step_bytes"] = len(server_step())
    out["planes_bytes"] = len(planes.to_bytes())
    return out


# -- the page, in Chromium -----------------------------------------------------------------------


def start_studio(size: int, folder: Path) -> tuple[subprocess.Popen, str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "falsecolor", "studio", "--demo", "--demo-size", str(size), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=folder,
    )
    url = process.stdout.readline().strip()
    return process, url, time.perf_counter() - started


def drag(page, moves: int) -> None:
    """Drag the key's rectangle about: right and down, then back, a pointer move per frame or so."""
    box = page.locator("#key").bounding_box()
    x, y = box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(moves):
        phase = step / max(moves - 1, 1) * 2 * np.pi
        page.mouse.move(x + 40 * np.sin(phase), y + 25 * np.sin(2 * phase))
        time.sleep(0.02)
    page.mouse.up()


def wait(page, expression: str, timeout: float = 120) -> None:
    page.wait_for_function(expression, timeout=timeout * 1000)


def page_side(browser, size: int, moves: int, folder: Path) -> dict:
    process, url, first_line = start_studio(size, folder)
    out: dict = {"size": size, "first_line": first_line}
    try:
        context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        wait(page, "window.studio && window.studio.fullRenders > 0")
        out["load"] = time.perf_counter() - started
        drag(page, moves)
        wait(page, f"window.studio.fullRenders > 1 && window.studio.timings.length >= {moves // 2}")
        timings = page.evaluate("window.studio.timings")
        out["drawn"] = [t["drawn"] - t["event"] for t in timings]
        out["painted"] = [t["painted"] - t["event"] for t in timings if "painted" in t]
        out["work"] = [t["drawn"] - t["start"] for t in timings]
        out["drawn_pixels"] = timings[0]["pixels"]
        out["full"] = page.evaluate("window.studio.fullTimings")
        renders = page.evaluate("window.studio.fullRenders")
        started = time.perf_counter()
        page.locator('[data-option="palette"] select').select_option("visir-cvd")
        wait(page, f"window.studio.palette.name === 'visir-cvd' && window.studio.fullRenders > {renders}")
        out["palette_switch"] = time.perf_counter() - started
        version = page.evaluate("window.studio.planes.version")
        page.locator("summary", has_text="calibration and corrections").click()
        started = time.perf_counter()
        field = page.locator('[data-option="limb_correction"] input')
        field.fill("auto")
        field.press("Enter")
        wait(page, f"window.studio.planes && window.studio.planes.version > {version}")
        out["corrections_change"] = time.perf_counter() - started
        token = url.split("token=")[1]
        base = url.split("/?")[0]
        weight = sum(len(data) for name, data in static_files().items() if name in STATIC_FILES)
        request = urllib.request.Request(f"{base}/api/palette", headers={"X-Falsecolor-Token": token})
        with urllib.request.urlopen(request) as answer:
            out["palette_bytes"] = len(answer.read())
        request = urllib.request.Request(f"{base}/api/planes", headers={"X-Falsecolor-Token": token})
        with urllib.request.urlopen(request) as answer:
            out["planes_bytes"] = len(answer.read())
        out["page_bytes"] = weight
        context.close()
    finally:
        process.terminate()
        process.communicate(timeout=10)
    return out


def screenshot(browser, path: Path, folder: Path) -> None:
    """The gallery's picture of the page: a 1024² demo, limits dragged, the pointer near the GRS."""
    command = ["falsecolor", "studio", "--demo", "--demo-size", "1024", "--no-browser"]
    command += ["--title", "Jupiter (synthetic), 13 µm x 5 µm", "--credit", "falsecolor studio"]
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=folder,
    )
    url = process.stdout.readline().strip()
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 880}, bypass_csp=True)
        page = context.new_page()
        page.goto(url)
        wait(page, "window.studio && window.studio.fullRenders > 0")
        box = page.locator("#key").bounding_box()
        x, y = box["x"] + box["width"] * 0.52, box["y"] + box["height"] * 0.46
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(x - 1.5 * step, y + 1.0 * step)
        page.mouse.up()
        wait(page, "window.studio.state.values.t_limits !== null && window.studio.fullRenders > 1")
        image = page.locator("#image").bounding_box()
        page.mouse.move(image["x"] + image["width"] * 0.41, image["y"] + image["height"] * 0.645)
        wait(page, "document.querySelector('#readout').textContent.includes('lat')")
        time.sleep(0.3)
        page.screenshot(path=str(path))
        context.close()
    finally:
        process.terminate()
        process.communicate(timeout=10)


# -- report --------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def report(servers: list[dict], pages: list[dict]) -> str:
    lines = [
        "| composite | drag → redrawn, p50 / p95 / max | drag → next frame, p50 / p95 "
        "| pixels coloured per move | whole composite once the drag rests, p50 | palette switch "
        "| limb correction on (new prepare) |",
        "|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        drawn, painted, full = page["drawn"], page["painted"], page["full"]
        cells = [
            f"{page['size']}²",
            f"{percentile(drawn, 50):.1f} / {percentile(drawn, 95):.1f} / {max(drawn):.1f} ms",
            f"{percentile(painted, 50):.1f} / {percentile(painted, 95):.1f} ms",
            f"{page['drawn_pixels']:,}",
            f"{percentile(full, 50):.0f} ms",
            ms(page["palette_switch"]),
            ms(page["corrections_change"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| composite | prepare (read, correct, colour, quantise) | with limb correction | page's planes "
        "| server round trip per drag step (finish + PNG): baseline | page's own redraw (p50) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    by_size = {p["size"]: p for p in pages}
    for server in servers:
        page = by_size.get(server["size"])
        own = percentile(page["drawn"], 50) / 1000 if page else float("nan")
        cells = [
            f"{server['size']}²",
            ms(server["prepare"]),
            ms(server["prepare_limb"]),
            f"{server['planes_bytes'] / 1e6:.1f} MB",
            f"{ms(server['server_step'])} ({server['server_step_bytes'] / 1e6:.1f} MB PNG)",
            f"{own * 1000:.1f} ms",
            f"{own / server['server_step']:.2f}×",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if pages:
        page = pages[0]
        modules = len(STATIC_FILES) - 2
        lines += [
            "",
            f"Page weight: the page's own files {page['page_bytes'] / 1024:.0f} KiB (HTML, CSS, {modules} "
            f"ES modules, no build step); the palette table {page['palette_bytes'] / 1024:.0f} KiB once per "
            f"palette; the planes 4 bytes per pixel once per prepare. The address is printed "
            f"{ms(page['first_line'])} after the command starts; the page is loaded and drawn "
            f"{ms(page['load'])} after it is opened.",
        ]
    return "\n".join(lines)


def plot(pages: list[dict], servers: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.0), layout="constrained")
    for page in pages:
        values = np.sort(page["drawn"])
        left.step(values, np.arange(1, len(values) + 1) / len(values), where="post", label=f"{page['size']}²")
    left.axvline(50, color="0.4", linestyle="--", linewidth=1)
    left.text(51, 0.05, "50 ms", color="0.3")
    left.set_xlabel("drag → composite redrawn (ms)")
    left.set_ylabel("share of pointer moves")
    left.set_title("the page's own look-up, headless Chromium")
    left.legend(title="demo composite")
    sizes = [s["size"] for s in servers]
    x = np.arange(len(sizes))
    width = 0.27
    right.bar(
        x - width,
        [s["server_step"] * 1000 for s in servers],
        width,
        label="server round trip per step (baseline)",
    )
    own = {p["size"]: percentile(p["drawn"], 50) for p in pages}
    right.bar(x, [own.get(s, np.nan) for s in sizes], width, label="page's own redraw (p50)")
    right.bar(
        x + width, [s["prepare_limb"] * 1000 for s in servers], width, label="new prepare (limb correction)"
    )
    right.set_xticks(x, [f"{s}²" for s in sizes])
    right.set_yscale("log")
    right.set_ylabel("ms")
    right.set_title("a limit dragged, against the server's work")
    right.legend(fontsize=8)
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--moves", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plot", type=Path, default=HERE / "studio.png")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--screenshot", type=Path, help="only write the gallery's screenshot of the page")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        if args.screenshot:
            screenshot(browser, args.screenshot, folder)
            print(f"wrote {args.screenshot}")
            return
        machine = platform.processor() or platform.machine()
        print(f"{date.today()} · {machine} · {os.cpu_count()} cores · Python {platform.python_version()}")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        servers = [server_side(size, args.repeat) for size in args.sizes]
        pages = [page_side(browser, size, args.moves, folder) for size in args.sizes]
        browser.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(report(servers, pages))
    if not args.no_plot:
        plot(pages, servers, args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
