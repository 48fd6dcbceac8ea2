"""A chain behind a JSON-RPC development node over HTTP: Hardhat, ``decree8 node``, or alike.

Node control uses the ``evm_*`` methods Hardhat and ``decree8 node`` both implement
(``evm_snapshot``, ``evm_revert``, ``evm_setNextBlockTimestamp``, ``evm_mine``). Every HTTP request
is bounded by the chain's timeout and never retried, so a dead node fails fast with
:class:`~decree8.errors.RpcUnavailable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

from decree8.chain.interface import Chain
from decree8.errors import ChainError, RpcUnavailable

__all__ = ["RpcChain"]


class RpcChain(Chain):
    """A JSON-RPC node at ``url``; accounts are its ``eth_accounts`` (unlocked on dev nodes).

    Snapshots are the node's: on Hardhat and ``decree8 node`` a revert consumes its snapshot and
    every later one. Block timestamps follow the node's clock (Hardhat: wall clock plus any offset).
    """

    def __init__(self, url: str, timeout: float = 10) -> None:
        if timeout <= 0:
            raise ChainError(f"the JSON-RPC timeout must be positive, not {timeout}")
        self.url = url
        self.timeout = float(timeout)
        self._session = requests.Session()
        self.provider = HTTPProvider(
            url,
            request_kwargs={"timeout": self.timeout},
            session=self._session,
            exception_retry_configuration=None,
        )
        try:
            answer = self.provider.make_request(RPCEndpoint("eth_chainId"), [])
            int(str(answer["result"]), 16)
        except (requests.RequestException, ValueError, KeyError, TypeError):
            self._session.close()
            raise RpcUnavailable(
                f"no JSON-RPC node answered at {url} within {self.timeout:g}s: start one with "
                "`decree8 node` or check --rpc"
            ) from None
        super().__init__(Web3(self.provider))

    # -- node control ------------------------------------------------------------------------

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        """Sends one raw JSON-RPC request and returns its result; ChainError if the node refuses."""
        with self._guard():
            response = self.provider.make_request(RPCEndpoint(method), params or [])
        error = response.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, Mapping) else error
            raise ChainError(f"the node refused {method}: {message}")
        return response.get("result")

    def snapshot(self) -> int:
        result = self.request("evm_snapshot")
        return int(result, 16) if isinstance(result, str) else int(result)

    def revert(self, snap_id: int) -> None:
        if self.request("evm_revert", [hex(snap_id)]) is not True:
            raise ChainError(
                f"no snapshot {snap_id} to revert to (a revert uses up its snapshot and later ones)"
            )

    def time_travel(self, seconds: int) -> None:
        # evm_increaseTime moves an offset from the node's wall clock, which can trail the latest
        # block when blocks come faster than one a second: setting the next timestamp is exact.
        if seconds < 0:
            raise ChainError(f"time only moves forward: cannot travel {seconds}s")
        if seconds:
            self.set_next_timestamp(self.timestamp() + seconds)
        self.request("evm_mine")

    def set_next_timestamp(self, timestamp: int) -> None:
        latest = self.timestamp()
        if timestamp <= latest:
            raise ChainError(
                f"the next block's timestamp {timestamp} must be after the latest block's "
                f"({latest})"
            )
        self.request("evm_setNextBlockTimestamp", [timestamp])

    def mine(self, blocks: int = 1) -> None:
        if blocks < 0:
            raise ChainError(f"cannot mine {blocks} blocks")
        for _ in range(blocks):
            self.request("evm_mine")

    def close(self) -> None:
        self._session.close()

    def _translate(self, exc: Exception) -> None:
        if isinstance(exc, requests.Timeout):
            raise RpcUnavailable(
                f"the JSON-RPC node at {self.url} did not answer within {self.timeout:g}s"
            ) from exc
        if isinstance(exc, requests.RequestException):
            raise RpcUnavailable(
                f"lost the JSON-RPC node at {self.url}: {type(exc).__name__}"
            ) from exc
        super()._translate(exc)
