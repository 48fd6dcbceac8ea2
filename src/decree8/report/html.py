"""HTML evidence report: one self-contained file (styles, script and SVG charts inline; no network)
that reads well on screen and prints to A4.

Layout: what was checked; a summary; the timeline of the history (total supply against the cap,
holders, transfers per day, with pauses, legal orders, terms amendments and findings marked),
when the report carries one (an audit's ``history``); one section per rule with its legal basis,
how sure we are of it, the findings (parties by the names manifests give them) and what was found
clean; the holders at the end block (sortable, filterable, by a small inline script; the table is
complete without it); the acts cited, method and limits, and the signature of a signed report.

Everything from a chain or a file (names, addresses, terms URIs, messages) is escaped. The report's
JSON data is embedded in ``<script type="application/json" id="decree8-report">`` (for
``decree8 report`` and ``decree8 report verify``). A Content-Security-Policy forbids the page any
request. Charts are plain SVG written here, each with a text alternative and a data table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from decree8.report.html_base import SORT_JS, _amount, _date, _e, _Names
from decree8.report.html_charts import legend, marks_table, supply_chart, transfers_chart
from decree8.report.html_check import VERDICTS_JS, verdicts_section
from decree8.report.interface import Formatter
from decree8.report.json import DEPRECATED_CHECK_KEYS
from decree8.report.words import SOURCE_WORDS, TAG_MEANING
from decree8.result import SOURCES, Finding, Report
from decree8.rules import RulePack, confidence_label, load_pack

__all__ = ["DATA_ID", "HtmlFormatter"]

_NUM = ' class="num"'
#: Members of the JSON report this page shows in its own sections.
_KNOWN_KEYS = frozenset(
    "schema title subject chain_id block_range generated_at tool_version summary findings "
    "checks facts notes history signature kind ok verdicts steps verification deployments "
    "rules_caught rules_required error".split()
    + list(DEPRECATED_CHECK_KEYS)
)
#: The id of the ``<script type="application/json">`` block holding the report's JSON data.
DATA_ID = "decree8-report"

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


_CSS = """
:root{--ink:#1a1a1a;--muted:#4a4a4a;--line:#c8c8c8;--bg:#fff;--band:#f3f4f6;--err:#b00020;
--warn:#8a5a00;--ok:#0b6e4f;--accent:#1d4ed8}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:var(--ink);background:var(--bg);margin:0 auto;max-width:1180px;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 .4rem}h2{font-size:1.25rem;margin:2rem 0 .6rem;
border-bottom:2px solid var(--line);padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
i{font-style:normal;color:var(--muted)}
code,.addr{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.85em;
overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
thead th{background:var(--band);overflow-wrap:normal}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.kv{table-layout:fixed}.kv th{width:30%;background:var(--band)}
.summary{font-size:1.1rem;margin:.2rem 0 1rem}
.badge{display:inline-block;border:1px solid currentColor;border-radius:3px;padding:0 .35rem;
font-size:.8rem;font-weight:600;letter-spacing:.02em}
.b-error{color:var(--err)}.b-warning{color:var(--warn)}.b-note{color:var(--accent)}
.b-ok{color:var(--ok)}.b-policy{color:#6b21a8}.b-unverified{color:var(--err);
background:#fde8eb}
.confidence{padding:.4rem .6rem;border-left:4px solid var(--line);background:var(--band)}
.confidence.policy{border-color:#6b21a8}.confidence.unverified{border-color:var(--err)}
.rule{break-inside:auto}
figure{margin:.6rem 0 1.2rem}figcaption{color:var(--muted);font-size:.9rem}
svg{width:100%;height:auto;display:block}
svg text{font-family:inherit;font-size:11px;fill:#333}
.legend span{margin-right:1rem;white-space:nowrap}
.sw{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.25rem}
.controls{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:center;margin:.4rem 0}
.controls input[type=search]{min-width:18rem;padding:.3rem;font:inherit}
.controls select{padding:.25rem;font:inherit}
th button{all:unset;cursor:pointer;font-weight:700}
th button:focus-visible{outline:2px solid var(--accent)}
th button::after{content:" \\2195";color:#777}
th[aria-sort=ascending] button::after{content:" \\2191";color:var(--ink)}
th[aria-sort=descending] button::after{content:" \\2193";color:var(--ink)}
.muted{color:var(--muted)}.names{font-weight:600}
.sig{border:2px solid var(--ok);padding:.6rem .8rem}
details summary{cursor:pointer;color:var(--accent)}
nav ol{columns:2;margin:.2rem 0}
section,article{content-visibility:auto;contain-intrinsic-size:auto 1200px}
@media print{
section,article{content-visibility:visible}
@page{size:A4;margin:14mm 12mm}
body{font-size:9pt;max-width:none;padding:0}
h2{break-after:avoid}h3{break-after:avoid}
.controls,nav,.noprint{display:none!important}
tr,figure,.confidence{break-inside:avoid}
thead{display:table-header-group}
th,td{padding:.15rem .25rem}
code{font-size:7.5pt}
details>*:not(summary){display:block}
a{color:inherit;text-decoration:none}
th button::after{content:none!important}
}
"""

_JS = r"""
(function(){
  var table=document.getElementById('holders-table');
  if(!table){return;}
  var rows=Array.prototype.slice.call(table.tBodies[0].rows);
  rows.forEach(function(r){r.setAttribute('data-search',r.textContent.toLowerCase());});
  var q=document.getElementById('holder-filter');
  var type=document.getElementById('holder-type');
  var frozen=document.getElementById('holder-frozen');
  var shown=document.getElementById('holders-shown');
  function apply(){
    var text=(q.value||'').trim().toLowerCase();
    var t=type.value, n=0;
    rows.forEach(function(r){
      var ok=(!text||r.getAttribute('data-search').indexOf(text)>=0)&&
             (!t||r.getAttribute('data-type')===t)&&
             (!frozen.checked||r.getAttribute('data-frozen')==='1');
      r.hidden=!ok; if(ok){n++;}
    });
    shown.textContent=n+' of '+rows.length+' holders shown';
  }
  [q,type,frozen].forEach(function(el){el.addEventListener('input',apply);
    el.addEventListener('change',apply);});
  decree8Sortable(table,rows);
  apply();
})();
"""


#: Above this many bytes of JSON, the embedded report data is gzip-compressed (base64).
COMPRESS_ABOVE = 256_000


def _data_script(data: Any) -> str:
    """The report's JSON data for machines (``decree8 report``, ``report verify``): as JSON, or,
    when large, as a JSON string of its gzip-compressed canonical JSON in base64."""
    text = _script_json(data)
    if len(text) <= COMPRESS_ABOVE:
        return f'\n<script type="application/json" id="{DATA_ID}">{text}</script>'
    import base64
    import gzip

    from decree8.fsutil import canonical_json

    packed = gzip.compress(canonical_json(data).encode("utf-8"), compresslevel=9, mtime=0)
    encoded = base64.b64encode(packed).decode("ascii")
    return (
        f'\n<script type="application/json" id="{DATA_ID}" data-encoding="gzip+base64">'
        f'"{encoded}"</script>'
    )


def _script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no HTML comment openers)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class HtmlFormatter(Formatter):
    """See the module docs."""

    def __init__(self, pack: RulePack | None = None) -> None:
        self._pack = pack

    def format(self, report: Report) -> str:
        from decree8.report.json import report_to_dict

        pack = self._pack or load_pack()
        history = report.history
        names = _Names(history.names if history is not None else {})
        shown = report.rule_order(pack)
        data = report_to_dict(report, pack)
        body: list[str] = []
        body.append(self._header(report, pack))
        body.append(self._toc(report, shown))
        body.append(self._checked(report, names, data))
        body.append(self._summary(report, pack, shown))
        if report.kind == "check" and report.verdicts:
            body.append(verdicts_section(report))
        if history is not None:
            body.append(self._timeline(report, history, names))
        body.append('<section id="rules"><h2>Rules: findings and what was found clean</h2>')
        body.extend(self._rule(report, pack, rule_id, names) for rule_id in shown)
        not_covered = [rule_id for rule_id in pack.ids if rule_id not in shown]
        if not_covered:
            body.append(
                "<h3>Rules not covered by this report</h3><p>Nothing was recorded as checked or "
                "found for these rules, so this report says nothing about them: "
                + ", ".join(f"<code>{_e(r)}</code>" for r in not_covered)
                + ".</p>"
            )
        body.append("</section>")
        if history is not None:
            body.append(self._holders(report, history, names))
        body.append(self._method(report, pack, shown))
        if report.signature is not None:
            body.append(self._signature(report))
        title = report.title + (
            f" \u2014 blocks {report.block_range[0]:,}\u2013{report.block_range[1]:,}"
            if report.block_range
            else ""
        )
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            '<meta name="generator" content="decree8">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body)
            + _data_script(data)
            + f"\n<script>{SORT_JS}{_JS}{VERDICTS_JS}</script>\n</body></html>\n"
        )

    # -- sections ------------------------------------------------------------------------------

    @staticmethod
    def _header(report: Report, pack: RulePack) -> str:
        sev = report.by_severity()
        badges = " ".join(
            f'<span class="badge b-{s}">{sev[s]} {s}{"s" if sev[s] != 1 else ""}</span>'
            for s in ("error", "warning", "note")
        )
        signed = (
            f' <span class="badge b-ok">signed by {_e(report.signature.signer)}</span>'
            if report.signature is not None
            else ' <span class="badge">unsigned</span>'
        )
        return (
            f"<header><h1>{_e(report.title)}</h1>"
            f'<p class="summary" id="summary-line"><strong>'
            f"{_e(report.summary_line().capitalize())}.</strong></p>"
            f"<p>{badges}{signed}</p></header>"
        )

    @staticmethod
    def _toc(report: Report, shown: Sequence[str]) -> str:
        items = ['<li><a href="#checked">What was checked</a></li>']
        items.append('<li><a href="#summary">Summary</a></li>')
        if report.kind == "check" and report.verdicts:
            items.append('<li><a href="#verdicts">Verdicts</a></li>')
        if report.history is not None:
            items.append('<li><a href="#timeline">Timeline</a></li>')
        items.append('<li><a href="#rules">Rules</a></li>')
        if report.history is not None:
            items.append('<li><a href="#holders">Holders at the end block</a></li>')
        items.append('<li><a href="#method">Method and limits</a></li>')
        if report.signature is not None:
            items.append('<li><a href="#signature">Signature</a></li>')
        return f'<nav aria-label="Contents"><ol>{"".join(items)}</ol></nav>'

    @staticmethod
    def _checked(report: Report, names: _Names, data: Mapping[str, Any]) -> str:
        history = report.history
        rows: list[tuple[str, str]] = []
        subject = "<br>".join(_subject_html(item, names) for item in report.subject) or "not stated"
        rows.append(("Subject", subject))
        rows.append(("Chain ID", "not stated" if report.chain_id is None else _e(report.chain_id)))
        if report.block_range is not None:
            start, end = report.block_range
            text = f"{start:,} to {end:,}"
            if history is not None and (history.start_time or history.end_time):
                text += (
                    f" ({_e(_date(history.start_time)) or '?'} to "
                    f"{_e(_date(history.end_time)) or '?'})"
                )
            rows.append(("Blocks", text))
        if report.transactions is not None:
            rows.append(("Transactions screened", f"{report.transactions:,}"))
        rows.append(("Generated (UTC)", _e(report.generated_at)))
        rows.append(("decree8 version", _e(report.tool_version)))
        if history is not None and history.rule_pack:
            rows.append(("Rule pack", f"<code>{_e(history.rule_pack)}</code>"))
        facts = dict(report.facts)
        if "Verdict" in facts:  # a verify report: the level of the match
            rows.append(("Verify result", _e(facts["Verdict"])))
        law = [(k, v) for k, v in report.facts if "law" in k.lower() and "force" in k.lower()]
        if law:
            rows.append(("Law in force", "<br>".join(f"{_e(k)}: {_e(v)}" for k, v in law)))
        law_data = data.get("law")
        if isinstance(law_data, dict) and law_data.get("label"):  # the version of the law applied
            in_force = ", ".join(f"<code>{_e(r)}</code>" for r in law_data.get("in_force") or ())
            rows.append(("Law applied", _e(law_data["label"]) + (f": {in_force}" * bool(in_force))))
        for key, value in data.items():  # what later versions of the report add
            if key == "law" and isinstance(law_data, dict) and law_data.get("label"):
                continue
            if key not in _KNOWN_KEYS and value not in (None, [], {}):
                label = "Law in force" if "law" in key.lower() else key.replace("_", " ")
                shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                rows.append((_e(label.capitalize()), f"<code>{_e(shown)}</code>"))
        table = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
        facts_html = ""
        if report.facts:
            facts_html = (
                "<h3>Facts stated by the contracts and the run</h3>"
                '<table class="kv"><caption class="muted">As read at the end block, and how the '
                "run went</caption><tbody>"
                + "".join(
                    f'<tr><th scope="row">{_e(k)}</th><td>{_fact_html(v)}</td></tr>'
                    for k, v in report.facts
                )
                + "</tbody></table>"
            )
        return (
            f'<section id="checked"><h2>What was checked</h2><table class="kv"><tbody>{table}'
            f"</tbody></table>{facts_html}</section>"
        )

    @staticmethod
    def _summary(report: Report, pack: RulePack, shown: Sequence[str]) -> str:
        sev = report.by_severity()
        clean = sum(1 for c in report.checks if c.passed)
        out = [
            '<section id="summary"><h2>Summary</h2>',
            f"<p>Errors: {sev['error']}. Warnings: {sev['warning']}. Notes: {sev['note']}. "
            f"Checks found clean: {clean}.</p>",
        ]
        if shown:
            out.append(
                '<table><thead><tr><th scope="col">Rule</th><th scope="col">Title</th>'
                '<th scope="col" class="num">Findings</th><th scope="col">Confidence</th>'
                "</tr></thead><tbody>"
            )
            for rule_id in shown:
                rule = pack.rule(rule_id) if rule_id in pack else None
                tags = rule.confidence if rule else ()
                n = len(report.findings_of(rule_id))
                out.append(
                    f'<tr><td><a href="#rule-{_e(rule_id)}"><code>{_e(rule_id)}</code></a></td>'
                    f"<td>{_e(rule.title if rule else 'not in the rule pack')}</td>"
                    f'<td class="num">{n}</td>'
                    f"<td>{_confidence_badges(tags)}</td></tr>"
                )
            out.append("</tbody></table>")
        out.append("</section>")
        return "".join(out)

    # -- timeline ------------------------------------------------------------------------------

    def _timeline(self, report: Report, history: Any, names: _Names) -> str:
        start, end = report.block_range or (0, 0)
        findings = [f for f in report.findings if f.block is not None]
        out = ['<section id="timeline"><h2>Timeline</h2>']
        if history.times_interpolated:
            out.append(
                '<p class="muted">Some block times were not read from the chain and are '
                "interpolated between neighbouring blocks.</p>"
            )
        out.append(legend())
        for index, timeline in enumerate(history.timelines):
            out.append(supply_chart(index, timeline, history, findings, start, end, names))
        out.append(transfers_chart(history))
        out.append(marks_table(history, names))
        out.append("</section>")
        return "".join(out)

    # -- rules ---------------------------------------------------------------------------------

    @staticmethod
    def _rule(report: Report, pack: RulePack, rule_id: str, names: _Names) -> str:
        findings = report.findings_of(rule_id)
        rule = pack.rule(rule_id) if rule_id in pack else None
        out = [f'<article class="rule" id="rule-{_e(rule_id)}" data-rule="{_e(rule_id)}">']
        if rule is not None:
            tags: Sequence[str] = rule.confidence
            out.append(f"<h3><code>{_e(rule.id)}</code> \u2014 {_e(rule.title)}</h3>")
            out.append(f"<p><strong>What the rule requires:</strong> {_e(rule.summary)}</p>")
            out.append(f"<p><strong>Legal basis:</strong> {_e(rule.basis)}</p>")
            label = confidence_label(rule)
        else:
            out.append(f"<h3><code>{_e(rule_id)}</code> \u2014 not a rule of the decree8 pack</h3>")
            tags = findings[0].confidence if findings else ()
            if findings:
                out.append(f"<p><strong>Legal basis:</strong> {_e(findings[0].basis)}</p>")
            label = confidence_label(tags) if tags else "not stated"
        out.append(_confidence_block(tags, label))
        if findings:
            wheres = {_where(f, names) for f in findings}
            severities = {f.severity for f in findings}
            out.append(f"<h4>Findings ({len(findings):,})</h4>")
            common = []
            if len(severities) == 1:
                common.append(f"severity {_severity(findings[0].severity)}")
            if len(wheres) == 1 and findings[0].contract:
                common.append(f"contract and call: {next(iter(wheres))}")
            if common:
                out.append(f"<p>All {'; '.join(common)}.</p>")
            heads = ["#", "Severity", "Block", "Time (UTC)", "Transaction", "Parties"]
            heads += ["Contract / call", "Finding"]
            skip = {"Severity"} if len(severities) == 1 else set()
            if len(wheres) == 1 and findings[0].contract:
                skip.add("Contract / call")
            out.append(
                '<table class="findings"><thead><tr>'
                + "".join(
                    f'<th scope="col"{_NUM if h == "Block" else ""}>{h}</th>'
                    for h in heads
                    if h not in skip
                )
                + "</tr></thead><tbody>"
            )
            out.extend(_finding_row(i, f, names, skip) for i, f in enumerate(findings, start=1))
            out.append("</tbody></table>")
        else:
            out.append('<p><span class="badge b-ok">no findings</span></p>')
        checks = report.checks_of(rule_id)
        clean = [c for c in checks if c.passed]
        failed = [c for c in checks if not c.passed]
        out.append("<h4>What was checked and found clean</h4>")
        if clean:
            out.append(
                "<ul>"
                + "".join(
                    f'<li>{_e(c.description)} <span class="muted">({_e(c.scope)}; '
                    f"{c.count:,} checked)</span></li>"
                    for c in clean
                )
                + "</ul>"
            )
        else:
            out.append("<p>No check of this rule was recorded as clean.</p>")
        if failed:
            out.append(
                "<p>Checked, not clean (see the findings above):</p><ul>"
                + "".join(
                    f'<li>{_e(c.description)} <span class="muted">({_e(c.scope)}; '
                    f"{c.count:,} checked)</span></li>"
                    for c in failed
                )
                + "</ul>"
            )
        out.append("</article>")
        return "".join(out)

    # -- holders -------------------------------------------------------------------------------

    @staticmethod
    def _holders(report: Report, history: Any, names: _Names) -> str:
        end = report.block_range[1] if report.block_range else None
        dec = history.decimals
        rows = []
        many_tokens = len({h.token for h in history.holders}) > 1
        for h in history.holders:
            name = names.get(h.address) or ""
            frozen = h.frozen > 0 or h.frozen_whole
            frozen_text = _amount(h.frozen, dec) if h.frozen else "0"
            if h.frozen_whole:
                frozen_text += " (whole address frozen)"
            attested = h.holder_type
            if h.revoked:
                attested += " (revoked)"
            valid = _date(h.valid_until, False) if h.valid_until else ""
            cells = [
                f'<td data-sort="{_e(name or "~" + h.address.lower())}">'
                f"{names.html(h.address)}</td>",
                f'<td class="num" data-sort="{h.balance}">{_e(_amount(h.balance, dec))}</td>',
                f'<td class="num" data-sort="{h.frozen + (1 if h.frozen_whole else 0)}">'
                f"{_e(frozen_text)}</td>",
                f"<td>{_e(attested)}</td>",
                f"<td>{_e(h.jurisdiction)}</td>",
                f'<td class="num" data-sort="{h.valid_until or 0}">{_e(valid)}</td>',
                f"<td>{'yes' if h.terms_accepted else '<strong>no</strong>'}</td>",
            ]
            if many_tokens:
                cells.insert(0, f"<td>{names.html(h.token)}</td>")
            rows.append(
                f'<tr data-type="{_e(h.holder_type)}" data-frozen="{1 if frozen else 0}">'
                f"{''.join(cells)}</tr>"
            )
        heads = [
            ("Holder", ""),
            ("Balance", "num"),
            ("Frozen", "num"),
            ("Attestation", ""),
            ("Jurisdiction", ""),
            ("Valid until", "num"),
            ("Terms accepted", ""),
        ]
        if many_tokens:
            heads.insert(0, ("Token", ""))
        head = "".join(
            f'<th scope="col"{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>'
            f'<button type="button">{_e(text)}</button></th>'
            for text, cls in heads
        )
        types = sorted({h.holder_type for h in history.holders})
        options = "".join(f'<option value="{_e(t)}">{_e(t)}</option>' for t in types)
        at = f" {end:,}" if end is not None else ""
        return (
            f'<section id="holders"><h2>Holders at block{at}</h2>'
            "<p>Every address with a balance or a frozen amount at the end block, as rebuilt from "
            "the events (and compared with the chain: see RECORDS). Click a column to sort.</p>"
            '<div class="controls noprint" role="search">'
            '<label>Filter <input type="search" id="holder-filter" '
            'placeholder="name, address, jurisdiction"></label>'
            f'<label>Attestation <select id="holder-type"><option value="">any</option>{options}'
            "</select></label>"
            '<label><input type="checkbox" id="holder-frozen"> frozen only</label>'
            f'<span id="holders-shown" aria-live="polite">{len(rows)} of {len(rows)} holders '
            "shown</span></div>"
            f'<table id="holders-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table></section>"
        )

    # -- closing -------------------------------------------------------------------------------

    @staticmethod
    def _method(report: Report, pack: RulePack, shown: Sequence[str]) -> str:
        sources = [s for s in SOURCES if any(f.source == s for f in report.findings)]
        out = ['<section id="method"><h2>Method and limits</h2>']
        if sources:
            out.append(
                "<p>Findings come from " + "; ".join(SOURCE_WORDS[s] for s in sources) + ".</p>"
            )
        out.append(
            "<p>decree8 reads what the chain records: contract state, events and transactions at "
            "the blocks named. It can show that an operator attested a party and when; it cannot "
            "check the off-chain identification record behind an attestation's hash, or facts "
            "that were never put on chain.</p><p>Each rule carries a confidence tag for its legal "
            "basis:</p><ul>"
        )
        out += [
            f"<li>{_confidence_badges((tag,))} {_e(meaning)}.</li>"
            for tag, meaning in TAG_MEANING.items()
        ]
        out.append("</ul>")
        for note in pack.notes:
            out.append(
                f"<p>{_confidence_badges((note.confidence,))} <strong>{_e(note.title)}.</strong> "
                f"{_e(note.text)}</p>"
            )
        known = [rule_id for rule_id in shown if rule_id in pack]
        acts = pack.acts_cited(known) if known else pack.acts
        out.append("<h3>Acts cited</h3><ul>")
        for act in acts:
            date = f" ({_e(act.date)})" if act.date else ""
            out.append(f"<li><strong>{_e(act.name)}</strong>{date}: {_e(act.matters)}</li>")
        out.append("</ul></section>")
        return "".join(out)

    @staticmethod
    def _signature(report: Report) -> str:
        sig = report.signature
        return (
            '<section id="signature" class="sig"><h2>Signature</h2><table class="kv"><tbody>'
            f'<tr><th scope="row">Signer</th><td><code>{_e(sig.signer)}</code></td></tr>'
            f'<tr><th scope="row">Hash</th><td><code>{_e(sig.hash)}</code> (keccak-256 of the '
            "canonical JSON report embedded in this page)</td></tr>"
            f'<tr><th scope="row">Signature</th><td><code>{_e(sig.signature)}</code> (EIP-191 '
            "personal message over the hash)</td></tr>"
            f'<tr><th scope="row">Scheme</th><td><code>{_e(sig.scheme)}</code></td></tr>'
            "</tbody></table><p>Check it with <code>decree8 report verify FILE</code>: it "
            "recomputes the hash of the embedded report and recovers the signer.</p></section>"
        )


# -- small pieces -----------------------------------------------------------------------------


def _subject_html(item: str, names: _Names) -> str:
    kind, _, address = item.partition(" ")
    if address.startswith("0x"):
        return f"{_e(kind)} {names.html(address)}"
    return _e(item)


def _fact_html(value: str) -> str:
    if value.startswith("0x") and len(value) in (42, 66):
        return f"<code>{_e(value)}</code>"
    return _e(value)


def _confidence_badges(tags: Iterable[str]) -> str:
    out = []
    for tag in tags:
        cls = f" b-{tag}" if tag in ("policy", "unverified") else ""
        out.append(f'<span class="badge{cls}">{_e(confidence_label(tag))}</span>')
    return " ".join(out)


def _confidence_block(tags: Sequence[str], label: str) -> str:
    extra = ""
    cls = ""
    if "unverified" in tags:
        cls = " unverified"
        extra = (
            ' <strong class="b-unverified">UNVERIFIED:</strong> no source confirms this; it is '
            "not presented as law."
        )
    elif "policy" in tags:
        cls = " policy"
        extra = (
            ' <strong class="b-policy">POLICY:</strong> a safeguard decree8 adds on purpose, not '
            "a legal requirement; a finding under it is not in itself a breach of law."
        )
    elif "news" in tags:
        extra = " Part of this basis rests on news reports only."
    badges = _confidence_badges(tags) if tags else _e(label)
    return f'<p class="confidence{cls}"><strong>Confidence:</strong> {badges}{extra}</p>'


def _where(f: Finding, names: _Names) -> str:
    return " ".join(
        part
        for part in (
            names.html(f.contract)
            if f.contract and f.contract.startswith("0x")
            else (f"<code>{_e(f.contract)}</code>" if f.contract else ""),
            f"<code>{_e(f.function)}</code>" if f.function else "",
        )
        if part
    )


def _severity(severity: str) -> str:
    return f'<span class="badge b-{_e(severity)}">{_e(severity)}</span>'


def _finding_row(index: int, f: Finding, names: _Names, skip: set[str] | frozenset[str]) -> str:
    parties = "<br>".join(names.html(address, role) for role, address in f.parties)
    severity = "" if "Severity" in skip else f"<td>{_severity(f.severity)}</td>"
    where = "" if "Contract / call" in skip else f"<td>{_where(f, names)}</td>"
    return (
        f'<tr class="finding-row" data-block="{"" if f.block is None else f.block}">'
        f"<td>{index}</td>{severity}"
        f'<td class="num">{"" if f.block is None else f"{f.block:,}"}</td>'
        f"<td>{_e(f.time or '')}</td><td><code>{_e(f.tx_hash or '')}</code></td>"
        f"<td>{parties}</td>{where}<td>{_e(f.message)}</td></tr>"
    )
