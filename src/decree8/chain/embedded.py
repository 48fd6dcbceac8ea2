"""The embedded chain: eth-tester with the py-evm backend, in this process.

:class:`RevertingTesterProvider` makes eth-tester answer a revert the way geth and Hardhat do, as a
JSON-RPC error ``{"code": 3, "message": "execution reverted", "data": "0x..."}`` carrying the
exact revert data, so the embedded chain, ``decree8 node`` (which serves this provider over HTTP)
and real nodes all reach :class:`~decree8.chain.interface.Chain` the same way.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import SnapshotNotFound, TransactionFailed
from eth_tester.exceptions import ValidationError as TesterValidationError
from eth_utils.exceptions import ValidationError as EvmValidationError
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint, RPCResponse

from decree8.chain.errors import encode_error_string, eth_tester_revert_data
from decree8.chain.interface import Chain
from decree8.errors import ChainError

if TYPE_CHECKING:
    from decree8.chain.blockstore import BlockStore

__all__ = [
    "EmbeddedChain",
    "RevertingTesterProvider",
    "new_tester",
    "increase_next_timestamp",
    "set_next_block_timestamp",
]

REVERT_CODE = 3  # the JSON-RPC error code geth and Hardhat give an execution revert


def new_tester(accounts: int = 10, genesis_timestamp: int | None = None) -> EthereumTester:
    """An eth-tester chain (py-evm, Prague rules) with ``accounts`` funded, unlocked accounts;
    its genesis block carries ``genesis_timestamp`` (default: now), so a chain can start in the
    past (to replay a history across a law's entry into force)."""
    if accounts < 1:
        raise ChainError(f"an embedded chain needs at least one account, not {accounts}")
    genesis = PyEVMBackend.generate_genesis_state(num_accounts=accounts)
    if genesis_timestamp is None:
        return EthereumTester(PyEVMBackend(genesis_state=genesis))
    params = PyEVMBackend.generate_genesis_params(overrides={"timestamp": genesis_timestamp})
    tester = EthereumTester(PyEVMBackend(genesis_parameters=params, genesis_state=genesis))
    _clock_from(tester, genesis_timestamp)
    return tester


def _clock_from(tester: EthereumTester, genesis_timestamp: int) -> None:
    """Makes the blocks of ``tester`` follow a clock that started at ``genesis_timestamp``
    (py-evm stamps a new block with the wall clock): the next block's time is the wall clock
    shifted by the same offset, and at least its parent's time plus one second. The chain class
    is eth-tester's own per tester, so other chains keep the wall clock."""
    chain = tester.backend.chain
    cls = type(chain)
    offset = genesis_timestamp - int(time.time())
    base = cls.create_header_from_parent

    def create_header_from_parent(self: Any, parent_header: Any, **params: Any) -> Any:
        if "timestamp" not in params:
            clock = int(time.time()) + offset
            params["timestamp"] = max(int(parent_header.timestamp) + 1, clock)
        return base(self, parent_header, **params)

    cls.create_header_from_parent = create_header_from_parent
    chain.header = chain.header.copy(timestamp=genesis_timestamp + 1)


def _latest_timestamp(tester: EthereumTester) -> int:
    return int(tester.get_block_by_number("latest")["timestamp"])


def set_next_block_timestamp(tester: EthereumTester, timestamp: int) -> None:
    """Makes the next block eth-tester mines carry ``timestamp``, mining nothing.

    eth-tester's own ``time_travel(ts)`` mines a filler block at ``ts - 1``; this sets the pending
    header's timestamp instead (the same header eth-tester's ``time_travel`` edits), as Hardhat's
    ``evm_setNextBlockTimestamp`` does.
    """
    latest = _latest_timestamp(tester)
    if timestamp <= latest:
        raise ChainError(
            f"the next block's timestamp {timestamp} must be after the latest block's ({latest})"
        )
    chain = tester.backend.chain
    chain.header = chain.header.copy(timestamp=timestamp)


def increase_next_timestamp(tester: EthereumTester, seconds: int) -> int:
    """Moves the next block's timestamp ``seconds`` later; returns that timestamp."""
    if seconds < 0:
        raise ChainError(f"time only moves forward: cannot travel {seconds}s")
    chain = tester.backend.chain
    timestamp = int(chain.header.timestamp) + seconds
    chain.header = chain.header.copy(timestamp=timestamp)
    return timestamp


def _revert_response(request_id: str, data: bytes) -> RPCResponse:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": REVERT_CODE, "message": "execution reverted", "data": "0x" + data.hex()},
    }


