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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi import abi as eth_abi
from eth_abi.exceptions import EncodingError
from eth_typing import ChecksumAddress
from eth_utils import is_address, to_checksum_address

from decree8.compile.bytecode import (
    CodeComparison,
    Difference,
    MatchKind,
    compare_runtime,
    immutable_ranges,
    metadata_summary,
)
from decree8.errors import Decree8Error, ManifestError, UsageError
from decree8.result import Check, Finding
from decree8.templates import Template, get_template, template_for_contract
from decree8.templates.home import TEMPLATE_SOURCES
from decree8.verify.facts import _legal_facts, _terms_file
from decree8.verify.onchain import (
    _creation,
    _read_views,
    _View,
    compare_creation,
    constructor_args_at_end,
    find_creation,
)
from decree8.verify.recompile import rebuild
from decree8.verify.result import ArgCheck, ImmutableCheck, VerifyResult, _finding
from decree8.verify.values import (
    _UNKNOWN,
    _constructor_inputs,
    _decode_word,
    _expected_from_manifest,
    _expected_from_params,
    _Input,
    _same,
    _show,
    _word,
)

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


# --------------------------------------------------------------------------------------------------
# verify
# --------------------------------------------------------------------------------------------------


@dataclass
class _Deployed:
    """What :func:`verify` learnt first about the deployment, and the notes it gathers."""

    chain: Chain
    address: str
    code: bytes
    build: Build
    chosen: Template
    artifact: Artifact
    inputs: list[_Input]
    manifest: Deployment | None
    notes: list[str] = field(default_factory=list)


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
    address = _checked_input(chain, address, template, params, manifest)
    code = bytes(chain.w3.eth.get_code(address))
    if not code:
        raise UsageError(f"there is no contract code at {address} on chain {chain.chain_id}")
    build = build if build is not None else rebuild(manifest=manifest)
    chosen = _pick_template(template, manifest, build, code)
    artifact = build.artifact(chosen.contract)
    d = _Deployed(
        chain,
        address,
        code,
        build,
        chosen,
        artifact,
        _constructor_inputs(artifact, chosen),
        manifest,
    )
    tx, unfound, creation_input, deployer = _creation_tx(d, tx_hash)
    expected = _expected_values(d, params, deployer, base_dir, resolve_address)
    comparison, creation = _compared_code(artifact, code, creation_input, unfound, d.notes)
    views = _read_views(chain, address, artifact.abi)
    immutables, args = _checked_values(d, views, expected, deployer, creation_input, comparison)
    return _conclude(d, views, expected, comparison, creation, immutables, args, terms_file, tx)


def _checked_input(
    chain: Chain,
    address: str,
    template: str | None,
    params: Mapping[str, Any] | None,
    manifest: Deployment | None,
) -> ChecksumAddress:
    """``address``, checksummed, once the arguments of :func:`verify` agree with each other."""
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
    return address


def _expected_values(
    d: _Deployed,
    params: Mapping[str, Any] | None,
    deployer: str | None,
    base_dir: Path | None,
    resolve_address: Callable[[str], str] | None,
) -> list[Any]:
    """The expected constructor values: the manifest's, the parameters', or unknown."""
    if d.manifest is not None:
        expected = _expected_from_manifest(d.manifest, d.inputs)
        _note_build(d.manifest, d.build, d.artifact, d.notes)
        return expected
    if params:
        return _expected_from_params(
            d.chosen,
            params,
            d.inputs,
            deployer=deployer,
            base_dir=base_dir,
            resolve_address=resolve_address,
        )
    d.notes.append("no manifest or parameters given: immutables are shown, not compared")
    return [_UNKNOWN] * len(d.inputs)


def _compared_code(
    artifact: Artifact,
    code: bytes,
    creation_input: bytes | None,
    unfound: str,
    notes: list[str],
) -> tuple[CodeComparison, CodeComparison | None]:
    """The runtime code compared with the template's, and the creation code when it is known."""
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
    return comparison, creation


def _creation_tx(
    d: _Deployed, tx_hash: str | None
) -> tuple[str | None, str, bytes | None, str | None]:
    """The creation transaction (given, the manifest's, or found by searching), why it was not
    found, its input and its sender (the manifest's deployer when it is unknown)."""
    tx = tx_hash or (d.manifest.tx_hash if d.manifest is not None else None)
    unfound = ""
    if tx is None:
        tx, unfound = find_creation(d.chain, d.address)
        if tx is not None:
            d.notes.append(f"creation transaction {tx} found by searching the deployment block")
    if tx is None:
        return None, unfound, None, d.manifest.deployer if d.manifest is not None else None
    creation_input, deployer = _creation(d.chain, tx, d.address)
    return tx, unfound, creation_input, deployer


