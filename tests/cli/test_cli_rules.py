"""`decree8 rules`: the pack as a compliance officer reads it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from decree8.cli import main
from decree8.rules import load_pack


def test_rules_lists_every_rule_with_basis_and_confidence() -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0, result.output
    for rule in load_pack():
        assert rule.id in result.output and rule.basis in result.output
    assert "policy safeguard (not law)" in result.output
    assert "UNVERIFIED" in result.output


def test_one_rule_in_full_as_json() -> None:
    result = CliRunner().invoke(main, ["--json", "rules", "p2p-sale"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (rule,) = data["rules"]
    assert rule["id"] == "P2P-SALE" and rule["code"] == 7 and rule["basis"] == "Decree 367"
    params = {p["name"]: p["value"] for p in rule["parameters"]}
    assert params["allowed_purposes"] == {"gift": 1, "inheritance": 2, "own_wallet": 3}


def test_unknown_rule_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(main, ["rules", "NOPE"])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown rule ID 'NOPE'" in lines[0]
