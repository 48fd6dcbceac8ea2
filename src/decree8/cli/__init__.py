"""The `decree8` command line: a thin layer over the library (parse, call, render, exit code).

Exit codes: 0 done and compliant / matched; 1 findings or mismatch; 2 bad input or environment
(one line on stderr; `--debug` shows the traceback).
"""

from __future__ import annotations

import click

from decree8 import __version__
from decree8.cli._app import App, Decree8Group
from decree8.cli.basic import compile_cmd, deploy_cmd, node_cmd, templates_cmd

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _version_message() -> str:
    from decree8.compile import PINNED_SOLC_VERSION
    from decree8.templates.home import openzeppelin_version

    return (
        f"decree8 {__version__} (templates built with solc {PINNED_SOLC_VERSION}, "
        f"OpenZeppelin Contracts {openzeppelin_version()})"
    )


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_message())
        ctx.exit(0)


@click.group(cls=Decree8Group, context_settings=CONTEXT_SETTINGS)
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show decree8's version, with the solc and OpenZeppelin versions it ships, and exit.",
)
@click.option(
    "--rpc",
    metavar="URL",
    default=None,
    help="JSON-RPC node to use (e.g. http://127.0.0.1:8545 from `decree8 node`). "
    "Default: a fresh embedded chain that lives only for this command. [env: DECREE8_RPC]",
)
@click.option(
    "--chain",
    "chain_kind",
    type=click.Choice(["embedded", "revm"]),
    default=None,
    help="Which in-process chain to use when no --rpc is given. [default: embedded]",
)
@click.option(
    "--json",
    "json_output",
    is_flag=True,
    help="Machine-readable JSON on stdout, nothing else there.",
)
@click.option(
    "--compiler",
    type=click.Choice(["auto", "solcjs", "solcx"]),
    default=None,
    help="Solidity compiler for sources without shipped artifacts: native solc (py-solc-x), "
    "solc-js (npm, installed on first use), or auto (native if present). [default: auto; "
    "env: DECREE8_COMPILER]",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(
    ctx: click.Context,
    rpc: str | None,
    chain_kind: str | None,
    json_output: bool,
    compiler: str | None,
    debug: bool,
) -> None:
    """decree8: compliant tokens and escrows under Belarusian law, checked before and after.

    Templates enforce the rules of Decree No. 8 and the acts that followed it (HTP-resident issuer,
    terms bound by hash and accepted, identified and eligible holders, illicit-address register,
    legal orders, no direct sales between individuals, tokens not used as payment). The checker
    tells, with the legal basis, whether a transaction complies.

    Global options (--rpc, --chain, --json, --compiler, --debug) go before or after the command.
    Settings may also come from [tool.decree8] in the project's pyproject.toml or a decree8.toml
    (see `decree8 config`); the command line wins.

    \b
    Start here:
      decree8 templates            what can be deployed and which rules each enforces
      decree8 demo                 the whole flow on a local chain, with planted violations
      decree8 node                 a local chain other tools can reach over JSON-RPC
      decree8 new token my-token   a project that extends the token template
    """
    app = _app(rpc, chain_kind, json_output, compiler, debug)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _app(
    rpc: str | None, chain_kind: str | None, json_output: bool, compiler: str | None, debug: bool
) -> App:
    """The command's App: the global options over the project's settings, and the project's own
    rules made part of the pack."""
    from decree8.config import load_settings

    settings = load_settings({"rpc": rpc, "chain": chain_kind, "compiler": compiler})
    rules_file = settings.path("rules")
    if rules_file is not None:
        from decree8.rules.project import activate_project_rules

        activate_project_rules(rules_file)
    return App(
        rpc=settings["rpc"],
        json_output=json_output,
        debug=debug,
        compiler=settings["compiler"],
        chain_kind=settings["chain"],
        settings=settings,
    )


main.add_command(templates_cmd)
main.add_command(compile_cmd)
main.add_command(deploy_cmd)
main.add_command(node_cmd)


def _register_optional() -> None:
    """Commands from later layers register themselves here when their modules exist."""
    import importlib

    for module, names in (
        ("decree8.cli.check_cmd", ("check",)),
        ("decree8.cli.run_cmd", ("run", "demo")),
        ("decree8.cli.verify_cmd", ("verify",)),
        ("decree8.cli.audit_cmd", ("audit",)),
        ("decree8.cli.new_cmd", ("new",)),
        ("decree8.cli.rules_cmd", ("rules",)),
        ("decree8.cli.setup_cmd", ("setup", "config", "completion")),
        ("decree8.cli.report_cmd", ("report",)),
        ("decree8.cli.watch_cmd", ("watch",)),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        for name in names:
            main.add_command(getattr(mod, f"{name}_cmd"), name=name)


_register_optional()

__all__ = ["main"]
