"""Shared pieces of the token and registry tests: the deployed system, parties, revert checks, and
the backends a test module can run on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_utils import is_address, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from decree8.chain import Chain
from decree8.compile import Build
from decree8.deploy import deploy
from decree8.errors import TransactionReverted
from decree8.rules import load_pack

GAS = 1_000_000
DAY = 24 * 60 * 60
YEAR = 365 * DAY
MAX_UINT256 = 2**256 - 1

# IHolderRegistry.HolderType
NONE, INDIVIDUAL, ENTITY, OPERATOR = 0, 1, 2, 3
# HolderRegistry flags
FLAG_MINOR = 1
FLAG_COMPETENCE_PASSED = 2
# CompliantToken purposes
PURPOSE_NONE, PURPOSE_GIFT, PURPOSE_INHERITANCE, PURPOSE_OWN_WALLET = 0, 1, 2, 3

#: ERC-1404 code of every rule, from the rule pack (a rules test keeps it equal to RuleCodes.sol).
CODE: dict[str, int] = {rule.id: rule.code for rule in load_pack()}

BY = b"BY"
OPERATOR_REGISTRATION = b"HTP-OPERATOR-0001".ljust(32, b"\0")
ISSUER_REGISTRATION = b"HTP-ISSUER-0042".ljust(32, b"\0")
TERMS_HASH = bytes.fromhex("11" * 32)
TERMS_URI = "ipfs://terms-v1"
CAP = 1_000_000 * 10**18
ISSUED = 1_000 * 10**18


#: The backends of the multi-backend modules (see conftest.py): eth-tester (py-evm, in process), a
#: Hardhat node (JSON-RPC; marked ``rpc``) and revm (pyrevm, in process).
BACKENDS = (
    pytest.param("embedded", id="embedded"),
    pytest.param("hardhat", id="hardhat", marks=pytest.mark.rpc),
    pytest.param("revm", id="revm"),
)


def ref(text: str) -> bytes:
    """A bytes32 reference (order, register entry, KYC hash) made from a short text."""
    return text.encode().ljust(32, b"\0")


def _norm(value: Any) -> Any:
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    return value


def args_of(err: TransactionReverted) -> dict[str, Any]:
    """The decoded arguments of a revert, with addresses checksummed."""
    return {k: _norm(v) for k, v in err.args.items()}


@dataclass(frozen=True)
class System:
    """A holder registry and a compliant token on one chain, with named parties.

    Roles: `admin` (both contracts' DEFAULT_ADMIN_ROLE and TERMS_ADMIN_ROLE), `operator` (registry
    REGISTRAR_ROLE and BLOCKLIST_ROLE), `agent` (PLACEMENT_AGENT_ROLE), `legal`
    (LEGAL_ORDER_ROLE), `oversight` (OVERSIGHT_ROLE). Holders: `alice` and `bob` (eligible
    individuals), `carol` (an entity), `exchange` (an Operator-type holder); `dave` is not
    attested. All attested holders accepted the terms; `alice` and `carol` hold ISSUED tokens each.
    """

    chain: Chain
    registry: Contract
    token: Contract
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

    # -- transactions ---------------------------------------------------------------------------
    def send(
        self, contract: Contract, fn: str, *args: Any, sender: str, gas: int = GAS
    ) -> TxReceipt:
        """Sends `contract.fn(*args)` from `sender` and returns the mined receipt."""
        tx = {
            "from": sender,
            "to": contract.address,
            "data": contract.encode_abi(fn, args=list(args)),
        }
        return self.chain.transact(tx, gas=gas)

    def tok(self, fn: str, *args: Any, sender: str, gas: int = GAS) -> TxReceipt:
        return self.send(self.token, fn, *args, sender=sender, gas=gas)

    def reg(self, fn: str, *args: Any, sender: str | None = None, gas: int = GAS) -> TxReceipt:
        return self.send(self.registry, fn, *args, sender=sender or self.operator, gas=gas)

    def view(self, contract: Contract, fn: str, *args: Any) -> Any:
        return contract.get_function_by_name(fn)(*args).call()

    def view_reverts(self, contract: Contract, fn: str, *args: Any) -> TransactionReverted:
        """Asserts that the view `contract.fn(*args)` reverts and returns the decoded revert (the
        same on every backend; web3's own exception type depends on how the node words it)."""
        tx = {"to": contract.address, "data": contract.encode_abi(fn, args=list(args))}
        with pytest.raises(TransactionReverted) as info:
            self.chain.call(tx)
        return info.value

    def reverts(
        self, contract: Contract, fn: str, *args: Any, sender: str, gas: int = GAS
    ) -> TransactionReverted:
        """Asserts that the transaction reverts and returns the decoded revert."""
        with pytest.raises(TransactionReverted) as info:
            self.send(contract, fn, *args, sender=sender, gas=gas)
        return info.value

    # -- registry shortcuts ---------------------------------------------------------------------
    def attest(
        self,
        holder: str,
        holder_type: int = INDIVIDUAL,
        *,
        jurisdiction: bytes = BY,
        valid_for: int = YEAR,
        flags: int = FLAG_COMPETENCE_PASSED,
        kyc: bytes | None = None,
    ) -> TxReceipt:
        valid_until = self.chain.timestamp() + valid_for
        kyc_hash = kyc or bytes(Web3.keccak(text=f"kyc:{holder}"))
        return self.reg("attest", holder, holder_type, jurisdiction, valid_until, kyc_hash, flags)

    def accept_terms(self, party: str) -> TxReceipt:
        version = self.view(self.token, "termsVersion")
        terms_hash = self.view(self.token, "termsHash")
        return self.tok("acceptTerms", version, terms_hash, sender=party)

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

    # -- assertions ------------------------------------------------------------------------------
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
        assert args_of(err) == {
            "code": code,
            "from": _norm(frm),
            "to": _norm(to),
            "value": value,
        }
        if detect:
            assert self.detect(frm, to, value, purpose) == code
        assert self.message(code).startswith(f"{rule}: ")
        return err

    def events(self, receipt: TxReceipt, contract: Contract, name: str) -> list[dict[str, Any]]:
        """The decoded `name` events of `contract` in `receipt`, as dicts of their arguments."""
        decoded = contract.events[name]().process_receipt(receipt, errors=DISCARD)
        return [
            {k: _norm(v) for k, v in dict(ev["args"]).items()}
            for ev in decoded
            if ev["address"] == contract.address
        ]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        snap = self.chain.snapshot()
        try:
            yield
        finally:
            self.chain.revert(snap)


def deploy_system(chain: Chain, build: Build) -> System:
    """Deploys a holder registry and a compliant token on `chain` and sets up the parties described
    on :class:`System` (attestations, accepted terms, ISSUED tokens for `alice` and `carol`)."""
    admin, operator, agent, legal, oversight, alice, bob, carol, exchange, dave = chain.accounts[
        :10
    ]
    registry = deploy(
        chain,
        build.artifact("HolderRegistry"),
        [OPERATOR_REGISTRATION, admin, operator],
        sender=admin,
    ).bind(chain)
    token = deploy(
        chain,
        build.artifact("CompliantToken"),
        [
            "Decree Token",
            "DCR",
            CAP,
            ISSUER_REGISTRATION,
            registry.address,
            TERMS_HASH,
            TERMS_URI,
            admin,
            agent,
            legal,
            oversight,
        ],
        sender=admin,
    ).bind(chain)
    system = System(
        chain=chain,
        registry=registry,
        token=token,
        admin=admin,
        operator=operator,
        agent=agent,
        legal=legal,
        oversight=oversight,
        alice=alice,
        bob=bob,
        carol=carol,
        exchange=exchange,
        dave=dave,
    )
    for holder, holder_type in (
        (alice, INDIVIDUAL),
        (bob, INDIVIDUAL),
        (carol, ENTITY),
        (exchange, OPERATOR),
    ):
        system.attest(holder, holder_type)
        system.accept_terms(holder)
    system.tok("issue", alice, ISSUED, sender=agent)
    system.tok("issue", carol, ISSUED, sender=agent)
    return system


def open_chain(backend: str, request: pytest.FixtureRequest) -> Chain:
    """A chain on `backend`: ``embedded`` and ``revm`` are new in-process chains; ``hardhat`` is a
    connection to the session's Hardhat node (its state outlives the connection: tests revert)."""
    if backend == "hardhat":
        return Chain.rpc(request.getfixturevalue("hardhat_url"), timeout=30)
    return in_process_chain(backend)


def in_process_chain(backend: str) -> Chain:
    """A new in-process chain: ``embedded`` (eth-tester) or ``revm``."""
    if backend == "embedded":
        return Chain.embedded()
    if backend == "revm":
        return Chain.revm()
    raise ValueError(f"unknown in-process backend {backend!r}")
