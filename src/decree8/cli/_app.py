"""Shared CLI plumbing: global options, the chain and build a command needs, output and errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from decree8.config import Settings, load_settings
from decree8.errors import Decree8Error, UsageError

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Build
    from decree8.result import Report


@dataclass
class App:
    """What every command may need, created lazily from the global options."""

    rpc: str | None = None
    json_output: bool = False
    debug: bool = False
    compiler: str = "auto"
    chain_kind: str = "embedded"
    settings: Settings | None = None
    _chain: Chain | None = field(default=None, repr=False)
    _build: Build | None = field(default=None, repr=False)

    def chain(self) -> Chain:
        if self._chain is None:
            from decree8.chain import Chain

            self._chain = Chain.open(self.rpc or self.chain_kind)
        return self._chain

    @property
    def embedded(self) -> bool:
        return not self.rpc

    @property
    def build_dir(self) -> Path:
        """Where this command's builds go (the project's build folder, else decree8's cache)."""
        if self.settings is None:
            self.settings = load_settings()
        return self.settings.build_dir

    def build(self, root: Path | None = None) -> Build:
        """The template build: the artifacts shipped with decree8 (no compiler needed), or a
        compile of decree8's sources when they were changed in a checkout. With ``root``, a build
        of that project's ``contracts/`` into the build folder."""
        if root is not None:
            from decree8.compile import build_project

            build = build_project(
                root, compiler=self.compiler, cache_dir=self.build_dir, on_compile=self.compiling
            )
        elif self._build is not None:
            return self._build
        else:
            from decree8.templates.home import template_build

            build = self._build = template_build(
                build_dir=self.build_dir / "templates",
                compiler=self.compiler,
                on_compile=self.compiling,
            )
        for w in build.warnings:
            self.note(f"warning: {w}")
        return build

    def compiling(self, files: int, version: str) -> None:
        """Tell a person at a terminal why a cold build takes a while (stderr only, and only on a
        terminal: scripts and --json consumers see nothing but the result or one error line)."""
        if sys.stderr.isatty():
            self.note(f"compiling {files} Solidity files with solc {version} (then cached)...")

    def close(self) -> None:
        if self._chain is not None:
            self._chain.close()
            self._chain = None

    # -- output ---------------------------------------------------------------------------------
    def note(self, message: str) -> None:
        """Progress and notes for people: always on stderr, so `--json` stdout stays clean."""
        click.echo(message, err=True)

    def notes(self, messages: Iterable[str]) -> None:
        """Several notes (see :meth:`note`)."""
        for message in messages:
            self.note(message)

    def out(self, text: str) -> None:
        click.echo(text)

    def emit(self, data: Any, text: str | Callable[[], str]) -> None:
        """Machine output with --json (through the report layer's one JSON writer), else the
        human text."""
        if self.json_output:
            from decree8.report.json import json_text

            click.echo(json_text(data), nl=False)
        else:
            click.echo(text() if callable(text) else text)

    def deliver(
        self, report: Report, fmt: str, output: Path | None, force: bool, done: str | None = None
    ) -> None:
        """Render ``report`` as ``fmt`` on stdout, or write it atomically to ``output`` and say so
        on stderr (``done``, else the report's summary line, then where it went); exit 1 unless
        the report passed."""
        from decree8.report import write_report

        text = write_report(report, fmt, path=output, overwrite=force)
        if output is None:
            click.echo(text, nl=not text.endswith("\n"))
        elif done is not None:
            self.note(f"{done}\nreport written to {output}")
        else:
            self.note(f"{report.summary_line()}; report written to {output}")
        if not report.passed:
            click.get_current_context().exit(1)

    def emit_report(self, report: Report) -> None:
        """A report on stdout: JSON with --json, else its text (the report layer's formatters)."""
        from decree8.report import write_report

        text = write_report(report, "json" if self.json_output else "text")
        click.echo(text, nl=not text.endswith("\n"))


pass_app = click.make_pass_decorator(App)

F = TypeVar("F", bound=Callable[..., Any])


def manifests_option(purpose: str) -> Callable[[F], F]:
    """``--manifest FILE`` (repeatable; parameter ``manifests``): deployment manifests, each naming
    the template at its address; ``purpose`` ends the help text."""
    return click.option(
        "--manifest",
        "manifests",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"A deployment manifest (repeat): {purpose}",
    )


def params_option(help: str) -> Callable[[F], F]:
    """``--param KEY=VALUE`` (repeatable; parameter ``params``, read with :func:`parse_params`):
    template parameters; ``help`` is the help text."""
    return click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help=help)


#: The report formats (decree8.report.OutputFormat's values; a test keeps the two equal). Spelled
#: out here so that a command's --help does not import the formatters.
REPORT_FORMATS = ("text", "json", "markdown", "sarif", "html")


