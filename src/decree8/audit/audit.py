"""``audit``: did every transaction a deployment took comply with the rules at the time?

1. Which contracts: the tokens, registries and escrows named (manifests or addresses), plus the
   registry each token and escrow reads (``registry()``).
2. Their logs over the block range, read once (:mod:`decree8.history`) and decoded by ABI.
3. Replay: events are applied in chain order to a state rebuilt from events alone
   (:mod:`decree8.history`). Before each state-changing action (a transfer, an issuance, a
   legal order, a registry change, a terms acceptance, each step of a deal) the rule evaluators of
   :mod:`decree8.rules.evaluators` run against that state, as it stood before the action, through
   :class:`~decree8.history.WorldReader`: no chain request per transaction. The call behind
   an action is reconstructed from its events (``Transfer`` + ``TransferPurposeStated`` is a
   ``transferWithPurpose``; ``Transfer`` + ``ForcedTransfer`` a ``forcedTransfer``; ``LegFunded``
   a ``fund``, which also covers the token pulled into the escrow ...). Who sent a transaction is
   asked of the chain only when a rule needs it: the issuer of a mint (ISSUER-HTP) and the spender
   of a transfer between two individuals without a stated purpose (P2P-SALE).
4. At the end block: no deal is funded, expired and unrefunded (FUNDS-RETURN), the supply is within
   the cap (SUPPLY-CAP), and the rebuilt state equals what the contracts' views answer, read in
   batches at that block (RECORDS: each difference is a finding naming the view that differs).
5. Failed transactions sent to the audited contracts are explained by their decoded revert and its
   rule. They leave no log: the embedded chain finds them in its block database; elsewhere the
   range's blocks are read with their transactions, in batches (:mod:`decree8.history.failed`;
   by default for ranges of up to :data:`~decree8.history.sources.FAILED_SEARCH_BLOCKS` blocks).

Steps 2 and 3 run chunk by chunk: on a JSON-RPC node the next chunk of logs is fetched by a
background thread while the last one is decoded and replayed, and the state before the range is
read as the chunks name new holders (:class:`_Seeder`). What the replay will ask of the chain
(that state, block times, transaction senders) goes in one JSON-RPC batch per chunk that needs
any (:mod:`decree8.audit.batch`); the views compared at the end are read while the last chunk is
replayed. A whole audit is a handful of round trips, whatever the length of the history.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from decree8.abi import AbiFunction as ViewFunction
from decree8.audit.batch import VIEW_BATCH, ChainReads, Read
from decree8.audit.contracts import KINDS, _add_registries, _named_kinds, contract_kinds, read_views
from decree8.audit.replay import _Replay
from decree8.audit.verdict import (
    AuditStats,
    Refusal,
    _checks,
    _end_findings,
    _facts,
    _law_facts,
    _records_findings,
    _refusal,
)
from decree8.check.decode import ContractAbi
from decree8.errors import UsageError
from decree8.history import (
    EscrowState,
    Event,
    EventDecoder,
    LogSource,
    TokenState,
    World,
    log_source,
)
from decree8.result import Finding, Report
from decree8.rules.evaluators import (
    ESCROW,
    TOKEN,
    ZERO_ADDRESS,
    role_hash,
)
from decree8.rules.pack import RulePack
from decree8.rules.project import load_pack
from decree8.rules.state import StateReader, view_functions

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Build
    from decree8.deploy import Deployment

__all__ = ["VIEW_BATCH", "AuditStats", "Refusal", "audit", "contract_kinds", "read_views"]

Progress = Callable[[str, int, int], None]  # (stage, done, total)


# --------------------------------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------------------------------


#: ``id(abi) -> (abi, its view functions)``: a build's ABIs are parsed once per process (the ABI
#: is kept, so that its id is not reused while cached).
_FUNCTIONS: dict[int, tuple[Sequence[Mapping[str, Any]], dict[str, ViewFunction]]] = {}


def _view_functions(abi: Sequence[Mapping[str, Any]]) -> dict[str, ViewFunction]:
    found = _FUNCTIONS.get(id(abi))
    if found is None or found[0] is not abi:
        if len(_FUNCTIONS) >= 32:
            _FUNCTIONS.clear()
        found = _FUNCTIONS[id(abi)] = (abi, view_functions(abi))
    return found[1]


def _template_abis(build: Build | None, abis: Mapping[str, Any] | None) -> dict[str, Any]:
    if abis is not None:
        return {k: list(v) for k, v in abis.items()}
    if build is None:
        raise UsageError("the audit needs the template build (or their ABIs)")
    return {kind: build.artifact(kind).abi for kind in KINDS}


class _Background:
    """``work()`` run by a thread; :meth:`join` waits for it and raises what it raised."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._error: BaseException | None = None

        def run() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - raised by join()
                self._error = exc

        self._thread = threading.Thread(target=run, name="decree8-compare", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


class _LazyReader:
    """A :class:`StateReader` at one block, made on first use (most audits never need it)."""

    def __init__(self, chain: Chain, block: int, abis: Mapping[str, Any]) -> None:
        self.chain, self.block, self.abis = chain, block, abis
        self._reader: StateReader | None = None

    def oracle(self, address: str, kind: str) -> Callable[[bytes, str], bool]:
        def has_role(role: bytes, account: str) -> bool:
            if self._reader is None:
                self._reader = StateReader(self.chain, self.block, self.abis)
            return bool(self._reader.call(address, kind, "hasRole", role, account))

        return has_role


#: Events whose evaluators read the block time (an attestation must outlive its block; a deal
#: completed after its deadline).
_TIMED_EVENTS = frozenset({"HolderAttested", "DealCompleted"})
#: Escrow events whose action is checked against the transaction's sender.
_SENDER_EVENTS = frozenset(
    {"DealResolved", "DealFrozen", "DealUnfrozen", "FundsDirected", "CreditDirected"}
)


def _wanted_from_chain(
    events: Sequence[Event], kinds: Mapping[str, str]
) -> tuple[set[int], set[str]]:
    """The blocks whose times and the transactions whose senders the replay will ask for,
    whatever the state: each fetched beforehand, together, instead of one by one."""
    blocks: set[int] = set()
    txs: set[str] = set()
    for event in events:
        name = event.name
        if name == "Transfer":
            if event.args["from"] == ZERO_ADDRESS and kinds.get(event.address) == TOKEN:
                txs.add(event.tx_hash)  # an issuance: ISSUER-HTP checks who sent it
        elif name in _TIMED_EVENTS:
            blocks.add(event.block)
        elif name in _SENDER_EVENTS:
            txs.add(event.tx_hash)
    return blocks, txs


class _Seeder:
    """The state, before the range, of the audited contracts that already existed then, read in
    step with the replay: before each chunk of events is replayed, the views that the chunk adds
    to what :meth:`World.views` would compare for those contracts (new holders, deals, roles of
    the accounts that act), the deals its events mention and the roles of its actors.

    A view first wanted for a chunk concerns state that no earlier event of the range touched (an
    event that changes a holder's balance or attestation, a deal, a role, names it), so its
    answer at the block before the range is the state the replay must start that chunk from.
    """

    def __init__(self, kinds: Mapping[str, str], candidates: Sequence[str]) -> None:
        self.preview = World(kinds)
        self.candidates = list(candidates)
        self.asked: set[Read] = set()
        self.actors: dict[str, set[str]] = {a: set() for a in candidates}
        self.deals: dict[str, set[int]] = {a: set() for a in candidates}

    def drop(self, absent: Iterable[str]) -> None:
        """Forgets the candidates that had no code before the range."""
        gone = set(absent)
        self.candidates = [a for a in self.candidates if a not in gone]

    def reads(self, events: Sequence[Event], named: Iterable[str]) -> list[Read]:
        """The views to read for ``events``, the next chunk (``named``: every address that the
        events decoded so far name)."""
        if not self.candidates:
            return []
        wanted = set(self.candidates)
        for event in events:
            if event.address in wanted:
                self.preview.contracts[event.address].apply(event)
                key = "account" if event.name in ("Paused", "Unpaused") else "by"
                actor = event.args.get(key)
                if isinstance(actor, str):
                    self.actors[event.address].add(actor)
                if "dealId" in event.args:
                    self.deals[event.address].add(int(event.args["dealId"]))
        self.preview.seen = {a for a in named if a != ZERO_ADDRESS}
        holders = self.preview.holders()
        reads: list[Read] = []
        for address in self.candidates:
            state = self.preview.contracts[address]
            reads += [(address, state.kind, fn, args) for fn, args in state.views(holders)]
            if isinstance(state, TokenState | EscrowState):  # the current terms, not in views
                reads += [
                    (address, state.kind, "termsHash", ()),
                    (address, state.kind, "termsUri", ()),
                ]
            reads += [
                (address, state.kind, "hasRole", (role_hash(role), actor))
                for role in state.role_names()
                for actor in sorted(self.actors[address])
            ]
            if isinstance(state, EscrowState):
                reads += [(address, ESCROW, "dealOf", (d,)) for d in sorted(self.deals[address])]
        new = [r for r in dict.fromkeys(reads) if r not in self.asked]
        self.asked.update(new)
        return new


def audit(
    chain: Chain,
    build: Build | None = None,
    *,
    deployments: Iterable[Deployment] = (),
    addresses: Iterable[str] = (),
    from_block: int | None = None,
    to_block: int | None = None,
    include_failed: bool | None = None,
    progress: Progress | None = None,
    pack: RulePack | None = None,
    abis: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    stats: AuditStats | None = None,
    observer: Callable[[Sequence[Event], World, LogSource], None] | None = None,
) -> Report:
    """Audits the history of the named contracts over ``[from_block, to_block]`` (default: from
    the earliest manifest's deployment block, or 0, to the latest block). See the module docs.

    ``include_failed``: explain failed transactions to the audited contracts (default: yes on the
    embedded chain, where it is cheap; elsewhere yes for ranges of up to
    :data:`~decree8.history.sources.FAILED_SEARCH_BLOCKS` blocks, read in batches of 100).
    ``stats`` (optional) receives counts and timings. ``observer`` (optional) is called after
    each replayed transaction with its events, the rebuilt state and the log source (see
    :class:`decree8.audit.timeline.HistoryRecorder`).

    On a JSON-RPC node the audit makes a handful of round trips whatever the history: one for the
    latest block and the registries, the log chunks (fetched one ahead while the last is
    decoded), one for everything the replay needs from the chain (views at the end block and
    before the range, block times, transaction senders), one for the views compared at the end.
    """
    run = _Audit(chain, build, deployments, addresses, pack, abis, stats)
    run.choose_range(from_block, to_block)
    run.replay(include_failed, progress, observer)
    return run.conclude()


class _Audit:
    """One audit, step by step (see :func:`audit` and the module docs)."""

    def __init__(
        self,
        chain: Chain,
        build: Build | None,
        deployments: Iterable[Deployment],
        addresses: Iterable[str],
        pack: RulePack | None,
        abis: Mapping[str, Sequence[Mapping[str, Any]]] | None,
        stats: AuditStats | None,
    ) -> None:
        """Which contracts, and the latest block and the immutables, in one round trip."""
        self.started = time.perf_counter()
        self.chain = chain
        self.stats = stats if stats is not None else AuditStats()
        self.pack = pack or load_pack()
        self.abis = _template_abis(build, abis)
        for abi in self.abis.values():
            chain.register_abi(abi)
        self.functions = {kind: _view_functions(abi) for kind, abi in self.abis.items()}
        self.deployments, self.addresses = list(deployments), list(addresses)
        self.kinds = _named_kinds(chain, self.abis, self.deployments, self.addresses)
        reads = ChainReads(chain, self.abis, functions=self.functions)
        reads.block_number()
        caps = [(a, k, "cap", ()) for a, k in self.kinds.items() if k == TOKEN]
        reads.views(caps, "latest")  # an immutable: the same at every block
        _add_registries(self.kinds, reads, reads.run)  # one round trip with the latest block
        self.round_trips = reads.requests
        self.immutables = reads.answers.get("latest", {})
        self.latest = int(reads.head if reads.head is not None else chain.block_number)
        self.findings: list[Finding] = []

    def choose_range(self, from_block: int | None, to_block: int | None) -> None:
        """The block range (checked), and the world with the immutables known at its start."""
        latest = self.latest
        end = latest if to_block is None else int(to_block)
        if from_block is None:
            deployed = (int(d.block) for d in self.deployments)
            start = min(deployed, default=0) if not self.addresses else 0
        else:
            start = int(from_block)
        if start < 0 or end < start:
            raise UsageError(f"the block range {start}-{end} is empty or negative")
        if end > latest:
            raise UsageError(f"--to-block {end} is after the latest block {latest}")
        self.start, self.end, self.before = start, end, start - 1
        self.world = world = World(self.kinds)
        for read, value in self.immutables.items():
            state = world.contracts[read[0]]
            if read[2] == "registry" and isinstance(state, TokenState | EscrowState):
                state.registry = str(value)
            elif read[2] == "cap" and isinstance(state, TokenState):
                state.cap = int(value or 0)

    # -- read, decode and replay, chunk by chunk -----------------------------------------------
    # Each chunk of logs is replayed while the next is read. Before a chunk is replayed, one
    # round trip (when it needs any) brings what its replay will ask of the chain: the state
    # before the range of the contracts that existed then, block times, transaction senders.

    def replay(
        self,
        include_failed: bool | None,
        progress: Progress | None,
        observer: Callable[[Sequence[Event], World, LogSource], None] | None,
    ) -> None:
        """Every chunk of logs read, its needs from the chain fetched, and replayed."""
        kinds, before, stats = self.kinds, self.before, self.stats
        blocks = self.end - self.start + 1
        self.source = source = log_source(self.chain, include_failed, blocks)
        blocks_done = None if progress is None else (lambda d, t: progress("blocks", d, t))
        self.decoder = EventDecoder(self.abis)
        deployed = {str(to_checksum_address(d.address)): int(d.block) for d in self.deployments}
        self.candidates = (
            sorted(a for a in kinds if deployed.get(a, before) <= before) if self.start > 0 else []
        )
        self.seeder = _Seeder(kinds, self.candidates)
        registrations = [
            (a, k, "issuerRegistration", ()) for a, k in kinds.items() if k == TOKEN
        ] + [(a, k, "operatorRegistration", ()) for a, k in kinds.items() if k != TOKEN]
        self.legal: dict[Read, Any] = dict.fromkeys(registrations)
        self.compare = ChainReads(self.chain, self.abis, source, self.functions)
        self.speculation: _Background | None = None
        self.seeded: list[str] = []
        self.replayer = _Replay(self.world, source, self.pack, self.findings)
        clock = {"read": 0.0, "seed": 0.0, "replay": 0.0}
        mark = time.perf_counter()
        first = True
        for chunk in source.events(kinds, self.decoder, self.start, self.end, blocks_done):
            mark = _lap(clock, "read", mark)
            self._prefetch(chunk, first)
            mark = _lap(clock, "seed", mark)
            self._replay_chunk(chunk, first, progress, observer)
            mark = _lap(clock, "replay", mark)
            first = False
        stats.blocks = self.end - self.start + 1
        stats.undecoded = stats.logs - stats.events
        stats.actions = self.replayer.counts
        stats.seconds.update(clock)

    def _prefetch(self, chunk: Any, first: bool) -> None:
        """One round trip (where batched) for what the chunk's replay asks of the chain, and the
        world seeded with the state before the range of the contracts the chunk names."""
        before, world, seeder = self.before, self.world, self.seeder
        self.stats.logs += chunk.logs
        self.stats.events += len(chunk.events)
        reads = ChainReads(self.chain, self.abis, self.source, self.functions)
        if first:
            reads.block_time(self.end)
            for address in self.candidates:
                reads.has_code(address, before)
        if reads.batched:  # elsewhere asking on demand costs no round trip
            blocks, txs = _wanted_from_chain(chunk.events, self.kinds)
            for number in sorted(blocks):
                reads.block_time(number)
            for tx_hash in sorted(txs):
                reads.tx(tx_hash)
        addresses = self.decoder.addresses()
        seed_reads = seeder.reads(chunk.events, addresses) if seeder.candidates else []
        reads.views(seed_reads, before)
        reads.run()
        chunk.release()
        self.round_trips += reads.requests
        if first:
            self.replayer.end_time = self.source.known_timestamp(self.end)
            seeder.drop(a for a in self.candidates if not reads.code.get((a, before)))
            self.seeded = list(seeder.candidates)
            lazy = _LazyReader(self.chain, before, self.abis)
            for address in self.seeded:
                state = world.contracts[address]
                state.role_oracle = lazy.oracle(address, state.kind)
        if seed_reads and self.seeded:
            at_before = reads.answers.get(before, {})
            world.seed({r: at_before.get(r) for r in seed_reads if r in at_before})

    def _replay_chunk(
        self,
        chunk: Any,
        first_chunk: bool,
        progress: Progress | None,
        observer: Callable[[Sequence[Event], World, LogSource], None] | None,
    ) -> None:
        """The chunk's transactions replayed in chain order."""
        compare, world = self.compare, self.world
        if (
            self.speculation is None
            and (chunk.last or chunk.next_last)
            and not first_chunk
            and compare.batched
        ):
            # The views compared at the end, as far as they are known now, read while this chunk
            # replays (from the chunk before the last, the node answers them right after the last
            # chunk of logs, instead of waiting for it to be decoded); any the replay or the last
            # chunk adds are read after it.
            also = self.decoder.addresses() - {ZERO_ADDRESS}
            compare.views([*world.views(also=also), *self.legal], self.end)
            self.speculation = _Background(compare.run)
        by_tx: dict[str, list[Event]] = defaultdict(list)
        for event in chunk.events:
            by_tx[event.tx_hash].append(event)
        for tx_events in by_tx.values():
            self.replayer.transaction(tx_events)
            if observer is not None:
                observer(tx_events, world, self.source)
        self.stats.transactions += len(by_tx)
        if progress is not None:
            progress("transactions", self.stats.transactions, self.stats.transactions)

    # -- end block -----------------------------------------------------------------------------

    def conclude(self) -> Report:
        """The end-block checks, the views compared, the failed transactions, and the report."""
        stats, end, source, pack = self.stats, self.end, self.source, self.pack
        began = time.perf_counter()
        end_time = source.timestamp(end)
        end_found, deals = _end_findings(self.world, end, end_time, pack)
        self.findings += end_found
        expected = self.world.views()
        if self.speculation is not None:
            self.speculation.join()
        compare = self.compare
        known = compare.answers.get(end, {})
        compare.views([r for r in [*expected, *self.legal] if r not in known], end)
        compare.run()
        actual = compare.answers.get(end, {})
        legal = {read: actual.get(read) for read in self.legal}
        self.findings += _records_findings(expected, actual, end, end_time, pack)
        stats.views_compared = len(expected)
        stats.seconds["compare"] = time.perf_counter() - began
        self._refusals()
        stats.requests = source.requests + self.round_trips + compare.requests
        stats.seconds["total"] = time.perf_counter() - self.started

        findings, kinds = self.findings, self.kinds
        findings.sort(key=lambda f: (f.block if f.block is not None else -1, f.rule_id))
        return Report(
            title="decree8 audit",
            subject=tuple(
                f"{kinds[a]} {a}" for a in sorted(kinds, key=lambda a: KINDS.index(kinds[a]))
            ),
            chain_id=self.chain.chain_id,
            block_range=(self.start, end),
            findings=tuple(findings),
            checks=_checks(self.world, self.replayer.counts, findings, stats, deals, end),
            facts=_facts(self.world, stats, source, self.seeded, legal, self.before)
            + _law_facts(pack, source.timestamp(self.start), end_time, stats),
            transactions=stats.transactions + len(stats.refusals),
            kind="audit",
        )

    def _refusals(self) -> None:
        """The failed transactions to the audited contracts, explained by their reverts."""
        cabis: dict[str, ContractAbi] = {}
        for info in self.source.failed:
            if (
                info.to is not None
                and self.start <= info.block <= self.end
                and info.to in self.kinds
            ):
                kind = self.kinds[info.to]
                cabi = cabis.get(kind) or cabis.setdefault(kind, ContractAbi(kind, self.abis[kind]))
                self.stats.refusals.append(_refusal(self.chain, info, kind, cabi, self.pack))


def _lap(clock: dict[str, float], stage: str, mark: float) -> float:
    """Adds the time since ``mark`` to ``stage``; the new mark."""
    now = time.perf_counter()
    clock[stage] += now - mark
    return now
