"""Expected values of a template's constructor arguments (from a manifest or from parameters),
and how verify compares and shows them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import is_address, to_checksum_address

from decree8.errors import ManifestError, TemplateError, UsageError
from decree8.templates import Template, reference_text

if TYPE_CHECKING:
    from decree8.compile import Artifact
    from decree8.deploy import Deployment


_UNKNOWN: Any = object()  # an expected value nobody gave


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
    from decree8.abi import coerce_arg

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
