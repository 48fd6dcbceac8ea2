"""Every command's --help is written for a person: a summary and at least one example."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from decree8.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout, f"`decree8 {' '.join(path)} --help` shows no example"


def test_report_formats_of_the_cli_are_the_report_layer_s() -> None:
    from decree8.cli._app import REPORT_FORMATS
    from decree8.report import OutputFormat

    assert REPORT_FORMATS == tuple(f.value for f in OutputFormat)
