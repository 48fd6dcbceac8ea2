"""Decoding with a template's ABI: calldata, arguments given as text or values, and events. The
recognition of a template from runtime code (``runtime_matches``) lives in
:mod:`decree8.compile.bytecode` and is re-exported here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import (
    event_signature_to_log_topic,
    function_signature_to_4byte_selector,
    is_address,
)
from eth_utils.abi import abi_to_signature

from decree8.compile.bytecode import runtime_matches, strip_metadata
from decree8.errors import UsageError
from decree8.hexutil import checksummed, parse_address, parse_hex_bytes
from decree8.report.finding import jsonable
from decree8.templates.params import parse_amount

__all__ = [
    "AbiFunction",
    "ContractAbi",
    "DecodedEvent",
    "coerce_arg",
    "runtime_matches",
    "strip_metadata",
]

AccountResolver = Callable[[str], str]

_INT = re.compile(r"^(u?)int(\d*)$")
_BYTES_N = re.compile(r"^bytes(\d+)$")


def _type_of(param: Mapping[str, Any]) -> str:
    """The canonical ABI type of a parameter (tuples spelled out)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_type_of(c) for c in param.get("components", []))
        return f"({inner}){kind[5:]}"
    return kind


def normalise(value: Any) -> Any:
    """Decoded ABI values made uniform: checksummed addresses, tuples of normalised values."""
    if isinstance(value, str) and is_address(value) and value.startswith("0x"):
        return checksummed(value)
    if isinstance(value, list | tuple):
        return tuple(normalise(v) for v in value)
    return value


@dataclass(frozen=True)
class AbiFunction:
    """One function of a contract ABI."""

    name: str
    signature: str
    selector: bytes
    input_names: tuple[str, ...]
    input_types: tuple[str, ...]
    payable: bool
    view: bool

    @classmethod
    def from_abi(cls, entry: Mapping[str, Any]) -> AbiFunction:
        inputs = entry.get("inputs", [])
        signature = abi_to_signature(entry)  # type: ignore[arg-type]
        mutability = entry.get("stateMutability", "nonpayable")
        return cls(
            name=str(entry["name"]),
            signature=signature,
            selector=function_signature_to_4byte_selector(signature),
            input_names=tuple(str(p.get("name") or f"arg{i}") for i, p in enumerate(inputs)),
            input_types=tuple(_type_of(p) for p in inputs),
            payable=mutability == "payable",
            view=mutability in ("view", "pure"),
        )

    @property
    def shown(self) -> str:
        """``transfer(address to, uint256 value)``."""
        params = ", ".join(
            f"{t} {n}" for t, n in zip(self.input_types, self.input_names, strict=True)
        )
        return f"{self.name}({params})"

    def arguments(
        self, args: Sequence[Any] | Mapping[str, Any], resolve: AccountResolver | None = None
    ) -> dict[str, Any]:
        """``args`` (positional in ABI order, or by parameter name) checked and converted to ABI
        values, by parameter name in ABI order. Strings are parsed by type (see
        :func:`coerce_arg`)."""
        if isinstance(args, Mapping):
            unknown = [k for k in args if k not in self.input_names]
            missing = [n for n in self.input_names if n not in args]
            if unknown or missing:
                parts = []
                if unknown:
                    parts.append(f"has no parameter {', '.join(map(repr, unknown))}")
                if missing:
                    parts.append(f"needs {', '.join(missing)}")
                raise UsageError(f"{self.shown} {' and '.join(parts)}")
            values = [args[n] for n in self.input_names]
        else:
            values = list(args)
            if len(values) != len(self.input_types):
                raise UsageError(
                    f"{self.shown} takes {len(self.input_types)} argument"
                    f"{'s' if len(self.input_types) != 1 else ''}, {len(values)} given"
                )
        return {
            name: coerce_arg(kind, value, f"argument {name} ({kind}) of {self.name}", resolve)
            for name, kind, value in zip(self.input_names, self.input_types, values, strict=True)
        }

    def encode(self, arguments: Mapping[str, Any]) -> bytes:
        values = [arguments[n] for n in self.input_names]
        try:
            return self.selector + eth_abi.encode(list(self.input_types), values)
        except (EncodingError, TypeError, ValueError, OverflowError) as exc:
            raise UsageError(f"cannot encode a call of {self.shown}: {exc}") from None

    def decode(self, data: bytes) -> dict[str, Any]:
        try:
            values = eth_abi.decode(list(self.input_types), bytes(data[4:]))
        except (DecodingError, ValueError, OverflowError) as exc:
            raise UsageError(f"calldata of {self.name} does not decode: {exc}") from None
        return {n: normalise(v) for n, v in zip(self.input_names, values, strict=True)}


@dataclass(frozen=True)
class DecodedEvent:
    """One log decoded with a known ABI (``contract`` is the template's contract name)."""

    address: str
    contract: str | None
    name: str
    args: Mapping[str, Any]
    log_index: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "contract": self.contract,
            "name": self.name,
            "args": {k: jsonable(v) for k, v in self.args.items()},
            "log_index": self.log_index,
        }


@dataclass(frozen=True)
class _AbiEvent:
    name: str
    inputs: tuple[tuple[str, str, bool], ...]  # (name, type, indexed)
    anonymous: bool


