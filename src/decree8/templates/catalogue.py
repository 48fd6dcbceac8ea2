"""The template catalogue: what each decree8 template is, its parameters, roles and rules.

`decree8 templates` prints this; `decree8 deploy NAME --param k=v` deploys from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decree8.errors import TemplateError
from decree8.templates.params import Param, reference_text, resolve_params

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Build
    from decree8.deploy import Deployment

TEMPLATE_VERSION = "1"


@dataclass(frozen=True)
class Role:
    name: str  # the Solidity constant, e.g. "PLACEMENT_AGENT_ROLE"
    holder_param: str | None  # the parameter that names its first holder
    duty: str


@dataclass(frozen=True)
class Template:
    """A deployable, compliant contract with typed constructor parameters."""

    name: str
    contract: str
    summary: str
    params: tuple[Param, ...]
    constructor: tuple[str, ...]  # resolved value names, in constructor order
    roles: tuple[Role, ...]
    rules: tuple[str, ...]
    version: str = TEMPLATE_VERSION

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise TemplateError(f"template {self.name} has no parameter {name!r}")

    def resolve(
        self,
        given: Mapping[str, Any],
        *,
        deployer: str,
        resolve_address: Any = None,
        base_dir: Path | None = None,
    ) -> dict[str, Any]:
        """Validated values by parameter name (terms files hashed, amounts parsed)."""
        given = dict(given)
        terms = str(given.get("terms", ""))
        if terms and not terms.startswith("0x") and not given.get("terms_uri"):
            given["terms_uri"] = Path(str(given["terms"])).name
        return resolve_params(
            self.name,
            self.params,
            given,
            deployer=deployer,
            resolve_address=resolve_address,
            base_dir=base_dir,
        )

    def constructor_args(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[name] for name in self.constructor]


_REF = "an HTP registration reference: text of at most 32 bytes or a 0x-prefixed bytes32"

#: Parameters the token and the escrow both take.
_REGISTRY_PARAM = Param("registry", "address", "the holder registry's address")
_TERMS_URI_PARAM = Param(
    "terms_uri", "uri", "where the terms are published (default: the file name)"
)
_ADMIN_PARAM = Param("admin", "address", "who administers roles and amends the terms", "@deployer")

#: The roles the token and the escrow both have, held by their ``admin``.
_ADMIN_ROLES = (
    Role(
        "DEFAULT_ADMIN_ROLE",
        "admin",
        "grants and revokes the other roles except the legal-order ones; changes in two steps "
        "with a delay",
    ),
    Role("TERMS_ADMIN_ROLE", "admin", "publishes a new version of the terms"),
)

REGISTRY = Template(
    name="holder-registry",
    contract="HolderRegistry",
    summary=(
        "Register of identified holders run by an HTP-resident operator: attestations (type, "
        "jurisdiction, expiry, KYC record hash, eligibility flags) and the illicit-address "
        "register, identification agents appointed by the operator, cryptobank register entries. "
        "No personal data on chain. One registry serves many tokens and escrows."
    ),
    params=(
        Param("operator_registration", "reference", f"the operator's {_REF}"),
        Param("admin", "address", "who administers roles", "@deployer"),
        Param("operator", "address", "who attests holders and keeps the blocklist", "@deployer"),
    ),
    constructor=("operator_registration", "admin", "operator"),
    roles=(
        Role("DEFAULT_ADMIN_ROLE", "admin", "grants and revokes the other roles"),
        Role(
            "REGISTRAR_ROLE",
            "operator",
            "attests, re-attests and revokes holders; prohibits jurisdictions; appoints and "
            "removes identification agents; records cryptobank register entries",
        ),
        Role(
            "BLOCKLIST_ROLE",
            "operator",
            "adds and removes illicit addresses, each with a reference",
        ),
    ),
    rules=("HOLDER-IDENTIFIED", "HOLDER-ELIGIBLE", "ILLICIT-ADDRESS", "RECORDS"),
)

TOKEN = Template(
    name="compliant-token",
    contract="CompliantToken",
    summary=(
        "ERC-20 token issued through an HTP resident: capped issuance by the placement agent only, "
        "terms bound by hash and accepted by each holder, identified and eligible holders, illicit-"
        "address screening, purpose codes between individuals, no sale to foreign platforms, legal "
        "orders under their own authority (never the admin's; registered escrows out of reach) and "
        "pause. Two-step admin changes. ERC-1404 codes; extension points for project rules."
    ),
    params=(
        Param("name", "string", "the token's name"),
        Param("symbol", "string", "the token's symbol"),
        Param("cap", "amount", "the most that may ever be issued, in base units (e.g. 1000000e18)"),
        Param("issuer_registration", "reference", f"the issuer's {_REF}"),
        _REGISTRY_PARAM,
        Param("terms", "terms_file", "the terms document (white paper / offer): hashed for you"),
        _TERMS_URI_PARAM,
        _ADMIN_PARAM,
        Param("placement_agent", "address", "the HTP resident that issues tokens", "@deployer"),
        Param(
            "legal_order_authority",
            "address",
            "the legal-order authority: executes freezes and forced transfers and appoints who "
            "else may; never the admin (required)",
        ),
        Param("oversight", "address", "who may pause and unpause transfers", "@deployer"),
    ),
    constructor=(
        "name",
        "symbol",
        "cap",
        "issuer_registration",
        "registry",
        "terms",
        "terms_uri",
        "admin",
        "placement_agent",
        "legal_order_authority",
        "oversight",
    ),
    roles=(
        *_ADMIN_ROLES,
        Role("PLACEMENT_AGENT_ROLE", "placement_agent", "issues tokens, never above the cap"),
        Role(
            "LEGAL_ORDER_AUTHORITY_ROLE",
            "legal_order_authority",
            "grants and revokes LEGAL_ORDER_ROLE and itself; registers escrows",
        ),
        Role(
            "LEGAL_ORDER_ROLE",
            "legal_order_authority",
            "freezes, unfreezes and forces transfers under an order reference",
        ),
        Role("OVERSIGHT_ROLE", "oversight", "pauses and unpauses transfers"),
    ),
    rules=(
        "ISSUER-HTP",
        "TERMS-BOUND",
        "TERMS-ACCEPTED",
        "HOLDER-IDENTIFIED",
        "HOLDER-ELIGIBLE",
        "ILLICIT-ADDRESS",
        "P2P-SALE",
        "FOREIGN-PLATFORM",
        "LEGAL-ORDER",
        "RECORDS",
        "OVERSIGHT-PAUSE",
        "SUPPLY-CAP",
    ),
)

ESCROW = Template(
    name="deal-escrow",
    contract="DealEscrow",
    summary=(
        "Escrow of deals in ETH and ERC-20 run by an HTP-resident operator: one- or two-sided "
        "(delivery versus payment), deal terms accepted by both parties, deadline with a refund "
        "anyone "
        "can trigger, disputes resolved by the operator, legal orders under their own authority, "
        "pause, pull payments to the party or a payee it names, recorded sweep of surplus."
    ),
    params=(
        Param("operator_registration", "reference", f"the operator's {_REF}"),
        _REGISTRY_PARAM,
        Param("terms", "terms_file", "the escrow's general terms document: hashed for you"),
        _TERMS_URI_PARAM,
        _ADMIN_PARAM,
        Param("operator", "address", "who resolves disputes", "@deployer"),
        Param(
            "legal_order_authority",
            "address",
            "the legal-order authority: freezes deals, directs funds and appoints who else may; "
            "never the admin (required)",
        ),
        Param("oversight", "address", "who may pause new deals and releases", "@deployer"),
    ),
    constructor=(
        "operator_registration",
        "registry",
        "terms",
        "terms_uri",
        "admin",
        "operator",
        "legal_order_authority",
        "oversight",
    ),
    roles=(
        *_ADMIN_ROLES,
        Role(
            "OPERATOR_ROLE",
            "operator",
            "resolves disputes; accepts token terms for the escrow; sweeps surplus",
        ),
        Role(
            "LEGAL_ORDER_AUTHORITY_ROLE",
            "legal_order_authority",
            "grants and revokes LEGAL_ORDER_ROLE and itself",
        ),
        Role("LEGAL_ORDER_ROLE", "legal_order_authority", "freezes deals and directs their funds"),
        Role("OVERSIGHT_ROLE", "oversight", "pauses new deals and releases (refunds still work)"),
    ),
    rules=(
        "TERMS-BOUND",
        "TERMS-ACCEPTED",
        "HOLDER-IDENTIFIED",
        "HOLDER-ELIGIBLE",
        "ILLICIT-ADDRESS",
        "LEGAL-ORDER",
        "RECORDS",
        "NOT-PAYMENT",
        "FUNDS-RETURN",
        "OVERSIGHT-PAUSE",
    ),
)

CATALOGUE: dict[str, Template] = {t.name: t for t in (REGISTRY, TOKEN, ESCROW)}


def template_for_contract(contract: str) -> Template | None:
    for t in CATALOGUE.values():
        if t.contract == contract:
            return t
    return None


def get_template(name: str) -> Template:
    """The template called `name` (or whose contract is called `name`)."""
    template = CATALOGUE.get(name) or template_for_contract(name)
    if template is None:
        raise TemplateError(
            f"unknown template {name!r}; run `decree8 templates` to list them "
            f"({', '.join(CATALOGUE)})"
        )
    return template


def deploy_template(
    chain: Chain,
    build: Build,
    name: str,
    given: Mapping[str, Any],
    *,
    sender: str | None = None,
    resolve_address: Any = None,
    base_dir: Path | None = None,
    gas: int | None = None,
) -> Deployment:
    """Deploy template `name` with user-given parameters and return its Deployment."""
    from decree8.deploy import deploy

    template = get_template(name)
    deployer = sender or chain.accounts[0]
    values = template.resolve(
        given, deployer=deployer, resolve_address=resolve_address, base_dir=base_dir
    )
    artifact = build.artifact(template.contract)
    shown: dict[str, Any] = {}
    for key, value in values.items():
        kind = template.param(key).kind
        if isinstance(value, bytes):
            shown[key] = reference_text(value) if kind == "reference" else "0x" + value.hex()
        else:
            shown[key] = value
    if "terms" in given:
        shown["terms_file"] = str(given["terms"])
    terms_hash = shown.get("terms") if "terms" in values else None
    return deploy(
        chain,
        artifact,
        template.constructor_args(values),
        sender=deployer,
        gas=gas,
        template=template.name,
        template_version=template.version,
        params=shown,
        terms_hash=terms_hash if isinstance(terms_hash, str) else None,
    )
