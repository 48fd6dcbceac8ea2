"""The charts of the HTML report's timeline: total supply and holders per token, transfers per
day (or per block range), and the table of pauses, legal orders and terms amendments. Inline SVG,
each with a title, a description and its data as a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from decree8.report.html_base import _MARK_STYLE, _amount, _date, _e, _Names, _short_amount
from decree8.result import Finding

__all__ = ["legend", "marks_table", "supply_chart", "transfers_chart"]


class _Scale:
    def __init__(self, lo: float, hi: float, out_lo: float, out_hi: float) -> None:
        self.lo, self.hi = lo, hi if hi > lo else lo + 1
        self.out_lo, self.out_hi = out_lo, out_hi

    def __call__(self, value: float) -> float:
        frac = (value - self.lo) / (self.hi - self.lo)
        return round(self.out_lo + frac * (self.out_hi - self.out_lo), 1)


W, H = 960, 280


ML, MR, MT, MB = 64, 44, 16, 46


def _axis_x(
    x: _Scale, start: int, end: int, times: Mapping[int, int | None], y_bottom: float
) -> str:
    out = [f'<line x1="{ML}" y1="{y_bottom}" x2="{W - MR}" y2="{y_bottom}" stroke="#555"/>']
    ticks = 6
    for i in range(ticks + 1):
        block = start + round((end - start) * i / ticks)
        px = x(block)
        out.append(f'<line x1="{px}" y1="{y_bottom}" x2="{px}" y2="{y_bottom + 4}" stroke="#555"/>')
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"
        out.append(
            f'<text x="{px}" y="{y_bottom + 16}" text-anchor="{anchor}">block {block:,}</text>'
        )
        stamp = times.get(block)
        if stamp is not None:
            out.append(
                f'<text x="{px}" y="{y_bottom + 30}" text-anchor="{anchor}">'
                f"{_e(_date(stamp, False))}</text>"
            )
    return "".join(out)


def _nearest_times(points: Sequence[Any], marks: Sequence[Any]) -> dict[int, int | None]:
    known = {p.block: p.timestamp for p in points if p.timestamp is not None}
    known.update({m.block: m.timestamp for m in marks if m.timestamp is not None})
    return known


def _tick_times(start: int, end: int, known: Mapping[int, int | None]) -> dict[int, int | None]:
    """Dates under the block ticks: the time of the nearest block whose time is known (within a
    twentieth of the range), else none."""
    blocks = sorted(known)
    out: dict[int, int | None] = {}
    if not blocks:
        return out
    import bisect

    slack = max(1, (end - start) // 20)
    for i in range(7):
        block = start + round((end - start) * i / 6)
        at = bisect.bisect_left(blocks, block)
        best = min(
            (blocks[j] for j in (at - 1, at) if 0 <= j < len(blocks)),
            key=lambda b: abs(b - block),
        )
        if abs(best - block) <= slack:
            out[block] = known[best]
    return out


def supply_chart(
    index: int,
    timeline: Any,
    history: Any,
    findings: Sequence[Finding],
    start: int,
    end: int,
    names: _Names,
) -> str:
    """One token's total supply and holders over ``start``..``end``, with its marks and findings."""
    dec = history.decimals
    points = list(timeline.points)
    label = names.get(timeline.token) or timeline.token
    tokens = {t.token.lower() for t in history.timelines}

    def here(contract: str | None) -> bool:
        """On this token's chart: its own marks and findings, and those of the contracts
        that are not tokens (registry, escrow)."""
        where = (contract or "").lower()
        return where == timeline.token.lower() or where not in tokens

    marks = [m for m in history.marks if here(m.contract)]
    findings = [f for f in findings if here(f.contract)]
    peak = max((p.supply for p in points), default=0)
    cap = timeline.cap
    cap_shown = 0 < cap <= peak * 4 or (peak == 0 and cap > 0)
    unit = 10**dec
    ticks = _nice_ticks(max(peak, cap if cap_shown else 0, 1) / unit)
    x = _Scale(start, end, ML, W - MR)
    y = _Scale(0, max(int(ticks[-1] * unit), 1), H - MB, MT)
    max_holders = max((p.holders for p in points), default=0)
    hticks = _nice_ticks(max(max_holders, 1), integer=True)
    yh = _Scale(0, hticks[-1], H - MB, MT)
    desc = _supply_desc(label, points, dec, start, end, peak, cap, max_holders) + (
        f"; {len(marks)} pauses, legal orders and terms amendments and "
        f"{len(findings)} findings marked."
    )
    parts = [
        f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
        f'aria-labelledby="supply-title-{index} supply-desc-{index}" '
        f'class="chart supply" data-token="{_e(timeline.token)}">',
        f'<title id="supply-title-{index}">Total supply and holders of {_e(label)}</title>',
        f'<desc id="supply-desc-{index}">{_e(desc)}</desc>',
    ]
    # grid and y axis (supply on the left, holders on the right)
    for tick in ticks:
        value = int(tick * unit)
        parts.append(
            f'<line x1="{ML}" y1="{y(value)}" x2="{W - MR}" y2="{y(value)}" stroke="#e5e5e5"/>'
            f'<text x="{ML - 6}" y="{y(value) + 4}" text-anchor="end">'
            f"{_e(_short_amount(value, dec))}</text>"
        )
    parts += _pauses(x, marks, end)
    parts += _cap_line(y, cap, cap_shown, peak, dec)
    parts += _supply_paths(x, y, yh, points, end, dec)
    parts.extend(
        f'<text x="{W - MR + 4}" y="{yh(value) + 4}" fill="#0b6e4f">{int(value):,}</text>'
        for value in hticks
    )
    parts.extend(
        _mark_line(x, m, MT, H - MB, names)
        for m in marks
        if m.kind in ("legal order", "terms amendment")
    )
    parts += _finding_dots(x, findings)
    parts.append(
        _axis_x(x, start, end, _tick_times(start, end, _nearest_times(points, marks)), H - MB)
    )
    parts.append("</svg>")
    caption = (
        f"Total supply of <strong>{_e(label)}</strong> (solid blue, left axis) against the "
        "cap (dashed red), holders with a balance (dashed green, right axis); pauses shaded; "
        "legal orders and terms amendments as vertical lines; findings as red dots."
    )
    table = _points_table(points, dec, index)
    return f"<figure>{''.join(parts)}<figcaption>{caption}</figcaption>{table}</figure>"


