"""Shared pieces of the escrow tests (and of `bench/bench_escrow.py`): the deployed system of
registry, compliant token, escrow and attack mocks on one chain, named parties, and revert
assertions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_utils import is_address, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.deploy import deploy
from decree8.errors import TransactionReverted
from decree8.rules import load_pack

ROOT = Path(__file__).resolve().parents[2]
#: Only what these tests deploy, so that work in progress elsewhere in contracts/ cannot break them.
SOURCES = (
    "contracts/registry",
    "contracts/token",
    "contracts/escrow",
    "contracts/mocks/MockERC20.sol",
    "contracts/mocks/FeeOnTransferToken.sol",
    "contracts/mocks/ReturnsFalseToken.sol",
    "contracts/mocks/ReentrantReceiver.sol",
    "contracts/mocks/ReentrantToken.sol",
    "contracts/mocks/EscrowProbe.sol",
    "contracts/mocks/HookedEscrow.sol",
    "contracts/mocks/EthRefusingParty.sol",
)

GAS = 1_500_000
DAY = 24 * 60 * 60
YEAR = 365 * DAY
ETH = "0x0000000000000000000000000000000000000000"
ZERO32 = b"\0" * 32
MAX_UINT256 = 2**256 - 1

# IHolderRegistry.HolderType and HolderRegistry flags
INDIVIDUAL, ENTITY, OPERATOR = 1, 2, 3
FLAG_MINOR, FLAG_COMPETENCE_PASSED = 1, 2
# DealEscrow purposes, legs and states
SALE, INVESTMENT, LOAN, OTHER, PAYMENT = 1, 2, 3, 4, 5
LEG_A, LEG_B = 0, 1
NONE, OPEN, FUNDED, COMPLETED, REFUNDED, DISPUTED, RESOLVED = range(7)
FINAL_STATES = (COMPLETED, REFUNDED, RESOLVED)

#: ERC-1404 code of every rule, from the rule pack (kept equal to RuleCodes.sol by the rules tests).
CODE: dict[str, int] = {rule.id: rule.code for rule in load_pack()}

BY = b"BY"
OPERATOR_REGISTRATION = b"HTP-OPERATOR-0001".ljust(32, b"\0")
ESCROW_REGISTRATION = b"HTP-ESCROW-0007".ljust(32, b"\0")
ISSUER_REGISTRATION = b"HTP-ISSUER-0042".ljust(32, b"\0")
ESCROW_TERMS_HASH = bytes(Web3.keccak(text="escrow terms v1"))
ESCROW_TERMS_URI = "ipfs://escrow-terms-v1"
TOKEN_TERMS_HASH = bytes(Web3.keccak(text="token white paper v1"))
TOKEN_TERMS_URI = "ipfs://token-terms-v1"
ESCROW_TERMS = (1, ESCROW_TERMS_HASH)  # (version, hash) of the escrow's terms at deployment
TOKEN_TERMS = (1, TOKEN_TERMS_HASH)
DEAL_TERMS = bytes(Web3.keccak(text="deal terms"))
CAP = 10**9 * 10**18
FUNDS = 1_000_000 * 10**18  # token balance of each party


def ref(text: str) -> bytes:
    """A bytes32 reference (order, dispute reason, resolution) made from a short text."""
    return text.encode().ljust(32, b"\0")


def build_escrow_project() -> Build:
    return build_project(ROOT, sources=SOURCES)


def _norm(value: Any) -> Any:
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return value


@dataclass(frozen=True)
class EscrowSystem:
    """Registry, compliant token, escrow, a plain ERC-20 and attack mocks on one chain.

    Roles: `admin` (DEFAULT_ADMIN and TERMS_ADMIN everywhere, token placement agent), `operator`
    (registry registrar and blocklist keeper, escrow OPERATOR_ROLE), `legal` (LEGAL_ORDER_ROLE),
    `oversight` (OVERSIGHT_ROLE), `enforcer` (an enforcement body's wallet, not attested). Parties:
    `alice`, `bob` (eligible individuals), `carol` (an entity), `erin` (a minor: identified, not
    eligible), `dave` (not attested), `attacker` (an entity that owns `receiver`, a
    ReentrantReceiver attested as an entity). alice, bob, carol and the receiver accepted the
    escrow's and the token's terms (erin and dave only the escrow's) and hold FUNDS of the compliant
    token, the plain token and the reentrant token, all approved to the escrow; the escrow is an
    Operator-type holder, accepted the token's terms and is registered with the token as an escrow
    (`legal` is the legal-order authority of both). `probe` (EscrowProbe) reads the escrow's
    books in one call.
    """

    chain: Chain
    registry: Contract
    token: Contract
    escrow: Contract
    plain: Contract
    fee_token: Contract
    false_token: Contract
    reentrant_token: Contract
    receiver: Contract
    probe: Contract
    admin: str
    operator: str
    legal: str
    oversight: str
    enforcer: str
    alice: str
    bob: str
    carol: str
    erin: str
    dave: str
    attacker: str

    # -- transactions ---------------------------------------------------------------------------
    def send(
        self, contract: Contract, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> TxReceipt:
        """Sends `contract.fn(*args)` from `sender` and returns the mined receipt."""
        tx = {
            "from": sender,
            "to": contract.address,
            "data": contract.encode_abi(fn, args=list(args)),
            "value": value,
        }
        return self.chain.transact(tx, gas=gas)

    def esc(self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS) -> TxReceipt:
        return self.send(self.escrow, fn, *args, sender=sender, value=value, gas=gas)

    def reverts(
        self, contract: Contract, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> TransactionReverted:
        """Asserts that the transaction reverts and returns the decoded revert."""
        with pytest.raises(TransactionReverted) as info:
            self.send(contract, fn, *args, sender=sender, value=value, gas=gas)
        return info.value

    def esc_reverts(
        self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> TransactionReverted:
        return self.reverts(self.escrow, fn, *args, sender=sender, value=value, gas=gas)

    def view(self, contract: Contract, fn: str, *args: Any) -> Any:
        return contract.get_function_by_name(fn)(*args).call()

    def events(self, contract: Contract, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
        """The decoded `name` events of `contract` in `receipt`, as plain dicts of normalised
        values.
        """
        logs = contract.events[name]().process_receipt(receipt, errors=DISCARD)
        return [{k: _norm(v) for k, v in log["args"].items()} for log in logs]

    def receiver_call(
        self, target: Contract, fn: str, *args: Any, value: int = 0, gas: int = GAS
    ) -> TxReceipt:
        """Makes the ReentrantReceiver call `target.fn(*args)` (sent by its owner, the attacker)."""
        data = target.encode_abi(fn, args=list(args))
        return self.send(
            self.receiver,
            "execute",
            target.address,
            value,
            data,
            sender=self.attacker,
            value=value,
            gas=gas,
        )

    # -- escrow shortcuts -------------------------------------------------------------------------
    def open(
        self,
        sender: str,
        counterparty: str,
        asset_a: str,
        amount_a: int,
        asset_b: str = ETH,
        amount_b: int = 0,
        *,
        duration: int = DAY,
        purpose: int = SALE,
        terms: bytes = DEAL_TERMS,
    ) -> int:
        """Opens a deal lasting `duration` seconds from now and returns its id."""
        deadline = self.chain.timestamp() + duration
        receipt = self.esc(
            "openDeal",
            counterparty,
            asset_a,
            amount_a,
            asset_b,
            amount_b,
            deadline,
            purpose,
            terms,
            sender=sender,
        )
        (opened,) = self.events(self.escrow, "DealOpened", receipt)
        return int(opened["dealId"])

    def accept(self, deal_id: int, sender: str, terms: bytes = DEAL_TERMS) -> TxReceipt:
        return self.esc("acceptDeal", deal_id, terms, sender=sender)

    def fund(self, deal_id: int, sender: str, gas: int = GAS) -> TxReceipt:
        """Funds the sender's leg, sending the ETH the leg needs."""
        deal = self.deal(deal_id)
        asset, amount = (
            (deal["assetA"], deal["amountA"])
            if sender == deal["partyA"]
            else (deal["assetB"], deal["amountB"])
        )
        return self.esc(
            "fund", deal_id, sender=sender, value=amount if asset == ETH else 0, gas=gas
        )

    def ready(
        self,
        maker: str,
        taker: str,
        asset_a: str,
        amount_a: int,
        asset_b: str = ETH,
        amount_b: int = 0,
        *,
        duration: int = DAY,
    ) -> int:
        """Opens, accepts and fully funds a deal; returns its id (state Funded)."""
        deal_id = self.open(maker, taker, asset_a, amount_a, asset_b, amount_b, duration=duration)
        self.accept(deal_id, taker)
        self.fund(deal_id, maker)
        if amount_b:
            self.fund(deal_id, taker)
        return deal_id

    def deal(self, deal_id: int) -> dict[str, Any]:
        """`dealOf(deal_id)` as a dict keyed by the struct's field names."""
        fn = self.escrow.get_function_by_name("dealOf")
        names = [c["name"] for c in fn.abi["outputs"][0]["components"]]
        values = fn(deal_id).call()
        return {name: _norm(value) for name, value in zip(names, values, strict=True)}

    def credit(self, account: str, asset: str) -> int:
        return int(self.view(self.escrow, "creditOf", account, asset))

    def locked(self, asset: str) -> int:
        return int(self.view(self.escrow, "lockedIn", asset))

    def total_credits(self, asset: str) -> int:
        return int(self.view(self.escrow, "totalCredits", asset))

    def held(self, account: str, asset: str) -> int:
        """What `account` holds of `asset` in its own wallet (ETH balance for `ETH`)."""
        holder = to_checksum_address(account)
        if asset == ETH:
            return int(self.chain.w3.eth.get_balance(holder))
        erc20 = self.chain.w3.eth.contract(address=to_checksum_address(asset), abi=self.plain.abi)
        return int(erc20.functions.balanceOf(holder).call())

    def assert_solvent(self, assets: Sequence[str]) -> None:
        """For every asset: the escrow holds exactly the funded, unreleased legs plus unwithdrawn
        credits.
        """
        for asset in assets:
            assert self.held(self.escrow.address, asset) == self.locked(asset) + self.total_credits(
                asset
            ), asset

    # -- registry shortcuts -----------------------------------------------------------------------
    def attest(
        self,
        holder: str,
        holder_type: int = INDIVIDUAL,
        *,
        flags: int = FLAG_COMPETENCE_PASSED,
        valid_for: int = YEAR,
    ) -> TxReceipt:
        valid_until = self.chain.timestamp() + valid_for
        kyc_hash = bytes(Web3.keccak(text=f"kyc:{holder}"))
        return self.send(
            self.registry,
            "attest",
            holder,
            holder_type,
            BY,
            valid_until,
            kyc_hash,
            flags,
            sender=self.operator,
        )

    def block(self, account: str) -> TxReceipt:
        return self.send(
            self.registry, "blockAddress", account, ref("register-entry-1"), sender=self.operator
        )

    def unblock(self, account: str) -> TxReceipt:
        return self.send(
            self.registry, "unblockAddress", account, ref("register-exit-1"), sender=self.operator
        )

    def accept_escrow_terms(self, party: str) -> TxReceipt:
        version = self.view(self.escrow, "termsVersion")
        return self.esc("acceptTerms", version, self.view(self.escrow, "termsHash"), sender=party)

    def accept_token_terms(self, party: str) -> TxReceipt:
        version = self.view(self.token, "termsVersion")
        return self.send(
            self.token, "acceptTerms", version, self.view(self.token, "termsHash"), sender=party
        )

    # -- isolation --------------------------------------------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[None]:
        snap = self.chain.snapshot()
        try:
            yield
        finally:
            self.chain.revert(snap)


def assert_restricted(err: TransactionReverted, rule: str, deal_id: int, party: str) -> None:
    """The revert is `DealRestricted` with the code of `rule` for `deal_id` and `party`."""
    assert err.name == "DealRestricted", err
    assert err.args == {"code": CODE[rule], "dealId": deal_id, "party": party}, err


def assert_error(err: TransactionReverted, name: str, **args: Any) -> None:
    """The revert is the custom error `name` with exactly `args` (addresses, bytes normalised)."""
    assert err.name == name, err
    assert {k: _norm(v) for k, v in err.args.items()} == {k: _norm(v) for k, v in args.items()}, err


def deploy_system(chain: Chain, build: Build) -> EscrowSystem:
    """Deploys and sets up the whole system (see :class:`EscrowSystem`) on `chain`."""
    accounts = chain.accounts
    if len(accounts) < 11:
        raise ValueError("the escrow system needs a chain with at least 11 accounts")
    admin, operator, legal, oversight, enforcer, alice, bob, carol, erin, dave, attacker = accounts[
        :11
    ]

    def dep(name: str, *args: Any, sender: str = admin) -> Contract:
        return deploy(chain, build.artifact(name), list(args), sender=sender, gas=6_000_000).bind(
            chain
        )

    registry = dep("HolderRegistry", OPERATOR_REGISTRATION, admin, operator)
    token = dep(
        "CompliantToken",
        "Decree Token",
        "DCR",
        CAP,
        ISSUER_REGISTRATION,
        registry.address,
        TOKEN_TERMS_HASH,
        TOKEN_TERMS_URI,
        admin,
        admin,
        legal,
        oversight,
    )
    escrow = dep(
        "DealEscrow",
        ESCROW_REGISTRATION,
        registry.address,
        ESCROW_TERMS_HASH,
        ESCROW_TERMS_URI,
        admin,
        operator,
        legal,
        oversight,
    )
    plain = dep("MockERC20", "Plain", "PLN")
    fee_token = dep("FeeOnTransferToken", 100)
    false_token = dep("ReturnsFalseToken")
    reentrant_token = dep("ReentrantToken")
    receiver = dep("ReentrantReceiver", sender=attacker)
    probe = dep("EscrowProbe")
    system = EscrowSystem(
        chain=chain,
        registry=registry,
        token=token,
        escrow=escrow,
        plain=plain,
        fee_token=fee_token,
        false_token=false_token,
        reentrant_token=reentrant_token,
        receiver=receiver,
        probe=probe,
        admin=admin,
        operator=operator,
        legal=legal,
        oversight=oversight,
        enforcer=enforcer,
        alice=alice,
        bob=bob,
        carol=carol,
        erin=erin,
        dave=dave,
        attacker=attacker,
    )
    for holder, holder_type in (
        (alice, INDIVIDUAL),
        (bob, INDIVIDUAL),
        (carol, ENTITY),
        (attacker, ENTITY),
        (receiver.address, ENTITY),
        (escrow.address, OPERATOR),
    ):
        system.attest(holder, holder_type)
    system.attest(erin, INDIVIDUAL, flags=FLAG_MINOR | FLAG_COMPETENCE_PASSED)
    system.esc("acceptTokenTerms", token.address, *TOKEN_TERMS, sender=operator)
    # The token's legal-order authority registers the escrow: the token's orders then reach escrowed
    # tokens only through the escrow (issue 12: the escrow stays solvent).
    system.send(token, "registerEscrow", escrow.address, ref("ESCROW-REG-1"), sender=legal)

    for party in (alice, bob, carol, erin, dave):
        system.esc("acceptTerms", *ESCROW_TERMS, sender=party)
    for party in (alice, bob, carol):
        system.send(token, "acceptTerms", *TOKEN_TERMS, sender=party)
    system.receiver_call(escrow, "acceptTerms", *ESCROW_TERMS)
    system.receiver_call(token, "acceptTerms", *TOKEN_TERMS)

    for party in (alice, bob, carol):
        system.send(token, "issue", party, FUNDS, sender=admin)
        for erc20 in (plain, reentrant_token):
            system.send(erc20, "mint", party, FUNDS, sender=admin)
        for erc20 in (token, plain, reentrant_token):
            system.send(erc20, "approve", escrow.address, MAX_UINT256, sender=party)
    for erc20 in (plain, reentrant_token):
        system.send(erc20, "mint", receiver.address, FUNDS, sender=admin)
        system.receiver_call(erc20, "approve", escrow.address, MAX_UINT256)
    return system


def measure_gas(system: EscrowSystem) -> list[dict[str, Any]]:
    """Gas used by each escrow operation on a fresh deal, as `{"name", "value", "unit"}` figures.

    Runs inside a snapshot, so the system is left as it was.
    """
    s = system
    figures: list[dict[str, Any]] = []

    def record(name: str, receipt: TxReceipt) -> None:
        figures.append({"name": f"escrow {name}", "value": int(receipt["gasUsed"]), "unit": "gas"})

    def opened(receipt: TxReceipt) -> int:
        return int(s.events(s.escrow, "DealOpened", receipt)[0]["dealId"])

    with s.snapshot():
        deadline = s.chain.timestamp() + DAY
        receipt = s.esc(
            "openDeal", s.bob, ETH, 10**18, ETH, 0, deadline, SALE, DEAL_TERMS, sender=s.alice
        )
        record("openDeal (one-sided, ETH)", receipt)
        deposit = opened(receipt)
        receipt = s.esc(
            "openDeal",
            s.carol,
            s.token.address,
            10**18,
            s.plain.address,
            10**18,
            deadline,
            SALE,
            DEAL_TERMS,
            sender=s.alice,
        )
        record("openDeal (two-sided, ERC-20 both legs)", receipt)
        swap = opened(receipt)
        record("acceptDeal", s.accept(deposit, s.bob))
        s.accept(swap, s.carol)
        record("fund (ETH leg)", s.fund(deposit, s.alice))
        record("fund (compliant token leg)", s.fund(swap, s.alice))
        record("fund (plain ERC-20 leg)", s.fund(swap, s.carol))
        record("complete (one-sided)", s.esc("complete", deposit, sender=s.alice))
        record("complete (two-sided)", s.esc("complete", swap, sender=s.carol))
        record("withdraw (ETH)", s.esc("withdraw", ETH, sender=s.bob))
        record("withdraw (compliant token)", s.esc("withdraw", s.token.address, sender=s.carol))
        record("withdraw (plain ERC-20)", s.esc("withdraw", s.plain.address, sender=s.alice))
        late = s.ready(s.alice, s.carol, ETH, 10**18, s.plain.address, 10**18)
        s.chain.time_travel(DAY)
        record("refund (two legs)", s.esc("refund", late, sender=s.bob))
        disputed = s.ready(s.alice, s.carol, ETH, 10**18, s.plain.address, 10**18)
        record("dispute", s.esc("dispute", disputed, ref("reason"), sender=s.carol))
        record(
            "resolve (two legs, split)",
            s.esc("resolve", disputed, 5_000, ref("ruling"), sender=s.operator),
        )
    return figures
