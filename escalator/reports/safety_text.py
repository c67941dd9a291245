"""A safety record as JSON, as CSV, and as the plain text a nurse pastes into HaiPro.

The text is in the facility's language, with local times, and says everything
a patient-safety report asks: what, where, when, how long, who was contacted
how and when and what came of it, the care staff's part, the measures.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from escalator.domain.minimise import channel_kind, failure_reason
from escalator.domain.model import read_params
from escalator.domain.register import SafetyView, parameters
from escalator.i18n import code_label, dates, t, tn
from escalator.i18n.explain import explain, fill
from escalator.i18n.explain import values as explain_values
from escalator.reports import csvfile

CSV_COLUMNS = ("id", "incident", "cause", "cause_text", "recorded_at", "code", "what", "point",
               "source", "opened_at", "ended_at", "duration_min", "contacted", "answered",
               "no_answer", "skipped", "staff_taps", "staff_messages", "state",
               "closing_cause", "measures", "notes")


def local(at: datetime | None, tz: str, lang: str) -> str:
    return dates.stamp(at, tz, lang) if at else ""


def span(value: timedelta | None) -> str:
    """`1 h 05 min`, `3 d 2 h`: short and the same in fi, sv and en."""
    if value is None:
        return "–"
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def cause_text(lang: str, cause: str, detail: str = "", tz: str = "UTC") -> str:
    """Known causes in words with their stored parameters; a cause added later without a
    text is shown as its code."""
    vals = explain_values(lang, read_params(detail), tz, None)
    found = fill(lang, f"cause.{cause}", vals)
    if found is None:
        return cause
    text = found
    return text[:1].upper() + text[1:]


def as_json(v: SafetyView, lang: str, names: Mapping[str, str],
            tz: str = "UTC") -> dict[str, Any]:
    inc = v.incident
    return {
        "id": v.safety.id, "incident": inc.id, "cause": v.safety.cause,
        "cause_text": cause_text(lang, v.safety.cause, v.safety.detail, tz),
        "detail": v.safety.detail,
        "parameters": parameters(v.safety.detail), "recorded_at": v.safety.at.isoformat(),
        "state": v.state, "code": inc.code, "what": code_label(lang, inc.code),
        "point": inc.point, "source": inc.source, "text": inc.text,
        "severity": inc.severity, "incident_state": inc.state.value,
        "opened_at": v.started_at.isoformat(), "incident_opened_at": inc.opened_at.isoformat(),
        "ended_at": v.ended_at.isoformat() if v.ended_at else None,
        "duration_s": int(v.duration.total_seconds()),
        "contacts": [{"at": c.at.isoformat(), "party": c.party,
                      "party_name": names.get(c.party, c.party), "kind": c.kind,
                      "reason": c.reason, "channel": c.channel, "status": c.status,
                      "detail": _detail(c), "step": c.step} for c in v.contacts],
        "parties": [{"party": p.party, "name": names.get(p.party, p.party), "calls": p.calls,
                     "channels": list(p.channels), "outcome": p.outcome,
                     "answered_at": p.answered_at.isoformat() if p.answered_at else None,
                     "answer": p.answer, "skipped": list(p.skipped)} for p in v.parties],
        "care_staff": {"taps": v.attention.taps, "messages": v.attention.messages},
        "notes": [{"at": n.at.isoformat(), "by": n.by, "note": n.note} for n in v.notes],
        "review": None if v.review is None else {
            "closed_at": v.review.closed_at.isoformat(), "closed_by": v.review.closed_by,
            "cause": v.review.cause, "measures": v.review.measures},
    }


def _detail(c: Any) -> str:
    """A contact's stored detail; a failed send's error without the address it went to."""
    return failure_reason(c.detail) if c.kind == "called" else c.detail


def as_csv(views: Sequence[SafetyView], lang: str, tz: str) -> str:
    out = io.StringIO()
    writer = csvfile.writer(out)
    writer.writerow(CSV_COLUMNS)
    for v in views:
        inc, outcomes = v.incident, [p.outcome for p in v.parties]
        writer.writerow([
            v.safety.id, inc.id, v.safety.cause,
            cause_text(lang, v.safety.cause, v.safety.detail, tz),
            local(v.safety.at, tz, lang), inc.code,
            code_label(lang, inc.code), inc.point, inc.source, local(v.started_at, tz, lang),
            local(v.ended_at, tz, lang), int(v.duration.total_seconds() // 60),
            sum(p.calls for p in v.parties), outcomes.count("answered"),
            outcomes.count("no_answer") + outcomes.count("unreachable"),
            sum(len(p.skipped) for p in v.parties), v.attention.taps, v.attention.messages,
            v.state, v.review.cause if v.review else "", v.review.measures if v.review else "",
            " | ".join(f"{n.by}: {n.note}" for n in v.notes)])
    return out.getvalue()


def contact_line(c: Any, lang: str, tz: str, names: Mapping[str, str]) -> str:
    who = names.get(c.party, c.party) or "–"
    when = local(c.at, tz, lang)
    if c.kind == "called":
        status = t(lang, f"reg.status.{c.status}") if c.status else ""
        reason = failure_reason(c.detail) if c.status == "failed" else ""
        if reason:  # the channel's error, without the address it was sent to
            status += f" ({reason})"
        return f"{when}  " + t(lang, "reg.called", party=who, channel=_how(c, lang),
                               status=status)
    if c.kind == "told":
        status = t(lang, f"reg.status.{c.status}") if c.status else ""
        return f"{when}  " + t(lang, "reg.told", party=who, channel=_how(c, lang),
                               what=told_what(c.reason, lang), status=status)
    key = "reg.answered" if c.kind == "answered" else "reg.skipped"
    return f"{when}  " + t(lang, key, party=who, detail=_said(c, lang, tz))


TOLD = ("CLEAR_REQUESTED", "EXHAUSTED", "SAFETY_INCIDENT", "ACK_OVERDUE", "MAINTENANCE_ENDED")


def told_what(reason: str, lang: str) -> str:
    """What a message that was not a call said, in a few words: "asked to clear the alarm
    at the terminal" (the vendor), "the safety record" (the last resort)."""
    return t(lang, f"wk.told.{reason}") if reason in TOLD else t(lang, "wk.told.other")


