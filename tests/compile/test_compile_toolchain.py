"""Clear one-line ToolchainErrors for a missing or wrong Node.js / npm toolchain (real PATH/env)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compile_support import FIXTURES, REPO, real_node, write_script

from decree8.compile import SolcJsCompiler, build_project, get_compiler
from decree8.errors import ToolchainError


def test_node_missing_from_path(isolated_path: Path) -> None:
    with pytest.raises(ToolchainError) as caught:
        SolcJsCompiler(REPO)
    message = str(caught.value)
    assert "`node` is not on PATH" in message and "\n" not in message
    assert caught.value.exit_code == 2


def test_node_older_than_18_is_refused(isolated_path: Path) -> None:
    write_script(isolated_path, "node", 'echo "v16.0.0"\n')
    with pytest.raises(ToolchainError, match=r"Node.js v16.0.0 .* too old: .*18 or newer"):
        SolcJsCompiler(REPO)


def test_node_printing_no_version_is_refused(isolated_path: Path) -> None:
    write_script(isolated_path, "node", 'echo "hello"\n')
    with pytest.raises(ToolchainError, match="did not print a Node.js version"):
        SolcJsCompiler(REPO)


def test_auto_without_node_or_native_solc_names_both(isolated_path: Path) -> None:
    with pytest.raises(ToolchainError, match=r"no native solc 0\.8\.30 .*`node` is not on PATH"):
        get_compiler("auto", root=REPO)


def test_solc_package_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "node_modules"
    empty.mkdir()
    monkeypatch.setenv("DECREE8_NODE_MODULES", str(empty))
    with pytest.raises(ToolchainError) as caught:
        get_compiler("solcjs", root=REPO)
    message = str(caught.value)
    assert "npm package `solc` is not installed" in message
    assert f"run `npm ci` in {REPO}" in message and "make setup" in message


def test_openzeppelin_package_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "node_modules"
    empty.mkdir()
    monkeypatch.setenv("DECREE8_NODE_MODULES", str(empty))
    with pytest.raises(ToolchainError) as caught:
        build_project(FIXTURES / "oz", compiler="solcjs", cache_dir=tmp_path / "build")
    message = str(caught.value)
    assert "npm package `@openzeppelin/contracts` is not installed" in message
    assert "contracts/FixtureToken.sol:4" in message and "npm ci" in message


def test_solc_package_of_another_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modules = tmp_path / "node_modules"
    (modules / "solc").mkdir(parents=True)
    (modules / "solc" / "package.json").write_text(
        json.dumps({"name": "solc", "version": "0.8.29"})
    )
    monkeypatch.setenv("DECREE8_NODE_MODULES", str(modules))
    with pytest.raises(ToolchainError, match=r"solc is 0\.8\.29 .* pins 0\.8\.30: run `npm ci`"):
        SolcJsCompiler(REPO)


def test_node_modules_found_by_walking_up_from_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DECREE8_NODE_MODULES", raising=False)
    monkeypatch.chdir(tmp_path)
    nested = REPO / "tests" / "compile" / "fixtures" / "simple"
    compiler = SolcJsCompiler(nested)
    assert compiler.node_modules == REPO / "node_modules"
    assert compiler.worker_pid is None


def test_a_worker_that_cannot_load_solc_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modules = tmp_path / "node_modules"
    (modules / "solc").mkdir(parents=True)
    (modules / "solc" / "package.json").write_text(
        json.dumps({"name": "solc", "version": "0.8.30", "main": "index.js"})
    )
    (modules / "solc" / "index.js").write_text("throw new Error('broken install');\n")
    monkeypatch.setenv("DECREE8_NODE_MODULES", str(modules))
    assert real_node()
    with SolcJsCompiler(REPO) as compiler, pytest.raises(ToolchainError) as caught:
        compiler.compile_standard({"language": "Solidity", "sources": {}, "settings": {}})
    assert "did not start" in str(caught.value) and "broken install" in str(caught.value)
    assert compiler.worker_pid is None
