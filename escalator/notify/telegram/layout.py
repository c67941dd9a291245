"""What a chat shows: the incident card, its buttons, short pings and storm digests.

Plain text, no parse mode: an alarm text from a terminal can contain any
character, and a broken HTML entity would make Telegram reject the whole
message at the worst moment. Everything is kept within Telegram's 4096
characters (counted, like Telegram does, in UTF-16 units).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from escalator.domain.guards import CARD_ARRIVALS, DEFAULT_SNOOZE, offered
from escalator.domain.model import WAITING_FOR_CLEAR, Action, Incident, Reason, State
from escalator.i18n import code_label, dates
from escalator.i18n.codes import severity_rank
from escalator.notify import buttons as callback
from escalator.notify.answer_reply import duration
from escalator.notify.guidance import Upcoming, false_alarm_at
from escalator.notify.telegram.texts import t, tn
from escalator.usecases.chat_records import Queued

TELEGRAM_LIMIT = 4096
TEXT_CAP, POINT_CAP, CONTACTED_CAP, ITEM_CAP = 1500, 300, 800, 300
DIGEST_ORDER = {r.value: i for i, r in enumerate((
    Reason.EXHAUSTED, Reason.SAFETY_INCIDENT, Reason.FIRST, Reason.ESCALATED, Reason.RENOTIFY,
    Reason.ACKED, Reason.EN_ROUTE, Reason.ON_SITE, Reason.FALSE_ALARM, Reason.RESOLVED,
    Reason.CLEARED))}

Button = tuple[str, str]  # (label, callback data)


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units, cut on a character boundary and marked with "…"."""
    if tg_len(text) <= limit:
        return text
    cut, size = [], 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if size + width > limit - 1:
            break
        cut.append(ch)
        size += width
    return "".join(cut) + "…"


def local(at: datetime, tz: str, now: datetime, lang: str) -> str:
    """9.05 today, 23.11. 21.40 on another day: what the reader would write (i18n.dates)."""
    return dates.moment(at, tz, lang, now)


@dataclass(frozen=True)
class CardFacts:
    """Everything a card says, gathered by the caller so this stays pure."""

    incident: Incident
    lang: str
    tz: str
    now: datetime
    facility: str
    serious: str
    todo: str
    contacting_now: str
    upcoming: Upcoming | None
    contacted: Sequence[tuple[str, datetime]]
    pass_to: str = ""  # on the care staff's step: who "pass on now" reaches
    remind_at: datetime | None = None  # when someone who takes it now will be reminded


def headline(f: CardFacts) -> str:
    inc, lang = f.incident, f.lang

    def when(at: datetime | None) -> str:
        return local(at, f.tz, f.now, f.lang) if at else ""

    if inc.escalation.exhausted and inc.state is State.OPEN:
        return t(lang, "head.exhausted")
    if inc.state is State.ACKNOWLEDGED and inc.promise == "on_site" and inc.fix_by:
        return t(lang, "head.on_site_fix", who=inc.acked_by or "?",
                 time=when(inc.promised_at), fix=when(inc.fix_by))
    if inc.state is State.ACKNOWLEDGED and inc.promise == "on_site":
        return t(lang, "head.on_site", who=inc.acked_by or "?", time=when(inc.promised_at))
    if inc.state is State.ACKNOWLEDGED and inc.eta:
        return t(lang, "head.acknowledged_eta", who=inc.acked_by or "?",
                 time=when(inc.acked_at), eta=when(inc.eta))
    if inc.state is State.ACKNOWLEDGED:
        return t(lang, "head.acknowledged", who=inc.acked_by or "?", time=when(inc.acked_at))
    if inc.state is State.AWAITING_CLEAR:
        return t(lang, "head.awaiting_clear", who=inc.resolved_by or "?")
    if inc.state is State.SNOOZED:
        return t(lang, "head.snoozed", time=when(inc.snoozed_until))
    if inc.state is State.FALSE_ALARM:
        return t(lang, "head.false_alarm", who=inc.false_alarm_by or "?",
                 time=when(false_alarm_at(inc)))
    if inc.state is State.RESOLVED:
        if inc.resolved_by == "source":
            return t(lang, "head.cleared", time=when(inc.resolved_at))
        return t(lang, "head.resolved", who=inc.resolved_by or "?", time=when(inc.resolved_at))
    return t(lang, "head.open")