def _said(c: Any, lang: str, tz: str) -> str:
    """A skip's reason, or an answer, as a sentence in `lang` from the stored parameters."""
    if c.kind == "skipped":
        raw = read_params(c.detail)
        return explain_values(lang, raw, tz, None).get("why", raw.get("text", c.detail))
    return explain(lang, c.reason, c.detail, tz=tz)


def as_text(v: SafetyView, lang: str, tz: str, names: Mapping[str, str]) -> str:
    inc = v.incident
    lines = [f"{t(lang, 'reg.title')} #{v.safety.id} ({t(lang, f'reg.state.{v.state}')})",
             "",
             f"{t(lang, 'reg.cause')}: "
             f"{cause_text(lang, v.safety.cause, v.safety.detail, tz)}",
             f"{t(lang, 'reg.what')}: {code_label(lang, inc.code)}"
             + (f" – {inc.text}" if inc.text else ""),
             f"{t(lang, 'reg.where')}: {inc.point or '–'} ({t(lang, 'reg.source')}: "
             f"{inc.source})",
             f"{t(lang, 'reg.when')}: {local(v.started_at, tz, lang)}"
             + (f" – {local(v.ended_at, tz, lang)}" if v.ended_at else ""),
             f"{t(lang, 'reg.recorded')}: {local(v.safety.at, tz, lang)}",
             f"{t(lang, 'reg.duration')}: {span(v.duration)}"
             + ("" if v.ended_at else " " + t(lang, "reg.still_open")),
             "", f"{t(lang, 'reg.contacts')}:"]
    lines += [f"  {contact_line(c, lang, tz, names)}" for c in v.contacts] or ["  –"]
    lines += ["", f"{t(lang, 'reg.parties')}:"]
    lines += ["  " + tn(lang, "reg.party_line", p.calls, party=names.get(p.party, p.party),
                        calls=p.calls, outcome=t(lang, f"reg.outcome.{p.outcome}"))
              for p in v.parties] or ["  –"]
    lines += ["", t(lang, "reg.attention", taps=v.attention.taps,
                    messages=v.attention.messages)]
    if v.notes:
        lines += ["", f"{t(lang, 'reg.notes')}:"]
        lines += [f"  {local(n.at, tz, lang)}  {n.by}: {n.note}" for n in v.notes]
    measures = v.review.measures if v.review and v.review.measures else ""
    lines += ["", f"{t(lang, 'reg.measures')}:", "  " + (measures or t(lang, "reg.measures_none"))]
    if v.review:
        lines += ["", t(lang, "reg.closed", at=local(v.review.closed_at, tz, lang),
                        by=v.review.closed_by, cause=v.review.cause)]
    return "\n".join(lines) + "\n"


