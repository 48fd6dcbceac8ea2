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


@click.group(cls=Decree8Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="decree8", message="%(prog)s %(version)s")
@click.option(
    "--rpc",
    metavar="URL",
    envvar="DECREE8_RPC",
    help="JSON-RPC node to use (e.g. http://127.0.0.1:8545 from `decree8 node`). "
    "Default: a fresh embedded chain that lives only for this command.",
)
@click.option(
    "--chain",
    "chain_kind",
    type=click.Choice(["embedded", "revm"]),
    default="embedded",
    show_default=True,
    help="Which in-process chain to use when no --rpc is given.",
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
    default="auto",
    show_default=True,
    envvar="DECREE8_COMPILER",
    help="Solidity compiler: native solc (py-solc-x), solc-js (npm), or auto (native if present).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(
    ctx: click.Context,
    rpc: str | None,
    chain_kind: str,
    json_output: bool,
    compiler: str,
    debug: bool,
) -> None:
    """decree8: compliant tokens and escrows under Belarusian law, checked before and after.

    Templates enforce the rules of Decree No. 8 and the acts that followed it (HTP-resident issuer,
    terms bound by hash and accepted, identified and eligible holders, illicit-address register,
    legal orders, no direct sales between individuals, tokens not used as payment). The checker
    tells, with the legal basis, whether a transaction complies.

    \b
    Start here:
      decree8 templates            what can be deployed and which rules each enforces
      decree8 demo                 the whole flow on a local chain, with planted violations
      decree8 node                 a local chain other tools can reach over JSON-RPC
    """
    app = App(
        rpc=rpc, json_output=json_output, debug=debug, compiler=compiler, chain_kind=chain_kind
    )
    ctx.obj = app
    ctx.call_on_close(app.close)


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
        ("decree8.cli.report_cmd", ("report",)),
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
