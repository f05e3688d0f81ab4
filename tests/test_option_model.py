"""The one option model: every front end accepts the same values, checks them the same way, and a
recipe written by a run makes that run's picture again.

- a property test (hypothesis): random valid option sets given on the command line, then
  ``render recipe.toml`` with the recipe that run wrote, then ``render --from-image``, give the
  same pixels; and the TOML dump of a random recipe reads back equal;
- every option's bounds are enforced identically on the command line, in a recipe file, in an
  image's embedded recipe and in Python keywords, before any work;
- the command line, the TOML tables, ``render()``'s keywords and ``--help`` are all derived from
  the declarations (none is missing from any front end);
- version-1 recipes (the gallery's) still load.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import falsecolor
from falsecolor.cli import main
from falsecolor.exceptions import OptionError, RecipeError
from falsecolor.recipe import OPTIONS, SECTIONS, BandInput, Recipe, load_recipe, parse_recipe
from falsecolor.recipe._kinds import Choice, Flag, Integer, Limb, Number, Pair, Text

SOME = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
BY_NAME = {o.name: o for o in OPTIONS}

# -- random valid option sets -------------------------------------------------------------------

_TEXT = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_categories=["Cc", "Cs"]), max_size=24
)


def _pair(low: float, high: float) -> st.SearchStrategy:
    return st.tuples(st.floats(low, high), st.floats(low, high)).filter(lambda p: p[0] < p[1] - 1e-3)


#: The options a random render sets, each with values valid for the demo (a disc image, no files).
_STRATEGIES: dict[str, st.SearchStrategy] = {
    "subtract_sky": st.booleans(),
    "limb_correction": st.sampled_from(["none", "auto", "fit", 0.25]),
    "cloud_limb_correction": st.sampled_from(["none", "fit", 0.3]),
    "mu_min": st.floats(0.05, 0.5),
    "limb_fade": st.booleans(),
    "uncertainty": st.sampled_from(["5%", 0.02, "3%"]),
    "clear_sky": st.sampled_from(["250K", "240 K", "260K"]),
    "clear_percentile": st.floats(50.0, 100.0),
    "orientation": st.sampled_from(["north", "sky"]),
    "site": st.sampled_from(["paranal", "mauna kea", "geocentre"]),
    "coalign": st.booleans(),
    "project": st.sampled_from(["none", "map"]),
    "map_resolution": st.sampled_from([2.0, 3.0, 6.0]),
    "palette": st.sampled_from(falsecolor.list_palettes()),
    "t_limits": _pair(90.0, 160.0),
    "tau_limits": _pair(0.0, 6.0),
    "t_percentiles": _pair(0.0, 100.0),
    "tau_percentiles": _pair(0.0, 100.0),
    "title": _TEXT,
    "credit": _TEXT,
    "caption": st.one_of(_TEXT, st.just("auto")),
    "key": st.booleans(),
    "key_position": st.sampled_from(["right", "left", "bottom"]),
    "key_size": st.floats(0.05, 2.0),
    "background": st.sampled_from(["black", "#102030", "white", "#00000000"]),
    "north_arrow": st.booleans(),
    "km_per_pixel": st.floats(10.0, 5000.0),
    "north_angle": st.floats(-360.0, 360.0),
    "temperature_label": _TEXT,
    "cloud_label": _TEXT,
    "sheet": st.booleans(),
    "size": st.integers(48, 200),
    "dpi": st.floats(1.0, 100000.0),
    "compress_level": st.integers(0, 9),
    "t_stretch": st.sampled_from(["linear", "sqrt", "asinh", "log"]),
    "tau_stretch": st.sampled_from(["linear", "sqrt", "asinh", "log"]),
}


@st.composite
def option_sets(draw) -> dict:
    names = draw(st.lists(st.sampled_from(sorted(_STRATEGIES)), unique=True, max_size=8))
    chosen = {name: draw(_STRATEGIES[name]) for name in names}
    if chosen.get("project") == "map":  # a map has no disc for marks or limb fades
        for name in ("north_arrow", "limb_fade"):
            chosen.pop(name, None)
    return chosen


def _words(value) -> list[str]:
    if isinstance(value, tuple):
        return [repr(v) for v in value]
    return [repr(value) if isinstance(value, float) else str(value)]


def _argv(options: dict) -> list[str]:
    """The command line that sets ``options`` (flags from the declarations)."""
    argv = []
    for name, value in options.items():
        declaration = BY_NAME[name]
        if isinstance(declaration.kind, Flag):
            argv.append(declaration.flag if value else "--no-" + declaration.flag[2:])
        elif isinstance(value, str) and value.startswith("-"):  # as a user writes it: --caption=-:
            argv.append(f"{declaration.flag}={value}")
        else:
            argv += [declaration.flag, *_words(value)]
    return argv


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


@SOME
@given(options=option_sets(), size=st.sampled_from([48, 64, 80]))
def test_a_run_is_made_again_from_its_recipe_and_from_its_image(tmp_path_factory, options, size):
    folder = tmp_path_factory.mktemp("run")
    first, recipe = folder / "a.png", folder / "a.toml"
    argv = ["render", "--demo", "--demo-size", str(size), *_argv(options), "-q"]
    assert main([*argv, "-o", str(first), "--recipe-out", str(recipe)]) == 0, argv
    again, from_image = folder / "b.png", folder / "c.png"
    assert main(["render", str(recipe), "-o", str(again), "-q"]) == 0
    assert main(["render", "--from-image", str(first), "-o", str(from_image), "-q"]) == 0
    picture = _pixels(first)
    assert np.array_equal(_pixels(again), picture), argv
    assert np.array_equal(_pixels(from_image), picture), argv
    written = load_recipe(recipe)
    for name, value in options.items():  # the recipe holds what was asked, in canonical form
        assert getattr(written, name) == BY_NAME[name].kind.check(value), name


@SOME
@given(options=option_sets())
def test_a_recipe_written_as_toml_reads_back_equal(options):
    recipe = Recipe(demo=64, **options)
    assert parse_recipe(recipe.to_toml()) == recipe


def test_python_keywords_make_the_command_lines_picture(tmp_path):
    options = {"t_limits": (118.0, 136.0), "palette": "visir-dark", "title": "T", "key_position": "bottom"}
    assert (
        main(["render", "--demo", "--demo-size", "64", *_argv(options), "-o", str(tmp_path / "a.png")]) == 0
    )
    composite = falsecolor.pipeline.render_demo(64, **options)
    composite.save(tmp_path / "b.png")
    assert np.array_equal(_pixels(tmp_path / "a.png"), _pixels(tmp_path / "b.png"))


# -- one check, every front end ------------------------------------------------------------------


def _outside(declaration):
    """A value outside the option's bounds, or None when every value of its type is valid."""
    kind = declaration.kind
    if isinstance(kind, Number):
        if kind.high is not None:
            return kind.high + 1.0
        return (kind.above if kind.above is not None else kind.low) - 1.0
    if isinstance(kind, Integer):
        return (kind.high + 1) if kind.high is not None else kind.low - 1
    if isinstance(kind, Pair):
        low = kind.above if kind.above is not None else (kind.low if kind.low is not None else 0.0)
        return (low - 2.0, low - 1.0) if kind.low is not None or kind.above is not None else None
    if isinstance(kind, Choice):
        return "sideways"
    if isinstance(kind, Limb):
        return 7.5
    if isinstance(kind, Text):
        return "x" * (kind.longest + 1)
    return None


