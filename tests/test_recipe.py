"""Recipes: TOML round trip, validation naming key and line, runs, re-render from an image, time series."""

import numpy as np
import pytest
from PIL import Image

from falsecolor import Recipe, load_recipe, render
from falsecolor.cli import main
from falsecolor.exceptions import RecipeError
from falsecolor.pipeline import RECIPE_KEY, recipe_from_image, render_batch, render_recipe
from falsecolor.recipe import BandInput, parse_recipe

FULL = """\
version = 1

[inputs]
temperature = { path = "T13.fits", filter = "NEII_2", hdu = 0 }
cloud = "M5.fits"

[calibration]
limb_correction = "none"
clear_sky = "250K"

[axes]
palette = "visir-dark"
t_limits = [120, 135]
tau_limits = [0.0, 4.5]

[annotations]
title = "Jupiter"
credit = "ESO"
caption = "auto"
key_position = "bottom"
key_size = 0.5
scale_bar = true
sheet = true

[output]
files = ["out/j.png", "out/j.tif"]
fits = "out/j"
size = 600
dpi = 300
compress_level = 6
"""


def _decode(path):
    with Image.open(path) as image:
        return np.asarray(image), dict(image.info)


def test_full_recipe_parses_and_round_trips(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(FULL)
    recipe = load_recipe(path)
    assert recipe.base == tmp_path.resolve()
    assert recipe.temperature == BandInput("T13.fits", filter="NEII_2", hdu=0)
    assert recipe.cloud == BandInput("M5.fits") and recipe.opacity is None
    assert recipe.t_limits == (120.0, 135.0) and isinstance(recipe.t_limits[0], float)
    assert recipe.clear_sky == "250K" and recipe.palette == "visir-dark"
    assert recipe.key_position == "bottom" and recipe.scale_bar and recipe.sheet
    assert recipe.files == ("out/j.png", "out/j.tif") and recipe.size == 600 and recipe.compress_level == 6
    again = parse_recipe(recipe.to_toml(), base=tmp_path)
    assert again == recipe
    assert recipe.resolve("T13.fits") == tmp_path.resolve() / "T13.fits"


def test_rebasing_keeps_the_same_files(tmp_path):
    recipe = Recipe(temperature=BandInput("data/T.fits"), cloud=BandInput("/abs/M.fits"), palette="my.toml",
                    files=("out.png",), base=tmp_path)  # fmt: skip
    moved = recipe.rebased(tmp_path / "elsewhere" / "deep")
    assert moved.temperature.path == "../../data/T.fits" and moved.cloud.path == "/abs/M.fits"
    assert moved.palette == "../../my.toml" and moved.files == ("../../out.png",)
    assert moved.resolve(moved.temperature.path).resolve() == (tmp_path / "data/T.fits").resolve()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[axes]", "[axes]\ncolour = 1"), r"r.toml:12: axes.colour: unknown key; allowed: palette"),
        (
            ("t_limits = [120, 135]", "t_limits = [135, 120]"),
            r"r.toml:13: axes.t_limits: needs the first value below the second, got 135 120",
        ),
        (("t_limits = [120, 135]", "t_limits = [120]"), r"r.toml:13: axes.t_limits: must hold 2 values"),
        (
            ("t_limits = [120, 135]", 't_limits = ["a", 1]'),
            r"r.toml:13: axes.t_limits: must be a number, got 'a'",
        ),
        (("size = 600", "size = 5"), r"r.toml:28: output.size: must be within 16..16384, got 5"),
        (("size = 600", "size = 600.5"), r"r.toml:28: output.size: must be a whole number, got 600.5"),
        (
            ("scale_bar = true", 'scale_bar = "yes"'),
            r"r.toml:22: annotations.scale_bar: must be true or false",
        ),
        (('key_position = "bottom"', 'key_position = "top"'), r"r.toml:20: annotations.key_position: 'top'"),
        (('limb_correction = "none"', 'limb_correction = "up"'), r"r.toml:8: calibration.limb_correction"),
        (("filter = ", "colour = "), r"r.toml:4: inputs.temperature.colour: unknown key"),
        (
            ('cloud = "M5.fits"', 'cloud = "M5.fits"\nopacity = "t.fits"'),
            r"r.toml:6: inputs.opacity: give one cloud axis: cloud or opacity, not both",
        ),
        (("version = 1", "version = 2"), r"r.toml:1: version: this falsecolor reads recipe version 1"),
        (("[output]", "[outputs]"), r"r.toml:25: outputs: unknown key"),
        (
            ("compress_level = 6", "compress_level = true"),
            r"output.compress_level: must be a whole number, got True",
        ),
        (("dpi = 300", "dpi = nan"), r"output.dpi: must be a finite number, got nan"),
        (("[inputs]", "[inputs"), r"not valid TOML"),
        (("title = ", "title = 5 #"), r"r.toml:17: annotations.title: must be text, got 5"),
    ],
)
def test_bad_recipes_name_key_and_line(tmp_path, change, message):
    path = tmp_path / "r.toml"
    path.write_text(FULL.replace(*change, 1))
    with pytest.raises(RecipeError, match=message):
        load_recipe(path)


