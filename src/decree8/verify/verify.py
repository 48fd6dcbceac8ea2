"""``verify``: is the code at an address an unmodified decree8 template, with the expected
parameters, and what legal facts does it state?

The template is rebuilt (same compiler, settings and sources as decree8's build) and its runtime
code compared with the code on chain, immutables masked:

- **exact**: the code and the CBOR metadata hash agree (same sources, same settings);
- **functional**: only the metadata tail differs (e.g. a comment changed in a source);
- **mismatch**: the executable code differs (``first_difference`` says where), or the creation
  code (the constructor) in the creation transaction does, or an immutable or a constructor
  argument differs from the expected one (each is named).

Immutables found in the code are checked against the values the expected constructor arguments
put there (the constructor is run as an ``eth_call`` to learn them); the constructor arguments are
decoded from the creation transaction when it is known (a manifest's ``tx_hash`` or ``tx_hash=``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import function_signature_to_4byte_selector, is_address, keccak, to_checksum_address

from decree8.compile import collect_sources, make_input, make_settings
from decree8.compile.bytecode import (
    CodeComparison,
    Difference,
    MatchKind,
    compare_runtime,
    first_difference,
    immutable_ranges,
    metadata_summary,
    split_metadata,
)
from decree8.errors import Decree8Error, ManifestError, TemplateError, UsageError
from decree8.fsutil import canonical_json
from decree8.report import Check, Finding, Report
from decree8.templates import Template, get_template, reference_text, template_for_contract
from decree8.templates.home import TEMPLATE_SOURCES

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.compile import Artifact, Build
    from decree8.deploy import Deployment

__all__ = [
    "TEMPLATE_SOURCES",
    "ArgCheck",
    "ImmutableCheck",
    "VerifyResult",
    "rebuild",
    "verify",
]

#: The source sets decree8 has built templates from: the template folders (the shipped build, used
#: by every command since 0.2) and the whole tree (``decree8 deploy`` of 0.1). A rebuild picks the
#: one a manifest recorded.
_CANDIDATE_SOURCES: tuple[tuple[str, ...] | None, ...] = (None, TEMPLATE_SOURCES)

#: The rule a wrong value of a template parameter breaks.
_PARAM_RULES: dict[str, str] = {
    "issuer_registration": "ISSUER-HTP",
    "operator_registration": "ISSUER-HTP",
    "placement_agent": "ISSUER-HTP",
    "registry": "HOLDER-IDENTIFIED",
    "operator": "HOLDER-IDENTIFIED",
    "cap": "SUPPLY-CAP",
    "legal_order_authority": "LEGAL-ORDER",
    "oversight": "OVERSIGHT-PAUSE",
}
#: Code that is not the template's breaks the public offer: HTP Regulations pt 21 makes the
#: published program code part of the terms.
_CODE_RULE = "TERMS-BOUND"
_DEFAULT_PARAM_RULE = "TERMS-BOUND"

_STATUS_WORDS = {"exact": "EXACT MATCH", "functional": "FUNCTIONAL MATCH", "mismatch": "MISMATCH"}

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

_UNKNOWN: Any = object()  # an expected value nobody gave


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImmutableCheck:
    """One immutable: its name (``cap``; ``immutable <id>`` when it cannot be named), the template
    parameter that sets it, the expected and found values as text, and whether they agree
    (``None`` when nothing was expected)."""

    name: str
    ast_id: str
    param: str | None
    expected: str | None
    found: str
    ok: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ast_id": self.ast_id,
            "param": self.param,
            "expected": self.expected,
            "found": self.found,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class ArgCheck:
    """One constructor argument: expected (``None`` when not given) and found in the creation
    transaction (``None`` when it did not decode)."""

    name: str
    expected: str | None
    found: str | None
    ok: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "expected": self.expected, "found": self.found, "ok": self.ok}


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` found. ``status`` is the verdict (code, immutables and constructor
    arguments together); ``code_match`` the verdict of the code alone."""

    status: MatchKind
    code_match: MatchKind
    template: str
    template_version: str
    contract: str
    address: str
    chain_id: int
    first_difference: Difference | None
    immutables: tuple[ImmutableCheck, ...]
    constructor_args: tuple[ArgCheck, ...]
    facts: tuple[tuple[str, str], ...]
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    expected_metadata: str = ""
    found_metadata: str = ""
    build_input_hash: str = ""
    recorded_input_hash: str | None = None
    tx_hash: str | None = None
    code_size: int = 0
    creation_match: MatchKind | None = None  # None when the creation transaction is unknown
    creation_difference: Difference | None = None

    @property
    def ok(self) -> bool:
        """An exact or functional match with the expected parameters and no findings."""
        return self.status != "mismatch" and not self.findings

    @property
    def mismatched(self) -> tuple[str, ...]:
        """Names of the immutables and constructor arguments that differ from the expected ones."""
        names = [i.name for i in self.immutables if i.ok is False]
        names += [a.name for a in self.constructor_args if a.ok is False and a.name not in names]
        return tuple(names)

    def verdict_line(self) -> str:
        """``EXACT MATCH: compliant-token v1 at 0x…`` (with the reason of a mismatch)."""
        line = (
            f"{_STATUS_WORDS[self.status]}: {self.template} v{self.template_version} "
            f"at {self.address}"
        )
        reasons = []
        if self.first_difference is not None:
            reasons.append(f"code differs at byte {self.first_difference.offset}")
        if self.creation_difference is not None:
            reasons.append(f"creation code differs at byte {self.creation_difference.offset}")
        wrong_imm = [i.name for i in self.immutables if i.ok is False]
        if wrong_imm:
            reasons.append(f"immutables differ: {', '.join(wrong_imm)}")
        wrong_args = [a.name for a in self.constructor_args if a.ok is False]
        if wrong_args:
            reasons.append(f"constructor arguments differ: {', '.join(wrong_args)}")
        if reasons:
            line += f" ({'; '.join(reasons)})"
        if self.findings:
            count = len(self.findings)
            line += f", {count} finding{'s' if count != 1 else ''}"
        if self.creation_match is None and self.status != "mismatch":
            line += "; creation code not compared (the constructor is unproven)"
        return line

    def report_facts(self) -> tuple[tuple[str, str], ...]:
        """The verdict, the comparison and the legal facts as ``(label, text)`` pairs."""
        facts: list[tuple[str, str]] = [
            ("Verdict", self.verdict_line()),
            ("Code", self.code_match),
        ]
        if self.first_difference is not None:
            facts.append(("First difference", str(self.first_difference)))
        if self.creation_match is not None:
            facts.append(("Creation code", self.creation_match))
        if self.creation_difference is not None:
            facts.append(("First difference in the creation code", str(self.creation_difference)))
        facts.append(("Metadata expected", self.expected_metadata))
        facts.append(("Metadata found", self.found_metadata))
        facts += list(self.facts)
        for imm in self.immutables:
            facts.append((f"Immutable {imm.name}", _compared(imm.expected, imm.found, imm.ok)))
        for arg in self.constructor_args:
            facts.append(
                (f"Constructor argument {arg.name}", _compared(arg.expected, arg.found, arg.ok))
            )
        facts += [(f"Note {i}", note) for i, note in enumerate(self.notes, 1)]
        return tuple(facts)

    def to_report(self) -> Report:
        """The result as a :class:`Report` for the text, JSON, Markdown and SARIF formats."""
        return Report(
            title=f"Verification of {self.template} v{self.template_version} at {self.address}",
            subject=(self.address,),
            chain_id=self.chain_id,
            findings=self.findings,
            checks=self.checks,
            facts=self.report_facts(),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "ok": self.ok,
            "code_match": self.code_match,
            "template": self.template,
            "template_version": self.template_version,
            "contract": self.contract,
            "address": self.address,
            "chain_id": self.chain_id,
            "first_difference": (
                self.first_difference.to_dict() if self.first_difference is not None else None
            ),
            "creation_match": self.creation_match,
            "creation_difference": (
                self.creation_difference.to_dict() if self.creation_difference is not None else None
            ),
            "immutables": [i.to_dict() for i in self.immutables],
            "constructor_args": [a.to_dict() for a in self.constructor_args],
            "facts": dict(self.facts),
            "findings": [f.to_dict() for f in self.findings],
            "checks": [c.to_dict() for c in self.checks],
            "notes": list(self.notes),
            "expected_metadata": self.expected_metadata,
            "found_metadata": self.found_metadata,
            "build_input_hash": self.build_input_hash,
            "recorded_input_hash": self.recorded_input_hash,
            "tx_hash": self.tx_hash,
        }


