"""The house keeps its layers: imports run one way, no circles, no hidden arrows.

The layer order is written at the top of docs/architecture.md; this test holds the code to it. It reads
every production module of `src/refund_desk` with `ast` (tests and migrations are not production code;
management commands, views and templatetags are, wherever they live) and fails on

* an import against the layer order (a module may import its own layer or a lower one), function-level
  imports included;
* a circle of imports between files, or between apps (a folder of `refund_desk`);
* an import of any `tasks` module: after-commit work is named through `core.effects`, and Huey finds
  the task modules itself;
* a function-level import of project code without a comment on that line or the one above saying why;
* a dynamic import (`importlib.import_module`, `__import__`) of project code.

Run it as a script for the figures: `python src/refund_desk/tests/test_architecture.py`.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "refund_desk"
SRC = Path(__file__).resolve().parents[2]
ROOT = SRC / PACKAGE
ARCHITECTURE_DOC = SRC.parent / "docs" / "architecture.md"

# Lowest first. A module belongs to the first layer whose prefix it has (the longest prefix wins).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("refund_desk.core", "refund_desk.__init__")),
    ("cases", ("refund_desk.cases",)),
    ("policy", ("refund_desk.policy",)),
    (
        "domain",
        (
            "refund_desk.ai",
            "refund_desk.payments",
            "refund_desk.logistics",
            "refund_desk.partners",
            "refund_desk.messaging",
            "refund_desk.outbound",
            "refund_desk.notices",
            "refund_desk.complaints",
        ),
    ),
    ("workflows", ("refund_desk.workflows",)),
    ("integrations", ("refund_desk.integrations",)),
    ("interfaces", ("refund_desk.api", "refund_desk.desk")),
    ("demo", ("refund_desk.demo",)),
    ("project", ("refund_desk.settings", "refund_desk.urls", "refund_desk.wsgi", "refund_desk.cli")),
)
# Every entry needs a one-line reason; the house is meant to need none.
ALLOWED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # importing module
    target: str  # imported project module
    line: int
    in_function: bool
    explained: bool
    path: Path


@dataclass(slots=True)
class House:
    modules: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)
    dynamic: list[tuple[Path, int, str]] = field(default_factory=list)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1 and parts[:-1] != [PACKAGE]:
        parts = parts[:-1]
    return ".".join(parts)


def _production_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).parts
        if "tests" in relative or "migrations" in relative:
            continue
        yield path


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an import names (a module, else the package that defines the name)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _function_import_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    inside.add(id(child))
    return inside


def _explained(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the block of imports it belongs to."""
    if "#" in lines[lineno - 1]:
        return True
    index = lineno - 2
    while index >= 0:
        above = lines[index].strip()
        if above.startswith("#"):
            return True
        if not (above.startswith(("from ", "import ")) or above.endswith((",", "(")) or above == ")"):
            return False
        index -= 1
    return False


def _note_dynamic(house: House, path: Path, call: ast.Call) -> None:
    func = call.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if called not in ("import_module", "__import__") or not call.args:
        return
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        house.dynamic.append((path, call.lineno, ast.unparse(first)))
    elif first.value.startswith(PACKAGE):
        house.dynamic.append((path, call.lineno, first.value))


def read_house() -> House:
    house = House()
    files = list(_production_files())
    for path in files:
        house.modules[_module_name(path)] = path
    for path in files:
        source = _module_name(path)
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text, filename=str(path))
        nested = _function_import_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                _note_dynamic(house, path, node)
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            seen: set[str] = set()
            for name in names:
                if not name.startswith(PACKAGE + ".") and name != PACKAGE:
                    continue
                target = _resolve(name, house.modules)
                if target is None or target == source or target in seen:
                    continue
                seen.add(target)
                is_nested = id(node) in nested
                house.imports.append(
                    Import(
                        source=source,
                        target=target,
                        line=node.lineno,
                        in_function=is_nested,
                        explained=_explained(lines, node.lineno) if is_nested else True,
                        path=path,
                    )
                )
    return house


