"""`decree8 verify` against a `decree8 node` chain served in a thread: exit 0 on a match, 1 on a
mismatch, 2 (one line) for bad input; every report format parses back."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from verify_helpers import ISSUER_REGISTRATION, World, deploy_world

from decree8.chain import Chain
from decree8.chain.node import NodeServer
from decree8.cli import main
from decree8.compile import Build
from schema_check import assert_valid


@dataclass
class Node:
    world: World
    url: str
    folder: Path

    def manifest(self, name: str) -> str:
        return str(self.folder / f"{name}.json")


@pytest.fixture(scope="module")
def node(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    server = NodeServer(port=0, accounts=10)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    chain = Chain.rpc(server.url)
    try:
        folder = tmp_path_factory.mktemp("verify-cli")
        world = deploy_world(chain, build, folder)
        world.token.save(folder / "token.json")
        world.other_args.save(folder / "other.json")
        yield Node(world, server.url, folder)
    finally:
        chain.close()
        server.shutdown()
        server.server_close()
        thread.join(10)


def run(node: Node, *args: str, json_output: bool = False) -> Result:
    flags = ["--json"] if json_output else []
    return CliRunner().invoke(main, ["--rpc", node.url, *flags, "verify", *args])


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("decree8: error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def _params(node: Node) -> list[str]:
    out = []
    for key, value in node.world.params.items():
        out += ["--param", f"{key}={value}"]
    return out


def test_exact_match_via_manifest_exits_0_with_the_verdict_first(node: Node) -> None:
    result = run(node, "--manifest", node.manifest("token"), "--terms", str(node.world.terms_file))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"EXACT MATCH: compliant-token v1 at {node.world.token.address}"
    text = result.stdout
    sections = ["Legal facts", "Immutables", "Constructor arguments"]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    assert ISSUER_REGISTRATION in text and "DIFFERS" not in text


def test_exact_match_via_template_params_and_tx_exits_0(node: Node) -> None:
    token = node.world.token
    result = run(
        node, token.address, "--template", "compliant-token", *_params(node), "--tx", token.tx_hash
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("EXACT MATCH: compliant-token v1 at ")


def test_other_constructor_arguments_exit_1_naming_them(node: Node) -> None:
    other = node.world.other_args
    result = run(
        node,
        other.address,
        "--template",
        "compliant-token",
        *_params(node),
        "--tx",
        other.tx_hash,
        json_output=True,
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    facts = data["facts"]
    assert facts["Verdict"].startswith("MISMATCH: compliant-token v1 at ")
    assert "expected" in facts["Immutable cap"] and "expected" in facts["Immutable registry"]
    assert "as expected" in facts["Immutable issuerRegistration"]
    assert "expected" in facts["Constructor argument cap"]
    assert {f["rule_id"] for f in data["findings"]} == {"SUPPLY-CAP", "HOLDER-IDENTIFIED"}
    assert all(f["source"] == "verify" for f in data["findings"])


def test_json_report_follows_the_report_schema(node: Node) -> None:
    result = run(node, "--manifest", node.manifest("other"), "--format", "json")
    assert result.exit_code == 0, result.output  # the manifest expects what was deployed
    data = json.loads(result.stdout)
    schema = json.loads(
        resources.files("decree8.report").joinpath("report.schema.json").read_text()
    )
    assert set(data) == set(schema["required"]) | {"kind", "ok", "law", "verification"}
    assert_valid(data)
    assert data["kind"] == "verify" and data["ok"] is True
    assert data["verification"]["status"] == "exact" and data["verification"]["ok"] is True
    assert data["schema"] == schema["properties"]["schema"]["const"]
    assert data["subject"] == [node.world.other_args.address]
    assert all(isinstance(v, str) for v in data["facts"].values())
    assert data["facts"]["Code"] == "exact"
    check_keys = set(schema["$defs"]["check"]["required"])
    assert data["checks"] and all(set(c) >= check_keys for c in data["checks"])


def test_sarif_report_has_the_sarif_shape(node: Node) -> None:
    other = node.world.other_args
    args = [other.address, "--template", "compliant-token", *_params(node), "--tx", other.tx_hash]
    result = run(node, *args, "--format", "sarif")
    assert result.exit_code == 1, result.output
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0" and "sarif" in sarif["$schema"]
    (run_,) = sarif["runs"]
    assert run_["tool"]["driver"]["name"] == "decree8"
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    results = run_["results"]
    assert {r["ruleId"] for r in results} == {"SUPPLY-CAP", "HOLDER-IDENTIFIED"}
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    assert all(r["message"]["text"] for r in results)


def test_markdown_report_is_written_atomically_and_not_overwritten(
    node: Node, tmp_path: Path
) -> None:
    out = tmp_path / "verify.md"
    result = run(node, "--manifest", node.manifest("token"), "--format", "markdown", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# Verification of compliant-token v1 at ")
    assert "## Legal facts stated by the contract" in headings
    assert "## Summary" in headings
    assert "| Verdict | EXACT MATCH" in text
    again = run(node, "--manifest", node.manifest("token"), "--format", "markdown", "-o", str(out))
    assert "--force" in one_error_line(again)
    out.write_text("old", encoding="utf-8")
    forced = run(
        node,
        "--manifest",
        node.manifest("token"),
        "--format",
        "markdown",
        "-o",
        str(out),
        "--force",
    )
    assert forced.exit_code == 0, forced.output
    assert out.read_text(encoding="utf-8").startswith("# Verification of ")


def test_text_report_to_a_file(node: Node, tmp_path: Path) -> None:
    out = tmp_path / "verify.txt"
    result = run(node, "--manifest", node.manifest("token"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("EXACT MATCH: compliant-token v1 at ")


def test_terms_file_that_differs_exits_1(node: Node, tmp_path: Path) -> None:
    other = tmp_path / "other-terms.txt"
    other.write_text("not the white paper\n", encoding="utf-8")
    result = run(node, "--manifest", node.manifest("token"), "--terms", str(other))
    assert result.exit_code == 1, result.output
    assert "TERMS-BOUND" in result.stdout and "other-terms.txt" in result.stdout


def test_no_code_at_the_address_exits_2(node: Node) -> None:
    empty = node.world.chain.accounts[7]
    line = one_error_line(run(node, empty, "--template", "compliant-token"))
    assert "no contract code" in line and empty in line


def test_unknown_template_exits_2(node: Node) -> None:
    line = one_error_line(run(node, node.world.token.address, "--template", "no-such"))
    assert "unknown template" in line


def test_corrupt_manifest_and_manifest_of_another_chain_exit_2(node: Node, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in one_error_line(run(node, "--manifest", str(corrupt)))
    data = json.loads(Path(node.manifest("token")).read_text(encoding="utf-8"))
    data["chain_id"] = data["chain_id"] + 1
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(data), encoding="utf-8")
    assert "chain" in one_error_line(run(node, "--manifest", str(elsewhere)))


def test_manifest_with_template_flags_exits_2(node: Node) -> None:
    line = one_error_line(
        run(node, "--manifest", node.manifest("token"), "--template", "compliant-token")
    )
    assert "--manifest" in line


def test_unknown_creation_tx_exits_2(node: Node) -> None:
    bogus = "0x" + "ab" * 32
    line = one_error_line(
        run(node, node.world.token.address, "--template", "compliant-token", "--tx", bogus)
    )
    assert bogus in line and "not on this chain" in line
