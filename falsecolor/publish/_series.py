"""A time series: one recipe over many epochs, with limits shared by all, and a strip of every epoch."""

from __future__ import annotations

import dataclasses
import glob
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._blocks import subsample
from .._version import __version__
from ..exceptions import InputError, RecipeError
from ..export import Staging, encode_png
from ..layout import Panel, page, resample
from ..normalise import AxisLimits
from ..recipe import Recipe
from ..rendering import (
    Composite,
    axes_limits,
    background_of,
    caption_of,
    check_look,
    fits_product_paths,
    key_spec,
    picture,
    prepare_recipe,
)
from ._outputs import check_outputs, picture_formats
from ._run import as_recipe, confined, outputs_of

__all__ = ["SeriesPlan", "plan_series", "render_batch"]

Progress = Callable[[int, int, str], None]
#: Pixels per image pooled for the shared limits of a time series.
POOLED_SAMPLES = 1 << 16
#: Longer side of each frame in a time-series strip (unless the recipe sets a size).
STRIP_FRAME = 360


def _name_output(template: Path, name: str) -> Path:
    text = str(template)
    if "{name}" in text:
        return Path(text.replace("{name}", name))
    return template.with_name(f"{template.stem}-{name}{template.suffix}")


@dataclass(frozen=True)
class SeriesPlan:
    """What a time series reads and writes, worked out before any work (``--dry-run`` shows it)."""

    epochs: list[Recipe]
    names: list[str]
    outputs: list[list[Path]]
    prefix: str | Path | None
    strip: Path | None

    def fits_prefix(self, name: str) -> str | Path | None:
        """The FITS prefix of one epoch (a folder gets one file pair per epoch, named after it)."""
        if self.prefix is None:
            return None
        text = str(self.prefix)
        if text.endswith(("/", os.sep)) or os.path.isdir(text):
            return Path(text) / name
        return _name_output(Path(text), name)

    @property
    def reads(self) -> list[Path]:
        return [path for epoch in self.epochs for path in epoch.files_read()]

    @property
    def writes(self) -> list[Path]:
        written = [p for paths in self.outputs for p in paths]
        for name in self.names:
            prefix = self.fits_prefix(name)
            if prefix is not None:
                written += fits_product_paths(prefix)
        return written + ([self.strip] if self.strip else [])


def plan_series(
    recipe: Recipe,
    pattern: str,
    *,
    files: Sequence[str | Path] | None = None,
    fits: str | Path | None = None,
    strip: str | Path | None = None,
) -> SeriesPlan:
    """The epochs of a time series and every file each reads and writes (see :func:`render_batch`)."""
    if recipe.demo is not None:
        raise RecipeError("a time series needs input files, not the demo")
    directories = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_dir())
    if not directories:
        raise InputError(f"no directory matches {pattern!r}")
    names = [d.name or d.resolve().name for d in directories]
    templates, prefix = outputs_of(recipe, files, fits)
    picture_formats(templates)
    strip_path = Path(strip) if strip else (confined(recipe, "strip", recipe.strip) if recipe.strip else None)
    epochs = [recipe.replace(base=d.resolve()) for d in directories]
    outputs = [[_name_output(t, name) for t in templates] for name in names]
    return SeriesPlan(epochs, names, outputs, prefix, strip_path)


def render_batch(
    recipe: Recipe | str | Path,
    pattern: str,
    *,
    files: Sequence[str | Path] | None = None,
    fits: str | Path | None = None,
    strip: str | Path | None = None,
    also: Sequence[tuple[str | Path, Any]] = (),
    progress: Progress | None = None,
) -> list[Path]:
    """One recipe over many epochs, with limits shared by all, so colours mean the same everywhere.

    Parameters
    ----------
    recipe : Recipe, str or Path
        Its input paths are taken relative to each epoch's folder.
    pattern : str
        Glob of the epoch folders (e.g. ``"epoch*/"``).
    files, fits : optional
        Output templates instead of the recipe's; ``{name}`` is replaced by the
        folder's name (else ``-NAME`` is added before the suffix).
    strip : str or Path, optional
        Also write all epochs side by side in one picture, with one key.
    also : sequence of (path, writer), optional
        Further files for the same all-or-nothing batch (the recipe of the run).
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
    strip's small frames. Every output of every epoch is checked before any
    work, and no two may be the same file. The series is written all or
    nothing: each epoch's files go to temporaries as it is rendered, and all
    are committed together at the end, so an interrupted series never leaves
    pictures of two colour scales side by side.
    """
    recipe = as_recipe(recipe)
    plan = plan_series(recipe, pattern, files=files, fits=fits, strip=strip)
    check_outputs([*plan.writes, *(Path(p) for p, _ in also)], inputs=plan.reads)  # before any work
    check_look(recipe)
    report = progress or (lambda done, total, label: None)
    t_axis, tau_axis = _shared_limits(recipe, plan.epochs, plan.names, report)
    with Staging(inputs=plan.reads) as staging:
        _render_epochs(recipe, plan, (t_axis, tau_axis), staging, report)
        for path, writer in also:
            staging.add(path, writer)
        return staging.commit()


