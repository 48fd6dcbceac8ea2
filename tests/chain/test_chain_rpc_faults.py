"""A JSON-RPC node that is missing or stops answering fails fast, with one clear line."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from decree8.chain import Chain
from decree8.chain.node import free_port
from decree8.errors import RpcUnavailable

ACCOUNT = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"


def test_rpc_to_a_closed_port_raises_rpc_unavailable_quickly() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()

    with pytest.raises(RpcUnavailable) as caught:
        Chain.rpc(url, timeout=2)

    assert time.monotonic() - started < 3
    assert str(caught.value) == (
        f"no JSON-RPC node answered at {url} within 2s: "
        "start one with `decree8 node` or check --rpc"
    )


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers; yields its URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


def test_rpc_to_a_node_that_never_answers_times_out(silent_server: str) -> None:
    started = time.monotonic()

    with pytest.raises(RpcUnavailable, match=r"within 0\.5s: start one with `decree8 node`"):
        Chain.rpc(silent_server, timeout=0.5)

    assert time.monotonic() - started < 2.5


class _HangingNode(BaseHTTPRequestHandler):
    """Answers what opening a chain needs, then hangs on every other method until released."""

    release: threading.Event
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answers: dict[str, Any] = {"eth_chainId": "0x7a69", "eth_accounts": [ACCOUNT]}
        if request["method"] not in answers:
            self.release.wait(10)
            return
        body = json.dumps(
            {"jsonrpc": "2.0", "id": request["id"], "result": answers[request["method"]]}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def hanging_node() -> Iterator[str]:
    release = threading.Event()
    handler = type("Handler", (_HangingNode,), {"release": release})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_request_the_node_stops_answering_raises_rpc_unavailable(hanging_node: str) -> None:
    chain = Chain.rpc(hanging_node, timeout=0.5)
    assert chain.chain_id == 31337
    assert chain.accounts == [ACCOUNT]
    started = time.monotonic()

    with pytest.raises(RpcUnavailable, match=r"did not answer within 0\.5s"):
        chain.transact({"to": ACCOUNT, "value": 1}, gas=21_000)

    assert time.monotonic() - started < 2.5
    with pytest.raises(RpcUnavailable):
        chain.snapshot()
    chain.close()
