"""The foundation commands through click's runner and, for `node`, as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_utils import to_checksum_address

from decree8 import __version__
from decree8.chain import Chain
from decree8.chain.node import free_port, wait_for_rpc
from decree8.cli import main
from decree8.deploy import Deployment
from schema_check import assert_valid

REPO = Path(__file__).resolve().parents[2]
TERMS = REPO / "examples" / "terms" / "minsk-token-white-paper.md"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def _one_line_error(result: object) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_version_and_help(runner: CliRunner) -> None:
    for flag in ("--version", "-V"):
        result = runner.invoke(main, [flag])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == (
            f"decree8 {__version__} (templates built with solc 0.8.30, "
            "OpenZeppelin Contracts 5.4.0)"
        )
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("templates", "compile", "deploy", "node"):
        assert command in result.output
        sub = runner.invoke(main, [command, "--help"])
        assert sub.exit_code == 0, sub.output


def test_templates_lists_each_template_with_rules_as_json(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--json", "templates"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert_valid(data, "templates_catalogue")
    assert data["schema"] == "decree8.template-catalogue/1"
    names = [t["name"] for t in data["templates"]]
    assert names == ["holder-registry", "compliant-token", "deal-escrow"]
    token = data["templates"][1]
    assert "SUPPLY-CAP" in token["rules"] and token["contract"] == "CompliantToken"
    assert {p["name"] for p in token["params"]} >= {"name", "symbol", "cap", "terms", "registry"}


def test_templates_detail_shows_parameters_and_roles(runner: CliRunner) -> None:
    result = runner.invoke(main, ["templates", "deal-escrow"])
    assert result.exit_code == 0, result.output
    assert "OPERATOR_ROLE" in result.output and "--param" in result.output


def test_unknown_template_is_one_line_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["templates", "nope"])
    assert result.exit_code == 2
    assert "unknown template 'nope'" in _one_line_error(result)


def test_compile_warm_build_is_a_cache_hit(runner: CliRunner) -> None:
    first = runner.invoke(main, ["--json", "compile", str(REPO)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["--json", "compile", str(REPO)])
    assert second.exit_code == 0, second.output
    data = json.loads(second.stdout)
    assert data["cached"] is True
    assert {"CompliantToken", "HolderRegistry", "DealEscrow"} <= {
        c["name"] for c in data["contracts"]
    }


def test_compile_syntax_error_names_file_line_and_column(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Broken.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract Broken {\n"
        "    uint256 x\n}\n"
    )
    result = runner.invoke(main, ["compile", str(tmp_path)])
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "contracts/Broken.sol:5:1: error: ParserError" in line
    assert not (tmp_path / "build" / "artifacts" / "Broken.json").exists()


def test_compile_missing_import_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.sol").write_text(
        '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\nimport "./Missing.sol";\n'
        "contract A {}\n"
    )
    result = runner.invoke(main, ["compile", str(tmp_path)])
    assert result.exit_code == 2
    assert "Missing.sol" in _one_line_error(result)


def test_deploy_writes_a_manifest_and_refuses_to_overwrite(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "registry.json"
    args = [
        "--json",
        "deploy",
        "holder-registry",
        "--param",
        "operator_registration=HTP-2019-0777",
        "--out",
        str(out),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["template"] == "holder-registry" and data["manifest"] == str(out)
    dep = Deployment.load(out)
    assert (
        dep.contract == "HolderRegistry" and dep.params["operator_registration"] == "HTP-2019-0777"
    )
    before = out.read_text()
    again = runner.invoke(main, args)
    assert again.exit_code == 2
    assert "--force" in _one_line_error(again)
    assert out.read_text() == before


def test_deploy_token_hashes_the_terms_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "token.json"
    result = runner.invoke(
        main,
        [
            "--json",
            "deploy",
            "compliant-token",
            "--out",
            str(out),
            "--param",
            "name=Minsk Digital Token",
            "--param",
            "symbol=MDT",
            "--param",
            "cap=1000000e18",
            "--param",
            "issuer_registration=HTP-2018-0421",
            "--param",
            "registry=1",
            "--param",
            f"terms={TERMS}",
            "--param",
            "legal_order_authority=2",  # never the admin (the deployer)
        ],
    )
    assert result.exit_code == 0, result.output
    dep = Deployment.load(out)
    from eth_utils import keccak

    assert dep.terms_hash == "0x" + keccak(TERMS.read_bytes()).hex()
    assert dep.params["cap"] == 10**24 or dep.params["cap"] == str(10**24)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["--param", "operator_registration"], "is not KEY=VALUE"),
        (["--param", "colour=red"], "no parameter 'colour'"),
        ([], "needs --param operator_registration"),
        (["--param", "operator_registration=" + "x" * 40], "at most 32 bytes"),
    ],
)
def test_deploy_bad_params_are_one_line(runner: CliRunner, params: list[str], message: str) -> None:
    result = runner.invoke(main, ["deploy", "holder-registry", *params])
    assert result.exit_code == 2
    assert message in _one_line_error(result)


def test_rpc_that_does_not_answer_fails_fast(runner: CliRunner) -> None:
    port = free_port()
    started = time.monotonic()
    result = runner.invoke(
        main,
        [
            "--rpc",
            f"http://127.0.0.1:{port}",
            "deploy",
            "holder-registry",
            "--param",
            "operator_registration=HTP",
        ],
    )
    assert result.exit_code == 2
    assert "no JSON-RPC node answered" in _one_line_error(result)
    assert time.monotonic() - started < 15


def test_corrupt_manifest_via_library_gives_exit_2_line(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text("{")
    from decree8.errors import ManifestError

    with pytest.raises(ManifestError):
        Deployment.load(bad)


def test_debug_shows_the_traceback(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--debug", "templates", "nope"])
    assert result.exit_code != 0
    assert result.exception is not None


@pytest.mark.rpc
def test_node_command_serves_json_rpc_and_stops(tmp_path: Path) -> None:
    port = free_port()
    exe = Path(sys.executable).with_name("decree8")
    proc = subprocess.Popen(
        [str(exe), "node", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_rpc(url, 30, proc)
        chain = Chain.rpc(url)
        assert len(chain.accounts) == 10
        runner = CliRunner()
        result = runner.invoke(
            main,
            [
                "--rpc",
                url,
                "--json",
                "deploy",
                "holder-registry",
                "--param",
                "operator_registration=HTP-1",
                "--out",
                str(tmp_path / "r.json"),
            ],
        )
        assert result.exit_code == 0, result.output
        dep = Deployment.load(tmp_path / "r.json", chain_id=chain.chain_id)
        assert chain.w3.eth.get_code(to_checksum_address(dep.address)) != b""
        chain.close()
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode is not None
