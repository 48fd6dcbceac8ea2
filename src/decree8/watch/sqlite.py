"""The SQLite store of ``decree8 watch`` (stdlib :mod:`sqlite3`, WAL journal).

Schema version 1 (docs/watch.md describes every column):

- ``meta(key, value)``: ``application`` = ``decree8-watch``, ``schema_version``, ``created_by``
  (decree8 version), ``created_at``, ``chain_id``, ``watched`` (JSON list of addresses);
- ``position(id = 1, block_number, block_hash, updated_at)``: the last block fully checked;
- ``blocks(number, hash, parent_hash, timestamp, transactions, checked_at)``: checked blocks still
  on the chain (a reorg deletes the replaced ones);
- ``checks(id, tx_hash, tx_index, block_number, block_hash, to_address, verdict, rule_ids, error,
  dropped, checked_at)``: one row per mined check;
- ``findings(id, check_id, block_number, block_hash, tx_hash, rule_id, data, dropped, stored_at)``;
- ``events(id, block_number, block_hash, tx_hash, log_index, address, contract, name, category,
  args, dropped, stored_at)``.

Writing takes an exclusive ``flock`` on the database file itself, held for the store's lifetime
(the kernel drops it when the process dies, even by ``kill -9``): a second writer is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from decree8.errors import UsageError
from decree8.watch.store import (
    SCHEMA_VERSION,
    STORE_MARKER,
    BlockRecord,
    CheckRecord,
    StoredFinding,
    WatchStore,
)

__all__ = ["SqliteStore", "inspect_database"]

_SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS position (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    block_number INTEGER NOT NULL,
    block_hash TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    parent_hash TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    transactions INTEGER NOT NULL,
    checked_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    tx_hash TEXT NOT NULL,
    tx_index INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    to_address TEXT NOT NULL,
    verdict TEXT NOT NULL,
    rule_ids TEXT NOT NULL,
    error TEXT,
    dropped INTEGER NOT NULL DEFAULT 0,
    checked_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_block ON checks (block_number);
CREATE INDEX IF NOT EXISTS checks_tx ON checks (tx_hash);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    check_id INTEGER NOT NULL REFERENCES checks (id),
    block_number INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    data TEXT NOT NULL,
    dropped INTEGER NOT NULL DEFAULT 0,
    stored_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_block ON findings (block_number);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    block_number INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    address TEXT NOT NULL,
    contract TEXT,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    args TEXT NOT NULL,
    dropped INTEGER NOT NULL DEFAULT 0,
    stored_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS events_block ON events (block_number);
"""


def _not_ours(path: Path, why: str) -> UsageError:
    return UsageError(f"{path} is not a decree8 watch database ({why}); give another --db path")


def inspect_database(path: Path) -> dict[str, str] | None:
    """The ``meta`` of the decree8 watch database at ``path`` without writing anything; None for
    a path that does not exist yet (or an empty file). :class:`UsageError` for a file that is not
    decree8's, or of a newer schema."""
    if path.is_dir():
        raise UsageError(f"--db {path} is a folder; give a database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read --db {path}: {exc.strerror or exc}") from None
    if not header:
        return None
    if header != _SQLITE_HEADER:
        raise _not_ours(path, "not an SQLite database")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if not tables:
                return None
            if "meta" not in tables:
                raise _not_ours(path, f"it holds other tables: {', '.join(sorted(tables))}")
            meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _not_ours(path, f"SQLite says: {exc}") from None
    if meta.get("application") != STORE_MARKER:
        raise _not_ours(path, "its meta table does not name decree8-watch")
    try:
        version = int(meta.get("schema_version", ""))
    except ValueError:
        raise _not_ours(path, "it has no schema version") from None
    if version > SCHEMA_VERSION:
        raise UsageError(
            f"{path} is a decree8 watch database of schema version {version}, newer than this "
            f"decree8 reads ({SCHEMA_VERSION}); upgrade decree8 or give another --db path"
        )
    return meta


