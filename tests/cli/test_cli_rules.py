"""`decree8 rules`: the pack as a compliance officer reads it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from decree8.cli import main
from decree8.rules import load_pack
from schema_check import assert_valid


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
    assert_valid(data, "rules_catalogue")
    assert data["schema"] == "decree8.rule-catalogue/1"
    (rule,) = data["rules"]
    assert rule["id"] == "P2P-SALE" and rule["code"] == 7 and rule["basis"] == "Decree 367"
    params = {p["name"]: p["value"] for p in rule["parameters"]}
    assert params["allowed_purposes"] == {"gift": 1, "inheritance": 2, "own_wallet": 3}


def test_unknown_rule_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(main, ["rules", "NOPE"])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown rule ID 'NOPE'" in lines[0]


def test_rules_at_a_date_lists_only_the_rules_in_force_that_day() -> None:
    before = CliRunner().invoke(main, ["--json", "rules", "--at", "2024-09-19"])
    after = CliRunner().invoke(main, ["--json", "rules", "--at", "2024-09-20"])
    assert before.exit_code == 0 and after.exit_code == 0, before.output + after.output
    ids_before = [r["id"] for r in json.loads(before.stdout)["rules"]]
    ids_after = [r["id"] for r in json.loads(after.stdout)["rules"]]
    assert "P2P-SALE" not in ids_before and "FOREIGN-PLATFORM" not in ids_before
    assert ids_after == [r.id for r in load_pack()]
    law = json.loads(before.stdout)["law"]
    assert law["not_yet_in_force"] == ["P2P-SALE", "FOREIGN-PLATFORM"]
    assert law["label"] == "law in force from 17.05.2022"
    early = json.loads(CliRunner().invoke(main, ["--json", "rules", "--at", "2020-01-01"]).stdout)
    assert {r["id"] for r in early["rules"]} == {
        "ISSUER-HTP", "TERMS-BOUND", "TERMS-ACCEPTED", "HOLDER-IDENTIFIED", "HOLDER-ELIGIBLE",
        "RECORDS", "NOT-PAYMENT", "FUNDS-RETURN", "OVERSIGHT-PAUSE", "SUPPLY-CAP",
    }  # fmt: skip


def test_rules_at_a_date_says_whether_one_rule_was_in_force() -> None:
    result = CliRunner().invoke(main, ["rules", "P2P-SALE", "--at", "2023-01-01"])
    assert result.exit_code == 0, result.output
    assert "NOT in force" in result.output and "in force from 20.09.2024" in result.output
    text = CliRunner().invoke(main, ["rules", "--at", "2022-05-20"]).output
    assert "~15.05.2022" in text and "day of entry into force approximate" in text


def test_rules_at_a_bad_date_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(main, ["rules", "--at", "20.13.2024"])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "--at '20.13.2024' is not a date" in lines[0]
