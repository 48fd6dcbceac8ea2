"""Benchmarks of the revm backend against eth-tester, measured in the same run.

``figures()`` returns one dict per figure: ``{"name", "value", "unit", "baseline",
"baseline_value", "ratio", "note"}`` with ratio = value / baseline_value (transactions per second:
bigger is better). Every figure sends plain OpenZeppelin ERC-20 transfers
(``bench/contracts/RevmBenchERC20.sol``) or plain ether transfers with explicit gas and fees, one
block each (automine), and checks the recipient's final balance, so a failed transfer cannot go
unnoticed.

- ``revm.eth_transfers_per_s_web3``: plain ether transfers, ``w3.eth.send_transaction(tx)`` plus
  ``get_transaction_receipt`` per transfer (no contract involved).
- ``revm.erc20_transfers_per_s_web3``: ``token.functions.transfer(to, 1).transact(tx)`` plus
  ``get_transaction_receipt`` per transfer, the way application code does it.
- ``revm.erc20_transfers_per_s_web3_lean``: ``w3.eth.send_lean_transaction(tx)``, a web3 ``Method``
  attached with ``attach_methods`` that sends an already JSON-RPC-shaped transaction (hex fields,
  calldata from ``eth_abi``) through web3's manager, middleware and result formatter but without
  web3's Python-side request normalizers; no receipt per transfer.
- ``revm.erc20_transfers_with_parent_read_per_s_web3``: the checker's pattern, a transfer through
  web3 then ``balanceOf`` called at the block before it (on revm that state is rebuilt by
  replaying the transfer on the history EVM, see ``decree8.revm.node``).
- ``revm.erc20_transfers_per_s_engine``: ``RevmNode.send`` against
  ``EthereumTester.send_transaction`` (no web3): the engines alone.
- ``revm.erc20_transfers_per_s_extension_raw``: ``decree8._evm.Evm.transact`` (validated, fee
  charged, committed and finalized per transaction) against pyrevm 0.3.7's ``EVM.message_call``
  (which never finalizes: slots stay warm), when pyrevm is still installed: the raw engines.
- ``revm.gas_differences_demo``: transactions of the demo scenario (``examples/demo.toml``) whose
  receipt differs (gas used, status, logs) between revm and eth-tester; the goal is 0.

What the Web3 objects have in common (both backends, so the ratio is fair): the default middleware
``validation``, ``gas_estimate``, ``ens_name_to_address``, ``gas_price_strategy`` and ``attrdict``
are removed (the validation middleware asks ``eth_chainId`` before every transaction);
``chainId``, ``gas``, ``maxFeePerGas`` and ``maxPriorityFeePerGas`` are in the transaction, so web3
fills nothing in. When ``safe-pysha3`` is installed, eth-hash is pointed at it
(``ETH_HASH_BACKEND=pysha3``): web3 hashes ~30 times a transaction (checksummed addresses,
selectors) and pycryptodome's keccak is several times slower.

Profile (cProfile, web3 path on revm): about 70% of a transfer is web3's request formatting
(``map_abi_data`` over the transaction and the call arguments, checksum validation), 15% the
provider and node, under 5% revm itself. Run ``PYTHONPATH=src python bench/bench_revm.py``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

if importlib.util.find_spec("sha3") is not None:  # before eth-hash picks a backend
    os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

REPO = Path(__file__).resolve().parents[1]
BENCH_ROOT = REPO / "bench"
BENCH_SOURCE = "contracts/RevmBenchERC20.sol"

if str(REPO / "src") not in sys.path:  # runnable before the package is pip-installed
    sys.path.insert(0, str(REPO / "src"))

from eth_abi import encode  # noqa: E402
from web3 import Web3  # noqa: E402
from web3.contract import Contract  # noqa: E402
from web3.method import Method  # noqa: E402
from web3.types import RPCEndpoint  # noqa: E402

from decree8.compile import Artifact, build_project  # noqa: E402
from decree8.revm import RevmProvider, TxRequest  # noqa: E402

Figure = dict[str, Any]

#: Transfers per measurement: eth-tester runs ~20-60 a second, revm hundreds to thousands.
REVM_TRANSFERS = 1_000
TESTER_TRANSFERS = 100
#: Transfers per raw-engine measurement (tens of thousands a second).
RAW_TRANSFERS = 20_000
TRANSFER_GAS = 100_000
TRIMMED_MIDDLEWARE = (
    "validation",
    "gas_estimate",
    "ens_name_to_address",
    "gas_price_strategy",
    "attrdict",
)


def _figure(name: str, value: float, baseline: str, baseline_value: float, note: str) -> Figure:
    return {
        "name": name,
        "value": round(value, 1),
        "unit": "tx/s",
        "baseline": baseline,
        "baseline_value": round(baseline_value, 1),
        "ratio": round(value / baseline_value, 2) if baseline_value > 0 else None,
        "note": note,
    }


def _artifact() -> Artifact:
    return build_project(BENCH_ROOT, sources=[BENCH_SOURCE]).artifact("RevmBenchERC20")


def _web3(backend: str) -> Web3:
    provider = RevmProvider() if backend == "revm" else Web3.EthereumTesterProvider()
    w3 = Web3(provider)
    for name in TRIMMED_MIDDLEWARE:
        w3.middleware_onion.remove(name)
    w3.eth.attach_methods(
        {
            "send_lean_transaction": Method(
                RPCEndpoint("eth_sendTransaction"),
                mungers=[lambda module, tx: [tx]],
                request_formatters=lambda method: lambda params: params,
            )
        }
    )
    return w3


def _deploy(w3: Web3, artifact: Artifact) -> Contract:
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    sender = w3.eth.accounts[0]
    tx_hash = factory.constructor(10**30).transact({"from": sender, "gas": 3_000_000})
    address = w3.eth.get_transaction_receipt(tx_hash)["contractAddress"]
    return cast(Contract, w3.eth.contract(address=address, abi=artifact.abi))


def _rate(count: int, send: Callable[[int], None], check: Callable[[], int]) -> float:
    started = time.perf_counter()
    for i in range(count):
        send(i)
    elapsed = time.perf_counter() - started
    delivered = check()
    if delivered != count:
        raise RuntimeError(f"{delivered} of {count} transfers arrived")
    return count / elapsed


def web3_ether_rate(backend: str, artifact: Artifact, count: int) -> float:
    """Plain ether transfers a second through ``w3.eth.send_transaction`` + receipt."""
    del artifact  # no contract: the signature is the other measurements'
    w3 = _web3(backend)
    sender, recipient = list(w3.eth.accounts)[:2]
    price = w3.eth.gas_price
    tx = {
        "from": sender,
        "to": recipient,
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": price,
        "maxPriorityFeePerGas": price,
        "chainId": w3.eth.chain_id,
    }
    start = w3.eth.get_balance(recipient)

    def send(_: int) -> None:
        receipt = w3.eth.get_transaction_receipt(w3.eth.send_transaction(tx))  # type: ignore[arg-type]
        if receipt["status"] != 1:
            raise RuntimeError("a transfer failed")

    return _rate(count, send, lambda: int(w3.eth.get_balance(recipient)) - start)


def web3_contract_rate(backend: str, artifact: Artifact, count: int) -> float:
    """Transfers a second through ``contract.functions.transfer(...).transact`` + receipt."""
    w3 = _web3(backend)
    token = _deploy(w3, artifact)
    sender, recipient = list(w3.eth.accounts)[:2]
    price = w3.eth.gas_price
    tx = {
        "from": sender,
        "gas": TRANSFER_GAS,
        "maxFeePerGas": price,
        "maxPriorityFeePerGas": price,
        "chainId": w3.eth.chain_id,
    }
    transfer = token.functions.transfer

    def send(_: int) -> None:
        receipt = w3.eth.get_transaction_receipt(transfer(recipient, 1).transact(tx))  # type: ignore[arg-type]
        if receipt["status"] != 1:
            raise RuntimeError("a transfer failed")

    return _rate(count, send, lambda: int(token.functions.balanceOf(recipient).call()))


def web3_parent_read_rate(backend: str, artifact: Artifact, count: int) -> float:
    """Transfers a second, each followed by a ``balanceOf`` call at the block before it."""
    w3 = _web3(backend)
    token = _deploy(w3, artifact)
    sender, recipient = list(w3.eth.accounts)[:2]
    price = w3.eth.gas_price
    tx = {
        "from": sender,
        "gas": TRANSFER_GAS,
        "maxFeePerGas": price,
        "maxPriorityFeePerGas": price,
        "chainId": w3.eth.chain_id,
    }
    transfer, balance_of = token.functions.transfer, token.functions.balanceOf
    seen = [0]

    def send(_: int) -> None:
        receipt = w3.eth.get_transaction_receipt(transfer(recipient, 1).transact(tx))  # type: ignore[arg-type]
        before = int(balance_of(recipient).call(block_identifier=receipt["blockNumber"] - 1))
        if receipt["status"] != 1 or before != seen[0]:
            raise RuntimeError("a transfer failed or the parent block's balance is wrong")
        seen[0] += 1

    return _rate(count, send, lambda: int(token.functions.balanceOf(recipient).call()))


def web3_lean_rate(backend: str, artifact: Artifact, count: int) -> float:
    """Transfers a second through the attached lean ``eth_sendTransaction`` method."""
    w3 = _web3(backend)
    token = _deploy(w3, artifact)
    sender, recipient = list(w3.eth.accounts)[:2]
    selector = Web3.keccak(text="transfer(address,uint256)")[:4]
    price = hex(w3.eth.gas_price)
    base = {
        "from": sender,
        "to": token.address,
        "gas": hex(TRANSFER_GAS),
        "maxFeePerGas": price,
        "maxPriorityFeePerGas": price,
        "chainId": hex(w3.eth.chain_id),
    }
    lean = w3.eth.send_lean_transaction  # type: ignore[attr-defined]

    def send(_: int) -> None:
        data = selector + encode(["address", "uint256"], [recipient, 1])
        lean({**base, "data": "0x" + data.hex()})

    return _rate(count, send, lambda: int(token.functions.balanceOf(recipient).call()))


def engine_rate(backend: str, artifact: Artifact, count: int) -> float:
    """Transfers a second sent to the engine's own API (no web3)."""
    w3 = _web3(backend)
    token = _deploy(w3, artifact)
    sender, recipient = list(w3.eth.accounts)[:2]
    data = Web3.keccak(text="transfer(address,uint256)")[:4] + encode(
        ["address", "uint256"], [recipient, 1]
    )
    if backend == "revm":
        node = w3.provider.node  # type: ignore[attr-defined]
        request = TxRequest(sender=sender, to=token.address, data=data, gas=TRANSFER_GAS)

        def send(_: int) -> None:
            node.send(request)
    else:
        tester = w3.provider.ethereum_tester  # type: ignore[attr-defined]
        price = w3.eth.gas_price
        tx = {
            "from": sender,
            "to": token.address,
            "data": "0x" + data.hex(),
            "gas": TRANSFER_GAS,
            "max_fee_per_gas": price,
            "max_priority_fee_per_gas": price,
        }

        def send(_: int) -> None:
            tester.send_transaction(tx)

    return _rate(count, send, lambda: int(token.functions.balanceOf(recipient).call()))


