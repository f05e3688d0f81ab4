"""`falsecolor render`: options (and a recipe file or an image's recipe) -> a Recipe -> outputs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["recipe_from_args", "run_render"]

_BAND_OPTIONS = ("filter", "wavelength", "unit", "scale")
#: Command-line destinations that set the recipe field of the same name when given.
_DIRECT = (
    "palette", "t_limits", "tau_limits", "t_percentiles", "tau_percentiles", "clear_sky", "clear_percentile",
    "title", "credit", "caption", "key", "key_position", "key_size", "background", "scale_bar",
    "north_arrow", "km_per_pixel", "north_angle", "sheet", "size", "dpi", "compress_level",
    "jpeg_quality", "timestamp", "limb_correction", "cloud_limb_correction", "mu_min", "limb_fade",
    "profile_column", "orientation", "site", "project", "map_resolution", "view_time", "lat_range",
    "lon_range", "uncertainty", "cloud_uncertainty", "coalign", "subtract_sky",
)  # fmt: skip
_RENAMED = {"t_label": "temperature_label", "cloud_label": "cloud_label"}
#: The inputs that give the cloud axis (one at a time).
_AXES = ("cloud", "opacity", "aerosol")


def _band_options(args: argparse.Namespace, role: str) -> dict[str, Any]:
    """read_band keywords given for one band; --hdu/--plane/--byteswap apply to every input."""
    option_role = "temperature" if role == "temperature" else "cloud"  # cloud, opacity and aerosol

    def own_or_shared(name):
        value = getattr(args, f"{option_role}_{name}", None)
        return value if value is not None else getattr(args, name, None)

    given = {name: getattr(args, f"{option_role}_{name}") for name in _BAND_OPTIONS}
    given.update(hdu=own_or_shared("hdu"), plane=own_or_shared("plane"), byteswap=bool(args.byteswap) or None)
    return {k: v for k, v in given.items() if v is not None}


def _check_demo(args: argparse.Namespace) -> None:
    from ..exceptions import InputError

    given = [f"--{o}" for o in ("temperature", *_AXES) if getattr(args, o)]
    given += [
        f"--{'cloud-' if role == 'cloud' else ''}{o}"
        for role in ("temperature", "cloud")
        for o in _BAND_OPTIONS
        if getattr(args, f"{role}_{o}") is not None
    ]
    given += ["--from-image"] if args.from_image else []
    if given:
        raise InputError(f"--demo uses the built-in synthetic Jupiter: drop {', '.join(given)}")


def recipe_from_args(args: argparse.Namespace):
    """The Recipe of a command line: the recipe file's (or image's), changed by the options given."""
    from .. import pipeline
    from ..exceptions import InputError
    from ..pipeline import BandInput, Recipe, load_recipe, names_file

    if args.recipe and args.from_image:
        raise InputError("give a recipe file or --from-image, not both")
    if args.recipe and Path(args.recipe).suffix.lower() in (
        ".png",
        ".tif",
        ".tiff",
        ".jpg",
        ".jpeg",
        ".fits",
    ):
        raise InputError(
            f"{args.recipe} is not a recipe (.toml): -o takes one file; to write several, repeat it "
            "(-o a.png -o a.tif)"
        )
    if args.demo:
        _check_demo(args)
    if args.from_image:
        recipe = pipeline.recipe_from_image(args.from_image)
    elif args.recipe:
        recipe = load_recipe(args.recipe)
    else:
        recipe = Recipe(base=Path.cwd())
    changes: dict[str, Any] = {}
    if args.demo:
        changes.update(demo=args.demo_size or 720, temperature=None, **dict.fromkeys(_AXES))
    elif args.demo_size is not None:
        raise InputError("--demo-size goes with --demo")
    axes_given = [f"--{role}" for role in _AXES if getattr(args, role)]
    if len(axes_given) > 1:
        raise InputError(f"give one cloud axis: {' or '.join(axes_given)}, not both")
    for role in ("temperature", *_AXES):
        options = _band_options(args, role)
        path = getattr(args, role)
        if path:
            changes[role] = BandInput(path=_as_given(recipe, path), **options)
            if role in _AXES:
                changes.update({other: None for other in _AXES if other != role})
        elif options and getattr(recipe, role) is not None:
            changes[role] = getattr(recipe, role).__class__(**{**vars(getattr(recipe, role)), **options})
    if any(changes.get(role) for role in ("temperature", *_AXES)) and recipe.demo:
        changes["demo"] = None
    for name in _DIRECT:
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = tuple(value) if isinstance(value, list) else value
    for dest, field in _RENAMED.items():
        if getattr(args, dest, None) is not None:
            changes[field] = getattr(args, dest)
    if args.profile is not None:
        changes["profile"] = _as_given(recipe, args.profile)
    for name in ("uncertainty", "cloud_uncertainty"):
        if names_file(changes.get(name)):
            changes[name] = _as_given(recipe, changes[name])
    if args.palette is not None and Path(args.palette).suffix.lower() in (".toml", ".png"):
        changes["palette"] = _as_given(recipe, args.palette)
    if args.print_width is not None:
        changes["size"] = _print_size(args.print_width, changes.get("dpi", recipe.dpi))
    recipe = recipe.replace(**changes)
    _check_inputs(recipe, args)
    return recipe


def _as_given(recipe, path: str) -> str:
    """A command-line path for the recipe: absolute stays absolute, relative becomes relative to its base."""
    return path if os.path.isabs(os.path.expanduser(path)) else recipe.relative(path)


def _print_size(width: str, dpi: float | None) -> int:
    """Pixels for a printed width (``20cm``, ``8in``) at ``dpi``."""
    from astropy import units as u

    from ..exceptions import InputError

    if dpi is None:
        raise InputError("--print-width needs --dpi (pixels per inch) to know the size in pixels")
    text = width.strip()
    if text.endswith("in") and not text.endswith("min"):
        text = text[:-2] + "inch"  # astropy's parser reads "in" as a keyword, "inch" as the unit
    try:
        with u.imperial.enable():  # "8in" as well as "20cm"
            inches = u.Quantity(text).to_value(u.imperial.inch)
    except (TypeError, ValueError, u.UnitsError):
        raise InputError(f"--print-width {width!r} is not a length: use e.g. 20cm or 8in") from None
    if not inches > 0:
        raise InputError(f"--print-width must be positive, got {width}")
    return round(inches * dpi)


def _check_inputs(recipe, args: argparse.Namespace) -> None:
    from ..exceptions import InputError

    if recipe.demo is not None or args.inputs:
        return
    if recipe.temperature is None:
        raise InputError(
            "give --temperature FILE (with --cloud, --opacity or --aerosol), a recipe file, or --demo"
        )
    if recipe.cloud is None and recipe.opacity is None and recipe.aerosol is None:
        raise InputError(
            "give the cloud axis: --cloud FILE (a ~5 µm image), --opacity FILE or --aerosol FILE (8.6 µm)"
        )


class _Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.quiet:
            return
        if self.tty:
            filled = round(30 * done / total)
            end = "\n" if done == total else ""
            print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {label:30.30s}", end=end,
                  file=sys.stderr, flush=True)  # fmt: skip
        else:
            print(f"[{done}/{total}] {label}", file=sys.stderr, flush=True)


def _check_recipe_out(path: str, recipe, others: list[str | None]) -> None:
    """The recipe file may be neither an input nor another output of the run."""
    from .. import pipeline
    from ..exceptions import OutputError

    inputs = [recipe.resolve(b.path) for b in recipe.input_bands()]
    pipeline.check_outputs(path, inputs=inputs)
    written = [os.path.abspath(p) for p in others if p] or [
        os.path.abspath(recipe.resolve(f)) for f in recipe.files
    ]
    if os.path.abspath(path) in written:
        raise OutputError(f"--recipe-out {path} is also an output of this run: choose another name")


def run_render(args: argparse.Namespace) -> int:
    from .. import pipeline

    recipe = recipe_from_args(args)
    outputs = [os.path.abspath(p) for p in args.output] if args.output else None
    fits = os.path.abspath(args.fits_out) if args.fits_out else None
    strip = os.path.abspath(args.strip) if args.strip else None
    if args.recipe_out:
        _check_recipe_out(args.recipe_out, recipe, [*(outputs or ()), strip])
    kept = None
    if args.recipe_out:
        files = tuple(_as_given(recipe, p) for p in args.output) if outputs else recipe.files
        kept = recipe.replace(
            files=files,
            fits=_as_given(recipe, args.fits_out) if fits else recipe.fits,
            strip=_as_given(recipe, args.strip) if strip else recipe.strip,
        )
    if args.inputs:
        written = pipeline.render_batch(
            recipe, args.inputs, files=outputs, fits=fits, strip=strip, option_style="cli",
            progress=_Progress(args.quiet),
        )  # fmt: skip
        composite = None
        if kept is not None:
            written += pipeline.write_recipe(kept, os.path.abspath(args.recipe_out))
    else:
        if strip:
            from ..exceptions import InputError

            raise InputError("--strip goes with --inputs (a time series)")
        also = [pipeline.recipe_writer(kept, os.path.abspath(args.recipe_out))] if kept is not None else []
        composite, written = pipeline.render_recipe(
            recipe, files=outputs, fits=fits, option_style="cli", also=also
        )
    if not args.quiet:
        print(f"wrote {', '.join(str(p) for p in written)}")
        if composite is not None:
            t, tau = composite.t_limits, composite.tau_limits
            print(f"  temperature {t.low:.2f} .. {t.high:.2f} K ({t.source})")
            print(f"  {composite.cloud_axis} {tau.low:.3f} .. {tau.high:.3f} ({tau.source})")
            print(f"  palette {composite.palette.name}")
    return 0