def _compared(expected: str | None, found: str | None, ok: bool | None) -> str:
    shown_found = found if found is not None else "(not decoded)"
    if ok is None:
        return f"{shown_found} (nothing expected)"
    if ok:
        return f"{shown_found} (as expected)"
    return f"{shown_found}, expected {expected}"


# --------------------------------------------------------------------------------------------------
# Rebuilding with the recorded settings
# --------------------------------------------------------------------------------------------------


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _candidate_hashes(root: Path, sources: Sequence[str] | None) -> tuple[str, str]:
    """``(input hash, settings hash)`` a build of ``sources`` would have, without compiling."""
    contents, roots, _ = collect_sources(root, sources)
    settings = make_settings(roots)
    return _sha256(canonical_json(make_input(contents, settings))), _sha256(
        canonical_json(settings)
    )


def rebuild(
    root: str | Path | None = None,
    *,
    manifest: Deployment | None = None,
    compiler: str = "auto",
    build_dir: Path | None = None,
) -> Build:
    """The template build to compare a deployment with: the source set whose input hash (else
    settings hash) the manifest recorded, else the template folders. The template folders of
    decree8's own home come from the shipped artifacts (no compiler); anything else compiles
    only that one source set, into ``build_dir`` (a warm cache compiles nothing)."""
    from decree8.compile import build_project
    from decree8.templates.home import template_build, template_home

    home = Path(root) if root is not None else template_home()
    chosen: tuple[str, ...] | None = TEMPLATE_SOURCES
    if manifest is not None:
        hashes = {sources: _candidate_hashes(home, sources) for sources in _CANDIDATE_SOURCES}
        by_input = [s for s, (ih, _) in hashes.items() if ih == manifest.input_hash]
        by_settings = [s for s, (_, sh) in hashes.items() if sh == manifest.settings_hash]
        if by_input:
            chosen = by_input[0]
        elif by_settings:
            chosen = by_settings[0]
    if chosen == TEMPLATE_SOURCES and root is None:
        return template_build(build_dir=build_dir, compiler=compiler)
    return build_project(home, compiler=compiler, sources=chosen, cache_dir=build_dir)


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    """One constructor input: ABI name and type, the template parameter it comes from."""

    position: int
    abi_name: str
    abi_type: str
    param: str | None

    @property
    def name(self) -> str:
        """The name without Solidity's underscores (``cap_`` -> ``cap``)."""
        return self.abi_name.strip("_") or f"arg{self.position}"

    @property
    def static_word(self) -> bool:
        """Whether the value is one 32-byte word in place (what an immutable can hold)."""
        if self.abi_type in ("address", "bool"):
            return True
        return self.abi_type.startswith(("uint", "int", "bytes")) and self.abi_type != "bytes"


