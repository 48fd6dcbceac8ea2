"""Log reading: chunked eth_getLogs against a node stub that refuses big ranges, the embedded
block walker against eth_getLogs, and decoding by ABI."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from decree8.chain import Chain
from decree8.chain.node import free_port
from decree8.errors import ChainError
from decree8.history import ChunkedLogReader, EmbeddedLogSource, EventDecoder, RpcLogSource
from support import EMBEDDED, PURPOSE_GIFT, TOKEN_TERMS_URI, System

#: The walker under test reads eth-tester's blocks: the embedded chain only (the log sources of
#: the other backends are the audit suite's, run on every backend).
BACKENDS = (EMBEDDED,)

TOKEN = "0x" + "ab" * 20
TOPIC = "0x" + "cd" * 32


class StubNode:
    """A JSON-RPC node that has one log per block and refuses ``eth_getLogs`` over more than
    ``limit`` blocks (as public nodes do), or stalls past the client's timeout on such ranges."""

    def __init__(self, limit: int, head: int, stall: float = 0.0) -> None:
        self.limit, self.head, self.stall = limit, head, stall
        self.ranges: list[tuple[int, int, bool]] = []  # (from, to, answered)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                reply = json.dumps(stub.answer(body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        method, params = body["method"], body.get("params", [])
        out: dict[str, Any] = {"jsonrpc": "2.0", "id": body["id"]}
        if method == "eth_chainId":
            out["result"] = "0x539"
        elif method == "eth_accounts":
            out["result"] = ["0x" + "11" * 20]
        elif method == "eth_blockNumber":
            out["result"] = hex(self.head)
        elif method == "eth_getLogs":
            start, end = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
            if params[0]["address"] != [TOKEN]:
                out["error"] = {"code": -32602, "message": "invalid params: unknown address"}
            elif end - start + 1 > self.limit:
                self.ranges.append((start, end, False))
                if self.stall:
                    time.sleep(self.stall)
                out["error"] = {
                    "code": -32005,
                    "message": f"query exceeds max block range {self.limit}",
                }
            else:
                self.ranges.append((start, end, True))
                out["result"] = [self._log(n) for n in range(start, end + 1)]
        else:
            out["error"] = {"code": -32601, "message": f"{method} not found"}
        return out

    @staticmethod
    def _log(number: int) -> dict[str, Any]:
        return {
            "address": TOKEN,
            "topics": [TOPIC],
            "data": "0x" + number.to_bytes(32, "big").hex(),
            "blockNumber": hex(number),
            "transactionHash": "0x" + number.to_bytes(32, "big").hex(),
            "transactionIndex": "0x0",
            "logIndex": "0x0",
            "removed": False,
        }


@pytest.fixture
def stub_factory() -> Iterator[Any]:
    stubs: list[StubNode] = []

    def make(limit: int, head: int = 3_000, stall: float = 0.0) -> StubNode:
        stub = StubNode(limit, head, stall)
        stub.thread.start()
        stubs.append(stub)
        return stub

    yield make
    for stub in stubs:
        stub.server.shutdown()
        stub.server.server_close()


def test_chunks_shrink_on_refusal_and_settle_at_the_node_limit(stub_factory: Any) -> None:
    stub = stub_factory(limit=100)
    chain = Chain.rpc(stub.url)
    reader = ChunkedLogReader(chain.request, initial_chunk=1_000, max_chunk=10_000)
    source = RpcLogSource(chain, reader=reader)

    logs = source.logs([TOKEN], 0, 2_999, None)

    assert [log.block for log in logs] == list(range(3_000))  # every block once, in order
    assert all(log.data == log.block.to_bytes(32, "big") for log in logs)
    answered = [(a, b) for a, b, ok in stub.ranges if ok]
    assert all(b - a + 1 <= 100 for a, b in answered)
    assert answered == reader.chunks and answered[0][0] == 0 and answered[-1][1] == 2_999
    assert 4 <= reader.refusals <= 15  # 1000, 500, 250, 125 refused, then a few while bisecting
    assert reader.chunk == 100 and sum(b - a + 1 == 100 for a, b in answered) >= 20
    chain.close()


