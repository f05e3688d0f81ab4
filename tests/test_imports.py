"""Each command imports only what it needs (start-up is most of a short run): a stack loads no renderer
or plotting library, ``info`` no plotting library and no WCS without WCS cards, a render of a disc whose
geometry is known (the demo's) no stacker and no scipy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from falsecolor.synthetic import synthetic_frames, synthetic_jupiter

#: Run the command line in a fresh interpreter, then list which of the given modules it loaded.
SCRIPT = """
import json, sys
from falsecolor.cli import main
status = main(sys.argv[2:])
print(json.dumps({"status": status, "loaded": [m for m in json.loads(sys.argv[1]) if m in sys.modules]}))
"""


def _loaded(modules: list[str], *argv: str, cwd) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(modules), *argv], capture_output=True, text=True, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 0
    return result["loaded"]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("imports") / "frames.ser"
    synthetic_frames(24, (64, 64), path=path, seed=2)
    return path


def test_a_stack_loads_no_renderer_plotting_or_press_output(video, tmp_path):
    heavy = [
        "matplotlib",
        "falsecolor.rendering",
        "falsecolor.export",
        "falsecolor.publish._run",
        "scipy.optimize",
        "astropy.coordinates",
        "astropy.wcs",
        "astropy.visualization",
        "PIL.Image",
        "astropy.time",  # the stack's mid-time is written as astropy would, without it
    ]
    assert _loaded(heavy, "stack", str(video), "-o", str(tmp_path / "s.fits"), "-q", cwd=tmp_path) == []
    assert (tmp_path / "s.fits").is_file()  # and it did stack


def test_info_loads_no_plotting_stacker_or_wcs_without_wcs_cards(tmp_path):
    band = synthetic_jupiter((128, 128)).cloud_band
    band.to_fits(tmp_path / "c.fits")
    heavy = ["matplotlib", "falsecolor.stacking", "falsecolor.lucky", "astropy.wcs", "astropy.visualization"]
    assert _loaded(heavy, "info", str(tmp_path / "c.fits"), cwd=tmp_path) == []


def test_a_render_loads_no_stacker_or_mapper(tmp_path):
    heavy = ["falsecolor.stacking", "falsecolor.mapping", "falsecolor.lucky", "scipy.fft", "scipy.ndimage"]
    assert _loaded(heavy, "render", "--demo", "--demo-size", "128", "-o", "d.png", "-q", cwd=tmp_path) == []
    assert (tmp_path / "d.png").is_file()
