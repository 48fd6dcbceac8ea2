"""`decree8 report FILE`: re-render a saved report in another format; `decree8 report verify FILE`:
check a signed report. See docs/reports.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from decree8.cli._app import App, fail, pass_app, report_options


class _ReportGroup(click.Group):
    """`report FILE ...` is `report render FILE ...`; `report verify FILE` checks a signature."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        if first is not None and first not in self.commands and "--help" not in args[:1]:
            args = ["render", *args]
        return super().parse_args(ctx, args)


@click.group(
    "report",
    cls=_ReportGroup,
    short_help="Re-render a saved report, or check a signed one.",
)
def report_cmd() -> None:
    """Re-render a saved report (`decree8 report FILE --format html -o out.html`), or check who
    signed it and that it was not changed since (`decree8 report verify FILE`).

    FILE is a JSON report (`--format json` of audit, verify or check), an HTML report, or a signed
    report in any format (they carry the signed JSON data).

    \b
    Examples:
      decree8 report audit.json --format html -o audit.html
      decree8 report audit.json --format markdown --sign-with officer.key -o audit.md
      decree8 report verify audit.html
    """


@report_cmd.command("render", short_help="Re-render a saved report in another format.")
@click.argument("file", type=click.Path(path_type=Path))
@report_options(default="text")
@pass_app
def render_cmd(
    app: App, file: Path, fmt: str, output: Path | None, force: bool, sign_with: str | None
) -> None:
    """Render the saved report FILE as FORMAT. A signed report stays signed: every format carries
    the same signature and signed data.

    \b
    Example:
      decree8 report render audit.json --format sarif -o audit.sarif
    """
    from dataclasses import replace

    from decree8.report import write_report
    from decree8.report.load import load_report
    from decree8.report.sign import load_signer, sign_report

    if output is not None and output.is_dir():
        fail(f"{output} is a folder; give a file name for the report")
    if output is not None and output.exists() and not force:
        fail(f"{output} already exists; pass --force to overwrite it")
    signer = load_signer(sign_with, app.chain) if sign_with else None
    report = load_report(file)
    if signer is not None:
        report = sign_report(replace(report, signature=None), signer)
    text = write_report(report, fmt, path=output, overwrite=force)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        app.note(f"{report.summary_line()}; report written to {output}")


@report_cmd.command("verify", short_help="Check a signed report: VALID, TAMPERED or UNSIGNED.")
@click.argument("file", type=click.Path(path_type=Path))
@pass_app
def verify_report_cmd(app: App, file: Path) -> None:
    """Recompute the keccak-256 hash of the report's canonical JSON and recover who signed it.
    Prints VALID (exit 0), TAMPERED or UNSIGNED (exit 1). With --rpc, a signer the report's holder
    registry attests as an operator is named as such.

    \b
    Examples:
      decree8 report verify audit.json
      decree8 --rpc http://127.0.0.1:8545 report verify audit.html --json
    """
    from decree8.report.load import read_data, report_from_dict
    from decree8.report.sign import verify_data

    data = read_data(file)
    report_from_dict(data, str(file))  # a whole decree8 report, or one line and exit 2
    outcome = verify_data(data)
    role = _operator_role(app, data, outcome.recovered) if outcome.ok else None
    line = f"{outcome.status}: {outcome.reason}" + (f" ({role})" if role else "")
    if app.json_output:
        app.emit(
            {
                "status": outcome.status,
                "reason": outcome.reason,
                "signer": outcome.signer,
                "recovered": outcome.recovered,
                "hash": outcome.hash,
                "role": role,
            },
            line,
        )
    else:
        click.echo(line)
    if not outcome.ok:
        click.get_current_context().exit(1)


def _operator_role(app: App, data: dict[str, Any], signer: str | None) -> str | None:
    """The signer's role, asked of the node when one is given (--rpc)."""
    if signer is None or not app.rpc:
        return None
    from decree8.report.sign import signer_role

    return signer_role(app.chain(), data, signer)