def test_hostile_recipe_files(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000)
    with pytest.raises(RecipeError, match=r"nested too deeply|not valid TOML|unknown key"):
        load_recipe(deep)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2 << 20))
    with pytest.raises(RecipeError, match="larger than"):
        load_recipe(big)
    with pytest.raises(RecipeError, match="does not exist"):
        load_recipe(tmp_path / "none.toml")
    with pytest.raises(RecipeError, match="is a directory"):
        load_recipe(tmp_path)
    evil = tmp_path / "evil.toml"
    evil.write_text("[annotations]\ntitle = \"__import__('os').system('false')\"\n")
    assert load_recipe(evil).title == "__import__('os').system('false')"  # data, never evaluated


def test_run_a_recipe_then_again_from_its_image(tmp_path, band_files):
    (tmp_path / "out").mkdir()
    recipe_path = tmp_path / "r.toml"
    recipe_path.write_text(
        FULL.replace("T13.fits", "temperature.fits")
        .replace("M5.fits", "cloud.fits")
        .replace("size = 600\n", "")
    )
    composite, written = render_recipe(recipe_path)
    assert [p.name for p in written] == ["j.png", "j.tif", "j_temperature.fits", "j_opacity.fits"]
    assert composite.palette.name == "visir-dark" and composite.t_limits.source == "given"
    info = _decode(tmp_path / "out/j.png")[1]
    embedded = parse_recipe(info[RECIPE_KEY], base=tmp_path / "out")
    assert embedded.temperature.path == "../temperature.fits" and embedded.files == ()
    # re-render from the image into the same folder: the same bytes
    again = recipe_from_image(tmp_path / "out/j.png")
    render_recipe(again, files=[tmp_path / "out/k.png"])
    assert (tmp_path / "out/k.png").read_bytes() == (tmp_path / "out/j.png").read_bytes()


