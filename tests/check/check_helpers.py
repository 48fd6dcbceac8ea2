"""The deployed system the checker tests run against: a holder registry, a compliant token and a
deal escrow on one embedded chain, with named parties in known registry states."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.types import TxReceipt

from decree8.chain import Chain
from decree8.check import CallRequest, Checker, Verdict
from decree8.compile import Build, build_project
from decree8.deploy import Deployment, deploy
from decree8.errors import TransactionReverted
from decree8.rules import load_pack

ROOT = Path(__file__).resolve().parents[2]
#: The template sources only (the CLI's check command builds the same set, so they share a cache).
SOURCES = ("contracts/registry", "contracts/token", "contracts/escrow")

GAS = 1_500_000
DAY = 24 * 60 * 60
YEAR = 365 * DAY

NONE, INDIVIDUAL, ENTITY, OPERATOR = 0, 1, 2, 3
FLAG_MINOR, FLAG_COMPETENCE = 1, 2
PURPOSE_GIFT = 1
CODE: dict[str, int] = {rule.id: rule.code for rule in load_pack()}

OPERATOR_REGISTRATION = b"HTP-OPERATOR-0001".ljust(32, b"\0")
ISSUER_REGISTRATION = b"HTP-ISSUER-0042".ljust(32, b"\0")
TOKEN_TERMS = bytes.fromhex("11" * 32)
ESCROW_TERMS = bytes.fromhex("22" * 32)
DEAL_TERMS = bytes.fromhex("33" * 32)
CAP = 1_000_000 * 10**18
ISSUED = 1_000 * 10**18


def ref(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def template_build() -> Build:
    return build_project(ROOT, sources=SOURCES)


@dataclass
class System:
    """Registry, token and escrow, and the parties.

    Roles: `admin` (DEFAULT_ADMIN and TERMS_ADMIN everywhere), `operator` (registry REGISTRAR and
    BLOCKLIST, escrow OPERATOR), `agent` (PLACEMENT_AGENT), `legal` (LEGAL_ORDER on token and
    escrow), `oversight` (OVERSIGHT on token and escrow). Holders: `alice`, `bob` (eligible
    individuals), `carol` (an entity), `exchange` (an Operator-type holder) are attested and
    accepted the token's and the escrow's terms; `alice` and `carol` hold ISSUED tokens. `dave` is
    not attested. `spare` are fresh accounts for property tests. The escrow is attested as an
    entity and accepted the token's terms.
    """

    chain: Chain
    build: Build
    registry: Deployment
    token: Deployment
    escrow: Deployment
    checker: Checker
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
    spare: tuple[str, ...]

    def now(self) -> int:
        """The latest block's timestamp."""
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    # -- sending ----------------------------------------------------------------------------------
    def send(
        self, dep: Deployment, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> TxReceipt:
        contract = dep.bind(self.chain)
        tx: dict[str, Any] = {
            "from": sender,
            "to": dep.address,
            "data": contract.encode_abi(fn, args=list(args)),
        }
        if value:
            tx["value"] = value
        return self.chain.transact(tx, gas=gas)

    def send_raw(
        self, dep: Deployment, fn: str, *args: Any, sender: str, value: int = 0, gas: int = GAS
    ) -> str:
        """Sends without raising on a revert; returns the hash of the mined transaction."""
        try:
            receipt = self.send(dep, fn, *args, sender=sender, value=value, gas=gas)
        except TransactionReverted as err:
            assert err.tx_hash, "a transaction with explicit gas is mined even when it reverts"
            return err.tx_hash
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def view(self, dep: Deployment, fn: str, *args: Any) -> Any:
        return dep.bind(self.chain).get_function_by_name(fn)(*args).call()

    def tok(self, fn: str, *args: Any, sender: str, **kw: Any) -> TxReceipt:
        return self.send(self.token, fn, *args, sender=sender, **kw)

    def reg(self, fn: str, *args: Any, sender: str | None = None) -> TxReceipt:
        return self.send(self.registry, fn, *args, sender=sender or self.operator)

    def esc(self, fn: str, *args: Any, sender: str, **kw: Any) -> TxReceipt:
        return self.send(self.escrow, fn, *args, sender=sender, **kw)

    # -- registry and terms -----------------------------------------------------------------------
    def attest(
        self,
        holder: str,
        holder_type: int = INDIVIDUAL,
        *,
        flags: int = FLAG_COMPETENCE,
        jurisdiction: bytes = b"BY",
        valid_for: int = YEAR,
    ) -> None:
        kyc = bytes(Web3.keccak(text=f"kyc:{holder}"))
        until = self.now() + valid_for
        self.reg("attest", holder, holder_type, jurisdiction, until, kyc, flags)

    def accept_token_terms(self, party: str) -> None:
        self.tok(
            "acceptTerms",
            self.view(self.token, "termsVersion"),
            self.view(self.token, "termsHash"),
            sender=party,
        )

    def accept_escrow_terms(self, party: str) -> None:
        self.esc(
            "acceptTerms",
            self.view(self.escrow, "termsVersion"),
            self.view(self.escrow, "termsHash"),
            sender=party,
        )

    # -- checks -----------------------------------------------------------------------------------
    def check(
        self, dep: Deployment, fn: str, args: Any = (), *, sender: str, value: int = 0
    ) -> Verdict:
        return self.checker.check_call(
            CallRequest(to=dep.address, sender=sender, function=fn, args=args, value=value)
        )

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
        purpose: int = 1,
    ) -> int:
        zero = "0x" + "00" * 20
        deadline = self.now() + deadline_in
        self.esc(
            "openDeal",
            party_b,
            asset_a or zero,
            amount_a,
            asset_b or zero,
            amount_b,
            deadline,
            purpose,
            DEAL_TERMS,
            sender=party_a,
        )
        return int(self.view(self.escrow, "dealCount"))

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        snap = self.chain.snapshot()
        try:
            yield
        finally:
            self.chain.revert(snap)


