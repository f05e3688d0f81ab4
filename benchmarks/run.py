"""falsecolor benchmarks: every figure is a ratio against a baseline measured in the same run.

Usage::

    python benchmarks/run.py              # 4096 x 4096 images; stacks of 200 to 2,000 frames: ~10 min
    python benchmarks/run.py --quick      # small sizes, a smoke run of every section (~1 min)
    python benchmarks/run.py --size 2048 --repeat 3 --plot /tmp/scaling.png
    python benchmarks/run.py --skip press --skip stack

Each contender and its baseline are timed alternately, several times, after a
warm-up, and the best time of each is kept, so a busy machine slows both sides
alike. Lucky-imaging runs (benchmarks/stack.py) are separate processes, so
each peak memory is the contender's own. The script prints each section in
detail, then Markdown tables (summary, scaling with image size and frame
count) to paste into benchmarks/README.md, and draws the scaling plot.

Needs only the package and its test extra (matplotlib, astropy and scipy are
base dependencies).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from astropy import units as u

import falsecolor
import falsecolor.pipeline
from falsecolor import get_filter, render, synthetic_jupiter
from falsecolor._blocks import map_blocks, worker_count
from falsecolor.export import PNG_COMPRESS_LEVEL, encode_png
from falsecolor.planck import radiance_to_temperature

HERE = Path(__file__).resolve().parent
W_UM = u.Unit("W m-2 sr-1 um-1")
C1, C2 = 1.1910429723971884e8, 14387.768775039336  # SCIENCE.md 1.1 (um units)
SECTIONS = ("temperature", "composite", "png", "press", "render", "scaling", "stack")


# -- timing and formatting -------------------------------------------------------------------


def best_of(functions: dict, repeat: int, warm_up: bool = True) -> dict[str, float]:
    """Best wall time (s) of each function, running them in turn ``repeat`` times."""
    if warm_up:  # caches, tables, first-touch memory, lazy imports
        for function in functions.values():
            function()
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def row(label: str, seconds: float, baseline: float | None = None, megapixels: float | None = None) -> str:
    ms = seconds * 1e3
    per_mp = f"{ms / megapixels:8.2f} ms/MP" if megapixels else " " * 14
    ratio = f"{seconds / baseline:6.2f}x" if baseline else " " * 7
    return f"  {label:66s} {ms:9.1f} ms {per_mp}  {ratio}"


def fmt_time(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    ms = seconds * 1e3
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def fmt_ratio(ours: float, base: float, *, bold: bool = True) -> str:
    """Time ratio ours/baseline, with "N× faster" when ours is faster."""
    ratio = ours / base
    text = f"**{ratio:.2f}×**" if bold else f"{ratio:.2f}×"
    if ratio < 0.5:
        text += f" ({base / ours:.0f}× faster)" if base / ours >= 10 else f" ({base / ours:.1f}× faster)"
    return text


def slope(xs, ys) -> float:
    """Least-squares exponent of ys against xs on log-log axes."""
    return float(np.polyfit(np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float)), 1)[0])


def markdown(header, rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    threads = worker_count()
    source = "FALSECOLOR_THREADS" if os.environ.get("FALSECOLOR_THREADS") else "CPU count"
    return (
        f"{date.today()}, {cpu_model()} ({os.cpu_count()} CPUs, {platform.machine()}), "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"{threads} falsecolor threads ({source})"
    )


def blas_line() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        name = "?"
    limits = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
              if k in os.environ]  # fmt: skip
    return f"BLAS {name} ({', '.join(limits) or 'threads not limited'})"


def versions() -> str:
    import astropy
    import matplotlib
    import PIL
    import scipy

    return (
        f"falsecolor {falsecolor.__version__}, astropy {astropy.__version__}, matplotlib "
        f"{matplotlib.__version__}, Pillow {PIL.__version__}, scipy {scipy.__version__}"
    )


class Summary:
    """Rows of the Markdown summary table, collected as the sections run."""

    header = ("what", "falsecolor", "baseline (same run)", "ratio", "target")

    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def add(self, what: str, ours: str, base: str, ratio: str, target: str = "") -> None:
        self.rows.append([what, ours, base, ratio, target])

    def table(self) -> str:
        return markdown(self.header, self.rows)


# -- brightness temperature ------------------------------------------------------------------


def bench_brightness_temperature(size: int, repeat: int, summary: Summary) -> list[str]:
    rng = np.random.default_rng(0)
    radiance = rng.uniform(0.03, 0.1, (size, size)).astype(np.float32)
    filt = get_filter("NEII_2")
    out = np.empty_like(radiance)
    mp = radiance.size / 1e6
    times = best_of(
        {
            "bare f64": lambda: C2 / (13.0 * np.log1p(C1 / (13.0**5 * radiance.astype(np.float64)))),
            "bare f32": lambda: C2 / (13.0 * np.log1p(C1 / (13.0**5 * radiance))),
            "mono": lambda: radiance_to_temperature(radiance, 13 * u.um, W_UM, out=out),
            "band": lambda: radiance_to_temperature(radiance, filt, W_UM, out=out),
        },
        repeat,
    )
    base = times["bare f64"]
    for what, key in (("13 µm monochromatic", "mono"), ("NEII_2 band look-up table", "band")):
        summary.add(
            f"brightness temperature, {what}, {size}² float32",
            f"{fmt_time(times[key])} ({times[key] * 1e3 / mp:.2f} ms/MP)",
            f"bare numpy formula, float64: {fmt_time(base)}",
            fmt_ratio(times[key], base),
            "≤ 1.5×",
        )
    return [
        f"Brightness temperature, {size}x{size} float32 radiance (target <= 1.5x the bare formula)",
        row("bare numpy formula, float64 (baseline)", base, None, mp),
        row("bare numpy formula, float32 (less precise)", times["bare f32"], base, mp),
        row("falsecolor, monochromatic 13 um (float64 physics)", times["mono"], base, mp),
        row("falsecolor, NEII_2 band look-up table", times["band"], base, mp),
    ]


# -- the composite -----------------------------------------------------------------------------


def memory_floor(a: np.ndarray, b: np.ndarray):
    """The render's own memory traffic with no arithmetic, on the same blocks and threads.

    Reads both float32 images and writes what a render writes (float32 T and tau,
    a bool mask, RGBA words): 8 + 13 bytes per pixel. Returns a callable.
    """
    t_out, tau_out = np.empty_like(a), np.empty_like(b)
    mask = np.empty(a.shape, bool)
    words = np.empty(a.shape, np.uint32)

    def kernel(a_in, b_in, t, tau, m, w):
        np.copyto(t, a_in)
        np.copyto(tau, b_in)
        np.less(a_in, 0, out=m)
        np.copyto(w, a_in.view(np.uint32))

    return lambda: map_blocks(kernel, [a, b], [t_out, tau_out, mask, words])


def composite_contenders(jupiter) -> dict:
    """render and the astropy baselines on the same two bands (and the memory floor)."""
    from astropy.visualization import AsymmetricPercentileInterval, LinearStretch, make_lupton_rgb, make_rgb

    t_band, c_band = jupiter.temperature_band, jupiter.cloud_band
    a, b = t_band.data, c_band.data
    half = (0.5 * (a / a.max() + b / b.max())).astype(np.float32)
    interval = AsymmetricPercentileInterval(2, 98)

    def lupton():
        with np.errstate(invalid="ignore", divide="ignore"):  # its own 0/0 on the dark sky
            make_lupton_rgb(a, half, b, stretch=0.05, Q=8)

    return {
        "make_rgb": lambda: make_rgb(a, half, b, interval=interval, stretch=LinearStretch()),
        "lupton": lupton,
        "ours": lambda: render(t_band, c_band),
        "ours_fixed": lambda: render(t_band, c_band, t_limits=(120, 135), tau_limits=(0, 4.5)),
        "floor": memory_floor(a, b),
    }


def bench_composite(size: int, repeat: int, summary: Summary) -> tuple[list[str], object, dict]:
    jupiter = synthetic_jupiter((size, size))
    mp = size * size / 1e6
    times = best_of(composite_contenders(jupiter), repeat)
    base = times["make_rgb"]
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    lines = [
        f"Whole two-band composite, {size}x{size}: radiance -> T + tau + mask + palette, no PNG"
        " (target: faster than make_rgb, <= 10 ms/MP)",
        row("astropy make_rgb, percentile interval (baseline, a simpler job)", base, None, mp),
        row("astropy make_lupton_rgb", times["lupton"], base, mp),
        row("falsecolor render, percentile limits", times["ours"], base, mp),
        row("falsecolor render, given limits", times["ours_fixed"], base, mp),
        row("memory floor: the render's reads and writes (21 B/px), no arithmetic", times["floor"], base, mp),
        f"  memory floor bandwidth: {21 * size * size / times['floor'] / 1e9:.1f} GB/s on "
        f"{worker_count()} threads; render = {times['ours'] / times['floor']:.1f}x the floor",
    ]
    ours = times["ours"]
    per_mp = f"{fmt_time(ours)}, **{ours * 1e3 / mp:.1f} ms/MP**"
    summary.add(
        f"whole composite {size}²: radiance → T, τ, disc mask, colours; percentile limits",
        per_mp,
        f"astropy `make_rgb` (a simpler job): {fmt_time(base)}",
        fmt_ratio(ours, base),
        "< 1× (faster)",
    )
    summary.add(
        "(same, against `make_lupton_rgb`)",
        fmt_time(ours),
        f"`make_lupton_rgb`: {fmt_time(times['lupton'])}",
        fmt_ratio(ours, times["lupton"]),
        "",
    )
    summary.add(
        "whole composite, given limits",
        f"{fmt_time(times['ours_fixed'])}, {times['ours_fixed'] * 1e3 / mp:.1f} ms/MP",
        f"`make_rgb`: {fmt_time(base)}",
        fmt_ratio(times["ours_fixed"], base),
        "",
    )
    summary.add(
        "composite against the memory floor (its own 21 B/px of reads and writes, same threads)",
        f"{ours * 1e3 / mp:.1f} ms/MP",
        f"floor: {times['floor'] * 1e3 / mp:.2f} ms/MP ({21 * size * size / times['floor'] / 1e9:.0f} GB/s)",
        f"{ours / times['floor']:.1f}× the floor",
        "≤ 10 ms/MP",
    )
    return lines, composite, times


def bench_palette_lookup(composite, repeat: int, summary: Summary) -> list[str]:
    """Palette.lookup against matplotlib's BivarColormapFromImage of the same table, on the
    composite's own T and tau scaled to 0..1 (NaN off the disc, as both treat as bad)."""
    palette = composite.palette
    cmap = palette.to_matplotlib()
    t, tau = composite.t_limits, composite.tau_limits
    x = ((composite.temperature.to_value(u.K) - t.low) / (t.high - t.low)).astype(np.float32)
    y = ((composite.opacity - tau.low) / (tau.high - tau.low)).astype(np.float32)
    np.clip(x, 0, 1, out=x)  # matplotlib paints values outside 0..1 with its "outside" colour
    np.clip(y, 0, 1, out=y)
    out = np.empty((*x.shape, 4), np.uint8)
    mp = x.size / 1e6

    def fancy():
        ix = np.nan_to_num(x * 255.999).astype(np.intp)
        iy = np.nan_to_num(y * 255.999).astype(np.intp)
        return palette.lut8[ix, iy]

    times = best_of(
        {
            "mpl": lambda: cmap((x, y), bytes=True),
            "ours": lambda: palette.lookup(x, y, out=out),
            "fancy": fancy,
        },
        max(1, repeat // 2),
    )
    theirs = cmap((x, y), bytes=True)
    palette.lookup(x, y, out=out)
    diff = int(np.abs(theirs.astype(np.int16) - out).max())  # matplotlib truncates x*255, we round
    base = times["mpl"]
    summary.add(
        f"palette look-up, {x.shape[0]}², the composite's T and τ, same {palette.size}² LUT",
        f"{fmt_time(times['ours'])} ({times['ours'] * 1e3 / mp:.2f} ms/MP)",
        f"`BivarColormapFromImage`: {fmt_time(base)}",
        fmt_ratio(times["ours"], base),
        "≥ 10× faster",
    )
    summary.add(
        "(plain numpy fancy indexing, for scale)",
        "",
        fmt_time(times["fancy"]),
        f"{base / times['fancy']:.1f}× faster than matplotlib",
        "",
    )
    return [
        f"Palette look-up, {x.shape[1]}x{x.shape[0]}, the composite's T and tau, same {palette.size}x"
        f"{palette.size} LUT (target >= 10x faster than matplotlib)",
        row("matplotlib BivarColormapFromImage (baseline)", base, None, mp),
        row("plain numpy fancy indexing", times["fancy"], base, mp),
        row("falsecolor Palette.lookup (packed uint32, NaN and mask aware)", times["ours"], base, mp),
        f"  colours agree to {diff}/255 per channel (matplotlib truncates the table to 8 bits, we round)",
    ]


# -- PNG and the press outputs -----------------------------------------------------------------


def bench_png(composite, size: int, repeat: int, summary: Summary) -> list[str]:
    """PNG levels on the rendered page, noise-free and with 2 % noise (real data are noisy).

    Levels 1, the default and 6 are timed ``repeat`` times, in turn; level 9 once.
    """
    noisy = synthetic_jupiter((size, size), noise=0.02)
    pages = {
        "noise-free": composite.image(key=True),
        "2 % noise": render(noisy.temperature_band, noisy.cloud_band).image(key=True),
    }
    levels = sorted({1, PNG_COMPRESS_LEVEL, 6, 9})
    encode_png(pages["noise-free"][:64, :64])  # first call: imports, ICC profile
    lines = [
        "PNG encoding of the rendered page (composite plus key), Pillow/zlib; "
        f"default level {PNG_COMPRESS_LEVEL}; level 9 timed once"
    ]
    for name, picture in pages.items():
        times = dict.fromkeys(levels, float("inf"))
        sizes = {}
        for attempt in range(repeat):
            for lv in levels:
                if lv == 9 and attempt:
                    continue
                start = time.perf_counter()
                sizes[lv] = len(encode_png(picture, compress_level=lv))
                times[lv] = min(times[lv], time.perf_counter() - start)
        shape = f"{picture.shape[1]}x{picture.shape[0]}"
        lines.append(f"  {name}, {shape} RGBA:")
        for lv in levels:
            lines.append(
                f"    level {lv}: {times[lv] * 1e3:8.1f} ms ({times[lv] / times[1]:4.1f}x level 1), "
                f"{sizes[lv] / 1e6:6.2f} MB ({sizes[lv] / sizes[1]:5.2f}x level 1)"
                + ("  <- default" if lv == PNG_COMPRESS_LEVEL else "")
            )
        chosen = PNG_COMPRESS_LEVEL
        for other in (1, 6):
            if other == chosen:
                continue
            summary.add(
                f"PNG level {chosen} (default) vs level {other}, {name} page {shape.replace('x', '×')}",
                f"{fmt_time(times[chosen])}, {sizes[chosen] / 1e6:.2f} MB",
                f"level {other}: {fmt_time(times[other])}, {sizes[other] / 1e6:.2f} MB",
                f"{times[chosen] / times[other]:.2f}× time, {sizes[chosen] / sizes[other]:.2f}× size",
                "",
            )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        composite.save(f"{directory}/bench.png")
    lines.append(
        f"  Composite.save, whole page with key at the default level: "
        f"{(time.perf_counter() - start) * 1e3:.1f} ms"
    )
    return lines


def bench_outputs(composite, repeat: int, summary: Summary) -> list[str]:
    """Press outputs: Composite.save per format against the bare encoder on the same page."""
    import io

    import tifffile
    from PIL import Image

    page8 = composite.image(key=True, background="black")
    from falsecolor.rendering import picture

    page16 = picture(composite, falsecolor.pipeline.Look(background="black"), depth=16)

    def bare_png():
        Image.fromarray(page8[..., :3]).save(io.BytesIO(), format="PNG", compress_level=PNG_COMPRESS_LEVEL)

    def bare_tiff():
        tifffile.imwrite(io.BytesIO(), page16[..., :3], photometric="rgb", compression="zlib", metadata=None)

    def bare_jpeg():
        Image.fromarray(page8[..., :3]).save(io.BytesIO(), format="JPEG", quality=92, subsampling=0)

    shape = f"{page8.shape[1]}x{page8.shape[0]}"
    lines = [
        f"Press outputs of the page ({shape}, black background): "
        "Composite.save (page layout, ICC, AVM XMP, recipe, source hashes, atomic write) against the "
        "bare encoder on the ready page"
    ]
    with tempfile.TemporaryDirectory() as directory:
        for suffix, bare, what in (
            ("png", bare_png, f"Pillow PNG level {PNG_COMPRESS_LEVEL}, no metadata"),
            ("tif", bare_tiff, "tifffile 16-bit deflate (no predictor), no metadata"),
            ("jpg", bare_jpeg, "Pillow JPEG q92 4:4:4, no metadata"),
        ):
            target = f"{directory}/bench.{suffix}"
            functions = {
                "save": lambda target=target: composite.save(target, background="black"),
                "bare": bare,
            }
            times = best_of(functions, max(1, repeat // 2))
            size = os.path.getsize(target) / 1e6
            lines.append(row(f"Composite.save .{suffix} ({size:.1f} MB)", times["save"], times["bare"]))
            lines.append(row(f"  baseline: {what}", times["bare"]))
            summary.add(
                f"press page `.{suffix}` ({shape.replace('x', '×')}) with `Composite.save`",
                f"{fmt_time(times['save'])}, {size:.1f} MB",
                f"{what}: {fmt_time(times['bare'])}",
                fmt_ratio(times["save"], times["bare"], bold=False),
                "",
            )
    return lines


# -- scaling with image size ---------------------------------------------------------------


def bench_size_scaling(sizes: list[int], repeat: int, top_times: dict | None) -> list[dict]:
    """render, make_rgb, make_lupton_rgb and the floor at each size (the largest reuses
    the composite section's times when it ran at that size)."""
    results = []
    for size in sizes:
        if top_times is not None and size == sizes[-1]:
            times = top_times
        else:
            times = best_of(composite_contenders(synthetic_jupiter((size, size))), repeat)
        results.append({"size": size, **times})
    return results


def size_table(results: list[dict]) -> str:
    header = ["image", "MP", "falsecolor render", "`make_rgb`", "`make_lupton_rgb`", "memory floor",
              "render / `make_rgb`", "render ms/MP"]  # fmt: skip
    rows = []
    for r in results:
        mp = r["size"] ** 2 / 1e6
        rows.append([
            f"{r['size']}²", f"{mp:.2f}", fmt_time(r["ours"]), fmt_time(r["make_rgb"]),
            fmt_time(r["lupton"]), fmt_time(r["floor"]), f"{r['ours'] / r['make_rgb']:.2f}×",
            f"{r['ours'] * 1e3 / mp:.1f}",
        ])  # fmt: skip
    if len(results) > 1:
        pixels = [r["size"] ** 2 for r in results]
        rows.append([
            "**log–log slope**", "", *(f"{slope(pixels, [r[k] for r in results]):.2f}"
                                       for k in ("ours", "make_rgb", "lupton", "floor")), "", "",
        ])  # fmt: skip
    return markdown(header, rows)


def memory_table(results: dict) -> str:
    header = ["frames", "falsecolor.stack peak memory"]
    rows = [[f"{n:,}", f"{mb:.0f} MB"] for n, mb in results["memory"]]
    if len(results["memory"]) > 1:
        counts, peaks = zip(*results["memory"], strict=True)
        rows.append(["**log–log slope**", f"{slope(counts, peaks):.2f} (0 = flat)"])
    return markdown(header, rows)


def stack_table(results: dict) -> str:
    header = ["frames", "falsecolor stack", "plain stacker", "speed-up", "peak MB (ours / plain)",
              "reg. RMS px (ours / plain)"]  # fmt: skip
    rows = []
    for case in results["cases"]:
        ours, plain = case["ours"], case["plain"]
        rms = f"{case['rms_ours']:.3f} / {case['rms_plain']:.3f}" if "rms_ours" in case else ""
        rows.append([
            case["label"], fmt_time(ours["wall"]), fmt_time(plain["wall"]),
            f"**{plain['wall'] / ours['wall']:.2f}×**",
            f"{ours['peak_mb']:.0f} / {plain['peak_mb']:.0f}", rms,
        ])  # fmt: skip
    return markdown(header, rows)


# -- lucky imaging -----------------------------------------------------------------------------


def said_speed(speed: float) -> str:
    """``**1.46× faster**`` or ``**0.66×** (1.5× slower)``: a speed-up in words."""
    return f"**{speed:.2f}× faster**" if speed >= 1 else f"**{speed:.2f}×** ({1 / speed:.1f}× slower)"


def bench_stack(args, summary: Summary) -> tuple[list[str], dict]:
    sys.path.insert(0, str(HERE))
    import stack  # benchmarks/stack.py: the plain stacker, the inputs and the measuring loop

    results = stack.measure_all(
        args.workdir, args.workers, max(2, args.repeat // 2), log=lambda text: print(text), quick=args.quick
    )
    for case in results["cases"]:
        ours, plain = case["ours"], case["plain"]
        summary.add(
            f"`falsecolor stack` {case['label']}, keep 10 %, whole process",
            f"{fmt_time(ours['wall'])}, {ours['peak_mb']:.0f} MB",
            f"plain numpy/scipy stacker: {fmt_time(plain['wall'])}, {plain['peak_mb']:.0f} MB",
            said_speed(plain["wall"] / ours["wall"]),
            "",
        )
        if "PNG frames, 512" in case["label"]:
            summary.add(
                f"(the same {case['label']} against PlanetarySystemStacker's ~2 s wall time, the "
                "issue's figure for such a set, not measured here)",
                fmt_time(ours["wall"]),
                "PSS: ~2 s",
                f"{2.0 / ours['wall']:.2f}× faster",
                "",
            )
        for who, q in case.get("quality", {}).items():
            summary.add(
                f"{case['label']}: SNR and belt-scale detail, {who}",
                f"SNR {q['snr']:.0f}, detail {100 * q['detail']:.2f} %",
                "",
                "",
                "",
            )
    counts = ", ".join(f"{n:,}: {mb:.0f} MB" for n, mb in results["memory"])
    summary.add("falsecolor.stack peak memory against frame count", counts, "", "", "flat, < 300 MB")
    return ["Lucky imaging, whole process (interpreter, imports, reading, work, writing), best of "
            f"{results['repeat']} alternate runs each, {results['workers']} workers:",
            *stack.lines_of(results)], results  # fmt: skip


# -- start-up and the render command -------------------------------------------------------------


def bench_render(size: int, repeat: int, summary: Summary) -> list[str]:
    """`falsecolor render --demo` whole process; a size² render to PNG with its key against astropy's
    make_rgb and a Pillow PNG save (its defaults) of the same size, without a key."""
    import subprocess

    from astropy.visualization import AsymmetricPercentileInterval, LinearStretch, make_rgb
    from PIL import Image

    walls = []
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "falsecolor", "render", "--demo", "-o", "demo.png", "-q"],
                           cwd=directory, check=True)  # fmt: skip
            walls.append(time.perf_counter() - start)
        jupiter = synthetic_jupiter((size, size))
        t_band, c_band = jupiter.temperature_band, jupiter.cloud_band
        a, b = t_band.data, c_band.data
        half = (0.5 * (a / a.max() + b / b.max())).astype(np.float32)

        def ours():
            render(t_band, c_band).save(f"{directory}/ours.png")

        def theirs():
            rgb = make_rgb(a, half, b, interval=AsymmetricPercentileInterval(2, 98), stretch=LinearStretch())
            Image.fromarray(rgb).save(f"{directory}/theirs.png")  # Pillow's defaults: the plain way

        times = best_of({"ours": ours, "theirs": theirs}, max(1, repeat // 2))
    demo = min(walls)
    summary.add("`falsecolor render --demo`, whole process (start-up, synthetic bands, render, PNG)",
                fmt_time(demo), "target 0.8 s", f"{demo / 0.8:.2f}× the target", "< 0.8 s")  # fmt: skip
    summary.add(
        f"render {size}² to PNG, key included (`render(...).save`)",
        fmt_time(times["ours"]),
        f"astropy `make_rgb` + Pillow PNG save (defaults), no key: {fmt_time(times['theirs'])}",
        fmt_ratio(times["ours"], times["theirs"]),
        "≤ 1×",
    )
    return [
        f"Start-up and the render command (best of {repeat}):",
        f"  falsecolor render --demo, whole process: {demo:.2f} s (target < 0.8 s)",
        row(f"render {size}x{size} to PNG with its key", times["ours"], times["theirs"]),
        row("  baseline: make_rgb + Pillow PNG save, no key", times["theirs"]),
    ]


# -- the plot ----------------------------------------------------------------------------------


def plot_scaling(path: Path, sizes: list[dict], frames: dict | None, title: str) -> None:
    """Log-log lines of falsecolor and its baselines: time against image size, time and peak
    memory against frame count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator

    panels = int(bool(sizes)) + 2 * int(bool(frames))
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.6), layout="constrained")
    axes = list(np.atleast_1d(axes))
    style = {"marker": "o", "linewidth": 2, "markersize": 5}
    if sizes:
        ax = axes.pop(0)
        mp = [r["size"] ** 2 / 1e6 for r in sizes]
        for key, label, extra in (
            ("ours", "falsecolor render", {"color": "C3"}),
            ("make_rgb", "astropy make_rgb (baseline)", {"color": "C0"}),
            ("lupton", "astropy make_lupton_rgb", {"color": "C0", "linestyle": "--"}),
            ("floor", "memory floor (render's own traffic)", {"color": "0.5", "linestyle": ":"}),
        ):
            ax.loglog(mp, [r[key] * 1e3 for r in sizes], label=label, **style, **extra)
        ax.set_xlabel("image size (pixels; axis in pixel count)")
        ax.set_ylabel("wall time (ms, best of runs)")
        ax.set_title("Two-band composite vs image size")
        ax.set_xticks(mp, [f"{r['size']}²" for r in sizes])
        ax.minorticks_off()
    if frames:
        ax = axes[0]
        cases = frames["cases"]
        labels = [c["label"] for c in cases]
        where = np.arange(len(cases))
        ax.barh(where - 0.2, [c["ours"]["wall"] for c in cases], 0.4, color="C3", label="falsecolor stack")
        ax.barh(where + 0.2, [c["plain"]["wall"] for c in cases], 0.4, color="C0",
                label="plain numpy/scipy stacker")  # fmt: skip
        for k, c in enumerate(cases):
            speed = c["plain"]["wall"] / c["ours"]["wall"]
            said = f"{speed:.1f}× faster" if speed >= 1 else f"{1 / speed:.1f}× slower"
            said = "the same" if 0.95 < speed < 1.05 else said
            ax.annotate(said, (c["ours"]["wall"], k - 0.2), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8)  # fmt: skip
        ax.set_yticks(where, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("wall time, whole process (s, best of runs)")
        ax.set_title("Lucky-imaging stack, keep 10 %")
        ax.legend(fontsize=8, loc="upper right")
        ax = axes[1]
        counts, peaks = zip(*frames["memory"], strict=True)
        ax.loglog(counts, peaks, color="C3", label="falsecolor.stack: peak RSS", **style)
        ax.set_ylim(10, 1000)
        ax.set_xlabel(f"frames (first n of the {frames['memory_of']} video)")
        ax.set_xticks(counts, [f"{c:,}" for c in counts])
        ax.minorticks_off()
        ax.set_ylabel("peak resident memory (MB)")
        ax.set_title("Peak memory vs frame count")
    for ax in fig.axes:
        ax.grid(True, which="major", alpha=0.3)
        if ax.get_yscale() == "log":  # the stacking panel's y axis lists the inputs
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- main --------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, help="largest image side in pixels (default 4096; --quick 512)")
    parser.add_argument("--repeat", type=int, help="timings per contender, best kept (default 5; --quick 2)")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes for a smoke run of every section (~30 s)"
    )
    parser.add_argument(
        "--plot", type=Path, metavar="PATH",
        help=f"scaling plot to write (default {HERE / 'scaling.png'}; none with --quick unless given)",
    )  # fmt: skip
    parser.add_argument("--no-plot", action="store_true", help="do not draw the scaling plot")
    parser.add_argument("--skip", action="append", choices=SECTIONS, default=[], help="leave a section out")
    parser.add_argument("--workers", type=int, default=2, help="falsecolor.stack workers (default 2)")
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/falsecolor-bench"),
        help="where the synthetic frame video is written once and reused (default /tmp/falsecolor-bench)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    defaults = {"size": 512, "repeat": 2} if args.quick else {"size": 4096, "repeat": 5}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.no_plot:
        args.plot = None
    elif args.plot is None and not args.quick:
        args.plot = HERE / "scaling.png"
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    machine = machine_line()
    print(f"falsecolor benchmarks: {machine}")
    print(f"  {versions()}; {blas_line()}")
    print(f"  command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    import stack  # benchmarks/stack.py

    print(f"  {stack.compile_bytecode()}")
    print("  (ms = best of the runs; ratio = time / baseline in the same run; lower is faster)\n")
    summary = Summary()
    skip = set(args.skip)
    size, repeat = args.size, args.repeat
    composite, top_times, sizes, frames = None, None, [], None

    def show(lines: list[str]) -> None:
        print("\n".join(lines) + "\n", flush=True)

    if "temperature" not in skip:
        show(bench_brightness_temperature(size, repeat, summary))
    if not skip >= {"composite", "png", "press"}:
        if "composite" in skip:
            jupiter = synthetic_jupiter((size, size))
            composite = render(jupiter.temperature_band, jupiter.cloud_band)
        else:
            lines, composite, top_times = bench_composite(size, repeat, summary)
            show(lines)
            show(bench_palette_lookup(composite, repeat, summary))
    if "png" not in skip:
        show(bench_png(composite, size, repeat, summary))
    if "press" not in skip:
        show(bench_outputs(composite, repeat, summary))
    if "render" not in skip:
        show(bench_render(size, repeat, summary))
    if "scaling" not in skip:
        steps = [s for s in (size // 8, size // 4, size // 2, size) if s >= 64]
        sizes = bench_size_scaling(sorted(set(steps)), repeat, top_times)
    if "stack" not in skip:
        lines, frames = bench_stack(args, summary)
        show(lines)

    images = f"{size} × {size} images" + (", the stacking inputs below" if "stack" not in skip else "")
    print("## Markdown\n")
    command = " ".join(["python benchmarks/run.py", *sys.argv[1:]])
    print(f"{machine}, {images} (`{command}`).\n")
    print(summary.table() + "\n")
    if sizes:
        print(f"Time against image size (best of {repeat}; slope = exponent of a log–log fit, 1 = linear):\n")
        print(size_table(sizes) + "\n")
    if frames:
        print(f"Lucky imaging, whole process, best of {frames['repeat']} alternate runs each:\n")
        print(stack_table(frames) + "\n")
        print("Peak memory against frame count (slope of a log–log fit; 0 = flat):\n")
        print(memory_table(frames) + "\n")
    if args.plot and (sizes or frames):
        plot_scaling(args.plot, sizes, frames, f"falsecolor benchmarks, {machine}")
        print(f"scaling plot: {args.plot}")
    print(f"whole run: {fmt_time(time.perf_counter() - started)} wall time")


if __name__ == "__main__":
    main()