def test_from_image_warns_when_an_input_changed(tmp_path, band_files):
    composite = render(band_files["temperature"], band_files["cloud"])
    composite.save(tmp_path / "j.png")
    size = band_files["cloud"].stat().st_size
    with band_files["cloud"].open("r+b") as fh:  # a different file under the same name
        fh.seek(size // 2)
        fh.write(b"\x3f\x80\x00\x00" * 4)
    with pytest.warns(UserWarning, match="differs from the file j.png was made from"):
        recipe_from_image(tmp_path / "j.png")


def test_images_without_a_recipe(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "plain.png")
    with pytest.raises(RecipeError, match="carries no falsecolor recipe"):
        recipe_from_image(tmp_path / "plain.png")


def _epochs(tmp_path, offsets=(0.0, 3.0, 6.0)):
    """Three epochs of a synthetic Jupiter, each warmer than the last (a uniform offset in K)."""
    from falsecolor import synthetic_jupiter
    from falsecolor.bands import Band, band_to_hdu

    jupiter = synthetic_jupiter((160, 160), grs_longitude=20.0)
    for index, offset in enumerate(offsets):
        folder = tmp_path / f"epoch{index}"
        folder.mkdir()
        kelvin = jupiter.temperature.value + offset
        band = Band(kelvin.astype(np.float32), jupiter.temperature.unit, filter_name="NEII_2")
        band_to_hdu(band).writeto(folder / "T.fits")
        band_to_hdu(jupiter.cloud_band).writeto(folder / "M.fits")
    recipe = tmp_path / "series.toml"
    recipe.write_text(
        '[inputs]\ntemperature = "T.fits"\ncloud = "M.fits"\n[output]\nfiles = ["out-{name}.png"]\n'
    )
    return recipe


def test_time_series_shares_limits(tmp_path, monkeypatch):
    recipe = _epochs(tmp_path)
    monkeypatch.chdir(tmp_path)
    steps = []
    written = render_batch(recipe, "epoch*", files=[tmp_path / "out-{name}.png"],
                           strip=tmp_path / "strip.png",
                           progress=lambda done, total, label: steps.append((done, total)))  # fmt: skip
    assert [p.name for p in written] == ["out-epoch0.png", "out-epoch1.png", "out-epoch2.png", "strip.png"]
    assert steps == [(i, 6) for i in range(1, 7)]
    recipes = [parse_recipe(_decode(p)[1][RECIPE_KEY]) for p in written[:3]]
    assert len({r.t_limits for r in recipes}) == 1 and len({r.tau_limits for r in recipes}) == 1
    # the same limits: a warmer epoch is drawn warmer (brighter), not re-stretched to look the same
    means = [_decode(p)[0][..., :3][_decode(p)[0][..., 3] > 0].mean() for p in written[:3]]
    assert means[0] < means[1] < means[2]
    strip = _decode(written[3])[0]
    assert strip.shape[1] > 3 * 160


def test_time_series_errors(tmp_path, monkeypatch):
    recipe = _epochs(tmp_path, offsets=(0.0,))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception, match="no directory matches"):
        render_batch(recipe, "nothing*")
    with pytest.raises(RecipeError, match="not the demo"):
        render_batch(Recipe(demo=64, files=("a.png",)), "epoch*")


# -- command line ------------------------------------------------------------------------------


def test_cli_recipe_out_then_run_it(tmp_path, band_files, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["render", "-t", "temperature.fits", "-c", "cloud.fits", "--t-limits", "120", "135",
            "--title", "J", "--caption", "auto", "-o", "a.png", "--recipe-out", "r.toml", "-q"]  # fmt: skip
    assert main(args) == 0
    recipe = load_recipe(tmp_path / "r.toml")
    assert recipe.temperature.path == "temperature.fits" and recipe.files == ("a.png",)
    assert main(["render", "r.toml", "-o", "b.png", "-q"]) == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    # options given with a recipe change it
    assert main(["render", "r.toml", "-o", "c.png", "--palette", "peak", "-q"]) == 0
    assert parse_recipe(_decode(tmp_path / "c.png")[1][RECIPE_KEY]).palette == "peak"
    assert main(["render", "--from-image", "a.png", "-o", "d.png", "-q"]) == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "d.png").read_bytes()
    capsys.readouterr()


def test_cli_time_series_with_progress(tmp_path, monkeypatch, capsys):
    _epochs(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["render", "series.toml", "--inputs", "epoch*/", "--strip", "strip.png"]) == 0
    captured = capsys.readouterr()
    assert "[6/6] rendered epoch2" in captured.err and "strip.png" in captured.out
    assert (tmp_path / "out-epoch1.png").is_file() and (tmp_path / "strip.png").is_file()


