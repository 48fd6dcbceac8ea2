"""The templates travel inside the package: sources, vendored OpenZeppelin files, artifacts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import decree8.compile as compile_module
from decree8.cli import main
from decree8.compile.build import VENDOR_DIR
from decree8.errors import ToolchainError
from decree8.templates import home
from decree8.templates.ship import plan

REPO = Path(__file__).resolve().parents[2]


def test_shipped_files_are_byte_identical_to_a_fresh_build_of_the_shipped_sources() -> None:
    wanted = plan("solcjs")  # compiles the template sources and the demo's mock afresh
    assert wanted, "nothing would ship"
    for path, data in wanted.items():
        assert path.is_file(), f"{path} is not shipped: run `make artifacts`"
        assert path.read_bytes() == data, f"{path} differs from a fresh build: run `make artifacts`"
    vendored = {p for p in (VENDOR_DIR / home.OZ_DIR).rglob("*") if p.is_file()}
    assert vendored - set(wanted) == {VENDOR_DIR / home.OZ_DIR / "LICENSE"}


def test_openzeppelin_licence_and_version_ship_with_the_vendored_files() -> None:
    licence = (VENDOR_DIR / home.OZ_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Zeppelin Group Ltd" in licence and "MIT" in licence
    # the copy the distributions' metadata lists (a path without "@", which setuptools refuses)
    assert (VENDOR_DIR / "OPENZEPPELIN-LICENSE").read_text(encoding="utf-8") == licence
    pinned = json.loads((REPO / "package.json").read_text())["dependencies"]
    assert home.openzeppelin_version() == pinned["@openzeppelin/contracts"]


def test_template_build_needs_no_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_compiler(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a compiler was asked for")

    monkeypatch.setattr(compile_module, "get_compiler", no_compiler)
    build = home.template_build()
    assert {"CompliantToken", "HolderRegistry", "DealEscrow"} <= set(build.artifacts)
    token = build.artifact("CompliantToken")
    assert token.deployed_bytecode and token.metadata and token.abi
    assert token.compiler_version == compile_module.PINNED_SOLC_VERSION
    assert "UnrecordedToken" in home.scenario_build().artifacts
    # what verify compares against, and what check and audit load (decree8.cli's App.build)
    from decree8.cli._app import App
    from decree8.verify import rebuild

    assert rebuild().artifact("CompliantToken").deployed_bytecode == token.deployed_bytecode
    assert App().build().artifact("DealEscrow").bytecode == build.artifact("DealEscrow").bytecode


def test_changed_template_sources_are_compiled_into_the_build_folder_not_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_home = tmp_path / "home"
    (fake_home / "contracts").mkdir(parents=True)
    for folder in ("interfaces", "legal", "registry", "token", "escrow"):
        src = REPO / "contracts" / folder
        dst = fake_home / "contracts" / folder
        dst.mkdir()
        for sol in src.glob("*.sol"):
            (dst / sol.name).write_bytes(sol.read_bytes())
    token = fake_home / "contracts" / "token" / "CompliantToken.sol"
    token.write_text(token.read_text() + "\n// a local change\n")
    monkeypatch.setenv("DECREE8_HOME", str(fake_home))
    assert not home.shipped_artifacts_current()
    build = home.template_build(build_dir=tmp_path / "out")
    assert build.build_dir == tmp_path / "out"
    assert (tmp_path / "out" / "artifacts" / "CompliantToken.json").is_file()
    changed = hashlib.sha256(token.read_bytes()).hexdigest()
    assert build.artifact("CompliantToken").source_hash == changed
    monkeypatch.delenv("DECREE8_HOME")
    shipped = home.template_build().artifact("CompliantToken")
    assert shipped.source_hash != changed and shipped.input_hash != build.input_hash


def test_decree8_home_without_templates_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECREE8_HOME", str(tmp_path))
    with pytest.raises(ToolchainError, match="has no contracts/token folder"):
        home.template_home()


def test_demo_and_deploy_work_without_node_or_solc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Node.js, no npm and no native solc on PATH: the shipped templates keep working."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "solcx"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        main, ["deploy", "holder-registry", "--param", "operator_registration=HTP-0421", "--json"]
    )
    assert result.exit_code == 0, result.output
    manifest = Path(json.loads(result.stdout)["manifest"])
    assert manifest.is_file()
    result = runner.invoke(main, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    assert not (tmp_path / ".decree8").exists()  # nothing was compiled or cached here
