"""The result of ``stack``: the band with its header, per-frame records and a summary."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
from astropy.io import fits

from ..bands import band_from_header

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


def stack_result(source, options, image, reference, quality, flux, reasons, kept, reading, weights, total):
    n = len(source)
    shifts = np.full((n, 3), np.nan)
    shifts[total.indices] = total.shifts
    local = np.full(n, np.nan)
    if total.local is not None:
        local[total.indices] = total.local
    records = []
    for i in range(n):
        status = reasons[i] or ("kept" if kept[i] else "kept in some boxes" if reading[i] else "not selected")
        record = {
            "index": i,
            "name": source.name(i),
            "time": source.time(i),
            "quality": float(quality[i]) if reasons[i] is None else None,
            "flux": float(flux[i]) if reasons[i] is None else None,
            "status": status,
            "kept": bool(reading[i]),
            "dy": None if np.isnan(shifts[i, 0]) else round(float(shifts[i, 0]), 4),
            "dx": None if np.isnan(shifts[i, 1]) else round(float(shifts[i, 1]), 4),
            "correlation": None if np.isnan(shifts[i, 2]) else round(float(shifts[i, 2]), 5),
            "weight": round(float(weights[i]), 5),
        }
        if total.local is not None:
            record["local_shift_rms"] = None if np.isnan(local[i]) else round(float(local[i]), 4)
        records.append(record)
    used = int(reading.sum())
    usable = sum(r is None for r in reasons)
    mid, first, last = _mid_time([source.time(i) for i in np.flatnonzero(reading)])
    header = fits.Header()
    for card in source.header.cards:
        if card.keyword not in _LAYOUT and not card.keyword.startswith("NAXIS"):
            header.append(card)
    header["NFRAMES"] = (n, "frames read")
    header["NUSABLE"] = (usable, "frames passing the checks")
    header["NKEPT"] = (used, "frames stacked")
    header["KEEPFRAC"] = (round(used / max(usable, 1), 6), "kept fraction of usable frames")
    header["STACKMTH"] = (options.method, "how the kept frames were combined")
    header["ALIGN"] = (options.align, "registration: global shift, local warp or none")
    header["QMETRIC"] = (options.metric, "sharpness measure used for selection")
    header["DRIZZLE"] = (options.drizzle, "output pixels per input pixel")
    if mid:
        header["DATE-OBS"] = (mid, "mid-time of the kept frames")
        header["DATE-BEG"], header["DATE-END"] = first, last
    elif "DATE-OBS" in header:
        header["COMMENT"] = "DATE-OBS is the first file's: the frames carry no times"
    if source.unit and "BUNIT" not in header:
        header["BUNIT"] = source.unit
    name = Path(source.segments[0].path).name if source.segments[0].kind != "array" else None
    band = band_from_header(image, header, source=name)
    summary = {
        "frames": n,
        "usable": usable,
        "kept": used,
        "method": options.method,
        "align": options.align,
        "shift_rms_px": round(float(np.sqrt(np.nanmean(np.sum(total.shifts[:, :2] ** 2, axis=1)))), 4)
        if len(total.shifts)
        else None,
        "date_obs": mid,
        "rejected": reason_summary(reasons) or None,
    }
    return band, records, summary
