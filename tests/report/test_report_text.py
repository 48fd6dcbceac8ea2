"""Text output: summary first, aligned plain text off a terminal, rich only on a terminal."""

from __future__ import annotations

import io

import pytest
from report_samples import TX_1

from decree8.report import Finding, Report, TextFormatter


class _FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_text_starts_with_summary_and_has_no_ansi(sample_report: Report) -> None:
    text = TextFormatter(color=False).format(sample_report)
    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "3 findings (2 rules) in 1,204 transactions"
    assert lines[1] == "Audit of the token"
    assert TX_1 in text
    assert "UNVERIFIED" in text


def test_plain_text_columns_are_aligned(sample_report: Report) -> None:
    lines = TextFormatter(color=False).format(sample_report).splitlines()
    header = next(line for line in lines if line.startswith("RULE"))
    rows = [line for line in lines if line.startswith(("HOLDER-IDENTIFIED  ", "SUPPLY-CAP  "))]
    assert len(rows) == 3
    for column in ("SEVERITY", "BLOCK", "MESSAGE"):
        start = header.index(column)
        for row in rows:
            assert row[start - 2 : start] == "  " and row[start] != " ", (column, row)


def test_auto_colour_is_off_when_stdout_is_not_a_tty(
    sample_report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert "\x1b" not in TextFormatter().format(sample_report)


def test_auto_colour_uses_rich_on_a_tty(
    sample_report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout", _FakeTty())
    text = TextFormatter(width=200).format(sample_report)
    assert "\x1b[" in text
    assert "3 findings (2 rules) in 1,204 transactions" in text.splitlines()[0]


def test_rich_output_prints_brackets_literally() -> None:
    finding = Finding.for_rule("RECORDS", "state differs [bold]x[/bold]", source="audit")
    text = TextFormatter(color=True, width=200).format(Report(title="t", findings=(finding,)))
    assert "[bold]x[/bold]" in text


def test_text_empty_report(empty_report: Report) -> None:
    for color in (False, True):
        text = TextFormatter(color=color, width=120).format(empty_report)
        assert "no findings" in text.splitlines()[0]
        assert "RULE" not in text
