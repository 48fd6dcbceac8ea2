"""Scenario files: loading errors, the run command's JSON contract, exit codes, and the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from decree8.cli import main
from decree8.rules import load_pack
from decree8.scenario import ScenarioError, load_scenario, parse_duration
from schema_check import assert_valid

#: The counts a run adds to the report summary (`run --json` printed them alone before 0.2.0).
SCENARIO_COUNTS = (
    "planted",
    "detected",
    "false_positives",
    "missed",
    "refusals",
    "refusals_labelled",
)

REPO = Path(__file__).resolve().parents[2]
TERMS = REPO / "examples" / "terms" / "minsk-token-white-paper.md"

HEADER = f"""
title = "small"
[accounts]
issuer = 0
enforcer = 2
alice = 4
dave = 7

[[deploy]]
name = "registry"
template = "holder-registry"
from = "issuer"
params = {{ operator_registration = "HTP-1" }}

[[deploy]]
name = "token"
template = "compliant-token"
from = "issuer"
params = {{ name = "T", symbol = "T", cap = "1000e18", issuer_registration = "HTP-2", \
registry = "registry", terms = "{TERMS}", legal_order_authority = "enforcer" }}
"""

STEPS = f"""
[[step]]
as = "issuer"
call = "registry.attest"
args = {{ holder = "alice", holderType = 2, jurisdiction = "BY", validUntil = "+30d", \
kycHash = "kyc:a", flags = 0 }}
expect = "ok"

[[step]]
as = "alice"
call = "token.acceptTerms"
args = {{ version = 1, contentHash = "file:{TERMS}" }}
expect = "ok"

[[step]]
as = "issuer"
call = "token.issue"
args = {{ to = "alice", amount = "10e18" }}
expect = "ok"

[[step]]
as = "alice"
call = "token.transfer"
args = {{ to = "dave", value = "1e18" }}
expect = "violation"
rules = ["HOLDER-IDENTIFIED"]
send = true
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_durations() -> None:
    assert parse_duration("8d") == 8 * 86400
    assert parse_duration("+90m") == 5400
    assert parse_duration(3600) == 3600
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_run_reports_steps_and_summary_as_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--json", "run", str(_write(tmp_path, HEADER + STEPS))])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert_valid(data)  # the decree8.report/1 report with the steps
    assert data["kind"] == "scenario" and data["ok"] is True
    assert {k: data["summary"][k] for k in SCENARIO_COUNTS} == {
        "planted": 1,
        "detected": 1,
        "false_positives": 0,
        "missed": 0,
        "refusals": 0,
        "refusals_labelled": 0,
    }
    assert {f["rule_id"] for f in data["findings"]} == set(data["steps"][3]["rules"])
    assert set(data["deployments"]) and data["rules_caught"] and data["rules_required"] == []
    steps = data["steps"]
    assert [s["index"] for s in steps] == [1, 2, 3, 4]
    for s in steps:
        assert {"index", "call", "expected", "verdict", "rules", "tx"} <= set(s)
    assert [s["verdict"] for s in steps] == ["ok", "ok", "ok", "violation"]
    assert "HOLDER-IDENTIFIED" in steps[3]["rules"]
    assert steps[3]["tx"] is not None  # sent anyway (send = true) and checked after mining
    assert steps[3]["stage"] == "preflight+mined"


def test_a_failed_expectation_exits_1(tmp_path: Path) -> None:
    wrong = STEPS.replace('rules = ["HOLDER-IDENTIFIED"]', 'rules = ["SUPPLY-CAP"]')
    result = CliRunner().invoke(main, ["run", str(_write(tmp_path, HEADER + wrong))])
    assert result.exit_code == 1, result.output
    assert "expected violation ['SUPPLY-CAP']" in result.output
    assert "FAIL" in result.output


def test_a_compliant_step_expected_as_violation_is_missed(tmp_path: Path) -> None:
    flipped = STEPS.replace(
        'args = {{ to = "alice", amount = "10e18" }}\nexpect = "ok"'.replace("{{", "{").replace(
            "}}", "}"
        ),
        'args = { to = "alice", amount = "10e18" }\nexpect = "violation"',
    )
    result = CliRunner().invoke(main, ["--json", "run", str(_write(tmp_path, HEADER + flipped))])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["missed"] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = 'x'\n[accounts\nalice = 1\n", "invalid TOML"),
        ("title = 'x'\nfoo = 1\n", "unknown top-level key 'foo'"),
        ("[accounts]\nalice = 'one'\n", "maps names to account indexes"),
        (
            HEADER + '[[step]]\nas = "zed"\ncall = "token.transfer"\nargs = {}\n',
            "as = 'zed' is not an account",
        ),
        (
            HEADER + '[[step]]\nas = "alice"\ncall = "nothing.transfer"\n',
            "names no deployment 'nothing'",
        ),
        (
            HEADER + '[[step]]\nas = "alice"\ncall = "token.transfer"\nexpect = "maybe"\n',
            "expect must be",
        ),
        (
            HEADER + '[[step]]\nas = "alice"\ncall = "token.transfer"\nrules = ["NO-SUCH"]\n',
            "NO-SUCH",
        ),
        (
            HEADER + '[[step]]\nas = "alice"\ncall = "token.transfer"\ncolour = 1\n',
            "unknown key 'colour'",
        ),
    ],
)
def test_bad_scenarios_are_refused_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(Exception, match=message):
        load_scenario(path)
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message.split("'")[0] in lines[0], result.stderr


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, 'title = "x"\n\n[accounts]\nalice = \n')
    with pytest.raises(ScenarioError, match=r"line 4"):
        load_scenario(path)


