"""Bad input to `decree8 watch`: one line, exit 2, nothing written."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from watch_helpers import DECREE8, Deployed, kill9, one_error_line, run_watch, start_watch, wait_for

from decree8.watch import SqliteStore


def test_file_that_is_not_a_database(deployed: Deployed, tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("my notes\n")
    line = one_error_line(run_watch(deployed.url, *deployed.manifests, "--db", str(db)))
    assert "is not a decree8 watch database (not an SQLite database)" in line
    assert db.read_text() == "my notes\n"


def test_sqlite_database_of_another_application(deployed: Deployed, tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    before = db.read_bytes()
    line = one_error_line(run_watch(deployed.url, *deployed.manifests, "--db", str(db)))
    assert "is not a decree8 watch database (it holds other tables: invoices)" in line
    assert db.read_bytes() == before
    assert not Path(f"{db}-wal").exists()


def test_database_of_a_newer_schema(deployed: Deployed, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite"
    SqliteStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    conn.close()
    before = db.read_bytes()
    line = one_error_line(run_watch(deployed.url, *deployed.manifests, "--db", str(db)))
    assert "schema version 7, newer than this decree8 reads (1)" in line
    assert db.read_bytes() == before
    export = run_watch(deployed.url, "--db", str(db), "--export", "json")
    assert "schema version 7" in one_error_line(export)


def test_second_watcher_on_the_same_database(deployed: Deployed, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite"
    log = tmp_path / "first.log"
    first = start_watch(deployed.url, *deployed.manifests, "--db", str(db), log=log)
    try:
        wait_for(lambda: "watching" in log.read_text(), what="the first watcher")
        position = SqliteStore(db, readonly=True)
        try:
            before = position.counts()
        finally:
            position.close()
        line = one_error_line(run_watch(deployed.url, *deployed.manifests, "--db", str(db)))
        assert "is in use by another decree8 watch (one watcher per database)" in line
        assert first.poll() is None  # the first one keeps watching
    finally:
        kill9(first)
    store = SqliteStore(db)  # the lock died with the first watcher
    try:
        assert store.counts()["checks"] >= before["checks"]
    finally:
        store.close()


def test_node_of_another_chain_than_the_manifest(deployed: Deployed, tmp_path: Path) -> None:
    manifest = json.loads((deployed.folder / "compliant-token.json").read_text())
    manifest["chain_id"] = 1
    other = tmp_path / "mainnet-token.json"
    other.write_text(json.dumps(manifest))
    db = tmp_path / "w.sqlite"
    line = one_error_line(run_watch(deployed.url, "--manifest", str(other), "--db", str(db)))
    assert "is for chain 1, but the node is chain" in line
    assert not db.exists()


def test_database_of_another_chain(deployed: Deployed, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite"
    store = SqliteStore(db)
    store.set_chain(1, [])
    store.close()
    before = db.read_bytes()
    line = one_error_line(run_watch(deployed.url, *deployed.manifests, "--db", str(db)))
    assert "holds a watch of chain 1, but the node" in line
    assert db.read_bytes() == before


def test_from_block_beyond_the_head(deployed: Deployed, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite"
    head = deployed.head()
    result = run_watch(
        deployed.url, *deployed.manifests, "--db", str(db), "--from-block", str(head + 100)
    )
    line = one_error_line(result)
    assert f"--from-block {head + 100} is beyond the node's head (block {head})" in line
    assert not db.exists()


def test_no_node_and_nothing_to_watch(deployed: Deployed, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite"
    assert "name what to watch" in one_error_line(run_watch(deployed.url, "--db", str(db)))
    no_rpc = subprocess.run(
        [DECREE8, "watch", *deployed.manifests, "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert "decree8 watch follows a node: give --rpc URL" in one_error_line(no_rpc)
    assert not db.exists()
