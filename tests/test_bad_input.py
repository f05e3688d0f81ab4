"""Bad input ends with exit status 2, one line on stderr, no output file, inputs untouched."""

import hashlib

import numpy as np
import pytest
from astropy.io import fits

from falsecolor.cli import main


def _digest(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def _fits(path, data, **cards):
    hdu = fits.PrimaryHDU(np.asarray(data, dtype=np.float32))
    for key, value in cards.items():
        hdu.header[key] = value
    hdu.writeto(path)
    return path


@pytest.fixture
def files(tmp_path, band_files):
    t, c = band_files["temperature"], band_files["cloud"]
    image = fits.getdata(t)
    made = {
        "good_t": t,
        "good_c": c,
        "text": tmp_path / "notes.fits",
        "empty": tmp_path / "empty.fits",
        "truncated": tmp_path / "truncated.fits",
        "header_only": tmp_path / "header.fits",
        "badunit": _fits(tmp_path / "badunit.fits", image, BUNIT="bananas"),
        "nowave": _fits(tmp_path / "nowave.fits", image, BUNIT="W m-2 sr-1 um-1"),
        "badfilter": _fits(tmp_path / "badfilter.fits", image, BUNIT="W m-2 sr-1 um-1", FILTER="NOTAFILTER"),
        "small": _fits(tmp_path / "small.fits", image[:100, :120], BUNIT="W m-2 sr-1 um-1", FILTER="M-BAND"),
        "nan": _fits(
            tmp_path / "nan.fits", np.full(image.shape, np.nan), BUNIT="W m-2 sr-1 um-1", FILTER="NEII_2"
        ),
        "negative": _fits(
            tmp_path / "negative.fits",
            -np.abs(fits.getdata(c)) - 1e-3,
            BUNIT="W m-2 sr-1 um-1",
            FILTER="M-BAND",
        ),
        "zeros": _fits(
            tmp_path / "zeros.fits", np.zeros(image.shape), BUNIT="W m-2 sr-1 um-1", FILTER="NEII_2"
        ),
    }
    made["text"].write_text("SIMPLE? no, just text\n" * 100)
    made["empty"].write_bytes(b"")
    made["truncated"].write_bytes(t.read_bytes()[: 2880 + 10000])
    fits.PrimaryHDU().writeto(made["header_only"])
    return made


CASES = {
    "missing file": (["-t", "{missing}", "-c", "{good_c}"], "does not exist"),
    "not FITS": (["-t", "{text}", "-c", "{good_c}"], "not a FITS file"),
    "empty file": (["-t", "{good_t}", "-c", "{empty}"], "empty"),
    "truncated FITS": (["-t", "{truncated}", "-c", "{good_c}"], "truncated"),
    "no image HDU": (["-t", "{header_only}", "-c", "{good_c}"], "no image HDU"),
    "unknown unit": (["-t", "{badunit}", "-c", "{good_c}"], "--unit"),
    "no wavelength": (["-t", "{nowave}", "-c", "{good_c}"], "--wavelength"),
    "unknown filter": (["-t", "{badfilter}", "-c", "{good_c}"], "--filter"),
    "shapes differ": (["-t", "{good_t}", "-c", "{small}"], "differ in shape"),
    "all-NaN temperature": (["-t", "{nan}", "-c", "{good_c}"], "no usable pixel"),
    "zero temperature band": (["-t", "{zeros}", "-c", "{good_c}"], "no usable pixel"),
    "negative 5 um radiance": (["-t", "{good_t}", "-c", "{negative}"], "no positive"),
    "bad unit option": (
        ["-t", "{good_t}", "-c", "{good_c}", "--t-unit", "parsecs per gloop"],
        "unknown unit",
    ),
    "bad wavelength option": (["-t", "{nowave}", "-c", "{good_c}", "--t-wavelength", "13"], "needs a unit"),
    "unknown palette": (["-t", "{good_t}", "-c", "{good_c}", "--palette", "rainbow"], "unknown palette"),
    "bad limits": (["-t", "{good_t}", "-c", "{good_c}", "--t-limits", "130", "130"], "limits"),
    "bad background": (["-t", "{good_t}", "-c", "{good_c}", "--background", "plaid"], "colour"),
    "no cloud axis": (["-t", "{good_t}"], "--cloud"),
    "demo and files": (["--demo", "-t", "{good_t}", "-c", "{good_c}"], "--demo uses"),
    "missing required output": (None, "give -o FILE"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_render_bad_input(case, files, tmp_path, capsys):
    arguments, message = CASES[case]
    out = tmp_path / "out.png"
    before = _digest(list(files.values()))
    names = {**{k: str(v) for k, v in files.items()}, "missing": str(tmp_path / "missing.fits")}
    if arguments is None:
        argv = ["render", "-t", names["good_t"], "-c", names["good_c"]]
    else:
        argv = ["render", *(a.format(**names) for a in arguments), "-o", str(out)]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.glob("*.part")] == []
    assert _digest(list(files.values())) == before


@pytest.mark.parametrize("target", ["missing_dir", "directory", "input", "fits_onto_input"])
def test_unwritable_outputs(target, files, tmp_path, capsys):
    temperature = tmp_path / "x_temperature.fits"  # also the name of a --fits-out x product
    temperature.write_bytes(files["good_t"].read_bytes())
    (tmp_path / "cloud_link.png").symlink_to(files["good_c"])  # a .png name for an input
    inputs = [temperature, files["good_c"]]
    before = _digest(inputs)
    base = ["render", "-t", str(temperature), "-c", str(files["good_c"])]
    argv = (
        base
        + {
            "missing_dir": ["-o", str(tmp_path / "no" / "such" / "dir" / "out.png")],
            "directory": ["-o", str(tmp_path)],
            "input": ["-o", str(tmp_path / "cloud_link.png")],
            "fits_onto_input": ["-o", str(tmp_path / "ok.png"), "--fits-out", str(tmp_path / "x")],
        }[target]
    )
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    expected = {
        "missing_dir": "does not exist",
        "directory": "is a directory",
        "input": "one of the inputs",
        "fits_onto_input": "one of the inputs",
    }[target]
    assert expected in err
    assert not (tmp_path / "ok.png").exists() and not (tmp_path / "x_opacity.fits").exists()
    assert _digest(inputs) == before


def test_read_only_location(files, capsys):
    code = main(
        ["render", "-t", str(files["good_t"]), "-c", str(files["good_c"]), "-o", "/proc/falsecolor.png"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err


def test_info_bad_files(files, capsys):
    assert main(["info", str(files["text"])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a FITS file" in err
    assert main(["info", str(files["good_t"]), str(files["empty"])]) == 2
    captured = capsys.readouterr()
    assert "empty" in captured.err and "on disc" in captured.out
