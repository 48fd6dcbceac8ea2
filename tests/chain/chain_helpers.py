"""Helpers for the chain tests: the ChainProbe contract deployed on a chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract

from decree8.chain import Chain
from decree8.compile import Artifact

LIMIT = 1_000_000  # ChainProbe.LIMIT


@dataclass(frozen=True)
class Probe:
    """A deployed ChainProbe and the chain it lives on."""

    chain: Chain
    contract: Contract

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def tx(self, fn: str, *args: Any, **fields: Any) -> dict[str, Any]:
        """A transaction dict calling ``fn(*args)`` on the probe."""
        return {"to": self.address, "data": self.contract.encode_abi(fn, list(args)), **fields}

    def read(self, fn: str, *args: Any) -> Any:
        """Calls the view ``fn`` through :meth:`Chain.call` and decodes its single output."""
        raw = self.chain.call(self.tx(fn, *args))
        outputs = self.contract.get_function_by_name(fn).abi["outputs"]
        (value,) = self.chain.w3.codec.decode([o["type"] for o in outputs], raw)
        return value


def balance(chain: Chain, account: str) -> int:
    """The wei balance of ``account`` at the latest block."""
    return int(chain.w3.eth.get_balance(checksum(account)))


def checksum(address: str) -> ChecksumAddress:
    return Web3.to_checksum_address(address)


def deploy_probe(chain: Chain, artifact: Artifact) -> Probe:
    """Deploys ChainProbe from the first account and teaches the chain its errors."""
    chain.register_abi(artifact.abi)
    receipt = chain.transact({"data": "0x" + artifact.bytecode})
    address = receipt["contractAddress"]
    assert address is not None
    return Probe(chain, chain.w3.eth.contract(address=address, abi=artifact.abi))
