"""An SVG picture of one incident's walk up its ladder over time.

Pure: rows are the ladder's steps, the x axis is time from the alarm to now
(or to its resolution), a dot is a call to someone on that step, a line
joins the calls in order, and labelled vertical marks show what people did
(took it, false alarm, resolved). The same facts are in the timeline as
text, so the picture carries a title and a description for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from escalator.i18n import dates

WIDTH, ROW, LEFT, TOP, RIGHT = 760, 34, 215, 40, 20


@dataclass(frozen=True)
class Call:
    at: datetime
    step: int  # 0-based; == len(steps) for "nobody took it" (on_exhausted)
    who: str
    reminder: bool


@dataclass(frozen=True)
class Mark:
    at: datetime
    label: str


def picture(steps: list[str], calls: list[Call], marks: list[Mark], start: datetime,
            end: datetime, tz: str, title: str, desc: str, now_label: str,
            lang: str = "en") -> str:
    rows = len(steps)
    height = TOP + rows * ROW + 46
    span = max((end - start).total_seconds(), 60.0)
    plot = WIDTH - LEFT - RIGHT

    def x(at: datetime) -> float:
        return LEFT + plot * min(max((at - start).total_seconds() / span, 0.0), 1.0)

    def y(step: int) -> float:
        return TOP + min(step, rows - 1) * ROW + ROW / 2

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
           f'role="img" aria-labelledby="lp-title lp-desc" class="ladder-picture">',
           f'<title id="lp-title">{escape(title)}</title>',
           f'<desc id="lp-desc">{escape(desc)}</desc>']
    for n, label in enumerate(steps):
        top = TOP + n * ROW
        fill = "#f3f5f9" if n % 2 == 0 else "#ffffff"
        out.append(f'<rect x="{LEFT}" y="{top}" width="{plot}" height="{ROW}" fill="{fill}"/>')
        out.append(f'<text x="{LEFT - 8}" y="{top + ROW / 2 + 5}" text-anchor="end" '
                   f'font-size="12" fill="#222">{escape(_cut(label, 30))}</text>')
    axis_y = TOP + rows * ROW
    out.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{LEFT + plot}" y2="{axis_y}" '
               f'stroke="#555"/>')
    for at in _ticks(start, end):
        px = x(at)
        out.append(f'<line x1="{px:.1f}" y1="{TOP}" x2="{px:.1f}" y2="{axis_y + 4}" '
                   f'stroke="#ccc"/>')
        out.append(f'<text x="{px:.1f}" y="{axis_y + 18}" text-anchor="middle" font-size="12" '
                   f'fill="#333">{dates.clock(at, tz, lang)}</text>')
    if calls:
        path = [(x(calls[0].at), y(calls[0].step))]
        for c in calls[1:]:  # stays on a step until the next call, then moves
            path += [(x(c.at), path[-1][1]), (x(c.at), y(c.step))]
        path.append((x(end), path[-1][1]))
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in path)
        out.append(f'<polyline points="{points}" fill="none" stroke="#3561c4" '
                   f'stroke-width="2"/>')
    for c in calls:
        radius = 4 if c.reminder else 6
        out.append(f'<circle cx="{x(c.at):.1f}" cy="{y(c.step):.1f}" r="{radius}" '
                   f'fill="#3561c4"><title>{escape(c.who)} '
                   f'{dates.moment(c.at, tz, lang)}</title></circle>')
    for i, m in enumerate(marks):
        px = x(m.at)
        out.append(f'<line x1="{px:.1f}" y1="{TOP - 6}" x2="{px:.1f}" y2="{axis_y}" '
                   f'stroke="#1e7d34" stroke-width="2" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{px + 3:.1f}" y="{TOP - 24 + (i % 2) * 12}" font-size="12" '
                   f'fill="#14532d">{escape(_cut(m.label, 30))}</text>')
    out.append(f'<text x="{LEFT}" y="{axis_y + 36}" text-anchor="start" font-size="12" '
               f'fill="#333">{dates.moment(start, tz, lang)}</text>')
    out.append(f'<text x="{LEFT + plot}" y="{axis_y + 36}" text-anchor="end" font-size="12" '
               f'fill="#333">{escape(now_label)} '
               f'{dates.clock(end, tz, lang)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    """About five round times between start and end."""
    span = (end - start).total_seconds()
    for minutes in (1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440):
        if span / (minutes * 60) <= 6:
            break
    step = timedelta(minutes=minutes)
    first = start.replace(second=0, microsecond=0)
    first += timedelta(minutes=-(first.minute % minutes) if minutes < 60 else 0)
    found, at = [], first
    while at <= end:
        if at >= start:
            found.append(at)
        at += step
    return found[:8]
