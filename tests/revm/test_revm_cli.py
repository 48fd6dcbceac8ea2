"""The scenario runner on revm: `decree8 demo --chain revm` and `decree8 run FILE --chain revm`
give the verdicts and rule IDs the embedded chain gives, step by step.

The checker reads the state before each mined transaction (block N-1) and compares balances at
N-1 and N, so these runs exercise the revm chain's historical state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from decree8.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo.toml"


def _run(args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def _verdicts(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s["index"], s["call"], s["verdict"], tuple(s["rules"]), s["stage"], s["met"])
        for s in data["steps"]
    ]


@pytest.fixture(scope="module")
def embedded_demo() -> dict[str, Any]:
    return _run(["--json", "demo"])


@pytest.mark.parametrize(
    "args",
    [
        ["--json", "demo", "--chain", "revm"],
        # the command's own --chain wins over a global --rpc (nothing listens on port 9)
        ["--rpc", "http://127.0.0.1:9", "--json", "run", str(DEMO), "--chain", "revm"],
    ],
    ids=["demo", "run"],
)
def test_the_demo_on_revm_gives_the_embedded_chains_verdicts(
    embedded_demo: dict[str, Any], args: list[str]
) -> None:
    on_revm = _run(args)

    assert on_revm["ok"] is True and embedded_demo["ok"] is True
    assert _verdicts(on_revm) == _verdicts(embedded_demo)
    assert on_revm["summary"] == embedded_demo["summary"]
    assert sorted(on_revm["rules_caught"]) == sorted(embedded_demo["rules_caught"])
    assert on_revm["summary"]["missed"] == 0 and on_revm["summary"]["planted"] > 0
    assert any(s["stage"] == "mined" and s["verdict"] == "violation" for s in on_revm["steps"])


def test_decree8_node_chain_revm_serves_the_fast_chain_over_json_rpc() -> None:
    import subprocess
    import sys

    from decree8.chain import Chain

    command = "from decree8.cli import main; main()"
    args = ["--json", "node", "--chain", "revm", "--port", "0", "--accounts", "2"]
    process = subprocess.Popen(
        [sys.executable, "-c", command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        text = ""
        started: dict[str, Any] = {}
        for line in process.stdout:  # the JSON object, possibly over several lines
            text += line
            try:
                started = json.loads(text)
                break
            except json.JSONDecodeError:
                continue
        chain = Chain.rpc(started["url"], timeout=10)
        try:
            assert chain.accounts == started["accounts"] and len(chain.accounts) == 2
            assert chain.w3.client_version.startswith("decree8-revm/")
            receipt = chain.transact({"to": chain.accounts[1], "value": 5}, gas=21_000)
            assert receipt["status"] == 1 and receipt["gasUsed"] == 21_000
            snap = chain.snapshot()
            chain.mine(3)
            chain.revert(snap)
            assert chain.block_number == receipt["blockNumber"]
        finally:
            chain.close()
    finally:
        process.terminate()
        process.wait(10)
