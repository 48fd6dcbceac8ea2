"""`decree8 check tx` batches written as ONE report (`--format`, `-o`, `--force`, `--sign-with`):
a compliant transaction, a violation, a refusal and a hash that is no transaction, mined on a
`decree8 node` served in a thread, in every format; the HTML opened in headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from decree8.chain import RpcChain
from decree8.cli import main
from decree8.compile import Build
from schema_check import assert_valid
from support import PURPOSE_GIFT, System, served_system

KEY = "0x" + "4c" * 32
SHOTS = Path(__file__).resolve().parents[2] / "build" / "report-screenshots"


class Batch:
    """The node, its manifests folder and four hashes: compliant, violation, refused, missing."""

    def __init__(self, system: System, folder: Path) -> None:
        s = self.system = system
        self.folder = folder
        self.start = s.chain.block_number + 1
        self.good = s.send_raw(
            s.token, "transferWithPurpose", s.carol, 1, PURPOSE_GIFT, sender=s.alice
        )
        self.bad = s.send_raw(s.token, "transfer", s.dave, 5, sender=s.alice)
        self.refused = s.send_raw(s.token, "transfer", s.carol, 10**30, sender=s.alice)
        self.end = s.chain.block_number
        self.missing = "0x" + "ab" * 32

    @property
    def hashes(self) -> list[str]:
        return [self.good, self.bad, self.refused, self.missing]

    def run(self, *args: str) -> Result:
        assert isinstance(self.system.chain, RpcChain)
        return CliRunner().invoke(main, ["--rpc", self.system.chain.url, *args])

    def check(self, *args: str) -> Result:
        return self.run("check", "tx", *self.hashes, *args)


@pytest.fixture(scope="module")
def batch(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    folder = tmp_path_factory.mktemp("manifests")
    with served_system(build, folder) as (system, _):
        yield Batch(system, folder)


def test_without_report_options_one_line_per_transaction_as_before(batch: Batch) -> None:
    result = batch.check()
    assert result.exit_code == 2, result.output
    assert len(result.stdout.splitlines()) == 4
    assert result.stdout.splitlines()[0] == f"{batch.good}  COMPLIANT"


def test_json_report_of_the_whole_batch(batch: Batch, tmp_path: Path) -> None:
    out = tmp_path / "batch.json"
    result = batch.check("--format", "json", "-o", str(out))
    assert result.exit_code == 2, result.output  # one hash could not be checked
    assert result.stdout == ""
    assert "checked 4 transactions: 1 compliant, 2 with violations, 1 not checked" in (
        result.stderr
    )
    assert f"report written to {out}" in result.stderr
    data = json.loads(out.read_text())
    assert_valid(data)
    assert data["kind"] == "check" and data["ok"] is False
    assert data["title"] == "Check of 4 transactions"
    assert data["subject"] == batch.hashes
    assert data["chain_id"] == batch.system.chain.chain_id
    assert data["block_range"] == [batch.start, batch.end]
    assert data["summary"]["transactions"] == 4
    assert [v["verdict"] for v in data["verdicts"]] == [
        "compliant",
        "violation",
        "refused",
        "error",
    ]
    assert [v["tx_hash"] for v in data["verdicts"]] == batch.hashes
    assert data["verdicts"][2]["refusal"].startswith("ERC20InsufficientBalance(")
    assert "not a transaction on this chain" in data["verdicts"][3]["error"]
    assert sorted({f["rule_id"] for f in data["findings"]}) == [
        "HOLDER-IDENTIFIED",
        "TERMS-ACCEPTED",
    ]
    assert {f["tx_hash"] for f in data["findings"]} == {batch.bad}
    assert data["law"]["label"] == "law in force from 20.09.2024"
    assert "verdict" not in data  # the single check's deprecated copies are for one verdict only


def test_exit_1_without_errors_and_0_when_all_compliant(batch: Batch, tmp_path: Path) -> None:
    out = tmp_path / "two.json"
    two = batch.run("check", "tx", batch.good, batch.bad, "-o", str(out), "--format", "json")
    assert two.exit_code == 1, two.output
    assert json.loads(out.read_text())["ok"] is False
    one = batch.run("check", "tx", batch.good, batch.good, "--format", "json")
    assert one.exit_code == 0, one.output
    data = json.loads(one.stdout)  # no -o: the report on stdout
    assert_valid(data)
    assert data["ok"] is True and len(data["verdicts"]) == 2


def test_text_report_is_the_default_of_o(batch: Batch, tmp_path: Path) -> None:
    out = tmp_path / "batch.txt"
    assert batch.check("-o", str(out)).exit_code == 2
    text = out.read_text()
    lines = text.splitlines()
    assert lines[0] == "Check of 4 transactions"
    assert lines[1].startswith(f"chain {batch.system.chain.chain_id}, blocks {batch.start}-")
    assert lines[2] == "1 compliant, 1 with violations, 1 refused, 1 not checked"
    assert re.search(rf"^{batch.good}  block \d+  transferWithPurpose  COMPLIANT$", text, re.M)
    assert re.search(
        rf"^{batch.bad}  block \d+  transfer  VIOLATION  HOLDER-IDENTIFIED, TERMS-ACCEPTED$",
        text,
        re.M,
    )
    assert re.search(rf"^{batch.refused}  .*REFUSED \(ERC20InsufficientBalance\(", text, re.M)
    assert f"{batch.missing}  ERROR: " in text
    assert "\nHOLDER-IDENTIFIED: " in text and f"  - {batch.bad}: " in text
    assert "  legal basis: " in text


def test_markdown_and_sarif_reports(batch: Batch, tmp_path: Path) -> None:
    md = tmp_path / "batch.md"
    assert batch.check("--format", "markdown", "-o", str(md)).exit_code == 2
    markdown = md.read_text()
    table = markdown.split("## Verdicts", 1)[1].split("\n## ", 1)[0]
    assert "| Transaction | Block | Time (UTC) | Contract / function | Verdict |" in table
    assert (
        f"| `{batch.bad}` |" in table
        and "| VIOLATION | HOLDER-IDENTIFIED, TERMS-ACCEPTED |" in (table)
    )
    assert "| REFUSED | ERC20InsufficientBalance(" in table
    assert f"| `{batch.missing}` |  |  |  | ERROR | " in table
    sarif_path = tmp_path / "batch.sarif"
    assert batch.check("--format", "sarif", "-o", str(sarif_path)).exit_code == 2
    sarif = json.loads(sarif_path.read_text())
    results = sarif["runs"][0]["results"]
    assert sorted({r["ruleId"] for r in results}) == ["HOLDER-IDENTIFIED", "TERMS-ACCEPTED"]


def test_an_existing_report_is_refused_without_force(batch: Batch, tmp_path: Path) -> None:
    out = tmp_path / "batch.html"
    out.write_text("kept")
    refused = batch.check("--format", "html", "-o", str(out))
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        f"decree8: error: {out} already exists; pass --force to overwrite it"
    )
    assert out.read_text() == "kept"
    forced = batch.check("--format", "html", "-o", str(out), "--force")
    assert forced.exit_code == 2, forced.output
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_a_signed_batch_report_verifies(batch: Batch, tmp_path: Path) -> None:
    key = tmp_path / "signer.key"
    key.write_text(KEY + "\n")
    for fmt in ("json", "html"):
        out = tmp_path / f"signed.{fmt}"
        result = batch.check("--format", fmt, "-o", str(out), "--sign-with", str(key))
        assert result.exit_code == 2, result.output
        verified = CliRunner().invoke(main, ["report", "verify", str(out)])
        assert verified.exit_code == 0, verified.output
        assert verified.stdout.startswith("VALID: signed by 0x")


def test_a_block_range_of_a_deployment_names_the_contracts(batch: Batch, tmp_path: Path) -> None:
    out = tmp_path / "range.json"
    manifest = batch.folder / "compliant-token.json"
    result = batch.run(
        "check",
        "tx",
        "--manifest",
        str(manifest),
        "--from-block",
        str(batch.start),
        "--to-block",
        str(batch.end),
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 1, result.output
    data = json.loads(out.read_text())
    assert_valid(data)
    assert data["block_range"] == [batch.start, batch.end]
    assert [s.lower() for s in data["subject"]] == [batch.system.token.address.lower()]
    assert [v["tx_hash"] for v in data["verdicts"]] == batch.hashes[:3]


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    from browser import chromium, ensure_browser

    ensure_browser()
    with chromium() as session:
        yield session


def _html(batch: Batch, tmp_path: Path) -> Path:
    out = tmp_path / "batch.html"
    assert batch.check("--format", "html", "-o", str(out)).exit_code == 2
    return out


def test_html_report_has_a_verdicts_table(batch: Batch, tmp_path: Path) -> None:
    page = _html(batch, tmp_path).read_text()
    assert 'id="verdicts-table"' in page and 'id="verdict-filter"' in page
    assert 'id="timeline"' not in page  # no history: no timeline
    for tx in batch.hashes:
        assert tx in page
    assert 'id="rule-HOLDER-IDENTIFIED"' in page
    assert '<th scope="row">Law applied</th><td>law in force from 20.09.2024: <code>' in page


def _rows(driver: Any) -> list[Any]:
    return [
        r
        for r in driver.find_elements("css selector", "#verdicts-table tbody tr")
        if r.is_displayed()
    ]


def test_html_report_in_a_browser(batch: Batch, tmp_path: Path, driver: Any) -> None:
    from browser import console_errors, requests_made

    path = _html(batch, tmp_path)
    requests_made(driver)
    console_errors(driver)
    driver.set_window_size(1280, 900)
    driver.get(path.as_uri())
    rows = _rows(driver)
    assert [r.get_attribute("data-verdict") for r in rows] == [
        "compliant",
        "violation",
        "refused",
        "error",
    ]
    assert batch.bad in rows[1].text and "HOLDER-IDENTIFIED" in rows[1].text
    box = driver.find_element("css selector", "#verdict-filter")
    box.send_keys("refused")
    assert [r.get_attribute("data-verdict") for r in _rows(driver)] == ["refused"]
    box.clear()
    box.send_keys(batch.bad[:20])
    assert [r.get_attribute("data-verdict") for r in _rows(driver)] == ["violation"]
    box.clear()
    box.send_keys(" ")  # an input event: the blank filter shows every row again
    assert len(_rows(driver)) == 4
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("css selector", "#verdict-kind")).select_by_value("error")
    assert [r.get_attribute("data-verdict") for r in _rows(driver)] == ["error"]
    assert driver.find_element("id", "verdicts-shown").text == "1 of 4 verdicts shown"
    Select(driver.find_element("css selector", "#verdict-kind")).select_by_value("")
    driver.find_element("css selector", '#verdicts-table th[data-key="verdict"] button').click()
    by_verdict = [r.get_attribute("data-verdict") for r in _rows(driver)]
    assert by_verdict == ["compliant", "error", "refused", "violation"]
    driver.find_element("css selector", '#verdicts-table th[data-key="block"] button').click()
    assert [r.get_attribute("data-verdict") for r in _rows(driver)][0] == "error"  # no block
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / "check-batch.png"))
    assert [u for u in requests_made(driver) if not u.startswith("file://")] == []
    assert console_errors(driver) == []


def test_a_saved_batch_report_re_renders(batch: Batch, tmp_path: Path) -> None:
    """`decree8 report` renders the stored JSON (verdicts as data, not objects) the same way."""
    saved = tmp_path / "batch.json"
    assert batch.check("--format", "json", "-o", str(saved)).exit_code == 2
    text = CliRunner().invoke(main, ["report", str(saved), "--format", "text"])
    assert text.stdout.splitlines()[2] == (
        "1 compliant, 1 with violations, 1 refused, 1 not checked"
    )
    assert f"{batch.missing}  ERROR: " in text.stdout
    page = tmp_path / "again.html"
    html = CliRunner().invoke(main, ["report", str(saved), "--format", "html", "-o", str(page)])
    assert html.exit_code == 0, html.output
    shown = page.read_text()
    assert shown.count('<tr data-verdict="') == 4 and 'data-verdict="refused"' in shown


def _calls_file(batch: Batch, folder: Path) -> Path:
    """Three planned calls in JSON Lines: compliant, a violation, one the token would refuse."""
    s = batch.system
    token = s.token.address
    lines = [
        {"to": token, "from": s.alice, "function": "transfer", "args": [s.carol, 1]},
        {"to": token, "from": s.alice, "function": "transfer", "args": [s.dave, 1]},
        {"to": token, "from": s.alice, "function": "transfer", "args": [s.carol, 10**30]},
    ]
    path = folder / "calls.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_a_batch_of_planned_calls_as_one_report(batch: Batch, tmp_path: Path) -> None:
    calls = _calls_file(batch, tmp_path)
    before = batch.run("check", "call", "--tx", str(calls))
    assert before.exit_code == 1, before.output
    assert [line.split(":")[0] for line in before.stdout.splitlines()] == [
        "call 1",
        "call 2",
        "call 3",
    ]
    out = tmp_path / "calls.json"
    result = batch.run("check", "call", "--tx", str(calls), "--format", "json", "-o", str(out))
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "checked 3 calls: 1 compliant" in result.stderr
    data = json.loads(out.read_text())
    assert_valid(data)
    assert data["kind"] == "check" and data["ok"] is False
    assert data["title"] == "Check of 3 calls"
    assert [v["verdict"] for v in data["verdicts"]] == ["compliant", "violation", "refused"]
    assert all(v["tx_hash"] is None for v in data["verdicts"])  # planned, not mined
    assert data["subject"] == ["call 1", "call 2", "call 3"]
    assert {f["rule_id"] for f in data["findings"]} >= {"HOLDER-IDENTIFIED"}
    again = batch.run("check", "call", "--tx", str(calls), "--format", "json", "-o", str(out))
    assert again.exit_code == 2 and "already exists" in again.stderr
    page = tmp_path / "calls.html"
    html = batch.run("check", "call", "--tx", str(calls), "--format", "html", "-o", str(page))
    assert html.exit_code == 1, html.output
    text = page.read_text()
    assert 'id="verdicts-table"' in text
    assert text.count('data-verdict="') == 3


def test_one_planned_call_as_a_report(batch: Batch, tmp_path: Path) -> None:
    s = batch.system
    out = tmp_path / "call.md"
    args = ["--to", s.token.address, "--from", s.alice, "--fn", "transfer"]
    result = batch.run(
        "check", "call", *args, "--arg", s.carol, "--arg", "1", "--format", "markdown",
        "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "COMPLIANT" in out.read_text().upper()