def extension_raw_rate(artifact: Artifact, count: int) -> float:
    """ERC-20 transfers a second through the extension's own API (no node, no web3)."""
    from decree8._evm import Evm

    evm = Evm(
        1337,
        "PRAGUE",
        number=1,
        timestamp=1_700_000_000,
        base_fee=0,
        gas_limit=30_000_000,
        coinbase="0x" + "c0" * 20,
        prevrandao=b"\x01" * 32,
    )
    sender, recipient = "0x" + "11" * 20, "0x" + "22" * 20
    evm.set_balance(sender, 10**24)
    init = bytes.fromhex(artifact.bytecode.removeprefix("0x")) + encode(["uint256"], [10**30])
    token = evm.transact(sender, None, 0, init, 3_000_000, 0).created
    assert token is not None
    data = Web3.keccak(text="transfer(address,uint256)")[:4] + encode(
        ["address", "uint256"], [recipient, 1]
    )

    def send(_: int) -> None:
        evm.transact(sender, token, 0, data, TRANSFER_GAS, 0)

    balance_of = Web3.keccak(text="balanceOf(address)")[:4] + encode(["address"], [recipient])
    return _rate(
        count,
        send,
        lambda: int.from_bytes(
            evm.simulate(sender, token, 0, balance_of, TRANSFER_GAS).output, "big"
        ),
    )


