"""Reading contract state at one block, for the rule evaluators.

A :class:`StateReader` answers view calls (``paused()``, ``statusOf(holder)`` ...) of decree8's
contracts at one block, each through one ``eth_call`` encoded by hand from the contract's ABI (no
web3 contract objects in the hot path), and remembers every answer per ``(address, function, args,
block)``. Evaluators ask the same question many times (every rule looks at the parties' registry
status): the chain is asked once. A reader is meant for one check; the state it reads does not
change under it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from eth_abi.exceptions import DecodingError

from decree8.abi import AbiFunction, ContractAbi
from decree8.errors import Decree8Error, TransactionReverted, UsageError
from decree8.rules.solidity import HolderStatus

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = [
    "BATCH_PROGRAM",
    "HolderStatus",
    "StateReader",
    "StateView",
    "batch_code",
    "parse_batch",
    "view_functions",
]

T = TypeVar("T")

#: Views that return an immutable of decree8's contracts: their answer is kept across readers
#: (when the readers share an ``immutables`` cache, as a checker's do).
IMMUTABLE_VIEWS = frozenset({"registry", "cap", "issuerRegistration", "operatorRegistration"})


class StateView(Protocol):
    """What the rule evaluators read state through: :class:`StateReader` (view calls to a chain
    at one block) or the audit's ``WorldReader`` (the state rebuilt from events)."""

    @property
    def timestamp(self) -> int:
        """The block time of the checked transaction."""
        ...

    def call(self, address: str, contract: str, fn: str, *args: Any) -> Any:
        """``contract(address).fn(*args)``; raises TransactionReverted."""
        ...

    def try_call(self, address: str, contract: str, fn: str, *args: Any) -> Any | None:
        """As :meth:`call`, but ``None`` when the view reverts."""
        ...

    def holder_status(self, registry: str, holder: str) -> HolderStatus:
        """``registry.statusOf(holder)``."""
        ...

    def has_role(self, address: str, contract: str, role: bytes, account: str) -> bool:
        """``contract(address).hasRole(role, account)``."""
        ...

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``compute()``, computed once per reader and ``key``."""
        ...

    def prefetch(self, reads: Iterable[tuple[str, str, str, Sequence[Any]]]) -> None:
        """Reads ahead what the evaluators will ask (may do nothing)."""
        ...

    def template_of(self, address: str) -> str | None:
        """The decree8 contract name deployed at ``address``, if known."""
        ...


def view_functions(abi: Iterable[Mapping[str, Any]]) -> dict[str, AbiFunction]:
    """The functions of ``abi`` by name (the first of an overloaded name wins); an ABI is parsed
    once (see :class:`decree8.abi.ContractAbi`), not once per state reader."""
    return ContractAbi("", abi).view_functions()


# --------------------------------------------------------------------------------------------------
# Many view calls in one eth_call
# --------------------------------------------------------------------------------------------------


def _assemble(items: Sequence[str | int | tuple[str, str]]) -> bytes:
    """A tiny assembler: opcode names, ``("PUSH2", label)``, ``("LABEL", name)`` and integers
    (pushed with the shortest PUSH)."""
    ops = {
        "ADD": 0x01, "GT": 0x11, "OR": 0x17, "SHL": 0x1B, "SHR": 0x1C, "CODESIZE": 0x38,
        "CODECOPY": 0x39, "RETURNDATASIZE": 0x3D, "RETURNDATACOPY": 0x3E, "TIMESTAMP": 0x42,
        "POP": 0x50, "MLOAD": 0x51, "MSTORE": 0x52, "JUMP": 0x56, "JUMPI": 0x57, "GAS": 0x5A,
        "JUMPDEST": 0x5B, "PUSH0": 0x5F, "SWAP1": 0x90, "STATICCALL": 0xFA, "RETURN": 0xF3,
    }  # fmt: skip
    ops.update({f"DUP{n}": 0x7F + n for n in range(1, 17)})
    labels: dict[str, int] = {}
    for _ in range(2):  # first pass finds the labels, second emits with them
        out = bytearray()
        for item in items:
            if isinstance(item, tuple) and item[0] == "LABEL":
                labels[item[1]] = len(out)
            elif isinstance(item, tuple):
                out += bytes([0x61]) + labels.get(item[1], 0).to_bytes(2, "big")
            elif isinstance(item, int):
                out += bytes([0x60, item]) if item else bytes([0x5F])
            else:
                out.append(ops[item])
    return bytes(out)


#: Init code run by ``eth_call`` (never deployed): it reads records ``address (20 bytes) | length
#: (2 bytes) | calldata`` appended to itself, makes each a STATICCALL, and returns
#: ``block.timestamp`` followed, per call, by a word ``success << 255 | returndatasize`` and the
#: return data. Stack comments list the stack bottom to top.
BATCH_PROGRAM: bytes = _assemble(
    [
        "TIMESTAMP", "PUSH0", "MSTORE",  # mem[0] = block.timestamp
        32, ("PUSH2", "end"),  # out ptr
        ("LABEL", "loop"), "JUMPDEST",
        "DUP1", "CODESIZE", "GT", ("PUSH2", "body"), "JUMPI",  # while ptr < codesize
        "POP", "PUSH0", "RETURN",  # return mem[0:out]
        ("LABEL", "body"), "JUMPDEST",
        32, "DUP2", "DUP4", "CODECOPY",  # mem[out:] = code[ptr:ptr+32]
        "DUP2", "MLOAD", 96, "SHR",  # out ptr addr
        32, "DUP3", 20, "ADD", "DUP5", "CODECOPY",
        "DUP3", "MLOAD", 240, "SHR",  # out ptr addr len
        "DUP1", "DUP4", 22, "ADD", "DUP6", 32, "ADD", "CODECOPY",  # mem[out+32:] = calldata
        "PUSH0", "PUSH0", "DUP3", "DUP7", 32, "ADD", "DUP6", "GAS", "STATICCALL",
        255, "SHL", "RETURNDATASIZE", "OR",  # out ptr addr len word
        "DUP5", "MSTORE",  # mem[out] = word
        "RETURNDATASIZE", "PUSH0", "DUP6", 32, "ADD", "RETURNDATACOPY",
        "SWAP1", "POP", 22, "ADD", "ADD",  # out ptr'
        "SWAP1", 32, "ADD", "RETURNDATASIZE", "ADD", "SWAP1",  # out' ptr'
        ("PUSH2", "loop"), "JUMP",
        ("LABEL", "end"),
    ]
)  # fmt: skip


def batch_code(calls: Sequence[tuple[str, bytes]]) -> bytes:
    """The init code that makes the view ``calls`` (``(address, calldata)``) in one ``eth_call``."""
    payload = bytearray()
    for address, data in calls:
        if len(data) > 0xFFFF:
            raise ValueError("calldata of a batched view call is at most 65535 bytes")
        payload += bytes.fromhex(address[2:]) + len(data).to_bytes(2, "big") + data
    return BATCH_PROGRAM + bytes(payload)


def parse_batch(raw: bytes, count: int) -> tuple[int, list[tuple[bool, bytes]]]:
    """``(block.timestamp, [(success, returndata), ...])`` from a batch's answer."""
    if len(raw) < 32:
        raise ValueError("the batched call returned too little data")
    timestamp = int.from_bytes(raw[:32], "big")
    results: list[tuple[bool, bytes]] = []
    at = 32
    for _ in range(count):
        word = int.from_bytes(raw[at : at + 32], "big")
        size = word & ((1 << 255) - 1)
        results.append((bool(word >> 255), bytes(raw[at + 32 : at + 32 + size])))
        at += 32 + size
    if at != len(raw):
        raise ValueError("the batched call returned data of an unexpected length")
    return timestamp, results


