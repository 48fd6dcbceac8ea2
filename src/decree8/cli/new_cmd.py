"""`decree8 new token|escrow DIR`: generate a ready project that extends a template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from decree8.cli._app import App, pass_app
from decree8.scaffold import EscrowOptions, TokenOptions, generate

_DIR = click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
_TERMS = click.option(
    "--terms",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The terms document (copied into terms/; its hash binds the contract). "
    "Default: a placeholder to replace.",
)
_TERMS_URI = click.option("--terms-uri", help="Where the terms are published (default: file name).")
_CONTRACT = click.option(
    "--contract", help="Solidity name of your contract (default: from --name, e.g. MinskToken)."
)
_OPERATOR = click.option(
    "--operator-registration",
    default="HTP-OPERATOR-0001",
    show_default=True,
    help="The registry operator's HTP registration reference (at most 32 bytes of text).",
)
_SOURCE = click.option(
    "--decree8",
    "decree8_spec",
    metavar="SPEC",
    help="What the project installs decree8 from: a wheel, a source folder, a git or https URL, "
    "or a requirement. A local path is recorded relative to the project. "
    "Default: a version range compatible with this decree8 (e.g. 'decree8>=0.2,<0.3').",
)


def _project_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every kind of project takes, and the App."""
    for option in (pass_app, _SOURCE, _CONTRACT, _TERMS_URI, _TERMS, _OPERATOR):
        command = option(command)
    return command


def _report(app: App, kind: str, directory: Path, files: list[Path]) -> None:
    app.emit(
        {"kind": kind, "directory": str(directory), "files": [str(f) for f in files]},
        lambda: "\n".join(
            [
                f"created a {kind} project in {directory} ({len(files)} files)",
                "next:",
                f"  cd {directory}",
                "  make demo",
                "  make test",
            ]
        ),
    )


@click.group("new", short_help="Generate a project that extends a template.")
def new_cmd() -> None:
    """Generate a ready project that extends a decree8 template: your contract with a marked
    place for your own logic, the template sources vendored, a deployment config, property tests
    with the decree8 pytest plugin, a README and a Makefile (`make demo`, `make test`).

    DIRECTORY must be new or empty.

    \b
    Examples:
      decree8 new token minsk-token --name "Minsk Token" --symbol MNT
      decree8 new escrow deals --decree8 ../dist/decree8-0.2.0-py3-none-any.whl
    """


@new_cmd.command("token", short_help="A compliant token project.")
@_DIR
@click.option("--name", default="Example Token", show_default=True, help="The token's name.")
@click.option("--symbol", default="EXT", show_default=True, help="The token's symbol.")
@click.option(
    "--cap",
    default="1000000e18",
    show_default=True,
    help="The most that may ever be issued, in base units.",
)
@click.option(
    "--issuer-registration",
    default="HTP-ISSUER-0001",
    show_default=True,
    help="The issuer's HTP registration reference (at most 32 bytes of text).",
)
@_project_options
def token_cmd(app: App, directory: Path, decree8_spec: str | None, **options: Any) -> None:
    """Generate a compliant-token project in DIRECTORY.

    \b
    Examples:
      decree8 new token minsk-token --name "Minsk Token" --symbol MNT --cap 1000000e18
      decree8 new token p --decree8 ../dist/decree8-0.2.0-py3-none-any.whl
    """
    files = generate("token", directory, TokenOptions(**options), decree8_spec=decree8_spec)
    _report(app, "token", directory, files)


@new_cmd.command("escrow", short_help="A deal-escrow project.")
@_DIR
@click.option(
    "--name",
    default="Example Deals",
    show_default=True,
    help="The project's name (and, unless --contract, the contract's).",
)
@_project_options
def escrow_cmd(app: App, directory: Path, decree8_spec: str | None, **options: Any) -> None:
    """Generate a deal-escrow project in DIRECTORY.

    \b
    Example:
      decree8 new escrow deals --name "Minsk Deals" --terms escrow-terms.md
    """
    files = generate("escrow", directory, EscrowOptions(**options), decree8_spec=decree8_spec)
    _report(app, "escrow", directory, files)
