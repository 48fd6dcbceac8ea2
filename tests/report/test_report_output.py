"""Choosing a format and writing reports: every format renders, files are never clobbered."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from decree8.errors import UsageError
from decree8.report import (
    JsonFormatter,
    MarkdownFormatter,
    OutputFormat,
    Report,
    SarifFormatter,
    TextFormatter,
    write_report,
)
from decree8.report.html import HtmlFormatter


def test_each_format_has_its_formatter() -> None:
    expected = {
        OutputFormat.TEXT: TextFormatter,
        OutputFormat.JSON: JsonFormatter,
        OutputFormat.MARKDOWN: MarkdownFormatter,
        OutputFormat.SARIF: SarifFormatter,
        OutputFormat.HTML: HtmlFormatter,
    }
    assert set(expected) == set(OutputFormat)
    for fmt, cls in expected.items():
        assert isinstance(fmt.to_formatter(), cls)


def test_parse_accepts_names_and_refuses_unknown_ones() -> None:
    assert OutputFormat.parse("Markdown") is OutputFormat.MARKDOWN
    assert OutputFormat.parse(OutputFormat.SARIF) is OutputFormat.SARIF
    with pytest.raises(UsageError, match="unknown report format 'pdf'; valid formats: text, json"):
        OutputFormat.parse("pdf")


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_empty_report_renders_in_every_format(empty_report: Report, fmt: OutputFormat) -> None:
    text = write_report(empty_report, fmt, None)
    assert text.endswith("\n")
    if fmt in (OutputFormat.JSON, OutputFormat.SARIF):
        data = json.loads(text)
        assert data.get("findings", data.get("runs", [{}])[0].get("results")) == []
    else:
        assert "no findings" in text.lower()


def test_write_report_writes_the_rendered_text(sample_report: Report, tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.md"
    text = write_report(sample_report, "markdown", path)
    assert path.read_text("utf-8") == text
    assert text.startswith("# Audit of the token")


def test_text_written_to_a_file_has_no_colour(
    sample_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", Tty())
    path = tmp_path / "report.txt"
    write_report(sample_report, OutputFormat.TEXT, path)
    assert "\x1b" not in path.read_text("utf-8")


def test_existing_file_is_refused_naming_force_and_left_intact(
    sample_report: Report, tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(UsageError, match="already exists; pass --force to overwrite it"):
        write_report(sample_report, "json", path)
    assert path.read_text("utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_overwrite_replaces_the_file(sample_report: Report, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old", encoding="utf-8")
    write_report(sample_report, "json", path, overwrite=True)
    assert json.loads(path.read_text("utf-8"))["summary"]["findings"] == 3


def test_failed_replace_keeps_the_old_file_and_leaves_no_temp_file(
    sample_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.sarif"
    path.write_text("old", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(UsageError, match="cannot write report to .*No space left on device"):
        write_report(sample_report, "sarif", path, overwrite=True)
    assert path.read_text("utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.sarif"]


def test_folder_as_target_is_refused(sample_report: Report, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        write_report(sample_report, "json", tmp_path, overwrite=True)
