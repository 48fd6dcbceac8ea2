"""`decree8 verify ADDRESS`: is the code at an address an unmodified decree8 template with the
expected parameters? Exit 0 on an exact or functional match, 1 otherwise, 2 for bad input."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from decree8.cli._app import (
    App,
    fail,
    params_option,
    parse_params,
    pass_app,
    refuse_existing,
    report_options,
)
from decree8.cli.basic import account_resolver

if TYPE_CHECKING:
    from decree8.report.sign import Signer
    from decree8.verify import VerifyResult


def _check_options(
    manifest: Path | None,
    address: str | None,
    template: str | None,
    params: tuple[str, ...],
    output: Path | None,
) -> dict[str, str]:
    """The expected --param values; a usage error for options that do not go together, or an
    ``output`` (given without --force) that exists."""
    from decree8.templates import get_template

    if manifest is not None and (template is not None or params):
        fail("give the expected values either with --manifest or with --template/--param")
    if params and template is None:
        fail("--param needs --template NAME")
    if manifest is None and address is None:
        fail("name the ADDRESS to verify (or give its --manifest)")
    if template is not None:
        get_template(template)  # an unknown name fails before anything is compiled
    refuse_existing(output, force=False)
    return parse_params(params)


@click.command("verify", short_help="Compare the code at an address with a template build.")
@click.argument("address", required=False, metavar="[ADDRESS]")
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The deployment manifest: template, constructor arguments, creation tx, compiler.",
)
@click.option("--template", metavar="NAME", help="The template it should be (see `templates`).")
@params_option("An expected template parameter, as `deploy` takes it (repeatable).")
@click.option(
    "--tx", "tx_hash", metavar="HASH", help="The creation transaction (constructor arguments)."
)
@click.option(
    "--terms",
    "terms_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The terms document: hashed (keccak-256) and compared with the contract's terms hash.",
)
@report_options()
@pass_app
def verify_cmd(
    app: App,
    address: str | None,
    manifest: Path | None,
    template: str | None,
    params: tuple[str, ...],
    tx_hash: str | None,
    terms_file: Path | None,
    fmt: str | None,
    output: Path | None,
    force: bool,
    sign_with: str | None = None,
) -> None:
    """Rebuild the template with decree8's compiler settings and compare it with the code at
    ADDRESS, immutables masked: EXACT (code and metadata hash agree), FUNCTIONAL (only the metadata
    differs, e.g. a comment changed) or MISMATCH (with where the code first differs, or which
    immutable or constructor argument differs). Shows the legal facts the contract states: HTP
    registration, terms hash, URI and version, holder registry and its operator, cap.

    Expected values come from --manifest, or from --template and --param (only the parameters
    given are checked). Constructor arguments are read from the creation transaction (the
    manifest's, or --tx). Exit 0 on an exact or functional match, 1 otherwise, 2 for bad input.

    \b
    Example:
      decree8 --rpc http://127.0.0.1:8545 verify --manifest deployments/31337/token.json \\
          --terms whitepaper.pdf
    """
    from decree8.deploy import Deployment
    from decree8.report.sign import load_signer
    from decree8.verify import rebuild, verify

    given = _check_options(manifest, address, template, params, output if not force else None)
    chosen = fmt or ("json" if app.json_output else "text")
    chain = app.chain()
    signer = load_signer(sign_with, app.chain) if sign_with else None
    dep = Deployment.load(manifest, chain_id=chain.chain_id) if manifest is not None else None
    build = rebuild(manifest=dep, compiler=app.compiler, build_dir=app.build_dir / "templates")
    app.notes(f"warning: {warning}" for warning in build.warnings)
    result = verify(
        chain,
        address or (dep.address if dep is not None else ""),
        template=template,
        params=given or None,
        manifest=dep,
        build=build,
        tx_hash=tx_hash,
        terms_file=terms_file,
        base_dir=Path.cwd(),
        resolve_address=account_resolver(app),
    )
    _show(app, result, chosen, output, force, signer)


def _show(
    app: App,
    result: VerifyResult,
    fmt: str,
    output: Path | None,
    force: bool,
    signer: Signer | None,
) -> None:
    """The report (signed with ``signer``, see docs/reports.md) on stdout, or written to
    ``output`` with the verdict line on stderr; exit 1 unless the code matched."""
    from decree8.report.sign import sign_report

    report = result.to_report()
    if signer is not None:
        report = sign_report(report, signer)
    app.deliver(report, fmt, output, force, done=result.verdict_line())
