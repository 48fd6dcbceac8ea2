"""The source tree keeps the shape of docs/architecture.md: no import cycle between decree8's
packages or between the modules of one package, no import running up the layers, no module over
800 lines and no function over 80 (tools/architecture.py measures; this test holds the line)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "architecture.py"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("architecture", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["architecture"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured(tool: ModuleType) -> dict[str, list[object]]:
    result: dict[str, list[object]] = tool.measure()
    return result


def test_the_tree_has_no_cycle_upward_import_or_long_code(
    tool: ModuleType, measured: dict[str, list[object]]
) -> None:
    found = {problem: measured[problem] for problem in tool.PROBLEMS if measured[problem]}
    assert found == {}


def test_the_tool_sees_a_cycle_and_an_upward_import(tool: ModuleType, tmp_path: Path) -> None:
    """The measure itself works: a tree made to break the rules is caught."""
    root = tmp_path / "decree8"
    for package in ("chain", "compile", "rules"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "compile" / "build.py").write_text("from decree8.chain import open_chain\n")
    (root / "chain" / "open.py").write_text(
        "from decree8.compile.build import x\n" + "def f():\n" + "    pass\n" * 81
    )
    (root / "rules" / "a.py").write_text("from decree8.rules import b\n")
    (root / "rules" / "b.py").write_text("def g():\n    from decree8.rules import a\n")
    result = tool.measure(root)
    assert result["package_cycles"] == [["chain", "compile"]]
    assert any(u.startswith("compile (layer 2) imports chain") for u in result["upward_imports"])
    assert result["module_cycles"] == [["decree8.rules.a", "decree8.rules.b"]]
    assert any("f (line 2): 82 lines" in f for f in result["long_functions"])
