"""Running recipes: one render, a re-render from an image, and a time series with shared limits."""

from __future__ import annotations

import dataclasses
import glob
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import normalise
from .._blocks import subsample
from ..exceptions import InputError, RecipeError, warn
from ..export import format_of
from ..layout import Panel, page, resample
from ..recipe import BandInput, Recipe, is_path, load_recipe, names_file, parse_recipe
from ._composite import RECIPE_KEY, Composite
from ._corrections import Corrections
from ._info import check_outputs, render_demo
from ._present import LOOK_FIELDS, background_of, caption_of, file_hash, key_spec, make_look, picture
from ._render import prepare

__all__ = [
    "BandInput",
    "Recipe",
    "composite_of",
    "load_recipe",
    "names_file",
    "recipe_from_image",
    "recipe_writer",
    "render_batch",
    "render_recipe",
    "write_recipe",
]

Progress = Callable[[int, int, str], None]
#: Pixels per image pooled for the shared limits of a time series.
POOLED_SAMPLES = 1 << 16
#: Longer side of each frame in a time-series strip (unless the recipe sets a size).
STRIP_FRAME = 360


def write_recipe(recipe: Recipe, path: str | Path) -> list[Path]:
    """Write a recipe as TOML, its relative paths rewritten for the file's directory (atomically)."""
    from ..export import write_atomically

    return write_atomically([recipe_writer(recipe, path)])


def recipe_writer(recipe: Recipe, path: str | Path):
    """``(path, writer)`` for :func:`~falsecolor.export.write_atomically`: the recipe as TOML there."""
    text = recipe.rebased(Path(path).resolve().parent).to_toml()
    return path, lambda fh: fh.write(text.encode("utf-8"))


def _as_recipe(recipe: Recipe | str | Path) -> Recipe:
    return recipe if isinstance(recipe, Recipe) else load_recipe(recipe)


def _palette(recipe: Recipe) -> str | Path:
    return recipe.resolve(recipe.palette) if is_path(recipe.palette) else recipe.palette


def _band_arguments(recipe: Recipe) -> dict[str, Any]:
    """render()/prepare() arguments for the recipe's input files."""
    axis = recipe.cloud or recipe.opacity or recipe.aerosol
    if recipe.temperature is None or axis is None:
        raise RecipeError(
            "the recipe names no complete set of inputs: give [inputs] temperature and cloud (or opacity, "
            "or aerosol), or demo = SIZE"
        )
    arguments = {
        role: recipe.resolve(band.path) if band else None
        for role, band in (("cloud", recipe.cloud), ("opacity", recipe.opacity), ("aerosol", recipe.aerosol))
    }
    return {
        "temperature": recipe.resolve(recipe.temperature.path),
        **arguments,
        "temperature_options": recipe.temperature.read_options(),
        "cloud_options": axis.read_options(),
        "clear_sky": recipe.clear_sky,
        "clear_percentile": recipe.clear_percentile,
        "corrections": corrections_of(recipe),
        "uncertainty": _uncertainty_of(recipe, recipe.uncertainty),
        "cloud_uncertainty": _uncertainty_of(recipe, recipe.cloud_uncertainty),
    }


def _uncertainty_of(recipe: Recipe, value):
    """A recipe's uncertainty value, a sigma-map path resolved against its base."""
    return recipe.resolve(value) if names_file(value) else value


def corrections_of(recipe: Recipe) -> Corrections:
    """The geometric corrections a recipe asks for."""
    return Corrections(
        limb=recipe.limb_correction, cloud_limb=recipe.cloud_limb_correction, mu_min=recipe.mu_min,
        limb_fade=recipe.limb_fade, orientation=recipe.orientation, site=recipe.site,
        profile=recipe.resolve(recipe.profile) if recipe.profile else None,
        profile_column=recipe.profile_column, project=recipe.project, map_resolution=recipe.map_resolution,
        view_time=recipe.view_time, lat_range=recipe.lat_range, lon_range=recipe.lon_range,
        coalign=recipe.coalign, subtract_sky=recipe.subtract_sky,
    )  # fmt: skip


def _axis_arguments(recipe: Recipe) -> dict[str, Any]:
    return {
        "palette": _palette(recipe),
        "t_limits": recipe.t_limits,
        "tau_limits": recipe.tau_limits,
        "t_percentiles": recipe.t_percentiles,
        "tau_percentiles": recipe.tau_percentiles,
    }


def composite_of(recipe: Recipe | str | Path, *, option_style: str = "python") -> Composite:
    """The composite a recipe describes (without writing anything)."""
    recipe = _as_recipe(recipe)
    if recipe.demo is not None:
        composite = render_demo(
            recipe.demo, clear_sky=recipe.clear_sky, clear_percentile=recipe.clear_percentile,
            corrections=corrections_of(recipe), uncertainty=_uncertainty_of(recipe, recipe.uncertainty),
            cloud_uncertainty=_uncertainty_of(recipe, recipe.cloud_uncertainty), **_axis_arguments(recipe),
        )  # fmt: skip
    else:
        arguments = _band_arguments(recipe)
        prepared = prepare(
            arguments.pop("temperature"), arguments.pop("cloud"), option_style=option_style, **arguments
        )
        composite = prepared.finish(**_axis_arguments(recipe))
    return dataclasses.replace(composite, recipe=recipe)


