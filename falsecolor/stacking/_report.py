"""Writing a stack: the band FITS, the per-frame JSON report and its quality plot, all or nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .._atomic import write_atomically
from ..exceptions import OutputError
from ._stack import Stacked

__all__ = ["preview", "quality_plot", "write_stack"]

#: The quick look maps this percentile of the stacked values (all planes together), the sky, to black,
#: and their maximum, the planet's brightest (hot pixels were repaired), to white.
PREVIEW_BLACK = 0.5


def preview(result: Stacked) -> bytes:
    """PNG quick look of the stack, top row first: grey, or a colour stack in colour (one linear
    stretch for the three planes, so the camera's colour balance shows), NaN black; a constant
    image is mid-grey. A look, not data: the FITS holds the values."""
    from PIL import Image

    image = result.data if result.rgb is None else result.rgb
    finite = image[np.isfinite(image)]
    if not finite.size:
        raise OutputError("the stack has no finite pixel to preview: see its report")
    low, high = float(np.percentile(finite, PREVIEW_BLACK)), float(finite.max())
    if high > low:
        scaled = np.clip((image[::-1] - low) / (high - low), 0, 1)
    else:
        scaled = np.where(np.isfinite(image[::-1]), 0.5, np.nan)
    pixels = np.round(255 * np.nan_to_num(scaled, nan=0.0)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def quality_plot(result: Stacked) -> bytes:
    """PNG: sharpness per frame (kept, not selected, rejected), its ranked curve, and the shifts."""
    from matplotlib.figure import Figure

    frames = result.frames
    index = np.array([f["index"] for f in frames])
    quality = np.array([np.nan if f["quality"] is None else f["quality"] for f in frames])
    kept = np.array([f["kept"] for f in frames])
    rejected = np.array(
        [
            f["quality"] is None or f["status"].startswith("much") or f["status"].endswith("left out")
            for f in frames
        ]
    )
    figure = Figure(figsize=(11, 3.6), dpi=100, layout="constrained")
    ax1, ax2, ax3 = figure.subplots(1, 3, width_ratios=[2.2, 1.2, 1])
    plain = ~kept & ~rejected
    ax1.plot(index[plain], quality[plain], ".", ms=3, color="0.6", label="not selected")
    ax1.plot(index[kept], quality[kept], ".", ms=4, color="tab:orange", label="kept")
    bad = rejected & np.isfinite(quality)
    ax1.plot(index[bad], quality[bad], "x", ms=4, color="tab:red", label="rejected or left out")
    for i in index[rejected & ~np.isfinite(quality)]:
        ax1.axvline(i, color="tab:red", lw=0.5, alpha=0.4)
    ax1.set(
        xlabel="frame",
        ylabel=f"sharpness ({result.options.metric})",
        title=f"{int(kept.sum())} of {len(frames)} frames kept",
    )
    ax1.legend(loc="best", fontsize=8, frameon=False)
    ranked = np.sort(quality[np.isfinite(quality)])[::-1]
    ax2.plot(np.arange(1, len(ranked) + 1), ranked, color="0.3")
    threshold = np.nanmin(quality[kept]) if kept.any() else np.nan
    ax2.axhline(threshold, color="tab:orange", lw=1, label="selection threshold")
    ax2.set(xlabel="rank", ylabel="sharpness", xscale="log", title="ranked")
    ax2.legend(fontsize=8, frameon=False)
    dy = np.array([np.nan if f["dy"] is None else f["dy"] for f in frames])
    dx = np.array([np.nan if f["dx"] is None else f["dx"] for f in frames])
    points = ax3.scatter(dx[kept], dy[kept], c=quality[kept], s=8, cmap="viridis")
    ax3.set(xlabel="dx (px)", ylabel="dy (px)", title="shifts of kept frames", aspect="equal")
    figure.colorbar(points, ax=ax3, shrink=0.8, label="sharpness")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": "falsecolor"})
    return buffer.getvalue()


def write_stack(
    result: Stacked,
    output: str | Path,
    *,
    report: str | Path | None = None,
    plot: str | Path | None = None,
    inputs: Sequence[str | Path] = (),
    preview_to: str | Path | None = None,
) -> list[Path]:
    """Write the stacked band (FITS), and optionally the JSON report, the quality plot (PNG) and a
    quick look of the stack (:func:`preview`, PNG).

    With ``report`` and no ``plot``, the plot goes beside the report as
    ``<report>.png``. Nothing is written unless everything can be; no output
    may replace one of ``inputs``.
    """
    output = Path(output)
    if output.suffix.lower() not in (".fits", ".fit", ".fts"):
        raise OutputError(f"{output}: the stacked band is written as FITS; name it .fits")
    if preview_to is not None and Path(preview_to).suffix.lower() != ".png":
        raise OutputError(f"{preview_to}: the quick look is a PNG; name it .png")
    hdul = result.hdus()

    def fits_writer(f: BinaryIO) -> None:
        hdul.writeto(f, output_verify="silentfix")

    files: list[tuple[str | Path, Callable[[BinaryIO], object]]] = [(output, fits_writer)]
    if report is not None:
        text = json.dumps(result.report(), indent=1, allow_nan=False)
        files.append((report, lambda f: f.write(text.encode())))
        if plot is None:
            plot = Path(report).with_suffix(".png")
    if plot is not None:
        image = quality_plot(result)
        files.append((plot, lambda f: f.write(image)))
    if preview_to is not None:
        look = preview(result)
        files.append((preview_to, lambda f: f.write(look)))
    return write_atomically(files, inputs=inputs)