def _checked_values(
    d: _Deployed,
    views: Mapping[str, _View],
    expected: Sequence[Any],
    deployer: str | None,
    creation_input: bytes | None,
    comparison: CodeComparison,
) -> tuple[list[ImmutableCheck], list[ArgCheck]]:
    """The immutables in the code and the constructor arguments in the creation transaction,
    each checked against its expected value (where the code and the transaction allow)."""
    if comparison.match == "mismatch":
        immutables: list[ImmutableCheck] = []
        d.notes.append("immutables not compared: the code around them is not the template's")
    else:
        immutables = _check_immutables(
            d.chain, d.build, d.artifact, views, d.inputs, expected, d.code, deployer, d.notes
        )
    if creation_input is None:
        args: list[ArgCheck] = []
        d.notes.append("constructor arguments not compared: the creation transaction is unknown")
    else:
        args = _check_args(d.artifact, d.inputs, expected, creation_input, d.notes)

    return immutables, args


def _conclude(
    d: _Deployed,
    views: Mapping[str, _View],
    expected: Sequence[Any],
    comparison: CodeComparison,
    creation: CodeComparison | None,
    immutables: list[ImmutableCheck],
    args: list[ArgCheck],
    terms_file: str | Path | None,
    tx: str | None,
) -> VerifyResult:
    """The verdict: the legal facts, the findings and checks, and the status they leave."""
    chain, build, chosen, address, manifest = d.chain, d.build, d.chosen, d.address, d.manifest
    code, notes = d.code, d.notes
    # -- legal facts and findings -------------------------------------------------------------
    facts, findings, checks = _legal_facts(chain, build, chosen, address, views, d.inputs, expected)
    wrong = [i for i in immutables if i.ok is False]
    wrong_args = [a for a in args if a.ok is False and a.name not in {i.param for i in wrong}]
    status: MatchKind = comparison.match
    if wrong or wrong_args or (creation is not None and creation.match == "mismatch"):
        status = "mismatch"
    findings = _value_findings(d, comparison, creation, wrong, wrong_args) + findings
    checks = _code_checks(d, comparison, creation, immutables, args) + checks
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


def _value_findings(
    d: _Deployed,
    comparison: CodeComparison,
    creation: CodeComparison | None,
    immutables: Sequence[ImmutableCheck],
    args: Sequence[ArgCheck],
) -> list[Finding]:
    template, address = d.chosen, d.address
    diff = comparison.difference
    created = creation.difference if creation is not None else None
    rows: list[tuple[str, str, dict[str, Any]]] = []
    if created is not None and diff is None:
        message = (
            f"the creation code (constructor) that deployed {address} is not the "
            f"{template.name} template's: it first differs at {created}"
        )
        rows.append((_CODE_RULE, message, _where_different(created)))
    if diff is not None:
        message = (
            f"the code at {address} is not the {template.name} template's: it first differs "
            f"at {diff}"
        )
        rows.append((_CODE_RULE, message, _where_different(diff)))
    for imm in immutables:
        message = f"immutable {imm.name} holds {imm.found}, expected {imm.expected}"
        rule = _PARAM_RULES.get(imm.param or "", _DEFAULT_PARAM_RULE)
        rows.append((rule, message, _values(imm.expected, imm.found, immutable=imm.name)))
    for arg in args:
        message = f"constructor argument {arg.name} was {arg.found}, expected {arg.expected}"
        rule = _PARAM_RULES.get(arg.name, _DEFAULT_PARAM_RULE)
        rows.append((rule, message, _values(arg.expected, arg.found, argument=arg.name)))
    return [_finding(rule, text, template, address, **details) for rule, text, details in rows]


def _where_different(diff: Difference) -> dict[str, Any]:
    return _values(diff.expected, diff.found, offset=diff.offset)


def _values(expected: Any, found: Any, **what: Any) -> dict[str, Any]:
    return {**what, "expected": expected, "found": found}


def _code_checks(
    d: _Deployed,
    comparison: CodeComparison,
    creation: CodeComparison | None,
    immutables: Sequence[ImmutableCheck],
    args: Sequence[ArgCheck],
) -> list[Check]:
    template, address, size = d.chosen, d.address, len(d.code)
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
