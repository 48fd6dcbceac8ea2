"""What an audit saw over time, for the HTML report's timeline and holders table.

:class:`HistoryRecorder` is handed to :func:`decree8.audit.audit` as ``observer``: it is called
after each replayed transaction with the transaction's events and the rebuilt state, and keeps
per token the total supply and the number of holders block by block, the transfers per day, and
the pauses, legal orders and terms amendments. :meth:`HistoryRecorder.finish` turns that, with the
rebuilt state at the end block, into a :class:`History` that a :class:`~decree8.result.Report`
carries (``report.history``) and that the JSON report stores under ``"history"``.

Nothing here asks the audit to do more: it reads the events and the state the replay already has.
Block times come from the log source (known for every block with events on the embedded chain);
on a JSON-RPC node at most :data:`TIME_REQUESTS` are asked, the rest interpolated between known
blocks (the history says so in ``times_interpolated``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from decree8.errors import UsageError
from decree8.rules.solidity import HolderType

if TYPE_CHECKING:
    from decree8.history import Event, LogSource, World

__all__ = [
    "MAX_POINTS",
    "History",
    "HistoryRecorder",
    "HolderRow",
    "Mark",
    "Point",
    "TokenTimeline",
    "rule_pack_version",
]

#: Points kept per token timeline; a longer history keeps the last state of each block bucket.
MAX_POINTS = 600
#: Block ranges the transfers are counted in (for a history shorter than a few days).
BUCKETS = 60
#: Block times asked of a JSON-RPC node for the timeline; the others are interpolated.
TIME_REQUESTS = 500
ZERO_ADDRESS = "0x" + "00" * 20
HOLDER_TYPES = {int(t): t.name.lower() for t in HolderType}

_PAUSES = {"Paused": "pause", "Unpaused": "unpause"}
_LEGAL_ORDERS = {
    "ForcedTransfer": "forced transfer",
    "TokensFrozen": "tokens frozen",
    "TokensUnfrozen": "tokens unfrozen",
    "AddressFrozen": "address frozen",
    "AddressUnfrozen": "address unfrozen",
    "DealFrozen": "deal frozen",
    "DealUnfrozen": "deal unfrozen",
    "FundsDirected": "funds directed",
    "CreditDirected": "credit directed",
}


def rule_pack_version() -> str:
    """``decree8.rules/1 sha256:0123456789ab``: the pack's schema and the digest of its text."""
    from decree8.rules.pack import PACK_SCHEMA

    text = resources.files("decree8.rules").joinpath("pack.toml").read_bytes()
    return f"{PACK_SCHEMA} sha256:{hashlib.sha256(text).hexdigest()[:12]}"


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")


def _text(value: Any) -> str:
    """Reference bytes (``bytes32`` order references) as text where they are text."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value).rstrip(b"\0")
        try:
            decoded = raw.decode("ascii")
        except UnicodeDecodeError:
            return "0x" + bytes(value).hex()
        return decoded if decoded.isprintable() else "0x" + bytes(value).hex()
    return str(value)


@dataclass(frozen=True)
class Point:
    """One token's state after the last transaction of ``block`` that moved it."""

    block: int
    timestamp: int | None
    supply: int
    holders: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "timestamp": self.timestamp,
            "supply": str(self.supply),
            "holders": self.holders,
        }


@dataclass(frozen=True)
class Mark:
    """A pause, legal order or terms amendment on the timeline."""

    kind: str  # "pause" | "unpause" | "legal order" | "terms amendment"
    label: str
    contract: str
    block: int
    timestamp: int | None
    tx_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "contract": self.contract,
            "block": self.block,
            "timestamp": self.timestamp,
            "tx_hash": self.tx_hash,
        }


@dataclass(frozen=True)
class TokenTimeline:
    token: str
    cap: int
    points: tuple[Point, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "cap": str(self.cap),
            "points": [p.to_dict() for p in self.points],
        }


@dataclass(frozen=True)
class HolderRow:
    """One holder of one token at the end block."""

    token: str
    address: str
    balance: int
    frozen: int
    frozen_whole: bool
    holder_type: str  # "none" | "individual" | "entity" | "operator"
    jurisdiction: str
    valid_until: int | None
    revoked: bool
    terms_accepted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "address": self.address,
            "balance": str(self.balance),
            "frozen": str(self.frozen),
            "frozen_whole": self.frozen_whole,
            "holder_type": self.holder_type,
            "jurisdiction": self.jurisdiction,
            "valid_until": self.valid_until,
            "revoked": self.revoked,
            "terms_accepted": self.terms_accepted,
        }


