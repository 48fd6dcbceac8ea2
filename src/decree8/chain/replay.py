"""A mined transaction's revert, recovered in the transaction's own context.

A failed transaction ran in block N, at block N's time, after the transactions before it in that
block; replaying it as a call on block N-1 may not fail the way it did (an attestation that expires
at block N's time is still valid at N-1's). :func:`mined_revert` takes the revert from the most
faithful source the node offers: the node's own record of it (the revm chain keeps it in the
receipt), a re-execution of block N up to the transaction on the state of N-1 (the embedded
chain), ``debug_traceTransaction`` (Hardhat, geth, anvil), and only then the replay on N-1.

"Out of gas" is said only on evidence, never as a fallback: py-evm reports it (the embedded chain's
block replay sees the halt, also in a call the transaction made), or, on any other chain, a revert
without data that the call reproduces on the block before with the transaction's own gas limit
and that goes otherwise there with more gas (it succeeds, or reverts with a reason): the gas was
what made it fail. A call that runs out of gas leaves its caller a 64th of the gas, and the caller
reverts without data without using all of it, so "it used all its gas" alone would miss it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from eth_utils import to_checksum_address

from decree8.errors import ChainError, TransactionReverted
from decree8.hexutil import to_0x, to_bytes

if TYPE_CHECKING:
    from web3.types import BlockIdentifier

__all__ = ["RECOVERED_BY", "MinedRevert", "mined_revert"]


class Chain(Protocol):
    """What the recovery asks of a :class:`decree8.chain.Chain` (the chain module uses this one,
    so it is typed here rather than imported)."""

    def request(self, method: str, params: list[Any] | None = None) -> Any: ...

    def decode_revert(self, data: bytes, tx_hash: str | None = None) -> TransactionReverted: ...

    def call(self, tx: Mapping[str, Any], block: BlockIdentifier = "latest") -> bytes: ...


#: How a mined transaction's revert was recovered, from the most to the least faithful.
RECOVERED_BY = (
    "receipt",  # the node kept the revert data (revm)
    "block replay",  # the block re-executed up to the transaction (embedded chain)
    "trace",  # debug_traceTransaction (Hardhat, geth, anvil)
    "parent replay",  # replayed as a call on the block before: its own context may differ
    "none",  # nothing recovered it
)


@dataclass(frozen=True)
class MinedRevert:
    """The revert of a failed transaction and how it was recovered (:data:`RECOVERED_BY`).

    ``out_of_gas`` is True only on evidence (see the module docs); ``gas_evidence`` says which.
    """

    error: TransactionReverted
    how: str
    out_of_gas: bool = False
    gas_evidence: str | None = None

    @property
    def text(self) -> str | None:
        """Why the revert has no decoded reason, when it has none."""
        if self.error.name is not None or self.error.data:
            return None
        if self.out_of_gas:
            return f"ran out of gas ({self.gas_evidence or 'the EVM reported it'})"
        if self.how == "parent replay":
            return (
                "reverted, but this node keeps no revert data and a replay on the block before "
                "succeeds: the failure depends on the block's own time or on transactions before "
                "it in that block"
            )
        if self.how == "none":
            return "reverted; this node could not tell why (no revert data, no trace)"
        return "reverted without data (an invalid operation, or a revert with no reason)"


def mined_revert(chain: Chain, tx: Any, receipt: Any, *, explain_gas: bool = False) -> MinedRevert:
    """The revert of the failed transaction ``tx`` (with ``receipt``), decoded, from the most
    faithful source the node offers, and whether it ran out of gas (see the module docs). Where
    that takes replays (a chain other than the embedded one), they are made only with
    ``explain_gas`` (a verdict wants them; ``Chain.transact`` raising the revert does not)."""
    revert = _recovered(chain, tx, receipt)
    if not explain_gas or revert.out_of_gas or revert.error.data or revert.error.name is not None:
        return revert
    if revert.how in ("block replay", "none"):  # py-evm said it did not; or nothing reproduced it
        return revert
    evidence = _gas_evidence(chain, tx, receipt)
    if evidence is None:
        return revert
    return MinedRevert(revert.error, revert.how, True, evidence)


def _recovered(chain: Chain, tx: Any, receipt: Any) -> MinedRevert:
    tx_hash = to_0x(receipt["transactionHash"])
    gas = int(tx["gas"])

    def found(data: bytes, how: str) -> MinedRevert:
        return MinedRevert(chain.decode_revert(data, tx_hash), how)

    kept = receipt.get("revertData")
    if kept is not None:
        return found(to_bytes(kept), "receipt")
    replayed = _embedded_block_replay(chain, receipt)
    if replayed is not None:
        data, errored, out_of_gas = replayed
        if errored or data:
            evidence = "py-evm reports it in the block replay" if out_of_gas else None
            return MinedRevert(
                chain.decode_revert(data, tx_hash), "block replay", out_of_gas, evidence
            )
        return MinedRevert(TransactionReverted(name=None, data=b"", tx_hash=tx_hash), "none")
    traced = _trace(chain, tx_hash)
    if traced is not None:
        return found(traced, "trace")
    try:
        chain.call(_as_call(tx, gas), block=max(int(receipt["blockNumber"]) - 1, 0))
    except TransactionReverted as exc:
        error = TransactionReverted(
            name=exc.name, args=exc.args, data=exc.data, tx_hash=tx_hash, signature=exc.signature
        )
        return MinedRevert(error, "parent replay")
    except ChainError:
        return MinedRevert(TransactionReverted(name=None, data=b"", tx_hash=tx_hash), "none")
    empty = TransactionReverted(name=None, data=b"", tx_hash=tx_hash)
    return MinedRevert(empty, "parent replay")


def _as_call(tx: Any, gas: int) -> dict[str, Any]:
    """The mined transaction ``tx`` as an ``eth_call`` with ``gas``."""
    call: dict[str, Any] = {
        "from": to_checksum_address(tx["from"]),
        "data": to_0x(tx["input"]),
        "gas": gas,
    }
    if tx.get("to"):
        call["to"] = to_checksum_address(tx["to"])
    if int(tx.get("value", 0)):
        call["value"] = int(tx["value"])
    return call


#: The gas a replay gives a transaction to see whether more gas changes its fate: this many
#: times its own limit, at least ``_MORE_GAS_MIN``, at most the block's gas limit.
_MORE_GAS_FACTOR = 8
_MORE_GAS_MIN = 1_000_000


def _gas_evidence(chain: Chain, tx: Any, receipt: Any) -> str | None:
    """Why the failed transaction ``tx`` (reverted without data) ran out of gas, or ``None``
    when nothing shows it did: replayed as a call on the block before with its own gas limit it
    reverts without data again, and with more gas it succeeds or reverts with a reason. The
    replay runs on the state at the end of the block before; a transaction whose failure depends
    on its block's own time or on transactions before it in its block is not shown out of gas."""
    gas, used = int(tx["gas"]), int(receipt["gasUsed"])
    parent = max(int(receipt["blockNumber"]) - 1, 0)
    try:
        limit = int(str(chain.request("eth_getBlockByNumber", [hex(parent), False])["gasLimit"]), 0)
    except (ChainError, KeyError, TypeError, ValueError):  # no gas limit to read: a fixed ceiling
        limit = 30_000_000
    more = min(max(gas * _MORE_GAS_FACTOR, _MORE_GAS_MIN), limit)
    if more <= gas:
        return None
    outcomes: list[TransactionReverted | None] = []
    for attempt in (gas, more):
        try:
            chain.call(_as_call(tx, attempt), block=parent)
            outcomes.append(None)
        except TransactionReverted as exc:
            outcomes.append(exc)
        except ChainError:
            return None
    same, larger = outcomes
    if same is None or same.data or same.name is not None:
        return None  # the replay with its own gas does not fail as it did: its context differs
    spent = f"it used {used:,} of its {gas:,} gas; "
    if larger is None:
        return f"{spent}replayed on block {parent} with {more:,} gas, it succeeds"
    if larger.data or larger.name is not None:
        reason = larger.name or "a reason"
        return f"{spent}replayed on block {parent} with {more:,} gas, it reverts with {reason}"
    return None


