"""Render a stored reason and its parameters as one sentence in the reader's language.

Used by every place a person reads a timeline entry or a notice: e-mail, SMS,
Telegram replies, the ack page, `simulate`. Times are stored in UTC and shown
in the facility's zone: "14:30" on the day of `now`, "24.12. 14:30" otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from escalator.domain.model import read_params
from escalator.i18n import TEXTS, code_label, t

TIME_KEYS = ("eta", "until", "deadline", "promised", "at", "resolved_at", "since")
# Appended, in this order, to these reasons' sentences when the parameter is there.
FRAGMENTS: dict[str, frozenset[str]] = {
    "eta": frozenset({"ACKED"}),
    "promised": frozenset({"FALSE_ALARM", "AWAITING_CLEAR", "CLEAR_REQUESTED"}),
    "until": frozenset({"ACKED"}),
    "by": frozenset({"ESCALATED"}),
    "to": frozenset({"ESCALATED"}),
    "rewalk": frozenset({"EXHAUSTED"}),
}


def when(at: datetime, tz: str, now: datetime | None = None) -> str:
    """A clock time in the facility's zone; with the date when it is not today."""
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    if now is not None and local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m. %H:%M")


def values(lang: str, raw: dict[str, Any], tz: str, now: datetime | None) -> dict[str, str]:
    """Parameters made readable: times local, causes and skip reasons in words."""
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key in TIME_KEYS and isinstance(value, str):
            try:
                out[key] = when(datetime.fromisoformat(value), tz, now)
                continue
            except ValueError:
                pass
        out[key] = str(value)
    if "by" not in out:
        out["by"] = t(lang, "someone")
    if "code" in raw:
        out["what"] = code_label(lang, str(raw["code"]))
    if "cause" in raw:
        out["cause"] = _fill(lang, f"cause.{raw['cause']}", out) or str(raw["cause"])
    if "why" in raw:
        out["why"] = _fill(lang, f"why.{raw['why']}", out) or str(raw["why"])
    if "failure" in raw:  # a send that failed: in words, the technical error stays out
        out["error"] = failure(lang, raw)
    if "error" not in out:
        out["error"] = out.get("text", "")
    if "who" not in out:
        out["who"] = out.get("text", "?")
    return out


def failure(lang: str, raw: dict[str, Any]) -> str:
    """"e-mail: could not be reached, trying SMS next" in the reader's language."""
    def channel(name: object) -> str:
        return t(lang, f"channel.{name}") if f"channel.{name}" in TEXTS else str(name)

    what = t(lang, f"failure.{raw['failure']}") if f"failure.{raw['failure']}" in TEXTS \
        else t(lang, "failure.error")
    text = t(lang, "failure.line", channel=channel(raw["channel"]), failure=what) \
        if raw.get("channel") else what
    if raw.get("next"):
        text += "; " + t(lang, "failure.next", next=channel(raw["next"]))
    return text


class _Blank(dict[str, str]):
    """A parameter the stored row does not have is left out, never shown as "{name}"."""

    def __missing__(self, key: str) -> str:
        return "?"


def _fill(lang: str, key: str, vals: dict[str, str]) -> str | None:
    if key not in TEXTS:
        return None
    table = TEXTS[key]
    return (table.get(lang) or table["en"]).format_map(_Blank(vals))


def explain(lang: str, reason: str, detail: str, *, update: bool = False, tz: str = "UTC",
            now: datetime | None = None, timeline: bool = False) -> str:
    """One sentence: the reason with its parameters, then the optional parts.

    `timeline`: for a timeline that others read (the ack page, the board): a call to
    someone is said in the third person ("alarm passed on to them"), never "to you".
    """
    raw = read_params(detail)
    vals = values(lang, raw, tz, now)
    key = f"reason.{reason}.update"
    if timeline and "to" in raw:
        update = True  # "passed on to X", told to those who had it before
    if timeline and not update and f"reason.{reason}.timeline" in TEXTS:
        key = f"reason.{reason}.timeline"
    elif not (update and key in TEXTS):
        key = f"reason.{reason}"
    if raw.get("again") and f"reason.{reason}.again" in TEXTS:
        key = f"reason.{reason}.again"
    if key not in TEXTS:
        return vals.get("text", reason)
    template = TEXTS[key].get(lang) or TEXTS[key]["en"]
    sentence = template.format_map(_Blank(vals))
    parts = [sentence]
    if raw.get("promised") and raw.get("promised") == raw.get("deadline"):
        raw = {k: v for k, v in raw.items() if k != "promised"}  # said once is enough
    for frag, reasons in FRAGMENTS.items():
        if frag in raw and reason in reasons and "{" + frag + "}" not in template:
            parts.append(_fill(lang, f"frag.{frag}", vals) or "")
    if raw.get("said") and f"said.{raw['said']}" in TEXTS:
        parts.insert(1, t(lang, f"said.{raw['said']}"))
    text = ", ".join(parts)
    if raw.get("note") and "{note}" not in template:
        text += f": {raw['note']}"
    if "text" in raw and reason not in ("DELIVERY_FAILED", "CHANNEL_FAILED", "REFUSED"):
        text += f" – {raw['text']}"  # written before parameters existed: shown as it was
    return text
