"""render() and prepare(): bands in, a Composite out; every keyword is an option of the option model."""

from __future__ import annotations

import inspect
import numbers
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..bands import Band
from ..exceptions import OptionError, RecipeError
from ..palette import Palette, get_palette, list_palettes
from ..recipe import (
    AXIS_INPUTS,
    BAND_KEYS,
    OPTIONS,
    BandInput,
    Corrections,
    Option,
    Recipe,
    declared,
    for_band,
)
from ._composite import Composite
from ._inputs import BandLike, load_bands
from ._prepare import Prepared, prepare_bands

__all__ = ["prepare", "prepare_recipe", "render"]

#: Options that name where a run writes: not for render(), which writes nothing.
_OUTPUTS = ("files", "fits", "strip")
#: The options render() takes as keywords (the inputs are its arguments).
_KEYWORDS = tuple(o for o in OPTIONS if o.name not in (*_OUTPUTS, "temperature", *AXIS_INPUTS, "demo"))
#: The options prepare() takes: those of the corrections (the axes and the picture come with finish()).
_PREPARE_KEYWORDS = tuple(o for o in _KEYWORDS if o.name in {d.name for d in declared(Corrections)})
_RUNTIME = ("uncertainty", "cloud_uncertainty")


def prepare_recipe(
    recipe: Recipe,
    *,
    bands: Mapping[str, Band] | None = None,
    runtime: Mapping[str, Any] | None = None,
) -> Prepared:
    """Read and correct the inputs a recipe names (or ``bands``, by role), and sample them.

    ``runtime`` holds values a recipe cannot (a sigma map given as a Band).
    """
    absolute = recipe.absolute()
    given: dict[str, BandLike | None] = dict(bands or {})
    if not given:
        axis = absolute.axis_input()
        if absolute.temperature is None or axis is None:
            raise RecipeError(
                "the recipe names no complete set of inputs: give [inputs] temperature and cloud (or "
                "opacity, or aerosol), or demo = SIZE"
            )
        given = {"temperature": absolute.temperature, axis[0]: axis[1]}
    temperature = given.pop("temperature", None)
    if temperature is None:
        raise RecipeError("give the temperature band")
    t_band, axis_band, role = load_bands(temperature, given)
    return prepare_bands(t_band, axis_band, role, absolute, **dict(runtime or {}))


class _Call:
    """The arguments of one render() or prepare() call, sorted into a recipe and what a recipe cannot hold."""

    def __init__(
        self,
        temperature: BandLike,
        axes: Mapping[str, BandLike | None],
        temperature_options: Mapping[str, Any] | None,
        cloud_options: Mapping[str, Any] | None,
        corrections: Corrections | None,
        options: Mapping[str, Any],
        *,
        allowed: tuple[Option, ...],
    ):
        unknown = sorted(set(options) - {o.name for o in allowed})
        if unknown:
            hint = " (render writes nothing: save the composite)" if set(unknown) & set(_OUTPUTS) else ""
            raise TypeError(
                f"unexpected keyword {unknown[0]!r}{hint}; options: {', '.join(o.name for o in allowed)}"
            )
        values = dict(corrections.options()) if corrections is not None else {}
        values.update(options)
        self.palette: Palette | None = None
        if isinstance(values.get("palette"), Palette):
            self.palette = values["palette"]
            values["palette"] = _palette_name(self.palette)
        self.runtime = {k: values.pop(k) for k in _RUNTIME if not _recipe_value(values.get(k))}
        self.bands: dict[str, Band] = {}
        for role, value in (("temperature", temperature), *axes.items()):
            if isinstance(value, Band):
                self.bands[role] = value
            elif value is not None:
                read = temperature_options if role == "temperature" else cloud_options
                with for_band("temperature" if role == "temperature" else "cloud"):
                    values[role] = _band_input(value, read)
        if self.bands:  # bands given as objects cannot be in a recipe: read every input here instead
            for role in ("temperature", *AXIS_INPUTS):
                if role not in self.bands and values.get(role) is not None:
                    self.bands[role] = values.pop(role)
        self.recipe = _relative(Recipe(**values, base=Path.cwd()))

    def prepare(self) -> Prepared:
        return prepare_recipe(self.recipe, bands=self.bands or None, runtime=self.runtime)


def _relative(recipe: Recipe) -> Recipe:
    """The recipe with its file paths relative to the current folder, so that it travels with the files."""

    def relative(path: str) -> str:
        try:
            return os.path.relpath(os.path.abspath(path))
        except ValueError:  # another drive (Windows)
            return path

    changes = {}
    for declaration in OPTIONS:
        value = getattr(recipe, declaration.name)
        if value is not None and declaration.kind.paths(value):
            changes[declaration.name] = declaration.kind.moved(value, relative)
    return recipe.replace(**changes) if changes else recipe


def _recipe_value(value: Any) -> bool:
    """Whether an uncertainty value can be written in a recipe (not a Band or a parsed object)."""
    return value is None or isinstance(value, str | numbers.Real | Path)


