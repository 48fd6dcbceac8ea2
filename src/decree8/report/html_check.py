"""The verdicts of a ``check`` report in the HTML page: one row per checked call or transaction
(transaction, block, time, contract and function, verdict, rules broken or why it was refused or
not checked), sortable and filterable by a small inline script like the holders table (the table is
complete without it). Works on :class:`~decree8.check.Verdict` objects and on their JSON data (a
report read back by ``decree8 report``)."""

from __future__ import annotations

from typing import Any

from decree8.report.html_base import _date, _e
from decree8.result import Report, plain

__all__ = ["VERDICTS_JS", "verdicts_section"]

#: The verdicts and their badge style (the page's CSS classes).
_BADGE = {"compliant": "b-ok", "violation": "b-error", "refused": "b-warning", "error": "b-error"}

#: Filters the verdicts table (with :data:`decree8.report.html_base.SORT_JS` before it).
VERDICTS_JS = r"""
(function(){
  var table=document.getElementById('verdicts-table');
  if(!table){return;}
  var rows=Array.prototype.slice.call(table.tBodies[0].rows);
  rows.forEach(function(r){r.setAttribute('data-search',r.textContent.toLowerCase());});
  var q=document.getElementById('verdict-filter');
  var kind=document.getElementById('verdict-kind');
  var shown=document.getElementById('verdicts-shown');
  function apply(){
    var text=(q.value||'').trim().toLowerCase(), k=kind.value, n=0;
    rows.forEach(function(r){
      var ok=(!text||r.getAttribute('data-search').indexOf(text)>=0)&&
             (!k||r.getAttribute('data-verdict')===k);
      r.hidden=!ok; if(ok){n++;}
    });
    shown.textContent=n+' of '+rows.length+' verdicts shown';
  }
  [q,kind].forEach(function(el){el.addEventListener('input',apply);
    el.addEventListener('change',apply);});
  decree8Sortable(table,rows);
  apply();
})();
"""

_HEADS = (
    ("tx", "Transaction", ""),
    ("block", "Block", "num"),
    ("time", "Time (UTC)", "num"),
    ("call", "Contract / function", ""),
    ("verdict", "Verdict", ""),
    ("rules", "Rules / reason", ""),
)


def _row(data: dict[str, Any]) -> str:
    verdict = str(data.get("verdict", ""))
    call: dict[str, Any] = data["call"] if isinstance(data.get("call"), dict) else {}
    tx = str(data.get("tx_hash") or "")
    block = data.get("block")
    stamp = data.get("timestamp")
    where = ""
    if call:
        where = (
            f"{_e(call.get('template') or '')} <code>{_e(call.get('address') or '')}</code>"
            f"<br><code>{_e(call.get('function') or '')}</code>"
        )
    rules = list(data.get("rule_ids") or ())
    if rules:
        reason = ", ".join(f'<a href="#rule-{_e(r)}"><code>{_e(r)}</code></a>' for r in rules)
    elif verdict == "refused":
        reason = f"reverted with <code>{_e(data.get('refusal') or '')}</code> (no rule in force)"
    elif verdict == "error":
        reason = f"not checked: {_e(data.get('error') or '')}"
    else:
        reason = ""
    badge = f'<span class="badge {_BADGE.get(verdict, "")}" style="white-space:nowrap">'
    badge += f"{_e(verdict.upper())}</span>"
    return (
        f'<tr data-verdict="{_e(verdict)}">'
        f"<td><code>{_e(tx)}</code></td>"
        f'<td class="num" data-sort="{"" if block is None else block}">'
        f"{'' if block is None else f'{block:,}'}</td>"
        f'<td class="num" data-sort="{stamp or ""}">{_e(_date(stamp))}</td>'
        f"<td>{where}</td>"
        f'<td data-sort="{_e(verdict)}">{badge}</td>'
        f"<td>{reason}</td></tr>"
    )


def verdicts_section(report: Report) -> str:
    """The ``<section id="verdicts">`` of a check report, with its script."""
    rows = [plain(v) for v in report.verdicts]
    rows = [r if isinstance(r, dict) else {"verdict": "error", "error": str(r)} for r in rows]
    tally = {name: sum(1 for r in rows if r.get("verdict") == name) for name in _BADGE}
    counts = ", ".join(f"{n:,} {name}" for name, n in tally.items() if n)
    head = "".join(
        f'<th scope="col" data-key="{key}"{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>'
        f'<button type="button">{_e(text)}</button></th>'
        for key, text, cls in _HEADS
    )
    options = "".join(f'<option value="{name}">{name}</option>' for name in _BADGE if tally[name])
    return (
        '<section id="verdicts"><h2>Verdicts</h2>'
        f"<p>{len(rows):,} checked: {counts or 'none'}. One row per transaction or call, judged "
        "by the law in force at its block's time. Click a column to sort.</p>"
        '<div class="controls noprint" role="search">'
        '<label>Filter <input type="search" id="verdict-filter" '
        'placeholder="transaction, function, rule, verdict"></label>'
        f'<label>Verdict <select id="verdict-kind"><option value="">any</option>{options}'
        "</select></label>"
        f'<span id="verdicts-shown" aria-live="polite">{len(rows)} of {len(rows)} verdicts '
        "shown</span></div>"
        f'<table id="verdicts-table"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(_row(r) for r in rows)
        + "</tbody></table></section>"
    )