def test_unknown_function_and_wrong_arguments_are_bad_input(tmp_path: Path) -> None:
    step = '\n[[step]]\nas = "alice"\ncall = "token.fly"\nargs = {}\n'
    result = CliRunner().invoke(main, ["run", str(_write(tmp_path, HEADER + step))])
    assert result.exit_code == 2
    assert "has no function 'fly'" in result.stderr
    step = '\n[[step]]\nas = "alice"\ncall = "token.transfer"\nargs = { to = "alice" }\n'
    result = CliRunner().invoke(main, ["run", str(_write(tmp_path, HEADER + step))])
    assert result.exit_code == 2
    assert "takes arguments (to, value)" in result.stderr


def test_missing_scenario_file_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_demo_catches_every_rule_and_flags_no_compliant_step() -> None:
    result = CliRunner().invoke(main, ["--json", "demo"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    summary = data["summary"]
    assert summary["planted"] == summary["detected"] >= len(load_pack().rules)
    assert summary["false_positives"] == 0 and summary["missed"] == 0
    assert set(data["rules_caught"]) == {r.id for r in load_pack()}
    assert data["ok"] is True
    assert summary["refusals"] == summary["refusals_labelled"] >= 1


def test_demo_judges_the_days_before_and_after_decree_367_by_their_own_law() -> None:
    """The same direct sale between individuals: REFUSED on 19.09.2024 (the template refuses it,
    no law then in force forbids it), a P2P-SALE violation on 20.09.2024."""
    data = json.loads(CliRunner().invoke(main, ["--json", "demo"]).stdout)
    sales = [s for s in data["steps"] if s["call"] == "token.transfer(to=bob, value=10e18)"]
    assert [(s["verdict"], s["rules"]) for s in sales] == [
        ("refused", []),
        ("violation", ["P2P-SALE"]),
    ]
    assert "P2P-SALE was not in force then" in sales[0]["detail"]
    assert "law in force from 17.05.2022" in sales[0]["detail"]
    assert "law in force from 20.09.2024" in sales[1]["detail"]
    foreign = [s for s in data["steps"] if "FOREIGN-PLATFORM" in s["expected_rules"]]
    assert foreign and foreign[0]["met"] and foreign[0]["stage"] == "preflight+mined"


REFUSED_STEPS = f"""
[[step]]
as = "issuer"
call = "registry.attest"
args = {{ holder = "alice", holderType = 2, jurisdiction = "BY", validUntil = "+30d", \
kycHash = "kyc:a", flags = 0 }}

[[step]]
as = "alice"
call = "token.acceptTerms"
args = {{ version = 1, contentHash = "file:{TERMS}" }}

[[step]]
as = "issuer"
call = "token.issue"
args = {{ to = "alice", amount = "10e18" }}

[[step]]
as = "alice"
call = "token.transfer"
args = {{ to = "alice", value = "11e18" }}
expect = "refused"
send = true
note = "more than alice holds: no rule, a refusal"

[[step]]
as = "alice"
call = "token.transfer"
args = {{ to = "dave", value = "11e18" }}
expect = "refused"
"""


def test_expected_refusal_is_met_only_by_a_refusal_without_a_rule(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--json", "run", str(_write(tmp_path, HEADER + REFUSED_STEPS))]
    )
    assert result.exit_code == 1, result.output  # the second "refusal" is a violation
    data = json.loads(result.stdout)
    first, second = data["steps"][-2:]
    assert first["verdict"] == "refused" and first["met"] and first["stage"] == "preflight+mined"
    assert "ERC20InsufficientBalance" in first["detail"]
    assert second["verdict"] == "violation" and not second["met"]
    assert data["summary"]["refusals"] == 2 and data["summary"]["refusals_labelled"] == 1
    assert data["summary"]["false_positives"] == 1


def test_a_refusal_with_rules_and_a_bad_start_are_bad_input(tmp_path: Path) -> None:
    step = '[[step]]\nas = "alice"\ncall = "token.transfer"\nargs = { to = "dave", value = "1" }\n'
    bad = HEADER + step + 'expect = "refused"\nrules = ["P2P-SALE"]\n'
    result = CliRunner().invoke(main, ["run", str(_write(tmp_path, bad))])
    assert result.exit_code == 2 and "a refusal breaks no rule" in result.stderr
    result = CliRunner().invoke(main, ["run", str(_write(tmp_path, 'start = "soon"\n' + HEADER))])
    assert result.exit_code == 2 and "start: 'soon' is not a date" in result.stderr


def test_a_scenario_that_starts_in_the_past_runs_on_a_chain_started_then(tmp_path: Path) -> None:
    timed = (
        'start = "2023-03-01"\n'
        + HEADER
        + STEPS
        + """
[[step]]
at = "2024-09-20T00:00:00+03:00"
"""
    )
    path = _write(tmp_path, timed)
    assert load_scenario(path).start == 1677618000  # 01.03.2023 00:00 in Minsk
    result = CliRunner().invoke(main, ["--json", "run", str(path)])
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert "law in force from 17.05.2022" in steps[3]["detail"]
    assert steps[-1]["call"] == "clock to 2024-09-19T21:00:00Z"


def test_demo_text_report_is_readable() -> None:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert f"rules caught: {len(load_pack())} of {len(load_pack())} (every rule)" in result.output
    assert "PASS: every expectation met" in result.output


def test_a_scenario_that_starts_before_the_chain_is_refused_on_it(tmp_path: Path) -> None:
    from decree8.chain import Chain
    from decree8.scenario import run_scenario

    scenario = load_scenario(_write(tmp_path, 'start = "2023-03-01"\n' + HEADER + STEPS))
    with Chain.embedded() as chain, pytest.raises(ScenarioError, match="already at"):
        run_scenario(scenario, chain, build=None)  # type: ignore[arg-type]


def test_an_empty_or_non_utf8_scenario_is_bad_input_and_nothing_runs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    result = CliRunner().invoke(main, ["run", str(empty)])
    assert result.exit_code == 2 and "has no [[step]]" in result.stderr
    assert "PASS" not in result.stdout
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b'title = "x"\n\xff\xfe')
    result = CliRunner().invoke(main, ["run", str(binary)])
    assert result.exit_code == 2 and "is not UTF-8 text (byte 12 is 0xff)" in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""


# A bad step late in the file is found before anything is sent: the whole scenario is resolved
# (accounts, addresses, argument types against the function's ABI, contracts in the build) first.
LATE_BAD_STEPS = [
    ('call = "token.transfer"\nargs = { to = "zed", value = "1e18" }', "'zed' is not an account"),
    ('call = "token.transfer"\nargs = { to = "0x1234", value = "1e18" }', "'0x1234' is not an"),
    ('call = "token.transfer"\nargs = { to = "dave", value = true }', "expected a number"),
    ('call = "token.issue"\nargs = { to = "dave", amount = [1] }', "expected a whole number"),
    ('call = "token.fly"\nargs = {}', "has no function 'fly'"),
]
UNKNOWN_CONTRACT = '\n[[deploy]]\nname = "mock"\ncontract = "NoSuchContract"\nfrom = "issuer"\n'


def _late(step: str) -> str:
    return HEADER + STEPS + f'\n[[step]]\nas = "alice"\n{step}\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        *[(_late(step), message) for step, message in LATE_BAD_STEPS],
        (HEADER + UNKNOWN_CONTRACT + STEPS, "NoSuchContract"),
    ],
)
def test_a_bad_step_late_in_the_file_sends_nothing(tmp_path: Path, text: str, message: str) -> None:
    from decree8.chain import Chain
    from decree8.scenario import run_scenario
    from decree8.templates.home import scenario_build

    scenario = load_scenario(_write(tmp_path, text))
    with Chain.open("embedded") as chain:
        before = chain.block_number
        with pytest.raises(ScenarioError, match=message):
            run_scenario(scenario, chain, scenario_build())
        assert chain.block_number == before
    result = CliRunner().invoke(main, ["run", str(tmp_path / "s.toml")])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "[[" in lines[0], result.stderr
    assert result.stdout == ""  # refused before the title, the chain line or any deployment


def test_a_bad_late_step_sends_nothing_to_a_node(tmp_path: Path) -> None:
    from decree8.chain import Chain
    from decree8.chain.node import NodeProcess

    path = _write(tmp_path, _late(LATE_BAD_STEPS[0][0]))
    with NodeProcess() as node, Chain.rpc(node.url) as chain:
        before = chain.block_number
        result = CliRunner().invoke(main, ["--rpc", node.url, "run", str(path)])
        assert result.exit_code == 2, result.output
        assert "'zed' is not an account" in result.stderr and result.stdout == ""
        assert chain.block_number == before