def _palette_name(palette: Palette) -> str:
    """How a recipe names a palette object: a built-in one by its name, else its file (or its name)."""
    if palette.name in list_palettes() and get_palette(palette.name).source == palette.source:
        return palette.name
    return palette.source or palette.name


def _band_input(value: Any, options: Mapping[str, Any] | None) -> BandInput:
    """An input file (and how to read it) as a recipe holds it."""
    read = {k: v for k, v in dict(options or {}).items() if v is not None}
    for key in read:
        if key not in BAND_KEYS[1:]:
            raise OptionError(key, f"is not a read option; options: {', '.join(BAND_KEYS[1:])}")
    for key in ("wavelength", "scale", "unit"):
        if key in read and not isinstance(read[key], str | int | float):
            read[key] = str(read[key])  # a Quantity or Unit, as text
    if isinstance(value, BandInput):
        return value.replace(**read) if read else value
    if not isinstance(value, str | Path):
        raise RecipeError(f"an input must be a Band or a FITS file path, got {type(value).__name__}")
    return BandInput(str(value), **read)


def render(
    temperature: BandLike,
    cloud: BandLike | None = None,
    *,
    opacity: BandLike | None = None,
    aerosol: BandLike | None = None,
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
    corrections: Corrections | None = None,
    **options: Any,
) -> Composite:
    """Render a false-colour composite: brightness temperature x cloud opacity through a 2-D palette.

    Parameters
    ----------
    temperature : Band or path
        Thermal band (e.g. 13 um): counts, radiance or brightness temperature.
    cloud : Band or path, optional
        ~5 um band: counts, radiance or brightness temperature.
    opacity : Band or path, optional
        A ready cloud-opacity map instead of ``cloud``.
    aerosol : Band or path, optional
        An aerosol-sensitive thermal band (8.6 um) instead of ``cloud``: the
        cloud axis is then the aerosol index dT_clear - (T_aerosol - T), in K.
    temperature_options, cloud_options : mapping, optional
        :func:`~falsecolor.read_band` keywords used when the inputs are paths
        (``{"wavelength": "13um"}``, ``{"filter": "M-BAND"}``, ...).
    corrections : Corrections, optional
        Calibration and correction options as one object; keywords win.
    **options
        Every option of the option model except the outputs, by name: see
        :data:`falsecolor.recipe.OPTIONS` or ``falsecolor render --help``.
        The common ones: ``palette`` (name, TOML file or
        :class:`~falsecolor.Palette`), ``t_limits``, ``tau_limits``,
        ``t_percentiles``, ``tau_percentiles``, ``clear_sky`` (a temperature
        ``"250K"``, a radiance, counts, or with ``aerosol`` dT_clear in K),
        ``clear_percentile``, ``uncertainty`` and ``cloud_uncertainty`` (a
        fraction, ``"sky"``, or a sigma map), ``limb_correction``,
        ``orientation``, ``subtract_sky``, ``coalign``, ``project``; and the
        picture options (``title``, ``key``, ...) that :meth:`Composite.save`
        then uses. Values are checked against the options' bounds.

    Returns
    -------
    Composite

    Raises
    ------
    FalsecolorError
        Unreadable inputs, unknown units or filters, bands of different shape,
        an option out of its bounds, nothing usable on the disc.

    Examples
    --------
    >>> from falsecolor import render, synthetic_jupiter
    >>> jupiter = synthetic_jupiter((128, 128))
    >>> composite = render(jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135))
    >>> composite.rgba.shape
    (128, 128, 4)
    """
    axes = {"cloud": cloud, "opacity": opacity, "aerosol": aerosol}
    call = _Call(
        temperature, axes, temperature_options, cloud_options, corrections, options, allowed=_KEYWORDS
    )
    return call.prepare().finish(call.recipe.absolute(), palette=call.palette, recipe=call.recipe)


def prepare(
    temperature: BandLike,
    cloud: BandLike | None = None,
    *,
    opacity: BandLike | None = None,
    aerosol: BandLike | None = None,
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
    corrections: Corrections | None = None,
    **options: Any,
) -> Prepared:
    """The first half of :func:`render` (same arguments): bands read and corrected, T and tau sampled.

    :meth:`Prepared.finish` with the axis options makes the composite; a time
    series chooses limits for all its epochs from their samples in between.
    """
    axes = {"cloud": cloud, "opacity": opacity, "aerosol": aerosol}
    call = _Call(
        temperature, axes, temperature_options, cloud_options, corrections, options, allowed=_PREPARE_KEYWORDS
    )
    return call.prepare()


def _with_option_signature(function: Callable[..., Any], keywords: tuple[Option, ...]) -> None:
    """Show every option as a keyword in ``help(render)`` and IDEs (they are declared once, in the model)."""
    signature = inspect.signature(function)
    fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    extra = [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default) for o in keywords]
    function.__signature__ = signature.replace(parameters=[*fixed, *extra])  # type: ignore[attr-defined]


_with_option_signature(render, _KEYWORDS)
_with_option_signature(prepare, _PREPARE_KEYWORDS)