@dataclass(frozen=True)
class History:
    """The timeline and the holders at the end block of one audit (see the module docs)."""

    timelines: tuple[TokenTimeline, ...] = ()
    transfers_per_day: tuple[tuple[str, int], ...] = ()
    #: ``(first block, last block, transfers)`` in at most :data:`BUCKETS` equal block ranges.
    transfers_by_block: tuple[tuple[int, int, int], ...] = ()
    marks: tuple[Mark, ...] = ()
    holders: tuple[HolderRow, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)
    start_time: int | None = None
    end_time: int | None = None
    decimals: int = 18
    rule_pack: str = ""
    times_interpolated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "timelines": [t.to_dict() for t in self.timelines],
            "transfers_per_day": [[day, n] for day, n in self.transfers_per_day],
            "transfers_by_block": [list(b) for b in self.transfers_by_block],
            "marks": [m.to_dict() for m in self.marks],
            "holders": [h.to_dict() for h in self.holders],
            "names": dict(sorted(self.names.items())),
            "start_time": self.start_time,
            "end_time": self.end_time,
            "decimals": self.decimals,
            "rule_pack": self.rule_pack,
            "times_interpolated": self.times_interpolated,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """The history stored in a JSON report; :class:`UsageError` if it is malformed."""
        try:
            return cls(
                timelines=tuple(
                    TokenTimeline(
                        token=str(t["token"]),
                        cap=int(t["cap"]),
                        points=tuple(
                            Point(
                                int(p["block"]),
                                None if p["timestamp"] is None else int(p["timestamp"]),
                                int(p["supply"]),
                                int(p["holders"]),
                            )
                            for p in t["points"]
                        ),
                    )
                    for t in data["timelines"]
                ),
                transfers_per_day=tuple((str(d), int(n)) for d, n in data["transfers_per_day"]),
                transfers_by_block=tuple(
                    (int(a), int(b), int(n)) for a, b, n in data.get("transfers_by_block", [])
                ),
                marks=tuple(
                    Mark(
                        str(m["kind"]),
                        str(m["label"]),
                        str(m["contract"]),
                        int(m["block"]),
                        None if m["timestamp"] is None else int(m["timestamp"]),
                        str(m["tx_hash"]),
                    )
                    for m in data["marks"]
                ),
                holders=tuple(
                    HolderRow(
                        token=str(h["token"]),
                        address=str(h["address"]),
                        balance=int(h["balance"]),
                        frozen=int(h["frozen"]),
                        frozen_whole=bool(h["frozen_whole"]),
                        holder_type=str(h["holder_type"]),
                        jurisdiction=str(h["jurisdiction"]),
                        valid_until=None if h["valid_until"] is None else int(h["valid_until"]),
                        revoked=bool(h["revoked"]),
                        terms_accepted=bool(h["terms_accepted"]),
                    )
                    for h in data["holders"]
                ),
                names={str(k): str(v) for k, v in dict(data.get("names", {})).items()},
                start_time=data.get("start_time"),
                end_time=data.get("end_time"),
                decimals=int(data.get("decimals", 18)),
                rule_pack=str(data.get("rule_pack", "")),
                times_interpolated=bool(data.get("times_interpolated", False)),
            )
        except (KeyError, TypeError, ValueError) as err:
            why = f"{type(err).__name__}: {err}"
            raise UsageError(f"the report's history is malformed ({why})") from None

    def name(self, address: str) -> str | None:
        return self.names.get(address)