def _constructor_inputs(artifact: Artifact, template: Template) -> list[_Input]:
    entry = next((e for e in artifact.abi if e.get("type") == "constructor"), None)
    inputs = list(entry.get("inputs", [])) if entry else []
    if len(inputs) != len(template.constructor):
        raise TemplateError(
            f"template {template.name} lists {len(template.constructor)} constructor values but "
            f"{artifact.name} takes {len(inputs)}: the catalogue and the build disagree"
        )
    return [
        _Input(i, str(p.get("name") or ""), str(p["type"]), template.constructor[i])
        for i, p in enumerate(inputs)
    ]


def _show(kind: str, value: Any, param: str | None = None) -> str:
    """A value as a person reads it: bytes32 references as text when printable, addresses
    checksummed, other bytes as hex."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
        if kind == "bytes32" and param is not None and param.endswith("registration"):
            return reference_text(raw)
        return "0x" + raw.hex()
    if kind == "address" and isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    return str(value)


def _same(kind: str, expected: Any, found: Any) -> bool:
    if kind == "address":
        return str(expected).lower() == str(found).lower()
    return bool(expected == found)


def _word(kind: str, value: Any) -> bytes | None:
    try:
        return eth_abi.encode([kind], [value])
    except (EncodingError, TypeError, ValueError, OverflowError):
        return None


def _decode_word(kind: str | None, word: bytes) -> Any:
    if kind is None or len(word) != 32:
        return "0x" + word.hex()
    try:
        return eth_abi.decode([kind], word)[0]
    except (DecodingError, ValueError, OverflowError):
        return "0x" + word.hex()


def _expected_from_manifest(manifest: Deployment, inputs: Sequence[_Input]) -> list[Any]:
    from decree8.check.decode import coerce_arg  # same layer; imported late (no import cycle)

    args = list(manifest.constructor_args)
    if len(args) != len(inputs):
        raise ManifestError(
            f"the manifest of {manifest.address} records {len(args)} constructor arguments, but "
            f"{manifest.contract} takes {len(inputs)}: the manifest is corrupt"
        )
    try:
        return [
            coerce_arg(i.abi_type, v, f"constructor argument {i.name} in the manifest")
            for i, v in zip(inputs, args, strict=True)
        ]
    except UsageError as exc:
        raise ManifestError(f"manifest of {manifest.address} is corrupt: {exc}") from None


def _expected_from_params(
    template: Template,
    params: Mapping[str, Any],
    inputs: Sequence[_Input],
    *,
    deployer: str | None,
    base_dir: Path | None,
    resolve_address: Callable[[str], str] | None,
) -> list[Any]:
    """Expected constructor values from the parameters given (others unknown). Parameters that
    default to the deployer count as given when the deployer is known."""
    given = dict(params)
    for name in given:
        template.param(name)  # TemplateError for an unknown parameter
    terms = str(given.get("terms", ""))
    if terms and not terms.startswith("0x") and "terms_uri" not in given:
        given["terms_uri"] = Path(terms).name
    chosen = tuple(
        p
        for p in template.params
        if p.name in given or (deployer is not None and p.default == "@deployer")
    )
    values = replace(template, params=chosen).resolve(
        given,
        deployer=deployer or "0x" + "00" * 20,
        resolve_address=resolve_address,
        base_dir=base_dir,
    )
    return [values.get(i.param, _UNKNOWN) if i.param else _UNKNOWN for i in inputs]


# --------------------------------------------------------------------------------------------------
# Reading the chain
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _View:
    kind: str
    raw: bytes
    value: Any


def _call(chain: Chain, address: str, data: bytes) -> bytes | None:
    try:
        return chain.call({"to": address, "data": "0x" + data.hex()})
    except Decree8Error:
        return None


def _read_views(chain: Chain, address: str, abi: Sequence[Mapping[str, Any]]) -> dict[str, _View]:
    """Every view without inputs and with one output, read at ``address`` (unreadable ones left
    out)."""
    views: dict[str, _View] = {}
    for entry in abi:
        if entry.get("type") != "function" or entry.get("inputs"):
            continue
        if entry.get("stateMutability") not in ("view", "pure") or len(entry["outputs"]) != 1:
            continue
        kind = str(entry["outputs"][0]["type"])
        selector = function_signature_to_4byte_selector(f"{entry['name']}()")
        raw = _call(chain, address, selector)
        if raw is None:
            continue
        try:
            value = eth_abi.decode([kind], raw)[0]
        except (DecodingError, ValueError, OverflowError):
            continue
        views[str(entry["name"])] = _View(kind, raw, value)
    return views


def compare_creation(
    built_creation: bytes, creation_input: bytes, runtime: bytes
) -> CodeComparison:
    """The creation code of a build compared with the start of a creation transaction's input.
    The runtime code, metadata tail included, sits inside the creation code, and solc may put data
    after it (constants the constructor copies with CODECOPY): the runtime's metadata is then not
    the creation code's tail, so the code is compared up to the end of that metadata (a differing
    hash there is a functional match) and the data after it must be equal."""
    found = creation_input[: len(built_creation)]
    _, tail = split_metadata(runtime)
    end = built_creation.rfind(tail) + len(tail) if tail else -1
    if not tail or end <= len(tail) - 1 or end >= len(built_creation):
        return compare_runtime(built_creation, found, {})
    head = compare_runtime(built_creation[:end], found[:end], {})
    if head.match == "mismatch":
        return head
    rest = first_difference(built_creation[end:], found[end:])
    if rest is None:
        return head
    moved = Difference(offset=end + rest.offset, expected=rest.expected, found=rest.found)
    return CodeComparison("mismatch", moved, head.expected_metadata, head.found_metadata)


def _creation(chain: Chain, tx_hash: str, address: str) -> tuple[bytes, str]:
    """The input and sender of the transaction that created ``address``."""
    from web3.exceptions import Web3Exception

    try:
        tx = chain.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        receipt = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except (Web3Exception, Decree8Error, ValueError):
        raise UsageError(
            f"transaction {tx_hash} is not on this chain (chain {chain.chain_id})"
        ) from None
    created = receipt.get("contractAddress")
    if not created or to_checksum_address(created) != address:
        raise UsageError(
            f"transaction {tx_hash} did not create {address}"
            + (f" (it created {to_checksum_address(created)})" if created else "")
        )
    return bytes(tx["input"]), to_checksum_address(tx["from"])


def constructor_args_at_end(
    creation_input: bytes, types: Sequence[str], expected_start: int | None = None
) -> tuple[Any, ...] | None:
    """The constructor arguments ABI-encoded at the end of ``creation_input``, whatever the
    length of the creation code before them (a changed constructor changes it).

    The arguments take the last ``32 * len(types)`` bytes when every type is static. Otherwise
    the head word of the first dynamic argument holds the head's length (the encoder puts the
    first dynamic value right after the head), which marks where the arguments may start; a
    start is taken when the bytes from it decode and encode back to exactly themselves.
    ``expected_start`` (the template's creation code length) is tried first."""
    types = list(types)
    head = 32 * len(types)
    if len(creation_input) < head:
        return None
    dynamic = [n for n, t in enumerate(types) if _is_dynamic(t)]
    starts: list[int] = []
    if expected_start is not None and expected_start <= len(creation_input) - head:
        starts.append(expected_start)
    if not dynamic:
        starts.append(len(creation_input) - head)
    else:
        marker = head.to_bytes(32, "big")
        first = 32 * dynamic[0]
        at = creation_input.find(marker, first)
        while at != -1:
            starts.append(at - first)
            at = creation_input.find(marker, at + 1)
    for start in dict.fromkeys(starts):
        if start < 0:
            continue
        tail = creation_input[start:]
        try:
            values = eth_abi.decode(types, tail)
            if eth_abi.encode(types, values) == tail:
                return tuple(values)
        except (DecodingError, ValueError, OverflowError, TypeError):
            continue
    return None


def _is_dynamic(abi_type: str) -> bool:
    return abi_type in ("string", "bytes") or abi_type.endswith("[]")


def find_creation(chain: Chain, address: str) -> tuple[str | None, str]:
    """The transaction that created ``address``, found by searching the block where its code
    first appears (a binary search over ``eth_getCode`` at past blocks), or ``(None, why)`` when
    the node keeps no past state or the contract was created by another contract."""
    try:
        latest = chain.block_number
        low, high = 0, latest  # the code is at `high`, and not before `low`
        if bytes(chain.w3.eth.get_code(address, 0)):  # type: ignore[arg-type]
            return None, "the code is in the genesis block: no transaction created it"
        while high - low > 1:
            mid = (low + high) // 2
            if bytes(chain.w3.eth.get_code(address, mid)):  # type: ignore[arg-type]
                high = mid
            else:
                low = mid
        block = chain.w3.eth.get_block(high, full_transactions=True)
    except Exception:  # noqa: BLE001 - a node without past state cannot be searched
        return None, "this node keeps no past state to search for the deployment block"
    for tx in block.get("transactions", []):
        if isinstance(tx, bytes | str) or tx.get("to"):
            continue
        tx_hash = "0x" + bytes(tx["hash"]).hex()
        try:
            receipt = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001
            continue
        created = receipt.get("contractAddress")
        if created and to_checksum_address(created) == address:
            return tx_hash, ""
    return None, (
        f"no transaction in block {high}, where the code first appears, created it directly: "
        "a contract created it"
    )


# --------------------------------------------------------------------------------------------------
# verify
# --------------------------------------------------------------------------------------------------


def verify(
    chain: Chain,
    address: str,
    *,
    template: str | None = None,
    params: Mapping[str, Any] | None = None,
    manifest: Deployment | None = None,
    build: Build | None = None,
    tx_hash: str | None = None,
    terms_file: str | Path | None = None,
    base_dir: Path | None = None,
    resolve_address: Callable[[str], str] | None = None,
) -> VerifyResult:
    """Compares the code at ``address`` with the build of a template and reads its legal facts.

    The template comes from ``template`` or the ``manifest``, else it is recognised from the code.
    Expected constructor values come from the manifest or from ``params`` (template parameters as
    ``decree8 deploy`` takes them; partial parameters check only what they name). ``tx_hash`` (or
    the manifest's) is the creation transaction, from which the constructor arguments are decoded.
    ``terms_file`` is hashed (keccak-256) and compared with the contract's terms hash.

    Raises :class:`UsageError` (exit 2) for bad input: no code at the address, an unknown template,
    a transaction that did not create the address; :class:`ManifestError` for a manifest from
    another chain or a corrupt one.
    """
    if not is_address(address):
        raise UsageError(f"{address!r} is not an address (0x followed by 40 hex digits)")
    address = to_checksum_address(address)
    if manifest is not None:
        if manifest.chain_id != chain.chain_id:
            raise ManifestError(
                f"the manifest is for chain {manifest.chain_id}, but the node is chain "
                f"{chain.chain_id}: pass the --rpc of the chain it was deployed to"
            )
        if manifest.address != address:
            raise UsageError(f"the manifest is of {manifest.address}, not of {address}")
        if params:
            raise UsageError("give the expected values either as a manifest or as parameters")
    if params and template is None and manifest is None:
        raise UsageError("parameters need the template they belong to (--template NAME)")
    code = bytes(chain.w3.eth.get_code(address))
    if not code:
        raise UsageError(f"there is no contract code at {address} on chain {chain.chain_id}")
    build = build if build is not None else rebuild(manifest=manifest)
    chosen = _pick_template(template, manifest, build, code)
    artifact = build.artifact(chosen.contract)
    inputs = _constructor_inputs(artifact, chosen)
    notes: list[str] = []

    # -- the creation transaction and the expected values --------------------------------------
    tx = tx_hash or (manifest.tx_hash if manifest is not None else None)
    creation_input: bytes | None = None
    deployer: str | None = manifest.deployer if manifest is not None else None
    unfound = ""
    if tx is None:
        tx, unfound = find_creation(chain, address)
        if tx is not None:
            notes.append(f"creation transaction {tx} found by searching the deployment block")
    if tx is not None:
        creation_input, deployer = _creation(chain, tx, address)
    if manifest is not None:
        expected = _expected_from_manifest(manifest, inputs)
        _note_build(manifest, build, artifact, notes)
    elif params:
        expected = _expected_from_params(
            chosen,
            params,
            inputs,
            deployer=deployer,
            base_dir=base_dir,
            resolve_address=resolve_address,
        )
    else:
        expected = [_UNKNOWN] * len(inputs)
        notes.append("no manifest or parameters given: immutables are shown, not compared")

    # -- the code ------------------------------------------------------------------------------
    built = bytes.fromhex(artifact.deployed_bytecode)
    comparison = compare_runtime(built, code, artifact.immutable_references)
    creation: CodeComparison | None = None
    if creation_input is not None:  # the constructor is checked too (it may skip a guard)
        built_creation = bytes.fromhex(artifact.bytecode)
        creation = compare_creation(built_creation, creation_input, built)
    if comparison.match == "functional":
        if creation is not None and creation.match == "mismatch":
            notes.append(
                "the runtime code differs from the template's only in its metadata hash, but the "
                "creation code (the constructor) differs: the deployment is not the template's"
            )
        else:
            notes.append(
                "only the metadata hash differs: the sources differ from the template's in a way "
                "that does not change the runtime code (a comment, a file name, whitespace)"
            )
    if creation_input is None:
        notes.append(
            f"creation code NOT compared ({unfound or 'no creation transaction'}): what the "
            "constructor did is unproven: a constructor that skips a guard (e.g. accepts an "
            "empty registration reference) or sets other state than the template's cannot be "
            "ruled out from the runtime code alone; give the creation transaction (--tx) to "
            "compare it"
        )

    views = _read_views(chain, address, artifact.abi)
    if comparison.match == "mismatch":
        immutables: list[ImmutableCheck] = []
        notes.append("immutables not compared: the code around them is not the template's")
    else:
        immutables = _check_immutables(
            chain, build, artifact, views, inputs, expected, code, deployer, notes
        )
    if creation_input is None:
        args: list[ArgCheck] = []
        notes.append("constructor arguments not compared: the creation transaction is unknown")
    else:
        args = _check_args(artifact, inputs, expected, creation_input, notes)

    # -- legal facts and findings -------------------------------------------------------------
    facts, findings, extra_checks = _legal_facts(
        chain, build, chosen, address, views, inputs, expected
    )
    wrong = [i for i in immutables if i.ok is False]
    wrong_args = [a for a in args if a.ok is False and a.name not in {i.param for i in wrong}]
    status: MatchKind = comparison.match
    if wrong or wrong_args or (creation is not None and creation.match == "mismatch"):
        status = "mismatch"
    findings = _value_findings(chosen, address, comparison, creation, wrong, wrong_args) + findings
    checks = _code_checks(chosen, address, comparison, creation, immutables, args, len(code))
    checks += extra_checks
    if terms_file is not None:
        finding, check = _terms_file(chosen, address, views, Path(terms_file))
        checks.append(check)
        if finding is not None:
            findings.append(finding)

    return VerifyResult(
        status=status,
        code_match=comparison.match,
        template=chosen.name,
        template_version=(
            manifest.template_version
            if manifest is not None and manifest.template_version
            else chosen.version
        ),
        contract=chosen.contract,
        address=address,
        chain_id=chain.chain_id,
        first_difference=comparison.difference,
        creation_match=creation.match if creation is not None else None,
        creation_difference=creation.difference if creation is not None else None,
        immutables=tuple(immutables),
        constructor_args=tuple(args),
        facts=tuple(facts),
        findings=tuple(findings),
        checks=tuple(checks),
        notes=tuple(notes),
        expected_metadata=metadata_summary(comparison.expected_metadata),
        found_metadata=metadata_summary(comparison.found_metadata),
        build_input_hash=build.input_hash,
        recorded_input_hash=manifest.input_hash if manifest is not None else None,
        tx_hash=tx,
        code_size=len(code),
    )


def _pick_template(
    template: str | None, manifest: Deployment | None, build: Build, code: bytes
) -> Template:
    """The template named, the manifest's, or the one whose code is at the address."""
    if template is not None:
        chosen = get_template(template)
        if manifest is not None and manifest.contract != chosen.contract:
            raise UsageError(
                f"the manifest is of a {manifest.contract}, not of template {chosen.name}"
            )
        return chosen
    if manifest is not None:
        found = (
            get_template(manifest.template)
            if manifest.template
            else template_for_contract(manifest.contract)
        )
        if found is None:
            raise UsageError(f"the manifest's contract {manifest.contract} is no decree8 template")
        return found
    from decree8.templates import CATALOGUE

    for candidate in CATALOGUE.values():
        try:
            art = build.artifact(candidate.contract)
        except UsageError:
            continue
        expected = bytes.fromhex(art.deployed_bytecode)
        if compare_runtime(expected, code, art.immutable_references).match != "mismatch":
            return candidate
    raise UsageError(
        "the code at the address is not recognised as a decree8 template: name the template "
        "it should be with --template NAME (or give its --manifest)"
    )


def _note_build(manifest: Deployment, build: Build, artifact: Artifact, notes: list[str]) -> None:
    if manifest.compiler_version != build.compiler_version:
        notes.append(
            f"recorded compiler {manifest.compiler_version}, rebuilt with {build.compiler_version}"
        )
    if manifest.input_hash and manifest.input_hash != build.input_hash:
        notes.append(
            f"recorded compiler input {manifest.input_hash[:16]}… differs from the current "
            f"build's {build.input_hash[:16]}…: the sources or settings changed since deployment"
        )
    if manifest.settings_hash != build.settings_hash:
        notes.append(
            f"recorded settings {manifest.settings_hash[:16]}… differ from the current build's "
            f"{build.settings_hash[:16]}…"
        )
    if manifest.source_hash and manifest.source_hash != artifact.source_hash:
        notes.append(f"the source file {artifact.source} changed since deployment")


def _ast_names(build: Build) -> dict[str, str]:
    """AST id -> variable name, when the build output carries ASTs (decree8's default build does
    not ask for them)."""
    names: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("nodeType") == "VariableDeclaration" and "id" in node:
                names[str(node["id"])] = str(node.get("name", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for source in (build.output.get("sources") or {}).values():
        if isinstance(source, dict) and "ast" in source:
            walk(source["ast"])
    return names


def _simulated_runtime(
    chain: Chain,
    artifact: Artifact,
    inputs: Sequence[_Input],
    expected: Sequence[Any],
    deployer: str | None,
) -> bytes | None:
    """The runtime code the expected constructor arguments produce, from an ``eth_call`` of the
    creation code (nothing is deployed); ``None`` when some value is unknown or it reverts."""
    if any(v is _UNKNOWN for v in expected):
        return None
    try:
        encoded = eth_abi.encode([i.abi_type for i in inputs], list(expected))
    except (EncodingError, TypeError, ValueError, OverflowError):
        return None
    tx: dict[str, Any] = {"data": "0x" + artifact.bytecode + encoded.hex()}
    if deployer is not None:
        tx["from"] = deployer
    try:
        return chain.call(tx)
    except Decree8Error:
        return None


def _check_immutables(
    chain: Chain,
    build: Build,
    artifact: Artifact,
    views: Mapping[str, _View],
    inputs: Sequence[_Input],
    expected: Sequence[Any],
    code: bytes,
    deployer: str | None,
    notes: list[str],
) -> list[ImmutableCheck]:
    refs = artifact.immutable_references
    if not refs:
        return []
    simulated = _simulated_runtime(chain, artifact, inputs, expected, deployer)
    if simulated is None and all(v is not _UNKNOWN for v in expected):
        notes.append("the constructor did not run with the expected arguments (eth_call)")
    words = {
        i.position: _word(i.abi_type, v)
        for i, v in zip(inputs, expected, strict=True)
        if v is not _UNKNOWN and i.static_word
    }
    by_name = {i.name: i for i in inputs}
    ast_names = _ast_names(build)
    checks: list[ImmutableCheck] = []
    first: dict[str, int] = {}
    for r in immutable_ranges(refs):
        first.setdefault(r.ast_id, r.start)
    for ast_id, start in sorted(first.items(), key=lambda item: item[1]):
        ranges = [r for r in immutable_ranges(refs) if r.ast_id == ast_id]
        length = ranges[0].length
        found_word = code[start : start + length]
        consistent = all(code[r.start : r.start + r.length] == found_word for r in ranges)
        expected_word = simulated[start : start + length] if simulated is not None else None
        source: _Input | None = None
        if ast_id in ast_names:
            source = by_name.get(ast_names[ast_id].strip("_"))
        if source is None and expected_word is not None:
            matches = [i for i in inputs if words.get(i.position) == expected_word]
            source = matches[0] if len(matches) == 1 else None
        if source is None:
            matches = [i for i in inputs if words.get(i.position) == found_word]
            source = matches[0] if len(matches) == 1 else None
        if source is None:  # the getter that returns the word, named like the constructor input
            getters = [n for n, v in views.items() if v.raw == found_word and n in by_name]
            source = by_name[getters[0]] if len(getters) == 1 else None
        if expected_word is None and source is not None:
            expected_word = words.get(source.position)
        kind = source.abi_type if source is not None else None
        name = source.name if source is not None else f"immutable {ast_id}"
        param = source.param if source is not None else None
        found_text = _show(kind or "", _decode_word(kind, found_word), param)
        if not consistent:
            found_text += " (its copies in the code differ)"
        expected_text = (
            _show(kind or "", _decode_word(kind, expected_word), param)
            if expected_word is not None
            else None
        )
        ok = None if expected_word is None else (expected_word == found_word and consistent)
        checks.append(ImmutableCheck(name, ast_id, param, expected_text, found_text, ok))
    return checks


def _check_args(
    artifact: Artifact,
    inputs: Sequence[_Input],
    expected: Sequence[Any],
    creation_input: bytes,
    notes: list[str],
) -> list[ArgCheck]:
    """Constructor arguments decoded from the tail of the creation input (after the creation
    code) and compared with the expected ones."""
    creation = bytes.fromhex(artifact.bytecode)
    found = constructor_args_at_end(creation_input, [i.abi_type for i in inputs], len(creation))
    if found is None:
        notes.append(
            f"the creation transaction's input does not end in arguments of {artifact.name}'s "
            "constructor: they were not decoded"
        )
    checks = []
    for i, want in zip(inputs, expected, strict=True):
        got = found[i.position] if found is not None else None
        expected_text = None if want is _UNKNOWN else _show(i.abi_type, want, i.param)
        found_text = None if found is None else _show(i.abi_type, got, i.param)
        ok = None if want is _UNKNOWN else (found is not None and _same(i.abi_type, want, got))
        checks.append(ArgCheck(i.param or i.name, expected_text, found_text, ok))
    return checks


def _finding(
    rule_id: str, message: str, template: Template, address: str, **details: Any
) -> Finding:
    return Finding.for_rule(
        rule_id,
        message,
        source="verify",
        contract=template.contract,
        parties=(("contract", address),),
        details=details,
    )


def _value_findings(
    template: Template,
    address: str,
    comparison: CodeComparison,
    creation: CodeComparison | None,
    immutables: Sequence[ImmutableCheck],
    args: Sequence[ArgCheck],
) -> list[Finding]:
    findings = []
    diff = comparison.difference
    created = creation.difference if creation is not None else None
    if created is not None and diff is None:
        findings.append(
            _finding(
                _CODE_RULE,
                f"the creation code (constructor) that deployed {address} is not the "
                f"{template.name} template's: it first differs at {created}",
                template,
                address,
                offset=created.offset,
                expected=created.expected,
                found=created.found,
            )
        )
    if diff is not None:
        findings.append(
            _finding(
                _CODE_RULE,
                f"the code at {address} is not the {template.name} template's: it first differs "
                f"at {diff}",
                template,
                address,
                offset=diff.offset,
                expected=diff.expected,
                found=diff.found,
            )
        )
    findings += [
        _finding(
            _PARAM_RULES.get(imm.param or "", _DEFAULT_PARAM_RULE),
            f"immutable {imm.name} holds {imm.found}, expected {imm.expected}",
            template,
            address,
            immutable=imm.name,
            expected=imm.expected,
            found=imm.found,
        )
        for imm in immutables
    ]
    findings += [
        _finding(
            _PARAM_RULES.get(arg.name, _DEFAULT_PARAM_RULE),
            f"constructor argument {arg.name} was {arg.found}, expected {arg.expected}",
            template,
            address,
            argument=arg.name,
            expected=arg.expected,
            found=arg.found,
        )
        for arg in args
    ]
    return findings


def _code_checks(
    template: Template,
    address: str,
    comparison: CodeComparison,
    creation: CodeComparison | None,
    immutables: Sequence[ImmutableCheck],
    args: Sequence[ArgCheck],
    size: int,
) -> list[Check]:
    checks = [
        Check(
            _CODE_RULE,
            f"runtime code ({size:,} bytes) compared with the {template.name} build, "
            "immutables masked",
            address,
            size,
            comparison.match != "mismatch",
        )
    ]
    if creation is not None:
        checks.append(
            Check(
                _CODE_RULE,
                f"creation code compared with the {template.name} build",
                address,
                1,
                creation.match != "mismatch",
            )
        )
    checks += [
        Check(
            _PARAM_RULES.get(imm.param or "", _DEFAULT_PARAM_RULE),
            f"immutable {imm.name} compared with the expected value",
            address,
            1,
            imm.ok,
        )
        for imm in immutables
        if imm.ok is not None
    ]
    checks += [
        Check(
            _PARAM_RULES.get(arg.name, _DEFAULT_PARAM_RULE),
            f"constructor argument {arg.name} read from the creation transaction",
            address,
            1,
            arg.ok,
        )
        for arg in args
        if arg.ok is not None
    ]
    return checks


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
