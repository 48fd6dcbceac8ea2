"""A chain behind a JSON-RPC development node over HTTP: Hardhat, ``decree8 node``, or alike.

Node control uses the ``evm_*`` methods Hardhat and ``decree8 node`` both implement
(``evm_snapshot``, ``evm_revert``, ``evm_setNextBlockTimestamp``, ``evm_mine``). Every HTTP request
is bounded by the chain's timeout and never retried, so a dead node fails fast with
:class:`~decree8.errors.RpcUnavailable`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests
from eth_utils import is_checksum_address
from web3 import HTTPProvider, Web3
from web3.types import BlockIdentifier, RPCEndpoint

from decree8.chain.devnode import DevNodeControl
from decree8.chain.errors import _from_error_data
from decree8.chain.interface import Chain
from decree8.errors import ChainError, Decree8Error, RpcUnavailable

__all__ = ["RpcChain"]

#: Transaction keys the fast ``eth_call`` understands; any other key goes through web3.
_FAST_KEYS = frozenset({"from", "to", "data", "value", "gas"})
_TAGS = frozenset({"latest", "pending", "earliest", "safe", "finalized"})
#: ``OffchainLookup(...)`` (EIP-3668): web3 follows it (CCIP read), so such calls go through web3.
_OFFCHAIN_LOOKUP = "0x556f1830"


class _NotFast(Exception):
    """A call the fast path leaves to web3."""


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
        #: web3 as the chain set it up: once someone adds a middleware (to watch or change what
        #: reaches the node) or swaps the provider, every call goes through web3 again; the
        #: middleware named in :meth:`transparent` (answers of other reads) do not count.
        self._lean_web3 = (self.provider, list(self.w3.middleware_onion.middleware))
        self._transparent: list[Any] = []
        self._checksummed: set[str] = set()
        self._ids = 0
        self._fast: requests.Session | None = None

    batches_requests = True

    def request_batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """As :meth:`Chain.request_batch`, sent in one HTTP request (the node answers in order);
        a node that does not take batches gets the calls one by one."""
        if not calls:
            return []
        try:
            answers = self.provider.make_batch_request(list(calls))  # type: ignore[arg-type]
        except requests.HTTPError:  # a node that refuses batches with an HTTP error status
            answers = None
        except requests.RequestException as exc:
            raise RpcUnavailable(
                f"lost the JSON-RPC node at {self.url}: {type(exc).__name__}"
            ) from exc
        except ValueError:  # not JSON, or not a batch answer
            answers = None
        if not isinstance(answers, list) or len(answers) != len(calls):
            return super().request_batch(calls)
        results: list[Any] = []
        for (method, _), answer in zip(calls, answers, strict=True):
            error = answer.get("error")
            if error is not None:
                message = error.get("message") if isinstance(error, Mapping) else error
                results.append(ChainError(f"the node refused {method}: {message}"))
            else:
                results.append(answer.get("result"))
        return results

    def transparent(self, middleware: Any) -> None:
        """Declares ``middleware`` (a class on this chain's web3) one that leaves ``eth_call``
        alone, so calls keep the fast path while it is installed."""
        self._transparent.append(middleware)

    # -- the fast eth_call -------------------------------------------------------------------

    def call(self, tx: Mapping[str, Any], block: BlockIdentifier = "latest") -> bytes:
        """As :meth:`Chain.call`, as one raw JSON-RPC request on the chain's HTTP session when
        web3 adds nothing to it (no middleware of the caller's, checksummed addresses, plain
        keys): web3's formatters and validators cost more than the node's answer. Anything else,
        and any error answer that is no revert with data, goes through web3, which explains it."""
        try:
            payload = self._call_payload(tx, block)
        except _NotFast:
            return super().call(tx, block)
        return self._result(self._post(payload), tx, block)

    def call_many(
        self, calls: Sequence[tuple[Mapping[str, Any], BlockIdentifier]]
    ) -> list[bytes | Exception]:
        """:meth:`call` of each ``(tx, block)``, in one JSON-RPC batch (one round trip) where the
        fast path takes them all; each answer is the return data or the decree8 error (a
        :class:`~decree8.errors.TransactionReverted`, a :class:`ChainError`) it raised. Losing
        the node raises :class:`~decree8.errors.RpcUnavailable`, as :meth:`call` does."""
        try:
            payloads = [self._call_payload(tx, block) for tx, block in calls]
        except _NotFast:
            payloads = []
        answers: Any = self._post(payloads) if len(payloads) > 1 else None
        if not isinstance(answers, list) or len(answers) != len(calls):
            answers = [None] * len(calls)  # no batch: each call on its own
        by_id = {a.get("id"): a for a in answers if isinstance(a, Mapping)}
        out: list[bytes | Exception] = []
        for i, (tx, block) in enumerate(calls):
            answer = by_id.get(payloads[i]["id"]) if payloads else None
            try:
                out.append(
                    self.call(tx, block) if answer is None else self._result(answer, tx, block)
                )
            except RpcUnavailable:
                raise
            except (ValueError, Decree8Error) as exc:
                out.append(exc)
        return out

    def _post(self, payload: Any) -> Any:
        """``payload`` posted to the node; its JSON answer (None when it is no JSON)."""
        with self._guard():
            response = self._fast_session().post(self.url, json=payload, timeout=self.timeout)
            response.raise_for_status()
        try:
            return response.json()
        except ValueError:
            return None

    def _result(self, answer: Any, tx: Mapping[str, Any], block: BlockIdentifier) -> bytes:
        """The return data in ``answer`` (a JSON-RPC answer to the fast ``eth_call`` of ``tx``);
        raises its revert; anything else is asked again through web3, which explains it."""
        if not isinstance(answer, Mapping):
            return super().call(tx, block)
        result = answer.get("result")
        if isinstance(result, str) and "error" not in answer:
            try:
                return bytes.fromhex(result[2:] if result[:2] in ("0x", "0X") else result)
            except ValueError:
                return super().call(tx, block)
        error = answer.get("error")
        if isinstance(error, Mapping):
            data = error.get("data")
            raw = data.get("data") if isinstance(data, Mapping) else data
            info = None if _is_offchain_lookup(raw) else _from_error_data(data)
            if info is not None:
                raise self._decoder.reverted(info.data, info.tx_hash) from None
        return super().call(tx, block)

    def _fast_session(self) -> requests.Session:
        """A session for the fast calls that reads the environment (proxies, certificates,
        netrc) once, not on every request as requests does: a process's environment does not
        change under it."""
        if self._fast is None:
            settings = self._session.merge_environment_settings(self.url, {}, None, None, None)
            fast = requests.Session()
            fast.trust_env = False
            fast.proxies = settings["proxies"]
            fast.verify = settings["verify"]
            fast.auth = requests.utils.get_netrc_auth(self.url)
            self._fast = fast
        return self._fast

    def _call_payload(self, tx: Mapping[str, Any], block: BlockIdentifier) -> dict[str, Any]:
        if not _FAST_KEYS.issuperset(tx) or not self._web3_untouched():
            raise _NotFast
        params: dict[str, Any] = {"from": self._address(tx.get("from", self.accounts[0]))}
        if tx.get("to") is not None:
            params["to"] = self._address(tx["to"])
        data = tx.get("data")
        if isinstance(data, bytes | bytearray):
            params["data"] = "0x" + bytes(data).hex()
        elif isinstance(data, str) and data[:2] == "0x":
            params["data"] = data
        elif data is not None:
            raise _NotFast
        for key in ("gas", "value"):
            quantity = tx.get(key)
            if quantity is not None:
                if type(quantity) is not int or quantity < 0:
                    raise _NotFast
                params[key] = hex(quantity)
        if type(block) is int and block >= 0:
            at: str = hex(block)
        elif isinstance(block, str) and block in _TAGS:
            at = block
        else:
            raise _NotFast
        self._ids += 1
        return {"jsonrpc": "2.0", "id": self._ids, "method": "eth_call", "params": [params, at]}

    def _address(self, value: Any) -> str:
        if not isinstance(value, str):
            raise _NotFast
        if value not in self._checksummed:
            if not is_checksum_address(value):
                raise _NotFast
            self._checksummed.add(value)
        return value

    def _web3_untouched(self) -> bool:
        provider, lean = self._lean_web3
        if self.w3.provider is not provider:
            return False
        now = self.w3.middleware_onion.middleware
        if self._transparent:
            now = [m for m in now if m[0] not in self._transparent]  # (middleware, name)
        return bool(now == lean)

    # -- node control ------------------------------------------------------------------------

    def close(self) -> None:
        self._session.close()
        if self._fast is not None:
            self._fast.close()

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


def _is_offchain_lookup(raw: Any) -> bool:
    return isinstance(raw, str) and raw[:10].lower() == _OFFCHAIN_LOOKUP
