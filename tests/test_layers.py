"""The layers of ARCHITECTURE.md §4, checked on the source: arrows point down.

Walks every import statement under ``src/maillogs`` (module level, inside
functions, and under ``if TYPE_CHECKING:`` — a type-only import still ties two
modules together) and checks that no import circle exists and that the
bottom layers (``core/``, ``fetch/``) import nothing above them.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "maillogs"

# Layer -> the packages and modules it must never import.
FORBIDDEN = {
    "maillogs.core": (
        "maillogs.fetch",
        "maillogs.engine",
        "maillogs.providers",
        "maillogs.profiles",
        "maillogs.cli",
        "maillogs.reports",
        "maillogs.render",
        "maillogs.export",
        "maillogs.sandbox",
    ),
    "maillogs.fetch": (
        "maillogs.engine",
        "maillogs.providers",
        "maillogs.profiles",
        "maillogs.cli",
        "maillogs.reports",
        "maillogs.render",
        "maillogs.export",
        "maillogs.sandbox",
    ),
    "maillogs.engine": ("maillogs.sandbox", "maillogs.cli", "maillogs.reports", "maillogs.export"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def third_party_private_imports(source: str) -> Iterator[str]:
    """Each import in ``source`` that reaches into a private module (a name
    starting with ``_``) of a package that is neither ours nor the standard
    library's: such a module may change in any release of that package."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            dotted = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            dotted = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in dotted:
            top, *rest = name.split(".")
            if top == "maillogs" or top in sys.stdlib_module_names:
                continue
            if any(part.startswith("_") for part in rest):
                yield name


def imports_of(name: str) -> set[str]:
    """The project modules ``name`` imports (``from pkg import submodule`` counts
    as the submodule; parent packages of a module are not counted)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_walk_sees_the_layers() -> None:
    # Guards the test itself: a walk that found nothing would pass everything.
    assert "maillogs.providers.base" in GRAPH["maillogs.engine"]
    assert "maillogs.core.errors" in GRAPH["maillogs.fetch.http"]
    assert len(MODULES) > 50


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_arrow_points_up(layer: str) -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if under(module, layer)
        for target in targets
        if any(under(target, forbidden) for forbidden in FORBIDDEN[layer])
    )
    assert upward == []


def test_no_import_circle() -> None:
    # Tarjan's strongly connected components: any component of two or more
    # modules (or a module importing itself) is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(GRAPH[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert circles == []


def test_no_private_module_of_a_third_party_package() -> None:
    private = sorted(
        f"{module} imports {name}"
        for module, path in MODULES.items()
        for name in third_party_private_imports(path.read_text(encoding="utf-8"))
    )
    assert private == []


def test_the_private_import_check_sees_them() -> None:
    # Guards the check itself: the imports cli/ once had must be found, and
    # public or standard-library names must not.
    source = (
        "from typer._click import Context\n"
        "import typer._click.exceptions\n"
        "from typer import _click\n"
        "from typer.core import TyperGroup\n"
        "from collections import _chain\n"
        "from maillogs.cli import _private\n"
    )
    assert list(third_party_private_imports(source)) == [
        "typer._click.Context",
        "typer._click.exceptions",
        "typer._click",
    ]