def _look(recipe: Recipe) -> dict[str, Any]:
    return {name: getattr(recipe, name) for name in LOOK_FIELDS}


def _save(composite: Composite, recipe: Recipe, files: list[Path], fits: Path | None, also=()) -> list[Path]:
    return composite.save(
        files, fits_prefix=fits, compress_level=recipe.compress_level, jpeg_quality=recipe.jpeg_quality,
        dpi=recipe.dpi, timestamp=recipe.timestamp, recipe=recipe, also=also, **_look(recipe),
    )  # fmt: skip


def _outputs(recipe: Recipe, files, fits, *, check: bool = True) -> tuple[list[Path], Path | None]:
    """The output files and FITS prefix, checked (writable, not an input) before any work."""
    chosen = [Path(f) for f in files] if files else [recipe.resolve(f) for f in recipe.files]
    if not chosen:
        raise RecipeError('the recipe names no output: add [output] files = ["out.png"] or give -o FILE')
    prefix = Path(fits) if fits is not None else (recipe.resolve(recipe.fits) if recipe.fits else None)
    if check:
        inputs = [recipe.resolve(b.path) for b in recipe.input_bands()]
        check_outputs(chosen, fits_prefix=prefix, inputs=inputs)
    for path in chosen:
        try:
            format_of(path)
        except ValueError as err:
            raise InputError(str(err)) from None
    return chosen, prefix


def render_recipe(
    recipe: Recipe | str | Path,
    *,
    files: list[str | Path] | None = None,
    fits: str | Path | None = None,
    option_style: str = "python",
    also: Sequence[tuple[str | Path, Any]] = (),
) -> tuple[Composite, list[Path]]:
    """Run a recipe (a :class:`~falsecolor.Recipe` or a TOML file): render and write its outputs.

    Parameters
    ----------
    recipe : Recipe, str or Path
    files : list of paths, optional
        Outputs instead of the recipe's ``[output] files``.
    fits : str or Path, optional
        FITS product prefix instead of the recipe's ``[output] fits``.
    also : sequence of (path, writer), optional
        Further files for the same all-or-nothing batch (e.g. :func:`recipe_writer`).

    Returns
    -------
    (Composite, list of Path)
        The composite and the files written.
    """
    recipe = _as_recipe(recipe)
    chosen, prefix = _outputs(recipe, files, fits)
    make_look(**_look(recipe))  # bad picture options fail before the work
    composite = composite_of(recipe, option_style=option_style)
    return composite, _save(composite, recipe, chosen, prefix, also)


def recipe_from_image(path: str | Path) -> Recipe:
    """The recipe embedded in a falsecolor PNG; its paths are relative to the image's directory.

    Warns when an input file differs from the one the image was made from.
    """
    from PIL import Image

    path = Path(path)
    try:
        with Image.open(path) as image:
            text = image.info.get(RECIPE_KEY) if image.format == "PNG" else None
            sources = image.info.get("Source", "")
    except FileNotFoundError:
        raise InputError(f"image {path} does not exist") from None
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise InputError(f"cannot read image {path}: {err}") from None
    if not text:
        raise RecipeError(f"{path} carries no falsecolor recipe: only PNGs written by falsecolor do")
    recipe = parse_recipe(text, source=f"{path} (embedded recipe)", base=path.resolve().parent)
    _check_sources(recipe, sources, path)
    return recipe


def _check_sources(recipe: Recipe, sources: str, image: Path) -> None:
    recorded = dict(item.strip().rsplit(" sha256:", 1) for item in sources.split(";") if " sha256:" in item)
    for band in recipe.input_bands():
        source = recipe.resolve(band.path)
        expected = recorded.get(source.name)
        if expected and source.is_file() and file_hash(source) != expected:
            warn(f"{source} differs from the file {image.name} was made from: the picture will differ")


# -- time series ---------------------------------------------------------------------------


def _name_output(template: Path, name: str) -> Path:
    text = str(template)
    if "{name}" in text:
        return Path(text.replace("{name}", name))
    return template.with_name(f"{template.stem}-{name}{template.suffix}")


