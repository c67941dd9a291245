"""The paging channel: a call to the ward's DECT or pager handsets over ESPA 4.4.4.

Nurses in care homes carry the ward's DECT or nurse-call handsets, often with no
smartphone on shift. A `dect:` or `pager:` contact is a call address in the paging
or nurse-call system; `channels.paging` says where that system listens (`host`,
`port`, or a serial `device` at `baudrate`: serial_line.py), its station `address`
(default 2), how many characters its handsets show
(`max_text`, default 80), how long to wait for each answer (`answer_within`, 2s)
and how often to try again (`retries`, 2). The exchange itself is in
espa_master.py; acceptance is the system's ACK of the call block.

What the handset shows: what, where, then why you get it ("Palohälytys, F-siipi
h. 12. Uusi hälytys"), cut to `max_text` at a word where it can be. No link: a
handset cannot open one. Text is ISO-8859-1 (ä, ö, å as written; other letters
become their plain form or "?").

The ESPA priority (record 6) follows the alarm's severity, the event's own word
else its code's: critical 3 (emergency), high 2 (high), anything else 1 (normal);
systems ring and show these differently, which is why urgency is sent at all.

Only calls to act are paged (domain/answering.py CALLS): an update ("taken by
Anna") would ring every handset on the ward for nothing, so the dispatcher gives
it to the party's next contact that carries updates (`carries_updates`).

One exchange at a time: a paging system behind a serial line or a serial-to-TCP
converter takes one master at a time, so sends wait for each other here.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Callable

from escalator.codecs.espa444 import CALL_TO_PAGER, encode_block
from escalator.config.channels import Settings, paging_line, paging_problems
from escalator.domain.answering import CALLS
from escalator.domain.availability import Contact
from escalator.domain.errors import ConfigError, NotifyError
from escalator.i18n import code_label
from escalator.i18n.codes import SEVERITIES, code_severity
from escalator.notify import render
from escalator.notify.base import Message, require_set_up
from escalator.notify.espa_master import Line, page
from escalator.notify.gsm import PLAIN

DEFAULT_MAX_TEXT = 80
PRIORITY = {"critical": "3", "high": "2"}  # ESPA record 6: 1 normal, 2 high, 3 emergency
NORMAL = "1"


def priority(severity: str, code: str, urgency: str = "high") -> str:
    """The ESPA priority of an alarm: its own severity word, else its code's; a route of
    low urgency (a fault, not a fire) never pages above normal."""
    word = (severity or code_severity(code)).strip().lower()
    found = PRIORITY.get(word, NORMAL) if word in SEVERITIES else NORMAL
    return NORMAL if urgency == "low" else found


def latin1(text: str) -> str:
    """What an ISO-8859-1 handset can show: typography made plain, accents outside
    Latin-1 dropped (č -> c), anything else "?", no control characters."""
    out = []
    for ch in text.translate(PLAIN):
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            out.append(" ")
        elif unicodedata.category(ch) == "Cf":  # zero-width and direction marks
            continue
        elif ord(ch) <= 0xFF:
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if ord(base) <= 0xFF and base.isprintable() else "?")
    return " ".join("".join(out).split())


def fit(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word where one ends late enough."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,")


def page_text(message: Message, limit: int) -> str:
    """What, where, why: "Palohälytys, F-siipi h. 12. Uusi hälytys." within `limit`."""
    inc = message.incident
    what = code_label(message.language, inc.code) + (f", {inc.point}" if inc.point else "")
    why = render.headline_for(message.reason, message.detail, message.update,
                              message.language, message.tz)
    return fit(latin1(f"{what}. {why}."), limit)


def call_block(address: str, text: str, prio: str) -> bytes:
    """One "call to pager" block: call address, display message, priority."""
    return encode_block(CALL_TO_PAGER, {1: address, 2: text, 6: prio})


class PagingNotifier:
    carries_updates = False  # the dispatcher gives updates to the party's next contact

    def __init__(self, settings: Callable[[], Settings]) -> None:
        found = paging_problems(settings())
        if found:
            raise ConfigError(found)
        self._settings = settings
        self._one_at_a_time = asyncio.Lock()

    async def send(self, contact: Contact, message: Message) -> None:
        settings = self._settings()
        require_set_up(paging_problems(settings))
        if message.update or message.reason not in CALLS:  # the dispatcher skips these
            raise NotifyError("paging: only calls to act are paged", recoverable=False,
                              kind="not_carried")
        limit = int(settings.get("max_text") or DEFAULT_MAX_TEXT)
        text = page_text(message, limit)
        block = call_block(contact.address, text,
                           priority(message.incident.severity, message.incident.code,
                                    message.urgency))
        async with self._one_at_a_time:
            await page(Line(**paging_line(settings)), block)
