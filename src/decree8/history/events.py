"""Logs decoded with the templates' event ABIs (token, registry, escrow).

:class:`EventDecoder` decodes every log once, slicing static words itself and leaving only
dynamic data to ``eth_abi``; a node's logs are decoded straight from their hex strings
(:meth:`EventDecoder.decode_json`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_abi import abi as eth_abi
from eth_utils import to_checksum_address

from decree8.abi import BAD_WORD, AbiEvent, ContractAbi, decode_word, word_kind
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


def _word(kind: tuple[str, int], word: bytes, checksums: dict[bytes, str]) -> Any:
    """A static ABI value from its 32-byte word (addresses checksummed once per decoder)."""
    if kind[0] == "address":
        raw = word[12:]
        found = checksums.get(raw)
        if found is None:
            found = checksums[raw] = to_checksum_address(raw)
        return found
    return decode_word(kind, word)


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
    #: (name, word kind, or None for a value of a dynamic type: its topic stands) of each
    indexed: tuple[tuple[str, tuple[str, int] | None], ...]
    plain: tuple[tuple[str, str], ...]
    #: the word kind of each data value when all are single words, else None (eth_abi decodes)
    words: tuple[tuple[str, int], ...] | None
    order: tuple[str, ...]
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
            events = ContractAbi(kind, abi).events
            specs = {topic: self._spec(event) for topic, event in events.items()}
            self._specs[kind] = specs
            self._json_specs[kind] = {"0x" + k.hex(): v for k, v in specs.items()}

    def _spec(self, event: AbiEvent) -> _EventSpec:
        fields: list[tuple[str, bool, int, Convert]] = []
        topics = words = 0
        for n, t, ix in event.inputs:
            if ix:
                topics += 1
                fields.append((n, False, topics, self._converter(t)))
            else:
                fields.append((n, True, words, self._converter(t)))
                words += 1
        plain = tuple(event.plain)
        kinds = [word_kind(t) for _, t in plain]
        return _EventSpec(
            name=event.name,
            indexed=tuple((n, word_kind(t)) for n, t in event.indexed),
            plain=plain,
            words=None if None in kinds else tuple(k for k in kinds if k is not None),
            order=tuple(n for n, _, _ in event.inputs),
            fields=tuple(fields),
        )

    def _converter(self, kind: str) -> Convert:
        """The function that reads a ``kind`` value from its word in hex (a hash, for an indexed
        value of a dynamic type)."""
        found = word_kind(kind)
        if found is None:
            return _hash
        base, size = found
        if base == "address":
            return self._hex_address
        if base == "bool":
            return _bool
        if base == "bytes":
            return lambda word: bytes.fromhex(word[-64:][: 2 * size])
        return _uint if base == "uint" else _sint

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
        for (name, word), topic in zip(spec.indexed, log.topics[1:], strict=True):
            values[name] = topic if word is None else _word(word, topic, checksums)
        data = log.data
        if spec.words is not None:
            if len(data) < 32 * len(spec.words):
                return None
            for i, ((name, _), word) in enumerate(zip(spec.plain, spec.words, strict=True)):
                values[name] = _word(word, data[32 * i : 32 * i + 32], checksums)
        else:
            decoded = self._dynamic(spec, data)
            if decoded is None:
                return None
            values.update(decoded)
        if any(v is BAD_WORD for v in values.values()):
            return None  # a word eth_abi refuses: not this event
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
                _word(("address", 0), bytes(12) + bytes.fromhex(value[2:]), self._checksums)
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
        if spec.words is not None:
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
