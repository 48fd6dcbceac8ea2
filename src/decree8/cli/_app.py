"""Shared CLI plumbing: global options, the chain and build a command needs, output and errors."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from decree8.errors import Decree8Error, ToolchainError, UsageError

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Build


def find_home() -> Path:
    """The folder holding decree8's template sources (`contracts/`) and `node_modules`.

    `DECREE8_HOME` wins; otherwise the source tree this package was installed from.
    """
    env = os.environ.get("DECREE8_HOME")
    if env:
        home = Path(env)
        if (home / "contracts").is_dir():
            return home
        raise ToolchainError(
            f"DECREE8_HOME={env} has no contracts/ folder: point it at decree8's source tree"
        )
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "contracts" / "token").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    raise ToolchainError(
        "decree8's template sources were not found: install decree8 from its source tree "
        "(`make setup`) or set DECREE8_HOME to it"
    )


@dataclass
class App:
    """What every command may need, created lazily from the global options."""

    rpc: str | None = None
    json_output: bool = False
    debug: bool = False
    compiler: str = "auto"
    chain_kind: str = "embedded"
    _chain: Chain | None = field(default=None, repr=False)
    _build: Build | None = field(default=None, repr=False)

    def chain(self) -> Chain:
        if self._chain is None:
            from decree8.chain import Chain

            if self.rpc:
                self._chain = Chain.rpc(self.rpc)
            elif self.chain_kind == "revm":
                self._chain = Chain.revm()
            else:
                self._chain = Chain.embedded()
        return self._chain

    @property
    def embedded(self) -> bool:
        return not self.rpc

    def build(self, root: Path | None = None) -> Build:
        """The template build (decree8's own contracts), compiled or read from the cache."""
        if self._build is None or root is not None:
            from decree8.compile import build_project

            home = root or find_home()
            build = build_project(home, compiler=self.compiler, on_compile=self.compiling)
            for w in build.warnings:
                self.note(f"warning: {w}")
            if root is not None:
                return build
            self._build = build
        return self._build

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

    def out(self, text: str) -> None:
        click.echo(text)

    def emit(self, data: Any, text: str | Callable[[], str]) -> None:
        """Machine output with --json, else the human text."""
        if self.json_output:
            click.echo(json.dumps(data, indent=2, sort_keys=False, default=_json_default))
        else:
            click.echo(text() if callable(text) else text)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Path):
        return str(value)
    return str(value)


pass_app = click.make_pass_decorator(App)


def fail(message: str) -> None:
    """Stop a command with a one-line user error (exit 2)."""
    raise UsageError(message)


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


class Decree8Group(click.Group):
    """A click group that turns every expected error into one line on stderr and exit 2."""

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
        except KeyboardInterrupt:
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