def card_text(f: CardFacts) -> str:
    inc, lang = f.incident, f.lang
    lines = [headline(f), "", f"{code_label(lang, inc.code)} · #{inc.id}"]
    if inc.point:
        lines.append(f"📍 {t(lang, 'label.where')}: {shorten(inc.point, POINT_CAP)}")
    if inc.text:
        lines.append(shorten(inc.text, TEXT_CAP))
    since = f"🕒 {t(lang, 'label.since')}: {local(inc.opened_at, f.tz, f.now, f.lang)}"
    if inc.count > 1:
        since += f" ({tn(lang, 'label.count', inc.count, count=inc.count)})"
    lines += [since, "", f"{t(lang, 'label.serious')}: {f.serious}"]
    todo = f.todo
    if f.contacting_now:
        todo += " " + t(lang, "now.contacting", who=f.contacting_now)
    lines.append(f"{t(lang, 'label.todo')}: {todo}")
    if f.upcoming:
        up = f.upcoming
        nxt = t(lang, up.key, who=up.who, time=local(up.at, f.tz, f.now, f.lang))
        lines.append(f"{t(lang, 'label.next')}: {nxt}")
    lines += promises(f)
    if f.contacted:
        told = ", ".join(f"{name} {local(at, f.tz, f.now, f.lang)}" for name, at in f.contacted)
        lines.append(f"{t(lang, 'label.contacted')}: {shorten(told, CONTACTED_CAP)}")
    lines += ["", f"— {f.facility}"]
    return shorten("\n".join(lines), TELEGRAM_LIMIT)


def promises(f: CardFacts) -> list[str]:
    """What others promised and what was recorded: the nurse sees the vendor's ETA, the
    deadline for the clear, and that a safety record was written."""
    inc, lang, lines = f.incident, f.lang, []

    def when(at: datetime) -> str:
        return local(at, f.tz, f.now, f.lang)

    if inc.state is State.ACKNOWLEDGED and inc.ack_deadline:
        key = "label.arrival_deadline" if inc.promise == "en_route" else "label.ack_deadline"
        lines.append(f"⏰ {t(lang, key)}: {when(inc.ack_deadline)}")
    if inc.state in WAITING_FOR_CLEAR and inc.false_alarm_deadline:
        if inc.clear_promised_by and inc.clear_promised_by != inc.false_alarm_deadline:
            lines.append(f"🤝 {t(lang, 'label.promised')}: {when(inc.clear_promised_by)}")
        lines.append(f"⏰ {t(lang, 'label.clear_by')}: {when(inc.false_alarm_deadline)}")
    if inc.reopened:
        lines.append(f"🔁 {tn(lang, 'label.reopened', inc.reopened, n=inc.reopened)}")
    if inc.safety:
        causes = ", ".join(t(lang, f"safety.{c}") for c in dict.fromkeys(inc.safety))
        lines.append(f"⚠️ {t(lang, 'label.safety')}: {causes}")
    return lines


def keyboard(incident: Incident, lang: str, pass_to: str = "",
             remind_at: str = "") -> list[list[Button]]:
    """The buttons that make sense in the incident's state; none once it is resolved.

    On the care staff's step the first, widest button hands the alarm on (the nurse
    should not have to own a fault); "I'll take it" says that it stops the calls and
    when the taker will be reminded.
    """
    def button(action: Action, minutes: int | None = None) -> Button:
        if action is Action.SNOOZE:
            label = t(lang, "button.snooze", duration=duration(lang, minutes or DEFAULT_SNOOZE))
        elif action is Action.EN_ROUTE:
            label = t(lang, "button.en_route", duration=duration(lang, minutes or 60))
        else:
            label = t(lang, f"action.{action.value}")
        return label, callback.encode(action, incident.id, minutes)

    shown = offered(incident.state)  # the one table (domain/guards.py)
    promises = [r for r in ([button(Action.EN_ROUTE, m) for m in CARD_ARRIVALS
                             if Action.EN_ROUTE in shown],
                            [button(Action.ON_SITE)] if Action.ON_SITE in shown else []) if r]
    if Action.ACKNOWLEDGE in shown:  # still open: the likeliest answers first
        take = button(Action.ACKNOWLEDGE)
        if remind_at:
            take = (t(lang, "button.take_remind", time=remind_at), take[1])
        rows = [[take], *promises,
                [button(a) for a in (Action.FALSE_ALARM, Action.RESOLVE) if a in shown],
                [button(Action.SNOOZE, m) for m in callback.SNOOZE_CHOICES
                 if Action.SNOOZE in shown]]
        rows = [r for r in rows if r]
        if pass_to and Action.ESCALATE in shown:
            pass_on = (t(lang, "button.pass_on", who=shorten(pass_to, 40)),
                       button(Action.ESCALATE)[1])
            return [[pass_on], *rows]
        return [*rows, *([[button(Action.ESCALATE)]] if Action.ESCALATE in shown else [])]
    closing = [button(a) for a in (Action.RESOLVE, Action.FALSE_ALARM) if a in shown]
    passing = [button(Action.ESCALATE)] if Action.ESCALATE in shown else []
    promises.reverse()  # taken: "on site" is the likelier next answer
    if incident.promise == Action.ON_SITE.value:  # there already: "on my way" is past
        promises = promises[:1]
    return [r for r in (*promises, closing, passing) if r]


