"""`decree8 check call` and `decree8 check tx` against a `decree8 node` chain served in a thread:
exit 0 when compliant, 1 when not, 2 (one line) for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from decree8.chain import RpcChain
from decree8.cli import main
from decree8.compile import Build
from schema_check import assert_valid
from support import ISSUED, System, served_system


@pytest.fixture(scope="module")
def node(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, Path]]:
    folder = tmp_path_factory.mktemp("manifests")
    with served_system(build, folder) as (system, _):
        yield system, folder


def run(system: System, *args: str) -> Result:
    assert isinstance(system.chain, RpcChain)
    url = system.chain.url
    return CliRunner().invoke(main, ["--rpc", url, *args])


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("decree8: error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_compliant_call_exits_0(node: tuple[System, Path]) -> None:
    s, folder = node
    result = run(
        s,
        "check",
        "call",
        "--to",
        s.token.address,
        "--from",
        s.alice,
        "--fn",
        "transfer",
        "--arg",
        s.carol,
        "--arg",
        "5",
        "--manifest",
        str(folder / "compliant-token.json"),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "COMPLIANT"


def test_violation_text_lists_every_failing_rule(node: tuple[System, Path]) -> None:
    s, _ = node
    # No manifest: the token is recognised from its code. Account 9 is dave (not identified).
    result = run(
        s,
        "check",
        "call",
        "--to",
        s.token.address,
        "--from",
        "5",
        "--fn",
        "transfer",
        "--arg",
        "9",
        "--arg",
        "1e3",
    )
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert out.splitlines()[0] == "VIOLATION: 2 rules"
    for text in (
        "HOLDER-IDENTIFIED",
        "TERMS-ACCEPTED",
        "legal basis: HTP AML/KYC rules",
        "confidence: secondary source",
        "on-chain restriction code: 4",
        "simulation: reverts with TransferRestricted(code=4",
    ):
        assert text in out, out


def test_json_output_is_the_verdict(node: tuple[System, Path]) -> None:
    s, _ = node
    result = run(
        s,
        "--json",
        "check",
        "call",
        "--to",
        s.token.address,
        "--from",
        s.alice,
        "--fn",
        "transfer",
        "--arg",
        s.bob,
        "--arg",
        "5",
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert_valid(data)  # the decree8.report/1 report, one verdict
    assert data["kind"] == "check" and data["ok"] is False and len(data["verdicts"]) == 1
    verdict = data["verdicts"][0]
    assert verdict["verdict"] == "violation" and verdict["rule_ids"] == ["P2P-SALE"]
    assert verdict["simulation"]["code"] == 7 and verdict["call"]["function"] == "transfer"
    assert data["subject"] == [s.token.address] and data["law"] == verdict["law"]
    assert [f["rule_id"] for f in data["findings"]] == ["P2P-SALE"]
    # the keys check --json had at its top before 0.2.0 are still there (deprecated)
    assert data["verdict"] == "violation" and data["rule_ids"] == ["P2P-SALE"]
    assert data["simulation"] == verdict["simulation"] and data["call"] == verdict["call"]


def test_tx_file_and_policy_label(node: tuple[System, Path], tmp_path: Path) -> None:
    s, _ = node
    spec = {"to": s.token.address, "from": s.alice, "function": "pause", "args": []}
    path = tmp_path / "call.json"
    path.write_text(json.dumps(spec))
    result = run(s, "check", "call", "--tx", str(path))
    assert result.exit_code == 1, result.output
    assert "OVERSIGHT-PAUSE" in result.stdout and "POLICY" in result.stdout


def test_check_tx_successful_and_failed(node: tuple[System, Path]) -> None:
    s, folder = node
    good = s.send_raw(s.token, "transfer", s.carol, 5, sender=s.alice)
    bad = s.send_raw(s.token, "transfer", s.dave, 5, sender=s.alice)
    result = run(
        s, "--json", "check", "tx", good, "--manifest", str(folder / "compliant-token.json")
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["compliant"] and data["tx_hash"] == good and data["events"][0]["name"] == "Transfer"
    result = run(s, "check", "tx", bad)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("VIOLATION: 2 rules")
    assert "on chain: reverted with TransferRestricted(code=4" in result.stdout


def test_check_tx_of_a_refused_transaction_exits_1_and_says_refused(
    node: tuple[System, Path],
) -> None:
    """A transaction that reverted for a reason that is no rule is REFUSED (exit 1), never
    COMPLIANT: it did not happen, lawfully or not. On this node (no revert data kept, no trace)
    the revert comes from a replay on the block before."""
    s, _ = node
    refused = s.send_raw(s.token, "transfer", s.carol, 10**30, sender=s.alice)
    result = run(s, "--json", "check", "tx", refused)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "refused" and data["rule_ids"] == [] and not data["compliant"]
    assert data["refusal"].startswith("ERC20InsufficientBalance(")
    assert data["simulation"]["recovered_by"] == "parent replay"
    assert data["law"]["label"] == "law in force from 20.09.2024"
    text = run(s, "check", "tx", refused).stdout
    assert text.startswith("REFUSED: the call reverted with ERC20InsufficientBalance(")
    assert "law applied: law in force from 20.09.2024" in text


def test_escrow_transaction_checked_by_cli(node: tuple[System, Path]) -> None:
    s, _ = node
    deal = s.open_deal(s.alice, s.carol)
    h = s.send_raw(s.escrow, "fund", deal, sender=s.alice, value=10**18)
    result = run(s, "check", "tx", h)
    assert result.exit_code == 0, result.output
    assert "LegFunded" in result.stdout


# -- bad input: one line, exit 2 -------------------------------------------------------------------


def test_address_without_code(node: tuple[System, Path]) -> None:
    s, _ = node
    line = one_error_line(
        run(
            s,
            "check",
            "call",
            "--to",
            s.dave,
            "--from",
            s.alice,
            "--fn",
            "transfer",
            "--arg",
            s.bob,
            "--arg",
            "1",
        )
    )
    assert "no contract" in line


def test_contract_that_is_not_a_template(node: tuple[System, Path]) -> None:
    s, _ = node
    # Init code that deploys the one-byte runtime code 0x00.
    receipt = s.chain.transact({"from": s.admin, "data": "0x6001600c60003960016000f300"})
    other = receipt["contractAddress"]
    assert other is not None
    line = one_error_line(
        run(
            s,
            "check",
            "call",
            "--to",
            other,
            "--from",
            s.alice,
            "--fn",
            "transfer",
            "--arg",
            s.bob,
            "--arg",
            "1",
        )
    )
    assert "not a decree8 template" in line


def test_manifest_with_unknown_template(node: tuple[System, Path], tmp_path: Path) -> None:
    s, folder = node
    data = json.loads((folder / "compliant-token.json").read_text())
    data["template"] = "no-such-template"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    line = one_error_line(run(s, "check", "tx", "0x" + "ab" * 32, "--manifest", str(path)))
    assert "unknown template" in line


def test_hash_that_is_not_a_transaction(node: tuple[System, Path]) -> None:
    s, _ = node
    assert "not a transaction" in one_error_line(run(s, "check", "tx", "0x" + "ab" * 32))
    assert "not a transaction hash" in one_error_line(run(s, "check", "tx", "0xnope"))


def test_function_the_template_does_not_have(node: tuple[System, Path], tmp_path: Path) -> None:
    s, _ = node
    line = one_error_line(
        run(
            s,
            "check",
            "call",
            "--to",
            s.registry.address,
            "--from",
            s.alice,
            "--fn",
            "transfer",
            "--arg",
            s.bob,
            "--arg",
            "1",
        )
    )
    assert "HolderRegistry has no function 'transfer'" in line
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"to": s.token.address, "from": s.alice, "data": "0xdeadbeef"}))
    line = one_error_line(run(s, "check", "call", "--tx", str(path)))
    assert "0xdeadbeef is not a function of CompliantToken" in line


def test_wrong_number_or_type_of_args(node: tuple[System, Path]) -> None:
    s, _ = node
    base = ["check", "call", "--to", s.token.address, "--from", s.alice, "--fn", "transfer"]
    line = one_error_line(run(s, *base, "--arg", s.bob))
    assert "takes 2 arguments, 1 given" in line
    line = one_error_line(run(s, *base, "--arg", "bob", "--arg", "1"))
    assert "argument to (address)" in line
    line = one_error_line(run(s, *base, "--arg", s.bob, "--arg", "lots"))
    assert "argument value (uint256)" in line
    line = one_error_line(run(s, *base, "--arg", s.bob, "--arg", str(ISSUED * 2**200)))
    assert "does not fit" in line


def test_malformed_tx_json_names_the_line(node: tuple[System, Path], tmp_path: Path) -> None:
    s, _ = node
    path = tmp_path / "call.json"
    path.write_text('{\n  "to": "0x00",\n  "from": \n}\n')
    line = one_error_line(run(s, "check", "call", "--tx", str(path)))
    assert "line 4" in line and "not valid JSON" in line
