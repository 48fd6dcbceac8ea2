"""``decree8 node``: an in-process chain served over HTTP JSON-RPC, like a small Hardhat node.

Requests (single or batched) are answered one at a time under a lock, by an eth-tester chain
(through web3's eth-tester middleware; the default) or by the fast chain (``--chain revm``,
:class:`~decree8.revm.RevmProvider`), in JSON-RPC encoding (hex quantities). Both answer the
standard methods as Hardhat does, so that ethers, viem and web3 clients work unchanged: receipts
with ``logsBloom`` and ``"to": null`` for a creation, ``eth_feeHistory`` with rewards,
``eth_getLogs`` by ``blockHash``, ``eth_sign``/``personal_sign``/``eth_signTypedData_v4`` for the
node's accounts, replay protection for raw transactions, geth's wording for refused ones. A body
nesting JSON deeper than :data:`MAX_JSON_DEPTH` is refused before it is parsed. On top of the
chain it implements the development methods Hardhat has: ``evm_snapshot``, ``evm_revert``
(single-use snapshots, as on Hardhat), ``evm_increaseTime``, ``evm_setNextBlockTimestamp`` and
``evm_mine``. Reverts are errors carrying their data, ``{"code": 3, "message": "execution
reverted", "data": "0x..."}``, as geth and Hardhat send them. The accounts are unlocked and there
is no authentication, so it binds to loopback addresses only unless told otherwise.

``python -m decree8.chain.node --port 8545`` runs it; :class:`NodeProcess` runs that as a
subprocess for tests and the CLI.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from decree8.chain.jsonrpc import (
    _RECEIPT_FIELDS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    INVALID_PARAMS,
    INVALID_REQUEST,
    MAX_BODY,
    MAX_JSON_DEPTH,
    PARSE_ERROR,
    SERVER_ERROR,
    _account_keys,
    _error,
    _hex_data,
    _logs_bloom,
    _next_base_fee,
    _quantity,
    _raw_chain_id,
    _RpcFailure,
    _standard_log,
    json_depth_exceeds,
)
from decree8.chain.nodechains import _EmbeddedBackend, _RevmBackend
from decree8.chain.nodeprocess import NodeProcess, free_port, wait_for_rpc
from decree8.errors import ChainError, UsageError

__all__ = [
    "NodeDispatcher",
    "NodeProcess",
    "NodeServer",
    "free_port",
    "main",
    "serve",
    "wait_for_rpc",
]


CHAINS = ("embedded", "revm")


class NodeDispatcher:
    """Answers JSON-RPC request objects from an in-process chain, one request at a time.

    ``chain`` is ``"embedded"`` (eth-tester) or ``"revm"`` (the fast chain). Both answer the
    standard methods the way Hardhat does (field names, null vs empty, error codes and wording
    that clients such as ethers and viem classify), plus the development methods ``evm_*`` and
    signing for the node's own accounts.
    """

    def __init__(self, accounts: int = 10, chain: str = "embedded") -> None:
        if chain not in CHAINS:
            raise UsageError(f"unknown chain {chain!r}: use one of {', '.join(CHAINS)}")
        self.backend: _EmbeddedBackend | _RevmBackend = (
            _RevmBackend(accounts) if chain == "revm" else _EmbeddedBackend(accounts)
        )
        self.chain = chain
        self._lock = threading.Lock()
        self._keys = _account_keys(self.backend.accounts)
        self._methods: dict[str, Callable[[list[Any]], Any]] = {
            **self.backend.methods,
            "net_version": lambda p: str(self.chain_id),
            "net_listening": lambda p: True,
            "eth_gasPrice": self._gas_price,
            "eth_feeHistory": self._fee_history,
            "eth_getLogs": self._get_logs,
            "eth_getTransactionReceipt": self._get_receipt,
            "eth_sendRawTransaction": self._send_raw_transaction,
            "eth_sign": self._eth_sign,
            "personal_sign": self._personal_sign,
            "eth_signTypedData_v4": self._sign_typed_data,
        }

    @property
    def chain_id(self) -> int:
        return self.backend.chain_id

    @property
    def accounts(self) -> list[str]:
        return self.backend.accounts

    def handle(self, payload: Any) -> Any:
        """The response to a request object, or the list of responses to a batch."""
        if isinstance(payload, list):
            if not payload:
                return _error(None, INVALID_REQUEST, "empty batch")
            return [self.handle_one(item) for item in payload]
        return self.handle_one(payload)

    def handle_one(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return _error(None, INVALID_REQUEST, "a request is an object with a method")
        request_id = request.get("id")
        method: str = request["method"]
        params = request.get("params", [])
        if params is None:
            params = []
        if not isinstance(params, list):
            return _error(request_id, INVALID_PARAMS, "params must be an array")
        try:
            with self._lock:
                custom = self._methods.get(method)
                result = custom(params) if custom is not None else self._forward(method, params)
            return {"jsonrpc": "2.0", "id": request_id, "result": result}
        except _RpcFailure as exc:
            return _error(request_id, exc.code, exc.message, exc.data)
        except ChainError as exc:
            return _error(request_id, SERVER_ERROR, str(exc))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON-RPC error
            return _error(request_id, SERVER_ERROR, f"{type(exc).__name__}: {exc}")

    def _forward(self, method: str, params: list[Any]) -> Any:
        return self.backend.request(method, params)

    # -- standard methods, answered the same way on both backends --------------------------------

    def _priority_fee(self) -> int:
        return _quantity(self._forward("eth_maxPriorityFeePerGas", []), "priority fee")

    def _gas_price(self, params: list[Any]) -> str:
        """The next block's base fee plus the suggested tip (what a legacy transaction must pay
        to be mined), as Hardhat answers."""
        latest = self._forward("eth_getBlockByNumber", ["latest", False])
        return hex(_next_base_fee(latest) + self._priority_fee())

    def _fee_history(self, params: list[Any]) -> dict[str, Any]:
        """``eth_feeHistory(count, newestBlock, percentiles)``: base fees of the blocks and of the
        one after (N+1), gas used ratios, and per block the tips paid at each percentile of gas."""
        if len(params) < 2:
            raise _RpcFailure(
                INVALID_PARAMS,
                "eth_feeHistory takes a block count, the newest block and "
                "optionally reward percentiles",
            )
        count = _quantity(params[0], "the block count")
        if not 1 <= count <= 1024:
            raise _RpcFailure(INVALID_PARAMS, f"the block count must be 1 to 1024, not {count}")
        percentiles = params[2] if len(params) > 2 and params[2] is not None else []
        if (
            not isinstance(percentiles, list)
            or not all(
                isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p <= 100
                for p in percentiles
            )
            or percentiles != sorted(percentiles)
        ):
            raise _RpcFailure(
                INVALID_PARAMS, "reward percentiles must be increasing numbers from 0 to 100"
            )
        head = _quantity(self._forward("eth_blockNumber", []), "block number")
        newest = self._block_number(params[1], head)
        if newest > head:
            raise _RpcFailure(INVALID_PARAMS, f"block {newest} does not exist (latest is {head})")
        oldest = max(0, newest - count + 1)
        base_fees: list[str] = []
        ratios: list[float] = []
        rewards: list[list[str]] = []
        block: dict[str, Any] = {}
        for number in range(oldest, newest + 1):
            block = self._forward("eth_getBlockByNumber", [hex(number), True])
            base = int(block.get("baseFeePerGas") or "0x0", 16)
            base_fees.append(hex(base))
            limit = int(block["gasLimit"], 16)
            ratios.append(int(block["gasUsed"], 16) / limit if limit else 0.0)
            if percentiles:
                rewards.append([hex(r) for r in self._rewards(block, base, percentiles)])
        base_fees.append(hex(_next_base_fee(block)))
        answer: dict[str, Any] = {
            "oldestBlock": hex(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
        }
        if percentiles:
            answer["reward"] = rewards
        return answer

    def _rewards(self, block: dict[str, Any], base: int, percentiles: list[float]) -> list[int]:
        """The tip per gas at each percentile of the block's gas, transactions sorted by tip."""
        paid: list[tuple[int, int]] = []
        for tx in block.get("transactions", []):
            receipt = self._forward("eth_getTransactionReceipt", [tx["hash"]])
            price = int(receipt.get("effectiveGasPrice") or tx.get("gasPrice") or "0x0", 16)
            paid.append((max(0, price - base), int(receipt["gasUsed"], 16)))
        if not paid:
            return [0] * len(percentiles)
        paid.sort()
        total = sum(gas for _, gas in paid)
        answer = []
        for percentile in percentiles:
            threshold = total * percentile / 100
            spent, index = 0, 0
            for index, (_, gas) in enumerate(paid):  # noqa: B007 - the index is the answer
                spent += gas
                if spent >= threshold:
                    break
            answer.append(paid[index][0])
        return answer

    def _block_number(self, tag: Any, head: int) -> int:
        if tag in ("latest", "pending", "safe", "finalized"):
            return head
        if tag == "earliest":
            return 0
        return _quantity(tag, "the block")

    def _get_logs(self, params: list[Any]) -> list[Any]:
        """``eth_getLogs``, with a ``blockHash`` filter on both backends."""
        if len(params) != 1 or not isinstance(params[0], dict):
            raise _RpcFailure(INVALID_PARAMS, "eth_getLogs takes one filter object")
        query = dict(params[0])
        block_hash = query.pop("blockHash", None)
        if block_hash is not None:
            if "fromBlock" in query or "toBlock" in query:
                raise _RpcFailure(
                    INVALID_PARAMS, "a filter has either blockHash or fromBlock/toBlock, not both"
                )
            block = self._forward("eth_getBlockByHash", [block_hash, False])
            if block is None:
                raise _RpcFailure(SERVER_ERROR, f"unknown block {block_hash}")
            query["fromBlock"] = query["toBlock"] = block["number"]
        logs = self._forward("eth_getLogs", [query])
        return [_standard_log(log) for log in logs]

    def _get_receipt(self, params: list[Any]) -> dict[str, Any] | None:
        receipt = self._forward("eth_getTransactionReceipt", params)
        if receipt is None:
            return None
        logs = [_standard_log(log) for log in receipt.get("logs", [])]
        out = {k: v for k, v in receipt.items() if k in _RECEIPT_FIELDS}
        out["to"] = receipt.get("to") or None
        out["contractAddress"] = receipt.get("contractAddress") or None
        out["logs"] = logs
        out["logsBloom"] = _logs_bloom(logs)
        return out

    def _send_raw_transaction(self, params: list[Any]) -> Any:
        if len(params) != 1:
            raise _RpcFailure(INVALID_PARAMS, "eth_sendRawTransaction takes the signed transaction")
        chain_id = _raw_chain_id(_hex_data(params[0], "the signed transaction"))
        if chain_id is not None and chain_id != self.chain_id:
            raise _RpcFailure(
                SERVER_ERROR,
                f"invalid chain id for signer: the transaction is signed for chain {chain_id}, "
                f"this chain is {self.chain_id}",
            )
        return self._forward("eth_sendRawTransaction", params)

    # -- signing with the node's accounts --------------------------------------------------------

    def _key(self, address: Any) -> bytes:
        if not isinstance(address, str):
            raise _RpcFailure(INVALID_PARAMS, f"an account address is a 0x-hex string: {address!r}")
        key = self._keys.get(address.lower())
        if key is None:
            raise _RpcFailure(
                SERVER_ERROR, f"unknown account {address}: the node signs for its own accounts only"
            )
        return key

    def _sign_message(self, address: Any, data: Any) -> str:
        from eth_account import Account
        from eth_account.messages import encode_defunct

        message = encode_defunct(primitive=_hex_data(data, "the message"))
        return "0x" + bytes(Account.sign_message(message, self._key(address)).signature).hex()

    def _personal_sign(self, params: list[Any]) -> str:
        if len(params) < 2:
            raise _RpcFailure(INVALID_PARAMS, "personal_sign takes the message and the account")
        return self._sign_message(params[1], params[0])

    def _eth_sign(self, params: list[Any]) -> str:
        if len(params) != 2:
            raise _RpcFailure(INVALID_PARAMS, "eth_sign takes the account and the message")
        return self._sign_message(params[0], params[1])

    def _sign_typed_data(self, params: list[Any]) -> str:
        from eth_account import Account

        if len(params) != 2:
            raise _RpcFailure(INVALID_PARAMS, "eth_signTypedData_v4 takes the account and the data")
        key = self._key(params[0])
        typed = params[1]
        if isinstance(typed, str):
            try:
                typed = json.loads(typed)
            except json.JSONDecodeError:
                raise _RpcFailure(INVALID_PARAMS, "the typed data is not JSON") from None
        if not isinstance(typed, dict):
            raise _RpcFailure(INVALID_PARAMS, "the typed data is a JSON object")
        try:
            signed = Account.sign_typed_data(key, full_message=typed)
        except Exception as exc:  # noqa: BLE001 - malformed typed data, whatever eth-account says
            raise _RpcFailure(INVALID_PARAMS, f"invalid typed data: {exc}") from None
        return "0x" + bytes(signed.signature).hex()


