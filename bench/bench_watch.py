"""Benchmarks of `decree8 watch` and of batch `check tx`, against a real `decree8 node` process.

- ``watch.lag_median_ms`` / ``watch.lag_p95_ms`` / ``watch.lag_max_ms``: from a block being mined
  (its receipt returned to the sender) to the watcher having stored its findings, with token
  transfers sent at ``WATCH_RATE`` (50) per second for ``WATCH_SECONDS`` (10) s; also how many
  blocks behind the head the watcher was when it stored a block (``watch.lag_blocks_p95``) and the
  rate the node really mined at (``watch.sent_per_s``);
- ``watch.exactly_once_*``: ``WATCH_TXS`` (2,000; on eth-tester ``WATCH_TXS_ETH_TESTER``, 500)
  transactions sent while the watcher is killed with SIGKILL and restarted five times; the
  figures are the transactions checked exactly once, more than once and never (must be all, 0
  and 0);
- ``check.batch_tx_per_s``: ``decree8 --rpc URL check tx --from-file`` over (up to) 1,000 of
  those mined transactions, wall time of the whole process included;
  ``check.batch_tx_inprocess_per_s`` the same checks in this process (no start-up);
- ``check.single_tx_wall_s``: one ``decree8 --rpc URL check tx HASH`` (median of 5).

Two nodes, one transaction a block each: ``decree8 node`` (eth-tester behind HTTP; figures
``*.eth_tester``) and, as *the fast node*, decree8's revm chain behind the same kind of HTTP server
(:func:`serve_revm`, in a process of its own; figures ``*.revm``). Run ``python -m bench watch``
(``WATCH_TXS=500`` for a shorter run, ``WATCH_NODES=revm`` for one node).
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

DECREE8 = str(Path(sys.executable).with_name("decree8"))
RATE = float(os.environ.get("WATCH_RATE", "50"))
SECONDS = float(os.environ.get("WATCH_SECONDS", "10"))
TXS = int(os.environ.get("WATCH_TXS", "2000"))
#: eth-tester is slow (every check reads old state through py-evm): a shorter run there.
TXS_ETH_TESTER = int(os.environ.get("WATCH_TXS_ETH_TESTER", "500"))
CYCLES = 5


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def serve_revm(port: int) -> None:
    """decree8's revm chain (:class:`decree8.revm.RevmProvider`) served over HTTP JSON-RPC on
    127.0.0.1, single requests and batches, one at a time: the fast node of these figures."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from decree8.revm import RevmProvider

    provider = RevmProvider(accounts=20)
    lock = threading.Lock()

    def one(request: dict[str, Any]) -> dict[str, Any]:
        with lock:
            answer = dict(provider.make_request(request["method"], request.get("params", [])))
        answer["id"] = request.get("id")
        return answer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as nodes do

        def setup(self) -> None:
            super().setup()
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:  # noqa: N802
            try:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            except (ValueError, TypeError, OSError):  # a client killed mid-request
                self.close_connection = True
                return
            answer = [one(r) for r in body] if isinstance(body, list) else one(body)
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


class _RevmNodeProcess:
    """:func:`serve_revm` in a subprocess (same interface as NodeProcess: url, stop)."""

    def __init__(self) -> None:
        from decree8.chain.node import free_port, wait_for_rpc

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-revm", str(port)],
            stdin=subprocess.DEVNULL,
        )
        wait_for_rpc(self.url, 60, self.process)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(10)