# -- the record in plain words, for the weekly summary -----------------------------------

CHANNELS = ("telegram", "email", "sms", "voice", "webhook", "dect", "pager")


@dataclass(frozen=True)
class Record:
    """A safety record in plain words: a heading, sentences, and what happened when."""

    heading: str
    lines: tuple[str, ...]
    steps: tuple[str, ...]


def channel_words(channel: str | None, lang: str) -> str:
    """`telegram` -> "a Telegram message"; `log:sms` (no sender configured: the notice was
    only written to the log) says so in words; an unknown channel is shown as it is."""
    if not channel:
        return "–"
    if channel.startswith("log:"):
        return t(lang, "wk.channel.logged", channel=channel_words(channel[4:], lang))
    return t(lang, f"wk.channel.{channel}") if channel in CHANNELS else channel


def _how(c: Any, lang: str) -> str:
    """How a party was contacted, in words: the channel it went out on, or for a send
    that never went out, the kind its error names; never the address."""
    return channel_words(c.channel or channel_kind(None, c.detail) or None, lang)


def _step(c: Any, lang: str, tz: str, names: Mapping[str, str]) -> str:
    who = names.get(c.party, c.party) or "–"
    when = local(c.at, tz, lang)
    if c.kind == "called":
        status = t(lang, f"wk.rec.status.{c.status}") if c.status in (
            "sent", "failed", "pending") else (c.status or "")
        return t(lang, "wk.rec.called", at=when, party=who,
                 how=_how(c, lang), status=status)
    if c.kind == "told":
        status = t(lang, f"wk.rec.status.{c.status}") if c.status in (
            "sent", "failed", "pending") else (c.status or "")
        return t(lang, "wk.rec.told", at=when, party=who, how=_how(c, lang),
                 what=told_what(c.reason, lang), status=status)
    key = "reg.answered" if c.kind == "answered" else "reg.skipped"
    return f"{when} " + t(lang, key, party=who, detail=_said(c, lang, tz))


def as_record(v: SafetyView, lang: str, tz: str, names: Mapping[str, str]) -> Record:
    inc = v.incident
    what = code_label(lang, inc.code) + (f" ({inc.text})" if inc.text else "")
    if v.ended_at:
        when = t(lang, "wk.rec.ended", start=local(v.started_at, tz, lang),
                 end=local(v.ended_at, tz, lang), lasted=span(v.duration))
    else:
        when = t(lang, "wk.rec.open", start=local(v.started_at, tz, lang),
                 lasted=span(v.duration))
    lines = [t(lang, "wk.rec.what", what=what, where=inc.point or "–"), when,
             t(lang, "wk.rec.recorded", at=local(v.safety.at, tz, lang))]
    lines += ["; ".join(tn(lang, "reg.party_line", p.calls, party=names.get(p.party, p.party),
                           calls=p.calls, outcome=t(lang, f"reg.outcome.{p.outcome}"))
                        for p in v.parties)] if v.parties else []
    lines.append(t(lang, "reg.attention", taps=v.attention.taps, messages=v.attention.messages))
    lines += [f"{local(n.at, tz, lang)} {n.by}: {n.note}" for n in v.notes]
    if v.review:
        lines.append(t(lang, "reg.closed", at=local(v.review.closed_at, tz, lang),
                       by=v.review.closed_by, cause=v.review.cause))
    measures = v.review.measures if v.review and v.review.measures else ""
    lines.append(f"{t(lang, 'reg.measures')}: {measures or t(lang, 'reg.measures_none')}")
    heading = (f"{t(lang, 'reg.title')} #{v.safety.id}: "
               f"{cause_text(lang, v.safety.cause, v.safety.detail, tz)} "
               f"({t(lang, f'reg.state.{v.state}')})")
    return Record(heading, tuple(lines),
                  tuple(_step(c, lang, tz, names) for c in v.contacts))
