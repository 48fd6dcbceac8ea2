"""decree8 node: the JSON-RPC dispatcher (on both chains: eth-tester and revm), its HTTP server,
the subprocess helper, main()."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from decree8.chain import Chain
from decree8.chain.node import (
    NodeDispatcher,
    NodeProcess,
    NodeServer,
    main,
    serve,
)
from decree8.errors import RpcUnavailable, UsageError


def _request(method: str, params: list[Any] | None = None, request_id: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or []}


@pytest.fixture(scope="module", params=["embedded", "revm"])
def dispatcher(request: pytest.FixtureRequest) -> NodeDispatcher:
    return NodeDispatcher(accounts=3, chain=request.param)


def test_dispatcher_answers_in_json_rpc_encoding(dispatcher: NodeDispatcher) -> None:
    block = dispatcher.handle(_request("eth_getBlockByNumber", ["latest", False]))["result"]

    assert block["number"].startswith("0x")
    assert len(block["logsBloom"]) == 2 + 512
    assert dispatcher.handle(_request("eth_chainId"))["result"] == hex(dispatcher.chain_id)
    assert dispatcher.handle(_request("eth_accounts"))["result"] == dispatcher.accounts
    assert len(dispatcher.accounts) == 3


def test_dispatcher_answers_a_batch_in_order(dispatcher: NodeDispatcher) -> None:
    answers = dispatcher.handle(
        [_request("eth_blockNumber", request_id=7), _request("no_suchMethod", request_id=8)]
    )

    assert [a["id"] for a in answers] == [7, 8]
    assert answers[0]["result"].startswith("0x")
    assert answers[1]["error"]["code"] == -32601


def test_dispatcher_rejects_malformed_requests(dispatcher: NodeDispatcher) -> None:
    assert dispatcher.handle([])["error"]["code"] == -32600
    assert dispatcher.handle({"id": 1})["error"]["code"] == -32600
    bad_params = {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": {}}
    assert dispatcher.handle(bad_params)["error"]["code"] == -32602
    assert dispatcher.handle(_request("evm_revert"))["error"]["code"] == -32602


def test_a_reverting_call_is_an_error_carrying_the_revert_data(dispatcher: NodeDispatcher) -> None:
    # Creation code reverting with the 4 bytes 0xdeadbeef: mstore(0, 0xdeadbeef<<224); revert(0, 4)
    init = "0x63deadbeef60e01b60005260046000fd"
    sender = dispatcher.accounts[0]

    answer = dispatcher.handle(_request("eth_call", [{"from": sender, "data": init}, "latest"]))

    assert answer["error"] == {"code": 3, "message": "execution reverted", "data": "0xdeadbeef"}


def test_a_transaction_sent_without_gas_gets_an_estimate(dispatcher: NodeDispatcher) -> None:
    sender, receiver = dispatcher.accounts[0], dispatcher.accounts[1]
    transfer = {"from": sender, "to": receiver, "value": "0x5"}

    sent = dispatcher.handle(_request("eth_sendTransaction", [transfer]))
    receipt = dispatcher.handle(_request("eth_getTransactionReceipt", [sent["result"]]))["result"]

    assert receipt["status"] == "0x1"
    assert int(receipt["gasUsed"], 16) == 21_000
    reverting = {"from": sender, "data": "0x63deadbeef60e01b60005260046000fd"}
    refused = dispatcher.handle(_request("eth_sendTransaction", [reverting]))
    assert refused["error"] == {"code": 3, "message": "execution reverted", "data": "0xdeadbeef"}


def test_snapshots_are_single_use_like_hardhat(dispatcher: NodeDispatcher) -> None:
    block = dispatcher.handle(_request("eth_blockNumber"))["result"]
    snap = dispatcher.handle(_request("evm_snapshot"))["result"]
    dispatcher.handle(_request("evm_mine"))

    assert dispatcher.handle(_request("evm_revert", [snap]))["result"] is True
    assert dispatcher.handle(_request("eth_blockNumber"))["result"] == block
    assert dispatcher.handle(_request("evm_revert", [snap]))["result"] is False


def test_increase_time_and_set_next_timestamp_stamp_the_next_block(
    dispatcher: NodeDispatcher,
) -> None:
    def latest() -> int:
        block = dispatcher.handle(_request("eth_getBlockByNumber", ["latest", False]))["result"]
        return int(block["timestamp"], 16)

    before = latest()
    assert dispatcher.handle(_request("evm_increaseTime", [100]))["result"] == "100"
    dispatcher.handle(_request("evm_mine"))
    # eth-tester: one second a block plus the increase; revm (like Hardhat): the wall clock
    # plus the increase, and never less than the increase after the latest block
    assert before + 100 <= latest() <= before + 1 + 100

    dispatcher.handle(_request("evm_setNextBlockTimestamp", [hex(before + 500)]))
    dispatcher.handle(_request("evm_mine"))
    assert latest() == before + 500

    dispatcher.handle(_request("evm_mine", [before + 900]))
    assert latest() == before + 900
    refused = dispatcher.handle(_request("evm_setNextBlockTimestamp", [before]))
    assert "must be after the latest block" in refused["error"]["message"]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
def test_the_server_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(UsageError, match=f"refusing to serve on {host}"):
        NodeServer(host, 0)


def test_python_m_entry_point_refuses_a_public_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0", "--port", "0"]) == 2
    assert "refusing to serve on 0.0.0.0" in capsys.readouterr().err


@pytest.fixture
def served() -> Iterator[str]:
    """serve() in a thread on a free port; yields the URL the ready callback reported."""
    ready: list[NodeServer] = []
    done = threading.Event()

    def on_ready(server: NodeServer) -> None:
        ready.append(server)
        done.set()

    thread = threading.Thread(
        target=serve, kwargs={"port": 0, "accounts": 2, "ready_callback": on_ready}, daemon=True
    )
    thread.start()
    assert done.wait(30), "serve() never became ready"
    try:
        yield ready[0].url
    finally:
        ready[0].shutdown()
        thread.join(5)


def test_serve_answers_http_and_a_chain_works_against_it(served: str) -> None:
    chain = Chain.rpc(served, timeout=5)
    assert len(chain.accounts) == 2
    receipt = chain.transact({"to": chain.accounts[1], "value": 10})
    assert receipt["status"] == 1
    chain.close()

    bad = urllib.request.Request(served, b"{not json", {"Content-Type": "application/json"})
    with urllib.request.urlopen(bad, timeout=5) as response:
        assert json.loads(response.read())["error"]["code"] == -32700


@pytest.mark.parametrize("chain_kind", ["embedded", "revm"])
def test_node_process_starts_answers_and_stops_by_pid(chain_kind: str) -> None:
    node = NodeProcess(accounts=2, chain=chain_kind).start()
    process = node.process
    assert process is not None
    try:
        chain = Chain.rpc(node.url, timeout=5)
        assert len(chain.accounts) == 2
        assert "decree8 node listening on" in node.output()
        assert f"({chain_kind} chain," in node.output()
        chain.close()
    finally:
        node.stop()

    assert process.poll() is not None
    with pytest.raises(RpcUnavailable):
        Chain.rpc(node.url, timeout=1)


def test_python_m_entry_point_reports_a_port_already_taken(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with NodeServer("127.0.0.1", 0) as taken:
        port = taken.url.rsplit(":", 1)[1]
        assert main(["--port", port, "--accounts", "1"]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize("chain_kind", ["embedded", "revm"])
def test_node_blocks_with_full_transactions_use_json_rpc_field_names(chain_kind: str) -> None:
    """Full transactions inside a block come back as JSON-RPC objects (blockNumber, input...)."""
    node = NodeDispatcher(accounts=2, chain=chain_kind)
    sender, receiver = node.accounts
    sent = node.handle_one(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_sendTransaction",
            "params": [{"from": sender, "to": receiver, "value": "0x1"}],
        }
    )
    assert "result" in sent, sent
    block = node.handle_one(
        {"jsonrpc": "2.0", "id": 2, "method": "eth_getBlockByNumber", "params": ["latest", True]}
    )["result"]
    tx = block["transactions"][0]
    assert tx["hash"] == sent["result"]
    assert tx["blockNumber"] == block["number"] and tx["blockHash"] == block["hash"]
    assert tx["transactionIndex"] == "0x0" and "input" in tx
    assert int(tx["chainId"], 16) == node.chain_id
    assert not any("_" in key for key in tx)