def _supply_desc(
    label: str,
    points: Sequence[Any],
    dec: int,
    start: int,
    end: int,
    peak: int,
    cap: int,
    max_holders: int,
) -> str:
    first = points[0] if points else None
    last = points[-1] if points else None
    return (
        f"Total supply of {label} over blocks {start:,} to {end:,}: "
        + (
            f"{_amount(first.supply, dec)} at block {first.block:,}, "
            f"{_amount(last.supply, dec)} at block {last.block:,}, peak {_amount(peak, dec)}"
            if first and last
            else "no movement in the range"
        )
        + (f"; cap {_amount(cap, dec)}" if cap else "")
        + f"; at most {max_holders} holders"
    )


def _pauses(x: _Scale, marks: Sequence[Any], end: int) -> list[str]:
    """Shaded from a pause to the next unpause of the same contract (or the end)."""
    parts = []
    open_pause: dict[str, Any] = {}
    for m in sorted(marks, key=lambda m: m.block):
        if m.kind == "pause":
            open_pause.setdefault(m.contract, m)
        elif m.kind == "unpause" and m.contract in open_pause:
            began = open_pause.pop(m.contract)
            parts.append(_pause_rect(x, began.block, m.block, began, m))
    parts.extend(_pause_rect(x, b.block, end, b, None) for b in open_pause.values())
    return parts


