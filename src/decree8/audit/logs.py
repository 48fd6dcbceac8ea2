"""Reading and decoding the logs of the audited contracts, fast on either kind of chain.

Two sources, one interface (:class:`LogSource`):

* :class:`RpcLogSource` (any JSON-RPC node): ``eth_getLogs`` over block chunks that adapt to the
  node. A chunk is halved when the node refuses it (too many results, range too large, a timeout)
  and doubled, up to a ceiling, when it is answered quickly; after a refusal the chunk never grows
  back to the size that was refused. Responses are used raw (no web3 result formatting). For the
  audit (:meth:`RpcLogSource.events`) a background thread fetches the next chunk while the
  caller decodes and replays the last one (:class:`ReadAhead`).
* :class:`EmbeddedLogSource` (eth-tester): eth-tester answers ``eth_getLogs`` by looking up every
  transaction's receipt with a backwards scan of the chain, which makes it quadratic (2,000
  transfers took minutes). This source walks each block once, straight from py-evm's database:
  the header (timestamp, logs bloom), then the receipts trie and the transactions trie, decoded
  with plain RLP. Blocks whose bloom cannot hold an audited address are skipped unless failed
  transactions are wanted. Measured on 330 blocks of token transfers: ``eth_getLogs`` 45 s,
  eth-tester ``get_block_by_number`` + ``get_transaction_receipt`` 41 s, py-evm block objects and
  receipts 0.4 s, this walker well under that (see ``bench/bench_audit.py``).

:class:`EventDecoder` decodes every log once with the templates' event ABIs (token, registry,
escrow), slicing static words itself and leaving only dynamic data to ``eth_abi``; a node's logs
are decoded straight from their hex strings (:meth:`EventDecoder.decode_json`).
"""

from __future__ import annotations

import abc
import bisect
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import rlp
from eth_abi import abi as eth_abi
from eth_utils import event_signature_to_log_topic, keccak, to_checksum_address
from eth_utils.abi import abi_to_signature

from decree8.errors import ChainError, RpcUnavailable

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = [
    "ChunkedLogReader",
    "EmbeddedLogSource",
    "Event",
    "EventChunk",
    "EventDecoder",
    "LogSource",
    "RawLog",
    "RpcLogSource",
    "TxInfo",
    "ReadAhead",
    "log_source",
]

Progress = Callable[[int, int], None]  # (blocks done, blocks in all)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RawLog:
    """One log as the node stores it, with where it sits in the chain."""

    block: int
    tx_index: int
    log_index: int
    tx_hash: str
    address: str  # checksummed
    topics: tuple[bytes, ...]
    data: bytes


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


@dataclass(frozen=True)
class TxInfo:
    """What the audit needs of a transaction: who sent it to what, with which calldata."""

    tx_hash: str
    block: int
    index: int
    sender: str
    to: str | None
    data: bytes
    value: int
    gas: int
    success: bool | None = None


# --------------------------------------------------------------------------------------------------
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
            tx_index=_int(log["transactionIndex"]),
            log_index=_int(log["logIndex"]),
        )


# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------


def _nothing() -> None:
    pass


class EventChunk(NamedTuple):
    """The decoded events of some consecutive blocks, with the number of logs they came from;
    ``last`` is set on the last chunk of the range. ``release()`` tells the source that the
    caller's own requests about the chunk are answered: it may go on fetching (see
    :class:`ReadAhead`). ``next_last`` is a hint that the next chunk is probably the last."""

    logs: int
    events: list[Event]
    last: bool = True
    release: Callable[[], None] = _nothing
    next_last: bool = False


