"""The house: each subpackage imports only those before it in the flow (data flows one way)."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "ocds_cdmx"
#: The flow, bottom to top: a module may import its own subpackage and those before it.
LAYERS = ["core", "io", "schema", "report", "validation", "conversion", "merging", "publishing", "site", "cli"]


def _layer(module: str) -> str | None:
    """The subpackage of a dotted module name under ocds_cdmx (None for the package's own __init__)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "ocds_cdmx" else None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import that runs (those under ``if TYPE_CHECKING`` do not)."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    target = ".".join([*base, child.module] if child.module else base)
                else:
                    target = child.module or ""
                found.append((child.lineno, target))
                for alias in child.names:  # "from . import quality" imports a module
                    found.append((child.lineno, f"{target}.{alias.name}"))
            visit(child)

    visit(ast.parse(source))
    return found


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Imports of ``module`` that reach a subpackage later in the flow than its own."""
    own = _layer(module)
    if own is None:  # ocds_cdmx/__init__.py: the API, which may load anything (lazily)
        return []
    rank = LAYERS.index(own)
    problems = []
    for line, target in imports(source, module, is_package):
        layer = _layer(target)
        if layer in LAYERS and LAYERS.index(layer) > rank:
            problems.append(f"{module}:{line} imports {target} ({layer} comes after {own})")
    return problems


def test_every_subpackage_is_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert folders <= set(LAYERS), folders - set(LAYERS)


def test_no_module_imports_one_above_it_in_the_flow():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        problems += violations(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    assert problems == []


def test_the_check_sees_an_import_that_runs_back_up_the_flow():
    upward = "from ..validation import validate\nfrom ..core.findings import Findings\n"
    assert violations(upward, "ocds_cdmx.report.text") == [
        "ocds_cdmx.report.text:1 imports ocds_cdmx.validation (validation comes after report)",
        "ocds_cdmx.report.text:1 imports ocds_cdmx.validation.validate (validation comes after report)",
    ]
    inside = "def f():\n    import ocds_cdmx.merging.pipeline\n"
    assert violations(inside, "ocds_cdmx.io.output") != []
    annotated = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..merging import MergeResult\n"
    assert violations(annotated, "ocds_cdmx.report.text") == []
    assert violations("from . import quality\n", "ocds_cdmx.validation", is_package=True) == []


def test_importing_a_lower_layer_does_not_load_the_ones_above():
    import subprocess
    import sys

    code = (
        "import sys, ocds_cdmx.report.text, ocds_cdmx.io.output\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('ocds_cdmx.')}))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "['core', 'io', 'report']"
