"""The one place for ABI work, on ``eth_abi`` and ``eth_utils``: a contract's functions (by name and
selector), events (by topic), custom errors (by selector) and constructor; encoding calls and
constructor arguments; decoding calldata, return data, events and revert data; structs as named
tuples; and text typed by a user (``--arg``, ``--param``) read as values of an ABI type.

```python
from decree8.abi import ContractAbi
token = ContractAbi("CompliantToken", artifact.abi)
fn = token.function("transfer")
data = fn.encode(fn.arguments(["0x...", "1000e18"]))  # text coerced by type
fn.decode(data)                    # {"to": "0x...", "value": 1000 * 10**18}
token.function("statusOf").decode_output(answer)  # HolderStatus(holder_type=1, ...)
token.decode_event(topics, data)   # ("Transfer", {"from": ..., "to": ..., "value": ...})
token.decode_error(revert_data)    # DecodedError("TransferRestricted", ..., {"code": 5, ...})
```

Decoded values are uniform: addresses checksummed, arrays as tuples, structs (tuples with named
components) as named tuples whose fields are the components' names in snake case
(``partyA`` -> ``party_a``). Views whose types are all single words (the templates' are) are
encoded and decoded word by word, without ``eth_abi``'s validation machinery, exactly as
``eth_abi`` would (anything else, or a value out of range, goes to ``eth_abi``).
"""

from __future__ import annotations

import json
import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError, EncodingError, ParseError
from eth_abi.grammar import BasicType, TupleType, parse
from eth_utils import event_signature_to_log_topic, function_signature_to_4byte_selector
from eth_utils.abi import abi_to_signature, collapse_if_tuple

from decree8.errors import UsageError
from decree8.hexutil import checksummed, parse_address, parse_hex_bytes

__all__ = [
    "BAD_WORD",
    "BUILTIN_ERRORS",
    "ERROR_STRING_SELECTOR",
    "PANIC_SELECTOR",
    "AbiError",
    "AbiEvent",
    "AbiFunction",
    "AccountResolver",
    "ContractAbi",
    "DecodedError",
    "canonical_type",
    "coerce_arg",
    "components",
    "decode_word",
    "encode_error_string",
    "parse_amount",
    "struct_type",
    "word_kind",
]

AccountResolver = Callable[[str], str]
Shape = Callable[[Any], Any]
Entry = Mapping[str, Any]

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
DECODE_ERRORS = (DecodingError, ValueError, OverflowError)


# --------------------------------------------------------------------------------------------------
# Types and values
# --------------------------------------------------------------------------------------------------


def canonical_type(param: Entry) -> str:
    """The canonical ABI type of a parameter, tuples written out: ``(uint256,address)[]``."""
    return str(collapse_if_tuple(dict(param)))


@lru_cache(maxsize=1024)
def _parsed(kind: str) -> BasicType | TupleType:
    return parse(kind)


def components(kind: str) -> list[str]:
    """The component types of the tuple type ``kind``: ``(uint256,(address,bool)[])`` ->
    ``["uint256", "(address,bool)[]"]``."""
    found = _parsed(kind)
    if not isinstance(found, TupleType) or found.arrlist:
        raise ValueError(f"{kind} is not a tuple type")
    return [c.to_type_str() for c in found.components]


def _names(params: Sequence[Entry], prefix: str = "arg") -> tuple[str, ...]:
    return tuple(str(p.get("name") or f"{prefix}{i}") for i, p in enumerate(params))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@lru_cache(maxsize=256)
def _struct(name: str, fields: tuple[str, ...]) -> Any:
    return namedtuple(name, fields, rename=True)  # noqa: PYI024


def struct_type(param: Entry) -> Any:
    """The named tuple of a tuple parameter: named after its Solidity struct (``internalType``
    ``struct DealEscrow.Deal`` -> ``Deal``), its fields the components' names in snake case."""
    internal = str(param.get("internalType") or "")
    name = internal.removeprefix("struct ").split(".")[-1].split("[")[0] or "Struct"
    fields = tuple(_snake(n) for n in _names(param.get("components", ()), "field"))
    return _struct(name if name.isidentifier() else "Struct", fields)


