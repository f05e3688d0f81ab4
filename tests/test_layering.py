"""The layer table of DESIGN.md, checked by parsing every import (TYPE_CHECKING and function-level ones too).

=====  ============  =====================================================  ==================================
layer  name          packages                                               may import
=====  ============  =====================================================  ==================================
0      base          exceptions, _blocks, _units, _colour, _toml,           base
                     _messages, _version, _readable, _memory,
                     _environment, _atomic and _commit (the atomic
                     writer, re-exported by ``export``)
1      foundation    bands, filters, planck                                 base
2      stages        calibrate, geometry, opacity, palette, normalise,      base, foundation; never each other
                     lucky, layout, export
2      options       recipe (no numpy: ``--help`` stays instant)            base
3      workflows     rendering, publish, stacking, synthetic, mapping,      layers 0-2; within the layer only
                     studio                                                 publish -> rendering,
                                                                            mapping -> rendering,
                                                                            studio -> rendering, publish
4      API           pipeline, the package's __init__                       everything below
5      interface     cli, __main__                                          pipeline, recipe, exceptions
                                                                            (and the version and the
                                                                            environment check)
=====  ============  =====================================================  ==================================

The render workflow is the package ``rendering`` because ``falsecolor.render`` is the public
function (as ``stacking`` is the package of ``falsecolor.stack``). No import circle is allowed
between any two modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import falsecolor

PACKAGE = Path(falsecolor.__file__).resolve().parent

BASE = {
    "exceptions",
    "_hooks",
    "_blocks",
    "_units",
    "_colour",
    "_toml",
    "_messages",
    "_version",
    "_readable",
    "_memory",
    "_environment",
    "_atomic",
    "_commit",
    "_lazy",
}
FOUNDATION = {"bands", "filters", "planck"}
STAGES = {"calibrate", "geometry", "opacity", "palette", "normalise", "lucky", "layout", "export"}
OPTIONS = {"recipe"}
WORKFLOWS = {"rendering", "publish", "stacking", "synthetic", "mapping", "studio"}
API = {"pipeline", "__init__"}
INTERFACE = {"cli", "__main__"}
WITHIN_WORKFLOWS = {"publish": {"rendering"}, "mapping": {"rendering"}, "studio": {"rendering", "publish"}}
LOWER_THAN_WORKFLOWS = BASE | FOUNDATION | STAGES | OPTIONS


def _top_level_names() -> set[str]:
    names = {p.stem for p in PACKAGE.glob("*.py")}
    return names | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def _module_of(path: Path) -> str:
    """``falsecolor.rendering._composite`` for a file (``falsecolor.rendering`` for its __init__)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> set[str]:
    """Every falsecolor module a file imports, resolved to module names, wherever the import stands."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("falsecolor")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            if not base.startswith("falsecolor"):
                continue
            for alias in node.names:  # `from . import geometry` imports a module; `from . import X` a name
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _exists(candidate) else base)
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    return {_module_of(p): _imported(p) - {_module_of(p)} for p in PACKAGE.rglob("*.py")}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports_of(name: str) -> set[str]:
    """Top-level falsecolor names a top-level module or package imports (its own excluded)."""
    found = set()
    for module, imported in _graph().items():
        if _top(module) == name:
            found |= {_top(m) for m in imported}
    return found - {name}


def test_every_module_has_a_layer():
    layered = BASE | FOUNDATION | STAGES | OPTIONS | WORKFLOWS | API | INTERFACE
    assert _top_level_names() <= layered, sorted(_top_level_names() - layered)


def test_base_imports_only_base():
    for name in BASE & _top_level_names():
        assert _imports_of(name) <= BASE, name


def test_foundation_imports_only_base():
    for name in FOUNDATION:
        imported = _imports_of(name)
        assert imported <= BASE, f"{name} imports {sorted(imported - BASE)}"


def test_stages_import_base_and_foundation_and_never_each_other():
    for name in STAGES:
        imported = _imports_of(name)
        assert imported <= BASE | FOUNDATION, f"{name} imports {sorted(imported - BASE - FOUNDATION)}"


def test_the_option_model_imports_only_base_and_no_numpy():
    assert _imports_of("recipe") <= BASE
    for path in (PACKAGE / "recipe").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in ("numpy", "astropy", "matplotlib") for n in names), path.name


def test_workflows_import_lower_layers_and_only_the_allowed_workflows():
    for name in WORKFLOWS & _top_level_names():
        imported = _imports_of(name)
        allowed = LOWER_THAN_WORKFLOWS | WITHIN_WORKFLOWS.get(name, set())
        assert imported <= allowed, f"{name} imports {sorted(imported - allowed)}"


def test_the_api_imports_no_interface():
    for name in API:
        assert not _imports_of(name) & INTERFACE, name


def test_interfaces_are_thin():
    assert _imports_of("cli") <= {"pipeline", "recipe", "exceptions", "_version", "_environment", "_messages"}
    assert _imports_of("__main__") <= {"cli"}


def test_no_import_circle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycle = stack[stack.index(target) :] + [target]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_modules_stay_small_without_format_skips():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, path.name
        assert "fmt: skip" not in text and "fmt: off" not in text, path.relative_to(PACKAGE)


def test_the_layer_test_sees_imports():
    """The parser itself: relative imports, submodules against names, and imports inside functions."""
    imported = _imported(PACKAGE / "rendering" / "_composite.py")
    assert "falsecolor.rendering._picture" in imported and "falsecolor.export" in imported
    assert "falsecolor.rendering._composite" in _imported(PACKAGE / "rendering" / "__init__.py")
    assert "falsecolor.pipeline" in _imported(PACKAGE / "cli" / "_render.py")  # a function-level import
