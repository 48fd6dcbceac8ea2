"""A chain behind a JSON-RPC development node over HTTP: Hardhat, ``decree8 node``, or alike.

Node control uses the ``evm_*`` methods Hardhat and ``decree8 node`` both implement
(``evm_snapshot``, ``evm_revert``, ``evm_setNextBlockTimestamp``, ``evm_mine``). Every HTTP request
is bounded by the chain's timeout and never retried, so a dead node fails fast with
:class:`~decree8.errors.RpcUnavailable`.
"""

from __future__ import annotations

import requests
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

from decree8.chain.devnode import DevNodeControl
from decree8.chain.interface import Chain
from decree8.errors import ChainError, RpcUnavailable

__all__ = ["RpcChain"]


class RpcChain(DevNodeControl, Chain):
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
