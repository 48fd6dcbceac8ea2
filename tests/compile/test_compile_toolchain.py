"""Clear one-line ToolchainErrors for a missing or wrong Node.js / npm toolchain (real PATH/env)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from compile_support import FIXTURES, REPO, real_node, write_script

from decree8.compile import SolcJsCompiler, collect_sources, get_compiler
from decree8.compile.build import VENDOR_DIR
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
    assert "npm package `solc` is not installed ($DECREE8_NODE_MODULES=" in message
    assert "run `npm install solc@0.8.30` there, or unset DECREE8_NODE_MODULES" in message


def test_openzeppelin_files_shipped_with_decree8_need_no_node_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty node_modules: ERC20.sol comes from decree8's vendored copy.
    (tmp_path / "node_modules").mkdir()
    monkeypatch.setenv("DECREE8_NODE_MODULES", str(tmp_path / "node_modules"))
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "oz", project)
    contents, _roots, _ = collect_sources(project)
    assert "@openzeppelin/contracts/token/ERC20/ERC20.sol" in contents
    assert contents["@openzeppelin/contracts/token/ERC20/ERC20.sol"] == (
        VENDOR_DIR / "@openzeppelin/contracts/token/ERC20/ERC20.sol"
    ).read_text(encoding="utf-8")


def test_openzeppelin_file_not_shipped_and_package_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "node_modules").mkdir()
    monkeypatch.setenv("DECREE8_NODE_MODULES", str(tmp_path / "node_modules"))
    project = tmp_path / "p"
    (project / "contracts").mkdir(parents=True)
    (project / "contracts" / "Gov.sol").write_text(
        "pragma solidity ^0.8.24;\nimport {Governor} from "
        '"@openzeppelin/contracts/governance/Governor.sol";\n'
    )
    with pytest.raises(ToolchainError) as caught:
        collect_sources(project)
    message = str(caught.value)
    assert "npm package `@openzeppelin/contracts` is not installed" in message
    assert "contracts/Gov.sol:2" in message
    assert "npm install @openzeppelin/contracts@5.4.0" in message


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