class LogSource(abc.ABC):
    """The logs of some addresses over a block range, plus the block times and transactions the
    audit asks about afterwards (each fetched once, on demand, unless given beforehand)."""

    #: How the logs were read, for the report.
    method: str = ""

    def __init__(self) -> None:
        self._times: dict[int, int] = {}
        self._known: list[int] = []  # sorted blocks whose timestamps are known
        self._txs: dict[str, TxInfo] = {}
        self.failed: list[TxInfo] = []  # failed transactions to the addresses, when collected
        self.requests = 0

    @abc.abstractmethod
    def logs(
        self, addresses: Sequence[str], from_block: int, to_block: int, progress: Progress | None
    ) -> list[RawLog]:
        """Every log of ``addresses`` in ``[from_block, to_block]``, in chain order."""

    def events(
        self,
        kinds: Mapping[str, str],
        decoder: EventDecoder,
        from_block: int,
        to_block: int,
        progress: Progress | None = None,
    ) -> Iterator[EventChunk]:
        """The logs of the contracts ``kinds`` (``{checksummed address: kind}``) in
        ``[from_block, to_block]``, decoded by the ABI of their kind, in chain order, chunk by
        chunk (a log that does not decode is counted, not returned)."""
        raw = self.logs(sorted(kinds), from_block, to_block, progress)
        events = []
        for log in raw:
            event = decoder.decode(log, kinds[log.address])
            if event is not None:
                events.append(event)
        yield EventChunk(len(raw), events)

    @abc.abstractmethod
    def _fetch_timestamp(self, block: int) -> int: ...

    @abc.abstractmethod
    def _fetch_tx(self, tx_hash: str) -> TxInfo: ...

    def remember_timestamp(self, block: int, timestamp: int) -> None:
        if block not in self._times:
            self._times[block] = timestamp
            bisect.insort(self._known, block)

    def timestamp(self, block: int) -> int:
        """The block's time (asked of the chain once)."""
        found = self._times.get(block)
        if found is None:
            found = self._fetch_timestamp(block)
            self.remember_timestamp(block, found)
        return found

    def known_timestamp(self, block: int) -> int | None:
        return self._times.get(block)

    def bounds(self, block: int) -> tuple[int | None, int | None]:
        """The tightest known lower and upper bounds of the block's time (block times never
        decrease), without asking the chain."""
        exact = self._times.get(block)
        if exact is not None:
            return exact, exact
        at = bisect.bisect_left(self._known, block)
        low = self._times[self._known[at - 1]] if at > 0 else None
        high = self._times[self._known[at]] if at < len(self._known) else None
        return low, high

    def remember_tx(self, info: TxInfo) -> None:
        self._txs.setdefault(info.tx_hash, info)

    def tx(self, tx_hash: str) -> TxInfo:
        found = self._txs.get(tx_hash)
        if found is None:
            found = self._txs[tx_hash] = self._fetch_tx(tx_hash)
        return found


# -- JSON-RPC --------------------------------------------------------------------------------------

Request = Callable[[str, list[Any]], Any]

#: What nodes say when a log query is too big for them (geth, Erigon, Alchemy, Infura, QuickNode,
#: Hardhat, Anvil word it differently).
REFUSAL = re.compile(
    r"too many|too large|range|limit|exceed|more than|timeout|timed out|response size|"
    r"query returned|max results|try with this block range",
    re.IGNORECASE,
)


