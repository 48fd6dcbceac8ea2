"""The same client script against every development node, in one run: Hardhat (the reference),
``decree8 node`` (eth-tester) and ``decree8 node --chain revm``.

The script sends ``TRANSFERS`` ether transfers from one unlocked account (``eth_sendTransaction``
with explicit gas, gas price and nonce; automine), then reads ``READS`` times a receipt and its
block (``eth_getTransactionReceipt`` + ``eth_getBlockByNumber``: one read), and checks the
recipient's final balance. Two clients run it:

- ``raw``: plain HTTP JSON-RPC over one keep-alive connection (``http.client``), the node's own
  capacity;
- ``web3``: web3.py's ``HTTPProvider`` (``send_transaction``, ``get_transaction_receipt``,
  ``get_block``), with the validation, gas-estimate, gas-price, ENS and attrdict middleware
  removed on every node alike; web3's own cost is about 1 ms of CPU a call.

Each node runs alone while measured (the machine has two cores), in ``ROUNDS`` interleaved rounds
(Hardhat, eth-tester, revm, Hardhat, ...) of which the best counts, so that a burst of load from
elsewhere does not land on one node only. Figures are transactions or reads per second of wall
time, with Hardhat's as the baseline (ratio = node / Hardhat), and per second of the node
process's own CPU time (``/proc/PID/stat``), which the machine's load does not move: the node's
capacity. Run ``python -m bench node``.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:  # runnable before the package is pip-installed
    sys.path.insert(0, str(REPO / "src"))
if str(REPO / "tests") not in sys.path:  # support.hardhat: the Hardhat launcher the tests use
    sys.path.insert(0, str(REPO / "tests"))

from decree8.chain.node import NodeProcess  # noqa: E402

Figure = dict[str, Any]

TRANSFERS = int(os.environ.get("BENCH_NODE_TRANSFERS", "1000"))
READS = int(os.environ.get("BENCH_NODE_READS", "500"))
ROUNDS = int(os.environ.get("BENCH_NODE_ROUNDS", "2"))
NODES = ("hardhat", "decree8-node", "decree8-node-revm")
TRIMMED_MIDDLEWARE = (
    "validation",
    "gas_estimate",
    "ens_name_to_address",
    "gas_price_strategy",
    "attrdict",
)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _node(kind: str) -> Iterator[tuple[str, int]]:
    """A fresh node of ``kind`` on a free loopback port, ended by pid afterwards."""
    if kind == "hardhat":
        from support.hardhat import hardhat_node

        with hardhat_node() as started:
            yield started
        return
    chain = "revm" if kind == "decree8-node-revm" else "embedded"
    with NodeProcess(chain=chain, startup_timeout=60) as started:
        assert started.process is not None
        yield started.url, started.process.pid


class _Raw:
    """JSON-RPC over one keep-alive HTTP connection."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.connection = http.client.HTTPConnection(
            parsed.hostname or "127.0.0.1", parsed.port, timeout=60
        )
        self.path = parsed.path or "/"
        self.id = 0

    def __call__(self, method: str, *params: Any) -> Any:
        self.id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        self.connection.request("POST", self.path, body, {"Content-Type": "application/json"})
        answer = json.loads(self.connection.getresponse().read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def close(self) -> None:
        self.connection.close()


def _timed(count: int, step: Callable[[int], None], pid: int) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second of process ``pid``)."""
    cpu = _cpu_seconds(pid)
    started = time.perf_counter()
    for i in range(count):
        step(i)
    wall = time.perf_counter() - started
    return count / wall, count / max(_cpu_seconds(pid) - cpu, 1e-9)


Rates = tuple[tuple[float, float], tuple[float, float]]


def raw_client(url: str, pid: int) -> Rates:
    """((transfers/s, per node CPU s), (reads/s, per node CPU s)) of the raw HTTP client."""
    rpc = _Raw(url)
    try:
        sender, receiver = rpc("eth_accounts")[:2]
        price = int(rpc("eth_gasPrice"), 16) * 2
        nonce = int(rpc("eth_getTransactionCount", sender, "latest"), 16)
        start_balance = int(rpc("eth_getBalance", receiver, "latest"), 16)
        hashes: list[str] = []

        def send(i: int) -> None:
            tx = {
                "from": sender,
                "to": receiver,
                "value": "0x1",
                "gas": "0x5208",
                "gasPrice": hex(price),
                "nonce": hex(nonce + i),
            }
            hashes.append(rpc("eth_sendTransaction", tx))

        sent = _timed(TRANSFERS, send, pid)
        final = int(rpc("eth_getBalance", receiver, "latest"), 16)
        assert final - start_balance == TRANSFERS, "a transfer went missing"

        def read(i: int) -> None:
            receipt = rpc("eth_getTransactionReceipt", hashes[i % len(hashes)])
            block = rpc("eth_getBlockByNumber", receipt["blockNumber"], False)
            assert block["hash"] == receipt["blockHash"]

        return sent, _timed(READS, read, pid)
    finally:
        rpc.close()


def web3_client(url: str, pid: int) -> Rates:
    """The same figures for web3.py's HTTPProvider."""
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60}))
    for name in TRIMMED_MIDDLEWARE:
        try:
            w3.middleware_onion.remove(name)
        except (ValueError, KeyError):
            pass
    sender, receiver = list(w3.eth.accounts)[:2]
    price = w3.eth.gas_price * 2
    nonce = w3.eth.get_transaction_count(sender)
    start_balance = w3.eth.get_balance(receiver)
    hashes: list[Any] = []

    def send(i: int) -> None:
        tx: Any = {
            "from": sender,
            "to": receiver,
            "value": 1,
            "gas": 21_000,
            "gasPrice": price,
            "nonce": nonce + i,
        }
        hashes.append(w3.eth.send_transaction(tx))

    sent = _timed(TRANSFERS, send, pid)
    assert w3.eth.get_balance(receiver) - start_balance == TRANSFERS, "a transfer went missing"

    def read(i: int) -> None:
        receipt = w3.eth.get_transaction_receipt(hashes[i % len(hashes)])
        block = w3.eth.get_block(receipt["blockNumber"])
        assert block["hash"] == receipt["blockHash"]

    return sent, _timed(READS, read, pid)


