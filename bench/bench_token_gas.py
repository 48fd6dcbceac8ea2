"""Gas of the compliant token against a plain OpenZeppelin ERC-20, measured in the same run on the
embedded chain (issue 3's target: a compliant transfer costs at most 2x a plain one), and the
deployment gas of the registry, the token and the plain ERC-20.

Both transfers are between holders that already hold a balance, so neither pays for a new slot. The
deployment is the token tests' own (``tests/support``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for path in (REPO / "src", REPO / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from decree8.chain import Chain  # noqa: E402
from decree8.compile import build_project  # noqa: E402
from decree8.deploy import deploy  # noqa: E402
from support import PURPOSE_GIFT, deploy_system  # noqa: E402

V = 10**18
SOURCES = ("contracts/registry", "contracts/token", "contracts/mocks/PlainERC20.sol")


def _gas(receipt: Any) -> int:
    return int(receipt["gasUsed"])


def figures() -> list[dict[str, Any]]:
    build = build_project(REPO, sources=SOURCES)
    chain = Chain.embedded(accounts=20)
    try:
        system = deploy_system(chain, build)
        plain_dep = deploy(
            chain,
            build.artifact("PlainERC20"),
            ["Plain", "PLN", system.alice, 10**24],
            sender=system.admin,
            gas=2_000_000,
        )
        plain = plain_dep.bind(chain)
        system.send(plain, "transfer", system.bob, V, sender=system.alice)
        plain_gas = _gas(system.send(plain, "transfer", system.bob, V, sender=system.alice))
        system.tok("transfer", system.exchange, V, sender=system.carol)
        compliant = _gas(system.tok("transfer", system.exchange, V, sender=system.carol))
        system.tok("transferWithPurpose", system.bob, V, PURPOSE_GIFT, sender=system.alice)
        purpose = _gas(
            system.tok("transferWithPurpose", system.bob, V, PURPOSE_GIFT, sender=system.alice)
        )
        created = {
            system.registry.address: "HolderRegistry",
            system.token.address: "CompliantToken",
            plain_dep.address: "PlainERC20",
        }
        deployments: dict[str, str] = {}
        for number in range(1, chain.block_number + 1):
            for tx in chain.w3.eth.get_block(number)["transactions"]:
                receipt = chain.w3.eth.get_transaction_receipt(tx)  # type: ignore[arg-type]
                name = created.get(str(receipt["contractAddress"] or ""))
                if name:
                    deployments[name] = receipt["transactionHash"]
        out: list[dict[str, Any]] = [
            {
                "name": "token.compliant_transfer_gas",
                "value": compliant,
                "unit": "gas",
                "baseline": "OpenZeppelin ERC-20 transfer",
                "baseline_value": plain_gas,
                "ratio": round(compliant / plain_gas, 3),
            },
            {
                "name": "token.transfer_with_purpose_gas",
                "value": purpose,
                "unit": "gas",
                "baseline": "OpenZeppelin ERC-20 transfer",
                "baseline_value": plain_gas,
                "ratio": round(purpose / plain_gas, 3),
            },
        ]
        for name, tx in deployments.items():
            receipt = chain.w3.eth.get_transaction_receipt(tx)  # type: ignore[arg-type]
            out.append({"name": f"deploy.{name}_gas", "value": _gas(receipt), "unit": "gas"})
        return out
    finally:
        chain.close()


if __name__ == "__main__":
    for figure in figures():
        print(figure)
