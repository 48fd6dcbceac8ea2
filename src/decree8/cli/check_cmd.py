"""`decree8 check call` and `decree8 check tx`: is a call compliant before it is sent, and was a
mined transaction? Three verdicts: COMPLIANT (exit 0), VIOLATION (exit 1) and REFUSED (exit 1:
the call reverts, or reverted, for a reason that is no rule in force); 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from decree8.cli._app import App, fail, pass_app
from decree8.cli.basic import account_resolver
from decree8.fsutil import read_user_text

if TYPE_CHECKING:
    from decree8.check import Checker, Verdict

_TX_KEYS = ("to", "from", "function", "fn", "args", "value", "data")


def make_checker(app: App, manifests: tuple[Path, ...]) -> Checker:
    from decree8.check import Checker
    from decree8.deploy import Deployment

    chain = app.chain()
    deployments = [Deployment.load(path, chain_id=chain.chain_id) for path in manifests]
    return Checker(chain, app.build(), deployments)


def _finish(app: App, verdict: Verdict) -> None:
    from decree8.check import verdict_text

    app.emit(verdict.to_dict(), lambda: verdict_text(verdict))
    if not verdict.compliant:
        click.get_current_context().exit(1)


@click.group("check", short_help="Check a call before it is sent, or a mined transaction.")
def check_cmd() -> None:
    """Tell, with the legal basis, whether a call complies before it is signed (`check call`) and
    whether a mined transaction did (`check tx`). Every rule is evaluated, not only the first that
    fails; each failing rule is shown with its legal basis, the confidence of that basis and the
    on-chain restriction code.

    Three verdicts: COMPLIANT (it happens, or happened, and breaks no rule in force), VIOLATION
    (the rules it breaks, with their basis) and REFUSED (it reverts, or reverted, for a reason
    that is no rule in force, e.g. an insufficient balance: nothing lawful or unlawful happened;
    the decoded reason is shown). Rules apply only if in force at the block's time; the verdict
    names the version of the law applied.

    The template at an address comes from --manifest files or is recognised from the code at the
    address. Exit 0 only for COMPLIANT; 1 for VIOLATION or REFUSED (a refused call cannot go
    through as it is, and a refused transaction did not happen: both need a look; --json's
    "verdict" tells them apart); 2 for bad input.

    \b
    Examples:
      decree8 --rpc URL check call --to TOKEN --from 4 --fn transfer --arg 7 --arg 5e18
      decree8 --rpc URL check tx 0x5f1c…e9 --manifest deployments/1337/token.json
    """


def _read_tx_file(path: Path) -> dict[str, Any]:
    text = read_user_text(path, "--tx")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"--tx {path} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}")
    if not isinstance(data, dict):
        fail(f"--tx {path} must hold a JSON object with to, from, function and args")
    unknown = sorted(set(data) - set(_TX_KEYS))
    if unknown:
        fail(f"--tx {path} has unknown key(s) {', '.join(unknown)}; known: {', '.join(_TX_KEYS)}")
    return data


def _value(raw: Any, what: str) -> int:
    from decree8.templates import parse_amount

    try:
        return parse_amount(raw if isinstance(raw, int) else str(raw))
    except ValueError as exc:
        fail(f"{what} {raw!r}: {exc}")
    raise AssertionError("unreachable")


@check_cmd.command("call", short_help="Check an unsigned call before it is sent.")
@click.option("--to", "to", metavar="ADDR", help="The contract called (address or account index).")
@click.option("--from", "sender", metavar="ADDR", help="The caller (address or account index).")
@click.option("--fn", "function", metavar="NAME", help="The function called, e.g. transfer.")
@click.option(
    "--arg",
    "args",
    multiple=True,
    metavar="VALUE",
    help="An argument, in ABI order (repeat): address, 1000e18, true, text or 0x for bytes32.",
)
@click.option("--value", metavar="WEI", help="ETH sent with the call, in wei (1e18 = 1 ETH).")
@click.option(
    "--manifest",
    "manifests",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A deployment manifest (repeat); names the template at its address.",
)
@click.option(
    "--tx",
    "tx_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='The call as JSON: {"to", "from", "function", "args": [...] or {...}, "value"} or '
    '{"to", "from", "data"}. Flags override its keys.',
)
@click.option(
    "--block",
    default="latest",
    show_default=True,
    help="Block whose state and time to use; latest means the next block's context.",
)
@pass_app
def call_cmd(
    app: App,
    to: str | None,
    sender: str | None,
    function: str | None,
    args: tuple[str, ...],
    value: str | None,
    manifests: tuple[Path, ...],
    tx_file: Path | None,
    block: str,
) -> None:
    """Check a call before it is signed: decode it with its template's ABI, evaluate every rule
    in force against the state it would run on, and simulate it there. By default that is the
    next block (the node's pending block: its number and time); with --block N, block N.

    \b
    Example:
      decree8 --rpc http://127.0.0.1:8545 check call --to 0xToken --from 5 \\
          --fn transfer --arg 0xBob --arg 100e18
    """
    from decree8.check import CallRequest

    spec = _read_tx_file(tx_file) if tx_file is not None else {}
    to = to or spec.get("to")
    sender = sender or spec.get("from")
    function = function or spec.get("function") or spec.get("fn")
    call_args: Any = list(args) if args else spec.get("args", [])
    raw_value = value if value is not None else spec.get("value", 0)
    data_hex = spec.get("data") if not function else None
    if not to:
        fail('name the contract called with --to ADDR (or a "to" key in --tx)')
    if not sender:
        fail('name the caller with --from ADDR (or a "from" key in --tx)')
    if not function and not data_hex:
        fail('name the function with --fn NAME (or give "function" or "data" in --tx)')
    if not isinstance(call_args, list | dict):
        fail('"args" in --tx must be a list (ABI order) or an object (by parameter name)')
    if block != "latest" and not block.isdigit():
        fail(f"--block {block!r} is neither a block number nor latest")

    resolve = account_resolver(app)
    to_addr = resolve(to) if str(to).isdigit() else str(to)
    from_addr = resolve(sender) if str(sender).isdigit() else str(sender)
    data: bytes | None = None
    if data_hex is not None:
        if not isinstance(data_hex, str) or not data_hex.startswith("0x"):
            fail('"data" in --tx must be 0x-prefixed hex calldata')
        try:
            data = bytes.fromhex(data_hex[2:])
        except ValueError:
            fail('"data" in --tx is not valid hex')
    checker = make_checker(app, manifests)
    request = CallRequest(
        to=to_addr,
        sender=from_addr,
        function=function,
        args=call_args if data is None else (),
        value=_value(raw_value, "--value"),
        data=data,
    )
    verdict = checker.check_call(
        request, block=int(block) if block.isdigit() else block, resolve=resolve
    )
    _finish(app, verdict)


@check_cmd.command("tx", short_help="Check a mined transaction against the state before it.")
@click.argument("tx_hash", metavar="HASH")
@click.option(
    "--manifest",
    "manifests",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A deployment manifest (repeat); names the template at its address.",
)
@pass_app
def tx_cmd(app: App, tx_hash: str, manifests: tuple[Path, ...]) -> None:
    """Check the mined transaction HASH in its own context: decode its calldata, events and (if
    it failed) its revert, evaluate every rule in force at its block's time against the state it
    ran on (the block before, with the transactions before it in its block), and compare balance
    changes with the Transfer events (RECORDS).

    \b
    Example:
      decree8 --rpc http://127.0.0.1:8545 check tx 0x5f1c…e9 --json
    """
    checker = make_checker(app, manifests)
    _finish(app, checker.check_tx(tx_hash))