def layer_of(module: str) -> int:
    best, best_length = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if module == PACKAGE:
        return 0
    return best


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def against_the_order(house: House) -> list[str]:
    found = []
    for imp in house.imports:
        source_layer, target_layer = layer_of(imp.source), layer_of(imp.target)
        if target_layer > source_layer and (imp.source, imp.target) not in ALLOWED:
            found.append(
                f"{imp.path.relative_to(SRC)}:{imp.line}: {imp.source} ({LAYERS[source_layer][0]}) imports "
                f"{imp.target} ({LAYERS[target_layer][0]}), a higher layer"
            )
    return found


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def file_circles(house: House) -> list[list[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in house.imports:
        edges[imp.source].add(imp.target)
    return _circles(edges)


def app_circles(house: House) -> list[list[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in house.imports:
        source, target = app_of(imp.source), app_of(imp.target)
        if source != target:
            edges[source].add(target)
    return _circles(edges)


def task_imports(house: House) -> list[str]:
    return [
        f"{imp.path.relative_to(SRC)}:{imp.line}: {imp.source} imports {imp.target}"
        for imp in house.imports
        if imp.target.rsplit(".", 1)[-1] == "tasks"
    ]


def unexplained_function_imports(house: House) -> list[str]:
    return [
        f"{imp.path.relative_to(SRC)}:{imp.line}: {imp.source} imports {imp.target} inside a function "
        "without a comment saying why"
        for imp in house.imports
        if imp.in_function and not imp.explained
    ]


def dynamic_imports(house: House) -> list[str]:
    return [f"{path.relative_to(SRC)}:{line}: dynamic import of {what}" for path, line, what in house.dynamic]


def unplaced_modules(house: House) -> list[str]:
    return [module for module in sorted(house.modules) if layer_of(module) < 0]


# --- the tests ---------------------------------------------------------------------------------------


def test_every_production_module_has_a_layer() -> None:
    assert unplaced_modules(read_house()) == []


def test_imports_run_one_way_through_the_layers() -> None:
    assert against_the_order(read_house()) == []


def test_no_import_circle_between_files() -> None:
    assert file_circles(read_house()) == []


def test_no_import_circle_between_apps() -> None:
    assert app_circles(read_house()) == []


def test_no_module_imports_a_tasks_module() -> None:
    assert task_imports(read_house()) == []


def test_function_level_imports_say_why() -> None:
    assert unexplained_function_imports(read_house()) == []


def test_no_dynamic_imports_of_project_code() -> None:
    assert dynamic_imports(read_house()) == []


def test_the_allowlist_gives_a_reason_for_every_entry() -> None:
    assert all(reason.strip() for reason in ALLOWED.values())


def test_docs_show_the_same_layer_order() -> None:
    """docs/architecture.md opens with the order this test enforces, lowest layer first."""
    text = ARCHITECTURE_DOC.read_text(encoding="utf-8")
    match = re.search(r"```layers\n(.*?)```", text, re.S)
    assert match, "docs/architecture.md needs a ```layers block with the layer order"
    written = [line.split(":", 1)[0].strip() for line in match.group(1).splitlines() if line.strip()]
    assert written == [name for name, _ in LAYERS]


def figures() -> dict[str, int]:
    house = read_house()
    return {
        "production modules": len(house.modules),
        "imports between project modules": len(house.imports),
        "function-level imports": sum(1 for imp in house.imports if imp.in_function),
        "file circles": len(file_circles(house)),
        "app circles": len(app_circles(house)),
        "imports against the layer order": len(against_the_order(house)),
        "imports of tasks modules": len(task_imports(house)),
        "dynamic imports": len(dynamic_imports(house)),
    }


if __name__ == "__main__":
    house = read_house()
    out = sys.stdout
    for title, rows in (
        ("against the order", against_the_order(house)),
        ("tasks imports", task_imports(house)),
        ("unexplained function-level imports", unexplained_function_imports(house)),
        ("dynamic imports", dynamic_imports(house)),
        ("unplaced modules", unplaced_modules(house)),
    ):
        if rows:
            out.write(f"== {title} ({len(rows)})\n" + "\n".join(rows) + "\n")
    for circle in file_circles(house):
        out.write("== file circle: " + " -> ".join(circle) + "\n")
    for circle in app_circles(house):
        out.write("== app circle: " + " -> ".join(circle) + "\n")
    for name, value in figures().items():
        out.write(f"{name}: {value}\n")
