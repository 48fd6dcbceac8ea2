"""Gas on revm against eth-tester for the same transactions, in the same run.

decree8's extension finalizes every transaction (cold/warm access and original storage values
reset at the boundary) on eth-tester's hardfork, so every transaction costs exactly the same,
including the repeated writes that cost less under pyrevm (which kept slots warm).
"""

from __future__ import annotations

from revm_helpers import GAS, deploy, new_web3

from decree8.compile import Artifact


def _gas_of_sequence(backend: str, artifact: Artifact) -> dict[str, int]:
    w3 = new_web3(backend)
    sender = w3.eth.accounts[0]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    deployed = w3.eth.get_transaction_receipt(factory.constructor().transact({"from": sender}))
    probe = deploy(w3, artifact)  # a second, untouched instance for the first-touch calls
    used = {"deploy": deployed["gasUsed"]}

    def gas(name: str, tx_hash: bytes) -> None:
        used[name] = w3.eth.get_transaction_receipt(tx_hash)["gasUsed"]

    gas("first_set", probe.functions.setValue(5).transact({"from": sender}))
    gas("second_set", probe.functions.setValue(6).transact({"from": sender}))
    gas("reverted", probe.functions.setValue(10**7).transact({"from": sender, "gas": GAS}))
    gas("first_deposit", probe.functions.deposit().transact({"from": sender, "value": 10}))
    gas("transfer", w3.eth.send_transaction({"from": sender, "to": w3.eth.accounts[1], "value": 1}))
    return used


def test_every_transaction_costs_what_it_costs_on_eth_tester(chain_probe: Artifact) -> None:
    revm = _gas_of_sequence("revm", chain_probe)
    tester = _gas_of_sequence("eth-tester", chain_probe)
    assert revm == tester
    # the second write to a slot pays the clean-slot price (cold again, original value reset)
    assert revm["second_set"] < revm["first_set"]
