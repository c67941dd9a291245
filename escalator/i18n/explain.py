"""Render a stored reason and its parameters as one sentence in the reader's language.

Used by every place a person reads a timeline entry or a notice: e-mail, SMS,
Telegram replies, the ack page, `simulate`. Times are stored in UTC and shown
in the facility's zone: "14:30" on the day of `now`, "24.12. 14:30" otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from escalator.domain.model import read_params
from escalator.i18n import catalogs, code_label, dates, t

TIME_KEYS = ("eta", "until", "deadline", "promised", "at", "resolved_at", "since", "arrive_by",
             "fix_by", "late")
# Appended, in this order, to these reasons' sentences when the parameter is there.
FRAGMENTS: dict[str, frozenset[str]] = {
    "eta": frozenset({"ACKED"}),
    "promised": frozenset({"FALSE_ALARM", "AWAITING_CLEAR", "CLEAR_REQUESTED"}),
    "until": frozenset({"ACKED"}),
    "late": frozenset({"ACKED"}),
    "by": frozenset({"ESCALATED"}),
    "to": frozenset({"ESCALATED"}),
    "rewalk": frozenset({"EXHAUSTED"}),
    "fix_by": frozenset({"ON_SITE"}),
}


def when(at: datetime, tz: str, now: datetime | None, lang: str) -> str:
    """A clock time in the facility's zone and the reader's locale; with the date when it
    is not today."""
    return dates.moment(at, tz, lang, now)


def values(lang: str, raw: dict[str, Any], tz: str, now: datetime | None) -> dict[str, str]:
    """Parameters made readable: times local, causes and skip reasons in words."""
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key in TIME_KEYS and isinstance(value, str):
            try:
                out[key] = when(datetime.fromisoformat(value), tz, now, lang)
                continue
            except ValueError:
                pass
        out[key] = str(value)
    if "by" not in out:
        out["by"] = t(lang, "someone")
    if "code" in raw:
        out["what"] = code_label(lang, str(raw["code"]))
    if "cause" in raw:
        out["cause"] = fill(lang, f"cause.{raw['cause']}", out) or str(raw["cause"])
    if "why" in raw:
        out["why"] = fill(lang, f"why.{raw['why']}", out) or str(raw["why"])
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
        return t(lang, f"channel.{name}") if catalogs.has(f"channel.{name}") else str(name)

    what = t(lang, f"failure.{raw['failure']}") if catalogs.has(f"failure.{raw['failure']}") \
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


def _template(lang: str, key: str, vals: dict[str, str]) -> str | None:
    """The text of `key`; a plural entry in the form for the count it shows."""
    found = catalogs.lookup(key, lang)
    if found is None:
        return None
    got, text = found
    return catalogs.choose(got, text, catalogs.count_of(text, vals))


def fill(lang: str, key: str, vals: dict[str, str]) -> str | None:
    """`key`'s text with the readable values filled in; a missing one shows as '?'."""
    found = _template(lang, key, vals)
    return None if found is None else found.format_map(_Blank(vals))


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
    if timeline and not update and catalogs.has(f"reason.{reason}.timeline"):
        key = f"reason.{reason}.timeline"
    elif not (update and catalogs.has(key)):
        key = f"reason.{reason}"
    if raw.get("again") and catalogs.has(f"reason.{reason}.again"):
        key = f"reason.{reason}.again"
    if raw.get("promise") and catalogs.has(f"reason.{reason}.{raw['promise']}"):
        key = f"reason.{reason}.{raw['promise']}"  # which promise: arrival or the fix
    text_of = _template(lang, key, vals)
    if text_of is None:
        return vals.get("text", reason)
    sentence = text_of.format_map(_Blank(vals))
    parts = [sentence]
    if raw.get("promised") and raw.get("promised") == raw.get("deadline"):
        raw = {k: v for k, v in raw.items() if k != "promised"}  # said once is enough
    for frag, reasons in FRAGMENTS.items():
        if frag in raw and reason in reasons and "{" + frag + "}" not in text_of:
            parts.append(fill(lang, f"frag.{frag}", vals) or "")
    if raw.get("said") and catalogs.has(f"said.{raw['said']}"):
        parts.insert(1, t(lang, f"said.{raw['said']}"))
    text = ", ".join(parts)
    if raw.get("note") and "{note}" not in text_of:
        text += f": {raw['note']}"
    if "text" in raw and reason not in ("DELIVERY_FAILED", "CHANNEL_FAILED", "REFUSED"):
        text += f" – {raw['text']}"  # written before parameters existed: shown as it was
    return text
