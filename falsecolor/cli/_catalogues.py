"""``falsecolor info``, ``palettes`` and ``filters``: what the tool reads, and its catalogues."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..recipe import BandInput, Corrections, declared
from ._geometry import OBSERVATION
from ._options import given
from ._parser import PROG

__all__ = ["run_filters", "run_info", "run_palettes"]


def run_info(args: argparse.Namespace) -> int:
    from ..exceptions import FalsecolorError
    from ..pipeline import describe

    options = BandInput("-", **given(args, [o.name for o in declared(BandInput)[1:]])).read_options()
    settings = Corrections(**given(args, [*OBSERVATION, "lat_range", "lon_range", "site"]))
    kernel = given(args, ["ephemeris"]).get("ephemeris")
    reports, status = [], 0
    for path in args.files:
        try:
            reports.append(describe(path, settings=settings, ephemeris=kernel, **options))
        except FalsecolorError as err:
            status = 2
            if len(args.files) == 1:
                raise
            reports.append({"path": path, "error": str(err)})
            print(f"{PROG}: error: {err}", file=sys.stderr)
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    else:
        print("\n\n".join(_format_info(r) for r in reports if "error" not in r))
    return status


def _format_info(report: dict[str, Any]) -> str:
    shape = " x ".join(str(n) for n in reversed(report["shape"]))
    wavelength = f"{report['wavelength_um']:.4g} µm" if report["wavelength_um"] else "unknown"
    filt = report["filter"] or "none"
    if report["filter"] and not report["filter_known"]:
        filt += " (not built in)"
    lines = [
        f"{report['path']}  [HDU {report['hdu']}]",
        f"  shape        {shape} pixels (nx x ny), {report['dtype']}",
        f"  unit         {report['unit']} -> {report['kind']}  ({report['unit_source']})",
        f"  filter       {filt}",
        f"  wavelength   {wavelength}",
        f"  date         {report['date_obs'] or 'unknown'}",
        f"  finite       {100 * report['finite_fraction']:.1f} % of pixels",
        f"  on disc      {100 * report['on_disc_fraction']:.1f} % of pixels",
    ]
    if report["min"] is not None:
        lines.append(f"  values       {report['min']:.6g} .. {report['max']:.6g}")
    if "centre_x" in report:
        lines.append(
            f"  disc         centre x {report['centre_x']:.2f}, y {report['centre_y']:.2f}, equatorial "
            f"radius {report['equatorial_radius_px']:.2f} px, pole angle {report['position_angle_deg']:.2f}° "
            f"({report['disc_source']})"
        )
    if report.get("target") or report.get("target_source") == "--target":
        lines.insert(6, f"  target       {report['target']}  ({report['target_source']})")
    if "map" in report:
        found = report["map"]
        if "latitude_range" in found:
            lat, lon = found["latitude_range"], found["longitude_range"]
            lines.append(
                f"  map          latitude {lat[0]:g}..{lat[1]:g} ({found['latitude_kind']}), "
                f"longitude {lon[0]:g}..{lon[1]:g} W{' (assumed)' if found['assumed'] else ''}; "
                f"from {found['reason']}"
            )
        else:
            lines.append(f"  map          grid unknown; from {found['reason']}")
    lines += [f"  note         {note}" for note in report["notes"]]
    return "\n".join(lines)


def run_palettes(args: argparse.Namespace) -> int:
    from .. import pipeline

    names = args.names or None
    if args.preview:
        directory = Path(args.preview)
        try:
            directory.mkdir(exist_ok=True)
        except OSError as err:
            from ..exceptions import OutputError

            reason = "its parent does not exist" if isinstance(err, FileNotFoundError) else err.strerror
            raise OutputError(f"cannot make the preview directory {directory}: {reason}") from None
        written = pipeline.palette_previews(directory, names)
        print(f"wrote {len(written)} swatches to {directory}", file=sys.stderr if args.json else sys.stdout)
    if args.check:
        reports = pipeline.palette_report(names)
        if args.json:
            print(json.dumps(reports, indent=2, ensure_ascii=False))
        else:
            print(_format_report(reports))
        return 0
    if args.preview:
        return 0
    rows = pipeline.palette_catalogue(names)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        width = max(len(row["name"]) for row in rows) + 2
        for row in rows:
            print(f"{row['name']:{width}s}{row['description']}")
    return 0


def _format_report(reports: list[dict[str, Any]]) -> str:
    """The quality table, a legend, then each palette's warnings."""
    head = (
        f"{'palette':14s} {'step min/mean':>13s} {'L* range':>11s} {'L* order':>8s}  "
        f"{'normal':>6s} {'deut.':>6s} {'prot.':>6s} {'trit.':>6s} {'grey':>6s}"
    )
    lines = [head, "-" * len(head)]
    for r in reports:
        c = r["corner_distance"]
        low, high = r["lightness_range"]
        order = (
            "rises" if r["lightness_monotonic"] == 1 else "falls" if r["lightness_falling"] == 1 else "mixed"
        )
        lines.append(
            f"{r['name']:14s} {r['step_min']:5.3f}/{r['step_mean']:5.3f}   "
            f"{low:5.1f}-{high:5.1f} {order:>8s}  "
            f"{c['normal']:6.1f} {c['deuteranopia']:6.1f} {c['protanopia']:6.1f} {c['tritanopia']:6.1f} "
            f"{r['greyscale_corner_distance']:6.1f}"
        )
    lines += [
        "",
        "step: smallest / mean CIEDE2000 difference between neighbouring table cells.",
        "L* order: how CIE lightness changes from cold to warm in every cloud row.",
        "normal .. trit.: CIEDE2000 between the two closest corners, as seen normally and with simulated",
        "deuteranopia, protanopia, tritanopia (Machado et al. 2009); grey: their L* gap in greyscale.",
    ]
    warnings = [f"{r['name']}: {w}" for r in reports for w in r["warnings"]]
    if warnings:
        lines += ["", *warnings]
    return "\n".join(lines)


def run_filters(args: argparse.Namespace) -> int:
    from ..pipeline import filter_catalogue

    rows = filter_catalogue()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':8s} {'effective':>10s}  {'top-hat':>15s}   source")
    for row in rows:
        low, high = row["half_maximum_um"]
        span = f"{low:.3f}-{high:.3f}"
        print(f"{row['name']:8s} {row['wavelength_um']:7.3f} µm  {span:>15s} µm  {row['description']}")
    return 0