def _embedded_block_replay(chain: Chain, receipt: Any) -> tuple[bytes, bool, bool] | None:
    """On the embedded chain: re-executes block N on the state of N-1 (with N's header: its
    number, time, base fee) up to and including the transaction; its revert data and whether it
    failed and whether it ran out of gas. ``None`` on other chains."""
    tester = getattr(chain, "tester", None)
    backend = getattr(tester, "backend", None)
    py_chain = getattr(backend, "chain", None)
    if py_chain is None or not hasattr(py_chain, "get_canonical_block_by_number"):
        return None
    number = int(receipt["blockNumber"])
    index = int(receipt.get("transactionIndex") or 0)
    try:
        block = py_chain.get_canonical_block_by_number(number)
        parent = py_chain.get_canonical_block_by_number(number - 1)
        header = block.header.copy(state_root=parent.header.state_root, gas_used=0)
        state = py_chain.get_vm(header).state
        for earlier in block.transactions[:index]:
            state.apply_transaction(earlier)
        computation = state.apply_transaction(block.transactions[index])
    except Exception:  # noqa: BLE001 - py-evm internals: fall back to the generic ways
        return None
    output = bytes(computation.output or b"") if computation.is_error else b""
    return output, bool(computation.is_error), not output and _ran_out_of_gas(computation)


def _ran_out_of_gas(computation: Any) -> bool:
    """Whether ``computation`` or a call it made ran out of gas (py-evm's ``OutOfGas``; a call
    that runs out of gas leaves its caller a 64th of the gas, and the caller reverts without
    data)."""
    if computation.is_error and type(computation.error).__name__ == "OutOfGas":
        return True
    return any(_ran_out_of_gas(child) for child in getattr(computation, "children", ()))


def _trace(chain: Chain, tx_hash: str) -> bytes | None:
    """The revert data of a failed transaction from ``debug_traceTransaction`` (the struct-log
    tracer's ``returnValue``), or ``None`` when the node has no such method."""
    try:
        result = chain.request(
            "debug_traceTransaction",
            [tx_hash, {"disableStorage": True, "disableMemory": True, "disableStack": True}],
        )
    except (ChainError, ValueError, TypeError, KeyError):
        return None
    except Exception:  # noqa: BLE001 - a node may answer an unknown method in its own way
        return None
    if not isinstance(result, dict) or not result.get("failed"):
        return None
    value = result.get("returnValue") or ""
    try:
        return to_bytes(value)
    except ValueError:
        return None
