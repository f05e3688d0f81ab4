"""The result of ``stack``: the band with its header, per-frame records and a summary."""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from ..bands import band_from_header
from ._finish import minimum_coverage

__all__ = ["reason_summary", "stack_result"]

_LAYOUT = {
    "SIMPLE",
    "BITPIX",
    "NAXIS",
    "NAXIS1",
    "NAXIS2",
    "NAXIS3",
    "EXTEND",
    "BSCALE",
    "BZERO",
    "BLANK",
    "PCOUNT",
    "GCOUNT",
    "XTENSION",
    "CHECKSUM",
    "DATASUM",
    "END",
    "",
}


def _mid_time(times: list[str | None]) -> tuple[str | None, str | None, str | None]:
    moments = []
    for text in times:
        if text:
            try:
                moments.append(_dt.datetime.fromisoformat(text.replace("Z", "")))
            except ValueError:
                continue
    if not moments:
        return None, None, None
    first, last = min(moments), max(moments)
    mid = first + (sum(((m - first) for m in moments), _dt.timedelta()) / len(moments))
    iso = lambda m: m.isoformat(timespec="milliseconds")  # noqa: E731
    return iso(mid), iso(first), iso(last)


def reason_summary(reasons: list[str | None]) -> str:
    """``'3 NaN or infinite values; 1 blank'``: how many frames were rejected for what."""
    counts: dict[str, int] = {}
    for reason in reasons:
        if reason:
            counts[reason] = counts.get(reason, 0) + 1
    return "; ".join(f"{c} {r}" for r, c in sorted(counts.items(), key=lambda kv: -kv[1]))


def _rounded(values: np.ndarray, digits: int) -> list[float | None]:
    """Each value rounded (Python's decimal rounding, as JSON shows it); None where not finite."""
    return [round(v, digits) if math.isfinite(v) else None for v in np.asarray(values, float).tolist()]


def _records(source, reasons, quality, flux, kept, reading, weights, total) -> list[dict[str, Any]]:
    n = len(source)
    shifts, coarse = np.full((n, 3), np.nan), np.full((n, 2), np.nan)
    local, match = np.full(n, np.nan), np.full(n, np.nan)
    problems: dict[int, str] = {}
    if total.indices:
        shifts[total.indices] = np.asarray(total.shifts, float)
        coarse[total.indices] = np.asarray(total.coarse, float)
        local[total.indices] = np.asarray(total.local, float)
        match[total.indices] = np.asarray(total.matches, float)
        problems = {i: p for i, p in zip(total.indices, total.problems, strict=True) if p is not None}
    # whole columns at once: a report of thousands of frames is built in a few milliseconds
    dy, dx, correlation = _rounded(shifts[:, 0], 4), _rounded(shifts[:, 1], 4), _rounded(shifts[:, 2], 5)
    planet_dy, planet_dx, planet_match = (
        _rounded(coarse[:, 0], 1),
        _rounded(coarse[:, 1], 1),
        _rounded(match, 4),
    )
    local_rms = _rounded(local, 4)
    quality, flux = np.asarray(quality, float).tolist(), np.asarray(flux, float).tolist()
    kept, reading, weights = (
        np.asarray(kept).tolist(),
        np.asarray(reading).tolist(),
        np.asarray(weights).tolist(),
    )
    records = []
    for i in range(n):
        status = reasons[i] or (
            f"{problems[i]}; left out"
            if i in problems
            else "kept"
            if kept[i]
            else "kept in some boxes"
            if reading[i]
            else "not selected"
        )
        stacked = bool(reading[i]) and reasons[i] is None and i not in problems
        record = {
            "index": i,
            "name": source.name(i),
            "time": source.time(i),
            "quality": quality[i] if reasons[i] is None else None,
            "flux": flux[i] if reasons[i] is None else None,
            "status": status,
            "kept": stacked,
            "dy": dy[i],
            "dx": dx[i],
            "correlation": correlation[i],
            "planet_dy": planet_dy[i],
            "planet_dx": planet_dx[i],
            "planet_match": planet_match[i],
            "weight": round(float(weights[i]) if stacked else 0.0, 5),
        }
        if total.local_sum is not None:
            record["local_shift_rms"] = local_rms[i]
        records.append(record)
    return records


def _header(source, options, stacked: int, usable: int, times) -> fits.Header:
    mid, first, last = _mid_time(times)
    header = fits.Header()
    for card in source.header.cards:
        if card.keyword not in _LAYOUT and not card.keyword.startswith("NAXIS"):
            header.append(card)
    header["NFRAMES"] = (len(source), "frames read")
    header["NUSABLE"] = (usable, "frames passing the checks")
    header["NKEPT"] = (stacked, "frames stacked")
    header["KEEPFRAC"] = (round(stacked / max(usable, 1), 6), "kept fraction of usable frames")
    header["STACKMTH"] = (options.method, "how the kept frames were combined")
    if options.method == "weighted":
        header["WEIGHTS"] = (options.weights, "frame weights: quality or snr (noise-aware)")
    header["ALIGN"] = (options.align, "registration: global shift, local warp or none")
    header["QMETRIC"] = (options.metric, "sharpness measure used for selection")
    header["DRIZZLE"] = (options.drizzle, "output pixels per input pixel")
    header["FIELD"] = (options.field, "which pixels have a value (see MINCOVER)")
    header["MINCOVER"] = (minimum_coverage(options.field, stacked), "stacked frames that cover each of them")
    if mid:
        header["DATE-OBS"] = (mid, "mid-time of the kept frames")
        header["DATE-BEG"], header["DATE-END"] = first, last
    elif "DATE-OBS" in header:
        header["COMMENT"] = "DATE-OBS is the first file's: the frames carry no times"
    if source.unit and "BUNIT" not in header:
        header["BUNIT"] = source.unit
    return header


def stack_result(source, options, image, coverage, quality, flux, reasons, kept, reading, weights, total):
    """The band with its header, the per-frame records and the summary of a finished stack."""
    stacked = total.stacked
    usable = sum(r is None for r in reasons)
    records = _records(source, reasons, quality, flux, kept, reading, weights, total)
    header = _header(source, options, len(stacked), usable, [source.time(i) for i in stacked])
    name = Path(source.segments[0].path).name if source.segments[0].kind != "array" else None
    band = band_from_header(image, header, source=name)
    shifts = np.array([s[:2] for s, p in zip(total.shifts, total.problems, strict=True) if p is None])
    covered = coverage[coverage > 0]
    summary = {
        "frames": len(source),
        "usable": usable,
        "selected": int(reading.sum()),
        "kept": len(stacked),
        "left_out": [
            {"index": r["index"], "name": r["name"], "why": r["status"]}
            for r in records
            if r["status"].endswith("; left out")
        ],
        "method": options.method,
        "weights": options.weights if options.method == "weighted" else None,
        "align": options.align,
        "shift_rms_px": round(float(np.sqrt(np.mean(np.sum(shifts**2, axis=1)))), 4) if len(shifts) else None,
        "field": options.field,
        "min_coverage": minimum_coverage(options.field, len(stacked)),
        "finite_fraction": round(float(np.isfinite(image).mean()), 4),
        "coverage_frames": [int(covered.min()), int(covered.max())] if covered.size else None,
        "date_obs": header.get("DATE-OBS") if header.get("DATE-BEG") else None,
        "rejected": reason_summary(reasons) or None,
    }
    return band, records, summary
