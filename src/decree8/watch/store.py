"""What ``decree8 watch`` keeps: the interface every store implements, and the records it holds.

A store holds the blocks the watcher has checked (number, hash, parent hash), the check of every
transaction to a watched contract, the findings of those checks, the legally significant events
(role changes, legal orders, terms amendments, pauses) and the position (the last block fully
checked). :meth:`WatchStore.record_block` writes one block's records *and* the position in one
transaction, so a watcher killed at any moment resumes with every transaction checked exactly
once. :meth:`WatchStore.rewind` undoes blocks a chain reorganisation replaced: their rows stay,
marked dropped.

Only :class:`~decree8.watch.sqlite.SqliteStore` exists today; a PostgreSQL store (several
watchers sharing one database) implements the same methods.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "STORE_MARKER",
    "BlockRecord",
    "CheckRecord",
    "EventRecord",
    "StoredFinding",
    "WatchStore",
]

#: The version of the store's schema (docs/watch.md); a store of a newer version is refused.
SCHEMA_VERSION = 1
#: What the ``meta`` table says under ``application`` in every decree8 watch database.
STORE_MARKER = "decree8-watch"


@dataclass(frozen=True)
class CheckRecord:
    """The mined check of one transaction: its verdict (``compliant``, ``violation`` or, for a
    transaction the checker could not read, ``error``), rule IDs and findings (as
    :meth:`decree8.report.Finding.to_dict` data)."""

    tx_hash: str
    tx_index: int
    to: str
    verdict: str
    rule_ids: tuple[str, ...] = ()
    findings: tuple[Mapping[str, Any], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class EventRecord:
    """A legally significant event: ``category`` is ``role``, ``legal-order``, ``terms``,
    ``pause`` or ``illicit-register``."""

    tx_hash: str
    log_index: int
    address: str
    contract: str | None
    name: str
    category: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BlockRecord:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    checks: Sequence[CheckRecord] = ()
    events: Sequence[EventRecord] = ()


@dataclass(frozen=True)
class StoredFinding:
    """A finding as stored: the finding data plus where it was found and whether a reorg dropped
    its block."""

    id: int
    block: int
    block_hash: str
    tx_hash: str
    data: Mapping[str, Any]
    dropped: bool
    stored_at: float


class WatchStore(abc.ABC):
    """The watcher's database. One writer at a time: opening for writing takes an exclusive lock
    held until :meth:`close` (a second watcher is refused with :class:`UsageError`)."""

    @abc.abstractmethod
    def meta(self) -> dict[str, str]:
        """The ``meta`` table: ``application``, ``schema_version``, ``chain_id``, ``created_by``."""

    @abc.abstractmethod
    def set_chain(self, chain_id: int, watched: Sequence[str]) -> None:
        """Records the chain and the watched addresses of a new store; for an existing one,
        :class:`UsageError` when the chain id differs."""

    @abc.abstractmethod
    def position(self) -> int | None:
        """The last block fully checked, or None before the first."""

    @abc.abstractmethod
    def block_hash(self, number: int) -> str | None:
        """The hash of checked block ``number`` (None when it was not checked or was dropped)."""

    @abc.abstractmethod
    def record_block(self, block: BlockRecord) -> list[StoredFinding]:
        """Stores ``block``'s checks, findings and events and moves the position to it, all in one
        transaction; returns the stored findings."""

    @abc.abstractmethod
    def rewind(self, to_block: int) -> tuple[list[int], int]:
        """Undoes the blocks after ``to_block`` (a reorg replaced them): their checks, findings
        and events are marked dropped, the blocks forgotten, the position set to ``to_block``.
        Returns the block numbers undone and how many findings were dropped."""

    @abc.abstractmethod
    def findings(self, include_dropped: bool = False) -> list[StoredFinding]:
        """Stored findings in block order."""

    @abc.abstractmethod
    def events(self, include_dropped: bool = False) -> list[dict[str, Any]]:
        """Stored legally significant events in block order."""

    @abc.abstractmethod
    def checked_range(self) -> tuple[int, int] | None:
        """The first and last block checked that are still on the chain, or None."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """``blocks``, ``checks``, ``findings``, ``events`` (live rows) and ``dropped`` findings."""

    @abc.abstractmethod
    def check_counts(self) -> dict[str, int]:
        """How many live (not dropped) checks each transaction hash has."""

    @abc.abstractmethod
    def close(self) -> None:
        """Releases the lock and the connection."""
