"""The one deployed system the token, escrow, check, audit, watch and report suites run against.

:func:`deploy_system` deploys a holder registry and a compliant token, and on request a deal escrow,
a LaxToken (audit) and the escrow's attack kit (plain and hostile ERC-20s, a reentrant receiver,
the escrow probe), all from one :class:`~decree8.compile.Build` (:func:`suite_build`), and sets up
the named parties in known registry states. :class:`System` holds the deployments and the parties
and sends, reads and asserts on them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_utils import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from decree8.chain import Chain
from decree8.check import CallRequest, Checker, Verdict
from decree8.compile import Build, build_project
from decree8.deploy import Deployment, deploy
from decree8.errors import TransactionReverted

from .constants import (
    BY,
    CAP,
    CODE,
    DAY,
    DEAL_TERMS,
    ENTITY,
    ESCROW_REGISTRATION,
    ESCROW_TERMS_HASH,
    ESCROW_TERMS_URI,
    ETH,
    FLAG_COMPETENCE_PASSED,
    FLAG_MINOR,
    FUNDS,
    GAS,
    INDIVIDUAL,
    ISSUED,
    ISSUER_REGISTRATION,
    MAX_UINT256,
    OPERATOR,
    OPERATOR_REGISTRATION,
    SALE,
    TOKEN_TERMS_HASH,
    TOKEN_TERMS_URI,
    YEAR,
    args_of,
    norm,
    ref,
)

REPO = Path(__file__).resolve().parents[2]
#: The templates only (the CLI's commands build the same set, so they share a cache).
TEMPLATE_SOURCES = ("contracts/registry", "contracts/token", "contracts/escrow")
#: The templates and every mock a suite deploys: one build for all suites.
SOURCES = (
    *TEMPLATE_SOURCES,
    "contracts/mocks/PlainERC20.sol",
    "contracts/mocks/CappedHoldingToken.sol",
    "contracts/mocks/MockERC20.sol",
    "contracts/mocks/FeeOnTransferToken.sol",
    "contracts/mocks/ReturnsFalseToken.sol",
    "contracts/mocks/ReentrantReceiver.sol",
    "contracts/mocks/ReentrantToken.sol",
    "contracts/mocks/EscrowProbe.sol",
    "contracts/mocks/HookedEscrow.sol",
    "contracts/mocks/EthRefusingParty.sol",
    "contracts/mocks/LaxToken.sol",
    "contracts/mocks/SilentRegistryMutator.sol",
)
#: Accounts a chain needs for :func:`deploy_system`: the named parties and spare ones.
ACCOUNTS = 20
#: The named accounts, in the order of the chain's account list; the rest are `spare`.
PARTY_NAMES = (
    "admin",
    "operator",
    "agent",
    "legal",
    "oversight",
    "alice",
    "bob",
    "carol",
    "exchange",
    "dave",
    "minor",
    "frank",
    "enforcer",
    "attacker",
)

Target = Deployment | Contract


def suite_build() -> Build:
    """The templates and the mocks, compiled (cached between runs)."""
    return build_project(REPO, sources=SOURCES)


def template_build() -> Build:
    """The templates alone (the set the CLI builds, so the cache is shared with it)."""
    return build_project(REPO, sources=TEMPLATE_SOURCES)


class _Optional:
    """A deployment :func:`deploy_system` makes only on request: ``System.escrow`` and the like
    give it, or fail the test naming what was not deployed."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, system: System, owner: type | None = None) -> Deployment:
        return system.deployed(self.name)


