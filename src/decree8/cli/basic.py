"""Foundation commands: templates, compile, deploy, node."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from decree8.cli._app import App, fail, params_option, parse_params, pass_app
from decree8.errors import UsageError
from decree8.fsutil import check_target

if TYPE_CHECKING:
    from decree8.deploy import Deployment


def account_resolver(app: App) -> Any:
    """Turn `3` (an index into the chain's accounts) into an address."""

    def resolve(text: str) -> str:
        accounts = app.chain().accounts
        if text.isdigit() and int(text) < len(accounts):
            return accounts[int(text)]
        raise UsageError(
            f"{text!r} is neither an address nor an account index (0..{len(accounts) - 1})"
        )

    return resolve


# -- templates -------------------------------------------------------------------------------------
@click.command("templates", short_help="List the templates, their parameters, roles and rules.")
@click.argument("name", required=False)
@pass_app
def templates_cmd(app: App, name: str | None) -> None:
    """List decree8's contract templates: what each enforces, its constructor parameters and roles.

    Give a NAME to see one template in full. Rule IDs refer to the rule pack (legal basis and
    confidence for each are shown by `decree8 rules`, `decree8 check` and in reports).

    \b
    Examples:
      decree8 templates                    every template, what it enforces
      decree8 templates compliant-token    its parameters (--param NAME=VALUE) and roles
    """
    from decree8.report.catalog import templates_to_dict
    from decree8.templates import CATALOGUE, get_template

    chosen = [get_template(name)] if name else list(CATALOGUE.values())

    def text() -> str:
        lines: list[str] = []
        for t in chosen:
            lines.append(f"{t.name}  ({t.contract}, template v{t.version})")
            lines.append(f"  {t.summary}")
            lines.append(f"  rules: {', '.join(t.rules)}")
            if name:
                lines.append("  parameters (--param NAME=VALUE):")
                for p in t.params:
                    default = (
                        ""
                        if p.default is None
                        else f" [default: {p.default.replace('@deployer', 'the deployer')}]"
                    )
                    lines.append(f"    {p.name:<24} {p.kind:<10} {p.help}{default}")
                lines.append("  roles:")
                lines.extend(f"    {r.name:<24} {r.duty}" for r in t.roles)
            lines.append("")
        if not name:
            lines.append("`decree8 templates NAME` shows a template's parameters and roles.")
        return "\n".join(lines).rstrip()

    app.emit(templates_to_dict(chosen), text)


# -- compile ---------------------------------------------------------------------------------------
@click.command("compile", short_help="Compile a contracts/ tree (cached).")
@click.argument("project", required=False, type=click.Path(file_okay=False, path_type=Path))
@pass_app
def compile_cmd(app: App, project: Path | None) -> None:
    """Compile every Solidity file under PROJECT/contracts (default: the project around the
    current folder; outside any project, decree8's own templates).

    Imports of @openzeppelin/contracts come from node_modules, else from the OpenZeppelin files
    shipped with decree8. Builds are cached by a hash of the compiler version and the full input:
    a warm build compiles nothing. Artifacts go to the project's build folder (.decree8/build/
    unless [tool.decree8] build-dir says otherwise): artifacts/<Name>.json, and the exact compiler
    input in input.json. decree8's own templates need no compiler: their build ships with it.

    \b
    Examples:
      decree8 compile               the project around the current folder
      decree8 compile ../my-token   another project
    """
    if project is not None and not (project / "contracts").is_dir():
        fail(f"{project} has no contracts/ folder")
    if project is None and app.settings is not None and app.settings.project is not None:
        if (app.settings.project.root / "contracts").is_dir():
            project = app.settings.project.root
    started = time.perf_counter()
    build = app.build(project)
    root = build.root
    elapsed = time.perf_counter() - started
    artifacts = sorted(build.artifacts.values(), key=lambda a: a.name)
    data = {
        "root": str(root),
        "compiler": build.compiler_version,
        "cached": build.cached,
        "seconds": round(elapsed, 3),
        "contracts": [
            {
                "name": a.name,
                "source": a.source,
                "runtime_bytes": len(a.deployed_bytecode) // 2,
                "source_hash": a.source_hash,
            }
            for a in artifacts
        ],
        "warnings": [str(w) for w in build.warnings],
    }

    def text() -> str:
        state = "cache hit, nothing compiled" if build.cached else "compiled"
        lines = [
            f"{len(artifacts)} contracts from {root} "
            f"({state}, solc {build.compiler_version}, {elapsed:.2f}s)"
        ]
        lines.extend(
            f"  {a.name:<28} {len(a.deployed_bytecode) // 2:>6} bytes  {a.source}"
            for a in artifacts
            if a.deployed_bytecode
        )
        return "\n".join(lines)

    app.emit(data, text)


# -- deploy ----------------------------------------------------------------------------------------


@click.command("deploy", short_help="Deploy a template and write its manifest.")
@click.argument("template")
@params_option("A constructor parameter (repeatable).")
@click.option(
    "--from", "sender", metavar="ACCOUNT", help="Deploying account: address or index (default 0)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Manifest path (default deployments/<chain>/<template>-<address>.json).",
)
@click.option("--force", is_flag=True, help="Replace an existing manifest at --out.")
@click.option("--gas", type=int, help="Gas limit (default: estimated).")
@pass_app
def deploy_cmd(
    app: App,
    template: str,
    params: tuple[str, ...],
    sender: str | None,
    out: Path | None,
    force: bool,
    gas: int | None,
) -> None:
    """Deploy TEMPLATE (see `decree8 templates`) with --param KEY=VALUE and record a manifest.

    Amounts accept 1000, 1_000 or 1000e18; a terms file is hashed (keccak-256) for you; addresses
    may be given as an account index. The manifest records chain, address, source and compiler
    hashes, constructor arguments, deployer, transaction and block: `verify` and `audit` start
    from it.

    \b
    Example:
      decree8 --rpc http://127.0.0.1:8545 deploy holder-registry \\
          --param operator_registration=HTP-0421
    """
    from decree8.templates import deploy_template, get_template

    get_template(template)  # unknown names fail before any compiling
    if out is not None:  # before anything is sent: a deployed contract's address is never lost
        check_target(out, overwrite=force, what="--out")
    given = parse_params(params)
    resolve = account_resolver(app)
    chain = app.chain()
    deployer = (
        chain.accounts[0]
        if sender is None
        else (sender if sender.startswith("0x") else resolve(sender))
    )
    build = app.build()
    dep = deploy_template(
        chain,
        build,
        template,
        given,
        sender=deployer,
        resolve_address=resolve,
        base_dir=Path.cwd(),
        gas=gas,
    )
    path = (
        out or Path("deployments") / str(dep.chain_id) / f"{dep.template}-{dep.address[:10]}.json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    dep.save(path, overwrite=force)
    if app.embedded:
        app.note(
            "note: deployed to a fresh embedded chain that ends with this command; "
            "run `decree8 node` and pass --rpc to keep it"
        )
    data = {"manifest": str(path), **dep.to_json()}
    data.pop("abi", None)
    app.emit(data, lambda: _deployed_text(dep, path))


def _deployed_text(dep: Deployment, path: Path) -> str:
    return "\n".join(
        [
            f"deployed {dep.template} ({dep.contract}) at {dep.address}",
            f"  chain {dep.chain_id}, block {dep.block}, tx {dep.tx_hash}",
            f"  deployer {dep.deployer}",
            *(f"  {k} = {v}" for k, v in dep.params.items()),
            f"manifest written to {path}",
        ]
    )


# -- node ------------------------------------------------------------------------------------------
@click.command("node", short_help="Serve the embedded chain over JSON-RPC on 127.0.0.1.")
@click.option("--port", type=click.IntRange(0, 65535), default=8545, show_default=True)
@click.option("--accounts", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option(
    "--chain",
    "chain_kind",
    type=click.Choice(["embedded", "revm"]),
    default="embedded",
    show_default=True,
    help="embedded (eth-tester) or revm (the fast chain, same gas).",
)
@pass_app
def node_cmd(app: App, port: int, accounts: int, chain_kind: str) -> None:
    """Run a local chain (eth-tester or revm, in process) that other tools reach over JSON-RPC.

    Other decree8 commands, web3.py scripts and wallets use it with --rpc http://127.0.0.1:PORT.
    It listens on the loopback address only, answers evm_snapshot, evm_revert, evm_increaseTime
    and evm_mine like Hardhat, and runs until interrupted (Ctrl-C).

    \b
    Examples:
      decree8 node                          eth-tester, the reference chain, on port 8545
      decree8 node --chain revm --port 8546 the fast chain (same gas), for clients and load
      decree8 --rpc http://127.0.0.1:8545 deploy holder-registry --param operator_registration=X
    """
    from decree8.chain.node import serve

    def ready(server: Any) -> None:
        url, addresses = server.url, list(server.dispatcher.accounts)
        if app.json_output:
            app.emit({"url": url, "accounts": addresses}, "")
        else:
            app.out(f"decree8 node listening on {url}")
            for i, a in enumerate(addresses):
                app.out(f"  account {i}: {a}")
            app.out("Ctrl-C to stop.")

    serve(host="127.0.0.1", port=port, accounts=accounts, ready_callback=ready, chain=chain_kind)
