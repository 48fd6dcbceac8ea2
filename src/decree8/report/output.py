"""Choosing a format and writing a report to a file or to stdout."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import assert_never

from decree8.errors import UsageError
from decree8.fsutil import atomic_write_text
from decree8.report.interface import Formatter
from decree8.result import Report

__all__ = ["OutputFormat", "embed_signature", "write_report"]


class OutputFormat(enum.Enum):
    """The report formats. ``to_formatter`` ends in ``assert_never`` so none is half-added."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    HTML = "html"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, name: str | OutputFormat) -> OutputFormat:
        """The format called ``name``; :class:`UsageError` listing the valid names otherwise."""
        if isinstance(name, OutputFormat):
            return name
        try:
            return cls(name.lower())
        except ValueError:
            valid = ", ".join(fmt.value for fmt in cls)
            raise UsageError(f"unknown report format {name!r}; valid formats: {valid}") from None

    @property
    def suffix(self) -> str:
        """The usual file-name suffix for this format."""
        return {
            "text": ".txt",
            "json": ".json",
            "markdown": ".md",
            "sarif": ".sarif",
            "html": ".html",
        }[self.value]

    def to_formatter(self, *, color: bool | None = None) -> Formatter:
        """A formatter for this format. ``color`` matters for text only (``None``: auto)."""
        from decree8.report.html import HtmlFormatter
        from decree8.report.json import JsonFormatter
        from decree8.report.markdown import MarkdownFormatter
        from decree8.report.sarif import SarifFormatter
        from decree8.report.text import TextFormatter

        if self is OutputFormat.TEXT:
            return TextFormatter(color=color)
        elif self is OutputFormat.JSON:
            return JsonFormatter()
        elif self is OutputFormat.MARKDOWN:
            return MarkdownFormatter()
        elif self is OutputFormat.SARIF:
            return SarifFormatter()
        elif self is OutputFormat.HTML:
            return HtmlFormatter()
        else:
            assert_never(self)


def embed_signature(text: str, fmt: OutputFormat, report: Report) -> str:
    """``text`` (``report`` rendered as ``fmt``) with the signature of a signed report and the
    signed data (see :mod:`decree8.report.sign`); JSON and HTML carry them already."""
    signature = report.signature
    if signature is None or fmt in (OutputFormat.JSON, OutputFormat.HTML):
        return text
    if fmt is OutputFormat.SARIF:
        import json

        sarif = json.loads(text)
        for run in sarif.get("runs", []):
            bag = run.setdefault("properties", {})
            bag["decree8Signature"] = signature.block()
            bag["decree8Report"] = signature.signed_report()
        return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
    from decree8.report.sign import embedded_trailer

    return text + embedded_trailer(fmt.value, signature)


def write_report(
    report: Report,
    fmt: OutputFormat | str,
    path: Path | None = None,
    overwrite: bool = False,
) -> str:
    """Render ``report`` and, when ``path`` is given, write it there atomically.

    Returns the rendered text (for ``path=None``, the text to print on stdout). An existing file is
    never replaced unless ``overwrite`` is set: :class:`UsageError` naming ``--force`` otherwise,
    and the old file is left as it was. Text written to a file never carries colour codes.
    """
    chosen = OutputFormat.parse(fmt)
    if path is None:
        return embed_signature(chosen.to_formatter().format(report), chosen, report)
    text = embed_signature(chosen.to_formatter(color=False).format(report), chosen, report)
    write_report_text(path, text, overwrite)
    return text


def write_report_text(path: Path, text: str, overwrite: bool = False) -> None:
    """Write a rendered report to ``path`` atomically: never over an existing file unless
    ``overwrite`` (a :class:`UsageError` naming ``--force``), never over a folder."""
    refused = f"{path} already exists; pass --force to overwrite it"
    if not overwrite and path.exists():
        raise UsageError(refused)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file name for the report")
    try:
        atomic_write_text(path, text, overwrite)
    except UsageError:
        if not overwrite and path.exists():  # another writer created it in the meantime
            raise UsageError(refused) from None
        raise
    except OSError as err:
        raise UsageError(f"cannot write report to {path}: {err.strerror or err}") from None
