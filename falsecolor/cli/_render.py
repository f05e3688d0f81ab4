"""`falsecolor render`: options (and a recipe file or an image's recipe) -> a Recipe -> outputs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..recipe import (
    AXIS_INPUTS,
    DEFAULT_DEMO_SIZE,
    OPTIONS,
    UNSET,
    BandInput,
    FilterName,
    Recipe,
    for_band,
    load_recipe,
)
from ._options import band_values, cli_spelling, given

__all__ = ["Progress", "recipe_from_args", "run_render"]

#: Options a command line sets on the recipe directly (the inputs and outputs are handled apart).
_DIRECT = tuple(
    o.name for o in OPTIONS if o.name not in ("temperature", *AXIS_INPUTS, "demo", "files", "fits", "strip")
)
_PICTURE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".fits")


def _check_demo(args: argparse.Namespace) -> None:
    from ..exceptions import InputError

    named = [f"--{role}" for role in ("temperature", *AXIS_INPUTS) if getattr(args, role)]
    for scope in ("temperature", "cloud"):
        named += [cli_spelling(dest.rsplit(":", 1)[1], UNSET, scope) for dest in _band_options(args, scope)]
    named += ["--from-image"] if args.from_image else []
    if named:
        raise InputError(f"--demo uses the built-in synthetic Jupiter: drop {', '.join(named)}")


def _band_options(args: argparse.Namespace, scope: str) -> dict[str, Any]:
    return {k: v for k, v in vars(args).items() if k.startswith(f"band:{scope}:") and v is not None}


def _base_recipe(args: argparse.Namespace):
    """The recipe the options change: from --from-image, a recipe file, or a new one here."""
    from .. import pipeline
    from ..exceptions import InputError

    if args.recipe and args.from_image:
        raise InputError("give a recipe file or --from-image, not both")
    if args.recipe and Path(args.recipe).suffix.lower() in _PICTURE_SUFFIXES:
        raise InputError(
            f"{args.recipe} is not a recipe (.toml): -o takes one file; to write several, repeat it "
            "(-o a.png -o a.tif)"
        )
    if args.from_image:
        return pipeline.recipe_from_image(args.from_image)
    if args.recipe:
        return load_recipe(args.recipe, stream=True)  # a recipe the user gave may come through a pipe
    return Recipe(base=Path.cwd())


def recipe_from_args(args: argparse.Namespace) -> Recipe:
    """The Recipe of a command line: the recipe file's (or image's), changed by the options given.

    Every value passes the option model's checks, whether it came from the
    file or the command line, so both accept the same values.
    """
    from ..exceptions import InputError

    if args.use_demo:
        _check_demo(args)
    recipe = _base_recipe(args)
    if args.demo is not None and not args.use_demo and recipe.demo is None:
        raise InputError("--demo-size goes with --demo (or a recipe of the demo)")
    changes: dict[str, Any] = given(args, _DIRECT)
    if args.use_demo:
        size = given(args, ["demo"]).get("demo", DEFAULT_DEMO_SIZE)
        changes.update(demo=size, temperature=None, **dict.fromkeys(AXIS_INPUTS))
    elif args.demo is not None:  # a recipe of the demo, at another size
        changes["demo"] = given(args, ["demo"])["demo"]
    axes_given = [f"--{role}" for role in AXIS_INPUTS if getattr(args, role)]
    if len(axes_given) > 1:
        raise InputError(f"give one cloud axis: {' or '.join(axes_given)}, not both")
    for role in ("temperature", *AXIS_INPUTS):
        scope = "temperature" if role == "temperature" else "cloud"
        with for_band(scope):
            band = _band_change(recipe, role, getattr(args, role), band_values(args, scope))
        if band is not None:
            changes[role] = band
            if role in AXIS_INPUTS:
                changes.update({other: None for other in AXIS_INPUTS if other != role})
    if any(changes.get(role) for role in ("temperature", *AXIS_INPUTS)) and recipe.demo:
        changes["demo"] = None
    for declaration in OPTIONS:  # a file named here is relative to the current folder, not the recipe's
        value = changes.get(declaration.name)
        if value is not None and declaration.section != "inputs":
            changes[declaration.name] = declaration.kind.moved(value, lambda p: _as_given(recipe, p))
    if args.print_width is not None:
        changes["size"] = _print_size(args.print_width, changes.get("dpi", recipe.dpi))
    recipe = recipe.replace(**changes)
    _check_inputs(recipe, args)
    return recipe


def _band_change(recipe: Recipe, role: str, path: str | None, options: dict[str, Any]) -> BandInput | None:
    """The input band a command line sets: a new file, or new read options for the recipe's file.

    Files named on the command line (the image, a filter curve) are relative to the current folder.
    """
    if "filter" in options:
        options["filter"] = FilterName().moved(options["filter"], lambda p: _as_given(recipe, p))
    if path:
        return BandInput(_as_given(recipe, path), **options)
    current = getattr(recipe, role)
    if options and current is not None:
        return current.replace(**options)
    return None


def _as_given(recipe: Recipe, path: str) -> str:
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


def _check_inputs(recipe: Recipe, args: argparse.Namespace) -> None:
    from ..exceptions import InputError

    if recipe.demo is not None or args.inputs:
        return
    if recipe.temperature is None:
        raise InputError(
            "give --temperature FILE (with --cloud, --opacity or --aerosol), a recipe file, or --demo"
        )
    if recipe.axis_input() is None:
        raise InputError(
            "give the cloud axis: --cloud FILE (a ~5 µm image), --opacity FILE or --aerosol FILE (8.6 µm)"
        )


class Progress:
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
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {label:30.30s}"
            print(f"\r{bar}", end=end, file=sys.stderr, flush=True)
        else:
            print(f"[{done}/{total}] {label}", file=sys.stderr, flush=True)


def run_render(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..exceptions import InputError

    recipe = recipe_from_args(args)
    outputs = [os.path.abspath(p) for p in args.files] if args.files else None
    fits = None
    if args.fits:  # a trailing slash says "a folder", and absolute paths drop it
        fits = os.path.abspath(args.fits) + (os.sep if args.fits.endswith(("/", os.sep)) else "")
    strip = os.path.abspath(args.strip) if args.strip else None
    if strip and not args.inputs:
        raise InputError("--strip goes with --inputs (a time series)")
    also = []
    if args.recipe_out:  # written in the same all-or-nothing batch as the pictures
        # outputs relative to the recipe, so that they stay inside its folder when they are
        files = tuple(recipe.relative(p) for p in args.files) if outputs else recipe.files
        kept = recipe.replace(
            files=files,
            fits=recipe.relative(args.fits) if fits else recipe.fits,
            strip=recipe.relative(args.strip) if strip else recipe.strip,
        )
        also = [pipeline.recipe_writer(kept, os.path.abspath(args.recipe_out))]
    if args.dry_run:
        return _dry_run(args, recipe, outputs, fits, strip, [Path(p) for p, _ in also])
    composite = None
    if args.inputs:
        written = pipeline.render_batch(
            recipe,
            args.inputs,
            files=outputs,
            fits=fits,
            strip=strip,
            also=also,
            progress=Progress(args.quiet),
        )
    else:
        composite, written = pipeline.render_recipe(recipe, files=outputs, fits=fits, also=also)
    if not args.quiet:
        print(f"wrote {', '.join(str(p) for p in written)}")
        if composite is not None:
            t, tau = composite.t_limits, composite.tau_limits
            print(f"  temperature {t.low:.2f} .. {t.high:.2f} K ({t.source})")
            print(f"  {composite.cloud_axis} {tau.low:.3f} .. {tau.high:.3f} ({tau.source})")
            print(f"  palette {composite.palette.name}")
    return 0


def _dry_run(args, recipe: Recipe, outputs, fits, strip, also: list[Path]) -> int:
    """List what the run would read and write (every check done, nothing written)."""
    from .. import pipeline

    if args.inputs:
        plan = pipeline.plan_series(recipe, args.inputs, files=outputs, fits=fits, strip=strip)
        reads, writes = plan.reads, plan.writes
    else:
        reads, writes = pipeline.plan_render(recipe, files=outputs, fits=fits)
    pipeline.check_outputs([*writes, *also], inputs=reads)
    print("would read:")
    if recipe.demo is not None:
        print(f"  (the built-in synthetic Jupiter, {recipe.demo} px)")
    for path in dict.fromkeys(reads):
        print(f"  {path}")
    print("would write:")
    for path in [*writes, *also]:
        print(f"  {os.path.abspath(path)}{' (replacing it)' if os.path.exists(path) else ''}")
    return 0
