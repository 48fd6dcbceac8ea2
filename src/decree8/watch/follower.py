"""Following a deployment block by block: check every transaction to a watched contract with the
mined check (:meth:`decree8.check.Checker.check_tx`, refusals included), pick out the legally
significant events, and store both with the position in one store transaction per block.

Exactly once: a block's checks, findings, events and the new position are committed together
(:meth:`WatchStore.record_block`), and a watcher resumes after the stored position. Killed before
the commit, the block is checked again after the restart (nothing of it was stored); killed after,
it is not.

Reorgs: every block's hash is kept. When a new block's parent hash differs from the stored hash of
the block before it (or, while waiting, the stored tip's hash changed), the watcher walks back to
the last block whose hash still matches, marks the findings and events of the blocks after it
dropped (:meth:`WatchStore.rewind`) and checks the new blocks.

A node that stops answering: the watcher says so on stderr, waits and retries with capped
exponential backoff (0.5 s doubling to ``max_backoff``), and says when the node is back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
from eth_utils import to_checksum_address

from decree8.errors import Decree8Error, RpcUnavailable
from decree8.rules.finding import jsonable
from decree8.watch.store import BlockRecord, CheckRecord, EventRecord, StoredFinding, WatchStore

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.check import Checker

__all__ = ["LEGAL_EVENTS", "Follower", "WatchEnded"]

#: The legally significant events and their category.
LEGAL_EVENTS: Mapping[str, str] = {
    "RoleGranted": "role",
    "RoleRevoked": "role",
    "RoleAdminChanged": "role",
    "AddressFrozen": "legal-order",
    "AddressUnfrozen": "legal-order",
    "TokensFrozen": "legal-order",
    "TokensUnfrozen": "legal-order",
    "ForcedTransfer": "legal-order",
    "DealFrozen": "legal-order",
    "DealUnfrozen": "legal-order",
    "FundsDirected": "legal-order",
    "CreditDirected": "legal-order",
    "TermsPublished": "terms",
    "Paused": "pause",
    "Unpaused": "pause",
    "AddressBlocked": "illicit-register",
    "AddressUnblocked": "illicit-register",
}

#: Errors that mean "the node did not answer": wait and retry.
_UNAVAILABLE = (RpcUnavailable, requests.RequestException, ConnectionError, TimeoutError)


class _Reorg(Exception):
    """The chain no longer holds a block the store has."""


@dataclass
class WatchEnded:
    """Why :meth:`Follower.run` returned: ``until`` reached, or a finding with exit-on-finding."""

    reason: str
    findings: int
    last_block: int | None


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


class Follower:
    """Follows ``watched`` addresses on ``chain`` from block ``start`` (or the store's position).

    ``on_finding(stored, check)``, ``on_event(block, event)``, ``on_note(text)`` and
    ``on_dropped(blocks, findings)`` report as things happen (after they are stored).
    """

    def __init__(
        self,
        chain: Chain,
        checker: Checker,
        store: WatchStore,
        watched: Sequence[str],
        *,
        start: int,
        until: int | None = None,
        exit_on_finding: bool = False,
        poll: float = 0.2,
        max_backoff: float = 16.0,
        on_finding: Callable[[StoredFinding, CheckRecord], None] | None = None,
        on_event: Callable[[int, EventRecord], None] | None = None,
        on_note: Callable[[str], None] | None = None,
        on_dropped: Callable[[list[int], int], None] | None = None,
        on_block: Callable[[int, float], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.chain = chain
        self.checker = checker
        self.store = store
        self.watched = {to_checksum_address(a) for a in watched}
        self.start = start
        self.until = until
        self.exit_on_finding = exit_on_finding
        self.poll = poll
        self.max_backoff = max_backoff
        self.on_finding = on_finding or (lambda f, c: None)
        self.on_event = on_event or (lambda n, e: None)
        self.on_note = on_note or (lambda text: None)
        self.on_dropped = on_dropped or (lambda blocks, n: None)
        self.on_block = on_block or (lambda n, t: None)
        self.sleep = sleep
        self.findings = 0
        self._head = -1
        self._logs: dict[int, list[Any]] = {}
        self._logs_span = (0, -1)
        self._span = 1  # blocks per eth_getLogs: grows while answers are quick, halves otherwise
        self._reads: Any = None

    # -- the loop ---------------------------------------------------------------------------------
    def next_block(self) -> int:
        position = self.store.position()
        return self.start if position is None else max(position + 1, 0)

    def run(self) -> WatchEnded:
        from decree8.check.batch import RpcReads

        self._reads = RpcReads.for_chain(self.chain)
        try:
            return self._run()
        finally:
            if self._reads is not None:
                self._reads.close()
                self._reads = None

    def _run(self) -> WatchEnded:
        backoff = 0.0
        down_since: float | None = None
        while True:
            nxt = self.next_block()
            if self.until is not None and nxt > self.until:
                return WatchEnded("until", self.findings, nxt - 1)
            try:
                if nxt > self._head:
                    self._head = int(self.chain.w3.eth.block_number)
                if nxt > self._head:
                    self._check_tip()
                    if down_since is not None:
                        self.on_note(self._back(down_since))
                        down_since, backoff = None, 0.0
                    self.sleep(self.poll)
                    continue
                found = self._process(nxt)
                if down_since is not None:
                    self.on_note(self._back(down_since))
                    down_since, backoff = None, 0.0
            except _UNAVAILABLE as exc:
                backoff = min(self.max_backoff, backoff * 2 if backoff else 0.5)
                if down_since is None:
                    down_since = time.monotonic()
                self.on_note(
                    f"node not answering ({_why(exc)}); retrying in {backoff:g}s (at block {nxt})"
                )
                self.sleep(backoff)
                continue
            except _Reorg:
                self._logs, self._logs_span, self._head = {}, (0, -1), -1
                self._rewind(nxt - 1)
                continue
            if found and self.exit_on_finding:
                return WatchEnded("finding", self.findings, nxt)

    @staticmethod
    def _back(since: float) -> str:
        return f"node answering again after {time.monotonic() - since:.1f}s; resuming"

    # -- reorgs -----------------------------------------------------------------------------------
    def _chain_hash(self, number: int) -> str | None:
        if self._reads is not None:
            self._reads.clear()  # the node's answer now, not the one remembered for a check
        try:
            block = self.chain.w3.eth.get_block(number)
        except Exception as exc:
            if isinstance(exc, _UNAVAILABLE):
                raise
            return None  # beyond the head after a reorg to a shorter chain
        return _hex(block["hash"])

    def _check_tip(self) -> None:
        position = self.store.position()
        if position is None:
            return
        stored = self.store.block_hash(position)
        if stored is not None and self._chain_hash(position) != stored:
            raise _Reorg()

    def _rewind(self, tip: int) -> None:
        """Walks back from ``tip`` to the last stored block whose hash the chain still has."""
        ancestor = tip
        while ancestor >= self.start:
            stored = self.store.block_hash(ancestor)
            if stored is None or self._chain_hash(ancestor) == stored:
                break
            ancestor -= 1
        undone, dropped = self.store.rewind(ancestor)
        if undone:
            self.on_note(
                f"chain reorganisation: blocks {undone[0]}-{undone[-1]} were replaced; "
                f"{dropped} finding(s) of them marked dropped, re-checking from block "
                f"{ancestor + 1}"
            )
            self.on_dropped(undone, dropped)

    # -- one block --------------------------------------------------------------------------------
    def _process(self, number: int) -> bool:
        block_hash, parent, timestamp, txs = self._block(number)
        stored_parent = self.store.block_hash(number - 1)
        if stored_parent is not None and stored_parent != parent:
            raise _Reorg()
        watched = [(i, h, to) for i, h, to in txs if to in self.watched]
        if self._reads is not None and watched:
            self._reads.receipts([h for _, h, _ in watched])
        checks = [self._check(h, i, to) for i, h, to in watched]
        events = self._events(number, block_hash) if self.watched else []
        record = BlockRecord(
            number=number,
            hash=block_hash,
            parent_hash=parent,
            timestamp=timestamp,
            checks=checks,
            events=events,
        )
        stored = self.store.record_block(record)
        self.on_block(number, timestamp)
        by_tx = {c.tx_hash: c for c in checks}
        for finding in stored:
            self.on_finding(finding, by_tx[finding.tx_hash])
        for event in events:
            self.on_event(number, event)
        self.findings += len(stored)
        return bool(stored)

    def _logs_of(self, number: int, block_hash: str) -> list[Any]:
        """The watched contracts' logs of block ``number``. While the watcher is behind the head
        they are read for several blocks at once: the span doubles (up to :data:`LOG_SPAN`)
        while the node answers within :data:`QUICK` seconds, and halves when it is slower or
        fails, so that a slow node (eth-tester reads logs block by block) is never asked more
        than it answers in time. Logs of another block hash are read again."""
        low, high = self._logs_span
        if not low <= number <= high:
            high = max(number, min(self._head, number + self._span - 1))
            started = time.monotonic()
            try:
                found = self.chain.get_logs(
                    address=sorted(self.watched), from_block=number, to_block=high
                )
            except _UNAVAILABLE:
                self._span = max(1, self._span // 2)
                raise
            took = time.monotonic() - started
            if took < QUICK:
                self._span = min(LOG_SPAN, self._span * 2)
            elif took > 2 * QUICK:
                self._span = max(1, self._span // 2)
            self._logs = {}
            for log in found:
                self._logs.setdefault(int(log["blockNumber"]), []).append(log)
            self._logs_span = (number, high)
        logs = self._logs.get(number, [])
        if any(_hex(log["blockHash"]) != block_hash for log in logs):
            self._logs_span = (0, -1)
            logs = self.chain.get_logs(
                address=sorted(self.watched), from_block=number, to_block=number
            )
            if any(_hex(log["blockHash"]) != block_hash for log in logs):
                raise _Reorg()
        return logs

    def _block(self, number: int) -> tuple[str, str, int, list[tuple[int, str, str]]]:
        """Hash, parent hash, time and ``(index, hash, to)`` of the transactions of a block (on a
        JSON-RPC node, read raw and remembered for the checks that follow)."""
        if self._reads is not None:
            self._reads.clear()
            raw = self._reads.block_with_transactions(number)
            if raw is None:
                raise _Reorg()  # gone: the chain got shorter
            txs = [
                (i, str(tx["hash"]).lower(), str(to_checksum_address(tx["to"])))
                for i, tx in enumerate(raw.get("transactions") or [])
                if isinstance(tx, Mapping) and tx.get("to")
            ]
            return _hex(raw["hash"]), _hex(raw["parentHash"]), int(raw["timestamp"], 16), txs
        block = self.chain.w3.eth.get_block(number, full_transactions=True)
        txs = [
            (i, _hex(tx["hash"]), str(to_checksum_address(tx["to"])))
            for i, tx in enumerate(block["transactions"])
            if isinstance(tx, Mapping) and tx.get("to")
        ]
        return _hex(block["hash"]), _hex(block["parentHash"]), int(block["timestamp"]), txs

    def _check(self, tx_hash: str, index: int, to: str) -> CheckRecord:
        try:
            verdict = self.checker.check_tx(tx_hash)
        except _UNAVAILABLE:
            raise
        except Decree8Error as exc:
            if isinstance(exc.__cause__, _UNAVAILABLE):
                raise exc.__cause__ from None
            # An error while the node was going away is no answer about the transaction: the
            # block is tried again once the node answers.
            self.chain.w3.eth.block_number  # noqa: B018 - raises when the node is gone
            return CheckRecord(tx_hash, index, to, "error", error=str(exc))
        return CheckRecord(
            tx_hash,
            index,
            to,
            str(getattr(verdict, "verdict", "compliant" if verdict.compliant else "violation")),
            rule_ids=tuple(verdict.rule_ids),
            findings=tuple(f.to_dict() for f in verdict.findings),
        )

    def _events(self, number: int, block_hash: str) -> list[EventRecord]:
        logs = self._logs_of(number, block_hash)
        out = []
        for event in self.checker.decode_logs(logs):
            category = LEGAL_EVENTS.get(event.name)
            if category is None:
                continue
            log = next((lg for lg in logs if int(lg["logIndex"]) == event.log_index), None)
            tx_hash = _hex(log["transactionHash"]) if log is not None else ""
            out.append(
                EventRecord(
                    tx_hash=tx_hash,
                    log_index=int(event.log_index),
                    address=str(event.address),
                    contract=event.contract,
                    name=event.name,
                    category=category,
                    args={k: jsonable(v) for k, v in event.args.items()},
                )
            )
        return out


#: The most blocks whose logs one ``eth_getLogs`` reads when the watcher is behind the head.
LOG_SPAN = 200
#: An ``eth_getLogs`` answered within this many seconds lets the next one span twice the blocks.
QUICK = 0.5


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__
