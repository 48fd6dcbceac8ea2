"""The :class:`Chain` every layer above codes against, whatever node is underneath.

A chain is web3 plus what tests and audits need from a development node: funded unlocked accounts,
one decoded :class:`~decree8.errors.TransactionReverted` for every kind of revert, snapshots, time
travel and mining. :meth:`Chain.embedded` runs eth-tester (py-evm) in this process;
:meth:`Chain.rpc` talks to any JSON-RPC development node (Hardhat, ``decree8 node``).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Protocol

from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, Web3Exception, Web3RPCError
from web3.middleware.base import Web3Middleware
from web3.types import RPCEndpoint, RPCResponse

from decree8.chain.errors import RevertDecoder, revert_info
from decree8.chain.replay import mined_revert
from decree8.closing import Closing
from decree8.errors import ChainError, TransactionReverted

if TYPE_CHECKING:
    from web3.types import BlockIdentifier, LogReceipt, TxReceipt

    from decree8.chain.blockstore import BlockStore


__all__ = ["Chain", "chain_id_cache"]

RECEIPT_TIMEOUT = 30.0

#: Observers of every transaction mined through :meth:`Chain.transact`, called with the chain,
#: the parameters sent and the receipt (failed ones too). The pytest plugin's gas report
#: (:mod:`decree8.testing.gas`) is one; an observer must not raise.
TRANSACT_OBSERVERS: list[Callable[[Chain, Mapping[str, Any], Any], None]] = []


def chain_id_cache(chain_id: int) -> type[Web3Middleware]:
    """A middleware class that answers ``eth_chainId`` with ``chain_id`` without asking the node.

    web3's default validation middleware asks the node for the chain id before every transaction,
    call and gas estimate (twice for a ``send_transaction`` that estimates its gas); a development
    node's id does not change, so it is asked once, when the chain is opened.
    """
    answer = hex(chain_id)

    class ChainIdCache(Web3Middleware):
        def wrap_make_request(
            self, make_request: Callable[[RPCEndpoint, Any], RPCResponse]
        ) -> Callable[[RPCEndpoint, Any], RPCResponse]:
            def middleware(method: RPCEndpoint, params: Any) -> RPCResponse:
                if method == "eth_chainId":
                    return {"jsonrpc": "2.0", "id": 0, "result": answer}
                return make_request(method, params)

            return middleware

    return ChainIdCache


class _Open(Protocol):
    def __call__(
        self, spec: str | None = None, *, accounts: int = 10, timestamp: int | None = None
    ) -> Chain: ...


class _InProcess(Protocol):
    def __call__(self, accounts: int = 10, **options: Any) -> Chain: ...


class _Rpc(Protocol):
    def __call__(self, url: str, timeout: float = 10) -> Chain: ...


class Chain(Closing, abc.ABC):
    """A chain with funded, unlocked accounts; see ``docs/internals.md`` (section Chain).

    Snapshots are single-use on every backend, as on Hardhat: :meth:`revert` consumes its snapshot
    and every later one, so take a new snapshot after reverting. Reverting restores state, balances,
    block number and the next block's timestamp.
    """

    w3: Web3
    chain_id: int
    accounts: list[str]
    #: How refusals name the node: "the node refused evm_revert: ...".
    node_name = "the node"

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self._decoder = RevertDecoder()
        with self._guard():
            self.chain_id = int(w3.eth.chain_id)
            w3.middleware_onion.inject(chain_id_cache(self.chain_id), "chain_id_cache", layer=0)
            self.accounts = [Web3.to_checksum_address(a) for a in w3.eth.accounts]
        if not self.accounts:
            raise ChainError("the node has no unlocked accounts to send transactions from")

    # -- construction ------------------------------------------------------------------------
    # Set by decree8.chain.factory, which knows the backends (this module does not import them):
    # Chain.open(spec), Chain.embedded(), Chain.revm(), Chain.rpc(url), Chain.default().
    open: ClassVar[_Open]
    embedded: ClassVar[_InProcess]
    revm: ClassVar[_InProcess]
    rpc: ClassVar[_Rpc]
    default: ClassVar[_InProcess]

    #: The in-process chains :meth:`open` knows by name.
    KINDS = ("embedded", "revm", "default")

    # -- state -------------------------------------------------------------------------------

    @property
    def block_number(self) -> int:
        """The number of the latest mined block."""
        with self._guard():
            return int(self.w3.eth.block_number)

    def timestamp(self) -> int:
        """The timestamp of the latest mined block."""
        with self._guard():
            return int(self.w3.eth.get_block("latest")["timestamp"])

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        """Sends one raw JSON-RPC request to the provider and returns its result; ChainError if
        the node refuses it."""
        with self._guard():
            response = self.w3.provider.make_request(RPCEndpoint(method), params or [])
        error = response.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, Mapping) else error
            raise ChainError(f"{self.node_name} refused {method}: {message}")
        return response.get("result")

    #: Whether :meth:`request_batch` sends its requests in one round trip (a JSON-RPC node over
    #: HTTP); elsewhere they go one by one, which costs an in-process chain nothing.
    batches_requests = False

    def request_batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """The results of the JSON-RPC ``calls`` (``(method, params)``), in order; a call the
        node refused is a :class:`ChainError` in its place. Here one by one (see
        :attr:`batches_requests`)."""
        out: list[Any] = []
        for method, params in calls:
            try:
                out.append(self.request(method, params))
            except ChainError as exc:
                out.append(exc)
        return out

    def block_store(self, include_failed: bool = True) -> BlockStore | None:
        """Direct reads of the chain's own block database (logs, block times, transactions),
        faster than its JSON-RPC answers; ``None`` when the chain has none (a node, revm)."""
        return None

    def register_abi(self, abi: Iterable[Mapping[str, Any]]) -> None:
        """Teaches the revert decoder the custom errors declared in ``abi``."""
        self._decoder.register_abi(abi)

    def decode_revert(self, data: bytes, tx_hash: str | None = None) -> TransactionReverted:
        """The :class:`TransactionReverted` that revert ``data`` stands for (not raised)."""
        return self._decoder.reverted(data, tx_hash)

    # -- transactions ------------------------------------------------------------------------

    def transact(self, tx: Mapping[str, Any], gas: int | None = None) -> TxReceipt:
        """Sends ``tx`` from an unlocked account (``from`` defaults to the first account), waits for
        it to be mined and returns the receipt.

        With ``gas`` (or a ``gas`` key in ``tx``) no estimate is made; a reverting transaction is
        then mined with status 0 (or refused by Hardhat) and replayed as a call at its block's
        parent state to recover the revert data. Raises :class:`TransactionReverted`, decoded.
        """
        params = self._tx_params(tx)
        if gas is not None:
            params["gas"] = gas
        with self._guard():
            try:
                tx_hash = self.w3.eth.send_transaction(params)  # type: ignore[arg-type]
            except (ContractLogicError, Web3RPCError) as exc:
                self._raise_if_revert(exc)
                raise
            try:
                receipt = self.w3.eth.wait_for_transaction_receipt(
                    tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.05
                )
            except TimeExhausted:
                raise ChainError(
                    f"transaction 0x{bytes(tx_hash).hex()} was not mined within "
                    f"{RECEIPT_TIMEOUT:g}s (is the node mining?)"
                ) from None
            for observe in TRANSACT_OBSERVERS:
                observe(self, params, receipt)
            if receipt["status"] == 0:
                raise self._replay_revert(params, receipt)
            return receipt

    def call(self, tx: Mapping[str, Any], block: BlockIdentifier = "latest") -> bytes:
        """Runs ``tx`` as an ``eth_call`` at ``block`` and returns the raw return data.

        Raises :class:`TransactionReverted`, decoded.
        """
        params = self._tx_params(tx)
        with self._guard():
            try:
                return bytes(self.w3.eth.call(params, block))  # type: ignore[arg-type]
            except (ContractLogicError, Web3RPCError) as exc:
                self._raise_if_revert(exc)
                raise

    def get_logs(
        self,
        address: str | Sequence[str] | None = None,
        from_block: BlockIdentifier = 0,
        to_block: BlockIdentifier = "latest",
        topics: Sequence[Any] | None = None,
    ) -> list[LogReceipt]:
        """The logs matching the filter, as one ``eth_getLogs`` request."""
        flt: dict[str, Any] = {"fromBlock": from_block, "toBlock": to_block}
        if address is not None:
            flt["address"] = address
        if topics is not None:
            flt["topics"] = list(topics)
        with self._guard():
            return list(self.w3.eth.get_logs(flt))  # type: ignore[arg-type]

    # -- node control (per backend) ------------------------------------------------------------

    @abc.abstractmethod
    def snapshot(self) -> int:
        """Records the current state; returns an id for :meth:`revert`."""

    @abc.abstractmethod
    def revert(self, snap_id: int) -> None:
        """Returns to snapshot ``snap_id`` (state, balances, block number, timestamps) and forgets
        that snapshot and every later one. Raises :class:`ChainError` for an unknown id."""

    @contextmanager
    def reverting(self) -> Iterator[Chain]:
        """Takes a snapshot, yields the chain and reverts to that snapshot on leaving, whatever
        happened inside (a test's isolation: ``with chain.reverting(): ...``)."""
        snap = self.snapshot()
        try:
            yield self
        finally:
            self.revert(snap)

    @abc.abstractmethod
    def time_travel(self, seconds: int) -> None:
        """Mines one block whose timestamp is the latest block's plus ``seconds``; later blocks
        follow on from it."""

    @abc.abstractmethod
    def set_next_timestamp(self, timestamp: int) -> None:
        """Makes the next mined block have ``timestamp`` (later than the latest block's); mines
        nothing."""

    @abc.abstractmethod
    def mine(self, blocks: int = 1) -> None:
        """Mines ``blocks`` empty blocks."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Releases what the chain holds (connections); the chain is unusable afterwards."""

    # -- helpers -----------------------------------------------------------------------------

    def _tx_params(self, tx: Mapping[str, Any]) -> dict[str, Any]:
        params = dict(tx)
        params.setdefault("from", self.accounts[0])
        return params

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turns transport failures into :class:`~decree8.errors.RpcUnavailable` (per backend) and
        any other web3 failure into a one-line :class:`ChainError`."""
        try:
            yield
        except (ChainError, TransactionReverted):
            raise
        except Exception as exc:
            self._translate(exc)
            raise

    def _translate(self, exc: Exception) -> None:
        """Raises the decree8 error for ``exc``; returns when ``exc`` is not one it knows."""
        if isinstance(exc, Web3RPCError):
            error = (exc.rpc_response or {}).get("error")
            message = error.get("message") if isinstance(error, Mapping) else str(exc)
            raise ChainError(f"the node refused the request: {message}") from exc
        if isinstance(exc, Web3Exception):
            raise ChainError(f"web3 failed: {exc}") from exc

    def _raise_if_revert(self, exc: BaseException) -> None:
        info = revert_info(exc)
        if info is None:
            return
        raise self._decoder.reverted(info.data, info.tx_hash) from None

    def _replay_revert(self, params: dict[str, Any], receipt: TxReceipt) -> NoReturn:
        """Recovers the revert of a mined status-0 transaction in its own block's context (see
        :func:`decree8.chain.replay.mined_revert`), not by a replay on the parent block, which
        may not fail the way the transaction did."""
        tx = {
            "from": params["from"],
            "to": params.get("to"),
            "input": params.get("data") or "0x",
            "gas": params.get("gas") or receipt["gasUsed"],
            "value": params.get("value") or 0,
        }
        raise mined_revert(self, tx, receipt).error
