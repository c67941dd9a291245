"""The weekly summary as HTML, PDF, CSV and a trend chart, from one model.

`model()` turns the figures into sections of plain strings in the reader's
language (titles, column headings, rows). The HTML template and the PDF walk
the same sections, so the two can never say different things; the CSV holds
the underlying alarms, one per row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import TypeVar

from escalator.domain.service_promises import spoken
from escalator.i18n import code_label, dates, t, tn
from escalator.reports import csvfile
from escalator.reports.promise_table import Tally
from escalator.reports.safety_text import Record, as_record, cause_text, local, span
from escalator.reports.weekly import (
    ANSWER_WITHIN,
    RECURRING_TIMES,
    RECURRING_WEEKS,
    Durations,
    HeldRow,
    Row,
    Summary,
)


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    text: tuple[str, ...] = ()  # paragraphs
    records: tuple[Record, ...] = ()
    chart: bool = False
    empty: str = ""


@dataclass(frozen=True)
class Model:
    lang: str
    title: str
    period: str
    facility: str
    total: str
    sections: tuple[Section, ...]
    footer: str
    trend: tuple[tuple[str, int | None], ...] = field(default=())
    front: tuple[Section, ...] = ()  # the first page: how the week went
    notes: tuple[str, ...] = ()  # what the figures cover (monitoring began, week not over)
    not_monitored: str = ""  # the chart's word for a week nobody watched
    page_words: str = "{n} / {of}"  # the PDF's page numbers

    @property
    def trend_text(self) -> str:
        """The chart in words (its alt text): "W38: not monitored, ..., W49: 12"."""
        return ", ".join(f"{label.split('-')[1]}: {n if n is not None else self.not_monitored}"
                         for label, n in self.trend)


def _d(value: timedelta | None) -> str:
    return span(value) if value is not None else "–"


def _pct(d: Durations) -> str:
    """`median / 90th percentile`, one cell: a phone-width table keeps its columns."""
    return f"{_d(d.median)} / {_d(d.p90)}" if d.n else "–"


T = TypeVar("T")
MAX_ROWS = 25  # a long table is cut here with "… and N more" (the CSV has every alarm)


def _cut(items: Sequence[T], row: Callable[[T], tuple[str, ...]],
         lang: str) -> tuple[tuple[str, ...], ...]:
    """The first MAX_ROWS items as rows, and "… and N more": only the rows shown are
    formatted (a week of a shared store may have thousands of recurring faults)."""
    rows = tuple(row(x) for x in items[:MAX_ROWS])
    if len(items) <= MAX_ROWS:
        return rows
    more = tn(lang, "wk.more", len(items) - MAX_ROWS, n=len(items) - MAX_ROWS)
    return (*rows, (more, *([""] * (len(rows[0]) - 1))))


def _open(r: Row, lang: str) -> str:
    """A duration, and "still open" when the alarm had not ended when it was measured."""
    return span(r.lasted) + (" " + t(lang, "reg.still_open") if r.state == "open" else "")


def _count(value: int | None, lang: str) -> str:
    return str(value) if value is not None else t(lang, "wk.not_monitored")


def _mean(value: float | None, lang: str) -> str:
    return dates.decimal(value, lang) if value is not None else t(lang, "wk.not_monitored")


def _share(n: int | None, of: int | None, lang: str) -> str:
    if n is None:
        return t(lang, "wk.not_monitored")
    if not of:
        return "–"
    return t(lang, "wk.share", n=n, of=of, pct=round(100 * n / of))


def _mean_share(n: float | None, of: float | None, lang: str) -> str:
    """The 12 weeks' average: "9,5/11,0 (86 %)" a week."""
    if n is None or of is None:
        return t(lang, "wk.not_monitored")
    if not of:
        return "–"
    return t(lang, "wk.share", n=dates.decimal(n, lang), of=dates.decimal(of, lang),
             pct=round(100 * n / of))


def _tally(x: Tally) -> tuple[str, str]:
    return f"{x.kept} / {x.broken}", _pct(x.figures)


def promises(s: Summary, lang: str, names: Mapping[str, str]) -> Section:
    """Per party and promise: kept / broken and median / 90th percentile, this week and
    over the 12 weeks."""
    col = lambda key: t(lang, f"wk.col.{key}")  # noqa: E731 - a short local alias
    return Section(
        t(lang, "wk.promises"),
        (col("party"), col("promise"), col("week_kept"), col("week_figures"),
         col("weeks_kept"), col("weeks_figures")),
        tuple((names.get(r.party, r.party), t(lang, f"wk.promise.{r.kind}", within=spoken(r.limit)),
               *_tally(r.week), *_tally(r.weeks)) for r in s.promises),
        empty=t(lang, "wk.promises_none"))


