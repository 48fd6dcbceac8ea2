"""`decree8 check call` and `decree8 check tx`: is a call compliant before it is sent, and was a
mined transaction? Three verdicts: COMPLIANT (exit 0), VIOLATION (exit 1) and REFUSED (exit 1:
the call reverts, or reverted, for a reason that is no rule in force); 2 for bad input."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from decree8.cli._app import (
    App,
    fail,
    manifests_option,
    pass_app,
    refuse_existing,
    report_options,
)
from decree8.cli.basic import account_resolver
from decree8.fsutil import read_user_text

if TYPE_CHECKING:
    from decree8.check import CallRequest, Checker, Verdict
    from decree8.result import Report

_TX_KEYS = ("to", "from", "function", "fn", "args", "value", "data")


def make_checker(app: App, manifests: tuple[Path, ...]) -> Checker:
    from decree8.check import Checker
    from decree8.deploy import Deployment

    chain = app.chain()
    deployments = [Deployment.load(path, chain_id=chain.chain_id) for path in manifests]
    return Checker(chain, app.build(), deployments)


def _finish(app: App, verdict: Verdict) -> None:
    app.emit_report(verdict.to_report(app.chain().chain_id))
    if not verdict.compliant:
        click.get_current_context().exit(1)


def _line(app: App, report: Report, label: str) -> None:
    """One call or transaction of several: a compact JSON report a line with --json (JSON Lines),
    else ``label`` followed by its verdict line."""
    from decree8.report.json import JsonFormatter
    from decree8.report.text_check import summary_line

    if app.json_output:
        click.echo(JsonFormatter(indent=None).format(report), nl=False)
        return
    verdict = report.verdicts[0]
    line = summary_line(verdict) if not isinstance(verdict, dict) else f"ERROR: {verdict['error']}"
    click.echo(f"{label}{line}")


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


def _read_tx_file(path: Path) -> list[dict[str, Any]]:
    """The call(s) in ``path``: one JSON object, or JSON Lines (one object a line)."""
    text = read_user_text(path, "--tx")
    try:
        items = [(0, json.loads(text))]
    except json.JSONDecodeError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if exc.msg != "Extra data" or len(lines) < 2:
            fail(f"--tx {path} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}")
        items = []
        for number, line in lines:  # JSON Lines
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as err:
                fail(f"--tx {path} is not valid JSON Lines: line {number}: {err.msg}")
    out = []
    for number, data in items:
        where = f"--tx {path}" + (f", line {number}," if number else "")
        if not isinstance(data, dict):
            fail(f"{where} must hold a JSON object with to, from, function and args")
        unknown = sorted(set(data) - set(_TX_KEYS))
        if unknown:
            fail(f"{where} has unknown key(s) {', '.join(unknown)}; known: {', '.join(_TX_KEYS)}")
        out.append(data)
    return out


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
@manifests_option("names the template at its address.")
@click.option(
    "--tx",
    "tx_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='The call as JSON: {"to", "from", "function", "args": [...] or {...}, "value"} or '
    '{"to", "from", "data"}; or JSON Lines, one call a line, checked in one process. Flags '
    "override its keys.",
)
@click.option(
    "--block",
    default="latest",
    show_default=True,
    help="Block whose state and time to use; latest means the next block's context.",
)
@report_options()
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
    fmt: str | None,
    output: Path | None,
    force: bool,
    sign_with: str | None,
) -> None:
    """Check a call before it is signed: decode it with its template's ABI, evaluate every rule
    in force against the state it would run on, and simulate it there. By default that is the
    next block (the node's pending block: its number and time); with --block N, block N.

    With --tx FILE in JSON Lines, every call in it is checked in one process: one line per call
    (JSON Lines with --json); with --format or -o, ONE report of all of them instead, in any
    report format (html: a sortable, filterable verdicts table), written atomically to -o FILE and
    signed with --sign-with. Exit 1 if any call breaks a rule or would be refused.

    \b
    Examples:
      decree8 --rpc http://127.0.0.1:8545 check call --to 0xToken --from 5 \\
          --fn transfer --arg 0xBob --arg 100e18
      decree8 --rpc URL check call --tx planned.jsonl --format html -o planned.html
    """
    specs = _read_tx_file(tx_file) if tx_file is not None else [{}]
    if block != "latest" and not block.isdigit():
        fail(f"--block {block!r} is neither a block number nor latest")
    flags = (to, sender, function, args, value)
    calls = [_call_request(app, spec, *flags) for spec in specs]
    out = _Out(fmt, output, force, sign_with) if fmt or output or sign_with else None
    if out is not None:
        refuse_existing(output, force)
    checker = make_checker(app, manifests)
    at = int(block) if block.isdigit() else block
    resolve = account_resolver(app)
    verdicts = (checker.check_call(request, block=at, resolve=resolve) for request in calls)
    _finish_calls(app, verdicts, len(calls), checker.chain.chain_id, out)


def _finish_calls(
    app: App, verdicts: Iterator[Verdict], count: int, chain_id: int, out: _Out | None
) -> None:
    """One call's verdict, or a batch's (``count`` calls, each line printed as soon as its call
    is checked, JSON Lines with --json), or with the report options one report of them all;
    exit 1 if any broke a rule or would be refused."""
    if count == 1:
        verdict = next(verdicts)
        if out is None:
            _finish(app, verdict)
        else:
            out.deliver(app, verdict.to_report(chain_id), errors=0)
        return
    results: list[tuple[str, Verdict | Exception]] = []
    broken = 0
    for number, verdict in enumerate(verdicts, 1):
        results.append((f"call {number}", verdict))
        broken += not verdict.compliant
        if out is None:
            _line(app, verdict.to_report(chain_id), f"call {number}: ")
    done = f"checked {count} calls: {count - broken} compliant"
    if out is not None:
        from decree8.check.batch import batch_report

        out.deliver(app, batch_report(results, chain_id, what="call"), errors=0, done=done)
        return
    app.note(done)
    if broken:
        click.get_current_context().exit(1)


def _call_request(
    app: App,
    spec: dict[str, Any],
    to: str | None,
    sender: str | None,
    function: str | None,
    args: tuple[str, ...],
    value: str | None,
) -> CallRequest:
    """The call ``spec`` (from --tx) describes, with the flags overriding its keys."""
    from decree8.check import CallRequest

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
    return CallRequest(
        to=to_addr,
        sender=from_addr,
        function=function,
        args=call_args if data is None else (),
        value=_value(raw_value, "--value"),
        data=data,
    )


@check_cmd.command("tx", short_help="Check mined transactions against the state before each.")
@click.argument("tx_hashes", nargs=-1, metavar="[HASH]...")
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check the hashes in FILE too, one per line (blank lines and # comments ignored).",
)
@click.option(
    "--from-block",
    type=click.IntRange(min=0),
    help="With --manifest: check every transaction to the manifests' contracts from this block.",
)
@click.option(
    "--to-block",
    type=click.IntRange(min=0),
    help="With --from-block: the last block (default: latest).",
)
@manifests_option("names the template at its address.")
@report_options()
@pass_app
def tx_cmd(
    app: App,
    tx_hashes: tuple[str, ...],
    from_file: Path | None,
    from_block: int | None,
    to_block: int | None,
    manifests: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    force: bool,
    sign_with: str | None,
) -> None:
    """Check the mined transaction HASH in its own context: decode its calldata, events and (if
    it failed) its revert, evaluate every rule in force at its block's time against the state it
    ran on (the block before, with the transactions before it in its block), and compare balance
    changes with the Transfer events (RECORDS).

    Many transactions are checked in one process (several HASHes, --from-file, or --from-block
    with --manifest for every transaction to a deployment), with batched reads on a node: one
    line per transaction (JSON Lines with --json), exit 1 if any broke a rule or was refused, 2
    if any could not be checked.

    With --format or -o, the batch is ONE report instead (kind check: every verdict, all
    findings, the blocks covered, the law in force), in any report format, written atomically to
    -o FILE (text unless --format says otherwise) and signed with --sign-with; same exit codes.

    \b
    Examples:
      decree8 --rpc http://127.0.0.1:8545 check tx 0x5f1c…e9 --json
      decree8 --rpc URL check tx --from-file hashes.txt --json
      decree8 --rpc URL check tx --from-block 100 --manifest deployments/1337/token.json
      decree8 --rpc URL check tx --from-file hashes.txt -o report.html --format html
    """
    hashes = list(tx_hashes)
    if from_file is not None:
        from decree8.check.batch import read_hash_file

        hashes += read_hash_file(from_file)
    if to_block is not None and from_block is None:
        fail("--to-block goes with --from-block")
    if from_block is not None and not manifests:
        fail("--from-block checks the transactions to a deployment: give its --manifest")
    if not hashes and from_block is None:
        fail("give a transaction HASH (or several, or --from-file FILE, or --from-block)")
    out = _Out(fmt, output, force, sign_with) if fmt or output or sign_with else None
    if out is not None:
        refuse_existing(output, force)
    if from_block is None and len(hashes) == 1 and from_file is None:
        checker = make_checker(app, manifests)
        verdict = checker.check_tx(hashes[0])
        if out is None:
            _finish(app, verdict)
        else:
            out.deliver(app, verdict.to_report(checker.chain.chain_id), errors=0)
        return
    _check_many(app, hashes, manifests, from_block, to_block, out)


@dataclass(frozen=True)
class _Out:
    """Where a report goes with the report options (--format, -o, --force, --sign-with)."""

    fmt: str | None
    output: Path | None
    force: bool
    sign_with: str | None

    def deliver(self, app: App, report: Report, errors: int, done: str | None = None) -> None:
        """Sign ``report`` if asked and write it (exit 1 unless it passed; 2 if ``errors``)."""
        from decree8.report import OutputFormat
        from decree8.report.sign import load_signer, sign_report

        chosen = OutputFormat.parse(self.fmt or ("json" if app.json_output else "text"))
        if self.output is None and done is not None:
            app.note(done)
        if self.sign_with:
            report = sign_report(report, load_signer(self.sign_with, app.chain))
        if not errors:
            app.deliver(report, chosen.value, self.output, self.force, done)
            return
        with contextlib.suppress(click.exceptions.Exit):
            app.deliver(report, chosen.value, self.output, self.force, done)
        click.get_current_context().exit(2)


def _check_many(
    app: App,
    hashes: list[str],
    manifests: tuple[Path, ...],
    from_block: int | None,
    to_block: int | None,
    out: _Out | None = None,
) -> None:
    from decree8.check import error_report
    from decree8.check.batch import batch_report, check_many, hashes_in_blocks
    from decree8.check.mined import _HASH

    for item in hashes:
        if not _HASH.match(item.strip()):
            fail(f"{item!r} is not a transaction hash (0x followed by 64 hex digits)")
    checker = make_checker(app, manifests)
    if from_block is not None:
        head = checker.chain.block_number
        last = head if to_block is None else to_block
        if last < from_block:
            fail(f"--to-block {last} is before --from-block {from_block}")
        if last > head:
            fail(f"--to-block {last} is beyond the node's head (block {head})")
        addresses = sorted(checker._known)
        hashes += hashes_in_blocks(checker.chain, addresses, from_block, last)
        covered: tuple[int, int] | None = (from_block, last)
        subject: tuple[str, ...] = tuple(addresses)
    else:
        covered, subject = None, ()
    counts = {"compliant": 0, "violation": 0, "error": 0}
    results: list[tuple[str, Any]] = []
    chain_id = checker.chain.chain_id
    for tx_hash, result in check_many(checker, hashes):
        if out is not None:
            results.append((tx_hash, result))
        if isinstance(result, Exception):
            counts["error"] += 1
            if out is None:
                _line(app, error_report(tx_hash, str(result), chain_id), f"{tx_hash}  ")
            continue
        counts["compliant" if result.compliant else "violation"] += 1
        if out is None:
            _line(app, result.to_report(chain_id), f"{tx_hash}  ")
    total = sum(counts.values())
    done = (
        f"checked {total:,} transaction{'s' if total != 1 else ''}: {counts['compliant']:,} "
        f"compliant, {counts['violation']:,} with violations, {counts['error']:,} not checked"
    )
    if out is not None:
        report = batch_report(results, chain_id, subject, covered)
        out.deliver(app, report, counts["error"], done)
        return
    app.note(done)
    if counts["error"]:
        click.get_current_context().exit(2)
    if counts["violation"]:
        click.get_current_context().exit(1)
