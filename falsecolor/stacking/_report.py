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

__all__ = ["quality_plot", "write_stack"]


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
) -> list[Path]:
    """Write the stacked band (FITS), and optionally the JSON report and the quality plot (PNG).

    With ``report`` and no ``plot``, the plot goes beside the report as
    ``<report>.png``. Nothing is written unless everything can be; no output
    may replace one of ``inputs``.
    """
    output = Path(output)
    if output.suffix.lower() not in (".fits", ".fit", ".fts"):
        raise OutputError(f"{output}: the stacked band is written as FITS; name it .fits")
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
    return write_atomically(files, inputs=inputs)
