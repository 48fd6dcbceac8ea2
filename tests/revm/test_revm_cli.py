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
