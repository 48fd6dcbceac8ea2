"""The audit report in every format, parsed back, and the `decree8 audit` command."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from decree8.audit import audit
from decree8.cli import main
from decree8.cli._app import App
from decree8.report import OutputFormat, Report, write_report
from support import PURPOSE_GIFT, System, by_tx

REPORT_TESTS = Path(__file__).resolve().parents[1] / "report"


def _report_json_tests() -> ModuleType:
    """tests/report/test_report_json.py, for the schema validator the report tests use."""
    sys.path.insert(0, str(REPORT_TESTS))
    try:
        spec = importlib.util.spec_from_file_location(
            "report_json_tests", REPORT_TESTS / "test_report_json.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(REPORT_TESTS))


@pytest.fixture(scope="module")
def planted(system: System) -> tuple[Report, str]:
    """A report with findings: one sale between individuals on the lax token."""
    with system.snapshot():
        tx = system.send_hash(system.lax, "laxTransfer", system.bob, 1, sender=system.alice)
        return audit(system.chain, system.build, addresses=[system.lax.address]), tx


def test_json_report_validates_against_the_shipped_schema(planted: tuple[Report, str]) -> None:
    report, tx = planted
    schema = json.loads(
        resources.files("decree8.report").joinpath("report.schema.json").read_text("utf-8")
    )
    data = json.loads(write_report(report, OutputFormat.JSON))
    assert _report_json_tests().validate(data, schema, schema) == []
    assert [(f["rule_id"], f["tx_hash"], f["source"]) for f in data["findings"]] == [
        ("P2P-SALE", tx, "audit")
    ]
    assert data["block_range"] == list(report.block_range or ())
    assert data["summary"]["transactions"] == report.transactions


def test_sarif_report_has_the_sarif_shape(planted: tuple[Report, str]) -> None:
    report, tx = planted
    data = json.loads(write_report(report, OutputFormat.SARIF))
    assert data["version"] == "2.1.0" and "sarif" in data["$schema"]
    (run,) = data["runs"]
    assert run["tool"]["driver"]["name"] == "decree8"
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    (result,) = run["results"]
    assert result["ruleId"] == "P2P-SALE" and result["ruleId"] in rule_ids
    assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
    assert tx in json.dumps(result)


def test_markdown_report_has_its_headings(planted: tuple[Report, str]) -> None:
    report, _ = planted
    text = write_report(report, OutputFormat.MARKDOWN)
    headings = re.findall(r"^(#+) (.+)$", text, flags=re.MULTILINE)
    assert headings[0] == ("#", "decree8 audit")
    titles = [title for level, title in headings if level == "##"]
    assert "Summary" in titles and "Legal facts stated by the contract" in titles
    assert any(t.startswith("P2P-SALE — ") for t in titles)
    assert any(t.startswith("RECORDS — ") for t in titles)  # checked and found clean
    assert "### What was checked and found clean" in text


@pytest.fixture
def cli(s: System, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`decree8` on the module's embedded chain."""
    monkeypatch.setattr(App, "chain", lambda self: s.chain)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def test_cli_audit_exit_codes_formats_and_output_file(s: System, cli: Any, tmp_path: Path) -> None:
    manifest = tmp_path / "token.json"
    s.token.save(manifest)
    s.send_hash(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)

    clean = cli("--json", "audit", "--manifest", str(manifest))
    assert clean.exit_code == 0, clean.output
    data = json.loads(clean.stdout)
    assert data["findings"] == [] and data["chain_id"] == s.chain.chain_id

    tx = s.send_hash(s.lax, "laxTransfer", s.bob, 1, sender=s.alice)
    out = tmp_path / "audit.sarif"
    found = cli("audit", s.lax.address, "--format", "sarif", "-o", str(out))
    assert found.exit_code == 1, found.output
    sarif = json.loads(out.read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["P2P-SALE"]
    again = cli("audit", s.lax.address, "--format", "sarif", "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = cli("audit", s.lax.address, "--format", "markdown", "-o", str(out), "--force")
    assert forced.exit_code == 1 and out.read_text().startswith("# decree8 audit")

    text = cli("audit", s.lax.address, "--from-block", str(s.chain.block_number))
    assert text.exit_code == 1 and "P2P-SALE" in text.stdout and tx in text.stdout
    assert by_tx(audit(s.chain, s.build, addresses=[s.lax.address])) == {tx: {"P2P-SALE"}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name what to audit"),
        (("0x1234",), "is not an address"),
        (("0x" + "99" * 20,), "no contract at"),
        (("--from-block", "9", "--to-block", "3", "0x" + "99" * 20), "before --from-block"),
        (("--manifest", "missing.json"), "missing.json"),
    ],
)
def test_cli_audit_bad_input_is_one_line_and_exit_2(
    cli: Any, args: tuple[str, ...], message: str
) -> None:
    result = cli("audit", *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