class ContractAbi:
    """Functions and events of one contract's ABI, by name, selector and topic."""

    def __init__(self, name: str, abi: Iterable[Mapping[str, Any]]) -> None:
        self.name = name
        self.abi = list(abi)
        self.functions: list[AbiFunction] = [
            AbiFunction.from_abi(e) for e in self.abi if e.get("type") == "function"
        ]
        self._by_selector = {f.selector: f for f in self.functions}
        self.events: dict[bytes, _AbiEvent] = {}
        for entry in self.abi:
            if entry.get("type") != "event" or entry.get("anonymous"):
                continue
            signature = abi_to_signature(entry)  # type: ignore[arg-type]
            self.events[event_signature_to_log_topic(signature)] = _AbiEvent(
                name=str(entry["name"]),
                inputs=tuple(
                    (str(p.get("name") or f"arg{i}"), _type_of(p), bool(p.get("indexed")))
                    for i, p in enumerate(entry.get("inputs", []))
                ),
                anonymous=False,
            )

    def function(self, name: str, arity: int | None = None) -> AbiFunction:
        """The function called ``name`` (or with signature ``name``); overloads by ``arity``."""
        if "(" in name:
            compact = name.replace(" ", "")
            for f in self.functions:
                if f.signature == compact:
                    return f
        matches = [f for f in self.functions if f.name == name]
        if len(matches) > 1 and arity is not None:
            matches = [f for f in matches if len(f.input_types) == arity] or matches
        if not matches:
            names = sorted({f.name for f in self.functions if not f.view})
            raise UsageError(
                f"{self.name} has no function {name!r}; its functions that change state: "
                f"{', '.join(names)}"
            )
        return matches[0]

    def function_for(self, data: bytes) -> AbiFunction:
        """The function that calldata ``data`` calls."""
        if len(data) < 4:
            raise UsageError(
                f"calldata 0x{bytes(data).hex()} is too short to name a function of {self.name}"
            )
        try:
            return self._by_selector[bytes(data[:4])]
        except KeyError:
            raise UsageError(
                f"calldata selector 0x{bytes(data[:4]).hex()} is not a function of {self.name}"
            ) from None

    def decode_log(self, log: Mapping[str, Any]) -> DecodedEvent | None:
        """``log`` decoded with this ABI, or ``None`` when its topic is not one of its events."""
        topics = [bytes(t) for t in log.get("topics", [])]
        if not topics or topics[0] not in self.events:
            return None
        event = self.events[topics[0]]
        indexed = [(n, t) for n, t, i in event.inputs if i]
        plain = [(n, t) for n, t, i in event.inputs if not i]
        if len(indexed) != len(topics) - 1:
            return None
        try:
            values: dict[str, Any] = {}
            for (n, t), topic in zip(indexed, topics[1:], strict=True):
                dynamic = t in ("string", "bytes") or t.endswith("]") or t.startswith("(")
                values[n] = topic if dynamic else normalise(eth_abi.decode([t], topic)[0])
            decoded = eth_abi.decode([t for _, t in plain], bytes(log.get("data", b"")))
        except (DecodingError, ValueError, OverflowError):
            return None
        for (n, _), v in zip(plain, decoded, strict=True):
            values[n] = normalise(v)
        ordered = {n: values[n] for n, _, _ in event.inputs}
        return DecodedEvent(
            address=checksummed(log["address"]),
            contract=self.name,
            name=event.name,
            args=ordered,
            log_index=int(log.get("logIndex", 0)),
        )


# --------------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------------


def coerce_arg(kind: str, value: Any, what: str, resolve: AccountResolver | None = None) -> Any:
    """``value`` as an ABI value of type ``kind``; text is parsed by type.

    address: ``0x`` + 40 hex digits (or, with ``resolve``, an account index); integers: ``1000``,
    ``1_000``, ``1000e18`` (``-`` for signed types); bool: true/false/yes/no/1/0; bytesN: ``0x`` +
    2N hex digits or a text of at most N bytes (right-padded with zeros, like a bytes32 reference);
    bytes: ``0x`` hex; string: as given. Raises :class:`UsageError` naming ``what``.
    """
    try:
        return _coerce(kind, value, resolve)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{what}: {exc}") from None


def _coerce(kind: str, value: Any, resolve: AccountResolver | None) -> Any:
    if kind == "address":
        if isinstance(value, str):
            text = value.strip()
            if resolve is not None and text.isdigit():
                text = resolve(text)
            return parse_address(text)
        raise ValueError(f"{value!r} is not an address (0x followed by 40 hex digits)")
    match = _INT.match(kind)
    if match:
        signed = match.group(1) == ""
        bits = int(match.group(2) or 256)
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str):
            text = value.strip()
            negative = signed and text.startswith("-")
            number = parse_amount(text[1:] if negative else text)
            number = -number if negative else number
        else:
            raise ValueError(f"{value!r} is not a number")
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        if not low <= number <= high:
            raise ValueError(f"{number} does not fit in {kind}")
        return number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValueError(f"{value!r} is not true or false")
    match = _BYTES_N.match(kind)
    if match:
        size = int(match.group(1))
        if isinstance(value, bytes | bytearray):
            raw = bytes(value)
            if len(raw) > size:
                raise ValueError(f"{len(raw)} bytes do not fit in {kind}")
            return raw.ljust(size, b"\0")
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not {kind}")
        if value.startswith("0x"):  # hex, never text that happens to start with 0x
            return parse_hex_bytes(value, size)
        raw = value.encode("utf-8")
        if len(raw) > size:
            raise ValueError(
                f"{value!r} is neither 0x followed by {2 * size} hex digits nor a text of at most "
                f"{size} bytes"
            )
        return raw.ljust(size, b"\0")
    if kind == "bytes":
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        if isinstance(value, str) and value.startswith("0x"):
            return parse_hex_bytes(value)
        raise ValueError(f"{value!r} is not 0x-prefixed hex")
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a string")
        return value
    raise ValueError(f"arguments of type {kind} are not supported here; give the call as --tx data")