def pyrevm_raw_rate(artifact: Artifact, count: int) -> float | None:
    """The same through pyrevm 0.3.7's ``EVM.message_call``; None when pyrevm is not installed
    (decree8 no longer depends on it)."""
    try:
        import pyrevm
    except ImportError:
        return None
    evm = pyrevm.EVM()
    sender, recipient = "0x" + "11" * 20, "0x" + "22" * 20
    evm.set_balance(sender, 10**24)
    init = bytes.fromhex(artifact.bytecode.removeprefix("0x")) + encode(["uint256"], [10**30])
    token = evm.deploy(sender, init, gas=3_000_000)
    data = Web3.keccak(text="transfer(address,uint256)")[:4] + encode(
        ["address", "uint256"], [recipient, 1]
    )

    def send(_: int) -> None:
        evm.message_call(sender, token, data, gas=TRANSFER_GAS)

    balance_of = Web3.keccak(text="balanceOf(address)")[:4] + encode(["address"], [recipient])
    return _rate(
        count,
        send,
        lambda: int.from_bytes(bytes(evm.message_call(sender, token, balance_of)), "big"),
    )


def demo_gas_differences() -> tuple[int, int, int, int]:
    """(transactions whose receipt differs, transactions, total gas on revm, on eth-tester) of
    the demo scenario run on both chains."""
    from decree8.chain import Chain
    from decree8.scenario import load_scenario, run_scenario

    scenario = load_scenario(REPO / "examples" / "demo.toml")
    build = build_project(REPO)
    receipts = []
    for chain in (Chain.revm(), Chain.embedded()):
        try:
            assert run_scenario(scenario, chain, build).ok
            found = []
            for number in range(1, chain.block_number + 1):
                for tx_hash in chain.w3.eth.get_block(number)["transactions"]:
                    r = chain.w3.eth.get_transaction_receipt(cast(Any, tx_hash))
                    logs = [(x["address"], list(x["topics"]), x["data"]) for x in r["logs"]]
                    found.append((r["gasUsed"], r["status"], r["contractAddress"], logs))
            receipts.append(found)
        finally:
            chain.close()
    revm, tester = receipts
    assert len(revm) == len(tester)
    differing = sum(1 for a, b in zip(revm, tester, strict=True) if a != b)
    return differing, len(revm), sum(r[0] for r in revm), sum(r[0] for r in tester)