class StateReader:
    """View calls of known contracts at ``block`` (a number, or ``"latest"`` for one pre-flight
    check).

    ``abis`` maps a contract name (``"CompliantToken"``) to its ABI. ``template_of`` tells the
    contract name of an address when it is one of decree8's (used to recognise, e.g., that an escrow
    leg's asset is a compliant token); ``timestamp`` is the block time the checked transaction runs
    at. ``immutables`` is a cache of :data:`IMMUTABLE_VIEWS` answers that outlives the reader.
    """

    def __init__(
        self,
        chain: Chain,
        block: int | str,
        abis: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        timestamp: int | None = None,
        template_of: Callable[[str], str | None] | None = None,
        immutables: dict[Hashable, Any] | None = None,
    ) -> None:
        self.chain = chain
        self.block = block
        self._timestamp = timestamp
        #: the block time the view calls run with (``None`` until a batch or a block read tells)
        self.state_time: int | None = None
        self._functions = {name: view_functions(abi) for name, abi in abis.items()}
        self._template_of = template_of
        self._cache: dict[Hashable, Any] = {}
        self._immutables = immutables if immutables is not None else {}
        self.calls = 0  # eth_calls made (the rest came from the cache)

    @property
    def timestamp(self) -> int:
        """The block time the checked transaction runs at (by default: what ``eth_call`` at this
        reader's block sees)."""
        if self._timestamp is None:
            self.prefetch(())
        if self._timestamp is None:
            block = self.chain.w3.eth.get_block(self.block)  # type: ignore[arg-type]
            self._timestamp = int(block["timestamp"])
        return self._timestamp

    # -- calls ---------------------------------------------------------------------------------
    def _key(self, address: str, fn: str, args: Sequence[Any]) -> tuple[Hashable, bool]:
        immutable = fn in IMMUTABLE_VIEWS and not args
        return (address, fn, _hashable(tuple(args)), None if immutable else self.block), immutable

    def prefetch(self, reads: Iterable[tuple[str, str, str, Sequence[Any]]]) -> None:
        """Makes the view calls ``(address, contract, function, args)`` that are not cached yet in
        one ``eth_call`` and caches their answers; sets :attr:`timestamp` (when it is unknown) to
        the block time that call ran with. A node that cannot run the batch leaves the reads to
        :meth:`call`."""
        planned = self._plan(reads)
        if planned is None:
            return
        pending, tx = planned
        self.calls += 1
        try:
            raw: bytes | Exception = self.chain.call(tx, block=self.block)  # type: ignore[arg-type]
        except (ValueError, TransactionReverted, Decree8Error) as exc:
            raw = exc
        self._store(pending, raw)

    def _plan(
        self, reads: Iterable[tuple[str, str, str, Sequence[Any]]]
    ) -> tuple[dict[Hashable, tuple[AbiFunction, str, bytes, bool]], dict[str, str]] | None:
        """The reads :meth:`prefetch` makes and its ``eth_call``; None when it needs none."""
        pending: dict[Hashable, tuple[AbiFunction, str, bytes, bool]] = {}
        for address, contract, fn, args in reads:
            key, immutable = self._key(address, fn, args)
            if key in pending or key in (self._immutables if immutable else self._cache):
                continue
            spec = self.function(contract, fn)
            pending[key] = (spec, address, spec.encode_values(tuple(args)), immutable)
        if not pending and self._timestamp is not None and self.state_time is not None:
            return None
        code = batch_code([(address, data) for _, address, data, _ in pending.values()])
        return pending, {"data": "0x" + code.hex()}

    def _store(
        self, pending: dict[Hashable, tuple[AbiFunction, str, bytes, bool]], raw: bytes | Exception
    ) -> None:
        """Caches the answers of :meth:`prefetch`'s ``eth_call`` (``raw``, or what it raised)."""
        if isinstance(raw, Exception):
            return
        try:
            timestamp, results = parse_batch(raw, len(pending))
        except ValueError:
            return
        self.state_time = timestamp
        if self._timestamp is None:
            self._timestamp = timestamp
        for (key, (spec, _, _, immutable)), (ok, data) in zip(
            pending.items(), results, strict=True
        ):
            if ok:
                try:
                    value = spec.decode_output(data)
                except (DecodingError, ValueError, OverflowError):
                    continue  # left to call(), which reports it
                (self._immutables if immutable else self._cache)[key] = value
            else:
                self._cache[key] = self.chain.decode_revert(data)

    def function(self, contract: str, fn: str) -> AbiFunction:
        try:
            return self._functions[contract][fn]
        except KeyError:
            raise UsageError(f"the state reader knows no function {contract}.{fn}") from None

    def call(self, address: str, contract: str, fn: str, *args: Any) -> Any:
        """``contract(address).fn(*args)`` at this reader's block; raises TransactionReverted."""
        key, immutable = self._key(address, fn, args)
        cache = self._immutables if immutable else self._cache
        try:
            found = cache[key]
        except KeyError:
            pass
        else:
            if isinstance(found, TransactionReverted):
                raise found
            return found
        spec = self.function(contract, fn)
        tx = {"to": address, "data": "0x" + spec.encode_values(args).hex()}
        self.calls += 1
        try:
            raw = self.chain.call(tx, block=self.block)  # type: ignore[arg-type]
            value = spec.decode_output(raw)
        except TransactionReverted as err:
            self._cache[key] = err
            raise
        cache[key] = value
        return value

    def try_call(self, address: str, contract: str, fn: str, *args: Any) -> Any | None:
        """As :meth:`call`, but ``None`` when the view reverts."""
        try:
            return self.call(address, contract, fn, *args)
        except TransactionReverted:
            return None

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``compute()``, computed once per reader and ``key``."""
        full = ("memo", key)
        if full not in self._cache:
            self._cache[full] = compute()
        return self._cache[full]

    def template_of(self, address: str) -> str | None:
        """The decree8 contract name deployed at ``address``, if known."""
        if self._template_of is None:
            return None
        return self.memo(("template_of", address), lambda: self._template_of(address))  # type: ignore[misc]

    # -- shared reads ----------------------------------------------------------------------------
    def holder_status(self, registry: str, holder: str) -> HolderStatus:
        """``registry.statusOf(holder)`` at this reader's :attr:`timestamp`.

        The view runs with the time of the block whose state it reads; a mined transaction ran
        later, in its own block. The only part of a status that the passing of time changes is
        the attestation's expiry (void from ``validUntil`` on), so a holder identified at the
        state's block time whose attestation expires by the transaction's time is not identified
        (and so has no type and is not eligible, as ``statusOf`` answers for such a holder)."""
        raw = self.call(registry, "HolderRegistry", "statusOf", holder)
        holder_type, identified, eligible, blocked = raw
        status = HolderStatus(int(holder_type), bool(identified), bool(eligible), bool(blocked))
        if status.identified and self._runs_later():
            record = self.call(registry, "HolderRegistry", "attestationOf", holder)
            if int(record[2]) <= self.timestamp:
                return HolderStatus(0, False, False, status.blocked)
        return status

    def _runs_later(self) -> bool:
        """Whether the checked transaction runs after the block time the views run with."""
        if self._timestamp is None:
            return False
        if self.state_time is None:
            self.prefetch(())
        if self.state_time is None:
            block = self.chain.w3.eth.get_block(self.block)  # type: ignore[arg-type]
            self.state_time = int(block["timestamp"])
        return self._timestamp > self.state_time

    def has_role(self, address: str, contract: str, role: bytes, account: str) -> bool:
        return bool(self.call(address, contract, "hasRole", role, account))


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def prefetch_together(
    readers: Sequence[tuple[StateReader, Iterable[tuple[str, str, str, Sequence[Any]]]]],
) -> None:
    """:meth:`StateReader.prefetch` of several readers (of one chain; e.g. the state before and
    after a mined transaction), their ``eth_call``s sent together where the chain can
    (``call_many``: one JSON-RPC batch, one round trip), else one after the other."""
    call_many = getattr(readers[0][0].chain, "call_many", None) if readers else None
    if call_many is None or any(r.chain is not readers[0][0].chain for r, _ in readers):
        for reader, reads in readers:
            reader.prefetch(reads)
        return
    planned = [(reader, reader._plan(reads)) for reader, reads in readers]
    todo = [(reader, plan) for reader, plan in planned if plan is not None]
    answers = call_many([(plan[1], reader.block) for reader, plan in todo])
    for (reader, (pending, _)), raw in zip(todo, answers, strict=True):
        reader.calls += 1
        reader._store(pending, raw)
