"""Typed template parameters: parse what a user types (`--param cap=1000e18`) into ABI values.

Each kind knows how to read text and explain, in one line, what it wanted when the text is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import keccak

from decree8.abi import parse_amount
from decree8.errors import TemplateError
from decree8.hexutil import parse_address, parse_hex_bytes

__all__ = [
    "Param",
    "hash_file",
    "parse_amount",
    "parse_reference",
    "reference_text",
    "resolve_params",
]


def parse_reference(text: str) -> bytes:
    """A bytes32 reference: `0x` + 64 hex digits, or text of at most 32 bytes (right-padded).
    Text starting with `0x` is taken as hex and must be exactly 32 bytes: `0x1234` is refused
    rather than stored as the six characters it is spelled with."""
    if text.startswith("0x"):
        return parse_hex_bytes(text, 32)
    raw = text.encode("utf-8")
    if not raw:
        raise ValueError("must not be empty")
    if len(raw) > 32:
        raise ValueError("text references are at most 32 bytes; give a 0x-prefixed hash instead")
    return raw.ljust(32, b"\0")


def reference_text(value: bytes) -> str:
    """Show a bytes32 reference as text when it is printable text, else as hex."""
    stripped = value.rstrip(b"\0")
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + value.hex()
    if text and text.isprintable():
        return text
    return "0x" + value.hex()


def hash_file(path: str | Path) -> bytes:
    """The keccak-256 of a file's bytes: how decree8 binds a terms document to a contract."""
    try:
        return keccak(Path(path).read_bytes())
    except FileNotFoundError:
        raise ValueError(f"file {path} does not exist") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None


@dataclass(frozen=True)
class Param:
    """One constructor parameter of a template, as the user sees it."""

    name: str
    kind: str  # string | amount | address | reference | terms_file | hash | uri
    help: str
    default: str | None = None  # a literal, or "@deployer" for the deploying account
    abi_names: tuple[
        str, ...
    ] = ()  # the constructor argument(s) it fills (terms_file fills a hash)

    @property
    def required(self) -> bool:
        return self.default is None


AddressResolver = Callable[[str], str]


def resolve_params(
    template_name: str,
    params: Sequence[Param],
    given: Mapping[str, Any],
    *,
    deployer: str,
    resolve_address: AddressResolver | None = None,
    base_dir: Path | None = None,
) -> dict[str, Any]:
    """Check and convert user-given values. Returns `{param name: ABI value}` plus derived values.

    A `terms_file` parameter is read and hashed (keccak-256); a 0x-prefixed 32-byte value is taken
    as the hash itself.
    """
    known = {p.name for p in params}
    unknown = sorted(set(given) - known)
    if unknown:
        raise TemplateError(
            f"template {template_name} has no parameter {unknown[0]!r}; "
            f"its parameters are: {', '.join(p.name for p in params)}"
        )
    out: dict[str, Any] = {}
    for p in params:
        raw = given.get(p.name, p.default)
        if raw is None:
            raise TemplateError(f"template {template_name} needs --param {p.name}=... ({p.help})")
        if raw == "@deployer":
            raw = deployer
        try:
            out[p.name] = _convert(p, raw, resolve_address, base_dir)
        except ValueError as exc:
            raise TemplateError(f"--param {p.name}={raw}: {exc}") from None
    return out


def _convert(
    p: Param, raw: Any, resolve_address: AddressResolver | None, base_dir: Path | None
) -> Any:
    if p.kind in ("string", "uri"):
        text = str(raw)
        if not text:
            raise ValueError("must not be empty")
        return text
    if p.kind == "amount":
        value = parse_amount(raw)
        if value == 0:
            raise ValueError("must be greater than zero")
        return value
    if p.kind == "address":
        text = str(raw)
        if resolve_address is not None and not text.startswith("0x"):
            text = resolve_address(text)
        if not text.startswith("0x"):
            raise ValueError("expected a 0x-prefixed 20-byte address or an account name")
        address = parse_address(text)
        if int(address, 16) == 0:
            raise ValueError("the zero address is not allowed")
        return address
    if p.kind == "reference":
        return parse_reference(str(raw))
    if p.kind == "hash":
        return parse_hex_bytes(str(raw), 32)
    if p.kind == "terms_file":
        text = str(raw)
        if text.startswith("0x"):
            return parse_hex_bytes(text, 32)
        path = Path(text)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        return hash_file(path)
    raise ValueError(f"unknown parameter kind {p.kind}")