BOUNDED = [o for o in OPTIONS if o.flag and o.section != "inputs" and _outside(o) is not None]


@pytest.mark.parametrize("declaration", BOUNDED, ids=[o.name for o in BOUNDED])
def test_every_bound_is_the_same_on_the_command_line_in_recipes_images_and_python(
    tmp_path, capsys, declaration
):
    bad = _outside(declaration)
    with pytest.raises(OptionError) as python:
        Recipe(**{declaration.name: bad})
    problem = python.value.problem
    out = tmp_path / "x.png"
    assert (
        main(["render", "--demo", "--demo-size", "64", *_argv({declaration.name: bad}), "-o", str(out)]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{declaration.flag} " in err and problem in err, err
    text = Recipe(demo=64).to_dict()
    text.setdefault(declaration.section, {})[declaration.key] = list(bad) if isinstance(bad, tuple) else bad
    import tomli_w

    recipe = tmp_path / "r.toml"
    recipe.write_text(tomli_w.dumps(text))
    with pytest.raises(RecipeError, match=f"{declaration.section}.{declaration.key}: ") as from_file:
        load_recipe(recipe)
    assert problem in str(from_file.value)
    assert main(["render", str(recipe), "-o", str(out)]) == 2
    assert problem in capsys.readouterr().err
    with pytest.raises(RecipeError) as embedded:
        parse_recipe(recipe.read_text(), source="picture.png (embedded recipe)")
    assert problem in str(embedded.value) and "embedded recipe" in str(embedded.value)
    if declaration.name not in ("files", "fits", "strip", "demo"):
        jupiter = falsecolor.synthetic_jupiter((48, 48))
        with pytest.raises(OptionError, match=f"{declaration.name}="):
            falsecolor.render(jupiter.temperature_band, jupiter.cloud_band, **{declaration.name: bad})
    assert not out.exists()


# -- every front end is derived from the declarations ------------------------------------------


def test_every_option_is_in_every_front_end():
    from falsecolor.cli import build_parser

    _, commands = build_parser()
    flags = {s for action in commands["render"]._actions for s in action.option_strings}
    parameters = inspect.signature(falsecolor.render).parameters
    for declaration in OPTIONS:
        assert SECTIONS[declaration.section][declaration.key] == declaration
        if declaration.name not in ("temperature", "cloud", "opacity", "aerosol"):
            assert declaration.flag in flags, declaration.name
        not_for_render = declaration.name in ("files", "fits", "strip", "demo")  # it writes nothing
        assert (declaration.name in parameters) != not_for_render, declaration.name
    for declaration in falsecolor.recipe.declared(BandInput)[1:]:
        for scope_flags in (declaration.band_flags or {}).values():
            assert set(scope_flags) <= flags, declaration.name


def test_help_shows_each_default_once(capsys):
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default 0.2)" in text and "(default 99.5)" in text and "(default visir)" in text
    assert "(default 2 98)" in text and "(default 4)" in text and "(default on)" in text


def test_gallery_recipes_of_version_1_still_load():
    gallery = Path(os.environ.get("FALSECOLOR_GALLERY", Path(__file__).resolve().parents[1] / "gallery"))
    recipes = sorted((gallery / "recipes").glob("*.toml"))
    if not recipes:
        pytest.skip("no gallery beside the tests")
    for path in recipes:
        recipe = load_recipe(path)
        assert parse_recipe(recipe.to_toml(), base=path.parent) == recipe, path.name


# -- data that carries its identity, outputs named once ------------------------------------------


def test_an_unknown_filter_is_warned_about_once_per_band(jupiter, recwarn):
    from falsecolor.exceptions import FalsecolorWarning

    band = jupiter.temperature_band.replace(filter_name="MYSTERY")
    composite = falsecolor.render(band, jupiter.cloud_band, uncertainty="5%", limb_correction="auto")
    messages = [str(w.message) for w in recwarn if issubclass(w.category, FalsecolorWarning)]
    assert sum("unknown filter 'MYSTERY'" in m for m in messages) == 1, messages
    assert composite.temperature_band.spectral.label == "13.04 µm"  # its wavelength, monochromatic
    assert composite.cloud_quantity.kind == "opacity" and composite.cloud_axis == "cloud opacity τ"


def test_one_file_named_twice_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = ["render", "--demo", "--demo-size", "64"]
    assert main([*demo, "-o", "a.png", "-o", "./a.png"]) == 2
    assert "a.png is named twice" in capsys.readouterr().err and not (tmp_path / "a.png").exists()
    assert main([*demo, "-o", "a.png", "--fits-out", "p", "--recipe-out", "p_opacity.fits"]) == 2
    assert "p_opacity.fits is named twice" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_two_epochs_with_one_name_are_refused_before_any_work(tmp_path, capsys):
    from falsecolor.bands import band_to_hdu

    jupiter = falsecolor.synthetic_jupiter((64, 64))
    for parent in ("night1", "night2"):
        epoch = tmp_path / parent / "e1"
        epoch.mkdir(parents=True)
        band_to_hdu(jupiter.temperature_band).writeto(epoch / "T.fits")
        band_to_hdu(jupiter.cloud_band).writeto(epoch / "M.fits")
    recipe = tmp_path / "r.toml"
    recipe.write_text('version = 1\n[inputs]\ntemperature = "T.fits"\ncloud = "M.fits"\n')
    out = tmp_path / "out"
    out.mkdir()
    argv = ["render", str(recipe), "--inputs", str(tmp_path / "night*" / "e1"), "-o", str(out / "{name}.png")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "e1.png is named twice" in err
    assert list(out.iterdir()) == []


# -- files named in a recipe or on the command line, from where they were named -------------------


def test_a_recipe_elsewhere_finds_its_palette_and_a_cli_curve_is_found_from_here(tmp_path, monkeypatch):
    """A palette a recipe names is beside the recipe; a filter curve on the command line, beside the user."""
    import shutil

    from falsecolor.bands import band_to_hdu

    data, work, out = tmp_path / "data", tmp_path / "work", tmp_path / "out" / "recipes"
    for folder in (data, work, out):
        folder.mkdir(parents=True)
    jupiter = falsecolor.synthetic_jupiter((64, 64))
    band_to_hdu(jupiter.temperature_band).writeto(data / "T.fits")
    band_to_hdu(jupiter.cloud_band).writeto(data / "M.fits")
    shutil.copy(Path(falsecolor.get_palette("peak").source), data / "mine.toml")
    monkeypatch.chdir(work)
    argv = ["render", "-t", "../data/T.fits", "-c", "../data/M.fits", "--palette", "../data/mine.toml", "-q"]
    assert main([*argv, "-o", str(out / "a.png"), "--recipe-out", str(out / "r.toml")]) == 0
    monkeypatch.chdir(tmp_path)  # run it from elsewhere: the palette is found beside the recipe
    assert main(["render", str(out / "r.toml"), "-o", "b.png", "-q"]) == 0
    assert main(["render", "--from-image", str(out / "a.png"), "-o", "c.png", "-q"]) == 0
    assert np.array_equal(_pixels(tmp_path / "b.png"), _pixels(out / "a.png"))
    assert np.array_equal(_pixels(tmp_path / "c.png"), _pixels(out / "a.png"))
    curve = tmp_path / "curve.csv"  # a curve given on the command line, beside the user
    curve.write_text("wavelength,transmission\n12.8,0\n12.9,1\n13.2,1\n13.3,0\n")
    assert main(["render", str(out / "r.toml"), "--filter", "curve.csv", "-o", "d.png", "-q"]) == 0


def test_band_options_of_render_are_named_as_render_takes_them(jupiter, tmp_path):
    from falsecolor.bands import band_to_hdu

    band_to_hdu(jupiter.temperature_band).writeto(tmp_path / "T.fits")
    with pytest.raises(OptionError, match=r"cloud_options\['plane'\]=-1: must be >= 0"):
        falsecolor.render(tmp_path / "T.fits", tmp_path / "T.fits", cloud_options={"plane": -1})
    with pytest.raises(OptionError, match=r"plain.*not a read option"):
        falsecolor.render(tmp_path / "T.fits", tmp_path / "T.fits", cloud_options={"plain": 1})
    with pytest.raises(OptionError, match=r"temperature_options.*needs a unit, e\.g\. 13um"):
        falsecolor.render(tmp_path / "T.fits", tmp_path / "T.fits", temperature_options={"wavelength": 13})
    with pytest.raises(TypeError, match="unexpected keyword 'title'"):
        falsecolor.pipeline.prepare(
            jupiter.temperature_band, jupiter.cloud_band, title="x"
        )  # prepare() draws nothing


def test_values_are_the_same_on_the_command_line_and_in_recipes(tmp_path):
    from falsecolor.recipe import BandInput

    assert Recipe(size=100.0).size == 100 and Recipe(limb_correction="AUTO").limb_correction == "auto"
    assert BandInput("a", hdu="1.0").hdu == 1 and BandInput("a", hdu=1.0).hdu == 1
    assert (
        main(["render", "--demo", "--demo-size", "64", "--size", "100.0", "-o", str(tmp_path / "a.png")]) == 0
    )
    with pytest.raises(OptionError, match="needs a unit"):
        BandInput("a", wavelength=4.8)
    with pytest.raises(OptionError, match=r"a fraction must be within 0\.\.1"):
        Recipe(uncertainty="2")


def test_a_recipe_of_two_options_that_clash_names_the_key_to_fix(tmp_path):
    recipe = tmp_path / "e.toml"
    recipe.write_text('version = 1\n[inputs]\ndemo = 64\n[geometry]\nproject = "disc"\n')
    with pytest.raises(RecipeError, match=r"e.toml:4: geometry.view_time: a disc view of a map needs"):
        load_recipe(recipe)


def test_a_built_in_palette_object_is_recorded_by_name_and_numpy_numbers_are_numbers(jupiter):
    composite = falsecolor.render(
        jupiter.temperature_band,
        jupiter.cloud_band,
        palette=falsecolor.get_palette("visir-dark"),
        uncertainty=np.float32(0.05),
    )
    assert composite.recipe.palette == "visir-dark" and composite.recipe.uncertainty == pytest.approx(0.05)
    assert composite.temperature_error is not None


def test_save_takes_the_picture_and_file_options_only(jupiter, tmp_path):
    composite = falsecolor.render(jupiter.temperature_band, jupiter.cloud_band)
    with pytest.raises(OptionError, match="t_limits: not an option of save"):
        composite.save(tmp_path / "a.png", t_limits=(120, 130))
    with pytest.raises(TypeError, match="save\\(\\) writes the files it is given"):
        composite.save(tmp_path / "a.png", files=["b.png"])


def test_messages_from_worker_threads_name_options_as_the_caller_does():
    from falsecolor import _blocks
    from falsecolor._messages import option
    from falsecolor.cli._options import cli_spelling
    from falsecolor.recipe import spelled_by

    seen = []

    def work(*arrays):
        seen.append(option("mu_min", 2))

    with spelled_by(cli_spelling):
        _blocks.map_blocks(work, [np.zeros((4, 4))], [np.zeros((4, 4))])
    assert seen and set(seen) == {"--mu-min 2"}
