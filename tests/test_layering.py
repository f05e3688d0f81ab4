"""The layering of DESIGN.md: stages never import each other; only the pipeline wires them.

The pipeline package holds the wiring: render/compose, the Composite result it
returns, and the synthetic Jupiter (made by wiring the physics stages);
``falsecolor.synthetic`` is only the public name of the latter.
"""

import ast
from pathlib import Path

import falsecolor

PACKAGE = Path(falsecolor.__file__).resolve().parent

BASE = {"exceptions", "_blocks", "_units", "_colour", "_options", "_toml"}
STAGES = {
    "bands",
    "filters",
    "planck",
    "calibrate",
    "opacity",
    "geometry",
    "palette",
    "normalise",
    "layout",
    "lucky",
    "export",
    "recipe",
}
WIRING = {"pipeline"}
INTERFACE = {"cli", "__main__", "__init__", "synthetic"}


def _sources(name: str) -> list[Path]:
    """The file of a module, or every file of a subpackage."""
    if (PACKAGE / name).is_dir():
        return sorted((PACKAGE / name).glob("*.py"))
    return [PACKAGE / f"{name}.py"]


def _imports(name: str) -> set[str]:
    """Top-level falsecolor modules a module (or subpackage) imports, at any depth."""
    found = set()
    for path in _sources(name):
        inside_subpackage = path.parent != PACKAGE
        found |= _file_imports(path, inside_subpackage)
    return found - {name}


def _file_imports(path: Path, inside_subpackage: bool) -> set[str]:
    found = set()
    top_level = 2 if inside_subpackage else 1
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if inside_subpackage and node.level == 1:
                continue  # a sibling inside the same subpackage
            if node.level == top_level or (node.module or "").startswith("falsecolor"):
                base = (node.module or "").removeprefix("falsecolor").lstrip(".")
                if base:
                    found.add(base.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("falsecolor."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_has_a_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    modules |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert modules == BASE | STAGES | WIRING | INTERFACE


def test_base_modules_import_only_base():
    for name in BASE:
        assert _imports(name) <= BASE, name


def test_stage_modules_never_import_each_other():
    for name in STAGES:
        imported = _imports(name)
        assert imported <= BASE, f"{name} imports {sorted(imported - BASE)}"


def test_the_pipeline_imports_no_interface():
    assert not _imports("pipeline") & (INTERFACE - {"__init__"})


def test_interfaces_are_thin():
    assert _imports("cli") <= {"pipeline", "exceptions", "__version__"}
    assert _imports("synthetic") <= {"pipeline"}
    assert _imports("__main__") <= {"cli"}


def test_modules_stay_small():
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
