"""A chain on revm (the Rust EVM inside Foundry and Reth) in this process: the fast chain.

Same API as the other chains, many times faster, and exact: decree8's own extension
(``decree8._evm``, built from ``native/``) runs every transaction as a node does, on eth-tester's
hardfork, so receipts and gas equal eth-tester's (see docs/revm.md). State at older blocks is
rebuilt by replaying transactions (:mod:`decree8.revm.node`). Where the extension is missing
(installed without a Rust toolchain), :func:`fast_chain_missing` says why, once, and decree8 runs
on eth-tester.

:meth:`RevmChain.transact` and :meth:`RevmChain.call` take a fast path: they hand the transaction
to the :class:`~decree8.revm.RevmNode` directly instead of through web3's request formatting,
validation middleware and JSON-RPC-shaped answers (several times the cost of running the EVM). They
return what the web3 path returns (the same receipt mapping, the same bytes) and raise the same
decoded errors; a transaction the fast path does not understand (an unchecksummed address, fee
fields other than ``gasPrice``, keys it does not know) goes through web3 as before, so web3 still
has the last word on bad input; so does every transaction once a middleware was added to ``w3``
(or its provider replaced), so that the middleware sees what reaches the node.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from hexbytes import HexBytes
from web3 import Web3

from decree8.chain.devnode import DevNodeControl
from decree8.chain.interface import TRANSACT_OBSERVERS, Chain
from decree8.errors import ChainError, ToolchainError

try:  # the extension is optional: without it RevmChain() raises a one-line ToolchainError
    from decree8.revm import ExecutionReverted, Log, Receipt, RevmError, TxRequest
    from decree8.revm.node import keccak
except ImportError as _exc:  # pragma: no cover - depends on the environment
    _UNAVAILABLE: str | None = (
        f"the fast (revm) chain is unavailable: decree8's extension decree8._evm did not load "
        f"({_exc}); reinstall decree8 with a Rust toolchain (rustup.rs) to build it, e.g. "
        f"`pip install -e .`; running on eth-tester instead"
    )
else:
    _UNAVAILABLE = None
_WARNED = False

if TYPE_CHECKING:
    from web3.types import BlockIdentifier, TxReceipt

__all__ = ["RevmChain", "fast_chain_missing"]


def fast_chain_missing(*, warn: bool = True) -> str | None:
    """None when the fast chain can run here; else one line saying why not, also given once as
    a :class:`RuntimeWarning` (when ``warn``) so that a silent fallback to eth-tester is not."""
    global _WARNED
    if _UNAVAILABLE is not None and warn and not _WARNED:
        _WARNED = True
        warnings.warn(_UNAVAILABLE, RuntimeWarning, stacklevel=3)
    return _UNAVAILABLE


# web3 middlewares that only cost time on an in-process node that never needs them
_LEAN_MIDDLEWARE = ("ens_name_to_address", "attrdict")
#: What web3's buffered gas estimate middleware adds to an estimate (capped at the block gas limit).
_GAS_BUFFER = 100_000
#: Transaction keys the fast path understands; any other key sends the transaction through web3.
_FAST_KEYS = frozenset({"from", "to", "data", "value", "gas", "gasPrice", "nonce"})
_TAGS = frozenset({"latest", "pending", "earliest", "safe", "finalized"})
#: web3 answers a revert with ``OffchainLookup`` (EIP-3668) by following it: left to web3.
_OFFCHAIN_LOOKUP = bytes.fromhex("556f1830")


class _NotFast(Exception):
    """The transaction is not one the fast path handles: use the web3 path."""


class RevmChain(DevNodeControl, Chain):
    """An in-process revm chain with ``accounts`` funded, unlocked accounts (eth-tester's keys)."""

    node_name = "the revm chain"

    def __init__(self, accounts: int = 10, **options: Any) -> None:
        if _UNAVAILABLE is not None:
            raise ToolchainError(_UNAVAILABLE.replace("; running on eth-tester instead", ""))
        from decree8.revm import RevmProvider

        self.provider = RevmProvider(accounts=accounts, **options)
        self.node = self.provider.node
        w3 = Web3(self.provider)
        for name in _LEAN_MIDDLEWARE:
            try:
                w3.middleware_onion.remove(name)
            except (ValueError, KeyError):
                pass
        super().__init__(w3)
        #: web3 as the chain set it up: once someone adds a middleware (to watch or change what
        #: reaches the node) or swaps the provider, every transaction goes through web3 again
        self._lean_web3 = (self.provider, list(w3.middleware_onion.middleware))

    # -- state (straight from the node) ------------------------------------------------------

    @property
    def block_number(self) -> int:
        return self.node.block_number

    def timestamp(self) -> int:
        return self.node.latest.timestamp

    # -- transactions: the fast path -----------------------------------------------------------

    def transact(self, tx: Mapping[str, Any], gas: int | None = None) -> TxReceipt:
        try:
            request = self._request(tx, gas)
        except _NotFast:
            return super().transact(tx, gas)
        node = self.node
        try:
            if request.gas is None:  # as web3's buffered gas estimate does
                estimate = node.estimate_gas(request)
                request = replace(request, gas=min(node.gas_limit, estimate + _GAS_BUFFER))
            tx_hash = node.send(request)
        except ExecutionReverted as exc:
            raise self._decoder.reverted(exc.output) from None
        except (RevmError, *_BAD_PARAMS) as exc:
            raise _refused(exc, "eth_sendTransaction") from None
        receipt = node.receipt(tx_hash)
        assert receipt is not None
        if TRANSACT_OBSERVERS:  # the gas report, when asked for (off the hot path otherwise)
            as_dict = receipt_dict(receipt)
            for observe in TRANSACT_OBSERVERS:
                observe(self, tx, as_dict)
        if receipt.status == 0:
            raise self._decoder.reverted(receipt.revert_data or b"", "0x" + tx_hash.hex())
        return cast("TxReceipt", receipt_dict(receipt))

    def call(self, tx: Mapping[str, Any], block: BlockIdentifier = "latest") -> bytes:
        try:
            request = self._request(tx, None)
            at = _block(block)
        except _NotFast:
            return super().call(tx, block)
        try:
            return self.node.call(request, at)
        except ExecutionReverted as exc:
            if exc.output[:4] == _OFFCHAIN_LOOKUP:
                return super().call(tx, block)
            raise self._decoder.reverted(exc.output) from None
        except (RevmError, *_BAD_PARAMS) as exc:
            raise _refused(exc, "eth_call") from None

    def _request(self, tx: Mapping[str, Any], gas: int | None) -> TxRequest:
        """The node's :class:`~decree8.revm.TxRequest` for ``tx``, or :class:`_NotFast`."""
        if not _FAST_KEYS.issuperset(tx) or not self._web3_untouched():
            raise _NotFast
        sender = tx.get("from", self.accounts[0])
        to = tx.get("to", _MISSING)
        return TxRequest(
            sender=_address(sender),
            to=None if to is _MISSING else _address(to),
            value=_quantity(tx.get("value", 0)),
            data=_bytes(tx.get("data", b"")),
            gas=_quantity(gas) if gas is not None else _optional(tx.get("gas")),
            gas_price=_optional(tx.get("gasPrice")),
            nonce=_optional(tx.get("nonce")),
        )

    def _web3_untouched(self) -> bool:
        w3 = self.w3
        provider, middleware = self._lean_web3
        return w3.provider is provider and w3.middleware_onion.middleware == middleware

    # -- node control ------------------------------------------------------------------------

    def snapshot(self) -> int:
        with self._guard():
            return self.node.snapshot()

    def revert(self, snap_id: int) -> None:
        # used up by its revert, with every later one, as on the other backends (the provider's
        # evm_revert keeps it, as eth-tester's does)
        with self._guard():
            if not self.node.revert(snap_id, keep=False):
                raise ChainError(
                    f"no snapshot {snap_id} to revert to "
                    "(a revert uses up its snapshot and later ones)"
                )


# ---------------------------------------------------------------------------------------------
# What web3 would have made of the provider's answers
# ---------------------------------------------------------------------------------------------


def receipt_dict(receipt: Receipt) -> dict[str, Any]:
    """The receipt as web3 returns it from this chain's provider (a plain dict: the ``attrdict``
    middleware is off): hashes and bloom as ``HexBytes``, numbers as ints, addresses checksummed,
    and the provider's extra ``revertData`` as web3 leaves it (hex text or None)."""
    tx_hash = _hexbytes(receipt.tx_hash)
    block_hash = _hexbytes(receipt.block_hash)
    logs = [
        {
            "address": log.address,
            "topics": [_topic(topic) for topic in log.topics],
            "data": _hexbytes(log.data),
            "blockNumber": log.block_number,
            "blockHash": block_hash,
            "transactionHash": tx_hash,
            "transactionIndex": log.tx_index,
            "logIndex": log.log_index,
            "removed": False,
        }
        for log in receipt.logs
    ]
    revert_data = receipt.revert_data
    return {
        "transactionHash": tx_hash,
        "transactionIndex": receipt.tx_index,
        "blockHash": block_hash,
        "blockNumber": receipt.block_number,
        "from": receipt.sender,
        "to": receipt.to,
        "cumulativeGasUsed": receipt.cumulative_gas_used,
        "gasUsed": receipt.gas_used,
        "effectiveGasPrice": receipt.effective_gas_price,
        "contractAddress": receipt.contract_address,
        "logs": logs,
        "logsBloom": _hexbytes(_bloom(receipt.logs)),
        "status": receipt.status,
        "type": receipt.type,
        "revertData": None if revert_data is None else "0x" + revert_data.hex(),
    }


def _hexbytes(raw: bytes) -> HexBytes:
    """``HexBytes(raw)`` for bytes ``raw`` without its conversion from other types (the same
    value and type, a fraction of the cost)."""
    return bytes.__new__(HexBytes, raw)


@lru_cache(maxsize=4096)
def _topic(topic: str) -> HexBytes:
    return _hexbytes(bytes.fromhex(topic[2:]))


@lru_cache(maxsize=4096)
def _bloom_bits(item: str) -> int:
    """The three bits an address or topic (0x-hex) sets in a logs bloom."""
    digest = keccak(bytes.fromhex(item[2:]))
    bits = 0
    for i in (0, 2, 4):
        bits |= 1 << (int.from_bytes(digest[i : i + 2], "big") & 2047)
    return bits


def _bloom(logs: tuple[Log, ...]) -> bytes:
    """The 2048-bit logs bloom of ``logs``, as the provider computes it (addresses and topics
    recur, so their bits are remembered)."""
    bloom = 0
    for log in logs:
        bloom |= _bloom_bits(log.address)
        for topic in log.topics:
            bloom |= _bloom_bits(topic)
    return bloom.to_bytes(256, "big")


_MISSING = object()


@lru_cache(maxsize=4096)
def _is_checksummed(value: str) -> bool:
    return bool(Web3.is_checksum_address(value))


def _address(value: Any) -> str:
    """A checksummed address string as given (web3 refuses any other spelling: it decides)."""
    if not isinstance(value, str) or not _is_checksummed(value):
        raise _NotFast
    return value


def _quantity(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise _NotFast
    return value


def _optional(value: Any) -> int | None:
    return None if value is None else _quantity(value)


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):  # HexBytes too
        return bytes(value)
    if isinstance(value, str) and value[:2] == "0x":
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            raise _NotFast from None
    raise _NotFast


def _block(block: Any) -> int | str:
    if isinstance(block, str):
        if block not in _TAGS:
            raise _NotFast
        return block
    return _quantity(block)


#: What a request with parameters the node cannot take raises in the node.
_BAD_PARAMS = (ValueError, TypeError, KeyError, IndexError, OverflowError)


def _refused(exc: Exception, method: str) -> ChainError:
    """The :class:`ChainError` of a request the node refused: said as the node said it, or as
    invalid parameters of ``method``."""
    if isinstance(exc, RevmError):
        return ChainError(f"the node refused the request: {exc}")
    return ChainError(f"the node refused the request: invalid params for {method}: {exc}")
