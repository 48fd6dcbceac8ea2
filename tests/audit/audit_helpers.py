"""The deployed system the audit tests run against: a holder registry, the template token, a deal
escrow and a LaxToken (a CompliantToken that can move tokens without the restrictions) on the same
registry, with named parties in known registry states."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3

from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.deploy import Deployment, deploy
from decree8.errors import TransactionReverted
from decree8.report import Finding, Report

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (
    "contracts/registry",
    "contracts/token",
    "contracts/escrow",
    "contracts/mocks/LaxToken.sol",
    "contracts/mocks/SilentRegistryMutator.sol",
)

GAS = 1_500_000
DAY = 24 * 60 * 60
YEAR = 365 * DAY
INDIVIDUAL, ENTITY, OPERATOR = 1, 2, 3
FLAG_MINOR, FLAG_COMPETENCE = 1, 2
PURPOSE_GIFT = 1
ZERO = "0x" + "00" * 20

OPERATOR_REGISTRATION = b"HTP-OPERATOR-0001".ljust(32, b"\0")
ISSUER_REGISTRATION = b"HTP-ISSUER-0042".ljust(32, b"\0")
TOKEN_TERMS = bytes.fromhex("11" * 32)
ESCROW_TERMS = bytes.fromhex("22" * 32)
DEAL_TERMS = bytes.fromhex("33" * 32)
CAP = 1_000_000 * 10**18
ISSUED = 1_000 * 10**18


def ref(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def audit_build() -> Build:
    return build_project(ROOT, sources=SOURCES)


@dataclass
class System:
    """Roles: `admin` (DEFAULT_ADMIN, TERMS_ADMIN), `operator` (REGISTRAR, BLOCKLIST, escrow
    OPERATOR), `agent` (PLACEMENT_AGENT), `legal` (LEGAL_ORDER), `oversight` (OVERSIGHT), on the
    token, the lax token and the escrow alike.

    `alice`, `bob` (eligible individuals), `carol` (an entity) and `exchange` (an Operator-type
    holder) are attested and accepted the terms of both tokens and of the escrow; `alice` and
    `carol` hold ISSUED of both tokens. `minor` (an individual who is a minor) is attested and
    accepted the lax token's terms; `frank` (an entity) is attested and accepted no terms; `dave`
    is not attested. The escrow is attested as an entity and accepted the token's terms.
    """

    chain: Chain
    build: Build
    registry: Deployment
    token: Deployment
    escrow: Deployment
    lax: Deployment
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

    def now(self) -> int:
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def send(self, dep: Deployment, fn: str, *args: Any, sender: str, value: int = 0) -> str:
        """Sends with explicit gas; returns the transaction hash (raises on a revert)."""
        contract = dep.bind(self.chain)
        tx: dict[str, Any] = {
            "from": sender,
            "to": dep.address,
            "data": contract.encode_abi(fn, args=list(args)),
        }
        if value:
            tx["value"] = value
        receipt = self.chain.transact(tx, gas=GAS)
        return "0x" + bytes(receipt["transactionHash"]).hex()

    def send_failing(self, dep: Deployment, fn: str, *args: Any, sender: str) -> str:
        """Sends a transaction that reverts; returns the hash of the mined, failed transaction."""
        try:
            self.send(dep, fn, *args, sender=sender)
        except TransactionReverted as err:
            assert err.tx_hash, "a transaction with explicit gas is mined even when it reverts"
            return err.tx_hash
        raise AssertionError(f"{fn} did not revert")

    def view(self, dep: Deployment, fn: str, *args: Any) -> Any:
        return dep.bind(self.chain).get_function_by_name(fn)(*args).call()

    def attest(self, holder: str, kind: int, flags: int = FLAG_COMPETENCE) -> None:
        kyc = bytes(Web3.keccak(text=f"kyc:{holder}"))
        self.send(
            self.registry,
            "attest",
            holder,
            kind,
            b"BY",
            self.now() + YEAR,
            kyc,
            flags,
            sender=self.operator,
        )

    def accept(self, dep: Deployment, party: str) -> None:
        version = self.view(dep, "termsVersion")
        self.send(dep, "acceptTerms", version, self.view(dep, "termsHash"), sender=party)

    def open_deal(self, party_a: str, party_b: str, amount: int, deadline_in: int = DAY) -> int:
        self.send(
            self.escrow,
            "openDeal",
            party_b,
            ZERO,
            amount,
            ZERO,
            0,
            self.now() + deadline_in,
            1,
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


def _token_args(registry: str, a: list[str]) -> list[Any]:
    admin, _, agent, legal, oversight = a[:5]
    return [
        "Decree Token",
        "DCR",
        CAP,
        ISSUER_REGISTRATION,
        registry,
        TOKEN_TERMS,
        "ipfs://token-terms",
        admin,
        agent,
        legal,
        oversight,
    ]


def deploy_system(chain: Chain, build: Build) -> System:
    a = chain.accounts
    admin, operator, agent, legal, oversight = a[:5]
    alice, bob, carol, exchange, dave, minor, frank = a[5:12]
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
        _token_args(registry.address, a),
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
    lax = deploy(chain, build.artifact("LaxToken"), _token_args(registry.address, a), sender=admin)
    s = System(
        chain, build, registry, token, escrow, lax, admin, operator, agent, legal, oversight,
        alice, bob, carol, exchange, dave, minor, frank,
    )  # fmt: skip
    for holder, kind in (
        (alice, INDIVIDUAL),
        (bob, INDIVIDUAL),
        (carol, ENTITY),
        (exchange, OPERATOR),
    ):
        s.attest(holder, kind)
        s.accept(token, holder)
        s.accept(lax, holder)
        s.accept(escrow, holder)
    s.attest(minor, INDIVIDUAL, FLAG_MINOR | FLAG_COMPETENCE)
    s.accept(lax, minor)
    s.attest(frank, ENTITY)
    s.attest(escrow.address, ENTITY)
    s.send(escrow, "acceptTokenTerms", token.address, 1, TOKEN_TERMS, sender=operator)
    for dep in (token, lax):
        s.send(dep, "issue", alice, ISSUED, sender=agent)
        s.send(dep, "issue", carol, ISSUED, sender=agent)
    return s


def by_tx(report: Report) -> dict[str | None, set[str]]:
    """Rule IDs of the report's findings, per transaction hash."""
    out: dict[str | None, set[str]] = {}
    for finding in report.findings:
        out.setdefault(finding.tx_hash, set()).add(finding.rule_id)
    return out


def of_rule(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]
