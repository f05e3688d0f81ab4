"""Peak memory of `falsecolor render` on large images, each run in its own process.

The figure is the peak resident set of the render process (``ru_maxrss`` from
``wait4``), so every row is one process's own peak. Rows:

- a plain render at each size (the baseline), and its bytes per input pixel;
- ``--limb-correct`` at the same size, as a ratio to the plain render (the
  target: at most about 2×);
- the memory refusal: the same run with ``FALSECOLOR_MEMORY_LIMIT`` below the
  estimate must end in one line, at a small peak, before the work.

    python benchmarks/memory.py                      # 8000² and 16000² (~3 min, ~8 GB free needed)
    python benchmarks/memory.py --sizes 2000 4000    # a quick look
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def make_inputs(size: int, folder: Path) -> tuple[Path, Path]:
    """A synthetic Jupiter pair of ``size``² (float32 FITS), made once and reused."""
    t, c = folder / f"T{size}.fits", folder / f"C{size}.fits"
    if not (t.exists() and c.exists()):  # in a child: a child's peak starts from its parent's size
        code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import memory; "
        code += f"memory.write_inputs({size}, {str(t)!r}, {str(c)!r})"
        subprocess.run([sys.executable, "-c", code], check=True)
    return t, c


def write_inputs(size: int, t: str, c: str) -> None:
    """Write the synthetic pair (run in its own process)."""
    from astropy.io import fits

    import falsecolor
    from falsecolor.bands import band_to_hdu

    # the synthetic model itself needs ~100 B per pixel: above 8000² its pixels are repeated
    factor = max(1, -(-size // 8000))
    if size % factor:
        raise SystemExit(f"{size} px: give a multiple of {factor}")
    jupiter = falsecolor.synthetic_jupiter((size // factor, size // factor))
    for band, path in ((jupiter.temperature_band, t), (jupiter.cloud_band, c)):
        hdu = band_to_hdu(band)
        data = np.asarray(hdu.data, np.float32)
        hdu.data = np.repeat(np.repeat(data, factor, axis=0), factor, axis=1) if factor > 1 else data
        for key in ("FC_CY", "FC_CX"):  # the disc's cards follow the repeated pixels
            if key in hdu.header:
                hdu.header[key] = (hdu.header[key] + 0.5) * factor - 0.5
        if "FC_REQ" in hdu.header:
            hdu.header["FC_REQ"] = hdu.header["FC_REQ"] * factor
        fits.HDUList([hdu]).writeto(path, overwrite=True)


def peak(argv: list[str], env: dict | None = None) -> tuple[float, float, int, str]:
    """(peak RSS in GB, wall seconds, exit status, last stderr line) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    assert process.stderr is not None
    err = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    lines = [line for line in err.splitlines() if line.strip()]
    return usage.ru_maxrss * 1024 / 1e9, seconds, process.returncode, lines[-1] if lines else ""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8000, 16000], help="image sides (px)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/falsecolor-bench"), help="inputs go here")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    render = [sys.executable, "-m", "falsecolor", "render", "-q"]
    rows = []
    for size in args.sizes:
        t, c = make_inputs(size, args.workdir)
        out = str(args.workdir / f"out{size}.png")
        base = [*render, "-t", str(t), "-c", str(c), "-o", out]
        plain = peak(base)
        limb = peak([*base, "--limb-correct"])
        refused = peak(base, env={"FALSECOLOR_MEMORY_LIMIT": str(int(plain[0] * 1e9 / 4))})
        pixels = size * size
        rows.append(
            f"| {size}² plain render | {plain[0]:.2f} GB, {plain[1]:.1f} s | "
            f"{plain[0] * 1e9 / pixels:.0f} B per input pixel | exit {plain[2]} |"
        )
        rows.append(
            f"| {size}² `--limb-correct` | {limb[0]:.2f} GB, {limb[1]:.1f} s | "
            f"**{limb[0] / plain[0]:.2f}×** the plain render | exit {limb[2]} {limb[3] if limb[2] else ''}|"
        )
        rows.append(
            f"| {size}², memory limit a quarter of that peak | {refused[0]:.2f} GB, {refused[1]:.1f} s | "
            f"refused before the work: `{refused[3][:90]}` | exit {refused[2]} |"
        )
        print(rows[-3], rows[-2], rows[-1], sep="\n", flush=True)
    print("\n| run | peak RSS, wall time | against | status |\n|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