class _Handler(BaseHTTPRequestHandler):
    server: NodeServer
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse one connection
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(
                413,
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {"code": INVALID_REQUEST, "message": "bad length"},
                },
            )
            return
        body = self.rfile.read(length)
        if json_depth_exceeds(body, MAX_JSON_DEPTH):
            self._send(
                200,
                _error(
                    None,
                    INVALID_REQUEST,
                    f"the request nests JSON deeper than {MAX_JSON_DEPTH} levels",
                ),
            )
            return
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._send(200, _error(None, PARSE_ERROR, "the body is not JSON"))
            return
        self._send(200, self.server.dispatcher.handle(payload))

    def do_GET(self) -> None:  # noqa: N802
        self._send(405, _error(None, INVALID_REQUEST, "send JSON-RPC requests with POST"))

    def _send(self, status: int, answer: Any) -> None:
        """The status line, two headers and the body in one write (one packet for small
        answers: with keep-alive, the write count is what bounds a client's request rate)."""
        data = json.dumps(answer, separators=(",", ":")).encode()
        head = (
            f"{self.protocol_version} {status} {self.responses[status][0]}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass


class NodeServer(ThreadingHTTPServer):
    """The HTTP server of ``decree8 node``; ``port=0`` picks a free port (see :attr:`url`)."""

    daemon_threads = True

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        accounts: int = 10,
        allow_remote: bool = False,
        chain: str = "embedded",
    ) -> None:
        if not allow_remote and not _is_loopback(host):
            raise UsageError(
                f"refusing to serve on {host}: the node's accounts are unlocked and it has no "
                "authentication; use 127.0.0.1 (or allow remote access explicitly)"
            )
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            super().__init__((host, port), _Handler)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        try:
            self.dispatcher = NodeDispatcher(accounts, chain)
        except BaseException:
            self.server_close()
            raise

    @property
    def url(self) -> str:
        address = self.server_address
        host = address[0] if isinstance(address[0], str) else address[0].decode()
        port = address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    accounts: int = 10,
    ready_callback: Callable[[NodeServer], None] | None = None,
    allow_remote: bool = False,
    chain: str = "embedded",
) -> None:
    """Serves an in-process chain (``chain``: ``"embedded"``, eth-tester, or ``"revm"``, the fast
    chain) over JSON-RPC until interrupted (Ctrl-C or SIGTERM).

    ``ready_callback`` is called with the listening server (its ``url``, ``dispatcher.accounts``)
    once requests can be made. Raises :class:`~decree8.errors.UsageError` for a non-loopback
    ``host`` unless ``allow_remote``, or when the port is taken.
    """
    server = NodeServer(host, port, accounts, allow_remote=allow_remote, chain=chain)
    previous = signal.getsignal(signal.SIGTERM)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if ready_callback is not None:
            ready_callback(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# -- python -m decree8.chain.node -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m decree8.chain.node",
        description="Serve an in-process decree8 chain over HTTP JSON-RPC.",
    )
    parser.add_argument(
        "--chain", choices=CHAINS, default="embedded", help="embedded (eth-tester) or revm (fast)"
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: any free one)")
    parser.add_argument("--accounts", type=int, default=10, help="funded, unlocked accounts")
    args = parser.parse_args(argv)

    def ready(server: NodeServer) -> None:
        accounts = server.dispatcher.accounts
        print(
            f"decree8 node listening on {server.url} ({args.chain} chain, "
            f"chain id {server.dispatcher.chain_id}, "
            f"{len(accounts)} unlocked accounts)",
            flush=True,
        )
        for account in accounts:
            print(f"  {account}", flush=True)

    try:
        serve(args.host, args.port, args.accounts, ready_callback=ready, chain=args.chain)
    except (UsageError, ChainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
