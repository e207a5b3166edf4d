"""The shape of the house: no import cycle among agroflux_hf modules, and no oversized module.

Read with ``ast`` (no new dependency, nothing imported): the graph holds each module's
module-level imports of ``agroflux_hf`` modules (imports inside functions are deliberate lazy
imports and do not run at import time; ``if TYPE_CHECKING:`` blocks never run). Importing
``a.b.c`` also runs the packages ``a`` and ``a.b``, so those are edges too, except a module's own
ancestor packages (they are already being imported when it runs).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "agroflux_hf"
MAX_LINES = 500
SIZE_REASON = "Size:"
"""A module above MAX_LINES says why in a docstring sentence starting with this word."""

BEING_SPLIT: set[str] = set()
"""Modules other helpers are splitting while this test was written; the lead empties this at merge."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Import statements that run when the module is imported (bodies of if/try too, not functions)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            pending += [s for handler in node.handlers for s in handler.body]
    return found


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(1, len(parts))] + ([name] if len(parts) == 1 else [])


def every_import(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, lazy ones inside functions included (not the
    ``if TYPE_CHECKING:`` blocks, which only type checkers read)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node):
            pending += node.orelse
        else:
            pending += list(ast.iter_child_nodes(node))
    return found


def imported_modules(name: str, path: Path, modules: dict[str, Path], lazy: bool = False) -> set[str]:
    """The agroflux_hf modules (and their parent packages) ``name`` imports at module level
    (``lazy``: anywhere, imports inside functions included)."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in every_import(tree) if lazy else module_level_imports(tree):
        if isinstance(node, ast.Import):
            bases = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import sub`` imports the submodule when there is one
            bases = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for target in bases:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith("agroflux_hf"):
                targets.update(_with_parents(target))
    # A module's own ancestor packages are already being imported when it runs: not an edge.
    own_packages = {name.rsplit(".", k)[0] for k in range(1, name.count(".") + 1)} | {name}
    return {t for t in targets if t in modules and t not in own_packages}


def import_graph(lazy: bool = False) -> dict[str, set[str]]:
    modules = package_modules()
    return {name: imported_modules(name, path, modules, lazy) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle_and_the_parser_sees_lazy_and_type_only_imports():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    tree = ast.parse(
        "import x\nif TYPE_CHECKING:\n    import y\ntry:\n    import z\nexcept ImportError:\n    pass\n"
        "def f():\n    import w\n"
    )
    assert sorted(n.names[0].name for n in module_level_imports(tree)) == ["x", "z"]


def test_the_graph_holds_known_edges():
    graph = import_graph()
    assert "agroflux_hf.models.loss" in graph["agroflux_hf.models.base"]
    assert "agroflux_hf.training.plans" in graph["agroflux_hf.training.loop"]
    assert graph["agroflux_hf"] == set()  # the package imports its public names on first use


def test_no_import_cycle_among_agroflux_hf_modules():
    assert cycles(import_graph()) == []


def test_no_import_cycle_even_through_imports_inside_functions():
    """Stricter than Python needs: a lazy cycle (the reader dssat.py hosting the simulate command that
    imports default_data/derive_simulations.py, which imports the reader) still tangles two floors."""
    assert cycles(import_graph(lazy=True)) == []


def test_command_modules_import_no_library_module_that_pulls_in_torch():
    graph = import_graph()
    heavy = ("agroflux_hf.models", "agroflux_hf.training.", "agroflux_hf.data.")
    for name in (n for n in graph if n.startswith("agroflux_hf.commands")):
        assert not [t for t in graph[name] if t.startswith(heavy)], name


@pytest.mark.parametrize("name", sorted(package_modules()))
def test_no_module_is_long_without_a_reason(name):
    path = package_modules()[name]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines <= MAX_LINES or name in BEING_SPLIT:
        return
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert SIZE_REASON in docstring, (
        f"{path}: {lines} lines (above {MAX_LINES}); split it by concern or say why in its docstring "
        f"({SIZE_REASON!r} ...)"
    )


def from_pretrained_calls(path: Path) -> list[int]:
    """Line numbers of ``<anything>.from_pretrained(...)`` calls in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "from_pretrained"
    ]


def test_models_load_model_is_the_only_checkpoint_loader():
    """Loading, evaluation, fine-tuning, the benchmark, cards and publishing all go through
    ``models.load_model`` / ``models.read_checkpoint_config``: no other module calls from_pretrained."""
    assert from_pretrained_calls(PACKAGE / "models" / "__init__.py")  # the finder does see calls
    outside = {
        name: lines
        for name, path in package_modules().items()
        if not name.startswith(
            ("agroflux_hf.models", "agroflux_hf.hub_code")
        )  # hub_code: generated from models
        and (lines := from_pretrained_calls(path))
    }
    assert outside == {}
