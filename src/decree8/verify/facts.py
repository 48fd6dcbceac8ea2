"""The legal facts a deployment states through its views: names, registrations, terms, the
registry's rules and the roles, each shown with its legal basis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi import abi as eth_abi
from eth_utils import function_signature_to_4byte_selector, is_address, keccak, to_checksum_address

from decree8.compile.bytecode import (
    compare_runtime,
)
from decree8.errors import UsageError
from decree8.result import Check, Finding
from decree8.templates import Template, reference_text
from decree8.verify.onchain import _call, _read_views, _View
from decree8.verify.result import _finding
from decree8.verify.values import _UNKNOWN, _Input

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Artifact, Build

__all__ = ["DECREE_19"]


#: Legal facts read through a template's views: (view, label, how to show it).
_FACT_VIEWS: tuple[tuple[str, str, str], ...] = (
    ("name", "Name", "plain"),
    ("symbol", "Symbol", "plain"),
    ("issuerRegistration", "Issuer HTP registration", "reference"),
    ("operatorRegistration", "Operator HTP registration", "reference"),
    ("termsHash", "Terms hash", "hex"),
    ("termsUri", "Terms URI", "plain"),
    ("termsVersion", "Terms version", "plain"),
    ("registry", "Holder registry", "plain"),
    ("cap", "Cap", "plain"),
    ("totalSupply", "Total supply", "plain"),
    ("paused", "Paused", "plain"),
)


def _fact_text(how: str, value: Any) -> str:
    if how == "reference" and isinstance(value, bytes):
        return reference_text(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    return str(value)


def _legal_facts(
    chain: Chain,
    build: Build,
    template: Template,
    address: str,
    views: Mapping[str, _View],
    inputs: Sequence[_Input],
    expected: Sequence[Any],
) -> tuple[list[tuple[str, str]], list[Finding], list[Check]]:
    """The legal facts the contract states through its views, and what they reveal: an empty
    HTP registration (ISSUER-HTP), a registry that is none (HOLDER-IDENTIFIED)."""
    facts = [
        (label, _fact_text(how, views[view].value))
        for view, label, how in _FACT_VIEWS
        if view in views
    ]
    findings: list[Finding] = []
    checks: list[Check] = []
    for view, whose in (("issuerRegistration", "issuer"), ("operatorRegistration", "operator")):
        if view not in views:
            continue
        empty = views[view].value == bytes(32)
        checks.append(
            Check("ISSUER-HTP", f"the {whose}'s HTP registration is stated", address, 1, not empty)
        )
        if empty:
            findings.append(
                _finding(
                    "ISSUER-HTP",
                    f"the {whose}'s HTP registration reference is empty: a decree8 deployment "
                    "must name the HTP resident it runs through",
                    template,
                    address,
                )
            )
    facts += _cryptobank_facts(views, "Operator")
    if "registry" in views and template.contract != "HolderRegistry":
        _registry_facts(
            chain, build, template, address, str(views["registry"].value), facts, findings, checks
        )
    facts += _role_facts(chain, template, address, views, inputs, expected)
    return facts, findings, checks


#: The act a registry's cryptobank-register entry refers to (shown, never enforced).
DECREE_19 = "Decree No. 19, in force about 17.07.2026 (exact day unverified)"


def _cryptobank_facts(views: Mapping[str, _View], whose: str) -> list[tuple[str, str]]:
    """The operator's entry in the National Bank's cryptobank register, when the registry
    records one (a view whose name mentions the cryptobank register): shown with Decree No. 19,
    from which the sources state no on-chain rule, so nothing is enforced about it."""
    out = []
    for name, view in views.items():
        if "cryptobank" not in name.lower():
            continue
        how = "reference" if view.kind == "bytes32" else "plain"
        value = _fact_text(how, view.value)
        if view.kind == "bytes32" and view.value == bytes(32):
            value = "none recorded"
        out.append((f"{whose} cryptobank-register entry ({DECREE_19})", value))
    return out


def _registry_facts(
    chain: Chain,
    build: Build,
    template: Template,
    address: str,
    registry: str,
    facts: list[tuple[str, str]],
    findings: list[Finding],
    checks: list[Check],
) -> None:
    registry = to_checksum_address(registry)
    code = bytes(chain.w3.eth.get_code(registry))
    if not code:
        facts.append(("Holder registry code", "none"))
        checks.append(
            Check("HOLDER-IDENTIFIED", "the holder registry has code", registry, 1, False)
        )
        findings.append(
            _finding(
                "HOLDER-IDENTIFIED",
                f"the holder registry {registry} has no code: no holder can be identified",
                template,
                address,
                registry=registry,
            )
        )
        return
    try:
        art = build.artifact("HolderRegistry")
    except UsageError:
        art = None
    if art is not None:
        _registry_code(code, art, registry, template, address, facts, findings, checks)
    if art is not None:
        cryptobank = [e for e in art.abi if "cryptobank" in str(e.get("name", "")).lower()]
        facts += _cryptobank_facts(_read_views(chain, registry, cryptobank), "Registry operator")
    raw = _call(chain, registry, function_signature_to_4byte_selector("operatorRegistration()"))
    if raw is not None and len(raw) == 32:
        facts.append(("Registry operator HTP registration", reference_text(raw)))
        empty = raw == bytes(32)
        checks.append(
            Check(
                "ISSUER-HTP",
                "the registry operator's HTP registration is stated",
                registry,
                1,
                not empty,
            )
        )
        if empty:
            findings.append(
                _finding(
                    "ISSUER-HTP",
                    f"the operator of holder registry {registry} states an empty HTP registration",
                    template,
                    address,
                    registry=registry,
                )
            )


def _registry_code(
    code: bytes,
    art: Artifact,
    registry: str,
    template: Template,
    address: str,
    facts: list[tuple[str, str]],
    findings: list[Finding],
    checks: list[Check],
) -> None:
    """Whether the registry's code is the holder-registry template's."""
    built = bytes.fromhex(art.deployed_bytecode)
    match = compare_runtime(built, code, art.immutable_references).match
    recognised = match != "mismatch"
    facts.append(
        (
            "Holder registry code",
            f"decree8 holder-registry ({match} match)"
            if recognised
            else "not a decree8 holder registry",
        )
    )
    checks.append(
        Check(
            "HOLDER-IDENTIFIED",
            "the holder registry's code is the holder-registry template's",
            registry,
            1,
            recognised,
        )
    )
    if not recognised:
        findings.append(
            _finding(
                "HOLDER-IDENTIFIED",
                f"the holder registry {registry} is not a decree8 holder registry",
                template,
                address,
                registry=registry,
            )
        )


def _role_facts(
    chain: Chain,
    template: Template,
    address: str,
    views: Mapping[str, _View],
    inputs: Sequence[_Input],
    expected: Sequence[Any],
) -> list[tuple[str, str]]:
    """Whether the expected first holder of each role still holds it (``hasRole``)."""
    by_param = {i.param: v for i, v in zip(inputs, expected, strict=True) if i.param}
    selector = function_signature_to_4byte_selector("hasRole(bytes32,address)")
    facts = []
    for role in template.roles:
        holder = by_param.get(role.holder_param) if role.holder_param else None
        if holder is None or holder is _UNKNOWN:
            continue
        if role.name == "DEFAULT_ADMIN_ROLE":
            role_id = bytes(32)
        elif role.name in views and isinstance(views[role.name].value, bytes):
            role_id = views[role.name].value
        else:
            role_id = keccak(text=role.name)
        raw = _call(
            chain, address, selector + eth_abi.encode(["bytes32", "address"], [role_id, holder])
        )
        if raw is None or len(raw) != 32:
            continue
        held = int.from_bytes(raw, "big") == 1
        facts.append((f"Role {role.name} of {holder}", "held" if held else "not held"))
    return facts


def _terms_file(
    template: Template, address: str, views: Mapping[str, _View], path: Path
) -> tuple[Finding | None, Check]:
    """The terms file hashed (keccak-256) and compared with the contract's current terms hash."""
    from decree8.templates import hash_file

    try:
        digest = hash_file(path)
    except ValueError as exc:
        raise UsageError(f"--terms {path}: {exc}") from None
    if "termsHash" not in views:
        raise UsageError(
            f"the {template.name} at {address} states no terms hash: --terms does not apply"
        )
    bound = views["termsHash"].value
    version = views["termsVersion"].value if "termsVersion" in views else "?"
    ok = bound == digest
    check = Check(
        "TERMS-BOUND",
        f"terms file {path.name} hashed (keccak-256) and compared with the terms hash",
        address,
        1,
        ok,
    )
    if ok:
        return None, check
    finding = _finding(
        "TERMS-BOUND",
        f"terms file {path.name} hashes to 0x{digest.hex()}, but the contract binds terms "
        f"0x{bytes(bound).hex()} (version {version})",
        template,
        address,
        terms_file=str(path),
        file_hash="0x" + digest.hex(),
        bound_hash="0x" + bytes(bound).hex(),
    )
    return finding, check