def report_options(default: str | None = None) -> Callable[[F], F]:
    """The options every command that writes a report takes: ``--format`` (parameter ``fmt``),
    ``-o/--output`` (``output``), ``--force`` and ``--sign-with`` (``sign_with``)."""

    def decorate(command: F) -> F:
        for option in reversed(
            (
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(REPORT_FORMATS),
                    default=default,
                    show_default=default is not None,
                    help="Report format"
                    + ("." if default else " (default: text; json with --json)."),
                ),
                click.option(
                    "-o",
                    "--output",
                    type=click.Path(dir_okay=False, path_type=Path),
                    help="Write the report to FILE (atomically) instead of stdout.",
                ),
                click.option("--force", is_flag=True, help="Overwrite the -o FILE if it exists."),
                click.option(
                    "--sign-with",
                    "sign_with",
                    metavar="KEY",
                    help="Sign the report: a key file (hex key, or keystore with "
                    "$DECREE8_KEY_PASSWORD) or an address or account index of the node "
                    "(see docs/reports.md).",
                ),
            )
        ):
            command = option(command)
        return command

    return decorate


def fail(message: str) -> None:
    """Stop a command with a one-line user error (exit 2)."""
    raise UsageError(message)


def refuse_existing(output: Path | None, force: bool) -> None:
    """A usage error for an ``-o`` file that exists, unless ``--force`` (checked before work)."""
    if output is not None and output.exists() and not force:
        fail(f"{output} already exists; pass --force to overwrite it")


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    """`--param KEY=VALUE` options as a mapping; a malformed or repeated key is a usage error."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            fail(f"--param {item!r} is not KEY=VALUE")
        if key in out:
            fail(f"--param {key} is given twice")
        out[key] = value
    return out


class _Interrupted(BaseException):
    """Ctrl-C while a command runs (a BaseException, so no handler on the way swallows it)."""


#: Global options and whether each takes a value: accepted before or after the subcommand.
GLOBAL_OPTIONS: dict[str, bool] = {
    "--rpc": True,
    "--chain": True,
    "--compiler": True,
    "--json": False,
    "--debug": False,
}


def _own_options(command: click.Command) -> set[str]:
    return {name for param in command.params for name in getattr(param, "opts", ())}


def hoist_global_options(group: click.Group, ctx: click.Context, args: list[str]) -> list[str]:
    """Move global options written after the subcommand (``decree8 rules --json``) in front of
    it, unless the subcommand has an option of that name itself (``decree8 run --chain revm``)."""
    start = 0
    while start < len(args) and args[start].startswith("-") and args[start] != "--":
        name = args[start].split("=", 1)[0]
        start += 2 if GLOBAL_OPTIONS.get(name) and "=" not in args[start] else 1
    if start >= len(args) or args[start] == "--":
        return args
    command: click.Command = group
    own: set[str] = set()
    index = start
    while isinstance(command, click.Group) and index < len(args):
        sub = command.get_command(ctx, args[index])
        if sub is None:
            break
        command, index = sub, index + 1
        own |= _own_options(command)
    moved: list[str] = []
    kept: list[str] = []
    rest = args[start:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            kept.extend(rest[i:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and name not in own:
            width = 2 if GLOBAL_OPTIONS[name] and "=" not in arg else 1
            moved.extend(rest[i : i + width])
            i += width
            continue
        kept.append(arg)
        i += 1
    return args[:start] + moved + kept


class Decree8Group(click.Group):
    """A click group that turns every expected error into one line on stderr and exit 2, and
    accepts the global options before or after the subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = hoist_global_options(self, ctx, list(args))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        # click answers Ctrl-C with an empty line and Abort; decree8 says one line (see main).
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None

    def main(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args") if kwargs.get("args") is not None else (args[0] if args else None)
        argv = list(argv) if argv is not None else sys.argv[1:]
        debug = "--debug" in argv or os.environ.get("DECREE8_DEBUG") == "1"
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("decree8: aborted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            if debug:
                raise
            hint = ""
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                hint = f" (see `{ctx.command_path} --help`)"
            click.echo(f"decree8: error: {exc.format_message()}{hint}", err=True)
            sys.exit(2)
        except Decree8Error as exc:
            if debug:
                raise
            click.echo(f"decree8: error: {exc}", err=True)
            sys.exit(2)
        except (KeyboardInterrupt, _Interrupted):
            click.echo("decree8: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            if debug:
                raise
            click.echo(
                f"decree8: internal error: {type(exc).__name__}: {exc} "
                "(run again with --debug for the traceback, and please report it)",
                err=True,
            )
            sys.exit(2)
        if isinstance(rv, int):
            sys.exit(rv)
        return rv