def _shape(param: Entry) -> Shape | None:
    """The function that makes an ``eth_abi`` value of ``param`` uniform (addresses checksummed,
    structs as named tuples), or ``None`` when the value is uniform as it is."""
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = _shape({**param, "type": kind[: kind.rindex("[")]})
        if inner is None:
            return tuple
        return lambda values: tuple(inner(v) for v in values)
    if kind == "tuple":
        struct = struct_type(param)
        parts = [_shape(c) or _same for c in param.get("components", ())]
        return lambda values: struct._make(f(v) for f, v in zip(parts, values, strict=True))
    if kind == "address":
        return checksummed
    return None


def _same(value: Any) -> Any:
    return value


def _shapes(params: Sequence[Entry]) -> tuple[Shape, ...]:
    return tuple(_shape(p) or _same for p in params)


# -- single words, without eth_abi -----------------------------------------------------------------

#: What :func:`decode_word` gives for a word ``eth_abi`` would refuse.
BAD_WORD = object()


@lru_cache(maxsize=256)
def word_kind(kind: str) -> tuple[str, int] | None:
    """``(base, size)`` of a type that is one static word (``uint``/``int`` bits, ``bytes`` size,
    ``address``, ``bool``), or ``None``."""
    try:
        found = _parsed(kind)
    except ParseError:
        return None
    if not isinstance(found, BasicType) or found.arrlist or found.is_dynamic:
        return None
    if found.base in ("uint", "int", "bytes"):
        return str(found.base), int(found.sub)
    if found.base in ("address", "bool"):
        return str(found.base), 0
    return None


def encode_word(kind: tuple[str, int], value: Any) -> bytes | None:
    """``value`` as the word of type ``kind`` (see :func:`word_kind`) when it is given exactly as
    ``eth_abi`` takes it; ``None`` for anything else (``eth_abi`` then encodes or refuses it)."""
    base, size = kind
    if base == "address":
        if type(value) is not str or len(value) != 42 or not value.startswith("0x"):
            return None
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            return None
        digits = value[2:]
        if digits != digits.lower() and checksummed(value) != value:
            return None  # a bad checksum (or upper case), which eth_abi refuses or judges
        return bytes(12) + raw
    if base == "bool":
        return (b"\0" * 31 + (b"\1" if value else b"\0")) if type(value) is bool else None
    if base == "bytes":
        ok = type(value) is bytes and len(value) == size
        return value.ljust(32, b"\0") if ok else None
    if type(value) is not int:
        return None
    if base == "uint":
        return value.to_bytes(32, "big") if 0 <= value < 1 << size else None
    limit = 1 << (size - 1)
    return value.to_bytes(32, "big", signed=True) if -limit <= value < limit else None


def decode_word(kind: tuple[str, int], word: bytes) -> Any:
    """The value of type ``kind`` in ``word`` exactly as ``eth_abi`` decodes it (an address
    checksummed), or ``BAD_WORD`` where ``eth_abi`` would refuse the word (and says why)."""
    base, size = kind
    if base == "address":
        return BAD_WORD if any(word[:12]) else checksummed("0x" + word[12:].hex())
    if base == "bool":
        return BAD_WORD if any(word[:31]) or word[31] > 1 else word[31] == 1
    if base == "bytes":
        return BAD_WORD if any(word[size:]) else bytes(word[:size])
    if base == "uint":
        value = int.from_bytes(word, "big")
        return BAD_WORD if value >> size else value
    value = int.from_bytes(word, "big", signed=True)
    return value if -(1 << (size - 1)) <= value < 1 << (size - 1) else BAD_WORD


def _word_plan(params: Sequence[Entry]) -> tuple[tuple[Any, ...], int] | None:
    """Per parameter its word kind, or for a struct of single words ``(named tuple, kinds)``; and
    the number of words. ``None`` when a parameter is anything else."""
    plan: list[Any] = []
    words = 0
    for p in params:
        kind = word_kind(canonical_type(p)) if p["type"] != "tuple" else None
        if kind is not None:
            plan.append(kind)
            words += 1
            continue
        if p["type"] != "tuple":
            return None
        parts = [word_kind(canonical_type(c)) for c in p.get("components", ())]
        if not parts or any(k is None for k in parts):
            return None
        plan.append((struct_type(p), tuple(parts)))
        words += len(parts)
    return tuple(plan), words


