"""Benchmarks of the chain layer (embedded eth-tester chain).

``figures()`` returns one dict per figure: ``{"name", "value", "unit", "baseline",
"baseline_value", "ratio"}``; here values are throughputs, so ``ratio = value / baseline_value``
(bigger is better):

- ``chain.erc20_transfers_explicit_gas``: ERC-20 ``transfer`` transactions per second through
  ``Chain.transact(tx, gas=...)`` (no estimate), against web3's ``contract.functions.transfer(...)
  .transact()`` plus waiting for the receipt, which estimates gas for every transaction.
- ``chain.erc20_transfers_estimated``: the same through ``Chain.transact(tx)`` (estimating), against
  the same web3 baseline: the cost of the decree8 wrapper itself (expected ratio about 1).

The token is ``bench/contracts/BenchToken.sol`` (OpenZeppelin ERC-20, pausable, role-based mint).
Run ``PYTHONPATH=src python bench/bench_chain.py`` to print them.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]
BENCH_ROOT = REPO / "bench"
TOKEN_SOURCE = "contracts/BenchToken.sol"
TRANSFERS = 40
WARMUP = 3

if str(REPO / "src") not in sys.path:  # runnable before the package is pip-installed
    sys.path.insert(0, str(REPO / "src"))

from web3.types import TxParams  # noqa: E402

from decree8.chain import Chain  # noqa: E402
from decree8.compile import build_project  # noqa: E402

Figure = dict[str, Any]


def _figure(name: str, value: float, unit: str, baseline: str, baseline_value: float) -> Figure:
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(baseline_value, 2),
        "ratio": round(value / baseline_value, 2) if baseline_value else None,
    }


def _rate(send: Callable[[int], object], count: int) -> float:
    """Transactions per second of ``send(i)`` over ``count`` calls, after a short warm-up."""
    for i in range(WARMUP):
        send(i)
    started = time.perf_counter()
    for i in range(count):
        send(i)
    return count / (time.perf_counter() - started)


def figures() -> list[Figure]:
    build = build_project(
        BENCH_ROOT, sources=[TOKEN_SOURCE], cache_dir=REPO / "build" / "bench" / "chain"
    )
    artifact = build.artifact("BenchToken")
    chain = Chain.embedded()
    admin, holder = chain.accounts[0], chain.accounts[1]
    factory = chain.w3.eth.contract(abi=artifact.abi, bytecode="0x" + artifact.bytecode)
    receipt = chain.transact({"data": factory.constructor(admin).data_in_transaction})
    token = chain.w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
    chain.register_abi(artifact.abi)
    chain.transact({"to": token.address, "data": token.encode_abi("mint", [holder, 10**30])})

    def transfer_tx(i: int) -> dict[str, Any]:
        to = chain.accounts[2 + i % 8]
        return {"from": holder, "to": token.address, "data": token.encode_abi("transfer", [to, 1])}

    # Twice one estimate: the first transfer to an address costs more than later ones.
    gas = 2 * chain.w3.eth.estimate_gas(cast(TxParams, transfer_tx(0)))

    def web3_transact(i: int) -> object:
        to = chain.accounts[2 + i % 8]
        tx_hash = token.functions.transfer(to, 1).transact({"from": holder})
        return chain.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01)

    baseline = _rate(web3_transact, TRANSFERS // 2)
    explicit = _rate(lambda i: chain.transact(transfer_tx(i), gas=gas), TRANSFERS)
    estimated = _rate(lambda i: chain.transact(transfer_tx(i)), TRANSFERS // 2)
    chain.close()
    web3_name = "web3 .transact() with gas estimation"
    return [
        _figure("chain.erc20_transfers_explicit_gas", explicit, "tx/s", web3_name, baseline),
        _figure("chain.erc20_transfers_estimated", estimated, "tx/s", web3_name, baseline),
    ]


if __name__ == "__main__":
    print(json.dumps(figures(), indent=2))