def what(incident: Incident, lang: str) -> str:
    label = code_label(lang, incident.code)
    return f"{label}, {shorten(incident.point, POINT_CAP)}" if incident.point else label


def ping_text(incident: Incident, reason: str, lang: str) -> str:
    """The short reply that makes phones ring; the card above it has the details."""
    key = f"ping.{reason}" if f"ping.{reason}" in _PINGS else "ping.RENOTIFY"
    return shorten(t(lang, key, id=incident.id, what=what(incident, lang)), TELEGRAM_LIMIT)


_PINGS = {f"ping.{r}" for r in ("FIRST", "RENOTIFY", "ESCALATED", "EXHAUSTED",
                                "SAFETY_INCIDENT", "MAINTENANCE_ENDED")}


@dataclass(frozen=True)
class DigestPart:
    text: str
    item_ids: tuple[int, ...]  # queue rows this message carries


def digest_parts(items: Sequence[Queued], incidents: Mapping[int, Incident], lang: str,
                 limit: int = TELEGRAM_LIMIT) -> list[DigestPart]:
    """Every queued notice, grouped by what happened and what alarm, in as few messages as fit."""
    rows = sorted(items, key=lambda q: (_rank(q, incidents), DIGEST_ORDER.get(q.reason, 99),
                                        _label(q, incidents, lang), q.incident_id, q.id))
    totals = Counter(q.reason for q in rows)
    head = tn(lang, "digest.head", len(rows), count=len(rows))
    tail = ["", t(lang, "digest.foot")]
    room = limit - tg_len(head) - tg_len("\n".join(tail)) - tg_len(t(lang, "digest.more")) - 20
    chunks: list[tuple[list[str], list[int]]] = [([], [])]
    heading = None
    for q in rows:
        title = t(lang, f"digest.{q.reason}") if f"digest.{q.reason}" in _DIGEST_KEYS \
            else t(lang, "digest.other")
        this = f"{title} ({totals[q.reason]}) – {_label(q, incidents, lang)}:"
        add = ([""] + [this] if this != heading else []) + [_item(q, incidents, lang)]
        lines, ids = chunks[-1]
        if ids and tg_len("\n".join(lines + add)) > room:
            chunks.append(([], []))
            lines, ids = chunks[-1]
            add = ["", this, add[-1]]
        lines += add
        ids.append(q.id)
        heading = this
    return _finish(chunks, head, tail, lang, limit)


_DIGEST_KEYS = {f"digest.{r}" for r in DIGEST_ORDER}


def _rank(q: Queued, incidents: Mapping[int, Incident]) -> int:
    """Most severe first: a fire above a door left open."""
    inc = incidents.get(q.incident_id)
    return severity_rank(inc.severity, inc.code) if inc else 99


def _label(q: Queued, incidents: Mapping[int, Incident], lang: str) -> str:
    inc = incidents.get(q.incident_id)
    return code_label(lang, inc.code) if inc else "?"


def _item(q: Queued, incidents: Mapping[int, Incident], lang: str) -> str:
    inc = incidents.get(q.incident_id)
    line = f"• #{q.incident_id}"
    if inc is not None and inc.point:
        line += f" {inc.point}"
    if inc is not None and q.reason in (Reason.FIRST, Reason.RENOTIFY, Reason.ESCALATED) \
            and inc.state is not State.OPEN:
        line += f" ({t(lang, 'digest.now', state=t(lang, 'state.' + inc.state.value))})"
    return shorten(line, ITEM_CAP)


def _finish(chunks: list[tuple[list[str], list[int]]], head: str, tail: list[str], lang: str,
            limit: int) -> list[DigestPart]:
    parts = []
    for n, (lines, ids) in enumerate(chunks, 1):
        if not ids:
            continue
        top = head if len(chunks) == 1 else f"{head} ({n}/{len(chunks)})"
        more = [t(lang, "digest.more")] if n < len(chunks) else []
        text = "\n".join([top, *lines, *tail[:1], *more, *tail[1:]])
        parts.append(DigestPart(shorten(text, limit), tuple(ids)))
    return parts