@dataclass
class System:
    """A registry and a compliant token (and, as deployed, an escrow, a lax token and the escrow's
    attack kit) on one chain, with named parties.

    Roles, the same on every contract: `admin` (DEFAULT_ADMIN and TERMS_ADMIN), `operator`
    (registry REGISTRAR and BLOCKLIST, escrow OPERATOR), `agent` (PLACEMENT_AGENT), `legal`
    (LEGAL_ORDER), `oversight` (OVERSIGHT). `enforcer`, an enforcement body's wallet, is not
    attested.

    Holders: `alice` and `bob` (eligible individuals), `carol` (an entity) and `exchange` (an
    Operator-type holder) are attested and accepted the token's terms (and the escrow's and the lax
    token's where deployed); `alice` and `carol` hold ISSUED tokens (FUNDS each for alice, bob and
    carol with the attack kit). `minor` is an attested individual who is a minor, `frank` an
    attested entity that accepted no terms, `dave` is not attested. `spare` are fresh accounts.
    See :func:`deploy_system` for the escrow and the kit.
    """

    chain: Chain
    build: Build
    registry: Deployment
    token: Deployment
    admin: str
    operator: str
    agent: str
    legal: str
    oversight: str
    alice: str
    bob: str
    carol: str
    exchange: str
    dave: str
    minor: str
    frank: str
    enforcer: str
    attacker: str
    spare: tuple[str, ...]
    #: What :func:`deploy_system` deployed beyond the registry and the token, by field name.
    optional: dict[str, Deployment] = field(default_factory=dict)
    _contracts: dict[str, Contract] = field(default_factory=dict, repr=False)
    _checker: Checker | None = field(default=None, repr=False)

    # -- contracts ------------------------------------------------------------------------------
    def contract(self, target: Target) -> Contract:
        """A web3 contract for a deployment (made once per address)."""
        if isinstance(target, Deployment):
            found = self._contracts.get(target.address)
            if found is None:
                found = self._contracts[target.address] = target.bind(self.chain)
            return found
        return target

    def deployed(self, name: str) -> Deployment:
        """The optional deployment `name`, which must have been deployed."""
        dep = self.optional.get(name)
        assert dep is not None, f"this system has no {name} (see deploy_system)"
        return dep

    escrow = _Optional()
    lax = _Optional()
    plain = _Optional()
    fee_token = _Optional()
    false_token = _Optional()
    reentrant_token = _Optional()
    receiver = _Optional()
    probe = _Optional()

    @property
    def checker(self) -> Checker:
        """A checker that knows the system's template deployments."""
        if self._checker is None:
            escrow = self.optional.get("escrow")
            deps = [self.registry, self.token] + ([escrow] if escrow else [])
            self._checker = Checker(self.chain, self.build, deployments=deps)
        return self._checker

    def now(self) -> int:
        """The latest block's timestamp."""
        return self.chain.timestamp()

    # -- transactions ---------------------------------------------------------------------------
    def send(
        self, target: Target, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> TxReceipt:
        """Sends `target.fn(*args)` from `sender` with explicit gas; returns the mined receipt."""
        tx: dict[str, Any] = {
            "from": sender,
            "to": target.address,
            "data": self.contract(target).encode_abi(fn, args=list(args)),
        }
        if value:
            tx["value"] = value
        return self.chain.transact(tx, gas=gas)

    def send_hash(self, target: Target, fn: str, *args: Any, sender: str, value: int = 0) -> str:
        """Sends like :meth:`send`; returns the transaction hash (raises on a revert)."""
        receipt = self.send(target, fn, *args, sender=sender, value=value)
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def send_raw(
        self, target: Target, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> str:
        """Sends without raising on a revert; returns the hash of the mined transaction."""
        try:
            receipt = self.send(target, fn, *args, sender=sender, value=value, gas=gas)
        except TransactionReverted as err:
            assert err.tx_hash, "a transaction with explicit gas is mined even when it reverts"
            return err.tx_hash
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def send_failing(self, target: Target, fn: str, *args: Any, sender: str) -> str:
        """Sends a transaction that must revert; returns the hash of the mined, failed one."""
        try:
            self.send(target, fn, *args, sender=sender)
        except TransactionReverted as err:
            assert err.tx_hash, "a transaction with explicit gas is mined even when it reverts"
            return err.tx_hash
        raise AssertionError(f"{fn} did not revert")

    def tok(self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS) -> TxReceipt:
        return self.send(self.token, fn, *args, sender=sender, value=value, gas=gas)

    def reg(self, fn: str, *args: Any, sender: str | None = None, gas: int = GAS) -> TxReceipt:
        return self.send(self.registry, fn, *args, sender=sender or self.operator, gas=gas)

    def esc(self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS) -> TxReceipt:
        return self.send(self.escrow, fn, *args, sender=sender, value=value, gas=gas)

    def view(self, target: Target, fn: str, *args: Any) -> Any:
        return self.contract(target).get_function_by_name(fn)(*args).call()

    def reverts(
        self, target: Target, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> TransactionReverted:
        """Asserts that the transaction reverts and returns the decoded revert."""
        with pytest.raises(TransactionReverted) as info:
            self.send(target, fn, *args, sender=sender, value=value, gas=gas)
        return info.value

    def esc_reverts(
        self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> TransactionReverted:
        return self.reverts(self.escrow, fn, *args, sender=sender, value=value, gas=gas)

    def view_reverts(self, target: Target, fn: str, *args: Any) -> TransactionReverted:
        """Asserts that the view `target.fn(*args)` reverts and returns the decoded revert (the
        same on every backend; web3's own exception type depends on how the node words it)."""
        tx = {"to": target.address, "data": self.contract(target).encode_abi(fn, args=list(args))}
        with pytest.raises(TransactionReverted) as info:
            self.chain.call(tx)
        return info.value

    def events(self, target: Target, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
        """The decoded `name` events that `target` emitted in `receipt`, as dicts of normalised
        arguments."""
        contract = self.contract(target)
        decoded = contract.events[name]().process_receipt(receipt, errors=DISCARD)
        return [
            {k: norm(v) for k, v in dict(ev["args"]).items()}
            for ev in decoded
            if ev["address"] == contract.address
        ]

    def receiver_call(
        self, target: Target, fn: str, *args: Any, value: int = 0, gas: int = GAS
    ) -> TxReceipt:
        """Makes the ReentrantReceiver call `target.fn(*args)` (sent by its owner, the attacker)."""
        data = self.contract(target).encode_abi(fn, args=list(args))
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

    # -- registry and terms -----------------------------------------------------------------------
    def attest(
        self,
        holder: str,
        holder_type: int = INDIVIDUAL,
        *,
        flags: int = FLAG_COMPETENCE_PASSED,
        jurisdiction: bytes = BY,
        valid_for: int = YEAR,
        kyc: bytes | None = None,
    ) -> TxReceipt:
        valid_until = self.now() + valid_for
        kyc_hash = kyc or bytes(Web3.keccak(text=f"kyc:{holder}"))
        return self.reg("attest", holder, holder_type, jurisdiction, valid_until, kyc_hash, flags)

    def block(self, account: str) -> TxReceipt:
        return self.reg("blockAddress", account, ref("register-entry-1"))

    def unblock(self, account: str) -> TxReceipt:
        return self.reg("unblockAddress", account, ref("register-exit-1"))

    def accept_terms(self, party: str, target: Target | None = None) -> TxReceipt:
        """`party` accepts the current terms of `target` (the token unless given)."""
        dep = target or self.token
        version = self.view(dep, "termsVersion")
        return self.send(dep, "acceptTerms", version, self.view(dep, "termsHash"), sender=party)

    def accept_token_terms(self, party: str) -> TxReceipt:
        return self.accept_terms(party, self.token)

    def accept_escrow_terms(self, party: str) -> TxReceipt:
        return self.accept_terms(party, self.escrow)

    # -- token ----------------------------------------------------------------------------------
    def balance(self, holder: str) -> int:
        return int(self.view(self.token, "balanceOf", holder))

    def detect(self, sender: str, to: str, value: int, purpose: int | None = None) -> int:
        if purpose is None:
            return int(self.view(self.token, "detectTransferRestriction", sender, to, value))
        return int(
            self.view(
                self.token, "detectTransferRestrictionWithPurpose", sender, to, value, purpose
            )
        )

    def message(self, code: int) -> str:
        return str(self.view(self.token, "messageForTransferRestriction", code))

    def assert_restricted(
        self,
        rule: str,
        fn: str,
        *args: Any,
        sender: str,
        frm: str,
        to: str,
        value: int,
        purpose: int | None = None,
        detect: bool = True,
    ) -> TransactionReverted:
        """Asserts that token.fn(*args) from `sender` reverts with TransferRestricted(rule's code,
        frm, to, value); unless `detect` is False, that the ERC-1404 view gives the same code (the
        view assumes `frm` acts itself); and that the code's message names the rule."""
        code = CODE[rule]
        err = self.reverts(self.token, fn, *args, sender=sender)
        assert err.name == "TransferRestricted", err
        assert args_of(err) == {"code": code, "from": norm(frm), "to": norm(to), "value": value}
        if detect:
            assert self.detect(frm, to, value, purpose) == code
        assert self.message(code).startswith(f"{rule}: ")
        return err

    # -- checks ---------------------------------------------------------------------------------
    def check(
        self, dep: Deployment, fn: str, args: Any = (), *, sender: str, value: int = 0
    ) -> Verdict:
        return self.checker.check_call(
            CallRequest(to=dep.address, sender=sender, function=fn, args=args, value=value)
        )

    # -- escrow ---------------------------------------------------------------------------------
    def open_deal(
        self,
        party_a: str,
        party_b: str,
        *,
        amount_a: int = 10**18,
        amount_b: int = 0,
        asset_a: str | None = None,
        asset_b: str | None = None,
        deadline_in: int = DAY,
        purpose: int = SALE,
    ) -> int:
        """Opens a deal (ETH legs unless assets are given); returns its id (the deal count)."""
        self.esc(
            "openDeal",
            party_b,
            asset_a or ETH,
            amount_a,
            asset_b or ETH,
            amount_b,
            self.now() + deadline_in,
            purpose,
            DEAL_TERMS,
            sender=party_a,
        )
        return int(self.view(self.escrow, "dealCount"))

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
        """Opens a deal lasting `duration` seconds from now and returns its id (from the event)."""
        deadline = self.now() + duration
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
        fn = self.contract(self.escrow).get_function_by_name("dealOf")
        names = [c["name"] for c in fn.abi["outputs"][0]["components"]]
        values = fn(deal_id).call()
        return {name: norm(value) for name, value in zip(names, values, strict=True)}

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
        erc20 = self.chain.w3.eth.contract(address=to_checksum_address(asset), abi=self.token.abi)
        return int(erc20.functions.balanceOf(holder).call())

    def assert_solvent(self, assets: Sequence[str]) -> None:
        """For every asset: the escrow holds exactly the funded, unreleased legs plus unwithdrawn
        credits."""
        escrow = self.escrow.address
        for asset in assets:
            assert self.held(escrow, asset) == self.locked(asset) + self.total_credits(asset), asset

    @property
    def escrow_args(self) -> list[Any]:
        """The ``DealEscrow`` constructor's arguments in this system, in ABI order (registration,
        registry, terms hash and URI, admin, operator, legal-order authority, oversight)."""
        return [
            ESCROW_REGISTRATION,
            self.registry.address,
            ESCROW_TERMS_HASH,
            ESCROW_TERMS_URI,
            self.admin,
            self.operator,
            self.legal,
            self.oversight,
        ]

    # -- isolation ------------------------------------------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with self.chain.reverting():
            yield


def deploy_system(
    chain: Chain,
    build: Build,
    *,
    escrow: bool = False,
    lax: bool = False,
    kit: bool = False,
    escrow_type: int = ENTITY,
    issue: Mapping[str, int] | None = None,
) -> System:
    """Deploys a registry and a compliant token on `chain` and sets up the parties of
    :class:`System`.

    - `escrow`: a deal escrow on the same registry, attested as `escrow_type`, whose terms the four
      holders accepted and which accepted the token's terms.
    - `lax`: a LaxToken (a CompliantToken that moves tokens without the restrictions) with the
      token's parameters; the four holders and `minor` accepted its terms.
    - `kit` (implies `escrow`; the escrow is attested as an Operator-type holder and registered with
      the token as an escrow): a plain ERC-20, a fee-on-transfer, a returns-false and a reentrant
      token, a ReentrantReceiver owned by `attacker` (both attested entities) and an EscrowProbe.
      `minor` and `dave` accepted the escrow's terms too; alice, bob, carol and the receiver hold
      FUNDS of the tokens, all approved to the escrow.
    - `issue`: holder name to amount issued (default: ISSUED to alice and carol; FUNDS to alice,
      bob and carol with the kit).
    """
    if len(chain.accounts) < len(PARTY_NAMES):
        raise ValueError(f"the test system needs a chain with {len(PARTY_NAMES)} accounts or more")
    parties = dict(zip(PARTY_NAMES, chain.accounts, strict=False))
    admin, operator, legal = parties["admin"], parties["operator"], parties["legal"]
    with_escrow = escrow or kit

    def dep(name: str, *args: Any, sender: str = admin, template: str | None = None) -> Deployment:
        return deploy(
            chain, build.artifact(name), list(args), sender=sender, gas=6_000_000, template=template
        )

    registry = dep(
        "HolderRegistry", OPERATOR_REGISTRATION, admin, operator, template="holder-registry"
    )
    token_args = [
        "Decree Token",
        "DCR",
        CAP,
        ISSUER_REGISTRATION,
        registry.address,
        TOKEN_TERMS_HASH,
        TOKEN_TERMS_URI,
        admin,
        parties["agent"],
        legal,
        parties["oversight"],
    ]
    token = dep("CompliantToken", *token_args, template="compliant-token")
    s = System(
        chain=chain,
        build=build,
        registry=registry,
        token=token,
        admin=parties["admin"],
        operator=parties["operator"],
        agent=parties["agent"],
        legal=parties["legal"],
        oversight=parties["oversight"],
        alice=parties["alice"],
        bob=parties["bob"],
        carol=parties["carol"],
        exchange=parties["exchange"],
        dave=parties["dave"],
        minor=parties["minor"],
        frank=parties["frank"],
        enforcer=parties["enforcer"],
        attacker=parties["attacker"],
        spare=tuple(chain.accounts[len(PARTY_NAMES) :]),
    )
    if with_escrow:
        s.optional["escrow"] = dep("DealEscrow", *s.escrow_args, template="deal-escrow")
    if lax:
        s.optional["lax"] = dep("LaxToken", *token_args)
    if kit:
        s.optional.update(
            plain=dep("MockERC20", "Plain", "PLN"),
            fee_token=dep("FeeOnTransferToken", 100),
            false_token=dep("ReturnsFalseToken"),
            reentrant_token=dep("ReentrantToken"),
            receiver=dep("ReentrantReceiver", sender=s.attacker),
            probe=dep("EscrowProbe"),
        )

    terms_of = [token, *(s.optional[n] for n in ("escrow", "lax") if n in s.optional)]
    for holder, holder_type in (
        (s.alice, INDIVIDUAL),
        (s.bob, INDIVIDUAL),
        (s.carol, ENTITY),
        (s.exchange, OPERATOR),
    ):
        s.attest(holder, holder_type)
        for target in terms_of:
            s.accept_terms(holder, target)
    s.attest(s.minor, INDIVIDUAL, flags=FLAG_MINOR | FLAG_COMPETENCE_PASSED)
    s.attest(s.frank, ENTITY)
    if lax:
        s.accept_terms(s.minor, s.lax)
    if with_escrow:
        s.attest(s.escrow.address, OPERATOR if kit else escrow_type)
        s.esc("acceptTokenTerms", token.address, 1, TOKEN_TERMS_HASH, sender=operator)
    if kit:
        _set_up_kit(s)
    default = dict.fromkeys(
        ("alice", "bob", "carol") if kit else ("alice", "carol"), FUNDS if kit else ISSUED
    )
    for name, amount in (default if issue is None else issue).items():
        for target in [token, s.lax] if lax else [token]:
            s.send(target, "issue", parties[name], amount, sender=s.agent)
    if kit:
        for party in (s.alice, s.bob, s.carol):
            s.send(token, "approve", s.escrow.address, MAX_UINT256, sender=party)
    return s


def _set_up_kit(s: System) -> None:
    """The escrow's attack kit: see :func:`deploy_system`."""
    escrow, receiver = s.escrow, s.receiver
    s.attest(s.attacker, ENTITY)
    s.attest(receiver.address, ENTITY)
    # The token's legal-order authority registers the escrow: the token's orders then reach escrowed
    # tokens only through the escrow (issue 12: the escrow stays solvent).
    s.send(s.token, "registerEscrow", escrow.address, ref("ESCROW-REG-1"), sender=s.legal)
    for party in (s.minor, s.dave):
        s.accept_terms(party, escrow)
    s.receiver_call(escrow, "acceptTerms", 1, ESCROW_TERMS_HASH)
    s.receiver_call(s.token, "acceptTerms", 1, TOKEN_TERMS_HASH)
    for erc20 in (s.plain, s.reentrant_token):
        for party in (s.alice, s.bob, s.carol):
            s.send(erc20, "mint", party, FUNDS, sender=s.admin)
            s.send(erc20, "approve", escrow.address, MAX_UINT256, sender=party)
        s.send(erc20, "mint", receiver.address, FUNDS, sender=s.admin)
        s.receiver_call(erc20, "approve", escrow.address, MAX_UINT256)