def figures() -> list[Figure]:
    """Every figure of this module (about half a minute on an idle 2-core machine)."""
    artifact = _artifact()
    keccak = os.environ.get("ETH_HASH_BACKEND", "auto")
    common = f"trimmed middleware, chainId, gas and EIP-1559 fees given, eth-hash backend {keccak}"
    out = []
    for name, measure, what in (
        (
            "revm.eth_transfers_per_s_web3",
            web3_ether_rate,
            "w3.eth.send_transaction() + receipt, plain ether transfer",
        ),
        (
            "revm.erc20_transfers_per_s_web3",
            web3_contract_rate,
            "contract.functions.transfer().transact() + receipt",
        ),
        (
            "revm.erc20_transfers_with_parent_read_per_s_web3",
            web3_parent_read_rate,
            "transact() + receipt + balanceOf().call() at the parent block",
        ),
        (
            "revm.erc20_transfers_per_s_web3_lean",
            web3_lean_rate,
            "attached eth_sendTransaction Method without request normalizers, no receipt",
        ),
        (
            "revm.erc20_transfers_per_s_engine",
            engine_rate,
            "RevmNode.send vs EthereumTester.send_transaction",
        ),
    ):
        revm = measure("revm", artifact, REVM_TRANSFERS)
        tester = measure("eth-tester", artifact, TESTER_TRANSFERS)
        out.append(_figure(name, revm, f"eth-tester, same path ({what})", tester, common))
    extension = extension_raw_rate(artifact, RAW_TRANSFERS)
    pyrevm_rate = pyrevm_raw_rate(artifact, RAW_TRANSFERS)
    out.append(
        {
            "name": "revm.erc20_transfers_per_s_extension_raw",
            "value": round(extension, 1),
            "unit": "tx/s",
            "baseline": None if pyrevm_rate is None else "pyrevm 0.3.7 EVM.message_call",
            "baseline_value": None if pyrevm_rate is None else round(pyrevm_rate, 1),
            "ratio": None if pyrevm_rate is None else round(extension / pyrevm_rate, 2),
            "note": "decree8._evm.Evm.transact (validate, charge, commit, finalize each) vs "
            "pyrevm's message_call (no finalize, no fee, no nonce)",
        }
    )
    differing, total, revm_gas, tester_gas = demo_gas_differences()
    out.append(
        {
            "name": "revm.gas_differences_demo",
            "value": differing,
            "unit": "transactions",
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "note": f"of {total} demo transactions; total gas {revm_gas:,} on revm, "
            f"{tester_gas:,} on eth-tester",
        }
    )
    return out


def main() -> None:
    for figure in figures():
        print(
            f"{figure['name']}: {figure['value']} {figure['unit']} (baseline "
            f"{figure['baseline']}: {figure['baseline_value']}; ratio {figure['ratio']}x)"
        )


if __name__ == "__main__":
    main()
