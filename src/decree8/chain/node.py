"""``decree8 node``: the embedded chain served over HTTP JSON-RPC, like a small Hardhat node.

Requests (single or batched) are forwarded, one at a time under a lock, to an eth-tester chain
through web3's eth-tester middleware, and answered in JSON-RPC encoding (hex quantities). On top of
eth-tester it implements the development methods Hardhat has: ``evm_snapshot``, ``evm_revert``
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
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from web3 import Web3
from web3.types import RPCEndpoint

from decree8.chain.embedded import (
    RevertingTesterProvider,
    increase_next_timestamp,
    new_tester,
    set_next_block_timestamp,
)
from decree8.errors import ChainError, RpcUnavailable, UsageError

__all__ = [
    "NodeDispatcher",
    "NodeProcess",
    "NodeServer",
    "free_port",
    "main",
    "serve",
    "wait_for_rpc",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8545
MAX_BODY = 16 * 1024 * 1024

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_ERROR = -32000


def _to_json(value: Any) -> Any:
    """eth-tester's Python values in JSON-RPC encoding: quantities and bytes as 0x-hex."""
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {
            str(k): _bloom(v) if k == "logsBloom" and isinstance(v, int) else _to_json(v)
            for k, v in value.items()
        }
    if isinstance(value, Sequence):
        return [_to_json(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__} as JSON-RPC")


def _bloom(value: int) -> str:
    """eth-tester gives a block's logs bloom as an int; JSON-RPC has it as 256 bytes of data."""
    return "0x" + value.to_bytes(256, "big").hex()


def _quantity(value: Any, what: str) -> int:
    """A JSON-RPC quantity given as a number, a decimal string or 0x-hex."""
    if isinstance(value, bool):
        raise _RpcFailure(INVALID_PARAMS, f"{what} must be a number, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16) if value.startswith(("0x", "0X")) else int(value)
        except ValueError:
            pass
    raise _RpcFailure(INVALID_PARAMS, f"{what} must be a number, not {value!r}")


class _RpcFailure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NodeDispatcher:
    """Answers JSON-RPC request objects from an embedded chain, one request at a time."""

    def __init__(self, accounts: int = 10) -> None:
        self.tester = new_tester(accounts)
        self.provider = RevertingTesterProvider(self.tester)
        w3 = Web3(self.provider, middleware=[])
        # Only the provider's own middleware: eth-tester's request/result formatting.
        self._forward = self.provider.request_func(w3, w3.middleware_onion)
        self._lock = threading.Lock()
        self._snapshots: list[int] = []
        self._time_offset = 0
        self._methods: dict[str, Callable[[list[Any]], Any]] = {
            "evm_snapshot": self._evm_snapshot,
            "evm_revert": self._evm_revert,
            "evm_increaseTime": self._evm_increase_time,
            "evm_setNextBlockTimestamp": self._evm_set_next_block_timestamp,
            "evm_mine": self._evm_mine,
        }

    @property
    def chain_id(self) -> int:
        return int(self.tester.backend.chain.chain_id)

    @property
    def accounts(self) -> list[str]:
        return [Web3.to_checksum_address(a) for a in self.tester.get_accounts()]

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
        if not isinstance(params, list):
            return _error(request_id, INVALID_PARAMS, "params must be an array")
        try:
            with self._lock:
                custom = self._methods.get(method)
                if custom is not None:
                    result = custom(params)
                else:
                    if method == "eth_sendTransaction":
                        gas_error = self._fill_gas(params)
                        if gas_error is not None:
                            return {"jsonrpc": "2.0", "id": request_id, "error": gas_error}
                    response = self._forward(RPCEndpoint(method), params)
                    if "error" in response:
                        return {"jsonrpc": "2.0", "id": request_id, "error": response["error"]}
                    result = response.get("result")
                    if method in _BLOCK_METHODS and isinstance(result, dict):
                        result = self._standard_block(result)
            return {"jsonrpc": "2.0", "id": request_id, "result": _to_json(result)}
        except _RpcFailure as exc:
            return _error(request_id, exc.code, exc.message)
        except ChainError as exc:
            return _error(request_id, SERVER_ERROR, str(exc))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON-RPC error
            return _error(request_id, SERVER_ERROR, f"{type(exc).__name__}: {exc}")

    def _fill_gas(self, params: list[Any]) -> Any:
        """Gives a transaction sent without ``gas`` its estimate, as Hardhat does (eth-tester
        requires it); returns the estimate's JSON-RPC error instead when estimating fails."""
        if not params or not isinstance(params[0], dict) or params[0].get("gas") is not None:
            return None
        estimate = self._forward(RPCEndpoint("eth_estimateGas"), [params[0]])
        if "error" in estimate:
            return estimate["error"]
        params[0] = {**params[0], "gas": hex(int(estimate["result"]))}
        return None

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

    def _evm_snapshot(self, params: list[Any]) -> int:
        snap_id = int(self.tester.take_snapshot()) + 1  # Hardhat's ids start at 1
        self._snapshots.append(snap_id)
        return snap_id

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


_BLOCK_METHODS = {"eth_getBlockByNumber", "eth_getBlockByHash"}
_CAMEL = {
    "block_hash": "blockHash",
    "block_number": "blockNumber",
    "transaction_index": "transactionIndex",
    "chain_id": "chainId",
    "access_list": "accessList",
    "max_fee_per_gas": "maxFeePerGas",
    "max_priority_fee_per_gas": "maxPriorityFeePerGas",
    "gas_price": "gasPrice",
    "max_fee_per_blob_gas": "maxFeePerBlobGas",
    "blob_versioned_hashes": "blobVersionedHashes",
    "authorization_list": "authorizationList",
    "y_parity": "yParity",
}


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


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
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._send(200, _error(None, PARSE_ERROR, "the body is not JSON"))
            return
        self._send(200, self.server.dispatcher.handle(payload))

    def do_GET(self) -> None:  # noqa: N802
        self._send(405, _error(None, INVALID_REQUEST, "send JSON-RPC requests with POST"))

    def _send(self, status: int, answer: Any) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

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
            self.dispatcher = NodeDispatcher(accounts)
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
) -> None:
    """Serves an embedded chain over JSON-RPC until interrupted (Ctrl-C or SIGTERM).

    ``ready_callback`` is called with the listening server (its ``url``, ``dispatcher.accounts``)
    once requests can be made. Raises :class:`~decree8.errors.UsageError` for a non-loopback
    ``host`` unless ``allow_remote``, or when the port is taken.
    """
    server = NodeServer(host, port, accounts, allow_remote=allow_remote)
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


# -- running a node in a subprocess ---------------------------------------------------------------


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _answers(url: str, timeout: float) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "result" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def wait_for_rpc(
    url: str, timeout: float = 30, process: subprocess.Popen[Any] | None = None
) -> None:
    """Waits until a JSON-RPC node at ``url`` answers ``eth_chainId``.

    Raises :class:`~decree8.errors.RpcUnavailable` after ``timeout`` seconds, or as soon as
    ``process`` (the node, when we started it) has exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RpcUnavailable(f"the node for {url} exited with code {process.returncode}")
        if _answers(url, timeout=0.5):
            return
        if time.monotonic() >= deadline:
            raise RpcUnavailable(f"no JSON-RPC node answered at {url} within {timeout:g}s")
        time.sleep(0.05)


def _src_dir() -> Path:
    return Path(__file__).resolve().parents[2]


class NodeProcess:
    """``python -m decree8.chain.node`` in a subprocess, on a free loopback port by default.

    ``start()`` returns once the node answers; ``stop()`` ends that process by its pid (SIGTERM,
    then SIGKILL). Use it as a context manager. Its output goes to :attr:`log_path`.
    """

    def __init__(
        self,
        port: int | None = None,
        accounts: int = 10,
        host: str = DEFAULT_HOST,
        startup_timeout: float = 30,
        python: str = sys.executable,
    ) -> None:
        self.host = host
        self.port = port
        self.accounts = accounts
        self.startup_timeout = startup_timeout
        self.python = python
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise ChainError("the node has not been started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> NodeProcess:
        if self.process is not None:
            raise ChainError(f"the node is already running (pid {self.process.pid})")
        if self.port is None:
            self.port = free_port(self.host)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_src_dir()), env.get("PYTHONPATH", "")) if p
        )
        fd, log_name = tempfile.mkstemp(prefix="decree8-node-", suffix=".log")
        self.log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "decree8.chain.node",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                    "--accounts",
                    str(self.accounts),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            wait_for_rpc(self.url, self.startup_timeout, self.process)
        except RpcUnavailable:
            output = self.output()
            self.stop()
            raise RpcUnavailable(
                f"decree8 node did not start on {self.url}: {output.strip()[-300:] or 'no output'}"
            ) from None
        return self

    def output(self) -> str:
        """What the node printed so far."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 5) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout)
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def __enter__(self) -> NodeProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- python -m decree8.chain.node -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m decree8.chain.node",
        description="Serve an embedded decree8 chain (eth-tester) over HTTP JSON-RPC.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: any free one)")
    parser.add_argument("--accounts", type=int, default=10, help="funded, unlocked accounts")
    args = parser.parse_args(argv)

    def ready(server: NodeServer) -> None:
        accounts = server.dispatcher.accounts
        print(
            f"decree8 node listening on {server.url} (chain id {server.dispatcher.chain_id}, "
            f"{len(accounts)} unlocked accounts)",
            flush=True,
        )
        for account in accounts:
            print(f"  {account}", flush=True)

    try:
        serve(args.host, args.port, args.accounts, ready_callback=ready)
    except (UsageError, ChainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
