"""What the HTML report's modules share: escaping, dates, amounts, names of addresses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from html import escape

__all__ = ["SORT_JS", "_MARK_STYLE", "_Names", "_amount", "_date", "_e", "_short_amount"]


_MARK_STYLE = {
    "pause": ("#8a5a00", "Pause"),
    "unpause": ("#8a5a00", "Unpause"),
    "legal order": ("#6b21a8", "Legal order"),
    "terms amendment": ("#0b6e4f", "Terms amendment"),
}

#: ``decree8Sortable(table, rows)``: a click on a column's header button sorts ``rows`` (the
#: table's body rows, an array the caller also filters) by that column, ascending then descending;
#: a cell's ``data-sort`` is its key, else its text; columns of class ``num`` compare as integers.
SORT_JS = r"""
function decree8Sortable(table,rows){
  var body=table.tBodies[0];
  function key(r,i,num){var v=r.cells[i].getAttribute('data-sort');
    if(v===null){v=r.cells[i].textContent.trim();}
    if(num){try{return BigInt(v);}catch(e){return BigInt(0);}}return v.toLowerCase();}
  var heads=table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th,i){
    var b=th.querySelector('button'); if(!b){return;}
    b.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var num=th.classList.contains('num');
      rows.sort(function(a,c){var x=key(a,i,num),y=key(c,i,num);
        var d=x<y?-1:(x>y?1:0); return asc?d:-d;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _date(stamp: int | None, with_time: bool = True) -> str:
    if stamp is None:
        return ""
    moment = datetime.fromtimestamp(stamp, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if with_time else "%Y-%m-%d")


def _amount(value: int, decimals: int) -> str:
    """``1,234.5`` for ``1234.5 * 10**decimals``: exact, trailing zeros dropped."""
    if decimals <= 0:
        return f"{value:,}"
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**decimals)
    text = f"{sign}{whole:,}"
    if frac:
        text += "." + str(frac).rjust(decimals, "0").rstrip("0")
    return text


def _short_amount(value: int, decimals: int) -> str:
    """An axis label: ``1.2M``, ``350k``, ``12``."""
    number = Decimal(value) / (Decimal(10) ** decimals)
    for limit, suffix in ((Decimal(10**9), "G"), (Decimal(10**6), "M"), (Decimal(10**3), "k")):
        if abs(number) >= limit:
            return f"{(number / limit):.3g}{suffix}"
    return f"{number:.3g}"


class _Names:
    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = {k.lower(): v for k, v in names.items()}

    def get(self, address: str) -> str | None:
        return self._names.get(address.lower())

    def html(self, address: str, role: str | None = None) -> str:
        name = self.get(address)
        role_html = f"<i>{_e(role)}</i> " if role else ""
        if name:
            return f"{role_html}<b>{_e(name)}</b> <code>{_e(address)}</code>"
        return f"{role_html}<code>{_e(address)}</code>"