def _decode_words(plan: tuple[Any, ...], data: bytes) -> tuple[Any, ...] | None:
    at = 0
    values: list[Any] = []
    for kind in plan:
        if isinstance(kind[0], str):
            value = decode_word(kind, data[at : at + 32])
            if value is BAD_WORD:
                return None
            values.append(value)
            at += 32
            continue
        struct, parts = kind
        inner = []
        for part in parts:
            value = decode_word(part, data[at : at + 32])
            if value is BAD_WORD:
                return None
            inner.append(value)
            at += 32
        values.append(struct._make(inner))
    return tuple(values)


# --------------------------------------------------------------------------------------------------
# Functions, events, errors
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AbiFunction:
    """One function (or the constructor, named ``constructor``, without a selector) of an ABI."""

    name: str
    signature: str
    selector: bytes
    input_names: tuple[str, ...]
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]
    mutability: str
    _in_shapes: tuple[Shape, ...] = field(repr=False, compare=False)
    _out_shapes: tuple[Shape, ...] = field(repr=False, compare=False)
    _in_words: tuple[Any, ...] | None = field(repr=False, compare=False)
    _out_words: tuple[tuple[Any, ...], int] | None = field(repr=False, compare=False)

    @classmethod
    def from_abi(cls, entry: Entry) -> AbiFunction:
        inputs = list(entry.get("inputs", ()))
        outputs = list(entry.get("outputs", ()))
        types = tuple(canonical_type(p) for p in inputs)
        name = str(entry.get("name") or entry.get("type"))
        signature = f"{name}({','.join(types)})"
        in_plan = _word_plan(inputs)
        simple = in_plan is not None and all(isinstance(k[0], str) for k in in_plan[0])
        return cls(
            name=name,
            signature=signature,
            selector=function_signature_to_4byte_selector(signature) if "name" in entry else b"",
            input_names=_names(inputs),
            input_types=types,
            output_types=tuple(canonical_type(p) for p in outputs),
            mutability=str(entry.get("stateMutability", "nonpayable")),
            _in_shapes=_shapes(inputs),
            _out_shapes=_shapes(outputs),
            _in_words=in_plan[0] if simple and in_plan is not None else None,
            _out_words=_word_plan(outputs),
        )

    @property
    def payable(self) -> bool:
        return self.mutability == "payable"

    @property
    def view(self) -> bool:
        return self.mutability in ("view", "pure")

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
        values, by parameter name in ABI order. Strings are parsed by type (:func:`coerce_arg`);
        :class:`UsageError` names the argument and what was wrong."""
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

    def encode_values(self, values: Sequence[Any]) -> bytes:
        """The calldata (selector and arguments) of a call with ABI ``values`` in order; raises
        what ``eth_abi`` raises for a value it cannot encode."""
        words = self._in_words
        if words is not None and len(values) == len(words):
            out = [encode_word(k, v) for k, v in zip(words, values, strict=True)]
            if None not in out:
                return self.selector + b"".join(out)  # type: ignore[arg-type]
        return self.selector + eth_abi.encode(list(self.input_types), list(values))

    def encode(self, arguments: Mapping[str, Any]) -> bytes:
        """:meth:`encode_values` of ``arguments`` by parameter name; UsageError if it cannot."""
        try:
            return self.encode_values([arguments[n] for n in self.input_names])
        except (EncodingError, TypeError, ValueError, OverflowError) as exc:
            raise UsageError(f"cannot encode a call of {self.shown}: {exc}") from None

    def decode_values(self, data: bytes) -> tuple[Any, ...]:
        """The arguments of calldata ``data`` (selector first; constructor arguments without one)
        in order; raises what ``eth_abi`` raises."""
        raw = eth_abi.decode(list(self.input_types), bytes(data[len(self.selector) :]))
        return tuple(f(v) for f, v in zip(self._in_shapes, raw, strict=True))

    def decode(self, data: bytes) -> dict[str, Any]:
        """The arguments of calldata ``data`` by name; UsageError when it does not decode."""
        try:
            values = self.decode_values(data)
        except DECODE_ERRORS as exc:
            raise UsageError(f"calldata of {self.name} does not decode: {exc}") from None
        return dict(zip(self.input_names, values, strict=True))

    def decode_output(self, data: bytes) -> Any:
        """The return value of ``data``: one value, or a tuple of several; raises what
        ``eth_abi`` raises when it does not decode."""
        plan = self._out_words
        values = None
        if plan is not None and len(data) == 32 * plan[1]:
            values = _decode_words(plan[0], data)
        if values is None:
            raw = eth_abi.decode(list(self.output_types), bytes(data))
            values = tuple(f(v) for f, v in zip(self._out_shapes, raw, strict=True))
        return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class AbiEvent:
    """One (not anonymous) event: its topic and its inputs ``(name, type, indexed)``."""

    name: str
    signature: str
    topic: bytes
    inputs: tuple[tuple[str, str, bool], ...]
    _shapes: tuple[Shape, ...] = field(repr=False, compare=False)

    @classmethod
    def from_abi(cls, entry: Entry) -> AbiEvent:
        params = list(entry.get("inputs", ()))
        signature = abi_to_signature(entry)  # type: ignore[arg-type]
        return cls(
            name=str(entry["name"]),
            signature=signature,
            topic=event_signature_to_log_topic(signature),
            inputs=tuple(
                (n, canonical_type(p), bool(p.get("indexed")))
                for n, p in zip(_names(params), params, strict=True)
            ),
            _shapes=_shapes(params),
        )

    @property
    def indexed(self) -> list[tuple[str, str]]:
        return [(n, t) for n, t, i in self.inputs if i]

    @property
    def plain(self) -> list[tuple[str, str]]:
        return [(n, t) for n, t, i in self.inputs if not i]

    def decode(self, topics: Sequence[bytes], data: bytes) -> dict[str, Any] | None:
        """The arguments, in ABI order, of a log of this event (``topics`` with the event's own
        first), or ``None`` when the log does not decode as this event. An indexed value of a
        dynamic type is its topic (the hash of the value)."""
        indexed, plain = self.indexed, self.plain
        if len(indexed) != len(topics) - 1:
            return None
        hashed: set[str] = set()  # indexed values of a dynamic type: their topic stands
        try:
            values: dict[str, Any] = {}
            for (n, t), topic in zip(indexed, topics[1:], strict=True):
                if _parsed(t).is_dynamic or _parsed(t).arrlist or t.startswith("("):
                    values[n] = bytes(topic)
                    hashed.add(n)
                else:
                    values[n] = eth_abi.decode([t], bytes(topic))[0]
            decoded = eth_abi.decode([t for _, t in plain], bytes(data))
        except DECODE_ERRORS:
            return None
        values.update(zip((n for n, _ in plain), decoded, strict=True))
        return {
            n: values[n] if n in hashed else shape(values[n])
            for (n, _, _), shape in zip(self.inputs, self._shapes, strict=True)
        }


@dataclass(frozen=True)
class DecodedError:
    """Revert data decoded against a known error ABI."""

    name: str
    signature: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AbiError:
    """One custom error (or ``Error(string)``, ``Panic(uint256)``): its selector, signature and
    parameters ``(name, type)``."""

    selector: bytes
    signature: str
    params: tuple[tuple[str, str], ...]
    _shapes: tuple[Shape, ...] = field(repr=False, compare=False)

    @classmethod
    def from_abi(cls, entry: Entry) -> AbiError:
        inputs = list(entry.get("inputs", ()))
        signature = abi_to_signature(entry)  # type: ignore[arg-type]
        return cls(
            selector=function_signature_to_4byte_selector(signature),
            signature=signature,
            params=tuple(zip(_names(inputs), map(canonical_type, inputs), strict=True)),
            _shapes=_shapes(inputs),
        )

    @property
    def name(self) -> str:
        return self.signature.split("(", 1)[0]

    def decode(self, data: bytes) -> DecodedError | None:
        """The error ``data`` (selector first) encodes, or ``None`` when it is not this one."""
        if bytes(data[:4]) != self.selector:
            return None
        try:
            values = eth_abi.decode([t for _, t in self.params], bytes(data[4:]))
        except DECODE_ERRORS:
            return None
        args = zip(self.params, self._shapes, values, strict=True)
        return DecodedError(self.name, self.signature, {n: f(v) for (n, _), f, v in args})


#: The errors every contract may revert with.
BUILTIN_ERRORS = (
    AbiError.from_abi(
        {"type": "error", "name": "Error", "inputs": [{"name": "message", "type": "string"}]}
    ),
    AbiError.from_abi(
        {"type": "error", "name": "Panic", "inputs": [{"name": "code", "type": "uint256"}]}
    ),
)


def encode_error_string(message: str) -> bytes:
    """The revert data of ``require(false, message)``: ``Error(string)`` ABI-encoded."""
    return ERROR_STRING_SELECTOR + eth_abi.encode(["string"], [message])


_Parsed = tuple[list[AbiFunction], dict[bytes, AbiEvent], dict[bytes, list[AbiError]], AbiFunction]
#: Parsed ABIs by the identities of their entries, which are kept (so the ids stay theirs): the
#: deployments of one artifact share its entries, and parsing an ABI costs milliseconds.
_PARSED: dict[tuple[int, ...], tuple[list[Entry], _Parsed]] = {}


def _parse(abi: list[Entry]) -> _Parsed:
    key = tuple(map(id, abi))
    found = _PARSED.get(key)
    if found is not None:
        return found[1]
    functions = [AbiFunction.from_abi(e) for e in abi if e.get("type") == "function"]
    events = {
        ev.topic: ev
        for ev in (
            AbiEvent.from_abi(e) for e in abi if e.get("type") == "event" and not e.get("anonymous")
        )
    }
    errors: dict[bytes, list[AbiError]] = {}
    for entry in abi:
        if entry.get("type") == "error":
            error = AbiError.from_abi(entry)
            errors.setdefault(error.selector, []).append(error)
    ctor = [e for e in abi if e.get("type") == "constructor"]
    constructor = AbiFunction.from_abi(ctor[0] if ctor else {"type": "constructor"})
    if len(_PARSED) >= 256:
        _PARSED.clear()
    parsed = (functions, events, errors, constructor)
    _PARSED[key] = (list(abi), parsed)
    return parsed


class ContractAbi:
    """One contract's ABI: functions by name and selector, events by topic, custom errors by
    selector, the constructor."""

    def __init__(self, name: str, abi: Iterable[Entry]) -> None:
        self.name = name
        self.abi = list(abi)
        self.functions, self.events, self.errors, self.constructor = _parse(self.abi)
        self._by_selector = {f.selector: f for f in self.functions}

    def view_functions(self) -> dict[str, AbiFunction]:
        """The functions by name (the first of an overloaded name)."""
        out: dict[str, AbiFunction] = {}
        for fn in self.functions:
            out.setdefault(fn.name, fn)
        return out

    def function(self, name: str, arity: int | None = None) -> AbiFunction:
        """The function called ``name`` (or with signature ``name``); overloads by ``arity``.
        UsageError when there is none, or several that only a signature tells apart."""
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
        if len(matches) > 1:
            shown = ", ".join(f.signature for f in matches)
            raise UsageError(f"{name} is overloaded ({shown}): name it by its signature")
        return matches[0]

    def by_selector(self, selector: bytes) -> AbiFunction | None:
        return self._by_selector.get(bytes(selector[:4]))

    def function_for(self, data: bytes) -> AbiFunction:
        """The function that calldata ``data`` calls; UsageError when none does."""
        if len(data) < 4:
            raise UsageError(
                f"calldata 0x{bytes(data).hex()} is too short to name a function of {self.name}"
            )
        found = self.by_selector(data)
        if found is None:
            raise UsageError(
                f"calldata selector 0x{bytes(data[:4]).hex()} is not a function of {self.name}"
            )
        return found

    def decode_event(
        self, topics: Sequence[bytes], data: bytes
    ) -> tuple[str, dict[str, Any]] | None:
        """``(event name, arguments)`` of a log, or ``None`` when it is none of this ABI's."""
        if not topics:
            return None
        event = self.events.get(bytes(topics[0]))
        args = None if event is None else event.decode(topics, data)
        return None if event is None or args is None else (event.name, args)

    def decode_error(self, data: bytes) -> DecodedError | None:
        """The custom error (or ``Error``/``Panic``) revert ``data`` encodes, or ``None``."""
        for known in (*self.errors.get(bytes(data[:4]), ()), *BUILTIN_ERRORS):
            decoded = known.decode(data)
            if decoded is not None:
                return decoded
        return None