class SqliteStore(WatchStore):
    """The store in the SQLite file at ``path``. ``readonly`` opens it for reading only (export):
    no lock, nothing written, and the file must exist."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock_fd: int | None = None
        existing = inspect_database(self.path)
        if readonly:
            if existing is None:
                raise UsageError(f"there is no decree8 watch database at {self.path} yet")
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(
                f"{self.path} is in use by another decree8 watch (one watcher per database); "
                "stop that one or give another --db path"
            ) from None
        self._lock_fd = fd
        try:
            # Checked again under the lock: a watcher that started at the same time may have
            # created the file in between.
            inspect_database(self.path)
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            with self._transaction() as cur:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        cur.execute(statement)
                if cur.execute("SELECT 1 FROM meta WHERE key='application'").fetchone() is None:
                    from decree8 import __version__

                    cur.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [
                            ("application", STORE_MARKER),
                            ("schema_version", str(SCHEMA_VERSION)),
                            ("created_by", f"decree8 {__version__}"),
                            ("created_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
                        ],
                    )
        except BaseException:
            self.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        if self.readonly:
            raise UsageError(f"{self.path} is open for reading only")
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
            self._conn = None  # type: ignore[assignment]
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    # -- WatchStore -------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self._conn.execute("SELECT key, value FROM meta")}

    def set_chain(self, chain_id: int, watched: Sequence[str]) -> None:
        known = self.meta().get("chain_id")
        if known is not None:
            if int(known) != chain_id:
                raise UsageError(
                    f"{self.path} holds a watch of chain {known}, but the node is chain "
                    f"{chain_id}; give another --db path"
                )
            return
        with self._transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("chain_id", str(chain_id)), ("watched", json.dumps(sorted(watched)))],
            )

    def position(self) -> int | None:
        row = self._conn.execute("SELECT block_number FROM position WHERE id = 1").fetchone()
        return None if row is None else int(row[0])

    def block_hash(self, number: int) -> str | None:
        row = self._conn.execute("SELECT hash FROM blocks WHERE number = ?", (number,)).fetchone()
        return None if row is None else str(row[0])

    def record_block(self, block: BlockRecord) -> list[StoredFinding]:
        now = time.time()
        stored: list[StoredFinding] = []
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO blocks (number, hash, parent_hash, timestamp, transactions, "
                "checked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    block.number,
                    block.hash,
                    block.parent_hash,
                    block.timestamp,
                    len(block.checks),
                    now,
                ),
            )
            for check in block.checks:
                stored += self._record_check(cur, block, check, now)
            for event in block.events:
                cur.execute(
                    "INSERT INTO events (block_number, block_hash, tx_hash, log_index, address, "
                    "contract, name, category, args, stored_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        block.number,
                        block.hash,
                        event.tx_hash,
                        event.log_index,
                        event.address,
                        event.contract,
                        event.name,
                        event.category,
                        json.dumps(dict(event.args)),
                        now,
                    ),
                )
            cur.execute(
                "INSERT OR REPLACE INTO position (id, block_number, block_hash, updated_at) "
                "VALUES (1, ?, ?, ?)",
                (block.number, block.hash, now),
            )
        return stored

    def _record_check(
        self, cur: sqlite3.Cursor, block: BlockRecord, check: CheckRecord, now: float
    ) -> list[StoredFinding]:
        """Stores one transaction's check and its findings; the findings as stored."""
        stored: list[StoredFinding] = []
        cur.execute(
            "INSERT INTO checks (tx_hash, tx_index, block_number, block_hash, to_address, "
            "verdict, rule_ids, error, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                check.tx_hash,
                check.tx_index,
                block.number,
                block.hash,
                check.to,
                check.verdict,
                ",".join(check.rule_ids),
                check.error,
                now,
            ),
        )
        check_id = int(cur.lastrowid or 0)
        for finding in check.findings:
            cur.execute(
                "INSERT INTO findings (check_id, block_number, block_hash, tx_hash, "
                "rule_id, data, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    check_id,
                    block.number,
                    block.hash,
                    check.tx_hash,
                    str(finding["rule_id"]),
                    json.dumps(finding, sort_keys=False),
                    now,
                ),
            )
            stored.append(
                StoredFinding(
                    int(cur.lastrowid or 0),
                    block.number,
                    block.hash,
                    check.tx_hash,
                    finding,
                    False,
                    now,
                )
            )
        return stored

    def rewind(self, to_block: int) -> tuple[list[int], int]:
        now = time.time()
        with self._transaction() as cur:
            undone = [
                int(r[0])
                for r in cur.execute(
                    "SELECT number FROM blocks WHERE number > ? ORDER BY number", (to_block,)
                )
            ]
            dropped = cur.execute(
                "UPDATE findings SET dropped = 1 WHERE block_number > ? AND dropped = 0",
                (to_block,),
            ).rowcount
            cur.execute(
                "UPDATE checks SET dropped = 1 WHERE block_number > ? AND dropped = 0", (to_block,)
            )
            cur.execute(
                "UPDATE events SET dropped = 1 WHERE block_number > ? AND dropped = 0", (to_block,)
            )
            cur.execute("DELETE FROM blocks WHERE number > ?", (to_block,))
            row = cur.execute("SELECT hash FROM blocks WHERE number = ?", (to_block,)).fetchone()
            cur.execute(
                "INSERT OR REPLACE INTO position (id, block_number, block_hash, updated_at) "
                "VALUES (1, ?, ?, ?)",
                (to_block, None if row is None else row[0], now),
            )
        return undone, int(dropped)

    def findings(self, include_dropped: bool = False) -> list[StoredFinding]:
        where = "" if include_dropped else "WHERE dropped = 0"
        rows = self._conn.execute(
            "SELECT id, block_number, block_hash, tx_hash, data, dropped, stored_at "
            f"FROM findings {where} ORDER BY block_number, id"
        )
        return [
            StoredFinding(
                int(r[0]),
                int(r[1]),
                str(r[2]),
                str(r[3]),
                json.loads(r[4]),
                bool(r[5]),
                float(r[6]),
            )
            for r in rows
        ]

    def events(self, include_dropped: bool = False) -> list[dict[str, Any]]:
        where = "" if include_dropped else "WHERE dropped = 0"
        cur = self._conn.execute(
            "SELECT block_number, block_hash, tx_hash, log_index, address, contract, name, "
            f"category, args, dropped FROM events {where} ORDER BY block_number, log_index, id"
        )
        names = [d[0] for d in cur.description]
        out = []
        for row in cur:
            item = dict(zip(names, row, strict=True))
            item["args"] = json.loads(item["args"])
            item["dropped"] = bool(item["dropped"])
            out.append(item)
        return out

    def checked_range(self) -> tuple[int, int] | None:
        row = self._conn.execute("SELECT MIN(number), MAX(number) FROM blocks").fetchone()
        return None if row is None or row[0] is None else (int(row[0]), int(row[1]))

    def counts(self) -> dict[str, int]:
        def one(sql: str) -> int:
            return int(self._conn.execute(sql).fetchone()[0])

        return {
            "blocks": one("SELECT COUNT(*) FROM blocks"),
            "checks": one("SELECT COUNT(*) FROM checks WHERE dropped = 0"),
            "findings": one("SELECT COUNT(*) FROM findings WHERE dropped = 0"),
            "events": one("SELECT COUNT(*) FROM events WHERE dropped = 0"),
            "dropped": one("SELECT COUNT(*) FROM findings WHERE dropped = 1"),
        }

    def check_counts(self) -> dict[str, int]:
        rows = self._conn.execute(
            "SELECT tx_hash, COUNT(*) FROM checks WHERE dropped = 0 GROUP BY tx_hash"
        )
        return {str(r[0]): int(r[1]) for r in rows}