class HistoryRecorder:
    """Collects a :class:`History` while an audit replays (pass it as ``audit(observer=...)``).

    ``names`` maps addresses to the names manifests give them (see :func:`manifest_names`).
    """

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self.names = dict(names or {})
        self._world: World | None = None
        self._source: LogSource | None = None
        self._positive: dict[str, set[str]] = {}
        self._points: dict[str, dict[int, tuple[int, int]]] = {}
        self._transfers: Counter[int] = Counter()
        self._marks: list[tuple[str, str, str, int, str]] = []
        self._terms_seen: set[str] = set()
        self._first_block: int | None = None
        self._initial: dict[str, tuple[int, int]] = {}

    # -- during the replay ---------------------------------------------------------------------
    def __call__(self, events: Sequence[Event], world: World, source: LogSource) -> None:
        if self._world is None:
            self._world = world
            self._source = source
            for token in world.tokens():
                self._positive[token.address] = {
                    h for h, b in token.balances.items() if b > 0 and h != ZERO_ADDRESS
                }
                self._points[token.address] = {}
                self._initial[token.address] = _before(token, events)
                if token.terms.version:  # published before the range
                    self._terms_seen.add(token.address)
            for escrow in world.escrows():
                if escrow.terms.version:
                    self._terms_seen.add(escrow.address)
        touched: set[str] = set()
        for event in events:
            if self._first_block is None:
                self._first_block = event.block
            name = event.name
            if name == "Transfer":
                touched.add(event.address)
                src, dst = event.args["from"], event.args["to"]
                if src != ZERO_ADDRESS and dst != ZERO_ADDRESS:
                    self._transfers[event.block] += 1
                moved = world.contracts.get(event.address)
                positive = self._positive.get(event.address)
                if positive is not None and moved is not None:
                    balances = getattr(moved, "balances", {})
                    for party in (src, dst):
                        if party == ZERO_ADDRESS:
                            continue
                        if balances.get(party, 0) > 0:
                            positive.add(party)
                        else:
                            positive.discard(party)
            elif name in _PAUSES:
                touched.add(event.address)
                self._mark(_PAUSES[name], name, event)
            elif name in _LEGAL_ORDERS:
                ref = event.args.get("orderRef")
                label = _LEGAL_ORDERS[name] + (f" (order {_text(ref)})" if ref is not None else "")
                self._mark("legal order", label, event)
            elif name == "TermsPublished":
                if event.address in self._terms_seen:
                    version = event.args.get("version")
                    self._mark("terms amendment", f"terms v{version} published", event)
                self._terms_seen.add(event.address)
        for address in touched:
            state = world.contracts.get(address)
            if address in self._points and state is not None:
                supply = int(getattr(state, "supply", 0))
                self._points[address][events[-1].block] = (supply, len(self._positive[address]))

    def _mark(self, kind: str, label: str, event: Event) -> None:
        self._marks.append((kind, label, event.address, event.block, event.tx_hash))

    # -- at the end ----------------------------------------------------------------------------
    def finish(
        self,
        block_range: tuple[int, int] | None,
        *,
        source: LogSource | None = None,
        world: World | None = None,
    ) -> History:
        """The history over ``block_range``; ``world`` and ``source`` are needed only when the
        replay saw no transaction (then the timeline is empty)."""
        world = self._world or world
        source = self._source or source
        times = _Times(source)
        first = self._first_block or 0
        start, end = block_range if block_range is not None else (first, first)
        timelines = []
        holders: list[HolderRow] = []
        if world is not None:
            registries = {r.address: r for r in world.registries()}
            for token in world.tokens():
                points = sorted(self._points.get(token.address, {}).items())
                initial = self._initial.get(token.address)
                if initial is not None and (not points or points[0][0] > start):
                    points.insert(0, (start, initial))
                timelines.append(
                    TokenTimeline(
                        token=token.address,
                        cap=int(token.cap),
                        points=tuple(
                            Point(block, times.get(block), supply, count)
                            for block, (supply, count) in _thin(points, MAX_POINTS)
                        ),
                    )
                )
                holders += _holder_rows(token, registries.get(token.registry))
        per_day: Counter[str] = Counter()
        for block, n in self._transfers.items():
            stamp = times.get(block)
            if stamp is not None:
                per_day[_day(stamp)] += n
        marks = tuple(
            Mark(kind, label, contract, block, times.get(block), tx)
            for kind, label, contract, block, tx in self._marks
        )
        return History(
            timelines=tuple(timelines),
            transfers_per_day=tuple(sorted(per_day.items())),
            transfers_by_block=_buckets(self._transfers, start, end),
            marks=marks,
            holders=tuple(holders),
            names=self.names,
            start_time=times.get(start),
            end_time=times.get(end),
            rule_pack=rule_pack_version(),
            times_interpolated=times.interpolated,
        )


def _holder_rows(token: Any, registry: Any) -> list[HolderRow]:
    """The holders of ``token`` with a balance or a frozen amount, with what ``registry`` (if
    any) records about each."""
    rows = []
    for address in sorted(token.holders | set(token.frozen_amount)):
        balance = int(token.balances.get(address, 0))
        frozen = int(token.frozen_amount.get(address, 0))
        if address == ZERO_ADDRESS or (balance <= 0 and frozen <= 0):
            continue
        record = registry.attestation(address) if registry is not None else None
        rows.append(
            HolderRow(
                token=token.address,
                address=address,
                balance=balance,
                frozen=frozen,
                frozen_whole=address in token.frozen_whole,
                holder_type=HOLDER_TYPES.get(record.holder_type, "unknown")
                if record is not None
                else "unknown",
                jurisdiction=_jurisdiction(record.jurisdiction) if record is not None else "",
                valid_until=(record.valid_until if record and record.holder_type else None),
                revoked=bool(record.revoked) if record is not None else False,
                terms_accepted=token.terms.has_accepted(address),
            )
        )
    return rows


