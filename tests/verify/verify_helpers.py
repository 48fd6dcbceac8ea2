"""What the verify tests deploy: the template build, a tree with a changed comment and a changed
constant (compiled once per session), and the parameters of the deployments."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.deploy import Deployment, deploy
from decree8.templates import deploy_template
from decree8.verify import TEMPLATE_SOURCES

ROOT = Path(__file__).resolve().parents[2]
TOKEN_SOURCE = "contracts/token/CompliantToken.sol"
#: The changed-constant variant lives in its own folder (so its relative imports still resolve).
VARIANT_SOURCE = "contracts/zz_variant/CompliantToken.sol"
#: A registry that accepts an empty operator registration (the template refuses one).
NO_REFERENCE_SOURCE = "contracts/zz_noref/HolderRegistry.sol"
REFERENCE_GUARD = "if (operatorRegistration_ == bytes32(0)) revert MissingOperatorRegistration();"
#: A plain comment in the token (a section banner); the changed tree renames it.
COMMENT = "// ─────────────────────────────── issuance ───────────────────────────────"
CHANGED_COMMENT = "// ─────────────────────────────── issuing ────────────────────────────────"
#: A message string in the token; the variant changes one letter of it (same length).
MESSAGE = '"SUPPLY-CAP: issuance would exceed the supply cap"'
CHANGED_MESSAGE = '"SUPPLY-CAP: issuance would exceed the supply CAP"'

OPERATOR_REGISTRATION = "HTP-OPERATOR-0001"
ISSUER_REGISTRATION = "HTP-ISSUER-0042"
CAP = "1000000e18"
#: The token's legal-order authority: never the admin (the deployer), so a fixed other address.
LEGAL_ORDER_AUTHORITY = "0x5e5E5e5e5E5e5E5E5e5E5E5e5e5E5E5E5e5E5E5e"


def template_build() -> Build:
    """decree8's template build (the same source set as `decree8 check`, a warm cache)."""
    return build_project(ROOT, sources=TEMPLATE_SOURCES)


def changed_tree(root: Path) -> Build:
    """A copy of the token's sources with a changed comment in the token, plus a variant of the
    token with a changed message string and a registry without its guard against an empty
    registration; one compile for all."""
    for folder in ("registry", "token", "interfaces", "legal"):
        shutil.copytree(ROOT / "contracts" / folder, root / "contracts" / folder)
    token = root / TOKEN_SOURCE
    text = token.read_text(encoding="utf-8")
    assert COMMENT in text and MESSAGE in text, "the token's comment or message moved: update"
    token.write_text(text.replace(COMMENT, CHANGED_COMMENT), encoding="utf-8")
    variant = root / VARIANT_SOURCE
    variant.parent.mkdir(parents=True)
    variant.write_text(text.replace(MESSAGE, CHANGED_MESSAGE), encoding="utf-8")
    registry = (ROOT / "contracts/registry/HolderRegistry.sol").read_text(encoding="utf-8")
    assert REFERENCE_GUARD in registry, "the registry's guard moved: update"
    unguarded = root / NO_REFERENCE_SOURCE
    unguarded.parent.mkdir(parents=True)
    unguarded.write_text(registry.replace(REFERENCE_GUARD, ""), encoding="utf-8")
    return build_project(
        root,
        sources=(
            "contracts/registry",
            "contracts/token",
            "contracts/zz_variant",
            "contracts/zz_noref",
        ),
        cache_dir=root / "build",
    )


def token_params(registry: str, terms: str, **override: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "name": "Decree Token",
        "symbol": "DCR",
        "cap": CAP,
        "issuer_registration": ISSUER_REGISTRATION,
        "registry": registry,
        "terms": terms,
        "terms_uri": "ipfs://token-terms",
        "legal_order_authority": LEGAL_ORDER_AUTHORITY,
    }
    params.update(override)
    return params


@dataclass
class World:
    """Deployments on one chain. ``token`` is the template exactly; ``other_args`` the template
    with another cap and registry; ``commented`` the changed-comment build of the token;
    ``changed`` the changed-constant variant."""

    chain: Chain
    build: Build
    changed_build: Build | None
    terms_file: Path
    registry: Deployment
    registry2: Deployment
    token: Deployment
    other_args: Deployment
    commented: Deployment | None = None
    changed: Deployment | None = None
    unreferenced: Deployment | None = None  # a registry with an empty operator registration
    on_unreferenced: Deployment | None = None  # the template token using that registry

    @property
    def params(self) -> dict[str, Any]:
        return token_params(self.registry.address, str(self.terms_file))


def deploy_world(
    chain: Chain, build: Build, folder: Path, changed_build: Build | None = None
) -> World:
    terms = folder / "whitepaper.txt"
    terms.write_text("Decree Token white paper, version 1.\n", encoding="utf-8")
    reg_params = {"operator_registration": OPERATOR_REGISTRATION}
    registry = deploy_template(chain, build, "holder-registry", reg_params)
    registry2 = deploy_template(chain, build, "holder-registry", {"operator_registration": "HTP-2"})
    params = token_params(registry.address, str(terms))
    token = deploy_template(chain, build, "compliant-token", params)
    other = token_params(registry2.address, str(terms), cap="5e18")
    other_args = deploy_template(chain, build, "compliant-token", other)
    world = World(chain, build, changed_build, terms, registry, registry2, token, other_args)
    if changed_build is not None:
        world.commented = _deploy_like(chain, changed_build, TOKEN_SOURCE, token)
        world.changed = _deploy_like(chain, changed_build, VARIANT_SOURCE, token)
        admin = chain.accounts[0]
        world.unreferenced = deploy(
            chain,
            changed_build.artifact(f"{NO_REFERENCE_SOURCE}:HolderRegistry"),
            [bytes(32), admin, admin],
            template="holder-registry",
            template_version="1",
        )
        world.on_unreferenced = deploy_template(
            chain,
            build,
            "compliant-token",
            token_params(world.unreferenced.address, str(terms)),
        )
    return world


def _deploy_like(chain: Chain, build: Build, source: str, like: Deployment) -> Deployment:
    """``source``'s CompliantToken deployed with the constructor arguments of ``like``."""
    from decree8.abi import coerce_arg

    artifact = build.artifact(f"{source}:CompliantToken")
    ctor = next(e for e in artifact.abi if e["type"] == "constructor")
    args = [
        coerce_arg(p["type"], v, p["name"])
        for p, v in zip(ctor["inputs"], like.constructor_args, strict=True)
    ]
    return deploy(
        chain,
        artifact,
        args,
        template="compliant-token",
        template_version="1",
        params=like.params,
    )
