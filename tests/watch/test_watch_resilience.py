"""`decree8 watch` survives what happens to long-running processes: `kill -9` at any moment (every
transaction is checked exactly once over the restarts), a node that goes away and comes back, and
chain reorganisations (simulated on `decree8 node` with evm_snapshot/evm_revert: the blocks after
the snapshot are replaced by different ones at the same heights)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from watch_helpers import (
    Deployed,
    FlakyProxy,
    kill9,
    run_watch,
    start_watch,
    stored_checks,
    stored_position,
    wait_for,
)

from decree8.watch import SqliteStore
from support import PURPOSE_GIFT


def _send(d: Deployed, i: int) -> tuple[str, bool]:
    """Transaction ``i``: every fifth one is refused (a finding), the others comply."""
    s = d.s
    if i % 5 == 4:
        return s.send_raw(s.token, "transfer", s.dave, 1, sender=s.alice), True
    return s.send_raw(
        s.token, "transferWithPurpose", s.carol, 1, PURPOSE_GIFT, sender=s.alice
    ), False


def test_kill_9_and_restart_checks_every_transaction_exactly_once(
    deployed: Deployed, tmp_path: Path
) -> None:
    d = deployed
    db = tmp_path / "w.sqlite"
    log = tmp_path / "watch.log"
    args = [*d.manifests, "--json", "--db", str(db), "--poll", "0.05"]
    tx, refused = _send(d, 0)
    sent: dict[str, bool] = {tx: refused}
    args += ["--from-block", str(d.head())]
    behind_at_kill = 0
    cycles = 5
    watcher = start_watch(d.url, *args, log=log)
    try:
        for cycle in range(cycles):
            started = cycle + 1
            wait_for(
                lambda n=started: log.read_text().count("watching 3 contract(s)") == n,
                what="the watcher to start",
            )
            for i in range(12):
                tx, refused = _send(d, cycle * 12 + i)
                sent[tx] = refused
            time.sleep(0.05 * cycle)  # kill at a different point of the work each time
            kill9(watcher)
            position = stored_position(db)
            if position is None or position < d.head():
                behind_at_kill += 1
            watcher = start_watch(d.url, *args, log=log)
    finally:
        kill9(watcher)
    final = run_watch(d.url, *args, "--until-block", str(d.head()))
    assert final.returncode in (0, 1), final.stderr
    assert behind_at_kill >= 1, "no kill interrupted pending work"
    assert log.read_text().count("watching 3 contract(s)") == cycles

    counts = stored_checks(db)
    assert set(counts) == set(sent)
    assert set(counts.values()) == {1}
    store = SqliteStore(db, readonly=True)
    try:
        findings = store.findings()
    finally:
        store.close()
    per_tx: dict[str, list[str]] = {}
    for f in findings:
        per_tx.setdefault(f.tx_hash, []).append(f.data["rule_id"])
    assert set(per_tx) == {tx for tx, refused in sent.items() if refused}
    assert all(sorted(r) == ["HOLDER-IDENTIFIED", "TERMS-ACCEPTED"] for r in per_tx.values())


def test_node_that_goes_away_and_comes_back(deployed: Deployed, tmp_path: Path) -> None:
    d = deployed
    proxy = FlakyProxy(int(d.node.port or 0))
    db = tmp_path / "w.sqlite"
    log = tmp_path / "watch.log"
    sent = [_send(d, 0)[0]]
    watcher = start_watch(
        proxy.url,
        *d.manifests,
        "--db",
        str(db),
        "--poll",
        "0.05",
        "--from-block",
        str(d.head()),
        log=log,
    )
    try:
        wait_for(lambda: stored_position(db) == d.head(), what="the watcher to catch up")
        proxy.take_down()
        sent += [_send(d, i)[0] for i in range(1, 5)]  # mined while the watcher cannot see
        wait_for(lambda: "retrying in 2s" in log.read_text(), what="the backoff to grow")
        assert stored_position(db) == d.head() - 4
        proxy.bring_back()
        wait_for(lambda: stored_position(db) == d.head(), what="the watcher to resume")
    finally:
        kill9(watcher)
        proxy.close()
    err = log.read_text()
    assert "node not answering" in err
    retries = [line for line in err.splitlines() if "retrying in" in line]
    assert [r.split("retrying in ")[1].split("s ")[0] for r in retries[:3]] == ["0.5", "1", "2"]
    assert "node answering again after" in err
    assert all(stored_checks(db).get(tx) == 1 for tx in sent)


def test_reorg_drops_the_replaced_findings_and_checks_the_new_blocks(
    deployed: Deployed, tmp_path: Path
) -> None:
    d = deployed
    s = d.s
    fork = d.head()
    snap = s.chain.snapshot()
    old = [_send(d, 4)[0], _send(d, 9)[0], _send(d, 14)[0]]  # three refused: six findings
    db = tmp_path / "w.sqlite"
    args = [*d.manifests, "--json", "--db", str(db), "--from-block", str(fork + 1)]
    first = run_watch(d.url, *args, "--until-block", str(d.head()))
    assert first.returncode == 1
    assert stored_checks(db) == dict.fromkeys(old, 1)

    s.chain.revert(snap)  # the three blocks are gone ...
    new = [_send(d, i)[0] for i in range(4)]  # ... and four compliant ones take their place
    assert d.head() == fork + 4
    second = run_watch(d.url, *args, "--until-block", str(fork + 4))
    assert second.returncode == 0, second.stderr
    lines = [json.loads(line) for line in second.stdout.splitlines()]
    assert lines == [{"type": "dropped", "blocks": [fork + 1, fork + 2, fork + 3], "findings": 6}]
    assert f"chain reorganisation: blocks {fork + 1}-{fork + 3} were replaced" in second.stderr
    assert stored_checks(db) == dict.fromkeys(new, 1)
    store = SqliteStore(db, readonly=True)
    try:
        assert store.findings() == []
        dropped = store.findings(include_dropped=True)
        assert len(dropped) == 6 and all(f.dropped for f in dropped)
        assert {f.tx_hash for f in dropped} == set(old)
        assert store.position() == fork + 4
        assert (
            store.block_hash(fork + 4)
            == "0x" + bytes(s.chain.w3.eth.get_block(fork + 4)["hash"]).hex()
        )
    finally:
        store.close()
    exported = run_watch(d.url, "--db", str(db), "--export", "json")
    assert exported.returncode == 0
    report = json.loads(exported.stdout)
    assert report["findings"] == []
    assert "6 finding(s) of blocks replaced by chain reorganisations left out" in report["title"]
    assert report["block_range"] == [fork + 1, fork + 4]


def test_reorg_seen_by_a_running_watcher(deployed: Deployed, tmp_path: Path) -> None:
    """While it waits for new blocks, the watcher compares its tip with the node's."""
    d = deployed
    s = d.s
    fork = d.head()
    db = tmp_path / "w.sqlite"
    log = tmp_path / "watch.log"
    watcher = start_watch(
        d.url,
        *d.manifests,
        "--json",
        "--db",
        str(db),
        "--poll",
        "0.05",
        "--from-block",
        str(fork),
        log=log,
    )
    try:
        snap = s.chain.snapshot()
        old = [_send(d, 4)[0], _send(d, 9)[0]]
        wait_for(lambda: stored_position(db) == fork + 2, what="the old blocks")
        s.chain.revert(snap)
        new = [_send(d, 0)[0], _send(d, 1)[0]]
        wait_for(lambda: "chain reorganisation" in log.read_text(), what="the reorg")
        wait_for(lambda: set(stored_checks(db)) >= set(new), what="the new blocks")
    finally:
        kill9(watcher)
    out = [json.loads(line) for line in Path(f"{log}.out").read_text().splitlines()]
    dropped = [x for x in out if x["type"] == "dropped"]
    assert dropped and dropped[0]["findings"] == 4
    found = [x["tx_hash"] for x in out if x["type"] == "finding" and x["block"] > fork]
    assert found == [old[0], old[0], old[1], old[1]]
    counts = stored_checks(db)
    assert all(counts[tx] == 1 for tx in new) and not set(old) & set(counts)