def deploy_system(chain: Chain, build: Build) -> System:
    a = chain.accounts
    admin, operator, agent, legal, oversight, alice, bob, carol, exchange, dave = a[:10]
    registry = deploy(
        chain,
        build.artifact("HolderRegistry"),
        [OPERATOR_REGISTRATION, admin, operator],
        sender=admin,
        template="holder-registry",
    )
    token = deploy(
        chain,
        build.artifact("CompliantToken"),
        [
            "Decree Token",
            "DCR",
            CAP,
            ISSUER_REGISTRATION,
            registry.address,
            TOKEN_TERMS,
            "ipfs://token-terms",
            admin,
            agent,
            legal,
            oversight,
        ],
        sender=admin,
        template="compliant-token",
    )
    escrow = deploy(
        chain,
        build.artifact("DealEscrow"),
        [
            OPERATOR_REGISTRATION,
            registry.address,
            ESCROW_TERMS,
            "ipfs://escrow-terms",
            admin,
            operator,
            legal,
            oversight,
        ],
        sender=admin,
        template="deal-escrow",
    )
    checker = Checker(chain, build, deployments=[registry, token, escrow])
    system = System(
        chain,
        build,
        registry,
        token,
        escrow,
        checker,
        admin,
        operator,
        agent,
        legal,
        oversight,
        alice,
        bob,
        carol,
        exchange,
        dave,
        tuple(a[10:]),
    )
    for holder, kind in (
        (alice, INDIVIDUAL),
        (bob, INDIVIDUAL),
        (carol, ENTITY),
        (exchange, OPERATOR),
    ):
        system.attest(holder, kind)
        system.accept_token_terms(holder)
        system.accept_escrow_terms(holder)
    system.attest(escrow.address, ENTITY)
    system.esc("acceptTokenTerms", token.address, 1, TOKEN_TERMS, sender=operator)
    system.tok("issue", alice, ISSUED, sender=agent)
    system.tok("issue", carol, ISSUED, sender=agent)
    return system