def front(s: Summary, lang: str) -> Section:
    k = s.key
    minutes = int(ANSWER_WITHIN.total_seconds() // 60)
    return Section(
        t(lang, "wk.key"),
        ("", t(lang, "wk.key.this"), t(lang, "wk.key.last"), t(lang, "wk.key.average")),
        ((t(lang, "wk.key.alarms"), _count(k.alarms.this, lang), _count(k.alarms.last, lang),
          _mean(k.alarms.average, lang)),
         (t(lang, "wk.key.answered", minutes=minutes),
          _share(k.answered.this, k.answered.of, lang),
          _share(k.answered.last, k.answered.last_of, lang),
          _mean_share(k.answered.average, k.answered.average_of, lang)),
         (t(lang, "wk.key.safety"), _count(k.safety.this, lang), _count(k.safety.last, lang),
          _mean(k.safety.average, lang)),
         (t(lang, "wk.key.recurring", times=RECURRING_TIMES, weeks=RECURRING_WEEKS),
          _count(k.recurring.this, lang), _count(k.recurring.last, lang), "–")))


def notes(s: Summary, lang: str, tz: str) -> tuple[str, ...]:
    found = []
    if s.monitored_from is None:
        found.append(t(lang, "wk.note.not_monitored"))
    elif s.partly_monitored:
        found.append(t(lang, "wk.note.since", at=local(s.monitored_from, tz, lang)))
    if not s.complete:
        found.append(t(lang, "wk.note.so_far", at=local(s.until, tz, lang)))
    return tuple(found)


def moment(at: datetime, tz: str, lang: str) -> str:
    """`24.11. 9.00`: a day and a time, short enough for a list."""
    return dates.moment(at, tz, lang)


def _window(h: HeldRow, tz: str, lang: str) -> str:
    if h.window_from and h.until:
        return f"{local(h.window_from, tz, lang)} – {local(h.until, tz, lang)}"
    return t(lang, "wk.until", at=local(h.until, tz, lang)) if h.until else "–"


def model(s: Summary, lang: str, tz: str, names: Mapping[str, str], facility: str) -> Model:
    none = t(lang, "wk.none")
    col = lambda key: t(lang, f"wk.col.{key}")  # noqa: E731 - a short local alias
    last_day = s.week.monday + timedelta(days=6)
    sections = [
        Section(t(lang, "wk.by_type"), (col("code"), col("count")),
                tuple((code_label(lang, c), str(n)) for c, n in s.by_code), empty=none),
        Section(t(lang, "wk.by_point"), (col("point"), col("code"), col("count")),
                _cut(s.by_point, lambda x: (x[1] or "–", code_label(lang, x[0]), str(x[2])),
                     lang), empty=none),
        Section(t(lang, "wk.parties"),
                (col("party"), col("contacted"), col("ack"), col("clear"), col("no_answer"),
                 col("skipped"), col("promises")),
                tuple((names.get(p.party, p.party), str(p.contacted), _pct(p.to_ack),
                       _pct(p.to_clear), str(p.no_answer), str(p.skipped),
                       f"{p.promises_kept}/{p.promises}" if p.promises else "–")
                      for p in s.parties), empty=none),
        promises(s, lang, names),
        Section(t(lang, "wk.safety"),
                records=tuple(as_record(v, lang, tz, names) for v in s.safety[:MAX_ROWS]),
                text=((tn(lang, "wk.more", len(s.safety) - MAX_ROWS, n=len(s.safety) - MAX_ROWS),)
                      if len(s.safety) > MAX_ROWS else ()),
                empty=t(lang, "wk.safety_none")),
        Section(t(lang, "wk.longest"), (col("code"), col("point"), col("opened"), col("lasted"),
                                        col("state")),
                tuple((code_label(lang, r.code), r.point or "–", local(r.opened_at, tz, lang),
                       _open(r, lang), t(lang, f"state.{r.state}")) for r in s.longest),
                empty=none),
        Section(t(lang, "wk.still_open") if s.complete
                else t(lang, "wk.still_open_now", at=local(s.until, tz, lang)),
                (col("code"), col("point"), col("opened"), col("age")),
                _cut(s.still_open, lambda r: (code_label(lang, r.code), r.point or "–",
                                              local(r.opened_at, tz, lang), _open(r, lang)),
                     lang), empty=none),
        Section(t(lang, "wk.recurring", times=RECURRING_TIMES, weeks=RECURRING_WEEKS),
                (col("point"), col("code"), col("times"), col("this_week"), col("when")),
                _cut(s.recurring, lambda r: (
                    r.point or "–", code_label(lang, r.code), str(len(r.history)),
                    str(r.this_week), ", ".join(moment(at, tz, lang) for at in r.history[-8:])
                    + (" …" if len(r.history) > 8 else "")), lang), empty=none),
        Section(t(lang, "wk.repeated_false", threshold=s.false_alarm_threshold),
                (col("point"), col("code"), col("false_alarms")),
                _cut(s.repeated_false,
                     lambda x: (x[1] or "–", code_label(lang, x[0]), str(x[2])), lang),
                empty=none),
        Section(t(lang, "wk.held_back"),
                (col("point"), col("code"), col("work"), col("window"), col("held")),
                _cut(s.held_back, lambda h: (h.point or "–", code_label(lang, h.code),
                                             h.work or "–", _window(h, tz, lang),
                                             str(h.alarms)), lang), empty=none),
        Section(t(lang, "wk.staff"), text=(t(
            lang, "wk.staff_line",
            taps=dates.decimal(s.attention.per_alarm(s.attention.taps), lang),
            messages=dates.decimal(s.attention.per_alarm(s.attention.messages), lang),
            one=s.attention.one_tap, n=s.attention.alarms),)),
    ]
    return Model(
        lang=lang, title=t(lang, "wk.title", week=s.week.label),
        period=t(lang, "wk.period", start=dates.day(s.week.monday, lang),
                 end=dates.day(last_day, lang)),
        facility=facility, total=t(lang, "wk.alarms_total", n=s.total),
        sections=tuple(sections), footer=t(lang, "wk.footer", facility=facility),
        trend=s.trend, front=(front(s, lang), Section(t(lang, "wk.trend"), chart=True)),
        notes=notes(s, lang, tz), not_monitored=t(lang, "wk.not_monitored"),
        page_words=t(lang, "wk.page", n="{n}", of="{of}"))


def html(m: Model, chart_src: str = "cid:trend") -> str:
    import jinja2

    text = resources.files("escalator.reports").joinpath("templates/weekly.html").read_text()
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(text).render(m=m, chart_src=chart_src)


def csv_text(s: Summary, lang: str, tz: str, names: Mapping[str, str]) -> str:
    """The underlying alarms of the week, one per row, and each safety record's cause."""
    causes: dict[int, list[str]] = {}
    for v in s.safety:
        causes.setdefault(v.incident.id, []).append(
            cause_text(lang, v.safety.cause, v.safety.detail, tz))
    out = io.StringIO()
    w = csvfile.writer(out)
    w.writerow(["week", "incident", "code", "what", "point", "opened_at", "ended_at",
                "minutes", "state", "safety"])
    for r in s.rows:
        w.writerow([s.week.label, r.incident_id, r.code, code_label(lang, r.code), r.point,
                    local(r.opened_at, tz, lang), local(r.ended_at, tz, lang),
                    int(r.lasted.total_seconds() // 60), r.state,
                    "; ".join(causes.get(r.incident_id, []))])
    return out.getvalue()


def promises_csv(s: Summary, names: Mapping[str, str]) -> str:
    """The promise table, one row per party, promise and period, in minutes."""
    out = io.StringIO()
    w = csvfile.writer(out)
    w.writerow(["week", "party", "name", "promise", "within_min", "period", "kept", "broken",
                "median_min", "p90_min"])

    def minutes(value: timedelta | None) -> str:
        return "" if value is None else str(int(value.total_seconds() // 60))

    for r in s.promises:
        for period, x in (("week", r.week), ("12_weeks", r.weeks)):
            w.writerow([s.week.label, r.party, names.get(r.party, r.party), r.kind,
                        minutes(r.limit), period, x.kept, x.broken, minutes(x.figures.median),
                        minutes(x.figures.p90)])
    return out.getvalue()


def chart_png(m: Model) -> bytes:
    """The 12-week trend as a bar chart (the current week highlighted)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    labels = [label.split("-")[1] for label, _ in m.trend]
    counts = [n or 0 for _, n in m.trend]
    fig = Figure(figsize=(7.0, 2.4), dpi=110)
    ax = fig.subplots()
    colors = ["#9db7d5"] * (len(counts) - 1) + ["#1f4e79"]
    bars = ax.bar(labels, counts, color=colors[-len(counts):] if counts else colors)
    ax.bar_label(bars, labels=[str(n) if n is not None else "" for _, n in m.trend],
                 fontsize=8)
    top = max(counts + [1]) * 1.2
    # a week nobody watched has no bar and says so: it is not a week with 0 alarms
    for x, (_, n) in enumerate(m.trend):
        if n is None:
            ax.axvspan(x - 0.45, x + 0.45, color="#eeeeee", zorder=0)
            ax.text(x, top / 2, m.not_monitored, rotation=90, ha="center", va="center",
                    fontsize=7, color="#777777")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.set_ylim(0, top)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
