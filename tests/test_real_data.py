"""The tool on the real files in ../shared/data (skipped when the folder is absent)."""

import json

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from falsecolor import read_band, render
from falsecolor.cli import main

pytestmark = pytest.mark.realdata


def test_info_reads_every_real_fits_file(data_dir, capsys):
    """Every file gets a report; damaged ones are explained, none crashes."""
    paths = sorted(p for p in data_dir.rglob("*") if p.name.endswith((".fits", ".fits.gz")))
    assert len(paths) > 50
    for path in paths:
        code = main(["info", "--json", str(path)])
        captured = capsys.readouterr()
        assert code == 0, (path, captured.err)
        report = json.loads(captured.out)
        assert report["shape"] and 0.0 <= report["on_disc_fraction"] <= 1.0


def test_info_explains_the_byte_swapped_irtf_files(data_dir, capsys):
    path = next((data_dir / "irtf_1987").glob("*.fits"))
    assert main(["info", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert any("byte-swapped" in note for note in report["notes"])
    assert report["max"] < 5000  # read swapped, the counts are plausible


def test_all_zero_5um_map_is_a_clear_error(data_dir, tmp_path, capsys):
    epoch = data_dir / "texes_irtf" / "2025feb"
    temperature = next(epoch.glob("texesspx_744/*.fits"))
    cloud = next(epoch.glob("texesspx_2144/*.fits"))  # the 4.7 um map is all zeros
    out = tmp_path / "out.png"
    code = main(
        [
            "render",
            "-t",
            str(temperature),
            "-c",
            str(cloud),
            "--cloud-unit",
            "K",
            "--cloud-wavelength",
            "2144 cm-1",
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and not out.exists()


def test_render_real_texes_temperature_with_a_real_5um_map(data_dir, tmp_path, capsys):
    """A pipeline exercise on real files: the TEXES 13.4 um brightness-temperature map (2025)
    against the SpeX 5 um map (2016) put on the same 1-degree grid. The epochs differ, so the
    picture is not science; what is checked is reading, units, masks and colours on real values."""
    texes = next((data_dir / "texes_irtf" / "2025feb").glob("texesspx_744/*.fits"))
    spex = next((data_dir / "spex_5um_2016").glob("*.fits.gz"))
    counts = fits.getdata(spex).astype(np.float32)  # 360 x 720 at 0.5 degrees
    rows = np.clip(np.round(np.arange(181) * 2.0).astype(int), 0, counts.shape[0] - 1)
    cols = np.clip(np.round(np.arange(361) * 2.0).astype(int), 0, counts.shape[1] - 1)
    cloud = tmp_path / "spex_on_texes_grid.fits"
    fits.PrimaryHDU(counts[np.ix_(rows, cols)]).writeto(cloud)
    out, prefix = tmp_path / "real.png", tmp_path / "real"
    code = main(
        ["render", "-t", str(texes), "-c", str(cloud), "-o", str(out), "--fits-out", str(prefix), "-q"]
    )
    assert code == 0, capsys.readouterr().err
    with Image.open(out) as image:
        picture = np.asarray(image)
    assert picture.shape[0] >= 181 and picture.shape[1] > 361
    temperature = fits.getdata(f"{prefix}_temperature.fits")
    source = read_band(texes).data
    on = source > 0
    np.testing.assert_allclose(temperature[on], source[on], rtol=1e-6)
    assert np.isnan(temperature[~on]).all()
    opacity = fits.getdata(f"{prefix}_opacity.fits")
    assert np.nanmin(opacity) == 0.0 and np.nanmax(opacity) > 2.0
    composite = render(texes, cloud)
    assert 110 < composite.t_limits.low < composite.t_limits.high < 135
