"""`decree8 watch` against a real `decree8 node`: findings, refusals and legally significant events
printed as they are stored, the store's content, the position, and `--export`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from watch_helpers import Deployed, run_watch

from decree8.watch import SCHEMA_VERSION, SqliteStore
from support import PURPOSE_GIFT, ref


def _activity(d: Deployed) -> dict[str, str]:
    """A compliant transfer, a refused one, a legal order, a pause and a role change."""
    s = d.s
    sent = {
        "good": s.send_raw(
            s.token, "transferWithPurpose", s.carol, 5, PURPOSE_GIFT, sender=s.alice
        ),
        "refused": s.send_raw(s.token, "transfer", s.dave, 5, sender=s.alice),
        "freeze": s.send_raw(s.token, "freeze", s.bob, ref("ORDER-1"), sender=s.legal),
        "pause": s.send_raw(s.token, "pause", sender=s.oversight),
        "unpause": s.send_raw(s.token, "unpause", sender=s.oversight),
        "unfreeze": s.send_raw(s.token, "unfreeze", s.bob, ref("ORDER-1"), sender=s.legal),
    }
    return sent


def test_watch_checks_every_transaction_and_records_events(
    deployed: Deployed, tmp_path: Path
) -> None:
    d = deployed
    first = d.head() + 1
    sent = _activity(d)
    last = d.head()
    db = tmp_path / "w.sqlite"
    args = [*d.manifests, "--db", str(db), "--from-block", str(first), "--until-block", str(last)]
    result = run_watch(d.url, "--json", *args)
    assert result.returncode == 1, result.stderr  # the refused transfer is a finding
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    findings = [x for x in lines if x["type"] == "finding"]
    assert {f["tx_hash"] for f in findings} == {sent["refused"]}
    assert {f["finding"]["rule_id"] for f in findings} == {"HOLDER-IDENTIFIED", "TERMS-ACCEPTED"}
    events = [(x["category"], x["name"]) for x in lines if x["type"] == "event"]
    assert events == [
        ("legal-order", "AddressFrozen"),
        ("pause", "Paused"),
        ("pause", "Unpaused"),
        ("legal-order", "AddressUnfrozen"),
    ]
    assert f"checked up to block {last}" in result.stderr

    store = SqliteStore(db, readonly=True)
    try:
        assert store.meta()["schema_version"] == str(SCHEMA_VERSION)
        assert store.meta()["application"] == "decree8-watch"
        assert store.position() == last
        assert store.check_counts() == dict.fromkeys(sent.values(), 1)
        assert len(store.findings()) == 2
    finally:
        store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        verdicts = dict(conn.execute("SELECT tx_hash, verdict FROM checks"))
    assert verdicts[sent["good"]] == "compliant"
    assert verdicts[sent["refused"]] != "compliant"

    # A second run resumes after the position: nothing is checked twice.
    again = run_watch(d.url, *args)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""
    assert f"after block {last}" in again.stderr


def test_text_output_and_export(deployed: Deployed, tmp_path: Path) -> None:
    d = deployed
    first = d.head() + 1
    s = d.s
    bad = s.send_raw(s.token, "transfer", s.dave, 5, sender=s.alice)
    last = d.head()
    db = tmp_path / "w.sqlite"
    result = run_watch(
        d.url,
        *d.manifests,
        "--db",
        str(db),
        "--from-block",
        str(first),
        "--until-block",
        str(last),
    )
    assert result.returncode == 1
    assert f"block {last}  {bad[:18]}" in result.stdout
    assert "[HOLDER-IDENTIFIED]" in result.stdout

    out = tmp_path / "watch.sarif"
    exported = run_watch(d.url, "--db", str(db), "--export", "sarif", "-o", str(out))
    assert exported.returncode == 1, exported.stderr
    sarif = json.loads(out.read_text())
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert rules == {"HOLDER-IDENTIFIED", "TERMS-ACCEPTED"}
    md = run_watch(d.url, "--db", str(db), "--export", "markdown")
    assert "HOLDER-IDENTIFIED" in md.stdout and bad in md.stdout
    again = run_watch(d.url, "--db", str(db), "--export", "sarif", "-o", str(out))
    assert again.returncode == 2 and "--force" in again.stderr


def test_exit_on_finding_stops_at_the_first_block_with_one(
    deployed: Deployed, tmp_path: Path
) -> None:
    d = deployed
    s = d.s
    first = d.head() + 1
    s.send_raw(s.token, "transferWithPurpose", s.carol, 1, PURPOSE_GIFT, sender=s.alice)
    bad = s.send_raw(s.token, "transfer", s.dave, 1, sender=s.alice)
    bad_block = d.head()
    s.send_raw(s.token, "transfer", s.dave, 1, sender=s.alice)
    db = tmp_path / "w.sqlite"
    result = run_watch(
        d.url,
        *d.manifests,
        "--json",
        "--db",
        str(db),
        "--from-block",
        str(first),
        "--exit-on-finding",
    )
    assert result.returncode == 1, result.stderr
    assert f"stopped at the first finding (block {bad_block})" in result.stderr
    assert {json.loads(line)["tx_hash"] for line in result.stdout.splitlines()} == {bad}
    store = SqliteStore(db, readonly=True)
    try:
        assert store.position() == bad_block  # the next run starts after it
    finally:
        store.close()
