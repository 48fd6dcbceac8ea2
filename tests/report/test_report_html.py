"""The HTML evidence report of a real audit (the demo history): self-contained, complete, escaped,
and re-rendered identically from the data it embeds. What a person sees in a browser is tested in
test_report_browser.py."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from decree8.audit.timeline import History, HolderRow, Mark, Point, TokenTimeline
from decree8.report import Finding, OutputFormat, Report, report_to_dict, write_report
from decree8.report.load import extract_data, load_report
from decree8.rules import load_pack


class _Collect(HTMLParser):
    """Tags with their attributes, and the text outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _parse(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def demo_html(demo: Any) -> str:
    return write_report(demo.report, OutputFormat.HTML)


def test_the_page_needs_nothing_from_outside(demo_html: str) -> None:
    page = _parse(demo_html)
    assert demo_html.startswith("<!DOCTYPE html>")
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in str(csp[0]["content"])
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed")
        assert "src" not in attrs or tag == "script" and attrs["src"] is None
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
    styles = re.findall(r"<style>(.*?)</style>", demo_html, re.S)
    assert styles and not any("url(" in s or "@import" in s for s in styles)
    assert "@page{size:A4" in styles[0]


def test_it_shows_what_was_checked_per_rule_and_the_holders(demo: Any, demo_html: str) -> None:
    report: Report = demo.report
    text = " ".join(_parse(demo_html).text)
    assert "What was checked" in text and "Rule pack" in text and "decree8.rules/1" in text
    start, end = report.block_range or (0, 0)
    assert f"{start:,} to {end:,}" in text
    for kind_address in report.subject:
        assert kind_address.split(" ")[1] in demo_html
    pack = load_pack()
    for rule_id in report.rule_order(pack):
        assert f'id="rule-{rule_id}"' in demo_html
        rule = pack.rule(rule_id)
        assert rule.basis.split(";")[0][:40] in text.replace("\n", " ")
        if rule.is_policy:
            section = demo_html.split(f'id="rule-{rule_id}"')[1].split("</article>")[0]
            assert "POLICY:" in section
    # the holders at the end block, by the names the scenario gives them
    table = demo_html.split('id="holders-table"')[1].split("</table>")[0]
    rows = re.findall(r"<tr data-type=[^>]*><td[^>]*><b>([^<]*)</b>", table)
    assert len(rows) == len(report.history.holders) == 5  # alice, bob, carol, dave, enforcer
    assert set(rows) == {"alice", "bob", "carol", "dave", "enforcer"}
    bob = next(h for h in report.history.holders if demo.names.get(h.address) == "bob")
    assert bob.frozen == 40 * 10**18 and bob.terms_accepted and bob.holder_type == "individual"
    assert bob.jurisdiction == "BY"


def test_the_timeline_holds_the_replayed_history(demo: Any, demo_html: str) -> None:
    history: History = demo.report.history
    (timeline,) = [t for t in history.timelines if demo.names.get(t.token) == "token"]
    points = re.findall(
        r'<circle class="point"[^>]*data-block="(\d+)" data-supply="(\d+)"', demo_html
    )
    assert [(int(b), int(s)) for b, s in points] == [(p.block, p.supply) for p in timeline.points]
    assert timeline.points[0].supply == 0 and timeline.points[-1].supply == 15_000 * 10**18
    assert timeline.cap == 1_000_000 * 10**18
    kinds = [m.kind for m in history.marks]
    assert kinds.count("legal order") == 3 and kinds.count("pause") == 1
    assert "forced transfer (order MoJ-EP-2026-117)" in [m.label for m in history.marks]
    assert demo_html.count('data-kind="legal order"') == 3 + 3  # chart marks and table rows
    assert sum(n for _, _, n in history.transfers_by_block) == sum(
        n for _, n in history.transfers_per_day
    )
    assert 'role="img"' in demo_html and "<desc id=" in demo_html  # text alternatives


def test_the_embedded_data_re_renders_the_same_page(
    demo: Any, demo_html: str, tmp_path: Path
) -> None:
    data = extract_data(demo_html)
    assert data == json.loads(json.dumps(report_to_dict(demo.report)))
    path = tmp_path / "audit.html"
    path.write_text(demo_html, encoding="utf-8")
    assert write_report(load_report(path), OutputFormat.HTML) == demo_html
    again = tmp_path / "audit.json"
    again.write_text(write_report(demo.report, OutputFormat.JSON), encoding="utf-8")
    assert write_report(load_report(again), OutputFormat.HTML) == demo_html


HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_everything_from_chains_and_files_is_escaped() -> None:
    token, holder = "0x" + "11" * 20, "0x" + "22" * 20
    finding = Finding.for_rule(
        "HOLDER-IDENTIFIED",
        f"receiver {HOSTILE} has no attestation",
        source="audit",
        contract=token,
        block=3,
        tx_hash="0x" + "33" * 32,
        parties=[("to", holder)],
        details={"uri": HOSTILE},
    )
    history = History(
        timelines=(TokenTimeline(token, 100, (Point(1, 1_700_000_000, 10, 1),)),),
        marks=(Mark("legal order", f"order {HOSTILE}", token, 2, None, "0x" + "44" * 32),),
        holders=(HolderRow(token, holder, 10, 0, False, "entity", HOSTILE, None, False, True),),
        names={holder: HOSTILE, token: f"token {HOSTILE}"},
    )
    report = Report(
        title=f"audit {HOSTILE}",
        subject=(f"CompliantToken {token}",),
        block_range=(0, 5),
        findings=(finding,),
        facts=(("terms", f"v1 https://example.org/{HOSTILE}"),),
        history=history,
    )
    html = write_report(report, OutputFormat.HTML)
    assert "<script>alert" not in html and "<img" not in html
    page = _parse(html)
    assert [t for t, _ in page.tags].count("script") == 2  # the data and the page's own script
    assert all(not k.startswith("on") for _, attrs in page.tags for k in attrs)
    assert HOSTILE in " ".join(page.text)  # shown as text, as it came
    assert extract_data(html)["title"] == f"audit {HOSTILE}"


def test_a_report_without_history_still_renders(sample_report: Report) -> None:
    html = write_report(sample_report, OutputFormat.HTML)
    assert 'id="timeline"' not in html and 'id="holders"' not in html
    assert html.count('class="finding-row"') == len(sample_report.findings)
    assert "POLICY:" in html  # the sample has a policy rule
    assert extract_data(html)["findings"] == report_to_dict(sample_report)["findings"]


def test_a_long_history_keeps_a_bounded_number_of_points() -> None:
    from decree8.audit.timeline import MAX_POINTS, _thin

    points = [(block, (block * 10, block % 7)) for block in range(1, 20_000, 3)]
    kept = _thin(points, MAX_POINTS)
    assert len(kept) <= MAX_POINTS + 1
    assert kept[0] == points[0] and kept[-1] == points[-1]
    assert [b for b, _ in kept] == sorted(b for b, _ in kept)


def test_history_round_trips_through_json(demo: Any) -> None:
    history: History = demo.report.history
    again = History.from_dict(json.loads(json.dumps(history.to_dict())))
    assert again == replace(history, names=dict(history.names))


def test_a_large_report_embeds_its_data_compressed_and_still_verifies(tmp_path: Path) -> None:
    from decree8.report.html import COMPRESS_ABOVE
    from decree8.report.sign import KeySigner, sign_report, verify_data

    token = "0x" + "11" * 20
    findings = tuple(
        Finding.for_rule(
            "P2P-SALE",
            f"sale number {i} between two individuals",
            source="audit",
            contract=token,
            block=i + 1,
            tx_hash=f"0x{i:064x}",
            parties=[("from", f"0x{i + 1:040x}"), ("to", f"0x{i + 2:040x}")],
        )
        for i in range(2_000)
    )
    report = sign_report(
        Report(title="many findings", block_range=(0, 2_001), findings=findings),
        KeySigner(bytes.fromhex("4c" * 32)),
    )
    html = write_report(report, OutputFormat.HTML)
    assert 'data-encoding="gzip+base64"' in html
    assert len(json.dumps(report_to_dict(report))) > COMPRESS_ABOVE
    data = extract_data(html)
    assert data == report_to_dict(report) and verify_data(data).ok
    assert html.count('class="finding-row"') == 2_000
    assert html.count("<td>sale number") == 2_000


def test_report_members_added_later_are_shown_and_kept(
    sample_report: Report, tmp_path: Path
) -> None:
    """A member such as the law in force over the range, in a report signed by a later version,
    is shown under What was checked and kept when the report is re-rendered."""
    from decree8.report.sign import SCHEME, KeySigner, report_hash, verify_data

    data = json.loads(write_report(sample_report, OutputFormat.JSON))
    data["law_in_force"] = [{"act": "Decree No. 8", "from": "2018-03-28"}]
    signer = KeySigner(bytes.fromhex("4c" * 32))
    digest = report_hash(data)
    data["signature"] = {
        "scheme": SCHEME,
        "hash": "0x" + digest.hex(),
        "signer": signer.address,
        "signature": "0x" + signer.sign_hash(digest).hex(),
    }
    path = tmp_path / "later.json"
    path.write_text(json.dumps(data))
    html = write_report(load_report(path), OutputFormat.HTML)
    assert "Law in force</th><td><code>[{&quot;act&quot;: &quot;Decree No. 8&quot;" in html
    assert extract_data(html) == data and verify_data(extract_data(html)).ok
