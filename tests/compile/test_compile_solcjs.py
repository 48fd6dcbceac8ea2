"""The solc-js backend: one Node worker per compiler, reused, stopped on close and collection."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from compile_support import FIXTURES, REPO

from decree8.compile import PINNED_SOLC_VERSION, SolcJsCompiler, get_compiler
from decree8.compile.interface import locate
from decree8.errors import CompileError, ToolchainError


def _input(name: str, content: str) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": content}},
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "evmVersion": "cancun",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }


SIMPLE = (
    "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract A { uint256 public x; }\n"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)


def test_solcjs_reports_backend_and_pinned_version(solcjs: SolcJsCompiler) -> None:
    assert solcjs.backend == "solcjs"
    assert solcjs.version == PINNED_SOLC_VERSION == "0.8.30"
    package = json.loads((REPO / "package.json").read_text())
    assert package["dependencies"]["solc"].lstrip("^~=") == PINNED_SOLC_VERSION


def test_compile_standard_returns_abi_and_bytecode(solcjs: SolcJsCompiler) -> None:
    out = solcjs.compile_standard(_input("a.sol", SIMPLE))
    contract = out["contracts"]["a.sol"]["A"]
    assert [item["name"] for item in contract["abi"]] == ["x"]
    assert contract["evm"]["bytecode"]["object"].startswith("6080")
    assert solcjs.full_version.startswith("0.8.30+commit.")


def test_worker_starts_lazily_and_is_reused_across_compiles() -> None:
    with SolcJsCompiler(REPO) as compiler:
        assert compiler.worker_pid is None  # constructing starts nothing
        compiler.compile_standard(_input("a.sol", SIMPLE))
        pid = compiler.worker_pid
        assert pid is not None and _alive(pid)
        compiler.compile_standard(_input("b.sol", SIMPLE.replace("A", "B")))
        assert compiler.worker_pid == pid
    assert compiler.worker_pid is None
    assert _wait_gone(pid), "close() must stop the worker"
    with pytest.raises(ToolchainError, match="closed"):
        compiler.compile_standard(_input("a.sol", SIMPLE))


def test_worker_stops_when_the_compiler_is_garbage_collected() -> None:
    compiler = SolcJsCompiler(REPO)
    compiler.compile_standard(_input("a.sol", SIMPLE))
    pid = compiler.worker_pid
    assert pid is not None
    del compiler
    gc.collect()
    assert _wait_gone(pid)


def test_worker_stops_at_interpreter_exit_without_close(tmp_path: Path) -> None:
    script = (
        "from pathlib import Path\n"
        "from decree8.compile import SolcJsCompiler\n"
        f"c = SolcJsCompiler(Path({str(REPO)!r}))\n"
        "c.compile_standard({'language': 'Solidity', 'sources': {'a.sol': {'content': "
        "'contract A {}'}}, 'settings': {'outputSelection': {}}})\n"
        "print(c.worker_pid, flush=True)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    pid = int(result.stdout.split()[-1])
    assert _wait_gone(pid)


def test_a_killed_worker_is_replaced_on_the_next_compile() -> None:
    with SolcJsCompiler(REPO) as compiler:
        compiler.compile_standard(_input("a.sol", SIMPLE))
        pid = compiler.worker_pid
        assert pid is not None
        os.kill(pid, 9)
        deadline = time.monotonic() + 5
        while compiler.worker_pid is not None and time.monotonic() < deadline:
            time.sleep(0.02)  # a dying multi-threaded node is waitable only once all threads end
        assert compiler.worker_pid is None
        out = compiler.compile_standard(_input("a.sol", SIMPLE))
        assert "A" in out["contracts"]["a.sol"]
        assert compiler.worker_pid not in (None, pid)


def test_syntax_error_raises_compile_error_with_file_line_and_column(
    solcjs: SolcJsCompiler,
) -> None:
    source = (FIXTURES / "broken" / "contracts" / "Broken.sol").read_text()
    with pytest.raises(CompileError) as caught:
        solcjs.compile_standard(_input("contracts/Broken.sol", source))
    (diag,) = caught.value.diagnostics
    assert (diag.file, diag.line, diag.column) == ("contracts/Broken.sol", 9, 5)
    assert diag.kind == "ParserError"
    assert (
        str(caught.value)
        == "contracts/Broken.sol:9:5: error: ParserError: Expected ';' but got '}'"
    )


def test_every_error_becomes_one_diagnostic(solcjs: SolcJsCompiler) -> None:
    source = "pragma solidity ^0.8.24;\ncontract C {\n  function f() public { x = 1; y = 2; }\n}\n"
    with pytest.raises(CompileError) as caught:
        solcjs.compile_standard(_input("c.sol", source))
    diags = caught.value.diagnostics
    assert [(d.kind, d.line, d.column) for d in diags] == [
        ("DeclarationError", 3, 25),
        ("DeclarationError", 3, 32),
    ]
    assert str(caught.value).endswith("(and 1 more error)")


def test_warnings_are_returned_not_raised(solcjs: SolcJsCompiler) -> None:
    out = solcjs.compile_standard(_input("w.sol", "pragma solidity ^0.8.24;\ncontract W {}\n"))
    assert [e["severity"] for e in out["errors"]] == ["warning"]  # no SPDX line
    assert "W" in out["contracts"]["w.sol"]


def test_input_error_without_location_is_a_compile_error(solcjs: SolcJsCompiler) -> None:
    with pytest.raises(CompileError) as caught:
        solcjs.compile_standard({"language": "Solidity", "sources": {}, "settings": {}})
    (diag,) = caught.value.diagnostics
    assert diag.file is None and diag.line is None
    assert diag.kind == "JSONError"


def test_locate_counts_utf8_bytes_and_reports_character_columns() -> None:
    content = "// ж\nabc ж x\n"
    offset = len("// ж\nabc ж ".encode())
    assert locate(content, offset) == (2, 7)
    assert locate(content, 0) == (1, 1)
    assert locate(None, 3) == (None, None)


def test_get_compiler_solcjs_and_unknown_name() -> None:
    with get_compiler("solcjs", root=REPO) as compiler:
        assert compiler.backend == "solcjs"
    with pytest.raises(Exception, match="unknown compiler"):
        get_compiler("solc")
