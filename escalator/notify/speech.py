"""What a voice gateway is told to say: the alarm read aloud, and the answer to a key press.

Each gateway speaks its own format: 46elks takes JSON call actions with
text-to-speech as "<locale>/<text>", Twilio takes TwiML (<Gather> around
<Say>), a generic gateway gets plain JSON {"say", "language"}. The words
come from the catalogue in the party's language; nothing here is stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from escalator.domain.model import Incident
from escalator.i18n import code_label, dates, t
from escalator.i18n.explain import explain

# The locale each gateway's text-to-speech wants for our languages.
LOCALES: dict[str, dict[str, str]] = {
    "46elks": {"fi": "fi_FI", "sv": "sv_SE", "en": "en_US"},
    "twilio": {"fi": "fi-FI", "sv": "sv-SE", "en": "en-US"},
    "generic": {"fi": "fi-FI", "sv": "sv-SE", "en": "en-US"},
}
KEY_TIMEOUT_S = 10  # how long the gateway waits for a key after the message


def locale(preset: str, lang: str) -> str:
    return LOCALES.get(preset, LOCALES["generic"]).get(lang, lang)


def call_text(incident: Incident, reason: str, lang: str, facility: str, tz: str,
              now: datetime, detail: str = "") -> str:
    """Who calls, why (the reason and its parameters), what and where, since when, and the
    two keys; short enough to remember."""
    what = code_label(lang, incident.code) + (f", {incident.point}" if incident.point else "")
    headline = explain(lang, reason, detail, tz=tz, now=now).rstrip(".")
    return " ".join((t(lang, "voice.intro", facility=facility), f"{headline}.", f"{what}.",
                     t(lang, "voice.since", time=_spoken_time(incident.opened_at, now, tz, lang)),
                     t(lang, "voice.keys"), t(lang, "voice.keys_promise")))


def _spoken_time(at: datetime, now: datetime, tz: str, lang: str) -> str:
    return dates.moment(at, tz, lang, now)


def elks_call(text: str, loc: str, answer_url: str) -> dict[str, object]:
    """46elks `voice_start`: read the text, wait for one digit, post it to `answer_url`."""
    return {"ivr": f"{loc}/{text}", "digits": 1, "timeout": KEY_TIMEOUT_S, "repeat": 2,
            "next": answer_url}


def twiml_call(text: str, loc: str, answer_url: str, no_choice: str) -> str:
    """TwiML: the text twice inside one <Gather>; silence falls through to `no_choice`."""
    say = f"<Say language={quoteattr(loc)}>{escape(text)}</Say>"
    return ('<?xml version="1.0" encoding="UTF-8"?><Response>'
            f'<Gather numDigits="1" timeout="{KEY_TIMEOUT_S}" method="POST" '
            f"action={quoteattr(answer_url)}>{say}<Pause length=\"1\"/>{say}</Gather>"
            f"<Say language={quoteattr(loc)}>{escape(no_choice)}</Say></Response>")


def reply(preset: str, lang: str, text: str) -> tuple[str, str]:
    """The answer to the gateway's key-press callback: (body, content type)."""
    loc = locale(preset, lang)
    if preset == "twilio":
        return ('<?xml version="1.0" encoding="UTF-8"?><Response>'
                f"<Say language={quoteattr(loc)}>{escape(text)}</Say><Hangup/></Response>",
                "text/xml")
    if preset == "46elks":
        return json.dumps({"play": f"{loc}/{text}"}, ensure_ascii=False), "application/json"
    return json.dumps({"say": text, "language": loc}, ensure_ascii=False), "application/json"
