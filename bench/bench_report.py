"""Benchmarks of the HTML evidence report (issue 17) for an audit of 10,000 transactions.

The history is the generated one of ``tests/report/evidence_helpers.py`` (the audit system on the
revm chain, then 10,000 transactions: transfers, issuances, a pause, a legal order, a terms
amendment, planted sales), audited with the history recorded. Figures:

- ``report.generate_seconds`` / ``report.audit_seconds``: making the history, auditing it;
- ``report.html_bytes`` (aim: under 5 MB) and ``report.json_bytes``;
- ``report.html_render_seconds`` (aim: under 5 s): ``write_report(report, "html")``, median of 5;
- ``report.sign_seconds``: signing the report (canonical JSON, keccak, EIP-191) and checking it;
- ``report.first_paint_ms`` (aim: under 1 s): first-contentful-paint of the file in headless
  Chromium (Debian's, through Selenium), median of 5 fresh loads; ``report.load_ms`` the load
  event. Skipped (reported as missing) when no browser is installed
  (tests/report/browser_setup.sh installs it);
- ``report.worst_*``: the same for a synthetic worst case of the same length, where every one of
  the 10,000 transactions is a finding and every holder is a different address (10,000 findings,
  10,000 holders, all named): the generated history has a few findings and holders, as most do.

Run ``python -m bench report`` or ``PYTHONPATH=src python bench/bench_report.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "report"), str(ROOT / "tests")]

TRANSACTIONS = 10_000
REPS = 5


def _paint(path: Path) -> tuple[float, float] | None:
    from browser import chromium, missing

    if missing() is not None:
        return None
    paints, loads = [], []
    with chromium() as driver:
        for _ in range(REPS):
            driver.get("about:blank")
            driver.get(path.as_uri())
            from selenium.webdriver.support.ui import WebDriverWait

            entries = WebDriverWait(driver, 10).until(
                lambda d: d.execute_script(
                    "return performance.getEntriesByType('paint')"
                    ".filter(e => e.name === 'first-contentful-paint').map(e => e.startTime)"
                )
            )
            paints.append(float(entries[0]))
            loads.append(
                float(
                    driver.execute_script(
                        "const n = performance.getEntriesByType('navigation')[0];"
                        "return n.loadEventEnd || n.duration;"
                    )
                )
            )
    return statistics.median(paints), statistics.median(loads)


def _worst_case() -> Any:
    """10,000 findings (one per transaction) and 10,000 named holders."""
    from dataclasses import replace

    from decree8.audit.timeline import History, HolderRow, Point, TokenTimeline
    from decree8.report import Finding, Report

    token = "0x" + "11" * 20

    def address(i: int) -> str:
        return f"0x{i + 4096:040x}"

    sale = Finding.for_rule(
        "P2P-SALE",
        "transfer between individuals states no non-sale purpose (gift, inheritance, own wallet)",
        source="audit",
        contract=token,
        function="transfer",
    )
    findings = tuple(
        replace(
            sale,
            block=i + 1,
            timestamp=1_790_000_000 + 60 * i,
            tx_hash=f"0x{i:064x}",
            parties=(("from", address(i)), ("to", address(i + 1))),
        )
        for i in range(TRANSACTIONS)
    )
    holders = tuple(
        HolderRow(
            token, address(i), 10**18 * i, 0, False, "individual", "BY", 1_800_000_000, False, True
        )  # fmt: skip
        for i in range(TRANSACTIONS)
    )
    history = History(
        timelines=(
            TokenTimeline(
                token,
                10**30,
                tuple(Point(i * 17, 1_790_000_000 + i * 1000, i, i) for i in range(600)),
            ),
        ),
        transfers_per_day=tuple((f"2026-09-{d + 1:02d}", 333) for d in range(30)),
        holders=holders,
        names={address(i): f"holder {i}" for i in range(TRANSACTIONS)},
    )
    return Report(
        title="worst case",
        subject=(f"CompliantToken {token}",),
        block_range=(0, TRANSACTIONS + 1),
        findings=findings,
        transactions=TRANSACTIONS,
        history=history,
    )


def figures() -> list[dict[str, Any]]:
    from evidence_helpers import generated_audit

    from decree8.report import write_report
    from decree8.report.sign import KeySigner, sign_report, verify_data

    run = generated_audit(TRANSACTIONS)
    report = run.report
    out: list[dict[str, Any]] = [
        {
            "name": "report.generate_seconds",
            "value": round(run.seconds_generate, 2),
            "unit": "s",
            "transactions": run.transactions,
        },
        {"name": "report.audit_seconds", "value": round(run.seconds_audit, 2), "unit": "s"},
    ]
    times = []
    html = ""
    for _ in range(REPS):
        began = time.perf_counter()
        html = write_report(report, "html")
        times.append(time.perf_counter() - began)
    size = len(html.encode("utf-8"))
    out += [
        {
            "name": "report.html_bytes",
            "value": size,
            "unit": "bytes",
            "target": 5_000_000,
            "findings": len(report.findings),
            "holders": len(report.history.holders),
            "points": sum(len(t.points) for t in report.history.timelines),
        },
        {
            "name": "report.json_bytes",
            "value": len(write_report(report, "json").encode("utf-8")),
            "unit": "bytes",
        },
        {
            "name": "report.html_render_seconds",
            "value": round(statistics.median(times), 3),
            "unit": "s",
            "target": 5.0,
        },
    ]
    began = time.perf_counter()
    signed = sign_report(report, KeySigner(bytes.fromhex("4c" * 32)))
    assert verify_data(signed.signature.signed_report()).ok
    out.append(
        {"name": "report.sign_seconds", "value": round(time.perf_counter() - began, 3), "unit": "s"}
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.html"
        path.write_text(html, encoding="utf-8")
        painted = _paint(path)
    if painted is not None:
        out += [
            {
                "name": "report.first_paint_ms",
                "value": round(painted[0]),
                "unit": "ms",
                "target": 1000,
            },  # fmt: skip
            {"name": "report.load_ms", "value": round(painted[1]), "unit": "ms"},
        ]
    worst = _worst_case()
    began = time.perf_counter()
    html = write_report(worst, "html")
    render = time.perf_counter() - began
    out += [
        {"name": "report.worst_html_bytes", "value": len(html.encode("utf-8")), "unit": "bytes",
         "target": 5_000_000, "findings": len(worst.findings), "holders": TRANSACTIONS},
        {"name": "report.worst_html_render_seconds", "value": round(render, 3), "unit": "s",
         "target": 5.0},
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "worst.html"
        path.write_text(html, encoding="utf-8")
        painted = _paint(path)
    if painted is not None:
        out += [
            {
                "name": "report.worst_first_paint_ms",
                "value": round(painted[0]),
                "unit": "ms",
                "target": 1000,
            },  # fmt: skip
            {"name": "report.worst_load_ms", "value": round(painted[1]), "unit": "ms"},
        ]
    return out


if __name__ == "__main__":
    for figure in figures():
        extras = {k: v for k, v in figure.items() if k not in ("name", "value", "unit")}
        print(f"{figure['name']:<30} {figure['value']:>12} {figure['unit']}  {extras or ''}")
