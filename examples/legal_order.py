"""Example: execute a legal order against a token holder: freeze, partial arrest, forced transfer.

Alice holds 100 tokens. Under enforcement order MoJ-EP-2026-117 the legal-order authority first
freezes her address as a whole (she can neither send nor receive: LEGAL-ORDER), lifts that and
arrests 60 tokens instead (she may spend only the other 40), then moves the 60 arrested tokens to
the enforcement body's identified wallet with a forced transfer and releases what stays frozen.
Actions without the order's reference, or by anyone but the authority, are refused. Every step
is recorded in events an auditor can replay.

    python examples/legal_order.py
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.errors import TransactionReverted
from decree8.testing import ELIGIBLE_ENTITY, ELIGIBLE_INDIVIDUAL, Factory
from decree8.testing.stateful import revert_rule

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = ("contracts/registry", "contracts/token", "contracts/escrow")
UNIT = 10**18
ORDER = b"MoJ-EP-2026-117".ljust(32, b"\0")
GIFT = 1  # CompliantToken.PURPOSE_GIFT


@dataclass(frozen=True)
class OrderResult:
    refused: dict[str, str | None]  # what was refused, and under which rule
    alice_balance: int
    alice_frozen: int
    enforcer_balance: int
    events: tuple[str, ...]  # legal-order events in the order they were emitted


def run(chain: Chain, build: Build, say: bool = True) -> OrderResult:
    def log(text: str) -> None:
        if say:
            print(text)

    factory = Factory(chain, build)
    a = factory.accounts
    parties = {
        "alice": ELIGIBLE_INDIVIDUAL,
        "bob": ELIGIBLE_INDIVIDUAL,
        "enforcer": ELIGIBLE_ENTITY,
    }
    token = factory.token(parties=parties, issue={"alice": 100 * UNIT})
    start = chain.block_number
    refused: dict[str, str | None] = {}

    def attempt(what: str, fn: str, *args: object, sender: str) -> None:
        try:
            token.send(fn, *args, sender=sender)
            log(f"  done     {what}")
        except TransactionReverted as err:
            refused[what] = revert_rule("CompliantToken", fn, err)
            log(f"  refused  {what}: {err.name} -> {refused[what]}")

    log("alice holds 100 tokens; the order arrives")
    attempt("freeze without an order reference", "freeze", a.alice, b"\0" * 32, sender=a.enforcer)
    attempt("freeze alice under the order", "freeze", a.alice, ORDER, sender=a.enforcer)
    attempt(
        "alice gifts 1 token to bob while frozen",
        "transferWithPurpose",
        a.bob,
        UNIT,
        GIFT,
        sender=a.alice,
    )
    attempt("bob (not the authority) unfreezes alice", "unfreeze", a.alice, ORDER, sender=a.bob)
    attempt("lift the whole-address freeze", "unfreeze", a.alice, ORDER, sender=a.enforcer)
    attempt(
        "arrest 60 of alice's tokens", "freezeAmount", a.alice, 60 * UNIT, ORDER, sender=a.enforcer
    )
    attempt(
        "alice gifts 50 tokens (only 40 are free)",
        "transferWithPurpose",
        a.bob,
        50 * UNIT,
        GIFT,
        sender=a.alice,
    )
    attempt(
        "forced transfer of the 60 arrested tokens to the enforcer's wallet",
        "forcedTransfer",
        a.alice,
        a.enforcer,
        60 * UNIT,
        ORDER,
        sender=a.enforcer,
    )
    # A forced transfer takes free tokens first and reduces the arrest by the excess (here 20),
    # so 40 stay frozen; the order executed, the authority releases them.
    frozen = token.call("frozenBalanceOf", a.alice)
    attempt(
        "release what remains arrested", "unfreezeAmount", a.alice, frozen, ORDER, sender=a.enforcer
    )
    attempt("alice gifts 10 tokens", "transferWithPurpose", a.bob, 10 * UNIT, GIFT, sender=a.alice)

    names = ("AddressFrozen", "AddressUnfrozen", "TokensFrozen", "TokensUnfrozen", "ForcedTransfer")
    contract = token.contract
    logs = [
        (ev["blockNumber"], ev["logIndex"], name)
        for name in names
        for ev in contract.events[name]().get_logs(from_block=start)
    ]
    events = tuple(name for _, _, name in sorted(logs))
    result = OrderResult(
        refused=refused,
        alice_balance=int(token.call("balanceOf", a.alice)),
        alice_frozen=int(token.call("frozenBalanceOf", a.alice)),
        enforcer_balance=int(token.call("balanceOf", a.enforcer)),
        events=events,
    )
    log(f"recorded: {', '.join(events)}")
    log(
        f"alice {result.alice_balance / UNIT:g} (frozen {result.alice_frozen / UNIT:g}), "
        f"enforcer {result.enforcer_balance / UNIT:g}"
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
