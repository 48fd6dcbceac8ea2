"""The plugin's gas report (`--decree8-gas`) and gas snapshot (`--decree8-gas-snapshot`), in pytest
runs of their own (pytester, in a subprocess so the inner run loads the plugin as installed)."""

from __future__ import annotations

import json

import pytest
from test_plugin import plugin_args

from decree8.testing.gas import compare_snapshots

pytest_plugins = ("pytester",)

INNER = """
import os

def test_transfers(decree8_token, decree8_accounts):
    a = decree8_accounts
    decree8_token.send("issue", a.alice, 1000, sender=a.issuer)
    transfers = int(open(os.path.join(os.path.dirname(__file__), "transfers.txt")).read())
    for value in range(1, transfers + 1):
        decree8_token.send("transferWithPurpose", a.bob, value, 1, sender=a.alice)
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return pytester


def _run(pytester: pytest.Pytester, *options: str, transfers: int = 3) -> pytest.RunResult:
    pytester.makepyfile(test_inner=INNER)
    (pytester.path / "transfers.txt").write_text(str(transfers))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *plugin_args(), *options)


def test_gas_report_per_contract_and_function(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--decree8-gas")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "decree8 gas report" in out
    lines = result.stdout.lines
    token = lines.index("CompliantToken")
    assert lines[token + 1].split() == ["function", "calls", "min", "median", "max"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[token + 2 : token + 12] if line}
    assert rows["transferWithPurpose"][0] == "3"
    low, median, high = (int(x) for x in rows["transferWithPurpose"][1:])
    assert 20_000 < low <= median <= high < 200_000
    assert rows["(deploy)"][0] == "1"
    assert rows["issue"][0] == "1"
    assert "HolderRegistry" in lines and "attest" in out


def test_snapshot_written_then_compared(pytester: pytest.Pytester) -> None:
    snap = pytester.path / "gas.json"
    first = _run(pytester, "--decree8-gas-snapshot", str(snap))
    first.assert_outcomes(passed=1)
    assert f"gas snapshot written to {snap}" in first.stdout.str()
    data = json.loads(snap.read_text())
    assert data["schema"] == "decree8-gas-snapshot/1"
    row = data["functions"]["CompliantToken.transferWithPurpose"]
    assert row["calls"] == 3 and row["min"] <= row["median"] <= row["max"]

    same = _run(pytester, "--decree8-gas-snapshot", str(snap))
    assert same.ret == 0
    assert "no change beyond 0%" in same.stdout.str()

    # Fewer transfers: the first (cold) ones dominate, so the median changes.
    changed = _run(pytester, "--decree8-gas-snapshot", str(snap), transfers=1)
    assert changed.ret == pytest.ExitCode.TESTS_FAILED
    out = changed.stdout.str()
    assert "changed beyond the tolerance" in out
    assert "CompliantToken.transferWithPurpose: median gas" in out
    assert json.loads(snap.read_text()) == data  # never overwritten by a comparison

    lenient = _run(
        pytester, "--decree8-gas-snapshot", str(snap), "--decree8-gas-tolerance", "50", transfers=1
    )
    assert lenient.ret == 0, lenient.stdout.str()

    updated = _run(
        pytester, "--decree8-gas-snapshot", str(snap), "--decree8-gas-update", transfers=1
    )
    assert updated.ret == 0
    assert (
        json.loads(snap.read_text())["functions"]["CompliantToken.transferWithPurpose"]["calls"]
        == 1
    )


def test_compare_names_function_and_change() -> None:
    old = {"T.transfer": {"calls": 2, "min": 100, "median": 100, "max": 120}}
    new = {
        "T.transfer": {"calls": 2, "min": 100, "median": 103, "max": 120},
        "T.other": {"calls": 1, "min": 5, "median": 5, "max": 5},
    }
    assert compare_snapshots(old, new, 5) == []
    assert compare_snapshots(old, new, 1) == [
        "T.transfer: median gas 100 -> 103 (+3.00%, tolerance 1%)"
    ]


def test_no_option_no_report(pytester: pytest.Pytester) -> None:
    result = _run(pytester)
    result.assert_outcomes(passed=1)
    assert "gas report" not in result.stdout.str()
