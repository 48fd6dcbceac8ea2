"""Deployments with sensible defaults for tests: named accounts, a registry, a token, an escrow.

```python
from decree8.testing import Accounts, Factory
accounts = Accounts.of(chain)
factory = Factory(chain, build, accounts)
token = factory.token(parties={"alice": ELIGIBLE_INDIVIDUAL, "carol": ELIGIBLE_ENTITY},
                      issue={"carol": 1000 * 10**18})
token.send("transfer", accounts.alice, 5, sender=accounts.carol)
token.call("balanceOf", accounts.alice)
```
Roles go to named accounts: ``admin`` administers every contract, ``operator`` runs the registry
and the escrow, ``issuer`` is the token's placement agent, ``enforcer`` executes legal orders,
``oversight`` pauses; ``alice``, ``bob``, ``carol``, ``dave`` and ``eve`` are holders. Terms are the
keccak-256 of :data:`DEFAULT_TERMS_TEXT` unless given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_utils import keccak, to_checksum_address

from decree8.abi import ContractAbi
from decree8.deploy import Deployment, deploy
from decree8.errors import UsageError
from decree8.templates import ESCROW, REGISTRY, TOKEN, Template
from decree8.testing.parties import (
    ELIGIBLE_INDIVIDUAL,
    ELIGIBLE_OPERATOR,
    PartyStatus,
    apply_status,
)

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.types import TxReceipt

    from decree8.chain import Chain
    from decree8.compile import Build

__all__ = [
    "ACCOUNT_NAMES",
    "DEFAULT_GAS",
    "DEFAULT_TERMS_TEXT",
    "Accounts",
    "Deployed",
    "Factory",
    "terms_hash",
]

#: Gas sent with every transaction of the kit: explicit, so nothing is estimated.
DEFAULT_GAS = 3_000_000
#: The named accounts, in the order of the chain's account list.
ACCOUNT_NAMES = (
    "admin",
    "operator",
    "issuer",
    "enforcer",
    "oversight",
    "alice",
    "bob",
    "carol",
    "dave",
    "eve",
)
DEFAULT_TERMS_TEXT = (
    "Terms of the test token (decree8 testing kit).\n"
    "1. The issuer is a resident of the High Technologies Park.\n"
    "2. Holders are identified by the operator and accept these terms before receiving tokens.\n"
)
DEFAULT_TERMS_URI = "ipfs://decree8-testing/terms-v1"


def terms_hash(text: str | bytes) -> bytes:
    """The keccak-256 that binds a terms document (text or bytes) to a contract."""
    return keccak(text.encode("utf-8") if isinstance(text, str) else text)


# ── accounts ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Accounts:
    """The chain's first ten accounts under role and holder names (see :data:`ACCOUNT_NAMES`)."""

    admin: str
    operator: str
    issuer: str
    enforcer: str
    oversight: str
    alice: str
    bob: str
    carol: str
    dave: str
    eve: str

    @classmethod
    def of(cls, chain: Chain) -> Accounts:
        if len(chain.accounts) < len(ACCOUNT_NAMES):
            raise UsageError(
                f"the decree8 testing kit needs {len(ACCOUNT_NAMES)} unlocked accounts; the node "
                f"has {len(chain.accounts)}"
            )
        return cls(*(to_checksum_address(a) for a in chain.accounts[: len(ACCOUNT_NAMES)]))

    def __getitem__(self, name: str) -> str:
        if name not in ACCOUNT_NAMES:
            raise KeyError(f"no account named {name!r}; names: {', '.join(ACCOUNT_NAMES)}")
        return str(getattr(self, name))

    def __iter__(self) -> Iterator[str]:
        return iter(ACCOUNT_NAMES)

    def items(self) -> list[tuple[str, str]]:
        return [(name, self[name]) for name in ACCOUNT_NAMES]

    def name_of(self, address: str) -> str | None:
        """The name of ``address``, or ``None`` when it is not a named account."""
        for name, addr in self.items():
            if addr.lower() == str(address).lower():
                return name
        return None

    def resolve(self, who: str) -> str:
        """An address from a name or an address."""
        if who in ACCOUNT_NAMES:
            return self[who]
        if who.startswith("0x") and len(who) == 42:
            return to_checksum_address(who)
        raise UsageError(
            f"{who!r} is neither an account name ({', '.join(ACCOUNT_NAMES)}) nor an address"
        )

    @property
    def holders(self) -> tuple[str, ...]:
        return (self.alice, self.bob, self.carol, self.dave, self.eve)