# --------------------------------------------------------------------------------------------------
# Text typed by a user, as ABI values
# --------------------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9_]+)?)(?:[eE]([0-9]+))?\s*$")


def parse_amount(text: str | int) -> int:
    """An integer amount in base units. Accepts `1000`, `1_000`, `1000e18`, `1.5e18`."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError("must not be negative")
        return text
    match = _AMOUNT.match(str(text))
    if not match:
        raise ValueError("expected a whole number such as 1000, 1_000 or 1000e18")
    mantissa, exponent = match.group(1).replace("_", ""), int(match.group(2) or 0)
    if exponent > 80:
        raise ValueError("does not fit in uint256")
    with localcontext() as ctx:
        ctx.prec = 200
        try:
            value = Decimal(mantissa).scaleb(exponent)
        except InvalidOperation:
            raise ValueError("expected a whole number such as 1000e18") from None
    if value != value.to_integral_value():
        raise ValueError(f"{text} is not a whole number of base units")
    result = int(value)
    if result >= 2**256:
        raise ValueError("does not fit in uint256")
    return result


def coerce_arg(kind: str, value: Any, what: str, resolve: AccountResolver | None = None) -> Any:
    """``value`` as an ABI value of type ``kind``; text is parsed by type.

    address: ``0x`` + 40 hex digits, EIP-55 checksummed when in mixed case (or, with
    ``resolve``, an account index); integers: ``1000``, ``1_000``, ``1000e18`` (``-`` for signed
    types); bool: true/false/yes/no/1/0; bytesN: ``0x`` + 2N hex digits or a text of at most N
    bytes (right-padded with zeros, like a bytes32 reference); bytes: ``0x`` hex; string: as
    given; arrays and tuples: sequences of such values. Raises :class:`UsageError` naming
    ``what`` and what was wrong.
    """
    try:
        return _coerce(kind, value, resolve)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{what}: {exc}") from None


def _coerce(kind: str, value: Any, resolve: AccountResolver | None) -> Any:
    try:
        parsed = _parsed(kind)
    except ParseError:
        raise ValueError(f"{kind} is not an ABI type") from None
    if parsed.arrlist or isinstance(parsed, TupleType):
        return _coerce_many(kind, parsed, value, resolve)
    base, sub = parsed.base, parsed.sub
    if base == "address":
        if isinstance(value, str):
            text = value.strip()
            if resolve is not None and text.isdigit():
                text = resolve(text)
            return parse_address(text)
        raise ValueError(f"{value!r} is not an address (0x followed by 40 hex digits)")
    if base in ("uint", "int"):
        return _coerce_int(kind, base == "int", int(sub or 256), value)
    if base == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValueError(f"{value!r} is not true or false")
    if base == "bytes" and sub is not None:
        return _coerce_bytes_n(kind, int(sub), value)
    if base == "bytes":
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        if isinstance(value, str) and value.startswith("0x"):
            return parse_hex_bytes(value)
        raise ValueError(f"{value!r} is not 0x-prefixed hex")
    if base == "string":
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a string")
        return value
    raise ValueError(f"arguments of type {kind} are not supported here; give the call as --tx data")


def _coerce_many(
    kind: str, parsed: BasicType | TupleType, value: Any, resolve: AccountResolver | None
) -> tuple[Any, ...]:
    """An array or a tuple: a sequence (not text) of values of its element or component types."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a JSON list of values for {kind}") from None
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Sequence):
        raise ValueError(f"{value!r} is not a list of values for {kind} (give a JSON list)")
    if parsed.arrlist:
        inner = parsed.item_type.to_type_str()
        size = parsed.arrlist[-1]
        if size and len(value) != size[0]:
            raise ValueError(f"{kind} takes {size[0]} values, {len(value)} given")
        types = [inner] * len(value)
    else:
        types = components(kind)
        if len(value) != len(types):
            raise ValueError(f"{kind} takes {len(types)} values, {len(value)} given")
    out = []
    for i, (t, v) in enumerate(zip(types, value, strict=True)):
        try:
            out.append(_coerce(t, v, resolve))
        except ValueError as exc:
            raise ValueError(f"item {i}: {exc}") from None
    return tuple(out)


def _coerce_int(kind: str, signed: bool, bits: int, value: Any) -> int:
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


def _coerce_bytes_n(kind: str, size: int, value: Any) -> bytes:
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
