"""falsecolor benchmarks: every figure is a ratio against a baseline measured in the same run.

Usage::

    python benchmarks/run.py            # 4096 x 4096, about a minute
    python benchmarks/run.py --size 2048 --repeat 3

Each contender and its baseline are timed alternately, several times, and the
best time of each is kept, so a busy machine slows both sides alike.
Needs only the package and its test extra (matplotlib and astropy are base
dependencies).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import date

import numpy as np
from astropy import units as u

import falsecolor
import falsecolor.pipeline
from falsecolor import get_filter, get_palette, render, synthetic_jupiter
from falsecolor._blocks import worker_count
from falsecolor.export import PNG_COMPRESS_LEVEL, encode_png
from falsecolor.planck import radiance_to_temperature

W_UM = u.Unit("W m-2 sr-1 um-1")
C1, C2 = 1.1910429723971884e8, 14387.768775039336  # SCIENCE.md 1.1 (um units)


def best_of(functions: dict, repeat: int) -> dict[str, float]:
    """Best wall time (s) of each function, running them in turn ``repeat`` times."""
    for function in functions.values():  # warm-up: caches, tables, first-touch memory
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
    per_mp = f"{ms / megapixels:8.2f}" if megapixels else " " * 8
    ratio = f"{seconds / baseline:6.2f}x" if baseline else " " * 7
    return f"  {label:64s} {ms:9.1f} ms {per_mp} ms/MP  {ratio}"


def bench_brightness_temperature(size: int, repeat: int) -> list[str]:
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
    return [
        f"Brightness temperature, {size}x{size} float32 radiance (target <= 1.5x the bare formula)",
        row("bare numpy formula, float64 (baseline)", base, None, mp),
        row("bare numpy formula, float32 (less precise)", times["bare f32"], base, mp),
        row("falsecolor, monochromatic 13 um (float64 physics)", times["mono"], base, mp),
        row("falsecolor, NEII_2 band look-up table", times["band"], base, mp),
    ]


def bench_palette_lookup(size: int, repeat: int) -> list[str]:
    palette = get_palette("visir")
    cmap = palette.to_matplotlib()
    rng = np.random.default_rng(1)
    x = rng.random((size, size), dtype=np.float32)
    y = rng.random((size, size), dtype=np.float32)
    out = np.empty((size, size, 4), np.uint8)
    mp = x.size / 1e6
    times = best_of(
        {
            "mpl": lambda: cmap((x, y), bytes=True),
            "ours": lambda: palette.lookup(x, y, out=out),
            "fancy": lambda: palette.lut8[(x * 255.999).astype(np.intp), (y * 255.999).astype(np.intp)],
        },
        max(1, repeat // 2),
    )
    base = times["mpl"]
    return [
        f"Palette look-up, {size}x{size}, same 256x256 LUT (target >= 10x faster than matplotlib)",
        row("matplotlib BivarColormapFromImage (baseline)", base, None, mp),
        row("plain numpy fancy indexing", times["fancy"], base, mp),
        row("falsecolor Palette.lookup (packed uint32, NaN and mask aware)", times["ours"], base, mp),
    ]


def bench_composite(size: int, repeat: int) -> tuple[list[str], object]:
    from astropy.visualization import (
        AsymmetricPercentileInterval,
        LinearStretch,
        make_lupton_rgb,
        make_rgb,
    )

    jupiter = synthetic_jupiter((size, size))
    t_band, c_band = jupiter.temperature_band, jupiter.cloud_band
    a, b = t_band.data, c_band.data
    half = (0.5 * (a / a.max() + b / b.max())).astype(np.float32)
    mp = a.size / 1e6
    # floor: read two float32 images, write one RGBA image, nothing computed
    target = np.empty((size, size, 4), np.uint8)

    def floor():
        np.copyto(target[..., 0], a, casting="unsafe")
        np.copyto(target[..., 1], b, casting="unsafe")

    interval = AsymmetricPercentileInterval(2, 98)

    def lupton():
        with np.errstate(invalid="ignore", divide="ignore"):  # its own 0/0 on the dark sky
            make_lupton_rgb(a, half, b, stretch=0.05, Q=8)

    times = best_of(
        {
            "make_rgb": lambda: make_rgb(a, half, b, interval=interval, stretch=LinearStretch()),
            "lupton": lupton,
            "ours": lambda: render(t_band, c_band),
            "ours_fixed": lambda: render(t_band, c_band, t_limits=(120, 135), tau_limits=(0, 4.5)),
            "floor": floor,
        },
        repeat,
    )
    base = times["make_rgb"]
    composite = render(t_band, c_band)
    lines = [
        f"Whole two-band composite, {size}x{size}: radiance -> T + tau + mask + palette, no PNG"
        " (target <= 10 ms/MP)",
        row("astropy make_rgb, percentile interval (baseline, a simpler job)", base, None, mp),
        row("astropy make_lupton_rgb", times["lupton"], base, mp),
        row("falsecolor render, percentile limits", times["ours"], base, mp),
        row("falsecolor render, given limits", times["ours_fixed"], base, mp),
        row("memory floor: read 2 float32 images, write 2 bytes/px", times["floor"], base, mp),
    ]
    return lines, composite


def bench_png(composite, size: int, repeat: int) -> list[str]:
    """PNG levels on the rendered page, noise-free and with 2 % noise (real data are noisy)."""
    noisy = synthetic_jupiter((size, size), noise=0.02)
    pages = {
        "noise-free": composite.image(key=True),
        "2 % noise": render(noisy.temperature_band, noisy.cloud_band).image(key=True),
    }
    lines = [
        "PNG encoding of the rendered page (composite plus key), Pillow/zlib; "
        f"default level {PNG_COMPRESS_LEVEL}"
    ]
    for name, picture in pages.items():
        functions = {
            lv: (lambda lv=lv, page=picture: encode_png(page, compress_level=lv)) for lv in (1, 4, 6, 9)
        }
        times = best_of(functions, max(1, repeat // 2))
        sizes = {lv: len(encode_png(picture, compress_level=lv)) for lv in functions}
        lines.append(f"  {name}, {picture.shape[1]}x{picture.shape[0]} RGBA:")
        for lv in functions:
            lines.append(
                f"    level {lv}: {times[lv] * 1e3:8.1f} ms ({times[lv] / times[1]:4.1f}x level 1), "
                f"{sizes[lv] / 1e6:6.2f} MB ({sizes[lv] / sizes[1]:5.2f}x level 1)"
            )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        composite.save(f"{directory}/bench.png")
    lines.append(
        f"  Composite.save, whole page with key at the default level: "
        f"{(time.perf_counter() - start) * 1e3:.1f} ms"
    )
    return lines


def bench_outputs(composite, repeat: int) -> list[str]:
    """Press outputs: Composite.save per format against the bare encoder on the same page."""
    import io

    import tifffile
    from PIL import Image

    page8 = composite.image(key=True, background="black")
    page16 = falsecolor.pipeline._present.picture(
        composite, falsecolor.pipeline.Look(background="black"), depth=16
    )

    def bare_png():
        Image.fromarray(page8[..., :3]).save(io.BytesIO(), format="PNG", compress_level=PNG_COMPRESS_LEVEL)

    def bare_tiff():
        tifffile.imwrite(io.BytesIO(), page16[..., :3], photometric="rgb", compression="zlib", metadata=None)

    def bare_jpeg():
        Image.fromarray(page8[..., :3]).save(io.BytesIO(), format="JPEG", quality=92, subsampling=0)

    lines = [
        f"Press outputs of the page ({page8.shape[1]}x{page8.shape[0]}, black background): "
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
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096, help="image side in pixels (default 4096)")
    parser.add_argument("--repeat", type=int, default=5, help="timings per contender (best kept)")
    args = parser.parse_args()
    print(
        f"falsecolor {falsecolor.__version__} benchmarks, {date.today()}, {platform.machine()} "
        f"{platform.processor() or ''} {worker_count()} threads, numpy {np.__version__}, "
        f"Python {platform.python_version()}"
    )
    print("  (ms = best of the runs; ratio = time / baseline in the same run; lower is faster)\n")
    for lines in (
        bench_brightness_temperature(args.size, args.repeat),
        bench_palette_lookup(min(args.size, 2048), args.repeat),
    ):
        print("\n".join(lines) + "\n")
    lines, composite = bench_composite(args.size, args.repeat)
    print("\n".join(lines) + "\n")
    print("\n".join(bench_png(composite, args.size, args.repeat)) + "\n")
    print("\n".join(bench_outputs(composite, args.repeat)))


if __name__ == "__main__":
    main()
