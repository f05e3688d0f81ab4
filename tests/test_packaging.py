"""The installed package carries its data and metadata."""

from importlib import metadata, resources
from pathlib import Path

import falsecolor
from falsecolor.palette._files import _palette_dirs


def test_version_matches_metadata():
    assert metadata.version("falsecolor-ir") == falsecolor.__version__


def test_palettes_are_found():
    directories = _palette_dirs()
    assert directories, "no palette directory found"
    names = {p.stem for p in directories[0].glob("*.toml")}
    assert {"visir", "visir-linear"} <= names


def test_palettes_ship_inside_an_installed_package():
    package = Path(falsecolor.__file__).resolve().parent
    from_source = (package.parent / "pyproject.toml").is_file()
    packaged = resources.files("falsecolor").joinpath("palettes")
    if not from_source:  # installed (as in CI): the palettes must be package data
        assert packaged.is_dir()
        assert packaged.joinpath("visir.toml").is_file()


def test_console_script_is_declared():
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")}
    assert scripts.get("falsecolor") == "falsecolor.cli:console_main"


def test_lazy_top_level_names():
    for name in falsecolor.__all__:
        assert getattr(falsecolor, name) is not None
    assert "render" in dir(falsecolor)