def measure() -> dict[str, dict[str, float]]:
    """{node: {"raw_tx", "raw_reads", "web3_tx", "web3_reads"} and the same keys with "_cpu"},
    each node alone on a fresh process per client, best of the rounds."""
    results: dict[str, dict[str, float]] = {kind: {} for kind in NODES}
    clients: tuple[tuple[str, Callable[[str, int], Rates]], ...] = (
        ("raw", raw_client),
        ("web3", web3_client),
    )
    for _ in range(ROUNDS):
        for kind in NODES:
            figures = results[kind]
            for client, run in clients:
                with _node(kind) as (url, pid):
                    sent, read = run(url, pid)
                for key, (wall, cpu) in ((f"{client}_tx", sent), (f"{client}_reads", read)):
                    figures[key] = max(figures.get(key, 0.0), wall)
                    figures[f"{key}_cpu"] = max(figures.get(f"{key}_cpu", 0.0), cpu)
            print(f"  {kind}: {figures}", file=sys.stderr, flush=True)
    return results


def figures() -> list[Figure]:
    results = measure()
    hardhat = results["hardhat"]
    out: list[Figure] = []
    for kind in NODES:
        for key, unit in (
            ("raw_tx", "tx/s"),
            ("raw_reads", "reads/s"),
            ("web3_tx", "tx/s"),
            ("web3_reads", "reads/s"),
            ("raw_tx_cpu", "tx per node CPU s"),
            ("raw_reads_cpu", "reads per node CPU s"),
        ):
            value = results[kind][key]
            base = hardhat[key] if kind != "hardhat" else None
            out.append(
                {
                    "name": f"node.{kind}.{key}",
                    "value": round(value, 1),
                    "unit": unit,
                    "baseline": None if base is None else f"node.hardhat.{key}",
                    "baseline_value": None if base is None else round(base, 1),
                    "ratio": None if base is None else round(value / base, 2),
                    "note": f"{TRANSFERS} transfers, {READS} reads (receipt + its block), "
                    f"best of {ROUNDS} interleaved rounds",
                }
            )
    return out


if __name__ == "__main__":
    for figure in figures():
        print(json.dumps(figure))