# ── deployed contracts ──────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Deployed:
    """A contract on a chain with cheap calls: explicit gas, ABI encoded once per function.

    ``label`` names it in readable traces (``token``); ``template`` is the decree8 template
    contract it is or extends (``CompliantToken``), used to name the rule a revert stands for.
    """

    chain: Chain
    deployment: Deployment
    label: str
    template: str | None = None
    index: ContractAbi = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", ContractAbi(self.label, self.deployment.abi))

    @property
    def address(self) -> str:
        return self.deployment.address

    @property
    def contract(self) -> Contract:
        """A web3 contract bound to the deployment (for events and anything web3 offers)."""
        return self.deployment.bind(self.chain)

    def data(self, fn: str, *args: Any) -> bytes:
        """The calldata of ``fn(*args)``."""
        return self.index.function(fn, len(args)).encode_values(args)

    def send(
        self, fn: str, *args: Any, sender: str, value: int = 0, gas: int = DEFAULT_GAS
    ) -> TxReceipt:
        """Sends ``fn(*args)`` from ``sender`` with explicit gas; returns the mined receipt.

        Raises :class:`~decree8.errors.TransactionReverted`, decoded, when it reverts.
        """
        tx = {
            "from": to_checksum_address(sender),
            "to": self.address,
            "data": self.data(fn, *args),
            "value": value,
        }
        return self.chain.transact(tx, gas=gas)

    def call(self, fn: str, *args: Any, sender: str | None = None) -> Any:
        """The result of the view ``fn(*args)`` (one value, or a tuple for several)."""
        abi_fn = self.index.function(fn, len(args))
        tx: dict[str, Any] = {"to": self.address, "data": abi_fn.encode_values(args)}
        if sender is not None:
            tx["from"] = to_checksum_address(sender)
        return abi_fn.decode_output(self.chain.call(tx))

    def accept_terms(self, *parties: str) -> None:
        """Each of ``parties`` accepts the contract's current terms by version and hash."""
        version = self.call("termsVersion")
        digest = self.call("termsHash")
        for party in parties:
            self.send("acceptTerms", version, digest, sender=party)


# ── the factory ─────────────────────────────────────────────────────────────────────────────

Parties = Mapping[str, PartyStatus] | Iterable[str]


