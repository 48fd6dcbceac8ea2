"""The shape of decree8's source tree, measured (`python tools/architecture.py`, in `make lint`).

Reads every module under src/decree8 with `ast` (nothing is imported or run) and reports:

- the import graph between decree8's packages (`decree8.check`, `decree8.rules`, ...; the
  top-level modules `errors`, `hexutil`, `fsutil`, `config`, `deploy`, `scenario`, `abi` count as
  packages of their own), with every import, including the ones made inside a function;
- the cycles in that graph and the imports that run up the layers of docs/architecture.md;
- the cycles between the modules of one package;
- modules over MAX_MODULE_LINES lines and functions over MAX_FUNCTION_LINES lines.

`--json` prints the same as one JSON object; `--check` exits 1 when there is any cycle, upward
import, long module or long function (tests/test_architecture.py runs it that way).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "decree8"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80

# The layers of docs/architecture.md, lowest first. A package may import its own layer's packages
# (without a cycle) and every layer below, never one above.
LAYERS: dict[str, int] = {
    "_evm": 2,  # the native extension (native/), under decree8.revm
    "errors": 0,
    "hexutil": 0,
    "fsutil": 0,
    "closing": 0,
    "abi": 1,
    "config": 1,
    "compile": 2,
    "revm": 3,
    "chain": 4,
    "templates": 5,
    "deploy": 5,
    "rules": 6,
    "result": 6,
    "history": 7,  # event decoding and rebuilt state, under check and audit
    "check": 7,
    "verify": 7,
    "audit": 8,
    "scenario": 8,
    "watch": 9,
    "report": 10,
    "scaffold": 10,
    "testing": 11,
    "cli": 12,
    "__init__": 0,  # the package root holds the version only
    "__main__": 13,
}


#: The keys of :func:`measure`'s result that name problems (each must be an empty list).
PROBLEMS = (
    "package_cycles",
    "upward_imports",
    "unlayered_packages",
    "module_cycles",
    "long_modules",
    "long_functions",
)


def package_of(module: str) -> str:
    """`decree8.check.decode` -> `check`; `decree8.errors` -> `errors`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The decree8 modules that ``path`` imports (``from pkg import mod`` names the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    current = module_name(path, root)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("decree8"))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(current, is_package, node)
            if not target.startswith("decree8"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    found.discard(current)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def _long_functions(path: Path) -> Iterable[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = node.end_lineno - first + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{node.name} (line {node.lineno})", length


def measure(root: Path = ROOT) -> dict[str, object]:
    files = sorted(p for p in root.rglob("*.py") if "shipped" not in p.parts)
    known = {module_name(p, root) for p in files}
    module_graph: dict[str, set[str]] = {}
    for path in files:
        module_graph[module_name(path, root)] = imports_of(path, known, root)

    package_graph: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, targets in module_graph.items():
        for target in targets:
            a, b = package_of(module), package_of(target)
            if a != b:
                package_graph[a].add(b)
                edges[(a, b)].append(f"{module} -> {target}")

    upward = [
        f"{a} (layer {LAYERS.get(a, '?')}) imports {b} (layer {LAYERS.get(b, '?')}): "
        + "; ".join(sorted(edges[(a, b)]))
        for (a, b) in sorted(edges)
        if a in LAYERS and b in LAYERS and LAYERS[b] > LAYERS[a]
    ]
    unknown = sorted({p for edge in edges for p in edge if p not in LAYERS})

    inner_cycles = []
    by_package: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for module, targets in module_graph.items():
        pkg = package_of(module)
        by_package[pkg][module] = {t for t in targets if package_of(t) == pkg}
    for graph in by_package.values():
        inner_cycles.extend(_cycles(graph))

    long_modules = []
    long_functions = []
    for path in files:
        rel = str(path.relative_to(root.parent))
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            long_modules.append(f"{rel}: {lines} lines")
        long_functions.extend(f"{rel}: {name}: {n} lines" for name, n in _long_functions(path))

    return {
        "packages": {k: sorted(v) for k, v in sorted(package_graph.items())},
        "package_cycles": _cycles(package_graph),
        "upward_imports": upward,
        "unlayered_packages": unknown,
        "module_cycles": inner_cycles,
        "long_modules": long_modules,
        "long_functions": long_functions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--check", action="store_true", help="exit 1 on any problem")
    args = parser.parse_args(argv)
    result = measure()
    problems = sum(len(result[key]) for key in PROBLEMS)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("package imports:")
        for pkg, targets in result["packages"].items():  # type: ignore[union-attr]
            print(f"  {pkg} (layer {LAYERS.get(pkg, '?')}) -> {', '.join(targets)}")
        for key in PROBLEMS:
            items = result[key]
            print(f"{key.replace('_', ' ')}: {len(items)}")  # type: ignore[arg-type]
            for item in items:  # type: ignore[attr-defined]
                print(f"  {item}")
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
