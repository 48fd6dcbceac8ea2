"""Example: issue a compliant token and sell it through a two-sided escrow deal.

An HTP resident's placement agent issues 1,000 tokens to carol (an identified entity) under
published terms; carol sells 100 of them to bob (an identified individual) for 0.5 ETH through the
escrow, delivery versus payment: both accept the deal's terms by hash, both fund their leg, the deal
completes atomically and each withdraws what it was credited. A direct sale between two
individuals is refused on the way (P2P-SALE).

    python examples/issue_and_sell.py            # on a fresh embedded chain
    python examples/issue_and_sell.py --rpc http://127.0.0.1:8545
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.errors import TransactionReverted
from decree8.testing import ELIGIBLE_ENTITY, ELIGIBLE_INDIVIDUAL, Factory
from decree8.testing.stateful import revert_rule

REPO = Path(__file__).resolve().parents[1]
TERMS = REPO / "examples" / "terms" / "minsk-token-white-paper.md"
DEAL_TERMS = REPO / "examples" / "terms" / "deal-terms.md"
TEMPLATES = ("contracts/registry", "contracts/token", "contracts/escrow")
UNIT = 10**18
ETH = "0x" + "00" * 20
SALE_PURPOSE = 1  # DealEscrow.PURPOSE_TOKEN_SALE_OR_EXCHANGE


@dataclass(frozen=True)
class SaleResult:
    deal_id: int
    deal_state: int  # DealEscrow.DealState: 3 = Completed
    carol_tokens: int
    bob_tokens: int
    carol_eth_gain: int
    escrow_tokens: int
    refused_rule: str | None  # the rule that stopped the direct sale between individuals


def run(chain: Chain, build: Build, say: bool = True) -> SaleResult:
    def log(text: str) -> None:
        if say:
            print(text)

    factory = Factory(chain, build)
    a = factory.accounts
    parties = {"alice": ELIGIBLE_INDIVIDUAL, "bob": ELIGIBLE_INDIVIDUAL, "carol": ELIGIBLE_ENTITY}
    registry = factory.registry(operator_registration="HTP-2019-0777", parties=parties)
    token = factory.token(
        registry=registry,
        name="Minsk Digital Token",
        symbol="MDT",
        cap="1000000e18",
        issuer_registration="HTP-2018-0421",
        terms=TERMS.read_bytes(),
        terms_uri="https://example.org/mdt/white-paper-v1.md",
        parties=parties,
    )
    escrow = factory.escrow(registry=registry, parties=parties, tokens=[token])
    log(f"registry {registry.address}, token {token.address}, escrow {escrow.address}")

    token.send("issue", a.carol, 1_000 * UNIT, sender=a.issuer)
    token.send("issue", a.alice, 10 * UNIT, sender=a.issuer)
    log("the placement agent issued 1000 MDT to carol and 10 MDT to alice")

    refused = None
    try:
        token.send("transfer", a.bob, 5 * UNIT, sender=a.alice)
    except TransactionReverted as err:
        refused = revert_rule("CompliantToken", "transfer", err)
        log(f"alice's direct sale to bob was refused: {err.name} ({refused})")

    deal_terms = keccak(DEAL_TERMS.read_bytes())
    deadline = chain.timestamp() + 7 * 24 * 3600
    price = UNIT // 2
    token.send("approve", escrow.address, 100 * UNIT, sender=a.carol)
    escrow.send(
        "openDeal",
        a.bob,
        token.address,
        100 * UNIT,
        ETH,
        price,
        deadline,
        SALE_PURPOSE,
        deal_terms,
        sender=a.carol,
    )
    deal_id = int(escrow.call("dealCount"))
    escrow.send("acceptDeal", deal_id, deal_terms, sender=a.bob)
    escrow.send("fund", deal_id, sender=a.carol)
    escrow.send("fund", deal_id, sender=a.bob, value=price)
    escrow.send("complete", deal_id, sender=a.bob)
    log(f"deal {deal_id}: 100 MDT against 0.5 ETH, accepted, funded by both and completed")

    eth_before = chain.w3.eth.get_balance(a.carol)
    receipt = escrow.send("withdraw", ETH, sender=a.carol)
    fee = int(receipt["gasUsed"]) * int(receipt.get("effectiveGasPrice", 0))
    escrow.send("withdraw", token.address, sender=a.bob)
    gain = chain.w3.eth.get_balance(a.carol) - eth_before + fee
    result = SaleResult(
        deal_id=deal_id,
        deal_state=int(escrow.call("dealOf", deal_id)[3]),
        carol_tokens=int(token.call("balanceOf", a.carol)),
        bob_tokens=int(token.call("balanceOf", a.bob)),
        carol_eth_gain=gain,
        escrow_tokens=int(token.call("balanceOf", escrow.address)),
        refused_rule=refused,
    )
    log(
        f"carol holds {result.carol_tokens / UNIT:g} MDT and withdrew {gain / UNIT:g} ETH; "
        f"bob holds {result.bob_tokens / UNIT:g} MDT"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpc", help="a JSON-RPC node (default: a fresh embedded chain)")
    args = parser.parse_args(argv)
    build = build_project(REPO, sources=TEMPLATES)
    with Chain.rpc(args.rpc) if args.rpc else Chain.embedded() as chain:
        run(chain, build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
