"""`decree8 audit`/`verify` with --format html and --sign-with on the demo chain, `decree8 report`
re-rendering, and its bad input (one line, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from decree8.cli import main
from decree8.cli._app import App
from decree8.report import OutputFormat, Report, write_report
from decree8.report.load import extract_data

KEY_HEX = "4c" * 32


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("decree8: error: "), result.stderr
    return lines[0]


@pytest.fixture
def on_demo(demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI talks to the demo chain; its manifests and a key file are in ``tmp_path``."""
    monkeypatch.setattr(App, "chain", lambda self: demo.chain)
    for name in ("token", "registry", "escrow"):
        demo.deployments[name].save(tmp_path / f"{name}.json")
    (tmp_path / "signer.key").write_text(KEY_HEX)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_audit_writes_a_signed_html_report(on_demo: Path, demo: Any) -> None:
    result = _cli("audit", "--manifest", "token.json", "--manifest", "escrow.json",
                  "--format", "html", "-o", "audit.html", "--sign-with", "signer.key")  # fmt: skip
    assert result.exit_code == 0, result.output
    html = (on_demo / "audit.html").read_text()
    data = extract_data(html)
    assert data["signature"]["signer"] in html
    assert data["history"]["names"][demo.deployments["token"].address] == "token"
    assert "<b>token</b>" in html  # named by its manifest
    assert len(data["history"]["holders"]) == 5
    checked = _cli("report", "verify", "audit.html")
    assert checked.exit_code == 0 and checked.stdout.startswith("VALID: signed by 0x")
    again = _cli("report", "audit.html", "--format", "markdown")
    assert again.exit_code == 0 and again.stdout.startswith("# decree8 audit")


def test_verify_writes_a_signed_html_report(on_demo: Path) -> None:
    result = _cli("verify", "--manifest", "registry.json", "--format", "html", "-o", "v.html",
                  "--sign-with", "signer.key")  # fmt: skip
    assert result.exit_code == 0, result.output
    html = (on_demo / "v.html").read_text()
    assert "<h1>Verification of holder-registry v1 at 0x" in html
    assert "Verify result</th><td>EXACT MATCH" in html
    assert extract_data(html)["signature"]["hash"] in html
    assert _cli("report", "verify", "v.html").exit_code == 0


def test_report_re_renders_a_saved_json_report_in_every_format(
    sample_report: Report, tmp_path: Path
) -> None:
    saved = tmp_path / "report.json"
    saved.write_text(write_report(sample_report, OutputFormat.JSON))
    for fmt in OutputFormat:
        out = tmp_path / f"out{fmt.suffix}"
        result = _cli("report", str(saved), "--format", fmt.value, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert out.read_text() == write_report(sample_report, fmt, tmp_path / f"x{fmt.suffix}")
    stdout = _cli("report", str(saved))
    assert stdout.exit_code == 0 and "HOLDER-IDENTIFIED" in stdout.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("just some notes\n", "is not a decree8 report (no decree8.report/1 data in it)"),
        ('{"schema": "something/else"}', "is not a decree8 report"),
        ("{not json", "is not a decree8 report: invalid JSON at line 1"),
        ('{"runs": [{"results": []}]}', "is a SARIF file without decree8 report data"),
        ("<!DOCTYPE html><html><body>hi</body></html>", "is not a decree8 report"),
        ('{"schema": "decree8.report/1", "title": "x"}', "is not a complete decree8 report"),
    ],
)
def test_a_file_that_is_not_a_report_is_one_line_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_text(content)
    for command in (("report", str(path), "--format", "html"), ("report", "verify", str(path))):
        assert message in one_line(_cli(*command))


def test_a_report_with_a_broken_finding_is_one_line_exit_2(
    sample_report: Report, tmp_path: Path
) -> None:
    data = json.loads(write_report(sample_report, OutputFormat.JSON))
    data["findings"][0]["severity"] = "catastrophic"
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    assert "is not a valid decree8 report" in one_line(_cli("report", str(path)))


def test_missing_and_unwritable_paths_are_one_line_exit_2(
    sample_report: Report, tmp_path: Path
) -> None:
    saved = tmp_path / "report.json"
    saved.write_text(write_report(sample_report, OutputFormat.JSON))
    assert "no such report file" in one_line(_cli("report", str(tmp_path / "nope.json")))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_line(_cli("report", str(saved), "--format", "html", "-o", str(blocker / "x.html")))
    assert "cannot write" in line and "x.html" in line
    existing = tmp_path / "exists.html"
    existing.write_text("keep me")
    line = one_line(_cli("report", str(saved), "--format", "html", "-o", str(existing)))
    assert "already exists; pass --force" in line and existing.read_text() == "keep me"
    folder = tmp_path / "folder"
    folder.mkdir()
    assert "is a directory" in one_line(_cli("report", str(saved), "-o", str(folder)))
