"""The engine of the revm chain: one EVM (decree8's extension) with the node's transaction
semantics (charging, refusals, traces, marks to rewind to), and the helpers that build its
blocks' environment and read its outcomes."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from eth_utils import keccak as _eth_keccak
from eth_utils import to_checksum_address

from decree8._evm import Evm, EvmError, TxOutcome
from decree8.revm.records import AccountInfo, CallFrame, RevmError, TxRequest, _Mark, _Outcome

__all__ = ["keccak"]


try:  # a C keccak several times faster than eth-hash's pycryptodome backend, when installed
    import sha3 as _sha3
except ImportError:  # pragma: no cover - depends on the environment
    _sha3 = None


def keccak(data: bytes) -> bytes:
    """Keccak-256 of ``data``."""
    if _sha3 is not None:
        return bytes(_sha3.keccak_256(data).digest())
    return _eth_keccak(data)


# ---------------------------------------------------------------------------------------------
# The engine: one EVM with the node's transaction semantics
# ---------------------------------------------------------------------------------------------


class _Engine:
    """One :class:`decree8._evm.Evm`, with marks (database copies) to rewind to.

    The extension runs every transaction as a node does (validated, charged, committed,
    finalized), so this class only translates: requests in, outcomes out, revm's refusals into
    :class:`RevmError`.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        spec: str,
        gas_limit: int,
        coinbase: str,
        genesis: Sequence[tuple[str, int]],
    ) -> None:
        self.gas_limit = gas_limit
        self.coinbase = coinbase
        self.evm = Evm(chain_id, spec, **_block_env(0, 0, coinbase, gas_limit))
        for address, balance in genesis:
            self.evm.set_balance(address, balance)
        self._env_key: tuple[int, int] = (0, 0)

    # -- reads ------------------------------------------------------------------------------------

    def account(self, address: str) -> AccountInfo:
        """Balance, nonce and code hash of ``address``."""
        return AccountInfo(*self.evm.account(address))

    def code(self, address: str) -> bytes:
        """The runtime code at ``address`` (empty for an account without code)."""
        return bytes(self.evm.code(address))

    def storage(self, address: str, slot: int) -> int:
        """The value of storage ``slot`` of ``address``."""
        return int(self.evm.storage(address, slot))

    # -- execution ----------------------------------------------------------------------------

    def use_block(self, number: int, timestamp: int) -> None:
        """Run what follows in block ``number`` at ``timestamp``."""
        if self._env_key != (number, timestamp):
            self.evm.set_block(**_block_env(number, timestamp, self.coinbase, self.gas_limit))
            self._env_key = (number, timestamp)

    def execute(self, tx: TxRequest, gas: int, price: int) -> _Outcome:
        """Run ``tx`` for good in the current block (nonce bumped, fee charged). Raises
        :class:`RevmError` when revm refuses it outright (nothing is charged)."""
        try:
            result = self.evm.transact(tx.sender, tx.to, tx.value, tx.data, gas, price)
        except EvmError as exc:
            raise _refusal(exc, tx, gas) from None
        return _outcome(result)

    def simulate(self, tx: TxRequest, gas: int) -> _Outcome:
        """Run ``tx`` and drop what it did (no nonce check, price 0)."""
        try:
            result = self.evm.simulate(tx.sender, tx.to, tx.value, tx.data, gas)
        except EvmError as exc:
            raise _refusal(exc, tx, gas) from None
        return _outcome(result)

    def trace(self, tx: TxRequest, gas: int) -> tuple[_Outcome, list[CallFrame]]:
        """Run ``tx`` as :meth:`simulate` does, recording its call frames."""
        try:
            result, frames = self.evm.trace(tx.sender, tx.to, tx.value, tx.data, gas)
        except EvmError as exc:
            raise _refusal(exc, tx, gas) from None
        return _outcome(result), [
            CallFrame(
                depth,
                kind,
                _checksum(sender),
                _checksum(to),
                value,
                bytes(data),
                bytes(output),
                gas_limit,
                gas_used,
                outcome,
            )
            for (
                depth,
                kind,
                sender,
                to,
                value,
                data,
                output,
                gas_limit,
                gas_used,
                outcome,
            ) in frames
        ]

    # -- marks ----------------------------------------------------------------------------------

    def mark(self) -> _Mark:
        """A point to :meth:`rewind` to: a copy of the database (cheap for a dev chain's state)."""
        return int(self.evm.snapshot())

    def rewind(self, mark: _Mark) -> _Mark:
        """Return to ``mark``; it stays usable (returned for convenience)."""
        if not self.evm.revert(mark, True):
            raise RevmError(f"internal error: unknown EVM snapshot {mark}")
        self._env_key = (-1, -1)
        return mark

    def forget(self, mark: _Mark) -> None:
        """Drop ``mark``'s copy of the database."""
        self.evm.drop_snapshot(mark)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _address_of_key(private_key: bytes) -> str:
    from eth_keys import keys

    return str(keys.PrivateKey(private_key).public_key.to_checksum_address())


@lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    """``to_checksum_address``, remembered: a creation's address recurs (every ``eth_call`` of
    init code from the same sender and nonce creates at the same address)."""
    return to_checksum_address(address)


def _block_hash(number: int) -> bytes:
    """What revm's in-memory database answers to ``BLOCKHASH``: ``keccak(str(number))``."""
    return keccak(str(number).encode())


def _block_env(number: int, timestamp: int, coinbase: str, gas_limit: int) -> dict[str, Any]:
    return {
        "number": number,
        "timestamp": timestamp,
        "base_fee": 0,
        "gas_limit": gas_limit,
        "coinbase": coinbase,
        "prevrandao": _prevrandao(number),
    }


def _prevrandao(number: int) -> bytes:
    """A fixed pseudo-random value per block number (sha256: it only has to look random)."""
    return hashlib.sha256(b"decree8-revm-prevrandao" + number.to_bytes(32, "big")).digest()


def _pseudo_hash(tx: TxRequest, nonce: int, gas: int, chain_id: int) -> bytes:
    """A unique id for an unsigned transaction: sha256 of its fields (there is no signature)."""
    parts = [
        b"decree8-revm-tx",
        tx.sender.lower().encode(),
        (tx.to or "").lower().encode(),
        nonce.to_bytes(32, "big"),
        chain_id.to_bytes(32, "big"),
        tx.value.to_bytes(32, "big"),
        gas.to_bytes(32, "big"),
        tx.price.to_bytes(32, "big"),
        tx.data,
    ]
    return hashlib.sha256(b"|".join(parts)).digest()


def _between(numbers: list[int], low: int, high: int) -> list[int]:
    return numbers[bisect.bisect_left(numbers, low) : bisect.bisect_right(numbers, high)]


def _outcome(result: TxOutcome) -> _Outcome:
    """An :class:`_Outcome` from the extension's ``TxOutcome``."""
    created = result.created
    return _Outcome(
        1 if result.success else 0,
        result.gas_used,
        result.output,
        None if created is None else _checksum(created),
        tuple(result.logs),
        result.gas_refunded,
    )


def _refusal(error: EvmError, tx: TxRequest, gas: int) -> RevmError:
    """A one-line error for a transaction revm would not run at all (the extension words it as
    geth does; the sender is named where that helps)."""
    kind, message = error.args if len(error.args) == 2 else ("invalid", str(error))
    if kind == "insufficient_funds":
        return RevmError(f"{message} (sender {tx.sender})")
    if kind == "sender_not_eoa":
        return RevmError(f"sender {tx.sender} is not an externally owned account (it has code)")
    if kind == "gas_limit":
        return RevmError(f"gas {gas} exceeds the block gas limit")
    if kind == "initcode_size":
        return RevmError(f"max initcode size exceeded ({len(tx.data)} bytes)")
    return RevmError(str(message))
