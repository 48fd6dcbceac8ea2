"""Benchmarks of ``decree8 audit`` over 2,000 token transfers.

- ``audit.embedded_events_per_s``: events per second of a whole audit on the embedded chain (read
  every block once, decode, replay with every rule per transaction, compare the rebuilt state with
  the chain), against the target of 1,000 events/s;
- ``audit.embedded_read_speedup``: reading the last 300 blocks' logs with eth-tester's
  ``eth_getLogs`` against the block walker the audit uses (same logs);
- ``audit.hardhat_seconds``: the same audit on a Hardhat node (logs only: without the search for
  failed transactions, which reads the range's blocks too; that search is measured in its tests'
  history, see CHANGELOG), against the raw ``eth_getLogs`` of
  the same range (one request) plus decoding those logs with the decoder the audit uses on a
  JSON-RPC node (``EventDecoder.decode_json``); target: within 1.5x of it. Both are run
  ``HARDHAT_REPS`` times, interleaved (a busy machine slows both alike), on the same node and range;
  the figure is the ratio of the medians (the minimums, the median of the pairwise ratios, the
  older baseline that decodes through ``RawLog`` bytes, and the load average are reported too);
- ``audit.hardhat_events_per_s``.

The history: the audit tests' system (``tests/support``: registry, token, escrow), then
2,000 transfers of the template token sent with explicit gas, alternately an entity's plain
transfer to an individual (one event) and a gift between two individuals (two events).
Run ``PYTHONPATH=src python bench/bench_audit.py`` (about four minutes: sending 2,000 transfers
through py-evm is most of it), or ``... bench_audit.py hardhat`` for the Hardhat figures only.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

TRANSFERS = 2_000
HARDHAT_REPS = 15


def _history(chain: Any, build: Any) -> Any:
    """Deploys the system and sends the transfers; returns the system."""
    from support import PURPOSE_GIFT, deploy_system

    s = deploy_system(chain, build, escrow=True, lax=True)
    token = s.token.bind(chain)
    gift = token.encode_abi("transferWithPurpose", args=[s.bob, 1, PURPOSE_GIFT])
    plain = token.encode_abi("transfer", args=[s.alice, 1])
    for i in range(TRANSFERS):
        sender, data = (s.alice, gift) if i % 2 else (s.carol, plain)
        chain.w3.eth.send_transaction(
            {"from": sender, "to": s.token.address, "data": data, "gas": 300_000}
        )
    return s


def _audit(s: Any, include_failed: bool | None = None) -> tuple[float, Any]:
    """One audit of the history; ``include_failed=False`` reads its logs only (on a node, the
    default also reads the range's blocks to find failed transactions, which leave no logs)."""
    from decree8.audit import AuditStats, audit

    stats = AuditStats()
    began = time.perf_counter()
    report = audit(
        s.chain,
        s.build,
        deployments=[s.token, s.escrow],
        stats=stats,
        include_failed=include_failed,
    )
    seconds = time.perf_counter() - began
    assert report.findings == (), [f.message for f in report.findings[:3]]
    return seconds, stats


def _embedded(build: Any) -> list[dict[str, Any]]:
    from decree8.chain import Chain
    from decree8.history import EmbeddedLogSource

    chain = Chain.embedded(accounts=20)  # support.ACCOUNTS
    s = _history(chain, build)
    _audit(s)  # warm: imports, ABI tables
    seconds, stats = sorted((_audit(s) for _ in range(3)), key=lambda r: r[0])[1]  # median

    end = chain.block_number
    addresses = [s.token.address, s.registry.address, s.escrow.address]
    began = time.perf_counter()
    slow = chain.get_logs(address=addresses, from_block=end - 299, to_block=end)
    tester_seconds = time.perf_counter() - began
    began = time.perf_counter()
    fast = EmbeddedLogSource(chain).logs(addresses, end - 299, end, None)
    walker_seconds = time.perf_counter() - began
    assert len(slow) == len(fast)
    chain.close()
    rate = stats.events / seconds
    return [
        {
            "name": "audit.embedded_events_per_s",
            "value": round(rate, 1),
            "unit": "events/s",
            "baseline": "target",
            "baseline_value": 1000,
            "ratio": round(rate / 1000, 2),
            "events": stats.events,
            "transactions": stats.transactions,
            "seconds": {k: round(v, 3) for k, v in stats.seconds.items()},
        },
        {
            "name": "audit.embedded_read_speedup",
            "value": round(walker_seconds, 4),
            "unit": "s (300 blocks)",
            "baseline": "eth-tester eth_getLogs",
            "baseline_value": round(tester_seconds, 3),
            "ratio": round(tester_seconds / walker_seconds, 1),
        },
    ]


def _kinds(s: Any) -> dict[str, str]:
    return {
        s.token.address: "CompliantToken",
        s.registry.address: "HolderRegistry",
        s.escrow.address: "DealEscrow",
    }


def _raw_logs_and_decode(s: Any, first: int, end: int) -> float:
    """One ``eth_getLogs`` of the range, each log decoded as the audit decodes a node's logs."""
    from decree8.history import EventDecoder

    kinds = _kinds(s)
    targets = {a.lower(): (a, k) for a, k in kinds.items()}
    decoder = EventDecoder({k: s.build.artifact(k).abi for k in set(kinds.values())})
    began = time.perf_counter()
    raw = s.chain.request(
        "eth_getLogs",
        [{"fromBlock": hex(first), "toBlock": hex(end), "address": list(kinds)}],
    )
    for item in raw:
        address, kind = targets[item["address"].lower()]
        event = decoder.decode_json(item, kind, address, int(item["blockNumber"], 16))
        assert event is not None
    return time.perf_counter() - began


def _raw_logs_and_decode_bytes(s: Any, first: int, end: int) -> float:
    """The older baseline: the same request, each log made a ``RawLog`` of bytes, then decoded."""
    from eth_utils import to_checksum_address

    from decree8.history import EventDecoder, RawLog

    kinds = _kinds(s)
    decoder = EventDecoder({k: s.build.artifact(k).abi for k in set(kinds.values())})
    checksums: dict[str, str] = {}
    began = time.perf_counter()
    raw = s.chain.request(
        "eth_getLogs",
        [{"fromBlock": hex(first), "toBlock": hex(end), "address": list(kinds)}],
    )
    for item in raw:
        log = RawLog(
            block=int(item["blockNumber"], 16),
            tx_index=int(item["transactionIndex"], 16),
            log_index=int(item["logIndex"], 16),
            tx_hash=item["transactionHash"],
            address=checksums.get(item["address"])
            or checksums.setdefault(item["address"], to_checksum_address(item["address"])),
            topics=tuple(bytes.fromhex(t[2:]) for t in item["topics"]),
            data=bytes.fromhex(item["data"][2:]),
        )
        assert decoder.decode(log, kinds[log.address]) is not None
    return time.perf_counter() - began


def _hardhat(build: Any) -> list[dict[str, Any]]:
    from decree8.chain import Chain
    from support.hardhat import hardhat_node

    with hardhat_node() as (url, _):
        chain = Chain.rpc(url, timeout=60)
        s = _history(chain, build)
        first, end = min(s.token.block, s.escrow.block), chain.block_number
        _audit(s, include_failed=False)
        _raw_logs_and_decode(s, first, end)
        load_before = os.getloadavg()[0]
        audits, raws, olds = [], [], []
        for _ in range(HARDHAT_REPS):  # interleaved, so that a busy machine slows both alike
            audits.append(_audit(s, include_failed=False))  # logs against raw logs
            raws.append(_raw_logs_and_decode(s, first, end))
            olds.append(_raw_logs_and_decode_bytes(s, first, end))
        load_after = os.getloadavg()[0]
        chain.close()
    times = [a[0] for a in audits]
    seconds = statistics.median(times)
    _, stats = sorted(audits, key=lambda r: r[0])[len(audits) // 2]
    raw = statistics.median(raws)
    return [
        {
            "name": "audit.hardhat_seconds",
            "value": round(seconds, 3),
            "unit": "s (median)",
            "baseline": "raw eth_getLogs + decoding",
            "baseline_value": round(raw, 3),
            "ratio": round(seconds / raw, 2),
            "repetitions": HARDHAT_REPS,
            "min": round(min(times), 3),
            "baseline_min": round(min(raws), 3),
            "ratio_of_minimums": round(min(times) / min(raws), 2),
            "median_pairwise_ratio": round(
                statistics.median(a / r for a, r in zip(times, raws, strict=True)), 2
            ),
            "baseline_bytes_decoding": round(statistics.median(olds), 3),
            "load_average": [round(load_before, 2), round(load_after, 2)],
            "seconds": {k: round(v, 3) for k, v in stats.seconds.items()},
            "requests": stats.requests,
        },
        {
            "name": "audit.hardhat_events_per_s",
            "value": round(stats.events / seconds, 1),
            "unit": "events/s",
        },
    ]


def figures(parts: tuple[str, ...] = ("embedded", "hardhat")) -> list[dict[str, Any]]:
    from support import suite_build as audit_build

    build = audit_build()
    out: list[dict[str, Any]] = []
    if "embedded" in parts:
        out += _embedded(build)
    if "hardhat" in parts:
        out += _hardhat(build)
    return out


if __name__ == "__main__":
    for figure in figures(tuple(sys.argv[1:]) or ("embedded", "hardhat")):
        extra = (
            f" (baseline {figure['baseline_value']}, ratio {figure['ratio']})"
            if ("ratio" in figure)
            else ""
        )
        print(f"{figure['name']:<32} {figure['value']:>10} {figure['unit']}{extra}")
        extras = {k: v for k, v in figure.items() if k not in ("name", "value", "unit")}
        for key in ("baseline", "baseline_value", "ratio"):
            extras.pop(key, None)
        if extras:
            print(f"    {extras}")