def _cap_line(y: _Scale, cap: int, cap_shown: bool, peak: int, dec: int) -> list[str]:
    if cap_shown:
        py = y(cap)
        return [
            f'<line class="cap" x1="{ML}" y1="{py}" x2="{W - MR}" y2="{py}" '
            f'stroke="#b00020" stroke-dasharray="6 4" stroke-width="1.5"/>'
            f'<text x="{W - MR - 4}" y="{py - 5}" text-anchor="end" fill="#b00020">'
            f"cap {_e(_amount(cap, dec))}</text>"
        ]
    if cap:
        return [
            f'<text x="{W - MR - 4}" y="{MT + 10}" text-anchor="end" fill="#b00020">'
            f"cap {_e(_amount(cap, dec))} is off the scale (supply peaks at "
            f"{_e(f'{peak / cap:.1%}')} of it)</text>"
        ]
    return []


def _supply_paths(
    x: _Scale, y: _Scale, yh: _Scale, points: Sequence[Any], end: int, dec: int
) -> list[str]:
    """The supply (solid) and holders (dashed) step lines, and a dot per point with its data."""
    if not points:
        return []
    path = [f"M{x(points[0].block)},{y(points[0].supply)}"]
    hpath = [f"M{x(points[0].block)},{yh(points[0].holders)}"]
    for p in points[1:]:
        path.append(f"H{x(p.block)}V{y(p.supply)}")
        hpath.append(f"H{x(p.block)}V{yh(p.holders)}")
    path.append(f"H{x(end)}")
    hpath.append(f"H{x(end)}")
    parts = [
        f'<path class="holders" d="{"".join(hpath)}" fill="none" stroke="#0b6e4f" '
        'stroke-width="1.2" stroke-dasharray="3 2" opacity="0.8"/>',
        f'<path d="{"".join(path)}" fill="none" stroke="#1d4ed8" stroke-width="2"/>',
    ]
    for p in points:
        tip = (
            f"block {p.block:,}{' ' + _date(p.timestamp) if p.timestamp else ''}: "
            f"supply {_amount(p.supply, dec)}, {p.holders} holders"
        )
        parts.append(
            f'<circle class="point" cx="{x(p.block)}" cy="{y(p.supply)}" r="2.5" '
            f'fill="#1d4ed8" data-block="{p.block}" data-supply="{p.supply}" '
            f'data-holders="{p.holders}"><title>{_e(tip)}</title></circle>'
        )
    return parts


