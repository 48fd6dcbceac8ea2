"""The native backend: detection and arguments with fake ``solc`` scripts; real solc if present."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from compile_support import FIXTURES, NODE_MODULES, REPO, real_node, write_script

from decree8.compile import (
    PINNED_SOLC_VERSION,
    SolcJsCompiler,
    SolcxCompiler,
    build_project,
    find_native_solc,
    get_compiler,
)
from decree8.errors import CompileError, ToolchainError

# A stand-in for a native solc: answers --version like solc does and compiles --standard-json
# input with solc-js, logging its arguments.
_SHIM_JS = """
const solc = require(process.argv[2]);
const input = require('fs').readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input));
"""


def _version_banner(version: str) -> str:
    return (
        'echo "solc, the solidity compiler commandline interface"\n'
        f'echo "Version: {version}+commit.73712a01.Linux.g++"\n'
    )


def fake_solc(folder: Path, version: str, *, name: str = "solc", log: Path | None = None) -> Path:
    shim = folder.parent / "solc_shim.js"
    shim.write_text(_SHIM_JS)
    log_line = f'echo "$@" >> {shlex.quote(str(log))}\n' if log else ""
    body = (
        log_line + 'case "$1" in\n'
        f"  --version) {_version_banner(version)} ;;\n"
        f"  --standard-json) exec {shlex.quote(real_node())} {shlex.quote(str(shim))} "
        f"{shlex.quote(str(NODE_MODULES / 'solc'))} ;;\n"
        '  *) echo "unexpected arguments: $@" >&2; exit 1 ;;\n'
        "esac\n"
    )
    return write_script(folder, name, body)


def test_no_native_solc_names_how_to_get_one(isolated_path: Path) -> None:
    assert find_native_solc() is None
    with pytest.raises(ToolchainError) as caught:
        get_compiler("solcx")
    message = str(caught.value)
    assert f"no native solc {PINNED_SOLC_VERSION} found" in message
    assert f"python -m solcx.install v{PINNED_SOLC_VERSION}" in message
    assert "--compiler solcjs" in message


def test_solc_on_path_of_another_version_is_a_mismatch(isolated_path: Path) -> None:
    fake_solc(isolated_path, "0.8.29")
    with pytest.raises(
        ToolchainError, match=r"solc on PATH .* is 0\.8\.29 but decree8 pins 0\.8\.30"
    ):
        SolcxCompiler()
    assert find_native_solc() is None  # not strict: auto just falls back


def test_auto_falls_back_to_solcjs_when_native_is_another_version(
    isolated_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_solc(isolated_path, "0.8.29")
    node_dir = isolated_path.parent / "nodebin"
    node_dir.mkdir()
    (node_dir / "node").symlink_to(real_node())
    monkeypatch.setenv("PATH", f"{isolated_path}:{node_dir}")
    with get_compiler("auto", root=REPO) as compiler:
        assert isinstance(compiler, SolcJsCompiler)


def test_solc_printing_no_version_is_refused(isolated_path: Path) -> None:
    write_script(isolated_path, "solc", 'echo "not a compiler"\n')
    with pytest.raises(ToolchainError, match="did not print a solc version"):
        SolcxCompiler()


def test_pinned_solc_on_path_is_found_and_run_with_standard_json(
    isolated_path: Path, tmp_path: Path
) -> None:
    log = tmp_path / "args.log"
    binary = fake_solc(isolated_path, PINNED_SOLC_VERSION, log=log)
    native = find_native_solc()
    assert native is not None
    assert (native.path, native.version, native.origin) == (binary, "0.8.30", "PATH")
    with get_compiler("auto", root=tmp_path) as compiler:
        assert isinstance(compiler, SolcxCompiler)
        assert compiler.backend == "solcx" and compiler.version == "0.8.30"
        assert compiler.full_version == "0.8.30+commit.73712a01.Linux.g++"
        out = compiler.compile_standard(
            {
                "language": "Solidity",
                "sources": {"a.sol": {"content": "// SPDX-License-Identifier: MIT\ncontract A {}"}},
                "settings": {"outputSelection": {"*": {"*": ["evm.bytecode.object"]}}},
            }
        )
    assert out["contracts"]["a.sol"]["A"]["evm"]["bytecode"]["object"].startswith("6080")
    calls = log.read_text().splitlines()
    assert calls[-1] == f"--standard-json --allow-paths {tmp_path.resolve()}"
    assert "--version" in calls


def test_solc_installed_by_py_solc_x_is_preferred(
    isolated_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = fake_solc(tmp_path / "solcx", PINNED_SOLC_VERSION, name="solc-v0.8.30")
    fake_solc(isolated_path, PINNED_SOLC_VERSION)
    native = find_native_solc()
    assert native is not None and (native.path, native.origin) == (installed, "py-solc-x")


def test_native_compile_errors_become_diagnostics(isolated_path: Path) -> None:
    fake_solc(isolated_path, PINNED_SOLC_VERSION)
    source = (FIXTURES / "broken" / "contracts" / "Broken.sol").read_text()
    with pytest.raises(CompileError, match=r"^contracts/Broken\.sol:9:5: error: ParserError: "):
        SolcxCompiler().compile_standard(
            {"language": "Solidity", "sources": {"contracts/Broken.sol": {"content": source}}}
        )


def test_native_output_that_is_not_json_is_a_toolchain_error(isolated_path: Path) -> None:
    write_script(
        isolated_path,
        "solc",
        'if [ "$1" = --version ]; then\n'
        + _version_banner(PINNED_SOLC_VERSION)
        + 'else echo "Segmentation fault" >&2; exit 139; fi\n',
    )
    with pytest.raises(ToolchainError, match="exited with code 139 .*: Segmentation fault"):
        SolcxCompiler().compile_standard({"language": "Solidity", "sources": {}})


def test_both_backends_build_byte_identical_input_and_bytecode(
    isolated_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, solcjs: SolcJsCompiler
) -> None:
    fake_solc(isolated_path, PINNED_SOLC_VERSION)
    native = build_project(FIXTURES / "simple", SolcxCompiler(), cache_dir=tmp_path / "native")
    js = build_project(FIXTURES / "simple", solcjs, cache_dir=tmp_path / "js")
    assert native.backend == "solcx" and js.backend == "solcjs"
    assert native.input == js.input and native.cache_key == js.cache_key
    for name in ("Counter", "Math"):
        assert native.artifact(name).bytecode == js.artifact(name).bytecode
        assert native.artifact(name).metadata == js.artifact(name).metadata


@pytest.mark.solcx
def test_real_native_solc_matches_solcjs(tmp_path: Path, solcjs: SolcJsCompiler) -> None:
    native = find_native_solc()
    if native is None:
        pytest.skip(
            f"no native solc {PINNED_SOLC_VERSION}: `python -m solcx.install "
            f"v{PINNED_SOLC_VERSION}` or put it on PATH"
        )
    built = build_project(FIXTURES / "oz", SolcxCompiler(native.path), cache_dir=tmp_path / "n")
    reference = build_project(FIXTURES / "oz", solcjs, cache_dir=tmp_path / "j")
    art, ref = built.artifact("FixtureToken"), reference.artifact("FixtureToken")
    assert art.bytecode == ref.bytecode and art.deployed_bytecode == ref.deployed_bytecode