class Factory:
    """Deploys decree8 templates (or contracts that extend them) with sensible defaults.

    ``build`` must hold the contracts deployed (the templates, or your own contract named with
    ``contract=``). Every transaction carries explicit gas. The last registry made is reused by
    :meth:`token` and :meth:`escrow` unless another is given.
    """

    def __init__(
        self,
        chain: Chain,
        build: Build,
        accounts: Accounts | None = None,
        *,
        terms_text: str = DEFAULT_TERMS_TEXT,
        gas: int = DEFAULT_GAS,
    ) -> None:
        self.chain = chain
        self.build = build
        self.accounts = accounts or Accounts.of(chain)
        self.terms_text = terms_text
        self.gas = gas
        self.last_registry: Deployed | None = None
        #: Every contract this factory deployed, in order (machines name them in traces).
        self.deployed: list[Deployed] = []

    # -- helpers ---------------------------------------------------------------------------
    def _address(self, who: str | Deployed) -> str:
        if isinstance(who, Deployed):
            return who.address
        return self.accounts.resolve(who)

    def _statuses(self, parties: Parties) -> dict[str, PartyStatus]:
        if isinstance(parties, Mapping):
            return {self._address(k): v for k, v in parties.items()}
        return {self._address(p): ELIGIBLE_INDIVIDUAL for p in parties}

    def _deploy(
        self,
        template: Template,
        contract: str | None,
        given: Mapping[str, Any],
        label: str,
        sender: str,
    ) -> Deployed:
        values = template.resolve(given, deployer=sender, resolve_address=self.accounts.resolve)
        artifact = self.build.artifact(contract or template.contract)
        dep = deploy(
            self.chain,
            artifact,
            template.constructor_args(values),
            sender=sender,
            gas=self.gas * 3,
            template=template.name,
            template_version=template.version,
            params={k: ("0x" + v.hex()) if isinstance(v, bytes) else v for k, v in values.items()},
            terms_hash=("0x" + values["terms"].hex()) if "terms" in values else None,
        )
        made = Deployed(self.chain, dep, label, template.contract)
        self.deployed.append(made)
        return made

    def _admit(
        self, registry: Deployed, contract: Deployed, parties: Parties, accept_terms: bool
    ) -> None:
        """Gives ``parties`` their statuses in ``registry``; with ``accept_terms`` they accept
        the terms of ``contract``."""
        statuses = self._statuses(parties)
        for party, status in statuses.items():
            apply_status(registry, party, status, sender=self.accounts.operator)
        if accept_terms and statuses:
            contract.accept_terms(*statuses)

    def _terms(self, terms: str | bytes | None) -> str:
        if terms is None:
            return "0x" + terms_hash(self.terms_text).hex()
        if isinstance(terms, bytes):
            return "0x" + (terms if len(terms) == 32 else terms_hash(terms)).hex()
        if terms.startswith("0x") and len(terms) == 66:
            return terms
        return "0x" + terms_hash(terms).hex()

    def _governance(
        self, registry: Deployed, terms: str | bytes | None, terms_uri: str
    ) -> dict[str, Any]:
        """The parameters the token and the escrow both take, filled the same way for both: the
        registry, the terms, and ``admin``, ``enforcer`` and ``oversight`` in the roles of admin,
        legal-order authority and oversight."""
        return {
            "registry": registry.address,
            "terms": self._terms(terms),
            "terms_uri": terms_uri,
            "admin": self.accounts.admin,
            "legal_order_authority": self.accounts.enforcer,
            "oversight": self.accounts.oversight,
        }

    # -- deployments -----------------------------------------------------------------------
    def registry(
        self,
        *,
        operator_registration: str = "HTP-OPERATOR-0001",
        parties: Parties = (),
        contract: str | None = None,
        label: str = "registry",
    ) -> Deployed:
        """A holder registry run by ``operator`` (REGISTRAR and BLOCKLIST roles), administered by
        ``admin``; ``parties`` are given their statuses (names get eligible-individual status)."""
        reg = self._deploy(
            REGISTRY,
            contract,
            {
                "operator_registration": operator_registration,
                "admin": self.accounts.admin,
                "operator": self.accounts.operator,
            },
            label,
            sender=self.accounts.operator,
        )
        self.last_registry = reg
        for party, status in self._statuses(parties).items():
            apply_status(reg, party, status, sender=self.accounts.operator)
        return reg

    def set_status(
        self, party: str | Deployed, status: PartyStatus, registry: Deployed | None = None
    ) -> None:
        """Gives ``party`` (a name, an address or a deployment) ``status`` in the registry."""
        reg = registry or self._registry()
        apply_status(reg, self._address(party), status, sender=self.accounts.operator)

    def _registry(self) -> Deployed:
        return self.last_registry or self.registry()

    def token(
        self,
        *,
        registry: Deployed | None = None,
        name: str = "Decree Token",
        symbol: str = "DCR",
        cap: int | str = 1_000_000 * 10**18,
        issuer_registration: str = "HTP-ISSUER-0001",
        terms: str | bytes | None = None,
        terms_uri: str = DEFAULT_TERMS_URI,
        parties: Parties = (),
        accept_terms: bool = True,
        issue: Mapping[str, int] | None = None,
        contract: str | None = None,
        label: str = "token",
    ) -> Deployed:
        """A compliant token (or ``contract``, which extends it with the same constructor).

        ``parties`` are given their registry statuses and, with ``accept_terms``, accept the
        token's terms; then ``issue`` maps holders to amounts the issuer issues to them.
        """
        reg = registry or self._registry()
        token = self._deploy(
            TOKEN,
            contract,
            {
                "name": name,
                "symbol": symbol,
                "cap": cap,
                "issuer_registration": issuer_registration,
                **self._governance(reg, terms, terms_uri),
                "placement_agent": self.accounts.issuer,
            },
            label,
            sender=self.accounts.issuer,
        )
        self._admit(reg, token, parties, accept_terms)
        for holder, amount in (issue or {}).items():
            token.send("issue", self._address(holder), amount, sender=self.accounts.issuer)
        return token

    def escrow(
        self,
        *,
        registry: Deployed | None = None,
        operator_registration: str = "HTP-OPERATOR-0001",
        terms: str | bytes | None = None,
        terms_uri: str = DEFAULT_TERMS_URI,
        parties: Parties = (),
        accept_terms: bool = True,
        tokens: Iterable[Deployed] = (),
        contract: str | None = None,
        label: str = "escrow",
    ) -> Deployed:
        """A deal escrow run by ``operator``. ``parties`` get their statuses and accept the escrow's
        terms; for each of ``tokens`` the escrow is attested as an operator and accepts the
        token's terms, so it can hold that token in deals."""
        reg = registry or self._registry()
        escrow = self._deploy(
            ESCROW,
            contract,
            {
                "operator_registration": operator_registration,
                **self._governance(reg, terms, terms_uri),
                "operator": self.accounts.operator,
            },
            label,
            sender=self.accounts.operator,
        )
        self._admit(reg, escrow, parties, accept_terms)
        for token in tokens:
            self.admit_escrow(escrow, token, registry=reg)
        return escrow

    def admit_escrow(
        self, escrow: Deployed, token: Deployed, registry: Deployed | None = None
    ) -> None:
        """Lets ``escrow`` hold ``token``: attests it as an operator, has it accept the token's
        current terms (``acceptTokenTerms``, sent by the operator) and has the token's legal-order
        authority (``enforcer``) register it as an escrow (``registerEscrow``), so that the token's
        legal orders reach escrowed tokens only through the escrow and it stays solvent."""
        reg = registry or self._registry()
        apply_status(reg, escrow.address, ELIGIBLE_OPERATOR, sender=self.accounts.operator)
        version = token.call("termsVersion")
        digest = token.call("termsHash")
        escrow.send(
            "acceptTokenTerms", token.address, version, digest, sender=self.accounts.operator
        )
        if token.call("escrowRegistration", escrow.address) == bytes(32):
            escrow_ref = b"ESCROW-" + bytes.fromhex(escrow.address[2:10])
            token.send(
                "registerEscrow",
                escrow.address,
                escrow_ref.ljust(32, b"\0"),
                sender=self.accounts.enforcer,
            )