def render_batch(
    recipe: Recipe | str | Path,
    pattern: str,
    *,
    files: list[str | Path] | None = None,
    fits: str | Path | None = None,
    strip: str | Path | None = None,
    option_style: str = "python",
    progress: Progress | None = None,
) -> list[Path]:
    """One recipe over many epochs, with limits shared by all, so colours mean the same everywhere.

    Parameters
    ----------
    recipe : Recipe, str or Path
        Its input paths are taken relative to each epoch's directory.
    pattern : str
        Glob of the epoch directories (e.g. ``"epoch*/"``).
    files, fits : optional
        Output templates instead of the recipe's; ``{name}`` is replaced by the
        directory name (else ``-NAME`` is added before the suffix).
    strip : str or Path, optional
        Also write all epochs side by side in one picture, with one key.
    progress : callable, optional
        Called as ``progress(done, total, label)`` after each step.

    Returns
    -------
    list of Path
        Every file written.

    Notes
    -----
    Two passes: the first samples each epoch's on-disc T and tau and pools the
    samples for the percentile limits (unless limits are given); the second
    renders each epoch with those limits. Each epoch keeps its own clear-sky
    reference. Memory does not grow with the number of epochs, except for the
    strip's small frames.
    """
    recipe = _as_recipe(recipe)
    if recipe.demo is not None:
        raise RecipeError("a time series needs input files, not the demo")
    directories = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_dir())
    if not directories:
        raise InputError(f"no directory matches {pattern!r}")
    names = [d.name or d.resolve().name for d in directories]
    templates, prefix = _outputs(recipe, files, fits, check=False)
    strip_path = Path(strip) if strip else (recipe.resolve(recipe.strip) if recipe.strip else None)
    make_look(**_look(recipe))
    epochs = [recipe.replace(base=d.resolve()) for d in directories]
    for epoch, name in zip(epochs, names, strict=True):  # every output checked before any work
        inputs = [epoch.resolve(b.path) for b in epoch.input_bands()]
        check_outputs([_name_output(t, name) for t in templates],
                      fits_prefix=_name_output(prefix, name) if prefix else None, inputs=inputs)  # fmt: skip
    if strip_path is not None:
        check_outputs(strip_path)
    total, done = 2 * len(epochs), 0
    pooled_t, pooled_tau = [], []
    for epoch, name in zip(epochs, names, strict=True):
        arguments = _band_arguments(epoch)
        prepared = prepare(arguments.pop("temperature"), arguments.pop("cloud"), option_style=option_style,
                           **arguments)  # fmt: skip
        t, tau = prepared.usable_sample()
        pooled_t.append(subsample(t, None, max_samples=POOLED_SAMPLES))
        pooled_tau.append(subsample(tau, None, max_samples=POOLED_SAMPLES))
        del prepared
        done += 1
        if progress:
            progress(done, total, f"sampling {name}")
    t_axis = normalise.axis_limits(np.concatenate(pooled_t), limits=recipe.t_limits,
                                   percentiles=recipe.t_percentiles, name="temperature")  # fmt: skip
    tau_axis = normalise.axis_limits(np.concatenate(pooled_tau), limits=recipe.tau_limits,
                                     percentiles=recipe.tau_percentiles, name="cloud opacity",
                                     minimum_span=1e-3)  # fmt: skip
    shared = tuple(f"{a.source} over {len(epochs)} images" if a.source != "given" else "given"
                   for a in (t_axis, tau_axis))  # fmt: skip
    written: list[Path] = []
    frames: list[Panel] = []
    last: Composite | None = None
    for epoch, name in zip(epochs, names, strict=True):
        arguments = _band_arguments(epoch)
        prepared = prepare(arguments.pop("temperature"), arguments.pop("cloud"), option_style=option_style,
                           **arguments)  # fmt: skip
        fixed = epoch.replace(t_limits=(t_axis.low, t_axis.high), tau_limits=(tau_axis.low, tau_axis.high))
        options = {**_axis_arguments(fixed), "limits_source": shared}
        composite = dataclasses.replace(prepared.finish(**options), recipe=fixed)
        del prepared
        outputs = [_name_output(t, name) for t in templates]
        written += _save(composite, fixed, outputs, _name_output(prefix, name) if prefix else None)
        if strip_path is not None:
            frames.append(_strip_frame(composite, recipe, name))
        last = composite
        done += 1
        if progress:
            progress(done, total, f"rendered {name}")
    if strip_path is not None and last is not None:
        written += _write_strip(strip_path, frames, last, recipe, t_axis, tau_axis)
    return written


def _strip_frame(composite: Composite, recipe: Recipe, name: str) -> Panel:
    look = make_look(**{**_look(recipe), "key": False, "title": None, "credit": None, "caption": None,
                        "sheet": False, "size": None})  # fmt: skip
    image = picture(composite, look)
    image = resample(image, recipe.size or STRIP_FRAME)
    date = composite.temperature_band.date_obs
    return Panel(image, f"{name} · {date[:16].replace('T', ' ')}" if date else name)


def _write_strip(path: Path, frames: list[Panel], composite: Composite, recipe: Recipe, t_axis, tau_axis):
    from .. import __version__
    from ..export import encode_png, write_atomically

    look = make_look(**_look(recipe))
    shared = dataclasses.replace(composite, t_limits=t_axis, tau_limits=tau_axis)
    strip = page(
        frames, key=key_spec(shared, look) if look.key else None, key_size=look.key_size,
        key_position=look.key_position, title=look.title,
        caption=caption_of(shared, look) if look.caption != "auto" else None, credit=look.credit,
        background=background_of(composite, look),
    )  # fmt: skip
    text = {"Software": f"falsecolor {__version__}", "Title": look.title or "time series"}
    data = encode_png(strip, text=text, compress_level=recipe.compress_level)
    return write_atomically([(path, lambda fh: fh.write(data))])