def test_chunks_grow_while_the_node_answers_quickly(stub_factory: Any) -> None:
    stub = stub_factory(limit=10**9)
    chain = Chain.rpc(stub.url)
    reader = ChunkedLogReader(chain.request, initial_chunk=10, max_chunk=400)

    raw = reader.read([TOKEN], 0, 2_999)

    assert len(raw) == 3_000 and reader.refusals == 0
    sizes = [b - a + 1 for a, b in reader.chunks]
    assert sizes[:7] == [10, 20, 40, 80, 160, 320, 400] and max(sizes) == 400
    chain.close()


def test_a_node_that_times_out_on_big_ranges_gets_smaller_ones(stub_factory: Any) -> None:
    stub = stub_factory(limit=50, head=200, stall=1.0)
    chain = Chain.rpc(stub.url, timeout=0.3)
    reader = ChunkedLogReader(chain.request, initial_chunk=200)

    raw = reader.read([TOKEN], 0, 199)

    assert len(raw) == 200 and reader.refusals >= 2  # 200 and 100 timed out
    assert all(b - a + 1 <= 50 for a, b in reader.chunks)
    chain.close()


def test_other_errors_and_refusals_of_a_single_block_are_not_retried(stub_factory: Any) -> None:
    stub = stub_factory(limit=0)
    chain = Chain.rpc(stub.url)
    with pytest.raises(ChainError, match="refuses the logs of even one block"):
        ChunkedLogReader(chain.request, initial_chunk=8).read([TOKEN], 0, 99)
    assert [b - a + 1 for a, b, _ in stub.ranges] == [8, 4, 2, 1]
    with pytest.raises(ChainError, match="unknown address"):
        ChunkedLogReader(chain.request).read(["0x" + "ee" * 20], 0, 99)
    chain.close()


def test_embedded_walker_reads_what_eth_getlogs_reads_and_finds_failed_transactions(
    s: System,
) -> None:
    s.send_hash(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)
    failed = s.send_failing(s.token, "transfer", s.dave, 1, sender=s.alice)
    addresses = [s.token.address, s.registry.address, s.escrow.address]
    end = s.chain.block_number
    expected = s.chain.get_logs(address=addresses, from_block=0, to_block=end)

    source = EmbeddedLogSource(s.chain)
    logs = source.logs(addresses, 0, end, None)

    assert [
        (log.block, log.log_index, log.tx_hash, log.address, log.topics, log.data) for log in logs
    ] == [
        (
            int(e["blockNumber"]),
            int(e["logIndex"]),
            "0x" + bytes(e["transactionHash"]).hex(),
            e["address"],
            tuple(bytes(t) for t in e["topics"]),
            bytes(e["data"]),
        )
        for e in expected
    ]
    assert [tx.tx_hash for tx in source.failed] == [failed]
    assert source.failed[0].sender == s.alice and source.failed[0].to == s.token.address
    assert source.timestamp(end) == s.now()


def test_events_are_decoded_by_the_abi_of_their_contract_kind(s: System) -> None:
    s.send_hash(s.token, "transferWithPurpose", s.bob, 5, PURPOSE_GIFT, sender=s.alice)
    abis = {k: s.build.artifact(k).abi for k in ("CompliantToken", "HolderRegistry", "DealEscrow")}
    decoder = EventDecoder(abis)
    end = s.chain.block_number
    logs = EmbeddedLogSource(s.chain).logs([s.token.address], end, end, None)
    events = [decoder.decode(log, "CompliantToken") for log in logs]
    assert [(e.name, dict(e.args)) for e in events if e is not None] == [
        ("Transfer", {"from": s.alice, "to": s.bob, "value": 5}),
        ("TransferPurposeStated", {"from": s.alice, "to": s.bob, "value": 5, "purpose": 1}),
    ]
    assert decoder.decode(logs[0], "HolderRegistry") is None  # no such event in a registry
    published = EmbeddedLogSource(s.chain).logs([s.token.address], 0, s.token.block, None)
    terms = [decoder.decode(log, "CompliantToken") for log in published]
    assert any(
        e is not None and e.name == "TermsPublished" and e.args["uri"] == TOKEN_TERMS_URI
        for e in terms
    )