class _Bench:
    def __init__(self, kind: str) -> None:
        from decree8.chain import Chain
        from decree8.chain.node import NodeProcess
        from support import deploy_system, template_build

        self.node: Any = (
            _RevmNodeProcess()
            if kind == "revm"
            else NodeProcess(accounts=20, startup_timeout=60).start()
        )
        self.chain = Chain.rpc(self.node.url, timeout=120)
        self.s = deploy_system(self.chain, template_build(), escrow=True)
        self.dir = Path(tempfile.mkdtemp(prefix="decree8-bench-watch-"))
        for dep in (self.s.registry, self.s.token, self.s.escrow):
            dep.save(self.dir / f"{dep.template}.json")
        self.manifests: list[str] = []
        for dep in (self.s.registry, self.s.token, self.s.escrow):
            self.manifests += ["--manifest", str(self.dir / f"{dep.template}.json")]
        self.i = 0

    def close(self) -> None:
        import shutil

        self.chain.close()
        self.node.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def send(self) -> tuple[str, int, float]:
        """One transfer (every fifth refused: a finding); its hash, block and when it was mined."""
        from decree8.errors import TransactionReverted
        from support import PURPOSE_GIFT

        s, self.i = self.s, self.i + 1
        if not hasattr(self, "_calls"):
            token = s.token.bind(self.chain)
            gift = token.encode_abi("transferWithPurpose", args=[s.carol, 1, PURPOSE_GIFT])
            refused = token.encode_abi("transfer", args=[s.dave, 1])
            self._calls = (gift, refused)
        data = self._calls[1] if self.i % 5 == 0 else self._calls[0]
        tx = {"from": s.alice, "to": s.token.address, "data": data}
        try:
            receipt = self.chain.transact(tx, gas=1_500_000)
            tx_hash, number = "0x" + bytes(receipt["transactionHash"]).hex(), receipt["blockNumber"]
        except TransactionReverted as err:
            assert err.tx_hash
            tx_hash, number = err.tx_hash, int(self.chain.block_number)
        return tx_hash, int(number), time.time()

    def watch(self, db: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
        with log.open("ab") as err:
            return subprocess.Popen(
                [
                    DECREE8,
                    "--rpc",
                    self.node.url,
                    "watch",
                    *self.manifests,
                    "--db",
                    str(db),
                    "--poll",
                    "0.02",
                    "--json",
                    *extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

    def wait_started(self, log: Path, count: int) -> None:
        deadline = time.monotonic() + 60
        while log.read_text().count("watching ") < count:
            if time.monotonic() > deadline:
                raise RuntimeError(log.read_text())
            time.sleep(0.02)


def _blocks(db: Path) -> dict[int, float]:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {int(n): float(t) for n, t in conn.execute("SELECT number, checked_at FROM blocks")}


def _lag(b: _Bench) -> list[dict[str, Any]]:
    db, log = b.dir / "lag.sqlite", b.dir / "lag.log"
    watcher = b.watch(db, log, "--from-block", str(b.chain.block_number))
    b.wait_started(log, 1)
    mined: dict[int, float] = {}
    started = time.monotonic()
    count = 0
    while time.monotonic() - started < SECONDS:
        _, number, at = b.send()
        mined[number] = at
        count += 1
        pause = started + count / RATE - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    sent_rate = count / (time.monotonic() - started)
    last = max(mined)
    deadline = time.monotonic() + 120
    while last not in _blocks(db) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(watcher.pid, signal.SIGTERM)
    watcher.wait(10)
    stored = _blocks(db)
    lags = [(stored[n] - mined[n]) * 1000 for n in mined if n in stored]
    mined_times = sorted(mined.values())
    behind = [
        sum(1 for t in mined_times if t <= stored[n]) - sorted(mined).index(n) - 1
        for n in mined
        if n in stored
    ]
    return [
        {"name": "watch.sent_per_s", "value": round(sent_rate, 1), "unit": "tx/s"},
        {"name": "watch.lag_median_ms", "value": round(statistics.median(lags), 1), "unit": "ms"},
        {"name": "watch.lag_p95_ms", "value": round(_pct(lags, 0.95), 1), "unit": "ms"},
        {"name": "watch.lag_max_ms", "value": round(max(lags), 1), "unit": "ms"},
        {
            "name": "watch.lag_blocks_p95",
            "value": _pct([float(x) for x in behind], 0.95),
            "unit": "blocks behind",
        },
    ]


def _exactly_once(b: _Bench, total: int) -> tuple[list[dict[str, Any]], list[str]]:
    from decree8.watch import SqliteStore

    db, log = b.dir / "once.sqlite", b.dir / "once.log"
    first = b.chain.block_number
    sent: list[str] = []
    stop = threading.Event()

    def sender() -> None:
        while len(sent) < total and not stop.is_set():
            sent.append(b.send()[0])

    started = time.monotonic()
    thread = threading.Thread(target=sender)
    watcher = b.watch(db, log, "--from-block", str(first))
    b.wait_started(log, 1)
    thread.start()
    for cycle in range(1, CYCLES + 1):
        while len(sent) < total * cycle / (CYCLES + 1):
            time.sleep(0.01)
        os.kill(watcher.pid, signal.SIGKILL)
        watcher.wait(10)
        watcher = b.watch(db, log)
        b.wait_started(log, cycle + 1)
    thread.join()
    head = b.chain.block_number
    os.kill(watcher.pid, signal.SIGKILL)
    watcher.wait(10)
    subprocess.run(
        [
            DECREE8,
            "--rpc",
            b.node.url,
            "watch",
            *b.manifests,
            "--db",
            str(db),
            "--until-block",
            str(head),
        ],
        capture_output=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    store = SqliteStore(db, readonly=True)
    try:
        counts = store.check_counts()
    finally:
        store.close()
    once = sum(1 for h in sent if counts.get(h) == 1)
    twice = sum(1 for h in sent if counts.get(h, 0) > 1)
    never = sum(1 for h in sent if h not in counts)
    return [
        {"name": "watch.exactly_once_txs", "value": len(sent), "unit": f"tx, {CYCLES} kill -9"},
        {"name": "watch.exactly_once_checked_once", "value": once, "unit": "tx"},
        {"name": "watch.exactly_once_checked_twice", "value": twice, "unit": "tx"},
        {"name": "watch.exactly_once_never_checked", "value": never, "unit": "tx"},
        {"name": "watch.exactly_once_run_s", "value": round(elapsed, 1), "unit": "s"},
    ], sent


def _batch(b: _Bench, sent: list[str]) -> list[dict[str, Any]]:
    from decree8.check.batch import check_many

    hashes = sent[:1000]
    listing = b.dir / "hashes.txt"
    listing.write_text("\n".join(hashes) + "\n")
    started = time.perf_counter()
    done = subprocess.run(
        [DECREE8, "--rpc", b.node.url, "check", "tx", "--from-file", str(listing)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.count("\n") == len(hashes)
    started = time.perf_counter()
    checked = sum(1 for _ in check_many(b.s.checker, hashes))
    inprocess = checked / (time.perf_counter() - started)
    singles = []
    for h in hashes[:5]:
        started = time.perf_counter()
        subprocess.run(
            [DECREE8, "--rpc", b.node.url, "check", "tx", h], capture_output=True, check=False
        )
        singles.append(time.perf_counter() - started)
    return [
        {
            "name": "check.batch_tx_per_s",
            "value": round(len(hashes) / wall, 1),
            "unit": f"checks/s ({len(hashes)} tx, one process)",
        },
        {
            "name": "check.batch_tx_inprocess_per_s",
            "value": round(inprocess, 1),
            "unit": "checks/s",
        },
        {
            "name": "check.single_tx_wall_s",
            "value": round(statistics.median(singles), 2),
            "unit": "s",
        },
    ]


def figures() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind in os.environ.get("WATCH_NODES", "revm,eth_tester").split(","):
        b = _Bench(kind)
        try:
            figs = _lag(b)
            once, sent = _exactly_once(b, TXS if kind == "revm" else TXS_ETH_TESTER)
            figs += once
            figs += _batch(b, sent)
        finally:
            b.close()
        for fig in figs:
            fig["name"] = f"{fig['name']}.{kind}"
        out += figs
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-revm"]:
        serve_revm(int(sys.argv[2]))
        sys.exit(0)
    for figure in figures():
        print(f"{figure['name']:<36} {figure['value']:>10} {figure['unit']}")