def test_cli_recipe_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[axes]\nt_limits = [1, 2, 3]\n")
    assert main(["render", str(bad), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.toml:2: axes.t_limits: must hold 2 values" in err
    assert main(["render", str(tmp_path / "none.toml"), "-o", str(tmp_path / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["render", "--demo", "--from-image", "x.png", "-o", str(tmp_path / "x.png")]) == 2
    assert "drop --from-image" in capsys.readouterr().err
    assert main(["render", "--demo", "--strip", "s.png", "-o", str(tmp_path / "x.png")]) == 2
    assert "--strip goes with --inputs" in capsys.readouterr().err
    assert main(["render", "--demo", "--print-width", "20cm", "-o", str(tmp_path / "x.png")]) == 2
    assert "needs --dpi" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.png"))


def test_cli_print_width_and_dpi(tmp_path):
    out = tmp_path / "p.png"
    assert main(["render", "--demo", "--demo-size", "64", "--no-key", "--dpi", "100", "--print-width", "2in",
                 "-o", str(out), "-q"]) == 0  # fmt: skip
    pixels, info = _decode(out)
    assert pixels.shape[:2] == (200, 200) and round(info["dpi"][0]) == 100


def test_cli_palettes_check_and_preview(tmp_path, capsys):
    assert main(["palettes", "--check", "visir", "peak"]) == 0
    out = capsys.readouterr().out
    assert "visir" in out and "peak: corners cold_clear and warm_clear look alike under deuteranopia" in out
    assert main(["palettes", "--check", "--json"]) == 0
    import json

    reports = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in reports} >= {"visir", "visir-cvd"} and reports[0]["lightness_monotonic"] == 1
    assert main(["palettes", "--preview", str(tmp_path), "visir", "visir-dark"]) == 0
    swatch, _ = _decode(tmp_path / "visir.png")
    assert swatch.shape[0] > 300 and swatch.shape[1] > 800
    assert (tmp_path / "visir-dark.png").is_file()
    assert main(["palettes", "--preview", str(tmp_path / "new"), "peak"]) == 0  # made when missing
    assert (tmp_path / "new" / "peak.png").is_file()
    assert main(["palettes", "--preview", str(tmp_path / "no" / "such")]) == 2
    assert "parent does not exist" in capsys.readouterr().err


def test_cli_recipe_out_never_replaces_an_input_or_an_output(tmp_path, band_files, capsys):
    before = band_files["temperature"].read_bytes()
    base = ["render", "-t", str(band_files["temperature"]), "-c", str(band_files["cloud"])]
    assert main([*base, "-o", str(tmp_path / "t.png"), "--recipe-out", str(band_files["temperature"])]) == 2
    assert "one of the inputs" in capsys.readouterr().err
    assert main([*base, "-o", str(tmp_path / "x.png"), "--recipe-out", str(tmp_path / "x.png")]) == 2
    assert "is named twice" in capsys.readouterr().err
    assert band_files["temperature"].read_bytes() == before
    assert not (tmp_path / "t.png").exists() and not (tmp_path / "x.png").exists()


def test_cli_absolute_inputs_stay_absolute_and_outputs_go_beside_the_recipe(tmp_path, band_files):
    out = tmp_path / "sub"
    out.mkdir()
    args = ["render", "-t", str(band_files["temperature"]), "-c", str(band_files["cloud"]),
            "-o", str(out / "a.png"), "--recipe-out", str(out / "r.toml"), "-q"]  # fmt: skip
    assert main(args) == 0
    recipe = load_recipe(out / "r.toml")
    assert recipe.temperature.path == str(band_files["temperature"]) and recipe.files == ("a.png",)
    assert main(["render", str(out / "r.toml"), "-q"]) == 0  # its outputs are inside its folder


def test_a_time_series_is_all_or_nothing_across_epochs(tmp_path, monkeypatch, capsys):
    """One epoch that fails leaves no frame of the new series (the old ones stay)."""
    _epochs(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["render", "series.toml", "--inputs", "epoch*/", "--strip", "strip.png", "-q"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.png")}
    assert {"out-epoch1.png", "out-epoch2.png", "strip.png"} <= set(before)
    cloud = tmp_path / "epoch2" / "M.fits"
    cloud.write_bytes(cloud.read_bytes()[:4000])  # the last epoch's cloud band is now truncated
    code = main(["render", "series.toml", "--inputs", "epoch*/", "--strip", "strip.png", "--palette", "peak"])
    assert code == 2 and "truncated" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in tmp_path.glob("*.png")}
    assert after == before  # epoch1's new frame was not written alone: one series, one colour scale
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]  # no temporaries
