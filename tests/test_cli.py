"""The command line, in process through main() and once as the installed console script."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from falsecolor import __version__
from falsecolor.cli import main


def decode(path):
    with Image.open(path) as image:
        return np.asarray(image)


def test_demo_renders_a_png_with_a_key(tmp_path, capsys):
    out = tmp_path / "jupiter.png"
    assert main(["render", "--demo", "--demo-size", "200", "-o", str(out)]) == 0
    picture = decode(out)
    assert picture.shape[0] >= 200 and picture.shape[1] > 300  # composite plus key
    assert "wrote" in capsys.readouterr().out


def test_render_files_with_options(tmp_path, band_files, capsys):
    out = tmp_path / "out.png"
    code = main(
        [
            "render",
            "--temperature",
            str(band_files["temperature"]),
            "--cloud",
            str(band_files["cloud"]),
            "-o",
            str(out),
            "--no-key",
            "--t-limits",
            "120",
            "135",
            "--tau-limits",
            "0",
            "4.5",
            "--palette",
            "visir-linear",
            "--fits-out",
            str(tmp_path / "prod"),
            "--background",
            "black",
            "-q",
        ]
    )
    assert code == 0 and capsys.readouterr().out == ""
    picture = decode(out)
    assert picture.shape == (256, 256, 3)  # opaque background: RGB
    assert (tmp_path / "prod_temperature.fits").is_file()
    assert (tmp_path / "prod_opacity.fits").is_file()


def test_render_title_and_credit_make_room(tmp_path, band_files):
    plain, titled = tmp_path / "a.png", tmp_path / "b.png"
    args = ["render", "-t", str(band_files["temperature"]), "-c", str(band_files["cloud"]), "-q"]
    assert main(args + ["-o", str(plain)]) == 0
    assert main(args + ["-o", str(titled), "--title", "Jupiter", "--credit", "ESO"]) == 0
    assert decode(titled).shape[0] > decode(plain).shape[0]


def test_per_band_overrides(tmp_path, band_files):
    out = tmp_path / "o.png"
    code = main(
        [
            "render",
            "-t",
            str(band_files["temperature"]),
            "-c",
            str(band_files["cloud"]),
            "--t-wavelength",
            "13.04um",
            "--cloud-filter",
            "M-BAND",
            "--clear-sky",
            "250K",
            "-o",
            str(out),
            "-q",
        ]
    )
    assert code == 0 and out.is_file()


def test_info_json_and_text(band_files, capsys):
    assert main(["info", str(band_files["temperature"]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shape"] == [256, 256] and report["filter"] == "NEII_2"
    assert report["kind"] == "radiance" and report["filter_known"] is True
    assert report["date_obs"].startswith("2016-02-15")
    assert 0.5 < report["on_disc_fraction"] < 0.8
    assert main(["info", str(band_files["temperature"]), str(band_files["cloud"])]) == 0
    text = capsys.readouterr().out
    assert "on disc" in text and "M-BAND" in text


def test_info_several_files_json_is_a_list(band_files, capsys):
    assert main(["info", "--json", str(band_files["temperature"]), str(band_files["cloud"])]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_palettes_and_filters(capsys):
    assert main(["palettes"]) == 0
    assert capsys.readouterr().out.startswith("visir")
    assert main(["palettes", "--json"]) == 0
    assert {p["name"] for p in json.loads(capsys.readouterr().out)} >= {"visir", "visir-linear"}
    assert main(["filters", "--json"]) == 0
    assert [f["name"] for f in json.loads(capsys.readouterr().out)][:2] == ["M-BAND", "J7.9"]


def test_help_and_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["render", "--help"])
    assert info.value.code == 0 and "--t-limits" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_debug_shows_the_traceback_and_keeps_the_status(tmp_path, capsys):
    assert main(["--debug", "info", str(tmp_path / "missing.fits")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("does not exist: check the path")


def _console_script():
    candidate = Path(sys.executable).with_name("falsecolor")
    return candidate if candidate.exists() else None


def _running_from_source() -> bool:
    import falsecolor

    return (Path(falsecolor.__file__).resolve().parents[1] / "pyproject.toml").is_file()


def test_installed_console_script(tmp_path):
    script = _console_script()
    if script is None:
        # An installed package (as in CI) must have its script; a bare source tree may not.
        assert _running_from_source(), "falsecolor is installed but its console script is missing"
        pytest.skip("running from a source tree without an installed console script")
    out = tmp_path / "jupiter.png"
    result = subprocess.run(
        [str(script), "render", "--demo", "--demo-size", "160", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert decode(out).shape[0] >= 160
    bad = subprocess.run(
        [str(script), "info", str(tmp_path / "nope.fits")], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_python_dash_m(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "falsecolor", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0 and __version__ in result.stdout


def test_debug_after_the_subcommand_and_hints_name_the_subcommand(tmp_path, capsys):
    assert main(["info", str(tmp_path / "missing.fits"), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--bogus", "render", "--demo", "-o", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert err.startswith("falsecolor: error: unrecognized arguments: --bogus")
    with pytest.raises(SystemExit) as info:
        main(["render", "--demo", "-o", str(tmp_path / "x.png"), "--bogus"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --bogus" in err and "falsecolor render --help" in err
    assert main(["render", "--t-limits", "abc", "120", "--demo", "-o", str(tmp_path / "x.png")]) == 2
    assert "--t-limits abc 120: 'abc' is not a number" in capsys.readouterr().err


def test_output_must_be_png_and_demo_takes_no_inputs(tmp_path, band_files, capsys):
    assert main(["render", "--demo", "-o", str(tmp_path / "x.gif")]) == 2
    assert ".png" in capsys.readouterr().err and not (tmp_path / "x.gif").exists()
    assert main(["render", "--demo", "--cloud", str(band_files["cloud"]), "-o", str(tmp_path / "d.png")]) == 2
    assert "drop --cloud" in capsys.readouterr().err


def test_size_and_summary(tmp_path, capsys):
    out = tmp_path / "small.png"
    assert main(["render", "--demo", "--demo-size", "200", "--size", "120", "--no-key", "-o", str(out)]) == 0
    assert decode(out).shape[:2] == (120, 120)
    printed = capsys.readouterr().out
    assert "temperature" in printed and "cloud opacity" in printed and printed.count("percentiles") == 2


def test_one_filter_of_a_multi_filter_file(tmp_path, band_files):
    text = ["2"]
    for centre in (766.75, 563.97):
        wavenumbers = np.linspace(centre - 8, centre + 8, 17)
        text += [str(centre), "17"] + [f"{k} 0.6" for k in wavenumbers]
    curves = tmp_path / "two.fil"
    curves.write_text("\n".join(text))
    out = tmp_path / "f.png"
    argv = [
        "render",
        "-t",
        str(band_files["temperature"]),
        "-c",
        str(band_files["cloud"]),
        "-q",
        "-o",
        str(out),
        "--filter",
    ]
    assert main([*argv, f"{curves}:13.04"]) == 0
    assert main([*argv, f"{curves}:two_13.04um"]) == 0
    assert main([*argv, str(curves)]) == 2  # several filters: must pick one


def test_fits_products_with_a_non_ascii_filter_file_name(tmp_path, band_files):
    lam = np.linspace(12.9, 13.2, 40)
    curve = tmp_path / "filtre_13µm.csv"
    curve.write_text("wavelength,transmission\n" + "\n".join(f"{a},1" for a in lam), encoding="utf-8")
    code = main(
        [
            "render",
            "-t",
            str(band_files["temperature"]),
            "-c",
            str(band_files["cloud"]),
            "--filter",
            str(curve),
            "-o",
            str(tmp_path / "p.png"),
            "--fits-out",
            str(tmp_path / "p"),
            "-q",
        ]
    )
    assert code == 0
    from astropy.io import fits

    assert fits.getheader(tmp_path / "p_temperature.fits")["FILTER"] == "filtre_13um.csv"


def test_a_closed_pipe_is_not_an_error(monkeypatch, capsys):
    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["filters"]) == 0
    monkeypatch.undo()
    assert "internal error" not in capsys.readouterr().err


def test_limits_and_size_are_checked(tmp_path, capsys):
    out = str(tmp_path / "x.png")
    assert main(["render", "--demo", "--demo-size", "64", "-o", out, "--t-limits", "-5", "120"]) == 2
    assert "positive" in capsys.readouterr().err
    assert main(["render", "--demo", "--demo-size", "64", "-o", out, "--tau-limits", "-1", "4"]) == 2
    assert "--tau-limits -1 4: must be >= 0" in capsys.readouterr().err
    assert main(["render", "--demo", "--demo-size", "64", "-o", out, "--size", "100000"]) == 2
    assert "16..16384" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