def _before(token: Any, events: Sequence[Event]) -> tuple[int, int]:
    """A token's supply and number of holders before the transaction of ``events`` (already
    applied to ``token``), undoing its transfers."""
    supply = int(token.supply)
    delta: dict[str, int] = {}
    for event in events:
        if event.name != "Transfer" or event.address != token.address:
            continue
        src, dst, value = event.args["from"], event.args["to"], int(event.args["value"])
        if src == ZERO_ADDRESS:
            supply -= value
        else:
            delta[src] = delta.get(src, 0) + value
        if dst == ZERO_ADDRESS:
            supply += value
        else:
            delta[dst] = delta.get(dst, 0) - value
    holders = {h for h, b in token.balances.items() if b > 0 and h != ZERO_ADDRESS}
    for holder, change in delta.items():
        if token.balances.get(holder, 0) + change > 0:
            holders.add(holder)
        else:
            holders.discard(holder)
    return supply, len(holders)


def _buckets(counts: Mapping[int, int], start: int, end: int) -> tuple[tuple[int, int, int], ...]:
    """Transfers counted in at most :data:`BUCKETS` equal block ranges covering the range."""
    span = end - start + 1
    if span <= 0:
        return ()
    width = max(1, -(-span // BUCKETS))
    out = []
    for first in range(start, end + 1, width):
        last = min(first + width - 1, end)
        out.append((first, last, 0))
    totals = [0] * len(out)
    for block, n in counts.items():
        if start <= block <= end:
            totals[(block - start) // width] += n
    return tuple((a, b, totals[i]) for i, (a, b, _) in enumerate(out))


def _jurisdiction(code: bytes) -> str:
    raw = bytes(code).rstrip(b"\0")
    try:
        return raw.decode("ascii") if raw else ""
    except UnicodeDecodeError:
        return "0x" + bytes(code).hex()


def _thin(
    points: Sequence[tuple[int, tuple[int, int]]], limit: int
) -> list[tuple[int, tuple[int, int]]]:
    """At most ``limit`` points: the last of each of ``limit`` equal block buckets (a step chart
    of the state keeps its shape), always with the first point."""
    if len(points) <= limit:
        return list(points)
    first, last = points[0][0], points[-1][0]
    width = (last - first) / (limit - 1)
    kept: dict[int, tuple[int, tuple[int, int]]] = {}
    for point in points:
        kept[int((point[0] - first) / width)] = point
    out = [points[0], *kept.values()]
    return sorted(dict(out).items())


class _Times:
    """Block times from the log source: known ones as they are, up to :data:`TIME_REQUESTS`
    asked, the rest interpolated between known neighbours."""

    def __init__(self, source: LogSource | None) -> None:
        self.source = source
        self.asked = 0
        self.interpolated = False

    def get(self, block: int) -> int | None:
        source = self.source
        if source is None:
            return None
        known = source.known_timestamp(block)
        if known is not None:
            return known
        if self.asked < TIME_REQUESTS:
            self.asked += 1
            try:
                return source.timestamp(block)
            except Exception:  # noqa: BLE001 - a block the node cannot give: interpolate
                pass
        low, high = source.bounds(block)
        self.interpolated = True
        if low is None or high is None:
            return low if high is None else high
        return (low + high) // 2


def manifest_names(deployments: Sequence[Any], paths: Sequence[Any] = ()) -> dict[str, str]:
    """Names for the addresses manifests mention: each contract by its manifest's file name (or
    its template), its deployer, and the address parameters (``placement_agent`` ...)."""
    from eth_utils import is_address, to_checksum_address

    names: dict[str, str] = {}
    for i, dep in enumerate(deployments):
        stem = getattr(paths[i], "stem", None) if i < len(paths) else None
        label = str(stem or dep.template or dep.contract)
        names.setdefault(str(to_checksum_address(dep.address)), label)
        for key, value in dict(dep.params).items():
            if isinstance(value, str) and is_address(value):
                names.setdefault(str(to_checksum_address(value)), f"{label} {key}")
        if dep.deployer and is_address(dep.deployer):
            names.setdefault(str(to_checksum_address(dep.deployer)), f"{label} deployer")
    return names
