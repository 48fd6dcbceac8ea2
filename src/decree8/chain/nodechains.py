"""The chains behind ``decree8 node``: eth-tester through web3's middleware, or the fast chain
(:class:`~decree8.revm.RevmProvider`), each answering the standard methods and the development
ones (``evm_snapshot``, ``evm_revert``, ``evm_increaseTime``, ``evm_setNextBlockTimestamp``,
``evm_mine``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web3 import Web3
from web3.types import RPCEndpoint

from decree8.chain.embedded import (
    RevertingTesterProvider,
    increase_next_timestamp,
    new_tester,
    set_next_block_timestamp,
)
from decree8.chain.jsonrpc import (
    _BLOCK_METHODS,
    _CAMEL,
    INVALID_PARAMS,
    SERVER_ERROR,
    _geth_wording,
    _quantity,
    _RpcFailure,
    _to_json,
    _validation_failure,
)
from decree8.errors import UsageError

# -- backends: where the dispatcher sends the standard methods -----------------------------------


def _index_transaction_lookups() -> None:
    """eth-tester finds a mined transaction by scanning every block back from the head (its own
    TODO says so), so a receipt costs time linear in the chain's length: 20 ms after a hundred
    blocks. py-evm indexes canonical transactions by hash; look there first, check the entry
    against the block it names (snapshot reverts can leave stale entries) and fall back to the
    scan when it does not match. Same answers, constant time."""
    from eth_tester.backends.pyevm import main as pyevm_main

    scan = pyevm_main._get_transaction_by_hash
    if getattr(scan, "decree8_indexed", False):
        return

    def lookup(chain: Any, transaction_hash: bytes) -> Any:
        head = chain.get_block()
        for index, transaction in enumerate(head.transactions):
            if transaction.hash == transaction_hash:
                return head, transaction, index
        try:
            number, index = chain.chaindb.get_transaction_index(transaction_hash)
            block = chain.get_canonical_block_by_number(number)
            transaction = block.transactions[index]
        except Exception:  # noqa: BLE001 - not indexed (or stale): eth-tester's own scan decides
            return scan(chain, transaction_hash)
        if transaction.hash != transaction_hash:
            return scan(chain, transaction_hash)
        return block, transaction, index

    lookup.decree8_indexed = True  # type: ignore[attr-defined]
    pyevm_main._get_transaction_by_hash = lookup


#: The development methods both chains answer, by the name of the method that answers each.
_DEV_METHODS = {
    "evm_snapshot": "_evm_snapshot",
    "evm_revert": "_evm_revert",
    "evm_increaseTime": "_evm_increase_time",
    "evm_setNextBlockTimestamp": "_evm_set_next_block_timestamp",
    "evm_mine": "_evm_mine",
}


def _dev_methods(backend: object) -> dict[str, Callable[[list[Any]], Any]]:
    return {name: getattr(backend, method) for name, method in _DEV_METHODS.items()}


class _EmbeddedBackend:
    """eth-tester through web3's eth-tester middleware; answers in Python values."""

    name = "embedded"

    def __init__(self, accounts: int) -> None:
        _index_transaction_lookups()
        self.tester = new_tester(accounts)
        self.provider = RevertingTesterProvider(self.tester)
        w3 = Web3(self.provider, middleware=[])
        # Only the provider's own middleware: eth-tester's request/result formatting.
        self._forward = self.provider.request_func(w3, w3.middleware_onion)
        self._snapshots: list[int] = []
        self._time_offset = 0
        self.methods = _dev_methods(self)

    @property
    def chain_id(self) -> int:
        return int(self.tester.backend.chain.chain_id)

    @property
    def accounts(self) -> list[str]:
        return [Web3.to_checksum_address(a) for a in self.tester.get_accounts()]

    def request(self, method: str, params: list[Any]) -> Any:
        """The JSON-ready result, or :class:`_RpcFailure`."""
        if method == "eth_sendTransaction":
            self._fill_gas(params)
        try:
            response = self._forward(RPCEndpoint(method), params)
        except (TypeError, IndexError, KeyError, AttributeError) as exc:
            raise _RpcFailure(INVALID_PARAMS, f"invalid params for {method}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - eth-tester's validation errors, reworded
            raise _validation_failure(method, exc) from None
        if "error" in response:
            error = response["error"]
            raise _RpcFailure(
                int(error.get("code", SERVER_ERROR)),
                _geth_wording(str(error.get("message", ""))),
                error.get("data"),
            )
        result = response.get("result")
        if method in _BLOCK_METHODS and isinstance(result, dict):
            result = self._standard_block(result)
        return _to_json(result)

    def _fill_gas(self, params: list[Any]) -> None:
        """Gives a transaction sent without ``gas`` its estimate, as Hardhat does (eth-tester
        requires it); raises the estimate's error when estimating fails."""
        if not params or not isinstance(params[0], dict) or params[0].get("gas") is not None:
            return
        estimate = self.request("eth_estimateGas", [params[0]])
        params[0] = {**params[0], "gas": estimate}

    def _standard_block(self, block: dict[str, Any]) -> dict[str, Any]:
        """eth-tester leaves the full transactions of a block in its own snake_case shape (web3's
        tester provider formats only top-level results): give them the JSON-RPC field names."""
        txs = block.get("transactions")
        if not txs or not isinstance(txs[0], dict):
            return block
        fixed = []
        for tx in txs:
            out = {_CAMEL.get(k, k): v for k, v in tx.items()}
            if "input" not in out and "data" in out:
                out["input"] = out["data"]
            out["chainId"] = hex(self.chain_id)
            fixed.append(out)
        return {**block, "transactions": fixed}

    # -- development methods -------------------------------------------------------------------

    def _evm_snapshot(self, params: list[Any]) -> str:
        snap_id = int(self.tester.take_snapshot()) + 1  # Hardhat's ids start at 1
        self._snapshots.append(snap_id)
        return hex(snap_id)

    def _evm_revert(self, params: list[Any]) -> bool:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_revert takes one snapshot id")
        snap_id = _quantity(params[0], "the snapshot id")
        if snap_id not in self._snapshots:
            return False
        self.tester.revert_to_snapshot(snap_id - 1)
        self._snapshots = [s for s in self._snapshots if s < snap_id]
        return True

    def _evm_increase_time(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_increaseTime takes a number of seconds")
        seconds = _quantity(params[0], "the seconds")
        increase_next_timestamp(self.tester, seconds)
        self._time_offset += seconds
        return str(self._time_offset)  # Hardhat answers the total offset, as a decimal string

    def _evm_set_next_block_timestamp(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_setNextBlockTimestamp takes a timestamp")
        timestamp = _quantity(params[0], "the timestamp")
        set_next_block_timestamp(self.tester, timestamp)
        return str(timestamp)

    def _evm_mine(self, params: list[Any]) -> str:
        if params and params[0] is not None:
            set_next_block_timestamp(self.tester, _quantity(params[0], "the timestamp"))
        self.tester.mine_blocks(1)
        return "0x0"


class _RevmBackend:
    """The fast chain: a :class:`~decree8.revm.RevmProvider`, which answers in JSON-RPC encoding."""

    name = "revm"

    def __init__(self, accounts: int) -> None:
        from decree8.chain.revm import fast_chain_missing

        missing = fast_chain_missing(warn=False)
        if missing is not None:
            raise UsageError(missing.replace("; running on eth-tester instead", ""))
        from decree8.revm import RevmError, RevmProvider

        self._error_type = RevmError
        self.provider = RevmProvider(accounts=accounts)
        self.node = self.provider.node
        self.methods = _dev_methods(self)

    @property
    def chain_id(self) -> int:
        return self.node.chain_id

    @property
    def accounts(self) -> list[str]:
        return list(self.node.accounts)

    def request(self, method: str, params: list[Any]) -> Any:
        response: Any = self.provider.make_request(RPCEndpoint(method), params)
        if "error" in response:
            error = response["error"]
            raise _RpcFailure(error["code"], error["message"], error.get("data"))
        return response["result"]

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except self._error_type as exc:
            raise _RpcFailure(SERVER_ERROR, str(exc)) from None

    def _evm_snapshot(self, params: list[Any]) -> str:
        return hex(self.node.snapshot())

    def _evm_revert(self, params: list[Any]) -> bool:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_revert takes one snapshot id")
        snap_id = _quantity(params[0], "the snapshot id")
        return bool(self.node.revert(snap_id, keep=False))  # single use, as on Hardhat

    def _evm_increase_time(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_increaseTime takes a number of seconds")
        seconds = _quantity(params[0], "the seconds")
        return str(self._call(lambda: self.node.increase_time(seconds)))

    def _evm_set_next_block_timestamp(self, params: list[Any]) -> str:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "evm_setNextBlockTimestamp takes a timestamp")
        timestamp = self._next_timestamp(params[0])
        self._call(lambda: self.node.set_next_timestamp(timestamp))
        return str(timestamp)

    def _evm_mine(self, params: list[Any]) -> str:
        timestamp = None
        if params and params[0] is not None:
            timestamp = self._next_timestamp(params[0])
        self._call(lambda: self.node.mine(1, timestamp))
        return "0x0"

    def _next_timestamp(self, value: Any) -> int:
        """The timestamp ``value`` asks for the next block, once it is after the latest one."""
        timestamp = _quantity(value, "the timestamp")
        latest = self.node.latest.timestamp
        if timestamp <= latest:
            raise _RpcFailure(
                SERVER_ERROR,
                f"the next block's timestamp {timestamp} must be after the latest block's "
                f"({latest})",
            )
        return timestamp