def _finding_dots(x: _Scale, findings: Sequence[Finding]) -> list[str]:
    """One dot per rule and 4 px: a long history stays light."""
    groups: dict[tuple[str, int], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.rule_id, int(x(int(f.block or 0)) // 4)), []).append(f)
    parts = []
    for (rule_id, _), group in groups.items():
        first, last = group[0], group[-1]
        fx = x(int(first.block or 0))
        if len(group) == 1:
            tip = f"{rule_id} at block {first.block:,}: {first.message}"
        else:
            tip = f"{len(group)} findings of {rule_id} in blocks {first.block:,}-{last.block:,}"
        parts.append(
            f'<circle class="finding" cx="{fx}" cy="{H - MB - 6}" r="5" fill="#b00020" '
            f'stroke="#fff" data-block="{first.block}" data-count="{len(group)}" '
            f'data-rule="{_e(rule_id)}"><title>{_e(tip)}</title></circle>'
        )
    return parts


def transfers_chart(history: Any) -> str:
    days = [(d, d, n) for d, n in history.transfers_per_day]
    by_day = len(days) >= 3 or not history.transfers_by_block
    bars: list[tuple[Any, Any, int]] = (
        days if by_day else [tuple(b) for b in history.transfers_by_block]
    )
    if not any(n for _, _, n in bars):
        return "<p>No transfers between holders in the range.</p>"
    h = 200
    x0, x1 = ML, W - MR
    peak = max(n for _, _, n in bars)
    ticks = _nice_ticks(peak, integer=True)
    y = _Scale(0, ticks[-1], h - 40, 12)
    width = (x1 - x0) / len(bars)
    what = "day" if by_day else "block range"
    title = "Transfers per day" if by_day else "Transfers per block range"
    parts = [
        f'<svg viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" '
        f'aria-labelledby="transfers-title transfers-desc" class="chart transfers" '
        f'data-by="{"day" if by_day else "block"}">',
        f'<title id="transfers-title">{title}</title>',
        f'<desc id="transfers-desc">{_e(_transfers_desc(bars, by_day))}</desc>',
        f'<line x1="{x0}" y1="{h - 40}" x2="{x1}" y2="{h - 40}" stroke="#555"/>',
    ]
    parts.extend(
        f'<line x1="{x0}" y1="{y(value)}" x2="{x1}" y2="{y(value)}" stroke="#e5e5e5"/>'
        f'<text x="{x0 - 6}" y="{y(value) + 4}" text-anchor="end">{int(value):,}</text>'
        for value in ticks
    )
    step = max(1, len(bars) // 6)
    for i, (a, b, n) in enumerate(bars):
        label = _range_text(a, b, by_day)
        bx = round(x0 + i * width + width * 0.1, 1)
        bw = round(max(width * 0.8, 1), 1)
        parts.append(
            f'<rect class="bar" x="{bx}" y="{y(n)}" width="{bw}" '
            f'height="{round(y(0) - y(n), 1)}" fill="#1d4ed8" data-from="{_e(a)}" '
            f'data-to="{_e(b)}" data-count="{n}"><title>{_e(label)}: {n:,} transfers</title>'
            "</rect>"
        )
        if i % step == 0:
            text = str(a) if by_day else f"{a:,}"
            parts.append(
                f'<text x="{round(bx + bw / 2, 1)}" y="{h - 24}" text-anchor="middle">'
                f"{_e(text)}</text>"
            )
    if not by_day:
        parts.append(
            f'<text x="{(x0 + x1) // 2}" y="{h - 6}" text-anchor="middle">first block of '
            "each range</text>"
        )
    parts.append("</svg>")
    rows = "".join(
        f'<tr><th scope="row">{_e(_range_text(a, b, by_day))}</th><td class="num">{n:,}</td></tr>'
        for a, b, n in bars
    )
    table = (
        f'<details class="noprint"><summary>{title} as a table</summary><table><thead><tr>'
        f'<th scope="col">{"Day (UTC)" if by_day else "Blocks"}</th>'
        '<th scope="col" class="num">Transfers</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></details>"
    )
    return (
        f"<figure>{''.join(parts)}<figcaption>Transfers between holders per {what}"
        f"{' (UTC)' if by_day else ''}; issuances and burns are not counted.</figcaption>"
        f"{table}</figure>"
    )


def marks_table(history: Any, names: _Names) -> str:
    if not history.marks:
        return "<p>No pauses, legal orders or terms amendments in the range.</p>"
    rows = "".join(
        f'<tr data-kind="{_e(m.kind)}"><td class="num">{m.block:,}</td>'
        f"<td>{_e(_date(m.timestamp))}</td><td>{_e(_MARK_STYLE[m.kind][1])}</td>"
        f"<td>{_e(m.label)}</td><td>{names.html(m.contract)}</td>"
        f"<td><code>{_e(m.tx_hash)}</code></td></tr>"
        for m in history.marks
    )
    return (
        "<h3>Pauses, legal orders and terms amendments</h3>"
        '<table id="marks-table"><thead><tr><th scope="col" class="num">Block</th>'
        '<th scope="col">Time</th><th scope="col">Kind</th><th scope="col">What</th>'
        '<th scope="col">Contract</th><th scope="col">Transaction</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def legend() -> str:
    items = [
        ("#1d4ed8", "total supply"),
        ("#b00020", "cap / finding"),
        ("#0b6e4f", "holders / terms amendment"),
        ("#6b21a8", "legal order"),
        ("#f6e7c8", "paused"),
    ]
    return (
        '<p class="legend" aria-hidden="true">'
        + "".join(
            f'<span><span class="sw" style="background:{c}"></span>{_e(t)}</span>' for c, t in items
        )
        + "</p>"
    )


def _pause_rect(x: _Scale, a: int, b: int, began: Any, ended: Any) -> str:
    x0, x1 = x(a), x(b)
    tip = f"paused from block {a:,}" + (f" to block {b:,}" if ended is not None else " to the end")
    return (
        f'<rect class="mark pause" x="{x0}" y="{MT}" width="{max(round(x1 - x0, 1), 2)}" '
        f'height="{H - MB - MT}" fill="#f6e7c8" opacity="0.8" data-block="{a}" '
        f'data-kind="pause"><title>{_e(tip)}</title></rect>'
    )


def _mark_line(x: _Scale, m: Any, top: int, bottom: int, names: _Names) -> str:
    color = _MARK_STYLE[m.kind][0]
    px = x(m.block)
    tip = f"{_MARK_STYLE[m.kind][1]} at block {m.block:,}: {m.label}"
    shape = (
        f'<path d="M{px - 5},{top} L{px + 5},{top} L{px},{top + 8} Z" fill="{color}"/>'
        if m.kind == "legal order"
        else f'<path d="M{px},{top - 1} L{px + 5},{top + 5} L{px},{top + 11} L{px - 5},{top + 5} Z"'
        f' fill="{color}"/>'
    )
    return (
        f'<g class="mark" data-kind="{_e(m.kind)}" data-block="{m.block}">'
        f'<line x1="{px}" y1="{top}" x2="{px}" y2="{bottom}" stroke="{color}" '
        f'stroke-dasharray="2 3"/>{shape}<title>{_e(tip)}</title></g>'
    )


def _points_table(points: Sequence[Any], dec: int, index: int) -> str:
    rows = "".join(
        f'<tr><td class="num">{p.block:,}</td><td>{_e(_date(p.timestamp))}</td>'
        f'<td class="num">{_e(_amount(p.supply, dec))}</td><td class="num">{p.holders}</td></tr>'
        for p in points
    )
    return (
        f'<details class="noprint"><summary>Timeline data as a table ({len(points):,} points)'
        f'</summary><table id="points-{index}"><thead><tr><th scope="col" class="num">Block</th>'
        '<th scope="col">Time</th><th scope="col" class="num">Total supply</th>'
        '<th scope="col" class="num">Holders</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )


def _transfers_desc(bars: Sequence[tuple[Any, Any, int]], by_day: bool) -> str:
    total = sum(n for _, _, n in bars)
    busiest = max(bars, key=lambda d: d[2])
    if by_day:
        return (
            f"{total:,} transfers over {len(bars)} days from {bars[0][0]} to {bars[-1][0]}; "
            f"busiest day {busiest[0]} with {busiest[2]:,}."
        )
    return (
        f"{total:,} transfers in blocks {bars[0][0]:,} to {bars[-1][1]:,}; busiest blocks "
        f"{busiest[0]:,} to {busiest[1]:,} with {busiest[2]:,}."
    )


def _range_text(a: Any, b: Any, by_day: bool) -> str:
    if by_day:
        return str(a)
    return f"blocks {a:,}\u2013{b:,}" if a != b else f"block {a:,}"


def _nice_ticks(top: float, integer: bool = False) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 times a power of ten) up to at least ``top``: 4 to 6
    ticks."""
    import math

    top = max(float(top), 1e-18)
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integer:
        step = max(1, math.ceil(step))
    count = math.ceil(top / step - 1e-9)
    return [i * step for i in range(count + 1)]
