"""`decree8 watch`: follow a deployment on a node as blocks arrive, check every transaction and
record the legally significant events; `--export` writes what was stored as a report.
Exit 0 when nothing was found, 1 with findings, 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from decree8.cli._app import App, fail, manifests_option, pass_app, refuse_existing

if TYPE_CHECKING:
    from decree8.watch import CheckRecord, EventRecord, StoredFinding, WatchStore

DEFAULT_DB = Path(".decree8") / "watch.sqlite"


def default_db(app: App) -> Path:
    """``.decree8/watch.sqlite`` under the project root, or the current folder outside one."""
    from decree8.config import load_settings

    settings = app.settings or load_settings()
    root = settings.project.root if settings.project is not None else Path.cwd()
    return root / DEFAULT_DB


def _short(tx_hash: str) -> str:
    return tx_hash[:18] + "…"


def _jsonl(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, separators=(",", ":"), default=str))


def _seconds(least: float, default: float) -> dict[str, Any]:
    """An option of seconds, at least ``least``, ``default`` shown in --help."""
    return {"type": click.FloatRange(min=least), "default": default, "show_default": True}


@click.command("watch", short_help="Follow a deployment as blocks arrive and check every tx.")
@click.argument("addresses", nargs=-1, metavar="[ADDRESS]...")
@manifests_option("a token, registry or escrow to watch.")
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=None,
    help="The watch database (SQLite). [default: .decree8/watch.sqlite in the project]",
)
@click.option(
    "--from-block",
    type=click.IntRange(min=0),
    help="First block of a new database (default: the earliest manifest's deployment block, "
    "else the next block). A database that has a position resumes there.",
)
@click.option("--until-block", type=click.IntRange(min=0), help="Stop after checking this block.")
@click.option("--exit-on-finding", is_flag=True, help="Stop with exit 1 at the first finding.")
@click.option(
    "--poll",
    **_seconds(0.01, 0.2),
    help="Seconds between polls for a new block.",
)
@click.option(
    "--timeout",
    **_seconds(1, 60),
    help="Seconds to wait for the node's answer before counting it as gone (then retry).",
)
@click.option(
    "--export",
    "export_fmt",
    type=click.Choice(["text", "json", "markdown", "sarif", "html"]),
    help="Do not watch: write the stored findings as a report in this format and exit.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --export: write the report to FILE instead of stdout.",
)
@click.option("--force", is_flag=True, help="With --export: overwrite the -o FILE if it exists.")
@pass_app
def watch_cmd(
    app: App,
    addresses: tuple[str, ...],
    manifests: tuple[Path, ...],
    db: Path | None,
    from_block: int | None,
    until_block: int | None,
    exit_on_finding: bool,
    poll: float,
    timeout: float,
    export_fmt: str | None,
    output: Path | None,
    force: bool,
) -> None:
    """Follow a deployment on a node as blocks arrive: check every transaction to the watched
    contracts with the mined check (refusals included, each against the state before it), record
    the legally significant events (role changes, legal orders, terms amendments, pauses,
    illicit-address register changes) and print each finding as it is stored (text, or JSON Lines
    with --json). Findings, events and the position are kept in an SQLite database; killed at any
    moment and restarted, the watch checks every transaction exactly once.

    \b
    Examples:
      decree8 --rpc http://127.0.0.1:8545 watch --manifest token.json --manifest registry.json
      decree8 --rpc URL watch --manifest token.json --until-block 500 --exit-on-finding
      decree8 watch --export markdown -o watch.md
    """
    path = db if db is not None else default_db(app)
    if export_fmt is not None:
        _export(app, path, export_fmt, output, force)
        return
    if output is not None or force:
        fail("-o/--output and --force go with --export FORMAT")
    _watch(app, path, addresses, manifests, from_block, until_block, exit_on_finding, poll, timeout)


def _watch(
    app: App,
    path: Path,
    addresses: tuple[str, ...],
    manifests: tuple[Path, ...],
    from_block: int | None,
    until_block: int | None,
    exit_on_finding: bool,
    poll: float,
    timeout: float,
) -> None:
    from eth_utils import is_address, to_checksum_address

    from decree8.watch import inspect_database

    if not addresses and not manifests:
        fail("name what to watch: --manifest FILE or an ADDRESS (see `decree8 watch --help`)")
    for address in addresses:
        if not (is_address(address) and address.startswith("0x")):
            fail(f"{address!r} is not an address (0x followed by 40 hex digits)")
    if from_block is not None and until_block is not None and until_block < from_block:
        fail(f"--until-block {until_block} is before --from-block {from_block}")
    if not app.rpc:
        fail(
            "decree8 watch follows a node: give --rpc URL (or rpc in [tool.decree8], or "
            "DECREE8_RPC)"
        )
    meta = inspect_database(path)  # a foreign or newer database is refused before anything else
    from decree8.chain import Chain

    # A watch waits for a busy node longer than a one-off command does: a request that takes
    # longer than the timeout would be asked again and again.
    chain = app._chain = Chain.rpc(str(app.rpc), timeout=timeout)
    if meta is not None and meta.get("chain_id") and int(meta["chain_id"]) != chain.chain_id:
        fail(
            f"{path} holds a watch of chain {meta['chain_id']}, but the node at {app.rpc} is "
            f"chain {chain.chain_id}; give another --db path"
        )
    from decree8.check import Checker
    from decree8.deploy import Deployment

    deployments = [Deployment.load(p, chain_id=chain.chain_id) for p in manifests]
    head = chain.block_number
    if from_block is not None and from_block > head:
        fail(
            f"--from-block {from_block} is beyond the node's head (block {head}); give a block "
            "that is mined"
        )
    watched = sorted(
        {str(to_checksum_address(d.address)) for d in deployments}
        | {str(to_checksum_address(a)) for a in addresses}
    )
    checker = Checker(chain, app.build(), deployments)
    if from_block is not None:
        start = from_block
    elif deployments:
        start = min(d.block for d in deployments)
    else:
        start = head + 1
    _follow(app, path, chain, checker, watched, start, until_block, exit_on_finding, poll)


def _follow(
    app: App,
    path: Path,
    chain: Any,
    checker: Any,
    watched: list[str],
    start: int,
    until_block: int | None,
    exit_on_finding: bool,
    poll: float,
) -> None:
    from decree8.watch import Follower, SqliteStore

    store = SqliteStore(path)
    try:
        store.set_chain(chain.chain_id, watched)
        position = store.position()
        where = f"from block {start}" if position is None else f"after block {position}"
        app.note(
            f"watching {len(watched)} contract(s) on chain {chain.chain_id} {where}; "
            f"database {path}"
        )
        follower = Follower(
            chain,
            checker,
            store,
            watched,
            start=start,
            until=until_block,
            exit_on_finding=exit_on_finding,
            poll=poll,
            on_finding=lambda f, c: _show_finding(app, f, c),
            on_event=lambda n, e: _show_event(app, n, e),
            on_note=app.note,
            on_dropped=lambda blocks, n: _show_dropped(app, blocks, n),
        )
        ended = follower.run()
    finally:
        store.close()
    if ended.reason == "finding":
        app.note(f"stopped at the first finding (block {ended.last_block}), --exit-on-finding")
    else:
        app.note(f"checked up to block {ended.last_block}: {ended.findings} finding(s) stored")
    if ended.findings:
        click.get_current_context().exit(1)


def _show_finding(app: App, stored: StoredFinding, check: CheckRecord) -> None:
    data = stored.data
    if app.json_output:
        _jsonl(
            {
                "type": "finding",
                "block": stored.block,
                "tx_hash": stored.tx_hash,
                "verdict": check.verdict,
                "finding": dict(data),
            }
        )
    else:
        click.echo(
            f"block {stored.block}  {_short(stored.tx_hash)}  {check.verdict.upper()} "
            f"[{data['rule_id']}] {data['message']}"
        )


def _show_event(app: App, block: int, event: EventRecord) -> None:
    if app.json_output:
        _jsonl(
            {
                "type": "event",
                "block": block,
                "tx_hash": event.tx_hash,
                "log_index": event.log_index,
                "address": event.address,
                "contract": event.contract,
                "name": event.name,
                "category": event.category,
                "args": dict(event.args),
            }
        )
    else:
        shown = ", ".join(f"{k}={v}" for k, v in event.args.items())
        click.echo(
            f"block {block}  {_short(event.tx_hash)}  EVENT {event.category}: {event.name}"
            f"({shown}) at {event.address}"
        )


def _show_dropped(app: App, blocks: list[int], findings: int) -> None:
    if app.json_output:
        _jsonl({"type": "dropped", "blocks": blocks, "findings": findings})
    else:
        click.echo(
            f"REORG  blocks {blocks[0]}-{blocks[-1]} replaced: {findings} finding(s) marked dropped"
        )


def _export(app: App, path: Path, fmt: str, output: Path | None, force: bool) -> None:
    from decree8.watch import SqliteStore

    refuse_existing(output, force)
    store = SqliteStore(path, readonly=True)
    try:
        report = stored_report(store)
    finally:
        store.close()
    app.deliver(report, fmt, output, force)


def stored_report(store: WatchStore) -> Any:
    """The findings a store holds as a :class:`decree8.report.Report`: the live ones (findings of
    blocks a reorganisation replaced are left out, and the title says how many)."""
    from decree8.report.load import _finding
    from decree8.result import Report

    meta = store.meta()
    counts = store.counts()
    title = "decree8 watch"
    if counts["dropped"]:
        title += (
            f" ({counts['dropped']} finding(s) of blocks replaced by chain reorganisations "
            "left out)"
        )
    return Report(
        title=title,
        kind="watch",
        subject=tuple(json.loads(meta.get("watched", "[]"))),
        chain_id=int(meta["chain_id"]) if meta.get("chain_id") else None,
        block_range=store.checked_range(),
        findings=tuple(_finding(f.data) for f in store.findings()),
        transactions=counts["checks"],
    )