def _render_epochs(recipe: Recipe, plan: SeriesPlan, limits, staging: Staging, report: Progress) -> None:
    """Every epoch rendered with the shared limits into the staging, then the strip."""
    epochs, names, outputs, strip_path = plan.epochs, plan.names, plan.outputs, plan.strip
    t_axis, tau_axis = limits
    shared = tuple(
        f"{a.source} over {len(epochs)} images" if a.source != "given" else "given"
        for a in (t_axis, tau_axis)
    )
    frames: list[Panel] = []
    last: Composite | None = None
    for index, (epoch, name) in enumerate(zip(epochs, names, strict=True)):
        fixed = epoch.replace(t_limits=(t_axis.low, t_axis.high), tau_limits=(tau_axis.low, tau_axis.high))
        prepared = prepare_recipe(epoch)
        composite = prepared.finish(fixed.absolute(), recipe=fixed, limits_source=(shared[0], shared[1]))
        del prepared
        fits_prefix = plan.fits_prefix(name)
        composite.save(outputs[index], fits_prefix=fits_prefix, recipe=fixed, staging=staging)
        if strip_path is not None:
            frames.append(_strip_frame(composite, recipe, name))
        last = composite
        report(len(epochs) + index + 1, 2 * len(epochs), f"rendered {name}")
    if strip_path is not None and last is not None:
        staging.add(strip_path, _strip_writer(frames, last, recipe, t_axis, tau_axis))


def _shared_limits(recipe: Recipe, epochs: list[Recipe], names: list[str], report: Progress):
    """The axis limits of the whole series: given, or percentiles of every epoch's pooled disc sample."""
    pooled_t, pooled_tau = [], []
    for index, (epoch, name) in enumerate(zip(epochs, names, strict=True)):
        prepared = prepare_recipe(epoch)
        t, tau = prepared.usable_sample()
        pooled_t.append(subsample(t, None, max_samples=POOLED_SAMPLES))
        pooled_tau.append(subsample(tau, None, max_samples=POOLED_SAMPLES))
        del prepared
        report(index + 1, 2 * len(epochs), f"sampling {name}")
    t_axis, tau_axis = axes_limits(recipe, np.concatenate(pooled_t), np.concatenate(pooled_tau))
    return t_axis, tau_axis


def _strip_frame(composite: Composite, recipe: Recipe, name: str) -> Panel:
    look = recipe.replace(key=False, title=None, credit=None, caption=None, sheet=False, size=None).look
    image = resample(picture(composite, look), recipe.size or STRIP_FRAME)
    date = composite.temperature_band.date_obs
    return Panel(image, f"{name} · {date[:16].replace('T', ' ')}" if date else name)


def _strip_writer(
    frames: list[Panel],
    composite: Composite,
    recipe: Recipe,
    t_axis: AxisLimits,
    tau_axis: AxisLimits,
) -> Callable[[Any], object]:
    """The writer of the strip: every epoch side by side under one key (PNG)."""
    look = recipe.look
    shared = dataclasses.replace(composite, t_limits=t_axis, tau_limits=tau_axis)
    strip = page(
        frames,
        key=key_spec(shared, look) if look.key else None,
        key_size=look.key_size,
        key_position=look.key_position,
        title=look.title,
        caption=caption_of(shared, look) if look.caption != "auto" else None,
        credit=look.credit,
        background=background_of(composite, look),
    )
    text = {"Software": f"falsecolor {__version__}", "Title": look.title or "time series"}
    data = encode_png(strip, text=text, compress_level=recipe.compress_level)
    return lambda fh: fh.write(data)
