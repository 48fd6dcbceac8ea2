"""Many checks in one process: `check tx HASH...`, `--from-file`, `--from-block` with a manifest,
and `check call --tx` with JSON Lines, against a `decree8 node` chain served in a thread. The
batch gives the same verdicts as one check at a time, with fewer requests to the node."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from decree8.chain import RpcChain
from decree8.chain.node import NodeServer
from decree8.check.batch import check_many
from decree8.cli import main
from decree8.compile import Build
from schema_check import assert_valid
from support import PURPOSE_GIFT, System, served_system


@pytest.fixture(scope="module")
def node(
    build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[System, Path, NodeServer]]:
    folder = tmp_path_factory.mktemp("manifests")
    with served_system(build, folder) as (system, server):
        yield system, folder, server


def run(system: System, *args: str) -> Result:
    assert isinstance(system.chain, RpcChain)
    return CliRunner().invoke(main, ["--rpc", system.chain.url, *args])


def _mixed(s: System) -> list[str]:
    good = s.send_raw(s.token, "transferWithPurpose", s.carol, 1, PURPOSE_GIFT, sender=s.alice)
    bad = s.send_raw(s.token, "transfer", s.dave, 5, sender=s.alice)
    p2p = s.send_raw(s.token, "transfer", s.bob, 1, sender=s.alice)
    return [good, bad, p2p]


def test_many_hashes_one_line_each(node: tuple[System, Path, NodeServer]) -> None:
    s, _, _ = node
    good, bad, p2p = _mixed(s)
    result = run(s, "check", "tx", good, bad, p2p)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{good}  COMPLIANT"
    assert lines[1] == f"{bad}  VIOLATION: 2 rules  HOLDER-IDENTIFIED, TERMS-ACCEPTED"
    assert lines[2] == f"{p2p}  VIOLATION: 1 rule  P2P-SALE"
    assert "checked 3 transactions: 1 compliant, 2 with violations, 0 not checked" in result.stderr


def test_from_file_json_lines_and_a_hash_that_is_no_transaction(
    node: tuple[System, Path, NodeServer], tmp_path: Path
) -> None:
    s, _, _ = node
    good, bad, _ = _mixed(s)
    missing = "0x" + "ab" * 32
    listing = tmp_path / "hashes.txt"
    listing.write_text(
        f"# to check\n{good}\n\n{missing}  # not on this chain\n0x{bad[2:].upper()}\n"
    )
    result = run(s, "--json", "check", "tx", "--from-file", str(listing))
    assert result.exit_code == 2, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    for record in records:  # one compact decree8.report/1 report a line
        assert_valid(record)
    assert [r["verdicts"][0]["verdict"] for r in records] == ["compliant", "error", "violation"]
    assert [r["tx_hash"] for r in records] == [good, missing, bad]
    assert records[0]["compliant"] is True
    assert "not a transaction on this chain" in records[1]["error"]
    assert records[2]["rule_ids"] == ["HOLDER-IDENTIFIED", "TERMS-ACCEPTED"]


def test_from_file_with_a_line_that_is_no_hash(
    node: tuple[System, Path, NodeServer], tmp_path: Path
) -> None:
    s, _, _ = node
    listing = tmp_path / "hashes.txt"
    listing.write_text("0x" + "ab" * 32 + "\nnot-a-hash\n")
    result = run(s, "check", "tx", "--from-file", str(listing))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"decree8: error: --from-file {listing}, line 2: 'not-a-hash' is not a transaction hash "
        "(0x followed by 64 hex digits)"
    )


def test_block_range_of_a_deployment(node: tuple[System, Path, NodeServer]) -> None:
    s, folder, _ = node
    start = s.chain.block_number + 1
    sent = _mixed(s)
    s.send_raw(
        s.registry, "attest", s.spare[0], 1, b"BY", s.now() + 1000, b"\1" * 32, 2, sender=s.operator
    )  # to the registry: not named by the manifest given
    result = run(
        s,
        "--json",
        "check",
        "tx",
        "--manifest",
        str(folder / "compliant-token.json"),
        "--from-block",
        str(start),
    )
    assert result.exit_code == 1, result.output
    assert [json.loads(line)["tx_hash"] for line in result.stdout.splitlines()] == sent


def test_batch_agrees_with_single_checks_and_batches_the_reads(
    node: tuple[System, Path, NodeServer],
) -> None:
    s, _, server = node
    hashes = _mixed(s) * 2
    asked: list[Any] = []
    handle = server.dispatcher.handle

    def counting(payload: Any) -> Any:
        asked.append(payload)
        return handle(payload)

    server.dispatcher.handle = counting  # type: ignore[method-assign]
    try:
        batch = [v for _, v in check_many(s.checker, hashes)]
        batched_requests = len(asked)
        asked.clear()
        single = [s.checker.check_tx(h) for h in hashes]
        single_requests = len(asked)
    finally:
        server.dispatcher.handle = handle  # type: ignore[method-assign]
    assert [v.to_dict() for v in batch] == [v.to_dict() for v in single]  # type: ignore[union-attr]
    assert batched_requests <= single_requests - 2 * len(hashes)


def test_check_call_with_json_lines(node: tuple[System, Path, NodeServer], tmp_path: Path) -> None:
    s, _, _ = node
    calls = tmp_path / "calls.jsonl"
    lines = [
        {"to": s.token.address, "from": s.alice, "function": "transfer", "args": [s.carol, 1]},
        {"to": s.token.address, "from": s.alice, "function": "transfer", "args": [s.dave, 1]},
    ]
    calls.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run(s, "check", "call", "--tx", str(calls))
    assert result.exit_code == 1, result.output
    out = result.stdout.splitlines()
    assert out[0] == "call 1: COMPLIANT"
    assert out[1] == "call 2: VIOLATION: 2 rules  HOLDER-IDENTIFIED, TERMS-ACCEPTED"
    as_json = run(s, "--json", "check", "call", "--tx", str(calls))
    assert [json.loads(x)["compliant"] for x in as_json.stdout.splitlines()] == [True, False]
    calls.write_text(json.dumps(lines[0]) + "\n{broken\n")
    broken = run(s, "check", "call", "--tx", str(calls))
    assert broken.exit_code == 2
    assert f"--tx {calls} is not valid JSON Lines: line 2:" in broken.stderr
