"""build_project: sources and imports, the standard-JSON input, the cache and the artifacts."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from compile_support import FIXTURES, REPO

from decree8.compile import (
    OUTPUT_SELECTION,
    PINNED_SOLC_VERSION,
    Build,
    SolcJsCompiler,
    build_project,
    cache_key,
    collect_sources,
    find_imports,
)
from decree8.compile.build import BUILD_DIR
from decree8.errors import CompileError, ImportNotFound, UsageError
from decree8.fsutil import canonical_json

# ---------------------------------------------------------------------------------------------
# Imports and sources (no compiling)


def test_find_imports_reads_every_form_and_skips_comments_and_strings() -> None:
    source = (
        'import "./A.sol";\n'
        "import * as B from './B.sol';\n"
        'import {C, D as E} from "../C.sol";  // import "./Commented.sol";\n'
        "/* import \"./Block.sol\";\n   import './Block2.sol'; */\n"
        'import "@openzeppelin/contracts/F.sol" as F;\n'
        'string constant URL = "https://example.org/import \\"./Str.sol\\"";\n'
        'import {\n    G\n} from "./G.sol";\n'
    )
    assert find_imports(source) == [
        ("./A.sol", 1, 9),
        ("./B.sol", 2, 21),
        ("../C.sol", 3, 26),
        ("@openzeppelin/contracts/F.sol", 6, 9),
        ("./G.sol", 10, 9),
    ]


def test_sources_are_inlined_with_stable_names_in_sorted_order() -> None:
    contents, roots, hashes = collect_sources(FIXTURES / "oz")
    assert roots == ["contracts/FixtureToken.sol"]
    assert list(contents) == sorted(contents)
    assert "@openzeppelin/contracts/token/ERC20/ERC20.sol" in contents
    # relative imports inside OpenZeppelin keep the package's unit names
    assert "@openzeppelin/contracts/token/ERC20/IERC20.sol" in contents
    assert "@openzeppelin/contracts/interfaces/draft-IERC6093.sol" in contents
    assert all(u.startswith(("contracts/", "@openzeppelin/contracts/")) for u in contents)
    erc20 = REPO / "node_modules/@openzeppelin/contracts/token/ERC20/ERC20.sol"
    assert contents["@openzeppelin/contracts/token/ERC20/ERC20.sol"] == erc20.read_text()
    assert (
        hashes["contracts/FixtureToken.sol"]
        == hashlib.sha256((FIXTURES / "oz/contracts/FixtureToken.sol").read_bytes()).hexdigest()
    )


def test_relative_imports_are_resolved_against_the_importing_file() -> None:
    contents, roots, _ = collect_sources(FIXTURES / "simple")
    assert list(contents) == ["contracts/Counter.sol", "contracts/lib/Math.sol"]
    assert roots == list(contents)


def test_project_root_relative_imports_resolve(tmp_path: Path) -> None:
    (tmp_path / "contracts" / "deep").mkdir(parents=True)
    (tmp_path / "contracts" / "Base.sol").write_text("contract Base {}\n")
    (tmp_path / "contracts" / "deep" / "Top.sol").write_text(
        'import {Base} from "contracts/Base.sol";\ncontract Top is Base {}\n'
    )
    contents, _, _ = collect_sources(tmp_path)
    assert list(contents) == ["contracts/Base.sol", "contracts/deep/Top.sol"]


def test_unresolved_import_names_the_importing_file_and_line() -> None:
    with pytest.raises(ImportNotFound) as caught:
        collect_sources(FIXTURES / "missing")
    (diag,) = caught.value.diagnostics
    assert (diag.file, diag.line, diag.column) == ("contracts/Lost.sol", 5, 21)
    assert str(caught.value) == (
        'contracts/Lost.sol:5:21: error: ImportNotFound: import "./nowhere/Gone.sol" not found'
    )


def test_an_import_escaping_the_project_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.sol").write_text('import "../../Outside.sol";\ncontract A {}\n')
    with pytest.raises(ImportNotFound, match=r"contracts/A\.sol:1:"):
        collect_sources(tmp_path)


def test_no_sources_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no Solidity sources"):
        build_project(tmp_path, cache_dir=tmp_path / "build")


def test_the_repository_contracts_tree_resolves_every_import() -> None:
    contents, roots, _ = collect_sources(REPO)
    assert roots and all(r.startswith("contracts/") for r in roots)
    assert any(u.startswith("@openzeppelin/contracts/") for u in contents)


# ---------------------------------------------------------------------------------------------
# Building


def test_cold_build_writes_cache_input_and_artifacts(
    tmp_path: Path, solcjs: SolcJsCompiler
) -> None:
    build = build_project(FIXTURES / "simple", solcjs, cache_dir=tmp_path)
    assert not build.cached and build.backend == "solcjs"
    assert sorted(build.artifacts) == ["Counter", "Math"]
    expected_key = hashlib.sha256(
        (PINNED_SOLC_VERSION + "\n" + canonical_json(build.input)).encode()
    ).hexdigest()
    assert build.cache_key == expected_key == cache_key(PINNED_SOLC_VERSION, build.input)
    assert json.loads((tmp_path / "cache" / f"{expected_key}.json").read_text()) == build.output
    assert json.loads((tmp_path / "input.json").read_text()) == build.input

    saved = json.loads((tmp_path / "artifacts" / "Counter.json").read_text())
    counter = build.artifact("Counter")
    assert saved["bytecode"] == counter.bytecode and counter.bytecode.startswith("6080")
    assert saved["deployedBytecode"] == counter.deployed_bytecode
    assert {e["name"] for e in saved["abi"]} == {"increase", "count", "Increased"}
    assert json.loads(saved["metadata"])["settings"]["optimizer"] == {"enabled": True, "runs": 200}
    assert saved["source"] == "contracts/Counter.sol"
    assert saved["compiler_version"] == "0.8.30"
    assert saved["input_hash"] == hashlib.sha256(canonical_json(build.input).encode()).hexdigest()
    assert (
        saved["settings_hash"]
        == hashlib.sha256(canonical_json(build.input["settings"]).encode()).hexdigest()
    )
    assert (
        saved["source_hash"]
        == hashlib.sha256((FIXTURES / "simple/contracts/Counter.sol").read_bytes()).hexdigest()
    )
    assert saved["methodIdentifiers"] == {"count()": "06661abd", "increase(uint256)": "30f3f0db"}
    for key in ("immutableReferences", "linkReferences"):
        assert saved[key] == {}
    assert not list(tmp_path.rglob("*.tmp"))


def test_settings_are_decree8s(tmp_path: Path, solcjs: SolcJsCompiler) -> None:
    build = build_project(FIXTURES / "simple", solcjs, cache_dir=tmp_path)
    settings = build.input["settings"]
    assert settings["optimizer"] == {"enabled": True, "runs": 200}
    assert settings["evmVersion"] == "cancun"
    assert settings["viaIR"] is False
    assert settings["metadata"] == {"bytecodeHash": "ipfs"}
    assert settings["outputSelection"] == {
        "contracts/Counter.sol": {"*": list(OUTPUT_SELECTION)},
        "contracts/lib/Math.sol": {"*": list(OUTPUT_SELECTION)},
    }
    assert build.input["language"] == "Solidity"
    assert all(set(s) == {"content"} for s in build.input["sources"].values())


def test_warm_build_compiles_nothing_and_starts_no_worker(
    project: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("simple")
    cold = build_project(root, "solcjs")
    assert not cold.cached
    artifact_file = root / BUILD_DIR / "artifacts" / "Counter.json"
    written = artifact_file.stat().st_mtime_ns

    # With no node on PATH a solc-js compiler could not even be created: the warm build
    # must not try.
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    started = time.perf_counter()
    warm = build_project(root, "solcjs")
    elapsed = time.perf_counter() - started
    assert warm.cached and warm.backend is None
    assert elapsed < 0.5
    assert warm.cache_key == cold.cache_key
    assert warm.artifact("Counter") == cold.artifact("Counter")
    assert artifact_file.stat().st_mtime_ns == written  # nothing rewritten


def test_warm_build_with_a_compiler_object_leaves_its_worker_unstarted(
    project: Callable[[str], Path],
) -> None:
    root = project("simple")
    with SolcJsCompiler(REPO) as first:
        build_project(root, first)
    with SolcJsCompiler(REPO) as second:
        warm = build_project(root, second)
        assert warm.cached and second.worker_pid is None


def test_an_edited_source_is_compiled_again(
    project: Callable[[str], Path], solcjs: SolcJsCompiler
) -> None:
    root = project("simple")
    first = build_project(root, solcjs)
    library = root / "contracts" / "lib" / "Math.sol"
    library.write_text(library.read_text() + "// an edit\n")
    second = build_project(root, solcjs)
    assert not second.cached and second.cache_key != first.cache_key
    assert len(list((root / BUILD_DIR / "cache").iterdir())) == 2


def test_other_settings_change_the_key(tmp_path: Path, solcjs: SolcJsCompiler) -> None:
    default = build_project(FIXTURES / "simple", solcjs, cache_dir=tmp_path)
    tuned = build_project(
        FIXTURES / "simple", solcjs, cache_dir=tmp_path, settings={"optimizer": {"runs": 1000}}
    )
    assert tuned.input["settings"]["optimizer"] == {"enabled": True, "runs": 1000}
    assert tuned.settings_hash != default.settings_hash
    assert tuned.cache_key != default.cache_key and not tuned.cached


def test_sources_argument_limits_the_build(tmp_path: Path, solcjs: SolcJsCompiler) -> None:
    build = build_project(
        FIXTURES / "simple", solcjs, sources=["contracts/lib/Math.sol"], cache_dir=tmp_path
    )
    assert list(build.input["sources"]) == ["contracts/lib/Math.sol"]
    assert list(build.artifacts) == ["Math"]


def test_openzeppelin_import_builds(oz_build: Build) -> None:
    token = oz_build.artifact("FixtureToken")
    assert token.is_deployable
    names = {e["name"] for e in token.abi if e["type"] == "function"}
    assert {"transfer", "approve", "balanceOf", "totalSupply"} <= names
    assert list(oz_build.artifacts) == ["FixtureToken"]  # no artifacts for library code
    assert oz_build.warnings == ()


def test_openzeppelin_build_is_warm_the_second_time(oz_build: Build) -> None:
    again = build_project(FIXTURES / "oz", "solcjs", cache_dir=oz_build.build_dir)
    assert again.cached and again.artifact("FixtureToken") == oz_build.artifact("FixtureToken")


def test_syntax_error_fails_the_build_and_caches_nothing(
    tmp_path: Path, solcjs: SolcJsCompiler
) -> None:
    with pytest.raises(CompileError) as caught:
        build_project(FIXTURES / "broken", solcjs, cache_dir=tmp_path)
    assert str(caught.value).startswith("contracts/Broken.sol:9:5: error: ParserError: ")
    assert not (tmp_path / "cache").exists()


def test_warnings_are_surfaced_cold_and_warm(tmp_path: Path, solcjs: SolcJsCompiler) -> None:
    for expect_cached in (False, True):
        build = build_project(FIXTURES / "warn", solcjs, cache_dir=tmp_path)
        assert build.cached is expect_cached
        (warning,) = build.warnings
        assert warning.severity == "warning"
        assert (warning.file, warning.line, warning.column) == ("contracts/Noisy.sol", 8, 9)
        assert str(warning) == "contracts/Noisy.sol:8:9: warning: Unused local variable."
        assert build.artifact("Noisy").is_deployable


def test_contracts_sharing_a_name_are_keyed_by_path(tmp_path: Path, solcjs: SolcJsCompiler) -> None:
    build = build_project(FIXTURES / "dup", solcjs, cache_dir=tmp_path)
    assert list(build.artifacts) == ["Thing", "contracts/b/Thing.sol:Thing"]
    with pytest.raises(UsageError, match="Thing is ambiguous .*contracts/a/Thing.sol:Thing"):
        build.artifact("Thing")
    assert build.artifact("contracts/b/Thing.sol:Thing").source == "contracts/b/Thing.sol"
    assert build.artifact("contracts/a/Thing.sol:Thing").source == "contracts/a/Thing.sol"
    assert json.loads((tmp_path / "artifacts/Thing.json").read_text())["source"] == (
        "contracts/a/Thing.sol"
    )
    second = tmp_path / "artifacts/contracts/b/Thing.sol/Thing.json"
    assert json.loads(second.read_text())["source"] == "contracts/b/Thing.sol"
    with pytest.raises(UsageError, match="no contract Nope"):
        build.artifact("Nope")


def test_artifacts_of_removed_contracts_are_deleted_by_a_full_build(
    project: Callable[[str], Path], solcjs: SolcJsCompiler
) -> None:
    root = project("simple")
    build_project(root, solcjs)
    counter = root / "contracts" / "Counter.sol"
    counter.write_text(counter.read_text().replace("contract Counter", "contract Tally"))
    build_project(root, solcjs)
    artifacts = sorted(p.name for p in (root / BUILD_DIR / "artifacts").iterdir())
    assert artifacts == ["Math.json", "Tally.json"]


def test_a_partial_build_keeps_the_other_artifacts(
    project: Callable[[str], Path], solcjs: SolcJsCompiler
) -> None:
    root = project("simple")
    build_project(root, solcjs)
    partial = build_project(root, solcjs, sources=["contracts/lib/Math.sol"])
    assert list(partial.artifacts) == ["Math"]
    assert (root / BUILD_DIR / "artifacts" / "Counter.json").exists()
    saved = json.loads((root / BUILD_DIR / "artifacts" / "Math.json").read_text())
    assert saved["input_hash"] == partial.input_hash


def test_unknown_backend_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown compiler 'solc'"):
        build_project(FIXTURES / "simple", "solc", cache_dir=tmp_path)


@pytest.mark.slow
def test_the_repository_contracts_tree_builds(tmp_path: Path, solcjs: SolcJsCompiler) -> None:
    build = build_project(REPO, solcjs, cache_dir=tmp_path)
    units = {a.source for a in build.artifacts.values()}
    assert units and units <= set(build.input["settings"]["outputSelection"])
    assert all(u.startswith("contracts/") for u in units)
    assert any(a.is_deployable for a in build.artifacts.values())
    assert build_project(REPO, "solcjs", cache_dir=tmp_path).cached