class RevertingTesterProvider(EthereumTesterProvider):
    """web3's eth-tester provider, except that a revert comes back as a JSON-RPC error carrying the
    revert data (web3's own provider re-raises eth-tester's exception with the data turned into a
    message string)."""

    def __init__(self, tester: EthereumTester) -> None:
        super().__init__(tester)
        self.tester = tester

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        request_id = repr(self._current_request_id)
        self._current_request_id += 1
        namespace, _, endpoint = method.partition("_")
        assert self.api_endpoints is not None
        try:
            delegator = self.api_endpoints[namespace][endpoint]
        except KeyError:
            return {
                "jsonrpc": "2.0",
                "id": request_id,
                "error": {"code": -32601, "message": f"the method {method} does not exist"},
            }
        try:
            result = delegator(self.tester, params)
        except NotImplementedError:
            return {
                "jsonrpc": "2.0",
                "id": request_id,
                "error": {"code": -32601, "message": f"the method {method} is not implemented"},
            }
        except ContractLogicError as exc:  # web3 already decoded a panic, keeping its data
            data = exc.data if isinstance(exc.data, str) else ""
            return _revert_response(request_id, bytes.fromhex(data.removeprefix("0x")))
        except TransactionFailed as exc:
            return _revert_response(request_id, self._failure_data(method, params, exc))
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    def _failure_data(self, method: RPCEndpoint, params: Any, exc: TransactionFailed) -> bytes:
        data = eth_tester_revert_data(exc)
        if data is not None:
            return data
        # eth-tester's call gives a plain string: a reason it decoded from Error(string), or an EVM
        # error without data. The gas estimate of the same transaction raises the EVM's exception
        # itself, which tells the two apart.
        if method == "eth_call":
            assert self.api_endpoints is not None
            try:
                self.api_endpoints["eth"]["estimateGas"](self.tester, params)
            except TransactionFailed as again:
                data = eth_tester_revert_data(again)
                if data is not None:
                    return data
            except Exception:  # noqa: BLE001 - fall back to the message eth-tester gave
                pass
        return encode_error_string(str(exc.args[0]) if exc.args else "")


class EmbeddedChain(Chain):
    """eth-tester (py-evm) in this process.

    Differences from a JSON-RPC node, all hidden behind :class:`Chain`:
    eth-tester mines every transaction into its own block at once, and block timestamps advance
    one second a block from genesis rather than with the wall clock; its snapshots are block hashes
    that could be reverted to again and again, but :meth:`revert` consumes them as Hardhat does so
    code behaves the same on every backend; a reverting transaction sent with explicit gas is mined
    with status 0 (Hardhat refuses it with an error instead).
    """

    def __init__(self, accounts: int = 10, genesis_timestamp: int | None = None) -> None:
        self.tester = new_tester(accounts, genesis_timestamp)
        self.provider = RevertingTesterProvider(self.tester)
        self._snapshots: list[int] = []
        super().__init__(Web3(self.provider))

    def block_store(self, include_failed: bool = True) -> BlockStore:
        """Walks py-evm's database directly (see :mod:`decree8.chain.blockstore`)."""
        from decree8.chain.blockstore import BlockStore

        return BlockStore(self.tester.backend.chain, include_failed)

    def snapshot(self) -> int:
        snap_id = int(self.tester.take_snapshot())
        self._snapshots.append(snap_id)
        return snap_id

    def revert(self, snap_id: int) -> None:
        if snap_id not in self._snapshots:
            raise ChainError(
                f"no snapshot {snap_id} to revert to (a revert uses up its snapshot and later ones)"
            )
        try:
            self.tester.revert_to_snapshot(snap_id)
        except SnapshotNotFound as exc:
            raise ChainError(f"no snapshot {snap_id} to revert to: {exc}") from None
        self._snapshots = [s for s in self._snapshots if s < snap_id]

    def time_travel(self, seconds: int) -> None:
        if seconds < 0:
            raise ChainError(f"time only moves forward: cannot travel {seconds}s")
        if seconds:
            set_next_block_timestamp(self.tester, _latest_timestamp(self.tester) + seconds)
        self.tester.mine_blocks(1)

    def set_next_timestamp(self, timestamp: int) -> None:
        set_next_block_timestamp(self.tester, timestamp)

    def mine(self, blocks: int = 1) -> None:
        if blocks < 0:
            raise ChainError(f"cannot mine {blocks} blocks")
        if blocks:
            self.tester.mine_blocks(blocks)

    def _translate(self, exc: Exception) -> None:
        if isinstance(exc, TesterValidationError | EvmValidationError):
            message = " ".join(str(exc).split())
            raise ChainError(f"the embedded chain refused the request: {message}") from exc
        super()._translate(exc)
