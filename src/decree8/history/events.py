"""Logs decoded with the templates' event ABIs (token, registry, escrow).

:class:`EventDecoder` decodes every log once, slicing static words itself and leaving only
dynamic data to ``eth_abi``; a node's logs are decoded straight from their hex strings
(:meth:`EventDecoder.decode_json`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_abi import abi as eth_abi
from eth_utils import event_signature_to_log_topic, to_checksum_address
from eth_utils.abi import abi_to_signature

from decree8.chain.blockstore import RawLog, TxInfo

__all__ = ["Event", "EventDecoder", "RawLog", "TxInfo", "hex_int"]


class Event(NamedTuple):
    """One log decoded with the ABI of the kind of contract that emitted it (immutable; a named
    tuple rather than a frozen dataclass because an audit makes one per log, and a frozen
    dataclass takes three times as long to make)."""

    name: str
    kind: str  # the template contract name: CompliantToken, HolderRegistry, DealEscrow
    address: str
    args: Mapping[str, Any]
    block: int
    tx_hash: str
    tx_index: int
    log_index: int


# Decoding
# --------------------------------------------------------------------------------------------------

_STATIC = re.compile(r"^(u?int\d*|address|bool|bytes([1-9]|[12]\d|3[0-2]))$")


def _word(kind: str, word: bytes, checksums: dict[bytes, str]) -> Any:
    """A static ABI value from its 32-byte word."""
    if kind == "address":
        raw = word[12:]
        found = checksums.get(raw)
        if found is None:
            found = checksums[raw] = to_checksum_address(raw)
        return found
    if kind.startswith("uint"):
        return int.from_bytes(word, "big")
    if kind.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    if kind == "bool":
        return word[-1] != 0
    return bytes(word[: int(kind[5:])])  # bytesN, left-aligned


Convert = Callable[[str], Any]  # a word as hex digits (the last 64 count; "0x" allowed) to a value


def _uint(word: str) -> int:
    return int(word, 16)


def _sint(word: str) -> int:
    value = int(word, 16)
    return value - (1 << 256) if value >> 255 else value


def _bool(word: str) -> bool:
    return word[-2:] != "00"


def _hash(word: str) -> bytes:
    return bytes.fromhex(word[-64:])


@dataclass(frozen=True)
class _EventSpec:
    name: str
    indexed: tuple[tuple[str, str], ...]
    plain: tuple[tuple[str, str], ...]
    order: tuple[str, ...]
    static_data: bool
    #: per input in ABI order: (name, in data (else a topic), index among the topics or the data
    #: words, convert), used to decode a JSON-RPC log straight from its hex strings
    fields: tuple[tuple[str, bool, int, Convert], ...]


class EventDecoder:
    """Decodes logs with the event ABIs of each kind of contract (``{kind: abi}``).

    :meth:`decode` takes a :class:`RawLog`; :meth:`decode_json` a log as a JSON-RPC node sends it
    (hex strings), without converting it to bytes first: the two give equal events. Checksummed
    addresses are cached, so :meth:`addresses` is every address the decoded logs named.
    """

    def __init__(self, abis: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        self._specs: dict[str, dict[bytes, _EventSpec]] = {}
        self._json_specs: dict[str, dict[str, _EventSpec]] = {}
        self._checksums: dict[bytes, str] = {}
        self._hex_checksums: dict[str, str] = {}
        for kind, abi in abis.items():
            specs: dict[bytes, _EventSpec] = {}
            for entry in abi:
                if entry.get("type") != "event" or entry.get("anonymous"):
                    continue
                inputs = [
                    (str(p.get("name") or f"arg{i}"), str(p["type"]), bool(p.get("indexed")))
                    for i, p in enumerate(entry.get("inputs", []))
                ]
                plain = tuple((n, t) for n, t, ix in inputs if not ix)
                topic = event_signature_to_log_topic(abi_to_signature(entry))  # type: ignore[arg-type]
                fields: list[tuple[str, bool, int, Convert]] = []
                topics = words = 0
                for n, t, ix in inputs:
                    if ix:
                        topics += 1
                        fields.append((n, False, topics, self._converter(t)))
                    else:
                        fields.append((n, True, words, self._converter(t)))
                        words += 1
                specs[topic] = _EventSpec(
                    name=str(entry["name"]),
                    indexed=tuple((n, t) for n, t, ix in inputs if ix),
                    plain=plain,
                    order=tuple(n for n, _, _ in inputs),
                    static_data=all(_STATIC.match(t) for _, t in plain),
                    fields=tuple(fields),
                )
            self._specs[kind] = specs
            self._json_specs[kind] = {"0x" + k.hex(): v for k, v in specs.items()}

    def _converter(self, kind: str) -> Convert:
        """The function that reads a ``kind`` value from its word in hex (a hash, for an indexed
        value of a dynamic type)."""
        if kind == "address":
            return self._hex_address
        if kind == "bool":
            return _bool
        if kind.startswith("uint"):
            return _uint
        if kind.startswith("int"):
            return _sint
        match = re.fullmatch(r"bytes([1-9]|[12]\d|3[0-2])", kind)
        if match:
            size = 2 * int(match.group(1))
            return lambda word: bytes.fromhex(word[-64:][:size])
        return _hash

    def _hex_address(self, word: str) -> str:
        digits = word[-40:]
        found = self._hex_checksums.get(digits)
        if found is None:
            found = self._hex_checksums[digits] = to_checksum_address("0x" + digits)
        return found

    def topics_of(self, kind: str) -> set[bytes]:
        return set(self._specs.get(kind, {}))

    def addresses(self) -> set[str]:
        """Every address (checksummed) in the logs decoded so far, the zero address included."""
        return set(self._checksums.values()) | set(self._hex_checksums.values())

    def decode(self, log: RawLog, kind: str) -> Event | None:
        """``log`` decoded as an event of a ``kind`` contract, or ``None`` if it is not one."""
        if not log.topics:
            return None
        spec = self._specs.get(kind, {}).get(log.topics[0])
        if spec is None or len(spec.indexed) != len(log.topics) - 1:
            return None
        checksums = self._checksums
        values: dict[str, Any] = {}
        for (name, kind_), topic in zip(spec.indexed, log.topics[1:], strict=True):
            values[name] = topic if not _STATIC.match(kind_) else _word(kind_, topic, checksums)
        data = log.data
        if spec.static_data:
            if len(data) < 32 * len(spec.plain):
                return None
            for i, (name, kind_) in enumerate(spec.plain):
                values[name] = _word(kind_, data[32 * i : 32 * i + 32], checksums)
        else:
            decoded = self._dynamic(spec, data)
            if decoded is None:
                return None
            values.update(decoded)
        return Event(
            name=spec.name,
            kind=kind,
            address=log.address,
            args={n: values[n] for n in spec.order},
            block=log.block,
            tx_hash=log.tx_hash,
            tx_index=log.tx_index,
            log_index=log.log_index,
        )

    def _dynamic(self, spec: _EventSpec, data: bytes) -> dict[str, Any] | None:
        """The non-indexed values of an event whose data has a dynamic type, by ``eth_abi``."""
        try:
            decoded = eth_abi.decode([t for _, t in spec.plain], data)
        except Exception:  # noqa: BLE001 - a log that does not decode is not this event
            return None
        return {
            name: (
                _word(kind_, bytes(12) + bytes.fromhex(value[2:]), self._checksums)
                if kind_ == "address"
                else value
            )
            for (name, kind_), value in zip(spec.plain, decoded, strict=True)
        }

    def decode_json(
        self, log: Mapping[str, Any], kind: str, address: str, block: int
    ) -> Event | None:
        """``log`` as a JSON-RPC node sends it, decoded as an event of a ``kind`` contract at
        ``address`` (checksummed) in ``block``; ``None`` if it is not one."""
        topics = log["topics"]
        if not topics:
            return None
        specs = self._json_specs.get(kind, {})
        spec = specs.get(topics[0]) or specs.get(str(topics[0]).lower())
        if spec is None or len(spec.indexed) != len(topics) - 1:
            return None
        data: str = log["data"]
        args: dict[str, Any] = {}
        if spec.static_data:
            if len(data) < 2 + 64 * len(spec.plain):
                return None
            for name, in_data, index, convert in spec.fields:
                args[name] = (
                    convert(data[2 + 64 * index : 66 + 64 * index])
                    if in_data
                    else convert(topics[index])
                )
        else:
            decoded = self._dynamic(spec, bytes.fromhex(data[2:]))
            if decoded is None:
                return None
            for name, in_data, index, convert in spec.fields:
                args[name] = decoded[name] if in_data else convert(topics[index])
        return Event(
            name=spec.name,
            kind=kind,
            address=address,
            args=args,
            block=block,
            tx_hash=str(log["transactionHash"]).lower(),
            tx_index=hex_int(log["transactionIndex"]),
            log_index=hex_int(log["logIndex"]),
        )


# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------



def hex_int(value: Any) -> int:
    """A JSON-RPC quantity (``0x``-hex text) or an int, as an int."""
    return int(value, 16) if isinstance(value, str) else int(value)
