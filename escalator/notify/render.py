"""Plain-language message text, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from escalator.domain.model import Incident
from escalator.i18n import code_label, dates, t, tn
from escalator.i18n.codes import code_todo
from escalator.i18n.explain import explain


def subject(incident: Incident, lang: str, facility: str) -> str:
    what = code_label(lang, incident.code)
    where = f" – {incident.point}" if incident.point else ""
    return f"[{facility}] #{incident.id} {what}{where}"


def headline_for(reason: str, detail: str, update: bool, lang: str, tz: str = "UTC",
                 now: datetime | None = None) -> str:
    """One line: what happened and why you get this message, in the reader's language."""
    return explain(lang, reason, detail, update=update, tz=tz, now=now)


def body(
    incident: Incident, reason: str, detail: str, update: bool, lang: str, tz: str, ack_url: str,
    now: datetime | None = None, *, read_only: bool = False,
) -> str:
    """The headline says what happened and why you get this; then what, where, since when.

    `read_only`: a viewer's (the purchaser's) notice says what happened and links to
    the record: no instructions for the staff and no "take it or answer"
    (`escalator.domain.audience`)."""
    headline = headline_for(reason, detail, update, lang, tz, now)
    since = dates.stamp(incident.opened_at, tz, lang)
    lines = [headline, "", code_label(lang, incident.code)]
    if incident.text:
        lines.append(incident.text)
    todo = code_todo(lang, incident.code) if incident.is_open and not read_only else ""
    if todo:
        lines.append(todo)
    if incident.point:
        lines.append(f"{t(lang, 'label.where')}: {incident.point}")
    lines.append(f"{t(lang, 'label.since')}: {since}")
    if incident.count > 1:
        lines.append(tn(lang, "label.count", incident.count, count=incident.count))
    lines.append(f"{t(lang, 'label.state')}: {t(lang, 'state.' + incident.state.value)}")
    if ack_url and read_only:
        lines += ["", f"{t(lang, 'label.record')}: {ack_url}"]
    elif ack_url and incident.is_open:
        lines += ["", f"{t(lang, 'label.act')}: {ack_url}"]
    return "\n".join(lines)


# What an SMS asks its reader to do, by reason (the SMS leads with why and this request).
# A call to act asks to take it or pass it on (by a reply where the gateway takes
# replies); a request to clear the terminal says its request in the reason itself;
# everything else is news: "for your information, nothing to do".
_ASKS: dict[str, str] = {
    "EXHAUSTED": "sms.ask.safety", "SAFETY_INCIDENT": "sms.ask.safety",
    "PROMISE_DUE": "sms.ask.promise", "CLEAR_REQUESTED": "",
}


def sms_request(reason: str, update: bool, read_only: bool, lang: str, *, calls: frozenset[str],
                replies: bool = False) -> str:
    """The request an SMS makes ("" when its reason is the request: clear the terminal)."""
    if read_only or update:
        return t(lang, "sms.ask.none")
    if reason in calls:
        return t(lang, "sms.ask.reply" if replies else "sms.ask.take")
    key = _ASKS.get(reason, "sms.ask.none")
    return t(lang, key) if key else ""
