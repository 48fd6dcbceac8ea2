"""`decree8 audit`: did every transaction of a deployment comply with the rules at the time?
Exit 0 when nothing was found, 1 with findings, 2 for bad input."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from decree8.cli._app import App, fail, manifests_option, pass_app, refuse_existing, report_options


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback drawing on stderr when it is a terminal (else ``None``)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"reading {stage}" if stage == "blocks" else stage)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@click.command("audit", short_help="Audit a deployment's history against every rule.")
@click.argument("addresses", nargs=-1, metavar="[ADDRESS]...")
@manifests_option("a token, registry or escrow to audit.")
@click.option("--from-block", type=click.IntRange(min=0), help="First block (default: deployment).")
@click.option("--to-block", type=click.IntRange(min=0), help="Last block (default: latest).")
@report_options()
@click.option(
    "--include-failed/--no-include-failed",
    default=None,
    help="Explain failed transactions to the audited contracts (default: on; on revm or a node, "
    "for ranges of up to 50,000 blocks, read in batches).",
)
@pass_app
def audit_cmd(
    app: App,
    addresses: tuple[str, ...],
    manifests: tuple[Path, ...],
    from_block: int | None,
    to_block: int | None,
    fmt: str | None,
    output: Path | None,
    force: bool,
    include_failed: bool | None,
    sign_with: str | None = None,
) -> None:
    """Audit the history of a token, its registry and escrows: read every event over the block
    range, rebuild their state from the events alone and compare it with the chain at the end
    block (RECORDS), and evaluate every rule for every transaction against the state at its block.

    The token's registry is found through `registry()` and audited with it. Name contracts by
    --manifest or by ADDRESS.

    \b
    Example:
      decree8 --rpc http://127.0.0.1:8545 audit --manifest token.json --format markdown -o audit.md
    """
    from decree8.audit import audit
    from decree8.deploy import Deployment
    from decree8.report import OutputFormat

    if not addresses and not manifests:
        fail("name what to audit: --manifest FILE or an ADDRESS (see `decree8 audit --help`)")
    if from_block is not None and to_block is not None and to_block < from_block:
        fail(f"--to-block {to_block} is before --from-block {from_block}")
    refuse_existing(output, force)
    chain = app.chain()
    deployments = [Deployment.load(path, chain_id=chain.chain_id) for path in manifests]
    chosen = OutputFormat.parse(fmt or ("json" if app.json_output else "text"))
    from decree8.audit.timeline import HistoryRecorder, manifest_names
    from decree8.report.sign import load_signer, sign_report

    signer = load_signer(sign_with, app.chain) if sign_with else None
    recorder = HistoryRecorder(manifest_names(deployments, manifests))
    show_progress = sys.stderr.isatty() and not app.json_output
    with _progress_bar(show_progress) as progress:
        report = audit(
            chain,
            app.build(),
            deployments=deployments,
            addresses=addresses,
            from_block=from_block,
            to_block=to_block,
            include_failed=include_failed,
            progress=progress,
            observer=recorder,
        )
    report = replace(report, history=recorder.finish(report.block_range))
    if signer is not None:
        report = sign_report(report, signer)
    app.deliver(report, chosen.value, output, force)