class ChunkedLogReader:
    """``eth_getLogs`` in block chunks that adapt to what the node accepts.

    ``request(method, params)`` sends one JSON-RPC request and raises :class:`ChainError` with
    the node's message when it is refused. A refusal that names the range or the result size, or
    a timeout, halves the chunk (down to one block, then the error stands) and sets a ceiling
    below the refused size; an answer within ``fast_seconds`` doubles the chunk, up to
    ``max_chunk``. Near the ceiling growth becomes a bisection between the largest size answered
    and the ceiling, so the chunk settles on the node's limit in a few requests.
    """

    def __init__(
        self,
        request: Request,
        *,
        initial_chunk: int = 5_000,
        max_chunk: int = 100_000,
        fast_seconds: float = 1.0,
    ) -> None:
        if initial_chunk < 1 or max_chunk < 1:
            raise ChainError("log chunks are at least one block")
        self.request = request
        self.chunk = min(initial_chunk, max_chunk)
        self.max_chunk = max_chunk
        self.ceiling = max_chunk
        self.fast_seconds = fast_seconds
        self.requests = 0
        self.refusals = 0
        self.good = 0  # the largest chunk answered
        self.chunks: list[tuple[int, int]] = []  # the ranges that were answered

    def read(
        self,
        addresses: Sequence[str],
        from_block: int,
        to_block: int,
        topics: Sequence[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[dict[str, Any]]:
        """Every log of ``addresses`` in ``[from_block, to_block]`` as the node sends it."""
        out: list[dict[str, Any]] = []
        total = to_block - from_block + 1
        for _, end, answer in self.read_chunks(addresses, from_block, to_block, topics):
            out += answer
            if progress is not None:
                progress(end + 1 - from_block, total)
        return out

    def read_chunks(
        self,
        addresses: Sequence[str],
        from_block: int,
        to_block: int,
        topics: Sequence[Any] | None = None,
    ) -> Iterator[tuple[int, int, list[dict[str, Any]]]]:
        """``(first block, last block, logs)`` of each chunk answered, in block order."""
        start = from_block
        while start <= to_block:
            end = min(start + self.chunk - 1, to_block)
            flt: dict[str, Any] = {
                "fromBlock": hex(start),
                "toBlock": hex(end),
                "address": list(addresses),
            }
            if topics is not None:
                flt["topics"] = list(topics)
            began = time.perf_counter()
            self.requests += 1
            try:
                answer = self.request("eth_getLogs", [flt])
            except ChainError as exc:
                if not (isinstance(exc, RpcUnavailable) or REFUSAL.search(str(exc))):
                    raise
                self.refusals += 1
                size = end - start + 1
                if size <= 1:
                    raise ChainError(
                        f"the node refuses the logs of even one block ({start}): {exc}"
                    ) from None
                self.ceiling = min(self.ceiling, size - 1)
                self.chunk = max(1, size // 2, self.good if self.good < size else 0)
                continue
            if not isinstance(answer, list):
                raise ChainError(f"eth_getLogs answered {type(answer).__name__}, not a list")
            self.chunks.append((start, end))
            size = end - start + 1
            self.good = max(self.good, size)
            if time.perf_counter() - began < self.fast_seconds and size == self.chunk:
                grown = self.chunk * 2
                if grown > self.ceiling and self.ceiling < self.max_chunk:  # below a refusal
                    grown = max(self.chunk, (self.good + self.ceiling + 1) // 2)
                self.chunk = min(grown, self.ceiling)
            start = end + 1
            yield start - size, end, answer


_DONE = object()


class _Failure(NamedTuple):
    error: BaseException


class ReadAhead(Generic[T]):
    """Iterates ``items`` with a background thread producing the next items while the consumer
    works on the last: the next chunks of logs are fetched (the node works, this process mostly
    waits on its socket) while the caller decodes and replays the chunk before.

    After the first item the thread waits until the consumer calls :meth:`release` (or asks for
    the second item): the consumer's own requests about the first chunk (the state before the
    range, block times, senders: most of them concern the start of a history) then reach a node
    that serves one request at a time before the next chunk does, not after it. From then on the
    thread stays up to ``ahead`` items ahead of those taken, so that the node never waits for the
    consumer. An error of ``items`` is raised to the consumer; :meth:`close` stops the thread
    after its current item.
    """

    def __init__(self, items: Iterator[T], ahead: int = 2) -> None:
        self._items = items
        self._ahead = max(1, ahead)
        self._ready: queue.Queue[Any] = queue.Queue()
        self._go = threading.Semaphore(1)
        self._open = False
        self._stop = threading.Event()
        self._woke = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="decree8-logs", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            while True:
                while not self._go.acquire(timeout=0.05):
                    if self._stop.is_set():
                        return
                if self._stop.is_set():
                    return
                self._woke.set()
                item = next(self._items, _DONE)
                self._ready.put(item)
                if item is _DONE:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self._ready.put(_Failure(exc))

    def release(self) -> None:
        """Lets the thread go on past the first item, and waits (briefly) until it has woken:
        a thread woken while this one computes would wait for the interpreter lock for up to a
        switch interval (5 ms) before sending its request."""
        if not self._open:
            self._open = True
            self._woke.clear()
            self._go.release(self._ahead)
            if self._thread.is_alive():
                self._woke.wait(0.05)

    def __iter__(self) -> Iterator[T]:
        try:
            taken = 0
            while True:
                if taken:
                    self.release()
                item = self._ready.get()
                if taken:
                    self._go.release()
                taken += 1
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _hexbytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return bytes.fromhex(str(value)[2:])


def chain_request(chain: Chain) -> Request:
    """``request(method, params)`` for ``chain``: its own when it has one (JSON-RPC, revm), else
    its web3 provider's, with errors raised as :class:`ChainError`."""
    own = getattr(chain, "request", None)
    if callable(own):
        return own

    def request(method: str, params: list[Any]) -> Any:
        response = chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        error = response.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, Mapping) else error
            raise ChainError(f"the node refused {method}: {message}")
        return response.get("result")

    return request


#: Blocks in the first ``eth_getLogs`` of an audit: small, so that the replay starts early (the
#: chunks then double while the node answers within a second).
FIRST_CHUNK = 500


class RpcLogSource(LogSource):
    """Logs through chunked ``eth_getLogs``; block times and transactions asked one by one, on
    demand. With ``include_failed``, every block of the range is fetched with its transactions to
    find the failed ones sent to the audited addresses (one request per block)."""

    method = "eth_getLogs in adaptive block chunks"

    def __init__(
        self, chain: Chain, include_failed: bool = False, reader: ChunkedLogReader | None = None
    ) -> None:
        super().__init__()
        self.chain = chain
        self._request = chain_request(chain)
        self.reader = reader or ChunkedLogReader(self._request, initial_chunk=FIRST_CHUNK)
        self.include_failed = include_failed

    def _ask(self, method: str, params: list[Any]) -> Any:
        self.requests += 1
        return self._request(method, params)

    def logs(
        self, addresses: Sequence[str], from_block: int, to_block: int, progress: Progress | None
    ) -> list[RawLog]:
        asked = self.reader.requests
        raw = self.reader.read(addresses, from_block, to_block, progress=progress)
        self.requests += self.reader.requests - asked
        checksums: dict[str, str] = {}
        out: list[RawLog] = []
        for item in raw:
            if item.get("removed"):
                continue
            block = self._block_of(item)
            out.append(
                RawLog(
                    block=block,
                    tx_index=_int(item["transactionIndex"]),
                    log_index=_int(item["logIndex"]),
                    tx_hash=str(item["transactionHash"]).lower(),
                    address=checksums.get(item["address"])
                    or checksums.setdefault(item["address"], to_checksum_address(item["address"])),
                    topics=tuple(_hexbytes(t) for t in item["topics"]),
                    data=_hexbytes(item["data"]),
                )
            )
        out.sort(key=lambda log: (log.block, log.log_index))
        if self.include_failed:
            self._collect_failed({a.lower() for a in addresses}, from_block, to_block)
        return out

    def _block_of(self, item: Mapping[str, Any]) -> int:
        """The log's block number; its block time is remembered when the node sends it."""
        block = _int(item["blockNumber"])
        stamp = item.get("blockTimestamp")
        if stamp is not None:
            self.remember_timestamp(block, _int(stamp))
        return block

    def events(
        self,
        kinds: Mapping[str, str],
        decoder: EventDecoder,
        from_block: int,
        to_block: int,
        progress: Progress | None = None,
    ) -> Iterator[EventChunk]:
        """As :meth:`LogSource.events`. A background thread fetches the next chunk of
        ``eth_getLogs`` while the caller decodes (straight from the node's hex strings) and
        replays the last (see :class:`ReadAhead`), so the node is kept busy. The first chunk is
        small, so that the caller has work early; the reader doubles it while the node answers
        quickly."""
        targets = {a.lower(): (str(to_checksum_address(a)), k) for a, k in kinds.items()}
        asked = self.reader.requests
        total = to_block - from_block + 1
        ahead = ReadAhead(self.reader.read_chunks(sorted(kinds), from_block, to_block))
        try:
            for _, end, answer in ahead:
                events: list[Event] = []
                count = 0
                for item in answer:
                    if item.get("removed"):
                        continue
                    count += 1
                    target = targets.get(str(item["address"]).lower())
                    if target is None:
                        continue
                    block = self._block_of(item)
                    event = decoder.decode_json(item, target[1], target[0], block)
                    if event is not None:
                        events.append(event)
                if any(
                    (a.block, a.log_index) > (b.block, b.log_index)
                    for a, b in zip(events, events[1:], strict=False)
                ):
                    events.sort(key=lambda e: (e.block, e.log_index))
                if progress is not None:
                    progress(end + 1 - from_block, total)
                last = end >= to_block
                next_last = not last and end + self.reader.chunk >= to_block
                yield EventChunk(count, events, last, ahead.release, next_last)
        finally:
            ahead.close()
            self.requests += self.reader.requests - asked
        if self.include_failed:
            self._collect_failed(set(targets), from_block, to_block)

    def _collect_failed(self, addresses: set[str], from_block: int, to_block: int) -> None:
        for number in range(from_block, to_block + 1):
            block = self._ask("eth_getBlockByNumber", [hex(number), True])
            if not block:
                continue
            self.remember_timestamp(number, _int(block["timestamp"]))
            for tx in block.get("transactions", []):
                to = tx.get("to")
                if not to or str(to).lower() not in addresses:
                    continue
                receipt = self._ask("eth_getTransactionReceipt", [tx["hash"]])
                if receipt is not None and _int(receipt.get("status", 1)) == 0:
                    self.failed.append(_tx_from_json(tx, success=False))

    def _fetch_timestamp(self, block: int) -> int:
        found = self._ask("eth_getBlockByNumber", [hex(block), False])
        if not found:
            raise ChainError(f"the node has no block {block}")
        return _int(found["timestamp"])

    def _fetch_tx(self, tx_hash: str) -> TxInfo:
        found = self._ask("eth_getTransactionByHash", [tx_hash])
        if not found:
            raise ChainError(f"the node does not know transaction {tx_hash}")
        return _tx_from_json(found)


def _tx_from_json(tx: Mapping[str, Any], success: bool | None = None) -> TxInfo:
    return TxInfo(
        tx_hash=str(tx["hash"]).lower(),
        block=_int(tx["blockNumber"]),
        index=_int(tx["transactionIndex"]),
        sender=to_checksum_address(tx["from"]),
        to=to_checksum_address(tx["to"]) if tx.get("to") else None,
        data=_hexbytes(tx.get("input") or tx.get("data") or "0x"),
        value=_int(tx.get("value", 0)),
        gas=_int(tx.get("gas", 0)),
        success=success,
    )


# -- embedded (eth-tester / py-evm) --------------------------------------------------------------

_BLANK_ROOT = keccak(rlp.encode(b""))


def _nibbles(data: bytes) -> list[int]:
    out: list[int] = []
    for byte in data:
        out += (byte >> 4, byte & 0x0F)
    return out


def trie_values(db: Any, root: bytes) -> list[bytes]:
    """The values of a Merkle-Patricia trie keyed by ``rlp(index)`` (a block's transactions or
    receipts), in index order, read straight from the node database."""
    if root == _BLANK_ROOT:
        return []
    found: list[tuple[list[int], bytes]] = []

    def resolve(ref: Any) -> Any:
        if isinstance(ref, list):
            return ref  # a node under 32 bytes is stored inline
        return rlp.decode(db[ref])

    def walk(node: Any, prefix: list[int]) -> None:
        if len(node) == 17:
            for i in range(16):
                if node[i]:
                    walk(resolve(node[i]), [*prefix, i])
            if node[16]:
                found.append((prefix, node[16]))
        elif len(node) == 2:
            path = node[0]
            flag = path[0] >> 4
            rest = ([path[0] & 0x0F] if flag & 1 else []) + _nibbles(path[1:])
            if flag >= 2:
                found.append(([*prefix, *rest], node[1]))
            else:
                walk(resolve(node[1]), [*prefix, *rest])

    walk(rlp.decode(db[root]), [])
    keyed = []
    for nibbles, value in found:
        key = bytes(nibbles[i] << 4 | nibbles[i + 1] for i in range(0, len(nibbles), 2))
        index = rlp.decode(key)
        keyed.append((int.from_bytes(index, "big") if index else 0, value))
    keyed.sort(key=lambda kv: kv[0])
    return [value for _, value in keyed]


def _typed_payload(value: bytes) -> tuple[int, list[Any]]:
    """``(type, fields)`` of a typed (EIP-2718) or legacy transaction or receipt."""
    if value and value[0] < 0x80:
        return value[0], rlp.decode(value[1:])
    return 0, rlp.decode(value)


#: Index of ``to`` in a transaction's RLP fields, by transaction type.
_TO_FIELD = {0: 3, 1: 4, 2: 5, 3: 5, 4: 5}


class EmbeddedLogSource(LogSource):
    """Walks eth-tester's py-evm database once per block (see the module docs)."""

    method = "one pass over the embedded chain's blocks and receipts"

    def __init__(self, chain: Any, include_failed: bool = True) -> None:
        super().__init__()
        self.chain = chain
        self.include_failed = include_failed
        self._evm = chain.tester.backend.chain

    def logs(
        self, addresses: Sequence[str], from_block: int, to_block: int, progress: Progress | None
    ) -> list[RawLog]:
        from eth_bloom import BloomFilter

        chaindb = self._evm.chaindb
        db = chaindb.db
        wanted = {bytes.fromhex(a[2:]): to_checksum_address(a) for a in addresses}
        out: list[RawLog] = []
        total = to_block - from_block + 1
        step = max(1, total // 100)
        for number in range(from_block, to_block + 1):
            header = chaindb.get_canonical_block_header_by_number(number)
            self.remember_timestamp(number, int(header.timestamp))
            if progress is not None and (number - from_block) % step == 0:
                progress(number - from_block, total)
            if header.transaction_root == _BLANK_ROOT:
                continue
            if not self.include_failed:
                bloom = BloomFilter(int(header.bloom))
                if not any(address in bloom for address in wanted):
                    continue
            receipts = trie_values(db, header.receipt_root)
            hashes: list[bytes] | None = None
            raw_txs: list[bytes] | None = None
            log_index = 0
            for tx_index, raw in enumerate(receipts):
                _, fields = _typed_payload(raw)
                status, logs = fields[0], fields[3]
                if not status or status == b"\x00":
                    if self.include_failed:
                        raw_txs = raw_txs or trie_values(db, header.transaction_root)
                        self._maybe_failed(raw_txs[tx_index], number, tx_index, wanted)
                    continue
                for address, topics, data in logs:
                    if address in wanted:
                        if hashes is None:
                            raw_txs = raw_txs or trie_values(db, header.transaction_root)
                            hashes = [keccak(tx) for tx in raw_txs]
                        out.append(
                            RawLog(
                                block=number,
                                tx_index=tx_index,
                                log_index=log_index,
                                tx_hash="0x" + hashes[tx_index].hex(),
                                address=wanted[address],
                                topics=tuple(bytes(t) for t in topics),
                                data=bytes(data),
                            )
                        )
                    log_index += 1
        if progress is not None:
            progress(total, total)
        return out

    def _maybe_failed(
        self, raw_tx: bytes, block: int, index: int, wanted: Mapping[bytes, str]
    ) -> None:
        kind, fields = _typed_payload(raw_tx)
        to = fields[_TO_FIELD.get(kind, 3)] if kind in _TO_FIELD else b""
        if to not in wanted:
            return
        info = self._fetch_tx("0x" + keccak(raw_tx).hex())
        self.failed.append(
            TxInfo(
                tx_hash=info.tx_hash,
                block=block,
                index=index,
                sender=info.sender,
                to=info.to,
                data=info.data,
                value=info.value,
                gas=info.gas,
                success=False,
            )
        )

    def _fetch_timestamp(self, block: int) -> int:
        header = self._evm.chaindb.get_canonical_block_header_by_number(block)
        return int(header.timestamp)

    def _fetch_tx(self, tx_hash: str) -> TxInfo:
        raw_hash = bytes.fromhex(tx_hash[2:])
        block, index = self._evm.chaindb.get_transaction_index(raw_hash)
        tx = self._evm.get_canonical_transaction(raw_hash)
        return TxInfo(
            tx_hash=tx_hash,
            block=int(block),
            index=int(index),
            sender=to_checksum_address(tx.sender),
            to=to_checksum_address(tx.to) if tx.to else None,
            data=bytes(tx.data),
            value=int(tx.value),
            gas=int(tx.gas),
        )


def log_source(chain: Chain, include_failed: bool | None = None) -> LogSource:
    """The fastest source for ``chain``: the block walker on the embedded chain (failed
    transactions included unless ``include_failed`` is False), chunked ``eth_getLogs`` elsewhere
    (failed transactions only when ``include_failed`` is True)."""
    tester = getattr(chain, "tester", None)
    if tester is not None and hasattr(getattr(tester, "backend", None), "chain"):
        return EmbeddedLogSource(chain, include_failed=include_failed is not False)
    return RpcLogSource(chain, include_failed=bool(include_failed))
